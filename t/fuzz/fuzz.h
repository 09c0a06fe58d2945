/*
 * fuzz.h: what every fuzz target in t/fuzz shares -- the libFuzzer entry
 * point, and for the targets that talk over Unix sockets (ctl, sim) a
 * scratch folder and a connection.  Each target is built twice: with
 * clang -fsanitize=fuzzer (build.sh), and with replay.c as a `make
 * check` program that runs the seed corpus through the same function.
 */
#ifndef KEFU_FUZZ_H
#define KEFU_FUZZ_H

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Make /tmp/kefu-fuzz-NAME.XXXXXX into dir (size len); aborts on failure. */
static inline void
fuzz_tmpdir(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/kefu-fuzz-%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL)
		abort();
}

/* A stream connection to the Unix socket at path; aborts on failure. */
static inline int
fuzz_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		abort();
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		abort();
	return fd;
}

#endif
