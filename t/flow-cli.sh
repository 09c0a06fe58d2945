#!/bin/sh
# flow-cli.sh: `kefu flow check` and `kefu flow graph` from the command
# line: the shipped flows check clean against the shipped mappings and
# prompt catalogs; broken flows are reported as file:line with exit 1;
# the DOT drawing; usage errors exit 2.
tap_name=flow-cli
. "$(dirname "$0")/tap.sh"

conf=$tmp/kefu.conf
cat >"$conf" <<EOC
[kefu]
mappings = $KEFU_SRCDIR/mappings/catalog
adapters = $KEFU_SRCDIR/adapters
flows = $KEFU_SRCDIR/flows
prompts = $KEFU_SRCDIR/prompts
languages = zh-CN,yue
log = -
[datasource catalog]
connect = Driver=SQLite3;Database=$tmp/catalog.db
EOC

f="aftersales, complaint, identify, main, member, notices, order, price"
f="10 flows OK ($f, promotions, staff), prompts and mappings checked"
run 0 "$f" "shipped flows check clean" -- flow check
run 0 "structure only" "check -n skips the lookups" -- flow check -n

d=$KEFU_SRCDIR/t/data/flow
run 1 "malformed.xml:4:" "malformed XML: file:line, exit 1" \
    -- flow check -d "$d/bad"
has "target.xml:4: goto \"nowhere\": no node" "missing target: file:line"
has "dupid.xml:4: duplicate id" "duplicate id: file:line"
has "schema.xml:4:" "schema violation: file:line"

run 1 "unknown_map.xml:4: query: no mapping \"catalog.nope\"" \
    "unknown mapping: file:line" -- flow check -d "$d/check"
has "missing_prompt.xml:5: prompt \"a.zh_only\" is missing" \
    "missing prompt: file:line"
has "unreachable.xml:5: play orphan is unreachable" \
    "unreachable node: file:line"
has "unset_var.xml:6: say reads variable \"greeting\"" \
    "read before set: file:line"
has "no_timeout.xml:4: menu does not handle timeouts" \
    "menu without timeout handling"
has "play_lang.xml:7: play lang: language \"en\" is not configured" \
    "play lang=: an unknown language"
e="is missing in the yue catalog (the play is spoken in yue)"
has "play_lang.xml:6: prompt \"a.zh_only\" $e" \
    "play lang=: a prompt missing in that language"
e="follows the hang-up node \"gone\" (line 6), where the line is gone"
has "hangup_speaks.xml:7: play bye $e" \
    "hangup=: a node after it that would speak"
e="which is not set on every path to it"
has "hangup_unset.xml:18: if reads variable \"late\", $e" \
    "hangup=: a second start for the variables"
has "problems in 12 flows" "problem count"
run 1 "unreachable.xml:5" "structure only still finds unreachable nodes" \
    -- flow check -n -d "$d/check"
hasnt "no mapping" "structure only does not look up mappings"

run 0 "digraph" "graph writes DOT" -- flow graph
has "subgraph \"cluster_price\"" "every flow drawn"
has "\"main:top\" -> \"main:price\" \\[label=\"1\"\\]" "menu keys on edges"
has "\"mapping:catalog.price\" \\[shape=cylinder" "mappings drawn"
run 0 "cluster_main" "graph of one flow" -- flow graph main
hasnt "cluster_price" "only that flow"
run 1 "no flow \"nope\"" "graph of an unknown flow" -- flow graph nope
"$kefu" -c "$conf" flow graph -o "$tmp/g.dot" main >"$tmp/out" 2>&1
if [ -s "$tmp/g.dot" ] && grep -q digraph "$tmp/g.dot"; then
	ok "graph -o writes the file"
else
	nok "graph -o writes the file"; sed 's/^/#   /' "$tmp/out"
fi
if command -v dot >/dev/null 2>&1; then
	if [ -s "$tmp/g.svg" ]; then ok "SVG through dot"
	else nok "SVG through dot"; fi
else
	n=$((n + 1)); echo "ok $n - SVG through dot # SKIP dot not installed"
fi

# kefu's own services are asked like mappings (kefu.*): checked by name
# and parameters, and run by a call.
b=$KEFU_SRCDIR/t/data/flow/builtin
run 0 "flows OK (main)" "a flow asking kefu.member.number checks clean" \
    -- flow check -d "$b"
run 1 "main.xml:10: mapping kefu.member.number has no param \"number\"" \
    "a built-in service's parameters are checked" -- flow check -d "$b-bad"
sed "s|^flows = .*|flows = $b|" "$conf" >"$tmp/builtin.conf"
"$kefu" -c "$tmp/builtin.conf" call --keys "10000008#" >"$tmp/out" 2>&1
has "query kefu.member.number  no=10000008" "the call asks the service"
has "   member_no=10000008" "a valid customer number is found"
has "goodbye num.1 num.0 num.0 num.0 num.0 num.0 num.0 num.8" \
    "... and the flow says the variable it set"
"$kefu" -c "$tmp/builtin.conf" call --keys "10000009# 10000008#" \
    >"$tmp/out" 2>&1
has "invalid in" "a wrong check digit is invalid"
run 1 "main.xml:11: mapping kefu.member.set has no param \"address\"" \
    "kefu.member.set takes no address: never changed by phone" \
    -- flow check -d "$KEFU_SRCDIR/t/data/flow/member-bad"

run 2 "usage: kefu flow" "no subcommand: usage, exit 2" -- flow
run 2 "unknown subcommand" "unknown subcommand: exit 2" -- flow dance
run 2 "usage" "extra argument: exit 2" -- flow check extra

tap_done
