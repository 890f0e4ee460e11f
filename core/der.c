/*
 * DER read by hand, just far enough (core/der.h).
 */
#include <string.h>

#include <openssl/asn1.h>

#include "core/der.h"

int
der_next(const unsigned char **p, const unsigned char *end, struct der_tlv *t)
{
	const unsigned char *q = *p;
	int tag, cls, r;

	if (q >= end || (*q & 0x1f) == 0x1f)
		return -1;
	t->tag = *q;
	r = ASN1_get_object(&q, &t->len, &tag, &cls, (long)(end - q));
	if ((r & 0x80) != 0 || (r & 0x01) != 0 || t->len > end - q)
		return -1;
	t->content = q;
	t->tlv = *p;
	t->tlv_len = (long)(q - *p) + t->len;
	*p = q + t->len;
	return 0;
}

int
der_expect(const unsigned char **p, const unsigned char *end, int tag, struct der_tlv *t)
{
	const unsigned char *q = *p;

	if (q >= end || *q != tag || der_next(&q, end, t) != 0)
		return -1;
	*p = q;
	return 0;
}

int
der_spki(const unsigned char *der, long derlen, int cert, const unsigned char **spki,
         long *spki_len)
{
	const unsigned char *p = der, *end = der + derlen;
	struct der_tlv outer, info, t;
	int i, skip = cert ? 5 : 2;

	if (der_expect(&p, end, 0x30, &outer) != 0 || p != end)
		return -1;
	p = outer.content;
	end = p + outer.len;
	/* tbsCertificate or certificationRequestInfo, looked into below. */
	if (der_expect(&p, end, 0x30, &info) != 0)
		return -1;
	if (cert &&
	    (der_expect(&p, end, 0x30, &t) != 0 || der_expect(&p, end, 0x03, &t) != 0 || p != end))
		return -1;
	p = info.content;
	end = p + info.len;
	if (cert && p < end && *p == 0xa0)
		skip++;
	for (i = 0; i <= skip; i++) {
		if (der_next(&p, end, &t) != 0)
			return -1;
	}
	if (t.tag != 0x30)
		return -1;
	*spki = t.tlv;
	*spki_len = t.tlv_len;
	return 0;
}

/* The contents of an OID naming PKCS#9 extensionRequest, and Microsoft's. */
static const unsigned char der_oid_ext_req[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                0x0d, 0x01, 0x09, 0x0e};
static const unsigned char der_oid_ms_ext_req[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                   0x82, 0x37, 0x02, 0x01, 0x0e};

static int
der_oid_is(const struct der_tlv *t, const unsigned char *oid, long len)
{
	return t->len == len && memcmp(t->content, oid, (size_t)len) == 0;
}

/* A BIT STRING's octets when it has no unused bits: 0, or -1. */
static int
der_bits(const struct der_tlv *t, const unsigned char **octets, long *len)
{
	if (t->len < 1 || t->content[0] != 0)
		return -1;
	*octets = t->content + 1;
	*len = t->len - 1;
	return 0;
}

/* Reads the attributes' contents [p, end) into out->ext_req. */
static int
der_csr_attributes(const unsigned char *p, const unsigned char *end, struct der_csr *out)
{
	const unsigned char *q, *qend, *v;
	struct der_tlv attr, oid, set, value;

	out->ext_req.tag = 0;
	while (p < end) {
		if (der_expect(&p, end, 0x30, &attr) != 0)
			return -1;
		q = attr.content;
		qend = q + attr.len;
		if (der_expect(&q, qend, 0x06, &oid) != 0 ||
		    der_expect(&q, qend, 0x31, &set) != 0 || q != qend)
			return -1;
		for (v = set.content; v < set.content + set.len;) {
			if (der_next(&v, set.content + set.len, &value) != 0)
				return -1;
		}
		if (der_oid_is(&oid, der_oid_ms_ext_req, sizeof der_oid_ms_ext_req))
			return -1;
		if (!der_oid_is(&oid, der_oid_ext_req, sizeof der_oid_ext_req))
			continue;
		v = set.content;
		if (out->ext_req.tag != 0 ||
		    der_expect(&v, set.content + set.len, 0x30, &out->ext_req) != 0 ||
		    v != set.content + set.len)
			return -1;
	}
	return 0;
}

int
der_csr(const unsigned char *der, long derlen, struct der_csr *out)
{
	const unsigned char *p = der, *end = der + derlen;
	struct der_tlv outer, version, attrs, sig;

	if (der_expect(&p, end, 0x30, &outer) != 0 || p != end)
		return -1;
	p = outer.content;
	end = p + outer.len;
	if (der_expect(&p, end, 0x30, &out->info) != 0 ||
	    der_expect(&p, end, 0x30, &out->sig_alg) != 0 || der_expect(&p, end, 0x03, &sig) != 0 ||
	    p != end || der_bits(&sig, &out->sig, &out->sig_len) != 0)
		return -1;
	p = out->info.content;
	end = p + out->info.len;
	if (der_expect(&p, end, 0x02, &version) != 0 || version.len != 1 ||
	    version.content[0] != 0 || der_expect(&p, end, 0x30, &out->subject) != 0 ||
	    der_expect(&p, end, 0x30, &out->spki) != 0)
		return -1;
	attrs.content = p;
	attrs.len = 0;
	if (p < end && der_expect(&p, end, 0xa0, &attrs) != 0)
		return -1;
	if (p != end || der_csr_attributes(attrs.content, attrs.content + attrs.len, out) != 0)
		return -1;
	p = out->spki.content;
	end = p + out->spki.len;
	if (der_expect(&p, end, 0x30, &out->key_alg) != 0 || der_expect(&p, end, 0x03, &sig) != 0 ||
	    p != end || der_bits(&sig, &out->key, &out->key_len) != 0)
		return -1;
	return 0;
}
