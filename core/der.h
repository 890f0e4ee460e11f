/*
 * DER, read just far enough to find a SubjectPublicKeyInfo without decoding
 * any key: OpenSSL 3.0 decodes a certificate's key through its provider
 * decoders, about 100 us a certificate on a 2-core cloud machine, where
 * comparing the key's bytes costs nothing (handlers/csr.c).
 */
#ifndef PCA_CORE_DER_H
#define PCA_CORE_DER_H

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

#endif
