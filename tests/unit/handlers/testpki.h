/*
 * A throwaway PKI for the controller tests: a key, its CSR, and a
 * certificate for it from a CA made on the spot. Header-only.
 */
#ifndef PCA_TESTS_TESTPKI_H
#define PCA_TESTS_TESTPKI_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/xmalloc.h"

static char *
pem_of_req(X509_REQ *req)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_X509_REQ(b, req);
	n = BIO_get_mem_data(b, &p);
	out = xstrndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static char *
pem_of_cert(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	out = xstrndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static X509 *
make_cert(EVP_PKEY *subject_key, EVP_PKEY *signer, X509 *issuer, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, subject_key);
	X509_sign(x, signer, EVP_sha256());
	return x;
}

/* A P-256 key's CSR for app.example, its certificate, and the CA's (PEM, to be freed). */
static __attribute__((unused)) void
make_pki(char **csr_pem, char **leaf_pem, char **chain_pem)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_REQ *req = X509_REQ_new();
	X509 *ca, *leaf;

	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"app.example", -1, -1, 0);
	X509_REQ_set_pubkey(req, key);
	X509_REQ_sign(req, key, EVP_sha256());
	*csr_pem = pem_of_req(req);
	ca = make_cert(ca_key, ca_key, NULL, "Test CA");
	leaf = make_cert(key, ca_key, ca, "app.example");
	*leaf_pem = pem_of_cert(leaf);
	*chain_pem = pem_of_cert(ca);
	X509_free(ca);
	X509_free(leaf);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}

#endif
