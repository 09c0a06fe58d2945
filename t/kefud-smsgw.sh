#!/bin/sh
# kefud-smsgw.sh: kefud sends queued SMS on its own through an
# [sms-gateway NAME] (the scripted gateway t/http-gw.py on loopback), one
# worker thread per gateway like the [gsm] ones: `kefu sms send` queues,
# the gateway gets the request, the message is sent with the gateway's
# message id; SIGTERM stops it.
tap_name=kefud-smsgw
. "$(dirname "$0")/tap.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 not installed"
	tap_done
fi
mkdir -p "$tmp/gw"
python3 "$KEFU_SRCDIR/t/http-gw.py" "$tmp/gw" >"$tmp/gw.out" 2>&1 &
gwpid=$!
trap 'kill "$gwpid" 2>/dev/null; tap_cleanup' EXIT
# python3 may take seconds to start on a loaded machine
tap_wait 30 test -f "$tmp/gw/port"
port=$(cat "$tmp/gw/port")
conf=$tmp/kefu.conf
cat >"$conf" <<EOF2
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = $KEFU_SRCDIR/flows
prompts = $KEFU_SRCDIR/prompts
sql = $KEFU_SRCDIR/sql
spool = $tmp/spool
socket = $tmp/kefud.sock
log = -
log-level = debug
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/kefu.db
adapter = sqlite
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/catalog.db
adapter = sqlite
read-only = yes
[suppress]
quiet-marketing = none
[sms-gateway gw1]
url = http://127.0.0.1:$port/sms/send
body-type = json
body = {"mobile":"{to}","content":"{text}"}
success = "code":0[,}]
message-id = "msgid":"([^"]+)"
rate = 0
EOF2
chmod 600 "$conf"
run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo

log=$tmp/kefud.log
"$kefud" -d -f "$conf" >"$log" 2>&1 &
pid=$!
tap_wait 10 grep -q "outbox worker of \[sms-gateway gw1\] started" "$log"
has "sms: outbox worker of \[sms-gateway gw1\] started" "$log" \
    "kefud starts a worker per [sms-gateway]"

run 0 "queued message" "kefu sms send queues" -- \
    sms send --key kd:1 13912345678 "您的订单已确认，今天下午送达。"
tap_wait 10 test -f "$tmp/gw/req-1"
has '"mobile":"13912345678","content":"您的订单已确认，今天下午送达。"' \
    "$tmp/gw/req-1" "the gateway gets the message from kefud"
has "POST /sms/send" "$tmp/gw/req-1" "POSTed to the gateway's URL"
submitted() {
	"$kefu" -c "$conf" outbox list >"$tmp/list" 2>&1
	grep -q "transactional *submitted" "$tmp/list"
}
tap_wait 10 submitted
has "sms *transactional *submitted" "$tmp/list" \
    "the outbox has it submitted to the gateway"
[ ! -f "$tmp/gw/req-2" ]
check $? "sent once"

kill -TERM "$pid"
wait "$pid"
check $? "kefud stops on SIGTERM with the gateway worker running" "$log"
pid=
tap_done
