#!/bin/sh
# build.sh: build kefu's libFuzzer targets (clang -fsanitize=fuzzer,address)
# into OUT (default /tmp/kefu-fuzz).  Usage: t/fuzz/build.sh [OUT]
# Needs clang and libclang-rt-14-dev (or any clang with libFuzzer).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-/tmp/kefu-fuzz}
CC=${CC:-clang}
mkdir -p "$out"
# A config.h of our own: the fuzz build does not need ./configure.
cat > "$out/config.h" <<'EOH'
#define _GNU_SOURCE 1
#define PACKAGE "kefu"
#define PACKAGE_VERSION "fuzz"
EOH
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 -I$out -I$top/src -I$here"
lib="$top/src/line/dle.c $top/src/line/at.c $top/src/line/callerid.c \
    $top/src/line/family.c $top/src/port/port.c $top/src/port/port-tty.c \
    $top/src/port/port-tcp.c $top/src/port/port-serial.c \
    $top/src/util/xmem.c $top/src/util/str.c $top/src/util/time.c \
    $top/src/util/log.c"
for t in dle at callerid vsm; do
	echo "building $out/fuzz-$t"
	$CC $flags -o "$out/fuzz-$t" "$here/fuzz-$t.c" $lib \
	    $(pkg-config --cflags --libs libserialport) -lpthread
done
