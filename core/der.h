/*
 * DER, read by hand where OpenSSL 3.0 would be slow: its d2i of a
 * certificate or request decodes the public key through the provider
 * decoders, about 100 us a key on a 2-core cloud machine, where finding the
 * key's bytes costs nothing (handlers/csr.c).
 */
#ifndef PCA_CORE_DER_H
#define PCA_CORE_DER_H

/* One TLV: its identifier octet, the whole encoding, and its contents. */
struct der_tlv {
	int tag;
	const unsigned char *tlv;
	long tlv_len;
	const unsigned char *content;
	long len;
};

/*
 * Takes the TLV at *p, which must end by end: 0 with *t filled and *p moved
 * past it, or -1 when it is not definite-length DER with a one-octet tag.
 */
int der_next(const unsigned char **p, const unsigned char *end, struct der_tlv *t);

/*
 * Takes the TLV at *p into *t when its tag is tag, as der_next; -1 when
 * there is none or it has another tag.
 */
int der_expect(const unsigned char **p, const unsigned char *end, int tag, struct der_tlv *t);

/*
 * The SubjectPublicKeyInfo of a DER certificate (cert 1) or PKCS#10 request
 * (cert 0), as the TLV bytes inside der: the sixth element of
 * tbsCertificate after its optional [0] version, or the third of
 * certificationRequestInfo. The outer SEQUENCE must be all of der, and a
 * certificate must end with its signature algorithm and BIT STRING. 0, or -1
 * when der does not have that shape. Nothing else is checked.
 */
int der_spki(const unsigned char *der, long derlen, int cert, const unsigned char **spki,
             long *spki_len);

/*
 * The parts of a PKCS#10 request (RFC 2986) of the plain shape: version 0,
 * a subject, a key whose BIT STRING has no unused bits, attributes each an
 * OID and a SET of TLVs with at most one extensionRequest of one SEQUENCE
 * value (and no Microsoft one), and a signature with no unused bits. The
 * subject, algorithms and values are only split, not read.
 */
struct der_csr {
	struct der_tlv info;      /* certificationRequestInfo, what the signature covers */
	struct der_tlv subject;   /* the Name */
	struct der_tlv spki;      /* the SubjectPublicKeyInfo */
	struct der_tlv key_alg;   /* its AlgorithmIdentifier */
	const unsigned char *key; /* its key octets, after the unused-bits octet */
	long key_len;
	struct der_tlv ext_req;   /* the extensionRequest value; tag 0 when there is none */
	struct der_tlv sig_alg;   /* the signature's AlgorithmIdentifier */
	const unsigned char *sig; /* the signature octets */
	long sig_len;
};

/* Splits der, which must be one whole request of that shape: 0, or -1. */
int der_csr(const unsigned char *der, long derlen, struct der_csr *out);

#endif
