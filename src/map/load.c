/*
 * load.c: reading mapping files into a set.  Walks the mappings folder
 * for **.xml, parses each with libxml2 (no network, no entity
 * expansion), validates it against the RELAX NG schema mapping.rng, then
 * checks what a schema cannot: placeholders against parameters, the
 * datasource against kefu.conf, read-only statements, duplicate names.
 * Every problem is reported as "file:line: reason".
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "map/map-int.h"
#include "util/util.h"
#include "util/xml.h"

#define MAP_LOAD_DEPTH 16
#define MAP_LOAD_MAX_ROWS 100

struct map_loader {
	const struct map_load_cfg *cfg;
	struct xml_errs xe;     /* "file:line: reason\n" each */
	struct map **maps;
	size_t n;
	char **files;
	size_t nfiles;
};

const char *
map_schema_path(const char *dir)
{
	static __thread char buf[4096];
	const char *env = getenv("KEFU_MAPPING_SCHEMA");

	if (env != NULL && *env != '\0')
		return env;
	snprintf(buf, sizeof buf, "%s/mappings/mapping.rng", KEFU_DATADIR);
	if (access(buf, R_OK) == 0)
		return buf;
	if (dir != NULL) {
		snprintf(buf, sizeof buf, "%s/mapping.rng", dir);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

static int
map_load_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
map_load_is_xml(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

static int
map_load_walk(struct map_loader *ld, const char *dir, int depth,
    char **cause)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char *p;

	if (depth > MAP_LOAD_DEPTH)
		return kf_error(cause, "%s: folders nested too deep", dir);
	if ((d = opendir(dir)) == NULL)
		return kf_error(cause, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (map_load_walk(ld, p, depth + 1, cause) == -1) {
				free(p);
				closedir(d);
				return -1;
			}
			free(p);
		} else if (S_ISREG(st.st_mode) && map_load_is_xml(p)) {
			ld->files = xreallocarray(ld->files, ld->nfiles + 1,
			    sizeof *ld->files);
			ld->files[ld->nfiles++] = p;
		} else
			free(p);
	}
	closedir(d);
	return 0;
}

static int
map_load_files(struct map_loader *ld, char **cause)
{
	struct stat st;

	if (stat(ld->cfg->path, &st) == -1)
		return kf_error(cause, "%s: %s", ld->cfg->path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		ld->files = xcalloc(1, sizeof *ld->files);
		ld->files[ld->nfiles++] = xstrdup(ld->cfg->path);
		return 0;
	}
	if (map_load_walk(ld, ld->cfg->path, 0, cause) == -1)
		return -1;
	if (ld->nfiles > 1)     /* an empty folder has no array to sort */
		qsort(ld->files, ld->nfiles, sizeof *ld->files,
		    map_load_strcmp);
	return 0;
}

/* An attribute's value (malloc'd, owned by m), or NULL. */
static const char *
map_load_attr(struct map *m, xmlNode *node, const char *name)
{
	char *s = xml_attr(node, name);

	return s != NULL ? map_own(m, s) : NULL;
}

static size_t
map_load_size(struct map *m, xmlNode *node, const char *name, size_t def)
{
	const char *v = map_load_attr(m, node, name);

	return v != NULL ? (size_t)strtoull(v, NULL, 10) : def;
}

/* Index of v in names[], which ends with NULL; def when v is NULL. */
static int
map_load_enum(const char *v, const char *const *names, int def)
{
	int i;

	if (v == NULL)
		return def;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return def;
}

static const char *const map_load_checks[] = { "none", "ean13", "ean8",
    "upca", "gtin", NULL };

static void
map_load_param_rules(struct map_loader *ld, struct map_param_info *p)
{
	if (p->check != MAPC_NONE && p->type != MAPP_DIGITS)
		xml_err(&ld->xe, p->line, "parameter '%s': check= needs "
		    "type=\"digits\"", p->name);
	if ((p->min != NULL || p->max != NULL) && p->type != MAPP_INTEGER &&
	    p->type != MAPP_DECIMAL)
		xml_err(&ld->xe, p->line, "parameter '%s': min= and max= "
		    "need type integer or decimal", p->name);
	if (p->match != MAPM_EXACT && p->type != MAPP_TEXT &&
	    p->type != MAPP_DIGITS)
		xml_err(&ld->xe, p->line, "parameter '%s': match= needs "
		    "type text or digits", p->name);
	if (p->min_len != 0 && p->max_len != 0 && p->min_len > p->max_len)
		xml_err(&ld->xe, p->line, "parameter '%s': min-length is "
		    "above max-length", p->name);
	if (p->min != NULL && p->max != NULL &&
	    map_param_deccmp(p->min, p->max) > 0)
		xml_err(&ld->xe, p->line, "parameter '%s': min is above max",
		    p->name);
}

static void
map_load_pattern(struct map_loader *ld, struct map *m, size_t i)
{
	struct map_param_info *p = &m->params[i];
	char *re, msg[256];
	int rc;

	re = xasprintf("^(%s)$", p->pattern);
	rc = regcomp(&m->regex[i], re, REG_EXTENDED | REG_NOSUB);
	free(re);
	if (rc == 0) {
		p->re_ = &m->regex[i];
		return;
	}
	regerror(rc, &m->regex[i], msg, sizeof msg);
	xml_err(&ld->xe, p->line, "parameter '%s': bad pattern: %s", p->name,
	    msg);
}

static char *
map_load_decimal(struct map *m, const char *v)
{
	return v != NULL ? map_own(m, map_param_decimal(v)) : NULL;
}

static void
map_load_param(struct map_loader *ld, struct map *m, xmlNode *node)
{
	struct map_param_info *p;
	const char *v;
	size_t i;

	m->params = xreallocarray(m->params, m->info.nparams + 1,
	    sizeof *m->params);
	p = &m->params[m->info.nparams++];
	memset(p, 0, sizeof *p);
	p->line = xml_line(node);
	p->name = map_load_attr(m, node, "name");
	p->type = map_load_enum(map_load_attr(m, node, "type"),
	    map_param_types, MAPP_TEXT);
	p->min_len = map_load_size(m, node, "min-length", 0);
	p->max_len = map_load_size(m, node, "max-length", 0);
	p->pattern = map_load_attr(m, node, "pattern");
	p->check = map_load_enum(map_load_attr(m, node, "check"),
	    map_load_checks, MAPC_NONE);
	p->min = map_load_decimal(m, map_load_attr(m, node, "min"));
	p->max = map_load_decimal(m, map_load_attr(m, node, "max"));
	v = map_load_attr(m, node, "optional");
	p->optional = v != NULL && strcmp(v, "yes") == 0;
	v = map_load_attr(m, node, "default");
	p->today = v != NULL && strcmp(v, "today") == 0;
	if (p->today && p->type != MAPP_DATE)
		xml_err(&ld->xe, p->line, "parameter '%s': default=\"today\" "
		    "needs type=\"date\"", p->name);
	p->match = map_load_enum(map_load_attr(m, node, "match"),
	    map_param_matches, MAPM_EXACT);
	if (p->match != MAPM_EXACT)
		m->like = 1;
	for (i = 0; i + 1 < m->info.nparams; i++)
		if (strcmp(m->params[i].name, p->name) == 0)
			xml_err(&ld->xe, p->line, "parameter '%s' declared "
			    "twice (first at line %d)", p->name,
			    m->params[i].line);
	map_load_param_rules(ld, p);
}

static const char *const map_load_coltypes[] = { "text", "integer",
    "decimal", "date", "timestamp", "boolean", NULL };
static const enum db_vtype map_load_colvt[] = { DBV_TEXT, DBV_INT,
    DBV_DECIMAL, DBV_DATE, DBV_TIMESTAMP, DBV_BOOL };

static void
map_load_column(struct map_loader *ld, struct map *m, xmlNode *node)
{
	struct map_column_info *c;
	size_t i;

	m->columns = xreallocarray(m->columns, m->info.ncolumns + 1,
	    sizeof *m->columns);
	c = &m->columns[m->info.ncolumns++];
	c->name = map_load_attr(m, node, "name");
	if ((c->var = map_load_attr(m, node, "var")) == NULL)
		c->var = c->name;
	c->type = map_load_colvt[map_load_enum(map_load_attr(m, node, "type"),
	    map_load_coltypes, 0)];
	for (i = 0; i + 1 < m->info.ncolumns; i++)
		if (strcmp(m->columns[i].var, c->var) == 0)
			xml_err(&ld->xe, xml_line(node), "variable '%s' "
			    "set by two columns", c->var);
}

static void
map_load_result(struct map_loader *ld, struct map *m, xmlNode *node)
{
	static const char *const rows[] = { "none", "one", "many", NULL };
	static const char *const empty[] = { "empty", "error", NULL };
	static const char *const many[] = { "error", "first", "many", NULL };
	struct map_info *mi = &m->info;
	xmlNode *c;

	mi->rows = map_load_enum(map_load_attr(m, node, "rows"), rows,
	    MAPROWS_NONE);
	mi->on_empty = map_load_enum(map_load_attr(m, node, "on-empty"),
	    empty, MAP_ON_EMPTY_EMPTY);
	mi->on_many = map_load_enum(map_load_attr(m, node, "on-many"),
	    many, MAP_ON_MANY_ERROR);
	mi->max_rows = map_load_size(m, node, "max-rows", 0);
	if (mi->max_rows != 0 && mi->rows != MAPROWS_MANY)
		xml_err(&ld->xe, xml_line(node), "max-rows needs "
		    "rows=\"many\"");
	if (mi->rows == MAPROWS_MANY && mi->max_rows == 0)
		mi->max_rows = MAP_LOAD_MAX_ROWS;
	if (mi->rows == MAPROWS_ONE)
		mi->max_rows = 1;
	for (c = node->children; c != NULL; c = c->next)
		if (xml_is(c, "column"))
			map_load_column(ld, m, c);
	if (mi->rows == MAPROWS_NONE && mi->ncolumns != 0)
		xml_err(&ld->xe, xml_line(node), "rows=\"none\" cannot "
		    "have columns");
	if (mi->rows != MAPROWS_NONE && mi->ncolumns == 0)
		xml_err(&ld->xe, xml_line(node), "a result with rows "
		    "needs at least one <column>");
}

/* Resolve a variant's placeholder names to parameter indexes. */
static void
map_load_markers(struct map_loader *ld, struct map *m,
    struct map_sql_info *si, struct map_sql_scan *sc)
{
	size_t *mk, i, j;
	int *used = xcalloc(m->info.nparams + 1, sizeof *used);

	mk = xcalloc(sc->nnames + 1, sizeof *mk);
	for (i = 0; i < sc->nnames; i++) {
		for (j = 0; j < m->info.nparams; j++)
			if (strcmp(m->params[j].name, sc->names[i]) == 0)
				break;
		if (j == m->info.nparams)
			xml_err(&ld->xe, si->line + sc->lines[i],
			    "unknown placeholder :%s "
			    "(no <param name=\"%s\">)", sc->names[i],
			    sc->names[i]);
		else
			used[j] = 1;
		mk[i] = j;
	}
	for (j = 0; j < m->info.nparams; j++)
		if (!used[j])
			xml_err(&ld->xe, m->params[j].line, "parameter '%s' is "
			    "not used in the SQL%s%s (line %d)",
			    m->params[j].name, si->dialect ? " for " : "",
			    si->dialect ? si->dialect : "", si->line);
	free(used);
	si->markers = map_own(m, mk);
	si->nmarkers = sc->nnames;
}

/*
 * A match= parameter must come right after LIKE, and kefu writes the
 * ESCAPE clause itself after its marker: SQL-92 and every DBMS of
 * adapters/ take ESCAPE '!', so the text is the same for all of them.
 */
static void
map_load_like(struct map_loader *ld, struct map *m, struct map_sql_info *si,
    struct map_sql_scan *sc)
{
	struct strbuf sb = STRBUF_INIT;
	const struct map_param_info *p;
	const char *b = si->bound, *q;
	size_t i, at = 0;

	for (i = 0; i < sc->nnames && m->like; i++) {
		if (si->markers[i] >= m->info.nparams)
			continue;       /* unknown: reported already */
		p = &m->params[si->markers[i]];
		if (p->match == MAPM_EXACT)
			continue;
		if (!sc->likes[i]) {
			xml_err(&ld->xe, si->line + sc->lines[i], "parameter "
			    "'%s' has match=\"%s\": write it right after LIKE "
			    "(name LIKE :%s); kefu adds the %% itself", p->name,
			    map_param_matches[p->match], p->name);
			continue;
		}
		for (q = b + sc->offs[i] + 1; *q == ' ' || *q == '\t' ||
		    *q == '\n' || *q == '\r'; q++)
			;
		if (strncasecmp(q, "ESCAPE", 6) == 0 &&
		    !isalnum((unsigned char)q[6]) && q[6] != '_')
			xml_err(&ld->xe, si->line + sc->lines[i], "parameter "
			    "'%s' has match=: kefu writes its ESCAPE clause; "
			    "leave it out", p->name);
		sb_add(&sb, b + at, sc->offs[i] + 1 - at);
		sb_adds(&sb, " ESCAPE '!'");
		at = sc->offs[i] + 1;
	}
	if (at == 0)
		return;
	sb_adds(&sb, b + at);
	si->bound = map_own(m, sb_steal(&sb));
}

static void
map_load_sql(struct map_loader *ld, struct map *m, xmlNode *node,
    struct map_sql_info *si)
{
	struct map_sql_scan sc;
	xmlChar *text = xmlNodeGetContent(node);
	char *cause;
	int errline;

	si->line = xml_line(node);
	si->dialect = map_load_attr(m, node, "dialect");
	si->text = map_own(m, xstrdup(text ? (const char *)text : ""));
	xmlFree(text);
	if (map_sql_compile(si->text, m->info.writes ? 1 :
	    m->info.procedure ? 2 : 0, &sc, &errline,
	    &cause) == -1) {
		xml_err(&ld->xe, si->line + errline, "%s", cause);
		free(cause);
		si->bound = "";
		return;
	}
	si->bound = map_own(m, sc.bound);
	sc.bound = NULL;
	map_load_markers(ld, m, si, &sc);
	map_load_like(ld, m, si, &sc);
	map_sql_scan_free(&sc);
}

/* Compile every <sql>; the default variant goes first. */
static void
map_load_sqls(struct map_loader *ld, struct map *m, xmlNode *node)
{
	struct map_sql_info *si, tmp;
	xmlNode *c;
	size_t i, j, def = (size_t)-1;

	for (c = node->children; c != NULL; c = c->next) {
		if (!xml_is(c, "sql"))
			continue;
		m->sql = xreallocarray(m->sql, m->info.nsql + 1,
		    sizeof *m->sql);
		si = &m->sql[m->info.nsql++];
		memset(si, 0, sizeof *si);
		map_load_sql(ld, m, c, si);
	}
	for (i = 0; i < m->info.nsql; i++) {
		for (j = 0; j < i; j++)
			if ((m->sql[i].dialect == NULL) ==
			    (m->sql[j].dialect == NULL) &&
			    (m->sql[i].dialect == NULL ||
			    strcmp(m->sql[i].dialect, m->sql[j].dialect) == 0))
				xml_err(&ld->xe, m->sql[i].line, "second <sql> "
				    "for the same dialect");
		if (m->sql[i].dialect == NULL && def == (size_t)-1)
			def = i;
	}
	if (def == (size_t)-1) {
		xml_err(&ld->xe, m->info.line, "mapping '%s' has no <sql> "
		    "without dialect= (the default)", m->info.name);
		return;
	}
	tmp = m->sql[0];
	m->sql[0] = m->sql[def];
	m->sql[def] = tmp;
}

/*
 * db_run sends a statement's text in the datasource's encoding: refuse
 * at load a literal that encoding cannot hold, at its own line.
 */
static void
map_load_encoding(struct map_loader *ld, struct map *m,
    const struct conf_datasource *ds)
{
	const struct map_sql_info *si;
	const char *p;
	char *cause = NULL;
	size_t i, bad, n;
	int line;

	for (i = 0; i < m->info.nsql; i++) {
		si = &m->sql[i];
		if (db_encoding_check(ds->encoding, si->text, &bad,
		    &cause) == 0)
			continue;
		line = si->line;
		for (p = si->text; p < si->text + bad; p++)
			line += *p == '\n';
		for (n = 1; si->text[bad] != '\0' && n < 4 &&
		    ((unsigned char)si->text[bad + n] & 0xc0) == 0x80; n++)
			;
		if (si->text[bad] == '\0')
			xml_err(&ld->xe, line, "%s", cause);
		else
			xml_err(&ld->xe, line, "the SQL holds \"%.*s\", which "
			    "%s (the encoding of datasource '%s') cannot hold",
			    (int)n, si->text + bad, ds->encoding, ds->name);
		free(cause);
		cause = NULL;
	}
}

static void
map_load_datasource(struct map_loader *ld, struct map *m)
{
	const struct conf *conf = ld->cfg->conf;
	const struct conf_datasource *ds = NULL;
	size_t i;

	if (conf != NULL) {
		for (i = 0; i < conf->nds; i++)
			if (strcmp(conf->ds[i].name, m->info.datasource) == 0)
				ds = &conf->ds[i];
		if (ds == NULL) {
			xml_err(&ld->xe, m->info.line, "mapping '%s': "
			    "datasource '%s' is not in %s", m->info.name,
			    m->info.datasource, conf->path ? conf->path :
			    "kefu.conf");
			return;
		}
		if (ds->readonly && m->info.writes)
			xml_err(&ld->xe, m->info.line, "mapping '%s' writes, "
			    "but datasource '%s' is read-only", m->info.name,
			    ds->name);
		map_load_encoding(ld, m, ds);
	}
	if (ld->cfg->source != NULL)
		m->src = ld->cfg->source(ld->cfg->arg, m->info.datasource);
}

static void
map_load_head(struct map_loader *ld, struct map *m, xmlNode *node)
{
	struct map_info *mi = &m->info;
	const char *v, *errstr;
	xmlNode *c;

	mi->file = map_own(m, xstrdup(ld->xe.file));
	mi->line = xml_line(node);
	mi->name = map_load_attr(m, node, "name");
	/* svc/builtin.c: kefu's own services answer to these names. */
	if (mi->name != NULL && strncmp(mi->name, "kefu.", 5) == 0)
		xml_err(&ld->xe, mi->line, "mapping names starting with "
		    "\"kefu.\" are kefu's own services (kefu-flow(5), "
		    "BUILT-IN SERVICES); choose another name");
	mi->datasource = map_load_attr(m, node, "datasource");
	v = map_load_attr(m, node, "writes");
	mi->writes = v != NULL && strcmp(v, "yes") == 0;
	v = map_load_attr(m, node, "procedure");
	mi->procedure = v != NULL && strcmp(v, "yes") == 0;
	if (mi->procedure && mi->writes)
		xml_err(&ld->xe, mi->line, "procedure=\"yes\" is for "
		    "procedures that only read; one that writes is a mapping "
		    "with writes=\"yes\"");
	v = map_load_attr(m, node, "timeout");
	if (v != NULL && conf_duration(v, &mi->timeout_ms, &errstr) == -1)
		xml_err(&ld->xe, mi->line, "timeout '%s': %s", v, errstr);
	mi->description = "";
	for (c = node->children; c != NULL; c = c->next) {
		if (!xml_is(c, "description"))
			continue;
		mi->description = map_own(m, xml_text(c));
	}
}

static void
map_load_finish(struct map *m)
{
	size_t i;

	m->info.params = m->params;
	m->info.sql = m->sql;
	m->info.columns = m->columns;
	m->coltypes = xcalloc(m->info.ncolumns + 1, sizeof *m->coltypes);
	for (i = 0; i < m->info.ncolumns; i++)
		m->coltypes[i] = m->columns[i].type;
	for (i = 0; i < m->info.nparams; i++)
		if (m->params[i].re_ != NULL)
			m->params[i].re_ = &m->regex[i];
}

static void
map_load_mapping(struct map_loader *ld, xmlNode *node)
{
	struct map *m = map_new();
	int before = ld->xe.n;
	xmlNode *c;
	size_t i;

	map_load_head(ld, m, node);
	for (c = node->children; c != NULL; c = c->next)
		if (xml_is(c, "param"))
			map_load_param(ld, m, c);
	m->regex = xcalloc(m->info.nparams + 1, sizeof *m->regex);
	for (i = 0; i < m->info.nparams; i++)
		if (m->params[i].pattern != NULL)
			map_load_pattern(ld, m, i);
	for (c = node->children; c != NULL; c = c->next)
		if (xml_is(c, "result"))
			map_load_result(ld, m, c);
	if (!m->info.writes && m->info.rows == MAPROWS_NONE)
		xml_err(&ld->xe, m->info.line, "mapping '%s' reads but has no "
		    "<result> with columns", m->info.name);
	map_load_sqls(ld, m, node);
	map_load_datasource(ld, m);
	map_load_finish(m);
	if (ld->xe.n != before) {
		map_free(m);
		return;
	}
	ld->maps = xreallocarray(ld->maps, ld->n + 1, sizeof *ld->maps);
	ld->maps[ld->n++] = m;
}

/* The line of <!DOCTYPE ...>: the line before the root element's. */
static int
map_load_dtd_line(xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	int line = root != NULL ? xml_line(root) - 1 : 1;

	return line > 0 ? line : 1;
}

static void
map_load_doc(struct map_loader *ld, xmlDoc *doc, xmlRelaxNG *schema)
{
	xmlNode *root, *c;
	int before = ld->xe.n;

	if (doc->intSubset != NULL) {
		xml_err(&ld->xe, map_load_dtd_line(doc), "a DOCTYPE is not "
		    "allowed in a mapping file");
		return;
	}
	if (xml_valid(&ld->xe, schema, doc) == -1) {
		if (ld->xe.n == before)
			xml_err(&ld->xe, 0, "could not be validated");
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_is(root, "mapping")) {
		map_load_mapping(ld, root);
		return;
	}
	for (c = root->children; c != NULL; c = c->next)
		if (xml_is(c, "mapping"))
			map_load_mapping(ld, c);
}

static void
map_load_file(struct map_loader *ld, const char *path, xmlRelaxNG *schema)
{
	xmlDoc *doc;

	if ((doc = xml_read(&ld->xe, path, XML_PARSE_NOCDATA)) == NULL)
		return;
	map_load_doc(ld, doc, schema);
	xmlFreeDoc(doc);
}

static xmlRelaxNG *
map_load_schema(struct map_loader *ld, char **cause)
{
	const char *path = ld->cfg->schema;
	xmlRelaxNG *rng;

	if (path == NULL)
		path = map_schema_path(ld->cfg->path);
	if (path == NULL) {
		kf_error(cause, "cannot find mapping.rng (set "
		    "KEFU_MAPPING_SCHEMA, or install kefu)");
		return NULL;
	}
	ld->xe.file = path;
	if (access(path, R_OK) == -1) {
		kf_error(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((rng = xml_schema(&ld->xe, path)) == NULL)
		kf_error(cause, "%s: cannot load the schema\n%s", path,
		    sb_str(&ld->xe.sb));
	return rng;
}

static int
map_load_cmp(const void *a, const void *b)
{
	const struct map *x = *(struct map *const *)a;
	const struct map *y = *(struct map *const *)b;

	return strcmp(x->info.name, y->info.name);
}

static void
map_load_dups(struct map_loader *ld)
{
	size_t i;
	struct map *a, *b;

	if (ld->n < 2)
		return;
	qsort(ld->maps, ld->n, sizeof *ld->maps, map_load_cmp);
	for (i = 1; i < ld->n; i++) {
		a = ld->maps[i - 1];
		b = ld->maps[i];
		if (strcmp(a->info.name, b->info.name) != 0)
			continue;
		ld->xe.file = b->info.file;
		xml_err(&ld->xe, b->info.line, "mapping '%s' already defined "
		    "at %s:%d", b->info.name, a->info.file, a->info.line);
	}
}

static void
map_load_cleanup(struct map_loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nfiles; i++)
		free(ld->files[i]);
	free(ld->files);
	sb_free(&ld->xe.sb);
}

int
map_load(const struct map_load_cfg *cfg, struct map_set **out, char **cause)
{
	struct map_loader ld;
	struct map_set *set;
	xmlRelaxNG *schema;
	size_t i;

	memset(&ld, 0, sizeof ld);
	ld.cfg = cfg;
	if ((schema = map_load_schema(&ld, cause)) == NULL) {
		map_load_cleanup(&ld);
		return -1;
	}
	if (map_load_files(&ld, cause) == 0) {
		for (i = 0; i < ld.nfiles; i++)
			map_load_file(&ld, ld.files[i], schema);
		map_load_dups(&ld);
	} else
		ld.xe.n = -1;
	xmlRelaxNGFree(schema);
	set = xcalloc(1, sizeof *set);
	set->maps = ld.maps;
	set->n = ld.n;
	if (ld.xe.n != 0) {
		if (ld.xe.n > 0) {
			ld.xe.sb.s[--ld.xe.sb.len] = '\0';
			*cause = xstrdup(sb_str(&ld.xe.sb));
		}
		map_set_free(set);
		map_load_cleanup(&ld);
		return -1;
	}
	map_load_cleanup(&ld);
	*out = set;
	return 0;
}
