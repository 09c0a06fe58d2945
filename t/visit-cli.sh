#!/bin/sh
# visit-cli.sh: `kefu visit` on a SQLite store: the free slots, a visit
# booked at the desk (its after-sales case and the confirmation SMS), a
# full slot no longer listed and refused with nothing written, a slot
# that is not configured refused, list and show, a move (the slot freed,
# a second SMS) and a cancel (a third), usage errors, and a [visits]
# section that is wrong named with its file and line.
tap_name=visit-cli
. "$(dirname "$0")/tap.sh"

tap_conf
cat >>"$conf" <<EOC
[visits]
monday = 08:00-09:00/1, 10:00-11:00/2
tuesday = 08:00-09:00/1, 10:00-11:00/2
wednesday = 08:00-09:00/1, 10:00-11:00/2
thursday = 08:00-09:00/1, 10:00-11:00/2
friday = 08:00-09:00/1, 10:00-11:00/2
saturday = 08:00-09:00/1, 10:00-11:00/2
sunday = 08:00-09:00/1, 10:00-11:00/2
visit-days = 2
EOC
q() { sqlite3 "$tmp/kefu.db" "$1"; }
tom=$(date -d tomorrow +%F)

run 0 "initialised" "a new store" -- db init
run 0 "usage: kefu visit slots" "visit --help" -- visit --help
run 2 "usage: kefu visit" "visit frob is a usage error" -- visit frob
run 2 "not a case number" "a case number of 3 digits" -- \
    visit cancel 123 --staff 7
run 2 "--staff NO is required" "cancel needs --staff" -- \
    visit cancel 2612060001
run 2 "--phone N is required" "book needs --phone" -- \
    visit book "$tom" 08:00-09:00 --staff 7

run 0 "^$tom 08:00-09:00 0/1$" "tomorrow's slots are free" -- visit slots
run 0 "home visit $tom 08:00-09:00 booked; SMS to 13800000001" \
    "a visit booked at the desk" -- visit book "$tom" 08:00-09:00 \
    --phone 13800000001 --purchase 2612010001 --staff 7
no=$(q "SELECT ticket_no FROM requests")
[ "$(q "SELECT kind || ' ' || callback_phone FROM requests")" = \
    "after_sales 13800000001" ]
check $? "case $no: after-sales, to call back on the visit's number"
[ "$(q "SELECT v.status || ' ' || v.purchase || ' ' || v.booked_by || ' ' ||
    o.channel || ' ' || o.recipient FROM visits v JOIN outbox o ON
    o.id = v.outbox_id")" = "booked 2612010001 7 sms 13800000001" ]
check $? "the visit points at its SMS to the customer"
run 0 "^$tom 10:00-11:00 0/2$" "slots after the booking" -- visit slots
hasnt "^$tom 08:00-09:00" "the full slot is no longer listed"
run 1 "slot $tom 08:00-09:00 is full" "booking it again is refused" -- \
    visit book "$tom" 08:00-09:00 --phone 13800000002 --staff 7
[ "$(q "SELECT COUNT(*) FROM requests") $(q "SELECT COUNT(*) FROM outbox")" \
    = "1 1" ]
check $? "... with no case and no message written"
run 1 "is not a slot offered now" "a slot not configured is refused" -- \
    visit book "$tom" 07:00-08:00 --phone 13800000002 --staff 7

run 0 "^$no $tom 08:00-09:00 booked    13800000001      2612010001$" \
    "list" -- visit list --date "$tom"
run 0 "booked by:   7" "show" -- visit show "$no"
run 0 "moved to $tom 10:00-11:00" "moved" -- \
    visit move "$no" "$tom" 10:00-11:00 --staff 7
run 0 "^$tom 08:00-09:00 0/1$" "the old slot is free again" -- visit slots
[ "$(q "SELECT group_concat(status, ' ') FROM (SELECT status FROM visits
    ORDER BY id)")" = "moved booked" ]
check $? "the old visit kept as moved, a new one booked"
run 0 "home visit cancelled" "cancelled" -- visit cancel "$no" --staff 7
[ "$(q "SELECT COUNT(*) FROM outbox WHERE recipient = '13800000001'")" = 3 ]
check $? "three SMS to the customer: booked, moved, cancelled"
has_cancel=$(q "SELECT body FROM outbox WHERE idem_key LIKE '%:cancelled'")
case "$has_cancel" in *"上门服务预约已取消，案件编号 $no"*) ok "the \
cancellation SMS names the case" ;; *) nok "the cancellation SMS: \
$has_cancel" ;; esac
run 1 "has no home visit booked" "nothing booked to show" -- \
    visit show "$no"
run 1 "has no home visit booked" "nor to cancel" -- \
    visit cancel "$no" --staff 7
run 0 "cancelled" "list --all shows it" -- visit list --all
run 0 "home visit $tom 10:00-11:00 cancelled" \
    "the case keeps every step" -- case show "$no"

sed -i 's/^monday = .*/monday = 9-12\/2/' "$conf"
line=$(grep -n '^monday' "$conf" | cut -d: -f1)
run 1 "kefu.conf:$line: \[visits\] monday: '9-12' is not a time range" \
    "a bad slot is named with its file and line" -- visit slots
tap_done
