/*
 * stamp.c: the store's time stamps, local time as "YYYY-MM-DD HH:MM:SS"
 * (the form every table keeps and compares as text): now, or a time
 * given by the caller (tests and imports pass one), and a time later;
 * the times of day "HH:MM" of delivery and visit slots.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/store-int.h"

#define STAMP_FMT "%Y-%m-%d %H:%M:%S"

time_t (*store_clock)(time_t *) = time;

const char *
store_stamp_now(const char *now, char buf[STORE_STAMP_LEN])
{
	struct tm tm;
	time_t t;

	if (now != NULL)
		return now;
	t = store_clock(NULL);
	localtime_r(&t, &tm);
	strftime(buf, STORE_STAMP_LEN, STAMP_FMT, &tm);
	return buf;
}

const char *
store_stamp_later(const char *now, int ms, char buf[STORE_STAMP_LEN])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strptime(now, STAMP_FMT, &tm) == NULL)
		return NULL;
	tm.tm_isdst = -1;
	t = mktime(&tm) + ms / 1000;
	localtime_r(&t, &tm);
	strftime(buf, STORE_STAMP_LEN, STAMP_FMT, &tm);
	return buf;
}

int
store_stamp_hhmm(const char *s, size_t len)
{
	if (len != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	if ((s[0] - '0') * 10 + s[1] - '0' > 23 || s[3] > '5')
		return -1;
	return ((s[0] - '0') * 10 + s[1] - '0') * 60 + (s[3] - '0') * 10 +
	    s[4] - '0';
}

int
store_stamp_range(const char *s, int *from, int *to)
{
	if (strlen(s) != 11 || s[5] != '-' ||
	    (*from = store_stamp_hhmm(s, 5)) < 0 ||
	    (*to = store_stamp_hhmm(s + 6, 5)) < 0 || *to <= *from)
		return -1;
	return 0;
}
