/*
 * fuzz-callerid.c: caller ID lines (NMBR/NAME/DATE/TIME...) from
 * arbitrary text, one record per input: fields stay NUL-terminated,
 * printable and within their sizes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "line/line.h"
#include "fuzz.h"

static void
check(const char *s, size_t size)
{
	size_t i, n = strlen(s);

	if (n >= size)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_callerid cid;
	char *text, *line, *save = NULL;

	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	callerid_clear(&cid);
	for (line = strtok_r(text, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save))
		(void)callerid_parse(&cid, line);
	check(cid.number, sizeof cid.number);
	check(cid.name, sizeof cid.name);
	check(cid.date, sizeof cid.date);
	check(cid.time, sizeof cid.time);
	if (cid.kind != LINE_CID_NUMBER && cid.number[0] != '\0')
		abort();
	free(text);
	return 0;
}
