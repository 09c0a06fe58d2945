#!/bin/sh
# campaign-sched.sh: the campaign scheduler (msg/sched.c), driven at
# chosen times by `kefu campaign due --now` and once by kefud itself: a
# campaign created --at a time starts then and not before; birthdays
# from members.birthday at [campaign] birthday-at, once a day (29
# February on the 28th in other years); the weekly digest of today's
# specials on digest-day; a scheduled campaign over its budget goes back
# to draft; times of day checked in kefu.conf, also against the quiet
# hours of marketing.  SCHED_ENGINE=postgresql or mysql runs it on the
# test servers (t/campaign-sched-pg.sh, t/campaign-sched-mariadb.sh).
tap_name=campaign-sched${SCHED_ENGINE:+-$SCHED_ENGINE}
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"

tap_conf
tap_sql
KEFU_ENGINE=${SCHED_ENGINE:-sqlite} tap_engine
sql() { q "$1" >/dev/null 2>&1; }
# count SQL: the number a SELECT COUNT(*) prints.
count() { q "$1" 2>/dev/null | head -1; }
cat >>"$conf" <<EOF2
[suppress]
quiet-marketing = 21:00-08:00
[campaign]
store-name = 好又多
optout-text = 回TD退订
birthday = {name}，生日快乐！凭短信到店领取小礼物
birthday-at = 09:30
digest-day = mon
digest-at = 10:00
digest = 本周特价：
tick = 200ms
EOF2

run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo
m="INSERT INTO members (id, customer_no, name, mobile, birthday, language,"
m="$m registered_via, registered_at, updated_at) VALUES"
s="INSERT INTO member_services (member_id, service, enabled, since) VALUES"
t="'zh-CN', 'paper', '2026-01-05 10:00:00', '2026-01-05 10:00:00'"
sql "$m (1, 'C001', '张三', '13900000001', '1980-12-07', $t)"
sql "$m (2, 'C002', '李四', '13900000002', '1990-12-08', $t)"
sql "$m (3, 'C003', '王五', '13900000003', '1988-02-29', $t)"
sql "$m (4, 'C004', '赵六', '13900000004', '1985-12-07', $t)"
sql "$s (1, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (2, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (3, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (4, 'sms', 0, '2026-01-05 10:00:00')"
[ "$(count "SELECT COUNT(*) FROM members")" = 4 ]
check $? "four members"

# Sunday 6 December 2026: no digest (Monday), no birthday.
run 0 "0 periodic campaign(s) made, 0 started" "Sunday: nothing due" -- \
    campaign due --now "2026-12-06 12:00"
run 0 "0 periodic campaign(s) made, 0 started" \
    "the birthday day before birthday-at: nothing" -- \
    campaign due --now "2026-12-07 09:29"
run 0 "1 periodic campaign(s) made, 1 started (1 message(s) queued)" \
    "at birthday-at: one greeting (赵六 has SMS off, 李四 is tomorrow)" -- \
    campaign due --now "2026-12-07 09:30"
[ "$(count "SELECT COUNT(*) FROM $ob WHERE recipient = '13900000001'
    AND body = '【好又多】张三，生日快乐！凭短信到店领取小礼物回TD退订'
    AND msg_class = 'marketing'
    AND next_attempt_at >= '2026-12-07 09:30:00'
    AND next_attempt_at < '2026-12-07 09:30:01'")" = 1 ]
check $? "the greeting to 张三, {name} filled, signed, due at the tick's time"
run 0 "0 periodic campaign(s) made, 0 started" \
    "later that day: not again" -- campaign due --now "2026-12-07 09:45"
run 0 "birthday 2026-12-07' (sms, sending)" "the birthday campaign's report" \
    -- campaign report "birthday 2026-12-07"
run 0 "1 started (1 message(s) queued)" "the next day: 李四" -- \
    campaign due --now "2026-12-08 09:30"
run 0 "1 started (1 message(s) queued)" \
    "28 February of a common year: 王五, born on the 29th" -- \
    campaign due --now "2027-02-28 09:30"
run 0 "0 started" "28 February of a leap year: not him" -- \
    campaign due --now "2028-02-28 09:30"
run 0 "1 started (1 message(s) queued)" "... but the 29th" -- \
    campaign due --now "2028-02-29 09:30"

# The weekly digest: Monday 7 December 2026 from 10:00, week 2026-W50.
run 0 "1 periodic campaign(s) made, 1 started (3 message(s) queued)" \
    "Monday at digest-at: the digest to every SMS subscriber" -- \
    campaign due --now "2026-12-07 10:00"
run 0 "recipients:  3" "the digest campaign" -- \
    campaign preview "digest 2026-W50"
has "^【好又多】本周特价：.*元" "the digest is the specials after its lead-in"
run 0 "0 periodic campaign(s) made, 0 started" \
    "the same week: once" -- campaign due --now "2026-12-07 18:00"
run 0 "0 periodic campaign(s) made" "Tuesday: none" -- \
    campaign due --now "2026-12-08 10:00"

# No specials for a digest: logged once, kept cancelled with the reason.
cp "$conf" "$tmp/good.conf"
echo "digest-mapping = catalog.nothing" >>"$conf"
run 1 "no mapping 'catalog.nothing'" "a digest without specials is logged" \
    -- campaign due --now "2026-12-21 10:00"
run 0 "0 periodic campaign(s) made" "once, not at every tick" -- \
    campaign due --now "2026-12-21 10:01"
run 0 "digest 2026-W52' (sms, cancelled)" "kept as a cancelled campaign" -- \
    campaign report "digest 2026-W52"
cp "$tmp/good.conf" "$conf"

# A campaign created to start at a set time.
run 2 "'tomorrow' is not a local time YYYY-MM-DD HH:MM" "--at: a bad time" \
    -- campaign new 周末 --text 周末特价 --at tomorrow
run 0 "created (scheduled at 2026-12-12 09:00:00, sms)" "--at a time" -- \
    campaign new 周末 --text "{name}：周末特价" --at "2026-12-12 09:00"
run 0 "0 started" "not before its time" -- \
    campaign due --now "2026-12-12 08:59"
[ "$(count "SELECT COUNT(*) FROM outbox o
    JOIN campaigns c ON c.id = o.campaign_id WHERE c.name = '周末'")" = 0 ]
check $? "nothing queued before its time"
run 0 "1 started (3 message(s) queued)" "started at its time" -- \
    campaign due --now "2026-12-12 09:00:30"
run 0 "(sms, sending)" "it is sending" -- campaign report 周末
run 1 "cannot be scheduled from its state" "a sending campaign cannot be \
scheduled" -- campaign schedule 周末 "2026-12-13 09:00"

run 0 "created (draft" "a draft" -- campaign new 贵 --text "贵" --budget 0.01
run 0 "scheduled at 2026-12-14 09:00:00" "kefu campaign schedule" -- \
    campaign schedule 贵 "2026-12-14 09:00"
run 2 "is not a local time" "schedule: a bad time" -- \
    campaign schedule 贵 "2026-12-14"
run 1 "not started (back to draft): '贵' would cost 0.15 元, over its budget" \
    "over its budget when due: back to draft, logged" -- \
    campaign due --now "2026-12-14 09:00"
run 0 "(sms, draft)" "it is a draft again" -- campaign report 贵
run 0 "0 started" "and not tried again" -- campaign due --now "2026-12-14 09:01"

# kefu.conf: times of day, and not in the quiet hours of marketing.
cp "$conf" "$tmp/good.conf"
sed 's/^birthday-at = .*/birthday-at = 25:00/' "$tmp/good.conf" >"$conf"
ln=$(grep -n '^birthday-at' "$conf" | cut -d: -f1)
run 1 "kefu.conf:$ln: birthday-at = 25:00: expected a time of day HH:MM" \
    "a bad birthday-at is named with its line" -- campaign report
sed 's/^digest-at = .*/digest-at = 22:30/' "$tmp/good.conf" >"$conf"
ln=$(grep -n '^digest-at' "$conf" | cut -d: -f1)
run 1 "kefu.conf:$ln: digest-at = 22:30 is in the quiet hours" \
    "a digest at night is refused" -- campaign report
cp "$tmp/good.conf" "$conf"

# kefud's own scheduler: a campaign due a minute ago starts at a tick.
sql "UPDATE member_services SET enabled = 1 WHERE member_id = 4"
run 0 "scheduled" "a campaign due now" -- campaign new 现在 --text 现在 \
    --at "$(date -d '1 minute ago' '+%Y-%m-%d %H:%M')"
tap_kefud "$tmp/kefud.log" -d
tap_wait 20 grep -q "'现在' started as scheduled: 4 queued" "$tmp/kefud.log"
check $? "kefud starts it at its next tick" "$tmp/kefud.log"
run 0 "(sms, sending)" "and it is sending" -- campaign report 现在
kill "$pid"
wait "$pid"
check $? "kefud stops cleanly with the scheduler" "$tmp/kefud.log"
pid=

tap_done
