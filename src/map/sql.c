/*
 * sql.c: the SQL text of a mapping.  Scans it the way SQL-92 lexes
 * ('string', "identifier", -- and slash-star comments) to turn named
 * placeholders (:code) into ODBC parameter markers ('?') and to refuse,
 * in a mapping that does not declare writes="yes", anything but a query.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "map/map-int.h"
#include "util/util.h"

/* Words that make a statement more than a read. */
static const char *const map_sql_writers[] = {
	"INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "TRUNCATE", "DROP",
	"ALTER", "CREATE", "GRANT", "REVOKE", "INTO", "CALL", "EXEC",
	"EXECUTE", "LOCK",
};
/* Words that call a stored procedure (procedure="yes"). */
static const char *const map_sql_callers[] = { "CALL", "EXEC", "EXECUTE" };
/* Words a query may start with. */
static const char *const map_sql_readers[] = { "SELECT", "WITH", "VALUES" };

struct map_sql_lex {
	const char *s;
	size_t i;
	int line;               /* 0-based line of s[i] */
	struct strbuf out;
	char **names;
	int *lines;
	size_t *offs;
	unsigned char *likes;
	size_t nnames;
	int last_like;          /* the last token was LIKE or ILIKE */
	int writes;
	int words;              /* words seen so far */
	int stmt_end;           /* a ';' was seen */
};

static int
map_sql_word_start(int c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int
map_sql_word_char(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static int
map_sql_in_list(const char *w, size_t n, const char *const *list,
    size_t nlist)
{
	size_t i;

	for (i = 0; i < nlist; i++)
		if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0)
			return 1;
	return 0;
}

/* Copy s[i] through to the output, counting lines. */
static void
map_sql_copy(struct map_sql_lex *lx)
{
	if (lx->s[lx->i] == '\n')
		lx->line++;
	sb_addc(&lx->out, lx->s[lx->i++]);
}

/* A quoted string or identifier: copy up to the closing quote. */
static int
map_sql_quoted(struct map_sql_lex *lx, char **cause)
{
	char q = lx->s[lx->i];
	int start = lx->line;

	map_sql_copy(lx);
	for (;;) {
		if (lx->s[lx->i] == '\0') {
			lx->line = start;
			return kf_error(cause, "unterminated %s",
			    q == '\'' ? "string" : "quoted name");
		}
		if (lx->s[lx->i] == q) {
			map_sql_copy(lx);
			if (lx->s[lx->i] != q)   /* '' is an escaped quote */
				return 0;
		}
		map_sql_copy(lx);
	}
}

static int
map_sql_comment(struct map_sql_lex *lx, char **cause)
{
	if (lx->s[lx->i] == '-') {
		while (lx->s[lx->i] != '\0' && lx->s[lx->i] != '\n')
			map_sql_copy(lx);
		return 0;
	}
	map_sql_copy(lx);
	map_sql_copy(lx);
	for (;;) {
		if (lx->s[lx->i] == '\0')
			return kf_error(cause, "unterminated comment");
		if (lx->s[lx->i] == '*' && lx->s[lx->i + 1] == '/') {
			map_sql_copy(lx);
			map_sql_copy(lx);
			return 0;
		}
		map_sql_copy(lx);
	}
}

static void
map_sql_placeholder(struct map_sql_lex *lx)
{
	size_t start = ++lx->i;

	while (map_sql_word_char(lx->s[lx->i]))
		lx->i++;
	lx->names = xreallocarray(lx->names, lx->nnames + 1,
	    sizeof *lx->names);
	lx->lines = xreallocarray(lx->lines, lx->nnames + 1,
	    sizeof *lx->lines);
	lx->offs = xreallocarray(lx->offs, lx->nnames + 1, sizeof *lx->offs);
	lx->likes = xreallocarray(lx->likes, lx->nnames + 1,
	    sizeof *lx->likes);
	lx->lines[lx->nnames] = lx->line;
	lx->offs[lx->nnames] = lx->out.len;
	lx->likes[lx->nnames] = (unsigned char)lx->last_like;
	lx->last_like = 0;
	lx->names[lx->nnames++] = xstrndup(lx->s + start, lx->i - start);
	sb_addc(&lx->out, '?');
}

static int
map_sql_word(struct map_sql_lex *lx, char **cause)
{
	const char *w = lx->s + lx->i;
	size_t n = 0;
	int call;

	while (map_sql_word_char(w[n]))
		n++;
	call = lx->writes == 2 && map_sql_in_list(w, n, map_sql_callers,
	    nitems(map_sql_callers));
	if (lx->words++ == 0 && lx->writes == 2 && !call)
		return kf_error(cause, "'%.*s' is not a procedure call; a "
		    "mapping with procedure=\"yes\" says CALL or EXEC",
		    (int)n, w);
	if (lx->words == 1 && !lx->writes && map_sql_in_list(w, n,
	    map_sql_callers, nitems(map_sql_callers)))
		return kf_error(cause, "'%.*s' calls a procedure; a mapping "
		    "whose procedure returns rows and only reads says "
		    "procedure=\"yes\", one that changes data writes=\"yes\"",
		    (int)n, w);
	if (lx->words == 1 && !lx->writes &&
	    !map_sql_in_list(w, n, map_sql_readers, nitems(map_sql_readers)))
		return kf_error(cause, "'%.*s' is not a query; a mapping that "
		    "changes data must say writes=\"yes\"", (int)n, w);
	if (lx->writes != 1 && !call && map_sql_in_list(w, n,
	    map_sql_writers, nitems(map_sql_writers)))
		return kf_error(cause, "'%.*s' changes data; a mapping that "
		    "does must say writes=\"yes\"", (int)n, w);
	sb_add(&lx->out, w, n);
	lx->i += n;
	lx->last_like = (n == 4 && strncasecmp(w, "LIKE", 4) == 0) ||
	    (n == 5 && strncasecmp(w, "ILIKE", 5) == 0);
	return 0;
}

/* One token (or one character) of the statement. */
static int
map_sql_step(struct map_sql_lex *lx, char **cause)
{
	const char *p = lx->s + lx->i;

	if (!isspace((unsigned char)*p) && !(p[0] == ':' &&
	    map_sql_word_start(p[1])))
		lx->last_like = 0;      /* map_sql_word sets it again */
	if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*'))
		return map_sql_comment(lx, cause);
	if (lx->stmt_end && !isspace((unsigned char)*p))
		return kf_error(cause, "more than one statement");
	if (*p == '\'' || *p == '"' || *p == '`')
		return map_sql_quoted(lx, cause);
	if (p[0] == ':' && p[1] == ':') {
		sb_add(&lx->out, "::", 2);
		lx->i += 2;
		return 0;
	}
	if (p[0] == ':' && map_sql_word_start(p[1])) {
		map_sql_placeholder(lx);
		return 0;
	}
	if (*p == '?')
		return kf_error(cause, "'?' markers are not allowed; name "
		    "the parameter (:name)");
	if (map_sql_word_start(*p))
		return map_sql_word(lx, cause);
	if (*p == ';') {
		lx->stmt_end = 1;
		lx->i++;
		return 0;
	}
	map_sql_copy(lx);
	return 0;
}

void
map_sql_scan_free(struct map_sql_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nnames; i++)
		free(sc->names[i]);
	free(sc->names);
	free(sc->lines);
	free(sc->offs);
	free(sc->likes);
	free(sc->bound);
	memset(sc, 0, sizeof *sc);
}

int
map_sql_compile(const char *text, int writes, struct map_sql_scan *out,
    int *errline, char **cause)
{
	struct map_sql_lex lx;
	struct map_sql_scan sc;
	char *tmp, *t;
	size_t i;
	int rc = 0;

	memset(&lx, 0, sizeof lx);
	lx.s = text;
	lx.writes = writes;
	while (rc == 0 && lx.s[lx.i] != '\0')
		rc = map_sql_step(&lx, cause);
	*errline = rc == -1 ? lx.line : 0;
	/* placeholders alone (":a") are no statement either */
	if (rc == 0 && lx.words == 0)
		rc = kf_error(cause, "empty statement");
	if (rc == -1) {
		sc.bound = sb_steal(&lx.out);
		sc.names = lx.names;
		sc.lines = lx.lines;
		sc.offs = lx.offs;
		sc.likes = lx.likes;
		sc.nnames = lx.nnames;
		map_sql_scan_free(&sc);
		return -1;
	}
	tmp = sb_steal(&lx.out);
	t = str_trim(tmp);
	for (i = 0; i < lx.nnames; i++)
		lx.offs[i] -= (size_t)(t - tmp);
	out->bound = xstrdup(t);
	free(tmp);
	out->names = lx.names;
	out->lines = lx.lines;
	out->offs = lx.offs;
	out->likes = lx.likes;
	out->nnames = lx.nnames;
	return 0;
}
