# setup.sh: sourced by the slip tests after tap.sh: a SQLite store in
# $tmp with member 张三丰 and the orders of orders.sql.  Sets $conf and
# $db; extra kefu.conf lines come from $slip_conf_extra.
conf=$tmp/kefu.conf
db=$tmp/var/kefu.db
cat >"$conf" <<EOC
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
log = -
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$db
adapter = sqlite
$slip_conf_extra
EOC
"$kefu" -c "$conf" db init >"$tmp/out" 2>&1 &&
    "$kefu" -c "$conf" member add --name 张三丰 --mobile 13800138000 \
    --address 广州市天河区天河路385号 --staff S01 >>"$tmp/out" 2>&1 &&
    sqlite3 "$db" <"$KEFU_SRCDIR/t/data/slip/orders.sql" >>"$tmp/out" 2>&1
check $? "a store with five orders" "$tmp/out"
# sq SQL: one query against the store
sq() { sqlite3 "$db" "$1"; }
