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
tap_conf
tap_conf_add kefu "log-level = debug"
tap_conf_add sms "optout-reply = 已退订"
tap_conf_add "gsm gsm0" "device = $tmp/gsm0
pin = 8642
flow-control = none"
run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo

"$gsmsim" -l "$tmp/gsm0" -P 8642 -r 0 -d "+8613700000001=ＴＤ" \
    >"$tmp/sim.out" 2>&1 &
simpid=$!
log=$tmp/kefud.log
tap_kefud "$log" -d
tap_wait 10 grep -q "gsm gsm0: ready" "$log"
has "sms: outbox worker of \[gsm gsm0\] started" "$log" \
    "kefud starts a worker per [gsm]"
has "gsm gsm0: ready on $tmp/gsm0" "$log" "the modem is set up, PIN and all"
hasnt "8642" "$log" "the PIN is not in the log"

run 0 "queued message" "kefu sms send queues" -- \
    sms send --key kd:1 13912345678 "您的订单已确认，今天下午送达。"
tap_wait 10 grep -q "to 13912345678 submitted as TP-MR" "$log"
has "to 13912345678 submitted as TP-MR" "$log" "kefud sends it: TP-MR logged"
delivered() {
	"$kefu" -c "$conf" outbox list >"$tmp/list" 2>&1
	grep -q "transactional *delivered" "$tmp/list"
}
tap_wait 10 delivered
has "sms *transactional *delivered" "$tmp/list" \
    "the status report makes it delivered"
# The inbound message is read on the modem's own schedule: wait for it.
optedout() {
	"$kefu" -c "$conf" optout list 2>&1 | grep -q "^13700000001 .* sms *no"
}
tap_wait 10 optedout
run 0 "^13700000001 .* sms *no" "the inbound ＴＤ opted the sender out" -- \
    optout list
run 0 "optout *ＴＤ" "kefu sms inbox shows it acted on" -- sms inbox

tap_stop "kefud stops on SIGTERM with the SMS worker running" "$log"
kill -TERM "$simpid"
wait "$simpid"
has "+8613700000001	1/1	已退订" "$tmp/sim.out" \
    "the confirmation went to the sender"
has "	13912345678	1/1	您的订单已确认" "$tmp/sim.out" \
    "the modem got the order notice"
tap_done
