/*
 * strmap.c: a string-keyed hash table (open addressing, linear probing,
 * FNV-1a) for lookups by name that must stay linear in the input --
 * node ids of a flow, variables of the checker.  Keys are not copied.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static uint64_t
strmap_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of key, or the empty slot where it would go. */
static struct strmap_slot *
strmap_slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)strmap_hash(key) & (m->cap - 1);

	while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	size_t i, n = m->cap;

	m->cap = n ? 2 * n : 16;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (i = 0; i < n; i++)
		if (old[i].key != NULL)
			*strmap_slot(m, old[i].key) = old[i];
	free(old);
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	if (m->n == 0 || key == NULL)
		return NULL;
	return strmap_slot(m, key)->value;
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_slot *s;

	if (2 * (m->n + 1) > m->cap)
		strmap_grow(m);
	s = strmap_slot(m, key);
	if (s->key != NULL)
		return s->value;
	s->key = key;
	s->value = value;
	m->n++;
	return NULL;
}

void
strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}
