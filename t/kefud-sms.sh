#!/bin/sh
# kefud-sms.sh: kefud sends queued SMS on its own through a [gsm] modem
# (the simulator t/sim/gsmsim on a pty, with a SIM PIN and status
# reports): `kefu sms send` queues, kefud logs the TP-MR, the report makes
# the message delivered; an inbound "TD" at start (read with AT+CMGL or
# +CMTI) becomes an opt-out with its confirmation; SIGTERM stops it.
tap_name=kefud-sms
. "$(dirname "$0")/tap.sh"

if ! command -v isql >/dev/null 2>&1; then
	ok "# SKIP isql not installed"
	tap_done
fi
gsmsim=${KEFU_BUILDDIR:-.}/t/sim/gsmsim
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
[sms]
optout-reply = 已退订
[gsm gsm0]
device = $tmp/gsm0
pin = 8642
flow-control = none
EOF2
chmod 600 "$conf"
run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo

"$gsmsim" -l "$tmp/gsm0" -P 8642 -r 0 -d "+8613700000001=ＴＤ" \
    >"$tmp/sim.out" 2>&1 &
simpid=$!
log=$tmp/kefud.log
"$kefud" -d -f "$conf" >"$log" 2>&1 &
pid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "gsm gsm0: ready" "$log" && break
	sleep 1
done
has "sms: outbox worker of \[gsm gsm0\] started" "$log" \
    "kefud starts a worker per [gsm]"
has "gsm gsm0: ready on $tmp/gsm0" "$log" "the modem is set up, PIN and all"
hasnt "8642" "$log" "the PIN is not in the log"

run 0 "queued message" "kefu sms send queues" -- \
    sms send --key kd:1 13912345678 "您的订单已确认，今天下午送达。"
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "to 13912345678 submitted as TP-MR" "$log" && break
	sleep 1
done
has "to 13912345678 submitted as TP-MR" "$log" "kefud sends it: TP-MR logged"
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$kefu" -c "$conf" outbox list >"$tmp/list" 2>&1
	grep -q "transactional *delivered" "$tmp/list" && break
	sleep 1
done
has "sms *transactional *delivered" "$tmp/list" \
    "the status report makes it delivered"
run 0 "^13700000001 .* sms *no" "the inbound ＴＤ opted the sender out" -- \
    optout list
run 0 "optout *ＴＤ" "kefu sms inbox shows it acted on" -- sms inbox

kill -TERM "$pid"
wait "$pid"
check $? "kefud stops on SIGTERM with the SMS worker running" "$log"
pid=
kill -TERM "$simpid"
wait "$simpid"
has "+8613700000001	1/1	已退订" "$tmp/sim.out" \
    "the confirmation went to the sender"
has "	13912345678	1/1	您的订单已确认" "$tmp/sim.out" "the modem got the order notice"
tap_done
