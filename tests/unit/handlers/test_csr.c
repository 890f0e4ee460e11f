/*
 * Tests for handlers/csr: which CSRs are accepted and why the others are
 * refused, the spec.isCA and spec.usages checks with their messages, the
 * issued-certificate key check and the PEM chain split. Every CSR and
 * certificate is made here with OpenSSL, so each case states exactly what
 * it holds.
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "handlers/csr.h"
#include "handlers/csr_impl.h"
#include "testutil.h"

/* What a generated CSR asks for in its extension request. */
struct req_opts {
	const char *bc;  /* "CA:TRUE", "CA:FALSE" or NULL for none */
	const char *ku;  /* e.g. "digitalSignature,keyEncipherment", or NULL */
	const char *eku; /* e.g. "serverAuth,clientAuth", or NULL */
	int ku_twice;    /* add the KeyUsage extension twice */
};

static EVP_PKEY *rsa2048, *ec256;

static EVP_PKEY *
keygen_ec_explicit(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	char group[] = "P-256", encoding[] = "explicit";
	OSSL_PARAM params[3];
	EVP_PKEY *k = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding, 0);
	params[2] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 || EVP_PKEY_generate(ctx, &k) != 1)
		abort();
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static void
add_ext(STACK_OF(X509_EXTENSION) * exts, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, NULL, nid, value);

	if (e == NULL || !sk_X509_EXTENSION_push(exts, e))
		abort();
}

/* Returns the DER of a CSR for key, signed by key, asking for o. */
static unsigned char *
make_csr_der(EVP_PKEY *key, const struct req_opts *o, int *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_REQ_get_subject_name(req);
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	unsigned char *der = NULL;
	int ed = EVP_PKEY_is_a(key, "ED25519");

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"aaaa.example",
	                           -1, -1, 0);
	X509_REQ_set_pubkey(req, key);
	if (o != NULL && o->bc != NULL)
		add_ext(exts, NID_basic_constraints, o->bc);
	if (o != NULL && o->ku != NULL)
		add_ext(exts, NID_key_usage, o->ku);
	if (o != NULL && o->ku_twice)
		add_ext(exts, NID_key_usage, o->ku);
	if (o != NULL && o->eku != NULL)
		add_ext(exts, NID_ext_key_usage, o->eku);
	if (sk_X509_EXTENSION_num(exts) > 0)
		X509_REQ_add_extensions(req, exts);
	if (X509_REQ_sign(req, key, ed ? NULL : EVP_sha256()) <= 0)
		abort();
	*len = i2d_X509_REQ(req, &der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return der;
}

/* PEM of der under label, as a string the caller frees. */
static char *
pem_of(const char *label, const unsigned char *der, int len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	PEM_write_bio(b, label, "", der, len);
	n = BIO_get_mem_data(b, &p);
	s = strndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static char *
make_csr(EVP_PKEY *key, const struct req_opts *o)
{
	int len;
	unsigned char *der = make_csr_der(key, o, &len);
	char *pem = pem_of("CERTIFICATE REQUEST", der, len);

	OPENSSL_free(der);
	return pem;
}

/* A self-signed certificate for key, as PEM. */
static char *
make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	s = strndup(p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	return s;
}

/* csr_parse on a NUL-terminated string; returns the cause or NULL. */
static char *
parse_cause(const char *pem)
{
	struct csr *c = NULL;
	char *cause = NULL;

	if (csr_parse(pem, strlen(pem), &c, &cause) == 0) {
		csr_free(c);
		return NULL;
	}
	CHECK(c == NULL);
	return cause;
}

/* The cause of csr_check_spec for a CSR of key with o, or NULL when it passes. */
static char *
spec_cause(const struct req_opts *o, int is_ca, const char *const *usages)
{
	char *pem = make_csr(ec256, o), *cause = NULL;
	struct csr *c = NULL;

	if (csr_parse(pem, strlen(pem), &c, &cause) != 0) {
		fprintf(stderr, "unexpected parse failure: %s\n", cause);
		abort();
	}
	if (csr_check_spec(c, is_ca, usages, &cause) == 0)
		cause = NULL;
	csr_free(c);
	free(pem);
	return cause;
}

static void
test_rsa_2048_accepted(void)
{
	char *pem = make_csr(rsa2048, NULL), *cause = NULL;
	struct csr *c = NULL;

	CHECK_INT(csr_parse(pem, strlen(pem), &c, &cause), 0);
	CHECK(cause == NULL);
	if (c != NULL) {
		CHECK_INT(csr_key_type(c), CSR_KEY_RSA);
		CHECK_INT(csr_key_bits(c), 2048);
		CHECK_STR(csr_key_desc(c), "RSA 2048");
		CHECK_STR(csr_pem(c), pem);
	}
	csr_free(c);
	free(pem);
}

static void
test_rsa_1024_rejected(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	char *pem = make_csr(k, NULL), *cause = parse_cause(pem);

	CHECK_STR(cause, "the CSR's RSA key has 1024 bits; AWS Private CA needs 2048 to 8192");
	free(cause);
	free(pem);
	EVP_PKEY_free(k);
}

static void
test_ec_curves(void)
{
	static const struct {
		const char *curve, *desc;
		int bits;
	} ok[] = {{"P-256", "ECDSA P-256", 256},
	          {"P-384", "ECDSA P-384", 384},
	          {"P-521", "ECDSA P-521", 521}};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ok[i].curve);
		char *pem = make_csr(k, NULL), *cause = NULL;
		struct csr *c = NULL;

		CHECK_INT(csr_parse(pem, strlen(pem), &c, &cause), 0);
		if (c != NULL) {
			CHECK_INT(csr_key_type(c), CSR_KEY_EC);
			CHECK_INT(csr_key_bits(c), ok[i].bits);
			CHECK_STR(csr_key_desc(c), ok[i].desc);
		}
		csr_free(c);
		free(cause);
		free(pem);
		EVP_PKEY_free(k);
	}
}

static void
test_ec_other_curves_rejected(void)
{
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *k2 = keygen_ec_explicit();
	char *pem1 = make_csr(k1, NULL), *pem2 = make_csr(k2, NULL);
	char *c1 = parse_cause(pem1), *c2 = parse_cause(pem2);

	CHECK_CONTAINS(c1, "not on a named P-256, P-384 or P-521 curve");
	/* Explicit parameters of P-256 itself: AWS cannot tell the curve. */
	CHECK_CONTAINS(c2, "not on a named P-256, P-384 or P-521 curve");
	free(c1);
	free(c2);
	free(pem1);
	free(pem2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void
test_ed25519_rejected(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char *pem = make_csr(k, NULL), *cause = parse_cause(pem);

	CHECK_STR(cause, "the CSR's key type is ED25519; AWS Private CA signs only RSA and ECDSA "
	                 "(P-256, P-384, P-521) keys");
	free(cause);
	free(pem);
	EVP_PKEY_free(k);
}

/* Flips one byte of the DER at offset (negative: from the end). */
static char *
tampered(EVP_PKEY *key, long offset)
{
	int len;
	unsigned char *der = make_csr_der(key, NULL, &len);
	char *pem;

	der[offset < 0 ? len + offset : offset] ^= 0x01;
	pem = pem_of("CERTIFICATE REQUEST", der, len);
	OPENSSL_free(der);
	return pem;
}

/* Offset of the first occurrence of needle in the DER of a fresh CSR. */
static long
offset_of(EVP_PKEY *key, const char *needle)
{
	int len;
	unsigned char *der = make_csr_der(key, NULL, &len);
	long i, n = (long)strlen(needle), at = -1;

	for (i = 0; i + n <= len && at == -1; i++) {
		if (memcmp(der + i, needle, (size_t)n) == 0)
			at = i;
	}
	OPENSSL_free(der);
	return at;
}

static void
test_bad_signature_rejected(void)
{
	long cn = offset_of(rsa2048, "aaaa.example");
	char *sig = tampered(rsa2048, -1), *subject = NULL;
	char *c1 = parse_cause(sig), *c2;

	CHECK(cn > 0);
	subject = tampered(rsa2048, cn);
	c2 = parse_cause(subject);
	CHECK_STR(c1, "the CSR's signature does not verify with its own public key");
	CHECK_STR(c2, "the CSR's signature does not verify with its own public key");
	free(c1);
	free(c2);
	free(sig);
	free(subject);
}

static void
test_garbage_rejected(void)
{
	char *c1 = parse_cause("hello, I am not a CSR");
	char *c2 = parse_cause("-----BEGIN CERTIFICATE REQUEST-----\n@@@@not base64@@@@\n"
	                       "-----END CERTIFICATE REQUEST-----\n");
	char *c3 = parse_cause("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n");
	char *c4 = parse_cause("-----BEGIN CERTIFICATE REQUEST-----\naGVsbG8gd29ybGQ=\n"
	                       "-----END CERTIFICATE REQUEST-----\n");
	struct csr *c = NULL;
	char *c5 = NULL;

	CHECK_STR(c1, "the CSR holds no PEM CERTIFICATE REQUEST block");
	CHECK_CONTAINS(c2, "the CSR is not valid PEM");
	CHECK_CONTAINS(c3, "the CSR is not valid PEM");
	CHECK_STR(c4, "the CSR's CERTIFICATE REQUEST block is not a PKCS#10 request");
	CHECK_INT(csr_parse("", 0, &c, &c5), -1);
	CHECK_STR(c5, "the CSR is empty");
	free(c1);
	free(c2);
	free(c3);
	free(c4);
	free(c5);
}

static void
test_too_long_rejected(void)
{
	char *pem = make_csr(ec256, NULL), *big = malloc(CSR_MAX_PEM + 2), *cause = NULL;
	struct csr *c = NULL;
	size_t n = strlen(pem);

	/* A valid CSR followed by padding text still counts in full. */
	memcpy(big, pem, n);
	memset(big + n, '\n', CSR_MAX_PEM + 1 - n);
	CHECK_INT(csr_parse(big, CSR_MAX_PEM + 1, &c, &cause), -1);
	CHECK_CONTAINS(cause, "at most 65536 are accepted");
	free(cause);
	cause = NULL;
	CHECK_INT(csr_parse(big, CSR_MAX_PEM, &c, &cause), 0);
	csr_free(c);
	free(cause);
	free(big);
	free(pem);
}

static void
test_two_blocks_rejected(void)
{
	char *a = make_csr(ec256, NULL), *b = make_csr(rsa2048, NULL);
	char *both = malloc(strlen(a) + strlen(b) + 1), *cause;

	strcpy(both, a);
	strcat(both, b);
	cause = parse_cause(both);
	CHECK_STR(cause, "the CSR holds more than one PEM CERTIFICATE REQUEST block");
	free(cause);
	free(both);
	free(a);
	free(b);
}

static void
test_other_block_rejected(void)
{
	char *csr = make_csr(ec256, NULL), *key = NULL, *both, *cause, *p;
	BIO *bio = BIO_new(BIO_s_mem());
	long n;

	PEM_write_bio_PrivateKey(bio, ec256, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &p);
	key = strndup(p, (size_t)n);
	both = malloc(strlen(csr) + strlen(key) + 1);
	strcpy(both, csr);
	strcat(both, key);
	cause = parse_cause(both);
	CHECK_STR(
	    cause,
	    "the CSR holds a PEM PRIVATE KEY block; only a CERTIFICATE REQUEST belongs there");
	free(cause);
	free(both);
	free(key);
	free(csr);
	BIO_free(bio);
}

static void
test_new_label_and_surrounding_text(void)
{
	int len;
	unsigned char *der = make_csr_der(ec256, NULL, &len);
	char *canonical = pem_of("CERTIFICATE REQUEST", der, len);
	char *newlabel = pem_of("NEW CERTIFICATE REQUEST", der, len);
	char *text = malloc(strlen(newlabel) + 64), *cause = NULL;
	struct csr *c = NULL;

	snprintf(text, strlen(newlabel) + 64, "Subject: aaaa.example\n%snothing more\n", newlabel);
	CHECK_INT(csr_parse(text, strlen(text), &c, &cause), 0);
	if (c != NULL)
		CHECK_STR(csr_pem(c), canonical);
	csr_free(c);
	free(cause);
	free(text);
	free(newlabel);
	free(canonical);
	OPENSSL_free(der);
}

static void
test_ca_mismatch(void)
{
	struct req_opts ca_true = {"critical,CA:TRUE", NULL, NULL, 0};
	struct req_opts ca_false = {"critical,CA:FALSE", NULL, NULL, 0};
	char *c1 = spec_cause(&ca_true, 0, NULL), *c2 = spec_cause(&ca_false, 1, NULL);

	CHECK_STR(c1, "the CSR asks for CA:TRUE but spec.isCA is false");
	CHECK_STR(c2, "the CSR asks for CA:FALSE but spec.isCA is true");
	/* Agreement, and no basic constraints at all, pass either way. */
	CHECK(spec_cause(&ca_true, 1, NULL) == NULL);
	CHECK(spec_cause(&ca_false, 0, NULL) == NULL);
	CHECK(spec_cause(NULL, 1, NULL) == NULL);
	CHECK(spec_cause(NULL, 0, NULL) == NULL);
	free(c1);
	free(c2);
}

static void
test_usage_mismatch(void)
{
	struct req_opts server_client = {NULL, "digitalSignature", "serverAuth,clientAuth", 0};
	struct req_opts server = {NULL, "digitalSignature", "serverAuth", 0};
	struct req_opts ca_server = {"CA:TRUE", "digitalSignature", "serverAuth", 0};
	const char *const ds_server[] = {"digital signature", "server auth", NULL};
	const char *const more[] = {"digital signature", "server auth", "code signing",
	                            "ocsp signing", NULL};
	const char *const bogus[] = {"server auth", "world domination", NULL};
	char *c1 = spec_cause(&server_client, 0, ds_server);
	char *c2 = spec_cause(&server, 0, more);
	char *c3 = spec_cause(&ca_server, 1, ds_server);
	char *c4 = spec_cause(&server, 0, bogus);
	char *c5 = spec_cause(&server_client, 1, more);

	CHECK_STR(c1,
	          "the CSR asks for key usage \"client auth\", which spec.usages does not list");
	CHECK_STR(c2,
	          "spec.usages lists \"code signing\", \"ocsp signing\", which the CSR does not "
	          "ask for");
	CHECK_STR(c3, "spec.isCA implies \"cert sign\", which the CSR does not ask for");
	CHECK_STR(c4,
	          "spec.usages has \"world domination\", which is not a cert-manager key usage");
	CHECK_STR(c5,
	          "the CSR asks for key usage \"client auth\", which spec.usages does not list; "
	          "spec.usages lists \"code signing\", \"ocsp signing\" and spec.isCA implies "
	          "\"cert sign\", which the CSR does not ask for");
	free(c1);
	free(c2);
	free(c3);
	free(c4);
	free(c5);
}

static void
test_usages_match(void)
{
	struct req_opts server_client = {NULL, "digitalSignature,keyEncipherment",
	                                 "serverAuth,clientAuth", 0};
	struct req_opts smime = {NULL, "digitalSignature,nonRepudiation", "emailProtection", 0};
	struct req_opts ca = {"critical,CA:TRUE", "critical,digitalSignature,keyCertSign,cRLSign",
	                      NULL, 0};
	struct req_opts every_ku = {
	    NULL,
	    "digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,"
	    "keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly",
	    NULL, 0};
	struct req_opts every_eku = {NULL, NULL,
	                             "anyExtendedKeyUsage,serverAuth,clientAuth,codeSigning,"
	                             "emailProtection,ipsecEndSystem,ipsecTunnel,ipsecUser,"
	                             "timeStamping,OCSPSigning,msSGC,nsSGC",
	                             0};
	const char *const reordered[] = {"client auth", "key encipherment", "server auth",
	                                 "signing", NULL};
	const char *const mail[] = {"s/mime", "content commitment", "digital signature", NULL};
	const char *const ca_usages[] = {"digital signature", "crl sign", NULL};
	const char *const all_ku[] = {"digital signature", "content commitment",
	                              "key encipherment",  "data encipherment",
	                              "key agreement",     "cert sign",
	                              "crl sign",          "encipher only",
	                              "decipher only",     NULL};
	const char *const all_eku[] = {"any",
	                               "server auth",
	                               "client auth",
	                               "code signing",
	                               "s/mime",
	                               "ipsec end system",
	                               "ipsec tunnel",
	                               "ipsec user",
	                               "timestamping",
	                               "ocsp signing",
	                               "microsoft sgc",
	                               "netscape sgc",
	                               NULL};

	CHECK(spec_cause(&server_client, 0, reordered) == NULL);
	CHECK(spec_cause(&smime, 0, mail) == NULL);
	/* "cert sign" is implied by spec.isCA, as cert-manager adds it. */
	CHECK(spec_cause(&ca, 1, ca_usages) == NULL);
	CHECK(spec_cause(&every_ku, 0, all_ku) == NULL);
	CHECK(spec_cause(&every_eku, 0, all_eku) == NULL);
}

static void
test_usage_check_skipped(void)
{
	struct req_opts server = {NULL, "digitalSignature", "serverAuth", 0};
	struct req_opts deflt = {NULL, "digitalSignature,keyEncipherment", NULL, 0};
	struct req_opts ca_only = {"CA:FALSE", NULL, NULL, 0};
	struct req_opts unnamed = {NULL, NULL, "1.3.6.1.4.1.311.10.3.4", 0};
	const char *const default_usages[] = {"digital signature", "key encipherment", NULL};
	const char *const client[] = {"client auth", NULL};
	const char *const none[] = {NULL};

	/* cert-manager's default in the spec, an unset spec, a CSR without
	 * usages, and a CSR asking for just the default are not compared. */
	CHECK(spec_cause(&server, 0, default_usages) == NULL);
	CHECK(spec_cause(&server, 0, none) == NULL);
	CHECK(spec_cause(&server, 0, NULL) == NULL);
	CHECK(spec_cause(&ca_only, 0, client) == NULL);
	CHECK(spec_cause(NULL, 0, client) == NULL);
	CHECK(spec_cause(&deflt, 0, client) == NULL);
	/* A purpose cert-manager has no name for is not a usage. */
	CHECK(spec_cause(&unnamed, 0, client) == NULL);
}

static void
test_repeated_extension_rejected(void)
{
	struct req_opts twice = {NULL, "digitalSignature", NULL, 1};
	char *pem = make_csr(ec256, &twice), *cause = parse_cause(pem);

	CHECK_STR(cause, "the CSR's key usage extension is repeated or malformed");
	free(cause);
	free(pem);
}

static void
test_usage_names(void)
{
	static const char *const names[] = {"signing",
	                                    "digital signature",
	                                    "content commitment",
	                                    "key encipherment",
	                                    "key agreement",
	                                    "data encipherment",
	                                    "cert sign",
	                                    "crl sign",
	                                    "encipher only",
	                                    "decipher only",
	                                    "any",
	                                    "server auth",
	                                    "client auth",
	                                    "code signing",
	                                    "email protection",
	                                    "s/mime",
	                                    "ipsec end system",
	                                    "ipsec tunnel",
	                                    "ipsec user",
	                                    "timestamping",
	                                    "ocsp signing",
	                                    "microsoft sgc",
	                                    "netscape sgc"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK(csr_usage_known(names[i]));
	CHECK(!csr_usage_known("Server Auth"));
	CHECK(!csr_usage_known(""));
	CHECK(!csr_usage_known(NULL));
}

static void
test_public_key_matches(void)
{
	char *pem = make_csr(ec256, NULL), *mine = make_cert(ec256), *other = make_cert(rsa2048);
	char *cause = NULL;
	struct csr *c = NULL;

	CHECK_INT(csr_parse(pem, strlen(pem), &c, &cause), 0);
	if (c != NULL) {
		CHECK_INT(csr_public_key_matches(c, mine, strlen(mine), &cause), 0);
		CHECK_INT(csr_public_key_matches(c, other, strlen(other), &cause), -1);
		CHECK_STR(cause, "the issued certificate's public key is not the one in the CSR");
		free(cause);
		cause = NULL;
		CHECK_INT(csr_public_key_matches(c, "junk", 4, &cause), -1);
		CHECK_STR(cause, "the issued certificate cannot be read as PEM");
	}
	free(cause);
	csr_free(c);
	free(pem);
	free(mine);
	free(other);
}

static void
test_split_certs(void)
{
	char *a = make_cert(ec256), *b = make_cert(rsa2048), *chain = malloc(8192), **v = NULL;
	char *cause = NULL;
	size_t n = 99;

	snprintf(chain, 8192, "leaf:\r\n%sintermediate and root:\n%s%s", a, b, a);
	CHECK_INT(csr_split_certs(chain, strlen(chain), &v, &n, &cause), 0);
	CHECK_INT(n, 3);
	if (v != NULL && n == 3) {
		CHECK_STR(v[0], a);
		CHECK_STR(v[1], b);
		CHECK_STR(v[2], a);
		CHECK(v[3] == NULL);
	}
	csr_certs_free(v);
	CHECK_INT(csr_split_certs("nothing", 7, &v, &n, &cause), -1);
	CHECK(v == NULL && n == 0);
	CHECK_STR(cause, "the certificate chain holds no PEM CERTIFICATE block");
	free(cause);
	cause = NULL;
	snprintf(chain, 8192,
	         "%s-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
	         "-----END CERTIFICATE REQUEST-----\n",
	         a);
	CHECK_INT(csr_split_certs(chain, strlen(chain), &v, &n, &cause), -1);
	CHECK_STR(cause, "the certificate chain holds a PEM CERTIFICATE REQUEST block");
	free(cause);
	cause = NULL;
	snprintf(chain, 8192,
	         "%s-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n", a);
	CHECK_INT(csr_split_certs(chain, strlen(chain), &v, &n, &cause), -1);
	CHECK_STR(cause, "certificate 2 of the chain does not parse");
	free(cause);
	free(chain);
	free(a);
	free(b);
}

/* What d2i_X509_REQ and X509_REQ_verify make of der: 1 when both accept it. */
static int
slow_accepts(const unsigned char *der, long len, EVP_PKEY **key)
{
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, len);
	int ok =
	    req != NULL && p == der + len && X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) == 1;

	*key = ok ? X509_REQ_get_pubkey(req) : NULL;
	X509_REQ_free(req);
	return ok;
}

/*
 * The reader that skips OpenSSL's key decoders takes the requests
 * cert-manager makes (RSA, the three curves, with and without extensions)
 * and reads the same key and extensions as d2i_X509_REQ. With the lowest or
 * the highest bit of any one byte of a request flipped, it takes nothing
 * d2i_X509_REQ and X509_REQ_verify refuse, and what it takes has the same key.
 */
static void
test_der_reader_agrees(void)
{
	static const struct req_opts with = {"CA:FALSE", "digitalSignature,keyEncipherment",
	                                     "serverAuth,clientAuth", 0};
	EVP_PKEY *keys[4], *slow_key;
	STACK_OF(X509_EXTENSION) * exts;
	struct csr c;
	unsigned char *der;
	int len, i, o, flipped, taken, disagree;
	long at;

	keys[0] = rsa2048;
	keys[1] = ec256;
	keys[2] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	keys[3] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	for (i = 0; i < 4; i++) {
		for (o = 0; o < 2; o++) {
			der = make_csr_der(keys[i], o ? &with : NULL, &len);
			memset(&c, 0, sizeof c);
			CHECK_INT(csr_der_read(&c, der, len, &exts), 1);
			CHECK(c.pkey != NULL && EVP_PKEY_eq(c.pkey, keys[i]) == 1);
			CHECK(exts != NULL && sk_X509_EXTENSION_num(exts) == (o ? 3 : 0));
			CHECK_INT(c.bits, EVP_PKEY_get_bits(keys[i]));
			EVP_PKEY_free(c.pkey);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
			if (i > 1 || o == 0) {
				OPENSSL_free(der);
				continue;
			}
			taken = disagree = 0;
			for (at = 0; at < len; at++) {
				/* 0x01, then 0x80. */
				for (flipped = 0x01; flipped <= 0x80; flipped <<= 7) {
					der[at] ^= (unsigned char)flipped;
					memset(&c, 0, sizeof c);
					if (csr_der_read(&c, der, len, &exts) == 1) {
						taken++;
						if (!slow_accepts(der, len, &slow_key) ||
						    EVP_PKEY_eq(slow_key, c.pkey) != 1)
							disagree++;
						EVP_PKEY_free(slow_key);
					}
					EVP_PKEY_free(c.pkey);
					sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
					der[at] ^= (unsigned char)flipped;
				}
			}
			CHECK_INT(disagree, 0);
			CHECK_INT(taken, 0);
			OPENSSL_free(der);
		}
	}
	EVP_PKEY_free(keys[2]);
	EVP_PKEY_free(keys[3]);
}

int
main(void)
{
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (rsa2048 == NULL || ec256 == NULL)
		abort();
	TEST(test_rsa_2048_accepted);
	TEST(test_rsa_1024_rejected);
	TEST(test_ec_curves);
	TEST(test_ec_other_curves_rejected);
	TEST(test_ed25519_rejected);
	TEST(test_bad_signature_rejected);
	TEST(test_garbage_rejected);
	TEST(test_too_long_rejected);
	TEST(test_two_blocks_rejected);
	TEST(test_other_block_rejected);
	TEST(test_new_label_and_surrounding_text);
	TEST(test_ca_mismatch);
	TEST(test_usage_mismatch);
	TEST(test_usages_match);
	TEST(test_usage_check_skipped);
	TEST(test_repeated_extension_rejected);
	TEST(test_usage_names);
	TEST(test_public_key_matches);
	TEST(test_split_certs);
	TEST(test_der_reader_agrees);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(ec256);
	return test_done();
}
