#!/bin/sh
# order-engines.sh: phone ordering end to end with the local store on
# KEFU_ENGINE=postgresql or mysql (t/order-engines-pg.sh,
# t/order-engines-mariadb.sh: a schema or database of its own on the test
# servers, tap_engine; SQLite is t/order-call.sh's): kefud on a
# simulated line, the shipped flows (the member recognised by a caller ID
# in another form, +86..., then the PIN), a three-item order confirmed
# and read back from that database --
# the order, its lines (one bought at a special: 特价 and its shelf
# price, in the database and in `kefu order show`), its total and the
# courier's notice -- and a call cancelled at the confirmation that
# leaves nothing.
tap_name=order-engines${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"

tap_conf
tap_engine
e=$engine
tap_simline "$e"
tap_conf_add store "order-slots = 09:00-11:00/00:00/5
order-areas = 天河:天河区
pin-iterations = 2000"
"$kefu" -c "$conf" db init >"$tmp/out" 2>&1
has "initialised" "$tmp/out" "$e: a new store"
"$kefu" -c "$conf" catalog build --demo >"$tmp/out" 2>&1
# 10002 (2.00) on special at 1.50 today
"$kefu" -c "$conf" special add 10002 --price 1.50 >>"$tmp/out" 2>&1
check $? "10002 on special at 1.50" "$tmp/out"
echo 739146 | "$kefu" -c "$conf" member add --name 张三 \
    --mobile 13800138000 --address 广州市天河区体育西路1号 --pin \
    >"$tmp/out" 2>&1
no=$(sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out")
"$kefu" -c "$conf" courier add --name 王师傅 --mobile 13700000001 \
    --areas 天河 >>"$tmp/out" 2>&1
check $? "$e: member $no (PIN) and a courier" "$tmp/out"
tap_kefud "$tmp/kefud.log" -d
tap_wait 10 test -S "$tmp/line-$e.sock"
check $? "$e: kefud on the simulated line" "$tmp/kefud.log"
items="10001# 2# 1 10002# 1# 1 10003# 3# 3"
for c in 1 2; do
	[ $c = 1 ] && k="5 739146# $items 1 1" || k="5 739146# $items 1 2"
	"$kefu" -c "$conf" call --line "$e" --fast --keys "$k" \
	    --caller "+8613800138000" >"$tmp/call$c" 2>&1
	tap_wait 10 sh -c "\"$kefu\" -c \"$conf\" status |
	    grep -q \"^line $e *sim *idle\""
done
grep -q "(no barge-in)" "$tmp/call1"
check $? "$e: the caller (+8613800138000) heard the confirmation" \
    "$tmp/call1"
q "SELECT o.order_no, o.total, o.status, o.slot, o.area, m.customer_no
    FROM orders o JOIN members m ON m.id = o.member_id" >"$tmp/out"
[ "$(wc -l <"$tmp/out")" = 1 ] &&
    grep -q "^[0-9]\{10\}|25.90*|confirmed|09:00-11:00|天河|$no\$" \
    "$tmp/out"
check $? "$e: one order in the database, 25.90, confirmed, for $no" \
    "$tmp/out"
# (mysql prints NULL as NULL, the others as nothing)
q "SELECT l.line_no, l.code, l.qty, l.price, l.amount, l.special,
    l.shelf_price FROM order_lines l ORDER BY l.line_no" |
    sed 's/|NULL$/|/' >"$tmp/out"
grep -q "^1|10001|2[.0]*|2.90*|5.80*|0|$" "$tmp/out" &&
    grep -q "^3|10003|3[.0]*|6.20*|18.60*|0|$" "$tmp/out" &&
    [ "$(wc -l <"$tmp/out")" = 3 ]
check $? "$e: its three lines" "$tmp/out"
has "^2|10002|1[.0]*|1.50*|1.50*|1|2[.0]*$" "$tmp/out" \
    "$e: the line bought at a special says so, with the shelf price"
o=$(q "SELECT order_no FROM orders" | grep "^[0-9]\{10\}$")
"$kefu" -c "$conf" order show "$o" >"$tmp/out" 2>&1
has "10002 .* 1.50  特价 (原价 2.00)$" "$tmp/out" \
    "$e: kefu order show: 特价 and the shelf price"
[ "$(grep -c 特价 "$tmp/out")" = 1 ]
check $? "$e: only on that line" "$tmp/out"
q "SELECT m.channel, m.recipient, m.status FROM outbox m JOIN orders o
    ON m.order_id = o.id AND m.idem_key = 'order:' || o.order_no" \
    >"$tmp/out"
has "^sms|13700000001|queued$" "$tmp/out" \
    "$e: the courier's notice in the same database"
tap_done
