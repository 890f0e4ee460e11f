/*
 * Benchmark of the CertificateRequest controller alone, with the API server
 * and AWS taken out: the controller is driven in-process through its test
 * seam (tests/unit/handlers/fakeio.h) with watch lines and answers rendered
 * before the clock starts, so what is timed is what pca-issuer does per
 * request: decode the watch events and every write's answer, parse and
 * verify the CSR, build IssueCertificate, check the issued leaf against the
 * CSR, split the chain, encode the writes. No sockets, one core.
 *
 * Prints requests/s and CPU per request, next to the floor measured in the
 * same run (what handlers/csr.c must do per certificate, called directly: a
 * CSR parsed and its signature verified, the leaf's key compared with it, the
 * chain split) and their ratio. BENCH_CERTREQS_N sets
 * the number of requests (default 5,000). It fails only if a request does
 * not end Issued.
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <sys/resource.h>

#include <time.h>

#include <event2/event.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "handlers/certreqs.h"
#include "handlers/csr.h"
#include "handlers/issuers.h"
#include "handlers/fakeio.h"
#include "handlers/testpki.h"

#define CA_ARN "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0000-1111"
#define NS     "bench"
#define BATCH  500

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000);
static struct aws_creds_env env;
static struct issuers *issuers;
static struct certreqs *certreqs;
static char *req_pem, *leaf_pem, *chain_pem;

/* Each request's object at each step, rendered before timing. */
enum { ST_ADDED, ST_STARTED, ST_ARN, ST_DONE, ST_N };
struct req {
	struct fk_cr cr;
	char *json[ST_N];
	char *watch_line;
};

static struct req *reqs;
static long done;

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
settle(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		issuers_poll(issuers);
		certreqs_poll(certreqs);
		event_base_loop(loop_base(), EVLOOP_NONBLOCK);
	}
}

static void
on_issuer_change(const char *key, void *arg)
{
	(void)arg;
	certreqs_issuer_changed(certreqs, key);
}

static void
render(long n)
{
	long i;
	char name[32], uid[64];

	reqs = xcalloc((size_t)n, sizeof *reqs);
	for (i = 0; i < n; i++) {
		struct req *r = &reqs[i];
		char *json;

		snprintf(name, sizeof name, "r%06ld", i);
		snprintf(uid, sizeof uid, "5e0c0000-0000-4000-8000-%012ld", i);
		fk_cr_init(&r->cr, NS, name, uid, "AWSPCAIssuer", "pca", req_pem);
		r->cr.approved = 1;
		r->cr.rv = 1000 + i * 10;
		r->json[ST_ADDED] = fk_cr_json(&r->cr);
		snprintf(r->cr.started, sizeof r->cr.started, "2026-01-01T00:00:00Z");
		r->cr.rv++;
		r->json[ST_STARTED] = fk_cr_json(&r->cr);
		snprintf(r->cr.arn, sizeof r->cr.arn, "%s/certificate/%032ld", CA_ARN, i);
		r->cr.rv++;
		r->json[ST_ARN] = fk_cr_json(&r->cr);
		r->cr.ready = 1;
		snprintf(r->cr.reason, sizeof r->cr.reason, "Issued");
		r->cr.rv++;
		r->json[ST_DONE] = fk_cr_json(&r->cr);
		json = r->json[ST_ADDED];
		r->watch_line = xasprintf("{\"type\":\"ADDED\",\"object\":%s}", json);
	}
}

/* The request a call is about, from its key "ns/rNNNNNN" or its value. */
static struct req *
req_of_key(const char *key)
{
	const char *slash = strchr(key, '/');

	return &reqs[strtol(slash != NULL ? slash + 2 : key, NULL, 10)];
}

/* Answers every pending call once, in list order; returns how many. */
static int
answer_all(void)
{
	struct fk_call *c;
	struct aws_pca_result r;
	struct req *q;
	int n = 0;
	char arn[256];

	for (c = fk_calls; c != NULL; c = c->next) {
		if (c->answered || c->cancelled)
			continue;
		n++;
		switch (c->kind) {
		case FK_ANNOTATE:
			q = req_of_key(c->key);
			fk_answer_write(
			    c, KUBE_WRITE_OK,
			    q->json[strstr(c->value, KUBE_CERT_ARN_ANNOTATION) == c->value
			                ? ST_ARN
			                : ST_STARTED],
			    0);
			break;
		case FK_ISSUE:
			/* The token is the uid without dashes; the request number ends it. */
			snprintf(arn, sizeof arn, "%s/certificate/%032ld", CA_ARN,
			         strtol(c->value + 20, NULL, 10));
			r = fk_pca_result(AWS_OK, "");
			r.certificate_arn = arn;
			fk_answer_pca(c, &r);
			break;
		case FK_GET:
			r = fk_pca_result(AWS_OK, "");
			r.certificate = leaf_pem;
			r.certificate_chain = chain_pem;
			fk_answer_pca(c, &r);
			break;
		case FK_CR_STATUS:
			q = req_of_key(c->key);
			fk_answer_write(c, KUBE_WRITE_OK, q->json[ST_DONE], 0);
			done += c->ok;
			break;
		default:
			c->answered = 1;
			break;
		}
	}
	return n;
}

/* The floor: what must be done per certificate, done directly. */
static double
floor_us(long n)
{
	double t0 = cpu_s();
	long i;

	for (i = 0; i < n; i++) {
		struct csr *csr = NULL;
		char *cause = NULL, **certs = NULL;
		size_t nc = 0;

		if (csr_parse(req_pem, strlen(req_pem), &csr, &cause) != 0 ||
		    csr_public_key_matches(csr, leaf_pem, strlen(leaf_pem), &cause) != 0 ||
		    csr_split_certs(chain_pem, strlen(chain_pem), &certs, &nc, &cause) != 0) {
			fprintf(stderr, "floor: %s\n", cause);
			exit(1);
		}
		csr_certs_free(certs);
		csr_free(csr);
	}
	return (cpu_s() - t0) / (double)n * 1e6;
}

int
main(void)
{
	struct issuers_opts io;
	struct certreqs_opts co;
	const char *env_n = getenv("BENCH_CERTREQS_N");
	long n = env_n != NULL ? atol(env_n) : 5000, i, j;
	double c0, w0, cpu, wall, fl;
	char *json;

	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_WARN);
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	memset(&env, 0, sizeof env);
	env.getenv = fk_no_env;
	make_pki(&req_pem, &leaf_pem, &chain_pem);
	render(n);

	memset(&io, 0, sizeof io);
	io.io = &fk_io;
	io.env = &env;
	io.recheck_ms = 3600000;
	io.on_change = on_issuer_change;
	issuers = issuers_create(&io);
	memset(&co, 0, sizeof co);
	co.io = &fk_io;
	co.issuers = issuers;
	co.max_retry_ms = 3600000;
	certreqs = certreqs_create(&co);
	issuers_set_leader(issuers, 1);
	certreqs_set_leader(certreqs, 1);
	json = fk_issuer_json(NS, "pca", "i-1", 10, CA_ARN, NULL, "creds", 1);
	fk_feed_json(issuers_reflector(issuers, 0), "ADDED", json);
	free(json);
	settle();
	fk_issuer_becomes_ready(settle);
	fk_reset();

	c0 = cpu_s();
	w0 = wall_s();
	for (i = 0; i < n; i += BATCH) {
		for (j = i; j < n && j < i + BATCH; j++)
			kube_reflector_feed_line(certreqs_reflector(certreqs), reqs[j].watch_line,
			                         strlen(reqs[j].watch_line));
		settle();
		for (;;) {
			int answered = answer_all();

			/* The first GetCertificate waits half a second after the ARN is recorded.
			 */
			mono_ms += 600;
			wall_ms += 600;
			settle();
			if (answered == 0 && fk_npending() == 0)
				break;
		}
		fk_reset();
	}
	cpu = cpu_s() - c0;
	wall = wall_s() - w0;
	fl = floor_us(n < 2000 ? n : 2000);

	printf("CertificateRequest controller, in-process, %ld requests (ECDSA P-256 CSR and "
	       "leaf, one-certificate chain):\n",
	       n);
	printf("  %.0f requests/s on one core; %.0f us of CPU per request (%.2f s CPU, %.2f s "
	       "wall)\n",
	       (double)n / wall, cpu / (double)n * 1e6, cpu, wall);
	printf("  floor (CSR parse+verify, leaf key compared, chain split): %.0f us per request; "
	       "controller / floor = %.1f\n",
	       fl, cpu / (double)n * 1e6 / fl);
	printf("  issued %ld of %ld\n", done, n);

	certreqs_free(certreqs);
	issuers_free(issuers);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ST_N; j++)
			free(reqs[i].json[j]);
		free(reqs[i].watch_line);
		fk_cr_clear(&reqs[i].cr);
	}
	free(reqs);
	free(req_pem);
	free(leaf_pem);
	free(chain_pem);
	clock_set_fake(NULL, NULL);
	loop_free();
	return done == n ? 0 : 1;
}
