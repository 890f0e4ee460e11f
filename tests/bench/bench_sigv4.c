/*
 * Benchmark of aws/sigv4: signs an acm-pca IssueCertificate request as the
 * PCA client sends it (a 1.5 KB JSON body with a base64 CSR; Host,
 * Content-Type, Content-Length, X-Amz-Target and User-Agent; a session
 * token) for about 2 s of CPU time each with the signing-key cache and
 * without it, and prints signatures per second and microseconds per
 * signature. It prints figures and fails only if signing fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define BENCH_CPU_SECONDS 2.0

static double
bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Builds an IssueCertificate body of about 1.5 KB around a CSR-sized base64 blob. */
static char *
bench_body(void)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "{\"CertificateAuthorityArn\":\"arn:aws:acm-pca:us-east-1:111122223333:"
	             "certificate-authority/11111111-2222-3333-4444-555555555555\","
	             "\"Csr\":\"");
	for (i = 0; i < 1220; i++)
		buf_addc(
		    &b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64]);
	buf_adds(&b, "==\",\"SigningAlgorithm\":\"SHA256WITHRSA\",\"TemplateArn\":"
	             "\"arn:aws:acm-pca:::template/EndEntityCertificate/V1\",\"Validity\":"
	             "{\"Type\":\"DAYS\",\"Value\":90},\"IdempotencyToken\":\"0f1e2d3c4b5a\"}");
	return buf_steal(&b);
}

/* Returns 1 if signing with and without the cache gives the same signature. */
static int
bench_same_signature(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
                     struct aws_sigv4_keycache *kc)
{
	struct aws_sigv4_result a, b;
	char *cause = NULL;
	int same = 0;

	if (aws_sigv4_sign(rq, pa, kc, &a, &cause) != 0) {
		fprintf(stderr, "sigv4: signing failed: %s\n", cause);
		free(cause);
		return 0;
	}
	if (aws_sigv4_sign(rq, pa, NULL, &b, &cause) == 0) {
		same = strcmp(a.signature, b.signature) == 0;
		aws_sigv4_result_free(&b);
	} else {
		fprintf(stderr, "sigv4: signing failed: %s\n", cause);
		free(cause);
	}
	aws_sigv4_result_free(&a);
	return same;
}

/* Signs rq repeatedly for BENCH_CPU_SECONDS; returns signatures per second, or -1. */
static double
bench_run(const char *label, const struct aws_sigv4_request *rq, struct aws_sigv4_params *pa,
          struct aws_sigv4_keycache *kc)
{
	struct aws_sigv4_result res;
	char *cause = NULL;
	double start = bench_cpu_now(), elapsed = 0;
	unsigned long n = 0, i;
	time_t t0 = pa->now;

	while (elapsed < BENCH_CPU_SECONDS) {
		for (i = 0; i < 256; i++, n++) {
			pa->now = t0 + (time_t)(n % 3600);
			if (aws_sigv4_sign(rq, pa, kc, &res, &cause) != 0) {
				fprintf(stderr, "sigv4: signing failed: %s\n", cause);
				free(cause);
				return -1;
			}
			aws_sigv4_result_free(&res);
		}
		elapsed = bench_cpu_now() - start;
	}
	pa->now = t0;
	printf("sigv4: %.0f signatures/s (%s), %.2f us/signature, %lu signatures in %.2f s CPU\n",
	       (double)n / elapsed, label, elapsed * 1e6 / (double)n, n, elapsed);
	return (double)n / elapsed;
}

int
main(void)
{
	char *body = bench_body(), *clen = xasprintf("%zu", strlen(body));
	struct aws_sigv4_header h[] = {
	    {"Content-Type", "application/x-amz-json-1.1"},
	    {"Content-Length", clen},
	    {"X-Amz-Target", "ACMPrivateCA.IssueCertificate"},
	    {"User-Agent", "pca-issuer/0.1.0"},
	};
	struct aws_sigv4_request rq = {
	    .method = "POST",
	    .host = "acm-pca.us-east-1.amazonaws.com",
	    .path = "/",
	    .headers = h,
	    .nheaders = sizeof h / sizeof h[0],
	    .payload = body,
	    .payload_len = strlen(body),
	    .normalize_path = 1,
	};
	struct aws_sigv4_params pa = {
	    .access_key_id = "ASIAIOSFODNN7EXAMPLE",
	    .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	    .session_token =
	        "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb=",
	    .region = "us-east-1",
	    .service = "acm-pca",
	    .now = 1717243200,
	};
	struct aws_sigv4_keycache *kc = aws_sigv4_keycache_create();
	double cached, uncached;
	int rv = 0;

	printf("sigv4: IssueCertificate body of %zu bytes, %zu headers signed plus X-Amz-Date and "
	       "X-Amz-Security-Token\n",
	       strlen(body), rq.nheaders + 1);
	cached = bench_run("cached key", &rq, &pa, kc);
	uncached = bench_run("uncached key", &rq, &pa, NULL);
	if (cached < 0 || uncached < 0)
		rv = 1;
	else if (!bench_same_signature(&rq, &pa, kc)) {
		fprintf(stderr, "sigv4: cached and uncached signatures differ\n");
		rv = 1;
	} else
		printf("sigv4: cache speed-up %.2fx, %lu key derivation(s) in the cached run\n",
		       cached / uncached, aws_sigv4_keycache_derivations(kc));
	aws_sigv4_keycache_free(kc);
	free(clen);
	free(body);
	return rv;
}
