/*
 * fuzz.h: what every fuzz target in t/fuzz shares -- the libFuzzer entry
 * point.  Each target is built twice: with clang -fsanitize=fuzzer
 * (build.sh), and with replay.c as a `make check` program that runs the
 * seed corpus through the same function.
 */
#ifndef KEFU_FUZZ_H
#define KEFU_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
