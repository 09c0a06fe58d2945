/*
 * flow-check.c: the static checker (flow/check.c) over fake prompt and
 * mapping lookups: the good test flows pass; each class of problem in
 * t/data/flow/check/ is reported with file:line; the DOT drawing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow-int.h"
#include "t/tap.h"
#include "t/unit/flow-fake.h"

static char schema[4096];
static struct flow_env env;

/* Load one checker case (with the good sub-flow) and check it. */
static char *
check_case(const char *name, int *n)
{
	char path[4096];
	const char *files[1] = { path };
	struct flow_set *set;
	struct strbuf out = STRBUF_INIT;
	char *cause = NULL;

	snprintf(path, sizeof path, "%s/t/data/flow/check/%s.xml",
	    getenv("KEFU_SRCDIR"), name);
	if (flow_set_load_files(files, 1, schema, &set, &cause) == -1) {
		*n = -1;
		return cause;
	}
	*n = flow_check(set, &env, &out);
	flow_set_unref(set);
	return sb_steal(&out);
}

static void
expect(const char *name, const char *needle, int nwant)
{
	char *out;
	int n;

	out = check_case(name, &n);
	like(out, needle, "%s: %s", name, needle);
	if (nwant >= 0)
		is_int(n, nwant, "%s: %d problem(s)", name, nwant);
	if (n != nwant && out != NULL)
		tap_diag("%s", out);
	free(out);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	char dir[4096], *cause = NULL;
	struct flow_set *set = NULL;
	struct strbuf out = STRBUF_INIT;
	int n;

	if (src == NULL)
		setenv("KEFU_SRCDIR", src = ".", 1);
	snprintf(schema, sizeof schema, "%s/flows/flow.rng", src);
	fake_env(&env);

	snprintf(dir, sizeof dir, "%s/t/data/flow/good", src);
	if (flow_set_load(dir, schema, &set, &cause) == -1)
		tap_diag("%s", cause);
	ok(set != NULL, "good flows load");
	if (set == NULL)
		return tap_done();
	n = flow_check(set, &env, &out);
	is_int(n, 0, "good flows check clean");
	if (n != 0)
		tap_diag("%s", sb_str(&out));
	sb_reset(&out);
	is_int(flow_check(set, NULL, &out), 0,
	    "without lookups only structure is checked");
	sb_reset(&out);

	ok(flow_graph(set, "main", &out, NULL) == 0, "graph of main");
	like(sb_str(&out), "digraph", "DOT header");
	like(sb_str(&out), "\"main:top\" -> \"main:price\" [label=\"1\"]",
	    "menu key edge");
	like(sb_str(&out), "\"mapping:price\" [shape=cylinder",
	    "mapping drawn");
	like(sb_str(&out), "\"main:sub\" -> \"sub:play@6\" [style=dashed",
	    "sub-flow call dashed to the callee's start");
	sb_reset(&out);
	ok(flow_graph(set, "gone", &out, NULL) == 0, "graph of gone");
	like(sb_str(&out), "\"hangup:gone\" -> \"gone:left\" [style=dashed]",
	    "the hang-up node drawn from \"line gone\"");
	ok(flow_graph(set, "nope", &out, &cause) == -1,
	    "graph of unknown flow");
	like(cause, "no flow \"nope\"", "says which");
	free(cause);
	sb_free(&out);
	flow_set_unref(set);

	expect("missing_prompt", "missing_prompt.xml:5: prompt \"a.zh_only\" "
	    "is missing in the yue catalog", 1);
	expect("unknown_map", "unknown_map.xml:4: query: no mapping "
	    "\"catalog.nope\"", 1);
	expect("param_type", "param_type.xml:6: param \"code\" of mapping "
	    "price is digits, but variable \"when\" is date", 3);
	expect("param_type", "param_type.xml:8: query: mapping price needs "
	    "param \"code\"", 3);
	expect("param_type", "param_type.xml:9: mapping price has no param "
	    "\"colour\"", 3);
	expect("unset_var", "unset_var.xml:6: say reads variable "
	    "\"greeting\", which is not set on every path to it", 1);
	expect("no_timeout", "no_timeout.xml:4: menu does not handle "
	    "timeouts", 1);
	expect("unreachable", "unreachable.xml:5: play orphan is "
	    "unreachable", 1);
	expect("output_unset", "output_unset.xml:8: flow output_unset may "
	    "return here without setting its output \"total\"", 1);
	expect("foreach_one", "foreach_one.xml:7: foreach over query \"q\": "
	    "mapping price returns one row", 2);
	expect("foreach_one", "foreach_one.xml:11: say reads variable "
	    "\"promo_price\"", 2);
	expect("play_lang", "play_lang.xml:6: prompt \"a.zh_only\" is "
	    "missing in the yue catalog (the play is spoken in yue)", 2);
	expect("play_lang", "play_lang.xml:7: play lang: language \"en\" is "
	    "not configured", 2);
	expect("page_prompt", "page_prompt.xml:5: prompt \"l.missing\" is "
	    "missing in the zh-CN catalog", 2);
	expect("hangup_speaks", "hangup_speaks.xml:7: play bye follows the "
	    "hang-up node \"gone\" (line 6), where the line is gone", 1);
	expect("hangup_unset", "hangup_unset.xml:18: if reads variable "
	    "\"late\", which is not set on every path to it", 1);
	return tap_done();
}
