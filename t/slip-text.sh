#!/bin/sh
# slip-text.sh: `kefu slip print` to files: receipt text in GB18030 at
# 32, 42 and 48 columns (every line within its width counting CJK as 2,
# Latin words not split, the bytes round-trip through iconv, ESC/POS
# framing on request), and a slot's PDF batch read back with pdftotext:
# a summary page per area before its slips, the Chinese name, items and
# totals there, cancelled orders and other slots left out.
tap_name=slip-text
. "$(dirname "$0")/tap.sh"
. "$KEFU_SRCDIR/t/data/slip/setup.sh"

# width FILE COLS: every line of the UTF-8 FILE fits COLS display columns
# (East Asian Wide/Fullwidth count 2: Python's unicodedata, not kefu's
# table) and one line at least is longer than COLS - 8 (it wrapped).
width() {
	python3 - "$1" "$2" <<'EOP'
import sys, unicodedata
cols = int(sys.argv[2])
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1
                  for c in s)
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
bad = [l for l in lines if w(l) > cols]
for l in bad:
    print('#   %d columns: %s' % (w(l), l))
sys.exit(1 if bad or max(w(l) for l in lines) <= cols - 8 else 0)
EOP
}

for c in 32 42 48; do
	run 0 "" "text at $c columns" -- slip print --text "$tmp/s$c.txt" \
	    --columns $c O1 O2
	iconv -f GB18030 -t UTF-8 "$tmp/s$c.txt" >"$tmp/u$c.txt"
	check $? "$c columns: GB18030 decodes"
	iconv -f UTF-8 -t GB18030 "$tmp/u$c.txt" | cmp -s - "$tmp/s$c.txt"
	check $? "$c columns: GB18030 bytes round-trip through iconv"
	width "$tmp/u$c.txt" $c
	check $? "$c columns: every line fits (CJK counts 2)" "$tmp/u$c.txt"
done
# the text is GB18030, not UTF-8
! iconv -f UTF-8 -t UTF-8 "$tmp/s32.txt" >/dev/null 2>&1
check $? "the receipt text is not UTF-8"
grep -q "$(printf '张三丰' | iconv -f UTF-8 -t GB18030)" "$tmp/s32.txt"
check $? "the customer's name in GB18030 bytes" "$tmp/u32.txt"
u=$tmp/u32.txt
has "单号：20261206000001" "$u" "the slip number"
has "送货员：李四" "$u" "the courier's name"
has "合计（元）： *60.30$" "$u" "the total, two decimals, right flush"
has "4瓶 x 2.60 = 10.40$" "$u" "quantity, unit, price and amount"
grep -A1 "4瓶 x 2.60 = 10.40$" "$u" | tail -1 | grep -q " 特价 (原价 3.00)$"
check $? "a line bought at a special says so with the shelf price" "$u"
[ "$(grep -c "特价" "$u")" = 1 ]
check $? "only that line says 特价" "$u"
has "天河路385号" "$u" "the address"
for w in Golden Dragon Blended Cooking Oil; do
	grep -q "\\b$w\\b" "$u"
	check $? "'$w' of a long name not split by wrapping" "$u"
done
hasnt "补打" "$u" "no reprint mark on a slip never printed"

run 0 "" "ESC/POS framing" -- slip print --text "$tmp/e.bin" --escpos O2
[ "$(head -c 2 "$tmp/e.bin" | od -An -tx1 | tr -d ' ')" = 1b40 ]
check $? "ESC @ first"
[ "$(tail -c 4 "$tmp/e.bin" | od -An -tx1 | tr -d ' ')" = 1d564200 ]
check $? "GS V 66 0 (feed and cut) last"

run 2 "32, 42 or 48" "40 columns refused" -- slip print --text - \
    --columns 40 O1
run 2 "give order numbers" "no orders, no slot" -- slip print --text -
run 2 "not YYYY-MM-DD" "a bad date" -- slip print --text - \
    --date 6.12.2026 --slot 09-11
run 1 "no printer" "no printer and no file" -- slip print O1
run 1 "there is no order O9" "an unknown order" -- slip print --text - O9
run 1 "cancelled order O3" "a cancelled order" -- slip print --text - O3

# The slot as a PDF batch: 天河 (O1, O5) then 越秀 (O2).
run 0 "" "a slot's batch as PDF" -- slip print --pdf "$tmp/b.pdf" \
    --date 2026-12-06 --slot 09-11
pdftotext "$tmp/b.pdf" "$tmp/b.txt"
check $? "pdftotext reads it"
[ "$(pdfinfo "$tmp/b.pdf" | sed -n 's/^Pages: *//p')" = 5 ]
check $? "five pages: two summaries, three slips"
pdffonts "$tmp/b.pdf" >"$tmp/fonts"
has "WenQuanYi.*yes *yes *yes" "$tmp/fonts" "the CJK font embedded"
has "张三丰" "$tmp/b.txt" "the Chinese customer name"
has "20261206000001" "$tmp/b.txt" "the slip number"
has "金龙鱼调和油" "$tmp/b.txt" "an item"
has "合计：60.30 元" "$tmp/b.txt" "the total"
has "6920000000017 *特价 (原价 3.00)" "$tmp/b.txt" \
    "the PDF slip says which line was bought at a special, and its shelf price"
has "订单 2 张，顾客 1 位" "$tmp/b.txt" "天河's summary counts orders and customers"
hasnt "香蕉" "$tmp/b.txt" "the cancelled order left out"
hasnt "鸡蛋" "$tmp/b.txt" "another slot's order left out"
# order of pages: each area's summary, then its slips
tr -d '\f' <"$tmp/b.txt" | grep -e '^区域汇总：' -e '^订单号：' >"$tmp/seq"
printf '%s\n' '区域汇总：天河' '订单号：O1' '订单号：O5' '区域汇总：越秀' \
    '订单号：O2' | cmp -s - "$tmp/seq"
check $? "summary of 天河, its slips, summary of 越秀, its slip" "$tmp/seq"
run 0 "" "one area" -- slip print --pdf "$tmp/a.pdf" --date 2026-12-06 \
    --slot 09-11 --area 越秀
pdftotext "$tmp/a.pdf" "$tmp/a.txt"
has "红富士苹果" "$tmp/a.txt" "越秀's order there"
hasnt "金龙鱼" "$tmp/a.txt" "天河's orders not"
[ "$(sq 'SELECT count(*) FROM delivery_slips WHERE printed = 1')" = 0 ]
check $? "files are not prints: nothing counted printed"

# A slip of 40 lines runs onto further pages, each headed "（续）", its
# rows in the same type as on the first page.
{
	echo "INSERT INTO orders (order_no, member_id, ordered_at, slot_date,
	    slot, area, address, total, status) VALUES ('O7', 1,
	    '2026-12-06 11:00:00', '2026-12-06', '18-20', '天河',
	    '广州市天河区体育东路7号', 40.00, 'confirmed');"
	i=1
	while [ $i -le 40 ]; do
		echo "INSERT INTO order_lines (order_id, line_no, code, name,
		    spec, unit, qty, price, amount) VALUES (7, $i, 'C$i',
		    '豆腐$i', NULL, '块', 1, 1.00, 1.00);"
		i=$((i + 1))
	done
} | sqlite3 "$db"
run 0 "" "a long slip" -- slip print --pdf "$tmp/long.pdf" O7
[ "$(pdfinfo "$tmp/long.pdf" | sed -n 's/^Pages: *//p')" -ge 2 ]
check $? "runs onto a second page"
pdftotext "$tmp/long.pdf" - | grep -q "单号 .*（续）"
check $? "headed as continued"
pdftotext -bbox "$tmp/long.pdf" "$tmp/long.html"
python3 - "$tmp/long.html" <<'EOP' >"$tmp/sizes"
import re, sys
t = open(sys.argv[1], encoding='utf-8').read()
hs = set()
rx = r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">豆腐\d+<'
for page, body in enumerate(t.split('<page')[1:]):
    for m in re.finditer(rx, body):
        hs.add((page > 0, round(float(m.group(2)) - float(m.group(1)), 1)))
print(sorted(hs))
sys.exit(0 if len({h for _, h in hs}) == 1 and len(hs) == 2 else 1)
EOP
check $? "the rows of the second page in the first page's type" "$tmp/sizes"

# [slips] mistakes are refused with the file and line
cp "$conf" "$tmp/bad.conf"
printf '[slips]\nprinter = x\ncut-offs = 09-11@08:30 14-16@25:00\n' \
    >>"$tmp/bad.conf"
"$kefu" -c "$tmp/bad.conf" conf check >"$tmp/out" 2>&1
has "bad.conf:[0-9]*: \[slips\] cut-offs: '14-16@25:00' is not SLOT@HH:MM" \
    "$tmp/out" "a bad cut-off named with file and line"
cp "$conf" "$tmp/bad.conf"
printf '[slips]\ncolumns = 40\n' >>"$tmp/bad.conf"
"$kefu" -c "$tmp/bad.conf" conf check >"$tmp/out" 2>&1
has "bad.conf:[0-9]*: \[slips\] columns = 40" "$tmp/out" \
    "40 columns refused in kefu.conf"
cp "$conf" "$tmp/bad.conf"
printf '[slips]\nauto-print = yes\n' >>"$tmp/bad.conf"
"$kefu" -c "$tmp/bad.conf" conf check >"$tmp/out" 2>&1
has "auto-print needs a printer" "$tmp/out" "auto-print without a printer"

tap_done
