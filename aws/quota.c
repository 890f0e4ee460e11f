/*
 * The registry of adaptive quota buckets and their arithmetic (see
 * aws/quota.h for the rules). A process talks to a handful of accounts and
 * regions, so the registry is a list.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/quota.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "core/xmalloc.h"

/* Multiplicative decrease on throttling, as in TCP and the AWS SDKs' adaptive mode. */
#define AWS_QUOTA_BETA 0.7
/* Additive increase: this fraction of the quota per second without throttling. */
#define AWS_QUOTA_CLIMB 0.05
/* The floor: this fraction of the quota, but at least AWS_QUOTA_MIN_RATE. */
#define AWS_QUOTA_FLOOR    0.05
#define AWS_QUOTA_MIN_RATE 0.5
/* Seconds of quota the bucket holds. */
#define AWS_QUOTA_BURST_S 0.5
/* Longest quiet spell that still counts as time spent climbing. */
#define AWS_QUOTA_CLIMB_GAP_MS 1000
/*
 * A window of answers is judged when it holds this many, or after
 * AWS_QUOTA_WINDOW_MS with at least AWS_QUOTA_WINDOW_MIN.
 */
#define AWS_QUOTA_WINDOW     24
#define AWS_QUOTA_WINDOW_MS  3000
#define AWS_QUOTA_WINDOW_MIN 6
/* How far above the background throttling a window must be to slow down. */
#define AWS_QUOTA_MARGIN 0.1

struct aws_quota {
	char *account;
	char *region;
	char *op;
	double quota;
	double rate;
	int adaptive;
	unsigned round;
	uint64_t climbed_ms; /* when the rate last changed */
	/* The answers of the window being filled, to calls sent in this round. */
	unsigned win_answers, win_throttled;
	uint64_t win_start_ms;
	/*
	 * A probe: the rate was lowered; is throttling falling with it? 0: none;
	 * 1: lowered at a first throttled answer, its fraction unknown; 2: lowered
	 * from a full window whose fraction, probe_frac at probe_rate, is known.
	 */
	int probing;
	double probe_rate, probe_frac;
	double origin_rate; /* the rate before the first decrease of this run of probes */
	double bg;          /* the throttled fraction that does not depend on our rate */
	unsigned refs;
	struct ratelimit *rl;
	struct aws_quota *next;
};

/* A quota set with aws_quota_configure for an operation. */
struct aws_quota_conf {
	char *op;
	double quota;
	int adaptive;
	struct aws_quota_conf *next;
};

static struct aws_quota *aws_quota_list;
static struct aws_quota_conf *aws_quota_confs;
static struct metric *aws_quota_gauge;

static double
aws_quota_floor(double quota)
{
	double f = quota * AWS_QUOTA_FLOOR;

	if (f < AWS_QUOTA_MIN_RATE)
		f = AWS_QUOTA_MIN_RATE;
	return f > quota ? quota : f;
}

static double
aws_quota_burst_of(double quota)
{
	double b = quota * AWS_QUOTA_BURST_S;

	return b < 1 ? 1 : b;
}

/*
 * Scrape-time values of pca_issuer_aws_rate_limit. Buckets of several
 * accounts in one region share a series: it shows the lowest rate, the one
 * an operator looking at throttling wants to see.
 */
static void
aws_quota_collect(struct metric *m, void *arg)
{
	struct aws_quota *q;
	double v;

	for (q = aws_quota_list; q != NULL; q = q->next) {
		v = metrics_value(m, q->op, q->region);
		if (v == 0 || q->rate < v)
			metrics_set(m, q->rate, q->op, q->region);
	}
}

static void
aws_quota_metrics(void)
{
	if (aws_quota_gauge != NULL)
		return;
	aws_quota_gauge = metrics_gauge("pca_issuer_aws_rate_limit",
	                                "Current client-side rate limit of AWS API calls, in calls "
	                                "per second, after adaptation to throttling.",
	                                "operation,region");
	metrics_collect_add(aws_quota_gauge, aws_quota_collect, NULL);
}

static struct aws_quota_conf *
aws_quota_conf_find(const char *op)
{
	struct aws_quota_conf *c;

	for (c = aws_quota_confs; c != NULL; c = c->next)
		if (strcmp(c->op, op) == 0)
			return c;
	return NULL;
}

struct aws_quota *
aws_quota_get(const char *account, const char *region, const char *op, double default_quota)
{
	struct aws_quota_conf *conf = aws_quota_conf_find(op);
	struct aws_quota *q;

	for (q = aws_quota_list; q != NULL; q = q->next) {
		if (strcmp(q->account, account) == 0 && strcmp(q->region, region) == 0 &&
		    strcmp(q->op, op) == 0) {
			q->refs++;
			return q;
		}
	}
	aws_quota_metrics();
	q = xcalloc(1, sizeof *q);
	q->account = xstrdup(account);
	q->region = xstrdup(region);
	q->op = xstrdup(op);
	q->quota = conf != NULL && conf->quota > 0 ? conf->quota : default_quota;
	q->adaptive = conf != NULL ? conf->adaptive : 1;
	q->rate = q->quota;
	q->climbed_ms = clock_mono_ms();
	q->refs = 1;
	q->rl = ratelimit_create(loop_base(), q->rate, aws_quota_burst_of(q->quota));
	q->next = aws_quota_list;
	aws_quota_list = q;
	return q;
}

void
aws_quota_put(struct aws_quota *q)
{
	struct aws_quota **pp;

	if (q == NULL || --q->refs > 0)
		return;
	for (pp = &aws_quota_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	ratelimit_free(q->rl);
	free(q->account);
	free(q->region);
	free(q->op);
	free(q);
}

/* The one place a bucket's rate changes. */
static void
aws_quota_set_rate(struct aws_quota *q, double rate, const char *why)
{
	if (rate == q->rate)
		return;
	if (rate < q->rate)
		log_debug("AWS call rate lowered", "operation", q->op, "region", q->region,
		          "account", q->account, "why", why);
	q->rate = rate;
	q->climbed_ms = clock_mono_ms();
	ratelimit_set_rate(q->rl, rate);
}

void
aws_quota_configure(const char *op, double quota, int adaptive)
{
	struct aws_quota_conf *conf = aws_quota_conf_find(op);
	struct aws_quota *q;

	if (conf == NULL) {
		conf = xcalloc(1, sizeof *conf);
		conf->op = xstrdup(op);
		conf->next = aws_quota_confs;
		aws_quota_confs = conf;
	}
	if (quota > 0)
		conf->quota = quota;
	conf->adaptive = adaptive;
	for (q = aws_quota_list; q != NULL; q = q->next) {
		if (strcmp(q->op, op) != 0)
			continue;
		if (quota > 0)
			q->quota = quota;
		q->adaptive = adaptive;
		if (q->rate > q->quota || !adaptive)
			aws_quota_set_rate(q, q->quota, "configured");
	}
}

int
aws_quota_acquire(struct aws_quota *q, ratelimit_cb cb, void *arg, struct ratelimit_wait **wp)
{
	return ratelimit_acquire(q->rl, cb, arg, wp);
}

void
aws_quota_cancel(struct aws_quota *q, struct ratelimit_wait *w)
{
	ratelimit_cancel(q->rl, w);
}

struct ratelimit *
aws_quota_limiter(struct aws_quota *q)
{
	return q->rl;
}

unsigned
aws_quota_round(const struct aws_quota *q)
{
	return q->round;
}

/*
 * Lowers the rate by the multiplicative decrease and probes from here; frac
 * is the throttled fraction at the old rate, or -1 when it is not known.
 */
static void
aws_quota_decrease(struct aws_quota *q, double frac)
{
	double rate = q->rate * AWS_QUOTA_BETA;

	if (rate < aws_quota_floor(q->quota))
		rate = aws_quota_floor(q->quota);
	if (!q->probing)
		q->origin_rate = q->rate;
	q->probing = frac < 0 ? 1 : 2;
	q->probe_rate = q->rate;
	q->probe_frac = frac;
	q->round++;
	aws_quota_set_rate(q, rate, "throttled");
}

/*
 * Whether a probe window's fraction frac, at the lower rate, shows
 * throttling that does not depend on the rate. A rate limit lets through as
 * many calls as before, so the fraction would fall to
 * 1 - rate_before * (1 - frac_before) / rate; throttling by a quota shared
 * with other clients or by a service shedding load at random stays where it
 * was. Only a clear case counts: well above the limit's prediction and not
 * clearly below the fraction before.
 */
static int
aws_quota_background(const struct aws_quota *q, double frac)
{
	double limit_frac;

	if (q->probing != 2 || q->rate >= q->probe_rate)
		return 0;
	limit_frac = 1 - q->probe_rate * (1 - q->probe_frac) / q->rate;
	if (limit_frac < 0)
		limit_frac = 0;
	return frac > limit_frac + AWS_QUOTA_MARGIN && frac >= q->probe_frac - AWS_QUOTA_MARGIN;
}

/*
 * Judges the throttled fraction frac of a full window. Climbing, a fraction
 * above the background lowers the rate and starts a probe. A probe whose
 * window shows background throttling (above) sets the background and
 * restores the rate from before the probes; anything else is taken for a
 * rate limit, which goes on down while throttled and climbs once it is not.
 */
static void
aws_quota_judge(struct aws_quota *q, double frac)
{
	double margin = q->bg > 0 ? AWS_QUOTA_MARGIN : 0;

	if (aws_quota_background(q, frac)) {
		if (q->bg == 0)
			log_info(
			    "AWS throttles a share of calls whatever their rate; not slowing down "
			    "for it",
			    "operation", q->op, "region", q->region, "account", q->account);
		q->bg = frac;
		q->probing = 0;
		q->round++;
		aws_quota_set_rate(q, q->origin_rate, "throttling does not depend on the rate");
		return;
	}
	if (frac > q->bg + margin) {
		aws_quota_decrease(q, frac);
		return;
	}
	q->probing = 0;
	/* The background follows what calm windows show; it fades when they are clean. */
	q->bg = q->bg * 0.9 + frac * 0.1;
	if (q->bg < 0.02)
		q->bg = 0;
}

/*
 * Counts an answer to a call of the current round and judges the window
 * when it is full. With no background throttling known and no probe
 * running, the first throttled answer lowers the rate at once: a rate limit
 * is the likely cause, and every throttled call must be sent again.
 */
static void
aws_quota_tally(struct aws_quota *q, int throttled)
{
	uint64_t now = clock_mono_ms();
	double frac;

	if (throttled && !q->probing && q->bg == 0) {
		q->win_answers = q->win_throttled = 0;
		aws_quota_decrease(q, -1);
		return;
	}
	if (q->win_answers == 0)
		q->win_start_ms = now;
	q->win_answers++;
	q->win_throttled += throttled != 0;
	if (q->win_answers < AWS_QUOTA_WINDOW &&
	    (q->win_answers < AWS_QUOTA_WINDOW_MIN || now - q->win_start_ms < AWS_QUOTA_WINDOW_MS))
		return;
	frac = (double)q->win_throttled / (double)q->win_answers;
	q->win_answers = q->win_throttled = 0;
	aws_quota_judge(q, frac);
}

void
aws_quota_throttled(struct aws_quota *q, unsigned round)
{
	unsigned before = q->round;

	if (!q->adaptive || round != q->round)
		return;
	aws_quota_tally(q, 1);
	if (q->round != before)
		q->win_answers = q->win_throttled = 0;
}

/*
 * Climbs by the time since the last change, so the pace does not depend on
 * how many calls there are; a long quiet spell counts as one second, since
 * nothing was learnt during it. A probe does not climb.
 */
void
aws_quota_answered(struct aws_quota *q, unsigned round)
{
	uint64_t now = clock_mono_ms(), dt;
	unsigned before = q->round;
	double rate;

	if (!q->adaptive || round != q->round)
		return;
	aws_quota_tally(q, 0);
	if (q->round != before) {
		q->win_answers = q->win_throttled = 0;
		return;
	}
	if (q->rate >= q->quota)
		return;
	dt = now - q->climbed_ms;
	if (dt > AWS_QUOTA_CLIMB_GAP_MS)
		dt = AWS_QUOTA_CLIMB_GAP_MS;
	if (dt == 0)
		return;
	rate = q->rate + q->quota * AWS_QUOTA_CLIMB * (double)dt / 1000.0;
	aws_quota_set_rate(q, rate > q->quota ? q->quota : rate, "climbing");
}

double
aws_quota_rate(const struct aws_quota *q)
{
	return q->rate;
}

double
aws_quota_limit(const struct aws_quota *q)
{
	return q->quota;
}

double
aws_quota_burst(const struct aws_quota *q)
{
	return aws_quota_burst_of(q->quota);
}

size_t
aws_quota_waiting(const struct aws_quota *q)
{
	return ratelimit_waiting(q->rl);
}

size_t
aws_quota_count(void)
{
	struct aws_quota *q;
	size_t n = 0;

	for (q = aws_quota_list; q != NULL; q = q->next)
		n++;
	return n;
}
