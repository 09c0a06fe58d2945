/*
 * fuzz-vsm.c: AT+VSM=? replies from arbitrary text -- every line through
 * vsm_parse, the list through vsm_choose at several port speeds, and the
 * ATI / ATI3 / +FMI family detection and the AT+VLS=? label choice on
 * the same text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "line/line-int.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsm_fmt list[16];
	struct audio_fmt fmt;
	const char *why;
	char *text, *line, *save = NULL;
	size_t n = 0, i;
	int cml;

	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	(void)family_detect(text, text, text, &why);
	cml = vls_pick(text);
	if (cml < 0 || cml > 255)
		abort();
	for (line = strtok_r(text, "\r\n", &save); line != NULL && n < 16;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (vsm_parse(line, &list[n]) == 0) {
			if (list[n].nrates == 0 || list[n].nrates > 8 ||
			    strlen(list[n].name) >= sizeof list[n].name)
				abort();
			n++;
		}
	}
	for (i = 0; i < 3; i++) {
		static const int speeds[] = { 0, 115200, 38400 };

		if (vsm_choose(list, n, speeds[i], &fmt, &cml) == 0 &&
		    fmt.rate != 8000 && fmt.rate != 7200)
			abort();
	}
	free(text);
	return 0;
}
