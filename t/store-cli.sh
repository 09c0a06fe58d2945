#!/bin/sh
# store-cli.sh: `kefu db` and `kefu catalog` from the command line, on a
# SQLite store in a temporary folder: what they print, their exit
# status (0 ok, 1 failure, 2 usage), and the refusals.
tap_name=store-cli
. "$(dirname "$0")/tap.sh"

sql() {
	echo "$1" | isql -b -k "Driver=SQLite3;Database=$tmp/var/kefu.db" \
	    >/dev/null 2>&1
}

conf=$tmp/kefu.conf
cat >"$conf" <<EOF
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
mappings = $KEFU_SRCDIR/mappings/catalog
log = -
[store]
datasource = local
[datasource local]
connect = Driver=SQLite3;Database=$tmp/var/kefu.db;PWD=sekrit
adapter = sqlite
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/var/catalog.db
read-only = yes
EOF
chmod 600 "$conf"

run 0 "usage: kefu db init" "db --help prints the usage" -- db --help
run 2 "usage: kefu db" "db without a subcommand is a usage error" -- db
run 2 "unknown subcommand 'frob'" "db frob is a usage error" -- db frob
run 2 "usage: kefu db" "db status takes no argument" -- db status extra
run 2 "kefu db: --to x: not a" "db upgrade --to x is a usage error" \
    -- db upgrade --to x
run 2 "usage: kefu db" "db init takes no --to" -- db init --to 2

run 0 "version:    0 of 22 (not initialised" "status of a new store" \
    -- db status
m="001_members 002_orders 003_requests 004_messaging 005_calls"
m="$m 006_member_pins 007_outbox 008_member_calls 009_orders 010_sms"
m="$m 011_campaigns 012_cases 013_staff 014_visits 015_notices"
m="$m 016_order_stock 017_sms_points 018_unconfirmed 019_sms_steps"
m="$m 020_campaign_spend 021_outbox_claim 022_outbox_content"
run 0 "pending:    $m" \
    "status lists the pending migrations" -- db status
d="Driver=SQLite3;Database=$tmp/var/kefu.db;PWD=\*\*\*"
run 0 "datasource: local ($d)" \
    "status shows the datasource, redacted" -- db status
if grep -q sekrit "$tmp/out"; then nok "no password in the output"; else
	ok "no password in the output"; fi
run 0 "upgraded from schema version 0 to 2 (sqlite)" "upgrade --to 2" -- \
    db upgrade --to 2
has "^applied 001_members$" "upgrade lists what it applied"
has "^applied 002_orders$" "one line per migration"
run 0 "version:    2 of 22" "status after a partial upgrade" -- db status
run 1 "already initialised (schema version 2); use kefu db upgrade" \
    "init refuses an initialised store" -- db init
run 0 "upgraded from schema version 2 to 22" "upgrade to the latest" -- \
    db upgrade
run 0 "is up to date at schema version 22 (sqlite)" \
    "upgrade again does nothing" -- db upgrade
run 0 "pending:    none" "status when up to date" -- db status

rm -f "$tmp/var/kefu.db"
run 0 "initialised at schema version 22 (sqlite)" "init a new store" -- db init
has "^applied 006_member_pins$" "init lists the migrations"
has "^applied 022_outbox_content$" "init lists the last migration"
# Write-ahead log: the outbox workers of several modems share the file
# without waiting for each other's commits (bench/sms-scale).
jm=$(sqlite3 "$tmp/var/kefu.db" 'PRAGMA journal_mode' 2>&1)
if [ "$jm" = wal ]; then ok "init leaves the store in WAL mode"; else
	nok "init leaves the store in WAL mode"; echo "#   got: $jm"; fi
sed -i 's|PWD=sekrit$|PWD=sekrit;JournalMode=DELETE|' "$conf"
mv "$tmp/var/kefu.db" "$tmp/var/wal.db"
run 0 "initialised at schema version" "init with JournalMode= named" -- db init
jm=$(sqlite3 "$tmp/var/kefu.db" 'PRAGMA journal_mode' 2>&1)
if [ "$jm" = delete ]; then ok "a JournalMode= named is kept"; else
	nok "a JournalMode= named is kept"; echo "#   got: $jm"; fi
sed -i 's|;JournalMode=DELETE$||' "$conf"
mv "$tmp/var/wal.db" "$tmp/var/kefu.db"

if command -v isql >/dev/null 2>&1; then
	i="INSERT INTO kefu_schema_version (version, name, applied_at)"
	sql "$i VALUES (99, 'future', '2030-01-01 00:00:00')"
	run 1 "schema version 99, newer than this kefu knows (22)" \
	    "upgrade refuses a store from the future" -- db upgrade
	run 1 "version:    99 (newer than this kefu" \
	    "status reports a store from the future" -- db status
else
	ok "# SKIP isql not installed"
	ok "# SKIP isql not installed"
fi

cat >"$tmp/bad.conf" <<EOF
[store]
datasource = nope
EOF
conf=$tmp/bad.conf
run 1 "bad.conf:2: \[store\] datasource = nope: no \[datasource nope\]" \
    "a missing store datasource, as file:line" -- db status
conf=$tmp/kefu.conf

run 0 "usage: kefu catalog build" "catalog --help" -- catalog --help
run 2 "usage: kefu catalog" "catalog without a subcommand" -- catalog
run 2 "unknown subcommand 'frob'" "catalog frob" -- catalog frob
run 2 "not a date" "catalog build --date 2026-02-30" -- catalog build \
    --date 2026-02-30
run 2 "usage: kefu catalog" "catalog status takes no --demo" -- \
    catalog status --demo
run 2 "usage: kefu catalog" "catalog build --seed x" -- catalog build --seed x
run 1 "no \[datasource nope\]" "catalog build -d nope" -- catalog build -d nope
run 1 "holds no catalog (kefu catalog build \[--demo\] creates one)" \
    "catalog status before a build" -- catalog status
run 0 "products:   2100" "catalog build --demo" -- catalog build --demo \
    --date 2026-11-22
run 0 "promotions: 70 (2[0-9] valid on 2026-11-22)" \
    "it reports today's promotions" -- catalog status --date 2026-11-22
run 0 "catalog 'catalog' at $tmp/var/catalog.db" "it names the file" -- \
    catalog status
run 1 "already holds a catalog (use --force" "a second build is refused" -- \
    catalog build --demo
run 0 "staff:      40 (" "build --demo --force rebuilds" -- catalog build \
    --demo --force
run 0 "products:   0" "build --force without --demo leaves it empty" -- \
    catalog build --force

tap_done
