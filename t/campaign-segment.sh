#!/bin/sh
# campaign-segment.sh: segments over the retailer's data through a
# mapping (segment mapping=NAME, the example ERP's members with more
# than 1000 points on SQLite): only the kefu members a row names, by
# mobile or phone, with the SMS service on; {points} from the row, or
# through [campaign] points-mapping (erp.member) for other segments;
# a mapping that is not there or names no members is an error.
tap_name=campaign-segment
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"

if ! command -v sqlite3 >/dev/null 2>&1; then
	ok "# SKIP sqlite3 not installed"
	tap_done
fi
sqlite3 "$tmp/erp.db" <"$KEFU_SRCDIR/sql/examples/erp/sqlite.sql"
check $? "the example ERP's members on SQLite"
mkdir -p "$tmp/mappings"
cp "$KEFU_SRCDIR/mappings/examples/erp/erp.xml" \
    "$KEFU_SRCDIR/t/data/campaign/segment.xml" "$tmp/mappings/"
tap_conf
sed "s|^mappings = .*|mappings = $tmp/mappings|" "$conf" >"$conf.new" &&
    mv "$conf.new" "$conf"
cat >>"$conf" <<EOF2
[datasource erp]
connect = Driver=SQLite3;Database=$tmp/erp.db
adapter = sqlite
read-only = yes
[suppress]
quiet-marketing = none
[campaign]
store-name = 好又多
EOF2
run 0 "initialised" "a new store" -- db init
sqlite3 "$tmp/kefu.db" <<'EOSQL'
INSERT INTO members (id, customer_no, name, mobile, phone, language,
    registered_via, registered_at, updated_at) VALUES
 (1, 'C001', '张晓燕', '13912345678', NULL, 'zh-CN', 'paper',
  '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
 (2, 'C002', '欧阳堃', '13812340000', NULL, 'zh-CN', 'paper',
  '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
 (3, 'C003', '王五', '13900000003', NULL, 'zh-CN', 'paper',
  '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
 (4, 'C004', '赵六', '13900000004', '031186001111', 'zh-CN', 'paper',
  '2026-01-05 10:00:00', '2026-01-05 10:00:00');
INSERT INTO member_services (member_id, service, enabled, since) VALUES
 (1, 'sms', 1, '2026-01-05 10:00:00'), (2, 'sms', 1, '2026-01-05 10:00:00'),
 (3, 'sms', 1, '2026-01-05 10:00:00'), (4, 'sms', 1, '2026-01-05 10:00:00');
EOSQL
check $? "four members with SMS on"

run 2 "mapping= needs the name of a mapping" "an empty mapping= is refused" \
    -- campaign new x --text x --segment "mapping="
run 0 "created" "a campaign for the members with over 1000 points" -- \
    campaign new 积分 --text "{name}您好，您的积分{points}分" \
    --segment "mapping=erp.points_over_1000"
run 0 "recipients:  2" "preview: two members named by the mapping" -- \
    campaign preview 积分
has "^【好又多】张晓燕您好，您的积分1280分$" \
    "by mobile: 张晓燕, her points from the row"
has "^to 13900000004 (C004)" "by phone: the ERP card's home phone is 赵六's"
hasnt "欧阳堃" "35 points: not in the segment"
hasnt "王五" "not in the ERP: not in the segment"
run 0 "sending: 2 queued" "start queues the two" -- campaign start 积分
[ "$(sqlite3 "$tmp/kefu.db" \
    "SELECT body FROM $ob WHERE recipient = '13912345678'")" = \
    "【好又多】张晓燕您好，您的积分1280分" ]
check $? "the queued text has her points"

run 0 "created" "a segment with a condition and the mapping" -- \
    campaign new 两者 --text "{name}" \
    --segment "member=4, mapping=erp.points_over_1000"
run 0 "recipients:  1" "both must hold" -- campaign preview 两者

run 0 "created" "a campaign to everyone with {points}" -- \
    campaign new 全体 --text "{name}：{points}分"
run 0 "recipients:  4" "without points-mapping" -- campaign preview 全体 \
    --show 4
has "^【好又多】张晓燕：分$" "{points} is empty without a mapping"
echo "points-mapping = erp.member" >>"$conf"
run 0 "recipients:  4" "with points-mapping = erp.member" -- \
    campaign preview 全体 --show 4
has "^【好又多】张晓燕：1280分$" "points by mobile"
has "^【好又多】欧阳堃：35分$" "points by mobile, 35"
has "^【好又多】王五：分$" "not in the ERP: empty"
has "^【好又多】赵六：1280分$" "by phone"

run 0 "created" "a segment mapping that is not there" -- \
    campaign new 无 --text x --segment mapping=erp.nothing
run 1 "no mapping 'erp.nothing'" "preview names it" -- campaign preview 无
run 0 "created" "a mapping naming no members" -- \
    campaign new 名 --text x --segment mapping=erp.no_members
run 1 "has no column customer_no, card_no, mobile or phone" \
    "is refused with why" -- campaign start 名
run 0 "^total *0 " "and nothing was queued" -- campaign report 名
tap_done
