/*
 * Spreading renewal herds: every second, the Certificates of our issuers
 * whose renewalTime comes within twice the spread are planned backwards from
 * their renewalTimes at the pace of their (account, region), latest first.
 * The latest of a herd keeps its renewalTime (cert-manager renews it); the
 * others are given slots at least RENEW_SPREAD_LEAD_MS before their
 * renewalTime, so that cert-manager does not race them, and are asked for at
 * their slot, one token of the pace each, never more than the spread early.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ratelimit.h"
#include "core/smap.h"
#include "core/xmalloc.h"
#include "handlers/certs.h"
#include "handlers/issuers.h"
#include "handlers/renew_impl.h"

/* The Certificates of one pace that come due soon. */
struct renew_herd {
	char **keys;
	int64_t *due;
	size_t n, cap;
};

struct renew_plan {
	struct renew *r;
	int64_t now;
	struct smap *herds; /* pace key -> struct renew_herd */
	struct renew_slot *slots;
	size_t nslots, cap;
};

/* The pace key of a Certificate's issuer. */
static char *
renew_spread_pace_key(struct renew *r, const struct certs_item *it)
{
	const char *slash = strchr(it->key, '/');
	int ns_issuer = strcmp(it->issuer_kind, "AWSPCAIssuer") == 0;
	struct issuer_view v;
	char ns[256], *ikey;
	size_t n = (size_t)(slash - it->key);

	if (n >= sizeof ns)
		n = sizeof ns - 1;
	memcpy(ns, it->key, n);
	ns[n] = '\0';
	/* it->issuer is "ns/name" for an AWSPCAIssuer, "name" for a cluster issuer. */
	ikey = issuers_key(it->issuer_kind, ns_issuer ? ns : "",
	                   ns_issuer ? strchr(it->issuer, '/') + 1 : it->issuer);
	issuers_get(r->o.issuers, ikey, &v);
	free(ikey);
	return renew_pace_key_of(v.verdict == ISSUER_MISSING ? NULL : v.arn);
}

static void
renew_spread_one(const struct certs_item *it, void *arg)
{
	struct renew_plan *p = arg;
	struct renew_herd *h;
	char *pkey;

	if (it->renewal_ms == 0 || it->issuing || it->renewal_ms <= p->now ||
	    it->renewal_ms > p->now + 2 * p->r->o.spread_ms)
		return;
	pkey = renew_spread_pace_key(p->r, it);
	if ((h = smap_get(p->herds, pkey)) == NULL) {
		h = xcalloc(1, sizeof *h);
		smap_put(p->herds, pkey, h, NULL);
	}
	free(pkey);
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 64 : h->cap * 2;
		h->keys = xreallocarray(h->keys, h->cap, sizeof *h->keys);
		h->due = xreallocarray(h->due, h->cap, sizeof *h->due);
	}
	h->keys[h->n] = xstrdup(it->key);
	h->due[h->n++] = it->renewal_ms;
}

int64_t
renew_spread_slot(int64_t prev, int64_t due, int64_t gap)
{
	if (prev == INT64_MAX || due < prev - gap)
		return due; /* alone, or the latest of a herd */
	if (prev - gap > due - RENEW_SPREAD_LEAD_MS)
		return due - RENEW_SPREAD_LEAD_MS;
	return prev - gap;
}

static int
renew_due_cmp(const void *a, const void *b, void *arg)
{
	const int64_t *due = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (due[x] != due[y])
		return due[x] > due[y] ? -1 : 1; /* latest first */
	return x < y ? 1 : x > y ? -1 : 0;
}

static int
renew_slot_cmp(const void *a, const void *b)
{
	const struct renew_slot *x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Plans one herd's slots backwards from the renewal times; keeps those due within a second. */
static void
renew_spread_herd(struct renew_plan *p, const char *pace_key, struct renew_herd *h)
{
	struct renew *r = p->r;
	int64_t gap = (int64_t)(1000.0 / r->o.rate), slot = INT64_MAX, due, *asked;
	size_t *order, i, k;

	order = xcalloc(h->n + 1, sizeof *order);
	for (i = 0; i < h->n; i++)
		order[i] = i;
	qsort_r(order, h->n, sizeof *order, renew_due_cmp, h->due);
	for (i = 0; i < h->n; i++) {
		k = order[i];
		due = h->due[k];
		slot = renew_spread_slot(slot, due, gap);
		if (slot >= due || slot > p->now + 1000)
			continue; /* on time (cert-manager's), or not within the next second */
		asked = smap_get(r->spread, h->keys[k]);
		if (asked != NULL && *asked == due)
			continue;
		if (p->nslots == p->cap) {
			p->cap = p->cap == 0 ? 64 : p->cap * 2;
			p->slots = xreallocarray(p->slots, p->cap, sizeof *p->slots);
		}
		p->slots[p->nslots].key = xstrdup(h->keys[k]);
		p->slots[p->nslots].pace_key = xstrdup(pace_key);
		p->slots[p->nslots].slot = slot;
		p->slots[p->nslots++].due = due;
	}
	free(order);
}

/* Forgets what was asked for renewal times long past: renewed, or cert-manager's. */
static void
renew_spread_forget(struct renew *r, int64_t now)
{
	struct smap_iter it;
	const char *key;
	void *v;
	char **old = NULL;
	size_t n = 0, cap = 0, i;

	smap_iter_init(&it);
	while (smap_next(r->spread, &it, &key, &v)) {
		if (*(int64_t *)v >= now - r->o.spread_ms)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			old = xreallocarray(old, cap, sizeof *old);
		}
		old[n++] = xstrdup(key);
	}
	for (i = 0; i < n; i++) {
		free(smap_del(r->spread, old[i]));
		free(old[i]);
	}
	free(old);
}

static void
renew_spread_clear(struct renew *r)
{
	size_t i;

	for (i = 0; i < r->nslots; i++) {
		free(r->slots[i].key);
		free(r->slots[i].pace_key);
	}
	free(r->slots);
	r->slots = NULL;
	r->nslots = r->next_slot = 0;
}

void
renew_spread_plan(struct renew *r)
{
	struct renew_plan p;
	struct smap_iter it;
	const char *key;
	void *v;
	size_t i;

	memset(&p, 0, sizeof p);
	p.r = r;
	p.now = clock_wall_ms();
	p.herds = smap_create();
	certs_each(r->o.certs, NULL, NULL, renew_spread_one, &p);
	smap_iter_init(&it);
	while (smap_next(p.herds, &it, &key, &v)) {
		struct renew_herd *h = v;

		renew_spread_herd(&p, key, h);
		for (i = 0; i < h->n; i++)
			free(h->keys[i]);
		free(h->keys);
		free(h->due);
	}
	smap_free(p.herds, free);
	qsort(p.slots, p.nslots, sizeof *p.slots, renew_slot_cmp);
	renew_spread_clear(r);
	r->slots = p.slots;
	r->nslots = p.nslots;
	renew_spread_forget(r, p.now);
}

/* Asks for the planned renewals whose slot has come, as the pace allows. */
void
renew_spread_step(struct renew *r)
{
	int64_t now = clock_wall_ms(), *asked;
	struct renew_slot *s;
	struct certs_item it;
	char msg[256];

	while (r->next_slot < r->nslots) {
		s = &r->slots[r->next_slot];
		if (s->slot > now) {
			if ((uint64_t)(s->slot - now) < r->wait_ms)
				r->wait_ms = (uint64_t)(s->slot - now);
			return;
		}
		if (s->due - now > r->o.spread_ms || !certs_get(r->o.certs, s->key, &it) ||
		    it.issuing || it.renewal_ms != s->due) {
			/* Too early still (planned again in a second), or changed meanwhile. */
			r->next_slot++;
			continue;
		}
		if (!renew_pace_take(r, renew_pace(r, s->pace_key)))
			return;
		r->next_slot++;
		if ((asked = smap_get(r->spread, s->key)) == NULL) {
			asked = xmalloc(sizeof *asked);
			smap_put(r->spread, s->key, asked, NULL);
		}
		*asked = s->due;
		snprintf(msg, sizeof msg,
		         CERTS_TRIGGER_MARK
		         " renewing %.0f s before renewalTime to spread a herd of "
		         "renewals at %g per second",
		         (double)(s->due - now) / 1000.0, r->o.rate);
		renew_trigger(r, NULL, s->key, msg);
	}
}

void
renew_spread_free(struct renew *r)
{
	renew_spread_clear(r);
	smap_free(r->spread, free);
	r->spread = NULL;
}
