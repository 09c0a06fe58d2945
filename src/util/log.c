/*
 * log.c: the process log (stderr, a file, or syslog), one line per event,
 * serialised by one mutex so that lines from several line threads never
 * interleave.  Modelled on OpenSMTPD's log.c: log_warn adds strerror(errno),
 * the x forms do not.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_level = KLOG_INFO;
static FILE *log_fp;            /* NULL: stderr */
static int log_syslog;
static struct strbuf *log_sink; /* tests: capture instead of writing */
static const char *log_ident = "kefu";

static const char *const log_level_names[] = {
	[KLOG_ERROR] = "error",
	[KLOG_WARN] = "warning",
	[KLOG_INFO] = "info",
	[KLOG_DEBUG] = "debug",
};

int
log_open(const char *ident, const char *target, enum log_level level,
    char **cause)
{
	FILE *fp;

	log_ident = ident;
	log_level = level;
	if (target == NULL || strcmp(target, "-") == 0 ||
	    strcmp(target, "stderr") == 0)
		return 0;
	if (strcmp(target, "syslog") == 0) {
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog = 1;
		return 0;
	}
	if ((fp = fopen(target, "ae")) == NULL)
		return kf_error(cause, "cannot open log file %s: %s", target,
		    strerror(errno));
	setvbuf(fp, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = fp;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	pthread_mutex_unlock(&log_lock);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	size_t i;

	for (i = 0; i < nitems(log_level_names); i++) {
		if (str_ieq(name, log_level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (str_ieq(name, "warn")) {
		*out = KLOG_WARN;
		return 0;
	}
	return -1;
}

void
log_capture(struct strbuf *sink)
{
	pthread_mutex_lock(&log_lock);
	log_sink = sink;
	pthread_mutex_unlock(&log_lock);
}

static void
log_vwrite(enum log_level level, const char *err, const char *fmt,
    va_list ap)
{
	static const int prio[] = {
		[KLOG_ERROR] = LOG_ERR, [KLOG_WARN] = LOG_WARNING,
		[KLOG_INFO] = LOG_INFO, [KLOG_DEBUG] = LOG_DEBUG,
	};
	char stamp[32];
	struct tm tm;
	time_t t;
	char *msg;

	if (level > log_level)
		return;
	msg = xvasprintf(fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_sink != NULL) {
		sb_addf(log_sink, "%s: %s%s%s\n", log_level_names[level], msg,
		    err ? ": " : "", err ? err : "");
	} else if (log_syslog) {
		syslog(prio[level], "%s%s%s", msg, err ? ": " : "",
		    err ? err : "");
	} else {
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(log_fp ? log_fp : stderr, "%s %s[%ld] %s: %s%s%s\n",
		    stamp, log_ident, (long)getpid(), log_level_names[level],
		    msg, err ? ": " : "", err ? err : "");
	}
	pthread_mutex_unlock(&log_lock);
	free(msg);
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
	int saved = errno;						\
									\
	va_start(ap, fmt);						\
	log_vwrite(level, with_errno ? strerror(saved) : NULL,		\
	    fmt, ap);							\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_warn, KLOG_WARN, 1)
LOG_FN(log_warnx, KLOG_WARN, 0)
LOG_FN(log_error, KLOG_ERROR, 0)
LOG_FN(log_info, KLOG_INFO, 0)
LOG_FN(log_debug, KLOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(KLOG_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(KLOG_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Keys whose values never reach a log. */
static int
log_secret_key(const char *key, size_t len)
{
	static const char *const secret[] = {
		"pwd", "password", "passwd", "pass", "secret", "pin",
		"authentication", "token",
	};
	size_t i;

	for (i = 0; i < nitems(secret); i++)
		if (strlen(secret[i]) == len &&
		    strncasecmp(key, secret[i], len) == 0)
			return 1;
	return 0;
}

char *
log_redact(const char *connstr)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = connstr, *eq, *semi;

	while (*p != '\0') {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq != NULL) {
			const char *k = p;
			size_t klen;

			while (k < eq && isspace((unsigned char)*k))
				k++;
			klen = (size_t)(eq - k);
			while (klen > 0 && isspace((unsigned char)k[klen - 1]))
				klen--;
			if (log_secret_key(k, klen)) {
				/* A {braced} value may itself hold ';'. */
				const char *v = eq + 1;
				if (*v == '{') {
					const char *close = strchr(v, '}');
					if (close != NULL) {
						semi = strchr(close, ';');
						if (semi == NULL)
							semi = close +
							    strlen(close);
					}
				}
				sb_add(&sb, p, (size_t)(eq - p) + 1);
				sb_adds(&sb, "***");
				goto next;
			}
		}
		sb_add(&sb, p, (size_t)(semi - p));
next:
		if (*semi == ';')
			sb_addc(&sb, ';');
		p = *semi ? semi + 1 : semi;
	}
	return sb_steal(&sb);
}
