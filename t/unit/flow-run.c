/*
 * flow-run.c: the interpreter (flow/run.c) over scripted calls
 * (flow/script.c) with fake mappings, say-rules and prompts: what the
 * caller hears, the call's path, its queries and how it ended.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "flow/flow-int.h"
#include "t/tap.h"
#include "t/unit/flow-fake.h"

static struct flow_set *set;
static struct flow_env env;
static struct flow_record rec;
static struct flow_script *sc;

#define MENU "m.welcome m.price m.promos m.sub m.noint m.record " \
	"m.confirm m.lang"
#define AGAIN "m.again m.price m.promos m.sub m.noint m.record " \
	"m.confirm m.lang"

/* Place one call to flow in lang with a key script; sc keeps the transcript. */
static const char *
call_flow(const char *flow, const char *lang, const char *script)
{
	struct flow_call_info info = { flow, lang, "13800138000", "sim1",
	    "sim1-1" };
	char *cause = NULL;

	flow_script_free(sc);
	flow_record_clear(&rec);
	sc = flow_script_new(script);
	if (flow_run(set, &env, &info, &flow_script_ops, sc, &rec,
	    &cause) == -1) {
		tap_diag("flow_run: %s", cause);
		free(cause);
	}
	return flow_script_heard(sc);
}

static const char *
call(const char *script)
{
	return call_flow("main", "zh-CN", script);
}

static void
test_price(void)
{
	call("1 6901234567892#");
	is_str(flow_script_heard(sc), MENU " p.ask p.is say.money:12.50 " MENU,
	    "price found: menu, ask, price, menu again");
	like(flow_script_transcript(sc), "play p.is (zh)\n",
	    "transcript has ids and texts");
	like(flow_script_transcript(sc), "key 1\nplay p.ask (zh)\nkey 6\nkey 9",
	    "keys in transcript");
	is_int(rec.end, FLOW_END_CALLER, "script end: caller hung up");
	like(rec.reason, "caller hung up in main:top", "where the caller left");
	is_int(rec.nqueries, 1, "one query logged");
	if (rec.nqueries == 1) {
		is_str(rec.queries[0].mapping, "price", "query mapping");
		is_str(rec.queries[0].bound, "code=6901234567892",
		    "bound values");
		is_int(rec.queries[0].outcome, FLOW_Q_FOUND, "query outcome");
	}
	like(rec.path.s,
	    "main:top main:price main:lookup main:tell main:goto@28 main:top",
	    "path through the flow");

	call("1 1234#");
	like(flow_script_heard(sc), "p.ask p.is say.money:2.00", "PLU found");

	call("1 1234~");
	like(flow_script_heard(sc), "p.ask p.is say.money:2.00",
	    "entry ended by the inter-digit timeout, no # needed");

	call("1 4006381333931#");
	like(flow_script_heard(sc), "p.ask p.notfound " MENU,
	    "price not found");
	is_int(rec.queries[0].outcome, FLOW_Q_EMPTY, "outcome empty");

	call("1 6901234567893# 6901234567892#");
	like(flow_script_heard(sc), "p.ask p.bad p.ask p.is say.money:12.50",
	    "bad check digit: invalid prompt, asked again");
	is_int(rec.nqueries, 1, "invalid barcode never reaches the mapping");

	call("1 12#");
	like(flow_script_heard(sc), "p.ask p.bad p.ask",
	    "too few digits is invalid");

	fake_force_on = 1;
	fake_force = FLOW_Q_TIMEOUT;
	call("1 6901234567892#");
	like(flow_script_heard(sc), "p.ask sys.busy " MENU,
	    "query timeout falls back to the error branch");
	is_int(rec.queries[0].outcome, FLOW_Q_TIMEOUT, "timeout logged");
	fake_force = FLOW_Q_INVALID;
	call("1 6901234567892#");
	like(flow_script_heard(sc), "p.ask p.bad " MENU,
	    "mapping rejects input: invalid branch");
	fake_force_on = 0;
}

static void
test_retries(void)
{
	call("1 ~ ~");
	is_str(flow_script_heard(sc),
	    MENU " p.ask m.timeout p.ask m.timeout sys.goodbye",
	    "input: two timeouts then escalation");
	is_int(rec.end, FLOW_END_FLOW, "the flow hung up");
	like(flow_script_transcript(sc), "hangup flow",
	    "channel hung up by the flow");

	call("8 7");
	is_str(flow_script_heard(sc),
	    MENU " m.invalid " AGAIN " m.invalid sys.goodbye",
	    "menu: invalid keys, short greeting on retry, then escalation");

	call("~ ~");
	is_str(flow_script_heard(sc),
	    MENU " m.timeout " AGAIN " m.timeout sys.goodbye",
	    "menu: silence twice then escalation");
	like(rec.path.s, "main:top main:operator", "escalated to operator");
}

static void
test_language(void)
{
	call("9 9");
	like(flow_script_transcript(sc),
	    "play m.lang (zh)\nkey 9\nplay m.welcome (yue)",
	    "9 switches to Cantonese");
	like(flow_script_transcript(sc),
	    "play m.lang (yue)\nkey 9\nplay m.welcome (zh)",
	    "9 again switches back to Mandarin");
	is_str(rec.lang, "zh-CN", "language at the end of the call");
	call("9");
	is_str(rec.lang, "yue", "language recorded");
}

/* A <play lang=>: that language's catalog, say-rules and voice. */
static void
test_play_lang(void)
{
	call_flow("offer", "zh-CN", "");
	is_str(flow_script_voiced(sc),
	    "zh-CN:o.own yue:o.other yue:say.number:8 zh-CN:o.after",
	    "play lang=yue in a Mandarin call is played in Cantonese");
	like(flow_script_transcript(sc),
	    "play o.own (zh)\nplay o.other (yue)\n",
	    "its text comes from the Cantonese catalog");
	call_flow("offer", "yue", "");
	is_str(flow_script_voiced(sc),
	    "yue:o.own yue:o.other yue:say.number:8 yue:o.after",
	    "in a Cantonese call everything is Cantonese");
}

#define PAGE1 "say.number:1 say.number:2 say.number:3"
#define PAGE2 "say.number:4 say.number:5 say.number:6"
#define PAGE3 "say.number:7"

/* A paged <foreach>: count, page, offer of more / repeat / back. */
static void
test_pages(void)
{
	call_flow("pages", "zh-CN", "1 0 1 *");
	is_str(flow_script_heard(sc), "l.count say.number:7 " PAGE1 " l.more "
	    PAGE2 " l.more " PAGE2 " l.more " PAGE3 " l.last l.back",
	    "three pages: more, repeat, more, back after the last page");
	like(rec.path.s, "pages:deals pages:count pages:foreach@", "path");
	is_int(rec.end, FLOW_END_FLOW,
	    "back leaves the list, the flow goes on");

	call_flow("pages", "zh-CN", "1 !1 *");
	is_str(flow_script_heard(sc), "l.count say.number:7 " PAGE1 " l.more "
	    "say.number:4 " PAGE3 " l.last l.back",
	    "a key during a page answers the offer at once (barge-in)");
	like(flow_script_transcript(sc), "play say.number:4 4 [interrupted]\n"
	    "key 1\nplay say.number:7", "the rest of page 2 is not read");

	call_flow("pages", "zh-CN", "*");
	is_str(flow_script_heard(sc), "l.count say.number:7 " PAGE1 " l.more "
	    "l.back", "back after the first page");

	call_flow("pages", "zh-CN", "5 1 1 1 *");
	is_str(flow_script_heard(sc), "l.count say.number:7 " PAGE1 " l.more "
	    "m.invalid l.more " PAGE2 " l.more " PAGE3 " l.last m.invalid "
	    "l.last l.back", "a wrong key, or more after the last page, is "
	    "invalid: the offer is made again");

	call_flow("pages", "zh-CN", "~ ~");
	is_str(flow_script_heard(sc), "l.count say.number:7 " PAGE1 " l.more "
	    "m.timeout l.more m.timeout l.back",
	    "silence twice (max-timeouts 2) leaves the list");
}

static void
test_subflow(void)
{
	call("3");
	like(flow_script_heard(sc),
	    MENU " s.hello say.number:2 say.number:42 " MENU,
	    "sub-flow gets its param and returns its output");
	like(rec.path.s, "main:sub sub:play@6 sub:say@7 sub:set@8 "
	    "sub:return@9 main:after_sub",
	    "path enters and leaves the sub-flow");
}

static void
test_bargein(void)
{
	call("!1 6901234567892#");
	is_str(flow_script_heard(sc),
	    "m.welcome p.ask p.is say.money:12.50 " MENU,
	    "barge-in: key stops the greeting and selects at once");
	like(flow_script_transcript(sc),
	    "play m.welcome (zh) [interrupted]\nkey 1\n",
	    "interrupted prompt in transcript");

	call("4 !1");
	like(flow_script_transcript(sc),
	    "key 1 [ignored: no barge-in]\nplay n.long (zh)\n",
	    "barge-in off: the key is discarded, the prompt plays");
	like(flow_script_heard(sc), "n.long " MENU, "and the menu returns");
	ok(strstr(flow_script_heard(sc), "p.ask") == NULL,
	    "discarded key selected nothing");

	call("1 !6901234567892#");
	like(flow_script_heard(sc), "p.ask p.is",
	    "typeahead: first digit barges into the ask");
	is_str(rec.queries[0].bound, "code=6901234567892",
	    "no digit lost to barge-in");
}

static void
test_hangup(void)
{
	call("^");
	is_str(flow_script_transcript(sc),
	    "play m.welcome (zh) [caller hung up]\n",
	    "hang-up mid-prompt stops at once");
	is_int(rec.end, FLOW_END_CALLER, "caller ended the call");
	like(rec.reason, "main:top", "in the menu");

	call("1 69012^");
	is_int(rec.end, FLOW_END_CALLER, "hang-up while typing");
	is_int(rec.nqueries, 0, "no query after hang-up");
}

/* The query a hang-up node made (code=STAGE), or "" when none. */
static const char *
gone_query(size_t first)
{
	return rec.nqueries > first ? rec.queries[first].bound : "";
}

/*
 * A flow's hangup= node runs with the line gone: after a hang-up in the
 * flow or in a sub-flow it called, never after the flow's own <hangup>,
 * and stops at a node that would speak and after 100 nodes.
 */
static void
test_gone(const char *src, const char *schema)
{
	char path[4096], *cause = NULL;
	const char *files[1] = { path };
	struct flow_set *bad;

	call_flow("gone", "zh-CN", "^");
	is_str(flow_script_heard(sc), "g.hello",
	    "gone: hang-up before recording");
	is_int(rec.nqueries, 0, "no message: the hang-up node asks nothing");
	like(rec.reason, "caller hung up in gone:start; then the hang-up "
	    "node ran", "the reason says the hang-up node ran");
	like(rec.path.s, "gone:start gone:left gone:end",
	    "path: the hang-up node after the menu");

	call_flow("gone", "zh-CN", "1 ^");
	is_str(gone_query(0), "code=0", "hang-up while recording: the "
	    "message is kept (stage 0)");
	is_int(rec.end, FLOW_END_CALLER, "still a caller's hang-up");

	call_flow("gone", "zh-CN", "1 ~ ^");
	is_str(gone_query(0), "code=1", "hang-up in the review menu: kept "
	    "(stage 1)");
	is_int(rec.nqueries, 1, "one query");

	call_flow("gone", "zh-CN", "1 ~ 1 ^");
	like(flow_script_heard(sc), "s.hello", "in the sub-flow");
	is_str(gone_query(0), "code=1", "hang-up in a sub-flow: the caller's "
	    "hang-up node runs in its own frame");
	like(rec.reason, "caller hung up in sub:", "where it was heard");

	call_flow("gone", "zh-CN", "1 ~ 2 ^");
	is_int(rec.nqueries, 1, "hang-up after sending: only the send");
	is_str(gone_query(0), "code=2", "the send's query");

	call_flow("gone", "zh-CN", "1 ~ 2");
	is_int(rec.end, FLOW_END_FLOW, "the flow's own <hangup>");
	is_int(rec.nqueries, 1, "... runs no hang-up node");

	call_flow("gone_loop", "zh-CN", "^");
	like(rec.reason, "then the hang-up node stopped at gone_loop:again: "
	    "more than 100 nodes", "a looping hang-up node is stopped");
	ok(rec.steps < 200, "after about 100 steps (%d)", rec.steps);

	snprintf(path, sizeof path, "%s/t/data/flow/check/hangup_speaks.xml",
	    src);
	if (flow_set_load_files(files, 1, schema, &bad, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		ok(0, "hangup_speaks loads");
		return;
	}
	flow_script_free(sc);
	flow_record_clear(&rec);
	sc = flow_script_new("^");
	{
		struct flow_call_info info = { "hangup_speaks", "zh-CN", NULL,
		    "t", NULL };

		flow_run(bad, &env, &info, &flow_script_ops, sc, &rec, NULL);
	}
	is_str(flow_script_transcript(sc), "play a.ok (zh) [caller hung up]\n",
	    "a hang-up node that would speak: nothing played");
	like(rec.reason, "stopped at hangup_speaks:bye: it would speak or "
	    "listen", "it stops there, quietly");
	flow_set_unref(bad);
}

/*
 * Types cross into a flow as enum flow_type: every word reads back to
 * its type, a misspelt one is refused, and every built-in service's
 * table names types that exist (enum flow_type: a misspelt one does
 * not compile).
 */
static void
test_types(void)
{
	const struct svc_builtin *b[64];
	enum flow_type t, u;
	size_t i, j, n;
	int bad = 0;

	for (t = FLOW_T_TEXT; t <= FLOW_T_RECORDING; t++)
		if (flow_type_parse(flow_type_name(t), &u) == -1 || u != t)
			bad++;
	is_int(bad, 0, "every flow type reads back from its name");
	ok(flow_type_parse("digit", &u) == -1, "\"digit\" is no type");
	is_str(flow_type_name(FLOW_T_DIGITS), "digits", "FLOW_T_DIGITS");
	n = svc_builtin_list(b, 64);
	ok(n > 0 && n <= 64, "%zu built-in services", n);
	for (i = 0; i < n && i < 64; i++) {
		for (j = 0; j < b[i]->nparams; j++)
			if ((unsigned)b[i]->params[j].type > FLOW_T_RECORDING) {
				tap_diag("%s: param %s: type %d", b[i]->name,
				    b[i]->params[j].name,
				    (int)b[i]->params[j].type);
				bad++;
			}
		for (j = 0; j < b[i]->nouts; j++)
			if ((unsigned)b[i]->outs[j].type > FLOW_T_RECORDING) {
				tap_diag("%s: output %s: type %d", b[i]->name,
				    b[i]->outs[j].var, (int)b[i]->outs[j].type);
				bad++;
			}
	}
	is_int(bad, 0, "every built-in service names known types");
	/* .nparams/.nouts count what the table holds (a macro lost in a
	 * table once left two outputs without names: kefu flow check
	 * crashed). */
	bad = 0;
	for (i = 0; i < n && i < 64; i++) {
		for (j = 0; j < b[i]->nparams; j++)
			if (b[i]->params[j].name == NULL) {
				tap_diag("%s: param %zu has no name",
				    b[i]->name, j + 1);
				bad++;
			}
		for (j = 0; j < b[i]->nouts; j++)
			if (b[i]->outs[j].var == NULL) {
				tap_diag("%s: output %zu has no name",
				    b[i]->name, j + 1);
				bad++;
			}
	}
	is_int(bad, 0, "every built-in service names its parameters and "
	    "outputs");
}

/* Names that hold secrets: their values never reach a log. */
static void
test_secrets(void)
{
	char *s;

	ok(flow_secret("pin", SIZE_MAX) &&
	    flow_secret("member_PIN", SIZE_MAX) &&
	    flow_secret("password", SIZE_MAX) && flow_secret("staff_pwd", 9) &&
	    flow_secret("CardNo", SIZE_MAX) && flow_secret("cvv", SIZE_MAX) &&
	    flow_secret("mima", SIZE_MAX) &&
	    flow_secret("api_secret", SIZE_MAX),
	    "pin, password, pwd, card, cvv, mima, secret are secrets, any "
	    "case");
	ok(!flow_secret("code", SIZE_MAX) &&
	    !flow_secret("barcode", SIZE_MAX) &&
	    !flow_secret("plu", SIZE_MAX) && !flow_secret(NULL, 0),
	    "code, barcode, plu are not");
	ok(!flow_secret("pin_x", 2), "only the first len bytes count");
	s = calllog_redact("code=6901234567892 Card_No=6222021234567890 "
	    "pin=1234 day=2026-11-22");
	is_str(s, "code=6901234567892 Card_No=*** pin=*** day=2026-11-22",
	    "the call log keeps the code and the date, hides card and PIN");
	free(s);
}

static void
test_misc(void)
{
	call("2");
	like(flow_script_heard(sc),
	    "say.number:2 pr.item say.money:3.50 pr.item say.money:12.00 " MENU,
	    "foreach says every row, count set");

	call("5 #");
	like(flow_script_transcript(sc),
	    "play r.ask (zh)\nrecord (beep) max=30000ms silence=3000ms\n"
	    "key # [stops recording]\nplay r.thanks", "record with a stop key");
	like(flow_script_transcript(sc), "play r.thanks (zh)\nplay recording "
	    "script-recording-1.wav\n", "<prompt var> of a recording "
	    "plays it back (" FLOW_PROMPT_RECORDING ", its path)");

	call("6 1234# 2 5678# 1");
	like(flow_script_heard(sc), "c.ask c.you_typed say.digits:1234 "
	    "c.ask c.you_typed say.digits:5678 say.digits:5678",
	    "confirm by readback: 2 re-enters, 1 accepts");

	call("6 123456# 1");
	like(flow_script_heard(sc),
	    "c.ask c.you_typed say.digits:123456 say.digits:123456",
	    "# after max-digits is dropped, not taken as the confirm key");
	call("6 123456 # 1");
	like(flow_script_heard(sc),
	    "c.ask c.you_typed say.digits:123456 say.digits:123456",
	    "(the same with a pause before #)");
	call("6 123456 1");
	like(flow_script_heard(sc),
	    "c.you_typed say.digits:123456 say.digits:123456",
	    "without # the next key counts");
	call("1 # 1234#");
	like(flow_script_heard(sc), "p.ask p.bad p.ask p.is say.money:2.00",
	    "a # that does not follow a full entry counts (lone #: too few "
	    "digits)");
	call("6 123456 2 123456 1");
	like(flow_script_heard(sc), "say.digits:123456 c.ask c.you_typed "
	    "say.digits:123456 say.digits:123456",
	    "dropping is one-shot: the key after is taken");

	env.map = NULL;
	call("1 6901234567892#");
	like(flow_script_heard(sc), "p.ask sys.busy",
	    "no mapping engine: down -> error branch");
	is_int(rec.queries[0].outcome, FLOW_Q_DOWN, "down logged");
	env.map = &fake_map_ops;

	env.max_steps = 5;
	call("1 6901234567892# 1 6901234567892#");
	is_int(rec.end, FLOW_END_LOOP, "step limit ends a looping call");
	env.max_steps = 0;

	{
		struct flow_call_info info = { "nope", "zh-CN", NULL, NULL,
		    NULL };
		char *cause = NULL;

		flow_record_clear(&rec);
		ok(flow_run(set, &env, &info, &flow_script_ops, sc, &rec,
		    &cause) == -1,
		    "unknown start flow");
		like(cause, "no flow \"nope\"", "says which");
		free(cause);
	}
}

/* A value that cannot be said: never silence (flow sayerr). */
static void
test_say_error(void)
{
	struct flow_call_info info = { "sayerr", "zh-CN", NULL, "sim1", NULL };

	flow_script_free(sc);
	flow_record_clear(&rec);
	sc = flow_script_new("");
	ok(flow_run(set, &env, &info, &flow_script_ops, sc, &rec, NULL) == 0,
	    "flow sayerr runs");
	is_str(flow_script_heard(sc), "say.quantity:49.000000/2 s.qty_is "
	    FLOW_PROMPT_CANNOT_SAY " s.after s.sorry sys.goodbye",
	    "decimals= reaches the say-rules; a value they cannot read is "
	    "an apology in its place, or the error branch of <play> and "
	    "<say> with nothing of the node said");
	like(rec.path.s, "sayerr:say_err sayerr:say_err2",
	    "error= of <play> and of <say> taken");
}

/*
 * Line threads: each holds its own reference on the shared set and runs
 * calls on it while the "daemon" drops its reference (a reload); the
 * last thread to finish frees the set.  Every call must hear the same.
 */
struct worker {
	struct flow_set *set;
	int bad;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct flow_call_info info = { "main", "zh-CN", NULL, "t", NULL };
	struct flow_record r;
	struct flow_script *s;
	int i;

	for (i = 0; i < 40; i++) {
		s = flow_script_new(i % 2 ? "1 1234# 3" : "2 9 9");
		if (flow_run(w->set, &env, &info, &flow_script_ops, s, &r,
		    NULL) == -1 || strstr(flow_script_heard(s), i % 2 ?
		    "p.is say.money:2.00" : "pr.item say.money:12.00") == NULL)
			w->bad++;
		flow_record_clear(&r);
		flow_script_free(s);
	}
	flow_set_unref(w->set);
	return NULL;
}

static void
test_threads(void)
{
	struct worker w[4];
	pthread_t th[4];
	int i, bad = 0;

	fake_force_on = 0;
	for (i = 0; i < 4; i++) {
		w[i].set = flow_set_ref(set);
		w[i].bad = 0;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	flow_set_unref(set);    /* the daemon swaps in a new set */
	set = NULL;
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	is_int(bad, 0, "4 line threads x 40 calls on one shared set, "
	    "released by the daemon while they run");
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	char dir[4096], schema[4096], *cause = NULL;

	if (src == NULL)
		src = ".";
	snprintf(schema, sizeof schema, "%s/flows/flow.rng", src);
	snprintf(dir, sizeof dir, "%s/t/data/flow/good", src);
	log_open("flow_run", "-", KLOG_ERROR, NULL);
	if (flow_set_load(dir, schema, &set, &cause) == -1) {
		tap_diag("%s", cause);
		ok(0, "test flows load");
		return tap_done();
	}
	fake_env(&env);
	test_price();
	test_retries();
	test_language();
	test_play_lang();
	test_pages();
	test_subflow();
	test_bargein();
	test_hangup();
	test_misc();
	test_secrets();
	test_types();
	test_say_error();
	test_gone(src, schema);
	flow_script_free(sc);
	flow_record_clear(&rec);
	test_threads();
	return tap_done();
}
