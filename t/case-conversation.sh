#!/bin/sh
# case-conversation.sh: a complaint answered by SMS and the customer's
# SMS answers kept as steps of the case (store/conversation.c): kefud
# reads the answers from the modem (the simulator t/sim/gsmsim) and
# records each one from a number a case's SMS reply went to within
# [campaign] conversation as an "sms-in" step of the latest such case,
# once; `kefu case show` lists them after the reply, in order.  Not an
# SMS from another number, not one answering a reply older than the
# window.  CONV_ENGINE=postgresql or mysql runs it on the test servers
# (t/case-conversation-pg.sh, t/case-conversation-mariadb.sh).
tap_name=case-conversation${CONV_ENGINE:+-$CONV_ENGINE}
. "$(dirname "$0")/tap.sh"

gsmsim=${KEFU_BUILDDIR:-.}/t/sim/gsmsim
tap_conf
tap_sql
KEFU_ENGINE=${CONV_ENGINE:-sqlite} tap_engine
tap_conf_add campaign "conversation = 72h"
tap_conf_add "department service" "title = 客服部
key = 1
kinds = complaint
sms = 13800000001"
tap_conf_add "gsm gsm0" "device = $tmp/gsm0
flow-control = none"
run 0 "initialised" "a new store" -- db init

# case NUMBER: a complaint from NUMBER answered by SMS; $no its number.
case_sms() {
	run 0 "created" "a complaint from $1" -- case add --kind complaint \
	    --caller "$1" --staff 007
	no=$(sed -n 's/^case \([0-9]*\) created.*/\1/p' "$tmp/out")
	run 0 "" "answered by SMS to $1" -- case reply "$no" \
	    --sms "您好，您反映的问题已处理。" --staff 7
}
ago() { date -d "$1 ago" '+%Y-%m-%d %H:%M:%S'; }
case_sms 13912345678
old=$no
q "UPDATE outbox SET created_at = '$(ago '1 day')' WHERE
    idem_key LIKE 'case:$old:reply:%'"
case_sms 13600000000
stale=$no
q "UPDATE outbox SET created_at = '$(ago '4 days')' WHERE
    idem_key LIKE 'case:$stale:reply:%'"
case_sms 13912345678
latest=$no
run 0 "" "no answer yet" -- case show "$latest"
hasnt "sms-in" "no sms-in step"

"$gsmsim" -l "$tmp/gsm0" -r 0 -d "+8613912345678=谢谢，已经收到退款" \
    -d "+8613700000000=别人的短信" -d "+8613600000000=过了三天的回复" \
    -d "13912345678=还有一个问题" >"$tmp/sim.out" 2>&1 &
simpid=$!
log=$tmp/kefud.log
tap_kefud "$log" -d
tap_wait 20 grep -q "from 13912345678 kept with case $latest" "$log"
check $? "kefud keeps the answers with the case" "$log"
tap_wait 10 grep -q "from +8613600000000 (1 part)" "$log"
tap_stop "kefud stops" "$log"
kill -TERM "$simpid"
wait "$simpid"

run 0 "" "kefu case show" -- case show "$latest"
has "reply  *7  *SMS to 13912345678: 您好" "the reply is a step"
has "sms-in  *caller  *SMS from +8613912345678: 谢谢，已经收到退款$" \
    "the answer from +86 and the number is a step"
has "sms-in  *caller  *SMS from 13912345678: 还有一个问题$" \
    "the bare number's too"
awk '/ reply / { a = NR } /退款$/ { b = NR } /问题$/ { c = NR }
    END { exit !(a && a < b && b < c) }' "$tmp/out"
check $? "in order" "$tmp/out"
hasnt "别人的短信" "not another number's"
run 0 "" "the older case of the same number" -- case show "$old"
hasnt "sms-in" "the answers go to the latest case only"
run 0 "" "the case whose reply is older than the window" -- case show "$stale"
hasnt "sms-in" "no answer kept with it"
[ "$(q "SELECT COUNT(*) FROM case_events WHERE kind = 'sms-in'")" = 2 ]
check $? "two sms-in steps in all, each with its inbound message"
[ "$(q "SELECT COUNT(*) FROM case_events e JOIN sms_inbox i ON
    i.id = e.inbox_id WHERE e.kind = 'sms-in'")" = 2 ]
check $? "... linked to sms_inbox"
tap_done
