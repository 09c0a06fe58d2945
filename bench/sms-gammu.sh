#!/bin/sh
# sms-gammu.sh: kefu and gammu-smsd side by side on the same zero-latency
# simulated GSM modem (t/sim/gsmsim): n single-part messages sent by
# gammu-smsd (files backend, every periodic check off, LoopSleep 0) and by
# kefu's outbox worker (bench/sms-scale, one modem, SQLite store).
# Prints messages/s of each and kefu's as a ratio to gammu-smsd's.  Not a
# test: figures of one run.  Usage: sms-gammu.sh [n] (default 20); run by
# `make bench-sms-gammu` (needs gammu-smsd).
n=${1:-20}
b=${KEFU_BUILDDIR:-.}
command -v gammu-smsd >/dev/null 2>&1 ||
    { echo "sms-gammu: gammu-smsd is not installed" >&2; exit 1; }
tmp=/tmp/kefu-sms-gammu-bench-$$
mkdir -p "$tmp/in" "$tmp/out" "$tmp/sent" "$tmp/err"
sim= smsd=
cleanup() {
	[ -n "$smsd" ] && kill "$smsd" 2>/dev/null
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
"$b/t/sim/gsmsim" -l "$tmp/gsm0" >"$tmp/sim.out" 2>&1 &
sim=$!
i=0
while [ ! -e "$tmp/gsm0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat >"$tmp/smsdrc" <<EOT
[gammu]
device = $tmp/gsm0
connection = at
[smsd]
service = files
inboxpath = $tmp/in/
outboxpath = $tmp/out/
sentsmspath = $tmp/sent/
errorsmspath = $tmp/err/
logfile = $tmp/smsd.log
loopsleep = 0
commtimeout = 0
statusfrequency = 0
receivefrequency = 0
checksecurity = 0
checksignal = 0
checkbattery = 0
checknetwork = 0
resetfrequency = 0
deliveryreport = no
EOT
i=1
while [ $i -le "$n" ]; do
	printf 'Weekly specials: eggs 9.9, milk 2 for 1.' \
	    >"$tmp/out/OUTA_139$(printf %08d $i)_$(printf %05d $i).txt"
	i=$((i + 1))
done
t0=$(date +%s.%N)
gammu-smsd -c "$tmp/smsdrc" >"$tmp/smsd.out" 2>&1 &
smsd=$!
# its start (identify, probes) is timed apart: the rate is from the
# first message sent to the last, as kefu's is from its first claim
while [ -z "$(ls "$tmp/sent")" ] && kill -0 $smsd 2>/dev/null; do
	sleep 0.02
done
t1=$(date +%s.%N)
while [ -n "$(ls "$tmp/out")" ] && kill -0 $smsd 2>/dev/null; do
	sleep 0.02
done
t2=$(date +%s.%N)
sent=$(ls "$tmp/sent" | wc -l)
kill $smsd
wait $smsd 2>/dev/null
smsd=
[ "$sent" -eq "$n" ] ||
    { echo "sms-gammu: gammu-smsd sent $sent of $n" >&2; exit 1; }
gr=$(echo "($n - 1) / ($t2 - $t1)" | bc -l)
k=$("$b/bench/sms-scale" -n "$n" -s 0 -m 1 | awk '/^1 modem/ { print $5 }')
printf '%d single-part messages, zero-latency simulated modem\n' "$n"
printf 'gammu-smsd %8.2f messages/s (start-up %.2f s not counted)\n' \
    "$gr" "$(echo "$t1 - $t0" | bc -l)"
printf 'kefu       %8.2f messages/s\n' "$k"
printf 'kefu / gammu-smsd %.2f\n' "$(echo "$k / $gr" | bc -l)"
