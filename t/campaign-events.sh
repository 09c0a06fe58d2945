#!/bin/sh
# campaign-events.sh: notices of kefu's own events by the scheduler
# (msg/event.c, store/event.c), driven by `kefu campaign due --now`: an
# order confirmed and its slip printed for the courier (the delivery on
# its way) each tell the member once, by a transactional SMS from the
# [campaign] event-* template under the key event:KIND:ORDER; not a
# cancelled order, not an event older than event-window, nothing when
# the template is absent.  EVENTS_ENGINE=postgresql or mysql runs it on
# the test servers (t/campaign-events-pg.sh, -mariadb.sh).
tap_name=campaign-events${EVENTS_ENGINE:+-$EVENTS_ENGINE}
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"

tap_conf
tap_sql
KEFU_ENGINE=${EVENTS_ENGINE:-sqlite} tap_engine
cat >>"$conf" <<EOF2
[campaign]
store-name = 好又多
event-window = 2h
EOF2
run 0 "initialised" "a new store" -- db init
q "INSERT INTO members (id, customer_no, name, mobile, language,
    registered_via, registered_at, updated_at) VALUES
    (1, 'C001', '张三丰', '13800138000', 'zh-CN', 'phone',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
    (2, 'C002', '无手机', NULL, 'zh-CN', 'phone',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00');
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area,
    address, total, status) VALUES
    ('2612070001', 1, '2026-12-07 08:01:02', '2026-12-07', '09:00-11:00',
    '天河', '天河路385号', 60.30, 'confirmed'),
    ('2612070002', 1, '2026-12-07 08:05:00', '2026-12-07', '09:00-11:00',
    '天河', '天河路1号', 7.00, 'cancelled'),
    ('2612070003', 2, '2026-12-07 08:06:00', '2026-12-07', '09:00-11:00',
    '天河', '天河路2号', 7.00, 'confirmed'),
    ('2612060009', 1, '2026-12-06 18:00:00', '2026-12-07', '09:00-11:00',
    '天河', '天河路3号', 9.90, 'confirmed');"
check $? "orders: confirmed, cancelled, of a member without a mobile, old"

run 0 "0 periodic" "without event templates: nothing" -- \
    campaign due --now "2026-12-07 08:10"
[ "$(q "SELECT COUNT(*) FROM outbox")" = 0 ]
check $? "no notice queued"

cat >>"$conf" <<'EOF2'
event-confirmed = {name}您好，订单{order_no}已确认，{date} {slot}送达，合计{total}元。
event-on-way = 订单{order_no}已由{courier}送出，请留意来电。
EOF2
run 0 "0 periodic" "with the templates" -- campaign due --now "2026-12-07 08:10"
[ "$(q "SELECT COUNT(*) FROM outbox")" = 1 ]
check $? "one notice: the confirmed order of the member with a mobile"
e="13800138000|transactional|event:order-confirmed:2612070001|【好又多】"
e="${e}张三丰您好，订单2612070001已确认，2026-12-07 09:00-11:00送达，合计60.30元。"
[ "$(q "SELECT recipient, msg_class, idem_key, body FROM $ob")" = "$e" ]
check $? "to 张三丰, transactional, keyed by the event, the template filled"
q "SELECT recipient, msg_class, idem_key, body FROM $ob" >"$tmp/out"
run 0 "0 periodic" "the next tick" -- campaign due --now "2026-12-07 08:10:30"
[ "$(q "SELECT COUNT(*) FROM outbox")" = 1 ]
check $? "tells nothing twice"

q "INSERT INTO delivery_slips (slip_no, order_id, courier_name, slot_date,
    slot, area, printed, printed_at, print_count) VALUES
    ('S1', 1, '李四', '2026-12-07', '09:00-11:00', '天河', 1,
    '2026-12-07 08:30:00', 1),
    ('S2', 4, '李四', '2026-12-07', '09:00-11:00', '天河', 0, NULL, 0);"
run 0 "0 periodic" "the slip printed" -- campaign due --now "2026-12-07 08:31"
[ "$(q "SELECT body FROM $ob
    WHERE idem_key = 'event:order-on-way:2612070001'")" = \
    "【好又多】订单2612070001已由李四送出，请留意来电。" ]
check $? "on its way: the courier named"
[ "$(q "SELECT COUNT(*) FROM outbox
    WHERE idem_key LIKE 'event:order-on-way:%'")" = 1 ]
check $? "an unprinted slip tells nothing"
run 0 "0 periodic" "again" -- campaign due --now "2026-12-07 08:32"
[ "$(q "SELECT COUNT(*) FROM outbox")" = 2 ]
check $? "each event once"
[ "$(q "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE '%2612060009'")" = 0 ]
check $? "the order older than event-window is not told"
tap_done
