#!/bin/sh
# sms-cli.sh: `kefu sms send|inbox` and `kefu optout list|add` on a SQLite
# store: usage errors (exit 2), a message queued with its parts counted
# and its idempotency key, the inbox as the modems filled it, an opt-out
# entered at the desk turning a member's SMS off and suppressing a later
# special (checked by the outbox's own opt-out test).
tap_name=sms-cli
. "$(dirname "$0")/tap.sh"

sql() {
	echo "$1" | isql -b -k "Driver=SQLite3;Database=$tmp/var/kefu.db" \
	    >/dev/null 2>&1
}

conf=$tmp/kefu.conf
cat >"$conf" <<EOF2
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
log = -
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/var/kefu.db
EOF2

if ! command -v isql >/dev/null 2>&1; then
	ok "# SKIP isql not installed"
	tap_done
fi
run 2 "usage: kefu sms send" "sms without a subcommand" -- sms
run 0 "usage: kefu sms send" "sms --help" -- sms --help
run 2 "usage: kefu sms send" "send wants a number and a text" -- sms send 139
run 2 "'13x' is not a mobile number" "a bad number is a usage error" -- \
    sms send 13x hello
run 2 "usage: kefu optout list" "optout without a subcommand" -- optout
run 2 "'abc' is not a mobile number" "optout add abc" -- optout add abc
run 2 "usage: kefu optout" "optout add wants one number" -- optout add
run 0 "initialised" "a new store" -- db init

long="本周特价：鸡蛋九块九一盒，牛奶买二送一，苹果五元三斤，会员积分双倍，欢迎光临好又多超市各分店。"
long="$long$long"
run 0 "queued message 1 to 13912345678: 2 parts (ucs2, 94 characters)" \
    "a 94-character Chinese text: queued, 2 parts" -- \
    sms send --key desk:1 13912345678 "$long"
run 0 "already queued: message 1" "the same key queues nothing" -- \
    sms send --key desk:1 13912345678 "$long"
run 0 "queued message 2 to +8613900000001: 1 part (gsm7, 5 characters)" \
    "a short text in GSM 7-bit" -- sms send --marketing +8613900000001 Hello
run 0 "^2 *sms *marketing *queued" "the marketing one is in the outbox" -- \
    outbox list
has "^1 *sms *transactional *queued" "$tmp/out" "the other transactional"

i="INSERT INTO sms_inbox (modem, sender, body, parts, received_at, dedup_key)"
v="'gsm0', '+8613700000001', '请问几点开门？', 1, '2026-12-06 10:00:00', 'k1'"
sql "$i VALUES ($v)"
run 0 "^1 *2026-12-06 10:00:00 *+8613700000001 *- *请问几点开门？" \
    "sms inbox lists what came in" -- sms inbox
run 2 "--limit x: not a number" "inbox --limit x" -- sms inbox --limit x

i="INSERT INTO members (customer_no, name, mobile, registered_via,"
i="$i registered_at, updated_at)"
t="'2026-01-01 00:00:00'"
sql "$i VALUES ('90000001', '张三', '13900000001', 'paper', $t, $t)"
i="INSERT INTO member_services (member_id, service, enabled, since)"
sql "$i VALUES (1, 'sms', 1, $t)"
run 0 "13900000001 opted out of SMS (the member's SMS service is off)" \
    "optout add for a member's number (+86 form)" -- \
    optout add --note "asked at the desk" --staff 007 "+86 139-0000-0001"
run 0 "13800000009 opted out of SMS$" "optout add for a non-member" -- \
    optout add 13800000009
run 0 "^13800000009 .* staff *no" "optout list shows both" -- optout list
has "^13900000001 .* staff *yes *asked at the desk" "$tmp/out" \
    "the member's, with the note"
echo "SELECT enabled FROM member_services WHERE member_id = 1" | \
    isql -b -k "Driver=SQLite3;Database=$tmp/var/kefu.db" >"$tmp/q" 2>&1
has "^| 0 *|$" "$tmp/q" "the member's SMS service is off"
tap_done
