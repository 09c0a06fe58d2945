/*
 * ini.c: a small INI reader for kefu.conf.  It only splits the file into
 * sections and key = value entries, remembering line numbers; what keys
 * mean and which values are valid is decided by the consumer
 * (src/conf/), which reports problems as file:line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static struct ini_section *
ini_add_section(struct ini *ini, char *spec, int line)
{
	struct ini_section *sec;
	char *name;

	ini->sections = xreallocarray(ini->sections, ini->nsections + 1,
	    sizeof *ini->sections);
	sec = &ini->sections[ini->nsections++];
	memset(sec, 0, sizeof *sec);
	sec->line = line;
	name = spec + strcspn(spec, " \t");
	if (*name != '\0') {
		*name++ = '\0';
		name = str_trim(name);
		/* Allow [datasource "erp"] as well as [datasource erp]. */
		if (name[0] == '"' && strlen(name) >= 2 &&
		    name[strlen(name) - 1] == '"') {
			name[strlen(name) - 1] = '\0';
			name++;
		}
		sec->name = xstrdup(name);
	}
	sec->type = xstrdup(spec);
	return sec;
}

#define INI_CLIP 60     /* a line longer than this is cut in errors */

static int
ini_line(struct ini *ini, struct ini_section **cur, char *s, int line,
    char **cause)
{
	struct ini_entry *e;
	char *eq, *key, *value;
	size_t n;

	s = str_trim(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		n = strlen(s);
		if (s[n - 1] != ']')
			return kf_error(cause, "%s:%d: section header is "
			    "missing its closing ']'", ini->path, line);
		s[n - 1] = '\0';
		s = str_trim(s + 1);
		if (*s == '\0')
			return kf_error(cause, "%s:%d: empty section name",
			    ini->path, line);
		*cur = ini_add_section(ini, s, line);
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return kf_error(cause, "%s:%d: expected 'key = value' or "
		    "'[section]', found \"%.*s%s\"", ini->path, line,
		    INI_CLIP, s, strlen(s) > INI_CLIP ? "..." : "");
	if (*cur == NULL)
		return kf_error(cause, "%s:%d: '%.*s%s' is outside any "
		    "[section]", ini->path, line, INI_CLIP, s,
		    strlen(s) > INI_CLIP ? "..." : "");
	*eq = '\0';
	key = str_trim(s);
	value = str_trim(eq + 1);
	if (*key == '\0')
		return kf_error(cause, "%s:%d: missing key before '='",
		    ini->path, line);
	n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value[n - 1] = '\0';
		value++;
	}
	for (n = 0; n < (*cur)->nentries; n++)
		if (strcmp((*cur)->entries[n].key, key) == 0)
			return kf_error(cause, "%s:%d: '%.*s' is set twice "
			    "in this section (first at line %d)", ini->path,
			    line, INI_CLIP, key, (*cur)->entries[n].line);
	(*cur)->entries = xreallocarray((*cur)->entries, (*cur)->nentries + 1,
	    sizeof *(*cur)->entries);
	e = &(*cur)->entries[(*cur)->nentries++];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = line;
	e->used = 0;
	return 0;
}

int
ini_parse(const char *path, const char *text, struct ini **out, char **cause)
{
	struct ini *ini;
	struct ini_section *cur = NULL;
	char *copy, *p, *nl;
	int line = 0;

	ini = xcalloc(1, sizeof *ini);
	ini->path = xstrdup(path);
	copy = xstrdup(text);
	for (p = copy; p != NULL; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		line++;
		if (ini_line(ini, &cur, p, line, cause) == -1) {
			free(copy);
			ini_free(ini);
			return -1;
		}
	}
	free(copy);
	*out = ini;
	return 0;
}

int
ini_load(const char *path, struct ini **out, char **cause)
{
	char *text;
	int rc;

	if (file_read(path, &text, NULL, cause) == -1)
		return -1;
	rc = ini_parse(path, text, out, cause);
	free(text);
	return rc;
}

void
ini_free(struct ini *ini)
{
	size_t i, j;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nsections; i++) {
		struct ini_section *sec = &ini->sections[i];

		for (j = 0; j < sec->nentries; j++) {
			free(sec->entries[j].key);
			free(sec->entries[j].value);
		}
		free(sec->entries);
		free(sec->type);
		free(sec->name);
	}
	free(ini->sections);
	free(ini->path);
	free(ini);
}

struct ini_entry *
ini_get(struct ini_section *sec, const char *key)
{
	size_t i;

	for (i = 0; i < sec->nentries; i++) {
		if (strcmp(sec->entries[i].key, key) == 0) {
			sec->entries[i].used = 1;
			return &sec->entries[i];
		}
	}
	return NULL;
}
