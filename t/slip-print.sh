#!/bin/sh
# slip-print.sh: `kefu slip print` through a real CUPS queue (the cupsd of
# build-aux/test-services, a queue of this test's own whose backend keeps
# each job as a PDF) read back with pdftotext: the slip number, Chinese
# name, items and total are printed; a second print says 补打 (reprint);
# a stopped queue leaves slips unprinted and a later run prints them
# once; a print started and never confirmed, or in another run's hands,
# comes out as a reprint.
# Skips without KEFU_TEST_CUPS unless KEFU_TEST_REQUIRE_SERVERS=1.
tap_name=slip-print
. "$(dirname "$0")/tap.sh"

tap_cups slip
slip_conf_extra="[slips]
printer = $q"
. "$KEFU_SRCDIR/t/data/slip/setup.sh"

# job N: wait (10 s at most) for job N's file, then its text in $tmp/jN.
job() {
	tap_wait 10 test -f "$out/job-$1.pdf"
	pdftotext "$out/job-$1.pdf" "$tmp/j$1" 2>/dev/null
}
# jobno: the job id of the last "sent to printer" line
jobno() { sed -n 's/.* as job \([0-9]*\)$/\1/p' "$tmp/out"; }
njobs() { ls "$out" | grep -c '\.pdf$'; }

run 0 "1 slip(s), 1 page(s) sent to printer '$q' as job" "print an order" \
    -- slip print O1
j=$(jobno)
job "$j"
check $? "the job came out of the queue"
has "20261206000001" "$tmp/j$j" "the slip number printed"
has "张三丰" "$tmp/j$j" "the Chinese customer name printed"
has "金龙鱼调和油" "$tmp/j$j" "an item printed"
has "农夫山泉" "$tmp/j$j" "the other item printed"
has "特价 (原价 3.00)" "$tmp/j$j" "bought at a special, with the shelf price"
has "合计：60.30 元" "$tmp/j$j" "the total printed"
hasnt "补打" "$tmp/j$j" "a first print is no reprint"
[ "$(sq "SELECT printed, print_count FROM delivery_slips
    WHERE order_id = 1")" = "1|1" ]
check $? "counted printed once"
[ "$(sq "SELECT status FROM orders WHERE id = 1")" = printed ]
check $? "the order moved from confirmed to printed"

run 0 "sent to printer" "print it again" -- slip print O1
j=$(jobno)
job "$j"
has "补打 REPRINT 1" "$tmp/j$j" "the second print says 补打 (reprint)"
[ "$(sq "SELECT print_count FROM delivery_slips WHERE order_id = 1")" = 2 ]
check $? "counted twice"
[ "$(sq "SELECT status FROM orders WHERE id = 1")" = printed ]
check $? "a reprint keeps it printed"

# The printer stops (off, out of paper): the slot's slips stay unprinted.
cupsdisable "$q"
before=$(njobs)
run 1 "printer '$q' is stopped" "a stopped queue refuses the batch" -- \
    slip print --date 2026-12-06 --slot 09-11
# no wait: a job kefu had made would be in the stopped queue (lpstat -o)
# by the time kefu exits -- CUPS accepts a job before it answers
[ "$(njobs)" = "$before" ] && [ -z "$(lpstat -o "$q")" ]
check $? "no job made"
[ "$(sq "SELECT count(*) FROM delivery_slips WHERE printed = 1")" = 1 ]
check $? "nothing more counted printed"
[ "$(sq "SELECT status FROM orders WHERE id IN (2, 5)
    GROUP BY status")" = confirmed ]
check $? "their orders stay confirmed"
cupsenable "$q"
run 0 "2 slip(s), 4 page(s) sent to printer" \
    "once started, the unprinted slips print" -- \
    slip print --date 2026-12-06 --slot 09-11
j=$(jobno)
job "$j"
has "红富士苹果" "$tmp/j$j" "越秀's slip (O2) printed"
has "生菜" "$tmp/j$j" "天河's other slip (O5) printed"
hasnt "金龙鱼" "$tmp/j$j" "the slip printed before not printed again"
hasnt "补打" "$tmp/j$j" "no reprint mark on them"
has "区域汇总：越秀" "$tmp/j$j" "a summary page per area"
[ "$(sq "SELECT order_id, print_count FROM delivery_slips ORDER BY order_id" |
    tr '\n' ' ')" = "1|2 2|1 5|1 " ]
check $? "each counted once"
[ "$(sq "SELECT id, status FROM orders WHERE id IN (2, 3, 5) ORDER BY id" |
    tr '\n' ' ')" = "2|printed 3|cancelled 5|printed " ]
check $? "their orders are printed now (the cancelled one untouched)"
before=$(njobs)
run 0 "no unprinted slips" "a later run prints nothing" -- \
    slip print --date 2026-12-06 --slot 09-11
[ "$(njobs)" = "$before" ]
check $? "no job"

# A print started and never confirmed (kefu killed in between) is in
# doubt: a later run prints it as a reprint.
"$kefu" -c "$conf" slip print --text "$tmp/o4.txt" O4 >/dev/null 2>&1
sq "UPDATE delivery_slips SET printed_at = '2026-01-01 00:00:00'
    WHERE order_id = 4"
run 0 "1 slip(s)" "the slot of a slip in doubt" -- \
    slip print --date 2026-12-06 --slot 14-16
j=$(jobno)
job "$j"
has "补打 REPRINT 1" "$tmp/j$j" "a slip in doubt says 补打"
[ "$(sq "SELECT printed, print_count FROM delivery_slips
    WHERE order_id = 4")" = "1|1" ]
check $? "and is counted"

# Named by number while another run has it in hand: printed all the
# same, as a reprint, since the other run's print may come out too.
"$kefu" -c "$conf" slip print --text "$tmp/o6.txt" O6 >/dev/null 2>&1
sq "UPDATE delivery_slips SET printed_at = datetime('now', 'localtime')
    WHERE order_id = 6"
run 0 "1 slip(s)" "an order another run is printing" -- slip print O6
j=$(jobno)
job "$j"
has "补打 REPRINT 1" "$tmp/j$j" "says 补打"
run 0 "no unprinted slips" "the other run's batch then finds it printed" -- \
    slip print --date 2026-12-06 --slot 16-18

run 1 "no such CUPS queue" "an unknown queue" -- slip print --printer \
    nosuch-$$ O2

tap_done
