#!/bin/sh
# special-cli.sh: `kefu special add|list|end` on a SQLite catalog -- a
# special added by barcode or PLU is what the promotions menu (key 2)
# then says; an unknown barcode, a bad price or dates are refused with
# nothing written; end takes one off at once.  KEFU_ENGINE=postgresql
# or mysql puts the catalog on the test servers (t/special-cli-pg.sh,
# t/special-cli-mariadb.sh; tap_engine).
tap_name=special-cli${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"
# "Today" is taken once, at the start: a run across midnight would check
# yesterday's against kefu's new day.  Start at 13:00 local time.
tap_hour 13:00

tap_conf
tap_engine catalog
if ! command -v sqlite3 >/dev/null 2>&1 ||
    ! "$kefu" -c "$conf" catalog build >"$tmp/out" 2>&1; then
	echo "1..0 # SKIP no sqlite3 or no SQLite catalog:" \
	    "$(tail -1 "$tmp/out")"
	exit 0
fi
q "INSERT INTO products (barcode, plu, name, spec,
    unit, category, price) VALUES
    ('6901234567892', '1001', '金龙鱼大米', '5千克', '袋', '粮油', 39.90),
    ('6909876543210', '1002', '伊利纯牛奶', '250毫升', '盒', '乳品', 3.50);"
today=$(date +%Y-%m-%d)
count() {
	q "SELECT COUNT(*) FROM promotions" >"$tmp/n"
	[ "$(cat "$tmp/n")" = "$1" ]
}

"$kefu" -c "$conf" call --keys "2" >"$tmp/out" 2>&1
has "promo.none" "no special yet: the promotions menu says there are none"

run 1 "no product with barcode or PLU 6900000000000" \
    "an unknown barcode is a clear error" \
    -- special add 6900000000000 --price 9.90
count 0
check $? "... and nothing was written"
run 1 "price 'abc' is not a price" "a bad price is refused" \
    -- special add 6901234567892 --price abc
run 1 "is before --from" "until before from is refused" \
    -- special add 6901234567892 --price 29.90 --from 2026-12-10 \
    --until 2026-12-09
run 1 "dates must be YYYY-MM-DD" "a bad date is refused" \
    -- special add 6901234567892 --price 29.90 --from 2026-13-01
count 0
check $? "... and nothing was written by any of them"
run 2 "usage: kefu special" "add without --price is a usage error" \
    -- special add 6901234567892

run 0 "special 1 added: 6901234567892 金龙鱼大米 at 29.90" \
    "a special added by barcode" \
    -- special add 6901234567892 --price 29.90
run 0 "special 2 added: 6909876543210 伊利纯牛奶 at 2.80" \
    "a special added by PLU, for a week" \
    -- special add 1002 --price 2.80 --until 2099-12-31
run 0 "^1  *6901234567892  *29\.90*  *$today  *$today  *金龙鱼大米" \
    "list shows it with its price and dates" -- special list

"$kefu" -c "$conf" call --keys "2" >"$tmp/out" 2>&1
has "今天的促销商品共有两件" "the promotions menu counts the two specials"
has "play  \[zh-CN\] 金龙鱼大米特价二十九元九角$" \
    "... says the product, the kind and the special price"
has "伊利纯牛奶特价两元八角" "... and the one added by PLU"

run 0 "special 1 ended" "end takes one off" -- special end 1
run 1 "no current special 1" "ending it again is an error" \
    -- special end 1
run 0 "伊利纯牛奶" "list still shows the other one" -- special list
hasnt "金龙鱼大米" "... but no longer the ended one"
"$kefu" -c "$conf" call --keys "2" >"$tmp/out" 2>&1
hasnt "金龙鱼大米" "the promotions menu no longer says the ended special"
has "促销商品共有一件" "... counts one"
has "伊利纯牛奶特价两元八角" "... and still says the other one"

tap_done
