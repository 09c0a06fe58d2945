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
#include <stdint.h>
#include <time.h>

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
		printf("#          got: %lld\n#     expected: %lld\n",	\
		    g_, w_);						\
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

static uint64_t tap_clock_ms(void) __attribute__((unused));
static uint64_t
tap_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Wait for an event instead of sleeping a guessed time: evaluate cond
 * until it holds or ms milliseconds have passed, resting 1 ms after the
 * first try, then twice as long each time up to 64 ms (quick to see a
 * quick event, few rounds of a costly cond).  The value is 1 when cond
 * held, 0 at the deadline, so that a check reads
 * ok(tap_wait(x == 3, 2000), "...").  cond may have side effects (a
 * query, a read): it is evaluated once per round.
 */
#define tap_wait(cond, ms) __extension__ ({				\
	uint64_t e_ = tap_clock_ms() + (uint64_t)(ms);			\
	struct timespec n_ = { 0, 1000 * 1000 };			\
	int h_;								\
									\
	while (!(h_ = !!(cond)) && tap_clock_ms() < e_) {		\
		nanosleep(&n_, NULL);					\
		if (n_.tv_nsec < 64 * 1000 * 1000)			\
			n_.tv_nsec *= 2;				\
	}								\
	h_;								\
})

/*
 * The slack a check allows past one of kefu's own deadlines, for a slow
 * or loaded machine: ms times KEFU_TEST_SLOW (a whole number from 1, 1
 * unless set; e.g. KEFU_TEST_SLOW=4 on a machine shared by many).  For
 * the margin over a deadline only: never for the deadline itself, nor
 * for a bound that tells "at once" from "waited for something" (make
 * that bound the wait it must not have had).
 */
static unsigned tap_slow(unsigned ms) __attribute__((unused));
static unsigned
tap_slow(unsigned ms)
{
	const char *env = getenv("KEFU_TEST_SLOW");
	long k = env != NULL ? strtol(env, NULL, 10) : 1;

	return ms * (unsigned)(k >= 1 && k <= 100 ? k : 1);
}

/*
 * The local time starts at hh:mm, or up to 14 minutes before, whatever
 * the hour the test runs at (TZ with a whole quarter-hour offset from
 * UTC-11:45 to UTC+14:00, as build-aux/test-tz and tap_hour in t/tap.sh
 * make): for a test that takes "today" once and checks it later.  Call
 * it first, before any thread or child: they inherit it.
 */
static void tap_hour(int hh, int mm) __attribute__((unused));
static void
tap_hour(int hh, int mm)
{
	char tz[16];
	long off;

	off = ((hh * 60L + mm - time(NULL) / 60 % 1440) % 1440 + 1440) % 1440;
	off -= off % 15;
	if (off > 14 * 60)      /* real zones: UTC-11:45 to UTC+14:00 */
		snprintf(tz, sizeof tz, "KFT+%02ld:%02ld", (1440 - off) / 60,
		    (1440 - off) % 60);
	else
		snprintf(tz, sizeof tz, "KFT-%02ld:%02ld", off / 60, off % 60);
	setenv("TZ", tz, 1);
	tzset();
	tap_diag("local time set to %02d:%02d or a little before (TZ=%s)",
	    hh, mm, tz);
}

static int tap_done(void) __attribute__((unused));
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
