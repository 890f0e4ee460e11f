/*
 * The scalar formats Kubernetes objects carry inside JSON strings: base64
 * ([]byte fields such as a CertificateRequest's spec.request and a Secret's
 * data) and Go durations (metav1.Duration, "2160h0m0s"); and the Secret
 * decoder, which is little more than base64 over chosen keys.
 */
#include <stdlib.h>
#include <string.h>

#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/types.h"

/* The value of a base64 character, -1 for '=', -2 for anything else. */
static int
kube_b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	if (ch == '=')
		return -1;
	return -2;
}

/*
 * Standard base64 (RFC 4648 section 4, Go's StdEncoding) with or without
 * padding; line breaks are skipped as Go skips them. *out is NUL-terminated
 * (not counted in *outlen) and the caller's.
 */
int
kube_base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *o = xmalloc(len / 4 * 3 + 4);
	unsigned acc = 0, nbits = 0, pad = 0, nchars = 0;
	size_t i, n = 0;
	int v;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		v = kube_b64_value((unsigned char)s[i]);
		if (v == -2 || (v >= 0 && pad > 0) || (v == -1 && ++pad > 2))
			goto bad;
		if (v < 0)
			continue;
		nchars++;
		acc = (acc << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			o[n++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	/* One character alone cannot hold a byte; padding must complete a quantum. */
	if (nchars % 4 == 1 || (pad > 0 && (nchars + pad) % 4 != 0))
		goto bad;
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	*out = NULL;
	*outlen = 0;
	return -1;
}

struct kube_duration_unit {
	const char *name;
	uint64_t ns;
};

static const struct kube_duration_unit kube_duration_units[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

/* Reads a unit at *p (the longest name that matches); 0 when none does. */
static uint64_t
kube_duration_unit(const char **p)
{
	size_t i, n, best = 0;
	uint64_t ns = 0;

	for (i = 0; i < sizeof kube_duration_units / sizeof kube_duration_units[0]; i++) {
		n = strlen(kube_duration_units[i].name);
		if (n > best && strncmp(*p, kube_duration_units[i].name, n) == 0) {
			best = n;
			ns = kube_duration_units[i].ns;
		}
	}
	/* "m" must not swallow the "m" of "ms", and neither may be followed by a letter. */
	if (best > 0 && (*p)[best] >= 'a' && (*p)[best] <= 'z')
		return 0;
	*p += best;
	return ns;
}

/* One "<number>[.<fraction>]<unit>" term in nanoseconds; -1 if malformed or too big. */
static int
kube_duration_term(const char **pp, uint64_t *ns)
{
	const char *p = *pp;
	uint64_t v = 0, frac = 0, scale = 1, unit;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale < 1000000000000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (digits == 0 || (unit = kube_duration_unit(&p)) == 0)
		return -1;
	if (v > (uint64_t)INT64_MAX / unit)
		return -1;
	*ns = v * unit + (uint64_t)((long double)frac / (long double)scale * (long double)unit);
	*pp = p;
	return 0;
}

/*
 * A Go duration ("2160h0m0s", "1h30m", "1.5h", "-90s", "0") in whole
 * seconds, truncated toward zero. -1 for anything time.ParseDuration
 * refuses, and for durations beyond its range (about 292 years).
 */
int
kube_duration_parse(const char *s, int64_t *seconds)
{
	const char *p = s;
	uint64_t total = 0, ns;
	int neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		if (kube_duration_term(&p, &ns) != 0 || ns > (uint64_t)INT64_MAX - total)
			return -1;
		total += ns;
	}
	*seconds = (int64_t)(total / 1000000000ULL) * (neg ? -1 : 1);
	return 0;
}

static char *
kube_secret_what(const struct jtok *d)
{
	int md = jtok_get(d, JTOK_ROOT, "metadata");
	char *ns = NULL, *name = NULL, *what;

	(void)jtok_get_str(d, md, "namespace", &ns);
	(void)jtok_get_str(d, md, "name", &name);
	what = xasprintf("Secret %s%s%s", ns != NULL ? ns : "", ns != NULL ? "/" : "",
	                 name != NULL ? name : "(unnamed)");
	free(ns);
	free(name);
	return what;
}

/* Decodes data[key] into *value; 1 when absent, -1 (with *cause) when malformed. */
static int
kube_secret_value(const struct jtok *d, int data, const char *key, char **value, char **cause)
{
	int t = jtok_get(d, data, key);
	struct buf b = BUF_INIT;
	unsigned char *raw;
	size_t n;
	char *what;
	int rc = 0;

	*value = NULL;
	if (t == -1 || jtok_is_null(d, t))
		return 1;
	if (jtok_str_buf(d, t, &b) != 0) {
		what = kube_secret_what(d);
		*cause = xasprintf("%s: data.%s must be a base64 string, not %s", what, key,
		                   jtok_type_name(jtok_type(d, t)));
		free(what);
		return -1;
	}
	if (kube_base64_decode(buf_str(&b), b.len, &raw, &n) != 0) {
		what = kube_secret_what(d);
		*cause = xasprintf("%s: data.%s is not valid base64", what, key);
		free(what);
		rc = -1;
	} else
		*value = (char *)raw;
	if (b.p != NULL)
		explicit_bzero(b.p, b.cap);
	buf_free(&b);
	return rc;
}

static void
kube_secret_wipe(char **values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (values[i] != NULL)
			explicit_bzero(values[i], strlen(values[i]));
		xfree_ptr(&values[i]);
	}
}

int
kube_secret_decode(const char *json, size_t len, const char *const *keys, size_t nkeys,
                   char **values, char **cause)
{
	struct jtok *d = NULL;
	char *why = NULL;
	int data, rc = -1;
	size_t i;

	for (i = 0; i < nkeys; i++)
		values[i] = NULL;
	if (jtok_parse(json, len, &d, &why) != 0) {
		*cause = xasprintf("the Secret is not valid JSON: %s", why);
		goto out;
	}
	if (jtok_type(d, JTOK_ROOT) != JTOK_OBJECT) {
		*cause = xstrdup("the Secret is not a JSON object");
		goto out;
	}
	data = jtok_get(d, JTOK_ROOT, "data");
	if (data != -1 && !jtok_is_null(d, data) && jtok_type(d, data) != JTOK_OBJECT) {
		why = kube_secret_what(d);
		*cause = xasprintf("%s: data must be an object, not %s", why,
		                   jtok_type_name(jtok_type(d, data)));
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		if (keys[i] != NULL && kube_secret_value(d, data, keys[i], &values[i], cause) < 0) {
			kube_secret_wipe(values, nkeys);
			goto out;
		}
	}
	rc = 0;
out:
	free(why);
	jtok_free(d);
	return rc;
}
