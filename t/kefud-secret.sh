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
log=$tmp/kefud.log
tap_conf "$tmp/flows"
sed -i "s|^log = -$|log = $log\\
log-level = debug|" "$conf"
cat >>"$conf" <<EOF
[line pin]
type = sim
device = $tmp/line-pin.sock
rings = 1
flow = pin
EOF
if ! "$kefu" -c "$conf" db upgrade >"$tmp/out" 2>&1; then
	echo "1..0 # SKIP no SQLite store: $(tail -1 "$tmp/out")"
	exit 0
fi

# Not -d: kefud logs to the file of log = (foreground would be stderr).
tap_kefud "$tmp/stderr"
tap_wait 10 test -S "$tmp/line-pin.sock"
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

tap_wait 5 grep -q "call from .* ended" "$log"
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
