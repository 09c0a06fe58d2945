#!/bin/sh
# audio-cli.sh: `kefu prompts` from the outside: help and usage exits, the
# shipped catalogs check and validate against prompts.rng, file:line
# errors, list filters, render writes a WAV in the asked format, build
# fails when the speech program fails.
tap_name=audio-cli
. "$(dirname "$0")/tap.sh"
KEFU=$kefu
T=$tmp
unset KEFU_PROMPTS_GEN

P="$KEFU_SRCDIR/prompts"
exits 0 "prompts --help exits 0" "$KEFU" prompts --help
has "kefu prompts check" "help names the subcommands"
exits 2 "no subcommand is a usage error" "$KEFU" prompts
exits 2 "unknown subcommand is a usage error" "$KEFU" prompts frob
exits 2 "unknown option is a usage error" "$KEFU" prompts list --frob
exits 2 "render without ids is a usage error" \
    "$KEFU" prompts render -p "$P" -l zh-CN -o "$T/x.wav"
exits 0 "shipped catalogs check" "$KEFU" prompts check -p "$P"
has "prompts in 2 languages" "check prints a summary"
exits 0 "list yue" "$KEFU" prompts list -p "$P" -l yue
has "^yue	menu.main	" "yue main menu listed"
has "請按" "in traditional characters"
hasnt "^zh-CN" "--lang yue shows only yue"
if [ -d "$KEFU_BUILDDIR/prompts/generated/zh-CN" ]; then
	exits 0 "list from the source tree" \
	    "$KEFU" prompts list -p "$P" -l zh-CN
	g=$KEFU_BUILDDIR/prompts/generated/zh-CN
	has "	generated	$g/menu.main.wav	" \
	    "generated audio of the build tree is found"
else
	skip "nothing generated in the build tree"
fi
exits 1 "list an unknown language fails" "$KEFU" prompts list -p "$P" -l fr
for id in greet.long greet.short menu.main price.ask_code input.invalid \
    input.timeout price.not_found price.is stock.in stock.out promo.none \
    sys.busy sys.coming_soon sys.goodbye sys.beep menu.lang; do
	exits 0 "zh-CN and yue have $id" sh -c \
	    "\"$KEFU\" prompts list -p \"$P\" |
	     grep -c \"	$id	\" | grep -qx 2"
done

if command -v xmllint >/dev/null 2>&1; then
	for f in "$P"/*/*.xml; do
		name=$(basename "$(dirname "$f")")/$(basename "$f")
		exits 0 "$name matches prompts.rng" \
		    xmllint --noout --relaxng "$P/prompts.rng" "$f"
	done
	printf '<prompts><prompt id="A B">x</prompt></prompts>' >"$T/bad.xml"
	exits 1 "prompts.rng rejects a bad id" sh -c \
	    "xmllint --noout --relaxng \"\$1\" \"\$2\" 2>/dev/null || exit 1" \
	    sh "$P/prompts.rng" "$T/bad.xml"
else
	skip "xmllint not installed"
fi

mkdir -p "$T/p/zh-CN"
cp "$KEFU_SRCDIR/t/data/audio/broken.xml" "$T/p/zh-CN/"
exits 1 "a broken catalog fails the check" "$KEFU" prompts check -p "$T/p"
has "zh-CN/broken.xml:6: " "... with file:line"
rm "$T/p/zh-CN/broken.xml"
cp "$KEFU_SRCDIR/t/data/audio/dup-a.xml" "$KEFU_SRCDIR/t/data/audio/dup-b.xml" \
    "$T/p/zh-CN/"
exits 1 "duplicate ids fail the check" "$KEFU" prompts check -p "$T/p"
has "dup-b.xml:6: duplicate prompt id" "... at the second one"
rm "$T/p/zh-CN/dup-b.xml"
exits 0 "missing audio is only reported" "$KEFU" prompts check -p "$T/p"
has "zh-CN: uniq.a: no audio (uniq.a.wav); plays a beep" "... with its fallback"
exits 1 "--strict makes it an error" "$KEFU" prompts check --strict -p "$T/p"
cat >"$T/p/zh-CN/lang.xml" <<'EOF'
<prompts lang="zh-CN">
<prompt id="offer" lang="yue">廣東話服務</prompt>
</prompts>
EOF
exits 0 "a prompt spoken in another language (lang=) checks" \
    "$KEFU" prompts check -p "$T/p"
has "zh-CN: offer: no audio (offer.wav, spoken in yue); plays a beep" \
    "... its missing audio named with its language"
cat >"$T/p/zh-CN/lang.xml" <<'EOF'
<prompts lang="zh-CN">
<prompt id="offer" lang="tlh">Qapla</prompt>
</prompts>
EOF
exits 1 "lang= naming a language kefu does not know fails the check" \
    "$KEFU" prompts check -p "$T/p"
has "zh-CN/lang.xml:2: lang=\"tlh\": kefu knows no language tlh" \
    "... with file:line"
rm "$T/p/zh-CN/lang.xml"
exits 1 "build fails when the speech program fails" \
    "$KEFU" prompts build -p "$T/p" -o "$T/gen" --espeak /bin/false
has "2 failed" "... counted"

: >"$T/afile"
exits 1 "build into an unusable folder fails" \
    "$KEFU" prompts build -p "$T/p" -o "$T/afile/gen" --espeak /bin/false
has "choose a writable folder with -o" "... saying what to do"
mkdir -p "$T/p2/xx"
printf '<prompts><prompt id="a">a</prompt></prompts>' >"$T/p2/xx/c.xml"
exits 1 "build with a language espeak-ng has no voice for fails" \
    "$KEFU" prompts build -p "$T/p2" -o "$T/gen2" --espeak /bin/false
has "no espeak-ng voice for language xx" "... naming the language"
exits 0 "render a sequence" "$KEFU" prompts render -p "$T/p" -l zh-CN \
    -F alaw/8000 -o "$T/r.wav" uniq.a pause:500 uniq.b
if command -v soxi >/dev/null 2>&1; then
	exits 0 "rendered WAV is A-law at 8000 Hz" sh -c \
	    "soxi \"$T/r.wav\" | grep -q 'A-law' &&
	     soxi -r \"$T/r.wav\" | grep -qx 8000"
	exits 0 "... 300 + 500 + 300 ms long" sh -c \
	    "soxi -s \"$T/r.wav\" | grep -qx 8800"
fi
exits 2 "render a bad format is a usage error" "$KEFU" prompts render \
    -p "$T/p" -l zh-CN -F gsm -o "$T/r.wav" uniq.a

tap_done
