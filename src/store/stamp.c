/*
 * stamp.c: the store's time stamps, local time as "YYYY-MM-DD HH:MM:SS"
 * (the form every table keeps and compares as text): now, or a time
 * given by the caller (tests and imports pass one), and a time later.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "store/store.h"

#define STAMP_FMT "%Y-%m-%d %H:%M:%S"

const char *
store_stamp_now(const char *now, char buf[STORE_STAMP_LEN])
{
	struct tm tm;
	time_t t;

	if (now != NULL)
		return now;
	t = time(NULL);
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
