#!/bin/sh
# kefud.sh: the daemon itself, on a simulated line (kefu-simline(7)):
# kefud -n on a good and a broken set; kefud -d on a SQLite store and the
# demo catalog; a price call through `kefu call --line` (the audio equals
# what the in-process `kefu call` renders, a call_log row appears);
# kefu status; kefu reload and SIGHUP; a refused reload; a reload during
# a call (which finishes on the old set); kefu status answered during a
# reload held by a FIFO flow file; garbage and vanishing callers;
# no password in the log.  Calls use fast pacing (kefu call --fast).
tap_name=kefud
. "$(dirname "$0")/tap.sh"

# mkconf FLOWS-DIR OUT: a kefu.conf on the store in $tmp and a sim line.
mkconf() {
	cat >"$2" <<EOF
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = $1
prompts = $KEFU_SRCDIR/prompts
sql = $KEFU_SRCDIR/sql
spool = $tmp/spool
socket = $tmp/kefud.sock
log = -
log-level = info
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/kefu.db;PWD=sekrit-pin-4711
adapter = sqlite
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/catalog.db
adapter = sqlite
read-only = yes
[line demo]
type = sim
device = $tmp/line-demo.sock
rings = 1
silence = 5s
[line rec]
type = sim
device = $tmp/line-rec.sock
rings = 1
flow = msg
EOF
	chmod 600 "$2"
}

conf=$tmp/kefu.conf
cp -R "$KEFU_SRCDIR/flows" "$tmp/flows"
chmod -R u+w "$tmp/flows"
cat >"$tmp/flows/msg.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<flow name="msg">
  <record id="rec" var="m" prompt="sys.coming_soon" max-length="20s"
      silence="1s" stop-keys="#" beep="yes" next="bye"/>
  <play id="bye" prompt="sys.coming_soon"/>
  <hangup/>
</flow>
EOF
mkconf "$tmp/flows" "$conf"
if ! "$kefu" -c "$conf" db upgrade >"$tmp/out" 2>&1 ||
    ! "$kefu" -c "$conf" catalog build --demo --force >>"$tmp/out" 2>&1; then
	echo "1..0 # SKIP no SQLite store: $(tail -1 "$tmp/out")"
	exit 0
fi

# kefud -n
"$kefud" -n -f "$conf" >"$tmp/out" 2>&1
check $? "kefud -n: a good set is OK" "$tmp/out"
has "configuration OK" "$tmp/out" "kefud -n says so"
cp -R "$tmp/flows" "$tmp/bad"
sed 's/found="tell"/found="nowhere"/' "$tmp/flows/price.xml" \
    >"$tmp/bad/price.xml"
mkconf "$tmp/bad" "$tmp/bad.conf"
"$kefud" -n -f "$tmp/bad.conf" >"$tmp/out" 2>&1
[ $? -eq 1 ]
check $? "kefud -n: a broken flow fails with status 1" "$tmp/out"
has "price.xml:[0-9][0-9]*:.*nowhere" "$tmp/out" \
    "... naming file:line and the bad target"

# kefud -n and kefu conf check: what the file names must exist, said as
# file:line.  refuses SED-EXPRESSION WANTED DESCRIPTION: the test
# kefu.conf edited so fails both, kefud -n naming file:line and WANTED.
refuses() {
	expr=$1 want=$2 what=$3
	sed "$expr" "$conf" >"$tmp/broken.conf"
	chmod 600 "$tmp/broken.conf"
	"$kefud" -n -f "$tmp/broken.conf" >"$tmp/out" 2>&1
	[ $? -eq 1 ]
	check $? "kefud -n refuses $what" "$tmp/out"
	has "broken.conf:[0-9]*: $want" "$tmp/out" "... as file:line"
	"$kefu" -c "$tmp/broken.conf" conf check >"$tmp/out" 2>&1
	[ $? -ne 0 ]
	check $? "kefu conf check fails on $what too" "$tmp/out"
}
refuses 's|^\[kefu\]|[kefu]\nuser = nosuchuser|' ' *user.*nosuchuser' \
    "user = nosuchuser"
refuses "s|^socket = .*|socket = $tmp/$(printf '%0120d' 0).sock|" \
    "socket = .*at most 107 bytes" "a socket path too long for sun_path"
refuses 's|^datasource = local|datasource = nosuch|' \
    '\[store\] datasource = nosuch: no \[datasource nosuch\]' \
    "[store] datasource = nosuch"
refuses 's|^read-only = yes|read-only = yes\npool-size = 2\npool-min = 3|' \
    '\[datasource catalog\] pool-min = 3 is more than pool-size = 2' \
    "pool-min > pool-size"
refuses 's|^adapter = sqlite|adapter = nosuch|' \
    '\[datasource local\] adapter = nosuch: no such adapter profile' \
    "an unknown adapter"
refuses "s|^flows = .*|flows = $tmp/nosuch|" \
    "flows = $tmp/nosuch: no such folder" "a missing folder"

# kefu call --line refusals
"$kefu" -c "$conf" call --line demo --keys 1 >"$tmp/out" 2>&1
[ $? -eq 1 ]
check $? "kefu call --line without kefud: exit 1" "$tmp/out"
has "is kefud running?" "$tmp/out" "... asking whether kefud runs"
"$kefu" -c "$conf" call --line nosuch >"$tmp/out" 2>&1
[ $? -eq 1 ]
check $? "kefu call --line of an unknown line: exit 1" "$tmp/out"
has "has no \[line nosuch\]" "$tmp/out" "... saying so"
"$kefu" -c "$conf" call --line demo --flow price >"$tmp/out" 2>&1
[ $? -eq 2 ]
check $? "kefu call --line --flow: usage error" "$tmp/out"

# start it
log=$tmp/kefud.log
"$kefud" -d -f "$conf" >"$log" 2>&1 &
pid=$!
tap_wait 10 test -S "$tmp/line-demo.sock"
check $? "kefud -d listens on the sim line's socket" "$log"
perm=$(stat -c %a "$tmp/line-demo.sock" 2>/dev/null)
[ "$perm" = 660 ]
check $? "the socket is mode 0660 ($perm)"

"$kefu" -c "$conf" status >"$tmp/out" 2>&1
check $? "kefu status" "$tmp/out"
has "^line demo *sim *idle *calls 0 " "$tmp/out" \
    "status: line demo, type sim, idle, no calls"
has "generation 1, 0 calls since start" "$tmp/out" "status: generation 1"

# line_is STATE [FILE]: kefu status (into FILE, $tmp/out) shows line
# demo in STATE now.
line_is() {
	"$kefu" -c "$conf" status >"${2:-$tmp/out}" 2>&1
	grep -q "^line demo *sim *$1" "${2:-$tmp/out}"
}
# gen_now GENERATION: kefu status (into $tmp/status) shows it now.
gen_now() {
	"$kefu" -c "$conf" status >"$tmp/status" 2>&1
	grep -q "generation $1," "$tmp/status"
}
# status GENERATION: wait until kefu status shows it (SIGHUP is async).
gen_is() { tap_wait 5 gen_now "$1"; }
# idle: wait until the line is idle again; kefu status is in $tmp/out.
idle() { tap_wait 5 line_is idle; }

# simcall OUT KEYS [ARGS]: a fast call on line demo.
simcall() {
	o=$1 k=$2
	shift 2
	"$kefu" -c "$conf" call --line demo --fast --keys "$k" "$@" >"$o" 2>&1
}

# a price call, heard and logged
barcode=6971105000018
simcall "$tmp/call1" "1 $barcode#" --caller 13800138000 \
    --audio "$tmp/line.wav"
check $? "kefu call --line: a price call" "$tmp/call1"
has "answered" "$tmp/call1" "the call was answered"
has "hang-up (end of the keys)" "$tmp/call1" \
    "the caller hung up after the last key"
"$kefu" -c "$conf" call --no-log --keys "1 $barcode#" --caller 13800138000 \
    --audio "$tmp/inproc.wav" >"$tmp/out" 2>&1
check $? "the same call in process" "$tmp/out"
# In process, each of the 15 keys adds 150 ms (2400 bytes) of pause.
a=$(stat -c %s "$tmp/line.wav" 2>/dev/null || echo 0)
b=$(stat -c %s "$tmp/inproc.wav" 2>/dev/null || echo 0)
d=$((b - a - 15 * 2400))
[ "$a" -gt 320000 ] && [ $d -gt -200 ] && [ $d -lt 200 ]
check $? "the line heard the same audio as kefu call ($a vs $b bytes)"
sql() {
	echo "$1" | isql -b -d'|' -k "Driver=SQLite3;Database=$tmp/kefu.db" \
	    2>&1
}
# The events the checks wait for (tap_wait), not a time: call_log rows
# (written once the caller has gone), recordings, log lines.
logged() { sql "SELECT caller_id, 1 FROM call_log;" | grep -q "^$1|"; }
recorded() { [ "$(find "$tmp/spool" -name "*-linerec-$1-*.wav" -type f |
    wc -l)" -ge "$2" ]; }
said() { [ "$(grep -c -e "$2" "$log")" -ge "$1" ]; }
tap_wait 10 logged 13800138000
sql "SELECT line, caller_id, flow, path FROM call_log WHERE line = 'demo';" \
    >"$tmp/out"
has "^demo|13800138000|main|.*price:tell" "$tmp/out" \
    "a call_log row for the call on line demo"
idle
has "^line demo *sim *idle *calls 1 " "$tmp/out" "status: 1 call on the line"
has "1 call since start" "$tmp/out" "status: 1 call since start"

# a recording: the caller speaks (1 s), then a key or silence
"$kefu" -c "$conf" call --line rec --fast --keys "~" --caller 777 \
    >"$tmp/call-rec" 2>&1
check $? "a call on the recording line" "$tmp/call-rec"
has "beep  1000 300" "$tmp/call-rec" "the caller hears the beep"
has "record (up to 20000 ms)" "$tmp/call-rec" "kefud records"
has "(silence)" "$tmp/call-rec" "... until the caller falls silent"
has "hang-up by kefu (kefu ended the call)" "$tmp/call-rec" \
    "then kefu hangs up"
tap_wait 10 recorded 777 1
f=$(ls "$tmp"/spool/*-linerec-777-*.wav 2>/dev/null | head -1)
sz=$(stat -c %s "$f" 2>/dev/null || echo 0)
[ "$sz" -ge 32000 ] && [ "$sz" -lt 64000 ]
check $? "the recording holds the voice and the silence ($sz bytes)"
"$kefu" -c "$conf" call --line rec --fast --keys "#" --caller 778 \
    >"$tmp/call-rec" 2>&1
has "key   # (after speaking)" "$tmp/call-rec" "a key after speaking..."
hasnt "(silence)" "$tmp/call-rec" "... stops the recording"
has "hang-up by kefu" "$tmp/call-rec" "... and the flow goes on"

# the spool: links planted under the names a recording of caller 779
# would take in the next seconds are never followed, and six recordings
# in a row (the same seconds) are six files
printf 'precious\n' >"$tmp/victim"
now=$(date +%s)
for s in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	stamp=$(date -d "@$((now + s))" +%Y%m%d-%H%M%S)
	ln -s "$tmp/victim" "$tmp/spool/$stamp-linerec-779.wav.part"
	ln -s "$tmp/victim" "$tmp/spool/$stamp-linerec-779.wav"
done
for c in 1 2 3 4 5 6; do
	"$kefu" -c "$conf" call --line rec --fast --keys "#" --caller 779 \
	    >"$tmp/call-rec" 2>&1
done
has "hang-up by kefu" "$tmp/call-rec" "six recorded calls from one caller"
tap_wait 10 recorded 779 6
[ "$(cat "$tmp/victim")" = precious ]
check $? "a link planted in the spool is not followed"
nrec=$(find "$tmp/spool" -name '*-linerec-779*.wav' -type f | wc -l)
[ "$nrec" -eq 6 ]
check $? "six recordings in the same seconds: six files ($nrec)"
find "$tmp/spool" -name '*-linerec-779*' -type l -delete
chmod 777 "$tmp/spool"
"$kefud" -n -f "$conf" >"$tmp/out" 2>&1
[ $? -eq 1 ]
check $? "kefud -n: a spool every user may write in fails" "$tmp/out"
has "spool.*written by every user" "$tmp/out" "... saying so"
"$kefu" -c "$conf" call --line rec --fast --keys "#" --caller 780 \
    >"$tmp/call-rec" 2>&1
tap_wait 10 said 1 "cannot record: .*written by every user"
has "cannot record: .*written by every user" "$log" \
    "kefud refuses to record into it and logs why"
chmod 750 "$tmp/spool"

# Every thread but the main one (it takes them in sigwait) blocks SIGHUP,
# SIGINT, SIGPIPE and SIGTERM (bits 0x5003 of SigBlk): a signal never
# lands on a thread that does not expect it, such as the datasources'
# watchdogs, which start while the configuration loads.
others=0 open=
for t in /proc/"$pid"/task/*; do
	[ "${t##*/}" = "$pid" ] && continue
	others=$((others + 1))
	blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$t/status")
	blk=${blk#????????????}
	[ $((0x$blk & 0x5003)) -eq $((0x5003)) ] ||
	    open="$open $(cat "$t/comm") (SigBlk ...$blk)"
done
[ "$others" -ge 2 ] && [ -z "$open" ]
check $? "all $others other threads block the signals kefud waits for"
[ -z "$open" ] || echo "#   not blocked in:$open"

# reloads
"$kefu" -c "$conf" reload >"$tmp/out" 2>&1
check $? "kefu reload" "$tmp/out"
has "generation 2" "$tmp/out" "kefu reload: generation 2"
kill -HUP "$pid"
gen_is 3
check $? "SIGHUP: generation 3" "$tmp/status"
cp "$tmp/flows/price.xml" "$tmp/price.good"
cp "$tmp/bad/price.xml" "$tmp/flows/price.xml"
"$kefu" -c "$conf" reload >"$tmp/out" 2>&1
[ $? -ne 0 ]
check $? "kefu reload of a broken flow fails" "$tmp/out"
has "nowhere" "$tmp/out" "... and says why"
has "reload refused.*nowhere" "$log" "the log has the reason"
kill -HUP "$pid"
tap_wait 10 said 2 "reload refused"
grep -c "reload refused" "$log" | grep -q 2
check $? "SIGHUP with a broken flow is refused too" "$log"
gen_is 3
check $? "still generation 3" "$tmp/status"
simcall "$tmp/call2" "1 $barcode#" --caller 2
check $? "calls still work on the old set" "$tmp/call2"
has "play" "$tmp/call2" "... and hear prompts"
cp "$tmp/price.good" "$tmp/flows/price.xml"
cat >"$tmp/flows/two.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<flow name="two">
  <play id="a" prompt="no.such.one" next="b"/>
  <play id="b" prompt="no.such.two"/>
  <hangup/>
</flow>
EOF
"$kefu" -c "$conf" reload >"$tmp/out" 2>&1
[ $? -ne 0 ]
check $? "kefu reload with two problems fails" "$tmp/out"
has "problems found" "$tmp/out" "... saying how many"
has "no.such.one" "$tmp/out" "... with the first reason"
has "no.such.two" "$tmp/out" "... and the second"
hasnt "incomplete answer" "$tmp/out" "... not an incomplete answer"
rm -f "$tmp/flows/two.xml"

# a reload during a call: the call finishes on the set it started with.
# The caller's dialler pauses 3 s (',') after the first price while
# kefud waits for a key: the window in which the reload, even on a
# loaded machine, lands while the call is in progress (at --fast pace
# four prices alone last about half a second).
simcall "$tmp/call3" "1 $barcode# , , , $barcode# $barcode# $barcode#" \
    --caller 3333 &
cpid=$!
tap_wait 10 line_is "\(playing\|collecting\)" "$tmp/status"
sed 's/"tell"/"told"/' "$tmp/price.good" >"$tmp/flows/price.xml"
kill -HUP "$pid"
gen_is 4
check $? "SIGHUP during a call: generation 4" "$tmp/status"
! grep -q "^line demo *sim *idle" "$tmp/status"
check $? "... while the call is in progress" "$tmp/status"
wait $cpid
check $? "the call in progress ends normally" "$tmp/call3"
tap_wait 10 logged 3333
sql "SELECT caller_id, path FROM call_log WHERE line = 'demo';" >"$tmp/out"
has "^3333|.*price:tell" "$tmp/out" "... on the old set (price:tell)"
simcall "$tmp/call4" "1 $barcode#" --caller 4444
check $? "the next call" "$tmp/call4"
tap_wait 10 logged 4444
sql "SELECT caller_id, path FROM call_log WHERE line = 'demo';" >"$tmp/out"
has "^4444|.*price:told" "$tmp/out" "... runs on the new set (price:told)"

# kefu.conf is read again on a reload: a broken one refuses the reload
# with its file:line; a changed setting is named as needing a restart
cp "$conf" "$tmp/client.conf"
cp "$conf" "$tmp/conf.good"
sed 's/^rings = 1$/rings = 1\ncolour = red/' "$tmp/conf.good" >"$conf"
"$kefu" -c "$tmp/client.conf" reload >"$tmp/out" 2>&1
[ $? -ne 0 ]
check $? "kefu reload with a broken kefu.conf fails" "$tmp/out"
has "nothing was reloaded" "$tmp/out" "... saying nothing was reloaded"
has "kefu.conf:[0-9]*: unknown key 'colour'" "$tmp/out" \
    "... and why, as file:line"
"$kefu" -c "$tmp/client.conf" status >"$tmp/status" 2>&1
has "generation 4," "$tmp/status" "... the generation stays 4"
kill -HUP "$pid"
tap_wait 10 said 2 "reload refused.*kefu.conf has problems"
grep -c "reload refused.*kefu.conf has problems" "$log" | grep -q 2
check $? "SIGHUP with a broken kefu.conf is refused too" "$log"
sed 's/^silence = 5s$/silence = 6s/' "$tmp/conf.good" >"$conf"
"$kefu" -c "$tmp/client.conf" reload >"$tmp/out" 2>&1
check $? "kefu reload with a changed setting of kefu.conf" "$tmp/out"
has "kefu.conf changed (\[line demo\] silence): restart kefud" \
    "$tmp/out" "... names the setting that needs a restart"
has "kefu.conf changed (\[line demo\] silence)" "$log" "... in the log too"
cp "$tmp/conf.good" "$conf"

# A reload runs off the control socket's thread.  A flow file that is a
# FIFO holds the reload in the flow loader until this script writes it
# (the order of events, no clock): kefu status is answered meanwhile,
# before the reload's answer; a second kefu reload is refused; a SIGHUP
# is queued and reloads once more after it.
sed 's/name="msg"/name="zgate"/' "$tmp/flows/msg.xml" >"$tmp/zgate.xml"
mkfifo "$tmp/flows/zgate.xml" "$tmp/gate-go"
(exec 3>"$tmp/flows/zgate.xml"; : >"$tmp/gate-open"
 read -r go <"$tmp/gate-go"
 cat "$tmp/zgate.xml" >&3) &
gpid=$!
"$kefu" -c "$conf" reload >"$tmp/reload-out" 2>&1 &
rpid=$!
tap_wait 10 test -e "$tmp/gate-open"
check $? "kefu reload: kefud is reading the flows (held by a FIFO)"
[ -e "$tmp/gate-open" ] || kill "$gpid" 2>/dev/null
# reloads after this one read a plain file
cp "$tmp/zgate.xml" "$tmp/flows/.zgate" && mv "$tmp/flows/.zgate" \
    "$tmp/flows/zgate.xml"
timeout 10 "$kefu" -c "$conf" status >"$tmp/status" 2>&1
check $? "kefu status while the reload runs" "$tmp/status"
has "generation 5," "$tmp/status" "... says the running generation (5)"
kill -0 "$rpid" 2>/dev/null && [ ! -s "$tmp/reload-out" ]
check $? "... answered before the reload's answer, which still waits" \
    "$tmp/reload-out"
timeout 10 "$kefu" -c "$conf" reload >"$tmp/out" 2>&1
[ $? -eq 1 ]
check $? "a second kefu reload meanwhile is refused" "$tmp/out"
has "a reload is already running" "$tmp/out" "... saying a reload runs"
kill -HUP "$pid"
tap_wait 10 said 1 "SIGHUP during a reload"
# the gate's other end (it opens once the gate is open: the timeout
# only guards a test that failed above)
timeout 10 sh -c 'echo go >"$1"' sh "$tmp/gate-go"
wait "$gpid"
wait "$rpid"
check $? "the first reload answers once its flow file is read" \
    "$tmp/reload-out"
has "generation 6" "$tmp/reload-out" "... generation 6"
gen_is 7
check $? "the SIGHUP that came meanwhile reloaded after it: generation 7" \
    "$tmp/status"
has "SIGHUP during a reload: another reload follows" "$log" \
    "... as the log says"
rm -f "$tmp/flows/zgate.xml"

# bad callers
calls=5
if command -v socat >/dev/null 2>&1; then
	printf 'HELLO kefu-sim 1 fast\nRING 5\nFROBNICATE\n' |
	    socat -t 2 - "UNIX-CONNECT:$tmp/line-demo.sock" >"$tmp/out" 2>&1
	has "ANSWERED" "$tmp/out" "a garbage caller is answered first"
	tap_wait 10 said 1 "does not understand"
	has "does not understand (\"FROBNICATE\")" "$log" \
	    "the garbage is logged"
	printf 'HELLO kefu-sim 1\nRING 6\n' |
	    socat -t 0.5 - "UNIX-CONNECT:$tmp/line-demo.sock" >"$tmp/out" 2>&1
	has "PROMPT" "$tmp/out" "a caller vanishing mid-prompt heard a prompt"
	idle
	kill -0 "$pid"
	check $? "kefud is still running"
	calls=7
else
	for t in 1 2 3 4; do ok "# SKIP no socat"; done
fi
# at the pace of a phone line, the caller leaves while kefud is sending
"$kefu" -c "$conf" call --line demo --keys "^" --caller 6666 \
    >"$tmp/out" 2>&1
has "hang-up (during the prompt)" "$tmp/out" \
    "a caller hanging up mid-prompt (real pacing)"
tap_wait 5 grep -q "call from 6666 ended" "$log"
has "call from 6666 ended after 0 s (caller hung up in main:hello)" "$log" \
    "... is seen by kefud at once"
calls=$((calls + 1))
simcall "$tmp/call5" "2" --caller 5555
check $? "the next call is answered" "$tmp/call5"
has "answered" "$tmp/call5" "... and heard"
idle
has "^line demo *sim *idle *calls $calls " "$tmp/out" \
    "status: $calls calls on the line"

# nobody holds up anybody: 20 clients connected to the control socket
# and saying nothing (the backlog was 16, served one at a time), then
# kefu status; five silent callers on the simulated line, then a call.
# A silent client only reads (socat -u from the socket); the check
# starts once socat has said that all 25 are connected and kefud holds
# the 16 control connections one user may keep (its open descriptors).
if command -v socat >/dev/null 2>&1; then
	# kefu status alone, for the measure (a slow start under ASan)
	t0=$(date +%s%N)
	"$kefu" -c "$conf" status >/dev/null 2>&1
	ms0=$((($(date +%s%N) - t0) / 1000000))
	nfd() { ls "/proc/$pid/fd" | wc -l; }
	fd0=$(nfd)
	hold=
	for c in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		socat -d -d -u "UNIX-CONNECT:$tmp/kefud.sock" - \
		    >/dev/null 2>"$tmp/hold-$c" &
		hold="$hold $!"
	done
	for c in 21 22 23 24 25; do
		socat -d -d -u "UNIX-CONNECT:$tmp/line-demo.sock" - \
		    >/dev/null 2>"$tmp/hold-$c" &
		hold="$hold $!"
	done
	held() { [ "$(grep -l "starting data transfer loop" "$tmp"/hold-* |
	    wc -l)" -eq 25 ] && [ "$(nfd)" -ge $((fd0 + 16)) ]; }
	tap_wait 10 held
	t0=$(date +%s%N)
	"$kefu" -c "$conf" status >"$tmp/out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc -eq 0 ] && [ $ms -lt $((ms0 + 1000)) ]
	check $? "kefu status with 20 silent clients connected: ${ms} ms \
(${ms0} ms without them)" "$tmp/out"
	t0=$(date +%s%N)
	simcall "$tmp/call8" "2" --caller 8080
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc -eq 0 ] && [ $ms -lt 5000 ]
	check $? "a call after five silent callers: ${ms} ms in all" \
	    "$tmp/call8"
	kill $hold 2>/dev/null
	wait $hold 2>/dev/null
else
	ok "# SKIP no socat"
	ok "# SKIP no socat"
fi

# a call_log row and its call_queries rows are one transaction: when the
# queries cannot be written, no call_log row is left without them
sql "ALTER TABLE call_queries RENAME TO call_queries_off;" >"$tmp/out"
simcall "$tmp/call7" "1 $barcode#" --caller 7777
check $? "a price call while call_queries cannot be written" "$tmp/call7"
tap_wait 10 said 1 "the call was not written to the call log"
sql "SELECT COUNT(*) FROM call_log WHERE caller_id = '7777';" >"$tmp/out"
has "^0" "$tmp/out" "... leaves no call_log row without its queries"
has "call from 7777 ended" "$log" "... the log line keeps the call"
has "line demo: the call was not written to the call log" "$log" \
    "... and says the call log was not written"
sql "ALTER TABLE call_queries_off RENAME TO call_queries;" >"$tmp/out"

# the log
has "line demo: answered" "$log" "the log tells of answered calls"
has "line demo: simulated line listening on $tmp/line-demo.sock" "$log" \
    "... and of the socket"
hasnt "sekrit-pin-4711" "$log" "no password in the log"
hasnt "$barcode" "$log" "no keys the callers typed in the log"
hasnt "sekrit-pin-4711" "$tmp/out" "no password in kefu status"

kill "$pid"
wait "$pid"
check $? "SIGTERM: kefud exits 0" "$log"
pid=
[ ! -e "$tmp/line-demo.sock" ]
check $? "the socket is removed at exit"
has "stopped" "$log" "the log says it stopped"

# the privilege model: started as root with user = nobody, kefu db init
# and kefud make every file as nobody, calls are logged (the store is
# writable), core dumps are off (and the process not dumpable), and the
# sockets are gone after SIGTERM
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null 2>&1; then
	priv=$tmp/priv
	mkdir "$priv"
	chown nobody "$priv"
	chmod 700 "$priv"
	sed -e "s|^socket = .*|socket = $priv/kefud.sock|" \
	    -e "s|^spool = .*|spool = $priv/spool|" \
	    -e "s|Database=$tmp/kefu.db|Database=$priv/kefu.db|" \
	    -e "s|^device = $tmp/|device = $priv/|" \
	    -e "s|^\[kefu\]|[kefu]\nuser = nobody|" "$conf" >"$tmp/priv.conf"
	chmod 600 "$tmp/priv.conf"
	"$kefu" -c "$tmp/priv.conf" db init >"$tmp/out" 2>&1
	check $? "user = nobody: kefu db init as root" "$tmp/out"
	[ "$(stat -c %U "$priv/kefu.db" 2>/dev/null)" = nobody ]
	check $? "... makes a store that belongs to nobody"
	plog=$tmp/priv.log
	"$kefud" -d -f "$tmp/priv.conf" >"$plog" 2>&1 &
	pid=$!
	tap_wait 10 test -S "$priv/line-demo.sock"
	has "running as user nobody" "$plog" "kefud switches to nobody"
	[ "$(stat -c %U "$priv/kefud.sock" 2>/dev/null)" = nobody ] &&
	    [ "$(stat -c %U "$priv/line-demo.sock" 2>/dev/null)" = nobody ]
	check $? "its sockets belong to nobody" "$plog"
	grep -q "^Uid:.*65534" "/proc/$pid/status"
	check $? "the process runs as nobody (uid 65534)"
	grep -q "^Max core file size *0 *0 " "/proc/$pid/limits"
	check $? "no core dumps (RLIMIT_CORE 0)" "/proc/$pid/limits"
	# not dumpable (PR_SET_DUMPABLE 0): its own user cannot read its
	# memory, as it can a process of its own that is dumpable
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	# (a process that lives until killed; read once it runs tail, past
	# setpriv's change of user, which leaves it not dumpable until exec)
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    tail -f /dev/null &
	spid=$!
	tap_wait 5 grep -qx tail "/proc/$spid/comm"
	nobody cat "/proc/$spid/environ" >/dev/null 2>&1
	check $? "nobody reads the memory of its own dumpable process"
	kill "$spid" 2>/dev/null
	nobody cat "/proc/$pid/environ" >/dev/null 2>&1
	[ $? -ne 0 ]
	check $? "... but not kefud's, running as nobody (not dumpable)"
	"$kefu" -c "$tmp/priv.conf" call --line demo --fast --keys "2" \
	    --caller 8888 >"$tmp/out" 2>&1
	check $? "a call" "$tmp/out"
	"$kefu" -c "$tmp/priv.conf" call --line rec --fast --keys "#" \
	    --caller 8889 >"$tmp/out" 2>&1
	# "call ended" follows the call log's write
	tap_wait 10 grep -q "line demo: call ended" "$plog"
	tap_wait 10 grep -q "line rec: call ended" "$plog"
	hasnt "readonly\|not written to the call log" "$plog" \
	    "the calls are written to the call log"
	echo "SELECT caller_id FROM call_log;" | isql -b -d'|' \
	    -k "Driver=SQLite3;Database=$priv/kefu.db" >"$tmp/out" 2>&1
	has "^8888" "$tmp/out" "... the call_log row is there"
	[ "$(stat -c %U "$priv"/spool/*-linerec-8889-*.wav 2>/dev/null)" = \
	    nobody ]
	check $? "the recording belongs to nobody" "$plog"
	kill "$pid"
	wait "$pid"
	check $? "SIGTERM: kefud exits 0" "$plog"
	pid=
	[ ! -e "$priv/kefud.sock" ] && [ ! -e "$priv/line-demo.sock" ] &&
	    [ ! -e "$priv/line-rec.sock" ]
	check $? "its sockets are removed at exit" "$plog"
	# started as nobody, as the shipped unit's User= does: no change of
	# user resets dumpable then, kefud's own PR_SET_DUMPABLE 0 is what
	# keeps others of its user from reading its memory
	chown nobody "$tmp/priv.conf"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$kefud" -d \
	    -f "$tmp/priv.conf" >"$plog" 2>&1 &
	pid=$!
	tap_wait 10 test -S "$priv/line-demo.sock"
	grep -q "^Uid:.*65534" "/proc/$pid/status" &&
	    ! nobody cat "/proc/$pid/environ" >/dev/null 2>&1
	check $? "started as nobody: not dumpable either" "$plog"
	kill "$pid"
	wait "$pid"
	pid=
else
	for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		ok "# SKIP the switch to user nobody needs root"
	done
fi

# log = syslog: kefud runs (without -d, which logs to stderr) in a
# private mount namespace whose /dev/log is a socat listener, so the
# machine's /dev is never touched.  Needs root, unshare(1) and socat.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
    command -v socat >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
	sed 's/^log = -$/log = syslog/' "$conf" >"$tmp/syslog.conf"
	chmod 600 "$tmp/syslog.conf"
	mkdir -p "$tmp/olddev"
	cat >"$tmp/ns.sh" <<EOF
mount --make-rprivate /
mount --bind /dev "$tmp/olddev" || exit 1
mount -t tmpfs -o size=1m tmpfs /dev || exit 1
for f in null zero urandom random full; do
	touch /dev/\$f && mount --bind "$tmp/olddev/\$f" /dev/\$f
done
$(sed -n '/^tap_wait()/,/^}/p' "$KEFU_SRCDIR/t/tap.sh")
socat -u UNIX-RECV:/dev/log "OPEN:$tmp/syslog.txt,creat,append" &
sp=\$!
tap_wait 5 test -S /dev/log
"$kefud" -f "$tmp/syslog.conf" >"$tmp/syslog.stderr" 2>&1 &
kp=\$!
tap_wait 10 test -S "$tmp/line-demo.sock"
"$kefu" -c "$conf" call --line demo --fast --keys "1 $barcode#" \\
    --caller 13900139000 >"$tmp/call6" 2>&1
echo "call \$?" >"$tmp/syslog.rc"
kill \$kp
wait \$kp
echo "kefud \$?" >>"$tmp/syslog.rc"
tap_wait 5 grep -q "kefud.*: stopped" "$tmp/syslog.txt"
kill \$sp
EOF
	unshare -m sh "$tmp/ns.sh" >"$tmp/out" 2>&1
	grep -q "call 0" "$tmp/syslog.rc" 2>/dev/null
	check $? "log = syslog: a call" "$tmp/call6"
	grep -q "kefud 0" "$tmp/syslog.rc" 2>/dev/null
	check $? "log = syslog: kefud exits 0" "$tmp/syslog.stderr"
	[ ! -s "$tmp/syslog.stderr" ]
	check $? "log = syslog: nothing on stderr" "$tmp/syslog.stderr"
	tr '<' '\n' <"$tmp/syslog.txt" >"$tmp/syslog.lines" 2>/dev/null
	has "^30>.*kefud\[[0-9]*\]: line demo: caller ID 13900139000" \
	    "$tmp/syslog.lines" \
	    "syslog: daemon.info, ident kefud[pid], the call"
	has "kefud\[[0-9]*\]: line demo: call from 13900139000 ended" \
	    "$tmp/syslog.lines" "syslog: the end of the call"
	has "kefud\[[0-9]*\]: stopped" "$tmp/syslog.lines" "syslog: stopped"
	hasnt "sekrit-pin-4711" "$tmp/syslog.lines" "syslog: no password"
else
	for t in 1 2 3 4 5 6 7; do
		ok "# SKIP log = syslog needs root, unshare -m and socat"
	done
fi

tap_done
