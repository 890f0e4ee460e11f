/*
 * Decoders for the objects pca-issuer reads: a cert-manager
 * CertificateRequest and the two AWSPCA issuer kinds, each pulled out of a
 * parsed document into the plain struct of kube/types.h.
 *
 * A decoder accepts any object the API server could have stored (unknown
 * fields are ignored, optional ones may be absent or null) and refuses the
 * first field with the wrong JSON type or an unreadable value, naming the
 * object and the field path: "CertificateRequest ns/x: spec.duration
 * \"5 days\" is not a duration such as \"2160h0m0s\"".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/jtok.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/types.h"
#include "kube/types_dec.h"

const struct kube_resource kube_res_certificaterequests = {"cert-manager.io", "v1",
                                                           "certificaterequests", 1};
const struct kube_resource kube_res_certificates = {"cert-manager.io", "v1", "certificates", 1};
const struct kube_resource kube_res_awspcaissuers = {KUBE_AWSPCA_GROUP, "v1beta1", "awspcaissuers",
                                                     1};
const struct kube_resource kube_res_awspcaclusterissuers = {KUBE_AWSPCA_GROUP, "v1beta1",
                                                            "awspcaclusterissuers", 0};
const struct kube_resource kube_res_secrets = {"", "v1", "secrets", 1};
const struct kube_resource kube_res_leases = {"coordination.k8s.io", "v1", "leases", 1};
const struct kube_resource kube_res_events = {"events.k8s.io", "v1", "events", 1};
const struct kube_resource kube_res_core_events = {"", "v1", "events", 1};

void
kube_dec_fail(struct kube_dec *k, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (k->err != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	k->err = xasprintf("%s %s: %s", k->kind, k->id != NULL ? k->id : "(unnamed)", msg);
	k->msg = msg;
}

/*
 * Ends a decode whose identity part is done: a failure there refuses the
 * object (-1, *cause set); a later one is kept as the object's *invalid.
 */
int
kube_dec_identity_done(struct kube_dec *k, char **cause)
{
	if (k->err == NULL)
		return 0;
	*cause = k->err;
	free(k->msg);
	free(k->id);
	k->err = k->msg = k->id = NULL;
	return -1;
}

void
kube_dec_finish(struct kube_dec *k, char **invalid)
{
	*invalid = k->msg;
	free(k->err);
	free(k->id);
}

const char *
kube_dec_type(const struct kube_dec *k, int t)
{
	return jtok_type_name(jtok_type(k->d, t));
}

/* The member key of obj if it is an object; -1 when absent or null. */
int
kube_dec_obj(struct kube_dec *k, int obj, const char *where, const char *key)
{
	int t = jtok_get(k->d, obj, key);

	if (t == -1 || jtok_is_null(k->d, t))
		return -1;
	if (jtok_type(k->d, t) != JTOK_OBJECT) {
		kube_dec_fail(k, "%s%s%s must be an object, not %s", where, *where ? "." : "", key,
		              kube_dec_type(k, t));
		return -1;
	}
	return t;
}

/* Copies string member key of obj into *out (NULL when absent or null). */
void
kube_dec_str(struct kube_dec *k, int obj, const char *where, const char *key, char **out)
{
	int t = jtok_get(k->d, obj, key);

	*out = NULL;
	if (t == -1 || jtok_is_null(k->d, t))
		return;
	if (jtok_str(k->d, t, out) != 0)
		kube_dec_fail(k, "%s%s%s must be a string, not %s", where, *where ? "." : "", key,
		              jtok_type(k->d, t) == JTOK_STRING ? "one holding \\u0000"
		                                                : kube_dec_type(k, t));
}

void
kube_dec_required(struct kube_dec *k, const char *where, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		kube_dec_fail(k, "%s%s%s is missing", where, *where ? "." : "", key);
}

void
kube_dec_int(struct kube_dec *k, int obj, const char *where, const char *key, int64_t *out)
{
	int t = jtok_get(k->d, obj, key);

	*out = 0;
	if (t != -1 && !jtok_is_null(k->d, t) && jtok_int(k->d, t, out) != 0)
		kube_dec_fail(k, "%s.%s must be an integer, not %s", where, key,
		              jtok_type(k->d, t) == JTOK_NUMBER ? "a fraction or a huge number"
		                                                : kube_dec_type(k, t));
}

void
kube_dec_bool(struct kube_dec *k, int obj, const char *where, const char *key, int *out)
{
	int t = jtok_get(k->d, obj, key);

	*out = 0;
	if (t != -1 && !jtok_is_null(k->d, t) && jtok_bool(k->d, t, out) != 0)
		kube_dec_fail(k, "%s.%s must be true or false, not %s", where, key,
		              kube_dec_type(k, t));
}

/* metadata: the fields every object has; sets k->id for the messages that follow. */
void
kube_dec_meta(struct kube_dec *k, int obj, char **ns, char **name, char **uid, char **rv,
              int64_t *generation)
{
	int md = kube_dec_obj(k, obj, "", "metadata");

	kube_dec_str(k, md, "metadata", "namespace", ns);
	kube_dec_str(k, md, "metadata", "name", name);
	if (*name != NULL)
		k->id =
		    *ns != NULL && **ns != '\0' ? xasprintf("%s/%s", *ns, *name) : xstrdup(*name);
	kube_dec_str(k, md, "metadata", "uid", uid);
	kube_dec_str(k, md, "metadata", "resourceVersion", rv);
	kube_dec_int(k, md, "metadata", "generation", generation);
	kube_dec_required(k, "metadata", "name", *name);
	if (*ns == NULL)
		*ns = xstrdup("");
}

static enum kube_cond
kube_dec_cond_status(struct kube_dec *k, const char *s, int idx)
{
	if (strcmp(s, "True") == 0)
		return KUBE_COND_TRUE;
	if (strcmp(s, "False") == 0)
		return KUBE_COND_FALSE;
	if (strcmp(s, "Unknown") == 0)
		return KUBE_COND_UNKNOWN;
	kube_dec_fail(k, "status.conditions[%d].status \"%s\" is not True, False or Unknown", idx,
	              s);
	return KUBE_COND_UNKNOWN;
}

void
kube_condition_clear(struct kube_condition *c)
{
	free(c->reason);
	free(c->message);
	free(c->last_transition_time);
	memset(c, 0, sizeof *c);
}

/* Fills *c from condition object t (element idx of status.conditions). */
static void
kube_dec_condition(struct kube_dec *k, int t, int idx, struct kube_condition *c)
{
	char where[48], *status = NULL;

	snprintf(where, sizeof where, "status.conditions[%d]", idx);
	kube_condition_clear(c); /* a repeated type: the last one wins, as in Go */
	kube_dec_str(k, t, where, "status", &status);
	c->status = status != NULL ? kube_dec_cond_status(k, status, idx) : KUBE_COND_UNKNOWN;
	free(status);
	kube_dec_str(k, t, where, "reason", &c->reason);
	kube_dec_str(k, t, where, "message", &c->message);
	kube_dec_str(k, t, where, "lastTransitionTime", &c->last_transition_time);
	kube_dec_int(k, t, where, "observedGeneration", &c->observed_generation);
}

/* The conditions of status, each type into its slot (NULL slots are skipped). */
void
kube_dec_conditions(struct kube_dec *k, int status, const char *const *types,
                    struct kube_condition *const *slots, size_t n)
{
	int arr = jtok_get(k->d, status, "conditions"), t, idx = 0;
	size_t i;

	if (arr == -1 || jtok_is_null(k->d, arr))
		return;
	if (jtok_type(k->d, arr) != JTOK_ARRAY) {
		kube_dec_fail(k, "status.conditions must be an array, not %s",
		              kube_dec_type(k, arr));
		return;
	}
	for (t = jtok_first(k->d, arr); t != -1; t = jtok_next(k->d, t), idx++) {
		if (jtok_type(k->d, t) != JTOK_OBJECT) {
			kube_dec_fail(k, "status.conditions[%d] must be an object, not %s", idx,
			              kube_dec_type(k, t));
			return;
		}
		for (i = 0; i < n; i++) {
			if (jtok_streq(k->d, jtok_get(k->d, t, "type"), types[i])) {
				kube_dec_condition(k, t, idx, slots[i]);
				break;
			}
		}
	}
}

int
kube_rv_older(const char *a, const char *b)
{
	char *ea, *eb;
	unsigned long long va, vb;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	va = strtoull(a, &ea, 10);
	vb = strtoull(b, &eb, 10);
	return *ea == '\0' && *eb == '\0' && va < vb;
}

/* A non-negative decimal integer, as annotations carry them. */
int
kube_dec_count(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* An RFC 3339 time, as Unix ms; 0 when absent or null. */
void
kube_dec_time(struct kube_dec *k, int obj, const char *where, const char *key, int64_t *out)
{
	char *s = NULL;

	*out = 0;
	kube_dec_str(k, obj, where, key, &s);
	if (s != NULL && *s != '\0' && timefmt_parse(s, out) != 0) {
		*out = 0;
		kube_dec_fail(k, "%s%s%s \"%s\" is not an RFC 3339 time", where, *where ? "." : "",
		              key, s);
	}
	free(s);
}

/* ---- CertificateRequest ---- */

void
kube_cr_free(struct kube_cr *cr)
{
	char **u;

	if (cr == NULL)
		return;
	free(cr->namespace);
	free(cr->name);
	free(cr->uid);
	free(cr->resource_version);
	free(cr->issuer_group);
	free(cr->issuer_kind);
	free(cr->issuer_name);
	free(cr->csr_pem);
	for (u = cr->usages; u != NULL && *u != NULL; u++)
		free(*u);
	free(cr->usages);
	free(cr->certificate_arn);
	free(cr->issue_started);
	free(cr->certificate_name);
	kube_condition_clear(&cr->approved);
	kube_condition_clear(&cr->denied);
	kube_condition_clear(&cr->ready);
	kube_condition_clear(&cr->invalid_request);
	free(cr->failure_time);
	free(cr->issuer_namespace);
	free(cr->username);
	free(cr->requester_uid);
	for (u = cr->groups; u != NULL && *u != NULL; u++)
		free(*u);
	free(cr->groups);
	free(cr->extra_json);
	free(cr->invalid);
	free(cr);
}

void
kube_dec_usages(struct kube_dec *k, int spec, struct kube_cr *cr)
{
	int arr = jtok_get(k->d, spec, "usages"), t, i = 0;

	cr->usages = xcalloc((size_t)jtok_count(k->d, arr) + 1, sizeof *cr->usages);
	if (arr == -1 || jtok_is_null(k->d, arr))
		return;
	if (jtok_type(k->d, arr) != JTOK_ARRAY) {
		kube_dec_fail(k, "spec.usages must be an array, not %s", kube_dec_type(k, arr));
		return;
	}
	for (t = jtok_first(k->d, arr); t != -1; t = jtok_next(k->d, t), i++) {
		if (jtok_str(k->d, t, &cr->usages[i]) != 0) {
			kube_dec_fail(k, "spec.usages[%d] must be a string, not %s", i,
			              kube_dec_type(k, t));
			return;
		}
	}
}

void
kube_dec_request(struct kube_dec *k, int spec, struct kube_cr *cr)
{
	char *b64 = NULL;

	kube_dec_str(k, spec, "spec", "request", &b64);
	kube_dec_required(k, "spec", "request", b64);
	if (b64 != NULL && *b64 != '\0' &&
	    codec_base64_decode(b64, strlen(b64), &cr->csr_pem, &cr->csr_len) != 0)
		kube_dec_fail(k, "spec.request is not valid base64");
	free(b64);
}

static void
kube_dec_duration(struct kube_dec *k, int spec, struct kube_cr *cr)
{
	char *s = NULL;
	int64_t ns = 0;

	kube_dec_str(k, spec, "spec", "duration", &s);
	if (s != NULL && codec_duration_parse(s, &ns, NULL) != 0)
		kube_dec_fail(k, "spec.duration \"%s\" is not a duration such as \"2160h0m0s\"", s);
	else if ((cr->duration_s = ns / 1000000000) < 0) /* whole seconds, toward zero */
		kube_dec_fail(k, "spec.duration \"%s\" is negative", s);
	free(s);
}

static void
kube_dec_cr_spec(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	int spec = kube_dec_obj(k, obj, "", "spec"), ref;

	if (spec == -1) {
		kube_dec_fail(k, "spec is missing");
		return;
	}
	ref = kube_dec_obj(k, spec, "spec", "issuerRef");
	kube_dec_str(k, ref, "spec.issuerRef", "group", &cr->issuer_group);
	kube_dec_str(k, ref, "spec.issuerRef", "kind", &cr->issuer_kind);
	kube_dec_str(k, ref, "spec.issuerRef", "name", &cr->issuer_name);
	kube_dec_required(k, "spec.issuerRef", "name", cr->issuer_name);
}

/* The rest of spec; a failure here makes the request invalid, not unreadable. */
static void
kube_dec_cr_spec_rest(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	int spec = kube_dec_obj(k, obj, "", "spec");

	kube_dec_request(k, spec, cr);
	kube_dec_bool(k, spec, "spec", "isCA", &cr->is_ca);
	kube_dec_usages(k, spec, cr);
	kube_dec_duration(k, spec, cr);
}

static void
kube_dec_cr_status(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	static const char *const types[] = {"Approved", "Denied", "Ready", "InvalidRequest"};
	struct kube_condition *const slots[] = {&cr->approved, &cr->denied, &cr->ready,
	                                        &cr->invalid_request};
	int status = kube_dec_obj(k, obj, "", "status");
	char *cert = NULL;

	if (status == -1)
		return;
	kube_dec_conditions(k, status, types, slots, 4);
	kube_dec_str(k, status, "status", "certificate", &cert);
	cr->has_certificate = cert != NULL && *cert != '\0';
	free(cert);
	kube_dec_str(k, status, "status", "failureTime", &cr->failure_time);
}

/* The annotation holding the ARN; its key has dots and a slash, so no jtok_path. */
static void
kube_dec_cr_meta_extra(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	int md = jtok_get(k->d, obj, "metadata");
	int ann = kube_dec_obj(k, md, "metadata", "annotations");
	int del = jtok_get(k->d, md, "deletionTimestamp");
	char *rev = NULL;

	kube_dec_str(k, ann, "metadata.annotations", KUBE_CERT_ARN_ANNOTATION,
	             &cr->certificate_arn);
	kube_dec_str(k, ann, "metadata.annotations", KUBE_ISSUE_STARTED_ANNOTATION,
	             &cr->issue_started);
	kube_dec_str(k, ann, "metadata.annotations", KUBE_CERTIFICATE_NAME_ANNOTATION,
	             &cr->certificate_name);
	kube_dec_str(k, ann, "metadata.annotations", KUBE_CERTIFICATE_REVISION_ANNOTATION, &rev);
	if (rev != NULL && kube_dec_count(rev, &cr->certificate_revision) != 0)
		cr->certificate_revision = 0; /* cert-manager's to get right; not ours to refuse */
	free(rev);
	kube_dec_time(k, md, "metadata", "creationTimestamp", &cr->created_ms);
	cr->deleting = del != -1 && !jtok_is_null(k->d, del);
}

static void *
kube_cr_decode_tok(const struct jtok *d, int obj, char **cause)
{
	struct kube_dec k = {d, "CertificateRequest", NULL, NULL, NULL};
	struct kube_cr *cr = xcalloc(1, sizeof *cr);

	if (jtok_type(d, obj) != JTOK_OBJECT)
		kube_dec_fail(&k, "the object is %s, not an object", kube_dec_type(&k, obj));
	kube_dec_meta(&k, obj, &cr->namespace, &cr->name, &cr->uid, &cr->resource_version,
	              &cr->generation);
	kube_dec_cr_spec(&k, obj, cr);
	if (kube_dec_identity_done(&k, cause) != 0) {
		kube_cr_free(cr);
		return NULL;
	}
	kube_dec_cr_meta_extra(&k, obj, cr);
	kube_dec_cr_spec_rest(&k, obj, cr);
	kube_dec_cr_status(&k, obj, cr);
	kube_dec_finish(&k, &cr->invalid);
	if (cr->usages == NULL)
		cr->usages = xcalloc(1, sizeof *cr->usages);
	return cr;
}

/* ---- AWSPCAIssuer, AWSPCAClusterIssuer ---- */

void
kube_issuer_free(struct kube_issuer *iss)
{
	if (iss == NULL)
		return;
	free(iss->namespace);
	free(iss->name);
	free(iss->uid);
	free(iss->resource_version);
	free(iss->arn);
	free(iss->region);
	free(iss->role);
	free(iss->default_template);
	free(iss->secret_name);
	free(iss->secret_namespace);
	free(iss->access_key_id_key);
	free(iss->secret_access_key_key);
	free(iss->session_token_key);
	free(iss->renew_before);
	free(iss->ca_fingerprint);
	kube_condition_clear(&iss->ready);
	kube_condition_clear(&iss->renewing);
	free(iss->invalid);
	free(iss);
}

/* secretRef.<selector>.key, or dflt when the selector or its key is unset. */
static char *
kube_dec_selector(struct kube_dec *k, int ref, const char *selector, const char *dflt)
{
	char where[64];
	int sel;
	char *key = NULL;

	snprintf(where, sizeof where, "spec.secretRef.%s", selector);
	sel = kube_dec_obj(k, ref, "spec.secretRef", selector);
	kube_dec_str(k, sel, where, "key", &key);
	if (key == NULL || *key == '\0') {
		free(key);
		key = xstrdup(dflt);
	}
	return key;
}

static void
kube_dec_issuer_spec(struct kube_dec *k, int obj, struct kube_issuer *iss)
{
	int spec = kube_dec_obj(k, obj, "", "spec");
	int ref = kube_dec_obj(k, spec, "spec", "secretRef");
	int tmpl = kube_dec_obj(k, spec, "spec", "pcaTemplate");

	kube_dec_str(k, spec, "spec", "arn", &iss->arn);
	kube_dec_str(k, spec, "spec", "region", &iss->region);
	kube_dec_str(k, spec, "spec", "role", &iss->role);
	kube_dec_str(k, tmpl, "spec.pcaTemplate", "defaultTemplateName", &iss->default_template);
	kube_dec_str(k, ref, "spec.secretRef", "name", &iss->secret_name);
	kube_dec_str(k, ref, "spec.secretRef", "namespace", &iss->secret_namespace);
	iss->access_key_id_key =
	    kube_dec_selector(k, ref, "accessKeyIDSelector", "AWS_ACCESS_KEY_ID");
	iss->secret_access_key_key =
	    kube_dec_selector(k, ref, "secretAccessKeySelector", "AWS_SECRET_ACCESS_KEY");
	iss->session_token_key =
	    kube_dec_selector(k, ref, "sessionTokenSelector", "AWS_SESSION_TOKEN");
}

static void *
kube_issuer_decode_kind(const struct jtok *d, int obj, int cluster, char **cause)
{
	static const char *const types[] = {"Ready", "Renewing"};
	struct kube_dec k = {d, cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer", NULL, NULL, NULL};
	struct kube_issuer *iss = xcalloc(1, sizeof *iss);
	struct kube_condition *const slots[] = {&iss->ready, &iss->renewing};
	int ann;

	iss->cluster = cluster;
	if (jtok_type(d, obj) != JTOK_OBJECT)
		kube_dec_fail(&k, "the object is %s, not an object", kube_dec_type(&k, obj));
	kube_dec_meta(&k, obj, &iss->namespace, &iss->name, &iss->uid, &iss->resource_version,
	              &iss->generation);
	if (kube_dec_identity_done(&k, cause) != 0) {
		kube_issuer_free(iss);
		return NULL;
	}
	kube_dec_conditions(&k, kube_dec_obj(&k, obj, "", "status"), types, slots, 2);
	ann = kube_dec_obj(&k, jtok_get(d, obj, "metadata"), "metadata", "annotations");
	kube_dec_str(&k, ann, "metadata.annotations", KUBE_CA_FINGERPRINT_ANNOTATION,
	             &iss->ca_fingerprint);
	/* A bad time is the renewal controller's to report, not a bad issuer. */
	kube_dec_str(&k, ann, "metadata.annotations", KUBE_RENEW_BEFORE_ANNOTATION,
	             &iss->renew_before);
	if (iss->renew_before != NULL &&
	    timefmt_parse(iss->renew_before, &iss->renew_before_ms) != 0)
		iss->renew_before_ms = 0;
	kube_dec_issuer_spec(&k, obj, iss);
	kube_dec_finish(&k, &iss->invalid);
	return iss;
}

static void *
kube_issuer_decode_tok(const struct jtok *d, int obj, char **cause)
{
	return kube_issuer_decode_kind(d, obj, 0, cause);
}

static void *
kube_cluster_issuer_decode_tok(const struct jtok *d, int obj, char **cause)
{
	return kube_issuer_decode_kind(d, obj, 1, cause);
}

/* ---- Certificate ---- */

void
kube_certificate_free(struct kube_certificate *c)
{
	if (c == NULL)
		return;
	free(c->namespace);
	free(c->name);
	free(c->uid);
	free(c->resource_version);
	free(c->issuer_group);
	free(c->issuer_kind);
	free(c->issuer_name);
	kube_condition_clear(&c->ready);
	kube_condition_clear(&c->issuing);
	free(c->invalid);
	free(c);
}

static void *
kube_certificate_decode_tok(const struct jtok *d, int obj, char **cause)
{
	static const char *const types[] = {"Ready", "Issuing"};
	struct kube_dec k = {d, "Certificate", NULL, NULL, NULL};
	struct kube_certificate *c = xcalloc(1, sizeof *c);
	struct kube_condition *const slots[] = {&c->ready, &c->issuing};
	int spec, ref, status;
	char *dur = NULL;
	int64_t ns = 0;

	if (jtok_type(d, obj) != JTOK_OBJECT)
		kube_dec_fail(&k, "the object is %s, not an object", kube_dec_type(&k, obj));
	kube_dec_meta(&k, obj, &c->namespace, &c->name, &c->uid, &c->resource_version,
	              &c->generation);
	spec = kube_dec_obj(&k, obj, "", "spec");
	ref = kube_dec_obj(&k, spec, "spec", "issuerRef");
	kube_dec_str(&k, ref, "spec.issuerRef", "group", &c->issuer_group);
	kube_dec_str(&k, ref, "spec.issuerRef", "kind", &c->issuer_kind);
	kube_dec_str(&k, ref, "spec.issuerRef", "name", &c->issuer_name);
	if (kube_dec_identity_done(&k, cause) != 0) {
		kube_certificate_free(c);
		return NULL;
	}
	kube_dec_str(&k, spec, "spec", "duration", &dur);
	if (dur != NULL && (codec_duration_parse(dur, &ns, NULL) != 0 || ns < 0))
		kube_dec_fail(&k, "spec.duration \"%s\" is not a duration such as \"2160h0m0s\"",
		              dur);
	else
		c->duration_s = ns / 1000000000;
	free(dur);
	status = kube_dec_obj(&k, obj, "", "status");
	kube_dec_time(&k, status, "status", "notBefore", &c->not_before_ms);
	kube_dec_time(&k, status, "status", "notAfter", &c->not_after_ms);
	kube_dec_time(&k, status, "status", "renewalTime", &c->renewal_time_ms);
	kube_dec_int(&k, status, "status", "revision", &c->revision);
	kube_dec_time(&k, status, "status", "lastFailureTime", &c->last_failure_ms);
	kube_dec_time(&k, jtok_get(d, obj, "metadata"), "metadata", "creationTimestamp",
	              &c->created_ms);
	if (status != -1)
		kube_dec_conditions(&k, status, types, slots, 2);
	kube_dec_finish(&k, &c->invalid);
	return c;
}

static void
kube_certificate_free_any(void *obj)
{
	kube_certificate_free(obj);
}

static void
kube_cr_free_any(void *obj)
{
	kube_cr_free(obj);
}

static void
kube_issuer_free_any(void *obj)
{
	kube_issuer_free(obj);
}

const struct kube_type kube_type_cr = {"CertificateRequest", &kube_res_certificaterequests,
                                       kube_cr_decode_tok, kube_cr_free_any};
const struct kube_type kube_type_issuer = {"AWSPCAIssuer", &kube_res_awspcaissuers,
                                           kube_issuer_decode_tok, kube_issuer_free_any};
const struct kube_type kube_type_cluster_issuer = {
    "AWSPCAClusterIssuer", &kube_res_awspcaclusterissuers, kube_cluster_issuer_decode_tok,
    kube_issuer_free_any};
const struct kube_type kube_type_certificate = {
    "Certificate", &kube_res_certificates, kube_certificate_decode_tok, kube_certificate_free_any};

/* Parses a whole answer and runs the type's decoder on its top-level object. */
void *
kube_decode_body(const struct kube_type *type, const char *json, size_t len, char **cause)
{
	struct jtok *d = NULL;
	char *why = NULL;
	void *obj;

	if (jtok_parse(json, len, &d, &why) != 0) {
		*cause = xasprintf("the %s is not valid JSON: %s", type->kind, why);
		free(why);
		return NULL;
	}
	obj = type->decode(d, JTOK_ROOT, cause);
	jtok_free(d);
	return obj;
}

int
kube_cr_decode(const char *json, size_t len, struct kube_cr **out, char **cause)
{
	*out = kube_decode_body(&kube_type_cr, json, len, cause);
	return *out != NULL ? 0 : -1;
}

int
kube_issuer_decode(const char *json, size_t len, int cluster, struct kube_issuer **out,
                   char **cause)
{
	*out = kube_decode_body(cluster ? &kube_type_cluster_issuer : &kube_type_issuer, json, len,
	                        cause);
	return *out != NULL ? 0 : -1;
}
