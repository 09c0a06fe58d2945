/* Unit tests for src/util: strings, numbers, INI parsing, redaction. */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "util/xml.h"
#include "../tap.h"

static void
test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	is_str(sb_str(&sb), "", "empty strbuf reads as \"\"");
	for (i = 0; i < 1000; i++)
		sb_addc(&sb, 'x');
	is_int(sb.len, 1000, "strbuf grows past its first allocation");
	sb_reset(&sb);
	sb_addf(&sb, "%d-%s", 42, "ok");
	is_str(sb_str(&sb), "42-ok", "sb_addf formats");
	s = sb_steal(&sb);
	is_str(s, "42-ok", "sb_steal hands over the bytes");
	ok(sb.s == NULL && sb.len == 0, "sb_steal leaves the buffer empty");
	free(s);
}

static void
test_tonum(void)
{
	const char *err;
	long long v;

	ok(str_tonum("42", 0, 100, &v, &err) == 0 && v == 42, "42 parses");
	ok(str_tonum("-5", 0, 100, &v, &err) == -1 &&
	    strcmp(err, "too small") == 0, "below min is 'too small'");
	ok(str_tonum("101", 0, 100, &v, &err) == -1 &&
	    strcmp(err, "too large") == 0, "above max is 'too large'");
	ok(str_tonum("4x", 0, 100, &v, &err) == -1, "trailing junk refused");
	ok(str_tonum("", 0, 100, &v, &err) == -1, "empty refused");
	ok(str_tonum(" 4", 0, 100, &v, &err) == -1, "leading space refused");
	ok(str_tonum("99999999999999999999", 0, 100, &v, &err) == -1,
	    "overflow refused");
}

static void
test_ini(void)
{
	struct ini *ini;
	char *cause = NULL;
	struct ini_entry *e;

	ok(ini_parse("a.conf",
	    "# comment\n[store]\ndatasource = local\n\n"
	    "[datasource erp]\n  connect = \"Driver=X;Pwd=a b\" \n"
	    "; another\npool = 4\n", &ini, &cause) == 0, "valid INI parses");
	if (ini != NULL) {
		is_int(ini->nsections, 2, "two sections");
		is_str(ini->sections[1].type, "datasource", "section type");
		is_str(ini->sections[1].name, "erp", "section name");
		e = ini_get(&ini->sections[1], "connect");
		is_str(e ? e->value : NULL, "Driver=X;Pwd=a b",
		    "quoted value unquoted, spaces trimmed");
		is_int(e ? e->line : 0, 6, "entry remembers its line");
		ok(e && e->used, "ini_get marks the entry used");
		ini_free(ini);
	}
	ini = NULL;
	ok(ini_parse("b.conf", "[store\nx=1\n", &ini, &cause) == -1,
	    "unclosed section header refused");
	is_str(cause, "b.conf:1: section header is missing its closing ']'",
	    "error names file:line");
	free(cause);
	ok(ini_parse("c.conf", "x = 1\n", &ini, &cause) == -1,
	    "key outside a section refused");
	like(cause, "c.conf:1:", "names the line");
	free(cause);
	ok(ini_parse("d.conf", "[a]\nx=1\nx=2\n", &ini, &cause) == -1,
	    "duplicate key refused");
	like(cause, "d.conf:3: 'x' is set twice in this section (first at "
	    "line 2)", "duplicate names both lines");
	free(cause);
	ok(ini_parse("e.conf", "[a]\njunk\n", &ini, &cause) == -1,
	    "line without '=' refused");
	like(cause, "e.conf:2: expected", "names the line");
	free(cause);
}

static void
test_redact(void)
{
	char *s;

	s = log_redact("Driver=PostgreSQL Unicode;Uid=kefu;Pwd=secret;"
	    "Port=5432");
	is_str(s, "Driver=PostgreSQL Unicode;Uid=kefu;Pwd=***;Port=5432",
	    "Pwd value redacted");
	free(s);
	s = log_redact("DSN=erp;PASSWORD={se;cret};User=a");
	is_str(s, "DSN=erp;PASSWORD=***;User=a", "braced password redacted");
	free(s);
	s = log_redact("Driver=SQLite3;Database=/tmp/x.db");
	is_str(s, "Driver=SQLite3;Database=/tmp/x.db", "nothing to redact");
	free(s);
}

static void
test_log_capture(void)
{
	struct strbuf sink = STRBUF_INIT;

	log_capture(&sink);
	log_set_level(KLOG_INFO);
	log_info("line %d: answered", 2);
	log_debug("hidden");
	log_capture(NULL);
	is_str(sb_str(&sink), "info: line 2: answered\n",
	    "log lines captured, debug filtered at info level");
	sb_free(&sink);
}

static void
test_file_atomic(void)
{
	char path[] = "/tmp/kefu-util-XXXXXX";
	char *data = NULL, *cause = NULL;
	int fd;

	fd = mkstemp(path);
	close(fd);
	ok(file_write_atomic(path, "hello\n", 6, &cause) == 0,
	    "atomic write succeeds");
	ok(file_read(path, &data, NULL, &cause) == 0 &&
	    strcmp(data, "hello\n") == 0, "file reads back");
	free(data);
	unlink(path);
	ok(file_read("/nonexistent/kefu", &data, NULL, &cause) == -1,
	    "missing file is an error");
	like(cause, "/nonexistent/kefu: No such file", "error names the file");
	free(cause);
	cause = NULL;

	/*
	 * A FIFO (like /dev/null, a device) is written in place, never
	 * replaced by a regular file: `kefu slip print --text /dev/null`
	 * run as root once turned /dev/null into a file.
	 */
	{
		char dir[] = "/tmp/kefu-util-XXXXXX", *fifo, got[16] = "";
		struct stat st;
		int rd;

		if (mkdtemp(dir) == NULL) {
			ok(0, "temporary folder");
			return;
		}
		fifo = xasprintf("%s/fifo", dir);
		rd = mkfifo(fifo, 0600) == 0 ? open(fifo, O_RDONLY |
		    O_NONBLOCK) : -1;
		ok(rd != -1 && file_write_atomic(fifo, "piped\n", 6,
		    &cause) == 0, "a write to a FIFO: %s",
		    cause ? cause : "ok");
		ok(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode),
		    "the FIFO is still a FIFO");
		ok(rd != -1 && read(rd, got, sizeof got - 1) == 6 &&
		    strcmp(got, "piped\n") == 0, "what was written came "
		    "through it");
		free(cause);
		cause = NULL;
		ok(file_write_atomic(dir, "x", 1, &cause) == -1,
		    "a folder is not written over");
		like(cause, "not a regular file", "... and says why");
		free(cause);
		if (rd != -1)
			close(rd);
		unlink(fifo);
		rmdir(dir);
		free(fifo);
	}
}

/* xml.c: problems as file:line, the first or all of them; attributes. */
static void
test_xml(void)
{
	struct xml_errs xe = { STRBUF_INIT, 0, 0, NULL };
	char path[] = "/tmp/kefu-xml-XXXXXX", *first, *v;
	const char *bad, *good;
	xmlDoc *doc;
	xmlNode *root;
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		ok(0, "mkstemp");
		return;
	}
	close(fd);
	bad = "<?xml version=\"1.0\"?>\n<a>\n  <b x=\"1\">\n  text\n</a>\n";
	file_write_atomic(path, bad, strlen(bad), NULL);
	ok(xml_read(&xe, path, 0) == NULL, "xml: a tag mismatch is refused");
	if ((first = xml_err_first(&xe)) == NULL)
		first = xstrdup("");
	ok(strncmp(first, path, strlen(path)) == 0 && strstr(first,
	    ":5: Opening and ending tag mismatch: b line 3") != NULL &&
	    strchr(first, '\n') == NULL, "xml: the first problem, file:line "
	    "(%s)", first);
	ok(xe.n >= 2 && xe.sb.len > strlen(first) + 1,
	    "xml: all of them kept (%d)", xe.n);
	free(first);
	sb_reset(&xe.sb);
	xe.n = 0;
	xe.max = 1;
	ok(xml_read(&xe, path, 0) == NULL && xe.n >= 2 &&
	    strchr(xe.sb.s, '\n') == xe.sb.s + xe.sb.len - 1,
	    "xml: max 1 keeps one line but counts all");
	sb_reset(&xe.sb);
	xe.n = 0;
	good = "<a>\n  <b x=\" 1 \">\n  text </b>\n</a>\n";
	file_write_atomic(path, good, strlen(good), NULL);
	doc = xml_read(&xe, path, 0);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	ok(root != NULL && xe.n == 0 && xml_is(root, "a") &&
	    !xml_is(root, "b"), "xml: a good file, its root element");
	if (root != NULL) {
		for (root = root->children; root != NULL &&
		    !xml_is(root, "b"); root = root->next)
			;
		v = xml_attr(root, "x");
		is_str(v, " 1 ", "xml: an attribute as written");
		free(v);
		ok(xml_attr(root, "y") == NULL, "xml: an absent one is NULL");
		v = xml_text(root);
		is_str(v, "text", "xml: an element's text, trimmed");
		free(v);
		is_int(xml_line(root), 2, "xml: its line");
	}
	xmlFreeDoc(doc);
	unlink(path);
	ok(xml_read(&xe, path, 0) == NULL && strstr(xe.sb.s ? xe.sb.s : "",
	    ": No such file or directory") != NULL,
	    "xml: a missing file says so");
	sb_free(&xe.sb);
}

/* strmap: many keys, each found; a second put keeps the first value. */
static void
test_strmap(void)
{
	struct strmap m = STRMAP_INIT;
	char **keys;
	size_t i, n = 5000, found = 0;

	ok(strmap_get(&m, "x") == NULL, "strmap: empty map has nothing");
	keys = xcalloc(n, sizeof *keys);
	for (i = 0; i < n; i++) {
		keys[i] = xasprintf("k%zu", i);
		if (strmap_put(&m, keys[i], keys[i]) != NULL)
			break;
	}
	is_int(m.n, n, "strmap: %zu distinct keys added", n);
	for (i = 0; i < n; i++)
		found += strmap_get(&m, keys[i]) == keys[i];
	is_int(found, n, "strmap: each key gives its value");
	ok(strmap_put(&m, "k17", keys[18]) == keys[17] &&
	    strmap_get(&m, "k17") == keys[17], "strmap: a second put keeps "
	    "the first value and returns it");
	ok(strmap_get(&m, "k5000") == NULL && strmap_get(&m, NULL) == NULL,
	    "strmap: absent keys and NULL give NULL");
	strmap_free(&m);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

int
main(void)
{
	test_strbuf();
	test_tonum();
	test_ini();
	test_redact();
	test_log_capture();
	test_file_atomic();
	test_xml();
	test_strmap();
	return tap_done();
}
