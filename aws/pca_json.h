/*
 * The bytes of AWS Private CA calls: request bodies encoded as botocore's
 * service model for acm-pca 2017-08-22 describes them (AWS JSON 1.1), and
 * the answers decoded into plain strings. No I/O.
 */
#ifndef PCA_AWS_PCA_JSON_H
#define PCA_AWS_PCA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "aws/pca.h"
#include "core/buf.h"

/*
 * IssueCertificate: {"CertificateAuthorityArn", "Csr" (base64 of the PEM
 * bytes), "SigningAlgorithm", "TemplateArn"?, "Validity": {"Value", "Type"},
 * "ValidityNotBefore": {"Value", "Type": "ABSOLUTE"}?, "IdempotencyToken"?,
 * "ApiPassthrough"?}. Appends to out and returns 0, or returns -1 with
 * *cause when a required field is missing or api_passthrough_json is not a
 * JSON object.
 */
int aws_pca_json_issue(struct buf *out, const struct aws_pca_issue_params *p, char **cause);
/* {"CertificateAuthorityArn", "CertificateArn"} */
void aws_pca_json_get_certificate(struct buf *out, const char *ca_arn, const char *cert_arn);
/* {"CertificateAuthorityArn"}: DescribeCertificateAuthority, GetCertificateAuthorityCertificate */
void aws_pca_json_ca(struct buf *out, const char *ca_arn);
/* {"CertificateAuthorityArn", "CertificateSerial", "RevocationReason"} */
void aws_pca_json_revoke(struct buf *out, const char *ca_arn, const char *serial,
                         const char *reason);

/* A successful answer's fields; each a new string or NULL when absent. */
struct aws_pca_reply {
	char *certificate_arn;
	char *certificate;
	char *certificate_chain;
	char *ca_status;
	char *ca_type;
	char *ca_key_algorithm;
	char *ca_signing_algorithm;
	int64_t ca_not_after;
};

/*
 * Decodes the 2xx answer to op. Returns 0, or -1 with *cause when the body
 * is not JSON or lacks what op must answer (IssueCertificate without a
 * CertificateArn, ...). RevokeCertificate answers nothing: an empty body
 * is fine. *out is cleared first; free it with aws_pca_json_reply_clear.
 */
int aws_pca_json_decode(enum aws_pca_op op, const char *body, size_t len, struct aws_pca_reply *out,
                        char **cause);
void aws_pca_json_reply_clear(struct aws_pca_reply *r);

#endif
