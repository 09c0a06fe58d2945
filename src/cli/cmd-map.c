/*
 * cmd-map.c: `kefu map list` (every mapping with its datasource and
 * description), `kefu map check` (schema, placeholders, datasources and,
 * where the database answers, each statement prepared and its columns
 * compared) and `kefu map test NAME var=value...` (one run, showing the
 * statement, the bound values, the time and the variables).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "map/map.h"
#include "util/util.h"

struct cmd_map_env {
	struct conf *conf;
	struct db_adapters *ads;
	struct map_pools *pools;
	struct map_set *set;
};

static void
cmd_map_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu map list\n"
	    "       kefu map check [-o] [path]\n"
	    "       kefu map test [-n count] name [var=value ...]\n");
}

static int
cmd_map_help(int argc, char **argv, const char *text)
{
	if (!cli_wants_help(argc, argv))
		return 0;
	fputs(text, stdout);
	return 1;
}

static void
cmd_map_errors(const char *cause)
{
	const char *p, *nl;

	for (p = cause; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		fprintf(stderr, "kefu map: %.*s\n", (int)(nl - p), p);
	}
}

/* Open the datasources (when run) and load the mappings. */
static int
cmd_map_open(struct cmd_map_env *env, const char *path, int run)
{
	struct map_load_cfg cfg;
	char *cause = NULL;

	memset(env, 0, sizeof *env);
	if ((env->conf = cli_conf()) == NULL)
		return -1;
	if (run && db_adapters_load(env->conf->adapters_dir, &env->ads,
	    &cause) == -1) {
		fprintf(stderr, "kefu map: adapters not loaded (%s); using "
		    "generic SQL\n", cause);
		free(cause);
		env->ads = NULL;
	}
	if (run && map_pools_open(env->conf, env->ads, &env->pools,
	    &cause) == -1) {
		fprintf(stderr, "kefu map: %s\n", cause);
		free(cause);
		return -1;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.path = path != NULL ? path : env->conf->mappings_dir;
	cfg.conf = env->conf;
	cfg.source = run ? map_pools_source : NULL;
	cfg.arg = env->pools;
	if (map_load(&cfg, &env->set, &cause) == -1) {
		cmd_map_errors(cause);
		free(cause);
		return -1;
	}
	return 0;
}

static void
cmd_map_close(struct cmd_map_env *env)
{
	map_set_free(env->set);
	map_pools_close(env->pools);
	if (env->ads != NULL)
		db_adapters_free(env->ads);
}

static int
cmd_map_list(int argc, char **argv)
{
	struct cmd_map_env env;
	const struct map_info *mi;
	size_t i;
	int w = 20;

	if (cmd_map_help(argc, argv, "usage: kefu map list\n\n"
	    "Print every mapping: name, datasource, description.\n"))
		return CLI_OK;
	if (argc != 1) {
		cmd_map_usage(stderr);
		return CLI_USAGE;
	}
	if (cmd_map_open(&env, NULL, 0) == -1) {
		cmd_map_close(&env);
		return CLI_FAIL;
	}
	for (i = 0; i < map_count(env.set); i++)
		if ((int)strlen(map_info(map_at(env.set, i))->name) > w)
			w = (int)strlen(map_info(map_at(env.set, i))->name);
	printf("%-*s %-14s %s\n", w, "NAME", "DATASOURCE", "DESCRIPTION");
	for (i = 0; i < map_count(env.set); i++) {
		mi = map_info(map_at(env.set, i));
		printf("%-*s %-14s %s%s\n", w, mi->name, mi->datasource,
		    mi->writes ? "(writes) " : mi->procedure ?
		    "(procedure) " : "", mi->description);
	}
	cmd_map_close(&env);
	return CLI_OK;
}

/*
 * Describe one variant; 1 when the datasource did not answer.  *later
 * is set when the driver describes the columns only once it has run.
 */
static int
cmd_map_check_sql(const struct map *m, const struct map_sql_info *si,
    int *failed, int *later)
{
	const struct map_info *mi = map_info(m);
	struct db_result *cols = NULL;
	struct db_err err;
	char *cause = NULL;

	memset(&err, 0, sizeof err);
	if (db_describe(map_source(m), si->bound, si->nmarkers, &cols,
	    &err) == -1) {
		if (err.kind == DBE_DOWN || err.kind == DBE_BUSY ||
		    err.kind == DBE_TIMEOUT)
			return 1;
		printf("%s:%d: %s: %s\n", mi->file, si->line, mi->name,
		    err.msg);
		(*failed)++;
		return 0;
	}
	if (mi->procedure && cols->ncols == 0) {
		/* most drivers describe a CALL only once it has run */
		*later = 1;
		db_result_free(cols);
		return 0;
	}
	if (mi->rows != MAPROWS_NONE &&
	    map_check_columns(m, cols, &cause) == -1) {
		printf("%s:%d: %s\n", mi->file, si->line, cause);
		free(cause);
		(*failed)++;
	}
	db_result_free(cols);
	return 0;
}

/* Prepare the variants a datasource would run; 1 when unreachable. */
static int
cmd_map_check_one(const struct map *m, int *failed)
{
	const struct map_info *mi = map_info(m);
	const struct db_adapter *ad;
	const struct map_sql_info *si;
	int before = *failed, later = 0;

	if (map_source(m) == NULL)
		return 1;
	if (cmd_map_check_sql(m, &mi->sql[0], failed, &later))
		return 1;
	ad = db_source_adapter(map_source(m));
	si = map_sql_for(m, ad != NULL ? db_adapter_name(ad) : NULL);
	if (si != &mi->sql[0] && cmd_map_check_sql(m, si, failed, &later))
		return 1;
	if (*failed == before && later)
		printf("%s:%d: %s: ok (%s%s%s, procedure; its %zu column%s "
		    "are known when it runs: kefu map test %s)\n", mi->file,
		    mi->line, mi->name, mi->datasource, ad ? ", " : "",
		    ad ? db_adapter_name(ad) : "", mi->ncolumns,
		    mi->ncolumns == 1 ? "" : "s", mi->name);
	else if (*failed == before && mi->procedure)
		printf("%s:%d: %s: ok (%s%s%s, procedure, %zu column%s)\n",
		    mi->file, mi->line, mi->name, mi->datasource, ad ? ", " :
		    "", ad ? db_adapter_name(ad) : "", mi->ncolumns,
		    mi->ncolumns == 1 ? "" : "s");
	else if (*failed == before && mi->rows == MAPROWS_NONE)
		printf("%s:%d: %s: ok (%s%s%s, writes)\n", mi->file, mi->line,
		    mi->name, mi->datasource, ad ? ", " : "",
		    ad ? db_adapter_name(ad) : "");
	else if (*failed == before)
		printf("%s:%d: %s: ok (%s%s%s, %zu column%s)\n", mi->file,
		    mi->line, mi->name, mi->datasource, ad ? ", " : "",
		    ad ? db_adapter_name(ad) : "", mi->ncolumns,
		    mi->ncolumns == 1 ? "" : "s");
	return 0;
}

static int
cmd_map_check_db(struct cmd_map_env *env)
{
	const struct map_info *mi;
	const struct map *m;
	int failed = 0, down = 0;
	size_t i;

	for (i = 0; i < map_count(env->set); i++) {
		m = map_at(env->set, i);
		mi = map_info(m);
		if (cmd_map_check_one(m, &failed) == 0)
			continue;
		printf("%s:%d: %s: datasource '%s' not reachable, statement "
		    "not checked\n", mi->file, mi->line, mi->name,
		    mi->datasource);
		down++;
	}
	printf("%zu mapping%s: %d failed, %d not checked (datasource not "
	    "reachable)\n", map_count(env->set),
	    map_count(env->set) == 1 ? "" : "s", failed, down);
	return failed ? CLI_FAIL : CLI_OK;
}

static int
cmd_map_check(int argc, char **argv)
{
	struct cmd_map_env env;
	int offline = 0, rc;

	if (cmd_map_help(argc, argv, "usage: kefu map check [-o] [path]\n\n"
	    "Validate every mapping file against mapping.rng, check\n"
	    "placeholders, parameters and datasources, then prepare each\n"
	    "statement on its datasource and compare the result columns.\n"
	    "  -o    offline: do not connect to any database\n"
	    "  path  a mapping file or folder instead of kefu.conf's\n"))
		return CLI_OK;
	if (argc > 1 && strcmp(argv[1], "-o") == 0) {
		offline = 1;
		argc--;
		argv++;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		cmd_map_usage(stderr);
		return CLI_USAGE;
	}
	if (cmd_map_open(&env, argc == 2 ? argv[1] : NULL, !offline) == -1) {
		cmd_map_close(&env);
		return CLI_FAIL;
	}
	printf("%zu mapping%s: schema, placeholders and datasources ok\n",
	    map_count(env.set), map_count(env.set) == 1 ? "" : "s");
	rc = offline ? CLI_OK : cmd_map_check_db(&env);
	cmd_map_close(&env);
	return rc;
}

/* Type names as mapping files spell them. */
static const char *
cmd_map_type(enum db_vtype t)
{
	static const char *const names[] = {
		[DBV_TEXT] = "text", [DBV_INT] = "integer",
		[DBV_DECIMAL] = "decimal", [DBV_DATE] = "date",
		[DBV_TIMESTAMP] = "timestamp", [DBV_BOOL] = "boolean",
	};

	return (size_t)t < nitems(names) ? names[t] : "?";
}

/* A value as `kefu map test` shows it: NULL, 'text' or a bare number. */
static void
cmd_map_value(FILE *fp, enum db_vtype type, int null, int64_t i,
    const char *s)
{
	if (null)
		fprintf(fp, "NULL");
	else if (type == DBV_INT || type == DBV_BOOL)
		fprintf(fp, "%lld", (long long)i);
	else if (type == DBV_DECIMAL)
		fprintf(fp, "%s", s);
	else
		fprintf(fp, "'%s'", s);
	fprintf(fp, " (%s)", cmd_map_type(type));
}

static void
cmd_map_show_binds(const struct map *m, const struct map_res *res)
{
	const struct map_info *mi = map_info(m);
	const struct map_sql_info *si = res->si;
	const struct db_param *p;
	char label[32];
	size_t i;

	for (i = 0; i < res->nparams; i++) {
		p = &res->params[i];
		snprintf(label, sizeof label, "bind %zu:", i + 1);
		printf("%-13s:%s = ", label, si != NULL ?
		    mi->params[si->markers[i]].name : "?");
		cmd_map_value(stdout, p->type, p->null, p->i, p->s);
		printf("\n");
	}
}

static void
cmd_map_show_rows(const struct map *m, const struct map_res *res)
{
	const struct map_info *mi = map_info(m);
	const struct db_value *v;
	size_t r, c;

	for (c = 0; c < res->nvars; c++) {
		printf("%s = ", res->vars[c].name);
		v = res->vars[c].v;
		cmd_map_value(stdout, v->type, v->null, v->i, v->s);
		printf("\n");
	}
	if (mi->rows != MAPROWS_MANY)
		return;
	printf("rows:        %zu\n", res->nrows);
	for (r = 0; r < res->nrows; r++) {
		printf("row %zu:", r + 1);
		for (c = 0; c < res->ncols; c++) {
			v = MAP_ROW(res, r, c);
			printf(" %s=", mi->columns[c].var);
			cmd_map_value(stdout, v->type, v->null, v->i, v->s);
		}
		printf("\n");
	}
}

/* The statement on one line: runs of white space become one space. */
static void
cmd_map_oneline(const char *s)
{
	int space = 0, quoted = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\'')
			quoted = !quoted;
		if (!quoted && (*s == ' ' || *s == '\t' || *s == '\n' ||
		    *s == '\r')) {
			space = 1;
			continue;
		}
		if (space)
			putchar(' ');
		space = 0;
		putchar(*s);
	}
	putchar('\n');
}

static void
cmd_map_show(const struct map *m, const struct map_res *res)
{
	const struct map_info *mi = map_info(m);

	printf("mapping:     %s (%s:%d), datasource %s\n", mi->name,
	    mi->file, mi->line, mi->datasource);
	if (res->sql != NULL) {
		printf("statement:   ");
		cmd_map_oneline(res->sql);
		cmd_map_show_binds(m, res);
	}
	printf("time:        %.3f ms\n", res->elapsed_us / 1000.0);
	printf("outcome:     %s\n", map_outcome_name(res->outcome));
	if (res->outcome == MAP_INVALID)
		printf("parameter:   %s\nreason:      %s\n", res->param,
		    map_reason_name(res->reason));
	if (res->error[0] != '\0')
		printf("error:       %s\n", res->error);
	if (res->affected >= 0)
		printf("affected:    %lld\n", (long long)res->affected);
	cmd_map_show_rows(m, res);
}

/* name=value arguments; -1 (usage) on a malformed or unknown one. */
static int
cmd_map_vars(const struct map *m, int argc, char **argv,
    struct map_var *vars)
{
	const struct map_info *mi = map_info(m);
	size_t k;
	int i;
	char *eq;

	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i]) {
			fprintf(stderr, "kefu map test: '%s' is not "
			    "var=value\n", argv[i]);
			return -1;
		}
		*eq = '\0';
		vars[i].name = argv[i];
		vars[i].value = eq + 1;
		for (k = 0; k < mi->nparams; k++)
			if (strcmp(mi->params[k].name, argv[i]) == 0)
				break;
		if (k == mi->nparams) {
			fprintf(stderr, "kefu map test: mapping '%s' has no "
			    "parameter '%s'\n", mi->name, argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
cmd_map_run(const struct map *m, struct map_var *vars, int nvars,
    long count)
{
	struct map_res res;
	struct map_stats st;
	enum map_outcome o;
	long i;

	for (i = 1; i < count; i++) {
		map_run(m, vars, nvars, &res);
		map_res_free(&res);
	}
	o = map_run(m, vars, nvars, &res);
	cmd_map_show(m, &res);
	map_res_free(&res);
	if (count > 1) {
		map_stats(m, &st);
		printf("runs:        %llu (%llu errors), p50 %.3f ms, "
		    "p99 %.3f ms\n", (unsigned long long)st.runs,
		    (unsigned long long)st.errors, st.p50_us / 1000.0,
		    st.p99_us / 1000.0);
	}
	return o == MAP_FOUND || o == MAP_EMPTY || o == MAP_MANY ?
	    CLI_OK : CLI_FAIL;
}

static int
cmd_map_test(int argc, char **argv)
{
	struct cmd_map_env env;
	const struct map *m;
	struct map_var *vars;
	long long count = 1;
	const char *errstr;
	int rc;

	if (cmd_map_help(argc, argv, "usage: kefu map test [-n count] "
	    "name [var=value ...]\n\n"
	    "Run one mapping and show the statement, the bound values with\n"
	    "their types, the time taken, the outcome and the variables.\n"
	    "  -n count  run it count times and show p50/p99 latency\n"))
		return CLI_OK;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		if (str_tonum(argv[2], 1, 10000000, &count, &errstr) == -1) {
			fprintf(stderr, "kefu map test: -n %s: %s\n", argv[2],
			    errstr);
			return CLI_USAGE;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || argv[1][0] == '-') {
		cmd_map_usage(stderr);
		return CLI_USAGE;
	}
	if (cmd_map_open(&env, NULL, 1) == -1) {
		cmd_map_close(&env);
		return CLI_FAIL;
	}
	if ((m = map_find(env.set, argv[1])) == NULL) {
		fprintf(stderr, "kefu map test: no mapping named '%s'\n",
		    argv[1]);
		cmd_map_close(&env);
		return CLI_FAIL;
	}
	vars = xcalloc(argc, sizeof *vars);
	if (cmd_map_vars(m, argc - 2, argv + 2, vars) == -1)
		rc = CLI_USAGE;
	else
		rc = cmd_map_run(m, vars, argc - 2, count);
	free(vars);
	cmd_map_close(&env);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmd_map_subs[] = {
	{ "list", cmd_map_list },
	{ "check", cmd_map_check },
	{ "test", cmd_map_test },
};

int
cmd_map_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		cmd_map_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	for (i = 0; i < nitems(cmd_map_subs); i++)
		if (strcmp(argv[1], cmd_map_subs[i].name) == 0)
			return cmd_map_subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kefu map: unknown subcommand '%s'\n", argv[1]);
	cmd_map_usage(stderr);
	return CLI_USAGE;
}
