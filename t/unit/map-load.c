/*
 * map-load.c: the mapping loader (map/load.c) on the test mappings of
 * t/data/map: a good set loads with every field as written; each broken
 * file is refused with its own file:line and reason (the expected ones
 * are written in the file's first line as "<!-- expect: LINE: TEXT -->").
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "map/map.h"
#include "util/util.h"
#include "../tap.h"

static const char *srcdir;
static char *schema;
static struct conf *conf;

static int
load(const char *path, const struct conf *c, struct map_set **out,
    char **cause)
{
	struct map_load_cfg cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.path = path;
	cfg.conf = c;
	cfg.schema = schema;
	*cause = NULL;
	return map_load(&cfg, out, cause);
}

static void
test_good(void)
{
	struct map_set *set = NULL;
	const struct map_info *mi;
	const struct map *m;
	char *cause, *dir = xasprintf("%s/t/data/map/good", srcdir);

	is_int(load(dir, conf, &set, &cause), 0, "good mappings load%s%s",
	    cause ? ": " : "", cause ? cause : "");
	free(dir);
	if (set == NULL)
		return;
	is_int(map_count(set), 6, "six mappings");
	is_str(map_info(map_at(set, 0))->name, "barcode", "sorted by name");
	ok(map_find(set, "nope") == NULL, "unknown name not found");
	m = map_find(set, "price");
	mi = map_info(m);
	is_str(mi->datasource, "erp", "price: datasource");
	like(mi->description, "Name, price and unit", "price: description");
	like(mi->file, "good/price.xml", "price: file");
	is_int(mi->line, 3, "price: line");
	is_int(mi->nparams, 1, "price: one parameter");
	is_int(mi->params[0].min_len, 4, "price: min-length");
	is_int(mi->params[0].max_len, 13, "price: max-length");
	is_int(mi->nsql, 3, "price: three SQL variants");
	ok(mi->sql[0].dialect == NULL, "price: default variant first");
	is_str(mi->sql[2].dialect, "oracle", "price: oracle variant");
	is_int(mi->sql[0].nmarkers, 2, "price: :code used twice");
	like(mi->sql[0].bound, "barcode = ? OR CAST(plu AS VARCHAR(14)) = ?",
	    "price: markers");
	ok(strchr(mi->sql[0].bound, ':') == NULL, "price: no :name left");
	is_int(mi->rows, MAPROWS_ONE, "price: rows one");
	is_int(mi->max_rows, 1, "price: max one row");
	is_int(mi->ncolumns, 4, "price: four columns");
	is_str(mi->columns[0].var, "product_name", "price: var of name");
	is_int(mi->columns[1].type, DBV_DECIMAL, "price: decimal price");
	is_int(mi->columns[3].type, DBV_BOOL, "price: boolean on_sale");
	ok(map_sql_for(m, "oracle") == &mi->sql[2], "oracle gets its SQL");
	ok(map_sql_for(m, "mysql") == &mi->sql[1], "mysql gets its SQL");
	ok(map_sql_for(m, "postgresql") == &mi->sql[0], "others the default");
	ok(map_sql_for(m, NULL) == &mi->sql[0], "no adapter: the default");
	mi = map_info(map_find(set, "search"));
	is_int(mi->max_rows, 3, "search: max-rows");
	is_int(mi->on_many, MAP_ON_MANY_MANY, "search: on-many many");
	is_str(mi->columns[1].var, "price", "search: var defaults to name");
	mi = map_info(map_find(set, "promo"));
	is_int(mi->params[1].optional, 1, "promo: day optional");
	is_str(mi->params[0].max, "99999", "promo: max");
	is_int(mi->on_many, MAP_ON_MANY_FIRST, "promo: on-many first");
	is_int(mi->sql[0].nmarkers, 3, "promo: three markers");
	is_int(mi->sql[0].markers[2], 1, "promo: third marker is :day");
	is_int(mi->params[1].today, 0, "promo: day has no default");
	mi = map_info(map_find(set, "promo_today"));
	is_int(mi->params[1].today, 1, "promo_today: day defaults to today");
	is_int(mi->params[1].optional, 0, "... which is not optional=");
	mi = map_info(map_find(set, "stock_set"));
	is_int(mi->writes, 1, "stock_set writes");
	is_int(mi->rows, MAPROWS_NONE, "stock_set: no rows");
	mi = map_info(map_find(set, "barcode"));
	is_int(mi->params[0].check, MAPC_GTIN, "barcode: gtin check");
	map_set_free(set);
}

/* The "<!-- expect: LINE: TEXT -->" of a broken file. */
static char *
expectation(const char *path, char **text)
{
	char *data, *p, *e, *want, *colon;
	size_t len;

	if (file_read(path, &data, &len, NULL) == -1)
		return NULL;
	if ((p = strstr(data, "expect: ")) == NULL ||
	    (e = strstr(p, " -->")) == NULL) {
		free(data);
		return NULL;
	}
	*e = '\0';
	colon = strchr(p + 8, ':');
	*colon = '\0';
	want = xasprintf("%s:%s: ", path, p + 8);
	*text = xstrdup(colon + 2);
	free(data);
	return want;
}

static void
test_bad_one(const char *path)
{
	struct map_set *set = NULL;
	char *cause, *text = NULL, *want = expectation(path, &text);
	int rc;

	rc = load(path, conf, &set, &cause);
	is_int(rc, -1, "%s refused", strrchr(path, '/') + 1);
	if (want != NULL) {
		like(cause, want, "%s: file:line", strrchr(path, '/') + 1);
		like(cause, text, "%s: reason", strrchr(path, '/') + 1);
	} else
		like(cause, path, "%s: names the file", strrchr(path, '/') + 1);
	ok(set == NULL, "no set is returned");
	map_set_free(set);
	free(want);
	free(text);
	free(cause);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_bad(void)
{
	char *dir = xasprintf("%s/t/data/map/bad", srcdir), *names[64];
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL && n < nitems(names))
		if (strstr(de->d_name, ".xml") != NULL)
			names[n++] = xasprintf("%s/%s", dir, de->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmpstr);
	ok(n >= 18, "%zu broken files", n);
	for (i = 0; i < n; i++) {
		test_bad_one(names[i]);
		free(names[i]);
	}
	free(dir);
}

static void
test_whole_dir(void)
{
	struct map_set *set = NULL;
	char *cause, *dir = xasprintf("%s/t/data/map/bad", srcdir);

	is_int(load(dir, conf, &set, &cause), -1, "a folder with bad files");
	like(cause, "bad/writes.xml:6:", "every file is reported (writes)");
	like(cause, "bad/malformed.xml:5:", "every file is reported (xml)");
	free(cause);
	free(dir);
	dir = xasprintf("%s/t/data/map/dup", srcdir);
	is_int(load(dir, conf, &set, &cause), -1, "duplicate names");
	like(cause, "dup/b.xml:6: mapping 'same' already defined at ",
	    "duplicate: both places");
	like(cause, "dup/a.xml:1", "duplicate: first place");
	free(cause);
	is_int(load("/nonexistent/kefu", conf, &set, &cause), -1,
	    "missing folder");
	like(cause, "/nonexistent/kefu: No such file", "missing folder: why");
	free(cause);
	free(dir);
}

static void
test_no_conf(void)
{
	struct map_set *set = NULL;
	char *cause, *path;
	struct map_load_cfg cfg;

	path = xasprintf("%s/t/data/map/bad/no-datasource.xml", srcdir);
	is_int(load(path, NULL, &set, &cause), 0, "without conf, datasources "
	    "are not checked");
	ok(set != NULL && map_source(map_at(set, 0)) == NULL,
	    "and the mapping has no source");
	map_set_free(set);
	memset(&cfg, 0, sizeof cfg);
	cfg.path = path;
	cfg.schema = "/nonexistent/mapping.rng";
	cause = NULL;
	is_int(map_load(&cfg, &set, &cause), -1, "missing schema");
	like(cause, "/nonexistent/mapping.rng", "missing schema named");
	free(cause);
	free(path);
}

int
main(void)
{
	char *cause = NULL, *path;

	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	schema = xasprintf("%s/mappings/mapping.rng", srcdir);
	path = xasprintf("%s/t/data/map/kefu.conf", srcdir);
	if (conf_load(path, &conf, &cause) == -1) {
		printf("Bail out! %s\n", cause);
		return 1;
	}
	free(path);
	test_good();
	test_bad();
	test_whole_dir();
	test_no_conf();
	conf_free(conf);
	free(schema);
	return tap_done();
}
