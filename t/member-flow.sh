#!/bin/sh
# member-flow.sh: the members' phone services (flows/member.xml,
# flows/identify.xml, the kefu.member.* built-in services) through
# scripted calls of `kefu call` on a SQLite store: registration by
# phone with the caller ID (number read back, SMS only), identification
# by caller ID and PIN, the lockout after five wrong PINs (the sixth
# refused even when right), a PIN changed by phone, SMS specials
# subscribed and cancelled with the call's reference in the ledger, and
# no PIN in the call log or kefu's log.  t/member-engines.sh runs the
# main of it on PostgreSQL and MariaDB.
tap_name=member-flow
. "$(dirname "$0")/tap.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
db=$tmp/var/kefu.db
conf=$tmp/kefu.conf
cat >"$conf" <<EOC
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = $KEFU_SRCDIR/flows
prompts = $KEFU_SRCDIR/prompts
sql = $KEFU_SRCDIR/sql
languages = zh-CN,yue
log = -
[store]
datasource = local
pin-iterations = 2000
[datasource local]
connect = Driver=SQLite3;Database=$db
adapter = sqlite
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/catalog.db
adapter = sqlite
EOC
q() { sqlite3 "$db" "$1"; }
all=$tmp/all
: >"$all"
# call CALLER KEYS: a scripted call into menu item 4, log at debug level.
call() {
	"$kefu" -v -v -c "$conf" call --caller "$1" --keys "4 $2" \
	    >"$tmp/out" 2>&1
	cat "$tmp/out" >>"$all"
}
run 0 "initialised" "a new store" -- db init

# Register with the caller ID as the mobile, hear the number twice.
call 13800138000 "1 1 739146# 739146# 1 *"
no=$(q "SELECT customer_no FROM members WHERE mobile = '13800138000'")
if [ -n "$no" ]; then ok "registered by phone: $no"; else
	nok "registered by phone"; sed 's/^/#   /' "$tmp/out"; fi
said=$(echo "$no" | sed 's/./num.& /g; s/ $//')
c=$(grep -c "reg.your_no $said\$" "$tmp/out")
if [ "$c" -eq 2 ]; then ok "the number read back digit by digit, and again on 1"
else nok "the number read back digit by digit, twice ($c)"
	sed 's/^/#   /' "$tmp/out"; fi
has "query kefu.member.register  mobile=13800138000 pin=\*\*\* pin2=\*\*\*" \
    "$tmp/out" "the query log hides both PINs"
[ "$(q "SELECT registered_via || ' ' || language FROM members WHERE \
    customer_no = '$no'")" = "phone zh-CN" ]
check $? "registered via phone, in the caller's language"
[ "$(q "SELECT group_concat(service) FROM member_services WHERE \
    member_id = (SELECT id FROM members WHERE customer_no = '$no') AND \
    enabled = 1")" = "sms" ]
check $? "with SMS specials only: no phone ordering, no e-mail"
[ "$(q "SELECT COUNT(*) FROM consent_ledger WHERE via = 'phone' AND \
    action = 'subscribe' AND call_ref LIKE 'call-%'")" = 1 ]
check $? "the consent to SMS in the ledger with the call's reference"

# The same mobile again: already a member.
call 13800138000 "1 1 1111# 1111# *"
has "reg.already" "$tmp/out" "registering the same mobile again is refused"
# PINs typed twice differently: asked again.
call 13900000009 "1 2 13900000009# 1 2468# 2469# 2468# 2468# *"
has "reg.pins_differ" "$tmp/out" "two different PINs: said so"
has "member_no=[0-9]\{8\} can_order=0" "$tmp/out" \
    "then registered with the same one twice"
[ "$(q "SELECT COUNT(*) FROM members WHERE mobile = '13900000009'")" = 1 ]
check $? "a typed mobile, confirmed, is the member's"

# Identify by caller ID and PIN; cancel and subscribe SMS specials.
call 13800138000 "4 739146# 3 *"
has "identify:known_pin identify:check_known identify:done" "$tmp/out" \
    "identified by caller ID and PIN alone"
has "sms.cancelled" "$tmp/out" "SMS specials cancelled"
has "sms.subscribed" "$tmp/out" "then subscribed again, without a second PIN"
e='s/^ *[0-9.]* *query kefu.member.unsubscribe .* call=\([^ ]*\)$/\1/p'
ref=$(sed -n "$e" "$tmp/out")
[ -n "$ref" ] && [ "$(q "SELECT group_concat(action, ',') FROM \
    (SELECT action FROM consent_ledger WHERE call_ref = '$ref' AND \
    via = 'phone' AND service = 'sms' ORDER BY id)")" = \
    "unsubscribe,subscribe" ]
check $? "two ledger rows with that call's reference ($ref)" "$tmp/out"
call 13800138000 "3 739146# *"
has "sms.already_on" "$tmp/out" "subscribing again: already, no ledger row"
[ "$(q "SELECT COUNT(*) FROM consent_ledger WHERE member_id = (SELECT id \
    FROM members WHERE customer_no = '$no')")" = 3 ]
check $? "three ledger rows in all"

# Change the PIN by phone, then identify with the new one only.
call 13800138000 "2 739146# 3 864213# 864213# *"
has "member.changed" "$tmp/out" "PIN changed by phone"
has "new_pin=\*\*\* new_pin2=\*\*\*" "$tmp/out" \
    "the new PINs hidden in the query log"
call 13800138000 "2 739146# *"
has "member.wrong_pin" "$tmp/out" "the old PIN is wrong now"
call 13800138000 "2 864213# 1 13800138001# 1 *"
has "member.changed" "$tmp/out" "the new PIN identifies; the mobile changed"
[ "$(q "SELECT mobile FROM members WHERE customer_no = '$no'")" = \
    13800138001 ]
check $? "the store has the new mobile"

# Another caller types the number; five wrong PINs lock the member.
call 13700000000 "2 $no# 1111# $no# 1112# $no# 1113# $no# 1114# $no# 1115# *"
c=$(grep -c "^ *member.wrong_no_pin" "$tmp/out")
[ "$c" -eq 4 ]
check $? "four wrong PINs: wrong number or PIN, asked again ($c)" "$tmp/out"
has "member.locked" "$tmp/out" "the fifth: locked, and said so"
has "identify:locked identify:fail" "$tmp/out" "and not identified"
call 13700000000 "2 $no# 864213# *"
has "member.locked" "$tmp/out" "the sixth, even right, is refused: locked"
hasnt "member.changed" "$tmp/out" "nothing changed"
[ "$(q "SELECT pin_failures FROM members WHERE customer_no = '$no'")" = 5 ]
check $? "five wrong PINs counted in the store"
run 0 "unlocked" "the desk unlocks" -- member unlock "$no"
call 13700000000 "2 $no# 864213# *"
has "identify:check_typed identify:done" "$tmp/out" \
    "then the typed number and the right PIN identify"

# A wrong check digit never reaches the store.
bad=$(echo "$no" | sed 's/.$//')$(( ($(echo "$no" | cut -c8) + 1) % 10 ))
call 13700000000 "2 $bad# *"
has "member.bad_no" "$tmp/out" "a wrong check digit: said so"
hasnt "kefu.member.identify" "$tmp/out" "and no PIN asked nor checked"

# Address and e-mail cannot be changed by phone (no key for them).
hasnt "address\|email" "$tmp/all" "nothing about address or e-mail ran"
for pin in 739146 864213; do
	if grep -v -e "^ *[0-9.]* *key " -e "^call: " "$all" |
	    grep -q "$pin"; then
		nok "PIN $pin in the log or query lines"; else
		ok "PIN $pin in no log or query line"; fi
done
tap_done
