#!/bin/sh
# points-bench.sh: what one poll of the points-changed notices costs
# (msg/points.c) for BENCH_MEMBERS members subscribed to SMS (default
# 10000), all in the example ERP (SQLite, sql/examples/erp): asked once
# per member through erp.member, and read 500 a query through the list
# mapping erp.member_points.  Each mapping polls twice -- the first
# records the baselines, the second (nothing changed) is timed -- and
# the figures are the statements the poll ran (kefu -vv campaign due)
# and its wall time.  Prints figures; not a test.
#
# Usage: make bench-points (from the build folder)
tap_name=points-bench
. "${KEFU_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/t/tap.sh"

n=${BENCH_MEMBERS:-10000}
tap_conf
tap_sql
KEFU_ENGINE=sqlite tap_engine
mkdir -p "$tmp/mappings"
cp "$KEFU_SRCDIR/mappings/catalog/"*.xml \
    "$KEFU_SRCDIR/mappings/examples/erp/erp.xml" "$tmp/mappings/"
sed -i "s|^mappings = .*|mappings = $tmp/mappings|" "$conf"
die() { echo "points-bench: $1" >&2; cat "$tmp/out" >&2; exit 1; }
sqlite3 "$tmp/erp.db" <"$KEFU_SRCDIR/sql/examples/erp/sqlite.sql" ||
    die "the example ERP"
tap_conf_add "datasource erp" "connect = Driver=SQLite3;Database=$tmp/erp.db
adapter = sqlite
read-only = yes"
tap_conf_add campaign "points-mapping = erp.member
event-points = {name}：积分{points}"
"$kefu" -c "$conf" db init >"$tmp/out" 2>&1 || die "db init"
gen="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s
    WHERE i < $n)"
q "$gen INSERT INTO members (id, customer_no, name, mobile, language,
    registered_via, registered_at, updated_at) SELECT 1000 + i, 'G' || i,
    'M' || i, CAST(13600000000 + i AS TEXT), 'zh-CN', 'paper',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00' FROM s"
q "INSERT INTO member_services (member_id, service, enabled, since)
    SELECT id, 'sms', 1, '2026-01-05 10:00:00' FROM members"
sqlite3 "$tmp/erp.db" "$gen INSERT INTO HYXX (HYKH, XM, SJ, DH, JF, ZT)
    SELECT CAST(8900000000 + i AS TEXT), 'M' || i,
    CAST(13600000000 + i AS TEXT), NULL, i, '1' FROM s"
# poll MAPPING MINUTE: one poll at 2026-12-07 10:MINUTE; prints its
# statements and wall time.
poll() {
	sed -i "s/^points-mapping = .*/points-mapping = $1/" "$conf"
	t0=$(date +%s%N)
	"$kefu" -c "$conf" -vv campaign due --now "2026-12-07 10:$2" \
	    >"$tmp/out" 2>&1 || die "campaign due"
	t1=$(date +%s%N)
	qn=$(sed -n 's/.* in \([0-9]*\) quer.*/\1/p' "$tmp/out")
	ms=$(( (t1 - t0) / 1000000 ))
}
poll erp.member 00
poll erp.member 01
echo "points-bench: $n members, erp.member (one per member):" \
    "$qn queries, $ms ms"
pm=$ms pq=$qn
poll erp.member_points 02
poll erp.member_points 03
echo "points-bench: $n members, erp.member_points (500 a query):" \
    "$qn queries, $ms ms"
echo "points-bench: queries $pq -> $qn, wall $pm -> $ms ms"
