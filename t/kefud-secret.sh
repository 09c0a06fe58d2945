#!/bin/sh
# kefud-secret.sh: a caller typing a PIN into kefud (a sim line, log
# level debug, log to a file) leaves none of its digits in the log file:
# not the wrong entry, not the right one, not through the keys, the
# input, the flow's path or the call's log line.  Prints TAP.
tap_name=secret
. "$(dirname "$0")/tap.sh"
mkdir -p "$tmp/flows"

cp "$KEFU_SRCDIR"/flows/*.xml "$tmp/flows/"
chmod -R u+w "$tmp/flows"
cat >"$tmp/flows/pin.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<flow name="pin">
  <input id="ask" var="pin" prompt="price.ask_code" min-digits="6"
      max-digits="8" invalid-prompt="input.invalid"
      timeout-prompt="input.timeout" max-invalid="3" max-timeouts="3"
      escalate="bye"/>
  <play id="thanks" prompt="sys.coming_soon" next="bye"/>
  <hangup id="bye" prompt="sys.goodbye"/>
</flow>
EOF
conf=$tmp/kefu.conf
log=$tmp/kefud.log
cat >"$conf" <<EOF
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = $tmp/flows
prompts = $KEFU_SRCDIR/prompts
sql = $KEFU_SRCDIR/sql
spool = $tmp/spool
socket = $tmp/kefud.sock
log = $log
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
[line pin]
type = sim
device = $tmp/line-pin.sock
rings = 1
flow = pin
EOF
chmod 600 "$conf"
if ! "$kefu" -c "$conf" db upgrade >"$tmp/out" 2>&1; then
	echo "1..0 # SKIP no SQLite store: $(tail -1 "$tmp/out")"
	exit 0
fi

# Not -d: kefud logs to the file of log = (foreground would be stderr).
"$kefud" -f "$conf" >"$tmp/stderr" 2>&1 &
pid=$!
i=0
while [ ! -S "$tmp/line-pin.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/line-pin.sock" ]
check $? "kefud runs on a sim line, logging to a file" "$tmp/stderr"

# A wrong entry (too short) then the PIN; digits no other text has.
"$kefu" -c "$conf" call --line pin --fast --keys "5839# 58392746#" \
    --caller 13800138000 >"$tmp/call" 2>&1
check $? "a call types a wrong PIN and then the right one" "$tmp/call"
# the PIN prompt is the first thing played; its length depends on the audio
ask=$(sed -n 's/.* play  \([0-9.]* s\)$/\1/p' "$tmp/call" | head -n 1)
[ -n "$ask" ] && [ "$(grep -c "play  $ask\$" "$tmp/call")" -eq 2 ]
check $? "the wrong entry was refused: the PIN prompt ($ask) said twice" \
    "$tmp/call"

i=0
while ! grep -q "call from .* ended" "$log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1)); done
grep -q "line pin: call from 13800138000 ended" "$log"
check $? "the log file has the call's line" "$log"
grep -q "path pin:ask pin:thanks pin:bye" "$log"
check $? "the right PIN was taken (path pin:ask pin:thanks)" "$log"
k=$(grep -c "line pin: key pressed" "$log")
[ "$k" -ge 12 ]
check $? "debug logging saw every key ($k 'key pressed' lines)" "$log"
! grep -n -e 5839 -e 58392746 -e 2746 "$log" >"$tmp/leak"
check $? "no PIN digits in the log file" "$tmp/leak"
! grep -n "key pressed.*[0-9#*]$" "$log" >"$tmp/leak"
check $? "no key named in 'key pressed' lines" "$tmp/leak"

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
KEEP=${KEEP:-}
! grep -n -e 5839 -e 2746 "$log" >"$tmp/leak"
check $? "none at shutdown either" "$tmp/leak"
tap_done
