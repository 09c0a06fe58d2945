-- Orders for the slip tests (t/slip-text.sh, t/slip-print.sh): member 1
-- (张三丰), slot 2026-12-06 09-11 in two areas, one cancelled order, two
-- orders of other slots; courier 李四 on the first order's slip, whose
-- water was bought at a special (2.60, shelf price 3.00).
INSERT INTO couriers (name, mobile, areas) VALUES ('李四', '13900139000', '天河');
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, phone, total, status) VALUES ('O1', 1, '2026-12-06 08:01:02', '2026-12-06', '09-11', '天河', '广州市天河区天河路385号太古汇一座三十八楼之二', '13800138000', 60.30, 'confirmed');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (1, 1, '6901234567892', '金龙鱼调和油 Golden Dragon Blended Cooking Oil', '5L', '瓶', 1, 49.90, 49.90);
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount, special, shelf_price) VALUES (1, 2, '6920000000017', '农夫山泉', '550ml', '瓶', 4, 2.60, 10.40, 1, 3.00);
INSERT INTO delivery_slips (slip_no, order_id, courier_id, courier_name, slot_date, slot, area) VALUES ('20261206000001', 1, 1, '李四', '2026-12-06', '09-11', '天河');
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, total, status) VALUES ('O2', 1, '2026-12-06 08:05:00', '2026-12-06', '09-11', '越秀', '广州市越秀区北京路1号', 12.50, 'confirmed');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (2, 1, '200101', '红富士苹果', NULL, 'kg', 2.5, 5.00, 12.50);
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, total, status) VALUES ('O3', 1, '2026-12-06 08:07:00', '2026-12-06', '09-11', '天河', '广州市天河区体育西路2号', 7.00, 'cancelled');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (3, 1, '200102', '已取消的香蕉', NULL, 'kg', 1, 7.00, 7.00);
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, total, status) VALUES ('O4', 1, '2026-12-06 09:30:00', '2026-12-06', '14-16', '天河', '广州市天河区体育东路3号', 8.80, 'confirmed');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (4, 1, '200103', '鸡蛋', '10枚', '盒', 1, 8.80, 8.80);
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, total, status) VALUES ('O5', 1, '2026-12-06 08:20:00', '2026-12-06', '09-11', '天河', '广州市天河区林和西路9号', 3.20, 'confirmed');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (5, 1, '200104', '生菜', NULL, '棵', 2, 1.60, 3.20);
INSERT INTO orders (order_no, member_id, ordered_at, slot_date, slot, area, address, total, status) VALUES ('O6', 1, '2026-12-06 10:30:00', '2026-12-06', '16-18', '天河', '广州市天河区体育东路5号', 9.90, 'confirmed');
INSERT INTO order_lines (order_id, line_no, code, name, spec, unit, qty, price, amount) VALUES (6, 1, '200105', '豆腐', NULL, '块', 3, 3.30, 9.90);
