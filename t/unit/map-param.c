/*
 * map-param.c: input checks of map/param.c, table-driven -- every
 * parameter type, length bounds in characters, patterns, ranges, barcode
 * check digits (GS1) and decimal canonical form -- and map/sql.c's
 * placeholder scanner and read-only guard.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "map/map-int.h"
#include "util/util.h"
#include "../tap.h"

struct pcase {
	enum map_ptype type;
	size_t min_len, max_len;
	const char *pattern;
	enum map_check check;
	const char *min, *max;
	const char *value;
	enum map_reason want;
};

static const struct pcase pcases[] = {
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "0042", MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "", MAPR_MISSING },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, NULL, MAPR_MISSING },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "12a",
	    MAPR_NOT_DIGITS },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1' OR '1'='1",
	  MAPR_NOT_DIGITS },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1;DROP TABLE x",
	  MAPR_NOT_DIGITS },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1--",
	    MAPR_NOT_DIGITS },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_NONE, NULL, NULL, "-1",
	    MAPR_NOT_DIGITS },
	{ MAPP_DIGITS, 4, 6, NULL, MAPC_NONE, NULL, NULL, "123",
	    MAPR_TOO_SHORT },
	{ MAPP_DIGITS, 4, 6, NULL, MAPC_NONE, NULL, NULL, "1234", MAPR_NONE },
	{ MAPP_DIGITS, 4, 6, NULL, MAPC_NONE, NULL, NULL, "123456", MAPR_NONE },
	{ MAPP_DIGITS, 4, 6, NULL, MAPC_NONE, NULL, NULL, "1234567",
	    MAPR_TOO_LONG },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN13, NULL, NULL, "4006381333931",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN13, NULL, NULL, "4006381333932",
	  MAPR_CHECK_DIGIT },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN13, NULL, NULL, "400638133393",
	  MAPR_TOO_SHORT },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN13, NULL, NULL, "40063813339310",
	  MAPR_TOO_LONG },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN13, NULL, NULL, "6901234567892",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN8, NULL, NULL, "96385074",
	    MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_EAN8, NULL, NULL, "96385075",
	  MAPR_CHECK_DIGIT },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_UPCA, NULL, NULL, "036000291452",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_UPCA, NULL, NULL, "036000291453",
	  MAPR_CHECK_DIGIT },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_UPCA, NULL, NULL, "4006381333931",
	  MAPR_TOO_LONG },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "96385074",
	    MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "036000291452",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "4006381333931",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "10614141000415",
	  MAPR_NONE },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "4006381333930",
	  MAPR_CHECK_DIGIT },
	{ MAPP_DIGITS, 0, 0, NULL, MAPC_GTIN, NULL, NULL, "123456789",
	  MAPR_BAD_LENGTH },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL, "-42", MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL, "+7", MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL, "4.2",
	  MAPR_NOT_INTEGER },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL, "-",
	  MAPR_NOT_INTEGER },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL,
	  "9223372036854775807", MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL,
	  "9223372036854775808", MAPR_NOT_INTEGER },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1 OR 1=1",
	  MAPR_NOT_INTEGER },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1", "99999", "0", MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1", "99999", "100000",
	  MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1", "99999", "99999",
	    MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1.5", "2.5", "1", MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1.5", "2.5", "2", MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "1.5", "2.5", "3", MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "-2.5", "-1.5", "-1",
	    MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "-2.5", "-1.5", "-2",
	    MAPR_NONE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "-2.5", "-1.5", "-3",
	    MAPR_RANGE },
	{ MAPP_INTEGER, 0, 0, NULL, MAPC_NONE, "-5", "5.0", "5", MAPR_NONE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, "12.50", MAPR_NONE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, ".5", MAPR_NONE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, "5.", MAPR_NONE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, ".",
	    MAPR_NOT_DECIMAL },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1e5",
	  MAPR_NOT_DECIMAL },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1,5",
	  MAPR_NOT_DECIMAL },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, "-1.5", "2", "-1.50",
	    MAPR_NONE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, "-1.5", "2", "-1.51",
	    MAPR_RANGE },
	{ MAPP_DECIMAL, 0, 0, NULL, MAPC_NONE, "-1.5", "2", "2.001",
	    MAPR_RANGE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2024-02-29",
	    MAPR_NONE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2023-02-29",
	  MAPR_NOT_DATE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2000-02-29",
	    MAPR_NONE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "1900-02-29",
	  MAPR_NOT_DATE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2024-13-01",
	  MAPR_NOT_DATE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2024-1-01",
	  MAPR_NOT_DATE },
	{ MAPP_DATE, 0, 0, NULL, MAPC_NONE, NULL, NULL, "2024-01-01'",
	  MAPR_NOT_DATE },
	{ MAPP_TEXT, 0, 0, NULL, MAPC_NONE, NULL, NULL, "", MAPR_NONE },
	{ MAPP_TEXT, 0, 0, NULL, MAPC_NONE, NULL, NULL, "O'Brien; --",
	    MAPR_NONE },
	{ MAPP_TEXT, 0, 2, NULL, MAPC_NONE, NULL, NULL,
	    "\xe8\x8b\xb9\xe6\x9e\x9c",
	  MAPR_NONE },
	{ MAPP_TEXT, 0, 1, NULL, MAPC_NONE, NULL, NULL,
	    "\xe8\x8b\xb9\xe6\x9e\x9c",
	  MAPR_TOO_LONG },
	{ MAPP_TEXT, 0, 0, NULL, MAPC_NONE, NULL, NULL, "\xe8\x8b",
	    MAPR_BAD_TEXT },
	{ MAPP_TEXT, 0, 0, NULL, MAPC_NONE, NULL, NULL, "\xc0\xaf",
	    MAPR_BAD_TEXT },
	{ MAPP_TEXT, 0, 0, NULL, MAPC_NONE, NULL, NULL, "a\nb", MAPR_BAD_TEXT },
	{ MAPP_TEXT, 0, 0, "[A-Z]{2}[0-9]+", MAPC_NONE, NULL, NULL, "AB12",
	  MAPR_NONE },
	{ MAPP_TEXT, 0, 0, "[A-Z]{2}[0-9]+", MAPC_NONE, NULL, NULL, "AB12'--",
	  MAPR_NO_MATCH },
	{ MAPP_TEXT, 0, 0, "[A-Z]{2}[0-9]+", MAPC_NONE, NULL, NULL, "xAB12",
	  MAPR_NO_MATCH },
};

static void
test_params(void)
{
	struct map_param_info p;
	regex_t re;
	char why[256], *pat;
	size_t i;
	enum map_reason r;

	for (i = 0; i < nitems(pcases); i++) {
		memset(&p, 0, sizeof p);
		p.name = "x";
		p.type = pcases[i].type;
		p.min_len = pcases[i].min_len;
		p.max_len = pcases[i].max_len;
		p.check = pcases[i].check;
		p.min = pcases[i].min;
		p.max = pcases[i].max;
		if (pcases[i].pattern != NULL) {
			pat = xasprintf("^(%s)$", pcases[i].pattern);
			if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0)
				abort();
			free(pat);
			p.re_ = &re;
		}
		r = map_param_check(&p, pcases[i].value, why, sizeof why);
		is_str(map_reason_name(r), map_reason_name(pcases[i].want),
		    "%s '%s' -> %s (%s)", map_ptype_name(p.type),
		    pcases[i].value ? pcases[i].value : "(null)",
		    map_reason_name(pcases[i].want), why);
		if (p.re_ != NULL)
			regfree(&re);
	}
}

static void
test_reason_text(void)
{
	struct map_param_info p;
	char why[256];

	memset(&p, 0, sizeof p);
	p.type = MAPP_DIGITS;
	p.check = MAPC_EAN13;
	map_param_check(&p, "4006381333932", why, sizeof why);
	is_str(why, "bad check digit", "reason text for a bad EAN-13");
	p.check = MAPC_NONE;
	p.min_len = 4;
	map_param_check(&p, "12", why, sizeof why);
	is_str(why, "too short (2 characters, at least 4)", "too short text");
}

static void
test_decimal(void)
{
	static const char *const cases[][2] = {
		{ "12.50", "12.50" }, { "+012.5", "12.5" }, { ".5", "0.5" },
		{ "5.", "5" }, { "-0", "0" }, { "-0.00", "0.00" },
		{ "-007.10", "-7.10" }, { "0", "0" },
	};
	static const struct { const char *a, *b; int want; } cmps[] = {
		{ "1", "1.0", 0 }, { "1.01", "1.1", -1 }, { "-2", "-10", 1 },
		{ "10", "9.99", 1 }, { "-1.5", "1", -1 }, { "0.000", "0", 0 },
	};
	size_t i;
	char *c;

	for (i = 0; i < nitems(cases); i++) {
		c = map_param_decimal(cases[i][0]);
		is_str(c, cases[i][1], "decimal '%s' canonical", cases[i][0]);
		free(c);
	}
	for (i = 0; i < nitems(cmps); i++)
		is_int(map_param_deccmp(cmps[i].a, cmps[i].b), cmps[i].want,
		    "compare %s %s", cmps[i].a, cmps[i].b);
}

struct scase {
	const char *sql;
	int writes;
	const char *bound;      /* NULL: must fail */
	const char *names;      /* placeholder names, comma-separated */
	const char *err;        /* part of the error */
	int errline;
};

static const struct scase scases[] = {
	{ "SELECT a FROM t WHERE b = :code OR c = :code", 0,
	  "SELECT a FROM t WHERE b = ? OR c = ?", "code,code", NULL, 0 },
	{ "  select x::text from t where y = :y_1;  ", 0,
	  "select x::text from t where y = ?", "y_1", NULL, 0 },
	{ "SELECT ':notme', \":nor_me\" -- :nor_this\n FROM t /* :no */ "
	  "WHERE a = :a", 0, "SELECT ':notme', \":nor_me\" -- :nor_this\n "
	  "FROM t /* :no */ WHERE a = ?", "a", NULL, 0 },
	{ "SELECT 'it''s :x' FROM t WHERE a=:a", 0,
	  "SELECT 'it''s :x' FROM t WHERE a=?", "a", NULL, 0 },
	{ "WITH c AS (SELECT 1 AS n) SELECT n FROM c", 0,
	  "WITH c AS (SELECT 1 AS n) SELECT n FROM c", "", NULL, 0 },
	{ "/* lead */ (SELECT 1)", 0, "/* lead */ (SELECT 1)", "", NULL, 0 },
	{ "SELECT updated_at, deleted FROM t", 0,
	  "SELECT updated_at, deleted FROM t", "", NULL, 0 },
	{ "UPDATE t SET a = :a", 0, NULL, NULL, "is not a query", 0 },
	{ "\n\n  DELETE FROM t", 0, NULL, NULL, "is not a query", 2 },
	{ "SELECT 1;\nDROP TABLE t", 0, NULL, NULL, "more than one", 1 },
	{ "SELECT 1; -- done", 0, "SELECT 1 -- done", "", NULL, 0 },
	{ "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", 0, NULL,
	  NULL, "'DELETE' changes data", 0 },
	{ "SELECT a\nINTO newt FROM t", 0, NULL, NULL, "'INTO'", 1 },
	{ "SELECT a FROM t\nFOR UPDATE", 0, NULL, NULL, "'UPDATE'", 1 },
	{ "SELECT a FROM t WHERE b = ?", 0, NULL, NULL, "'?' markers", 0 },
	{ "SELECT 'open", 0, NULL, NULL, "unterminated string", 0 },
	{ "SELECT 1 /* open", 0, NULL, NULL, "unterminated comment", 0 },
	{ "   ", 0, NULL, NULL, "empty statement", 0 },
	/* placeholders without a word: refused, the names freed (fuzz-xml) */
	{ "\n  :code :b", 0, NULL, NULL, "empty statement", 0 },
	{ "UPDATE t SET a = :a WHERE b = :b", 1,
	  "UPDATE t SET a = ? WHERE b = ?", "a,b", NULL, 0 },
	{ "INSERT INTO t VALUES (:a); DELETE FROM u", 1, NULL, NULL,
	  "more than one", 0 },
	/* procedure="yes" (2): one call of a procedure that reads */
	{ "CALL price_of(:code)", 2, "CALL price_of(?)", "code", NULL, 0 },
	{ "EXEC dbo.price_of :code", 2, "EXEC dbo.price_of ?", "code",
	  NULL, 0 },
	{ "{call price_of(:code)}", 2, "{call price_of(?)}", "code", NULL,
	  0 },
	{ "SELECT * FROM t", 2, NULL, NULL, "is not a procedure call", 0 },
	{ "CALL p(:a);\nDELETE FROM t", 2, NULL, NULL, "more than one", 1 },
	{ "CALL p(:a)", 0, NULL, NULL, "procedure=\"yes\"", 0 },
	{ "SELECT name FROM t WHERE name LIKE :q", 0,
	  "SELECT name FROM t WHERE name LIKE ?", "q", NULL, 0 },
};

static char *
join_names(struct map_sql_scan *sc)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sc->nnames; i++)
		sb_addf(&sb, "%s%s", i ? "," : "", sc->names[i]);
	return sb_steal(&sb);
}

static void
test_sql(void)
{
	struct map_sql_scan sc;
	char *cause, *names;
	size_t i;
	int rc, line;

	for (i = 0; i < nitems(scases); i++) {
		memset(&sc, 0, sizeof sc);
		cause = NULL;
		rc = map_sql_compile(scases[i].sql, scases[i].writes, &sc,
		    &line, &cause);
		if (scases[i].bound == NULL) {
			is_int(rc, -1, "sql %zu refused", i);
			like(cause, scases[i].err, "sql %zu: reason", i);
			is_int(line, scases[i].errline, "sql %zu: line", i);
			free(cause);
			continue;
		}
		is_int(rc, 0, "sql %zu compiles%s%s", i, cause ? ": " : "",
		    cause ? cause : "");
		is_str(sc.bound, scases[i].bound, "sql %zu bound text", i);
		names = join_names(&sc);
		is_str(names, scases[i].names, "sql %zu placeholders", i);
		free(names);
		map_sql_scan_free(&sc);
	}
}

/* match=: a caller's text as a literal LIKE pattern, per DBMS. */
static void
test_like(void)
{
	static const struct {
		const char *v;
		enum map_match m;
		const char *special, *want;
	} c[] = {
		{ "abc", MAPM_PREFIX, "%_", "abc%" },
		{ "abc", MAPM_CONTAINS, "%_", "%abc%" },
		{ "abc", MAPM_SUFFIX, "%_", "%abc" },
		{ "%", MAPM_CONTAINS, "%_", "%!%%" },
		{ "a_b", MAPM_PREFIX, "%_", "a!_b%" },
		{ "5!", MAPM_PREFIX, "%_", "5!!%" },
		{ "[x]", MAPM_PREFIX, "%_", "[x]%" },
		{ "[x]", MAPM_PREFIX, "%_[", "![x]%" },
		{ "会员%", MAPM_CONTAINS, "%_[", "%会员!%%" },
		{ "", MAPM_CONTAINS, "%_", "%%" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < nitems(c); i++)
		is_str(map_param_like(c[i].v, c[i].m, c[i].special, out),
		    c[i].want, "like pattern of \"%s\" (%s, special %s)",
		    c[i].v, map_param_matches[c[i].m], c[i].special);
}

int
main(void)
{
	test_params();
	test_like();
	test_reason_text();
	test_decimal();
	test_sql();
	ok(map_gtin_valid("5901234123457"), "GS1 example EAN-13");
	ok(!map_gtin_valid("5"), "one digit is no barcode");
	return tap_done();
}
