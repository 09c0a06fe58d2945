/*
 * xml.c: libxml2 for the loaders, with problems as "file:line: reason".
 * libxml2 reports through a structured error handler; the handler is set
 * only around each parse, so nothing else in the process sees it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "util/xml.h"

void
xml_err(struct xml_errs *xe, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	xe->n++;
	if (xe->max > 0 && xe->n > xe->max)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		sb_addf(&xe->sb, "%s:%d: %s\n", xe->file, line, msg);
	else
		sb_addf(&xe->sb, "%s: %s\n", xe->file, msg);
	free(msg);
}

char *
xml_err_first(const struct xml_errs *xe)
{
	if (xe->sb.len == 0)
		return NULL;
	return xstrndup(xe->sb.s, strcspn(xe->sb.s, "\n"));
}

void
#if LIBXML_VERSION >= 21200
xml_err_h(void *arg, const xmlError *e)
#else
xml_err_h(void *arg, xmlErrorPtr e)
#endif
{
	struct xml_errs *xe = arg;
	char *msg;
	int line;

	if (e == NULL || e->level == XML_ERR_WARNING)
		return;
	line = e->line;
	if (line <= 0 && e->node != NULL)
		line = (int)xmlGetLineNo((xmlNode *)e->node);
	msg = xstrdup(e->message != NULL ? e->message : "XML error");
	xml_err(xe, line, "%s", str_trim(msg));
	free(msg);
}

xmlDoc *
xml_read(struct xml_errs *xe, const char *path, int opts)
{
	xmlDoc *doc;
	int before = xe->n;

	xe->file = path;
	if (access(path, R_OK) == -1) {
		xml_err(xe, 0, "%s", strerror(errno));
		return NULL;
	}
	xmlSetStructuredErrorFunc(xe, xml_err_h);
	doc = xmlReadFile(path, NULL, opts | XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL && xe->n == before)
		xml_err(xe, 0, "cannot read the file");
	return doc;
}

xmlRelaxNG *
xml_schema(struct xml_errs *xe, const char *path)
{
	xmlRelaxNGParserCtxt *pc;
	xmlRelaxNG *rng;

	xe->file = path;
	pc = xmlRelaxNGNewParserCtxt(path);
	xmlRelaxNGSetParserStructuredErrors(pc, xml_err_h, xe);
	xmlSetStructuredErrorFunc(xe, xml_err_h);
	rng = xmlRelaxNGParse(pc);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlRelaxNGFreeParserCtxt(pc);
	return rng;
}

int
xml_valid(struct xml_errs *xe, xmlRelaxNG *rng, xmlDoc *doc)
{
	xmlRelaxNGValidCtxt *vc;
	int rc;

	vc = xmlRelaxNGNewValidCtxt(rng);
	xmlRelaxNGSetValidStructuredErrors(vc, xml_err_h, xe);
	rc = xmlRelaxNGValidateDoc(vc, doc);
	xmlRelaxNGFreeValidCtxt(vc);
	return rc == 0 ? 0 : -1;
}

char *
xml_attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

char *
xml_text(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t != NULL ? (const char *)t : ""), *b = str_trim(s);

	xmlFree(t);
	memmove(s, b, strlen(b) + 1);
	return s;
}

int
xml_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

int
xml_line(const xmlNode *n)
{
	return (int)xmlGetLineNo(n);
}
