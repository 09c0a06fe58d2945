#!/bin/sh
# audio_cli.sh: `kefu prompts` from the outside: help and usage exits, the
# shipped catalogs check and validate against prompts.rng, file:line
# errors, list filters, render writes a WAV in the asked format, build
# fails when the speech program fails.
: "${KEFU_SRCDIR:=.}" "${KEFU_BUILDDIR:=.}"
KEFU="$KEFU_BUILDDIR/kefu"
T=$(mktemp -d /tmp/kefu-audio-cli.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
unset KEFU_PROMPTS_GEN
n=0
fails=0
check() {
	# check NAME EXPECTED-STATUS COMMAND... (output in $T/out)
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>&1
	got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $got, want $want)"
		sed 's/^/#   /' "$T/out" | head -20
		fails=$((fails + 1))
	fi
}
has() {
	# has NAME PATTERN: the last output contains PATTERN
	n=$((n + 1))
	if grep -q -- "$2" "$T/out"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (no '$2')"
		sed 's/^/#   /' "$T/out" | head -20
		fails=$((fails + 1))
	fi
}

P="$KEFU_SRCDIR/prompts"
check "prompts --help exits 0" 0 "$KEFU" prompts --help
has "help names the subcommands" "kefu prompts check"
check "no subcommand is a usage error" 2 "$KEFU" prompts
check "unknown subcommand is a usage error" 2 "$KEFU" prompts frob
check "unknown option is a usage error" 2 "$KEFU" prompts list --frob
check "render without ids is a usage error" 2 "$KEFU" prompts render -p "$P" -l zh-CN -o "$T/x.wav"
check "shipped catalogs check" 0 "$KEFU" prompts check -p "$P"
has "check prints a summary" "prompts in 2 languages"
check "list yue" 0 "$KEFU" prompts list -p "$P" -l yue
has "yue main menu listed" "^yue	menu.main	"
has "in traditional characters" "請按"
n=$((n + 1))
if grep -q "^zh-CN" "$T/out"; then
	echo "not ok $n - --lang yue shows only yue"; fails=$((fails + 1))
else
	echo "ok $n - --lang yue shows only yue"
fi
if [ -d "$KEFU_BUILDDIR/prompts/generated/zh-CN" ]; then
	check "list from the source tree" 0 "$KEFU" prompts list -p "$P" -l zh-CN
	has "generated audio of the build tree is found" \
	    "	generated	$KEFU_BUILDDIR/prompts/generated/zh-CN/menu.main.wav	"
else
	n=$((n + 1)); echo "ok $n # SKIP nothing generated in the build tree"
fi
check "list an unknown language fails" 1 "$KEFU" prompts list -p "$P" -l fr
for id in greet.long greet.short menu.main price.ask_code input.invalid \
    input.timeout price.not_found price.is stock.in stock.out promo.none \
    sys.busy sys.coming_soon sys.goodbye sys.beep menu.lang; do
	check "zh-CN and yue have $id" 0 sh -c \
	    "\"$KEFU\" prompts list -p \"$P\" | grep -c \"	$id	\" | grep -qx 2"
done

if command -v xmllint >/dev/null 2>&1; then
	for f in "$P"/*/*.xml; do
		check "$(basename "$(dirname "$f")")/$(basename "$f") matches prompts.rng" 0 \
		    xmllint --noout --relaxng "$P/prompts.rng" "$f"
	done
	check "prompts.rng rejects a bad id" 1 sh -c \
	    "printf '<prompts><prompt id=\"A B\">x</prompt></prompts>' >\"$T/bad.xml\" &&
	     xmllint --noout --relaxng \"$P/prompts.rng\" \"$T/bad.xml\" 2>/dev/null ||
	     exit 1"
else
	n=$((n + 1)); echo "ok $n # SKIP xmllint not installed"
fi

mkdir -p "$T/p/zh-CN"
cp "$KEFU_SRCDIR/t/data/audio/broken.xml" "$T/p/zh-CN/"
check "a broken catalog fails the check" 1 "$KEFU" prompts check -p "$T/p"
has "... with file:line" "zh-CN/broken.xml:6: "
rm "$T/p/zh-CN/broken.xml"
cp "$KEFU_SRCDIR/t/data/audio/dup-a.xml" "$KEFU_SRCDIR/t/data/audio/dup-b.xml" "$T/p/zh-CN/"
check "duplicate ids fail the check" 1 "$KEFU" prompts check -p "$T/p"
has "... at the second one" "dup-b.xml:6: duplicate prompt id"
rm "$T/p/zh-CN/dup-b.xml"
check "missing audio is only reported" 0 "$KEFU" prompts check -p "$T/p"
has "... with its fallback" "zh-CN: uniq.a: no audio (uniq.a.wav); plays a beep"
check "--strict makes it an error" 1 "$KEFU" prompts check --strict -p "$T/p"
printf '<prompts lang="zh-CN">\n<prompt id="offer" lang="yue">廣東話服務</prompt>\n</prompts>\n' \
    >"$T/p/zh-CN/lang.xml"
check "a prompt spoken in another language (lang=) checks" 0 \
    "$KEFU" prompts check -p "$T/p"
has "... its missing audio named with its language" \
    "zh-CN: offer: no audio (offer.wav, spoken in yue); plays a beep"
printf '<prompts lang="zh-CN">\n<prompt id="offer" lang="tlh">Qapla</prompt>\n</prompts>\n' \
    >"$T/p/zh-CN/lang.xml"
check "lang= naming a language kefu does not know fails the check" 1 \
    "$KEFU" prompts check -p "$T/p"
has "... with file:line" "zh-CN/lang.xml:2: lang=\"tlh\": kefu knows no language tlh"
rm "$T/p/zh-CN/lang.xml"
check "build fails when the speech program fails" 1 \
    "$KEFU" prompts build -p "$T/p" -o "$T/gen" --espeak /bin/false
has "... counted" "2 failed"

: >"$T/afile"
check "build into an unusable folder fails" 1 \
    "$KEFU" prompts build -p "$T/p" -o "$T/afile/gen" --espeak /bin/false
has "... saying what to do" "choose a writable folder with -o"
check "build with a language espeak-ng has no voice for fails" 1 sh -c \
    "mkdir -p \"$T/p2/xx\" && printf '<prompts><prompt id=\"a\">a</prompt></prompts>' >\"$T/p2/xx/c.xml\" &&
     \"$KEFU\" prompts build -p \"$T/p2\" -o \"$T/gen2\" --espeak /bin/false"
has "... naming the language" "no espeak-ng voice for language xx"
check "render a sequence" 0 "$KEFU" prompts render -p "$T/p" -l zh-CN \
    -F alaw/8000 -o "$T/r.wav" uniq.a pause:500 uniq.b
if command -v soxi >/dev/null 2>&1; then
	check "rendered WAV is A-law at 8000 Hz" 0 sh -c \
	    "soxi \"$T/r.wav\" | grep -q 'A-law' && soxi -r \"$T/r.wav\" | grep -qx 8000"
	check "... 300 + 500 + 300 ms long" 0 sh -c \
	    "soxi -s \"$T/r.wav\" | grep -qx 8800"
fi
check "render a bad format is a usage error" 2 "$KEFU" prompts render \
    -p "$T/p" -l zh-CN -F gsm -o "$T/r.wav" uniq.a

echo "1..$n"
[ "$fails" = 0 ]
