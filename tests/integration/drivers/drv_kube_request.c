/*
 * Sends one request through the Kubernetes client (kube/client.h) and
 * prints what the caller gets as one JSON line:
 *   {"err":0,"status":409,"reason":"Conflict","message":"...","body":"..."}
 *
 *   drv_kube_request (--kubeconfig FILE | --server URL --ca FILE
 *                     [--token T | --cert F --key F])
 *       --method GET|POST|PUT|DELETE|MERGE|JSONPATCH|APPLY --path P
 *       [--body JSON | --body-file F] [--field-manager M] [--force]
 *       [--retries N] [--count N --concurrency C]
 *
 * With --count, the request is sent N times, at most C at once, with each
 * "{{N}}" in the path and body replaced by the request's index (0-based,
 * five digits), and the only output is a summary line:
 *   {"count":N,"ok":N,"failed":0,"seconds":1.5,"first_error":""}
 * (ok: a 2xx answer). That is how the tests create thousands of objects.
 *
 * Exit status 0 whatever the server answered, 2 on usage.
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
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"
#include "drv_common.h"

struct drv {
	struct kube_client *kc;
	const char *method, *path, *body, *fm;
	int force;
	int count, concurrency, started, finished, ok;
	char *first_error;
};

static void drv_next(struct drv *d);

static void
drv_print(const struct kube_resp *resp)
{
	struct buf out = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &out);
	jenc_obj_open(&e);
	jenc_kv_int(&e, "err", resp->err);
	jenc_kv_int(&e, "status", resp->status);
	jenc_kv_str(&e, "reason", resp->reason);
	jenc_kv_str(&e, "message", resp->message);
	jenc_key(&e, "body");
	jenc_strn(&e, resp->body.p, resp->body.len);
	jenc_obj_close(&e);
	printf("%s\n", buf_str(&out));
	buf_clear(&out);
}

static void
drv_on_done(const struct kube_resp *resp, void *arg)
{
	struct drv *d = arg;

	d->finished++;
	if (d->count == 1)
		drv_print(resp);
	if (resp->err == KUBE_OK && resp->status >= 200 && resp->status < 300)
		d->ok++;
	else if (d->first_error == NULL)
		d->first_error =
		    xasprintf("HTTP %ld %s %s", resp->status, resp->reason, resp->message);
	if (d->finished == d->count)
		loop_exit(0);
	else
		drv_next(d);
}

/* Replaces each "{{N}}" of s with the index i. */
static char *
drv_expand(const char *s, int i)
{
	struct buf b = BUF_INIT;
	const char *p;

	if (s == NULL)
		return NULL;
	while ((p = strstr(s, "{{N}}")) != NULL) {
		buf_add(&b, s, (size_t)(p - s));
		buf_printf(&b, "%05d", i);
		s = p + 5;
	}
	buf_adds(&b, s);
	return buf_steal(&b);
}

static void
drv_usage(void)
{
	fprintf(stderr,
	        "usage: drv_kube_request (--kubeconfig F | --server URL --ca FILE "
	        "[--token T | --cert F --key F]) --method M --path P [--body JSON | --body-file F] "
	        "[--field-manager M] [--force] [--retries N] [--count N "
	        "--concurrency C]\n");
	exit(2);
}

/* Starts the request the method names; NULL for an unknown method. */
static struct kube_call *
drv_start(struct drv *d, const char *path, const char *body)
{
	size_t len = body != NULL ? strlen(body) : 0;
	struct kube_client *kc = d->kc;

	if (strcmp(d->method, "GET") == 0)
		return kube_client_get(kc, path, drv_on_done, d);
	if (strcmp(d->method, "DELETE") == 0)
		return kube_client_delete(kc, path, drv_on_done, d);
	if (body == NULL)
		drv_usage();
	if (strcmp(d->method, "POST") == 0)
		return kube_client_post(kc, path, body, len, drv_on_done, d);
	if (strcmp(d->method, "PUT") == 0)
		return kube_client_put(kc, path, body, len, drv_on_done, d);
	if (strcmp(d->method, "MERGE") == 0)
		return kube_client_patch(kc, path, KUBE_PATCH_MERGE, body, len, d->fm, d->force,
		                         drv_on_done, d);
	if (strcmp(d->method, "JSONPATCH") == 0)
		return kube_client_patch(kc, path, KUBE_PATCH_JSON, body, len, d->fm, d->force,
		                         drv_on_done, d);
	if (strcmp(d->method, "APPLY") == 0)
		return kube_client_patch(kc, path, KUBE_PATCH_APPLY, body, len, d->fm, d->force,
		                         drv_on_done, d);
	return NULL;
}

/* Starts the next request while there are some left and room for them. */
static void
drv_next(struct drv *d)
{
	char *path, *body;

	while (d->started < d->count && d->started - d->finished < d->concurrency) {
		path = drv_expand(d->path, d->started);
		body = drv_expand(d->body, d->started);
		d->started++;
		if (drv_start(d, path, body) == NULL)
			drv_usage();
		free(path);
		free(body);
	}
}

static void
drv_summary(struct drv *d, uint64_t ms)
{
	struct buf out = BUF_INIT;
	struct jenc e;
	char secs[32];

	snprintf(secs, sizeof secs, "%.3f", (double)ms / 1000);
	jenc_init(&e, &out);
	jenc_obj_open(&e);
	jenc_kv_int(&e, "count", d->count);
	jenc_kv_int(&e, "ok", d->ok);
	jenc_kv_int(&e, "failed", d->finished - d->ok);
	jenc_key(&e, "seconds");
	jenc_raw(&e, secs, strlen(secs));
	jenc_kv_str(&e, "first_error", d->first_error != NULL ? d->first_error : "");
	jenc_obj_close(&e);
	printf("%s\n", buf_str(&out));
	buf_clear(&out);
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
	                                         {"method", 1, NULL, 'M'},
	                                         {"path", 1, NULL, 'p'},
	                                         {"body", 1, NULL, 'b'},
	                                         {"body-file", 1, NULL, 'B'},
	                                         {"field-manager", 1, NULL, 'f'},
	                                         {"force", 0, NULL, 'F'},
	                                         {"retries", 1, NULL, 'r'},
	                                         {"count", 1, NULL, 'n'},
	                                         {"concurrency", 1, NULL, 'j'},
	                                         {NULL, 0, NULL, 0}};
	char *body = NULL, *cause = NULL;
	struct kube_client_opts co;
	struct kube_config cfg, loaded;
	struct kube_auth *auth = NULL;
	const char *kubeconfig = NULL;
	struct http_client *http;
	struct drv d;
	uint64_t t0;
	int ch;

	memset(&cfg, 0, sizeof cfg);
	memset(&co, 0, sizeof co);
	memset(&d, 0, sizeof d);
	d.count = 1;
	d.concurrency = 16;
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
		case 'M':
			d.method = optarg;
			break;
		case 'p':
			d.path = optarg;
			break;
		case 'b':
			body = xstrdup(optarg);
			break;
		case 'B':
			body = drv_read_file(optarg);
			break;
		case 'f':
			d.fm = optarg;
			break;
		case 'F':
			d.force = 1;
			break;
		case 'r':
			co.max_retries = (unsigned)atoi(optarg);
			break;
		case 'n':
			d.count = atoi(optarg);
			break;
		case 'j':
			d.concurrency = atoi(optarg);
			break;
		default:
			drv_usage();
		}
	}
	if ((cfg.server == NULL && kubeconfig == NULL) || d.method == NULL || d.path == NULL ||
	    d.count < 1 || d.concurrency < 1)
		drv_usage();
	d.body = body;
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_WARN);
	loop_init();
	memset(&loaded, 0, sizeof loaded);
	if (kubeconfig != NULL) {
		if (kube_config_load(kubeconfig, NULL, &loaded, &cause) != 0) {
			fprintf(stderr, "drv_kube_request: %s\n", cause);
			return 2;
		}
		auth = kube_auth_create(loop_base(), &loaded);
	}
	if (http_client_create(loop_base(), "drv_kube_request", &http, &cause) != 0 ||
	    kube_client_create(http, kubeconfig != NULL ? &loaded : &cfg, auth, &co, &d.kc,
	                       &cause) != 0) {
		fprintf(stderr, "drv_kube_request: %s\n", cause);
		return 2;
	}
	t0 = clock_mono_ms();
	drv_next(&d);
	loop_run();
	if (d.count > 1)
		drv_summary(&d, clock_mono_ms() - t0);
	kube_client_free(d.kc);
	http_client_free(http);
	kube_auth_free(auth);
	kube_config_clear(&loaded);
	loop_free();
	free(body);
	free(d.first_error);
	free(cfg.ca_pem);
	free(cfg.client_cert_pem);
	free(cfg.client_key_pem);
	return d.finished == d.count ? 0 : 1;
}
