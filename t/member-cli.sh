#!/bin/sh
# member-cli.sh: `kefu member` on a SQLite store in a temporary folder:
# the check digit of the numbers issued, the registration rules (paper:
# every service; phone: neither phone ordering nor e-mail), the refusal of
# address and e-mail changes by phone, the upgrade to paper, PIN lockout
# and unlock, PINs never on the command line, in the output or in the
# log, and import/export in UTF-8 and GBK with bad rows named by line.
tap_name=member-cli
. "$(dirname "$0")/tap.sh"

conf=$tmp/kefu.conf
cat >"$conf" <<EOF
[kefu]
sql = $KEFU_SRCDIR/sql
adapters = $KEFU_SRCDIR/adapters
log = -
[store]
datasource = local
pin-attempts = 3
pin-iterations = 2000
[datasource local]
connect = Driver=SQLite3;Database=$tmp/var/kefu.db
adapter = sqlite
EOF

# All that kefu printed in this test, to search for PINs at the end.
all=$tmp/all
: >"$all"
# kv ARGS...: run kefu -v -v (the log at debug level), keeping the output.
kv() {
	"$kefu" -v -v -c "$conf" "$@" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out" >>"$all"
	return $rc
}
# number: the customer number of the last "member N registered" line.
number() {
	sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out"
}
# luhn DIGITS: 0 when the last digit is the Luhn check digit of the rest.
luhn() {
	echo "$1" | awk '{ s = 0; n = length($0);
	    for (i = n; i >= 1; i--) { d = substr($0, i, 1) + 0;
	        if ((n - i) % 2 == 1) { d *= 2; if (d > 9) d -= 9 } s += d }
	    exit s % 10 != 0 }'
}

run 0 "initialised" "a new store" -- db init
run 0 "usage: kefu member add" "member --help" -- member --help
run 2 "unknown subcommand 'frob'" "member frob is a usage error" -- member frob
run 2 "wrong number of arguments" "show needs a number" -- member show
run 2 "--pin does not apply" "--pin only on add" -- member set 12345674 --pin
run 2 "--call 12: a call id, with --by-phone" "--call needs --by-phone" -- \
    member set 12345674 --call 12 --name x

# Registration on paper: every service the member can receive.
kv member add --name 张三 --mobile 13800138000 --email zs@example.cn \
    --address 北京路1号 --staff S01
check $? "register on paper" "$tmp/out"
has "services: sms,email,phone_order; PIN not set" "$tmp/out" \
    "on paper: every service"
paper=$(number)
luhn "$paper"
check $? "the number issued ($paper) carries its Luhn check digit"
bad=$(echo "$paper" | awk '{ d = substr($0, 8, 1); d = (d + 1) % 10;
    print substr($0, 1, 7) d }')
run 1 "$bad is not a customer number" "a mistyped check digit is caught" \
    -- member show "$bad"

# Registration by phone: SMS only; e-mail and address refused.
echo 739146 | kv member add --by-phone --call 9 --mobile 13900000001 --pin
check $? "register by phone" "$tmp/out"
has "registered by phone; services: sms; PIN set" "$tmp/out" \
    "by phone: SMS only, with the PIN"
phone=$(number)
run 1 "neither phone ordering nor e-mail" "by phone, phone ordering refused" \
    -- member add --by-phone --mobile 13900000002 --services sms,phone_order
run 1 "e-mail address cannot be given or changed by phone" \
    "by phone, an e-mail is refused at registration" -- \
    member add --by-phone --mobile 13900000003 --email a@example.cn
run 1 "phone_order needs the paper form" \
    "a phone member cannot subscribe phone ordering" -- \
    member services "$phone" phone_order=on --staff S01

# Changes by phone: address and e-mail refused; the rest allowed.
run 1 "home address cannot be given or changed by phone" \
    "address by phone refused" \
    -- member set "$paper" --by-phone --call 10 --address 上海路2号
run 1 "e-mail address cannot be given or changed by phone" \
    "e-mail by phone refused" \
    -- member set "$paper" --by-phone --call 10 --email n@example.cn
run 0 "changed" "mobile and language by phone" -- \
    member set "$paper" --by-phone --call 10 --mobile 13700000002 \
    --language yue
run 0 "changed" "the desk changes the address" -- \
    member set "$paper" --address 上海路2号 --staff S02
run 0 "mobile:          13700000002" "show: the new mobile" -- \
    member show "$paper"
has "address:         上海路2号" "$tmp/out" "show: the new address"
has "language:        yue" "$tmp/out" "show: the new language"
run 0 "services: phone_order" "SMS and e-mail cancelled, by phone" -- \
    member services "$paper" sms=off email=off --by-phone --call 11
run 1 "only SMS specials can" "e-mail cannot be subscribed by phone" -- \
    member services "$paper" email=on --by-phone
run 0 "services: email,phone_order" "the desk subscribes e-mail again" -- \
    member services "$paper" sms=off email=on --staff S02
has "sms: already cancelled" "$tmp/out" "a change that changes nothing says so"

# The paper form signed later: same number, phone ordering added.
run 0 "is registered on paper now" "upgrade to paper" -- \
    member set "$phone" --paper --staff S03
run 0 "registered:      paper" "same number, now on paper" -- \
    member show "$phone"
has "services:        sms,phone_order" "$tmp/out" "with phone ordering"

# PIN lockout after pin-attempts (3) wrong PINs; the desk unlocks.
echo 864209 | kv member pin-check "$phone"
has "PIN wrong; 2 tries left" "$tmp/out" "a wrong PIN: two tries left"
echo 864209 | kv member pin-check "$phone"
echo 864209 | kv member pin-check "$phone"
has "PIN wrong; locked now" "$tmp/out" "the third wrong PIN locks"
has "locked until .* after 3 wrong PINs" "$tmp/out" "the log says until when"
echo 739146 | kv member pin-check "$phone"
check $((1 - $?)) "locked: the right PIN fails too" "$tmp/out"
has "locked: PIN not tried" "$tmp/out" "and is not even tried"
run 0 "locked:          until" "show: locked until" -- member show "$phone"
run 0 "1 member" "list --locked" -- member list --locked
has "$phone" "$tmp/out" "lists the locked member"
run 0 "unlocked" "the desk unlocks" -- member unlock "$phone"
echo 739146 | kv member pin-check "$phone"
check $? "the right PIN works after unlock" "$tmp/out"
echo 52 | kv member pin-reset "$phone"
check $((1 - $?)) "a 2-digit PIN is refused" "$tmp/out"
has "a PIN is 4 to 8 digits" "$tmp/out" "saying what a PIN is"
echo 60718293 | kv member pin-reset "$phone"
check $? "pin-reset sets a new PIN" "$tmp/out"
echo 60718293 | kv member pin-check "$phone"
check $? "the new PIN works" "$tmp/out"
run 0 "locked" "desk lock" -- member lock "$phone"
echo 60718293 | kv member pin-check "$phone"
check $((1 - $?)) "a desk lock stops the right PIN" "$tmp/out"
run 0 "unlocked" "desk unlock" -- member unlock "$phone"

# No PIN anywhere: not in any output, the log at debug level included.
for pin in 739146 864209 60718293; do
	if grep -q "$pin" "$all"; then nok "PIN $pin is not in the output"
	else ok "PIN $pin is not in the output or the log"; fi
done
has "info: member $phone: wrong PIN (1 of 3)" "$all" \
    "the log (captured above) is there to search"

# Export in GBK, import into a new store, export again: the same rows.
run 0 "exported 2 members (GBK)" "export in GBK" -- \
    member export --encoding GBK -o "$tmp/members.csv"
iconv -f GBK -t UTF-8 "$tmp/members.csv" >"$tmp/members.utf8" 2>/dev/null
check $? "the export is GBK text"
has "北京路\|上海路2号" "$tmp/members.utf8" "with the Chinese address"
if grep -q "上海路" "$tmp/members.csv"; then nok "the file is not UTF-8"
else ok "the file is not UTF-8"; fi
hasnt "pbkdf2\|739146\|60718293" "$tmp/members.csv" "no PIN or hash exported"
sed -i "s|$tmp/var/kefu.db|$tmp/var/copy.db|" "$conf"
run 0 "initialised" "a second store" -- db init
run 0 "imported 2 members" "import the GBK file" -- \
    member import --encoding GBK "$tmp/members.csv"
run 0 "exported 2 members" "export the copy" -- \
    member export --encoding GBK -o "$tmp/copy.csv"
cmp -s "$tmp/members.csv" "$tmp/copy.csv"
check $? "the GBK round trip gives the same file"
run 0 "registered:      paper" "the upgraded member keeps number and via" \
    -- member show "$phone"

# Import checks every row first and loads nothing when one is bad.
printf 'customer_no,name,mobile,email,registered_via,services\n' >"$tmp/bad.csv"
printf ',李四,13600000001,,paper,\n' >>"$tmp/bad.csv"
printf '%s,王五,13600000002,,paper,\n' "$bad" >>"$tmp/bad.csv"
printf ',"赵, 六",13600000003,x@example.cn,phone,\n' >>"$tmp/bad.csv"
printf ',钱七,136-0000,,paper,\n' >>"$tmp/bad.csv"
printf '%s,孙八,13600000005,,paper,\n' "$paper" >>"$tmp/bad.csv"
run 1 "4 bad rows; nothing loaded" "import refuses a file with bad rows" -- \
    member import "$tmp/bad.csv"
has "bad.csv:3: $bad is not a customer number" "$tmp/out" \
    "line 3: the bad check digit"
has "bad.csv:4: the e-mail address cannot be given or changed by phone" \
    "$tmp/out" "line 4: e-mail on a phone registration"
has "bad.csv:5: mobile '136-0000'" "$tmp/out" "line 5: a bad mobile"
has "bad.csv:6: customer number $paper is already in the store" "$tmp/out" \
    "line 6: a number already taken"
hasnt "bad.csv:2:" "$tmp/out" "line 2 is fine"
run 0 "^2 members" "nothing was loaded" -- member list
sed -i '3,6d' "$tmp/bad.csv"
run 0 "imported 1 member from" "the good row alone loads" -- \
    member import "$tmp/bad.csv"
printf 'name,mobile,email\n,,nobody@example.cn\n' >"$tmp/none.csv"
run 1 "none.csv:2: a member needs a name, a phone or a mobile number" \
    "a row with no name and no number is refused" -- \
    member import "$tmp/none.csv"
printf 'customer_no,nickname\n' >"$tmp/col.csv"
run 1 "col.csv:1: column 'nickname' is unknown" "an unknown column" -- \
    member import "$tmp/col.csv"
printf 'name\n"unclosed\n' >"$tmp/q.csv"
run 1 "q.csv:2: a quoted field is never closed" "an unclosed quote" -- \
    member import "$tmp/q.csv"
printf 'name,mobile\n\325\305\310\375,13500000000\n' >"$tmp/gbk.csv"
run 1 "gbk.csv:2: not UTF-8 text" "GBK read as UTF-8 is refused by line" -- \
    member import "$tmp/gbk.csv"
printf 'name,mobile\n\345\274\240\344\270\211,13500000001\n' >"$tmp/u8.csv"
run 1 "u8.csv: is UTF-8 text, not GBK" \
    "UTF-8 said to be GBK is refused, not loaded garbled" -- \
    member import --encoding GBK "$tmp/u8.csv"
run 0 "imported 1 member" "and loads with --encoding GBK" -- \
    member import --encoding GBK "$tmp/gbk.csv"
run 0 "13500000000.*张三" "the GBK name arrived as UTF-8" -- \
    member list --number 13500000000
# RFC 4180 quoting, a byte-order mark and CRLF line ends (util/csv.c).
printf '\357\273\277name,mobile\r\n"周, ""九""",13500000002\r\n' \
    >"$tmp/rfc.csv"
run 0 "imported 1 member" "a BOM, CRLF and a quoted field load" -- \
    member import "$tmp/rfc.csv"
run 0 '13500000002.*周, "九"$' \
    "a quoted comma and doubled quotes arrive as written" -- \
    member list --number 13500000002
run 0 "closed" "close a member" -- member close "$phone" --staff S04
run 1 "is closed" "a closed member cannot be changed" -- \
    member set "$phone" --name x

tap_done
