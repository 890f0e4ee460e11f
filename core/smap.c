/*
 * The string hash map: separate chaining, power-of-two bucket count, grown
 * when the load passes 1. Each entry holds its key inline after the struct
 * so an entry is one allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "core/smap.h"
#include "core/xmalloc.h"

struct smap_entry {
	struct smap_entry *next;
	uint64_t hash;
	void *value;
	char key[];
};

struct smap {
	struct smap_entry **buckets;
	size_t nbuckets;
	size_t count;
};

uint64_t
smap_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct smap *
smap_create(void)
{
	struct smap *m = xcalloc(1, sizeof *m);

	m->nbuckets = 16;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	return m;
}

void
smap_free(struct smap *m, void (*free_value)(void *))
{
	struct smap_entry *e, *next;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nbuckets; i++) {
		for (e = m->buckets[i]; e != NULL; e = next) {
			next = e->next;
			if (free_value != NULL)
				free_value(e->value);
			free(e);
		}
	}
	free(m->buckets);
	free(m);
}

static struct smap_entry **
smap_find(const struct smap *m, const char *key, uint64_t h)
{
	struct smap_entry **ep = &m->buckets[h & (m->nbuckets - 1)];

	for (; *ep != NULL; ep = &(*ep)->next) {
		if ((*ep)->hash == h && strcmp((*ep)->key, key) == 0)
			break;
	}
	return ep;
}

static void
smap_grow(struct smap *m)
{
	struct smap_entry **old = m->buckets, *e, *next;
	size_t i, n = m->nbuckets;

	m->nbuckets = n * 2;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	for (i = 0; i < n; i++) {
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			e->next = m->buckets[e->hash & (m->nbuckets - 1)];
			m->buckets[e->hash & (m->nbuckets - 1)] = e;
		}
	}
	free(old);
}

void *
smap_get(const struct smap *m, const char *key)
{
	struct smap_entry *e = *smap_find(m, key, smap_hash(key));

	return e == NULL ? NULL : e->value;
}

void *
smap_put(struct smap *m, const char *key, void *value, const char **keyp)
{
	uint64_t h = smap_hash(key);
	struct smap_entry **ep = smap_find(m, key, h), *e;
	size_t len;
	void *old;

	if (*ep != NULL) {
		old = (*ep)->value;
		(*ep)->value = value;
		if (keyp != NULL)
			*keyp = (*ep)->key;
		return old;
	}
	len = strlen(key);
	e = xmalloc(sizeof *e + len + 1);
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->value = value;
	e->next = NULL;
	*ep = e;
	if (keyp != NULL)
		*keyp = e->key;
	if (++m->count > m->nbuckets)
		smap_grow(m);
	return NULL;
}

void *
smap_del(struct smap *m, const char *key)
{
	struct smap_entry **ep = smap_find(m, key, smap_hash(key)), *e = *ep;
	void *value;

	if (e == NULL)
		return NULL;
	*ep = e->next;
	value = e->value;
	free(e);
	m->count--;
	return value;
}

size_t
smap_count(const struct smap *m)
{
	return m->count;
}

void
smap_iter_init(struct smap_iter *it)
{
	it->bucket = 0;
	it->entry = NULL;
}

int
smap_next(const struct smap *m, struct smap_iter *it, const char **key, void **value)
{
	struct smap_entry *e = it->entry;

	e = e == NULL ? NULL : e->next;
	while (e == NULL && it->bucket < m->nbuckets)
		e = m->buckets[it->bucket++];
	it->entry = e;
	if (e == NULL)
		return 0;
	*key = e->key;
	*value = e->value;
	return 1;
}
