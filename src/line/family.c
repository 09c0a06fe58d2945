/*
 * family.c: modem families and audio formats.  Each family is a const
 * struct modem_family (strings and flags the V.253 driver in modem.c
 * uses); the family is picked from ATI / ATI3 / AT+FMI? replies by a
 * table.  The audio format is chosen from the names in AT+VSM=? (V.253
 * 9.2.x), never the numbers, which collide between vendors.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "line/line-int.h"

static const char *const family_v253_init[] = {
	"AT+VNH=0",             /* normal automatic hang-ups */
	"AT+VIT=0",             /* no inactivity timer: never drop to data
				   mode */
	NULL
};

static const char *const family_conexant_init[] = {
	"AT+VIT=0",
	NULL
};

static const char *const family_usr_init[] = {
	"AT+VIT=0",
	NULL
};

static const struct modem_family family_v253 = {
	.name = "v253",                 /* plain ITU-T V.253 */
	.desc = "generic ITU-T V.253 voice modem", /* for kefu modem probe */
	.init = family_v253_init,       /* +VNH, +VIT */
	.vsm_set = "AT+VSM=%d,%u",      /* retried with ",0,0" on ERROR */
	.fallback_cml = 1,              /* V.253 table 17: unsigned PCM */
	.fallback_enc = AUDIO_U8,       /* ... which is 8-bit unsigned */
	.vsd = "AT+VSD=128,%d",         /* nominal sensitivity, period in 0.1
					   s */
	.soft_silence = 0,              /* trusts DLE s / DLE q (kefu measures
					   too) */
	.spurious_dialtone_ms = 0,      /* DLE d means the caller is gone */
	.after_beep = NULL,             /* nothing to redo after +VTS */
	.vts_unit_ms = 10,              /* V.253: +VTS durations in 10 ms */
};

static const struct modem_family family_conexant = {
	.name = "conexant",             /* CX930xx: Zoom 3095, Dell
					   RD02-D400... */
	.desc = "Conexant CX930xx (Zoom 3095 and similar USB modems)",
	.init = family_conexant_init,   /* +VIT */
	.vsm_set = "AT+VSM=%d,%u,0,0",  /* the 4-argument form it wants */
	.fallback_cml = 1,              /* "UNSIGNED PCM" */
	.fallback_enc = AUDIO_U8,       /* ... 8-bit unsigned */
	.vsd = NULL,                    /* accepted but ignored (+VSD? stays
					   128,0) */
	.soft_silence = 1,              /* so kefu detects silence itself */
	.spurious_dialtone_ms = 0,      /* DLE d means the caller is gone */
	.after_beep = NULL,             /* nothing to redo after +VTS */
	.vts_unit_ms = 10,              /* +VTS durations in 10 ms */
};

static const struct modem_family family_usr = {
	.name = "usr",                  /* USRobotics 5637 USB */
	.desc = "USRobotics 5637 and other USR voice modems",
	.init = family_usr_init,        /* +VIT */
	.vsm_set = "AT+VSM=%d,%u",      /* two arguments: AT+VSM=128,8000 */
	.fallback_cml = 128,            /* "8-BIT LINEAR" (unsigned) */
	.fallback_enc = AUDIO_U8,       /* ... 8-bit unsigned */
	.vsd = "AT+VSD=128,%d",         /* honoured: DLE s / DLE q */
	.soft_silence = 0,              /* trusts DLE s / DLE q (kefu measures
					   too) */
	.spurious_dialtone_ms = 500,    /* a DLE d as VTX/VRX starts is
					   spurious */
	.after_beep = "AT+VLS=1",       /* re-select the line: DTMF after a
					   beep */
	.vts_unit_ms = 10,              /* +VTS durations in 10 ms */
};

const struct modem_family *const modem_families[] = {
	&family_v253,
	&family_conexant,
	&family_usr,
};
const size_t modem_nfamilies = nitems(modem_families);

const struct modem_family *
family_find(const char *name)
{
	size_t i;

	for (i = 0; i < modem_nfamilies; i++)
		if (strcmp(modem_families[i]->name, name) == 0)
			return modem_families[i];
	return NULL;
}

enum family_reply { FR_ATI, FR_ATI3, FR_FMI };

/* First match wins. */
static const struct {
	enum family_reply reply;
	const char *needle;             /* case-insensitive substring */
	const struct modem_family *family;
	const char *why;
} family_rules[] = {
	{ FR_ATI, "5601", &family_usr, "ATI answered 5601 (USR 5637)" },
	{ FR_ATI3, "U.S. Robotics", &family_usr, "ATI3 names U.S. Robotics" },
	{ FR_ATI3, "USRobotics", &family_usr, "ATI3 names USRobotics" },
	{ FR_FMI, "Robotics", &family_usr, "+FMI names U.S. Robotics" },
	{ FR_ATI, "56000", &family_conexant,
	  "ATI answered 56000 (Conexant-based)" },
	{ FR_FMI, "Conexant", &family_conexant, "+FMI names Conexant" },
	{ FR_ATI3, "CX93", &family_conexant, "ATI3 names a CX93xxx chip" },
	{ FR_FMI, "CX93", &family_conexant, "+FMI names a CX93xxx chip" },
	{ FR_ATI3, "Zoom", &family_conexant, "ATI3 names Zoom" },
	{ FR_FMI, "Zoom", &family_conexant, "+FMI names Zoom" },
};

const struct modem_family *
family_detect(const char *ati, const char *ati3, const char *fmi,
    const char **why)
{
	const char *replies[3] = { ati, ati3, fmi };
	size_t i;

	for (i = 0; i < nitems(family_rules); i++) {
		if (strcasestr(replies[family_rules[i].reply],
		    family_rules[i].needle) != NULL) {
			*why = family_rules[i].why;
			return family_rules[i].family;
		}
	}
	*why = "no rule matched: generic V.253";
	return &family_v253;
}

/* Names in +VSM=? that the audio layer can carry; first match wins. */
static const struct {
	const char *needle;     /* case-insensitive substring of the name */
	int bits;               /* required bits per sample */
	int enc;                /* enum audio_enc, -1: not usable */
} vsm_names[] = {
	{ "ULAW", 8, AUDIO_ULAW },
	{ "U-LAW", 8, AUDIO_ULAW },
	{ "MU-LAW", 8, AUDIO_ULAW },
	{ "ALAW", 8, AUDIO_ALAW },
	{ "A-LAW", 8, AUDIO_ALAW },
	{ "UNSIGNED PCM", 8, AUDIO_U8 },
	{ "UNSIGNED", 16, -1 },         /* unsigned 16-bit: not ours */
	{ "8-BIT LINEAR", 8, AUDIO_U8 },
	{ "16-BIT LINEAR", 16, AUDIO_S16LE },
	{ "SIGNED PCM", 16, AUDIO_S16LE },
	{ "LINEAR", 16, AUDIO_S16LE },
};

static const char *const vsm_enc_names[] = {
	[AUDIO_U8] = "8-bit unsigned linear",
	[AUDIO_ULAW] = "G.711 u-law",
	[AUDIO_ALAW] = "G.711 A-law",
	[AUDIO_S16LE] = "16-bit signed linear",
};

const char *
vsm_enc_name(enum audio_enc e)
{
	if ((size_t)e < nitems(vsm_enc_names))
		return vsm_enc_names[e];
	return "?";
}

/* Split s at top-level commas (not inside quotes or parentheses). */
static size_t
vsm_split(char *s, char **f, size_t max)
{
	size_t n = 0;
	int depth = 0, quote = 0;

	f[n++] = s;
	for (; *s != '\0'; s++) {
		if (*s == '"')
			quote = !quote;
		else if (!quote && *s == '(')
			depth++;
		else if (!quote && *s == ')' && depth > 0)
			depth--;
		else if (!quote && depth == 0 && *s == ',') {
			*s = '\0';
			if (n == max)
				return n;
			f[n++] = s + 1;
		}
	}
	return n;
}

static int
vsm_int(const char *s, long min, long max, long *out)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	*out = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end != '\0' || *out < min || *out > max)
		return -1;
	return 0;
}

/* "(7200,8000)", "(8000)", "8000", "(7200-8000)". */
static int
vsm_rates(char *s, struct vsm_fmt *out)
{
	char *tok, *save = NULL, *dash;
	long a, b;

	s += strspn(s, " (");
	s[strcspn(s, ")")] = '\0';
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(tok, '-')) != NULL) {
			*dash = '\0';
			if (vsm_int(tok, 1, 200000, &a) == -1 ||
			    vsm_int(dash + 1, 1, 200000, &b) == -1 || a > b)
				return -1;
			/* a range: keep the two rates kefu knows */
			if (a <= 7200 && b >= 7200 && out->nrates < 8)
				out->rates[out->nrates++] = 7200;
			if (a <= 8000 && b >= 8000 && out->nrates < 8)
				out->rates[out->nrates++] = 8000;
			continue;
		}
		if (vsm_int(tok, 1, 200000, &a) == -1)
			return -1;
		if (out->nrates < nitems(out->rates))
			out->rates[out->nrates++] = (unsigned)a;
	}
	return out->nrates > 0 ? 0 : -1;
}

int
vsm_parse(const char *line, struct vsm_fmt *out)
{
	char buf[AT_LINE_MAX], *f[8], *name;
	size_t nf, i, len;
	long v;

	memset(out, 0, sizeof *out);
	while (*line == ' ')
		line++;
	if (strncasecmp(line, "+VSM:", 5) == 0)
		line += 5;
	if (strlen(line) >= sizeof buf)
		return -1;
	strcpy(buf, line);
	nf = vsm_split(buf, f, nitems(f));
	if (nf < 5)
		return -1;
	if (vsm_int(f[0], 0, 255, &v) == -1)
		return -1;
	out->cml = (int)v;
	name = f[1] + strspn(f[1], " ");
	len = strlen(name);
	while (len > 0 && name[len - 1] == ' ')
		name[--len] = '\0';
	if (len < 2 || name[0] != '"' || name[len - 1] != '"' ||
	    len - 2 >= sizeof out->name)
		return -1;
	memcpy(out->name, name + 1, len - 2);
	out->name[len - 2] = '\0';
	if (vsm_int(f[2], 1, 32, &v) == -1)
		return -1;
	out->bits = (int)v;
	if (vsm_rates(f[4], out) == -1)
		return -1;
	for (i = 0; i < nitems(vsm_names); i++) {
		if (strcasestr(out->name, vsm_names[i].needle) != NULL &&
		    vsm_names[i].bits == out->bits) {
			out->usable = vsm_names[i].enc >= 0;
			if (out->usable)
				out->enc = (enum audio_enc)vsm_names[i].enc;
			break;
		}
	}
	return 0;
}

static int
vsm_rank(enum audio_enc e, unsigned rate, int port_bps)
{
	switch (e) {
	case AUDIO_S16LE:
		/* 10 bits on the wire per byte: 16000 B/s needs 160 kbit/s */
		if (port_bps != 0 && (long)port_bps * 8 / 10 < 16L * rate)
			return 0;
		return 4;
	case AUDIO_ULAW:
		return 3;
	case AUDIO_ALAW:
		return 2;
	case AUDIO_U8:
		return 1;
	}
	return 0;
}

int
vsm_choose(const struct vsm_fmt *list, size_t n, int port_bps,
    struct audio_fmt *fmt, int *cml)
{
	int best = 0, score, i;
	size_t j, k;
	static const unsigned rates[] = { 8000, 7200 };

	for (k = 0; k < nitems(rates); k++) {
		for (j = 0; j < n; j++) {
			if (!list[j].usable)
				continue;
			for (i = 0; i < (int)list[j].nrates; i++)
				if (list[j].rates[i] == rates[k])
					break;
			if (i == (int)list[j].nrates)
				continue;
			score = vsm_rank(list[j].enc, rates[k], port_bps);
			if (score > best) {
				best = score;
				fmt->enc = list[j].enc;
				fmt->rate = rates[k];
				*cml = list[j].cml;
			}
		}
		if (best > 0)
			return 0;
	}
	return -1;
}

int
vls_pick(const char *text)
{
	const char *p = text, *q;
	char prim[16];
	long label;
	char *end;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\n' || *p == '\r')
			p++;
		if (strncasecmp(p, "+VLS:", 5) == 0)
			p += 5;
		while (*p == ' ')
			p++;
		label = strtol(p, &end, 10);
		if (end != p && *end == ',' && end[1] == '"' && label >= 0 &&
		    label <= 255) {
			q = end + 2;
			n = strcspn(q, "\"\n");
			if (n < sizeof prim && q[n] == '"') {
				memcpy(prim, q, n);
				prim[n] = '\0';
				if (strcmp(prim, "T") == 0)
					return (int)label;
			}
		}
		p += strcspn(p, "\n");
	}
	return 1;
}

/* Magnitude of a G.711 sample on a 16-bit scale. */
static int
vsm_g711(uint8_t b, int alaw)
{
	int exp, mant;

	if (alaw) {
		b ^= 0x55;
		exp = (b >> 4) & 7;
		mant = b & 0x0f;
		return exp == 0 ? (mant << 4) + 8 :
		    ((mant << 4) + 0x108) << (exp - 1);
	}
	b = (uint8_t)~b;
	exp = (b >> 4) & 7;
	mant = b & 0x0f;
	return (((mant << 3) + 0x84) << exp) - 0x84;
}

#define QUIET_LEVEL 512         /* about -36 dBFS */

int
vsm_quiet(enum audio_enc enc, const uint8_t *buf, size_t n)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		switch (enc) {
		case AUDIO_U8:
			v = abs((int)buf[i] - 128) * 256;
			break;
		case AUDIO_ULAW:
			v = vsm_g711(buf[i], 0);
			break;
		case AUDIO_ALAW:
			v = vsm_g711(buf[i], 1);
			break;
		case AUDIO_S16LE:
			if (i + 1 >= n)
				return 1;
			v = abs((int)(int16_t)(buf[i] | buf[i + 1] << 8));
			i++;
			break;
		default:
			return 0;
		}
		if (v > QUIET_LEVEL)
			return 0;
	}
	return 1;
}
