/*
 * The certificate signing request of a CertificateRequest, checked before it
 * goes to AWS Private CA and against what comes back:
 *
 *   - csr_parse: exactly one PEM "CERTIFICATE REQUEST" (or "NEW CERTIFICATE
 *     REQUEST") block, a valid self-signature, and a key AWS Private CA
 *     signs: RSA of 2048 to 8192 bits, or ECDSA on P-256, P-384 or P-521
 *     given by name.
 *   - csr_check_spec: the CSR's requested basic constraints and key usages
 *     agree with spec.isCA and spec.usages, by cert-manager's rules, since a
 *     passthrough template copies the CSR's extensions into the certificate.
 *   - csr_public_key_matches: an issued certificate carries the CSR's key.
 *   - csr_split_certs: a PEM chain as one PEM string per certificate.
 *
 * Every failure is -1 with a sentence in *cause (the caller frees it) that
 * says what is wrong with the request, fit for a CertificateRequest's Ready
 * condition.
 */
#ifndef PCA_HANDLERS_CSR_H
#define PCA_HANDLERS_CSR_H

#include <stddef.h>

struct csr;

enum csr_key_type {
	CSR_KEY_RSA,
	CSR_KEY_EC,
};

/* Longest accepted spec.request; cert-manager's own CSRs are a few KiB. */
#define CSR_MAX_PEM (64 * 1024)

/*
 * Parses and checks pem (len bytes, need not be NUL-terminated). On success
 * *out is the caller's, freed with csr_free().
 */
int csr_parse(const char *pem, size_t len, struct csr **out, char **cause);
void csr_free(struct csr *csr);

enum csr_key_type csr_key_type(const struct csr *csr);
/* RSA modulus bits, or the EC curve's size (256, 384, 521). */
int csr_key_bits(const struct csr *csr);
/* "RSA 2048", "ECDSA P-384"; lives as long as csr. */
const char *csr_key_desc(const struct csr *csr);
/*
 * The request re-encoded as one canonical PEM block ("-----BEGIN
 * CERTIFICATE REQUEST-----", 64-column base64), whatever the input's label,
 * line breaks or text around it; lives as long as csr.
 */
const char *csr_pem(const struct csr *csr);

/*
 * Whether the CSR's extension request agrees with a CertificateRequest's
 * spec.isCA and spec.usages (usages: cert-manager usage names,
 * NULL-terminated; NULL or empty when unset):
 *   - CA:TRUE requested while is_ca is 0, or CA:FALSE requested while is_ca
 *     is 1, fails. A CSR without basic constraints agrees with either: the
 *     template decides.
 *   - When both the spec and the CSR name usages cert-manager knows (other
 *     extended key usages are ignored), they must be the same set,
 *     with "signing" the same as "digital signature", "s/mime" the same as
 *     "email protection", and "cert sign" implied by is_ca. As cert-manager
 *     does, the check is skipped when spec.usages is exactly its default
 *     ("digital signature", "key encipherment"), and a CSR asking for just
 *     that default is accepted.
 *   - A usage name cert-manager does not define fails.
 *   - Key usage cert sign or crl sign without is_ca, unless spec.usages
 *     names it, fails: a passthrough template would copy it.
 *   - A critical extension other than basic constraints, key usage,
 *     extended key usage and subject alternative names fails: nothing
 *     checks what it asks for.
 */
int csr_check_spec(const struct csr *csr, int is_ca, const char *const *usages, char **cause);

/*
 * Whether the first certificate in cert_pem (len bytes) carries the CSR's
 * public key; 0 if it does, -1 with *cause if not or if it cannot be read.
 */
int csr_public_key_matches(const struct csr *csr, const char *cert_pem, size_t len, char **cause);

/*
 * Splits a PEM chain into its certificates, in order, each re-encoded as one
 * canonical PEM block ending in a newline. Every block must be a CERTIFICATE
 * that parses; at least one is required. *certs is a NULL-terminated array
 * of *n strings, the caller's, freed with csr_certs_free().
 */
int csr_split_certs(const char *pem, size_t len, char ***certs, size_t *n, char **cause);
void csr_certs_free(char **certs);

/* Whether name is one of cert-manager's key usage names. */
int csr_usage_known(const char *name);

#endif
