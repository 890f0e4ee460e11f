/*
 * The CertificateRequest controller driven in-process: watch events fed to
 * its reflector, every call it makes answered by the test through the
 * struct ctl_io stand-in of fakeio.h, a fake clock for its timers. What only
 * end-to-end tests covered before: a request issued step by step, the
 * maximum retry duration turning a request Failed, a 404 during a write,
 * an object deleted (and re-created) while a call is in flight, losing
 * leadership mid-call, and an issuer whose verdict changes while requests
 * wait for it.
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <event2/event.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "handlers/certreqs.h"
#include "handlers/issuers.h"
#include "fakeio.h"
#include "testpki.h"
#include "testutil.h"

#define CA_ARN "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0000-1111"
#define NS     "team-a"

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000); /* 2026-01-01 */

static struct aws_creds_env env;
static struct issuers *issuers;
static struct certreqs *certreqs;
static char *csr_pem, *leaf_pem, *chain_pem;

/* ---- the controllers ---- */

static void
on_issuer_change(const char *key, void *arg)
{
	(void)arg;
	certreqs_issuer_changed(certreqs, key);
}

static void
setup(uint64_t max_retry_ms)
{
	struct issuers_opts io;
	struct certreqs_opts co;

	fk_reset();
	memset(&io, 0, sizeof io);
	io.io = &fk_io;
	io.env = &env;
	io.recheck_ms = 300000;
	io.on_change = on_issuer_change;
	issuers = issuers_create(&io);
	memset(&co, 0, sizeof co);
	co.io = &fk_io;
	co.issuers = issuers;
	co.max_retry_ms = max_retry_ms;
	certreqs = certreqs_create(&co);
	issuers_set_leader(issuers, 1);
	certreqs_set_leader(certreqs, 1);
}

static void
teardown(void)
{
	certreqs_free(certreqs);
	issuers_free(issuers);
	certreqs = NULL;
	issuers = NULL;
	fk_reset();
}

/* Runs due work: both queues, and whatever the loop has ready. */
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
advance(uint64_t ms)
{
	mono_ms += ms;
	wall_ms += (int64_t)ms;
	settle();
}

/* An AWSPCAIssuer "name" that reads Secret "creds"; answers its check. */
static void
feed_issuer(const char *name, const char *uid)
{
	char *json = fk_issuer_json(NS, name, uid, ++fk_rv, CA_ARN, NULL, "creds", 1);

	fk_feed_json(issuers_reflector(issuers, 0), "ADDED", json);
	free(json);
	settle();
}

/* Takes a fed request through to IssueCertificate in flight. */
static struct fk_call *
to_issuing(struct fk_cr *cr)
{
	struct fk_call *c;

	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		return NULL;
	CHECK_CONTAINS(c->value, KUBE_ISSUE_STARTED_ANNOTATION);
	fk_ok_cr_write(c, cr);
	settle();
	return fk_expect(FK_ISSUE);
}

static double
count(const char *outcome)
{
	return metrics_value(metrics_counter("pca_issuer_certificaterequests_total",
	                                     "Requests finished, by issuer and outcome (issued, "
	                                     "failed, denied) and api (certificaterequests, "
	                                     "certificatesigningrequests).",
	                                     "issuer_kind,issuer,outcome,api"),
	                     "AWSPCAIssuer", NS "/pca", outcome, "certificaterequests");
}

/* The IdempotencyToken of a request: its uid without dashes. */
static void
undash(const char *uid, char *out)
{
	for (; *uid != '\0'; uid++) {
		if (*uid != '-')
			*out++ = *uid;
	}
	*out = '\0';
}

/* Calls about requests waiting for an answer (the issuer's own re-checks aside). */
static int
request_calls(void)
{
	struct fk_call *c;
	int n = 0;

	for (c = fk_calls; c != NULL; c = c->next)
		n += !c->cancelled && !c->answered &&
		     (c->kind == FK_ANNOTATE || c->kind == FK_CR_STATUS || c->kind == FK_ISSUE ||
		      c->kind == FK_GET);
	return n;
}

/* ---- the tests ---- */

static void
test_issues_step_by_step(void)
{
	struct fk_cr cr;
	struct fk_call *c;
	struct aws_pca_result r;
	double before = count("issued");
	char token[64];

	setup(3600000);
	feed_issuer("pca", "i-1");
	fk_issuer_becomes_ready(settle);
	fk_cr_init(&cr, NS, "web", "0123abcd-0000-4000-8000-000000000001", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &cr);
	settle();
	/* The issue-started annotation goes first, conditional on the uid. */
	c = to_issuing(&cr);
	if (c == NULL)
		goto out;
	undash(cr.uid, token);
	CHECK_STR(c->value, token);
	r = fk_pca_result(AWS_OK, "");
	r.certificate_arn = CA_ARN "/certificate/abc";
	fk_answer_pca(c, &r);
	/* The ARN is recorded before anything else. */
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_CONTAINS(c->value, KUBE_CERT_ARN_ANNOTATION "=" CA_ARN "/certificate/abc");
	fk_ok_cr_write(c, &cr);
	settle();
	CHECK(fk_pending(FK_GET) == NULL); /* a moment for AWS first */
	advance(600);
	if ((c = fk_expect(FK_GET)) == NULL)
		goto out;
	fk_answer_pca(c,
	              (r = fk_pca_result(AWS_ERR_IN_PROGRESS, "RequestInProgressException"), &r));
	advance(1100);
	if ((c = fk_expect(FK_GET)) == NULL)
		goto out;
	r = fk_pca_result(AWS_OK, "");
	r.certificate = leaf_pem;
	r.certificate_chain = chain_pem;
	fk_answer_pca(c, &r);
	if ((c = fk_expect(FK_CR_STATUS)) == NULL)
		goto out;
	CHECK_STR(c->value, "Issued");
	CHECK(c->ok && c->has_certificate && !c->failure_time);
	fk_ok_cr_write(c, &cr);
	settle();
	CHECK(count("issued") == before + 1);
	CHECK_INT(fk_npending(), 0);
out:
	fk_cr_clear(&cr);
	teardown();
}

/* Throttled again and again: Pending while it lasts, Failed after the maximum retry duration. */
static void
test_max_retry_duration(void)
{
	struct fk_cr cr;
	struct fk_call *c;
	struct aws_pca_result r = fk_pca_result(AWS_ERR_THROTTLED, "ThrottlingException");
	double before = count("failed");
	int rounds = 0;

	setup(10000);
	feed_issuer("pca", "i-1");
	fk_issuer_becomes_ready(settle);
	fk_cr_init(&cr, NS, "slow", "0123abcd-0000-4000-8000-000000000002", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &cr);
	settle();
	if ((c = to_issuing(&cr)) == NULL)
		goto out;
	for (;;) {
		fk_answer_pca(c, &r);
		if ((c = fk_expect(FK_CR_STATUS)) == NULL)
			goto out;
		if (strcmp(c->value, "Failed") == 0)
			break;
		CHECK_STR(c->value, "Pending");
		CHECK(!c->ok);
		fk_ok_cr_write(c, &cr);
		settle();
		rounds++;
		/* Waits for its back-off (doubling); then the same IssueCertificate again. */
		for (int s = 0; s < 60 && fk_pending(FK_ISSUE) == NULL; s++)
			advance(1000);
		if (rounds > 20 || (c = fk_expect(FK_ISSUE)) == NULL)
			goto out;
	}
	CHECK(c->failure_time);
	CHECK(rounds >= 3);
	fk_ok_cr_write(c, &cr);
	settle();
	CHECK(count("failed") == before + 1);
	CHECK_CONTAINS(cr.reason, "Failed");
out:
	fk_cr_clear(&cr);
	teardown();
}

/* A write answered 404: the entry ends, nothing is retried. */
static void
test_not_found_during_write(void)
{
	struct fk_cr cr;
	struct fk_call *c;

	setup(3600000);
	feed_issuer("pca", "i-1");
	fk_issuer_becomes_ready(settle);
	fk_cr_init(&cr, NS, "gone", "0123abcd-0000-4000-8000-000000000003", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &cr);
	settle();
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	fk_answer_write(c, KUBE_WRITE_GONE, NULL, 0);
	advance(10000);
	CHECK_INT(fk_npending(), 0);
	CHECK(fk_pending(FK_ISSUE) == NULL);
out:
	fk_cr_clear(&cr);
	teardown();
}

/* Deleted while IssueCertificate is out: cancelled; a namesake starts afresh. */
static void
test_deleted_and_recreated_while_issuing(void)
{
	struct fk_cr cr, again;
	struct fk_call *c;

	setup(3600000);
	feed_issuer("pca", "i-1");
	fk_issuer_becomes_ready(settle);
	fk_cr_init(&cr, NS, "web", "0123abcd-0000-4000-8000-000000000004", "AWSPCAIssuer", "pca",
	           csr_pem);
	fk_cr_init(&again, NS, "web", "0123abcd-0000-4000-8000-000000000005", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = again.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &cr);
	settle();
	if (to_issuing(&cr) == NULL)
		goto out;
	fk_feed_cr(certreqs_reflector(certreqs), "DELETED", &cr);
	settle();
	CHECK_INT(fk_ncancelled(FK_ISSUE), 1);
	CHECK_INT(fk_npending(), 0);
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &again);
	settle();
	/* The namesake is a new request: its own marker, its own token. */
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_STR(c->uid, again.uid);
	fk_ok_cr_write(c, &again);
	settle();
	if ((c = fk_expect(FK_ISSUE)) == NULL)
		goto out;
	{
		char token[64];

		undash(again.uid, token);
		CHECK_STR(c->value, token);
	}
	/* A replacement seen as a MODIFIED event with another uid does the same. */
	fk_cr_clear(&cr);
	fk_cr_init(&cr, NS, "web", "0123abcd-0000-4000-8000-000000000006", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "MODIFIED", &cr);
	settle();
	CHECK_INT(fk_ncancelled(FK_ISSUE), 2);
	if ((c = fk_expect(FK_ANNOTATE)) != NULL)
		CHECK_STR(c->uid, cr.uid);
out:
	fk_cr_clear(&cr);
	fk_cr_clear(&again);
	teardown();
}

/* Not the leader any more: what is in flight ends, nothing new starts until it leads again. */
static void
test_losing_leadership_mid_call(void)
{
	struct fk_cr cr;
	struct fk_call *c;
	struct aws_pca_result r;

	setup(3600000);
	feed_issuer("pca", "i-1");
	fk_issuer_becomes_ready(settle);
	fk_cr_init(&cr, NS, "lead", "0123abcd-0000-4000-8000-000000000007", "AWSPCAIssuer", "pca",
	           csr_pem);
	cr.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &cr);
	settle();
	if ((c = to_issuing(&cr)) == NULL)
		goto out;
	certreqs_set_leader(certreqs, 0);
	r = fk_pca_result(AWS_OK, "");
	r.certificate_arn = CA_ARN "/certificate/def";
	fk_answer_pca(c, &r);
	/* The ARN of a certificate issued is recorded all the same. */
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	fk_ok_cr_write(c, &cr);
	advance(5000);
	CHECK(fk_pending(FK_GET) == NULL);
	certreqs_set_leader(certreqs, 1);
	advance(10);
	CHECK(fk_pending(FK_GET) != NULL);
out:
	fk_cr_clear(&cr);
	teardown();
}

/* Requests wait on their issuer's name and are woken when an issuer of that name changes. */
static void
test_waiting_for_the_issuer(void)
{
	struct fk_cr a, b;
	struct fk_call *c;

	setup(3600000);
	feed_issuer("pca", "i-1");
	/* The issuer's Secret is missing: not ready. */
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out0;
	fk_answer_secret(c, KUBE_SECRET_NOT_FOUND, NULL, NULL);
	if ((c = fk_expect(FK_ISSUER_STATUS)) == NULL)
		goto out0;
	CHECK_STR(c->value, "SecretNotFound");
	fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	settle();
	fk_cr_init(&a, NS, "a", "0123abcd-0000-4000-8000-000000000008", "AWSPCAIssuer", "pca",
	           csr_pem);
	fk_cr_init(&b, NS, "b", "0123abcd-0000-4000-8000-000000000009", "AWSPCAIssuer", "other",
	           csr_pem);
	a.approved = b.approved = 1;
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &a);
	fk_feed_cr(certreqs_reflector(certreqs), "ADDED", &b);
	settle();
	/* Both say what they wait for, in Pending; then nothing happens. */
	if ((c = fk_expect(FK_CR_STATUS)) == NULL)
		goto out;
	CHECK_STR(c->value, "Pending");
	fk_ok_cr_write(c, strcmp(c->key, NS "/a") == 0 ? &a : &b);
	if ((c = fk_expect(FK_CR_STATUS)) == NULL)
		goto out;
	fk_ok_cr_write(c, strcmp(c->key, NS "/a") == 0 ? &a : &b);
	advance(60000);
	CHECK(request_calls() == 0);
	/* The issuer is fixed (a new generation): a is woken, b is not. */
	{
		char *json = fk_issuer_json(NS, "pca", "i-1", ++fk_rv, CA_ARN, NULL, "creds", 2);

		fk_feed_json(issuers_reflector(issuers, 0), "MODIFIED", json);
		free(json);
	}
	settle();
	fk_issuer_becomes_ready(settle);
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_STR(c->key, NS "/a");
	CHECK_CONTAINS(c->value, KUBE_ISSUE_STARTED_ANNOTATION);
	CHECK(request_calls() == 1);
out:
	fk_cr_clear(&a);
	fk_cr_clear(&b);
out0:
	teardown();
}

int
main(void)
{
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	memset(&env, 0, sizeof env);
	env.getenv = fk_no_env;
	make_pki(&csr_pem, &leaf_pem, &chain_pem);
	TEST(test_issues_step_by_step);
	TEST(test_max_retry_duration);
	TEST(test_not_found_during_write);
	TEST(test_deleted_and_recreated_while_issuing);
	TEST(test_losing_leadership_mid_call);
	TEST(test_waiting_for_the_issuer);
	free(csr_pem);
	free(leaf_pem);
	free(chain_pem);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
