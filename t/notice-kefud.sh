#!/bin/sh
# notice-kefud.sh: a notice recorded by phone, end to end through kefud
# on a simulated line (kefu-simline(7), t/case-call.py the caller):
# staff 1001 (role desk) on menu item 7, then 4: records after the
# beep, listens (hears exactly what was said), keeps it, valid from
# today for 3 days, and hears the dates read back; the notice row (by
# phone, by whom, on which call, the recording in the spool).  Then
# another caller, on menu item 3, hears that very recording under
# 门店公告, sample for sample (the call log's path shows it).  Staff 1002
# (role staff) is refused before any recording is made.
tap_name=notice-kefud
. "$(dirname "$0")/tap.sh"
# Dates and cut-offs are taken once, at the start: a run that crossed
# midnight failed (the case, notice, visit or order of "today" was
# tomorrow's by the time it was checked).  Start at 13:00 local time.
tap_hour 13:00
call="python3 $KEFU_SRCDIR/t/case-call.py"

for p in sqlite3 sox python3; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "1..0 # SKIP $p not installed"
		exit 0
	fi
done
tap_conf
tap_sql
printf '[line demo]\ntype = sim\ndevice = %s\nrings = 1\n' \
    "$tmp/line.sock" >>"$conf"
q() { sqlite3 "$tmp/kefu.db" "$1"; }
# keys DIGITS: the steps that press each key at its own wait
keys() { echo "$1" | sed 's/./k:& /g'; }
today=$(date +%Y-%m-%d)
until=$(date -d "$today + 2 days" +%Y-%m-%d)

run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build -d catalog --demo
echo 482913 | "$kefu" -c "$conf" staff add 1001 --role desk \
    >"$tmp/out" 2>&1
check $? "staff 1001 (desk) added" "$tmp/out"
echo 551177 | "$kefu" -c "$conf" staff add 1002 >"$tmp/out" 2>&1
check $? "staff 1002 (staff) added" "$tmp/out"

tap_kefud "$tmp/kefud.log" -d
tap_wait 10 test -S "$tmp/line.sock"
check $? "kefud listens on the simulated line" "$tmp/kefud.log"

# 7 staff, number and PIN, 4 record a notice: 2.5 s after the beep,
# 1 listen, 3 keep, from 0 days on, for 3 days; * back, * to the menu
mkdir "$tmp/c1"
# shellcheck disable=SC2046
$call "$tmp/line.sock" 13912345678 "$tmp/c1" fast k:7 $(keys 1001#) \
    $(keys 482913#) k:4 r:2.5 k:1 k:3 $(keys 0#) $(keys 3#) k:'*' bye \
    >"$tmp/c1.out" 2>&1
check $? "staff 1001 records a notice by phone" "$tmp/c1.out"
tap_wait 10 sh -c "[ \"\$(sqlite3 '$tmp/kefu.db' \
    'SELECT COUNT(*) FROM call_log')\" = 1 ]"

[ "$(q "SELECT published_via || ' ' || published_by || ' ' || valid_from ||
    ' ' || valid_until FROM local_notices")" = \
    "phone 1001 $today $until" ]
check $? "the notice: by phone, by 1001, valid $today to $until"
case "$(q "SELECT call_ref FROM local_notices")" in
demo-1*) ok "it keeps the call's reference" ;;
*) nok "it keeps the call's reference" ;;
esac
rec=$(q "SELECT audio FROM local_notices")
ms=$(q "SELECT audio_ms FROM local_notices")
case "$rec" in
"$tmp/spool/"*.wav) [ -f "$rec" ] ;;
*) false ;;
esac
check $? "its recording is in the spool: $rec"
d=$(soxi -D "$rec" 2>/dev/null)
awk -v d="$d" -v ms="$ms" 'BEGIN { exit !(d >= 2.4 && d <= 2.6 &&
    ms >= 2400 && ms <= 2600) }'
check $? "it holds the 2.5 s said (sox: $d s, the row: $ms ms)"
sox "$rec" -t raw -e signed -b 16 -r 8000 -c 1 "$tmp/rec.raw"
heard=
for f in "$tmp"/c1/prompt-*.raw; do
	cmp -s "$f" "$tmp/rec.raw" && heard=$f
done
[ -n "$heard" ]
check $? "listening plays it back, sample for sample" "$tmp/c1.out"
case "$(q "SELECT path FROM call_log")" in
*staff:notice_publish\ staff:notice_done\ staff:top*)
	ok "the call log shows it published and the dates read back" ;;
*) nok "the call log shows it published and the dates read back" ;;
esac

# another caller: 3 notices; the store's own first, then * * back
mkdir "$tmp/c2"
$call "$tmp/line.sock" 13800138000 "$tmp/c2" fast k:3 k:'*' bye \
    >"$tmp/c2.out" 2>&1
check $? "another caller asks for the notices" "$tmp/c2.out"
heard=
for f in "$tmp"/c2/prompt-*.raw; do
	cmp -s "$f" "$tmp/rec.raw" && heard=$f
done
[ -n "$heard" ]
check $? "and hears the notice recorded by phone, sample for sample \
(${heard##*/})" "$tmp/c2.out"
tap_wait 10 sh -c "[ \"\$(sqlite3 '$tmp/kefu.db' \
    'SELECT COUNT(*) FROM call_log')\" = 2 ]"
case "$(q "SELECT path FROM call_log ORDER BY id DESC LIMIT 1")" in
*notices:own\ notices:own_intro\ notices:foreach*notices:today*)
	ok "the call log: the store's own notices, then the retailer's" ;;
*) nok "the call log: the store's own notices, then the retailer's" ;;
esac

# staff 1002 is of role staff: refused before recording
mkdir "$tmp/c3"
$call "$tmp/line.sock" 13800138001 "$tmp/c3" fast k:7 $(keys 1002#) \
    $(keys 551177#) k:4 k:'*' bye >"$tmp/c3.out" 2>&1
check $? "staff 1002 (role staff) asks to record a notice" "$tmp/c3.out"
hasnt "^RECORD" "$tmp/c3.out" "no recording is made"
tap_wait 10 sh -c "[ \"\$(sqlite3 '$tmp/kefu.db' \
    'SELECT COUNT(*) FROM call_log')\" = 3 ]"
case "$(q "SELECT path FROM call_log ORDER BY id DESC LIMIT 1")" in
*staff:notice_role\ staff:notice_refused\ staff:top*)
	ok "told so (notice.not_allowed), back to the staff menu" ;;
*) nok "told so (notice.not_allowed), back to the staff menu" ;;
esac
[ "$(q "SELECT COUNT(*) FROM local_notices")" = 1 ]
check $? "still the one notice"
tap_done
