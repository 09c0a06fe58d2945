#!/bin/sh
# staff-flow.sh: staff services by phone (flows/staff.xml, menu item 7,
# kefu.staff.identify and kefu.staff.audit) through scripted calls of
# `kefu call` on a SQLite store and the demo catalog: the right staff
# number and PIN hear this week's schedule (catalog.schedule) or a
# customer's record (kefu.staff.customer) or the records of a phone
# number's customers (kefu.staff.customer_phone), each lookup audited with the
# call's reference; wrong PINs lock the number
# (the attempt that locks and the right PIN after it hear staff.locked);
# no PIN in any output or log.
tap_name=staff-flow
. "$(dirname "$0")/tap.sh"
# "Today" is taken once, at the start: a run across midnight would check
# yesterday's against kefu's new day.  Start at 13:00 local time.
tap_hour 13:00

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
tap_conf
sed -i 's/^datasource = local$/&\npin-attempts = 3\npin-iterations = 2000/' \
    "$conf"
sed -i '/^read-only = yes$/d' "$conf"
q() { sqlite3 "$tmp/kefu.db" "$1"; }
all=$tmp/all
: >"$all"
# call KEYS: a scripted call into menu item 7, log at debug level.
call() {
	"$kefu" -v -v -c "$conf" call --caller 13800138000 --keys "7 $1" \
	    >"$tmp/out" 2>&1
	cat "$tmp/out" >>"$all"
}

run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build -d catalog --demo
echo 482913 | "$kefu" -c "$conf" staff add 1001 >"$tmp/out" 2>&1
check $? "staff 1001 added" "$tmp/out"
days=$(sqlite3 "$tmp/catalog.db" "SELECT COUNT(*) FROM staff_schedule \
    WHERE staff_no = '1001' AND work_date >= date('now', 'localtime') AND \
    work_date <= date('now', 'localtime', '+6 days')")

call "1001# 482913# 1 *"
has "staff:check staff:top" "$tmp/out" "the right PIN reaches the staff menu"
if [ "${days:-0}" -gt 0 ]; then
	has "staff.schedule" "$tmp/out" "the schedule is read"
	c=$(grep -c "staff.until" "$tmp/out")
	[ "$c" -eq "$days" ]
	check $? "one shift read per day of the week ($c of $days)" "$tmp/out"
else
	has "staff.no_shift" "$tmp/out" "no shift this week: said so"
fi
has "query catalog.schedule" "$tmp/out" "through the catalog.schedule mapping"
ref=$(sed -n 's/^ *[0-9.]* *query kefu.staff.audit .* call=\([^ ]*\)$/\1/p' \
    "$tmp/out" | head -1)
[ -n "$ref" ] && [ "$(q "SELECT staff_no || ' ' || what FROM staff_lookups \
    WHERE call_ref = '$ref'")" = "1001 schedule" ]
check $? "the lookup audited: who, what, the call ($ref)" "$tmp/out"

call "1001# 111111# 1001# 111111# 1001# 111111# *"
c=$(grep -c "^ *staff[.]wrong$" "$tmp/out")
[ "$c" -eq 2 ]
check $? "two wrong PINs: asked again ($c)" "$tmp/out"
has "staff.locked" "$tmp/out" "the third locks, and the caller hears so"
hasnt "staff:top" "$tmp/out" "never reaching the staff menu"
call "1001# 482913# 1 *"
has "staff.locked" "$tmp/out" "locked: the right PIN is not even tried"
hasnt "staff.schedule" "$tmp/out" "and hears no schedule"
echo 482913 | "$kefu" -c "$conf" staff pin-reset 1001 >/dev/null 2>&1
call "1001# 482913# 1 *"
has "staff:check staff:top" "$tmp/out" "after pin-reset the PIN works again"
call "9999# 482913# *"
has "staff.wrong" "$tmp/out" "an unknown staff number: wrong number or PIN"
# 2: a customer's record, audited with the customer number.
"$kefu" -c "$conf" member add --name 张三 --mobile 13900000001 \
    >"$tmp/out" 2>&1
cno=$(sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out")
call "1001# 482913# 2 $cno# *"
has "staff.customer_is" "$tmp/out" "a customer's record is read"
has "张三" "$tmp/out" "with the customer's name"
has "staff.open_cases" "$tmp/out" "and the open cases"
[ "$(q "SELECT COUNT(*) FROM staff_lookups WHERE staff_no = '1001' AND \
    what = 'customer' AND subject = '$cno' AND call_ref LIKE 'call-%'")" = 1 ]
check $? "the customer lookup audited with whom it was about"
call "1001# 482913# 2 12345674# *"
has "staff.no_customer" "$tmp/out" "an unknown customer number: said so"
# 3: by phone number: every active customer of that number, audited
"$kefu" -c "$conf" member add --name 李四 --mobile 13900000002 \
    --phone 02088886666 >"$tmp/out" 2>&1
cno2=$(sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out")
"$kefu" -c "$conf" member add --name 王五 --phone 02088886666 \
    >"$tmp/out" 2>&1
call "1001# 482913# 3 13900000001# *"
has "query kefu.staff.customer_phone" "$tmp/out" "3: a customer by phone"
has "staff.customers_found num.1$" "$tmp/out" "one customer of that mobile"
has "张三" "$tmp/out" "the customer's name"
has "member_no=$cno " "$tmp/out" "and number"
call "1001# 482913# 3 02088886666# *"
has "staff.customers_found num.2$" "$tmp/out" \
    "a fixed line two customers share: both"
has "李四" "$tmp/out" "the one"
has "王五" "$tmp/out" "and the other"
c=$(grep -c "^ *staff.customer_is " "$tmp/out")
[ "$c" -eq 2 ]
check $? "each record read ($c)" "$tmp/out"
call "1001# 482913# 3 13911112222# *"
has "staff.no_phone" "$tmp/out" "a number no customer has: said so"
[ "$(q "SELECT group_concat(subject, ' ') FROM staff_lookups WHERE
    what = 'customer_phone' AND call_ref LIKE 'call-%'")" = \
    "13900000001 02088886666 13911112222" ]
check $? "the lookups by phone audited with the number looked up"
[ "$(q "SELECT COUNT(*) FROM staff_lookups")" = 7 ]
check $? "every lookup audited: seven in all"
# The call's own line echoes the keys pressed: not a log line.
grep -v '^call: .* keys "' "$all" >"$tmp/logs"
hasnt "482913\|111111" "$tmp/logs" "no PIN in any output or log line"
tap_done
