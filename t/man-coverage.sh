#!/bin/sh
# man-coverage.sh: every command, option, key and service kefu has is in
# its man page.  The lists come from the programs and sources themselves:
# `kefu help` and `kefu NOUN --help` (commands, subcommands, options) in
# kefu(1) or the kefu-NOUN(1) page it points to; `kefu conf keys` (every
# section and key) in kefu.conf(5) or a page its section points to;
# kefud's getopt string in kefud(8); each built-in service of src/svc/
# in kefu-flow(5) BUILT-IN SERVICES; each element and attribute of the
# flow, mapping, adapter and prompt catalog schemas (*.rng) in
# kefu-flow(5), kefu-mapping(5), kefu-adapter(5) and kefu-prompts(7);
# each migration of sql/local/ in all three dialects; every page
# installed and every kefu page it names there.  Then the same checks
# on a copy of the pages with one entry of each kind taken out must name
# what is missing (the test can fail).
tap_name=man-coverage
. "$(dirname "$0")/tap.sh"

man=$KEFU_SRCDIR/man

# mdoc_words PAGE MACROS: the words each of MACROS (e.g. "Ic Cm") starts,
# one run per line: ".It Nm Ic map check Op Fl o" gives "map check";
# ",", "|" and "=" are skipped, another macro ends the run.  Set in the
# environment: SECTION, only the lines after ".Sh SECTION" up to the
# next .Sh; IT, only .It lines (and the lines of an .It Xo ... .Xc);
# SUB, each word alone on a line after the .Ss it is under ("[visits]
# monday").  A line ending in a backslash goes on on the next.
mdoc_words() {
	SECTION=${SECTION:-} SUB=${SUB:-} IT=${IT:-} awk -v macros="$2" '
	BEGIN { n = split(macros, m, " ")
		for (i = 1; i <= n; i++) want[m[i]] = 1
		sect = ENVIRON["SECTION"]; insect = sect == "" }
	/^\.Sh / { if (sect != "") insect = substr($0, 5) == sect }
	/^\.Ss / { sub_ = $2; gsub(/[][]/, "", sub_) }
	/\\$/ { held = held substr($0, 1, length($0) - 1) " "; next }
	{ $0 = held $0; held = "" }
	/^\.It Xo/ { xo = 1 }
	/^\.Xc/ { xo = 0 }
	!insect || !/^\./ { next }
	ENVIRON["IT"] != "" && !/^\.It / && !xo { next }
	{
		line = substr($0, 2); nt = split(line, t, /[ \t]+/)
		run = ""; on = 0
		for (i = 1; i <= nt; i++) {
			w = t[i]
			if (w in want) { flush(); on = 1; continue }
			if (w ~ /^[A-Z][a-z][a-z]?$/) {
				flush(); on = 0; continue
			}
			if (!on || w == "," || w == "|" || w == "=") continue
			sub(/[,.;:)]+$/, "", w)
			if (w == "") continue
			if (ENVIRON["SUB"] != "") print "[" sub_ "] " w
			else run = run (run == "" ? "" : " ") w
		}
		flush()
	}
	function flush() {
		if (run != "")
			print run
		run = ""
	}' "$1"
}

# pairs: each word of each run and each two words that follow each
# other ("map check"), one a line: what a page has, to look up at once.
pairs() {
	awk '{ for (i = 1; i <= NF; i++) { print $i
		if (i < NF) print $i " " $(i + 1) } }'
}

# missing NEED HAVE...: the lines of NEED no HAVE file has.
missing() {
	need=$1
	shift
	cat "$@" >"$tmp/missing-have"
	grep -vxF -f "$tmp/missing-have" "$need" || true
}

# The lists, once.
"$kefu" help >"$tmp/help" 2>"$tmp/err"
awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' \
    "$tmp/help" >"$tmp/nouns"
"$kefu" conf keys >"$tmp/keys" 2>>"$tmp/err"
awk '/^\[/ { s = $1; gsub(/[][]/, "", s); print "section", s; next }
    /^[a-z0-9]/ { print s, $1 }' "$tmp/keys" >"$tmp/conf"
getopt=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' \
    "$KEFU_SRCDIR/src/kefud.c" | tr -d ':')
sed -n 's/^[ \t]*\.name = "\(kefu\.[a-z_.]*\)".*/\1/p' \
    "$KEFU_SRCDIR"/src/svc/*.c | sort -u >"$tmp/services"
for noun in $(cat "$tmp/nouns"); do
	case $noun in help|version) continue ;; esac
	"$kefu" "$noun" --help >"$tmp/usage-$noun" 2>>"$tmp/err"
done

# Each check prints what is missing, one per line, for a man folder $1.
# Commands: every "NOUN VERB" and "NOUN --option" of the usages must be
# in kefu(1) (".It Nm Ic NOUN VERB", "Fl -option") or in the kefu-NOUN(1)
# page kefu(1) points to (".It Cm VERB" or its SYNOPSIS, "Fl -option").
gaps_commands() {
	IT=1 mdoc_words "$1/kefu.1" "Ic Cm" | pairs >"$tmp/have"
	mdoc_words "$1/kefu.1" "Fl" | tr ' ' '\n' | sed 's/^/-/' >"$tmp/fl"
	sed 's/^-//' "$tmp/fl" >"$tmp/fl-kefu"
	# kefu(1)'s options are every command's
	awk 'NR == FNR { fl[++n] = $0; next }
	    { for (i = 1; i <= n; i++) print $0, fl[i] }' \
	    "$tmp/fl" "$tmp/nouns" >>"$tmp/have"
	: >"$tmp/pages"
	for page in "$1"/kefu-*.1; do
		noun=${page##*/kefu-}
		noun=${noun%.1}
		grep -q "^\.Xr kefu-$noun 1" "$1/kefu.1" || continue
		echo "$noun" >>"$tmp/pages"
		{ IT=1 mdoc_words "$page" "Ic Cm"
		  SECTION=SYNOPSIS mdoc_words "$page" "Cm"
		  mdoc_words "$page" "Fl" | tr ' ' '\n' | sed 's/^/-/'
		} | tr ' ' '\n' | sed "s/^/$noun /" >>"$tmp/have"
	done
	# kefu's own options (kefu help's usage line) in kefu(1)
	sed -n 's/^usage: kefu \(.*\) command.*/\1/p' "$tmp/help" |
	    grep -o -e '-[a-zA-Z]' | sed 's/^-//' >"$tmp/need"
	missing "$tmp/need" "$tmp/fl-kefu" | sed 's/.*/kefu -& in kefu(1)/'
	missing "$tmp/nouns" "$tmp/have" | sed 's/.*/kefu & in kefu(1)/'
	# usage: kefu NOUN VERB|VERB ... (a lower-case word: a verb), and
	# each --option or -x of the usage
	awk 'BEGIN { opt = "--[a-z][a-z0-9-]*|(^|[[ |])-[a-zA-Z]([] |]|$)" }
	    { noun = FILENAME; sub(/.*usage-/, "", noun) }
	    { line = $0
	      if (match(line, "^(usage:)? *kefu " noun " [a-z][a-z|-]*")) {
		w = substr(line, 1, RLENGTH); sub(/.* /, "", w)
		nv = split(w, v, "|")
		for (i = 1; i <= nv; i++) print noun, v[i]
	      }
	      while (match(line, opt)) {
		o = substr(line, RSTART, RLENGTH)
		line = substr(line, RSTART + RLENGTH - 1)
		gsub(/^[[ |]|[] |]$/, "", o)
		print noun, o
	      } }' $(sed "s|^|$tmp/usage-|" "$tmp/nouns" | grep -v \
	    -e 'usage-help$' -e 'usage-version$') | sort -u >"$tmp/need"
	missing "$tmp/need" "$tmp/have" | awk -v pages="$tmp/pages" '
	    BEGIN { while ((getline p < pages) > 0) page[p] = 1 }
	    { print "kefu " $0 " in kefu(1)" \
		($1 in page ? " or kefu-" $1 "(1)" : "") }'
}

gaps_conf() {
	SUB=1 IT=1 mdoc_words "$1/kefu.conf.5" "Ic" >"$tmp/have-conf"
	grep '^\.Ss \[' "$1/kefu.conf.5" | awk '{ s = $2; gsub(/[][]/, "", s)
	    print s }' >"$tmp/sections"
	sed -n 's/^section //p' "$tmp/conf" >"$tmp/need"
	missing "$tmp/need" "$tmp/sections" |
	    sed 's/.*/kefu.conf [&] in kefu.conf(5)/'
	grep -v '^section ' "$tmp/conf" | sed 's/^\([^ ]*\) /[\1] /' \
	    >"$tmp/need"
	missing "$tmp/need" "$tmp/have-conf" >"$tmp/conf-gaps"
	# or in a page the section points to (an .Xr in its .Ss)
	while read -r sect key; do
		sect=$(echo "$sect" | tr -d '[]')
		found=
		for ref in $(awk -v s="$sect" '
		    /^\.Ss / { x = $2; gsub(/[][]/, "", x); on = x == s }
		    /^\.Sh / { on = 0 }
		    on && /Xr kefu/ { for (i = 1; i < NF; i++)
			if ($i == "Xr") print $(i + 1) "." $(i + 2) }' \
		    "$1/kefu.conf.5" | sort -u); do
			[ -f "$1/$ref" ] || continue
			IT=1 mdoc_words "$1/$ref" "Ic" | pairs |
			    grep -qxF -e "$key" && { found=1; break; }
		done
		[ -n "$found" ] || echo "kefu.conf [$sect] $key in kefu.conf(5)"
	done <"$tmp/conf-gaps"
}

gaps_kefud() {
	grep '^\.It Fl' "$1/kefud.8" | awk '{ print $3 }' >"$tmp/kefud-opts"
	for o in $(echo "$getopt" | sed 's/./& /g'); do
		grep -qx -e "$o" "$tmp/kefud-opts" ||
		    echo "kefud -$o in kefud(8)"
	done
}

gaps_services() {
	SECTION="BUILT-IN SERVICES" IT=1 mdoc_words "$1/kefu-flow.5" "Cm" |
	    tr ' ' '\n' >"$tmp/have-svc"
	missing "$tmp/services" "$tmp/have-svc" |
	    sed 's/.*/& in kefu-flow(5) BUILT-IN SERVICES/'
}

# gaps_format MAN SCHEMA PAGE: each element of the RELAX NG SCHEMA is a
# subsection of PAGE or named in it as .Aq; each attribute as .Cm or as
# NAME="..." after the .Aq of its element.
gaps_format() {
	{ mdoc_words "$1/$3" "Aq Cm" | tr ' ' '\n' | sed 's/=.*//'
	  awk '/^\.Ss / { print $2 }' "$1/$3"; } >"$tmp/have-fmt"
	for kind in element attribute; do
		sed -n "s/.*<$kind name=\"\([a-z-]*\)\".*/\1/p" \
		    "$KEFU_SRCDIR/$2" | sort -u >"$tmp/need"
		missing "$tmp/need" "$tmp/have-fmt" |
		    sed "s/.*/$kind & of ${2##*/} in ${3%.*}(${3##*.})/"
	done
}
gaps_flow() { gaps_format "$1" flows/flow.rng kefu-flow.5; }
gaps_mapping() { gaps_format "$1" mappings/mapping.rng kefu-mapping.5; }
gaps_adapter() { gaps_format "$1" adapters/adapter.rng kefu-adapter.5; }
gaps_prompts() { gaps_format "$1" prompts/prompts.rng kefu-prompts.7; }

gaps_pages() {
	find "$KEFU_SRCDIR/Makefile.am" "$KEFU_SRCDIR/man" "$KEFU_SRCDIR/src" \
	    \( -name local.mk -o -name Makefile.am \) -exec cat {} + |
	    grep -o 'man/[a-z.-]*\.[1-8]' | sed 's|^man/||' | sort -u \
	    >"$tmp/have-pages"
	for p in "$1"/*.[1-8]; do echo "${p##*/}"; done >"$tmp/need"
	missing "$tmp/need" "$tmp/have-pages" |
	    sed 's/.*/& installed (man_MANS)/'
	awk '/^\.Xr kefu/ { f = FILENAME; sub(/.*\//, "", f)
	    print $2 "." $3, f }' "$1"/*.[1-8] | sort -u |
	while read -r ref name; do
		[ -f "$1/$ref" ] || echo "$ref (named in $name)"
	done
	for prog in $(sed -n 's/^s\{0,1\}bin_PROGRAMS = //p' \
	    "$KEFU_SRCDIR/Makefile.am"); do
		ls "$1/$prog".[18] >/dev/null 2>&1 ||
		    echo "a page for the program $prog"
	done
}

# check_gaps WHAT FUNCTION: FUNCTION finds no gaps in the pages.
# count WHAT N MIN: at least MIN items found to check (a list the
# sources stopped giving would prove nothing).
check_gaps() {
	"$2" "$man" >"$tmp/gaps"
	if [ -s "$tmp/gaps" ]; then
		nok "$1: undocumented"
		sed 's/^/#   missing: /' "$tmp/gaps"
	else
		ok "$1"
	fi
}
count() {
	if [ "$2" -ge "$3" ]; then ok "$1: $2 found"; else
		nok "$1: only $2 found (want at least $3)"
	fi
}

[ ! -s "$tmp/err" ]
check $? "kefu help, kefu conf keys and kefu NOUN --help said nothing on \
standard error" "$tmp/err"
count "kefu commands" "$(wc -l <"$tmp/nouns")" 20
count "kefu.conf keys" "$(grep -vc '^section' "$tmp/conf")" 100
count "kefu.conf sections" "$(grep -c '^section' "$tmp/conf")" 10
count "kefud options" "${#getopt}" 4
count "built-in services" "$(wc -l <"$tmp/services")" 20
count "flow schema elements" \
    "$(grep -c '<element name=' "$KEFU_SRCDIR/flows/flow.rng")" 15
check_gaps "every kefu command, subcommand and option in kefu(1)" \
    gaps_commands
check_gaps "every kefu.conf section and key in kefu.conf(5)" gaps_conf
check_gaps "every kefud option in kefud(8)" gaps_kefud
check_gaps "every built-in service in kefu-flow(5)" gaps_services
check_gaps "every element and attribute of a flow in kefu-flow(5)" \
    gaps_flow
check_gaps "every element and attribute of a mapping in kefu-mapping(5)" \
    gaps_mapping
check_gaps "every element and attribute of an adapter in kefu-adapter(5)" \
    gaps_adapter
check_gaps "every element and attribute of a catalog in kefu-prompts(7)" \
    gaps_prompts
check_gaps "every page installed, every page named exists" gaps_pages

# Every migration in all three dialects.
: >"$tmp/gaps"
for f in $(for p in "$KEFU_SRCDIR"/sql/local/*/*.sql; do
    echo "${p##*/}"; done | sort -u); do
	for d in sqlite postgresql mysql; do
		[ -f "$KEFU_SRCDIR/sql/local/$d/$f" ] ||
		    echo "sql/local/$d/$f" >>"$tmp/gaps"
	done
done
if [ -s "$tmp/gaps" ]; then
	nok "every migration in sqlite, postgresql and mysql"
	sed 's/^/#   missing: /' "$tmp/gaps"
else
	ok "every migration in sqlite, postgresql and mysql"
fi

# The checks can fail: take one entry of each kind out of a copy.
cp -R "$man" "$tmp/man"
sed -i -e '/^\.It Ic pin-lockout /d' "$tmp/man/kefu.conf.5"
sed -i -e 's/^\.Ss \[visits\]/.Ss Visits/' "$tmp/man/kefu.conf.5"
sed -i -e '/^\.It Fl n$/d' "$tmp/man/kefud.8"
sed -i -e '/^\.It Cm kefu\.order\.slots$/d' -e '/^\.Cm stop-keys$/d' \
    "$tmp/man/kefu-flow.5"
sed -i -e 's/^\.It Nm Ic db upgrade .*/.It Nm/' \
    -e 's/Fl -no-log/Ar no-log/' "$tmp/man/kefu.1"
sed -i -e '/^\.It Cm pin-check/d' \
    -e 's/^\.Cm pin-reset | pin-check/.Cm pin-reset/' "$tmp/man/kefu-member.1"
gaps_conf "$tmp/man" >"$tmp/gaps"
has '^kefu.conf \[store\] pin-lockout ' "$tmp/gaps" \
    "a key taken out of kefu.conf(5) is missed"
has '^kefu.conf \[visits\] in' "$tmp/gaps" \
    "a section taken out of kefu.conf(5) is missed"
gaps_kefud "$tmp/man" >"$tmp/gaps"
has '^kefud -n ' "$tmp/gaps" "an option taken out of kefud(8) is missed"
gaps_services "$tmp/man" >"$tmp/gaps"
has '^kefu.order.slots ' "$tmp/gaps" \
    "a service taken out of kefu-flow(5) is missed"
gaps_flow "$tmp/man" >"$tmp/gaps"
has '^attribute stop-keys of flow.rng ' "$tmp/gaps" \
    "a flow attribute taken out of kefu-flow(5) is missed"
hasnt '^attribute silence ' "$tmp/gaps" "one still there is not"
gaps_commands "$tmp/man" >"$tmp/gaps"
has '^kefu db upgrade ' "$tmp/gaps" \
    "a subcommand taken out of kefu(1) is missed"
has '^kefu member pin-check ' "$tmp/gaps" \
    "a subcommand taken out of kefu-member(1) is missed"
has '^kefu call --no-log ' "$tmp/gaps" \
    "an option taken out of kefu(1) is missed"
hasnt '^kefu db init ' "$tmp/gaps" "a subcommand still there is not"
printf '.Xr kefu-nowhere 7\n' >"$tmp/man/kefu-stray.7"
gaps_pages "$tmp/man" >"$tmp/gaps"
has '^kefu-stray.7 installed' "$tmp/gaps" "a page not installed is missed"
has '^kefu-nowhere.7 (named in kefu-stray.7)' "$tmp/gaps" \
    "a page named but not there is missed"

tap_done
