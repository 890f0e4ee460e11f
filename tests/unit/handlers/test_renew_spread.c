/*
 * Planning the slots of a renewal herd (handlers/renew_spread.c): the latest
 * Certificate keeps its renewalTime, the others are spread backwards at the
 * pace, never closer to their renewalTime than the lead; Certificates that
 * come due further apart than the pace are left alone; and the pace key of a
 * CA ARN.
 */
#include <stdint.h>
#include <stdlib.h>

#include "handlers/renew_impl.h"
#include "testutil.h"

#define T INT64_C(1767225600000)

/* Plans due[0..n) (latest first) at gap ms between triggers into slot[]. */
static void
plan(const int64_t *due, int64_t *slot, int n, int64_t gap)
{
	int64_t prev = INT64_MAX;
	int i;

	for (i = 0; i < n; i++)
		prev = slot[i] = renew_spread_slot(prev, due[i], gap);
}

static void
test_herd(void)
{
	int64_t due[5] = {T, T, T, T, T}, slot[5];
	int i;

	plan(due, slot, 5, 100);
	CHECK(slot[0] == T); /* cert-manager's */
	CHECK(slot[1] == T - RENEW_SPREAD_LEAD_MS);
	for (i = 2; i < 5; i++)
		CHECK_INT(slot[i], slot[i - 1] - 100);
}

static void
test_stream_left_alone(void)
{
	/* One a second at ten a second: no herd, each keeps its renewalTime. */
	int64_t due[4] = {T, T - 1000, T - 2000, T - 3000}, slot[4];
	int i;

	plan(due, slot, 4, 100);
	for (i = 0; i < 4; i++)
		CHECK_INT(slot[i], due[i]);
}

static void
test_herd_then_stragglers(void)
{
	/* Two due together, then one 50 ms earlier: it joins the herd. */
	int64_t due[4] = {T, T, T - 50, T - 60000}, slot[4];

	plan(due, slot, 4, 100);
	CHECK_INT(slot[0], T);
	CHECK_INT(slot[1], T - RENEW_SPREAD_LEAD_MS);
	/* The pace puts it further from its renewalTime than the lead. */
	CHECK_INT(slot[2], T - RENEW_SPREAD_LEAD_MS - 100);
	CHECK(slot[2] <= due[2] - RENEW_SPREAD_LEAD_MS);
	CHECK_INT(slot[3], T - 60000); /* far from the herd: alone */
}

static void
test_pace_key(void)
{
	char *k =
	    renew_pace_key_of("arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/1234");

	CHECK_STR(k, "123456789012/eu-west-1");
	free(k);
}

int
main(void)
{
	TEST(test_herd);
	TEST(test_stream_left_alone);
	TEST(test_herd_then_stragglers);
	TEST(test_pace_key);
	return test_done();
}
