#!/bin/sh
# campaign-cli.sh: `kefu campaign new|preview|start|pause|cancel|report`
# on a SQLite store, sent through the HTTP gateway on loopback
# (t/http-gw.py): recipients by segment and service, the signature and
# opt-out text counted in the parts, cost and time in the preview, a
# budget refused at start, starting twice queues nothing twice, pause and
# cancel stop the worker, an opt-out after the start is honoured, the
# report counts per state, today's specials from the demo catalog.
tap_name=campaign-cli
. "$(dirname "$0")/tap.sh"

if ! command -v isql >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1
then
	ok "# SKIP isql or python3 not installed"
	tap_done
fi
sql() {
	echo "$1" | isql -b -k "Driver=SQLite3;Database=$tmp/kefu.db" \
	    >/dev/null 2>&1
}

mkdir -p "$tmp/gw"
python3 "$KEFU_SRCDIR/t/http-gw.py" "$tmp/gw" &
pid=$!
tap_wait 10 test -s "$tmp/gw/port"
port=$(cat "$tmp/gw/port")

conf=$tmp/kefu.conf
cat >"$conf" <<EOF2
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
mappings = $KEFU_SRCDIR/mappings/catalog
log = -
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/kefu.db
adapter = sqlite
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/catalog.db
adapter = sqlite
read-only = yes
[suppress]
quiet-marketing = none
[campaign]
store-name = 好又多
optout-text = 回TD退订
sms-price = 5
[sms-gateway gw]
url = http://127.0.0.1:$port/send
body-type = json
body = {"to":"{to}","text":"{text}"}
success = "code":0
message-id = "msgid":"([^"]+)"
rate = 4
EOF2

run 0 "initialised" "a new store" -- db init
m="INSERT INTO members (id, customer_no, name, mobile, language,"
m="$m registered_via, registered_at, updated_at) VALUES"
s="INSERT INTO member_services (member_id, service, enabled, since) VALUES"
t="'2026-01-05 10:00:00'"
sql "$m (1, 'C001', '张三', '13900000001', 'zh-CN', 'paper', $t, $t)"
t="'2026-06-01 10:00:00'"
sql "$m (2, 'C002', '陈大文', '13900000002', 'yue', 'phone', $t, $t)"
t="'2026-01-05 10:00:00'"
sql "$m (3, 'C003', '李四', '13900000003', 'zh-CN', 'paper', $t, $t)"
sql "$m (4, 'C004', '王五', NULL, 'zh-CN', 'paper', $t, $t)"
sql "$s (1, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (2, 'sms', 1, '2026-06-01 10:00:00')"
sql "$s (3, 'sms', 0, '2026-01-05 10:00:00')"
sql "$s (4, 'sms', 1, '2026-01-05 10:00:00')"

run 2 "usage: kefu campaign" "campaign alone is a usage error" -- campaign
run 2 "unknown condition 'points'" "an unknown segment condition" -- \
    campaign new x --text hi --segment points=1000
run 2 "language=fr: expected zh-CN or yue" "a bad language" -- \
    campaign new x --text hi --segment language=fr
run 2 "budget 'lots' is not an amount" "a bad budget" -- \
    campaign new x --text hi --budget lots

# 61 characters of text: 71 with 【好又多】 and 回TD退订, so two parts.
long="本周会员日：鸡蛋每斤五元九角九分，牛奶买一送一，大米满五十元减十元，水果蔬菜全场八折，欢迎各位会员光临选购，数量有限售完即止谢谢"
run 0 "created (draft, sms)" "a campaign of two parts a message" -- \
    campaign new 会员日 --text "$long" --budget 0.10
run 1 "already a campaign called '会员日'" "a name is used once" -- \
    campaign new 会员日 --text x
run 0 "recipients:  2" "preview: the two SMS subscribers with a mobile" -- \
    campaign preview 会员日
has "parts:       2 per message (2 of 2 in UCS2" "$tmp/out" \
    "preview: the signature and opt-out text make it two parts"
has "SMS parts:   4" "$tmp/out" "preview: four parts in all"
has "cost:        0.20 元" "$tmp/out" "preview: 4 parts at 5 fen"
has "budget:      0.10 元" "$tmp/out" "preview: the budget"
has "time:        0.5 s at 4 messages a second" "$tmp/out" \
    "preview: the time at the gateway's rate"
has "^【好又多】本周会员日" "$tmp/out" "preview: the text with its signature"
has "售完即止谢谢回TD退订$" "$tmp/out" "preview: and its opt-out text"
run 1 "over its budget of 0.10 元: not started" "start: over budget" -- \
    campaign start 会员日
run 0 "^total *0 " "start refused queued nothing" -- campaign report 会员日
has "(sms, draft)" "$tmp/out" "and it is still a draft"

run 0 "created" "a short campaign for zh-CN members" -- \
    campaign new 特价 --text "{name}您好，鸡蛋特价5.99元" \
    --segment "language=zh-CN, since=2026-01-01"
run 0 "recipients:  1" "preview: the segment keeps one member" -- \
    campaign preview 特价
has "parts:       1 per message" "$tmp/out" "preview: one part"
has "^【好又多】张三您好，鸡蛋特价5.99元回TD退订$" "$tmp/out" \
    "preview: {name} filled"

run 0 "created" "a campaign for everyone" -- \
    campaign new 周末 --text "{name}：周末特价"
run 0 "sending: 2 queued, 0 queued before" "start queues one per recipient" -- \
    campaign start 周末
run 0 "sending: 0 queued, 2 queued before (not again)" \
    "starting again queues nothing twice" -- campaign start 周末
run 0 "^queued *2 *2 *0.10" "report: two queued, two parts, 0.10 元" -- \
    campaign report 周末
run 0 "paused" "pause" -- campaign pause 周末
run 0 "0 submitted" "a paused campaign sends nothing" -- \
    outbox send --once --channel sms
hasnt "\"to\"" "$tmp/gw/req-1" "the gateway got nothing" 2>/dev/null
[ -e "$tmp/gw/req-1" ]; check $((1 - $?)) "no request reached the gateway"
c="INSERT INTO consent_ledger (member_id, address, service, action, via,"
c="$c recorded_at) VALUES (2, '13900000002', 'sms', 'unsubscribe', 'sms',"
sql "$c '2026-01-01 00:00:00')"
run 0 "sending: 0 queued, 2 queued before" "start resumes" -- \
    campaign start 周末
run 0 "1 submitted, 0 to retry, 0 failed, 1 suppressed" \
    "the worker sends one, the opt-out after the start is suppressed" -- \
    outbox send --once --channel sms
has '"text":"【好又多】张三：周末特价回TD退订"' "$tmp/gw/req-1" \
    "the gateway got the text as JSON"
run 0 "^submitted *1 *1 *0.05" "report: one submitted" -- campaign report 周末
has "^suppressed *1 *1" "$tmp/out" "report: one suppressed"
has "^total *2 *2 *0.10" "$tmp/out" "report: the total"

run 0 "sending: 1 queued" "the short campaign starts" -- campaign start 特价
run 0 "cancelled: 1 queued message(s) cancelled" "and is cancelled" -- \
    campaign cancel 特价
run 1 "cannot be started" "a cancelled campaign cannot start" -- \
    campaign start 特价
run 0 "0 submitted" "nothing of it is sent" -- outbox send --once --channel sms
run 0 "^cancelled *1" "report: cancelled" -- campaign report 特价
run 0 "campaign 1 '会员日'" "report of all campaigns" -- campaign report
has "campaign 3 '周末' (sms, sending)" "$tmp/out" "report lists each"

# The budget cut to 0.10 元 after the start: a batch of five (one opted
# out) sends exactly two, the rest suppressed, and the report adds up.
sql "$m (5, 'C005', '赵六', '13900000005', 'zh-CN', 'paper', $t, $t)"
sql "$m (6, 'C006', '孙七', '13900000006', 'zh-CN', 'paper', $t, $t)"
sql "$m (7, 'C007', '周八', '13900000007', 'zh-CN', 'paper', $t, $t)"
sql "$s (5, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (6, 'sms', 1, '2026-01-05 10:00:00')"
sql "$s (7, 'sms', 1, '2026-01-05 10:00:00')"
run 0 "created" "a campaign of 0.25 元" -- \
    campaign new 限额 --text "限额特价" --budget 0.25
run 0 "sending: 5 queued" "it starts within its budget" -- \
    campaign start 限额
sql "UPDATE campaigns SET budget = 10 WHERE name = '限额'"
w="cut to 0.10 元: two sent in one batch, the opt-out and two over"
run 0 "2 submitted, 0 to retry, 0 failed, 3 suppressed" \
    "$w the budget suppressed" -- \
    -v outbox send --once --channel sms
w="10 of 10 fen spent, this message costs 5"
has "suppressed: campaign '限额' budget: $w" \
    "the worker logs why"
run 0 "^submitted *2 *2 *0.10" "report: two submitted, 0.10 元" -- \
    campaign report 限额
has "^suppressed *3 *3 *0.15" "$tmp/out" "report: three suppressed"
has "^total *5 *5 *0.25" "$tmp/out" "report: the total"
has "^spent: *0.10 元" "$tmp/out" "report: 0.10 元 spent"
has "^budget: *0.10 元" "$tmp/out" "report: of a budget of 0.10 元"
run 0 "^spent: *0.05 元" "report: what a campaign without a budget spent" -- \
    campaign report 周末
hasnt "^budget:" "$tmp/out" "... and no budget line"

run 0 "" "the demo catalog" -- catalog build --demo
run 0 "created" "today's specials from the catalog" -- \
    campaign new 今日特价 --specials --text "今日特价："
run 0 "^【好又多】今日特价：.*元" "preview: the specials as text" -- \
    campaign preview 今日特价 --show 1
tap_done
