#!/bin/sh
# order-engines.sh: phone ordering end to end with the local store on
# PostgreSQL and MariaDB (KEFU_TEST_PG, KEFU_TEST_MARIADB; SQLite is
# t/order-call.sh's): kefud on a simulated line, the shipped flows (the
# member recognised by a caller ID in another form, +86..., then the
# PIN), a three-item order confirmed and read back from that database --
# the order, its lines (one bought at a special: 特价 and its shelf
# price, in the database and in `kefu order show`), its total and the
# courier's notice -- and a call cancelled at the confirmation that
# leaves nothing.
tap_name=order-engines
. "$(dirname "$0")/tap.sh"

# engine NAME CONNSTR ADAPTER: the calls and checks on one engine.
engine() {
	tap_conf
	awk -v c="$2" -v a="$3" '/^\[datasource local\]/ { print; getline
		print "connect = " c; getline; print "adapter = " a; next }
	    { print }' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
	cat >>"$conf" <<EOC
[line $1]
type = sim
device = $tmp/line-$1.sock
rings = 1
silence = 5s
EOC
	sed -i "s|^\[store\]|[store]\norder-slots = 09:00-11:00/00:00/5\norder-areas = 天河:天河区\npin-iterations = 2000|" \
	    "$conf"
	"$kefu" -c "$conf" db init >"$tmp/out" 2>&1
	has "initialised" "$tmp/out" "$1: a new store"
	if [ ! -f "$tmp/catalog.db" ]; then
		"$kefu" -c "$conf" catalog build --demo >"$tmp/out" 2>&1
		# 10002 (2.00) on special at 1.50 today
		"$kefu" -c "$conf" special add 10002 --price 1.50 \
		    >>"$tmp/out" 2>&1
		check $? "10002 on special at 1.50" "$tmp/out"
	fi
	echo 739146 | "$kefu" -c "$conf" member add --name 张三 \
	    --mobile 13800138000 --address 广州市天河区体育西路1号 --pin \
	    >"$tmp/out" 2>&1
	no=$(sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out")
	"$kefu" -c "$conf" courier add --name 王师傅 --mobile 13700000001 \
	    --areas 天河 >>"$tmp/out" 2>&1
	check $? "$1: member $no (PIN) and a courier" "$tmp/out"
	rm -f "$tmp/line-$1.sock"
	tap_kefud "$tmp/kefud-$1.log" -d
	tap_wait 10 test -S "$tmp/line-$1.sock"
	check $? "$1: kefud on the simulated line" "$tmp/kefud-$1.log"
	items="10001# 2# 1 10002# 1# 1 10003# 3# 3"
	for c in 1 2; do
		[ $c = 1 ] && k="5 739146# $items 1 1" || k="5 739146# $items 1 2"
		"$kefu" -c "$conf" call --line "$1" --fast --keys "$k" \
		    --caller "+8613800138000" >"$tmp/call$c" 2>&1
		tap_wait 10 sh -c "\"$kefu\" -c \"$conf\" status |
		    grep -q \"^line $1 *sim *idle\""
	done
	grep -q "(no barge-in)" "$tmp/call1"
	check $? "$1: the caller (+8613800138000) heard the confirmation" \
	    "$tmp/call1"
	q() {
		echo "$1" | isql -b -d'|' -k "$2" 2>&1 | tr -d ' \r'
	}
	q "SELECT o.order_no, o.total, o.status, o.slot, o.area, m.customer_no FROM orders o JOIN members m ON m.id = o.member_id;" \
	    "$4" >"$tmp/out"
	[ "$(wc -l <"$tmp/out")" = 1 ] &&
	    grep -q "^[0-9]\{10\}|25.90*|confirmed|09:00-11:00|天河|$no\$" \
	    "$tmp/out"
	check $? "$1: one order in the database, 25.90, confirmed, for $no" \
	    "$tmp/out"
	q "SELECT l.line_no, l.code, l.qty, l.price, l.amount, l.special, l.shelf_price FROM order_lines l ORDER BY l.line_no;" \
	    "$4" >"$tmp/out"
	grep -q "^1|10001|2[.0]*|2.90*|5.80*|0|$" "$tmp/out" &&
	    grep -q "^3|10003|3[.0]*|6.20*|18.60*|0|$" "$tmp/out" &&
	    [ "$(wc -l <"$tmp/out")" = 3 ]
	check $? "$1: its three lines" "$tmp/out"
	has "^2|10002|1[.0]*|1.50*|1.50*|1|2.00*$" "$tmp/out" \
	    "$1: the line bought at a special says so, with the shelf price"
	o=$(q "SELECT order_no FROM orders;" "$4" | grep "^[0-9]\{10\}$")
	"$kefu" -c "$conf" order show "$o" >"$tmp/out" 2>&1
	has "10002 .* 1.50  特价 (原价 2.00)$" "$tmp/out" \
	    "$1: kefu order show: 特价 and the shelf price"
	[ "$(grep -c 特价 "$tmp/out")" = 1 ]
	check $? "$1: only on that line" "$tmp/out"
	q "SELECT m.channel, m.recipient, m.status FROM outbox m JOIN orders o ON m.order_id = o.id AND m.idem_key = 'order:' || o.order_no;" \
	    "$4" >"$tmp/out"
	[ "$3" = mysql ] && q "SELECT m.channel, m.recipient, m.status FROM outbox m JOIN orders o ON m.order_id = o.id AND m.idem_key = CONCAT('order:', o.order_no);" \
	    "$4" >"$tmp/out"
	has "^sms|13700000001|queued$" "$tmp/out" \
	    "$1: the courier's notice in the same database"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
# on NAME VARIABLE ADAPTER: a schema or database of the test's own on
# the server of VARIABLE, engine run there, then dropped.
if [ -n "${KEFU_TEST_PG:-}" ] && command -v isql >/dev/null 2>&1; then
	s=kefu_oe$$
	if echo "CREATE SCHEMA $s" | isql -b -k "$KEFU_TEST_PG" >/dev/null 2>&1
	then
		c="$KEFU_TEST_PG;ConnSettings=SET search_path TO $s"
		engine postgresql "$c" postgresql "$c"
		echo "DROP SCHEMA $s CASCADE" | isql -b -k "$KEFU_TEST_PG" \
		    >/dev/null 2>&1
	else nok "postgresql: create schema $s"; fi
elif [ "${KEFU_TEST_REQUIRE_SERVERS:-}" = 1 ]; then
	nok "postgresql: KEFU_TEST_PG is required but not set (or no isql)"
else
	skip "postgresql: KEFU_TEST_PG not set"
fi
if [ -n "${KEFU_TEST_MARIADB:-}" ] && command -v isql >/dev/null 2>&1; then
	d=kefu_oe$$
	if echo "CREATE DATABASE $d CHARACTER SET utf8mb4" | \
	    isql -b -k "$KEFU_TEST_MARIADB" >/dev/null 2>&1; then
		c=$(echo "$KEFU_TEST_MARIADB" | sed "s/Database=[^;]*/Database=$d/")
		engine mariadb "$c" mysql "$c"
		echo "DROP DATABASE $d" | isql -b -k "$KEFU_TEST_MARIADB" \
		    >/dev/null 2>&1
	else nok "mariadb: create database $d"; fi
elif [ "${KEFU_TEST_REQUIRE_SERVERS:-}" = 1 ]; then
	nok "mariadb: KEFU_TEST_MARIADB is required but not set (or no isql)"
else
	skip "mariadb: KEFU_TEST_MARIADB not set"
fi
tap_done
