/*
 * The refresh machinery every credential source shares, and the static
 * source.
 *
 * A source is IDLE (nothing running), REFRESHING (one fetch in flight, the
 * only one) or BACKOFF (the last fetch failed; the next may start at
 * retry_at). Callers that find credentials inside the mandatory window, or
 * none at all, wait for the fetch; callers in the advisory window get the
 * current credentials and start a fetch in the background. One timer per
 * source re-runs the fetch when the advisory window opens and after a failed
 * fetch while old credentials are still valid, so a busy source never holds
 * its callers and an idle one stays fresh.
 *
 * Delivering to waiters runs user callbacks that may cancel other waiters,
 * start new gets, invalidate, or free the source itself: the waiters being
 * served sit on their own list, and a source freed meanwhile is only marked
 * dead and released once the delivery loop has let go of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "aws/creds_impl.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/secrets.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"

#define AWS_CREDS_ADVISORY_MS  300000
#define AWS_CREDS_MANDATORY_MS 60000
#define AWS_CREDS_RETRY_BASE   1000
#define AWS_CREDS_RETRY_CAP    30000
/* A rejection this soon after a refresh is not about stale credentials. */
#define AWS_CREDS_INVALIDATE_MIN_AGE 5000

enum aws_creds_state {
	AWS_CREDS_IDLE,
	AWS_CREDS_REFRESHING,
	AWS_CREDS_BACKOFF,
};

enum aws_creds_wlist_id {
	AWS_CREDS_WLIST_NONE,
	AWS_CREDS_WLIST_WAITING,
	AWS_CREDS_WLIST_DELIVERING,
};

struct aws_creds_wait {
	struct aws_creds_wait *prev, *next;
	enum aws_creds_wlist_id list;
	aws_creds_cb cb;
	void *arg;
};

struct aws_creds_wlist {
	struct aws_creds_wait *head, *tail;
};

struct aws_creds_src {
	const struct aws_creds_ops *ops;
	void *state;
	enum aws_creds_state st;
	struct aws_creds creds;
	int have;
	int64_t obtained_wall;
	uint64_t obtained_mono;
	uint64_t advisory_ms, mandatory_ms;
	unsigned failures;
	uint64_t retry_at; /* monotonic ms */
	char *last_error;
	struct event *timer;
	struct aws_creds_wlist waiting, delivering;
	int busy; /* delivery loops running */
	int dead; /* freed while busy */
};

static struct metric *aws_creds_m_refreshes;

static void
aws_creds_count(const struct aws_creds_src *src, const char *outcome)
{
	if (aws_creds_m_refreshes == NULL)
		aws_creds_m_refreshes = metrics_counter(
		    "pca_issuer_aws_credential_refreshes_total",
		    "AWS credential fetches by source and outcome.", "source,outcome");
	metrics_inc(aws_creds_m_refreshes, src->ops->kind, outcome);
}

void
aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	dst->access_key_id = xstrdup(src->access_key_id != NULL ? src->access_key_id : "");
	dst->secret_access_key =
	    xstrdup(src->secret_access_key != NULL ? src->secret_access_key : "");
	dst->session_token = src->session_token == NULL || *src->session_token == '\0'
	                         ? NULL
	                         : xstrdup(src->session_token);
	dst->expires_ms = src->expires_ms;
	dst->held = 1;
	secrets_add(dst->secret_access_key);
	secrets_add(dst->session_token);
}

static void
aws_creds_wipe_str(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
aws_creds_clear(struct aws_creds *c)
{
	if (c == NULL)
		return;
	if (c->held) {
		secrets_drop(c->secret_access_key);
		secrets_drop(c->session_token);
		c->held = 0;
	}
	aws_creds_wipe_str(&c->access_key_id);
	aws_creds_wipe_str(&c->secret_access_key);
	aws_creds_wipe_str(&c->session_token);
	c->expires_ms = 0;
}

static const char *
aws_creds_process_getenv(const char *name, void *arg)
{
	return getenv(name);
}

void
aws_creds_env_process(struct aws_creds_env *env)
{
	env->getenv = aws_creds_process_getenv;
	env->arg = NULL;
	env->home = getenv("HOME");
}

const char *
aws_creds_env_get(const struct aws_creds_env *env, const char *name)
{
	const char *v;

	if (env == NULL || env->getenv == NULL)
		v = getenv(name);
	else
		v = env->getenv(name, env->arg);
	return v == NULL || *v == '\0' ? NULL : v;
}

static const char *
aws_creds_state_name(enum aws_creds_state st)
{
	switch (st) {
	case AWS_CREDS_IDLE:
		return "idle";
	case AWS_CREDS_REFRESHING:
		return "refreshing";
	case AWS_CREDS_BACKOFF:
		return "backoff";
	}
	return "?";
}

/* The one place the state changes. */
static void
aws_creds_set_state(struct aws_creds_src *src, enum aws_creds_state st)
{
	if (src->st != st)
		log_debug("credential source state", "source", src->ops->kind, "from",
		          aws_creds_state_name(src->st), "to", aws_creds_state_name(st));
	src->st = st;
}

static void
aws_creds_wlist_append(struct aws_creds_wlist *l, struct aws_creds_wait *w,
                       enum aws_creds_wlist_id id)
{
	w->prev = l->tail;
	w->next = NULL;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	w->list = id;
}

static void
aws_creds_wlist_remove(struct aws_creds_wlist *l, struct aws_creds_wait *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		l->tail = w->prev;
	w->prev = w->next = NULL;
	w->list = AWS_CREDS_WLIST_NONE;
}

static void
aws_creds_wlist_free(struct aws_creds_wlist *l)
{
	struct aws_creds_wait *w;

	while ((w = l->head) != NULL) {
		aws_creds_wlist_remove(l, w);
		free(w);
	}
}

/*
 * The windows for the current credentials: the configured ones, narrowed
 * for credentials that live so briefly that they would be born inside them
 * (then every call would refresh).
 */
static void
aws_creds_windows(const struct aws_creds_src *src, int64_t *adv, int64_t *mand)
{
	int64_t life = src->creds.expires_ms - src->obtained_wall;

	*adv = (int64_t)src->advisory_ms;
	*mand = (int64_t)src->mandatory_ms;
	if (life > 0 && *adv > life / 2)
		*adv = life / 2;
	if (life > 0 && *mand > life / 4)
		*mand = life / 4;
	if (*mand > *adv)
		*adv = *mand;
}

/* Usable without waiting: present and outside the mandatory window. */
static int
aws_creds_usable(const struct aws_creds_src *src, int64_t now)
{
	int64_t adv, mand;

	if (!src->have)
		return 0;
	if (src->creds.expires_ms == 0)
		return 1;
	aws_creds_windows(src, &adv, &mand);
	return now < src->creds.expires_ms - mand;
}

/* Present and not expired, though maybe inside the mandatory window. */
static int
aws_creds_valid(const struct aws_creds_src *src, int64_t now)
{
	return src->have && (src->creds.expires_ms == 0 || now < src->creds.expires_ms);
}

static int
aws_creds_in_advisory(const struct aws_creds_src *src, int64_t now)
{
	int64_t adv, mand;

	if (!src->have || src->creds.expires_ms == 0)
		return 0;
	aws_creds_windows(src, &adv, &mand);
	return now >= src->creds.expires_ms - adv;
}

/* Whether a fetch may start now: none running and no back-off pending. */
static int
aws_creds_may_fetch(const struct aws_creds_src *src)
{
	if (src->st == AWS_CREDS_REFRESHING)
		return 0;
	return src->st == AWS_CREDS_IDLE || clock_mono_ms() >= src->retry_at;
}

static void
aws_creds_start(struct aws_creds_src *src)
{
	aws_creds_set_state(src, AWS_CREDS_REFRESHING);
	src->ops->fetch(src, src->state);
}

/* Starts a background fetch when one is due and allowed. */
static void
aws_creds_kick(struct aws_creds_src *src)
{
	int64_t now = clock_wall_ms();

	if (!aws_creds_may_fetch(src))
		return;
	if (src->st == AWS_CREDS_BACKOFF || !src->have || aws_creds_in_advisory(src, now))
		aws_creds_start(src);
}

static void
aws_creds_on_timer(evutil_socket_t fd, short what, void *arg)
{
	aws_creds_kick(arg);
}

/* The source's one timer: fires in ms, or never when ms is negative. */
static void
aws_creds_arm(struct aws_creds_src *src, int64_t ms)
{
	struct timeval tv;

	if (ms < 0) {
		if (src->timer != NULL)
			evtimer_del(src->timer);
		return;
	}
	if (src->timer == NULL) {
		if (loop_base() == NULL)
			return;
		src->timer = evtimer_new(loop_base(), aws_creds_on_timer, src);
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(src->timer, &tv);
}

/* Arms the timer for the start of the advisory window of fresh credentials. */
static void
aws_creds_arm_advisory(struct aws_creds_src *src)
{
	int64_t adv, mand, at;

	if (!src->have || src->creds.expires_ms == 0) {
		aws_creds_arm(src, -1);
		return;
	}
	aws_creds_windows(src, &adv, &mand);
	at = src->creds.expires_ms - adv - clock_wall_ms();
	aws_creds_arm(src, at < 0 ? 0 : at);
}

struct aws_creds_src *
aws_creds_src_create(const struct aws_creds_ops *ops, void *state)
{
	struct aws_creds_src *src = xcalloc(1, sizeof *src);

	src->ops = ops;
	src->state = state;
	src->st = AWS_CREDS_IDLE;
	src->advisory_ms = AWS_CREDS_ADVISORY_MS;
	src->mandatory_ms = AWS_CREDS_MANDATORY_MS;
	return src;
}

const char *
aws_creds_src_kind(const struct aws_creds_src *src)
{
	return src->ops->kind;
}

static void
aws_creds_release(struct aws_creds_src *src)
{
	free(src);
}

void
aws_creds_src_free(struct aws_creds_src *src)
{
	if (src == NULL || src->dead)
		return;
	if (src->st == AWS_CREDS_REFRESHING && src->ops->cancel != NULL)
		src->ops->cancel(src->state);
	aws_creds_wlist_free(&src->waiting);
	aws_creds_wlist_free(&src->delivering);
	if (src->timer != NULL)
		event_free(src->timer);
	src->timer = NULL;
	aws_creds_clear(&src->creds);
	src->have = 0;
	free(src->last_error);
	src->last_error = NULL;
	if (src->ops->free != NULL)
		src->ops->free(src->state);
	src->state = NULL;
	src->dead = 1;
	if (src->busy == 0)
		aws_creds_release(src);
}

/*
 * Serves every waiter present when a fetch ended, with a private copy of the
 * credentials so that a callback invalidating them cannot pull them from
 * under the next one.
 */
static void
aws_creds_deliver(struct aws_creds_src *src)
{
	struct aws_creds snap;
	struct aws_creds_wait *w;
	char *error = NULL;
	int ok = aws_creds_valid(src, clock_wall_ms());

	if (src->waiting.head == NULL)
		return;
	while ((w = src->waiting.head) != NULL) {
		aws_creds_wlist_remove(&src->waiting, w);
		aws_creds_wlist_append(&src->delivering, w, AWS_CREDS_WLIST_DELIVERING);
	}
	memset(&snap, 0, sizeof snap);
	if (ok)
		aws_creds_copy(&snap, &src->creds);
	else
		error = xstrdup(src->last_error != NULL ? src->last_error
		                                        : "no AWS credentials available");
	src->busy++;
	while (!src->dead && (w = src->delivering.head) != NULL) {
		aws_creds_wlist_remove(&src->delivering, w);
		w->cb(ok ? &snap : NULL, error, w->arg);
		free(w);
	}
	src->busy--;
	aws_creds_clear(&snap);
	free(error);
	if (src->dead && src->busy == 0)
		aws_creds_release(src);
}

static void
aws_creds_succeeded(struct aws_creds_src *src, const struct aws_creds *creds)
{
	char exp[32] = "never";

	aws_creds_clear(&src->creds);
	aws_creds_copy(&src->creds, creds);
	src->have = 1;
	src->obtained_wall = clock_wall_ms();
	src->obtained_mono = clock_mono_ms();
	src->failures = 0;
	free(src->last_error);
	src->last_error = NULL;
	aws_creds_set_state(src, AWS_CREDS_IDLE);
	aws_creds_arm_advisory(src);
	aws_creds_count(src, "success");
	if (creds->expires_ms != 0)
		timefmt_format(creds->expires_ms, 0, exp, sizeof exp);
	log_info("AWS credentials fetched", "source", src->ops->kind, "key_id",
	         creds->access_key_id, "expires", exp);
}

static void
aws_creds_failed(struct aws_creds_src *src, const char *error)
{
	uint64_t delay;
	char ms[32];

	delay = backoff_delay(AWS_CREDS_RETRY_BASE, AWS_CREDS_RETRY_CAP, src->failures, 0);
	src->failures++;
	free(src->last_error);
	src->last_error = xstrdup(error);
	src->retry_at = clock_mono_ms() + delay;
	aws_creds_set_state(src, AWS_CREDS_BACKOFF);
	/* Old credentials still valid: retry by ourselves before they run out. */
	aws_creds_arm(src, aws_creds_valid(src, clock_wall_ms()) ? (int64_t)delay : -1);
	aws_creds_count(src, "failure");
	snprintf(ms, sizeof ms, "%llu", (unsigned long long)delay);
	log_warn("AWS credential fetch failed", "source", src->ops->kind, "error", error,
	         "retry_in_ms", ms, "have_valid",
	         aws_creds_valid(src, clock_wall_ms()) ? "yes" : "no");
}

void
aws_creds_src_done(struct aws_creds_src *src, const struct aws_creds *creds, const char *error)
{
	char *why = NULL;

	if (creds != NULL && creds->expires_ms != 0 && creds->expires_ms <= clock_wall_ms()) {
		why = xasprintf("the %s source returned credentials that have already expired",
		                src->ops->kind);
		creds = NULL;
		error = why;
	}
	if (creds != NULL)
		aws_creds_succeeded(src, creds);
	else
		aws_creds_failed(src, error != NULL ? error : "credential fetch failed");
	free(why);
	aws_creds_deliver(src);
}

const struct aws_creds *
aws_creds_peek(struct aws_creds_src *src)
{
	if (aws_creds_usable(src, clock_wall_ms())) {
		aws_creds_kick(src);
		/* A fetch that finished at once may have replaced them: check again. */
		return aws_creds_usable(src, clock_wall_ms()) ? &src->creds : NULL;
	}
	if (aws_creds_may_fetch(src))
		aws_creds_start(src);
	return aws_creds_usable(src, clock_wall_ms()) ? &src->creds : NULL;
}

void
aws_creds_get(struct aws_creds_src *src, aws_creds_cb cb, void *arg, struct aws_creds_wait **wp)
{
	struct aws_creds_wait *w;
	int64_t now;

	if (wp != NULL)
		*wp = NULL;
	if (aws_creds_peek(src) != NULL) {
		cb(&src->creds, NULL, arg);
		return;
	}
	if (src->st == AWS_CREDS_REFRESHING) {
		w = xcalloc(1, sizeof *w);
		w->cb = cb;
		w->arg = arg;
		aws_creds_wlist_append(&src->waiting, w, AWS_CREDS_WLIST_WAITING);
		if (wp != NULL)
			*wp = w;
		return;
	}
	/* The last fetch failed and the next is not due yet. */
	now = clock_wall_ms();
	if (aws_creds_valid(src, now))
		cb(&src->creds, NULL, arg);
	else
		cb(NULL, src->last_error != NULL ? src->last_error : "no AWS credentials available",
		   arg);
}

void
aws_creds_cancel(struct aws_creds_src *src, struct aws_creds_wait *w)
{
	if (src == NULL || w == NULL)
		return;
	switch (w->list) {
	case AWS_CREDS_WLIST_WAITING:
		aws_creds_wlist_remove(&src->waiting, w);
		free(w);
		break;
	case AWS_CREDS_WLIST_DELIVERING:
		aws_creds_wlist_remove(&src->delivering, w);
		free(w);
		break;
	case AWS_CREDS_WLIST_NONE:
		/* Its callback is running: the delivery loop frees it. */
		break;
	}
}

void
aws_creds_invalidate(struct aws_creds_src *src)
{
	if (src->st == AWS_CREDS_REFRESHING || !src->have)
		return;
	if (clock_mono_ms() - src->obtained_mono < AWS_CREDS_INVALIDATE_MIN_AGE)
		return;
	log_info("dropping AWS credentials after a rejection", "source", src->ops->kind, "key_id",
	         src->creds.access_key_id);
	aws_creds_clear(&src->creds);
	src->have = 0;
	aws_creds_arm(src, -1);
}

void
aws_creds_set_windows(struct aws_creds_src *src, uint64_t advisory_ms, uint64_t mandatory_ms)
{
	src->advisory_ms = advisory_ms;
	src->mandatory_ms = mandatory_ms;
	if (src->have && src->st == AWS_CREDS_IDLE)
		aws_creds_arm_advisory(src);
}

char *
aws_creds_session_name(void)
{
	return xasprintf("pca-issuer-%lld", (long long)clock_wall_ms());
}

/* Static keys: the fetch hands back what it was given. */
static void
aws_creds_static_fetch(struct aws_creds_src *src, void *state)
{
	aws_creds_src_done(src, state, NULL);
}

static void
aws_creds_static_free(void *state)
{
	struct aws_creds *c = state;

	aws_creds_clear(c);
	free(c);
}

static const struct aws_creds_ops aws_creds_static_ops = {
    .kind = "static",
    .fetch = aws_creds_static_fetch,
    .free = aws_creds_static_free,
};

struct aws_creds_src *
aws_creds_static(const char *access_key_id, const char *secret_access_key,
                 const char *session_token)
{
	struct aws_creds *c = xcalloc(1, sizeof *c);
	struct aws_creds tmp = {(char *)(uintptr_t)access_key_id,
	                        (char *)(uintptr_t)secret_access_key,
	                        (char *)(uintptr_t)session_token, 0, 0};

	aws_creds_copy(c, &tmp);
	return aws_creds_src_create(&aws_creds_static_ops, c);
}

int
aws_creds_read_token(const char *path, char **out, char **cause)
{
	char chunk[4096];
	struct buf b = BUF_INIT;
	FILE *f;
	size_t n;
	int rc = 0;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		*cause = xasprintf("cannot read token file %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > 64 * 1024) {
			*cause = xasprintf("token file %s is larger than 64 KiB", path);
			rc = -1;
			break;
		}
		buf_add(&b, chunk, n);
	}
	if (rc == 0 && ferror(f)) {
		*cause = xasprintf("cannot read token file %s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	explicit_bzero(chunk, sizeof chunk);
	while (rc == 0 && b.len > 0 && strchr(" \t\r\n", b.p[b.len - 1]) != NULL)
		b.p[--b.len] = '\0';
	if (rc == 0 && (b.len == 0 || strlen(buf_str(&b)) != b.len)) {
		*cause = xasprintf("token file %s is empty or holds a NUL byte", path);
		rc = -1;
	}
	if (rc == 0)
		*out = buf_steal(&b);
	if (b.p != NULL)
		explicit_bzero(b.p, b.len);
	buf_clear(&b);
	return rc;
}
