/*
 * flow-real.c: the shipped flows (flows/NAME.xml) through the real mapping
 * engine, say-rules and prompt catalogs (flow/services.c) on a SQLite
 * built-in catalog with the demo data: they check clean, and scripted
 * calls hear real prices, promotions and the language switch.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "svc/svc.h"
#include "flow/flow.h"
#include "map/map.h"
#include "store/store.h"
#include "t/tap.h"

static struct flow_set *set;
static const struct flow_env *env;
static struct flow_record rec;
static struct flow_script *sc;

static const char *
call(const char *lang, const char *script)
{
	struct flow_call_info info = { "main", lang, NULL, "test", "test-1" };
	char *cause = NULL;

	flow_script_free(sc);
	flow_record_clear(&rec);
	sc = flow_script_new(script);
	if (flow_run(set, env, &info, &flow_script_ops, sc, &rec,
	    &cause) == -1) {
		tap_diag("flow_run: %s", cause);
		free(cause);
	}
	return flow_script_heard(sc);
}

/*
 * The rows of each page heard: after `start`, the "text" prompts (two a
 * row: name and kind) up to each `offer`, until `end`; "5 5 5".
 */
static char *
page_rows(const char *heard, const char *start, const char *offer,
    const char *end)
{
	struct strbuf sb = STRBUF_INIT;
	char *copy = xstrdup(heard), *tok, *save = NULL;
	int on = 0, texts = 0;

	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, start) == 0)
			on = 1;
		else if (on && strcmp(tok, "text") == 0)
			texts++;
		else if (on && strcmp(tok, offer) == 0) {
			sb_addf(&sb, "%s%d", sb.len ? " " : "", texts / 2);
			texts = 0;
		} else if (on && strcmp(tok, end) == 0)
			break;
	}
	free(copy);
	return sb_steal(&sb);
}

/* The prompt ids the say-rules give for a value, space-separated. */
static char *
said(const char *lang, const char *as, const char *value)
{
	struct flow_prompts ps = { NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;
	size_t i;

	if (env->say->say(env->say_arg, lang, as, value, NULL, -1, &ps,
	    &cause) == -1) {
		tap_diag("say: %s", cause);
		free(cause);
	}
	for (i = 0; i < ps.n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", ps.v[i].id);
	flow_prompts_clear(&ps);
	return sb_steal(&sb);
}

/* Set the stock of the product with this PLU in the SQLite catalog. */
static void
set_stock(const struct conf *conf, const struct db_adapters *ads,
    const char *plu, const char *stock)
{
	struct map_pools *pools = NULL;
	struct db_param p[2] = { { DBV_DECIMAL, 0, 0, stock },
	    { DBV_TEXT, 0, 0, plu } };
	struct db_query q = { .sql = "UPDATE products SET stock = ? "
	    "WHERE plu = ?", .params = p, .nparams = 2, .writes = 1 };
	struct db_result *res = NULL;
	struct db_err err;
	char *cause = NULL;

	if (map_pools_open(conf, ads, &pools, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		return;
	}
	if (db_run(map_pools_source(pools, "catalog"), &q, &res, &err) == -1)
		tap_diag("update stock: %s", err.msg);
	db_result_free(res);
	map_pools_close(pools);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	char tmp[] = "/tmp/kefu-flow-real-XXXXXX", *text, *cause = NULL;
	char *path, *schema, *dir, *want, *needle, *pages, today[11];
	struct conf *conf = NULL;
	struct db_adapters *ads = NULL;
	struct map_pools *pools = NULL;
	struct svc *svc = NULL;
	struct svc_set *sset = NULL;
	struct catalog_opts opts = { 1, 0, CATALOG_SEED, NULL };
	struct demo *demo = NULL;
	struct strbuf out = STRBUF_INIT;
	int n;

	/* the catalog's today is taken once, the calls' later */
	tap_hour(13, 0);
	if (src == NULL)
		src = ".";
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot make a temporary folder");
	log_open("flow_real", "-", KLOG_ERROR, NULL);
	path = xasprintf("%s/kefu.conf", tmp);
	text = xasprintf("[kefu]\nmappings = %s/mappings/catalog\n"
	    "adapters = %s/adapters\nflows = %s/flows\nprompts = %s/prompts\n"
	    "sql = %s/sql\nlanguages = zh-CN,yue\n"
	    "[datasource catalog]\n"
	    "connect = Driver=SQLite3;Database=%s/catalog.db\n"
	    "adapter = sqlite\n", src, src, src, src, src, tmp);
	schema = xasprintf("%s/mappings/mapping.rng", src);
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	if (conf_parse(path, text, &conf, &cause) == -1 ||
	    db_adapters_load(conf->adapters_dir, &ads, &cause) == -1 ||
	    map_pools_open(conf, ads, &pools, &cause) == -1) {
		tap_diag("%s", cause);
		tap_bail("the shipped configuration, adapters or mappings "
		    "do not load");
	}
	free(text);
	catalog_today(today);
	opts.today = today;
	if (catalog_build(map_pools_source(pools, "catalog"), conf->sql_dir,
	    &opts, &cause) == -1) {
		tap_diag("%s", cause);
		tap_bail("cannot build the SQLite demo catalog (SQLite3 "
		    "ODBC driver?)");
	}
	map_pools_close(pools);
	pools = NULL;
	ok(svc_open(conf, SVC_NOFLOWS, &svc, &cause) == 0,
	    "real services open: %s",
	    cause ? cause : "ok");
	if (svc == NULL)
		return tap_done();
	sset = svc_acquire(svc);
	env = &sset->env;
	dir = xasprintf("%s/flows", src);
	ok(flow_set_load(dir, NULL, &set, &cause) == 0,
	    "shipped flows load: %s",
	    cause ? cause : "ok");
	free(dir);
	if (set == NULL)
		return tap_done();

	n = flow_check(set, env, &out);
	is_int(n, 0,
	    "shipped flows check clean against the real mappings and prompts");
	if (n != 0)
		tap_diag("%s", sb_str(&out));
	sb_free(&out);

	if (demo_build(CATALOG_SEED, today, &demo, &cause) == -1) {
		tap_diag("%s", cause);
		return tap_done();
	}
	/* price of the first demo product, by barcode */
	text = xasprintf("1 %s# *", demo->products[0].barcode);
	call("zh-CN", text);
	free(text);
	is_int(rec.nqueries, 1, "one query");
	if (rec.nqueries >= 1) {
		is_str(rec.queries[0].mapping, "catalog.price",
		    "mapping catalog.price");
		is_int(rec.queries[0].outcome, FLOW_Q_FOUND, "found in SQLite");
	}
	want = said("zh-CN", "money", demo->products[0].price);
	needle = xasprintf("text price.is %s", want);
	like(flow_script_heard(sc), needle, "price read out in yuan/jiao/fen");
	free(needle);
	free(want);
	if (atof(demo->products[0].stock) > 0)
		like(flow_script_heard(sc), "stock.in stock.qty_is",
		    "in stock, with its quantity");
	else
		like(flow_script_heard(sc), "stock.out", "out of stock said");
	like(flow_script_heard(sc), "price.again menu.price",
	    "* goes back to the menu");

	/* a stock with a fraction, and one the say-rules cannot read */
	set_stock(conf, ads, demo->products[0].plu, "49.5");
	text = xasprintf("1 %s# *", demo->products[0].plu);
	call("zh-CN", text);
	like(flow_script_heard(sc), "stock.qty_is num.4 num.10 num.9 "
	    "num.point num.5 mw.", "stock 49.5 read as 四十九点五");
	set_stock(conf, ads, demo->products[0].plu, "12.3456");
	call("zh-CN", text);
	free(text);
	like(flow_script_heard(sc), "stock.qty_is sys.cannot_say price.again",
	    "a stock the rules cannot read (4 decimals): an apology, "
	    "not silence");

	/* the same product by PLU, in Cantonese */
	text = xasprintf("1 %s#", demo->products[0].plu);
	call("yue", text);
	free(text);
	want = said("yue", "money", demo->products[0].price);
	needle = xasprintf("price.is %s", want);
	like(flow_script_heard(sc), needle,
	    "PLU lookup, Cantonese money reading");
	free(needle);
	free(want);

	call("zh-CN", "1 4006381333931#");
	like(flow_script_heard(sc),
	    "price.ask_code price.not_found price.again",
	    "valid barcode not in the catalog");
	call("zh-CN", "1 6901234567893#");
	like(flow_script_heard(sc),
	    "price.ask_code input.invalid price.ask_code",
	    "bad check digit refused before the database");
	is_int(rec.nqueries, 0, "no query for a bad barcode");

	call("zh-CN", "2 1 1 *");
	like(flow_script_heard(sc), "menu.repeat promo.count num.2 num.10 "
	    "num.1 mw.jian text text", "promotions: the count (21), then "
	    "row by row");
	ok(rec.nqueries == 1 && rec.queries[0].outcome == FLOW_Q_FOUND,
	    "catalog.promotions_today found");
	pages = page_rows(flow_script_heard(sc), "promo.count", "list.more",
	    "menu.price");
	is_str(pages, "5 5 5", "three pages of five (name and kind each), "
	    "the offer after each");
	free(pages);
	like(flow_script_heard(sc), "list.more menu.price",
	    "* after the third page: back to the menu");
	ok(strstr(flow_script_heard(sc), "list.last") == NULL,
	    "not the last page yet");
	call("yue", "2 *");
	like(flow_script_heard(sc), "promo.count num.2 num.10 num.1 mw.jian",
	    "Cantonese: the count too");
	like(flow_script_transcript(sc), "play list.more 聽下一頁",
	    "and the offer in Cantonese");

	call("zh-CN", "3 *");
	like(flow_script_heard(sc), "notice.count num.7 mw.tiao text text "
	    "text list.more", "notices: the count, a page of three, the offer");

	call("zh-CN", "8 4");
	like(flow_script_transcript(sc), "play lang.switched 已經",
	    "switched to Cantonese");
	like(flow_script_heard(sc), "lang.switched menu.price", "menu again");
	like(flow_script_heard(sc), "menu.repeat member.menu",
	    "4: the members' menu");
	is_str(rec.lang, "yue", "call ends in Cantonese");

	call("zh-CN", "~ ~ ~");
	like(flow_script_heard(sc), "input.timeout input.too_many sys.goodbye",
	    "silence: escalation and goodbye");
	is_int(rec.end, FLOW_END_FLOW, "the flow hung up");

	demo_free(demo);
	flow_script_free(sc);
	flow_record_clear(&rec);
	flow_set_unref(set);
	svc_release(sset);
	svc_close(svc);
	conf_free(conf);
	db_adapters_free(ads);
	text = xasprintf("%s/catalog.db", tmp);
	unlink(text);
	free(text);
	unlink(path);
	rmdir(tmp);
	free(path);
	free(schema);
	return tap_done();
}
