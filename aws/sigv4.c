/*
 * AWS Signature Version 4: the canonical request, the string to sign, the
 * signing-key derivation and the Authorization header, as described in the
 * AWS General Reference ("Create a signed AWS API request") and checked
 * against the AWS SigV4 test suite.
 *
 * Pure functions over the caller's arguments. Secrets and derived keys that
 * pass through stack buffers are wiped with OPENSSL_cleanse before return.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/xmalloc.h"

#define SIGV4_ALGORITHM  "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"

struct aws_sigv4_keycache {
	int valid;
	char date[9];
	char *region;
	char *service;
	unsigned char secret_hash[32];
	unsigned char key[32];
	unsigned long derivations;
};

/* One header on its way into the canonical form. */
struct sigv4_entry {
	char *name; /* lowercased copy */
	const char *value;
	size_t order; /* position as given, to keep repeated headers in order */
};

/* One query parameter, both parts already in canonical (escaped) form. */
struct sigv4_param {
	char *name;
	char *value;
};

static void
sigv4_hmac(const void *key, size_t keylen, const char *msg, size_t msglen, unsigned char out[32])
{
	unsigned int outlen = 32;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out,
	         &outlen) == NULL)
		fatalx("HMAC-SHA256 failed in OpenSSL");
}

static void
sigv4_sha256(const void *data, size_t len, unsigned char out[32])
{
	if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1)
		fatalx("SHA-256 failed in OpenSSL");
}

void
aws_sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];

	sigv4_sha256(len == 0 ? "" : data, len, md);
	codec_hex(md, sizeof md, hex);
}

void
aws_sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
                      unsigned char key[32])
{
	size_t slen = strlen(secret);
	char *k0 = xmalloc(slen + 5);
	unsigned char k1[32], k2[32], k3[32];

	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, slen + 1);
	sigv4_hmac(k0, slen + 4, date, strlen(date), k1);
	sigv4_hmac(k1, 32, region, strlen(region), k2);
	sigv4_hmac(k2, 32, service, strlen(service), k3);
	sigv4_hmac(k3, 32, SIGV4_TERMINATOR, strlen(SIGV4_TERMINATOR), key);
	OPENSSL_cleanse(k0, slen + 4);
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(k2, sizeof k2);
	OPENSSL_cleanse(k3, sizeof k3);
	free(k0);
}

struct aws_sigv4_keycache *
aws_sigv4_keycache_create(void)
{
	return xcalloc(1, sizeof(struct aws_sigv4_keycache));
}

void
aws_sigv4_keycache_free(struct aws_sigv4_keycache *kc)
{
	if (kc == NULL)
		return;
	free(kc->region);
	free(kc->service);
	OPENSSL_cleanse(kc, sizeof *kc);
	free(kc);
}

unsigned long
aws_sigv4_keycache_derivations(const struct aws_sigv4_keycache *kc)
{
	return kc->derivations;
}

/*
 * Fills key with the signing key for the parameters, from the cache when
 * its date, region, service and secret all match, else derived (and then
 * cached). The secret is compared through its hash in constant time.
 */
static void
sigv4_key(struct aws_sigv4_keycache *kc, const struct aws_sigv4_params *pa, const char *date,
          unsigned char key[32])
{
	unsigned char sh[32];

	if (kc == NULL) {
		aws_sigv4_signing_key(pa->secret_access_key, date, pa->region, pa->service, key);
		return;
	}
	sigv4_sha256(pa->secret_access_key, strlen(pa->secret_access_key), sh);
	if (kc->valid && strcmp(kc->date, date) == 0 && strcmp(kc->region, pa->region) == 0 &&
	    strcmp(kc->service, pa->service) == 0 &&
	    CRYPTO_memcmp(kc->secret_hash, sh, sizeof sh) == 0) {
		memcpy(key, kc->key, 32);
		OPENSSL_cleanse(sh, sizeof sh);
		return;
	}
	aws_sigv4_signing_key(pa->secret_access_key, date, pa->region, pa->service, key);
	memcpy(kc->key, key, 32);
	memcpy(kc->secret_hash, sh, sizeof sh);
	memcpy(kc->date, date, 8);
	kc->date[8] = '\0';
	free(kc->region);
	free(kc->service);
	kc->region = xstrdup(pa->region);
	kc->service = xstrdup(pa->service);
	kc->valid = 1;
	kc->derivations++;
	OPENSSL_cleanse(sh, sizeof sh);
}

static int
sigv4_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

/* Appends p[0..len) to b with every byte but the unreserved ones (and '/' if asked) escaped. */
static void
sigv4_escape(struct buf *b, const char *p, size_t len, int keep_slash)
{
	/* buf_reserve() on an empty buffer would leave it unterminated. */
	if (len == 0)
		return;
	codec_pct_encode(b, p, len, keep_slash ? "/" : NULL);
}

static int
sigv4_is_dot_segment(const char *p, size_t len)
{
	return (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.');
}

/*
 * Appends the normalised form of path to b: "." and ".." segments removed
 * as in RFC 3986 section 5.2.4, and empty segments (duplicate slashes)
 * dropped. A trailing slash stays, as does one implied by a final dot
 * segment, unless nothing is left but the root.
 */
static void
sigv4_normalize(struct buf *b, const char *path)
{
	struct span *seg = NULL;
	size_t nseg = 0, cap = 0, i, len;
	const char *p = path, *end;
	int trailing = 0;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		len = end == NULL ? strlen(p) : (size_t)(end - p);
		trailing = end != NULL || sigv4_is_dot_segment(p, len);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (nseg == cap) {
				cap = cap == 0 ? 8 : cap * 2;
				seg = xreallocarray(seg, cap, sizeof *seg);
			}
			seg[nseg].p = p;
			seg[nseg++].len = len;
		}
		p += len;
	}
	buf_addc(b, '/');
	for (i = 0; i < nseg; i++) {
		buf_add(b, seg[i].p, seg[i].len);
		if (i + 1 < nseg || trailing)
			buf_addc(b, '/');
	}
	free(seg);
}

char *
aws_sigv4_canonical_uri(const char *path, int normalize)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;

	if (path == NULL || *path == '\0')
		path = "/";
	if (normalize) {
		sigv4_normalize(&raw, path);
		path = buf_str(&raw);
	}
	sigv4_escape(&out, path, strlen(path), 1);
	buf_clear(&raw);
	return buf_steal(&out);
}

/* Returns the canonical form of one escaped query name or value, or NULL on a bad escape. */
static char *
sigv4_requote(const char *p, size_t len)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (p[i] != '%') {
			buf_addc(&raw, p[i]);
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		hi = codec_hex_digit(p[i + 1]);
		lo = codec_hex_digit(p[i + 2]);
		if (hi < 0 || lo < 0)
			goto bad;
		buf_addc(&raw, (char)(hi << 4 | lo));
		i += 2;
	}
	sigv4_escape(&out, raw.p == NULL ? "" : raw.p, raw.len, 0);
	buf_clear(&raw);
	return buf_steal(&out);
bad:
	buf_clear(&raw);
	return NULL;
}

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param *pa = a, *pb = b;
	int c = strcmp(pa->name, pb->name);

	return c != 0 ? c : strcmp(pa->value, pb->value);
}

static void
sigv4_params_free(struct sigv4_param *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* Splits query into canonical parameters; -1 with *cause on a bad escape. */
static int
sigv4_split_query(const char *query, struct sigv4_param **out, size_t *nout, char **cause)
{
	struct sigv4_param *v = NULL;
	size_t n = 0, cap = 0, len, nlen;
	const char *p = query, *amp, *eq;

	for (; *p != '\0'; p += len + (p[len] == '&')) {
		amp = strchr(p, '&');
		len = amp == NULL ? strlen(p) : (size_t)(amp - p);
		if (len == 0)
			continue;
		eq = memchr(p, '=', len);
		nlen = eq == NULL ? len : (size_t)(eq - p);
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].name = sigv4_requote(p, nlen);
		v[n].value = eq == NULL ? xstrdup("") : sigv4_requote(eq + 1, len - nlen - 1);
		n++;
		if (v[n - 1].name == NULL || v[n - 1].value == NULL) {
			*cause = xasprintf("the query parameter \"%.*s\" has a malformed percent "
			                   "escape",
			                   (int)(len > 64 ? 64 : len), p);
			sigv4_params_free(v, n);
			return -1;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

int
aws_sigv4_canonical_query(const char *query, char **out, char **cause)
{
	struct sigv4_param *v = NULL;
	struct buf b = BUF_INIT;
	size_t n = 0, i;

	if (query != NULL && sigv4_split_query(query, &v, &n, cause) != 0)
		return -1;
	if (n > 1)
		qsort(v, n, sizeof *v, sigv4_param_cmp);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s=%s", i == 0 ? "" : "&", v[i].name, v[i].value);
	sigv4_params_free(v, n);
	*out = buf_steal(&b);
	return 0;
}

/* RFC 9110 token characters, for header names and the method. */
static int
sigv4_tchar(unsigned char c)
{
	return sigv4_unreserved(c) || (c != '\0' && strchr("!#$%&'*+^`|", c) != NULL);
}

static int
sigv4_is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (!sigv4_tchar((unsigned char)*s))
			return 0;
	}
	return 1;
}

static int
sigv4_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Checks a header value: control characters are refused, and a line break
 * is accepted only as an obsolete fold (followed by a space or tab), which
 * the canonical form turns into one space.
 */
static int
sigv4_value_ok(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			p++;
		if (*p == '\r' || *p == '\n') {
			if (p[1] != ' ' && p[1] != '\t')
				return 0;
		} else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* Appends v trimmed, with each run of white space (folds included) as one space. */
static void
sigv4_add_value(struct buf *b, const char *v)
{
	int pending = 0;

	while (sigv4_space(*v))
		v++;
	for (; *v != '\0'; v++) {
		if (sigv4_space(*v)) {
			pending = 1;
			continue;
		}
		if (pending)
			buf_addc(b, ' ');
		pending = 0;
		buf_addc(b, *v);
	}
}

static int
sigv4_entry_cmp(const void *a, const void *b)
{
	const struct sigv4_entry *ea = a, *eb = b;
	int c = strcmp(ea->name, eb->name);

	if (c != 0)
		return c;
	return ea->order < eb->order ? -1 : ea->order > eb->order;
}

static int
sigv4_reserved_name(const char *lower)
{
	static const char *const names[] = {"x-amz-date", "x-amz-security-token",
	                                    "x-amz-content-sha256", "authorization"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(lower, names[i]) == 0)
			return 1;
	}
	return 0;
}

static char *
sigv4_lower(const char *s)
{
	char *l = xstrdup(s), *p;

	for (p = l; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return l;
}

/*
 * Copies the caller's headers (checked) and then the signer's own into one
 * array of lowercased entries, sorted by name and, within a name, by the
 * order given. The names in *out are the caller's to free.
 */
static int
sigv4_collect(const struct aws_sigv4_request *rq, const struct aws_sigv4_header *own, size_t nown,
              struct sigv4_entry **out, size_t *nout, char **cause)
{
	size_t n = rq->nheaders + nown, i;
	struct sigv4_entry *e = xcalloc(n == 0 ? 1 : n, sizeof *e);
	const struct aws_sigv4_header *h;

	for (i = 0; i < n; i++) {
		h = i < rq->nheaders ? &rq->headers[i] : &own[i - rq->nheaders];
		e[i].name = sigv4_lower(h->name == NULL ? "" : h->name);
		e[i].value = h->value == NULL ? "" : h->value;
		e[i].order = i;
		if (i >= rq->nheaders)
			continue;
		if (!sigv4_is_token(h->name))
			*cause = xasprintf("header name \"%s\" is not a valid HTTP token",
			                   h->name == NULL ? "" : h->name);
		else if (sigv4_reserved_name(e[i].name))
			*cause = xasprintf("header %s is set by the signer; leave it out", h->name);
		else if (rq->host != NULL && strcmp(e[i].name, "host") == 0)
			*cause = xasprintf("header Host is given twice (request.host and headers)");
		else if (!sigv4_value_ok(e[i].value))
			*cause = xasprintf("header %s has a control character or a bare line break "
			                   "in its value",
			                   h->name);
		else
			continue;
		for (i = 0; i < n; i++)
			free(e[i].name);
		free(e);
		return -1;
	}
	qsort(e, n, sizeof *e, sigv4_entry_cmp);
	*out = e;
	*nout = n;
	return 0;
}

/*
 * Appends the canonical headers block (each "name:value\n") to creq and
 * the semicolon-separated signed header names to names.
 */
static int
sigv4_headers(const struct aws_sigv4_request *rq, const struct aws_sigv4_header *own, size_t nown,
              struct buf *creq, struct buf *names, char **cause)
{
	struct sigv4_entry *e;
	size_t n, i;
	int has_host = 0;

	if (sigv4_collect(rq, own, nown, &e, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(e[i].name, e[i - 1].name) == 0) {
			buf_addc(creq, ',');
		} else {
			if (i > 0) {
				buf_addc(creq, '\n');
				buf_addc(names, ';');
			}
			buf_printf(creq, "%s:", e[i].name);
			buf_adds(names, e[i].name);
			has_host |= strcmp(e[i].name, "host") == 0;
		}
		sigv4_add_value(creq, e[i].value);
	}
	buf_addc(creq, '\n');
	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
	if (!has_host) {
		*cause = xstrdup("the request has no Host header to sign");
		return -1;
	}
	return 0;
}

static int
sigv4_check(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa, char **cause)
{
	if (pa->access_key_id == NULL || *pa->access_key_id == '\0' ||
	    pa->secret_access_key == NULL || *pa->secret_access_key == '\0')
		*cause = xstrdup("no AWS access key id or secret access key to sign with");
	else if (strpbrk(pa->access_key_id, "/, \t\r\n") != NULL)
		*cause = xstrdup("the AWS access key id contains '/', ',' or white space");
	else if (!sigv4_is_token(pa->region) || strchr(pa->region, '/') != NULL)
		*cause = xstrdup("the AWS region is empty or not a plain name");
	else if (!sigv4_is_token(pa->service) || strchr(pa->service, '/') != NULL)
		*cause = xstrdup("the AWS service name is empty or not a plain name");
	else if (pa->session_token != NULL &&
	         (strpbrk(pa->session_token, "\r\n") != NULL || !sigv4_value_ok(pa->session_token)))
		*cause = xstrdup("the AWS session token contains a control character");
	else if (!sigv4_is_token(rq->method))
		*cause =
		    xasprintf("\"%s\" is not a valid HTTP method", rq->method ? rq->method : "");
	else if (rq->path != NULL && *rq->path != '\0' && *rq->path != '/')
		*cause = xasprintf("the path \"%s\" does not start with '/'", rq->path);
	else if (rq->path != NULL && strpbrk(rq->path, "?#") != NULL)
		*cause = xasprintf("the path \"%s\" contains '?' or '#'; pass the query separately",
		                   rq->path);
	else if (rq->host != NULL && (*rq->host == '\0' || strpbrk(rq->host, " \t\r\n") != NULL))
		*cause = xasprintf("\"%s\" is not a valid Host", rq->host);
	else if (rq->payload == NULL && rq->payload_len > 0)
		*cause = xstrdup("the payload is NULL but its length is not zero");
	else
		return 0;
	return -1;
}

/* Writes now as YYYYMMDDTHHMMSSZ; -1 with *cause outside years 1970 to 9999. */
static int
sigv4_amz_date(time_t now, char out[17], char **cause)
{
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL || tm.tm_year < 70 || tm.tm_year > 9999 - 1900 ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
		*cause =
		    xasprintf("the time %lld cannot be written as an X-Amz-Date", (long long)now);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* Fills res->add with the headers the caller sends besides its own, Authorization last. */
static void
sigv4_fill_add(struct aws_sigv4_result *res, int content_sha256)
{
	size_t n = 0;

	if (res->host != NULL)
		res->add[n++] = (struct aws_sigv4_header){"Host", res->host};
	res->add[n++] = (struct aws_sigv4_header){"X-Amz-Date", res->amz_date};
	if (res->security_token != NULL)
		res->add[n++] =
		    (struct aws_sigv4_header){"X-Amz-Security-Token", res->security_token};
	if (content_sha256)
		res->add[n++] =
		    (struct aws_sigv4_header){"x-amz-content-sha256", res->payload_hash};
	res->add[n++] = (struct aws_sigv4_header){"Authorization", res->authorization};
	res->nadd = n;
}

/*
 * Builds the canonical request into creq and the signed header list into
 * names. The signer's own headers are signed along with the caller's.
 */
static int
sigv4_canonical_request(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
                        struct aws_sigv4_result *res, struct buf *creq, struct buf *names,
                        char **cause)
{
	struct aws_sigv4_header own[4];
	size_t nown = 0;
	char *uri, *query;

	if (aws_sigv4_canonical_query(rq->query, &query, cause) != 0)
		return -1;
	if (res->host != NULL)
		own[nown++] = (struct aws_sigv4_header){"host", res->host};
	own[nown++] = (struct aws_sigv4_header){"x-amz-date", res->amz_date};
	if (res->security_token != NULL && !pa->unsigned_token)
		own[nown++] =
		    (struct aws_sigv4_header){"x-amz-security-token", res->security_token};
	if (rq->content_sha256)
		own[nown++] = (struct aws_sigv4_header){"x-amz-content-sha256", res->payload_hash};
	uri = aws_sigv4_canonical_uri(rq->path, rq->normalize_path);
	buf_printf(creq, "%s\n%s\n%s\n", rq->method, uri, query);
	free(uri);
	free(query);
	if (sigv4_headers(rq, own, nown, creq, names, cause) != 0)
		return -1;
	buf_printf(creq, "\n%s\n%s", buf_str(names), res->payload_hash);
	return 0;
}

int
aws_sigv4_sign(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
               struct aws_sigv4_keycache *kc, struct aws_sigv4_result *out, char **cause)
{
	struct buf creq = BUF_INIT, names = BUF_INIT;
	char scope[256], date[9], crhash[65];
	unsigned char key[32], sig[32];
	int rv = -1;

	memset(out, 0, sizeof *out);
	if (sigv4_check(rq, pa, cause) != 0 || sigv4_amz_date(pa->now, out->amz_date, cause) != 0)
		goto out;
	memcpy(date, out->amz_date, 8);
	date[8] = '\0';
	if ((size_t)snprintf(scope, sizeof scope, "%s/%s/%s/" SIGV4_TERMINATOR, date, pa->region,
	                     pa->service) >= sizeof scope) {
		*cause = xstrdup("the AWS region and service names are too long");
		goto out;
	}
	aws_sigv4_sha256_hex(rq->payload, rq->payload_len, out->payload_hash);
	if (rq->host != NULL)
		out->host = xstrdup(rq->host);
	if (pa->session_token != NULL && *pa->session_token != '\0')
		out->security_token = xstrdup(pa->session_token);
	if (sigv4_canonical_request(rq, pa, out, &creq, &names, cause) != 0)
		goto out;
	out->canonical_request = buf_steal(&creq);
	aws_sigv4_sha256_hex(out->canonical_request, strlen(out->canonical_request), crhash);
	out->string_to_sign =
	    xasprintf(SIGV4_ALGORITHM "\n%s\n%s\n%s", out->amz_date, scope, crhash);

	sigv4_key(kc, pa, date, key);
	sigv4_hmac(key, sizeof key, out->string_to_sign, strlen(out->string_to_sign), sig);
	OPENSSL_cleanse(key, sizeof key);
	codec_hex(sig, sizeof sig, out->signature);
	out->authorization =
	    xasprintf(SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	              pa->access_key_id, scope, buf_str(&names), out->signature);
	sigv4_fill_add(out, rq->content_sha256);
	rv = 0;
out:
	buf_clear(&creq);
	buf_clear(&names);
	if (rv != 0)
		aws_sigv4_result_free(out);
	return rv;
}

void
aws_sigv4_result_free(struct aws_sigv4_result *res)
{
	if (res == NULL)
		return;
	free(res->canonical_request);
	free(res->string_to_sign);
	free(res->authorization);
	free(res->host);
	free(res->security_token);
	memset(res, 0, sizeof *res);
}
