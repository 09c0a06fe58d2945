#!/bin/sh
# member-engines.sh: the main of t/member-flow.sh with the local store on
# KEFU_ENGINE=postgresql or mysql (t/member-engines-pg.sh,
# t/member-engines-mariadb.sh: a schema or database of its own on the
# test servers, tap_engine): registration by phone, identification by
# caller ID and PIN with SMS specials cancelled and subscribed again, and
# the lockout after five wrong PINs (the sixth refused though right).
tap_name=member-engines${KEFU_ENGINE:+-$KEFU_ENGINE}
. "$(dirname "$0")/tap.sh"

tap_conf
tap_conf_add kefu "languages = zh-CN,yue"
tap_conf_add store "pin-iterations = 2000"
tap_engine
e=$engine
"$kefu" -c "$conf" db init >"$tmp/out" 2>&1
has "initialised" "$tmp/out" "$e: a new store"
"$kefu" -c "$conf" call --caller 13600000006 \
    --keys "4 1 1 739146# 739146# *" >"$tmp/out" 2>&1
has "member_no=[0-9]\{8\} can_order=0" "$tmp/out" "$e: registered by phone"
"$kefu" -c "$conf" call --caller 13600000006 \
    --keys "4 4 739146# 3 *" >"$tmp/out" 2>&1
has "sms.cancelled" "$tmp/out" \
    "$e: identified by caller ID and PIN, SMS cancelled"
has "sms.subscribed" "$tmp/out" "$e: and subscribed again"
w=0
for k in 1 2 3 4 5; do
	"$kefu" -c "$conf" call --caller 13600000006 \
	    --keys "4 2 000$k#" >"$tmp/out" 2>&1
	grep -q "member.wrong_pin" "$tmp/out" && w=$((w + 1))
done
[ "$w" -eq 4 ] && grep -q "member.locked" "$tmp/out"
check $? "$e: four wrong PINs, the fifth locks ($w)" "$tmp/out"
"$kefu" -c "$conf" call --caller 13600000006 --keys "4 2 739146#" \
    >"$tmp/out" 2>&1
has "member.locked" "$tmp/out" "$e: the sixth, right, is refused"
tap_done
