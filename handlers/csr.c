/*
 * Checks on a CertificateRequest's CSR with OpenSSL 3, before AWS Private CA
 * sees it and after it answers. AWS would refuse some of these CSRs itself,
 * but only after a round trip and with a terse error; others it would sign:
 * a passthrough template copies the CSR's extensions, so a CSR asking for
 * CA:TRUE behind a CertificateRequest that says isCA: false would come back
 * as a CA certificate. Everything here is a pure function of its inputs.
 *
 * The PEM blocks are decoded by hand rather than with PEM_read_bio_X509_REQ
 * so that a second block, or a block of another kind, is seen and refused
 * instead of silently ignored, and so that csr_pem() hands on exactly the
 * DER whose signature was checked.
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/buf.h"
#include "core/der.h"
#include "core/xmalloc.h"
#include "handlers/csr.h"
#include "handlers/csr_impl.h"

#define CSR_RSA_MIN_BITS 2048
#define CSR_RSA_MAX_BITS 8192

/*
 * cert-manager's key usages, one bit each. The first nine are the X.509
 * KeyUsage bits in their order (RFC 5280 4.2.1.3), so a bit of the CSR's
 * KeyUsage extension maps to the usage of the same number.
 */
enum csr_usage_bit {
	CSR_U_DIGITAL_SIGNATURE,
	CSR_U_CONTENT_COMMITMENT,
	CSR_U_KEY_ENCIPHERMENT,
	CSR_U_DATA_ENCIPHERMENT,
	CSR_U_KEY_AGREEMENT,
	CSR_U_CERT_SIGN,
	CSR_U_CRL_SIGN,
	CSR_U_ENCIPHER_ONLY,
	CSR_U_DECIPHER_ONLY,
	CSR_U_ANY,
	CSR_U_SERVER_AUTH,
	CSR_U_CLIENT_AUTH,
	CSR_U_CODE_SIGNING,
	CSR_U_EMAIL_PROTECTION,
	CSR_U_IPSEC_END_SYSTEM,
	CSR_U_IPSEC_TUNNEL,
	CSR_U_IPSEC_USER,
	CSR_U_TIMESTAMPING,
	CSR_U_OCSP_SIGNING,
	CSR_U_MICROSOFT_SGC,
	CSR_U_NETSCAPE_SGC,
	CSR_U_COUNT,
};

#define CSR_U_FIRST_EKU CSR_U_ANY
#define CSR_BIT(u)      ((uint32_t)1 << (u))
#define CSR_U_DEFAULT   (CSR_BIT(CSR_U_DIGITAL_SIGNATURE) | CSR_BIT(CSR_U_KEY_ENCIPHERMENT))

/* The canonical name of each bit, as cert-manager writes it back. */
static const char *const csr_usage_names[CSR_U_COUNT] = {
    "digital signature", "content commitment",
    "key encipherment",  "data encipherment",
    "key agreement",     "cert sign",
    "crl sign",          "encipher only",
    "decipher only",     "any",
    "server auth",       "client auth",
    "code signing",      "email protection",
    "ipsec end system",  "ipsec tunnel",
    "ipsec user",        "timestamping",
    "ocsp signing",      "microsoft sgc",
    "netscape sgc",
};

/* The extended key usage OID of each bit from CSR_U_FIRST_EKU on. */
static const int csr_eku_nids[CSR_U_COUNT - CSR_U_FIRST_EKU] = {
    NID_anyExtendedKeyUsage, NID_server_auth,    NID_client_auth, NID_code_sign,
    NID_email_protect,       NID_ipsecEndSystem, NID_ipsecTunnel, NID_ipsecUser,
    NID_time_stamp,          NID_OCSP_sign,      NID_ms_sgc,      NID_ns_sgc,
};

int
csr_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	ERR_clear_error();
	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Returns the bit of a cert-manager usage name, aliases included, or -1. */
static int
csr_usage_lookup(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	if (strcmp(name, "signing") == 0)
		return CSR_U_DIGITAL_SIGNATURE;
	if (strcmp(name, "s/mime") == 0)
		return CSR_U_EMAIL_PROTECTION;
	for (i = 0; i < CSR_U_COUNT; i++) {
		if (strcmp(name, csr_usage_names[i]) == 0)
			return i;
	}
	return -1;
}

int
csr_usage_known(const char *name)
{
	return csr_usage_lookup(name) != -1;
}

/* A memory BIO over len bytes of p; NULL if len does not fit OpenSSL's int. */
static BIO *
csr_bio(const char *p, size_t len)
{
	BIO *bio;

	if (len > INT_MAX)
		return NULL;
	bio = BIO_new_mem_buf(p, (int)len);
	if (bio == NULL)
		fatalx("BIO_new_mem_buf failed");
	return bio;
}

/*
 * Reads the next PEM block of bio: 1 with *label and *der (both freed by the
 * caller with OPENSSL_free), 0 when no block is left, -1 when a block is
 * malformed (bad base64, no end line) or carries RFC 1421 headers, which no
 * certificate or request block has.
 */
static int
csr_next_block(BIO *bio, char **label, unsigned char **der, long *derlen)
{
	char *header = NULL;
	unsigned long e;
	int ok;

	*label = NULL;
	*der = NULL;
	if (PEM_read_bio(bio, label, &header, der, derlen) != 1) {
		e = ERR_peek_last_error();
		ERR_clear_error();
		return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE
		           ? 0
		           : -1;
	}
	ok = header == NULL || *header == '\0';
	OPENSSL_free(header);
	if (!ok) {
		OPENSSL_free(*label);
		OPENSSL_free(*der);
		*label = NULL;
		*der = NULL;
		return -1;
	}
	return 1;
}

/* One canonical PEM block of der under label; the caller frees it. */
static char *
csr_encode_pem(const char *label, const unsigned char *der, long derlen)
{
	BIO *out = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	if (out == NULL || PEM_write_bio(out, label, "", der, derlen) <= 0)
		fatalx("PEM_write_bio failed");
	n = BIO_get_mem_data(out, &p);
	s = xstrndup(p, (size_t)n);
	BIO_free(out);
	return s;
}

static int
csr_is_request_label(const char *label)
{
	return strcmp(label, "CERTIFICATE REQUEST") == 0 ||
	       strcmp(label, "NEW CERTIFICATE REQUEST") == 0;
}

/*
 * Finds the one CERTIFICATE REQUEST block of pem; *der is the caller's
 * (OPENSSL_free). Any other block, or a second request, is an error.
 */
static int
csr_find_request(const char *pem, size_t len, unsigned char **der, long *derlen, char **cause)
{
	BIO *bio = csr_bio(pem, len);
	unsigned char *data;
	char *label;
	long n;
	int r, count = 0, result = -1;

	*der = NULL;
	while ((r = csr_next_block(bio, &label, &data, &n)) == 1) {
		int is_request = csr_is_request_label(label);

		if (!is_request)
			csr_fail(cause,
			         "the CSR holds a PEM %s block; only a CERTIFICATE REQUEST belongs "
			         "there",
			         label);
		else if (count++ == 0) {
			*der = data;
			*derlen = n;
			data = NULL;
		} else
			csr_fail(cause,
			         "the CSR holds more than one PEM CERTIFICATE REQUEST block");
		OPENSSL_free(label);
		OPENSSL_free(data);
		if (!is_request || count > 1)
			goto out;
	}
	if (r == -1)
		csr_fail(
		    cause,
		    "the CSR is not valid PEM (a block is cut short, has headers or bad base64)");
	else if (count == 0)
		csr_fail(cause, "the CSR holds no PEM CERTIFICATE REQUEST block");
	else
		result = 0;
out:
	BIO_free(bio);
	if (result != 0) {
		OPENSSL_free(*der);
		*der = NULL;
	}
	return result;
}

/* The curve of a named-curve EC key's algorithm parameters: "P-256" etc., or NULL. */
static const char *
csr_ec_curve(const X509_ALGOR *alg, int *bits)
{
	const void *param;
	int ptype;

	X509_ALGOR_get0(NULL, &ptype, &param, alg);
	/* AWS cannot tell the curve of explicit or implicit parameters. */
	if (ptype != V_ASN1_OBJECT)
		return NULL;
	switch (OBJ_obj2nid(param)) {
	case NID_X9_62_prime256v1:
		*bits = 256;
		return "P-256";
	case NID_secp384r1:
		*bits = 384;
		return "P-384";
	case NID_secp521r1:
		*bits = 521;
		return "P-521";
	}
	return NULL;
}

int
csr_set_rsa(struct csr *c, int bits, char **cause)
{
	c->type = CSR_KEY_RSA;
	c->bits = bits;
	if (bits < CSR_RSA_MIN_BITS || bits > CSR_RSA_MAX_BITS)
		return csr_fail(cause,
		                "the CSR's RSA key has %d bits; AWS Private CA needs %d to %d",
		                bits, CSR_RSA_MIN_BITS, CSR_RSA_MAX_BITS);
	snprintf(c->desc, sizeof c->desc, "RSA %d", bits);
	return 0;
}

int
csr_set_ec(struct csr *c, const X509_ALGOR *alg, char **cause)
{
	const char *curve;

	c->type = CSR_KEY_EC;
	if ((curve = csr_ec_curve(alg, &c->bits)) == NULL)
		return csr_fail(cause, "the CSR's EC key is not on a named P-256, P-384 or P-521 "
		                       "curve, the ones AWS Private CA signs");
	snprintf(c->desc, sizeof c->desc, "ECDSA %s", curve);
	return 0;
}

/* Checks that the key of req is one AWS Private CA signs and records it. */
static int
csr_check_key(struct csr *c, X509_REQ *req, char **cause)
{
	EVP_PKEY *pk = X509_REQ_get0_pubkey(req);
	X509_ALGOR *alg = NULL;

	if (pk == NULL)
		return csr_fail(cause, "the CSR's public key cannot be read");
	if (EVP_PKEY_is_a(pk, "RSA"))
		return csr_set_rsa(c, EVP_PKEY_get_bits(pk), cause);
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, X509_REQ_get_X509_PUBKEY(req)) !=
		    1)
			return csr_fail(cause, "the CSR's public key cannot be read");
		return csr_set_ec(c, alg, cause);
	}
	return csr_fail(cause,
	                "the CSR's key type is %s; AWS Private CA signs only RSA and ECDSA (P-256, "
	                "P-384, P-521) keys",
	                EVP_PKEY_get0_type_name(pk) != NULL ? EVP_PKEY_get0_type_name(pk)
	                                                    : "unknown");
}

/* The usage bits of a KeyUsage and an ExtendedKeyUsage extension (either NULL). */
static uint32_t
csr_usage_bits(const ASN1_BIT_STRING *ku, const EXTENDED_KEY_USAGE *eku)
{
	uint32_t bits = 0;
	int i, j, nid;

	for (i = 0; ku != NULL && i < CSR_U_FIRST_EKU; i++) {
		if (ASN1_BIT_STRING_get_bit(ku, i))
			bits |= CSR_BIT(i);
	}
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		/* Purposes cert-manager has no name for are ignored, as it does. */
		for (j = 0; j < CSR_U_COUNT - CSR_U_FIRST_EKU; j++) {
			if (csr_eku_nids[j] == nid)
				bits |= CSR_BIT(CSR_U_FIRST_EKU + j);
		}
	}
	return bits;
}

/*
 * Reads one extension of exts: NULL when absent; NULL with *bad set when it
 * appears twice or does not parse.
 */
static void *
csr_get_ext(const STACK_OF(X509_EXTENSION) * exts, int nid, int *bad)
{
	int crit = -1;
	void *v = X509V3_get_d2i(exts, nid, &crit, NULL);

	if (v == NULL && crit != -1)
		*bad = 1;
	return v;
}

/*
 * Notes the first critical extension other than those checked here and
 * subjectAltName: a passthrough template would copy it into the
 * certificate, and a relying party that does not know it must refuse the
 * certificate, so nothing good comes of signing it unasked.
 */
static void
csr_find_unknown_critical(struct csr *c, const STACK_OF(X509_EXTENSION) * exts)
{
	static const int known[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
	                            NID_subject_alt_name};
	X509_EXTENSION *ext;
	size_t k;
	int i, nid;

	c->unknown_critical[0] = '\0';
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		ext = sk_X509_EXTENSION_value(exts, i);
		if (!X509_EXTENSION_get_critical(ext))
			continue;
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		for (k = 0; k < sizeof known / sizeof known[0] && known[k] != nid; k++)
			;
		if (k < sizeof known / sizeof known[0])
			continue;
		if (OBJ_obj2txt(c->unknown_critical, sizeof c->unknown_critical,
		                X509_EXTENSION_get_object(ext), 0) <= 0)
			snprintf(c->unknown_critical, sizeof c->unknown_critical, "unknown");
		return;
	}
}

/* Records the basic constraints and usages the CSR's extension request asks for. */
static int
csr_read_extensions(struct csr *c, STACK_OF(X509_EXTENSION) * exts, char **cause)
{
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	EXTENDED_KEY_USAGE *eku;
	int bad_bc = 0, bad_ku = 0, bad_eku = 0, result = -1;

	if (exts == NULL)
		return csr_fail(cause, "the CSR's extension request cannot be parsed");
	bc = csr_get_ext(exts, NID_basic_constraints, &bad_bc);
	ku = csr_get_ext(exts, NID_key_usage, &bad_ku);
	eku = csr_get_ext(exts, NID_ext_key_usage, &bad_eku);
	if (bad_bc)
		csr_fail(cause, "the CSR's basic constraints extension is repeated or malformed");
	else if (bad_ku)
		csr_fail(cause, "the CSR's key usage extension is repeated or malformed");
	else if (bad_eku)
		csr_fail(cause, "the CSR's extended key usage extension is repeated or malformed");
	else {
		c->ca = bc == NULL ? -1 : bc->ca != 0;
		c->usages = csr_usage_bits(ku, eku);
		csr_find_unknown_critical(c, exts);
		result = 0;
	}
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	EXTENDED_KEY_USAGE_free(eku);
	return result;
}

/*
 * Reads der with d2i_X509_REQ, refusing trailing bytes, and checks its key
 * and signature: the way for requests csr_der_read() does not take, which
 * gives the reason when one is wrong.
 */
static int
csr_decode(struct csr *c, const unsigned char *der, long derlen, STACK_OF(X509_EXTENSION) * *exts,
           char **cause)
{
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, derlen);
	int result = -1;

	if (req == NULL)
		return csr_fail(cause,
		                "the CSR's CERTIFICATE REQUEST block is not a PKCS#10 request");
	if (p != der + derlen)
		csr_fail(cause,
		         "the CSR's CERTIFICATE REQUEST block has %ld bytes after the request",
		         (long)(der + derlen - p));
	else if (csr_check_key(c, req, cause) != 0)
		;
	/* Checked after the key so that an oversized key costs no verification. */
	else if (X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1)
		csr_fail(cause, "the CSR's signature does not verify with its own public key");
	else {
		*exts = X509_REQ_get_extensions(req);
		c->pkey = X509_REQ_get_pubkey(req);
		result = 0;
	}
	X509_REQ_free(req);
	return result;
}

int
csr_parse(const char *pem, size_t len, struct csr **out, char **cause)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	struct csr *c = NULL;
	unsigned char *der = NULL;
	const unsigned char *spki;
	long derlen = 0;
	int result = -1;

	*out = NULL;
	if (len == 0)
		return csr_fail(cause, "the CSR is empty");
	if (len > CSR_MAX_PEM)
		return csr_fail(cause, "the CSR is %zu bytes long; at most %d are accepted", len,
		                CSR_MAX_PEM);
	if (csr_find_request(pem, len, &der, &derlen, cause) != 0)
		return -1;
	c = xcalloc(1, sizeof *c);
	if (csr_der_read(c, der, derlen, &exts) != 1) {
		EVP_PKEY_free(c->pkey);
		memset(c, 0, sizeof *c);
		if (csr_decode(c, der, derlen, &exts, cause) != 0)
			goto out;
	}
	if (csr_read_extensions(c, exts, cause) != 0)
		goto out;
	c->pem = csr_encode_pem("CERTIFICATE REQUEST", der, derlen);
	/* The key's bytes, to compare the issued certificate's with (csr_same_key_bytes). */
	if (der_spki(der, derlen, 0, &spki, &c->spki_len) == 0) {
		c->spki = xmalloc((size_t)c->spki_len);
		memcpy(c->spki, spki, (size_t)c->spki_len);
	}
	*out = c;
	c = NULL;
	result = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	OPENSSL_free(der);
	csr_free(c);
	ERR_clear_error();
	return result;
}

void
csr_free(struct csr *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->pkey);
	free(c->pem);
	free(c->spki);
	free(c);
}

enum csr_key_type
csr_key_type(const struct csr *c)
{
	return c->type;
}

int
csr_key_bits(const struct csr *c)
{
	return c->bits;
}

const char *
csr_key_desc(const struct csr *c)
{
	return c->desc;
}

const char *
csr_pem(const struct csr *c)
{
	return c->pem;
}

/* Appends the quoted names of the bits in mask, comma-separated. */
static void
csr_usage_list(struct buf *b, uint32_t mask)
{
	int i, first = 1;

	for (i = 0; i < CSR_U_COUNT; i++) {
		if ((mask & CSR_BIT(i)) == 0)
			continue;
		buf_printf(b, "%s\"%s\"", first ? "" : ", ", csr_usage_names[i]);
		first = 0;
	}
}

static int
csr_popcount(uint32_t v)
{
	int n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/*
 * Fails with a sentence naming what the CSR asks for beyond spec and what
 * spec lists that the CSR lacks; implied is the bit spec.isCA added.
 */
static int
csr_usage_mismatch(uint32_t in_csr, uint32_t in_spec, uint32_t implied, char **cause)
{
	uint32_t extra = in_csr & ~in_spec, missing = in_spec & ~in_csr;
	struct buf b = BUF_INIT;
	int n;

	if (extra != 0) {
		n = csr_popcount(extra);
		buf_printf(&b, "the CSR asks for key usage%s ", n > 1 ? "s" : "");
		csr_usage_list(&b, extra);
		buf_printf(&b, ", which spec.usages does not list");
	}
	if (missing != 0) {
		n = csr_popcount(missing & ~implied);
		buf_printf(&b, "%s", extra != 0 ? "; " : "");
		if (n > 0) {
			buf_printf(&b, "spec.usages lists ");
			csr_usage_list(&b, missing & ~implied);
		}
		if ((missing & implied) != 0) {
			buf_printf(&b, "%sspec.isCA implies ", n > 0 ? " and " : "");
			csr_usage_list(&b, missing & implied);
		}
		buf_printf(&b, ", which the CSR does not ask for");
	}
	csr_fail(cause, "%s", buf_str(&b));
	buf_clear(&b);
	return -1;
}

int
csr_check_spec(const struct csr *c, int is_ca, const char *const *usages, char **cause)
{
	uint32_t spec = 0, implied = 0, unasked;
	int i, bit;

	if (!is_ca && c->ca == 1)
		return csr_fail(cause, "the CSR asks for CA:TRUE but spec.isCA is false");
	if (is_ca && c->ca == 0)
		return csr_fail(cause, "the CSR asks for CA:FALSE but spec.isCA is true");
	if (c->unknown_critical[0] != '\0')
		return csr_fail(cause,
		                "the CSR asks for a critical extension pca-issuer does not check "
		                "(%s); only basic constraints, key usage, extended key usage and "
		                "subject alternative names may be critical",
		                c->unknown_critical);
	for (i = 0; usages != NULL && usages[i] != NULL; i++) {
		if ((bit = csr_usage_lookup(usages[i])) == -1)
			return csr_fail(
			    cause, "spec.usages has \"%s\", which is not a cert-manager key usage",
			    usages[i]);
		spec |= CSR_BIT(bit);
	}
	/* A passthrough template would copy these into a certificate that is no CA. */
	unasked = c->usages & (CSR_BIT(CSR_U_CERT_SIGN) | CSR_BIT(CSR_U_CRL_SIGN)) & ~spec;
	if (!is_ca && unasked != 0)
		return csr_fail(cause,
		                "the CSR asks for key usage %s, which only a CA certificate has, "
		                "but spec.isCA is false and spec.usages does not ask for it",
		                (unasked & CSR_BIT(CSR_U_CERT_SIGN)) != 0 ? "cert sign"
		                                                          : "crl sign");
	/* As cert-manager's webhook: compared only when both sides name usages
	 * it knows and the spec's are not its default ones. */
	if (spec == 0 || c->usages == 0 || spec == CSR_U_DEFAULT)
		return 0;
	if (is_ca && (spec & CSR_BIT(CSR_U_CERT_SIGN)) == 0) {
		implied = CSR_BIT(CSR_U_CERT_SIGN);
		spec |= implied;
	}
	if (c->usages == spec || c->usages == CSR_U_DEFAULT)
		return 0;
	return csr_usage_mismatch(c->usages, spec, implied, cause);
}

/*
 * Whether the first PEM block of pem is a CERTIFICATE whose DER holds, byte
 * for byte, the request's SubjectPublicKeyInfo: the same key, found without
 * decoding it. 0 when it cannot tell (the full comparison decides).
 */
static int
csr_same_key_bytes(const struct csr *c, const char *pem, size_t len)
{
	BIO *bio = csr_bio(pem, len);
	unsigned char *der = NULL;
	char *label = NULL;
	const unsigned char *spki;
	long derlen, spki_len;
	int same = 0;

	if (c->spki != NULL && bio != NULL && csr_next_block(bio, &label, &der, &derlen) == 1 &&
	    strcmp(label, "CERTIFICATE") == 0 && der_spki(der, derlen, 1, &spki, &spki_len) == 0)
		same = spki_len == c->spki_len && memcmp(spki, c->spki, (size_t)spki_len) == 0;
	OPENSSL_free(label);
	OPENSSL_free(der);
	BIO_free(bio);
	ERR_clear_error();
	return same;
}

int
csr_public_key_matches(const struct csr *c, const char *cert_pem, size_t len, char **cause)
{
	BIO *bio;
	X509 *cert = NULL;
	int result = -1;

	if (csr_same_key_bytes(c, cert_pem, len))
		return 0;
	bio = csr_bio(cert_pem, len);
	if (bio == NULL || (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		csr_fail(cause, "the issued certificate cannot be read as PEM");
	else if (EVP_PKEY_eq(X509_get0_pubkey(cert), c->pkey) != 1)
		csr_fail(cause, "the issued certificate's public key is not the one in the CSR");
	else
		result = 0;
	X509_free(cert);
	BIO_free(bio);
	ERR_clear_error();
	return result;
}

/*
 * Checks that der has the shape of one whole X.509 certificate (outer
 * SEQUENCE, tbsCertificate through its SubjectPublicKeyInfo, signature
 * algorithm, signature), without decoding its key: these are passed on,
 * not used.
 */
static int
csr_is_certificate(const unsigned char *der, long derlen)
{
	const unsigned char *spki;
	long n;

	return der_spki(der, derlen, 1, &spki, &n) == 0;
}

void
csr_certs_free(char **certs)
{
	size_t i;

	for (i = 0; certs != NULL && certs[i] != NULL; i++)
		free(certs[i]);
	free(certs);
}

int
csr_split_certs(const char *pem, size_t len, char ***certs, size_t *n, char **cause)
{
	BIO *bio = csr_bio(pem, len);
	unsigned char *der = NULL;
	char *label = NULL, **v = xcalloc(1, sizeof *v);
	size_t count = 0;
	long derlen;
	int r = bio == NULL ? -1 : 0;

	*certs = NULL;
	*n = 0;
	while (bio != NULL && (r = csr_next_block(bio, &label, &der, &derlen)) == 1) {
		if (strcmp(label, "CERTIFICATE") != 0) {
			csr_fail(cause, "the certificate chain holds a PEM %s block", label);
			break;
		}
		if (!csr_is_certificate(der, derlen)) {
			csr_fail(cause, "certificate %zu of the chain does not parse", count + 1);
			break;
		}
		v = xreallocarray(v, count + 2, sizeof *v);
		v[count++] = csr_encode_pem("CERTIFICATE", der, derlen);
		v[count] = NULL;
		OPENSSL_free(label);
		OPENSSL_free(der);
		label = NULL;
		der = NULL;
	}
	BIO_free(bio);
	OPENSSL_free(label);
	OPENSSL_free(der);
	if (r == 1 || r == -1 || count == 0) {
		if (r == -1)
			csr_fail(cause, "the certificate chain is not valid PEM");
		else if (r == 0)
			csr_fail(cause, "the certificate chain holds no PEM CERTIFICATE block");
		csr_certs_free(v);
		return -1;
	}
	*certs = v;
	*n = count;
	return 0;
}
