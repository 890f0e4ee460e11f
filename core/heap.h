/*
 * An intrusive binary min-heap: the caller embeds a struct heap_node in its
 * own object and the heap orders the nodes by key, then by the order they
 * were pushed. Push, remove and rekey are O(log n); the top is O(1). The
 * heap holds pointers only and frees nothing of the caller's.
 *
 * Used for the waiters of a rate limiter (core/ratelimit.h: smaller
 * priority first, arrival order among equals) and for deadlines
 * (core/deadlines.h: earliest first).
 */
#ifndef PCA_CORE_HEAP_H
#define PCA_CORE_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_NONE UINT32_MAX

/* 16 bytes in the caller's object; zero it, or set idx to HEAP_NONE, before use. */
struct heap_node {
	int64_t key;
	uint32_t seq; /* push order, for ties (wraps after 2^32 pushes: see heap.c) */
	uint32_t idx; /* position in the heap, HEAP_NONE when not in it */
};

struct heap {
	struct heap_node **v;
	uint32_t n, cap;
	uint32_t next_seq;
};

void heap_init(struct heap *h);
/* Frees the array; the nodes are the caller's and are left as they are. */
void heap_clear(struct heap *h);
/* Whether node is in some heap (the caller knows which). */
int heap_node_queued(const struct heap_node *node);
/* Adds node with key; it ranks after the nodes already there with the same key. */
void heap_push(struct heap *h, struct heap_node *node, int64_t key);
/* Changes the key of a queued node, keeping its rank among equal keys. */
void heap_rekey(struct heap *h, struct heap_node *node, int64_t key);
/* Takes a queued node out. */
void heap_remove(struct heap *h, struct heap_node *node);
/* The first node, or NULL when empty. */
struct heap_node *heap_top(const struct heap *h);
/* Takes out and returns the first node, or NULL when empty. */
struct heap_node *heap_pop(struct heap *h);
static inline uint32_t
heap_count(const struct heap *h)
{
	return h->n;
}

#endif
