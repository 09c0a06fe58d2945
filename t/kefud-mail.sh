#!/bin/sh
# kefud-mail.sh: kefud sends queued e-mail on its own (the outbox worker
# threads, [email] connections = 2) to the real Postfix of
# build-aux/test-services, once, and stops cleanly on SIGTERM.  Skips
# without KEFU_TEST_SMTP unless KEFU_TEST_REQUIRE_SERVERS=1.
tap_name=kefud-mail
. "$(dirname "$0")/tap.sh"

if [ -z "$KEFU_TEST_SMTP" ] || [ -z "$KEFU_TEST_MAILDIR" ] ||
    ! command -v sqlite3 >/dev/null 2>&1; then
	if [ "$KEFU_TEST_REQUIRE_SERVERS" = 1 ]; then
		nok "KEFU_TEST_SMTP, KEFU_TEST_MAILDIR and sqlite3 are required"
	else
		ok "# SKIP KEFU_TEST_SMTP not set (build-aux/test-services)"
	fi
	tap_done
fi

tap_conf
cat >>"$conf" <<EOF
[email]
url = $KEFU_TEST_SMTP
from = shop@kefu.test
starttls = no
connections = 2
EOF
run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo

tag="kd$$"
log=$tmp/kefud.log
tap_kefud "$log" -d
tap_wait 10 grep -q "outbox worker started" "$log"
has "e-mail: outbox worker started (smtp://.*, 2 connections)" "$log" \
    "kefud starts the e-mail worker on two connections"

# the message and its text in one transaction: kefud claims as it likes
printf '%s\n' "BEGIN;" \
    "INSERT INTO outbox (channel, recipient, subject, msg_class," \
    "idem_key, next_attempt_at, created_at) VALUES ('email'," \
    "'$tag@kefu.test', '订单确认 $tag', 'transactional'," \
    "'kd:$tag', '2026-01-01 00:00:00', '2026-01-01 00:00:00');" \
    "INSERT INTO outbox_content (outbox_id, body) SELECT id," \
    "'您的订单已确认' FROM outbox WHERE idem_key = 'kd:$tag';" \
    "COMMIT;" | sqlite3 -cmd ".timeout 10000" "$tmp/kefu.db" >/dev/null
# the glob is read again on each try
arrived() { grep -q -l "$tag@kefu.test" "$KEFU_TEST_MAILDIR"/new/*; }
tap_wait 15 arrived
check $? "a message queued while kefud runs arrives in the Maildir" "$log"
has "outbox: message 1 to $tag@kefu.test submitted as " "$log" \
    "kefud logs the queue id"
run 0 "^1 *email *transactional *submitted" \
    "kefu outbox list shows it submitted" -- outbox list
copies=$(grep -l "$tag@kefu.test" "$KEFU_TEST_MAILDIR"/new/* | wc -l)
[ "$copies" -eq 1 ]
check $? "it arrived once ($copies)"

kill -TERM "$pid"
wait "$pid"
check $? "kefud stops on SIGTERM with the worker running" "$log"
pid=
has "^.*stopped$" "$log" "and says so"
tap_done
