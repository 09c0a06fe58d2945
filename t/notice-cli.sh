#!/bin/sh
# notice-cli.sh: kefu notice add|list|end (cmd-notice.c, store/notice.c,
# audio/import.c) on a SQLite store: a text notice; a sound file of
# another format (Ogg, 44.1 kHz stereo) kept in the spool as the prompts'
# format (8 kHz mono 16-bit) of the same length; refused with a reason
# and nothing kept (no row, no file): a file that is not sound, a silent
# one, a clipped one, a two-hour one, dates that are no dates or out of
# order, and a store that cannot take the row after the file was made;
# list, end.  KEFU_ENGINE=postgresql or mysql runs it on the test
# servers (t/notice-cli-pg.sh, t/notice-cli-mariadb.sh; tap_engine).
tap_name=notice-cli${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"
# Dates and cut-offs are taken once, at the start: a run that crossed
# midnight failed (the case, notice, visit or order of "today" was
# tomorrow's by the time it was checked).  Start at 13:00 local time.
tap_hour 13:00

for p in sqlite3 sox soxi; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "1..0 # SKIP $p not installed"
		exit 0
	fi
done
tap_conf
tap_sql
tap_engine
rows() { q "SELECT COUNT(*) FROM local_notices"; }
files() { ls -A "$tmp/spool" 2>/dev/null | wc -l; }
today=$(date +%Y-%m-%d)
week=$(date -d "$today + 6 days" +%Y-%m-%d)
from=$(date -d "$today + 3 days" +%Y-%m-%d)
until=$(date -d "$today + 5 days" +%Y-%m-%d)

run 0 "initialised at schema version .* ($engine)" "a new store" -- db init

run 2 "usage: kefu notice" "add needs a text or a sound" -- notice add
run 2 "usage: kefu notice" "not both" -- notice add --text 一 --audio x.wav
run 2 "usage: kefu notice" "end needs an ID" -- notice end
run 2 "usage: kefu notice" "list takes no text" -- notice list --text 一

run 0 "notice 1 added: text, valid $today to $week" \
    "a text notice, valid a week from today" -- \
    notice add --text 本周日上午店内盘点，九点开门。
[ "$(q "SELECT body || '|' || published_via || '|' || published_by
    FROM local_notices")" = "本周日上午店内盘点，九点开门。|desk|user $(id -un)" ]
check $? "its row: the text, from the desk, by whom"

# A sound made with another program, in another format.
sox -n -r 44100 -c 2 "$tmp/hours.ogg" synth 3 sine 300 gain -6
run 0 "notice 2 added: recording $tmp/spool/notice-.*\.wav (2\.9 s), valid \
$from to $until" "a sound file, Ogg at 44.1 kHz stereo" -- \
    notice add --audio "$tmp/hours.ogg" --from "$from" --until "$until"
wav=$(q "SELECT audio FROM local_notices WHERE id = 2")
[ "$(soxi -r "$wav") $(soxi -c "$wav") $(soxi -b "$wav")" = "8000 1 16" ]
check $? "kept as the prompts' format: 8000 Hz, mono, 16-bit ($wav)"
d=$(soxi -D "$wav")
awk -v d="$d" 'BEGIN { exit !(d >= 2.95 && d <= 3.05) }'
check $? "of the same length ($d s)"

# Refused, nothing kept.
refuse() {
	pat=$1 what=$2
	shift 2
	before="$(rows) $(files)"
	run 1 "$pat" "$what" -- notice add "$@"
	[ "$(rows) $(files)" = "$before" ]
	check $? "... nothing kept: no row, no file ($(rows) $(files))"
}
echo "本周日上午店内盘点" >"$tmp/text.wav"
refuse "text.wav is not a sound file.*nothing added" \
    "a file that is not sound" --audio "$tmp/text.wav"
sox -n -r 8000 "$tmp/silent.wav" trim 0 3
refuse "silent.wav: silent (0 ms of 3000 ms reach -40 dBFS" \
    "a silent file" --audio "$tmp/silent.wav"
sox -n -r 16000 "$tmp/hum.wav" synth 3 sine 300 gain -50
refuse "hum.wav: silent" "a file whose sound stays below -40 dBFS" \
    --audio "$tmp/hum.wav"
sox -n -r 8000 "$tmp/clipped.wav" synth 3 sine 400 gain 20 2>/dev/null
refuse "clipped.wav: clipped (.*% of the samples at full scale)" \
    "a clipped file" --audio "$tmp/clipped.wav"
sox -n -r 1000 -b 8 "$tmp/long.wav" trim 0 2:00:00
refuse "long.wav: too long (120:00; a notice is at most 5 minutes)" \
    "a two-hour WAV" --audio "$tmp/long.wav"
sox -n -r 8000 "$tmp/short.wav" synth 0.2 sine 300 gain -6
refuse "short.wav: too short (200 ms" "a fifth of a second" \
    --audio "$tmp/short.wav"
refuse "missing.wav is not a sound file" "a file that is not there" \
    --audio "$tmp/missing.wav"
refuse "--staff 'desk' is not a staff number" "a staff number that is none" \
    --text 一 --staff desk
refuse "--from '2026-02-30' is not a date" "a day that does not exist" \
    --text 一 --from 2026-02-30
refuse "--until 'next week' is not a date" "a date that is no date" \
    --audio "$tmp/hours.ogg" --until "next week"
refuse "valid-until 2027-01-01 is before valid-from 2027-01-05" \
    "dates out of order" --audio "$tmp/hours.ogg" --from 2027-01-05 \
    --until 2027-01-01
refuse "valid-until 2020-01-01 is already over" "a notice already over" \
    --text 一 --from 2019-12-01 --until 2020-01-01
# the file made, then the row refused: the file goes again
q "ALTER TABLE local_notices RENAME TO local_notices_away"
before=$(files)
run 1 "notice: datasource local" "a store that cannot take the row" -- \
    notice add --audio "$tmp/hours.ogg"
[ "$(files)" = "$before" ]
check $? "... and the sound made for it is removed ($(files) files)"
q "ALTER TABLE local_notices_away RENAME TO local_notices"
hasnt "\.part" "$tmp/out" "no part file named"
ls -A "$tmp/spool" >"$tmp/spool.ls"
hasnt "\.part" "$tmp/spool.ls" "no .part file left in the spool"

run 0 "^1 .*本周日上午店内盘点" "list shows the text notice" -- notice list
has "^2 *$from $until .*recording $wav (2\.9 s)" \
    "and the recorded one to come"
# What a caller hears under 门店公告 (menu item 3).
run 0 "" "the demo catalog, whose notices are the retailer's" -- \
    catalog build -d catalog --demo
# listen: a call to menu item 3; the prompt ids heard, one play a line
listen() {
	"$kefu" -c "$conf" call --caller 13800138000 --keys "3 * *" \
	    >"$tmp/out" 2>&1
	grep -A1 "^ *[0-9.]*  play " "$tmp/out" |
	    sed -n 's/^  *\([a-z][a-z_.]*\( .*\)*\)$/\1/p' >"$tmp/heard"
}
q "UPDATE local_notices SET valid_from = '$today' WHERE id = 2"
listen
has "query kefu.notice.current" "the store's own notices are asked"
grep -m1 -A2 "^notice.count" "$tmp/heard" | tr '\n' ' ' >"$tmp/first"
has "^notice.count num.liang mw.tiao recording text $" "$tmp/first" \
    "first the store's own: two, the recording played, the text said"
has "play  \[zh-CN\] $wav" "the recording is the one kept in the spool"
has "^notice.more_count num.[0-9]* mw.tiao$" "$tmp/heard" \
    "then the retailer's, introduced as more"
q "UPDATE local_notices SET valid_until = '2020-01-01',
    valid_from = '2020-01-01'"
listen
hasnt "more_count\|recording" "$tmp/heard" \
    "none of the store's own: the retailer's alone, as before"
has "^notice.count num.[0-9]* mw.tiao$" "$tmp/heard" \
    "... with the count of theirs"
q "UPDATE local_notices SET valid_until = '$until', valid_from = '$from'
    WHERE id = 2"
q "UPDATE local_notices SET valid_until = '$week', valid_from = '$today'
    WHERE id = 1"

# kefu.notice.publish checks for itself, whatever a flow checked: a flow
# that publishes straight away as staff of role staff, as desk staff a
# recording that is not of the spool, and days out of range.
mkdir "$tmp/flows"
publish_flow() {
	cat >"$tmp/flows/main.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<flow name="main">
  <record id="rec" var="r" prompt="notice.record" max-length="10s"
      silence="5s" stop-keys="#" beep="yes" next="pub"/>
  <query id="pub" mapping="kefu.notice.publish" found="ok"
      empty="refused" invalid="bad" many="days" error="err">
    <param name="recording" var="r"/>
    <param name="staff_no" value="$1"/>
    <param name="from" value="$2"/>
    <param name="days" value="3"/>
  </query>
  <play id="ok" prompt="notice.published" next="done"/>
  <play id="refused" prompt="notice.not_allowed" next="done"/>
  <play id="bad" prompt="notice.bad_audio" next="done"/>
  <play id="days" prompt="notice.bad_days" next="done"/>
  <play id="err" prompt="sys.busy" next="done"/>
  <return id="done"/>
</flow>
EOF
}
sed "s|^flows = .*|flows = $tmp/flows|" "$conf" >"$tmp/direct.conf"
echo 482913 | "$kefu" -c "$conf" staff add 1001 --role desk >/dev/null 2>&1
echo 551177 | "$kefu" -c "$conf" staff add 1002 >/dev/null 2>&1
before=$(rows)
publish_flow 1002 0
"$kefu" -c "$tmp/direct.conf" call --keys "#" >"$tmp/out" 2>&1
has "pub:.*refused\|^ *notice.not_allowed" \
    "publishing as staff of role staff: refused by the service itself"
publish_flow 1001 0
"$kefu" -c "$tmp/direct.conf" call --keys "#" >"$tmp/out" 2>&1
has "^ *notice.bad_audio" "a recording not of the spool: refused"
publish_flow 1001 31
"$kefu" -c "$tmp/direct.conf" call --keys "#" >"$tmp/out" 2>&1
has "^ *notice.bad_days" "31 days on: out of range, asked again"
[ "$(rows)" = "$before" ]
check $? "none of the three published"

run 0 "notice 1 ended" "end" -- notice end 1
run 0 "NOTICE" "list" -- notice list
hasnt "^1 " "an ended notice is no longer listed"
run 0 "^1 .*本周日上午店内盘点" "list --all still shows it" -- notice list --all
run 1 "no current or coming notice 1" "ending it again is refused" -- \
    notice end 1
run 1 "no current or coming notice 99" "an unknown notice" -- notice end 99
run 0 "added: text" "published by a staff number" -- \
    notice add --text 今晚九点闭店。 --staff 1001
[ "$(q "SELECT published_by FROM local_notices WHERE body =
    '今晚九点闭店。'")" = 1001 ]
check $? "... kept as who published it"
run 0 "found in .* 1 row" "a caller is offered the one current: not the \
ended, not the one to come" -- call --keys "3 * *"
tap_done
