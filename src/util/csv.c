/*
 * csv.c: RFC 4180 text split into records that remember their line, and
 * a file read as UTF-8 from UTF-8 or GBK (told, or guessed: text that is
 * not valid UTF-8 is taken for GBK), for the CSV imports of the CLI.
 */
#include "config.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void
csv_recs_free(struct csv_rec *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < r[i].n; j++)
			free(r[i].f[j]);
		free(r[i].f);
	}
	free(r);
}

int
csv_parse(const char *p, struct csv_rec **out, size_t *n, int *line)
{
	struct csv_rec *r = NULL;
	struct strbuf fld = STRBUF_INIT;
	size_t cnt = 0;
	int ln = 1, start;

	while (*p != '\0') {
		if (*p == '\r' || *p == '\n') {
			ln += *p++ == '\n';
			continue;
		}
		r = xreallocarray(r, cnt + 1, sizeof *r);
		r[cnt] = (struct csv_rec){ .line = ln };
		for (;;) {
			if (*p == '"') {
				start = ln;
				for (p++; *p != '\0' && !(*p == '"' &&
				    p[1] != '"'); p++) {
					if (*p == '"')
						p++;
					ln += *p == '\n';
					sb_addc(&fld, *p);
				}
				if (*p++ != '"') {
					*line = start;
					sb_free(&fld);
					csv_recs_free(r, cnt + 1);
					return -1;
				}
			}
			for (; *p != '\0' && *p != ',' && *p != '\r' &&
			    *p != '\n'; p++)
				sb_addc(&fld, *p);
			r[cnt].f = xreallocarray(r[cnt].f, r[cnt].n + 1,
			    sizeof *r[cnt].f);
			r[cnt].f[r[cnt].n++] = sb_steal(&fld);
			if (*p != ',')
				break;
			p++;
		}
		cnt++;
	}
	sb_free(&fld);
	*out = r;
	*n = cnt;
	return 0;
}

int
csv_encoding_ok(const char *enc)
{
	return str_ieq(enc, "UTF-8") || str_ieq(enc, "GBK") ||
	    str_ieq(enc, "GB18030");
}

int
csv_conv(const char *to, const char *from, const char *in, size_t len,
    char **out, size_t *outlen, size_t *bad)
{
	iconv_t cd;
	char *ip = (char *)in, *op, *buf;
	size_t il = len, ol, cap = len * 2 + 16;

	if ((cd = iconv_open(to, from)) == (iconv_t)-1) {
		*bad = 0;
		return -1;
	}
	buf = xmalloc(cap);
	op = buf;
	ol = cap;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		*bad = (size_t)(ip - in);
		iconv_close(cd);
		free(buf);
		return -1;
	}
	iconv_close(cd);
	*outlen = cap - ol;
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
}

static int
csv_nonascii(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

int
csv_read(const char *file, const char **enc, char **text, char **cause)
{
	char *data, *conv;
	size_t len, outlen, bad, i;
	int line = 1;

	if (*enc != NULL && !csv_encoding_ok(*enc))
		return kf_error(cause, "encoding '%s': UTF-8, GBK or GB18030",
		    *enc);
	if (file_read(file, &data, &len, cause) == -1)
		return -1;
	conv = NULL;
	if (*enc == NULL)
		*enc = csv_conv("UTF-8", "UTF-8", data, len, &conv, &outlen,
		    &bad) == 0 ? "UTF-8" : "GBK";
	else if (!str_ieq(*enc, "UTF-8") && csv_nonascii(data, len) &&
	    csv_conv("UTF-8", "UTF-8", data, len, &conv, &outlen, &bad) == 0) {
		/* GBK text is almost never valid UTF-8: this one is. */
		free(conv);
		free(data);
		return kf_error(cause, "%s: is UTF-8 text, not %s; say "
		    "--encoding UTF-8", file, *enc);
	}
	if (conv == NULL && csv_conv("UTF-8", *enc, data, len, &conv,
	    &outlen, &bad) == -1) {
		for (i = 0; i < bad && i < len; i++)
			line += data[i] == '\n';
		free(data);
		return kf_error(cause, "%s:%d: not %s text (byte %zu); say "
		    "--encoding", file, line, *enc, bad);
	}
	free(data);
	if (strlen(conv) != outlen) {
		free(conv);
		return kf_error(cause, "%s: holds a NUL byte: not a CSV file",
		    file);
	}
	if (str_prefix(conv, "\xef\xbb\xbf"))
		memmove(conv, conv + 3, outlen - 2);
	*text = conv;
	return 0;
}
