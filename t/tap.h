/*
 * tap.h: a tiny Test Anything Protocol emitter for kefu's C tests.  Each
 * check prints "ok N - name" or "not ok N - name" with the location and
 * the values compared; tap_done() prints the plan and returns the exit
 * status.  Header-only so every test binary stays one file.
 */
#ifndef KEFU_TAP_H
#define KEFU_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static void tap_result(int ok, const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5), unused));
static void
tap_result(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("#   Failed at %s line %d\n", file, line);
	fflush(stdout);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (g_ != w_)							\
		printf("#          got: %lld\n#     expected: %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int m_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	tap_result(m_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (!m_)							\
		printf("#          got: '%s'\n#     expected: '%s'\n",	\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

/* Pass when haystack contains needle. */
#define like(hay, needle, ...) do {					\
	const char *h_ = (hay), *n_ = (needle);				\
	int m_ = h_ != NULL && strstr(h_, n_) != NULL;			\
	tap_result(m_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (!m_)							\
		printf("#   '%s'\n#   does not contain '%s'\n",		\
		    h_ ? h_ : "(null)", n_);				\
} while (0)

static void tap_diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), unused));
static void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Skip the whole file (e.g. a database server is not running). */
#define tap_skip_all(reason) do {					\
	printf("1..0 # SKIP %s\n", reason);				\
	exit(0);							\
} while (0)

/*
 * Stop the whole file as failed: for what the suite must never take as a
 * reason to skip, such as a shipped flow, prompt or mapping that does not
 * load.
 */
#define tap_bail(reason) do {						\
	printf("Bail out! %s\n", reason);				\
	exit(1);							\
} while (0)

static int tap_done(void) __attribute__((unused));
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
