/*
 * Emits Kubernetes Events through the recorder (kube/events.h) against an
 * API server, waits until every write has finished (nothing queued, in
 * flight or waiting to update a series), and prints one summary line:
 *   {"emitted":100,"posted":1,"patched":1,"series":99,"throttled":0,
 *    "dropped":0,"failed":0,"update_failed":0,"core":0,"elapsed_ms":412,...}
 *
 *   drv_events --kubeconfig F [--group G --version V]
 *       [--series-ms N] [--window-ms N] [--object-burst N] [--object-refill-ms N]
 *       [--rate R] [--burst B] [--in-flight N] [--max-queue N]
 *       [--controller C] [--instance I]
 *       --kind K --name N --uid U [--namespace NS] [--api-version AV]
 *       [--resource-version RV] [--type Normal|Warning] --reason R [--action A]
 *       [--note TEXT] [--count N] [--objects M] [--distinct-notes]
 *       [--spacing-ms N] [--timeout-ms N] [--metrics FILE]
 *
 * Each of the M objects (named NAME-i with uid UID-i when M > 1) gets the
 * event N times; --distinct-notes appends " #k" to the k-th note so that the
 * events differ. With --spacing-ms the rounds are that far apart; otherwise
 * all are emitted in one go. --group/--version replace events.k8s.io/v1 as
 * the first choice (a group that is not served exercises the core/v1
 * fallback). Exit status 0 when drained, 1 on timeout, 2 on usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/jenc.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/events.h"
#include "drv_common.h"

#define DRV_POLL_MS 20

struct drv {
	struct kube_events *ev;
	struct kube_event_ref ref;
	enum kube_event_type type;
	const char *reason, *action, *note;
	int count, objects, distinct, round;
	uint64_t spacing_ms, timeout_ms, t0;
	struct event *timer;
	int timed_out;
};

static void
drv_emit_round(struct drv *d)
{
	struct kube_event_ref ref = d->ref;
	char *name = NULL, *uid = NULL, *note = NULL;
	int i;

	for (i = 0; i < d->objects; i++) {
		if (d->objects > 1) {
			name = xasprintf("%s-%d", d->ref.name, i);
			uid = xasprintf("%s-%d", d->ref.uid, i);
			ref.name = name;
			ref.uid = uid;
		}
		if (d->distinct)
			note = xasprintf("%s #%d", d->note, d->round);
		kube_events_emit(d->ev, &ref, d->type, d->reason, d->action,
		                 note != NULL ? note : d->note);
		free(name);
		free(uid);
		free(note);
		name = uid = note = NULL;
	}
	d->round++;
}

static int
drv_drained(struct drv *d)
{
	struct kube_events_stats st;

	kube_events_stats(d->ev, &st);
	return st.queued == 0 && st.in_flight == 0 && st.dirty == 0;
}

static void
drv_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	uint64_t now = clock_mono_ms(), next = DRV_POLL_MS;
	struct timeval tv;

	(void)fd;
	(void)what;
	while (d->round < d->count &&
	       (d->spacing_ms == 0 || now >= d->t0 + d->round * d->spacing_ms))
		drv_emit_round(d);
	if (d->round >= d->count && drv_drained(d)) {
		loop_exit(0);
		return;
	}
	if (now - d->t0 > d->timeout_ms) {
		d->timed_out = 1;
		loop_exit(1);
		return;
	}
	if (d->round < d->count && d->spacing_ms < next)
		next = d->spacing_ms;
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)(next % 1000) * 1000;
	evtimer_add(d->timer, &tv);
}

static void
drv_summary(struct drv *d)
{
	struct kube_events_stats st;
	struct buf b = BUF_INIT;
	struct jenc e;

	kube_events_stats(d->ev, &st);
	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_int(&e, "emitted", (int64_t)st.emitted);
	jenc_kv_int(&e, "posted", (int64_t)st.posted);
	jenc_kv_int(&e, "patched", (int64_t)st.patched);
	jenc_kv_int(&e, "series", (int64_t)st.series);
	jenc_kv_int(&e, "throttled", (int64_t)st.throttled);
	jenc_kv_int(&e, "dropped", (int64_t)st.dropped);
	jenc_kv_int(&e, "failed", (int64_t)st.failed);
	jenc_kv_int(&e, "update_failed", (int64_t)st.update_failed);
	jenc_kv_int(&e, "core", st.core);
	jenc_kv_int(&e, "tracked_series", (int64_t)st.tracked_series);
	jenc_kv_int(&e, "tracked_objects", (int64_t)st.tracked_objects);
	jenc_kv_int(&e, "elapsed_ms", (int64_t)(clock_mono_ms() - d->t0));
	jenc_kv_bool(&e, "timed_out", d->timed_out);
	jenc_obj_close(&e);
	printf("%s\n", buf_str(&b));
	fflush(stdout);
	buf_clear(&b);
}

static void
drv_usage(void)
{
	fprintf(stderr, "usage: drv_events --kubeconfig F --kind K --name N --uid U --reason R "
	                "[options]; see the source\n");
	exit(2);
}

/* Parses the options into d, eo and the rest; exits 2 on a bad one. */
static void
drv_parse(int argc, char **argv, struct drv *d, struct kube_events_opts *eo,
          struct kube_resource *res, const char **kubeconfig, const char **metrics)
{
	static const struct option longopts[] = {{"kubeconfig", 1, NULL, 'k'},
	                                         {"group", 1, NULL, 'g'},
	                                         {"version", 1, NULL, 'V'},
	                                         {"series-ms", 1, NULL, 's'},
	                                         {"window-ms", 1, NULL, 'w'},
	                                         {"object-burst", 1, NULL, 'o'},
	                                         {"object-refill-ms", 1, NULL, 'O'},
	                                         {"rate", 1, NULL, 'r'},
	                                         {"burst", 1, NULL, 'b'},
	                                         {"in-flight", 1, NULL, 'f'},
	                                         {"max-queue", 1, NULL, 'q'},
	                                         {"controller", 1, NULL, 'c'},
	                                         {"instance", 1, NULL, 'I'},
	                                         {"kind", 1, NULL, 'K'},
	                                         {"name", 1, NULL, 'N'},
	                                         {"uid", 1, NULL, 'u'},
	                                         {"namespace", 1, NULL, 'n'},
	                                         {"api-version", 1, NULL, 'a'},
	                                         {"resource-version", 1, NULL, 'v'},
	                                         {"type", 1, NULL, 't'},
	                                         {"reason", 1, NULL, 'R'},
	                                         {"action", 1, NULL, 'A'},
	                                         {"note", 1, NULL, 'T'},
	                                         {"count", 1, NULL, 'C'},
	                                         {"objects", 1, NULL, 'M'},
	                                         {"distinct-notes", 0, NULL, 'D'},
	                                         {"spacing-ms", 1, NULL, 'S'},
	                                         {"timeout-ms", 1, NULL, 'x'},
	                                         {"metrics", 1, NULL, 'm'},
	                                         {NULL, 0, NULL, 0}};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			*kubeconfig = optarg;
			break;
		case 'g':
			res->group = optarg;
			eo->resource = res;
			break;
		case 'V':
			res->version = optarg;
			eo->resource = res;
			break;
		case 's':
			eo->series_interval_ms = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			eo->window_ms = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			eo->object_burst = atof(optarg);
			break;
		case 'O':
			eo->object_refill_ms = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			eo->rate = atof(optarg);
			break;
		case 'b':
			eo->burst = atof(optarg);
			break;
		case 'f':
			eo->max_in_flight = (unsigned)atoi(optarg);
			break;
		case 'q':
			eo->max_queue = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			eo->controller = optarg;
			break;
		case 'I':
			eo->instance = optarg;
			break;
		case 'K':
			d->ref.kind = optarg;
			break;
		case 'N':
			d->ref.name = optarg;
			break;
		case 'u':
			d->ref.uid = optarg;
			break;
		case 'n':
			d->ref.namespace = optarg;
			break;
		case 'a':
			d->ref.api_version = optarg;
			break;
		case 'v':
			d->ref.resource_version = optarg;
			break;
		case 't':
			d->type =
			    strcmp(optarg, "Warning") == 0 ? KUBE_EVENT_WARNING : KUBE_EVENT_NORMAL;
			break;
		case 'R':
			d->reason = optarg;
			break;
		case 'A':
			d->action = optarg;
			break;
		case 'T':
			d->note = optarg;
			break;
		case 'C':
			d->count = atoi(optarg);
			break;
		case 'M':
			d->objects = atoi(optarg);
			break;
		case 'D':
			d->distinct = 1;
			break;
		case 'S':
			d->spacing_ms = strtoull(optarg, NULL, 10);
			break;
		case 'x':
			d->timeout_ms = strtoull(optarg, NULL, 10);
			break;
		case 'm':
			*metrics = optarg;
			break;
		default:
			drv_usage();
		}
	}
	if (*kubeconfig == NULL || d->ref.kind == NULL || d->ref.name == NULL ||
	    d->ref.uid == NULL || d->reason == NULL || d->count < 1 || d->objects < 1)
		drv_usage();
}

int
main(int argc, char **argv)
{
	struct kube_resource res = {"events.k8s.io", "v1", "events", 1};
	const char *kubeconfig = NULL, *metrics = NULL;
	struct kube_events_opts eo;
	struct kube_config cfg;
	struct kube_client *kc = NULL;
	struct kube_auth *auth;
	struct http_client *http;
	struct timeval tv = {0, 0};
	struct drv d;
	char *cause = NULL;
	int status;

	memset(&eo, 0, sizeof eo);
	memset(&d, 0, sizeof d);
	d.count = d.objects = 1;
	d.note = "";
	d.timeout_ms = 60000;
	drv_parse(argc, argv, &d, &eo, &res, &kubeconfig, &metrics);
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG);
	loop_init();
	if (kube_config_load(kubeconfig, NULL, &cfg, &cause) != 0 ||
	    http_client_create(loop_base(), "drv_events", &http, &cause) != 0) {
		fprintf(stderr, "drv_events: %s\n", cause);
		return 2;
	}
	auth = kube_auth_create(loop_base(), &cfg);
	if (kube_client_create(http, &cfg, auth, NULL, &kc, &cause) != 0) {
		fprintf(stderr, "drv_events: %s\n", cause);
		return 2;
	}
	d.ev = kube_events_create(kc, &eo);
	d.timer = evtimer_new(loop_base(), drv_on_timer, &d);
	d.t0 = clock_mono_ms();
	evtimer_add(d.timer, &tv);
	status = loop_run();
	drv_summary(&d);
	drv_write_metrics(metrics);
	event_free(d.timer);
	kube_events_free(d.ev);
	kube_client_free(kc);
	kube_auth_free(auth);
	http_client_free(http);
	kube_config_clear(&cfg);
	loop_free();
	return status;
}
