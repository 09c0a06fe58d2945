#!/bin/sh
# visit-cli.sh: `kefu visit` on a SQLite store: the free slots, a visit
# booked at the desk (its after-sales case and the confirmation SMS), a
# full slot no longer listed and refused with nothing written, a slot
# that is not configured refused, list and show, a move (the slot freed,
# a second SMS) and a cancel (a third), a visit done (refused when
# cancelled, before its day, twice), usage errors; by phone (kefu
# call): a common question answered, remote help on the call-back list,
# a visit confirmed to the customer of the order number given, changed
# only from the number it was booked for; and a [visits] section that
# is wrong named with its file and line.  KEFU_ENGINE=postgresql or
# mysql runs it on the test servers (t/visit-cli-pg.sh,
# t/visit-cli-mariadb.sh; tap_engine).
tap_name=visit-cli${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"
# Dates and cut-offs are taken once, at the start: a run that crossed
# midnight failed (the case, notice, visit or order of "today" was
# tomorrow's by the time it was checked).  Start at 13:00 local time.
tap_hour 13:00

tap_conf
tap_sql
tap_engine
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
[ "$(q "SELECT status FROM visits ORDER BY id" | tr '\n' ' ')" = \
    "moved booked " ]
check $? "the old visit kept as moved, a new one booked"
run 0 "home visit cancelled" "cancelled" -- visit cancel "$no" --staff 7
[ "$(q "SELECT COUNT(*) FROM outbox WHERE recipient = '13800000001'")" = 3 ]
check $? "three SMS to the customer: booked, moved, cancelled"
has_cancel=$(q "SELECT body FROM $ob WHERE idem_key LIKE '%:cancelled'")
case "$has_cancel" in *"上门服务预约已取消，案件编号 $no"*) ok "the \
cancellation SMS names the case" ;; *) nok "the cancellation SMS: \
$has_cancel" ;; esac
run 0 "status: *cancelled" "show shows the cancelled visit" -- \
    visit show "$no"
has "changed by:  7" "... and who cancelled it"
run 1 "has no home visit booked" "nothing to cancel" -- \
    visit cancel "$no" --staff 7
run 0 "cancelled" "list --all shows it" -- visit list --all
run 0 "home visit $tom 10:00-11:00 cancelled" \
    "the case keeps every step" -- case show "$no"

# Done: refused when cancelled, before its day, without --staff, twice
run 1 "was cancelled: it cannot be done" "a cancelled visit is not done" \
    -- visit done "$no" --staff 7
run 2 "--staff NO is required" "done needs --staff" -- visit done "$no"
run 2 "usage: kefu visit" "done takes one case" -- visit done --staff 7
run 0 "booked" "another visit booked" -- visit book "$tom" 08:00-09:00 \
    --phone 13800000003 --staff 7
no2=$(q "SELECT r.ticket_no FROM requests r JOIN visits v ON
    v.request_id = r.id WHERE v.phone = '13800000003'")
run 1 "is on $tom: it cannot be done before that day" \
    "not done before its day" -- visit done "$no2" --staff 8
# the day comes
q "UPDATE visits SET visit_date = '$(date +%F)' WHERE phone = '13800000003'"
run 0 "case $no2: home visit done" "done on its day" -- \
    visit done "$no2" --staff 8 --note "更换了滤芯"
[ "$(q "SELECT status || ' ' || changed_by || ' ' || note FROM visits
    WHERE phone = '13800000003'")" = "done 8 更换了滤芯" ]
check $? "the visit is done, by whom, with the note"
run 0 "status: *done" "show shows it done" -- visit show "$no2"
has "note: *更换了滤芯" "... with the note"
has "changed by:  8" "... and who did it"
run 0 "^$no2 .* done " "list --all shows it done" -- visit list --all
run 0 "home visit $(date +%F) 08:00-09:00 done: 更换了滤芯" \
    "the case keeps it as a step" -- case show "$no2"
run 1 "is already done" "done twice is refused" -- \
    visit done "$no2" --staff 8
run 1 "has no home visit booked" "a done visit is not cancelled" -- \
    visit cancel "$no2" --staff 8
[ "$(q "SELECT COUNT(*) FROM outbox WHERE recipient = '13800000003'")" = 1 ]
check $? "done sends the customer nothing (the booking's SMS only)"

# By phone (kefu call, flows/aftersales.xml through the complaint menu).
# call CALLER KEYS: a call; its trace in $tmp/out.
call() {
	"$kefu" -c "$conf" call --caller "$1" --keys "$2" >"$tmp/out" 2>&1
}
call 13700000009 "6 3 1 2 * *"
check $? "a call to the common questions"
has "as.faq_warranty$" "2 in the questions: the warranty answer"
call 13700000009 "6 3 4 1"
check $? "a call for remote help"
has "kefu.visit.callback  phone=13700000009" "remote help asked for the \
caller ID"
rno=$(q "SELECT ticket_no FROM requests WHERE callback_at IS NOT NULL")
run 0 "^$rno after_sales" "the case is on the call-back list" -- \
    case list --callback
q "INSERT INTO members (customer_no, name, mobile, registered_via,
    registered_at, updated_at) VALUES ('10000017', '张三', '13600000006',
    'paper', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
    INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot,
    area, address) SELECT '2612010009', id, '2026-12-01 09:00:00',
    '2026-12-01', '09:00-11:00', '天河', '体育西路1号' FROM members"
call 13700000009 "6 3 2 2612010009# 1 1"
check $? "a visit booked by phone with an order number"
has "as.purchase_found$" "the order is found"
[ "$(q "SELECT phone || ' ' || purchase || ' ' || status FROM visits WHERE
    purchase IS NOT NULL AND booked_by IS NULL")" = \
    "13600000006 2612010009 booked" ]
check $? "the visit is confirmed to the order's customer, not the caller"
vno=$(q "SELECT r.ticket_no FROM requests r JOIN visits v ON
    v.request_id = r.id WHERE v.phone = '13600000006'")
call 13700000009 "6 3 3 $vno 13500000005#"
check $? "another number asks to change case $vno"
has "as.not_found$" "it is not found for that number"
[ "$(q "SELECT status FROM visits WHERE phone = '13600000006'")" = booked ]
check $? "and the visit stays booked"
call 13700000009 "6 3 3 $vno 13600000006# 1"
check $? "the customer's own number cancels it"
[ "$(q "SELECT status FROM visits WHERE phone = '13600000006'")" = \
    cancelled ]
check $? "then it is cancelled"
rno=$(q "SELECT ticket_no FROM requests WHERE callback_at IS NOT NULL")
run 1 "case $rno has no home visit" "remote help has no visit to mark \
done" -- visit done "$rno" --staff 8

sed -i 's/^monday = .*/monday = 9-12\/2/' "$conf"
line=$(grep -n '^monday' "$conf" | cut -d: -f1)
run 1 "kefu.conf:$line: \[visits\] monday: '9-12' is not a time range" \
    "a bad slot is named with its file and line" -- visit slots
tap_done
