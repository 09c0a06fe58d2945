# tap.sh: what the shell tests share, sourced after setting $tap_name
# (the name of the test's folder in /tmp): the source and build folders,
# the programs, the schemas, a scratch folder $tmp removed at exit (kept
# when KEEP is set), the daemon $pid killed at exit, and TAP output: ok,
# nok, check, has, hasnt, run (a kefu command), exits (any command), skip;
# and to set up: tap_conf (a kefu.conf), tap_conf_add (lines of its
# own), tap_sql (its migrations without gaps), tap_simline (a simulated
# line), tap_flows (a copy of the flows to change), tap_store (a store
# with the demo catalog), tap_engine (the store on SQLite, PostgreSQL or
# MariaDB: $KEFU_ENGINE), tap_kefud (start the daemon), tap_wait (wait
# for an event), tap_stop (stop it), tap_cups (a printer queue),
# tap_hour (the local time of day the test starts at);
# end with "tap_done".  One vocabulary for every shell test: a test adds
# helpers of its own only for what these cannot say.
: "${KEFU_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${KEFU_BUILDDIR:=$KEFU_SRCDIR}"
kefu="$KEFU_BUILDDIR/kefu"
kefud="$KEFU_BUILDDIR/kefud"
KEFU_MAPPING_SCHEMA=$KEFU_SRCDIR/mappings/mapping.rng
KEFU_FLOW_SCHEMA=$KEFU_SRCDIR/flows/flow.rng
export KEFU_MAPPING_SCHEMA KEFU_FLOW_SCHEMA
tmp=/tmp/kefu-$tap_name-$$
pid=
conf=
KEEP=${KEEP:-}
tap_cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -z "$KEEP" ] && rm -rf "$tmp"
}
trap tap_cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$tmp"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
# check STATUS DESCRIPTION [FILE]: status 0 is a pass; else show FILE.
check() {
	if [ "$1" -eq 0 ]; then ok "$2"; else
		nok "$2"
		[ -n "$3" ] && sed 's/^/#   /' "$3"
	fi
}
# has PATTERN [FILE] DESCRIPTION; hasnt PATTERN [FILE] DESCRIPTION: FILE
# (default $tmp/out, the last run's or exits' output) matches the grep
# pattern, or does not.
has() {
	if [ $# -lt 3 ]; then set -- "$1" "$tmp/out" "$2"; fi
	grep -q -e "$1" "$2"
	check $? "$3" "$2"
}
hasnt() {
	if [ $# -lt 3 ]; then set -- "$1" "$tmp/out" "$2"; fi
	! grep -q -e "$1" "$2"
	check $? "$3" "$2"
}
# run EXPECTED-STATUS PATTERN DESCRIPTION -- ARGS...: run kefu -c $conf,
# check the exit status and that stdout+stderr match the grep pattern.
run() {
	want=$1 pat=$2 what=$3
	shift 4
	"$kefu" -c "$conf" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -e "$pat" "$tmp/out"; then
		ok "$what"
	else
		nok "$what"
		echo "#   kefu $*: exit $rc (want $want), output:"
		sed 's/^/#   /' "$tmp/out"
		echo "#   wanted: $pat"
	fi
}
# exits EXPECTED-STATUS DESCRIPTION COMMAND [ARGS...]: run any command
# and check its exit status (the output shown when it is not the one
# expected).  Its standard output then its standard error are in
# $tmp/out (as run's), each alone in $tmp/stdout and $tmp/err.
exits() {
	want=$1 what=$2
	shift 2
	"$@" >"$tmp/stdout" 2>"$tmp/err"
	rc=$?
	cat "$tmp/stdout" "$tmp/err" >"$tmp/out"
	if [ "$rc" -eq "$want" ]; then ok "$what"; else
		nok "$what"
		echo "#   $*: exit $rc (want $want), output:"
		sed 's/^/#   /' "$tmp/out" | head -20
	fi
}
# tap_conf [FLOWS-FOLDER]: write $conf, a kefu.conf for kefu and kefud in
# $tmp: the shipped mappings, adapters, prompts and migrations, flows
# from FLOWS-FOLDER (default the shipped ones), spool, control socket, a
# SQLite store and a read-only SQLite catalog, "log = -".  A test appends
# its own sections (and may change log = with sed).
tap_conf() {
	conf=$tmp/kefu.conf
	cat >"$conf" <<EOF
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = ${1:-$KEFU_SRCDIR/flows}
prompts = $KEFU_SRCDIR/prompts
sql = $KEFU_SRCDIR/sql
spool = $tmp/spool
socket = $tmp/kefud.sock
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
EOF
	chmod 600 "$conf"
}
# tap_sql: the migrations copied to $tmp/sql numbered without gaps, and
# $conf's sql = pointed there (a branch may lack another's numbers; once
# merged the copy is the same files).
tap_sql() {
	cp -R "$KEFU_SRCDIR/sql" "$tmp/sql"
	for d in sqlite postgresql mysql; do
		rm -f "$tmp/sql/local/$d/"*.sql
		i=0
		for f in $(ls "$KEFU_SRCDIR/sql/local/$d/"*.sql | sort); do
			i=$((i + 1))
			b=$(basename "$f")
			cp "$f" "$tmp/sql/local/$d/$(printf %03d $i)_${b#*_}"
		done
	done
	sed -i "s|^sql = .*|sql = $tmp/sql|" "$conf"
}
# tap_conf_add SECTION LINES: add LINES (one or more, newline separated)
# to [SECTION] of $conf, right after its header; a section $conf lacks
# is added at its end.
tap_conf_add() {
	if grep -q "^\[$1\]\$" "$conf"; then
		tap_sec="[$1]" tap_add="$2" awk '{ print }
		    $0 == ENVIRON["tap_sec"] { print ENVIRON["tap_add"] }' \
		    "$conf" >"$conf.new" && mv "$conf.new" "$conf"
	else
		printf '[%s]\n%s\n' "$1" "$2" >>"$conf"
	fi
}
# tap_simline NAME: a simulated line [line NAME] (kefu-simline(7)) in
# $conf on the socket $tmp/line-NAME.sock, answering at the first ring.
tap_simline() {
	tap_conf_add "line $1" "type = sim
device = $tmp/line-$1.sock
rings = 1
silence = 5s"
}
# tap_flows [FILE...]: a writable copy of the shipped flows in
# $tmp/flows, each FILE copied over it (a test's stand-in flow).
tap_flows() {
	rm -rf "$tmp/flows"
	cp -R "$KEFU_SRCDIR/flows" "$tmp/flows"
	chmod -R u+w "$tmp/flows"
	for f in "$@"; do cp "$f" "$tmp/flows/"; done
}
# tap_store: the store of $conf upgraded and the demo catalog built; the
# whole test is skipped when that fails (no SQLite ODBC driver).
tap_store() {
	if ! "$kefu" -c "$conf" db upgrade >"$tmp/out" 2>&1 ||
	    ! "$kefu" -c "$conf" catalog build --demo --force \
	    >>"$tmp/out" 2>&1; then
		echo "1..0 # SKIP no SQLite store: $(tail -1 "$tmp/out")"
		exit 0
	fi
}
# tap_kefud [-a] OUTPUT [OPTIONS...]: start kefud -f $conf with OPTIONS
# in the background, standard output and error into OUTPUT (-a: added
# to it); $pid (killed at exit, or by the test: then set pid= again).
tap_kefud() {
	tap_app=
	[ "$1" = -a ] && { tap_app=1; shift; }
	tap_out=$1
	shift
	if [ -n "$tap_app" ]; then
		"$kefud" "$@" -f "$conf" >>"$tap_out" 2>&1 &
	else
		"$kefud" "$@" -f "$conf" >"$tap_out" 2>&1 &
	fi
	pid=$!
}
# tap_wait SECONDS COMMAND [ARGS...]: wait for the event, not a time: run
# COMMAND every 0.1 s until it succeeds or SECONDS have passed; its
# status is the last run's.
tap_wait() {
	tries=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || { "$@" >/dev/null 2>&1; return; }
		sleep 0.1       # the poll itself: the event has no other sign
	done
}
# tap_stop DESCRIPTION [FILE]: SIGTERM to kefud ($pid), a pass when it
# exits 0 (else FILE is shown); pid= after.
tap_stop() {
	kill -TERM "$pid"
	wait "$pid"
	check $? "$1" "$2"
	pid=
}
# tap_engine [DATASOURCE]: the local store (or the datasource of that
# name, such as catalog) on $KEFU_ENGINE -- sqlite (the default,
# $tmp/kefu.db; $tmp/DATASOURCE.db), postgresql or mysql (the test servers of
# build-aux/test-services, in a schema or database of the test's own,
# dropped at exit).  Sets $engine and $connect, defines q SQL (runs one
# statement, prints its rows as text; || joins strings on every engine),
# and points $conf's [datasource local] (DATASOURCE) there when $conf
# exists (call it after tap_conf).  Without the server the test is
# skipped, or fails when KEFU_TEST_REQUIRE_SERVERS=1.
tap_engine() {
	engine=${KEFU_ENGINE:-sqlite}
	tap_ds=${1:-local}
	tap_file=$tmp/kefu.db
	[ "$tap_ds" = local ] || tap_file=$tmp/$tap_ds.db
	tap_db=kefu_$(echo "$tap_name" | tr -c 'a-z0-9\n' _)$$
	case $engine in
	sqlite)
		connect="Driver=SQLite3;Database=$tap_file"
		# kefud may write meanwhile: wait out its locks as kefu does
		q() { sqlite3 -cmd ".timeout 10000" "$tap_file" "$1"; }
		;;
	postgresql)
		tap_base=$KEFU_TEST_PG
		connect="$tap_base;ConnSettings=SET search_path TO $tap_db"
		q() { tap_pg -c "SET search_path TO $tap_db" -c "$1"; }
		;;
	mysql)
		tap_base=$KEFU_TEST_MARIADB
		connect=$(echo "$tap_base" |
		    sed "s/Database=[^;]*/Database=$tap_db/")
		q() { tap_my "$tap_db" -e "SET SESSION sql_mode =
		    CONCAT(@@sql_mode, ',PIPES_AS_CONCAT'); $1" | tr '\t' '|'; }
		;;
	*)
		nok "KEFU_ENGINE=$engine: none of sqlite, postgresql, mysql"
		tap_done
		;;
	esac
	if [ "$engine" != sqlite ] && [ -z "$tap_base" ]; then
		if [ "$KEFU_TEST_REQUIRE_SERVERS" = 1 ]; then
			nok "$engine: no test server (build-aux/test-services)"
		else
			ok "# SKIP no $engine test server"
		fi
		tap_done
	fi
	case $engine in
	postgresql) tap_pg -c "CREATE SCHEMA $tap_db" ;;
	mysql) tap_my -e "CREATE DATABASE $tap_db CHARACTER SET utf8mb4" ;;
	esac
	trap 'tap_engine_drop; tap_cleanup' EXIT
	[ -n "$conf" ] && [ -f "$conf" ] && tap_engine_conf
}
# tap_engine_drop: drop tap_engine's schema or database (a test that
# sets its own EXIT trap calls it there).
tap_engine_drop() {
	case ${engine:-sqlite} in
	postgresql) tap_pg -c "DROP SCHEMA $tap_db CASCADE" 2>/dev/null ;;
	mysql) tap_my -e "DROP DATABASE $tap_db" ;;
	esac
}
# tap_odbc [BASE] KEY: a value of the ODBC connection string BASE (the
# server's by default)
tap_odbc() {
	if [ $# = 2 ]; then tap_b=$1; shift; else tap_b=$tap_base; fi
	echo "$tap_b" | tr ';' '\n' | sed -n "s/^$1=//p" | head -1
}
# tap_server: the server's host, port, user, password and database from
# $tap_base, read once for tap_pg and tap_my (each runs many times).
tap_server() {
	[ "$tap_srv_base" = "$tap_base" ] && return
	tap_srv_base=$tap_base
	tap_srv_host=$(tap_odbc Server)
	tap_srv_port=$(tap_odbc Port)
	tap_srv_user=$(tap_odbc Uid)$(tap_odbc User)
	tap_srv_pw=$(tap_odbc Pwd)$(tap_odbc Password)
	tap_srv_db=$(tap_odbc Database)
}
tap_pg() {
	tap_server
	PGPASSWORD=$tap_srv_pw psql -q -At -h "$tap_srv_host" \
	    -p "$tap_srv_port" -U "$tap_srv_user" "$tap_srv_db" "$@"
}
tap_my() {
	tap_server
	mysql -h "$tap_srv_host" -P "$tap_srv_port" -u "$tap_srv_user" \
	    -p"$tap_srv_pw" -N -B "$@" 2>/dev/null
}
# [datasource $tap_ds] of $conf on $connect, with the engine's adapter.
tap_engine_conf() {
	tap_c=$connect tap_a=$engine tap_s="[datasource $tap_ds]" awk '
	    /^\[/ { local = ($0 == ENVIRON["tap_s"]) }
	    local && /^connect *=/ { print "connect = " ENVIRON["tap_c"]; next }
	    local && /^adapter *=/ { print "adapter = " ENVIRON["tap_a"]; next }
	    { print }' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
	chmod 600 "$conf"
}
# tap_cups NAME: a CUPS queue of the test's own, $q (kefu-NAME-PID), on
# the cupsd of build-aux/test-services ($KEFU_TEST_CUPS, exported as
# CUPS_SERVER), whose backend keeps each job as a file in the folder
# $out; removed at exit.  Without KEFU_TEST_CUPS or lpadmin the test is
# a SKIP, or a failure with KEFU_TEST_REQUIRE_SERVERS=1.
tap_cups() {
	if [ -z "$KEFU_TEST_CUPS" ] || ! command -v lpadmin >/dev/null 2>&1
	then
		if [ "$KEFU_TEST_REQUIRE_SERVERS" = 1 ]; then
			nok "KEFU_TEST_CUPS and lpadmin are required"
		else
			tap_why="KEFU_TEST_CUPS not set"
			ok "# SKIP $tap_why (build-aux/test-services)"
		fi
		tap_done
	fi
	CUPS_SERVER=$KEFU_TEST_CUPS
	export CUPS_SERVER
	q=kefu-$1-$$
	out=$tmp/jobs
	mkdir -p "$out"
	chmod 0777 "$out"
	lpadmin -p "$q" -v "kefu-spool:$out" -E >"$tmp/lp" 2>&1
	check $? "a queue of our own on $KEFU_TEST_CUPS" "$tmp/lp"
	trap 'lpadmin -x "$q" 2>/dev/null; tap_cleanup' EXIT
}
# skip REASON: a test that cannot run here, counted as skipped.
# tap_hour HH:MM: the test's local time starts at HH:MM whatever the hour
# it runs at (TZ from build-aux/test-tz), for a test whose set-up is tied
# to the time of day (a cut-off, "today" across midnight).  kefu, kefud
# and the tools the test runs follow TZ; the database servers keep their
# own zone.
tap_hour() {
	TZ=$(sh "$KEFU_SRCDIR/build-aux/test-tz" "$1") || exit 2
	export TZ
	echo "# local time now $(date '+%Y-%m-%d %H:%M:%S') (TZ=$TZ)"
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# The plan and the exit status.
tap_done() {
	echo "1..$n"
	exit $failed
}
