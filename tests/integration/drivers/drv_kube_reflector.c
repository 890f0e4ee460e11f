/*
 * Runs a CertificateRequest reflector (kube/reflector.h) against a real API
 * server for the integration tests and the benchmark, and reports what its
 * owner is told, one line per event on stdout:
 *
 *   UPSERT <ns>/<name> <resourceVersion>   an object kept (tracked)
 *   DELETE <ns>/<name> <resourceVersion>   a tracked object gone
 *   SYNCED <tracked> <resourceVersion>     a complete list delivered
 *   RV <resourceVersion>                   (--print-rv) the reflector's rv moved
 *
 * Commands on stdin, one per line:
 *   dump     DUMP <n>, then "OBJ <ns>/<name> <rv>" per object kept, then END
 *   stats    STATS upserts=.. deletes=.. offered=.. tracked=.. rv=.. synced=..
 *            maxrss_kb=.. cpu_s=..
 *   metrics  the metrics registry in the exposition format, then END
 *   health   the /readyz report of core/health.h, then END
 *   quit     exits (so does end of input)
 *
 *   drv_kube_reflector (--kubeconfig FILE | --server URL --ca FILE
 *                       [--token T | --cert F --key F])
 *       [--namespace NS] [--label-selector S] [--field-selector S]
 *       [--issuer NAME] [--page-size N] [--max-line N] [--watch-timeout S]
 *       [--qps N] [--max-body N] [--quiet] [--print-rv]
 *
 * --issuer keeps only CertificateRequests whose issuerRef.name is NAME (the
 * others are offered and let go, as pca-issuer does with other issuers').
 * --quiet leaves out the UPSERT and DELETE lines.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/health.h"
#include "core/http.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/reflector.h"
#include "kube/types.h"
#include "drv_common.h"

struct drv {
	struct http_client *http;
	struct kube_client *kc;
	struct kube_reflector *r;
	const char *issuer;
	int quiet, print_rv;
	struct smap *kept; /* "ns/name" -> struct kube_cr */
	unsigned long long upserts, deletes, offered, syncs;
	struct event *in_ev, *tick;
	struct buf in;
	char *last_rv;
};

static char *
drv_key(const struct kube_meta *m)
{
	return *m->namespace != '\0' ? xasprintf("%s/%s", m->namespace, m->name) : xstrdup(m->name);
}

static void
drv_cr_free(void *p)
{
	kube_cr_free(p);
}

static int
drv_on_upsert(const struct kube_meta *meta, void *obj, void *arg)
{
	struct drv *d = arg;
	struct kube_cr *cr = obj;
	char *key;

	d->offered++;
	if (d->issuer != NULL && (cr->issuer_name == NULL || strcmp(cr->issuer_name, d->issuer)))
		return 0;
	d->upserts++;
	key = drv_key(meta);
	kube_cr_free(smap_put(d->kept, key, cr, NULL));
	if (!d->quiet)
		printf("UPSERT %s %s\n", key, meta->resource_version);
	free(key);
	return 1;
}

static void
drv_on_delete(const struct kube_meta *meta, void *arg)
{
	struct drv *d = arg;
	char *key = drv_key(meta);

	d->deletes++;
	kube_cr_free(smap_del(d->kept, key));
	if (!d->quiet)
		printf("DELETE %s %s\n", key, meta->resource_version);
	free(key);
}

static void
drv_on_synced(void *arg)
{
	struct drv *d = arg;

	d->syncs++;
	printf("SYNCED %zu %s\n", kube_reflector_tracked(d->r),
	       kube_reflector_resource_version(d->r));
	fflush(stdout);
}

static void
drv_dump(struct drv *d)
{
	struct smap_iter it;
	const char *key;
	void *v;

	printf("DUMP %zu\n", smap_count(d->kept));
	smap_iter_init(&it);
	while (smap_next(d->kept, &it, &key, &v))
		printf("OBJ %s %s\n", key, ((struct kube_cr *)v)->resource_version);
	printf("END\n");
}

/*
 * The peak resident set from /proc: getrusage's ru_maxrss would include the
 * peak of the process that forked and exec'd this one.
 */
static long
drv_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	}
	fclose(f);
	return kb;
}

static void
drv_stats(struct drv *d)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("STATS upserts=%llu deletes=%llu offered=%llu syncs=%llu tracked=%zu kept=%zu "
	       "rv=%s synced=%d maxrss_kb=%ld cpu_s=%.3f\n",
	       d->upserts, d->deletes, d->offered, d->syncs, kube_reflector_tracked(d->r),
	       smap_count(d->kept), kube_reflector_resource_version(d->r),
	       kube_reflector_synced(d->r), drv_peak_rss_kb(),
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

static void
drv_command(struct drv *d, const char *line)
{
	struct buf b = BUF_INIT;

	if (strcmp(line, "dump") == 0)
		drv_dump(d);
	else if (strcmp(line, "stats") == 0)
		drv_stats(d);
	else if (strcmp(line, "metrics") == 0) {
		metrics_write_registry(&b);
		fwrite(b.p != NULL ? b.p : "", 1, b.len, stdout);
		printf("END\n");
		buf_clear(&b);
	} else if (strcmp(line, "health") == 0) {
		health_ready(&b);
		fwrite(b.p != NULL ? b.p : "", 1, b.len, stdout);
		printf("END\n");
		buf_clear(&b);
	} else if (strcmp(line, "quit") == 0)
		loop_exit(0);
	else
		printf("ERROR unknown command %s\n", line);
	fflush(stdout);
}

static void
drv_on_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	char chunk[512], *nl;
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n <= 0) {
		loop_exit(0);
		return;
	}
	buf_add(&d->in, chunk, (size_t)n);
	while ((nl = memchr(d->in.p, '\n', d->in.len)) != NULL) {
		*nl = '\0';
		drv_command(d, d->in.p);
		buf_consume(&d->in, (size_t)(nl - d->in.p) + 1);
	}
}

/* Flushes the event lines, and reports a moved resourceVersion with --print-rv. */
static void
drv_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	const char *rv = kube_reflector_resource_version(d->r);

	if (d->print_rv && *rv != '\0' && (d->last_rv == NULL || strcmp(d->last_rv, rv) != 0)) {
		free(d->last_rv);
		d->last_rv = xstrdup(rv);
		printf("RV %s\n", rv);
	}
	fflush(stdout);
}

static void
drv_usage(void)
{
	fprintf(stderr, "usage: drv_kube_reflector (--kubeconfig F | --server URL --ca FILE "
	                "[--token T | --cert F --key F]) [--namespace NS] [--label-selector S] "
	                "[--field-selector S] "
	                "[--issuer NAME] [--page-size N] [--max-line N] [--watch-timeout S] "
	                "[--qps N] [--max-body N] [--quiet] [--print-rv]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {{"server", 1, NULL, 's'},
	                                         {"kubeconfig", 1, NULL, 'k'},
	                                         {"ca", 1, NULL, 'c'},
	                                         {"token", 1, NULL, 't'},
	                                         {"cert", 1, NULL, 'C'},
	                                         {"key", 1, NULL, 'K'},
	                                         {"namespace", 1, NULL, 'n'},
	                                         {"label-selector", 1, NULL, 'l'},
	                                         {"field-selector", 1, NULL, 'f'},
	                                         {"issuer", 1, NULL, 'i'},
	                                         {"page-size", 1, NULL, 'p'},
	                                         {"max-line", 1, NULL, 'm'},
	                                         {"watch-timeout", 1, NULL, 'w'},
	                                         {"qps", 1, NULL, 'q'},
	                                         {"max-body", 1, NULL, 'B'},
	                                         {"quiet", 0, NULL, 'Q'},
	                                         {"print-rv", 0, NULL, 'R'},
	                                         {NULL, 0, NULL, 0}};
	struct kube_reflector_opts ro;
	struct kube_client_opts co;
	struct kube_config cfg, loaded;
	struct kube_auth *auth = NULL;
	const char *kubeconfig = NULL;
	struct drv d;
	struct timeval tv = {0, 100000};
	char *cause = NULL;
	int ch, rc;

	memset(&cfg, 0, sizeof cfg);
	memset(&co, 0, sizeof co);
	memset(&ro, 0, sizeof ro);
	memset(&d, 0, sizeof d);
	ro.type = &kube_type_cr;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			cfg.server = optarg;
			break;
		case 'k':
			kubeconfig = optarg;
			break;
		case 'c':
			cfg.ca_pem = drv_read_file(optarg);
			break;
		case 't':
			cfg.token = optarg;
			break;
		case 'C':
			cfg.client_cert_pem = drv_read_file(optarg);
			break;
		case 'K':
			cfg.client_key_pem = drv_read_file(optarg);
			break;
		case 'n':
			ro.namespace = optarg;
			break;
		case 'l':
			ro.label_selector = optarg;
			break;
		case 'f':
			ro.field_selector = optarg;
			break;
		case 'i':
			d.issuer = optarg;
			break;
		case 'p':
			ro.page_size = (unsigned)atoi(optarg);
			break;
		case 'm':
			ro.max_line = (size_t)atol(optarg);
			break;
		case 'w':
			ro.watch_timeout_s = (unsigned)atoi(optarg);
			break;
		case 'q':
			co.qps = atof(optarg);
			co.burst = (int)co.qps * 2;
			break;
		case 'B':
			co.max_body = (size_t)atol(optarg);
			break;
		case 'Q':
			d.quiet = 1;
			break;
		case 'R':
			d.print_rv = 1;
			break;
		default:
			drv_usage();
		}
	}
	if (cfg.server == NULL && kubeconfig == NULL)
		drv_usage();
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_INFO);
	loop_init();
	memset(&loaded, 0, sizeof loaded);
	if (kubeconfig != NULL) {
		if (kube_config_load(kubeconfig, NULL, &loaded, &cause) != 0) {
			fprintf(stderr, "drv_kube_reflector: %s\n", cause);
			return 2;
		}
		auth = kube_auth_create(loop_base(), &loaded);
	}
	if (http_client_create(loop_base(), "drv_kube_reflector", &d.http, &cause) != 0 ||
	    kube_client_create(d.http, kubeconfig != NULL ? &loaded : &cfg, auth, &co, &d.kc,
	                       &cause) != 0) {
		fprintf(stderr, "drv_kube_reflector: %s\n", cause);
		return 2;
	}
	d.kept = smap_create();
	ro.on_upsert = drv_on_upsert;
	ro.on_delete = drv_on_delete;
	ro.on_synced = drv_on_synced;
	ro.arg = &d;
	d.r = kube_reflector_create(d.kc, &ro);
	d.in_ev = event_new(loop_base(), 0, EV_READ | EV_PERSIST, drv_on_stdin, &d);
	d.tick = event_new(loop_base(), -1, EV_PERSIST, drv_on_tick, &d);
	event_add(d.in_ev, NULL);
	event_add(d.tick, &tv);
	kube_reflector_start(d.r);
	rc = loop_run();
	fflush(stdout);
	kube_reflector_free(d.r);
	kube_client_free(d.kc);
	http_client_free(d.http);
	kube_auth_free(auth);
	kube_config_clear(&loaded);
	smap_free(d.kept, drv_cr_free);
	event_free(d.in_ev);
	event_free(d.tick);
	buf_clear(&d.in);
	free(d.last_rv);
	free(cfg.ca_pem);
	free(cfg.client_cert_pem);
	free(cfg.client_key_pem);
	loop_free();
	return rc;
}
