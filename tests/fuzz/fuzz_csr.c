/*
 * libFuzzer target for handlers/csr: the input is read as a CertificateRequest's
 * spec.request and as an AWS certificate chain. The buffer is exactly the
 * input's size and not terminated, so the sanitizers catch any read past it.
 *
 * Besides crashes it checks what callers rely on: a failure always has a
 * cause and no object, a success never has a cause; an accepted CSR's
 * canonical PEM parses again to the same key and PEM; the spec checks
 * answer with a cause whenever they refuse; and every certificate a chain
 * splits into splits again into exactly itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/csr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_csr_check(int ok)
{
	if (!ok)
		abort();
}

static const char *const fuzz_csr_server[] = {"digital signature", "server auth", NULL};
static const char *const fuzz_csr_default[] = {"digital signature", "key encipherment", NULL};
static const char *const fuzz_csr_mixed[] = {"signing", "s/mime", "cert sign", "any", NULL};
static const char *const fuzz_csr_unknown[] = {"server auth", "nonsense", NULL};
static const char *const *const fuzz_csr_usage_sets[] = {
    NULL, fuzz_csr_server, fuzz_csr_default, fuzz_csr_mixed, fuzz_csr_unknown,
};

static void
fuzz_csr_accepted(const struct csr *c, const uint8_t *data, size_t size)
{
	const char *pem = csr_pem(c);
	struct csr *again = NULL;
	char *cause = NULL;
	size_t i;
	int is_ca, r;

	fuzz_csr_check(pem != NULL && csr_key_desc(c)[0] != '\0' && csr_key_bits(c) >= 256);
	fuzz_csr_check(csr_parse(pem, strlen(pem), &again, &cause) == 0 && cause == NULL);
	fuzz_csr_check(strcmp(csr_pem(again), pem) == 0);
	fuzz_csr_check(strcmp(csr_key_desc(again), csr_key_desc(c)) == 0);
	csr_free(again);
	for (i = 0; i < sizeof fuzz_csr_usage_sets / sizeof fuzz_csr_usage_sets[0]; i++) {
		for (is_ca = 0; is_ca <= 1; is_ca++) {
			r = csr_check_spec(c, is_ca, fuzz_csr_usage_sets[i], &cause);
			fuzz_csr_check(r == 0 ? cause == NULL : cause != NULL);
			free(cause);
			cause = NULL;
		}
	}
	r = csr_public_key_matches(c, (const char *)data, size, &cause);
	fuzz_csr_check(r == 0 ? cause == NULL : cause != NULL);
	free(cause);
}

static void
fuzz_csr_chain(const uint8_t *data, size_t size)
{
	char **certs = NULL, **one = NULL, *cause = NULL;
	size_t i, n = 0, m = 0;

	if (csr_split_certs((const char *)data, size, &certs, &n, &cause) != 0) {
		fuzz_csr_check(certs == NULL && n == 0 && cause != NULL);
		free(cause);
		return;
	}
	fuzz_csr_check(n > 0 && certs[n] == NULL && cause == NULL);
	for (i = 0; i < n; i++) {
		fuzz_csr_check(csr_split_certs(certs[i], strlen(certs[i]), &one, &m, &cause) == 0);
		fuzz_csr_check(m == 1 && strcmp(one[0], certs[i]) == 0);
		csr_certs_free(one);
	}
	csr_certs_free(certs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csr *c = NULL;
	char *cause = NULL;

	if (csr_parse((const char *)data, size, &c, &cause) == 0) {
		fuzz_csr_check(c != NULL && cause == NULL);
		fuzz_csr_accepted(c, data, size);
		csr_free(c);
	} else {
		fuzz_csr_check(c == NULL && cause != NULL);
		free(cause);
	}
	fuzz_csr_chain(data, size);
	return 0;
}
