#!/bin/sh
# campaign-points.sh: the points-changed notices (msg/points.c) against
# the example ERP (sql/examples/erp, mapping erp.member): the first poll
# is only the baseline; a change of a member subscribed to SMS is told
# once by a marketing SMS from [campaign] event-points, and becomes the
# baseline; nothing for a member the ERP does not know, one with SMS
# off, or a balance that did not change; kefud polls every points-every
# and tells nothing again after a restart; the quiet hours of marketing
# hold it back.  POINTS_ENGINE=postgresql or
# mysql puts the store on the test servers and the ERP on the GBK
# MariaDB (t/campaign-points-pg.sh, t/campaign-points-mariadb.sh); by
# default both are SQLite.
tap_name=campaign-points${POINTS_ENGINE:+-$POINTS_ENGINE}
. "$(dirname "$0")/tap.sh"
# the outbox with each message's text (022_outbox_content)
ob="outbox JOIN outbox_content ON outbox_id = id"

tap_conf
tap_sql
KEFU_ENGINE=${POINTS_ENGINE:-sqlite} tap_engine
mkdir -p "$tmp/mappings"
cp "$KEFU_SRCDIR/mappings/catalog/"*.xml \
    "$KEFU_SRCDIR/mappings/examples/erp/erp.xml" "$tmp/mappings/"
sed -i "s|^mappings = .*|mappings = $tmp/mappings|" "$conf"
tap_conf_add kefu "log-level = debug"
if [ "${POINTS_ENGINE:-sqlite}" = sqlite ]; then
	sqlite3 "$tmp/erp.db" <"$KEFU_SRCDIR/sql/examples/erp/sqlite.sql"
	check $? "the example ERP on SQLite"
	erp() { sqlite3 -cmd ".timeout 5000" "$tmp/erp.db" "$1"; }
	erpds="connect = Driver=SQLite3;Database=$tmp/erp.db
adapter = sqlite"
else
	gbk=$KEFU_TEST_MARIADB_GBK
	if [ -z "$gbk" ]; then
		skip "no GBK MariaDB test server"
		tap_done
	fi
	erpdb=kefu_erp_points$$
	my() {
		mysql -h "$(tap_odbc "$gbk" Server)" \
		    -P "$(tap_odbc "$gbk" Port)" -u "$(tap_odbc "$gbk" User)" \
		    -p"$(tap_odbc "$gbk" Password)" -N -B "$@" 2>/dev/null
	}
	my -e "CREATE DATABASE $erpdb DEFAULT CHARACTER SET gbk"
	trap 'my -e "DROP DATABASE $erpdb"; tap_engine_drop; tap_cleanup' EXIT
	my --default-character-set=utf8mb4 "$erpdb" \
	    <"$KEFU_SRCDIR/sql/examples/erp/mysql.sql"
	check $? "the example ERP on MariaDB, in GBK"
	erp() { my "$erpdb" -e "$1"; }
	erpds="connect = $(echo "$gbk" |
	    sed "s/Database=[^;]*/Database=$erpdb/")
adapter = mysql
encoding = GBK"
fi
tap_conf_add "datasource erp" "$erpds
read-only = yes"
tap_conf_add campaign "store-name = 好又多
optout-text = 回TD退订
points-mapping = erp.member
event-points = {name}您好，您的积分变动{change}，原{old_points}分，现有{points}分。
points-every = 1s
tick = 200ms"

run 0 "initialised" "a new store" -- db init
m="INSERT INTO members (id, customer_no, name, mobile, language,
    registered_via, registered_at, updated_at) VALUES"
q "$m (1, 'C001', '张晓燕', '13912345678', 'zh-CN', 'paper',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
    (2, 'C002', '欧阳堃', '13812340000', 'zh-CN', 'paper',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00'),
    (3, 'C003', '王五', '13900000009', 'zh-CN', 'paper',
    '2026-01-05 10:00:00', '2026-01-05 10:00:00')"
q "INSERT INTO member_services (member_id, service, enabled, since)
    VALUES (1, 'sms', 1, '2026-01-05 10:00:00'),
    (2, 'sms', 1, '2026-01-05 10:00:00'),
    (3, 'sms', 1, '2026-01-05 10:00:00')"
count() { q "$1" | head -1; }
[ "$(count "SELECT COUNT(*) FROM member_services")" = 3 ]
check $? "three members subscribed to SMS, two of them in the ERP"

# The polls by hand happen yesterday (a fixed date was "the future" until
# it passed, and then its notices were due too): before kefud's, at any
# hour, and due by the time the outbox is sent.
day=$(date -d yesterday +%F)
run 0 "0 event and 0 points notice(s)" "the first poll: no notice" -- \
    campaign due --now "$day 10:00"
[ "$(q "SELECT member_id, points, changes FROM member_points
    ORDER BY member_id" | tr '\n' ' ')" = "1|1280|0 2|35|0 " ]
check $? "... but the baselines of the two the ERP knows"
[ "$(count "SELECT COUNT(*) FROM outbox")" = 0 ]
check $? "nothing queued"
run 0 "0 points notice(s)" "no change: nothing" -- \
    campaign due --now "$day 10:01"

erp "UPDATE HYXX SET JF = 1400 WHERE HYKH = '8800012345'"
run 0 "0 event and 1 points notice(s)" "张晓燕's points changed: told" -- \
    campaign due --now "$day 10:02"
e="【好又多】张晓燕您好，您的积分变动+120，原1280分，现有1400分。回TD退订"
[ "$(q "SELECT recipient, msg_class, idem_key, body FROM $ob")" = \
    "13912345678|marketing|points:1:1|$e" ]
check $? "to her mobile, marketing, keyed by her first change, filled in"
[ "$(q "SELECT points, changes FROM member_points WHERE member_id = 1")" \
    = "1400|1" ]
check $? "the new balance is the baseline"
run 0 "0 points notice(s)" "the next poll (a new process): not again" -- \
    campaign due --now "$day 10:03"

erp "UPDATE HYXX SET JF = 1000 WHERE HYKH = '8800012345'"
q "UPDATE member_services SET enabled = 0 WHERE member_id = 2"
erp "UPDATE HYXX SET JF = 50 WHERE HYKH = '8800012346'"
run 0 "1 points notice(s)" "a second change; 欧阳堃 has SMS off" -- \
    campaign due --now "$day 10:04"
[ "$(q "SELECT idem_key, body FROM $ob WHERE idem_key <> 'points:1:1'")" \
    = "points:1:2|【好又多】张晓燕您好，您的积分变动-400，原1400分，现有1000分。回TD退订" ]
check $? "a fall is told with its sign; nothing to the member with SMS off"

# kefud: polls every points-every; a restart tells nothing again.
erp "UPDATE HYXX SET JF = 1100 WHERE HYKH = '8800012345'"
log=$tmp/kefud.log
tap_kefud "$log" -d
tap_wait 20 grep -q "points: C001's points 1000 -> 1100 told to 13912345678" \
    "$log"
check $? "kefud tells the change at its poll" "$log"
tap_stop "kefud stops" "$log"
tap_kefud "$log" -d
tap_wait 20 sh -c "grep 'subscribed to SMS asked' '$log' | tail -2 |
    grep -c 'asked of erp.member in .*, 0 change' | grep -q 2"
check $? "restarted, it polls twice without a notice" "$log"
tap_stop "kefud stops again" "$log"
[ "$(count "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 'points:%'")" = 3 ]
check $? "three changes, three notices in all"

# Sent as marketing: inside the quiet hours of marketing it is not sent
# (kefud's notice is due now; a gateway that answers nothing).
tap_conf_add suppress "quiet-marketing = $(date -d '-1 hour' +%H:%M)-$(date \
    -d '+1 hour' +%H:%M)
quiet-action = suppress"
tap_conf_add "sms-gateway gw" "url = http://127.0.0.1:9/send
body = to={to}&text={text}
success = ok"
run 0 "0 submitted, 0 to retry, 0 failed, 3 suppressed" \
    "the three notices due, in the quiet hours of marketing: suppressed" -- \
    outbox send --once --channel sms

# Many members: erp.member is asked once per member (and key), the list
# mapping erp.member_points reads the ERP 500 members a query; both give
# the same balances, so switching between them tells nothing new.
N=1000
i=1 vals= svcs= erpv=
while [ "$i" -le "$N" ]; do
	mob=$((13600000000 + i))
	vals="$vals${vals:+,}($((1000 + i)), 'G$i', '会员$i', '$mob', 'zh-CN',
    'paper', '2026-01-05 10:00:00', '2026-01-05 10:00:00')"
	svcs="$svcs${svcs:+,}($((1000 + i)), 'sms', 1, '2026-01-05 10:00:00')"
	erpv="$erpv${erpv:+,}('89$((10000000 + i))', '会员$i', '$mob', NULL, $i,
    '1')"
	i=$((i + 1))
done
q "$m $vals"
q "INSERT INTO member_services (member_id, service, enabled, since)
    VALUES $svcs"
erp "INSERT INTO HYXX (HYKH, XM, SJ, DH, JF, ZT) VALUES $erpv"
[ "$(count "SELECT COUNT(*) FROM member_services WHERE enabled = 1")" = \
    $((N + 2)) ]
check $? "$N more members subscribed to SMS, each in the ERP"
run 0 "0 points notice(s)" "$N new members polled per member: baselines" \
    -- -vv campaign due --now "2026-12-07 11:00"
has "$((N + 2)) member(s) subscribed to SMS asked of erp.member in \
$((N + 3)) queries, 0 change" "$tmp/out" \
    "one query per member, two for the one the ERP does not know"
[ "$(count "SELECT COUNT(*) FROM member_points")" = $((N + 2)) ]
check $? "a baseline for each member the ERP knows (one with SMS off now)"

sed -i "s/^points-mapping = .*/points-mapping = erp.member_points/" "$conf"
erp "UPDATE HYXX SET JF = JF + 7 WHERE HYKH IN ('8910000001', '8910000500',
    '8910000501', '8910001000', '8800012345')"
run 0 "0 event and 5 points notice(s)" \
    "read 500 members a query: the five changes told" -- \
    -vv campaign due --now "2026-12-07 11:01"
has "$((N + 2)) member(s) subscribed to SMS asked of erp.member_points in \
3 queries, 5 change" "$tmp/out" "$((N + 2)) ERP members in 3 pages of 500"
[ "$(q "SELECT recipient, body FROM $ob WHERE idem_key IN
    ('points:1500:1', 'points:1:4') ORDER BY recipient")" = \
"13600000500|【好又多】会员500您好，您的积分变动+7，原500分，现有507分。回TD退订
13912345678|【好又多】张晓燕您好，您的积分变动+7，原1100分，现有1107分。回TD退订" ]
check $? "each told to the member the row names, the change filled in"
erp "UPDATE HYXX SET JF = 0 WHERE HYKH = '8910000777'"
sed -i "s/^points-mapping = .*/points-mapping = erp.member/" "$conf"
run 0 "0 event and 1 points notice(s)" \
    "per member again: only the one change since, nothing else differs" \
    -- campaign due --now "2026-12-07 11:02"
[ "$(q "SELECT body FROM $ob WHERE idem_key = 'points:1777:1'")" = \
    "【好又多】会员777您好，您的积分变动-777，原777分，现有0分。回TD退订" ]
check $? "... member 777's fall to 0"

# List mappings that cannot be read whole: refused with why, nothing told.
cat >"$tmp/mappings/bad.xml" <<'EOF'
<mappings>
  <mapping name="bad.loop" datasource="erp">
    <param name="after" type="text" max-length="20"/>
    <sql>SELECT HYKH, SJ, JF FROM HYXX WHERE ZT = '1' AND
         LENGTH(:after) &gt;= 0 ORDER BY HYKH</sql>
    <result rows="many" max-rows="500" on-many="many">
      <column name="HYKH" var="card_no" type="text"/>
      <column name="SJ" var="mobile" type="text"/>
      <column name="JF" var="points" type="integer"/>
    </result>
  </mapping>
  <mapping name="bad.all" datasource="erp">
    <sql>SELECT SJ, JF FROM HYXX WHERE ZT = '1'</sql>
    <result rows="many" max-rows="500" on-many="many">
      <column name="SJ" var="mobile" type="text"/>
      <column name="JF" var="points" type="integer"/>
    </result>
  </mapping>
</mappings>
EOF
sed -i "s/^points-mapping = .*/points-mapping = bad.loop/" "$conf"
run 1 "bad.loop gave '8910000498' after '8910000498': its rows must be in \
order of its first column" "a page that does not move on: refused, not read \
forever" \
    -- campaign due --now "2026-12-07 11:03"
sed -i "s/^points-mapping = .*/points-mapping = bad.all/" "$conf"
run 1 "bad.all has more than its max-rows (500) rows: raise max-rows, or \
give it a parameter" "more rows than max-rows and no parameter: refused" \
    -- campaign due --now "2026-12-07 11:04"
[ "$(count "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 'points:%'")" \
    = 9 ]
check $? "no notice from either (9 in all: 3, 5 and 1)"
tap_done
