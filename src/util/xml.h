/*
 * xml.h: what the XML loaders (adapter profiles, mappings, flows, prompt
 * catalogs, say rules) share on top of libxml2 -- reading a file without
 * network access, RelaxNG schemas, and every problem reported as
 * "file:line: reason" for the IT staff who wrote the file.
 */
#ifndef KEFU_UTIL_XML_H
#define KEFU_UTIL_XML_H

#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "util/util.h"

/* The problems found while loading, one "file:line: reason\n" each. */
struct xml_errs {
	struct strbuf sb;
	int n;                  /* problems so far */
	int max;                /* keep at most this many (0: all) */
	const char *file;       /* the file being read */
};

/* Add "file:line: reason" (just "file: reason" when line is 0). */
void xml_err(struct xml_errs *xe, int line, const char *fmt, ...)
    KF_PRINTF(3, 4);
/* The first problem, without its newline (malloc'd), or NULL. */
char *xml_err_first(const struct xml_errs *xe);
/* libxml2's structured error handler adding to the xml_errs at arg. */
#if LIBXML_VERSION >= 21200
void xml_err_h(void *arg, const xmlError *e);
#else
void xml_err_h(void *arg, xmlErrorPtr e);
#endif
/*
 * Parse path as xe->file, never over the network, with libxml2's opts
 * besides (XML_PARSE_NOCDATA...): NULL with the problems added.
 */
xmlDoc *xml_read(struct xml_errs *xe, const char *path, int opts);
/* Load the RelaxNG schema at path: NULL with the problems added. */
xmlRelaxNG *xml_schema(struct xml_errs *xe, const char *path);
/* Check doc against rng: 0, or -1 with the problems added. */
int xml_valid(struct xml_errs *xe, xmlRelaxNG *rng, xmlDoc *doc);
/* An attribute's value (malloc'd), or NULL when absent. */
char *xml_attr(xmlNode *n, const char *name);
/* An element's text, trimmed (malloc'd, "" when empty). */
char *xml_text(xmlNode *n);
/* Whether n is the element <name>. */
int xml_is(const xmlNode *n, const char *name);
/* n's line in its file. */
int xml_line(const xmlNode *n);

#endif
