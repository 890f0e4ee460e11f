/*
 * The decoder of a Kubernetes CertificateSigningRequest
 * (certificates.k8s.io/v1) into struct kube_cr, so that one controller
 * serves both APIs (handlers/certreqs.h):
 *
 *   spec.signerName  awspcaclusterissuers.awspca.cert-manager.io/<name>
 *                    awspcaissuers.awspca.cert-manager.io/<namespace>.<name>
 *                    -> issuerRef; any other signer leaves issuer_group
 *                    NULL: not ours, and it costs nothing more
 *   spec.request, spec.usages       -> csr_pem, usages
 *   spec.expirationSeconds, else the request-duration annotation -> duration_s
 *   the request-is-ca annotation "true"                          -> is_ca
 *   spec.username, uid, groups, extra -> the requester, for the access review
 *   Approved, Denied                  -> approved, denied
 *   status.certificate                -> Ready=True reason Issued
 *   Failed=True                       -> Ready=False reason Failed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/types.h"
#include "kube/types_dec.h"

const struct kube_resource kube_res_certificatesigningrequests = {"certificates.k8s.io", "v1",
                                                                  "certificatesigningrequests", 0};

/* spec.signerName: ours or not; a malformed one of ours is invalid, not foreign. */
static void
kube_dec_signer(struct kube_dec *k, int spec, struct kube_cr *cr)
{
	static const size_t ncl = sizeof KUBE_CSR_SIGNER_CLUSTER_PREFIX - 1;
	static const size_t nns = sizeof KUBE_CSR_SIGNER_NAMESPACED_PREFIX - 1;
	char *signer = NULL;
	const char *rest, *dot;

	kube_dec_str(k, spec, "spec", "signerName", &signer);
	if (signer == NULL)
		return;
	if (strncmp(signer, KUBE_CSR_SIGNER_CLUSTER_PREFIX, ncl) == 0) {
		cr->issuer_kind = xstrdup("AWSPCAClusterIssuer");
		cr->issuer_name = xstrdup(signer + ncl);
	} else if (strncmp(signer, KUBE_CSR_SIGNER_NAMESPACED_PREFIX, nns) == 0) {
		/* Namespaces hold no dot, names may: the first dot ends the namespace. */
		rest = signer + nns;
		cr->issuer_kind = xstrdup("AWSPCAIssuer");
		if ((dot = strchr(rest, '.')) != NULL && dot != rest) {
			cr->issuer_namespace = xstrndup(rest, (size_t)(dot - rest));
			cr->issuer_name = xstrdup(dot + 1);
		} else
			cr->issuer_name = xstrdup("");
	} else {
		free(signer);
		return;
	}
	cr->issuer_group = xstrdup(KUBE_AWSPCA_GROUP);
	free(signer);
}

/* Checked after the identity: a signer of ours that names no issuer is invalid. */
static void
kube_dec_signer_check(struct kube_dec *k, const struct kube_cr *cr)
{
	if (cr->issuer_name != NULL && *cr->issuer_name == '\0')
		kube_dec_fail(k,
		              "spec.signerName names no issuer: it must be %s<name> or "
		              "%s<namespace>.<name>",
		              KUBE_CSR_SIGNER_CLUSTER_PREFIX, KUBE_CSR_SIGNER_NAMESPACED_PREFIX);
}

/* A list of strings at key of obj into *out (NULL-terminated, always allocated). */
static void
kube_dec_strings(struct kube_dec *k, int obj, const char *where, const char *key, char ***out)
{
	int arr = jtok_get(k->d, obj, key), t, i = 0;

	*out = xcalloc((size_t)jtok_count(k->d, arr) + 1, sizeof **out);
	if (arr == -1 || jtok_is_null(k->d, arr))
		return;
	if (jtok_type(k->d, arr) != JTOK_ARRAY) {
		kube_dec_fail(k, "%s.%s must be an array, not %s", where, key,
		              kube_dec_type(k, arr));
		return;
	}
	for (t = jtok_first(k->d, arr); t != -1; t = jtok_next(k->d, t), i++) {
		if (jtok_str(k->d, t, &(*out)[i]) != 0) {
			kube_dec_fail(k, "%s.%s[%d] must be a string, not %s", where, key, i,
			              kube_dec_type(k, t));
			return;
		}
	}
}

/* spec.extra: an object of string lists, kept as its JSON text for the access review. */
static void
kube_dec_extra(struct kube_dec *k, int spec, struct kube_cr *cr)
{
	int obj = kube_dec_obj(k, spec, "spec", "extra"), v, e;
	struct span raw;

	if (obj == -1)
		return;
	for (v = jtok_first(k->d, obj); v != -1; v = jtok_next(k->d, v)) {
		if (jtok_type(k->d, v) != JTOK_ARRAY) {
			kube_dec_fail(k, "spec.extra values must be arrays, not %s",
			              kube_dec_type(k, v));
			return;
		}
		for (e = jtok_first(k->d, v); e != -1; e = jtok_next(k->d, e)) {
			if (jtok_type(k->d, e) != JTOK_STRING) {
				kube_dec_fail(k, "spec.extra values must hold strings, not %s",
				              kube_dec_type(k, e));
				return;
			}
		}
	}
	raw = jtok_raw(k->d, obj);
	cr->extra_json = xstrndup(raw.p, raw.len);
}

/* How long the certificate should be valid: spec.expirationSeconds, else the annotation. */
static void
kube_dec_csr_duration(struct kube_dec *k, int spec, int ann, struct kube_cr *cr)
{
	int64_t secs = 0, ns = 0;
	char *s = NULL;

	kube_dec_int(k, spec, "spec", "expirationSeconds", &secs);
	if (secs < 0)
		kube_dec_fail(k, "spec.expirationSeconds %lld is negative", (long long)secs);
	if (secs > 0) {
		cr->duration_s = secs;
		return;
	}
	kube_dec_str(k, ann, "metadata.annotations", KUBE_CSR_DURATION_ANNOTATION, &s);
	if (s != NULL && codec_duration_parse(s, &ns, NULL) != 0)
		kube_dec_fail(k, "annotation %s \"%s\" is not a duration such as \"2160h\"",
		              KUBE_CSR_DURATION_ANNOTATION, s);
	else if (s != NULL && (cr->duration_s = ns / 1000000000) <= 0)
		kube_dec_fail(k, "annotation %s \"%s\" is not positive",
		              KUBE_CSR_DURATION_ANNOTATION, s);
	free(s);
}

static void
kube_dec_csr_meta(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	int md = jtok_get(k->d, obj, "metadata");
	int ann = kube_dec_obj(k, md, "metadata", "annotations");
	int del = jtok_get(k->d, md, "deletionTimestamp");
	char *is_ca = NULL;

	kube_dec_str(k, ann, "metadata.annotations", KUBE_CERT_ARN_ANNOTATION,
	             &cr->certificate_arn);
	kube_dec_str(k, ann, "metadata.annotations", KUBE_ISSUE_STARTED_ANNOTATION,
	             &cr->issue_started);
	kube_dec_str(k, ann, "metadata.annotations", KUBE_CSR_IS_CA_ANNOTATION, &is_ca);
	cr->is_ca = is_ca != NULL && strcmp(is_ca, "true") == 0;
	free(is_ca);
	kube_dec_time(k, md, "metadata", "creationTimestamp", &cr->created_ms);
	cr->deleting = del != -1 && !jtok_is_null(k->d, del);
}

static void
kube_dec_csr_spec(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	int spec = kube_dec_obj(k, obj, "", "spec");
	int ann = jtok_get(k->d, jtok_get(k->d, obj, "metadata"), "annotations");

	if (spec == -1) {
		kube_dec_fail(k, "spec is missing");
		return;
	}
	kube_dec_request(k, spec, cr);
	kube_dec_usages(k, spec, cr);
	kube_dec_str(k, spec, "spec", "username", &cr->username);
	kube_dec_str(k, spec, "spec", "uid", &cr->requester_uid);
	kube_dec_strings(k, spec, "spec", "groups", &cr->groups);
	kube_dec_extra(k, spec, cr);
	kube_dec_csr_duration(k, spec, jtok_type(k->d, ann) == JTOK_OBJECT ? ann : -1, cr);
}

static void
kube_dec_csr_status(struct kube_dec *k, int obj, struct kube_cr *cr)
{
	static const char *const types[] = {"Approved", "Denied", "Failed"};
	struct kube_condition failed = {KUBE_COND_ABSENT, NULL, NULL, 0, NULL};
	struct kube_condition *const slots[] = {&cr->approved, &cr->denied, &failed};
	int status = kube_dec_obj(k, obj, "", "status");
	char *cert = NULL;

	if (status == -1)
		return;
	kube_dec_conditions(k, status, types, slots, 3);
	kube_dec_str(k, status, "status", "certificate", &cert);
	cr->has_certificate = cert != NULL && *cert != '\0';
	free(cert);
	if (cr->has_certificate) {
		cr->ready.status = KUBE_COND_TRUE;
		cr->ready.reason = xstrdup("Issued");
	} else if (failed.status == KUBE_COND_TRUE) {
		cr->ready.status = KUBE_COND_FALSE;
		cr->ready.reason = xstrdup("Failed");
		cr->ready.message = failed.message;
		failed.message = NULL;
	}
	kube_condition_clear(&failed);
}

static void *
kube_csr_decode_tok(const struct jtok *d, int obj, char **cause)
{
	struct kube_dec k = {d, "CertificateSigningRequest", NULL, NULL, NULL};
	struct kube_cr *cr = xcalloc(1, sizeof *cr);
	int spec;

	cr->api = KUBE_CR_KUBERNETES;
	if (jtok_type(d, obj) != JTOK_OBJECT)
		kube_dec_fail(&k, "the object is %s, not an object", kube_dec_type(&k, obj));
	kube_dec_meta(&k, obj, &cr->namespace, &cr->name, &cr->uid, &cr->resource_version,
	              &cr->generation);
	spec = kube_dec_obj(&k, obj, "", "spec");
	kube_dec_signer(&k, spec, cr);
	if (kube_dec_identity_done(&k, cause) != 0) {
		kube_cr_free(cr);
		return NULL;
	}
	if (cr->issuer_group == NULL) {
		/* Another signer's: only what identifies it is kept. */
		kube_dec_finish(&k, &cr->invalid);
		return cr;
	}
	kube_dec_signer_check(&k, cr);
	kube_dec_csr_meta(&k, obj, cr);
	kube_dec_csr_spec(&k, obj, cr);
	kube_dec_csr_status(&k, obj, cr);
	kube_dec_finish(&k, &cr->invalid);
	if (cr->usages == NULL)
		cr->usages = xcalloc(1, sizeof *cr->usages);
	return cr;
}

static void
kube_csr_free_any(void *obj)
{
	kube_cr_free(obj);
}

const struct kube_type kube_type_csr = {"CertificateSigningRequest",
                                        &kube_res_certificatesigningrequests, kube_csr_decode_tok,
                                        kube_csr_free_any};

int
kube_csr_decode(const char *json, size_t len, struct kube_cr **out, char **cause)
{
	*out = kube_decode_body(&kube_type_csr, json, len, cause);
	return *out != NULL ? 0 : -1;
}
