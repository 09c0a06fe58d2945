#!/bin/sh
# sms-xcheck-gammu.sh: kefu's SMS PDUs (t/sms-corpus) decoded by libgammu
# (Debian python3-gammu, gammu-smsd's own decoder).  Extra arguments are
# files of PDUs recorded by the GSM simulator.  Skips when python3-gammu
# is missing unless KEFU_REQUIRE_XCHECK=1.
b=${top_builddir:-.}
s=${top_srcdir:-.}
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import gammu' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	if [ "${KEFU_REQUIRE_XCHECK:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - python3-gammu not installed" \
		    "(build-aux/install-deps installs it)"
		exit 1
	fi
	echo "1..0 # SKIP python3-gammu missing" \
	    "(build-aux/install-deps installs it)"
	exit 0
fi
out=$("$b/t/sms-corpus" "$@") ||
    { echo "1..1"; echo "not ok 1 - t/sms-corpus failed"; exit 1; }
printf '%s\n' "$out" | "$py" "$s/t/sms-xcheck-gammu.py"
