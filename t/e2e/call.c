/*
 * End-to-end: calls placed through the simulated voice modem (t/sim)
 * into the real line driver, flow interpreter, mapping engine, say-rules,
 * prompt audio and SQLite databases.  Checks the exact audio that reached
 * the caller and what the local store's call log got.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "db/db.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../tap.h"

/* A price query by barcode, answered from the catalog. */
static void
e2e_price(enum msim_family fam, const char *family, const char *base)
{
	struct e2e e;
	const struct flow_prompt answer[] = {
		{ (char *)"text", (char *)"农夫山泉饮用天然水" },
		{ (char *)"price.is", NULL }, { (char *)"num.liang", NULL },
		{ (char *)"money.yuan", NULL }, { (char *)"num.9", NULL },
		{ (char *)"money.jiao", NULL },
	};
	struct flow_prompts ps = { (struct flow_prompt *)answer,
	    nitems(answer) };
	char dir[160];

	snprintf(dir, sizeof dir, "%s/%s", base, family);
	ok(e2e_open(&e, fam, dir, NULL) == 0, "%s: simulator, kefu.conf, "
	    "service, store, catalog and line up; line idle", family);
	if (e.ln == NULL || line_state(e.ln) != LINE_IDLE)
		goto out;
	ok(e2e_ring(&e, "13800138000") == 0, "%s: call answered", family);
	/*
	 * Press 1 during the greeting (barge-in: the key skips the menu
	 * prompt and chooses the price service), then type the barcode
	 * during "please enter the barcode"; the answer plays in full.
	 * Segments: 0 greeting, 1 ask for the code, 2 the answer, 3 again?
	 */
	ok(e2e_wait_seg(&e, 0, 8000) == 0, "%s: greeting starts", family);
	msim_dtmf(e.sim, "1", 200);
	ok(e2e_wait_seg(&e, 1, 8000) == 0, "%s: asked for the barcode",
	    family);
	msim_dtmf(e.sim, "6971105000018#", 200);
	ok(e2e_seg(&e, 2, 30000, "zh-CN", &ps, E2E_WHOLE, NULL) == 0,
	    "%s: the caller heard exactly the price answer's audio "
	    "(name, 价格是 两元九角)", family);
	if (getenv("E2E_DEBUG")) {
		char *t = msim_transcript(e.sim);
		tap_diag("vtx %zu transcript:\n%s", msim_vtx_count(e.sim), t);
		free(t);
	}
	msim_hangup(e.sim, MSIM_HUP_LOOP, 0);
	ok(e2e_wait_end(&e, 8000) == 0, "%s: kefu hung up after the caller "
	    "left, line back to idle", family);
	is_int(e2e_count(&e, "SELECT COUNT(*) FROM call_log WHERE "
	    "caller_id = ?", "13800138000"), 1,
	    "%s: one call logged with the caller's number", family);
	is_int(e2e_count(&e, "SELECT COUNT(*) FROM call_queries WHERE "
	    "mapping = 'catalog.price' AND params = ?",
	    "code=6971105000018"), 1,
	    "%s: the price query and its bound barcode logged", family);
out:
	e2e_close(&e);
}

int
main(void)
{
	setenv("KEFU_MODEM_SPEED", E2E_SPEED, 0);
	e2e_families("e2e", e2e_price);
	return tap_done();
}
