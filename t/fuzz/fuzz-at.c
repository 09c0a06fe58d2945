/*
 * fuzz-at.c: the command-mode lexer and result classifier on arbitrary
 * modem output: every byte through at_lex_byte, every complete line
 * through at_classify and callerid_parse; lines never exceed the buffer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "line/line-int.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct at_lex lx;
	struct line_callerid cid;
	enum at_res r;
	size_t i;
	char code;

	memset(&lx, 0, sizeof lx);
	callerid_clear(&cid);
	for (i = 0; i < size; i++) {
		switch (at_lex_byte(&lx, data[i], &code)) {
		case AT_LEX_LINE:
			if (strlen(lx.buf) >= sizeof lx.buf)
				abort();
			r = at_classify(lx.buf);
			if (at_res_final(r) && at_res_unsolicited(r))
				abort();
			(void)at_res_name(r);
			(void)callerid_parse(&cid, lx.buf);
			break;
		case AT_LEX_DLE:
			(void)dle_kind((unsigned char)code);
			break;
		default:
			break;
		}
		if (lx.len >= sizeof lx.buf)
			abort();
	}
	return 0;
}
