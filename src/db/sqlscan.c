/*
 * sqlscan.c: just enough of a SQL lexer to guard the database -- skip
 * comments, string literals ('..', with and without backslash escapes,
 * PostgreSQL $tag$ quoting) and quoted identifiers ("..", `..`, [..]) --
 * so that kefu can refuse a non-query or a second statement before it
 * reaches the server, split DDL scripts, and find where a row limit goes.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db-int.h"

enum sqltok {
	TK_END,
	TK_WORD,        /* keyword or bare identifier */
	TK_STRING,      /* '...' or $tag$...$tag$ */
	TK_QIDENT,      /* "..." `...` [...] */
	TK_PUNCT,       /* one character */
	TK_NUMBER,
	TK_ERR,         /* unterminated quote or comment */
};

struct tok {
	enum sqltok kind;
	const char *s;
	size_t len;
};

/* Skip white space and comments; NULL when a comment never ends. */
static const char *
sqlscan_skip(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (e == NULL)
				return NULL;
			p = e + 2;
		} else
			return p;
	}
}

/* The end of a quoted run starting at p (on the quote), or NULL. */
static const char *
sqlscan_quoted(const char *p, char close, int bs)
{
	for (p++; *p != '\0'; p++) {
		if (bs && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == close) {
			if (p[1] == close) {
				p++;
				continue;
			}
			return p + 1;
		}
	}
	return NULL;
}

static const char *
sqlscan_dollar(const char *p)
{
	const char *q = p + 1, *e;
	size_t taglen;
	char tag[64];

	while (isalnum((unsigned char)*q) || *q == '_')
		q++;
	if (*q != '$')
		return p;       /* not a dollar quote: a plain '$' */
	taglen = (size_t)(q - p) + 1;
	if (taglen >= sizeof tag)
		return NULL;
	memcpy(tag, p, taglen);
	tag[taglen] = '\0';
	e = strstr(q + 1, tag);
	return e == NULL ? NULL : e + taglen;
}

/* The next token after p; bs: backslash escapes in '...'. */
static const char *
sqlscan_next(const char *p, int bs, struct tok *t)
{
	const char *e;

	t->len = 0;
	if ((p = sqlscan_skip(p)) == NULL) {
		t->kind = TK_ERR;
		t->s = "";
		return NULL;
	}
	t->s = p;
	if (*p == '\0') {
		t->kind = TK_END;
		return p;
	}
	if (isalpha((unsigned char)*p) || *p == '_' ||
	    (unsigned char)*p >= 0x80) {
		e = p;
		while (isalnum((unsigned char)*e) || *e == '_' || *e == '$' ||
		    (unsigned char)*e >= 0x80)
			e++;
		t->kind = TK_WORD;
	} else if (isdigit((unsigned char)*p)) {
		e = p;
		while (isalnum((unsigned char)*e) || *e == '.')
			e++;
		t->kind = TK_NUMBER;
	} else if (*p == '\'') {
		e = sqlscan_quoted(p, '\'', bs);
		t->kind = TK_STRING;
	} else if (*p == '"' || *p == '`') {
		e = sqlscan_quoted(p, *p, 0);
		t->kind = TK_QIDENT;
	} else if (*p == '[') {
		e = sqlscan_quoted(p, ']', 0);
		t->kind = TK_QIDENT;
	} else if (*p == '$' && (e = sqlscan_dollar(p)) != p) {
		t->kind = TK_STRING;
	} else {
		e = p + 1;
		t->kind = TK_PUNCT;
	}
	if (e == NULL) {
		t->kind = TK_ERR;
		return NULL;
	}
	t->len = (size_t)(e - p);
	return e;
}

static int
sqlscan_is(const struct tok *t, const char *word)
{
	return t->kind == TK_WORD && strlen(word) == t->len &&
	    strncasecmp(t->s, word, t->len) == 0;
}

static const char *const sqlscan_writers[] = {
	"INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "CREATE", "ALTER",
	"TRUNCATE", "GRANT", "REVOKE", "CALL", "EXEC", "EXECUTE", "INTO",
	"UPSERT", "RENAME", "COMMENT", "VACUUM", "ATTACH", "DETACH", "PRAGMA",
	"LOCK", "COPY", "LOAD", "HANDLER", "SET",
};

static int
sqlscan_is_call(const struct tok *t)
{
	return sqlscan_is(t, "CALL") || sqlscan_is(t, "EXEC") ||
	    sqlscan_is(t, "EXECUTE");
}

/* writes: 0 a query, 1 anything, 2 a call of a procedure that reads. */
static int
sqlscan_check1(const char *sql, int writes, int bs, char **why)
{
	const char *p = sql;
	struct tok t;
	int first = 1, ended = 0;
	size_t i;

	for (;;) {
		p = sqlscan_next(p, bs, &t);
		if (t.kind == TK_ERR) {
			*why = xstrdup("the statement has a quote or comment "
			    "that is never closed");
			return -1;
		}
		if (t.kind == TK_END)
			break;
		if (ended) {
			*why = xstrdup("the text holds more than one statement "
			    "(something follows a ';'); give one statement "
			    "per query");
			return -1;
		}
		if (t.kind == TK_PUNCT && *t.s == ';') {
			ended = 1;
			continue;
		}
		if (writes == 2 && first) {
			if (!sqlscan_is_call(&t) &&
			    !(t.kind == TK_PUNCT && *t.s == '{')) {
				*why = xasprintf("the statement is not a "
				    "procedure call (it starts with \"%.*s\"); "
				    "use CALL, EXEC or {call ...}",
				    (int)(t.len > 20 ? 20 : t.len), t.s);
				return -1;
			}
		} else if (!writes && first) {
			if (!sqlscan_is(&t, "SELECT") &&
			    !sqlscan_is(&t, "WITH") &&
			    !sqlscan_is(&t, "VALUES") &&
			    !(t.kind == TK_PUNCT && *t.s == '(')) {
				*why = xasprintf("the statement is not a query "
				    "(it starts with \"%.*s\"); only SELECT, "
				    "WITH and VALUES may run without "
				    "writes=yes",
				    (int)(t.len > 20 ? 20 : t.len), t.s);

				return -1;
			}
		}
		first = 0;
		if (writes == 1 || t.kind != TK_WORD ||
		    (writes == 2 && sqlscan_is_call(&t)))
			continue;
		for (i = 0; i < nitems(sqlscan_writers); i++) {
			if (sqlscan_is(&t, sqlscan_writers[i])) {
				*why = xasprintf("the query contains %s, which "
				    "writes; mark the statement writes=yes if "
				    "that is intended", sqlscan_writers[i]);
				return -1;
			}
		}
	}
	if (first) {
		*why = xstrdup("the statement is empty");
		return -1;
	}
	return 0;
}

/*
 * 0 when sql is a single statement that may run (a query when writes is
 * 0), else -1 with the reason in *why.  Both string-escape conventions
 * are tried so that 'a\'; DROP ...' cannot hide a second statement.
 */
int
db_sqlscan_check(const char *sql, int writes, char **why)
{
	if (sqlscan_check1(sql, writes, 0, why) == -1)
		return -1;
	return sqlscan_check1(sql, writes, 1, why);
}

/* Trim a statement and keep it if it holds anything but comments. */
static void
sqlscan_push(char ***v, size_t *n, const char *s, size_t len)
{
	char *stmt = xstrndup(s, len), *body;
	struct tok t;

	/* Leading comments go: some drivers (SQLite) mis-split after them. */
	sqlscan_next(stmt, 0, &t);
	if (t.kind == TK_END) {
		free(stmt);
		return;
	}
	if (t.kind != TK_ERR && t.s != stmt) {
		body = xstrdup(t.s);
		free(stmt);
		stmt = body;
	}
	db_trim(stmt);
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = stmt;
}

/*
 * Split a script at ';' outside quotes and comments.  Inside CREATE
 * TRIGGER / FUNCTION / PROCEDURE bodies, ';' ends the statement only
 * after the body's BEGIN ... END closes (CASE ... END nest too).
 */
char **
db_sqlscan_split(const char *script, size_t *n)
{
	char **v = NULL;
	const char *p = script, *start = script, *q;
	struct tok t;
	int routine = 0, depth = 0, ntok = 0, create = 0;

	*n = 0;
	for (;;) {
		q = sqlscan_next(p, 0, &t);
		if (t.kind == TK_END || t.kind == TK_ERR) {
			sqlscan_push(&v, n, start, strlen(start));
			break;
		}
		ntok++;
		if (ntok == 1)
			create = sqlscan_is(&t, "CREATE");
		else if (create && (sqlscan_is(&t, "TRIGGER") ||
		    sqlscan_is(&t, "FUNCTION") || sqlscan_is(&t, "PROCEDURE")))
			routine = 1;
		if (routine &&
		    (sqlscan_is(&t, "BEGIN") || sqlscan_is(&t, "CASE")))
			depth++;
		else if (routine && sqlscan_is(&t, "END") && depth > 0)
			depth--;
		if (t.kind == TK_PUNCT && *t.s == ';' && depth == 0) {
			sqlscan_push(&v, n, start, (size_t)(t.s - start));
			start = q;
			routine = create = ntok = 0;
		}
		p = q;
	}
	return v;
}

/*
 * Where a TOP n / FIRST n goes: just after the first SELECT at
 * parenthesis depth 0 (the main query after a WITH list), and, when
 * after_distinct, after a DISTINCT or ALL that follows it.  NULL when
 * there is none.
 */
const char *
db_sqlscan_main_select(const char *sql, int after_distinct)
{
	const char *p = sql, *after;
	struct tok t;
	int depth = 0;

	for (;;) {
		after = sqlscan_next(p, 0, &t);
		if (t.kind == TK_END || t.kind == TK_ERR)
			return NULL;
		if (t.kind == TK_PUNCT && *t.s == '(')
			depth++;
		else if (t.kind == TK_PUNCT && *t.s == ')')
			depth--;
		else if (depth == 0 && sqlscan_is(&t, "SELECT")) {
			const char *q = sqlscan_next(after, 0, &t);
			if (after_distinct && (sqlscan_is(&t, "DISTINCT") ||
			    sqlscan_is(&t, "ALL") || sqlscan_is(&t, "UNIQUE")))
				return q;
			return after;
		}
		p = after;
	}
}

/* Length of sql up to its last token, leaving out a final ';'. */
size_t
db_sqlscan_trim_end(const char *sql)
{
	const char *p = sql;
	struct tok t;
	size_t end = 0;

	for (;;) {
		p = sqlscan_next(p, 0, &t);
		if (t.kind == TK_END || t.kind == TK_ERR)
			break;
		if (!(t.kind == TK_PUNCT && *t.s == ';'))
			end = (size_t)(t.s - sql) + t.len;
	}
	return end;
}

int
db_sql_check(const char *sql, int writes, size_t *trim, char **why)
{
	if (db_sqlscan_check(sql, writes, why) == -1)
		return -1;
	*trim = db_sqlscan_trim_end(sql);
	return 0;
}
