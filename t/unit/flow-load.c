/*
 * flow-load.c: tests of the flow loader (flow/load.c): the shipped flows
 * and the test flows load; malformed XML, schema violations, unknown
 * targets and duplicate ids are reported as file:line; reference counts;
 * the limits of one flow file (size, elements, variables).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow/flow-int.h"
#include "t/tap.h"

static char schema[4096], dir[4096];

static char *
load_one(const char *name)
{
	char path[4096], *cause = NULL;
	const char *files[1] = { path };
	struct flow_set *set;

	snprintf(path, sizeof path, "%s/t/data/flow/bad/%s",
	    getenv("KEFU_SRCDIR"), name);
	if (flow_set_load_files(files, 1, schema, &set, &cause) == 0) {
		flow_set_unref(set);
		return NULL;
	}
	return cause;
}

/*
 * Every truncation of a real flow file must be refused with a message
 * naming the file, never crash or load half a flow (run under ASan).
 */
static void
test_truncated(const char *src)
{
	char tmp[] = "/tmp/kefu-flow-trunc-XXXXXX", path[4096], in[4096];
	const char *files[1] = { path };
	struct flow_set *set;
	char *data = NULL, *cause = NULL;
	size_t len, cut;
	FILE *fp;
	int refused = 0, tried = 0, named = 0;

	snprintf(in, sizeof in, "%s/flows/price.xml", src);
	if (mkdtemp(tmp) == NULL || file_read(in, &data, &len, NULL) == -1) {
		ok(0, "truncation test set up");
		return;
	}
	snprintf(path, sizeof path, "%s/price.xml", tmp);
	for (cut = 0; cut < len; cut += 23) {
		if ((fp = fopen(path, "w")) == NULL)
			break;
		fwrite(data, 1, cut, fp);
		fclose(fp);
		tried++;
		cause = NULL;
		if (flow_set_load_files(files, 1, schema, &set, &cause) == -1) {
			refused++;
			if (cause != NULL &&
			    strstr(cause, "price.xml:") != NULL)
				named++;
		} else
			flow_set_unref(set);
		free(cause);
	}
	is_int(refused, tried, "every truncated price.xml is refused (%d cuts)",
	    tried);
	is_int(named, tried, "and the message names file:line");
	unlink(path);
	rmdir(tmp);
	free(data);
}

/* Write a flow of nplays <play>s (ten a line, from line 2) plus tail. */
static char *
limit_write(const char *tmp, size_t nplays, const char *tail)
{
	char *path = xasprintf("%s/big.xml", tmp);
	size_t i;
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		return path;
	fputs("<flow name=\"big\">\n", fp);
	for (i = 0; i < nplays; i++)
		fputs(i % 10 == 9 ? "<play prompt=\"a\"/>\n" :
		    "<play prompt=\"a\"/>", fp);
	if (nplays % 10 != 0)
		fputs("\n", fp);
	fputs(tail, fp);
	fputs("</flow>\n", fp);
	fclose(fp);
	return path;
}

static char *
limit_load(const char *path, struct flow_set **set)
{
	const char *files[1] = { path };
	char *cause = NULL;

	*set = NULL;
	if (flow_set_load_files(files, 1, schema, set, &cause) == -1 &&
	    cause == NULL)
		cause = xstrdup("refused without a reason");
	return cause;
}

/*
 * kefu-flow(5) LIMITS: a file over FLOW_FILE_MAX bytes or
 * FLOW_ELEMENTS_MAX elements is refused with file:line before it is
 * validated; a flow of more than FLOW_VARS_MAX variables is not
 * data-flow checked, and flow_check says so.  Up to the limits they load.
 */
static void
test_limits(void)
{
	char tmp[] = "/tmp/kefu-flow-limit-XXXXXX", *path, *cause, *want;
	struct strbuf tail = STRBUF_INIT, out = STRBUF_INIT;
	struct flow_set *set;
	size_t i;

	if (mkdtemp(tmp) == NULL) {
		ok(0, "limits test set up");
		return;
	}
	/* size: a valid flow padded by a comment to one byte too many */
	sb_adds(&tail, "<!--");
	for (i = 0; i < FLOW_FILE_MAX / 64; i++)
		sb_adds(&tail, "................................"
		    "................................");
	sb_adds(&tail, "-->\n");
	path = limit_write(tmp, 1, sb_str(&tail));
	cause = limit_load(path, &set);
	want = xasprintf("%s: the file is %d bytes; a flow file may have at "
	    "most %d", path, (int)(FLOW_FILE_MAX + 53), FLOW_FILE_MAX);
	like(cause, want, "a flow file over %d bytes is refused, saying "
	    "why", FLOW_FILE_MAX);
	free(want);
	free(cause);
	flow_set_unref(set);
	free(path);
	sb_free(&tail);

	/* elements: the root, then <play>s; element k on line 2 + (k-2)/10 */
	path = limit_write(tmp, FLOW_ELEMENTS_MAX, "");
	cause = limit_load(path, &set);
	want = xasprintf("%s:%d: more than %d elements in one flow file",
	    path, 2 + (FLOW_ELEMENTS_MAX - 1) / 10, FLOW_ELEMENTS_MAX);
	like(cause, want, "element %d is refused at its file:line",
	    FLOW_ELEMENTS_MAX + 1);
	free(want);
	free(cause);
	flow_set_unref(set);
	free(path);
	path = limit_write(tmp, FLOW_ELEMENTS_MAX - 1, "");
	cause = limit_load(path, &set);
	ok(cause == NULL && set != NULL && set->flows[0]->nnodes ==
	    FLOW_ELEMENTS_MAX - 1, "%d elements load: %s", FLOW_ELEMENTS_MAX,
	    cause ? cause : "ok");
	free(cause);
	flow_set_unref(set);
	free(path);

	/* variables: 4 built in (caller, lang, line, call) and one per <set> */
	for (i = 0; i < FLOW_VARS_MAX - 3; i++)
		sb_addf(&tail, "<set var=\"v%zu\" value=\"1\"/>\n", i);
	path = limit_write(tmp, 0, sb_str(&tail));
	cause = limit_load(path, &set);
	ok(cause == NULL && set != NULL, "a flow of %d variables loads: %s",
	    FLOW_VARS_MAX + 1, cause ? cause : "ok");
	if (set != NULL) {
		ok(flow_check(set, NULL, &out) == 1, "flow_check finds one "
		    "problem");
		want = xasprintf("%s:1: flow big uses %d variables, more than "
		    "%d", path, FLOW_VARS_MAX + 1, FLOW_VARS_MAX);
		like(sb_str(&out), want, "too many variables: file:line");
		free(want);
		sb_reset(&out);
		flow_set_unref(set);
	}
	free(cause);
	free(path);
	sb_reset(&tail);
	for (i = 0; i < FLOW_VARS_MAX - 4; i++)
		sb_addf(&tail, "<set var=\"v%zu\" value=\"1\"/>\n", i);
	path = limit_write(tmp, 0, sb_str(&tail));
	cause = limit_load(path, &set);
	if (set != NULL) {
		is_int(flow_check(set, NULL, &out), 0, "%d variables are "
		    "checked: %s", FLOW_VARS_MAX, sb_str(&out));
		flow_set_unref(set);
	} else
		ok(0, "a flow of %d variables loads: %s", FLOW_VARS_MAX, cause);
	free(cause);
	unlink(path);
	free(path);
	sb_free(&tail);
	sb_free(&out);
	rmdir(tmp);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct flow_set *set;
	struct flow *f;
	struct flow_node *n;
	char *cause = NULL;

	if (src == NULL)
		src = ".";
	snprintf(schema, sizeof schema, "%s/flows/flow.rng", src);

	snprintf(dir, sizeof dir, "%s/flows", src);
	ok(flow_set_load(dir, schema, &set, &cause) == 0,
	    "shipped flows load: %s", cause ? cause : "ok");
	if (set != NULL) {
		ok(flow_set_has(set, "main"), "main flow present");
		ok(flow_set_has(set, "price"), "price flow present");
		flow_set_unref(set);
	}
	free(cause);
	cause = NULL;

	snprintf(dir, sizeof dir, "%s/t/data/flow/good", src);
	ok(flow_set_load(dir, schema, &set, &cause) == 0,
	    "test flows load: %s", cause ? cause : "ok");
	if (set == NULL)
		return tap_done();
	is_int(flow_set_count(set), 7, "seven flows");
	f = flow_set_find(set, "main");
	ok(f != NULL && f->start != NULL && strcmp(f->start->id, "top") == 0,
	    "start is the first node");
	n = flow_find_node(f, "top");
	is_int(n->nedges, 8, "menu: 7 items + escalate");
	ok(flow_node_edge(n, "9") != NULL &&
	    strcmp(flow_node_edge(n, "9")->to->id, "lang") == 0,
	    "menu key 9 -> lang");
	n = flow_find_node(f, "tell");
	ok(flow_node_edge(n, "next") != NULL &&
	    flow_node_edge(n, "next")->to->kind == FK_GOTO,
	    "implicit next is the following sibling");
	n = flow_find_node(f, "lang");
	ok(flow_node_edge(n, "else") != NULL &&
	    flow_node_edge(n, "else")->to->kind == FK_LANG,
	    "if: else defaults to the following sibling");
	n = flow_find_node(f, "price");
	is_int(n->dig.terminator, '#', "input terminator defaults to #");
	is_int(n->dig.first_ms, 5000, "input first-digit timeout default 5s");
	is_int(n->dig.min_digits, 4, "min-digits read");
	f = flow_set_find(set, "pages");
	n = f != NULL ? f->nodes[2] : NULL;
	ok(n != NULL && n->kind == FK_FOREACH && n->page == 3 &&
	    n->more_key == '1' && n->repeat_key == '0' &&
	    n->back_key == '*' && n->dig.first_ms == 4000 &&
	    n->max_timeouts == 2 && n->max_rows == 1000,
	    "paged foreach: page, default keys 1 0 *, timeout, no row cap");
	f = flow_set_find(set, "offer");
	ok(f != NULL && f->nodes[1]->kind == FK_PLAY &&
	    f->nodes[1]->lang != NULL &&
	    strcmp(f->nodes[1]->lang, "yue") == 0 &&
	    f->nodes[0]->lang == NULL, "play lang= read");
	f = flow_set_find(set, "main");
	n = flow_find_node(f, "rec");
	is_int(n->rec.max_ms, 30000, "record max-length 30s");
	is_int(n->rec.silence_ms, 3000, "record silence 3s");
	f = flow_set_find(set, "sayerr");
	n = f != NULL ? f->start->edges[0].to : NULL;
	ok(n != NULL && n->kind == FK_SAY && n->npieces == 1 &&
	    n->pieces[0].decimals == 2, "say decimals=\"2\" read");
	n = f != NULL ? flow_find_node(f, "say_err") : NULL;
	ok(n != NULL && flow_node_edge(n, "error") != NULL &&
	    strcmp(flow_node_edge(n, "error")->to->id, "say_err2") == 0 &&
	    n->pieces[0].decimals == -1, "say error= is an edge; no "
	    "decimals= is -1");
	/* reference counting: the set survives while a call holds it */
	flow_set_ref(set);
	flow_set_unref(set);
	ok(flow_set_has(set, "sub"), "set alive after ref+unref");
	flow_set_unref(set);

	cause = load_one("malformed.xml");
	like(cause, "malformed.xml:4:", "malformed XML: file:line");
	free(cause);
	cause = load_one("schema.xml");
	like(cause, "schema.xml:4:", "schema violation: file:line");
	like(cause, "dance", "schema violation names the element");
	free(cause);
	cause = load_one("hangup.xml");
	like(cause, "hangup.xml:3: hangup \"nope\": no node with that id",
	    "hangup= naming no node: file:line");
	free(cause);
	cause = load_one("target.xml");
	like(cause, "target.xml:4: goto \"nowhere\": no node",
	    "unknown target: file:line");
	free(cause);
	cause = load_one("decimals.xml");
	like(cause, "decimals.xml:5: decimals=\"12\": at most 9",
	    "decimals above 9 refused: file:line");
	like(cause, "decimals.xml:6: error \"gone\": no node",
	    "error= of a play to an unknown node: file:line");
	like(cause, "decimals.xml:7: decimals= is for as=\"number\" and "
	    "as=\"quantity\"", "decimals= on money refused");
	free(cause);
	cause = load_one("pager.xml");
	like(cause, "pager.xml:4: foreach page=\"3\" needs more-prompt=",
	    "a paged list needs its offer");
	like(cause, "pager.xml:4: foreach: more-key, repeat-key and back-key "
	    "must be three different keys", "one key for two choices");
	like(cause, "pager.xml:7: foreach: more-prompt= and last-prompt= need "
	    "page=", "an offer without pages");
	free(cause);
	cause = load_one("dupid.xml");
	like(cause, "dupid.xml:4: duplicate id \"x\" (first at line 3)",
	    "duplicate id");
	free(cause);

	/* a missing schema is an error, not a crash */
	{
		const char *files[1] = { "/nonexistent/x.xml" };
		cause = NULL;
		ok(flow_set_load_files(files, 1, "/nonexistent.rng", &set,
		    &cause) == -1,
		    "missing schema fails");
		free(cause);
	}
	test_truncated(src);
	test_limits();
	ok(flow_gtin_ok("6901234567892"), "EAN-13 check digit ok");
	ok(!flow_gtin_ok("6901234567893"), "EAN-13 bad check digit");
	ok(flow_gtin_ok("96385074"), "EAN-8 ok");
	ok(flow_gtin_ok("036000291452"), "UPC-A ok");
	ok(!flow_gtin_ok("12345"), "5 digits is no GTIN");
	return tap_done();
}
