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
#define PACKAGE_NAME "kefu"
#define PACKAGE_VERSION "fuzz"
EOH
pkg-config --exists espeak-ng &&
    echo '#define HAVE_LIBESPEAK_NG 1' >> "$out/config.h"
flags="-g -O1 -fsanitize=fuzzer,address,undefined"
flags="$flags -fno-sanitize-recover=undefined -std=gnu11"
flags="$flags -I$out -I$top/src -I$here"
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
# The protocol, configuration and XML targets reach most of the tree:
# every library source once into libkefu-fuzz.a (the linker keeps what
# a target uses), paths pointing into this source tree.
pkgs="odbc libxml-2.0 libserialport sndfile samplerate libcrypto libcurl"
pkg-config --exists espeak-ng && pkgs="$pkgs espeak-ng"
dirs="-DKEFU_SYSCONFDIR=\"$top/etc\" -DKEFU_DATADIR=\"$top\" \
    -DKEFU_STATEDIR=\"$out/state\" -DKEFU_RUNDIR=\"$out/run\" \
    -DKEFU_FUZZ_TOP=\"$top\""
libflags="$flags $dirs $(pkg-config --cflags $pkgs)"
libflags=$(echo "$libflags" |
    sed 's/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,/')
mkdir -p "$out/obj" "$out/src/audio"
echo "#define KEFU_BUILD_PROMPTS_GEN \"$out/prompts-gen\"" \
    > "$out/src/audio/audio-build.h"
rm -f "$out/libkefu-fuzz.a"
for src in "$top"/src/*/*.c; do
	obj="$out/obj/$(basename "$(dirname "$src")")-$(basename "$src" .c).o"
	$CC $libflags -c -o "$obj" "$src"
done
ar cr "$out/libkefu-fuzz.a" "$out"/obj/*.o
for t in sim ctl conf xml pdu; do
	echo "building $out/fuzz-$t"
	$CC $flags $dirs -o "$out/fuzz-$t" "$here/fuzz-$t.c" \
	    "$out/libkefu-fuzz.a" $(pkg-config --cflags --libs $pkgs) \
	    -lm -lpthread
done
