/*
 * The Certificate tracker fed watch lines under a fake wall clock: which
 * Certificates it keeps, their states over time (valid, renewal_due,
 * renewal_overdue, expired, not_issued) and the metrics that count them,
 * deadlines moving when a Certificate is renewed, namesakes, deletion,
 * lookups for ranking renewals, and the longest duration per issuer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/timefmt.h"
#include "handlers/certs.h"
#include "fakeio.h"
#include "testutil.h"

#define HOUR (3600LL * 1000)

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000); /* 2026-01-01T00:00:00Z */
static struct certs *certs;
static long rv = 100; /* every fed object is newer than the last */

static void
setup(void)
{
	struct certs_opts o;

	metrics_reset_all();
	memset(&o, 0, sizeof o);
	o.renewal_grace_ms = 15 * 60 * 1000;
	certs = certs_create(&o);
}

static void
teardown(void)
{
	certs_free(certs);
	certs = NULL;
}

/* A Certificate as the API server sends it; times relative to now in hours (0: unset). */
static void
feed(const char *type, const char *name, const char *uid, const char *group, const char *kind,
     const char *issuer, double not_after_h, double renewal_h, long revision, const char *duration)
{
	char json[4096], na[40] = "", rt[40] = "", status[256] = "";

	if (not_after_h != 0)
		timefmt_format(wall_ms + (int64_t)(not_after_h * HOUR), 0, na, sizeof na);
	if (renewal_h != 0)
		timefmt_format(wall_ms + (int64_t)(renewal_h * HOUR), 0, rt, sizeof rt);
	if (*na != '\0')
		snprintf(status, sizeof status,
		         "\"status\":{\"notAfter\":\"%s\",\"renewalTime\":\"%s\",\"revision\":%ld,"
		         "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]},",
		         na, rt, revision);
	snprintf(json, sizeof json,
	         "{\"apiVersion\":\"cert-manager.io/v1\",\"kind\":\"Certificate\","
	         "\"metadata\":{\"namespace\":\"team-a\",\"name\":\"%s\",\"uid\":\"%s\","
	         "\"resourceVersion\":\"%ld\"},%s"
	         "\"spec\":{\"secretName\":\"%s-tls\",\"duration\":\"%s\","
	         "\"issuerRef\":{\"group\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\"}}}",
	         name, uid, ++rv, status, name, duration, group, kind, issuer);
	fk_feed_json(certs_reflector(certs), type, json);
}

/* The value of one sample in a scrape (which runs the collectors), or -1 if absent. */
static double
sample(const char *name, const char *labels)
{
	struct buf b = BUF_INIT;
	char want[512];
	const char *p;
	double v = -1;

	metrics_write(&b);
	buf_add(&b, "", 1);
	snprintf(want, sizeof want, "\n%s{%s} ", name, labels);
	if ((p = strstr(b.p, want)) != NULL)
		v = strtod(p + strlen(want), NULL);
	buf_clear(&b);
	return v;
}

static double
state(const char *issuer_kind, const char *issuer, const char *st)
{
	char labels[256];

	snprintf(labels, sizeof labels, "issuer_kind=\"%s\",issuer=\"%s\",state=\"%s\"",
	         issuer_kind, issuer, st);
	return sample("pca_issuer_certificates", labels);
}

static double
within(const char *issuer_kind, const char *issuer, const char *window)
{
	char labels[256];

	snprintf(labels, sizeof labels, "issuer_kind=\"%s\",issuer=\"%s\",window=\"%s\"",
	         issuer_kind, issuer, window);
	return sample("pca_issuer_certificates_renewing_within", labels);
}

static double
earliest(const char *name, const char *issuer_kind, const char *issuer)
{
	char labels[256];

	snprintf(labels, sizeof labels, "issuer_kind=\"%s\",issuer=\"%s\"", issuer_kind, issuer);
	return sample(name, labels);
}

static void
test_keeps_only_ours(void)
{
	setup();
	feed("ADDED", "web", "u1", "awspca.cert-manager.io", "AWSPCAClusterIssuer", "pca", 90 * 24,
	     60 * 24, 1, "2160h");
	feed("ADDED", "other", "u2", "cert-manager.io", "ClusterIssuer", "letsencrypt", 90 * 24,
	     60 * 24, 1, "2160h");
	feed("ADDED", "api", "u3", "awspca.cert-manager.io", "AWSPCAIssuer", "team-ca", 0, 0, 0,
	     "24h");
	CHECK_INT((int)certs_count(certs), 2);
	CHECK(state("AWSPCAClusterIssuer", "pca", "valid") == 1);
	CHECK(state("AWSPCAIssuer", "team-a/team-ca", "not_issued") == 1);
	/* A Certificate that moves to another issuer group is forgotten. */
	feed("MODIFIED", "web", "u1", "cert-manager.io", "ClusterIssuer", "letsencrypt", 90 * 24,
	     60 * 24, 1, "2160h");
	CHECK_INT((int)certs_count(certs), 1);
	teardown();
}

static void
test_states_follow_the_clock(void)
{
	int64_t start = wall_ms;
	const char *k = "AWSPCAClusterIssuer";

	setup();
	/* renewalTime in 1h, notAfter in 3h. */
	feed("ADDED", "web", "u1", "awspca.cert-manager.io", k, "pca", 3, 1, 1, "3h");
	CHECK(state(k, "pca", "valid") == 1);
	wall_ms = start + HOUR + 1;
	certs_run_deadlines(certs);
	CHECK(state(k, "pca", "renewal_due") == 1);
	CHECK(state(k, "pca", "valid") == 0);
	wall_ms = start + HOUR + 15 * 60 * 1000 + 1;
	certs_run_deadlines(certs);
	CHECK(state(k, "pca", "renewal_overdue") == 1);
	wall_ms = start + 3 * HOUR;
	certs_run_deadlines(certs);
	CHECK(state(k, "pca", "expired") == 1);
	CHECK(state(k, "pca", "renewal_overdue") == 0);
	wall_ms = start;
	teardown();
}

static void
test_renewal_moves_the_deadlines(void)
{
	int64_t start = wall_ms;
	const char *k = "AWSPCAClusterIssuer";
	struct certs_view v;

	setup();
	feed("ADDED", "web", "u1", "awspca.cert-manager.io", k, "pca", 3, 1, 1, "3h");
	CHECK(certs_lookup(certs, "team-a", "web", &v));
	CHECK(v.not_after_ms == start + 3 * HOUR);
	CHECK(v.revision == 1);
	wall_ms = start + 2 * HOUR;
	certs_run_deadlines(certs);
	CHECK(state(k, "pca", "renewal_overdue") == 1);
	/* cert-manager renewed it: revision 2, a new notAfter and renewalTime. */
	feed("MODIFIED", "web", "u1", "awspca.cert-manager.io", k, "pca", 3, 1, 2, "3h");
	CHECK(state(k, "pca", "valid") == 1);
	CHECK(certs_lookup(certs, "team-a", "web", &v));
	CHECK(v.revision == 2);
	CHECK(v.not_after_ms == start + 5 * HOUR);
	wall_ms = start;
	teardown();
}

static void
test_windows_and_earliest(void)
{
	const char *k = "AWSPCAIssuer", *iss = "team-a/ca";

	setup();
	feed("ADDED", "a", "ua", "awspca.cert-manager.io", k, "ca", 2, 0.5, 1, "2h");
	feed("ADDED", "b", "ub", "awspca.cert-manager.io", k, "ca", 48, 20, 1, "48h");
	feed("ADDED", "c", "uc", "awspca.cert-manager.io", k, "ca", 24 * 30, 24 * 20, 1, "720h");
	feed("ADDED", "d", "ud", "awspca.cert-manager.io", "", "ca", 24 * 3, 24 * 2, 1, "72h");
	CHECK(within(k, iss, "1h") == 1);
	CHECK(within(k, iss, "24h") == 2);
	CHECK(within(k, iss, "7d") == 3);
	CHECK(earliest("pca_issuer_certificates_earliest_not_after_timestamp_seconds", k, iss) ==
	      (double)(wall_ms + 2 * HOUR) / 1000.0);
	CHECK(earliest("pca_issuer_certificates_earliest_renewal_timestamp_seconds", k, iss) ==
	      (double)(wall_ms + HOUR / 2) / 1000.0);
	/* An empty kind is the namespaced issuer, as cert-manager reads it. */
	CHECK(state(k, iss, "valid") == 4);
	CHECK(certs_longest_duration(certs, k, iss) == 720 * 3600);
	CHECK(certs_longest_duration(certs, "AWSPCAClusterIssuer", "ca") == 0);
	teardown();
}

static void
test_namesake_and_delete(void)
{
	const char *k = "AWSPCAClusterIssuer";
	struct certs_view v;

	setup();
	feed("ADDED", "web", "u1", "awspca.cert-manager.io", k, "pca", 3, 1, 4, "3h");
	/* Deleted and created again under the name: a new record. */
	feed("MODIFIED", "web", "u2", "awspca.cert-manager.io", k, "pca", 0, 0, 0, "3h");
	CHECK(certs_lookup(certs, "team-a", "web", &v));
	CHECK(v.not_after_ms == 0);
	CHECK(state(k, "pca", "not_issued") == 1);
	CHECK(state(k, "pca", "valid") == 0);
	feed("DELETED", "web", "u2", "awspca.cert-manager.io", k, "pca", 0, 0, 0, "3h");
	CHECK(!certs_lookup(certs, "team-a", "web", &v));
	CHECK_INT((int)certs_count(certs), 0);
	teardown();
}

int
main(void)
{
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	TEST(test_keeps_only_ours);
	TEST(test_states_follow_the_clock);
	TEST(test_renewal_moves_the_deadlines);
	TEST(test_windows_and_earliest);
	TEST(test_namesake_and_delete);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
