/*
 * The watching half of a reflector (kube/reflector.h): a watch from the
 * last resourceVersion, each line an event handed to the owner, and what
 * ends a watch: a clean end watches again, an ERROR event or 410 lists
 * again, and so does a line over the cap or one that is not an event, since
 * the same resourceVersion would bring the same line again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/metrics.h"
#include "kube/reflector_impl.h"

/* ---- watching ---- */

static int kube_refl_on_line(const char *line, size_t len, void *arg);
static void kube_refl_on_watch_end(const struct kube_resp *resp, void *arg);

void
kube_refl_watch(struct kube_reflector *r)
{
	struct buf b = BUF_INIT;
	char timeout[16];

	kube_refl_base_path(r, &b);
	kube_path_query_add(&b, "watch", "1");
	kube_path_query_add(&b, "resourceVersion", r->rv != NULL ? r->rv : "");
	kube_path_query_add(&b, "allowWatchBookmarks", "true");
	/* Spread out so that many clients' watches do not all end together. */
	snprintf(timeout, sizeof timeout, "%u",
	         r->o.watch_timeout_s > 0
	             ? r->o.watch_timeout_s
	             : KUBE_REFL_WATCH_MIN_S +
	                   (unsigned)backoff_rand(KUBE_REFL_WATCH_SPREAD_S + 1));
	kube_path_query_add(&b, "timeoutSeconds", timeout);
	kube_refl_set_state(r, KUBE_REFL_WATCHING);
	r->watch_start_ms = clock_mono_ms();
	r->watch_events = 0;
	r->stop = KUBE_REFL_STOP_NONE;
	r->call = kube_client_watch(r->c, buf_str(&b), r->o.max_line, kube_refl_on_line,
	                            kube_refl_on_watch_end, r);
	buf_clear(&b);
}

/* An ERROR event: the Status it carries decides nothing but the log. */
static int
kube_refl_error_event(struct kube_reflector *r, const struct jtok *d, int obj)
{
	char *msg = NULL;

	r->stop = KUBE_REFL_STOP_ERROR;
	r->stop_code = 0;
	(void)jtok_get_int(d, obj, "code", &r->stop_code);
	(void)jtok_get_str(d, obj, "message", &msg);
	log_info("watch ended by an error event", "resource", r->resource, "error", msg);
	free(msg);
	return -1;
}

static int
kube_refl_on_line(const char *line, size_t len, void *arg)
{
	struct kube_reflector *r = arg;
	struct jtok *d = NULL;
	char *cause = NULL, *rv = NULL;
	int type, obj, rc = 0;

	if (jtok_parse(line, len, &d, &cause) != 0 ||
	    (type = jtok_get(d, JTOK_ROOT, "type")) == -1 ||
	    jtok_type(d, obj = jtok_get(d, JTOK_ROOT, "object")) != JTOK_OBJECT) {
		log_warn("watch line is not an event", "resource", r->resource, "error",
		         cause != NULL ? cause : "no type or object");
		free(cause);
		jtok_free(d);
		r->stop = KUBE_REFL_STOP_DECODE;
		return -1;
	}
	r->watch_events++;
	if (jtok_streq(d, type, "ADDED") || jtok_streq(d, type, "MODIFIED"))
		kube_refl_upsert(r, d, obj);
	else if (jtok_streq(d, type, "DELETED"))
		kube_refl_delete(r, d, obj);
	else if (jtok_streq(d, type, "ERROR"))
		rc = kube_refl_error_event(r, d, obj);
	if (rc == 0 && !r->dead) {
		(void)jtok_get_str(d, jtok_get(d, obj, "metadata"), "resourceVersion", &rv);
		kube_refl_set_rv(r, rv);
		free(rv);
	}
	jtok_free(d);
	return r->dead ? -1 : rc;
}

static void
kube_refl_restart(struct kube_reflector *r, const char *reason, int now)
{
	metrics_inc(kube_refl_m_restarts, r->resource, reason);
	if (now) {
		r->attempt = 0;
		kube_refl_watch(r);
	} else
		kube_refl_backoff(r, 0);
}

static void
kube_refl_on_watch_end(const struct kube_resp *resp, void *arg)
{
	struct kube_reflector *r = arg;
	int fruitless =
	    r->watch_events == 0 && clock_mono_ms() - r->watch_start_ms < KUBE_REFL_SHORT_WATCH_MS;
	char status[24];

	r->call = NULL;
	snprintf(status, sizeof status, "%ld", resp->status);
	if (resp->err == KUBE_ERR_STOPPED && r->stop == KUBE_REFL_STOP_ERROR)
		kube_refl_relist(r, r->stop_code == 410 ? "expired" : "error_event", !fruitless);
	else if (resp->err == KUBE_ERR_STOPPED) {
		/*
		 * Watching again from the same resourceVersion would bring the same
		 * line: list instead, which passes over what cannot be read.
		 */
		metrics_inc(kube_refl_m_restarts, r->resource, "decode");
		kube_refl_relist(r, "decode", 0);
	} else if (resp->err == KUBE_ERR_LINE_TOO_LONG) {
		log_warn("watch event over the line cap; listing again", "resource", r->resource);
		metrics_inc(kube_refl_m_restarts, r->resource, "too_long");
		kube_refl_relist(r, "too_long", 0);
	} else if (resp->err != KUBE_OK) {
		log_info("watch broke", "resource", r->resource, "error", resp->message);
		kube_refl_restart(r, "error", 0);
	} else if (resp->status == 410)
		kube_refl_relist(r, "expired", !fruitless);
	else if (resp->status == 200)
		kube_refl_restart(r, "closed", !fruitless);
	else {
		log_warn("watch refused", "resource", r->resource, "status", status, "reason",
		         resp->reason, "error", resp->message);
		kube_refl_restart(r, "http_error", 0);
	}
}

int
kube_reflector_feed_line(struct kube_reflector *r, const char *line, size_t len)
{
	return kube_refl_on_line(line, len, r);
}
