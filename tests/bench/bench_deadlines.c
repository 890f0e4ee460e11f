/*
 * Benchmark of the expiry timers (core/deadlines.h over core/heap.h) at the
 * scale of a large cluster: 100,000 deadlines spread over 90 days, then
 * 1,000,000 changes (each moves a random deadline, as a renewal does), then
 * every deadline fired in order. Prints nanoseconds per insert, per change
 * and per fire, and the bytes the set holds per deadline beyond the 16-byte
 * node each record embeds. It prints figures; it fails only if the fired
 * order is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/deadlines.h"
#include "core/heap.h"

#define N       100000
#define CHANGES 1000000
#define DAY_MS  (86400LL * 1000)

struct rec {
	struct heap_node node;
	int id;
};

static struct rec recs[N];
static int64_t wall = INT64_C(1767225600000);
static int64_t last_fired = INT64_MIN;
static long fired, out_of_order;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_fire(struct heap_node *node, void *arg)
{
	(void)arg;
	if (node->key < last_fired)
		out_of_order++;
	last_fired = node->key;
	fired++;
}

int
main(void)
{
	struct deadlines *d;
	unsigned seed = 42;
	double t0, t_insert, t_change, t_fire;
	long i;

	clock_set_fake(NULL, &wall);
	d = deadlines_create(NULL, on_fire, NULL);
	t0 = now_s();
	for (i = 0; i < N; i++) {
		recs[i].id = (int)i;
		recs[i].node.idx = HEAP_NONE;
		deadlines_set(d, &recs[i].node,
		              wall + (int64_t)(rand_r(&seed) % (90 * DAY_MS / 1000)) * 1000);
	}
	t_insert = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < CHANGES; i++) {
		struct rec *r = &recs[rand_r(&seed) % N];

		deadlines_set(d, &r->node,
		              wall + (int64_t)(rand_r(&seed) % (90 * DAY_MS / 1000)) * 1000);
	}
	t_change = now_s() - t0;
	t0 = now_s();
	wall += 91 * DAY_MS;
	while (deadlines_count(d) > 0)
		deadlines_run(d);
	t_fire = now_s() - t0;
	printf("expiry timers, %d deadlines over 90 days:\n", N);
	printf("  insert  %7.0f ns each\n", t_insert * 1e9 / N);
	printf("  change  %7.0f ns each (%d random moves)\n", t_change * 1e9 / CHANGES, CHANGES);
	printf("  fire    %7.0f ns each, %ld fired, %ld out of order\n", t_fire * 1e9 / N, fired,
	       out_of_order);
	printf("  memory  16 bytes in each record + %zu bytes of heap array per deadline\n",
	       sizeof(struct heap_node *));
	deadlines_free(d);
	return fired == N && out_of_order == 0 ? 0 : 1;
}
