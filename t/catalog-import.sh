#!/bin/sh
# catalog-import.sh: `kefu catalog import` on a SQLite catalog -- UTF-8
# and GBK files (GBK made by iconv, told or guessed), a second import
# updates and never doubles, a bad row refuses the whole import with its
# line (nothing half-imported) or is skipped with --skip-bad, a file in
# the wrong encoding is refused with a clear reason.
tap_name=catalog-import
. "$(dirname "$0")/tap.sh"

tap_conf
if ! command -v sqlite3 >/dev/null 2>&1 ||
    ! command -v iconv >/dev/null 2>&1 ||
    ! "$kefu" -c "$conf" catalog build >"$tmp/out" 2>&1; then
	echo "1..0 # SKIP no sqlite3, iconv or SQLite catalog:" \
	    "$(tail -1 "$tmp/out")"
	exit 0
fi
q() {
	sqlite3 "$tmp/catalog.db" "$1"
}

cat >"$tmp/a.csv" <<'CSV'
barcode,plu,name,spec,unit,price,stock
6901234567892,1001,金龙鱼大米,5千克,袋,39.90,120
6909876543212,1002,"伊利纯牛奶, 全脂",250毫升,盒,3.50,
CSV
run 0 "imported .*(UTF-8): 2 added, 0 updated, 0 bad" \
    "a UTF-8 file: two products added" -- catalog import "$tmp/a.csv"
[ "$(q "SELECT name || '|' || unit || '|' || stock FROM products
    WHERE plu = '1002'")" = "伊利纯牛奶, 全脂|盒|0" ]
check $? "a quoted name with a comma, an empty stock as 0"
run 0 ": 0 added, 2 updated" "the same file again updates" \
    -- catalog import "$tmp/a.csv"
[ "$(q "SELECT COUNT(*) FROM products")" = 2 ]
check $? "... and never doubles"

sed 's/39\.90/35.50/; s/金龙鱼大米/金龙鱼东北大米/' "$tmp/a.csv" |
    iconv -f UTF-8 -t GBK >"$tmp/gbk.csv"
run 1 "gbk.csv:2: not UTF-8 text" \
    "a GBK file said to be UTF-8: refused with its line" \
    -- catalog import --encoding UTF-8 "$tmp/gbk.csv"
run 1 "a.csv: is UTF-8 text, not GBK" \
    "a UTF-8 file said to be GBK: refused" \
    -- catalog import --encoding GBK "$tmp/a.csv"
run 0 "(GBK): 0 added, 2 updated" "a GBK file is recognised" \
    -- catalog import "$tmp/gbk.csv"
[ "$(q "SELECT name || '|' || price FROM products WHERE plu = '1001'")" = \
    "金龙鱼东北大米|35.5" ]
check $? "... and its text stored as UTF-8, its price changed"

cat >"$tmp/bad.csv" <<'CSV'
barcode,plu,name,unit,price
6920000000012,2001,农夫山泉,瓶,2.00
6920000000020,2002,康师傅红烧牛肉面,包,4.50
6920000000029,2003,,包,4.50
6920000000036,2004,可口可乐,瓶,abc
CSV
run 1 "bad.csv:3: barcode '6920000000020' is not" \
    "a wrong check digit: its line" -- catalog import "$tmp/bad.csv"
has "bad.csv:4: name is empty" "an empty name: its line"
has "bad.csv:5: price 'abc' is not a price" "every bad row is reported"
has "3 bad rows: nothing imported" "... and the import refused"
[ "$(q "SELECT COUNT(*) FROM products")" = 2 ]
check $? "... with nothing half-imported"
run 0 ": 1 added, 0 updated, 3 bad rows skipped" \
    "--skip-bad imports the good rows" \
    -- catalog import --skip-bad "$tmp/bad.csv"
has "bad.csv:3: .*(skipped)" "... and says which it skipped"
[ "$(q "SELECT name FROM products WHERE barcode = '6920000000012'")" = \
    农夫山泉 ]
check $? "... the good one is there"

# A clash found in the database, after a good row was written in the
# same transaction: rolled back.
cat >"$tmp/plu.csv" <<'CSV'
barcode,plu,name,unit,price
6920000000029,2003,统一冰红茶,瓶,3.00
6920000000012,1001,农夫山泉,瓶,2.00
CSV
run 1 "plu.csv:3: PLU 1001 belongs to another product" \
    "a PLU of another barcode: its line" -- catalog import "$tmp/plu.csv"
[ "$(q "SELECT COUNT(*) FROM products WHERE plu = '2003'")" = 0 ]
check $? "... and the good row before it rolled back"
run 0 ": 1 added, 0 updated, 1 bad rows skipped" \
    "--skip-bad imports the row before it" \
    -- catalog import --skip-bad "$tmp/plu.csv"
printf 'barcode,plu,name,unit,prize\n' >"$tmp/col.csv"
run 1 "col.csv:1: column 'prize' is unknown" "an unknown column" \
    -- catalog import "$tmp/col.csv"
printf 'barcode,plu,name,unit\n' >"$tmp/col.csv"
run 1 "col.csv:1: no column 'price'" "a missing column" \
    -- catalog import "$tmp/col.csv"
run 2 "usage: kefu catalog" "no file: usage" -- catalog import

tap_done
