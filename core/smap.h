/*
 * A hash map from NUL-terminated string keys to pointers. The map copies the
 * keys it stores and owns those copies; values belong to the caller. Used for
 * the work queue's key index and other per-object tables that must stay O(1)
 * with tens of thousands of entries.
 */
#ifndef PCA_CORE_SMAP_H
#define PCA_CORE_SMAP_H

#include <stddef.h>
#include <stdint.h>

struct smap;

struct smap_iter {
	size_t bucket;
	void *entry;
};

struct smap *smap_create(void);
/* Frees the map and its keys; calls free_value(value) for each entry if given. */
void smap_free(struct smap *m, void (*free_value)(void *));
/* Returns the value stored under key, or NULL. */
void *smap_get(const struct smap *m, const char *key);
/*
 * Stores value under key and returns the previous value (NULL if none). The
 * returned pointer is the stored copy of the key, valid until it is deleted,
 * when keyp is not NULL.
 */
void *smap_put(struct smap *m, const char *key, void *value, const char **keyp);
/* Removes key and returns its value, or NULL if it was not there. */
void *smap_del(struct smap *m, const char *key);
size_t smap_count(const struct smap *m);
/*
 * Iterates: start with an iterator zeroed by smap_iter_init; each call returns
 * 1 and fills key and value, or 0 at the end. The map must not change while
 * iterating.
 */
void smap_iter_init(struct smap_iter *it);
int smap_next(const struct smap *m, struct smap_iter *it, const char **key, void **value);

/* The 64-bit FNV-1a hash of a string, for callers that shard by key. */
uint64_t smap_hash(const char *key);

#endif
