#!/bin/sh
# erp-member.sh: members kept in the retailer's ERP (kefu-store(7)): the
# example ERP's member table on SQLite (sql/examples/erp/sqlite.sql), the
# mapping erp.member (mappings/examples/erp/erp.xml) and the example flow
# flows/examples/erp/points.xml through scripted calls: found by caller
# ID or by card number, the Chinese name and the points balance spoken,
# a cancelled card and an unknown number not found.
tap_name=erp-member
. "$(dirname "$0")/tap.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
sqlite3 "$tmp/erp.db" <"$KEFU_SRCDIR/sql/examples/erp/sqlite.sql"
check $? "the example ERP's members on SQLite"
conf=$tmp/kefu.conf
cat >"$conf" <<EOC
[kefu]
mappings = $KEFU_SRCDIR/mappings/examples/erp
adapters = $KEFU_SRCDIR/adapters
flows = $KEFU_SRCDIR/flows/examples/erp
prompts = $KEFU_SRCDIR/prompts
languages = zh-CN,yue
log = -
[datasource erp]
connect = Driver=SQLite3;Database=$tmp/erp.db
adapter = sqlite
read-only = yes
EOC
run 0 "1 flows OK (points)" "the example flow checks clean against erp.member" \
    -- flow check
run 0 "card_no=8800012345 member_name=张晓燕 points=1280" \
    "caller ID = the card's mobile: found" -- call --flow points \
    --caller 13912345678
has "text points.balance num.1 num.1000 num.2 num.100 num.8 num.10$" \
    "$tmp/out" "the name, then 积分余额 一千二百八十"
has "play  \[zh-CN\] 张晓燕您好" "$tmp/out" "the name as text, in Chinese"
run 0 "card_no=8800012345" "the card's home phone finds it too" -- \
    call --flow points --caller 031186001111
run 0 "member_name=欧阳堃 points=35" "an unknown caller types the card number" \
    -- call --flow points --caller 13000000000 --keys "8800012346#"
has "points:by_caller points:ask points:by_card points:tell" "$tmp/out" \
    "path: caller ID not found, card asked"
run 0 "points.not_found" "a cancelled card is not found" -- \
    call --flow points --keys "8800012347#"
run 0 "points.not_found" "nor an unknown one" -- \
    call --flow points --keys "1234567#"
run 0 "yue.*你嘅積分餘額係" "in Cantonese too" -- \
    call --flow points --lang yue --caller 13812340000
tap_done
