/*
 * The heap's array and its sift operations.
 */
#include <stdlib.h>

#include "core/heap.h"
#include "core/xmalloc.h"

void
heap_init(struct heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->next_seq = 0;
}

void
heap_clear(struct heap *h)
{
	uint32_t i;

	for (i = 0; i < h->n; i++)
		h->v[i]->idx = HEAP_NONE;
	free(h->v);
	heap_init(h);
}

int
heap_node_queued(const struct heap_node *node)
{
	return node->idx != HEAP_NONE;
}

/*
 * a before b. Sequence numbers compare by their difference, so that the
 * order stays right across the wrap of the counter as long as two nodes
 * with the same key were pushed fewer than 2^31 pushes apart.
 */
static int
heap_before(const struct heap_node *a, const struct heap_node *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return (int32_t)(a->seq - b->seq) < 0;
}

static void
heap_place(struct heap *h, struct heap_node *node, uint32_t i)
{
	h->v[i] = node;
	node->idx = i;
}

static void
heap_up(struct heap *h, uint32_t i)
{
	struct heap_node *node = h->v[i];
	uint32_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!heap_before(node, h->v[parent]))
			break;
		heap_place(h, h->v[parent], i);
		i = parent;
	}
	heap_place(h, node, i);
}

static void
heap_down(struct heap *h, uint32_t i)
{
	struct heap_node *node = h->v[i];
	uint32_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && heap_before(h->v[child + 1], h->v[child]))
			child++;
		if (!heap_before(h->v[child], node))
			break;
		heap_place(h, h->v[child], i);
		i = child;
	}
	heap_place(h, node, i);
}

void
heap_push(struct heap *h, struct heap_node *node, int64_t key)
{
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 16 : h->cap * 2;
		h->v = xreallocarray(h->v, h->cap, sizeof *h->v);
	}
	node->key = key;
	node->seq = h->next_seq++;
	heap_place(h, node, h->n++);
	heap_up(h, node->idx);
}

void
heap_rekey(struct heap *h, struct heap_node *node, int64_t key)
{
	int64_t old = node->key;

	node->key = key;
	if (key < old)
		heap_up(h, node->idx);
	else if (key > old)
		heap_down(h, node->idx);
}

void
heap_remove(struct heap *h, struct heap_node *node)
{
	uint32_t i = node->idx;
	struct heap_node *last;

	node->idx = HEAP_NONE;
	last = h->v[--h->n];
	if (last == node)
		return;
	heap_place(h, last, i);
	/* The node moved in may belong above or below its new place. */
	heap_up(h, i);
	heap_down(h, last->idx);
}

struct heap_node *
heap_top(const struct heap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

struct heap_node *
heap_pop(struct heap *h)
{
	struct heap_node *top = heap_top(h);

	if (top != NULL)
		heap_remove(h, top);
	return top;
}
