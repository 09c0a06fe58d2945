/*
 * fuzz-dle.c: the DLE receive-stream decoder and DTMF collapsing on
 * arbitrary bytes, cut into reads at arbitrary places (a DLE split across
 * reads), plus the shield/decode round trip: shielded audio must decode
 * to itself with no event.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "line/line-int.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dle_dec d = { 0 };
	struct dtmf t = { 0 };
	uint8_t *out, *sh;
	char *ev;
	size_t pos = 0, step, k, used, nout, nev, i, total = 0;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	out = malloc(2 * size);
	ev = malloc(size);
	sh = malloc(2 * size);
	while (pos < size) {
		k = size - pos < step ? size - pos : step;
		used = dle_decode(&d, data + pos, k, out, &nout, ev, &nev);
		if (used > k || nout > 2 * used || nev > used)
			abort();
		for (i = 0; i < nev; i++)
			(void)dtmf_feed(&t, (unsigned char)ev[i]);
		total += nout;
		pos += used;
		if (used == 0)
			abort();
	}
	/* round trip */
	k = dle_shield(data, size, sh);
	memset(&d, 0, sizeof d);
	used = dle_decode(&d, sh, k, out, &nout, ev, &nev);
	if (used != k || nev != 0 || nout != size ||
	    memcmp(out, data, size) != 0 || d.pending)
		abort();
	free(out);
	free(ev);
	free(sh);
	(void)total;
	return 0;
}
