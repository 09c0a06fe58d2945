#!/bin/sh
# lint-style.sh: build-aux/lint-style (the mechanical style CI checks)
# on a small tree in a temporary folder: a clean tree passes; a wide line,
# trailing white space, a CRLF line end and a space-indented line each
# fail, naming file and line (any wide line, in any file: no ratchet);
# a shell script's trailing white space, CRLF and wide line too (t/ and
# bench/ *.sh, build-aux/ and .ci/ scripts by their #! line), but not
# the scripts Autoconf and Automake copy into build-aux/.
tap_name=lint-style
. "$(dirname "$0")/tap.sh"

lint=$KEFU_SRCDIR/build-aux/lint-style
root=$tmp/tree
mkdir -p "$root/src" "$root/t" "$root/bench" "$root/build-aux"
wide=$(printf '%081d' 0)

# A file in KNF: tabs, a 4-space continuation line, a comment, 80 columns.
good() {
	printf '/* ok.c: fine. */\nint\nf(int a,\n    int b)\n{\n' \
	    >"$root/src/ok.c"
	printf '\treturn a + b; /* %s */\n}\n' "$(printf '%052d' 0)" \
	    >>"$root/src/ok.c"
	rm -f "$root/t/bad.c"
}
# lints WANT-STATUS PATTERN DESCRIPTION: run lint-style over the tree.
lints() {
	sh "$lint" "$root" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$1" ] && grep -q -e "$2" "$tmp/out"; then ok "$3"
	else
		nok "$3"; echo "#   exit $rc (want $1), wanted: $2"
		sed 's/^/#   /' "$tmp/out"
	fi
}

good
lints 0 "widths as HACKING says" "a file in KNF passes"

good; printf 'int x; /* %s */\n' "$wide" >"$root/t/bad.c"
lints 1 "t/bad.c:1: 94 columns, wider than 80" "a line of 94 columns fails"

good; printf '\tint x;\t/* %s */\n' "$(printf '%060d' 0)" >"$root/t/bad.c"
lints 1 "t/bad.c:1: 82 columns" "tabs count to the next multiple of 8"

good; printf '/* %s */\n' "$(printf '%074d' 0)" >"$root/t/bad.c"
lints 0 "widths as HACKING says" "a line of exactly 80 columns passes"

good; printf '/* 价格%s */\n' "$(printf '%072d' 0)" >"$root/t/bad.c"
lints 0 "widths as HACKING says" \
    "a Chinese character is one column, not 3 bytes"

good; printf 'int x;\n/* %s */\nint y; /* %s */\n' "$(printf '%075d' 0)" \
    "$wide" >"$root/bench/bad.c"
lints 1 "bench/bad.c:2: 81 columns" "benchmarks are checked, each line named"
has "bench/bad.c:3: 94 columns" "the second wide line too"
rm -f "$root/bench/bad.c"

good; printf 'int x; \n' >"$root/t/bad.c"
lints 1 "t/bad.c:1: trailing white space" "trailing white space fails"

good; printf 'int x;\r\n' >"$root/t/bad.c"
lints 1 "t/bad.c:1: carriage return" "a CRLF line end fails"

good; printf 'int\nf(void)\n{\n  return 0;\n}\n' >"$root/t/bad.c"
lints 1 "t/bad.c:4: indented with spaces" "a line indented by 2 spaces fails"

good; printf 'int\nf(void)\n{\n        return 0;\n}\n' >"$root/t/bad.c"
lints 1 "t/bad.c:4: indented with spaces" "a line indented by 8 spaces fails"

good; printf 'int\nf(void)\n{\n    \treturn 0;\n}\n' >"$root/t/bad.c"
lints 1 "t/bad.c:4: indented with spaces" "spaces then a tab fail"

good; printf 'int\nf(void)\n{\n\t \treturn 0;\n}\n' >"$root/t/bad.c"
lints 1 "t/bad.c:4: space before tab" "a tab, a space, a tab fail"

good; printf 'int\nf(void)\n{\n\treturn 0;\n}\n' >"$root/t/bad.h"
printf 'int a; \n' >"$root/src/ok.h"
lints 1 "src/ok.h:1: trailing white space" "headers are checked too"
rm -f "$root/t/bad.h" "$root/src/ok.h"

good; printf '#!/bin/sh\ntrue \n' >"$root/t/bad.sh"
lints 1 "t/bad.sh:2: trailing white space" \
    "a shell test's trailing white space fails"
printf '#!/bin/sh\r\n' >"$root/t/bad.sh"
lints 1 "t/bad.sh:1: carriage return" "so does its CRLF line end"
# script SHELL DIGITS: a script of that shell whose line 2, "echo 000...",
# is 5 + DIGITS columns wide
script() { printf '#!%s\necho %s\n' "$1" "$(printf "%0${2}d" 0)"; }
script /bin/sh 76 >"$root/t/bad.sh"
lints 1 "t/bad.sh:2: 81 columns, wider than 80" \
    "a shell test's line of 81 columns fails"
script /bin/sh 75 >"$root/t/bad.sh"
lints 0 "widths as HACKING says" "... one of 80 passes"
printf '#!/bin/sh\n  \techo x\n' >"$root/t/bad.sh"
lints 0 "widths as HACKING says" "... its indentation is not checked"
rm -f "$root/t/bad.sh"
script /bin/sh 76 >"$root/bench/bad.sh"
lints 1 "bench/bad.sh:2: 81 columns" "so is a benchmark's"
rm -f "$root/bench/bad.sh"
script /bin/sh 80 >"$root/build-aux/script"
lints 1 "build-aux/script:2: 85 columns" "a build-aux script by its #! line"
script "/usr/bin/env bash" 80 >"$root/build-aux/script"
lints 1 "build-aux/script:2: 85 columns" "... a bash one too"
script /usr/bin/perl 80 >"$root/build-aux/script"
lints 0 "widths as HACKING says" "... but not a Perl one"
rm -f "$root/build-aux/script"
mkdir -p "$root/.ci"
script /bin/bash 76 >"$root/.ci/run"
lints 1 ".ci/run:2: 81 columns" "CI's script"
rm -f "$root/.ci/run"
script /bin/sh 80 >"$root/build-aux/install-sh"
script /bin/sh 80 >"$root/build-aux/tap-driver.sh"
lints 0 "widths as HACKING says" "Automake's scripts are left as shipped"
rm -f "$root/build-aux/install-sh" "$root/build-aux/tap-driver.sh"

tap_done
