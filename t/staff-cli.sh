#!/bin/sh
# staff-cli.sh: `kefu staff` on a SQLite store: add, set, list, usage
# errors, PIN lockout after pin-attempts wrong PINs (the right PIN then
# refused until pin-reset), a disabled staff member refused, and the PIN
# never on the command line, in the output or in the log.
# KEFU_ENGINE=postgresql or mysql runs it on the test servers
# (t/staff-cli-pg.sh, t/staff-cli-mariadb.sh; tap_engine).
tap_name=staff-cli${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"

tap_conf
tap_sql
tap_engine
sed -i 's/^datasource = local$/&\npin-attempts = 3\npin-iterations = 2000/' \
    "$conf"
all=$tmp/all
: >"$all"
# kv ARGS...: run kefu -v -v (the log at debug level), keeping the output.
kv() {
	"$kefu" -v -v -c "$conf" "$@" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out" >>"$all"
	return $rc
}

run 0 "initialised" "a new store" -- db init
run 0 "usage: kefu staff add" "staff --help" -- staff --help
run 2 "usage: kefu staff" "staff frob is a usage error" -- staff frob
run 2 "usage: kefu staff" "pin-reset needs a number" -- staff pin-reset
run 2 "usage: kefu staff" "add takes no --enabled" -- \
    staff add 1001 --enabled no
run 2 "usage: kefu staff" "a bad --enabled value" -- \
    staff set 1001 --enabled maybe

echo 482913 | kv staff add 1001 --role desk
check $? "add a desk member with a PIN from standard input" "$tmp/out"
has "staff 1001: added" "$tmp/out" "add says so"
echo 482913 | kv staff add 1001
check $((1 - $?)) "the same number twice is refused" "$tmp/out"
has "exists already" "$tmp/out" "saying it exists"
echo 482913 | kv staff add 1x
check $((1 - $?)) "a number with a letter is refused" "$tmp/out"
has "2 to 12 digits" "$tmp/out" "saying what a staff number is"
echo 12 | kv staff add 1002
check $((1 - $?)) "a 2-digit PIN is refused" "$tmp/out"
has "4 to 8 digits" "$tmp/out" "saying what a PIN is"
echo 482913 | kv staff add 1003 --role boss
check $((1 - $?)) "an unknown role is refused" "$tmp/out"
: | kv staff add 1004
check $((1 - $?)) "no PIN on standard input" "$tmp/out"
has "no PIN on standard input" "$tmp/out" "saying so"
echo 556677 | kv staff add 2002
check $? "add a second one, role staff by default" "$tmp/out"

kv staff list
has "^1001 *desk *yes *0 *-" "$tmp/out" "list: 1001 desk, enabled"
has "^2002 *staff *yes" "$tmp/out" "list: 2002 staff by default"
hasnt "^1002\|^1003\|^1004\|^1x" "$tmp/out" "nothing refused was added"

echo 482913 | kv staff pin-check 1001
check $? "the right PIN" "$tmp/out"
has "PIN right (role desk)" "$tmp/out" "with the role"
echo 111111 | kv staff pin-check 1001
has "PIN wrong; 2 tries left" "$tmp/out" "a wrong PIN: two tries left"
echo 111111 | kv staff pin-check 1001
echo 111111 | kv staff pin-check 1001
has "PIN wrong; locked now" "$tmp/out" "the third wrong PIN locks"
has "locked until .* after 3 wrong PINs" "$tmp/out" "the log says until when"
echo 482913 | kv staff pin-check 1001
check $((1 - $?)) "locked: the right PIN fails too" "$tmp/out"
has "locked: PIN not tried" "$tmp/out" "and is not even tried"
kv staff list
has "^1001 *desk *yes *3 *20" "$tmp/out" "list shows the lockout"
echo 24681357 | kv staff pin-reset 1001
check $? "pin-reset sets a new PIN" "$tmp/out"
echo 24681357 | kv staff pin-check 1001
check $? "the new PIN works at once: the lockout is lifted" "$tmp/out"
echo 482913 | kv staff pin-check 1001
has "PIN wrong" "$tmp/out" "the old PIN no longer does"
echo 482913 | kv staff pin-check 9999
check $((1 - $?)) "an unknown number fails" "$tmp/out"
has "PIN wrong; 3 tries left" "$tmp/out" \
    "like a wrong PIN, without a lock to count"

kv staff set 2002 --role admin --enabled no
check $? "set role and disable" "$tmp/out"
echo 556677 | kv staff pin-check 2002
check $((1 - $?)) "a disabled staff member is refused" "$tmp/out"
has "disabled: PIN not tried" "$tmp/out" "saying so"
kv staff set 2002 --enabled yes
kv staff list
has "^2002 *admin *yes" "$tmp/out" "re-enabled, role kept"
kv staff set 3003 --role desk
check $((1 - $?)) "set on an unknown number fails" "$tmp/out"
has "no staff 3003" "$tmp/out" "naming it"

hasnt "482913\|24681357\|556677\|111111" "$all" \
    "no PIN in any output or log line"
q "SELECT pin_hash FROM staff_access" >"$tmp/out" 2>&1
has "^pbkdf2-sha256[$]2000[$][0-9a-f]\{32\}[$]" "$tmp/out" \
    "PINs stored as PBKDF2 hashes"
tap_done
