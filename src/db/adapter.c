/*
 * adapter.c: DBMS adapter profiles (adapters/NAME.xml, see kefu-adapter(5)),
 * validated against adapters/adapter.rng (RELAX NG, with libxml2) as they
 * load, errors given as file:line; detection from SQL_DBMS_NAME; and what
 * kefu generates in each dialect: row limits, quoted identifiers, date
 * literals and liveness probes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "db/db-int.h"
#include "util/xml.h"

static int
adapter_yes(xmlNodePtr n, const char *name, int dflt)
{
	char *v = xml_attr(n, name);
	int r = dflt;

	if (v != NULL)
		r = strcmp(v, "yes") == 0;
	free(v);
	return r;
}

static int
adapter_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static void
adapter_free(struct db_adapter *ad)
{
	size_t i;

	if (ad == NULL)
		return;
	for (i = 0; i < ad->ndbms; i++)
		free(ad->dbms[i].text);
	free(ad->dbms);
	for (i = 0; i < ad->ndrivers; i++)
		free(ad->drivers[i].text);
	free(ad->drivers);
	for (i = 0; i < ad->nencs; i++) {
		free(ad->encs[i].name);
		free(ad->encs[i].connect);
		free(ad->encs[i].note);
	}
	free(ad->encs);
	for (i = 0; i < ad->nquirks; i++)
		free(ad->quirks[i]);
	free(ad->quirks);
	free(ad->name);
	free(ad->title);
	free(ad->file);
	free(ad->probe);
	free(ad->quote_open);
	free(ad->quote_close);
	free(ad->date_fmt);
	free(ad->timestamp_fmt);
	free(ad->connect_timeout);
	free(ad->like_special);
	free(ad->network);
	free(ad->ro_on);
	free(ad->ro_off);
	free(ad->tx_begin);
	free(ad);
}

static void
adapter_pattern(struct db_pattern **v, size_t *n, xmlNodePtr node)
{
	char *m = xml_attr(node, "match");
	struct db_pattern *p;

	*v = xreallocarray(*v, *n + 1, sizeof **v);
	p = &(*v)[(*n)++];
	p->match = DBM_CONTAINS;
	if (m != NULL && strcmp(m, "exact") == 0)
		p->match = DBM_EXACT;
	else if (m != NULL && strcmp(m, "prefix") == 0)
		p->match = DBM_PREFIX;
	p->text = xml_text(node);
	free(m);
}

static const char *const adapter_limit_names[] = {
	[DBL_LIMIT] = "limit",
	[DBL_TOP] = "top",
	[DBL_FIRST] = "first",
	[DBL_FETCH] = "fetch-first",
	[DBL_ROWNUM] = "rownum",
};

/* Fill ad from a document the schema has already accepted. */
static void
adapter_build(struct db_adapter *ad, xmlNodePtr root)
{
	xmlNodePtr n, k;
	char *v;
	size_t i;

	ad->name = xml_attr(root, "name");
	ad->quote_open = xstrdup("\"");
	ad->quote_close = xstrdup("\"");
	ad->access_mode = 1;
	ad->query_timeout = 1;
	for (n = root->children; n != NULL; n = n->next) {
		if (adapter_is(n, "title"))
			ad->title = xml_text(n);
		else if (adapter_is(n, "detect")) {
			for (k = n->children; k != NULL; k = k->next) {
				if (adapter_is(k, "dbms"))
					adapter_pattern(&ad->dbms, &ad->ndbms,
					    k);
				else if (adapter_is(k, "driver"))
					adapter_pattern(&ad->drivers,
					    &ad->ndrivers, k);
			}
		} else if (adapter_is(n, "probe"))
			ad->probe = xml_text(n);
		else if (adapter_is(n, "limit")) {
			v = xml_attr(n, "style");
			for (i = 0; v && i < nitems(adapter_limit_names); i++)
				if (strcmp(v, adapter_limit_names[i]) == 0)
					ad->limit = (enum db_limit_style)i;
			free(v);
		} else if (adapter_is(n, "quote")) {
			free(ad->quote_open);
			free(ad->quote_close);
			ad->quote_open = xml_attr(n, "open");
			ad->quote_close = xml_attr(n, "close");
		} else if (adapter_is(n, "date-literal"))
			ad->date_fmt = xml_text(n);
		else if (adapter_is(n, "timestamp-literal"))
			ad->timestamp_fmt = xml_text(n);
		else if (adapter_is(n, "strings"))
			ad->backslash_escape = adapter_yes(n,
			    "backslash-escape", 0);
		else if (adapter_is(n, "like")) {
			free(ad->like_special);
			ad->like_special = xml_attr(n, "special");
		} else if (adapter_is(n, "access-mode"))
			ad->access_mode = adapter_yes(n, "read-only", 1);
		else if (adapter_is(n, "read-only-sql")) {
			ad->ro_on = xml_attr(n, "on");
			ad->ro_off = xml_attr(n, "off");
		} else if (adapter_is(n, "transaction")) {
			free(ad->tx_begin);
			ad->tx_begin = xml_attr(n, "begin");
		} else if (adapter_is(n, "query-timeout"))
			ad->query_timeout = adapter_yes(n, "supported", 1);
		else if (adapter_is(n, "connect-timeout"))
			ad->connect_timeout = xml_attr(n, "option");
		else if (adapter_is(n, "network")) {
			ad->network = xml_attr(n, "option");
			ad->local = adapter_yes(n, "local", 0);
		}
		else if (adapter_is(n, "encoding")) {
			struct db_adenc *e;

			ad->encs = xreallocarray(ad->encs, ad->nencs + 1,
			    sizeof *ad->encs);
			e = &ad->encs[ad->nencs++];
			e->name = xml_attr(n, "name");
			e->connect = xml_attr(n, "connect");
			e->note = xml_text(n);
		} else if (adapter_is(n, "quirk")) {
			char *name = xml_attr(n, "name"), *t = xml_text(n);

			ad->quirks = xreallocarray(ad->quirks, ad->nquirks + 1,
			    sizeof *ad->quirks);
			ad->quirks[ad->nquirks++] = xasprintf("%s: %s", name,
			    t);
			free(name);
			free(t);
		}
	}
	if (ad->title == NULL)
		ad->title = xstrdup(ad->name);
}

static int
adapter_load_one(const char *path, const char *base, xmlRelaxNGPtr schema,
    struct db_adapter **out, char **cause)
{
	struct xml_errs xe = { STRBUF_INIT, 0, 1, NULL };
	xmlDocPtr doc;
	struct db_adapter *ad;
	char *first;
	int rc;

	if ((doc = xml_read(&xe, path, 0)) == NULL) {
		*cause = xml_err_first(&xe);
		sb_free(&xe.sb);
		return -1;
	}
	if (xml_valid(&xe, schema, doc) == -1) {
		xmlFreeDoc(doc);
		first = xml_err_first(&xe);
		rc = kf_error(cause, "%s (does not follow adapter.rng; see "
		    "kefu-adapter(5))", first != NULL ? first : path);
		free(first);
		sb_free(&xe.sb);
		return rc;
	}
	sb_free(&xe.sb);
	ad = xcalloc(1, sizeof *ad);
	adapter_build(ad, xmlDocGetRootElement(doc));
	ad->file = xstrdup(path);
	if (strcmp(ad->name, base) != 0) {
		rc = kf_error(cause, "%s:%d: the adapter is named \"%s\" but "
		    "the file is %s.xml; use the same name", path,
		    xml_line(xmlDocGetRootElement(doc)), ad->name, base);
		adapter_free(ad);
		xmlFreeDoc(doc);
		return rc;
	}
	xmlFreeDoc(doc);
	*out = ad;
	return 0;
}

static int
adapter_cmp(const void *a, const void *b)
{
	const struct db_adapter *x = *(struct db_adapter *const *)a;
	const struct db_adapter *y = *(struct db_adapter *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Load every NAME.xml of dir, validated against dir/adapter.rng.  The
 * first bad file stops the load with "file:line: reason" in *cause.
 */
int
db_adapters_load(const char *dir, struct db_adapters **out, char **cause)
{
	struct xml_errs xe = { STRBUF_INIT, 0, 1, NULL };
	struct db_adapters *ads;
	struct db_adapter *ad = NULL;
	xmlRelaxNGPtr schema;
	struct dirent **names;
	char *rng, *path, *base, *first;
	int n, i, rc = 0;

	rng = xasprintf("%s/adapter.rng", dir);
	if (access(rng, R_OK) == -1) {
		rc = kf_error(cause, "cannot read the adapter schema %s: %s "
		    "(set adapters= in kefu.conf to the folder of adapter "
		    "profiles)", rng, strerror(errno));
		free(rng);
		return rc;
	}
	schema = xml_schema(&xe, rng);
	if (schema == NULL) {
		first = xml_err_first(&xe);
		rc = kf_error(cause, "cannot load the adapter schema %s: %s",
		    rng, first != NULL ? first : "missing or invalid");
		free(first);
		sb_free(&xe.sb);
		free(rng);
		return rc;
	}
	sb_free(&xe.sb);
	free(rng);
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		xmlRelaxNGFree(schema);
		return kf_error(cause, "cannot list adapter folder %s", dir);
	}
	ads = xcalloc(1, sizeof *ads);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (rc == 0 && len > 4 && names[i]->d_name[0] != '.' &&
		    strcmp(names[i]->d_name + len - 4, ".xml") == 0) {
			path = xasprintf("%s/%s", dir, names[i]->d_name);
			base = xstrndup(names[i]->d_name, len - 4);
			if (adapter_load_one(path, base, schema, &ad,
			    cause) == 0) {
				ads->v = xreallocarray(ads->v, ads->n + 1,
				    sizeof *ads->v);
				ads->v[ads->n++] = ad;
			} else
				rc = -1;
			free(path);
			free(base);
		}
		free(names[i]);
	}
	free(names);
	xmlRelaxNGFree(schema);
	if (rc == 0 && ads->n == 0)
		rc = kf_error(cause, "no adapter profiles (*.xml) in %s", dir);
	if (rc == -1) {
		db_adapters_free(ads);
		return -1;
	}
	qsort(ads->v, ads->n, sizeof *ads->v, adapter_cmp);
	*out = ads;
	return 0;
}

void
db_adapters_free(struct db_adapters *ads)
{
	size_t i;

	if (ads == NULL)
		return;
	for (i = 0; i < ads->n; i++)
		adapter_free(ads->v[i]);
	free(ads->v);
	free(ads);
}

size_t
db_adapters_count(const struct db_adapters *ads)
{
	return ads == NULL ? 0 : ads->n;
}

const struct db_adapter *
db_adapters_get(const struct db_adapters *ads, size_t i)
{
	return ads == NULL || i >= ads->n ? NULL : ads->v[i];
}

const struct db_adapter *
db_adapter_find(const struct db_adapters *ads, const char *name)
{
	size_t i;

	for (i = 0; ads != NULL && i < ads->n; i++)
		if (str_ieq(ads->v[i]->name, name))
			return ads->v[i];
	return NULL;
}

static int
adapter_match(const struct db_pattern *p, const char *name)
{
	size_t plen = strlen(p->text), nlen = strlen(name), i;

	switch (p->match) {
	case DBM_EXACT:
		return str_ieq(p->text, name) ? 3 : 0;
	case DBM_PREFIX:
		return nlen >= plen && strncasecmp(name, p->text, plen) == 0 ?
		    2 : 0;
	case DBM_CONTAINS:
	default:
		for (i = 0; i + plen <= nlen; i++)
			if (strncasecmp(name + i, p->text, plen) == 0)
				return 1;
		return 0;
	}
}

/* The profile whose pattern fits best: exact, then prefix, then contains. */
const struct db_adapter *
db_adapter_detect(const struct db_adapters *ads, const char *dbms_name)
{
	const struct db_adapter *best = NULL;
	int bestscore = 0, s;
	size_t i, j;
	char *name;

	if (ads == NULL || dbms_name == NULL)
		return NULL;
	name = xstrdup(dbms_name);
	db_trim(name);
	for (i = 0; i < ads->n; i++) {
		for (j = 0; j < ads->v[i]->ndbms; j++) {
			s = adapter_match(&ads->v[i]->dbms[j], name);
			if (s > bestscore) {
				bestscore = s;
				best = ads->v[i];
			}
		}
	}
	free(name);
	return best;
}

const char *
db_adapter_name(const struct db_adapter *ad)
{
	return ad == NULL ? "generic" : ad->name;
}

const char *
db_adapter_title(const struct db_adapter *ad)
{
	return ad == NULL ? "generic ODBC" : ad->title;
}

/*
 * sql limited to n rows in the adapter's dialect; NULL when the query
 * has no SELECT to put TOP/FIRST after, or without an adapter.
 */
char *
db_adapter_limit(const struct db_adapter *ad, const char *sql, size_t n)
{
	char *body, *out = NULL;
	const char *at;

	if (ad == NULL || sql == NULL)
		return NULL;
	body = xstrndup(sql, db_sqlscan_trim_end(sql));
	switch (ad->limit) {
	case DBL_LIMIT:
		out = xasprintf("%s\nLIMIT %zu", body, n);
		break;
	case DBL_FETCH:
		out = xasprintf("%s\nFETCH FIRST %zu ROWS ONLY", body, n);
		break;
	case DBL_ROWNUM:
		out = xasprintf("SELECT * FROM (\n%s\n) kefu_limit WHERE "
		    "ROWNUM <= %zu", body, n);
		break;
	case DBL_TOP:
	case DBL_FIRST:
		/*
		 * T-SQL: SELECT DISTINCT TOP n;
		 * Informix: SELECT FIRST n DISTINCT
		 */

		at = db_sqlscan_main_select(body, ad->limit == DBL_TOP);
		if (at != NULL)
			out = xasprintf("%.*s %s %zu%s%s", (int)(at - body),
			    body,
			    ad->limit == DBL_TOP ? "TOP" : "FIRST", n,
			    *at == ' ' || *at == '\n' || *at == '\t' ? "" : " ",
			    at);
		break;
	}
	free(body);
	return out;
}

char *
db_adapter_quote(const struct db_adapter *ad, const char *ident)
{
	const char *open = ad ? ad->quote_open : "\"";
	const char *close = ad ? ad->quote_close : "\"";
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (ident == NULL || *ident == '\0')
		return NULL;
	sb_adds(&sb, open);
	for (p = ident; *p != '\0'; p++) {
		if (strncmp(p, close, strlen(close)) == 0)
			sb_adds(&sb, close);    /* doubled: "a""b" */
		sb_addc(&sb, *p);
	}
	sb_adds(&sb, close);
	return sb_steal(&sb);
}

static char *
adapter_fill(const char *fmt, int y, int mo, int d, int h, int mi, int s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = fmt; *p != '\0'; p++) {
		if (p[0] == '{' && p[1] != '\0' && p[2] == '}') {
			switch (p[1]) {
			case 'Y': sb_addf(&sb, "%04d", y); p += 2; continue;
			case 'M': sb_addf(&sb, "%02d", mo); p += 2; continue;
			case 'D': sb_addf(&sb, "%02d", d); p += 2; continue;
			case 'h': sb_addf(&sb, "%02d", h); p += 2; continue;
			case 'm': sb_addf(&sb, "%02d", mi); p += 2; continue;
			case 's': sb_addf(&sb, "%02d", s); p += 2; continue;
			default: break;
			}
		}
		sb_addc(&sb, *p);
	}
	return sb_steal(&sb);
}

/* NULL when iso is not a real date. */
char *
db_adapter_date_literal(const struct db_adapter *ad, const char *iso)
{
	int y, m, d;

	if (iso == NULL || db_conv_date(iso, &y, &m, &d) == -1)
		return NULL;
	return adapter_fill(ad && ad->date_fmt ? ad->date_fmt :
	    "{d '{Y}-{M}-{D}'}", y, m, d, 0, 0, 0);
}

char *
db_adapter_timestamp_literal(const struct db_adapter *ad, const char *iso)
{
	int y, mo, d, h, mi, s;

	if (iso == NULL || db_conv_timestamp(iso, &y, &mo, &d, &h, &mi,
	    &s) == -1)
		return NULL;
	return adapter_fill(ad && ad->timestamp_fmt ? ad->timestamp_fmt :
	    "{ts '{Y}-{M}-{D} {h}:{m}:{s}'}", y, mo, d, h, mi, s);
}

const char *
db_adapter_probe(const struct db_adapter *ad)
{
	return ad && ad->probe ? ad->probe : "SELECT 1";
}

/* Connection-string options the profile adds for an encoding, or NULL. */
const char *
db_adapter_encoding_option(const struct db_adapter *ad, const char *encoding)
{
	size_t i;

	for (i = 0; ad != NULL && i < ad->nencs; i++)
		if (str_ieq(ad->encs[i].name, encoding))
			return ad->encs[i].connect;
	return NULL;
}

/* The characters special in a LIKE pattern (NULL adapter: SQL's "%_"). */
const char *
db_adapter_like_special(const struct db_adapter *ad)
{
	return ad != NULL && ad->like_special != NULL ? ad->like_special :
	    "%_";
}
