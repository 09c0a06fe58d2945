/*
 * callerid.c: caller ID as voice modems report it in formatted mode
 * (AT+VCID=1; Bellcore SDMF/MDMF): lines such as "NMBR = 5551234567",
 * "NAME=JOHN DOE", "DATE = 0321", "TIME=1405", with or without blanks
 * around '=', and "P" / "O" for a private / unavailable number.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "line/line.h"
#include "util/util.h"

enum cid_field { CID_NMBR, CID_NAME, CID_DATE, CID_TIME, CID_OTHER };

static const struct {
	const char *key;
	enum cid_field field;
} cid_keys[] = {
	{ "NMBR", CID_NMBR },
	{ "DDN_NMBR", CID_NMBR },
	{ "NAME", CID_NAME },
	{ "DATE", CID_DATE },
	{ "TIME", CID_TIME },
	{ "MESG", CID_OTHER },
	{ "NDID", CID_OTHER },
	{ "ERRM", CID_OTHER },
	{ "CID", CID_OTHER },
};

void
callerid_clear(struct line_callerid *cid)
{
	memset(cid, 0, sizeof *cid);
	cid->kind = LINE_CID_NONE;
}

/* Copy the characters of v accepted by keep() into dst (size n). */
static void
cid_copy(char *dst, size_t n, const char *v, int (*keep)(int))
{
	size_t o = 0;

	for (; *v != '\0' && o + 1 < n; v++)
		if (keep((unsigned char)*v))
			dst[o++] = *v;
	dst[o] = '\0';
}

static int
cid_is_dial(int c)
{
	return isdigit(c) || c == '+' || c == '*' || c == '#';
}

static int
cid_is_print(int c)
{
	return c >= 0x20 && c < 0x7f;
}

static int
cid_is_digit(int c)
{
	return isdigit(c);
}

/* 1 when v is exactly n decimal digits. */
static int
cid_digits(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return 0;
	return v[n] == '\0';
}

static void
cid_number(struct line_callerid *cid, const char *v)
{
	if (strcmp(v, "P") == 0) {
		cid->kind = LINE_CID_PRIVATE;
		cid->number[0] = '\0';
		return;
	}
	cid_copy(cid->number, sizeof cid->number, v, cid_is_dial);
	if (strcmp(v, "O") == 0 || cid->number[0] == '\0') {
		cid->kind = LINE_CID_UNAVAILABLE;
		cid->number[0] = '\0';
		return;
	}
	cid->kind = LINE_CID_NUMBER;
}

int
callerid_parse(struct line_callerid *cid, const char *text)
{
	char key[16], val[128];
	const char *eq, *v;
	size_t klen, i;

	while (*text == ' ' || *text == '\t')
		text++;
	if ((eq = strchr(text, '=')) == NULL)
		return 0;
	klen = (size_t)(eq - text);
	while (klen > 0 && (text[klen - 1] == ' ' || text[klen - 1] == '\t'))
		klen--;
	if (klen == 0 || klen >= sizeof key)
		return 0;
	memcpy(key, text, klen);
	key[klen] = '\0';
	for (i = 0; i < nitems(cid_keys); i++)
		if (strcmp(key, cid_keys[i].key) == 0)
			break;
	if (i == nitems(cid_keys))
		return 0;
	for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
		;
	cid_copy(val, sizeof val, v, cid_is_print);
	str_trim(val);
	switch (cid_keys[i].field) {
	case CID_NMBR:
		cid_number(cid, val);
		break;
	case CID_NAME:
		if (strcmp(val, "P") == 0 || strcmp(val, "O") == 0)
			cid->name[0] = '\0';
		else
			cid_copy(cid->name, sizeof cid->name, val,
			    cid_is_print);
		break;
	case CID_DATE:
		if (cid_digits(val, 4))
			cid_copy(cid->date, sizeof cid->date, val,
			    cid_is_digit);
		else if (cid_digits(val, 8)) {     /* MMDDHHMM in one item */
			memcpy(cid->date, val, 4);
			cid->date[4] = '\0';
			memcpy(cid->time, val + 4, 4);
			cid->time[4] = '\0';
		}
		break;
	case CID_TIME:
		if (cid_digits(val, 4))
			cid_copy(cid->time, sizeof cid->time, val,
			    cid_is_digit);
		break;
	case CID_OTHER:
		break;
	}
	return 1;
}
