#!/bin/sh
# order-bench.sh: what an ordering call costs kefud in CPU.  kefud runs
# the shipped flows on a simulated line (kefu-simline(7)) with a SQLite
# store and the demo catalog; scripted callers (`kefu call --line
# --fast`) first ask one price each (the baseline: menu key 1, a
# barcode, the answer), then place one order each: recognised by caller
# ID, the PIN ([store] pin-iterations PBKDF2 rounds, the default unless
# BENCH_PIN_ITERATIONS says), three items, a slot, the total, confirmed.
# kefud's CPU (user + system, /proc/PID/stat) is read before and after
# each phase; the ratio of an ordering call's to a price call's is what
# ordering adds, whatever the machine.  BENCH_CALLS calls per phase
# (default 10).  Prints figures; not a test.
#
# Usage: make bench-order (from the build folder)
tap_name=order-bench
. "${KEFU_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/t/tap.sh"

calls=${BENCH_CALLS:-10}
tap_conf
its=${BENCH_PIN_ITERATIONS:+\\npin-iterations = $BENCH_PIN_ITERATIONS}
s='[store]\norder-slots = 09:00-11:00/00:00/0\norder-areas = 天河:天河区'
sed -i "s|^\[store\]|$s$its|" "$conf"
cat >>"$conf" <<EOF
[line bench]
type = sim
device = $tmp/line.sock
rings = 1
silence = 5s
EOF
die() { echo "order-bench: $1" >&2; cat "$tmp/out" >&2; exit 1; }
"$kefu" -c "$conf" db init >"$tmp/out" 2>&1 || die "db init"
"$kefu" -c "$conf" catalog build --demo >"$tmp/out" 2>&1 || die "catalog"
echo 739146 | "$kefu" -c "$conf" member add --name 张三 \
    --mobile 13800138000 --address 广州市天河区体育西路1号 --pin \
    >"$tmp/out" 2>&1 || die "member add"
"$kefu" -c "$conf" courier add --name 王师傅 --mobile 13700000001 \
    --areas 天河 >"$tmp/out" 2>&1 || die "courier add"
tap_kefud "$tmp/kefud.log" -d
tap_wait 10 test -S "$tmp/line.sock" || die "kefud did not start"

# cpu: kefud's CPU so far in clock ticks (utime + stime).
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
idle() {
	"$kefu" -c "$conf" status 2>/dev/null | grep -q "^line bench *sim *idle"
}
orders() {
	echo "SELECT COUNT(*) FROM orders;" |
	    isql -b -d'|' -k "Driver=SQLite3;Database=$tmp/kefu.db" |
	    tr -d ' \r'
}
# phase KEYS: $calls calls; kefud's ticks and the wall time in ms.
phase() {
	c0=$(cpu)
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$calls" ]; do
		"$kefu" -c "$conf" call --line bench --fast --keys "$1" \
		    --caller +8613800138000 >"$tmp/out" 2>&1 ||
		    die "a call failed"
		tap_wait 10 idle
		i=$((i + 1))
	done
	ticks=$(($(cpu) - c0))
	ms=$((($(date +%s%N) - t0) / 1000000))
}
hz=$(getconf CLK_TCK)
phase "1 6971105000018#"
p="path main:hello main:top main:price price:ask price:lookup price:tell"
grep -q "$p" "$tmp/kefud.log" || die "the price call heard no price"
pt=$ticks pms=$ms
before=$(orders)
phase "5 739146# 10001# 2# 1 10002# 1# 1 10003# 3# 3 1 1"
grep -q "(no barge-in)" "$tmp/out" || die "the order was not confirmed"
[ $(($(orders) - before)) -eq "$calls" ] || die "not $calls orders"
ot=$ticks oms=$ms
awk -v n="$calls" -v hz="$hz" -v pt="$pt" -v ot="$ot" -v pms="$pms" \
    -v oms="$oms" -v it="${BENCH_PIN_ITERATIONS:-default}" 'BEGIN {
	printf "order-bench: %d calls per phase, kefud CPU (user+system)\n", n
	printf "  price call (baseline)    %7.1f ms CPU/call %6.0f ms wall\n",
	    pt * 1000 / hz / n, pms / n
	printf "  ordering call (3 items)  %7.1f ms CPU/call %6.0f ms wall\n",
	    ot * 1000 / hz / n, oms / n
	printf "  ordering/price CPU ratio %7.2f (pin-iterations %s)\n",
	    (pt > 0 ? ot / pt : 0), it
}'
