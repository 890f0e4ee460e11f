/*
 * Which AWS Private CA certificate template signs a CertificateRequest, and
 * until when the certificate is valid, chosen exactly as the Go
 * aws-privateca-issuer chooses them so that replacing it changes no issued
 * certificate:
 *
 *   1. the issuer's spec.pcaTemplate.defaultTemplateName, when set;
 *   2. spec.isCA: SubordinateCACertificate_PathLen0/V1;
 *   3. spec.usages exactly ["code signing"]: CodeSigningCertificate/V1,
 *      ["client auth"]: EndEntityClientAuthCertificate/V1,
 *      ["server auth"]: EndEntityServerAuthCertificate/V1,
 *      ["ocsp signing"]: OCSPSigningCertificate/V1,
 *      ["client auth", "server auth"] in either order: EndEntityCertificate/V1;
 *   4. anything else: BlankEndEntityCertificate_APICSRPassthrough/V1, which
 *      takes key usages and extensions from the CSR.
 *
 * The template ARN is arn:<partition>:acm-pca:::template/<name>, with the
 * partition of the CA's ARN (aws, aws-cn, aws-us-gov, ...). Validity is
 * ABSOLUTE: the Unix time now + spec.duration, or now + 30 days without one
 * (cert-manager sets spec.duration on every request it makes from a
 * Certificate; the default only matters for requests made by hand).
 */
#ifndef PCA_HANDLERS_TEMPLATE_H
#define PCA_HANDLERS_TEMPLATE_H

#include <stdint.h>

/* The validity when a CertificateRequest has no spec.duration. */
#define TEMPLATE_DEFAULT_DURATION_S ((int64_t)30 * 24 * 3600)

/*
 * The template name (as "EndEntityCertificate/V1") for a request: static,
 * or default_template itself when that is set.
 * default_template may be NULL or "" for none; usages is NULL-terminated,
 * NULL or empty when spec.usages is unset.
 */
const char *template_name(const char *default_template, int is_ca, const char *const *usages);

/*
 * The full template ARN for a request to the CA ca_arn; the caller frees
 * *out. Fails when ca_arn has no partition ("arn:<partition>:...").
 */
int template_arn(const char *ca_arn, const char *default_template, int is_ca,
                 const char *const *usages, char **out, char **cause);

/*
 * The ABSOLUTE validity end in Unix seconds: now + duration_s, or now +
 * TEMPLATE_DEFAULT_DURATION_S when duration_s is 0 (spec.duration unset).
 * Saturates at INT64_MAX.
 */
int64_t template_validity_end(int64_t now, int64_t duration_s);

#endif
