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
	struct smap *jobs;   /* issuer key -> job */
	struct smap *paces;  /* "account/region" -> pace */
	struct smap *spread; /* Certificate key -> renewalTime asked for, spreading */
	struct renew_slot *slots; /* planned, earliest slot first */
	size_t nslots, next_slot;
	struct renew_call *calls;
	struct event *timer;
	uint64_t planned_ms;
	int leader, stopped, forbidden;
};

/* "account/region" of a CA ARN, for pacing; a new string. */
char *renew_pace_key_of(const char *arn);
struct renew_pace *renew_pace(struct renew *r, const char *key);
/* Asks cert-manager to renew Certificate key (ns/name); j is NULL for spreading. */
void renew_trigger(struct renew *r, struct renew_job *j, const char *key, const char *message);

/* Spreading (renew_spread.c): plans slots every second, asks at each slot. */
void renew_spread_plan(struct renew *r);
void renew_spread_step(struct renew *r);
void renew_spread_free(struct renew *r);

#endif
