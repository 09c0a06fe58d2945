/*
 * replay.c: runs the files named on the command line (or the seed corpus
 * of the target, under $KEFU_SRCDIR/t/fuzz/corpus/NAME) through a fuzz
 * target's LLVMFuzzerTestOneInput, printing TAP -- so `make check` keeps
 * every seed and every crash once found passing, without clang.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "fuzz.h"
#include "../tap.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the corpus folder
#endif

static void
replay(const char *path)
{
	char *data = NULL, *cause = NULL;
	size_t len;

	if (file_read(path, &data, &len, &cause) == -1) {
		ok(0, "%s", cause);
		free(cause);
		return;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	ok(1, "%s", path);
	free(data);
}

int
main(int argc, char **argv)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct dirent *de;
	char *dir, *path;
	DIR *d;
	int i;

	for (i = 1; i < argc; i++)
		replay(argv[i]);
	if (argc > 1)
		return tap_done();
	dir = xasprintf("%s/t/fuzz/corpus/%s", src ? src : ".", FUZZ_NAME);
	if ((d = opendir(dir)) == NULL)
		tap_skip_all("no seed corpus");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		replay(path);
		free(path);
	}
	closedir(d);
	free(dir);
	/* and the empty input */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	ok(1, "empty input");
	return tap_done();
}
