#!/bin/sh
# run.sh: run each fuzz target (built by build.sh) for SECONDS seconds, one
# after the other, starting from the seed corpus; print executions,
# seconds and crashes per target.  New inputs go to OUT/corpus-NAME (the
# seeds in t/fuzz/corpus are not touched); crashes to OUT/crash-NAME-*.
# Inputs up to $FUZZ_MAX_LEN bytes (4096).
# Usage: t/fuzz/run.sh SECONDS [OUT] [TARGET...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:?usage: run.sh SECONDS [OUT] [TARGET...]}
out=${2:-/tmp/kefu-fuzz}
shift; [ $# -gt 0 ] && shift
targets=${*:-dle at callerid vsm sim ctl conf xml pdu}
rc=0
for t in $targets; do
	bin="$out/fuzz-$t"
	[ -x "$bin" ] ||
	    { echo "$bin missing: run t/fuzz/build.sh $out"; exit 2; }
	mkdir -p "$out/corpus-$t"
	cp "$here/corpus/$t/"* "$out/corpus-$t/" 2>/dev/null
	log="$out/fuzz-$t.log"
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$out/crash-$t-" \
	    -max_len="${FUZZ_MAX_LEN:-4096}" -timeout=30 \
	    "$out/corpus-$t" > "$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	tsecs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	crashes=$(ls "$out"/crash-$t-* "$out"/timeout-$t-* 2>/dev/null | wc -l)
	echo "fuzz-$t: ${execs:-?} executions" \
	    "in ${tsecs:-?} s, ${cov:-cov: ?}," \
	    "exit $st, $crashes crash file(s); log $log"
	[ "$st" -eq 0 ] && [ "$crashes" -eq 0 ] || rc=1
done
exit $rc
