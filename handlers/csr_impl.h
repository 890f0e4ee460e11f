/*
 * What handlers/csr.c and handlers/csr_der.c share: the parsed request and
 * the helpers that record its key.
 */
#ifndef PCA_HANDLERS_CSR_IMPL_H
#define PCA_HANDLERS_CSR_IMPL_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "handlers/csr.h"

struct csr {
	EVP_PKEY *pkey;
	enum csr_key_type type;
	int bits;
	char desc[32];
	char *pem;
	int ca;                    /* basic constraints: -1 not requested, 0 CA:FALSE, 1 CA:TRUE */
	uint32_t usages;           /* CSR_BIT()s of the requested KeyUsage and ExtendedKeyUsage */
	char unknown_critical[80]; /* the first critical extension not understood, or "" */
	unsigned char *spki;       /* the request's SubjectPublicKeyInfo, as its DER has it */
	long spki_len;
};

/* Sets *cause (when cause is not NULL), drops OpenSSL's error queue, returns -1. */
int csr_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records an RSA key of bits bits; -1 when AWS Private CA would not sign it. */
int csr_set_rsa(struct csr *c, int bits, char **cause);
/* Records an EC key on the curve of alg; -1 when it is not a named curve AWS signs. */
int csr_set_ec(struct csr *c, const X509_ALGOR *alg, char **cause);

/*
 * Reads the request der, of the plain shape der_csr() splits, without
 * OpenSSL's key decoders: its key into c (csr_set_rsa or csr_set_ec and
 * c->pkey), its signature checked, and its requested extensions into *exts
 * (the caller's). 1 when all of that holds; 0 when anything is otherwise,
 * and then d2i_X509_REQ decides and gives the reason.
 */
int csr_der_read(struct csr *c, const unsigned char *der, long derlen,
                 STACK_OF(X509_EXTENSION) * *exts);

#endif
