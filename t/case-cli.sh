#!/bin/sh
# case-cli.sh: `kefu case` on a SQLite store: cases routed by the
# [department] rules (by kind, by key), the department told through the
# outbox in the case's transaction (e-mail with the WAV attached, SMS,
# transactional, one key per case), every step kept with its staff
# number, an answer by SMS queued one-to-one, the call-back list, closing
# refused without an answer or a reason, play writing the WAV out, and
# bad input refused.  KEFU_ENGINE=postgresql or mysql runs it on the
# test servers (t/case-cli-pg.sh, t/case-cli-mariadb.sh), in a schema or
# database of its own (tap_engine).
tap_name=case-cli${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"
# Dates and cut-offs are taken once, at the start: a run that crossed
# midnight failed (the case, notice, visit or order of "today" was
# tomorrow's by the time it was checked).  Start at 13:00 local time.
tap_hour 13:00

tap_engine

conf=$tmp/kefu.conf
cat >"$conf" <<EOF
[kefu]
sql = $tmp/sql
adapters = $KEFU_SRCDIR/adapters
log = -
[store]
datasource = local
[datasource local]
connect = $connect
adapter = $engine
[department service]
title = 客服部
key = 1
kinds = complaint, suggestion
email = service@shop.example
sms = 13800000001
[department repair]
title = 维修部
key = 2
kinds = after_sales
email = repair@shop.example
EOF
chmod 600 "$conf"
tap_sql
sox -n -r 8000 -c 1 -b 16 "$tmp/msg.wav" synth 2.5 sine 440 2>/dev/null
day=$(date +%y%m%d)

# bad [department] sections: file:line and what to change
badconf() {
	cp "$conf" "$tmp/bad.conf"
	printf '%s\n' "$@" >>"$tmp/bad.conf"
	"$kefu" -c "$tmp/bad.conf" conf check >"$tmp/out" 2>&1
}
w="key 1 is already the key of \[department service\]"
badconf "[department x]" "key = 1" "email = x@shop.example"
[ $? -ne 0 ] && grep -q "bad.conf:22: \[department x\] $w" "$tmp/out"
check $? "a key given twice is refused with its line" "$tmp/out"
badconf "[department x]" "kinds = complaint"
[ $? -ne 0 ] &&
    grep -q "bad.conf:21: \[department x\] needs email or sms" "$tmp/out"
check $? "a department nobody is told of is refused" "$tmp/out"
badconf "[department x]" "kinds = complaint, gripe" "sms = 1380"
[ $? -ne 0 ] && grep -q \
    "bad.conf:22: \[department x\] kinds: unknown kind 'gripe'" "$tmp/out"
check $? "an unknown kind is refused with its line" "$tmp/out"

run 0 "initialised" "a new store" -- db init
run 2 "usage: kefu case add" "case without a verb" -- case
run 2 "usage: kefu case add" "an unknown verb" -- case frob
run 2 "not a case number" "a malformed case number" -- case show 123
run 2 "--staff NO is required" "changes need --staff" -- \
    case close "${day}0001"
run 1 "kind 'gripe' is none of" "an unknown kind" -- \
    case add --kind gripe --staff 7
run 1 "not a sound file" "an --audio that is not audio" -- \
    case add --kind complaint --audio "$tmp/kefu.conf" --staff 7
run 1 "no \[department nosuch\]" "an unknown department" -- \
    case add --kind complaint --department nosuch --staff 7

run 0 "case ${day}0001 created" "a complaint, numbered by the day" -- \
    case add --kind complaint --caller 13912345678 --audio "$tmp/msg.wav" \
    --staff 007
c1=${day}0001
run 0 "case ${day}0002 created" "an after-sales request" -- \
    case add --kind after_sales --caller 13912345679 --staff 007
c2=${day}0002
run 0 "case ${day}0003 created" "a suggestion, key 2 chosen" -- \
    case add --kind suggestion --key 2 --staff 007
c3=${day}0003
[ "$(q "SELECT department FROM requests ORDER BY id")" = \
    "$(printf 'service\nrepair\nrepair')" ]
check $? "routed: complaint by kind to service, after-sales to repair, \
the key over the kind"

# the department told, in the case's transaction
e="email service@shop.example transactional case:$c1:email
sms 13800000001 transactional case:$c1:sms"
[ "$(q "SELECT channel || ' ' || recipient || ' ' || msg_class || ' ' ||
    idem_key FROM outbox WHERE request_id = 1 ORDER BY id")" = "$e" ]
check $? "case 1: e-mail and SMS to service's person in charge"
[ "$(q "SELECT a.content_type || ' ' || a.filename || ' ' || a.path FROM
    outbox_attachments a JOIN outbox o ON o.id = a.outbox_id WHERE
    o.idem_key = 'case:$c1:email'")" = \
    "audio/wav case-$c1.wav $tmp/msg.wav" ]
check $? "the e-mail carries the recording"
q "SELECT body FROM $ob WHERE idem_key = 'case:$c1:email'" >"$tmp/body"
has "案件编号 $c1" "$tmp/body" "the e-mail names the case number"
has "来电号码：13912345678" "$tmp/body" "... and the caller"
[ "$(q "SELECT COUNT(*) FROM outbox WHERE request_id = 2")" = 1 ]
check $? "case 2: repair has e-mail only, one message"

# six lines leaving messages at once: six cases, six numbers
for i in 1 2 3 4 5 6; do
	"$kefu" -c "$conf" case add --kind complaint --caller 1390000000$i \
	    --staff 1 >"$tmp/par$i" 2>&1 &
done
wait
[ "$(cat "$tmp"/par? | grep -c "^case ${day}00[01][0-9] created$")" = 6 ] &&
    [ "$(q "SELECT COUNT(DISTINCT ticket_no) FROM requests WHERE caller_id
    LIKE '1390000000_'")" = 6 ]
check $? "six cases created at once get six numbers" "$tmp/par1"
cat "$tmp"/par? | grep -v "created$" | sed 's/^/#   /'
run 0 "^$c1 *complaint *new" "case list" -- case list
run 0 "length: *2.500 s" "case show: the recording's length" -- case show $c1

# steps
run 1 "never answered: reply first, or close it with a reason" \
    "closing an unanswered case is refused" -- case close $c1 --staff 7
[ "$(q "SELECT status FROM requests WHERE id = 1")" = new ]
check $? "... and changes nothing"
run 0 "case $c1: noted" "a note" -- case note $c1 --staff 7 已联系门店经理
run 0 "case $c1: assigned" "assigned to a staff number" -- \
    case assign $c1 --to 0123 --staff 7
run 2 "give one of --sms" "a reply needs one way" -- \
    case reply $c1 --staff 7
run 0 "answer queued as message" "an answer by SMS" -- \
    case reply $c1 --sms 您好，您反映的问题已处理。 --staff 7
[ "$(q "SELECT channel || ' ' || recipient || ' ' || msg_class || ' ' ||
    body || ' ' || idem_key FROM $ob WHERE request_id = 1 AND
    channel = 'sms' AND recipient = '13912345678'")" = \
    "sms 13912345678 transactional 您好，您反映的问题已处理。 case:$c1:reply:1" ]
check $? "the answer is queued to the caller, transactional, keyed by case"
run 0 "case $c2: on the call-back list" "reply --callback" -- \
    case reply $c2 --callback --staff 8
run 0 "^$c2 " "the call-back list has it" -- case list --callback
# the steps' times below must be the steps' own: the clock past the
# second of the reply (stamps hold whole seconds), not a guessed pause
past() { [ "$(date '+%Y-%m-%d %H:%M:%S')" \> "$1" ]; }
tap_wait 3 past "$(q "SELECT MAX(at) FROM case_events" | cut -c1-19)"
run 0 "case $c1: closed" "an answered case closes" -- case close $c1 --staff 7
[ "$(q "SELECT COUNT(*) FROM requests r WHERE r.id = 1 AND closed_at =
    (SELECT at FROM case_events WHERE request_id = 1 AND kind = 'closed')
    AND answered_at = (SELECT at FROM case_events WHERE request_id = 1 AND
    kind = 'reply') AND closed_at > answered_at")" = 1 ]
check $? "the case's times are those of its steps"
run 1 "is closed already" "a closed case takes no more steps" -- \
    case note $c1 --staff 7 late
run 0 "case $c2: closed" "a call-back with a reason closes" -- \
    case close $c2 --reason 客户撤回 --staff 8
run 1 "no number to send the answer to" "no number: no SMS" -- \
    case reply $c3 --sms x --staff 7
[ "$(q "SELECT kind || ' ' || COALESCE(staff_no, '-') FROM case_events
    WHERE request_id = 1 ORDER BY id")" = \
    "$(printf 'created 007\nnote 7\nassigned 7\nreply 7\nclosed 7')" ]
check $? "every step kept with its staff number"
[ "$(q "SELECT COUNT(*) FROM case_events WHERE at IS NULL")" = 0 ]
check $? "... and its time"
run 0 "客户撤回" "show: the reason" -- case show $c2

# play
"$kefu" -c "$conf" case play $c1 -o "$tmp/out.wav" >"$tmp/out" 2>&1
cmp -s "$tmp/out.wav" "$tmp/msg.wav"
check $? "play -o FILE writes the recording" "$tmp/out"
"$kefu" -c "$conf" case play $c1 | cmp -s - "$tmp/msg.wav"
check $? "play to standard output"
run 1 "has no recording" "play of a case without one" -- \
    case play $c2 -o "$tmp/none.wav"
run 1 "cannot create" "play never overwrites a file" -- \
    case play $c1 -o "$tmp/out.wav"

tap_done
