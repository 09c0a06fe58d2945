/*
 * phone.c: telephone numbers in one national form, so that a caller ID
 * and a number typed at the desk name the same member whatever way each
 * was written: +86 13800138000, 008613800138000, 8613800138000 and
 * 013800138000 are the mobile 13800138000; +86 20 8888 8888,
 * 00862088888888, 862088888888 and 020-88888888 are the landline
 * 02088888888 (and a local 88888888 too, given the area code 020, and
 * 2088888888, the area's own number without its trunk 0, as some
 * exchanges send it).  A foreign number keeps its country code, written
 * +CC...: +1 212 555 1234 and 001 212 555 1234 are +12125551234, never
 * a local number.  Members by caller ID (store_member_list), SMS
 * recipients (store_sms_number) and ordering share it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

/* A mobile: 11 digits starting 1[3-9]. */
static int
phone_mobile(const char *d, size_t n)
{
	return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/*
 * The digits after a country code 86: a mobile as is, an area code and
 * number (10 to 11 digits, 2-9 first) with the trunk 0 put back.
 */
static const char *
phone_after_86(const char *d, size_t n, char *buf, size_t bufsz)
{
	if (phone_mobile(d, n) || n < 9 || d[0] < '2' || d[0] > '9')
		return d;
	snprintf(buf, bufsz, "0%s", d);
	return buf;
}

/*
 * The area's own number without its trunk 0: the area code less its 0,
 * then a local number of 7 or 8 digits (not 0 first).
 */
static int
phone_area_no_trunk(const char *d, size_t n, const char *area)
{
	size_t a;

	if (area == NULL || area[0] != '0' || (a = strlen(area) - 1) < 2 ||
	    phone_mobile(d, n))
		return 0;
	return n >= a + 7 && n <= a + 8 && strncmp(d, area + 1, a) == 0 &&
	    d[a] != '0';
}

int
store_phone_national(const char *in, const char *area, char *out,
    size_t outsz)
{
	char d[40], buf[48];
	const char *p;
	size_t n = 0;
	int plus = 0;

	for (p = in; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p) && n < sizeof d - 1)
			d[n++] = *p;
		else if (*p == '+' && n == 0)
			plus = 1;
		else if (*p != ' ' && *p != '-' && *p != '(' && *p != ')')
			return -1;
	}
	d[n] = '\0';
	if (n < 3 || n > 20)
		return -1;
	p = d;
	if ((plus && strncmp(d, "86", 2) != 0) || (strncmp(d, "00", 2) ==
	    0 && strncmp(d, "0086", 4) != 0 && d[2] != '0')) {
		/* a foreign number: +CC..., whichever way it was dialled */
		snprintf(buf, sizeof buf, "+%s", plus ? d : d + 2);
		p = buf;
	} else if (strncmp(d, "0086", 4) == 0 && n > 4)
		p = phone_after_86(d + 4, n - 4, buf, sizeof buf);
	else if (strncmp(d, "86", 2) == 0 && (plus ||
	    phone_mobile(d + 2, n - 2) || n == 12 || n == 13))
		p = phone_after_86(d + 2, n - 2, buf, sizeof buf);
	else if (n == 12 && d[0] == '0' && phone_mobile(d + 1, 11))
		p = d + 1;      /* a mobile dialled with the trunk 0 */
	else if (phone_area_no_trunk(d, n, area)) {
		snprintf(buf, sizeof buf, "0%s", d);
		p = buf;        /* the area's number, its trunk 0 left off */
	}
	else if (area != NULL && *area != '\0' && (n == 7 || n == 8) &&
	    d[0] >= '2' && d[0] <= '9') {
		snprintf(buf, sizeof buf, "%s%s", area, d);
		p = buf;        /* a local number: its area code */
	}
	if ((size_t)snprintf(out, outsz, "%s", p) >= outsz)
		return -1;
	return 0;
}

/* The length of a national landline's area code (with its 0); 0: none. */
static size_t
phone_area_len(const char *nat)
{
	size_t n = strlen(nat);

	if (nat[0] != '0' || n < 10)
		return 0;
	/* 010 and 02X have two digits after the 0, the others three */
	return nat[1] == '1' || nat[1] == '2' ? 3 : 4;
}

size_t
store_phone_forms(const char *nat, char forms[][STORE_PHONE_LEN],
    size_t max)
{
	const char *core = nat;
	size_t n = 0, a;

#define FORM(...) do {							\
	if (n < max)							\
		snprintf(forms[n++], STORE_PHONE_LEN, __VA_ARGS__);	\
} while (0)
	FORM("%s", nat);
	if (nat[0] == '+') {
		FORM("00%s", nat + 1);  /* a foreign number as dialled */
		return n;
	}
	if ((a = phone_area_len(nat)) > 0) {
		core = nat + 1;
		FORM("%s", nat + a);    /* the local number alone */
	} else if (phone_mobile(nat, strlen(nat)))
		FORM("0%s", nat);
	else
		return n;               /* a short or unknown number */
	FORM("+86%s", core);
	FORM("86%s", core);
	FORM("0086%s", core);
#undef FORM
	return n;
}
