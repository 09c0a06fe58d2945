#!/bin/sh
# case-conversation.sh: a complaint answered by SMS and the customer's
# SMS answers kept together (store/conversation.c): `kefu case show`
# lists the reply and what came back from that number (bare or +86)
# within [campaign] conversation after the last reply, in time order;
# not an SMS from another number, not one sent before the reply or
# after the window.
tap_name=case-conversation
. "$(dirname "$0")/tap.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	ok "# SKIP sqlite3 not installed"
	tap_done
fi
q() { sqlite3 "$tmp/kefu.db" "$1"; }
tap_conf
cat >>"$conf" <<EOF2
[campaign]
conversation = 72h
[department service]
title = 客服部
key = 1
kinds = complaint
sms = 13800000001
EOF2
run 0 "initialised" "a new store" -- db init
run 0 "created" "a complaint" -- case add --kind complaint \
    --caller 13912345678 --staff 007
no=$(sed -n 's/^case \([0-9]*\) created.*/\1/p' "$tmp/out")
[ ${#no} -eq 10 ]
check $? "its number: $no"
run 0 "" "no SMS yet: no conversation" -- case show "$no"
hasnt "^SMS " "no conversation block"
run 0 "" "answered by SMS" -- case reply "$no" \
    --sms "您好，您反映的问题已处理。" --staff 7
at=$(q "SELECT created_at FROM outbox WHERE recipient = '13912345678'")
at=${at%%.*}
t0=$(date -d "$at" +%s)
later() { date -d "@$((t0 + $1))" '+%Y-%m-%d %H:%M:%S'; }
ins() {
	q "INSERT INTO sms_inbox (modem, sender, body, received_at, dedup_key)
	    VALUES ('gsm0', '$1', '$2', '$3', 'k$4')"
}
ins 13912345678 "之前的短信" "$(later -3600)" 1
ins +8613912345678 "谢谢，已经收到退款" "$(later 3600)" 2
ins 13912345678 "还有一个问题" "$(later 172800)" 3
ins 13700000000 "别人的短信" "$(later 3600)" 4
ins 13912345678 "一周后的短信" "$(later 432000)" 5
run 0 "" "kefu case show" -- case show "$no"
has "^SMS  *NUMBER *TEXT" "a conversation block"
has "out  *13912345678 *您好，您反映的问题已处理。$" "the reply"
has "in  *+8613912345678 *谢谢，已经收到退款$" "the answer from +86 and the number"
has "in  *13912345678 *还有一个问题$" "a second answer within 72h"
hasnt "之前的短信" "not an SMS from before the reply"
hasnt "别人的短信" "not another number's"
hasnt "一周后的短信" "not one after the window"
awk '/处理。$/ { a = NR } /退款$/ { b = NR } /问题$/ { c = NR }
    END { exit !(a && a < b && b < c) }' "$tmp/out"
check $? "in time order" "$tmp/out"
tap_done
