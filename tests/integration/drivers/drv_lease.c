/*
 * Runs one leader-election candidate (kube/lease.h) against an API server
 * and reports what it sees as JSON lines on stdout, each with the wall-clock
 * time in ms so that a test can time a takeover across processes:
 *   {"event":"ready","identity":"a","wall_ms":...}
 *   {"event":"new_leader","holder":"b","wall_ms":...}
 *   {"event":"started","identity":"a","wall_ms":...}
 *   {"event":"stopped","identity":"a","wall_ms":...}
 *   {"event":"released","identity":"a","leader":0,"wall_ms":...}
 *
 *   drv_lease --kubeconfig F --namespace NS --name LEASE [--identity ID]
 *             [--lease-ms N] [--renew-ms N] [--retry-ms N]
 *             [--no-release] [--metrics FILE]
 *
 * SIGTERM releases the Lease (unless --no-release) and exits 0 once the
 * release is written; --metrics writes the metrics exposition to FILE then.
 * Exit status 2 on usage or set-up errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "kube/lease.h"
#include "drv_common.h"

struct drv {
	struct kube_lease *lease;
	int release;
};

static void
drv_print(const char *event, const char *key, const char *value, int leader)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "event", event);
	if (key != NULL)
		jenc_kv_str(&e, key, value);
	if (leader >= 0)
		jenc_kv_int(&e, "leader", leader);
	jenc_kv_int(&e, "wall_ms", clock_wall_ms());
	jenc_obj_close(&e);
	printf("%s\n", buf_str(&b));
	fflush(stdout);
	buf_clear(&b);
}

static void
drv_on_started(void *arg)
{
	struct drv *d = arg;

	drv_print("started", "identity", kube_lease_identity(d->lease), -1);
}

static void
drv_on_stopped(void *arg)
{
	struct drv *d = arg;

	drv_print("stopped", "identity", kube_lease_identity(d->lease), -1);
}

static void
drv_on_new_leader(const char *identity, void *arg)
{
	(void)arg;
	drv_print("new_leader", "holder", identity, -1);
}

static void
drv_on_released(void *arg)
{
	struct drv *d = arg;

	drv_print("released", "identity", kube_lease_identity(d->lease),
	          kube_lease_is_leader(d->lease));
	loop_release();
}

static void
drv_on_shutdown(void *arg)
{
	struct drv *d = arg;

	if (!d->release)
		return;
	loop_hold();
	kube_lease_release(d->lease, drv_on_released, d);
}

static void
drv_usage(void)
{
	fprintf(stderr, "usage: drv_lease --kubeconfig F --namespace NS --name LEASE "
	                "[--identity ID] [--lease-ms N] [--renew-ms N] [--retry-ms N] "
	                "[--no-release] [--metrics FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"kubeconfig", 1, NULL, 'k'}, {"namespace", 1, NULL, 'n'},
	    {"name", 1, NULL, 'N'},       {"identity", 1, NULL, 'i'},
	    {"lease-ms", 1, NULL, 'l'},   {"renew-ms", 1, NULL, 'r'},
	    {"retry-ms", 1, NULL, 'p'},   {"no-release", 0, NULL, 'R'},
	    {"metrics", 1, NULL, 'm'},    {NULL, 0, NULL, 0}};
	const char *kubeconfig = NULL, *metrics_path = NULL;
	struct kube_lease_opts lo;
	struct kube_config cfg;
	struct kube_client *kc = NULL;
	struct kube_auth *auth;
	struct http_client *http;
	struct drv d;
	char *cause = NULL;
	int ch, status;

	memset(&lo, 0, sizeof lo);
	memset(&d, 0, sizeof d);
	d.release = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'n':
			lo.namespace = optarg;
			break;
		case 'N':
			lo.name = optarg;
			break;
		case 'i':
			lo.identity = optarg;
			break;
		case 'l':
			lo.lease_duration_ms = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			lo.renew_deadline_ms = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			lo.retry_period_ms = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			d.release = 0;
			break;
		case 'm':
			metrics_path = optarg;
			break;
		default:
			drv_usage();
		}
	}
	if (kubeconfig == NULL || lo.namespace == NULL || lo.name == NULL)
		drv_usage();
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_INFO);
	loop_init();
	loop_catch_signals();
	if (kube_config_load(kubeconfig, NULL, &cfg, &cause) != 0 ||
	    http_client_create(loop_base(), "drv_lease", &http, &cause) != 0) {
		fprintf(stderr, "drv_lease: %s\n", cause);
		return 2;
	}
	auth = kube_auth_create(loop_base(), &cfg);
	lo.on_started_leading = drv_on_started;
	lo.on_stopped_leading = drv_on_stopped;
	lo.on_new_leader = drv_on_new_leader;
	lo.arg = &d;
	if (kube_client_create(http, &cfg, auth, NULL, &kc, &cause) != 0 ||
	    kube_lease_create(kc, &lo, &d.lease, &cause) != 0) {
		fprintf(stderr, "drv_lease: %s\n", cause);
		return 2;
	}
	loop_on_shutdown(drv_on_shutdown, &d);
	drv_print("ready", "identity", kube_lease_identity(d.lease), -1);
	kube_lease_start(d.lease);
	status = loop_run();
	drv_write_metrics(metrics_path);
	kube_lease_free(d.lease);
	kube_client_free(kc);
	kube_auth_free(auth);
	http_client_free(http);
	kube_config_clear(&cfg);
	loop_free();
	return status;
}
