/*
 * prompts.c: the prompt catalogs, prompts/<lang>/ *.xml (schema:
 * prompts/prompts.rng, format: kefu-prompts(7)), parsed with libxml2,
 * checked with file:line messages, and the search for each prompt's
 * audio: recordings first, then the generated-audio folders.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "src/audio/audio-build.h"
#include "util/util.h"
#include "util/xml.h"

/* A parse in progress: the catalogs and every error found so far. */
struct prompts_load {
	struct prompts *pr;
	struct strbuf err;
	size_t nerr;
	size_t cap;
};

static void prompts_err(struct prompts_load *ld, const char *file, int line,
    const char *fmt, ...) KF_PRINTF(4, 5);

static void
prompts_err(struct prompts_load *ld, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (ld->err.len > 0)
		sb_addc(&ld->err, '\n');
	if (line > 0)
		sb_addf(&ld->err, "%s:%d: %s", file, line, msg);
	else
		sb_addf(&ld->err, "%s: %s", file, msg);
	ld->nerr++;
	free(msg);
}

static int
prompts_id_ok(const char *id)
{
	const char *p;

	if (*id == '\0')
		return 0;
	for (p = id; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

/* A file attribute must stay inside the language folder. */
static int
prompts_file_ok(const char *file)
{
	const char *p;

	if (*file == '\0' || *file == '/')
		return 0;
	for (p = file; p != NULL; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return 0;
	}
	return 1;
}

/* The text with white space runs (line breaks, indentation) as one space. */
static char *
prompts_text(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int space = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = 1;
			continue;
		}
		if (space && sb.len > 0)
			sb_addc(&sb, ' ');
		space = 0;
		sb_addc(&sb, *s);
	}
	return sb_steal(&sb);
}

static void
prompts_add(struct prompts_load *ld, const struct prompt *p)
{
	struct prompts *pr = ld->pr;

	if (pr->n == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 64;
		pr->p = xreallocarray(pr->p, ld->cap, sizeof *pr->p);
	}
	pr->p[pr->n++] = *p;
}

static void
prompts_clear(struct prompt *p)
{
	free(p->lang);
	free(p->id);
	free(p->text);
	free(p->file);
	free(p->tone);
	free(p->spoken);
	free(p->src);
	free(p->path);
}

/* Check the attributes and content of one <prompt> and keep it. */
static void
prompts_element(struct prompts_load *ld, const char *lang, const char *path,
    xmlNode *n)
{
	struct prompt p;
	xmlAttr *a;
	xmlNode *c;
	xmlChar *content;
	unsigned hz, ms;
	char *cause = NULL;
	int line = xml_line(n), bad = 0;

	for (a = n->properties; a != NULL; a = a->next) {
		if (strcmp((const char *)a->name, "id") != 0 &&
		    strcmp((const char *)a->name, "file") != 0 &&
		    strcmp((const char *)a->name, "tone") != 0 &&
		    strcmp((const char *)a->name, "lang") != 0) {
			prompts_err(ld, path, line, "unknown attribute \"%s\" "
			    "on <prompt> (id, file, tone and lang are allowed)",
			    (const char *)a->name);
			bad = 1;
		}
	}
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			prompts_err(ld, path, xml_line(c), "<%s> "
			    "inside <prompt>: a prompt holds only text",
			    (const char *)c->name);
			bad = 1;
		}
	memset(&p, 0, sizeof p);
	p.id = xml_attr(n, "id");
	p.file = xml_attr(n, "file");
	p.tone = xml_attr(n, "tone");
	p.spoken = xml_attr(n, "lang");
	content = xmlNodeGetContent(n);
	p.text = prompts_text(content ? (const char *)content : "");
	xmlFree(content);
	if (p.id == NULL) {
		prompts_err(ld, path, line, "<prompt> without id");
		bad = 1;
	} else if (!prompts_id_ok(p.id)) {
		prompts_err(ld, path, line, "prompt id \"%s\": use only a-z, "
		    "0-9, '_', '.' and '-'", p.id);
		bad = 1;
	}
	if (p.file != NULL && !prompts_file_ok(p.file)) {
		prompts_err(ld, path, line, "file \"%s\" must be a relative "
		    "path inside the language folder", p.file);
		bad = 1;
	}
	if (p.tone != NULL && tone_parse(p.tone, &hz, &ms, &cause) == -1) {
		prompts_err(ld, path, line, "%s", cause);
		free(cause);
		bad = 1;
	}
	if (p.spoken != NULL && espeak_voice(p.spoken) == NULL) {
		prompts_err(ld, path, line, "lang=\"%s\": kefu knows no "
		    "language %s (it speaks zh-CN, yue and the others of "
		    "kefu-prompts(7))", p.spoken, p.spoken);
		bad = 1;
	}
	if (*p.text == '\0' && p.tone == NULL) {
		prompts_err(ld, path, line, "prompt \"%s\" has no text",
		    p.id ? p.id : "");
		bad = 1;
	}
	if (bad) {
		prompts_clear(&p);
		return;
	}
	if (p.file == NULL)
		p.file = xasprintf("%s.wav", p.id);
	if (p.spoken != NULL && strcmp(p.spoken, lang) == 0) {
		free(p.spoken);         /* the catalog's own language */
		p.spoken = NULL;
	}
	p.lang = xstrdup(lang);
	p.src = xstrdup(path);
	p.line = line;
	prompts_add(ld, &p);
}

/* Take the problems libxml2 found in a file (at most 3) into ld. */
static void
prompts_take(struct prompts_load *ld, struct xml_errs *xe)
{
	char *line, *save = NULL;

	for (line = strtok_r(xe->sb.s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (ld->err.len > 0)
			sb_addc(&ld->err, '\n');
		sb_adds(&ld->err, line);
		ld->nerr++;
	}
	sb_free(&xe->sb);
}

static void
prompts_parse(struct prompts_load *ld, const char *lang, const char *path)
{
	struct xml_errs xe = { STRBUF_INIT, 0, 3, NULL };
	xmlDoc *doc;
	xmlNode *root, *n;
	char *l;

	doc = xml_read(&xe, path, 0);
	if (doc == NULL || xe.n > 0) {
		prompts_take(ld, &xe);
		if (doc != NULL)
			xmlFreeDoc(doc);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !xml_is(root, "prompts")) {
		prompts_err(ld, path, root ? xml_line(root) : 1,
		    "the root element must be <prompts>");
		goto out;
	}
	if ((l = xml_attr(root, "lang")) != NULL) {
		if (strcmp(l, lang) != 0)
			prompts_err(ld, path, xml_line(root),
			    "lang=\"%s\" in the folder of language %s", l,
			    lang);
		free(l);
	}
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xml_is(n, "prompt")) {
			prompts_err(ld, path, xml_line(n),
			    "unknown element <%s> (only <prompt>)",
			    (const char *)n->name);
			continue;
		}
		prompts_element(ld, lang, path, n);
	}
out:
	xmlFreeDoc(doc);
}

static int
prompts_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.xml files of a folder, sorted. */
static char **
prompts_xml_files(const char *dir, size_t *n)
{
	struct dirent *de;
	char **v = NULL;
	size_t len;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof *v, prompts_cmp_name);
	return v;
}

static void
prompts_free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
prompts_add_lang(struct prompts *pr, const char *lang, size_t len)
{
	size_t i;

	for (i = 0; i < pr->nlangs; i++)
		if (strlen(pr->langs[i]) == len &&
		    strncmp(pr->langs[i], lang, len) == 0)
			return;
	pr->langs = xreallocarray(pr->langs, pr->nlangs + 1,
	    sizeof *pr->langs);
	pr->langs[pr->nlangs++] = xstrndup(lang, len);
}

/* Every subfolder of dir that holds a catalog, sorted. */
static void
prompts_scan_langs(struct prompts *pr)
{
	struct dirent *de;
	char **names = NULL, *sub, **xml;
	size_t n = 0, i, nxml;
	DIR *d;

	if ((d = opendir(pr->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name,
		    "generated") == 0)
			continue;
		sub = xasprintf("%s/%s", pr->dir, de->d_name);
		xml = prompts_xml_files(sub, &nxml);
		prompts_free_names(xml, nxml);
		free(sub);
		if (nxml == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, prompts_cmp_name);
	/* Mandarin first: it is the default language of kefu.conf. */
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "zh-CN") == 0)
			prompts_add_lang(pr, names[i], strlen(names[i]));
	for (i = 0; i < n; i++)
		prompts_add_lang(pr, names[i], strlen(names[i]));
	prompts_free_names(names, n);
}

static void
prompts_add_gendir(struct prompts *pr, const char *dir)
{
	size_t i;

	if (dir == NULL || *dir == '\0')
		return;
	for (i = 0; i < pr->ngendirs; i++)
		if (strcmp(pr->gendirs[i], dir) == 0)
			return;
	pr->gendirs = xreallocarray(pr->gendirs, pr->ngendirs + 1,
	    sizeof *pr->gendirs);
	pr->gendirs[pr->ngendirs++] = xstrdup(dir);
}

static void
prompts_gendirs(struct prompts *pr)
{
	const char *env, *colon;
	char *one;

	if ((env = getenv("KEFU_PROMPTS_GEN")) != NULL) {
		while (*env != '\0') {
			colon = strchr(env, ':');
			one = colon ? xstrndup(env, (size_t)(colon - env)) :
			    xstrdup(env);
			prompts_add_gendir(pr, one);
			free(one);
			env = colon ? colon + 1 : env + strlen(env);
		}
	}
	one = xasprintf("%s/generated", pr->dir);
	prompts_add_gendir(pr, one);
	free(one);
#ifdef KEFU_BUILD_PROMPTS_GEN
	if (access(KEFU_BUILD_PROMPTS_GEN, F_OK) == 0)
		prompts_add_gendir(pr, KEFU_BUILD_PROMPTS_GEN);
#endif
}

static int
prompts_cmp(const void *a, const void *b)
{
	const struct prompt *x = a, *y = b;
	int c;

	if ((c = strcmp(x->lang, y->lang)) != 0)
		return c;
	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	if ((c = strcmp(x->src, y->src)) != 0)
		return c;
	return x->line - y->line;
}

static int
prompts_readable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, R_OK) == 0;
}

/* The generated-audio name of a file: its extension replaced by .wav. */
static char *
prompts_gen_name(const char *file)
{
	const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');

	if (dot == NULL || (slash != NULL && dot < slash))
		return xasprintf("%s.wav", file);
	return xasprintf("%.*s.wav", (int)(dot - file), file);
}

static void
prompts_locate(struct prompts *pr, struct prompt *p)
{
	char *path, *gen;
	size_t i;

	path = xasprintf("%s/%s/%s", pr->dir, p->lang, p->file);
	if (prompts_readable(path)) {
		p->how = PROMPT_RECORDED;
		p->path = path;
		return;
	}
	free(path);
	gen = prompts_gen_name(p->file);
	for (i = 0; i < pr->ngendirs; i++) {
		path = xasprintf("%s/%s/%s", pr->gendirs[i], p->lang, gen);
		if (prompts_readable(path)) {
			p->how = PROMPT_GENERATED;
			p->path = path;
			free(gen);
			return;
		}
		free(path);
	}
	free(gen);
	p->how = p->tone != NULL ? PROMPT_TONE : PROMPT_MISSING;
}

static void
prompts_check_dups(struct prompts_load *ld)
{
	struct prompts *pr = ld->pr;
	size_t i, j, k;

	for (i = 0; i < pr->n; i = j) {
		for (j = i + 1; j < pr->n &&
		    strcmp(pr->p[i].lang, pr->p[j].lang) == 0 &&
		    strcmp(pr->p[i].id, pr->p[j].id) == 0; j++)
			prompts_err(ld, pr->p[j].src, pr->p[j].line,
			    "duplicate prompt id \"%s\" (first at %s:%d)",
			    pr->p[j].id, pr->p[i].src, pr->p[i].line);
		/* Keep the first; drop the duplicates. */
		for (k = i + 1; k < j; k++)
			prompts_clear(&pr->p[k]);
		if (j > i + 1) {
			memmove(&pr->p[i + 1], &pr->p[j],
			    (pr->n - j) * sizeof *pr->p);
			pr->n -= j - i - 1;
			j = i + 1;
		}
	}
}

int
prompts_load(const char *dir, const char *langs, struct prompts **out,
    char **cause)
{
	struct prompts_load ld;
	struct prompts *pr;
	const char *s, *comma;
	char *sub, **xml;
	size_t i, j, nxml;

	xmlInitParser();
	memset(&ld, 0, sizeof ld);
	ld.pr = pr = xcalloc(1, sizeof *pr);
	pr->dir = xstrdup(dir);
	if (langs != NULL) {
		for (s = langs; *s != '\0'; s = comma ? comma + 1 : "") {
			while (*s == ' ')
				s++;
			comma = strchr(s, ',');
			j = comma ? (size_t)(comma - s) : strlen(s);
			while (j > 0 && s[j - 1] == ' ')
				j--;
			if (j > 0)
				prompts_add_lang(pr, s, j);
		}
	} else
		prompts_scan_langs(pr);
	if (pr->nlangs == 0)
		prompts_err(&ld, dir, 0, "no language folder with a catalog "
		    "(*.xml)");
	prompts_gendirs(pr);
	for (i = 0; i < pr->nlangs; i++) {
		sub = xasprintf("%s/%s", dir, pr->langs[i]);
		xml = prompts_xml_files(sub, &nxml);
		if (nxml == 0)
			prompts_err(&ld, sub, 0, "no catalog (*.xml) for "
			    "language %s", pr->langs[i]);
		for (j = 0; j < nxml; j++)
			prompts_parse(&ld, pr->langs[i], xml[j]);
		prompts_free_names(xml, nxml);
		free(sub);
	}
	if (pr->n > 0)
		qsort(pr->p, pr->n, sizeof *pr->p, prompts_cmp);
	prompts_check_dups(&ld);
	if (ld.nerr > 0) {
		if (cause != NULL)
			*cause = sb_steal(&ld.err);
		sb_free(&ld.err);
		prompts_free(pr);
		return -1;
	}
	for (i = 0; i < pr->n; i++)
		prompts_locate(pr, &pr->p[i]);
	*out = pr;
	return 0;
}

void
prompts_free(struct prompts *pr)
{
	size_t i;

	if (pr == NULL)
		return;
	for (i = 0; i < pr->n; i++)
		prompts_clear(&pr->p[i]);
	for (i = 0; i < pr->nlangs; i++)
		free(pr->langs[i]);
	for (i = 0; i < pr->ngendirs; i++)
		free(pr->gendirs[i]);
	free(pr->p);
	free(pr->langs);
	free(pr->gendirs);
	free(pr->dir);
	free(pr);
}

const struct prompt *
prompts_find(const struct prompts *pr, const char *lang, const char *id)
{
	size_t lo = 0, hi = pr->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(lang, pr->p[mid].lang)) == 0)
			c = strcmp(id, pr->p[mid].id);
		if (c == 0)
			return &pr->p[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
prompts_spoken(const struct prompt *p)
{
	return p->spoken != NULL ? p->spoken : p->lang;
}

static int
prompts_playable(const struct prompt *p)
{
	return p != NULL && p->how != PROMPT_MISSING;
}

const struct prompt *
prompts_resolve(const struct prompts *pr, const char *lang, const char *id)
{
	const struct prompt *p, *own;
	size_t i;

	if (prompts_playable(own = prompts_find(pr, lang, id)))
		return own;
	/* "Cantonese service, press 8" has no stand-in in another catalog */
	if (own != NULL && own->spoken != NULL)
		return NULL;
	for (i = 0; i < pr->nlangs; i++)
		if (strcmp(pr->langs[i], lang) != 0 &&
		    prompts_playable(p = prompts_find(pr, pr->langs[i], id)) &&
		    p->spoken == NULL)
			return p;
	return NULL;
}

static void
prompts_report_one(const struct prompts *pr, const char *lang,
    const char *id, const char *what, struct strbuf *report)
{
	const struct prompt *r = prompts_resolve(pr, lang, id);

	sb_addf(report, "%s: %s: %s; plays %s\n", lang, id, what,
	    r ? r->lang : "a beep");
}

/* 1 when no language before `lang` in fallback order has id (except skip). */
static int
prompts_first_with(const struct prompts *pr, const char *id,
    const char *lang, const char *skip)
{
	size_t l;

	for (l = 0; l < pr->nlangs && strcmp(pr->langs[l], lang) != 0; l++)
		if (strcmp(pr->langs[l], skip) != 0 &&
		    prompts_find(pr, pr->langs[l], id) != NULL)
			return 0;
	return 1;
}

size_t
prompts_report(const struct prompts *pr, struct strbuf *report)
{
	const struct prompt *p;
	size_t i, l, count = 0;
	char *what;

	for (i = 0; i < pr->n; i++) {
		p = &pr->p[i];
		if (p->how != PROMPT_MISSING)
			continue;
		if (p->spoken != NULL)
			what = xasprintf("no audio (%s, spoken in %s)",
			    p->file, p->spoken);
		else
			what = xasprintf("no audio (%s)", p->file);
		prompts_report_one(pr, p->lang, p->id, what, report);
		free(what);
		count++;
	}
	/* Ids that a language's catalog lacks altogether. */
	for (l = 0; l < pr->nlangs; l++) {
		for (i = 0; i < pr->n; i++) {
			p = &pr->p[i];
			if (strcmp(p->lang, pr->langs[l]) == 0 ||
			    prompts_find(pr, pr->langs[l], p->id) != NULL ||
			    !prompts_first_with(pr, p->id, p->lang,
			    pr->langs[l]))
				continue;
			what = xasprintf("not in the catalog (%s has it at "
			    "%s:%d)", p->lang, p->src, p->line);
			prompts_report_one(pr, pr->langs[l], p->id, what,
			    report);
			free(what);
			count++;
		}
	}
	return count;
}
