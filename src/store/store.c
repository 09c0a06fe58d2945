/*
 * store.c: the migration runner of the local store.  Finds the numbered
 * migrations sql/local/DIALECT/NNN_name.sql, reads and records the schema
 * version in kefu_schema_version, and applies what is pending through
 * db_run_script, one migration per script with its version row last.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

const char *
store_errmsg(struct db_source *src, const struct db_err *err)
{
	const char *name = db_source_name(src);
	size_t len = strlen(name);

	if (str_prefix(err->msg, "datasource ") &&
	    strncmp(err->msg + 11, name, len) == 0 &&
	    strncmp(err->msg + 11 + len, ": ", 2) == 0)
		return err->msg + 11 + len + 2;
	return err->msg;
}

/*
 * Run one statement; its result into *res, or freed when res is NULL
 * (a write).  An error is "WHAT: message" in *cause.
 */
int
store_run(struct db_source *src, const char *what, const char *sql,
    const struct db_param *p, size_t np, const enum db_vtype *vt, size_t nvt,
    struct db_result **res, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = vt, .ncoltypes = nvt, .writes = res == NULL };
	struct db_result *r = NULL;
	struct db_err err;

	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "%s: %s", what, err.msg);
	if (res != NULL)
		*res = r;
	else
		db_result_free(r);
	return 0;
}

int
store_int(struct db_source *src, struct db_tx *tx, const char *sql,
    const struct db_param *p, size_t np, int64_t *v, struct db_err *err)
{
	static const enum db_vtype t[] = { DBV_INT };
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = t, .ncoltypes = 1, .writes = tx != NULL };
	struct db_result *res;

	if ((tx != NULL ? db_tx_run(tx, &q, &res, err) :
	    db_run(src, &q, &res, err)) == -1)
		return -1;
	*v = res->nrows > 0 && !DB_CELL(res, 0, 0)->null ?
	    DB_CELL(res, 0, 0)->i : 0;
	db_result_free(res);
	return 0;
}

static const char *const store_dialects[] = { "sqlite", "postgresql", "mysql" };

/* Map an adapter profile name onto one of the three schema dialects. */
static const char *
store_dialect_of(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < nitems(store_dialects); i++)
		if (str_ieq(name, store_dialects[i]))
			return store_dialects[i];
	if (str_ieq(name, "mariadb"))
		return "mysql";
	if (str_ieq(name, "sqlite3"))
		return "sqlite";
	if (str_ieq(name, "postgres") || str_ieq(name, "pgsql"))
		return "postgresql";
	return NULL;
}

/* Find KEY=VALUE (key case-insensitive) in an ODBC connection string. */
static char *
store_connstr_get(const char *connstr, const char *key)
{
	const char *p = connstr, *eq, *end;
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		eq = strchr(p, '=');
		end = strchr(p, ';');
		if (eq == NULL)
			return NULL;
		if ((end == NULL || eq < end) && (size_t)(eq - p) == klen &&
		    strncasecmp(p, key, klen) == 0) {
			eq++;
			if (*eq == '{' && (end = strchr(eq, '}')) != NULL)
				return xstrndup(eq + 1, (size_t)(end - eq - 1));
			return end ? xstrndup(eq, (size_t)(end - eq)) :
			    xstrdup(eq);
		}
		p = end;
	}
	return NULL;
}

/* A guess from Driver=...: enough for the three engines the schema knows. */
static const char *
store_dialect_guess(const struct conf_datasource *cfg)
{
	char *drv, *lower, *q;
	const char *d = NULL;

	if (cfg == NULL || cfg->nconnect == 0 ||
	    (drv = store_connstr_get(cfg->connect[0], "Driver")) == NULL)
		return NULL;
	lower = xstrdup(drv);
	for (q = lower; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	if (strstr(lower, "sqlite") != NULL)
		d = "sqlite";
	else if (strstr(lower, "postgres") != NULL ||
	    strstr(lower, "psql") != NULL)
		d = "postgresql";
	else if (strstr(lower, "maria") != NULL ||
	    strstr(lower, "mysql") != NULL)
		d = "mysql";
	free(lower);
	free(drv);
	return d;
}

const char *
store_dialect(struct db_source *src, const struct conf_datasource *cfg,
    char **cause)
{
	const struct db_adapter *ad;
	const char *d;
	struct db_query q = { .sql = "SELECT 1" };
	struct db_result *res = NULL;
	struct db_err err;

	if (cfg != NULL && cfg->adapter != NULL) {
		if ((d = store_dialect_of(cfg->adapter)) == NULL)
			goto unknown;
		return d;
	}
	if ((ad = db_source_adapter(src)) == NULL) {
		if (db_run(src, &q, &res, &err) == -1) {
			kf_error(cause, "datasource %s: %s",
			    db_source_name(src), store_errmsg(src, &err));
			return NULL;
		}
		db_result_free(res);
		ad = db_source_adapter(src);
	}
	if (ad != NULL && (d = store_dialect_of(db_adapter_name(ad))) != NULL)
		return d;
	if ((d = store_dialect_guess(cfg)) != NULL)
		return d;
unknown:
	kf_error(cause, "datasource %s: the local store needs SQLite, "
	    "PostgreSQL or MySQL/MariaDB (set adapter = sqlite, postgresql "
	    "or mysql)", db_source_name(src));
	return NULL;
}

int
store_sqlite_path(const struct conf_datasource *cfg, char **path,
    char **cause)
{
	char *db, *slash;
	const char *d;

	*path = NULL;
	if ((d = store_dialect_of(cfg->adapter)) == NULL)
		d = store_dialect_guess(cfg);
	if (d == NULL || strcmp(d, "sqlite") != 0 || cfg->nconnect == 0 ||
	    (db = store_connstr_get(cfg->connect[0], "Database")) == NULL)
		return 0;
	for (slash = strchr(db + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(db, 0750) == -1 && errno != EEXIST) {
			kf_error(cause, "%s: %s", db, strerror(errno));
			free(db);
			return -1;
		}
		*slash = '/';
	}
	*path = db;
	return 0;
}

/* NNN_name.sql with name of [a-z0-9_]: the version, or -1. */
static int
store_migration_parse(const char *file, char **name)
{
	const char *p = file;
	size_t len = strlen(file);
	int v = 0;

	if (len < 9 || strcmp(file + len - 4, ".sql") != 0)
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (*p - '0')) > 99999)
			return -1;
	if (p - file < 3 || *p != '_' || v == 0)
		return -1;
	for (const char *q = p + 1; q < file + len - 4; q++)
		if (!islower((unsigned char)*q) &&
		    !isdigit((unsigned char)*q) && *q != '_')
			return -1;
	*name = xstrndup(p + 1, (size_t)(file + len - 4 - (p + 1)));
	return v;
}

static int
store_migration_cmp(const void *a, const void *b)
{
	const struct store_migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

void
store_migrations_free(struct store_migration *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].path);
	}
	free(m);
}

int
store_migrations(const char *sqldir, const char *dialect,
    struct store_migration **out, size_t *n, char **cause)
{
	struct store_migration *m = NULL;
	struct dirent *de;
	size_t cnt = 0, i;
	char *dir, *name;
	DIR *dp;
	int v;

	dir = xasprintf("%s/local/%s", sqldir, dialect);
	if ((dp = opendir(dir)) == NULL) {
		kf_error(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if ((v = store_migration_parse(de->d_name, &name)) == -1)
			continue;
		m = xreallocarray(m, cnt + 1, sizeof *m);
		m[cnt].version = v;
		m[cnt].name = name;
		m[cnt++].path = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(dp);
	if (cnt > 0)
		qsort(m, cnt, sizeof *m, store_migration_cmp);
	for (i = 0; i < cnt; i++) {
		if (m[i].version == (int)i + 1)
			continue;
		kf_error(cause, "%s: migration %03d is %s (versions must "
		    "run 001, 002, ... without gaps)", dir, (int)i + 1,
		    i > 0 && m[i].version == m[i - 1].version ? "doubled" :
		    "missing");
		goto fail;
	}
	if (cnt == 0) {
		kf_error(cause, "%s: no migrations (NNN_name.sql)", dir);
		goto fail;
	}
	free(dir);
	*out = m;
	*n = cnt;
	return 0;
fail:
	free(dir);
	store_migrations_free(m, cnt);
	return -1;
}

int
store_table_exists(struct db_source *src, const char *dialect,
    const char *table, int *exists, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct db_param p = { .type = DBV_TEXT, .s = table };
	struct db_query q = { .params = &p, .nparams = 1, .coltypes = types,
	    .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	if (strcmp(dialect, "sqlite") == 0)
		q.sql = "SELECT COUNT(*) FROM sqlite_master WHERE "
		    "type = 'table' AND name = ?";

	else if (strcmp(dialect, "postgresql") == 0)
		q.sql = "SELECT COUNT(*) FROM information_schema.tables WHERE "
		    "table_schema = current_schema() AND table_name = ?";
	else
		q.sql = "SELECT COUNT(*) FROM information_schema.tables WHERE "
		    "table_schema = DATABASE() AND table_name = ?";
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "datasource %s: %s",
		    db_source_name(src), store_errmsg(src, &err));
	*exists = res->nrows == 1 && !DB_CELL(res, 0, 0)->null &&
	    DB_CELL(res, 0, 0)->i > 0;
	db_result_free(res);
	return 0;
}

int
store_version(struct db_source *src, const char *dialect, int *version,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct db_query q = { .sql = "SELECT MAX(version) FROM "
	    STORE_VERSION_TABLE, .coltypes = types, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	int exists;

	*version = 0;
	if (store_table_exists(src, dialect, STORE_VERSION_TABLE, &exists,
	    cause) == -1)
		return -1;
	if (!exists)
		return 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "datasource %s: reading the schema "
		    "version: %s", db_source_name(src),
		    store_errmsg(src, &err));
	if (res->nrows == 1 && !DB_CELL(res, 0, 0)->null)
		*version = (int)DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

void
store_status_free(struct store_status *st)
{
	store_migrations_free(st->migs, st->nmigs);
	memset(st, 0, sizeof *st);
}

int
store_status(struct db_source *src, const struct conf_datasource *cfg,
    const char *sqldir, struct store_status *st, char **cause)
{
	size_t i;

	memset(st, 0, sizeof *st);
	if ((st->dialect = store_dialect(src, cfg, cause)) == NULL)
		return -1;
	if (store_migrations(sqldir, st->dialect, &st->migs, &st->nmigs,
	    cause) == -1)
		return -1;
	st->latest = st->migs[st->nmigs - 1].version;
	if (store_version(src, st->dialect, &st->current, cause) == -1) {
		store_status_free(st);
		return -1;
	}
	for (i = 0; i < st->nmigs; i++)
		if (st->migs[i].version > st->current)
			st->npending++;
	return 0;
}

static const char *
store_version_ddl(const char *dialect)
{
	if (strcmp(dialect, "mysql") == 0)
		return "CREATE TABLE " STORE_VERSION_TABLE " (\n"
		    "\tversion INTEGER NOT NULL PRIMARY KEY,\n"
		    "\tname VARCHAR(100) NOT NULL,\n"
		    "\tapplied_at DATETIME NOT NULL\n"
		    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n";
	return "CREATE TABLE " STORE_VERSION_TABLE " (\n"
	    "\tversion INTEGER NOT NULL PRIMARY KEY,\n"
	    "\tname VARCHAR(100) NOT NULL,\n"
	    "\tapplied_at TIMESTAMP NOT NULL\n"
	    ");\n";
}

/*
 * Run one migration and record it, in one script; prefix (the version
 * table's DDL before the first migration, or NULL) goes in front, so a
 * failed init leaves nothing behind where the DBMS allows.
 */
static int
store_apply(struct db_source *src, const struct store_migration *m,
    const char *dialect, const char *prefix, char **cause)
{
	struct db_err err;
	struct tm tm;
	time_t now = time(NULL);
	char *text, *script, ts[32];
	int rc;

	if (file_read(m->path, &text, NULL, cause) == -1)
		return -1;
	localtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	script = xasprintf("%s%s\nINSERT INTO " STORE_VERSION_TABLE
	    " (version, name, applied_at) VALUES (%d, '%s', '%s');\n",
	    prefix ? prefix : "", text, m->version, m->name, ts);
	free(text);
	rc = db_run_script(src, script, &err);
	free(script);
	if (rc == -1)
		return kf_error(cause, "migration %03d_%s.sql (%s) failed, "
		    "version stays %d: %s", m->version, m->name, dialect,
		    m->version - 1, store_errmsg(src, &err));
	log_info("store: %s: applied migration %03d_%s (%s)",
	    db_source_name(src), m->version, m->name, dialect);
	return 0;
}

/*
 * An SQLite store is kept in write-ahead-log mode: readers no longer wait
 * for a writer's commit (nor a commit for readers), and a commit is one
 * fsync instead of several.  Several outbox workers (one per GSM modem)
 * share the file; with the default rollback journal every clash of a
 * commit and a read costs a busy wait in the driver.  The mode is kept
 * in the file, so every later connection has it.  Not done when the
 * connection string names its own JournalMode=; a file that cannot have
 * it (in memory, a read-only folder) stays as it is, with a warning.
 */
static int
store_sqlite_wal(struct db_source *src, const struct conf_datasource *cfg,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT };
	struct db_query q = { .sql = "PRAGMA journal_mode = WAL", .writes = 1,
	    .coltypes = types, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	char *own;

	if (cfg != NULL && cfg->nconnect > 0 && (own = store_connstr_get(
	    cfg->connect[0], "JournalMode")) != NULL) {
		free(own);
		return 0;
	}
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "datasource %s: setting write-ahead-log "
		    "mode: %s", db_source_name(src), store_errmsg(src, &err));
	if (res->nrows != 1 || DB_CELL(res, 0, 0)->null ||
	    strcasecmp(DB_CELL(res, 0, 0)->s, "wal") != 0)
		log_warnx("datasource %s: the SQLite file stays in journal "
		    "mode %s (write-ahead log refused); senders on several "
		    "modems will wait for each other", db_source_name(src),
		    res->nrows == 1 && !DB_CELL(res, 0, 0)->null ?
		    DB_CELL(res, 0, 0)->s : "unknown");
	db_result_free(res);
	return 0;
}

int
store_upgrade(struct db_source *src, const struct conf_datasource *cfg,
    const char *sqldir, int target, int *applied, char **cause)
{
	struct store_status st;
	const char *prefix = NULL;
	size_t i;
	int exists, n = 0, rc = -1;

	if (applied != NULL)
		*applied = 0;
	if (store_status(src, cfg, sqldir, &st, cause) == -1)
		return -1;
	if (st.current > st.latest) {
		kf_error(cause, "datasource %s: the local store is at schema "
		    "version %d, newer than this kefu knows (%d); refusing to "
		    "touch it -- upgrade kefu instead", db_source_name(src),
		    st.current, st.latest);
		goto out;
	}
	if (target <= 0 || target > st.latest)
		target = st.latest;
	if (st.current == 0) {
		if (store_table_exists(src, st.dialect, STORE_VERSION_TABLE,
		    &exists, cause) == -1)
			goto out;
		if (!exists)
			prefix = store_version_ddl(st.dialect);
	}
	for (i = 0; i < st.nmigs; i++) {
		if (st.migs[i].version <= st.current ||
		    st.migs[i].version > target)
			continue;
		if (store_apply(src, &st.migs[i], st.dialect, prefix,
		    cause) == -1)
			goto out;
		prefix = NULL;
		n++;
	}
	if (strcmp(st.dialect, "sqlite") == 0 &&
	    store_sqlite_wal(src, cfg, cause) == -1)
		goto out;
	rc = 0;
out:
	if (applied != NULL)
		*applied = n;
	store_status_free(&st);
	return rc;
}
