/*
 * Request bodies and answers of the AWS Private CA operations the issuer
 * uses. Member names and nesting follow botocore's acm-pca model; blobs
 * (the CSR) are base64 as the JSON protocols carry them; timestamps arrive
 * as seconds since the epoch, possibly with a fraction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pca_json.h"
#include "core/codec.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/xmalloc.h"

#define AWS_PCA_JSON_TOKEN_MAX 36

/* Appends "key":"<base64 of p>" without line breaks. */
static void
aws_pca_json_kv_base64(struct jenc *e, const char *key, const unsigned char *p, size_t len)
{
	struct buf b64 = BUF_INIT;

	codec_base64_encode(&b64, p, len);
	jenc_key(e, key);
	jenc_strn(e, buf_str(&b64), b64.len);
	buf_clear(&b64);
}

static void
aws_pca_json_validity(struct jenc *e, const char *key, int64_t value, const char *type)
{
	jenc_key(e, key);
	jenc_obj_open(e);
	jenc_kv_int(e, "Value", value);
	jenc_kv_str(e, "Type", type);
	jenc_obj_close(e);
}

static int
aws_pca_json_issue_check(const struct aws_pca_issue_params *p, struct jtok **pass, char **cause)
{
	const char *missing = NULL;
	char *why = NULL;

	*pass = NULL;
	if (p->ca_arn == NULL || *p->ca_arn == '\0')
		missing = "the CA ARN";
	else if (p->csr_pem == NULL || p->csr_len == 0)
		missing = "the CSR";
	else if (p->signing_algorithm == NULL || *p->signing_algorithm == '\0')
		missing = "the signing algorithm";
	else if (p->validity_type == NULL || *p->validity_type == '\0')
		missing = "the validity type";
	if (missing != NULL) {
		*cause = xasprintf("IssueCertificate needs %s", missing);
		return -1;
	}
	if (p->csr_len > (size_t)1 << 24) {
		*cause = xstrdup("the CSR is larger than 16 MiB");
		return -1;
	}
	if (p->idempotency_token != NULL && strlen(p->idempotency_token) > AWS_PCA_JSON_TOKEN_MAX) {
		*cause = xasprintf("the idempotency token is longer than %d characters",
		                   AWS_PCA_JSON_TOKEN_MAX);
		return -1;
	}
	if (p->api_passthrough_json == NULL)
		return 0;
	if (jtok_parse(p->api_passthrough_json, strlen(p->api_passthrough_json), pass, &why) != 0) {
		*cause = xasprintf("ApiPassthrough is not valid JSON: %s", why);
		free(why);
		return -1;
	}
	if (jtok_type(*pass, JTOK_ROOT) != JTOK_OBJECT) {
		jtok_free(*pass);
		*pass = NULL;
		*cause = xstrdup("ApiPassthrough must be a JSON object");
		return -1;
	}
	return 0;
}

int
aws_pca_json_issue(struct buf *out, const struct aws_pca_issue_params *p, char **cause)
{
	struct jenc e;
	struct jtok *pass;
	struct span raw;

	if (aws_pca_json_issue_check(p, &pass, cause) != 0)
		return -1;
	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "CertificateAuthorityArn", p->ca_arn);
	aws_pca_json_kv_base64(&e, "Csr", p->csr_pem, p->csr_len);
	jenc_kv_str(&e, "SigningAlgorithm", p->signing_algorithm);
	if (p->template_arn != NULL && *p->template_arn != '\0')
		jenc_kv_str(&e, "TemplateArn", p->template_arn);
	aws_pca_json_validity(&e, "Validity", p->validity_value, p->validity_type);
	if (p->validity_not_before != 0)
		aws_pca_json_validity(&e, "ValidityNotBefore", p->validity_not_before, "ABSOLUTE");
	if (p->idempotency_token != NULL && *p->idempotency_token != '\0')
		jenc_kv_str(&e, "IdempotencyToken", p->idempotency_token);
	if (pass != NULL) {
		/* Re-emitted from the parsed value: what was checked is what is sent. */
		raw = jtok_raw(pass, JTOK_ROOT);
		jenc_key(&e, "ApiPassthrough");
		jenc_raw(&e, raw.p, raw.len);
		jtok_free(pass);
	}
	jenc_obj_close(&e);
	return 0;
}

void
aws_pca_json_get_certificate(struct buf *out, const char *ca_arn, const char *cert_arn)
{
	struct jenc e;

	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "CertificateAuthorityArn", ca_arn != NULL ? ca_arn : "");
	jenc_kv_str(&e, "CertificateArn", cert_arn != NULL ? cert_arn : "");
	jenc_obj_close(&e);
}

void
aws_pca_json_ca(struct buf *out, const char *ca_arn)
{
	struct jenc e;

	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "CertificateAuthorityArn", ca_arn != NULL ? ca_arn : "");
	jenc_obj_close(&e);
}

void
aws_pca_json_revoke(struct buf *out, const char *ca_arn, const char *serial, const char *reason)
{
	struct jenc e;

	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "CertificateAuthorityArn", ca_arn != NULL ? ca_arn : "");
	jenc_kv_str(&e, "CertificateSerial", serial != NULL ? serial : "");
	jenc_kv_str(&e, "RevocationReason", reason != NULL ? reason : "UNSPECIFIED");
	jenc_obj_close(&e);
}

void
aws_pca_json_reply_clear(struct aws_pca_reply *r)
{
	free(r->certificate_arn);
	free(r->certificate);
	free(r->certificate_chain);
	free(r->ca_status);
	free(r->ca_type);
	free(r->ca_key_algorithm);
	free(r->ca_signing_algorithm);
	memset(r, 0, sizeof *r);
}

/* A required string member: 0, or -1 with *cause naming it. */
static int
aws_pca_json_need(const struct jtok *d, int obj, const char *key, char **out, char **cause)
{
	switch (jtok_get_str(d, obj, key, out)) {
	case 0:
		if (**out != '\0')
			return 0;
		free(*out);
		*out = NULL;
		*cause = xasprintf("%s is empty", key);
		return -1;
	case 1:
		*cause = xasprintf("%s is missing", key);
		return -1;
	default:
		*cause = xasprintf("%s is not a string", key);
		return -1;
	}
}

/* An optional string member: absent and null are fine, another type is not. */
static int
aws_pca_json_opt(const struct jtok *d, int obj, const char *key, char **out, char **cause)
{
	if (jtok_get_str(d, obj, key, out) >= 0)
		return 0;
	*cause = xasprintf("%s is not a string", key);
	return -1;
}

static int
aws_pca_json_describe(const struct jtok *d, struct aws_pca_reply *out, char **cause)
{
	int ca = jtok_get(d, JTOK_ROOT, "CertificateAuthority");
	int conf = jtok_get(d, ca, "CertificateAuthorityConfiguration");
	int na = jtok_get(d, ca, "NotAfter");
	double t;

	if (jtok_type(d, ca) != JTOK_OBJECT) {
		*cause = xstrdup("CertificateAuthority is missing");
		return -1;
	}
	if (aws_pca_json_need(d, ca, "Status", &out->ca_status, cause) != 0 ||
	    aws_pca_json_opt(d, ca, "Type", &out->ca_type, cause) != 0 ||
	    aws_pca_json_opt(d, conf, "KeyAlgorithm", &out->ca_key_algorithm, cause) != 0 ||
	    aws_pca_json_opt(d, conf, "SigningAlgorithm", &out->ca_signing_algorithm, cause) != 0)
		return -1;
	if (na != -1 && !jtok_is_null(d, na)) {
		if (jtok_double(d, na, &t) != 0 || t < 0 || t > 1e12) {
			*cause = xstrdup("NotAfter is not a time in seconds");
			return -1;
		}
		out->ca_not_after = (int64_t)floor(t);
	}
	return 0;
}

static int
aws_pca_json_fields(enum aws_pca_op op, const struct jtok *d, struct aws_pca_reply *out,
                    char **cause)
{
	switch (op) {
	case AWS_PCA_ISSUE_CERTIFICATE:
		return aws_pca_json_need(d, JTOK_ROOT, "CertificateArn", &out->certificate_arn,
		                         cause);
	case AWS_PCA_GET_CERTIFICATE:
	case AWS_PCA_GET_CA_CERTIFICATE:
		if (aws_pca_json_need(d, JTOK_ROOT, "Certificate", &out->certificate, cause) != 0)
			return -1;
		return aws_pca_json_opt(d, JTOK_ROOT, "CertificateChain", &out->certificate_chain,
		                        cause);
	case AWS_PCA_DESCRIBE_CA:
		return aws_pca_json_describe(d, out, cause);
	case AWS_PCA_REVOKE_CERTIFICATE:
	case AWS_PCA_NOPS:
		break;
	}
	return 0;
}

static int
aws_pca_json_blank(const char *body, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
			return 0;
	return 1;
}

int
aws_pca_json_decode(enum aws_pca_op op, const char *body, size_t len, struct aws_pca_reply *out,
                    char **cause)
{
	struct jtok *d;
	int rc;

	memset(out, 0, sizeof *out);
	if (op == AWS_PCA_REVOKE_CERTIFICATE && aws_pca_json_blank(body, len))
		return 0;
	if (len == 0) {
		*cause = xstrdup("the body is empty");
		return -1;
	}
	if (jtok_parse(body, len, &d, cause) != 0)
		return -1;
	if (jtok_type(d, JTOK_ROOT) != JTOK_OBJECT) {
		*cause = xasprintf("the body is a JSON %s, not an object",
		                   jtok_type_name(jtok_type(d, JTOK_ROOT)));
		rc = -1;
	} else
		rc = aws_pca_json_fields(op, d, out, cause);
	jtok_free(d);
	if (rc != 0)
		aws_pca_json_reply_clear(out);
	return rc;
}
