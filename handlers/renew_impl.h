/*
 * What handlers/renew.c (bulk renewal jobs, the timer, metrics) and
 * handlers/renew_spread.c (spreading renewal herds) share.
 */
#ifndef PCA_HANDLERS_RENEW_IMPL_H
#define PCA_HANDLERS_RENEW_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"
#include "handlers/renew.h"

struct event;
struct smap;
struct kube_renew;
struct renew_job;

/* The token bucket of one (account, region): bulk renewal and spreading share it. */
struct renew_pace {
	struct ratelimit_bucket bucket;
};

struct renew_call {
	struct renew_job *job; /* NULL for spreading, or once the job is gone */
	struct renew *r;
	char *key;
	struct kube_renew *call;
	struct renew_call *next;
};

/* A spread renewal planned for its slot. */
struct renew_slot {
	char *key;
	char *pace_key;
	int64_t slot, due; /* wall ms: when to ask, and the renewalTime */
};

struct renew {
	struct renew_opts o;
	struct smap *jobs;        /* issuer key -> job */
	struct smap *paces;       /* "account/region" -> pace */
	struct smap *spread;      /* Certificate key -> renewalTime asked for, spreading */
	struct renew_slot *slots; /* planned, earliest slot first */
	size_t nslots, next_slot;
	struct renew_call *calls;
	struct event *timer;
	uint64_t planned_ms;
	uint64_t wait_ms; /* until the timer runs again: a token's wait, at most RENEW_TICK_MS */
	int leader, stopped, forbidden;
};

/* How long before its renewalTime a spread Certificate is asked for at the latest. */
#define RENEW_SPREAD_LEAD_MS 2000

/*
 * The slot of the next Certificate of a herd planned latest first: prev is the
 * slot planned before it (INT64_MAX for the first), due its renewalTime, gap
 * the time between two triggers at the pace. A slot equal to due is left to
 * cert-manager.
 */
int64_t renew_spread_slot(int64_t prev, int64_t due, int64_t gap);
/* "account/region" of a CA ARN, for pacing; a new string. */
char *renew_pace_key_of(const char *arn);
struct renew_pace *renew_pace(struct renew *r, const char *key);
/* Takes a token of the pace, or returns 0 and has the timer run when one is due. */
int renew_pace_take(struct renew *r, struct renew_pace *p);
/* Asks cert-manager to renew Certificate key (ns/name); j is NULL for spreading. */
void renew_trigger(struct renew *r, struct renew_job *j, const char *key, const char *message);

/* Spreading (renew_spread.c): plans slots every second, asks at each slot. */
void renew_spread_plan(struct renew *r);
void renew_spread_step(struct renew *r);
void renew_spread_free(struct renew *r);

#endif
