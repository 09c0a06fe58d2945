/*
 * load.c: reads a say-rules file (prompts/LANG/say.rules) and the
 * words it names (prompts/LANG/say.xml, the catalog format shared with the
 * audio subsystem) into an immutable struct say_rules.  Strict: unknown
 * elements or attributes, unknown prompt ids and missing words are errors
 * reported as file:line.  The format is documented in kefu-say(7).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "say/say-int.h"
#include "util/util.h"
#include "util/xml.h"

/* Loader state: where we are, for file:line messages. */
struct ld {
	const char *path;
	struct say_rules *r;
	char **cause;
};

static const char *const two_names[] = { "never", "leading", "always",
    NULL };
static const char *const yesno_names[] = { "no", "yes", NULL };

static int
ld_err(struct ld *ld, xmlNode *n, const char *fmt, ...) KF_PRINTF(3, 4);

static int
ld_err(struct ld *ld, xmlNode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	kf_error(ld->cause, "%s:%d: %s", ld->path, n != NULL ? xml_line(n) : 0,
	    msg);
	free(msg);
	return -1;
}

/* The value of attribute name, or NULL. */
static const char *
attr_get(xmlNode *n, const char *name)
{
	xmlAttr *a;

	for (a = n->properties; a != NULL; a = a->next) {
		if (strcmp((const char *)a->name, name) != 0)
			continue;
		if (a->children == NULL || a->children->content == NULL)
			return "";
		return (const char *)a->children->content;
	}
	return NULL;
}

/* Refuse attributes not in allowed (a NULL-terminated list). */
static int
attr_check(struct ld *ld, xmlNode *n, const char *const *allowed)
{
	const char *const *p;
	xmlAttr *a;

	for (a = n->properties; a != NULL; a = a->next) {
		for (p = allowed; *p != NULL; p++)
			if (strcmp((const char *)a->name, *p) == 0)
				break;
		if (*p == NULL)
			return ld_err(ld, n, "<%s>: unknown attribute \"%s\"",
			    (const char *)n->name, (const char *)a->name);
	}
	return 0;
}

static int
prompt_find(const struct say_rules *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nprompts; i++)
		if (strcmp(r->prompts[i].id, id) == 0)
			return (int)i;
	return -1;
}

/*
 * A prompt id attribute.  Missing or "" gives -1 unless required; an id
 * that is not in the catalog is an error.
 */
static int
attr_prompt(struct ld *ld, xmlNode *n, const char *name, int required,
    int *out)
{
	const char *v = attr_get(n, name);

	*out = -1;
	if (v == NULL || *v == '\0') {
		if (required)
			return ld_err(ld, n, "<%s>: %s=\"PROMPT-ID\" is "
			    "required", (const char *)n->name, name);
		return 0;
	}
	if ((*out = prompt_find(ld->r, v)) == -1)
		return ld_err(ld, n, "<%s %s=\"%s\">: no prompt \"%s\" in "
		    "the language's say.xml", (const char *)n->name, name, v,
		    v);
	ld->r->prompts[*out].used = 1;
	return 0;
}

static int
attr_int(struct ld *ld, xmlNode *n, const char *name, long long min,
    long long max, int def, int *out)
{
	const char *v = attr_get(n, name), *errstr;
	long long x;

	*out = def;
	if (v == NULL)
		return 0;
	if (str_tonum(v, min, max, &x, &errstr) == -1)
		return ld_err(ld, n, "<%s %s=\"%s\">: %s (%lld to %lld)",
		    (const char *)n->name, name, v, errstr, min, max);
	*out = (int)x;
	return 0;
}

static int
attr_enum(struct ld *ld, xmlNode *n, const char *name,
    const char *const *names, int def, int *out)
{
	const char *v = attr_get(n, name);
	int i;

	*out = def;
	if (v == NULL)
		return 0;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return ld_err(ld, n, "<%s %s=\"%s\">: not one of the allowed values "
	    "(%s%s%s%s%s)", (const char *)n->name, name, v, names[0],
	    names[1] ? ", " : "", names[1] ? names[1] : "",
	    names[1] && names[2] ? ", " : "",
	    names[1] && names[2] ? names[2] : "");
}

static int
attr_two(struct ld *ld, xmlNode *n, enum say_two def, enum say_two *out)
{
	int v;

	if (attr_enum(ld, n, "two", two_names, (int)def, &v) == -1)
		return -1;
	*out = (enum say_two)v;
	return 0;
}

static int
unknown_child(struct ld *ld, xmlNode *c, const char *parent)
{
	return ld_err(ld, c, "<%s>: unexpected element <%s>", parent,
	    (const char *)c->name);
}

/* Parse a file with libxml2; the first problem as file:line. */
static xmlDoc *
say_read(const char *path, char **cause)
{
	struct xml_errs xe = { STRBUF_INIT, 0, 1, NULL };
	xmlDoc *doc;
	char *first;

	if ((doc = xml_read(&xe, path, 0)) == NULL) {
		first = xml_err_first(&xe);
		kf_error(cause, "%s", first);
		free(first);
	}
	sb_free(&xe.sb);
	return doc;
}

static int
id_valid(const char *id)
{
	if (*id == '\0')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	    strlen(id);
}

/* say.xml: <prompts lang=""><prompt id="" file="">text</prompt></prompts> */
static int
load_catalog(struct say_rules *r, const char *path, char **cause)
{
	static const char *const pattrs[] = { "id", "file", "tone", NULL };
	static const char *const rattrs[] = { "lang", NULL };
	struct ld ld = { path, r, cause };
	xmlNode *root, *c;
	const char *id, *lang;
	xmlDoc *doc;
	int rv = -1;

	if ((doc = say_read(path, cause)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !xml_is(root, "prompts")) {
		ld_err(&ld, root, "root element is not <prompts>");
		goto out;
	}
	if (attr_check(&ld, root, rattrs) == -1)
		goto out;
	if ((lang = attr_get(root, "lang")) == NULL ||
	    strcmp(lang, r->lang) != 0) {
		ld_err(&ld, root, "<prompts lang=\"%s\"> but the say-rules "
		    "are for \"%s\"", lang ? lang : "", r->lang);
		goto out;
	}
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "prompt")) {
			unknown_child(&ld, c, "prompts");
			goto out;
		}
		if (attr_check(&ld, c, pattrs) == -1)
			goto out;
		id = attr_get(c, "id");
		if (id == NULL || !id_valid(id)) {
			ld_err(&ld, c, "<prompt>: id must be [a-z0-9_.-]+");
			goto out;
		}
		if (prompt_find(r, id) != -1) {
			ld_err(&ld, c, "prompt \"%s\" defined twice", id);
			goto out;
		}
		r->prompts = xreallocarray(r->prompts, r->nprompts + 1,
		    sizeof(*r->prompts));
		r->prompts[r->nprompts].id = xstrdup(id);
		r->prompts[r->nprompts].text = xml_text(c);
		r->prompts[r->nprompts].used = 0;
		if (*r->prompts[r->nprompts++].text == '\0') {
			ld_err(&ld, c, "prompt \"%s\" has no text", id);
			goto out;
		}
	}
	rv = 0;
out:
	xmlFreeDoc(doc);
	return rv;
}

static int
load_digits(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "value", "id", NULL };
	static const char *const none[] = { NULL };
	xmlNode *c;
	int v, i;

	if (attr_check(ld, n, none) == -1)
		return -1;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "digit"))
			return unknown_child(ld, c, "digits");
		if (attr_check(ld, c, attrs) == -1 ||
		    attr_int(ld, c, "value", 0, 9, -1, &v) == -1)
			return -1;
		if (v < 0)
			return ld_err(ld, c, "<digit>: value=\"0..9\" is "
			    "required");
		if (ld->r->digit[v] >= 0)
			return ld_err(ld, c, "<digit value=\"%d\"> given "
			    "twice", v);
		if (attr_prompt(ld, c, "id", 1, &ld->r->digit[v]) == -1)
			return -1;
	}
	for (i = 0; i < 10; i++)
		if (ld->r->digit[i] < 0)
			return ld_err(ld, n,
			    "<digits>: no <digit value=\"%d\">",
			    i);
	return 0;
}

static int
load_scale(struct ld *ld, xmlNode *c)
{
	static const char *const attrs[] = { "exp", "id", "two", NULL };
	struct say_rules *r = ld->r;
	struct say_scale sc;

	if (attr_check(ld, c, attrs) == -1 ||
	    attr_int(ld, c, "exp", 4, 64, 0, &sc.exp) == -1 ||
	    attr_prompt(ld, c, "id", 1, &sc.id) == -1 ||
	    attr_two(ld, c, SAY_TWO_NEVER, &sc.two) == -1)
		return -1;
	if (sc.exp == 0)
		return ld_err(ld, c, "<scale>: exp=\"4..64\" is required");
	if (r->nscales == SAY_MAXSCALES)
		return ld_err(ld, c, "more than %d <scale>", SAY_MAXSCALES);
	if (r->nscales > 0 && r->scales[r->nscales - 1].exp >= sc.exp)
		return ld_err(ld, c, "<scale> elements must go up in exp");
	r->scales[r->nscales++] = sc;
	return 0;
}

static int
load_number_child(struct ld *ld, xmlNode *c)
{
	static const char *const pattrs[] = { "exp", "id", "two", "one",
	    NULL };
	static const char *const oneval[] = { "keep", "omit-leading", NULL };
	static const char *const tattrs[] = { "digit", "id", NULL };
	struct say_rules *r = ld->r;
	struct say_place *pl;
	int exp, d;

	if (xml_is(c, "place")) {
		if (attr_check(ld, c, pattrs) == -1 ||
		    attr_int(ld, c, "exp", 1, 3, 0, &exp) == -1)
			return -1;
		if (exp == 0)
			return ld_err(ld, c, "<place>: exp=\"1..3\" is "
			    "required");
		pl = &r->place[exp];
		if (pl->id >= 0)
			return ld_err(ld, c, "<place exp=\"%d\"> given twice",
			    exp);
		if (attr_prompt(ld, c, "id", 1, &pl->id) == -1 ||
		    attr_two(ld, c, SAY_TWO_NEVER, &pl->two) == -1 ||
		    attr_enum(ld, c, "one", oneval, 0, &pl->omit_one) == -1)
			return -1;
		return 0;
	}
	if (xml_is(c, "scale"))
		return load_scale(ld, c);
	if (xml_is(c, "tens")) {
		if (attr_check(ld, c, tattrs) == -1 ||
		    attr_int(ld, c, "digit", 1, 9, 0, &d) == -1)
			return -1;
		if (d == 0)
			return ld_err(ld, c, "<tens>: digit=\"1..9\" is "
			    "required");
		return attr_prompt(ld, c, "id", 1, &r->tens[d]);
	}
	return unknown_child(ld, c, "number");
}

static int
load_number(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "max-digits", "zero", "minus",
	    "point", "liang", NULL };
	struct say_rules *r = ld->r;
	xmlNode *c;
	int e;

	if (attr_check(ld, n, attrs) == -1 ||
	    attr_int(ld, n, "max-digits", 1, 64, 20, &r->max_digits) == -1 ||
	    attr_prompt(ld, n, "zero", 1, &r->zero) == -1 ||
	    attr_prompt(ld, n, "minus", 1, &r->minus) == -1 ||
	    attr_prompt(ld, n, "point", 1, &r->point) == -1 ||
	    attr_prompt(ld, n, "liang", 1, &r->liang) == -1)
		return -1;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    load_number_child(ld, c) == -1)
			return -1;
	}
	for (e = 1; e <= 3; e++)
		if (r->place[e].id < 0)
			return ld_err(ld, n, "<number>: no <place exp=\"%d\">",
			    e);
	if (r->nscales == 0 || r->scales[0].exp != 4)
		return ld_err(ld, n, "<number>: the first <scale> must have "
		    "exp=\"4\" (万)");
	return 0;
}

static int
load_money(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "max-digits", "negative",
	    "extra-decimals", "whole", NULL };
	static const char *const uattrs[] = { "exp", "id", "two", NULL };
	static const char *const negval[] = { "refuse", "read", NULL };
	static const char *const xdval[] = { "error", "round-half-up", NULL };
	struct say_rules *r = ld->r;
	xmlNode *c;
	int exp, i;

	if (attr_check(ld, n, attrs) == -1 ||
	    attr_int(ld, n, "max-digits", 1, 64, 16,
	    &r->money_max_digits) == -1 ||
	    attr_enum(ld, n, "negative", negval, 0, &r->money_negative) == -1 ||
	    attr_enum(ld, n, "extra-decimals", xdval, 0,
	    &r->money_round) == -1 ||
	    attr_prompt(ld, n, "whole", 0, &r->money_whole) == -1)
		return -1;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "unit"))
			return unknown_child(ld, c, "money");
		if (attr_check(ld, c, uattrs) == -1 ||
		    attr_int(ld, c, "exp", -2, 0, 1, &exp) == -1)
			return -1;
		if (exp == 1)
			return ld_err(ld, c, "<unit>: exp=\"0|-1|-2\" is "
			    "required");
		if (r->money_unit[-exp] >= 0)
			return ld_err(ld, c, "<unit exp=\"%d\"> given twice",
			    exp);
		if (attr_prompt(ld, c, "id", 1, &r->money_unit[-exp]) == -1 ||
		    attr_two(ld, c, SAY_TWO_NEVER, &r->money_two[-exp]) == -1)
			return -1;
	}
	for (i = 0; i < 3; i++)
		if (r->money_unit[i] < 0)
			return ld_err(ld, n, "<money>: no <unit exp=\"%d\">",
			    -i);
	return 0;
}

static int
load_measure(struct ld *ld, xmlNode *c)
{
	static const char *const attrs[] = { "id", "words", "two", NULL };
	struct say_rules *r = ld->r;
	struct say_measure *m;
	const char *words;
	char *w, *p, *save;
	size_t i;

	if (attr_check(ld, c, attrs) == -1)
		return -1;
	if (r->nmeasures == SAY_MAXMEASURES)
		return ld_err(ld, c, "more than %d <measure>",
		    SAY_MAXMEASURES);
	words = attr_get(c, "words");
	w = xstrdup(words != NULL ? words : "");
	if (*str_trim(w) == '\0') {
		free(w);
		return ld_err(ld, c, "<measure>: words=\"...\" (the "
		    "spellings, blank-separated) is required");
	}
	m = &r->measures[r->nmeasures];
	/* "a  b c" -> "a\0b\0c\0\0" */
	m->words = xcalloc(strlen(w) + 2, 1);
	for (i = 0, p = strtok_r(w, " \t\n", &save); p != NULL;
	    p = strtok_r(NULL, " \t\n", &save)) {
		memcpy(m->words + i, p, strlen(p));
		i += strlen(p) + 1;
	}
	free(w);
	r->nmeasures++;
	if (attr_prompt(ld, c, "id", 1, &m->id) == -1 ||
	    attr_two(ld, c, SAY_TWO_NEVER, &m->two) == -1)
		return -1;
	return 0;
}

static int
load_quantity(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "max-decimals", NULL };
	xmlNode *c;

	if (attr_check(ld, n, attrs) == -1 ||
	    attr_int(ld, n, "max-decimals", 0, 9, 3,
	    &ld->r->qty_max_decimals) == -1)
		return -1;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "measure"))
			return unknown_child(ld, c, "quantity");
		if (load_measure(ld, c) == -1)
			return -1;
	}
	return 0;
}

static int
load_date(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "year-zero", "year", "month",
	    "day", "weekday", NULL };
	static const char *const wattrs[] = { "day", "id", NULL };
	struct say_rules *r = ld->r;
	xmlNode *c;
	int d;

	if (attr_check(ld, n, attrs) == -1 ||
	    attr_prompt(ld, n, "year-zero", 0, &r->year_zero) == -1 ||
	    attr_prompt(ld, n, "year", 1, &r->date_year) == -1 ||
	    attr_prompt(ld, n, "month", 1, &r->date_month) == -1 ||
	    attr_prompt(ld, n, "day", 1, &r->date_day) == -1 ||
	    attr_enum(ld, n, "weekday", yesno_names, 0,
	    &r->weekday_default) == -1)
		return -1;
	if (r->year_zero < 0)
		r->year_zero = r->digit[0];
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "weekday"))
			return unknown_child(ld, c, "date");
		if (attr_check(ld, c, wattrs) == -1 ||
		    attr_int(ld, c, "day", 1, 7, 0, &d) == -1)
			return -1;
		if (d == 0)
			return ld_err(ld, c, "<weekday>: day=\"1..7\" (Monday "
			    "to Sunday) is required");
		if (r->weekday[d] >= 0)
			return ld_err(ld, c, "<weekday day=\"%d\"> given twice",
			    d);
		if (attr_prompt(ld, c, "id", 1, &r->weekday[d]) == -1)
			return -1;
	}
	for (d = 1; d <= 7; d++)
		if (r->weekday[d] < 0)
			return ld_err(ld, n, "<date>: no <weekday day=\"%d\">",
			    d);
	return 0;
}

static int
load_period(struct ld *ld, xmlNode *c, unsigned *hours)
{
	static const char *const attrs[] = { "from", "to", "id", NULL };
	struct say_rules *r = ld->r;
	struct say_period *p;
	int h;

	if (r->nperiods == SAY_MAXPERIODS)
		return ld_err(ld, c, "more than %d <period>", SAY_MAXPERIODS);
	p = &r->periods[r->nperiods++];
	if (attr_check(ld, c, attrs) == -1 ||
	    attr_int(ld, c, "from", 0, 23, -1, &p->from) == -1 ||
	    attr_int(ld, c, "to", 0, 23, -1, &p->to) == -1 ||
	    attr_prompt(ld, c, "id", 1, &p->id) == -1)
		return -1;
	if (p->from < 0 || p->to < p->from)
		return ld_err(ld, c, "<period>: from=\"H\" to=\"H\" (0..23, "
		    "from <= to) are required");
	for (h = p->from; h <= p->to; h++) {
		if (*hours & (1u << h))
			return ld_err(ld, c, "<period>: hour %d is already in "
			    "another period", h);
		*hours |= 1u << h;
	}
	return 0;
}

static int
load_time(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "clock", "midnight", "hour",
	    "minute", "oclock", "half", "minute-zero", "two", NULL };
	static const char *const clockval[] = { "24", "12", NULL };
	struct say_rules *r = ld->r;
	unsigned hours = 0;
	xmlNode *c;

	if (attr_check(ld, n, attrs) == -1 ||
	    attr_enum(ld, n, "clock", clockval, 1, &r->clock12) == -1 ||
	    attr_int(ld, n, "midnight", 0, 12, 0, &r->midnight_hour) == -1 ||
	    attr_prompt(ld, n, "hour", 1, &r->time_hour) == -1 ||
	    attr_prompt(ld, n, "minute", 1, &r->time_minute) == -1 ||
	    attr_prompt(ld, n, "oclock", 0, &r->time_oclock) == -1 ||
	    attr_prompt(ld, n, "half", 0, &r->time_half) == -1 ||
	    attr_enum(ld, n, "minute-zero", yesno_names, 1,
	    &r->minute_zero) == -1 ||
	    attr_two(ld, n, SAY_TWO_NEVER, &r->hour_two) == -1)
		return -1;
	if (r->midnight_hour != 0 && r->midnight_hour != 12)
		return ld_err(ld, n, "<time midnight>: 0 or 12");
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(c, "period"))
			return unknown_child(ld, c, "time");
		if (load_period(ld, c, &hours) == -1)
			return -1;
	}
	if (r->clock12 && hours != 0xffffffu)
		return ld_err(ld, n, "<time clock=\"12\">: the <period> "
		    "elements must cover every hour 0..23");
	return 0;
}

/* An element that takes no children. */
static int
no_children(struct ld *ld, xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return unknown_child(ld, c, (const char *)n->name);
	return 0;
}

static int
load_digit_string(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "max-digits", NULL };

	if (attr_check(ld, n, attrs) == -1 || no_children(ld, n) == -1)
		return -1;
	return attr_int(ld, n, "max-digits", 1, 256, 32, &ld->r->digits_max);
}

static int
load_phone(struct ld *ld, xmlNode *n)
{
	static const char *const attrs[] = { "max-digits", "one",
	    "separators", NULL };
	struct say_rules *r = ld->r;
	const char *sep;

	if (attr_check(ld, n, attrs) == -1 || no_children(ld, n) == -1 ||
	    attr_int(ld, n, "max-digits", 1, 256, 24, &r->phone_max) == -1 ||
	    attr_prompt(ld, n, "one", 0, &r->phone_one) == -1)
		return -1;
	if ((sep = attr_get(n, "separators")) != NULL) {
		if (strpbrk(sep, "0123456789") != NULL)
			return ld_err(ld, n, "<phone separators>: digits "
			    "cannot be separators");
		free(r->phone_separators);
		r->phone_separators = xstrdup(sep);
	}
	return 0;
}

static int
load_section(struct ld *ld, xmlNode *c, unsigned *seen)
{
	static const char *const names[] = { "digits", "number", "money",
	    "quantity", "date", "time", "digit-string", "phone", NULL };
	static int (*const fns[])(struct ld *, xmlNode *) = { load_digits,
	    load_number, load_money, load_quantity, load_date, load_time,
	    load_digit_string, load_phone };
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (!xml_is(c, names[i]))
			continue;
		if (*seen & (1u << i))
			return ld_err(ld, c, "<%s> given twice", names[i]);
		if (i > 0 && !(*seen & 1u))
			return ld_err(ld, c, "<digits> must come first");
		*seen |= 1u << i;
		return fns[i](ld, c);
	}
	return unknown_child(ld, c, "say-rules");
}

static struct say_rules *
rules_new(const char *lang)
{
	struct say_rules *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->lang = xstrdup(lang);
	r->phone_separators = xstrdup(" -");
	r->digits_max = 32;
	r->phone_max = 24;
	r->qty_max_decimals = 3;
	r->max_digits = 20;
	r->money_max_digits = 16;
	for (i = 0; i < 10; i++)
		r->digit[i] = r->tens[i] = -1;
	for (i = 0; i < 4; i++)
		r->place[i].id = -1;
	for (i = 0; i < 3; i++)
		r->money_unit[i] = -1;
	for (i = 0; i < 8; i++)
		r->weekday[i] = -1;
	r->phone_one = r->money_whole = r->time_oclock = r->time_half = -1;
	r->zero = r->minus = r->point = r->liang = -1;
	r->year_zero = r->date_year = r->date_month = r->date_day = -1;
	r->time_hour = r->time_minute = -1;
	return r;
}

static int
load_rules(struct say_rules **rp, const char *path, const char *catalog,
    char **cause)
{
	static const char *const rattrs[] = { "lang", NULL };
	static const char *const need[] = { "digits", "number", "money",
	    "quantity", "date", "time" };
	struct ld ld = { path, NULL, cause };
	xmlNode *root, *c;
	unsigned seen = 0;
	const char *lang;
	xmlDoc *doc;
	size_t i;
	int rv = -1;

	if ((doc = say_read(path, cause)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !xml_is(root, "say-rules")) {
		ld_err(&ld, root, "root element is not <say-rules>");
		goto out;
	}
	if (attr_check(&ld, root, rattrs) == -1)
		goto out;
	if ((lang = attr_get(root, "lang")) == NULL || *lang == '\0') {
		ld_err(&ld, root, "<say-rules>: lang=\"...\" is required");
		goto out;
	}
	*rp = ld.r = rules_new(lang);
	if (load_catalog(ld.r, catalog, cause) == -1)
		goto out;
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    load_section(&ld, c, &seen) == -1)
			goto out;
	}
	for (i = 0; i < nitems(need); i++) {
		if (!(seen & (1u << i))) {
			ld_err(&ld, root, "<say-rules>: no <%s> section",
			    need[i]);
			goto out;
		}
	}
	rv = 0;
out:
	xmlFreeDoc(doc);
	return rv;
}

int
say_load_files(const char *rules_path, const char *catalog_path,
    struct say_rules **out, char **cause)
{
	struct say_rules *r = NULL;

	*out = NULL;
	if (load_rules(&r, rules_path, catalog_path, cause) == -1) {
		say_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int
say_load(const char *dir, const char *lang, struct say_rules **out,
    char **cause)
{
	char *rules, *catalog;
	int rv;

	if (*lang == '\0' || strchr(lang, '/') != NULL || lang[0] == '.')
		return kf_error(cause, "say: bad language name \"%s\"", lang);
	rules = xasprintf("%s/%s/say.rules", dir, lang);
	catalog = xasprintf("%s/%s/say.xml", dir, lang);
	rv = say_load_files(rules, catalog, out, cause);
	if (rv == 0 && strcmp((*out)->lang, lang) != 0) {
		rv = kf_error(cause, "%s: <say-rules lang=\"%s\"> in the "
		    "folder of language \"%s\"", rules, (*out)->lang, lang);
		say_free(*out);
		*out = NULL;
	}
	free(rules);
	free(catalog);
	return rv;
}

void
say_free(struct say_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nprompts; i++) {
		free(r->prompts[i].id);
		free(r->prompts[i].text);
	}
	for (i = 0; i < r->nmeasures; i++)
		free(r->measures[i].words);
	free(r->prompts);
	free(r->phone_separators);
	free(r->lang);
	free(r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
say_ids(const struct say_rules *r, const char ***ids)
{
	size_t i, n = 0;

	*ids = xcalloc(r->nprompts + 1, sizeof(**ids));
	for (i = 0; i < r->nprompts; i++)
		if (r->prompts[i].used)
			(*ids)[n++] = r->prompts[i].id;
	qsort(*ids, n, sizeof(**ids), cmp_str);
	return n;
}
