/*
 * The intrusive heap against a sorted reference, and the deadlines set
 * under a fake wall clock: order, moves, cancellation, ties in push
 * order, the per-pass cap, re-arming from within a fire.
 */
#include <stdlib.h>

#include "core/clock.h"
#include "core/deadlines.h"
#include "core/heap.h"
#include "testutil.h"

struct item {
	struct heap_node node; /* first */
	int id;
	int fired;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;

	if (x->node.key != y->node.key)
		return x->node.key < y->node.key ? -1 : 1;
	return x->id - y->id;
}

static void
test_heap_orders_like_a_sort(void)
{
	enum { N = 2000 };
	static struct item items[N];
	static struct item *ref[N];
	struct heap h;
	unsigned seed = 7;
	int i, n = 0;

	heap_init(&h);
	for (i = 0; i < N; i++) {
		items[i].id = i;
		items[i].node.idx = HEAP_NONE;
		heap_push(&h, &items[i].node, (int64_t)(rand_r(&seed) % 200));
	}
	/* Move a third, remove a tenth. */
	for (i = 0; i < N; i += 3)
		heap_rekey(&h, &items[i].node, (int64_t)(rand_r(&seed) % 200));
	for (i = 0; i < N; i += 10)
		heap_remove(&h, &items[i].node);
	for (i = 0; i < N; i++) {
		if (heap_node_queued(&items[i].node))
			ref[n++] = &items[i];
	}
	CHECK_INT(heap_count(&h), n);
	qsort(ref, (size_t)n, sizeof ref[0], item_cmp);
	/* Ties come out in push order, which is id order here, moves included. */
	for (i = 0; i < n; i++) {
		struct item *got = (struct item *)heap_pop(&h);
		CHECK(got == ref[i]);
		if (got != ref[i])
			break;
		CHECK(!heap_node_queued(&got->node));
	}
	CHECK(heap_pop(&h) == NULL);
	heap_clear(&h);
}

static int64_t wall = 1700000000000;
static struct deadlines *dl;
static int fire_order[512], nfired;

static void
on_fire(struct heap_node *node, void *arg)
{
	struct item *it = (struct item *)node;

	fire_order[nfired++] = it->id;
	it->fired++;
	/* Item 3 comes back an hour later. */
	if (it->id == 3 && it->fired == 1)
		deadlines_set(dl, node, wall + 3600000);
}

static void
test_deadlines_fire_in_order(void)
{
	struct item it[5];
	int i;

	dl = deadlines_create(NULL, on_fire, NULL);
	for (i = 0; i < 5; i++) {
		it[i].id = i;
		it[i].fired = 0;
		it[i].node.idx = HEAP_NONE;
	}
	deadlines_set(dl, &it[0].node, wall + 3000);
	deadlines_set(dl, &it[1].node, wall + 1000);
	deadlines_set(dl, &it[2].node, wall + 2000);
	deadlines_set(dl, &it[3].node, wall + 1000);
	deadlines_set(dl, &it[4].node, wall + 500);
	CHECK(deadlines_next(dl) == wall + 500);
	/* Moved later, and cancelled. */
	deadlines_set(dl, &it[1].node, wall + 2500);
	deadlines_cancel(dl, &it[4].node);
	deadlines_cancel(dl, &it[4].node);
	nfired = 0;
	wall += 999;
	deadlines_run(dl);
	CHECK_INT(nfired, 0);
	wall += 1;
	deadlines_run(dl);
	CHECK_INT(nfired, 1);
	CHECK_INT(fire_order[0], 3);
	wall += 5000;
	deadlines_run(dl);
	CHECK_INT(nfired, 4);
	CHECK_INT(fire_order[1], 2);
	CHECK_INT(fire_order[2], 1);
	CHECK_INT(fire_order[3], 0);
	CHECK_INT(it[4].fired, 0);
	/* Item 3 set itself again from its fire. */
	CHECK_INT((int)deadlines_count(dl), 1);
	CHECK(deadlines_next(dl) == wall - 5000 + 3600000);
	deadlines_free(dl);
	CHECK(!heap_node_queued(&it[3].node));
}

static void
test_deadlines_cap_per_pass(void)
{
	enum { N = 300 };
	static struct item it[N];
	int i;

	dl = deadlines_create(NULL, on_fire, NULL);
	for (i = 0; i < N; i++) {
		it[i].id = 1000 + i;
		it[i].node.idx = HEAP_NONE;
		deadlines_set(dl, &it[i].node, wall - i);
	}
	nfired = 0;
	deadlines_run(dl);
	CHECK_INT(nfired, 256);
	CHECK_INT(fire_order[0], 1000 + N - 1);
	deadlines_run(dl);
	CHECK_INT(nfired, N);
	CHECK_INT((int)deadlines_count(dl), 0);
	deadlines_free(dl);
}

int
main(void)
{
	clock_set_fake(NULL, &wall);
	TEST(test_heap_orders_like_a_sort);
	TEST(test_deadlines_fire_in_order);
	TEST(test_deadlines_cap_per_pass);
	return test_done();
}
