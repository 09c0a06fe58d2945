#!/bin/sh
# outbox-cli.sh: `kefu outbox list|show|retry|cancel|send` on a SQLite
# store: what they print, their exit status, an SMTP server that cannot
# be reached (a temporary failure, no password in the output), an
# opted-out recipient suppressed at send time, and an smtps server that
# drops the connection mid-DATA (t/smtps-cut.py) with SIGPIPE at its
# default.  No mail server needed.
tap_name=outbox-cli
. "$(dirname "$0")/tap.sh"

sql() {
	echo "$1" | isql -b -k "Driver=SQLite3;Database=$tmp/var/kefu.db" \
	    >/dev/null 2>&1
}

mkconf() {
	cat >"$conf" <<EOF
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
log = -
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/var/kefu.db
[suppress]
quiet-marketing = none
[email]
url = ${url:-smtp://127.0.0.1:1}
timeout = 5s
user = shop
password = sekrit-smtp
$1
EOF
	chmod 600 "$conf"
}
conf=$tmp/kefu.conf
mkconf "from = shop@kefu.test"

if ! command -v isql >/dev/null 2>&1; then
	ok "# SKIP isql not installed"
	tap_done
fi
run 2 "usage: kefu outbox list" "outbox without a subcommand" -- outbox
run 0 "usage: kefu outbox list" "outbox --help" -- outbox --help
run 2 "'x' is not a message id" "show x is a usage error" -- outbox show x
run 2 "usage: kefu outbox" "show takes an id" -- outbox show
run 0 "initialised" "a new store" -- db init
run 2 "no state 'sent'" "list --status sent: no such state" -- \
    outbox list --status sent

q="INSERT INTO outbox (channel, recipient, subject, msg_class, idem_key,"
q="$q status, next_attempt_at, created_at) VALUES"
t="'2026-01-01 00:00:00', '2026-01-01 00:00:00'"
# the text of the message queued under key $1 (outbox_content)
text() {
	c="INSERT INTO outbox_content (outbox_id, body) SELECT id, '$2'"
	sql "$c FROM outbox WHERE idem_key = '$1'"
}
v="'email', 'a@kefu.test', 'Hi', 'marketing', 'k:1'"
sql "$q ($v, 'queued', $t)"
text k:1 本周特价
v="'email', 'b@kefu.test', 'Order', 'transactional', 'k:2'"
sql "$q ($v, 'queued', $t)"
text k:2 订单已确认
v="'email', 'c@kefu.test', 'Hi', 'marketing', 'k:3'"
sql "$q ($v, 'queued', $t)"
text k:3 特价
v="'sms', '13900000000', NULL, 'marketing', 'k:4'"
sql "$q ($v, 'unknown', $t)"
text k:4 特价
q="INSERT INTO consent_ledger (address, service, action, via, recorded_at)"
v="'c@kefu.test', 'email', 'unsubscribe', 'sms', '2026-01-02 00:00:00'"
sql "$q VALUES ($v)"

run 0 "^3 *email *marketing *queued *0" "list shows every message" -- \
    outbox list
has "^4 *sms *marketing *unknown" "$tmp/out" "with its state"
run 0 "^4 *sms" "list --status unknown" -- outbox list --status unknown
hasnt "^1 " "$tmp/out" "shows only that state"
run 0 "^key: *k:2$" "show: the idempotency key" -- outbox show 2
has "^class: *transactional" "$tmp/out" "show: the class"
has "^订单已确认$" "$tmp/out" "show: the text"
run 1 "no message 99" "show of a message that does not exist" -- outbox show 99

run 0 "message 4 cancelled" "cancel an unknown message" -- outbox cancel 4
run 1 "cannot be cancelled" "cancel it again" -- outbox cancel 4
run 0 "message 4 queued again" "retry a cancelled message" -- outbox retry 4
run 0 "^4 *sms *marketing *queued *0" "it is queued" -- outbox list

run 0 "0 submitted, 2 to retry, 0 failed, 1 suppressed" \
    "send --once: unreachable server, one opted out" -- outbox send --once
hasnt "sekrit" "$tmp/out" "the SMTP password is never printed"
check "$(test "$(grep -c "cannot connect" "$tmp/out")" -eq 1; echo $?)" \
    "an unreachable server is tried once, not once per message" "$tmp/out"
has "email is down: 1 more message(s) wait" "$tmp/out" \
    "the rest of the batch waits"
run 0 "^2 *email *transactional *queued *0" \
    "a message given back untried keeps its attempts" -- outbox list
has "^1 *email *marketing *queued *1" "$tmp/out" "the one tried counts one"
run 0 "^state: *suppressed" "the opted-out recipient is suppressed" -- \
    outbox show 3
has "consent ledger" "$tmp/out" "with the reason"
run 0 "^last error: *smtp://127.0.0.1:1: cannot connect" \
    "the others keep the error" -- outbox show 1
has "^state: *queued" "$tmp/out" "and are queued again"
run 0 "^4 *sms *marketing *queued *0" "the e-mail worker leaves SMS alone" \
    -- outbox list

# [email] client = libcurl: the fallback speaks (libcurl's words)
mkconf "from = shop@kefu.test
client = libcurl"
run 0 "queued again" "retry for the libcurl client" -- outbox retry 1
run 0 "0 submitted, 1 to retry" "client = libcurl: sent through libcurl" \
    -- outbox send --once
has "Couldn't connect" "$tmp/out" "... in libcurl's words"
hasnt "sekrit" "$tmp/out" "... and no password"
mkconf "from = shop@kefu.test
client = curl"
run 1 "kefu.conf:1[0-9]: .*client" "a bad client is refused with its line" \
    -- outbox list

mkconf ""
run 1 "no 'from' address" "send without [email] from" -- outbox send --once
mkconf "starttls = maybe"
run 1 "kefu.conf:1[0-9]: .*starttls" "a bad starttls is refused with its line" \
    -- outbox list

# smtps, the connection dropped after DATA's 354 (FIN, then a reset to
# the body): kefu outbox send, SIGPIPE at its default (env(1) undoes an
# inherited SIG_IGN), reports the message to retry and does not die
# leaving it submitting.  Before the fix this run survived here all the
# same but left the message unknown; the death by SIGPIPE itself is
# shown in t/unit/msg-smtp (test_cut).
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 2 -subj /CN=localhost -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" >/dev/null 2>&1 &&
    env --default-signal=PIPE true 2>/dev/null; then
	python3 "$KEFU_SRCDIR/t/smtps-cut.py" "$tmp/cert.pem" "$tmp/key.pem" \
	    "$tmp" &
	gw=$!
	tap_wait 10 test -s "$tmp/port"
	url="smtps://127.0.0.1:$(cat "$tmp/port")"
	mkconf "from = shop@kefu.test
tls-verify = no"
	t0="'2026-01-01 00:00:00'"
	v="'email', 'cut@kefu.test', 'Big'"
	q="INSERT INTO outbox (channel, recipient, subject, msg_class,"
	q="$q idem_key, status, next_attempt_at, created_at) VALUES"
	sql "$q ($v, 'transactional', 'k:5', 'queued', $t0, $t0)"
	c="INSERT INTO outbox_content (outbox_id, body)"
	sql "$c SELECT id, hex(zeroblob(2097152)) FROM outbox WHERE id = 5"
	exits 0 "smtps dropped mid-DATA, SIGPIPE at its default: kefu outbox \
send reports, does not die" env --default-signal=PIPE "$kefu" -c "$conf" \
	    outbox send --once
	has "0 submitted, 1 to retry" "$tmp/out" "... the message to retry"
	check "$(test -s "$tmp/cut"; echo $?)" "... the server did drop it"
	run 0 "^state: *queued" "the message is queued again" -- outbox show 5
	has "^last error: .*lost while writing" "$tmp/out" \
	    "... saying the connection was lost"
	kill "$gw" 2>/dev/null
	wait "$gw" 2>/dev/null
else
	skip "openssl or env --default-signal missing"
fi
tap_done
