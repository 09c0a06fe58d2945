#!/bin/sh
# notice-engines.sh: the store's notices on PostgreSQL and MariaDB as the
# local store (each in a schema or database of its own on the test
# servers, build-aux/test-services): kefu notice add (a text, a sound
# file), list, list --all, end, and what a caller is offered
# (kefu.notice.current through kefu call).  t/notice-cli.sh tests the
# rest on SQLite.
tap_name=notice-engines
. "$(dirname "$0")/tap.sh"

if ! command -v sox >/dev/null 2>&1; then
	echo "1..0 # SKIP sox not installed"
	exit 0
fi
# odbc BASE KEY: a value of an ODBC connection string
odbc() { echo "$1" | tr ';' '\n' | sed -n "s/^$2=//p" | head -1; }
pg() { PGPASSWORD=$(odbc "$KEFU_TEST_PG" Pwd) psql -q -At \
    -h "$(odbc "$KEFU_TEST_PG" Server)" -p "$(odbc "$KEFU_TEST_PG" Port)" \
    -U "$(odbc "$KEFU_TEST_PG" Uid)" "$(odbc "$KEFU_TEST_PG" Database)" \
    "$@"; }
my() { mysql -h "$(odbc "$KEFU_TEST_MARIADB" Server)" \
    -P "$(odbc "$KEFU_TEST_MARIADB" Port)" \
    -u "$(odbc "$KEFU_TEST_MARIADB" User)" \
    -p"$(odbc "$KEFU_TEST_MARIADB" Password)" -N -B "$@" 2>/dev/null; }
name=kefu_notice$$
cleanup() {
	[ -n "$KEFU_TEST_PG" ] && pg -c "DROP SCHEMA IF EXISTS $name CASCADE" \
	    >/dev/null 2>&1
	[ -n "$KEFU_TEST_MARIADB" ] && my -e "DROP DATABASE IF EXISTS $name"
	tap_cleanup
}
trap cleanup EXIT
sox -n -r 44100 -c 2 "$tmp/hours.ogg" synth 3 sine 300 gain -6

# engine ADAPTER CONNECT: the notices on that store
engine() {
	tap_conf
	tap_sql
	sed -i "s|^connect = Driver=SQLite3;Database=$tmp/kefu.db$|connect = $2|" \
	    "$conf"
	sed -i "0,/^adapter = sqlite$/s//adapter = $1/" "$conf"
	rm -rf "$tmp/spool"
	run 0 "initialised at schema version .* ($1)" "$1: a new store" -- \
	    db init
	run 0 "notice 1 added: text" "$1: a text notice" -- \
	    notice add --text 本周日上午店内盘点。
	run 0 "notice 2 added: recording" "$1: a recorded one" -- \
	    notice add --audio "$tmp/hours.ogg"
	run 1 "valid-until 2020-01-01 is already over" \
	    "$1: one already over refused" -- notice add --text 一 \
	    --from 2019-01-01 --until 2020-01-01
	run 0 "^2 .*recording" "$1: list" -- notice list
	has "^1 .*本周日上午店内盘点" "$1: ... both"
	run 0 "notice 1 ended" "$1: end" -- notice end 1
	run 0 "NOTICE" "$1: list after end" -- notice list
	hasnt "^1 " "$1: ... the ended one is not listed"
	run 0 "^1 .*本周日上午店内盘点" "$1: list --all lists it" -- \
	    notice list --all
	run 0 "found in .* 1 row" "$1: a caller is offered the one left" -- \
	    call --keys "3 * *"
	has "notice_audio=$tmp/spool/notice-" "$1: ... its recording"
}

if [ -n "$KEFU_TEST_PG" ]; then
	pg -c "CREATE SCHEMA $name"
	engine postgresql \
	    "$KEFU_TEST_PG;ConnSettings=SET search_path TO $name"
else
	skip "no PostgreSQL test server (build-aux/test-services)"
fi
if [ -n "$KEFU_TEST_MARIADB" ]; then
	my -e "CREATE DATABASE $name CHARACTER SET utf8mb4"
	engine mysql "$(echo "$KEFU_TEST_MARIADB" |
	    sed "s/Database=[^;]*/Database=$name/")"
else
	skip "no MariaDB test server (build-aux/test-services)"
fi
tap_done
