/*
 * A CSR read without OpenSSL 3.0's key decoders. d2i_X509_REQ decodes the
 * request's key through OSSL_DECODER_CTX_new_for_pkey, which gathers every
 * decoder of every provider for each key: about 350 us of the 3.3 ms a
 * certificate cost end to end, where the signature check itself is under
 * 100 us. Here the DER is split by core/der.c, the key is built from its
 * octets with EVP_PKEY_fromdata, and the signature is checked over the
 * certificationRequestInfo as it came. Only the plain shape is taken, and
 * only when everything holds; anything else goes to d2i_X509_REQ, which
 * then says what is wrong (handlers/csr.c).
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "core/der.h"
#include "handlers/csr_impl.h"

/* An AlgorithmIdentifier of exactly t's bytes, or NULL. */
static X509_ALGOR *
csr_der_algor(const struct der_tlv *t)
{
	const unsigned char *p = t->tlv;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, t->tlv_len);

	if (alg != NULL && p != t->tlv + t->tlv_len) {
		X509_ALGOR_free(alg);
		alg = NULL;
	}
	return alg;
}

/* Whether a DER INTEGER's contents are a positive number, minimally encoded. */
static int
csr_der_positive(const struct der_tlv *t)
{
	if (t->len < 1 || (t->content[0] & 0x80) != 0)
		return 0;
	return t->len == 1 ? t->content[0] != 0 : t->content[0] != 0 || (t->content[1] & 0x80);
}

/* Builds a public key of type name ("RSA", "EC") from params, or NULL. */
static EVP_PKEY *
csr_der_fromdata(const char *name, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* An RSAPublicKey (RFC 8017 A.1.1) as a key, recorded in c; 0 when it is not one AWS signs. */
static int
csr_der_rsa(struct csr *c, const unsigned char *p, long len)
{
	const unsigned char *end = p + len, *q;
	struct der_tlv seq, n, e;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	int ok = 0;

	if (der_expect(&p, end, 0x30, &seq) != 0 || p != end)
		return 0;
	q = seq.content;
	if (der_expect(&q, seq.content + seq.len, 0x02, &n) != 0 ||
	    der_expect(&q, seq.content + seq.len, 0x02, &e) != 0 || q != seq.content + seq.len ||
	    !csr_der_positive(&n) || !csr_der_positive(&e))
		return 0;
	bn_n = BN_bin2bn(n.content, (int)n.len, NULL);
	bn_e = BN_bin2bn(e.content, (int)e.len, NULL);
	if (bn_n == NULL || bn_e == NULL || csr_set_rsa(c, BN_num_bits(bn_n), NULL) != 0)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	ok = (c->pkey = csr_der_fromdata("RSA", params)) != NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return ok;
}

/* An EC point on the named curve of alg as a key, recorded in c; 0 when it is not one. */
static int
csr_der_ec(struct csr *c, const X509_ALGOR *alg, const unsigned char *point, long len)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	int ok = 0;

	if (csr_set_ec(c, alg, NULL) != 0)
		return 0;
	/* "ECDSA P-256" names the curve as OpenSSL's EC key manager knows it. */
	if ((bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                    strchr(c->desc, ' ') + 1, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, (size_t)len) ==
	        1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		ok = (c->pkey = csr_der_fromdata("EC", params)) != NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

/*
 * Whether the signature algorithm alg is one of key_nid's with a digest,
 * with no parameters (ECDSA) or NULL ones (RSA PKCS #1 v1.5); its digest's
 * name in *md.
 */
static int
csr_der_sig_alg(const X509_ALGOR *alg, int key_nid, const char **md)
{
	const ASN1_OBJECT *oid;
	int ptype, md_nid, pk_nid;

	X509_ALGOR_get0(&oid, &ptype, NULL, alg);
	if (OBJ_find_sigid_algs(OBJ_obj2nid(oid), &md_nid, &pk_nid) != 1 || pk_nid != key_nid ||
	    md_nid == NID_undef || (*md = OBJ_nid2sn(md_nid)) == NULL)
		return 0;
	return ptype == V_ASN1_UNDEF || (ptype == V_ASN1_NULL && key_nid == NID_rsaEncryption);
}

/* Whether sig verifies over data with c->pkey and the digest md. */
static int
csr_der_verify(const struct csr *c, const char *md, const unsigned char *sig, long sig_len,
               const unsigned char *data, long len)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int ok;

	ok = mctx != NULL &&
	     EVP_DigestVerifyInit_ex(mctx, NULL, md, NULL, NULL, c->pkey, NULL) == 1 &&
	     EVP_DigestVerify(mctx, sig, (size_t)sig_len, data, (size_t)len) == 1;
	EVP_MD_CTX_free(mctx);
	return ok;
}

int
csr_der_read(struct csr *c, const unsigned char *der, long derlen, STACK_OF(X509_EXTENSION) * *exts)
{
	struct der_csr d;
	X509_ALGOR *key_alg = NULL, *sig_alg = NULL;
	X509_NAME *subject = NULL;
	const ASN1_OBJECT *oid;
	const unsigned char *p;
	const char *md;
	int key_nid, ok = 0;

	*exts = NULL;
	if (der_csr(der, derlen, &d) != 0)
		return 0;
	p = d.subject.tlv;
	if ((subject = d2i_X509_NAME(NULL, &p, d.subject.tlv_len)) == NULL ||
	    p != d.subject.tlv + d.subject.tlv_len)
		goto out;
	if ((key_alg = csr_der_algor(&d.key_alg)) == NULL ||
	    (sig_alg = csr_der_algor(&d.sig_alg)) == NULL)
		goto out;
	X509_ALGOR_get0(&oid, NULL, NULL, key_alg);
	key_nid = OBJ_obj2nid(oid);
	if (key_nid == NID_rsaEncryption) {
		if (!csr_der_rsa(c, d.key, d.key_len))
			goto out;
	} else if (key_nid == NID_X9_62_id_ecPublicKey) {
		if (!csr_der_ec(c, key_alg, d.key, d.key_len))
			goto out;
	} else
		goto out;
	if (!csr_der_sig_alg(sig_alg, key_nid, &md) ||
	    !csr_der_verify(c, md, d.sig, d.sig_len, d.info.tlv, d.info.tlv_len))
		goto out;
	if (d.ext_req.tag == 0)
		*exts = sk_X509_EXTENSION_new_null();
	else {
		p = d.ext_req.tlv;
		*exts = d2i_X509_EXTENSIONS(NULL, &p, d.ext_req.tlv_len);
		if (*exts != NULL && p != d.ext_req.tlv + d.ext_req.tlv_len) {
			sk_X509_EXTENSION_pop_free(*exts, X509_EXTENSION_free);
			*exts = NULL;
		}
	}
	ok = *exts != NULL;
out:
	X509_NAME_free(subject);
	X509_ALGOR_free(key_alg);
	X509_ALGOR_free(sig_alg);
	ERR_clear_error();
	return ok;
}
