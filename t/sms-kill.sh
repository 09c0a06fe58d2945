#!/bin/sh
# sms-kill.sh: kill -9 of kefud in the middle of a large SMS broadcast:
# KEFU_SMS_KILL_N marketing messages (default 2000) to as many numbers,
# sent through the GSM simulator by kefud, which is killed
# KEFU_SMS_KILLS times (default 3) at random moments and started again
# until the broadcast is over.  Counted from what the simulator's
# network got (every PDU after AT+CMGS, answered or cut off): no message
# lost (each "submitted" one reached the network exactly once) and none
# sent twice; a message left "unknown" (its PDU handed over, the answer
# never stored) reached it once at most and is counted.
tap_name=sms-kill
. "$(dirname "$0")/tap.sh"
N=${KEFU_SMS_KILL_N:-2000}
K=${KEFU_SMS_KILLS:-3}
gsmsim=$KEFU_BUILDDIR/t/sim/gsmsim
if ! command -v sqlite3 >/dev/null 2>&1; then
	skip "sqlite3 not installed"
	tap_done
fi
tap_conf
cat >>"$conf" <<EOT
[sms]
lease = 10s
batch = 20
retry = 1s
retry-max = 2s
pause = 200ms
pause-max = 1s
[suppress]
quiet-marketing = none
[gsm gsm0]
device = $tmp/gsm0
flow-control = none
status-reports = no
cnmi = 2,1,0,0,0
EOT
db=$tmp/kefu.db
q() { sqlite3 -cmd ".timeout 10000" "$db" "$1"; }
run 0 "" "a new store" -- db init
q "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE
    i < $N) INSERT INTO outbox (channel, recipient, msg_class,
    idem_key, next_attempt_at, created_at) SELECT 'sms',
    printf('139%08d', i), 'marketing',
    printf('kill:%d', i), datetime('now', 'localtime', '-1 minute'),
    datetime('now', 'localtime') FROM c"
q "INSERT INTO outbox_content (outbox_id, body)
    SELECT id, printf('本周特价 第%s号', substr(idem_key, 6)) FROM outbox"
[ "$(q "SELECT COUNT(*) FROM outbox")" = "$N" ]
check $? "$N marketing messages queued"
[ $failed -eq 0 ] || tap_done

"$gsmsim" -l "$tmp/gsm0" >"$tmp/sim.out" 2>&1 &
simpid=$!
tap_wait 5 test -e "$tmp/gsm0"
handed() { q "SELECT COUNT(*) FROM outbox WHERE status <> 'queued'"; }
handed_ge() { [ "$(handed)" -ge "$1" ]; }
# kill when the broadcast has moved on by a random share of what is left
i=1
while [ $i -le "$K" ]; do
	tap_kefud "$tmp/kefud.$i.log"
	h=$(handed)
	step=$(awk -v s="$$$i" -v l="$((N - h))" -v k="$K" \
	    'BEGIN { srand(s); print int(l / (k + 1) * (0.3 + rand())) + 1 }')
	tap_wait 120 handed_ge $((h + step))
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	echo "# kill $i after $(handed) of $N handed over"
	i=$((i + 1))
done
tap_kefud "$tmp/kefud.last.log"
done_all() { [ "$(q "SELECT COUNT(*) FROM outbox WHERE status IN ('queued',
    'claimed', 'submitting')")" -eq 0 ]; }
tap_wait 600 done_all
check $? "the broadcast ends after $K kills" "$tmp/kefud.last.log"
kill -TERM "$pid"
wait "$pid"
pid=
kill -TERM $simpid
wait $simpid
# what the network got: +CMGS: mr<TAB>number<TAB>1/1<TAB>text
awk -F '\t' '/^\+CMGS: / { print $2 }' "$tmp/sim.out" | sort >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got1"
q "SELECT recipient FROM outbox WHERE status = 'submitted' ORDER BY 1" \
    >"$tmp/submitted"
q "SELECT recipient FROM outbox WHERE status = 'unknown' ORDER BY 1" \
    >"$tmp/unknown"
q "SELECT status, COUNT(*) FROM outbox GROUP BY status" >"$tmp/states"
sed 's/^/# /' "$tmp/states"
twice=$(uniq -d "$tmp/got" | wc -l)
lost=$(comm -23 "$tmp/submitted" "$tmp/got1" | wc -l)
unk=$(wc -l <"$tmp/unknown")
unkgot=$(comm -12 "$tmp/unknown" "$tmp/got1" | wc -l)
other=$(grep -cv '^submitted|\|^unknown|' "$tmp/states")
echo "# $N messages, $K kills: $(wc -l <"$tmp/submitted") submitted," \
    "$unk unknown ($unkgot of them reached the network), $lost lost," \
    "$twice sent twice"
[ "$lost" -eq 0 ]
check $? "no message submitted that the network did not get"
[ "$twice" -eq 0 ]
check $? "no number got its message twice"
[ "$other" -eq 0 ]
check $? "every message ends submitted or unknown" "$tmp/states"
[ $(($(wc -l <"$tmp/submitted") + unk)) -eq "$N" ]
check $? "submitted + unknown = $N"
tap_done
