/*
 * DER read just far enough to find a SubjectPublicKeyInfo without decoding
 * any key (core/der.h).
 */
#include <openssl/asn1.h>

#include "core/der.h"

/*
 * Takes the next TLV of [*p, end): its first identifier octet in *tag, the
 * whole TLV in *tlv and *tlv_len, and *p moved past it; content points at
 * its contents. 0, or -1 when it is not definite-length DER.
 */
static int
der_next(const unsigned char **p, const unsigned char *end, int *tag, const unsigned char **content,
         long *content_len, const unsigned char **tlv, long *tlv_len)
{
	const unsigned char *q = *p;
	int t, cls, r;

	if (q >= end)
		return -1;
	*tag = *q;
	r = ASN1_get_object(&q, content_len, &t, &cls, (long)(end - q));
	if ((r & 0x80) != 0 || (r & 0x01) != 0 || *content_len > end - q)
		return -1;
	*content = q;
	*tlv = *p;
	*tlv_len = (long)(q - *p) + *content_len;
	*p = q + *content_len;
	return 0;
}

/*
 * The SubjectPublicKeyInfo of a DER certificate (cert 1) or PKCS#10 request
 * (cert 0): the sixth element of tbsCertificate after its optional [0]
 * version, or the third of certificationRequestInfo. The whole outer
 * SEQUENCE must be der, and a certificate must end with its signature
 * algorithm and BIT STRING. 0, or -1.
 */
int
der_spki(const unsigned char *der, long derlen, int cert, const unsigned char **spki,
         long *spki_len)
{
	const unsigned char *p = der, *end = der + derlen, *c, *info, *tlv;
	long n, info_len, tlen;
	int tag, i, skip = cert ? 5 : 2;

	if (der_next(&p, end, &tag, &c, &n, &tlv, &tlen) != 0 || tag != 0x30 || p != end)
		return -1;
	end = c + n;
	p = c;
	/* tbsCertificate or certificationRequestInfo, looked into below. */
	if (der_next(&p, end, &tag, &info, &info_len, &tlv, &tlen) != 0 || tag != 0x30)
		return -1;
	if (cert && (der_next(&p, end, &tag, &c, &n, &tlv, &tlen) != 0 || tag != 0x30 ||
	             der_next(&p, end, &tag, &c, &n, &tlv, &tlen) != 0 || tag != 0x03 || p != end))
		return -1;
	p = info;
	end = info + info_len;
	if (cert && p < end && *p == 0xa0)
		skip++;
	for (i = 0; i <= skip; i++) {
		if (der_next(&p, end, &tag, &c, &n, &tlv, &tlen) != 0)
			return -1;
	}
	if (tag != 0x30)
		return -1;
	*spki = tlv;
	*spki_len = tlen;
	return 0;
}
