#!/bin/sh
# order-kill.sh: kefud killed (SIGKILL) at a random moment of ordering
# calls, KEFU_ORDER_KILLS times (default 12, as CI runs it; the issue's
# 200 by hand, about 20 minutes, from build/:
# `KEFU_ORDER_KILLS=200 make check TESTS=t/order-kill.sh`):
# after each kill, an order exists exactly when the caller confirmed it
# -- every call that heard the confirmation start has its order, with
# all three lines and the courier's notice; no order exists for a call
# whose confirming key was never sent; no order is ever half written.
tap_name=order-kill
. "$(dirname "$0")/tap.sh"

kills=${KEFU_ORDER_KILLS:-12}
tap_flows "$KEFU_SRCDIR/t/data/flow/order/identify.xml"
tap_conf "$tmp/flows"
sed -i 's/^connect = Driver=SQLite3;Database=.*kefu\.db$/&;Timeout=5000/' \
    "$conf"
tap_conf_add kefu "log-level = info"
tap_conf_add store "order-slots = 09:00-11:00/00:00/0, 14:00-16:00/00:00/0
order-areas = 天河:天河区"
tap_simline demo
tap_store
sql() {
	echo "$1" | isql -b -d'|' -k "Driver=SQLite3;Database=$tmp/kefu.db" \
	    2>&1 | tr -d ' \r'
}
"$kefu" -c "$conf" member add --name 张三 --mobile 13800138000 \
    --address 广州市天河区体育西路1号 >"$tmp/out" 2>&1
no=$(sed -n 's/^member \([0-9]*\) registered.*/\1/p' "$tmp/out")
"$kefu" -c "$conf" courier add --name 王师傅 --mobile 13700000001 \
    --areas 天河 >>"$tmp/out" 2>&1
check $? "a member ($no) and a courier" "$tmp/out"

keys="5 $no# 10001# 2# 1 10002# 1# 1 10003# 3# 3 1 1"
nkeys=$(printf '%s' "$keys" | tr -d ' ' | wc -c)
heard=0 confirmed=0 bad=0
log=$tmp/kefud.log
k=1
while [ $k -le "$kills" ]; do
	rm -f "$tmp/line-demo.sock" "$tmp/kefud.sock"
	tap_kefud -a "$log" -d
	tap_wait 10 test -S "$tmp/line-demo.sock"
	before=$(sql "SELECT COUNT(*) FROM orders;")
	# (kefu call prints its transcript a line at a time: no stdbuf,
	# whose LD_PRELOAD an ASan build refuses to run under)
	"$kefu" -c "$conf" call --line demo --fast --keys "$keys" \
	    --caller 13800138000 >"$tmp/call" 2>&1 &
	cpid=$!
	r=$(od -An -N2 -tu2 /dev/urandom)
	if [ $((k % 2)) -eq 1 ]; then
		# any moment from the answer to just after the call's end
		ms=$((r % 5500 + 300))
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	else
		# around the confirmation: up to 300 ms after the caller's
		# confirming key was sent
		i=0
		while [ "$(grep -c "  key " "$tmp/call")" -lt "$nkeys" ] &&
		    [ $i -lt 400 ]; do
			# a poll finer than tap_wait's 0.1 s: the moment matters
			sleep 0.02; i=$((i + 1)); done
		ms=$((r % 300))
		sleep "$(printf '0.%03d' "$ms")"
	fi
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	wait "$cpid" 2>/dev/null
	after=$(sql "SELECT COUNT(*) FROM orders;")
	# the confirmation is the flow's one prompt without barge-in
	h=0
	grep -q "(no barge-in)" "$tmp/call" && h=1
	sent=$(grep -c "^ *[0-9.]*  key " "$tmp/call")
	new=$((after - before))
	if [ $h -eq 1 ] && [ $new -ne 1 ]; then
		bad=1
		echo "# kill $k at $ms ms:" \
		    "the confirmation was heard, $new orders"
	fi
	if [ $new -gt 0 ] && [ "$sent" -lt "$nkeys" ]; then
		bad=1
		echo "# kill $k at $ms ms:" \
		    "$new orders, $sent of $nkeys keys sent"
	fi
	if [ $new -lt 0 ] || [ $new -gt 1 ]; then
		bad=1
		echo "# kill $k at $ms ms: $new orders"
	fi
	heard=$((heard + h))
	confirmed=$((confirmed + new))
	k=$((k + 1))
done
[ $bad -eq 0 ]
w="every confirmation heard has its order,"
w="$w no order without the confirming key"
check $? "$kills kills: $w ($heard heard, $confirmed orders)" "$log"
# Half the kills come just after the confirming key: some of them after
# the confirmation started, or the moment that matters went untested (as
# when the call never ran: 0 heard).
[ "$kills" -lt 2 ] || [ $heard -gt 0 ]
check $? "some kills came after the confirmation started ($heard of $kills)" \
    "$tmp/call"
# every order whole: three lines and its courier's notice
s="SELECT COUNT(*) FROM orders o WHERE (SELECT COUNT(*) FROM order_lines l"
s="$s WHERE l.order_id = o.id) <> 3 OR NOT EXISTS (SELECT 1 FROM outbox m"
s="$s WHERE m.idem_key = 'order:' || o.order_no AND m.order_id = o.id);"
sql "$s" >"$tmp/out"
[ "$(cat "$tmp/out")" = 0 ]
check $? "every order has its three lines and its notice ($confirmed orders)" \
    "$tmp/out"
[ "$(sql "SELECT COUNT(*) FROM orders;")" = "$confirmed" ]
check $? "no order appeared outside the calls counted" "$tmp/out"
[ "$(sql "SELECT COUNT(*) FROM outbox;")" = "$confirmed" ]
check $? "no notice without its order" "$tmp/out"

tap_done
