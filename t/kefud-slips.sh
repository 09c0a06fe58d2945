#!/bin/sh
# kefud-slips.sh: kefud's [slips] auto-print: at a slot's cut-off the
# slot's unprinted slips go to the CUPS queue (the cupsd of
# build-aux/test-services) once; with the queue stopped they stay
# unprinted and are printed, once, when it is started again; kefud stops
# cleanly.  Skips without KEFU_TEST_CUPS unless KEFU_TEST_REQUIRE_SERVERS=1.
tap_name=kefud-slips
. "$(dirname "$0")/tap.sh"
# Dates and cut-offs are taken once, at the start: a run that crossed
# midnight failed (the case, notice, visit or order of "today" was
# tomorrow's by the time it was checked).  Start at 13:00 local time.
tap_hour 13:00

tap_cups kd

tap_conf
db=$tmp/kefu.db
tap_conf_add slips "printer = $q
auto-print = yes
cut-offs = 09-11@00:00 14-16@23:59
retry-every = 1s"
today=$(date +%Y-%m-%d)
run 0 "initialised" "a new store" -- db init
run 0 "" "the demo catalog" -- catalog build --demo
"$kefu" -c "$conf" member add --name 张三丰 --mobile 13800138000 \
    --staff S01 >"$tmp/out" 2>&1 &&
    sed "s/2026-12-06/$today/g" "$KEFU_SRCDIR/t/data/slip/orders.sql" |
    sqlite3 "$db" >>"$tmp/out" 2>&1
check $? "orders of today's slots 09-11 (cut off) and 14-16 (not yet)" \
    "$tmp/out"
sq() { sqlite3 -cmd ".timeout 10000" "$db" "$1"; }  # kefud writes too
# wait_for PATTERN FILE: up to 15 s
wait_for() { tap_wait 15 grep -q -e "$1" "$2"; }
# the jobs printed whole into the queue's folder (the backend writes
# job-N.pdf.part, then renames it: a job seen as .part raced pdftotext)
njobs() { ls "$out" | grep -c '\.pdf$'; }
# a job in the queue's folder: up to 10 s
job() { [ "$(njobs)" -ge 1 ]; }
# N lines matching PATTERN in FILE (at least)
lines() { [ "$(grep -c -e "$2" "$3")" -ge "$1" ]; }
# a second job in the queue's folder
job2() { [ "$(njobs)" -ge 2 ]; }

# The queue is stopped when kefud starts: nothing comes out.
cupsdisable "$q"
log=$tmp/kefud.log
tap_kefud "$log" -d
wait_for "slips: auto-print to printer '$q' at the cut-off of 2 slot(s)" "$log"
check $? "kefud starts the auto-print timer" "$log"
w="not printed, trying again in 1 s: printer '$q' is stopped"
wait_for "slot $today 09-11 $w" "$log"
check $? "a stopped printer is logged, in words the desk can act on" "$log"
# the next try (retry-every = 1s) refused as well: nothing printed by it
tap_wait 10 lines 2 "slot $today 09-11 not printed, trying again" "$log"
check $? "the stopped printer is tried again" "$log"
[ "$(ls "$out" | grep -c pdf)" = 0 ] &&
    [ "$(sq 'SELECT count(*) FROM delivery_slips WHERE printed = 1')" = 0 ]
check $? "no slip printed or counted while the queue is stopped"
cupsenable "$q"
wait_for "slips: slot $today 09-11: 3 slip(s) printed" "$log"
check $? "started again, the cut-off slot's three slips are printed" "$log"
# The test: no second job in 2 s, twice retry-every; the timer's retries
# of a printed slot leave no trace of their own to wait for.
tap_wait 10 job
! tap_wait 2 job2 && [ "$(njobs)" = 1 ]
check $? "as one job, not again on the retries after"
pdftotext "$out"/*.pdf "$tmp/j.txt"
has "张三丰" "$tmp/j.txt" "the job holds the slips"
hasnt "补打" "$tmp/j.txt" "none of them a reprint"
hasnt "鸡蛋" "$tmp/j.txt" "the slot not yet cut off left out"
[ "$(sq "SELECT count(*) FROM delivery_slips
    WHERE printed = 1 AND print_count = 1")" = 3 ]
check $? "three slips counted printed once each"
[ "$(sq "SELECT count(*) FROM orders o
    JOIN delivery_slips d ON d.order_id = o.id
    WHERE d.printed = 1 AND o.status = 'printed'")" = 3 ]
check $? "auto-print moved their orders to printed"

tap_stop "kefud stops on SIGTERM with the timer running" "$log"

# Without [slips] cut-offs the timer follows the order slots: each slot
# of [store] order-slots at its cut-off, named as orders book it.
sed -e '/^cut-offs/d' -e 's/^datasource = local$/&\
order-slots = 00:00-23:59\/00:00\/0, 23:58-23:59\/23:58\/0/' \
    "$conf" >"$tmp/k2.conf"
conf=$tmp/k2.conf
run 0 "" "a courier" -- courier add --name 李四 --mobile 13900139000 \
    --areas '*'
sq "UPDATE orders SET slot = '00:00-23:59', courier_id = 1 WHERE slot = '14-16'"
rm -f "$out"/*
log=$tmp/kefud2.log
tap_kefud "$log" -d
w="at the cut-off of 2 slot(s) of \[store\] order-slots"
wait_for "slips: auto-print to printer '$q' $w" "$log"
check $? "without cut-offs, the two order slots are followed" "$log"
wait_for "slips: slot $today 00:00-23:59: 1 slip(s) printed" "$log"
check $? "the order slot past its cut-off is printed" "$log"
tap_wait 10 job
pdftotext "$out"/*.pdf "$tmp/j2.txt"
has "鸡蛋" "$tmp/j2.txt" "its order's slip in the job"
has "李四" "$tmp/j2.txt" "with the order's courier"
hasnt "slot $today 23:58-23:59" "$log" "the slot not yet cut off left alone"
tap_stop "kefud stops" "$log"
tap_done
