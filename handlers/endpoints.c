/*
 * The /metrics, /healthz and /readyz handlers on one or two small HTTP
 * servers. Readiness is whatever the checks registered in core/health say;
 * a change of it is logged, since a pod dropping out of its Service is
 * otherwise hard to explain afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/health.h"
#include "core/httpd.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "handlers/endpoints.h"

#define ENDPOINTS_TEXT    "text/plain; charset=utf-8"
#define ENDPOINTS_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct endpoints {
	struct httpd *metrics; /* NULL when disabled */
	struct httpd *probe;   /* NULL when disabled; may be the same as metrics */
	struct buf out;        /* reused between scrapes */
	int last_ready;        /* -1 before the first /readyz */
};

static struct metric *endpoints_scrapes;

static int
endpoints_disabled(const char *addr)
{
	return addr == NULL || *addr == '\0' || strcmp(addr, "0") == 0;
}

/* Whether addr asks for any free port, which two listeners cannot share. */
static int
endpoints_port_zero(const char *addr)
{
	const char *colon = strrchr(addr, ':');

	return colon != NULL && colon[1] != '\0' && strspn(colon + 1, "0") == strlen(colon + 1);
}

static void
endpoints_on_metrics(struct httpd_req *req, void *arg)
{
	struct endpoints *e = arg;

	metrics_inc(endpoints_scrapes);
	buf_reset(&e->out);
	metrics_write(&e->out);
	httpd_reply(req, 200, ENDPOINTS_METRICS, buf_str(&e->out), e->out.len);
}

static void
endpoints_on_healthz(struct httpd_req *req, void *arg)
{
	httpd_reply(req, 200, ENDPOINTS_TEXT, "ok", 2);
}

static void
endpoints_on_readyz(struct httpd_req *req, void *arg)
{
	struct endpoints *e = arg;
	struct buf report = BUF_INIT;
	int ready = health_ready(&report);

	if (ready != e->last_ready) {
		if (ready)
			log_info("ready");
		else
			log_warn("not ready", "checks", buf_str(&report));
		e->last_ready = ready;
	}
	if (ready && !httpd_req_has_param(req, "verbose"))
		httpd_reply(req, 200, ENDPOINTS_TEXT, "ok", 2);
	else {
		buf_adds(&report, ready ? "readyz check passed\n" : "readyz check failed\n");
		httpd_reply(req, ready ? 200 : 503, ENDPOINTS_TEXT, buf_str(&report), report.len);
	}
	buf_clear(&report);
}

static int
endpoints_listen(const char *addr, const char *what, struct httpd **out, char **cause)
{
	char *why;

	if (httpd_create(loop_base(), addr, out, &why) != 0) {
		*cause = xasprintf("%s endpoint: %s", what, why);
		free(why);
		return -1;
	}
	log_info("serving", "endpoint", what, "address", addr);
	return 0;
}

int
endpoints_create(const char *metrics_addr, const char *probe_addr, struct endpoints **out,
                 char **cause)
{
	struct endpoints *e = xcalloc(1, sizeof *e);

	*out = NULL;
	e->last_ready = -1;
	endpoints_scrapes = metrics_counter("pca_issuer_metrics_scrapes_total",
	                                    "Requests served by the metrics endpoint.", NULL);
	if (!endpoints_disabled(metrics_addr) &&
	    endpoints_listen(metrics_addr, "metrics", &e->metrics, cause) != 0)
		goto fail;
	if (e->metrics != NULL && !endpoints_disabled(probe_addr) &&
	    strcmp(metrics_addr, probe_addr) == 0 && !endpoints_port_zero(probe_addr))
		e->probe = e->metrics;
	else if (!endpoints_disabled(probe_addr) &&
	         endpoints_listen(probe_addr, "health probe", &e->probe, cause) != 0)
		goto fail;
	if (e->metrics != NULL)
		httpd_route(e->metrics, "/metrics", endpoints_on_metrics, e);
	if (e->probe != NULL) {
		httpd_route(e->probe, "/healthz", endpoints_on_healthz, e);
		httpd_route(e->probe, "/readyz", endpoints_on_readyz, e);
	}
	*out = e;
	return 0;
fail:
	endpoints_free(e);
	return -1;
}

void
endpoints_free(struct endpoints *e)
{
	if (e == NULL)
		return;
	if (e->probe != e->metrics)
		httpd_free(e->probe);
	httpd_free(e->metrics);
	buf_clear(&e->out);
	free(e);
}

int
endpoints_metrics_port(const struct endpoints *e)
{
	return e->metrics != NULL ? httpd_port(e->metrics) : -1;
}

int
endpoints_probe_port(const struct endpoints *e)
{
	return e->probe != NULL ? httpd_port(e->probe) : -1;
}
