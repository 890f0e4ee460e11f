/*
 * The issuer controller driven in-process through the struct ctl_io
 * stand-in of fakeio.h: the verdicts and the reasons a user sees (Verified,
 * SecretNotFound, AmbientCredentialsDisabled, SecretNamespaceForbidden,
 * AuthFailed, CANotActive), an outage that keeps a verified issuer signing,
 * a status write refused because the object changed, an issuer deleted
 * while its check is in flight, and the Go issuer's fallback from a missing
 * AWSPCAIssuer to the AWSPCAClusterIssuer of that name.
 */
#include <event2/event.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/loop.h"
#include "handlers/issuers.h"
#include "fakeio.h"
#include "testutil.h"

#define CA_ARN "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0000-1111"
#define NS     "team-a"

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000);

static struct aws_creds_env env;
static struct issuers *issuers;
static int changes;
static char last_change[256];

static const char *
no_env(const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return NULL;
}

static void
on_change(const char *key, void *arg)
{
	(void)arg;
	changes++;
	snprintf(last_change, sizeof last_change, "%s", key);
}

static void
setup(int allow_secret_namespace)
{
	struct issuers_opts o;

	fk_reset();
	memset(&o, 0, sizeof o);
	o.io = &fk_io;
	o.env = &env;
	o.recheck_ms = 300000;
	o.cluster_issuer_ambient_credentials = 1;
	o.allow_secret_namespace = allow_secret_namespace;
	o.on_change = on_change;
	issuers = issuers_create(&o);
	issuers_set_leader(issuers, 1);
	changes = 0;
}

static void
teardown(void)
{
	issuers_free(issuers);
	issuers = NULL;
	fk_reset();
}

static void
settle(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		issuers_poll(issuers);
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

static void
feed(const char *type, const char *ns, const char *name, const char *uid, long generation,
     const char *secret_ns, const char *secret)
{
	char *json = fk_issuer_json(ns, name, uid, ++fk_rv, CA_ARN, secret_ns, secret, generation);

	fk_feed_json(issuers_reflector(issuers, ns == NULL), type, json);
	free(json);
	settle();
}

static struct issuer_view
view(const char *key)
{
	struct issuer_view v;

	issuers_get(issuers, key, &v);
	return v;
}

static struct fk_call *
expect(enum fk_kind kind)
{
	struct fk_call *c = fk_pending(kind);

	if (c == NULL) {
		fprintf(stderr, "  no %s call pending; the calls:\n", fk_kind_names[kind]);
		fk_dump();
	}
	CHECK(c != NULL);
	return c;
}

static void
answer_describe(enum aws_err_class err, const char *code, const char *status)
{
	struct fk_call *c = expect(FK_DESCRIBE);
	struct aws_pca_result r = fk_pca_result(err, code);

	r.ca_status = status;
	r.ca_signing_algorithm = "SHA256WITHRSA";
	if (c != NULL)
		fk_answer_pca(c, &r);
}

/* The status written last, answered OK; its reason. */
static const char *
written_reason(void)
{
	static char reason[512];
	struct fk_call *c = expect(FK_ISSUER_STATUS);

	if (c == NULL)
		return "";
	snprintf(reason, sizeof reason, "%s", c->value);
	fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	settle();
	return reason;
}

static void
test_verified(void)
{
	struct fk_call *c;
	struct issuer_view v;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_UNKNOWN);
	if ((c = expect(FK_SECRET)) == NULL)
		goto out;
	CHECK_STR(c->key, NS "/creds");
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	v = view("AWSPCAIssuer/" NS "/pca");
	CHECK_INT(v.verdict, ISSUER_READY);
	CHECK_STR(v.signing_algorithm, "SHA256WITHRSA");
	CHECK(v.conn != NULL);
	CHECK(changes >= 1);
	/* A request naming an AWSPCAIssuer that is missing gets the cluster issuer, as in Go. */
	CHECK_INT(view("AWSPCAIssuer/other-ns/pca").verdict, ISSUER_MISSING);
	feed("ADDED", NULL, "pca", "u-2", 1, NS, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	v = view("AWSPCAIssuer/other-ns/pca");
	CHECK_INT(v.verdict, ISSUER_READY);
	CHECK_STR(v.kind, "AWSPCAClusterIssuer");
	/* Its own namespace's issuer wins where there is one. */
	CHECK_STR(view("AWSPCAIssuer/" NS "/pca").kind, "AWSPCAIssuer");
out:
	teardown();
}

static void
test_not_ready_reasons(void)
{
	struct fk_call *c;

	setup(0);
	/* A missing Secret. */
	feed("ADDED", NS, "nosecret", "u-1", 1, NULL, "absent");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_NOT_FOUND, NULL, NULL);
	CHECK_STR(written_reason(), "SecretNotFound");
	CHECK_INT(view("AWSPCAIssuer/" NS "/nosecret").verdict, ISSUER_NOT_READY);
	/* No secretRef on a namespaced issuer: not the controller's own credentials. */
	feed("ADDED", NS, "ambient", "u-2", 1, NULL, NULL);
	CHECK_STR(written_reason(), "AmbientCredentialsDisabled");
	CHECK_CONTAINS(view("AWSPCAIssuer/" NS "/ambient").message,
	               "--issuer-ambient-credentials=true");
	/* Another namespace's Secret. */
	feed("ADDED", NS, "elsewhere", "u-3", 1, "kube-system", "creds");
	CHECK_STR(written_reason(), "SecretNamespaceForbidden");
	CHECK_CONTAINS(view("AWSPCAIssuer/" NS "/elsewhere").message,
	               "--allow-issuer-secret-namespace=true");
	CHECK(fk_pending(FK_SECRET) == NULL);
	/* Credentials AWS refuses, and a CA that is not ACTIVE. */
	feed("ADDED", NS, "badkeys", "u-4", 1, NULL, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "wrongwrongwrongwrong");
	answer_describe(AWS_ERR_AUTH, "InvalidSignatureException", NULL);
	CHECK_STR(written_reason(), "AuthFailed");
	feed("ADDED", NS, "disabled", "u-5", 1, NULL, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "DISABLED");
	CHECK_STR(written_reason(), "CANotActive");
	teardown();
}

/* With --allow-issuer-secret-namespace, the Go issuer's reading of secretRef.namespace. */
static void
test_secret_namespace_allowed(void)
{
	struct fk_call *c;

	setup(1);
	feed("ADDED", NS, "elsewhere", "u-1", 1, "shared", "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		CHECK_STR(c->key, "shared/creds");
	teardown();
}

/* An AWS outage does not take a verified issuer's verdict away. */
static void
test_outage_keeps_ready(void)
{
	struct fk_call *c;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	advance(300000 + 1000);
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_ERR_TRANSIENT, "ServiceUnavailable", NULL);
	settle();
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_READY);
	CHECK(fk_pending(FK_ISSUER_STATUS) == NULL);
	teardown();
}

/* A status write refused because the object changed: checked again from the fresh one. */
static void
test_changed_during_status_write(void)
{
	struct fk_call *c;
	char *fresh;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	if ((c = expect(FK_ISSUER_STATUS)) == NULL)
		goto out;
	/* Someone changed the spec meanwhile: generation 2. */
	fresh = fk_issuer_json(NS, "pca", "u-1", ++fk_rv, CA_ARN, NULL, "other-creds", 2);
	fk_answer_write(c, KUBE_WRITE_CHANGED, fresh, 0);
	free(fresh);
	settle();
	if ((c = expect(FK_SECRET)) != NULL)
		CHECK_STR(c->key, NS "/other-creds");
out:
	teardown();
}

/* Deleted while its Private CA is being asked: the call is cancelled, requests are told. */
static void
test_deleted_mid_check(void)
{
	struct fk_call *c;
	int before;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	CHECK(fk_pending(FK_DESCRIBE) != NULL);
	before = changes;
	feed("DELETED", NS, "pca", "u-1", 1, NULL, "creds");
	CHECK_INT(fk_ncancelled(FK_DESCRIBE), 1);
	CHECK(changes > before);
	CHECK_STR(last_change, "AWSPCAIssuer/" NS "/pca");
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_MISSING);
	CHECK_INT(fk_npending(), 0);
	teardown();
}

int
main(void)
{
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	memset(&env, 0, sizeof env);
	env.getenv = no_env;
	TEST(test_verified);
	TEST(test_not_ready_reasons);
	TEST(test_secret_namespace_allowed);
	TEST(test_outage_keeps_ready);
	TEST(test_changed_during_status_write);
	TEST(test_deleted_mid_check);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
