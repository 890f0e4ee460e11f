/*
 * Tests for aws/sigv4: every case of the AWS SigV4 test suite in
 * shared/testdata/sigv4 (header-signing variant), the signing-key cache,
 * the canonical URI and query building blocks, and the refusals.
 *
 * Each suite case is a folder with request.txt (an HTTP/1.1 request, header
 * values possibly folded over several lines), context.json (credentials,
 * region, service, timestamp, normalize, sign_body, omit_session_token) and
 * the expected header-canonical-request.txt, header-string-to-sign.txt,
 * header-signature.txt and header-signed-request.txt.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/xmalloc.h"
#include "testutil.h"

#define MAXH 32

/* A parsed request.txt (or header-signed-request.txt); strings point into text. */
struct tcase_req {
	char *text;
	char *method;
	char *path;
	char *query;
	struct aws_sigv4_header h[MAXH];
	size_t nh;
	const char *body;
	size_t body_len;
};

static char *
read_file(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		free(path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	free(path);
	return buf_steal(&b);
}

/*
 * Splits an HTTP/1.1 request in place. The target may contain spaces (the
 * suite has "GET /example space/ HTTP/1.1"), so it runs from the first
 * space to the last. A line starting with white space continues the
 * previous header's value; the line break is kept for the signer to fold.
 */
static int
parse_request(char *text, struct tcase_req *r)
{
	char *eol, *line, *end, *next, *sp, *colon, *q;

	memset(r, 0, sizeof *r);
	r->text = text;
	eol = strchr(text, '\n');
	if (eol == NULL)
		return -1;
	*eol = '\0';
	sp = strchr(text, ' ');
	q = strrchr(text, ' ');
	if (sp == NULL || q == sp)
		return -1;
	*sp = *q = '\0';
	r->method = text;
	r->path = sp + 1;
	if ((q = strchr(r->path, '?')) != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	for (line = eol + 1; *line != '\0' && *line != '\n'; line = next) {
		for (end = line;; end = eol + 1) {
			eol = strchr(end, '\n');
			if (eol == NULL) {
				eol = end + strlen(end);
				break;
			}
			if (eol[1] != ' ' && eol[1] != '\t')
				break;
		}
		next = *eol == '\0' ? eol : eol + 1;
		*eol = '\0';
		if (r->nh == MAXH || (colon = strchr(line, ':')) == NULL)
			return -1;
		*colon = '\0';
		r->h[r->nh].name = line;
		r->h[r->nh++].value = colon + 1;
	}
	if (*line == '\n') {
		r->body = line + 1;
		r->body_len = strlen(r->body);
	}
	return 0;
}

/*
 * Returns a copy of the string value of "key" in a flat JSON object, or
 * NULL. Enough for context.json: no escapes beyond \" \\ \/.
 */
static char *
json_str(const char *json, const char *key)
{
	char *pat = xasprintf("\"%s\"", key);
	const char *p = strstr(json, pat);
	struct buf b = BUF_INIT;

	free(pat);
	if (p == NULL)
		return NULL;
	p = strchr(p + strlen(key) + 2, ':');
	while (p != NULL && (*p == ':' || *p == ' '))
		p++;
	if (p == NULL || *p != '"')
		return NULL;
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		buf_addc(&b, *p);
	}
	return buf_steal(&b);
}

/* Returns 1 if "key" is true, 0 if false or absent. */
static int
json_bool(const char *json, const char *key)
{
	char *pat = xasprintf("\"%s\"", key);
	const char *p = strstr(json, pat);

	free(pat);
	if (p == NULL)
		return 0;
	p = strchr(p, ':');
	while (p != NULL && (*p == ':' || *p == ' '))
		p++;
	return p != NULL && strncmp(p, "true", 4) == 0;
}

static time_t
parse_iso8601(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return (time_t)-1;
	return timegm(&tm);
}

/* Returns the value of header name in a parsed request, or NULL. */
static const char *
find_header(const struct tcase_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	}
	return NULL;
}

/*
 * Checks that the signed request in the suite is the original request plus
 * exactly the headers res.add says to send (names case-insensitive).
 */
static void
check_signed_request(const char *name, const struct tcase_req *orig,
                     const struct aws_sigv4_result *res, const struct tcase_req *want)
{
	size_t i;
	const char *v;

	CHECK_INT(want->nh, orig->nh + res->nadd);
	for (i = 0; i < res->nadd; i++) {
		v = find_header(want, res->add[i].name);
		if (v == NULL || strcmp(v, res->add[i].value) != 0) {
			fprintf(stderr, "%s: header %s: signed request has \"%s\", signer \"%s\"\n",
			        name, res->add[i].name, v ? v : "(none)", res->add[i].value);
			test_failed_checks++;
		}
	}
	CHECK_STR(find_header(want, "Authorization"), res->authorization);
}

static char *
chomp(char *s)
{
	size_t n = s == NULL ? 0 : strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The strings of one context.json, owned. */
struct tcase_ctx {
	char *akid, *secret, *token, *region, *service, *timestamp;
	int normalize, sign_body, omit_token;
};

static void
ctx_load(const char *json, struct tcase_ctx *c, struct aws_sigv4_params *pa)
{
	c->akid = json_str(json, "access_key_id");
	c->secret = json_str(json, "secret_access_key");
	c->token = json_str(json, "token");
	c->region = json_str(json, "region");
	c->service = json_str(json, "service");
	c->timestamp = json_str(json, "timestamp");
	c->normalize = json_bool(json, "normalize");
	c->sign_body = json_bool(json, "sign_body");
	c->omit_token = json_bool(json, "omit_session_token");
	memset(pa, 0, sizeof *pa);
	pa->access_key_id = c->akid;
	pa->secret_access_key = c->secret;
	pa->session_token = c->token;
	pa->region = c->region;
	pa->service = c->service;
	pa->now = parse_iso8601(c->timestamp);
	pa->unsigned_token = c->omit_token;
}

static void
ctx_free(struct tcase_ctx *c)
{
	free(c->akid);
	free(c->secret);
	free(c->token);
	free(c->region);
	free(c->service);
	free(c->timestamp);
}

/* Signs a parsed request.txt and compares with the expected files of the case. */
static void
check_case(const char *name, char *ctxtxt, char *reqtxt, char *signedtxt, const char *creq,
           const char *sts, const char *sig)
{
	struct tcase_ctx c;
	struct tcase_req r, w;
	struct aws_sigv4_request rq;
	struct aws_sigv4_params pa;
	struct aws_sigv4_result res;
	char *cause = NULL;

	CHECK_INT(parse_request(reqtxt, &r), 0);
	CHECK_INT(parse_request(signedtxt, &w), 0);
	ctx_load(ctxtxt, &c, &pa);
	memset(&rq, 0, sizeof rq);
	rq.method = r.method;
	rq.path = r.path;
	rq.query = r.query;
	rq.headers = r.h;
	rq.nheaders = r.nh;
	rq.payload = r.body;
	rq.payload_len = r.body_len;
	rq.normalize_path = c.normalize;
	rq.content_sha256 = c.sign_body;
	if (aws_sigv4_sign(&rq, &pa, NULL, &res, &cause) != 0) {
		fprintf(stderr, "%s: sign failed: %s\n", name, cause);
		test_failed_checks++;
		free(cause);
	} else {
		CHECK_STR(res.canonical_request, creq);
		CHECK_STR(res.string_to_sign, sts);
		CHECK_STR(res.signature, sig);
		check_signed_request(name, &r, &res, &w);
		aws_sigv4_result_free(&res);
	}
	ctx_free(&c);
}

static void
run_case(const char *dir, const char *name)
{
	char *cdir = xasprintf("%s/%s", dir, name);
	char *ctx = read_file(cdir, "context.json"), *reqtxt = read_file(cdir, "request.txt");
	char *creq = read_file(cdir, "header-canonical-request.txt");
	char *sts = read_file(cdir, "header-string-to-sign.txt");
	char *sig = chomp(read_file(cdir, "header-signature.txt"));
	char *signedtxt = read_file(cdir, "header-signed-request.txt");

	CHECK(ctx && reqtxt && creq && sts && sig && signedtxt);
	if (ctx && reqtxt && creq && sts && sig && signedtxt)
		check_case(name, ctx, reqtxt, signedtxt, creq, sts, sig);
	free(cdir);
	free(ctx);
	free(reqtxt);
	free(creq);
	free(sts);
	free(sig);
	free(signedtxt);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every case folder of the suite, each reported by name like a TEST(). */
static void
run_suite(void)
{
	char *dir = xasprintf("%s/sigv4", test_shared_dir()), *p, *names[256];
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	size_t n = 0, i;
	int before;

	if (d == NULL) {
		fprintf(stderr, "FAIL sigv4 suite: cannot open %s\n", dir);
		test_failed++;
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL && n < 256) {
		p = xasprintf("%s/%s/request.txt", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(p, &st) == 0)
			names[n++] = xstrdup(de->d_name);
		free(p);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], name_cmp);
	for (i = 0; i < n; i++) {
		test_current = names[i];
		before = test_failed_checks;
		run_case(dir, names[i]);
		if (test_failed_checks == before)
			test_passed++;
		else
			test_failed++;
		fprintf(stderr, "%s suite/%s\n", test_failed_checks == before ? "ok  " : "FAIL",
		        names[i]);
		free(names[i]);
	}
	fprintf(stderr, "sigv4 suite: %zu cases\n", n);
	if (n < 38) {
		fprintf(stderr, "FAIL sigv4 suite: expected at least 38 cases in %s\n", dir);
		test_failed++;
	}
	free(dir);
}

/* 2015-08-30T12:36:00Z, the suite's time. */
#define T0 ((time_t)1440938160)

static const struct aws_sigv4_header host_only[] = {{"Host", "example.amazonaws.com"}};

static struct aws_sigv4_request
vanilla_request(void)
{
	struct aws_sigv4_request rq;

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/";
	rq.headers = host_only;
	rq.nheaders = 1;
	rq.normalize_path = 1;
	return rq;
}

static struct aws_sigv4_params
vanilla_params(void)
{
	struct aws_sigv4_params pa;

	memset(&pa, 0, sizeof pa);
	pa.access_key_id = "AKIDEXAMPLE";
	pa.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	pa.region = "us-east-1";
	pa.service = "service";
	pa.now = T0;
	return pa;
}

/* Signs and returns a copy of the signature, or NULL on failure. */
static char *
sign_sig(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
         struct aws_sigv4_keycache *kc)
{
	struct aws_sigv4_result res;
	char *cause = NULL, *sig;

	if (aws_sigv4_sign(rq, pa, kc, &res, &cause) != 0) {
		fprintf(stderr, "sign failed: %s\n", cause);
		free(cause);
		return NULL;
	}
	sig = xstrdup(res.signature);
	aws_sigv4_result_free(&res);
	return sig;
}

static void
test_keycache_reuses_key(void)
{
	struct aws_sigv4_keycache *kc = aws_sigv4_keycache_create();
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	char *a, *b, *c;

	CHECK_INT(aws_sigv4_keycache_derivations(kc), 0);
	a = sign_sig(&rq, &pa, kc);
	pa.now = T0 + 3600; /* same day, new signature */
	b = sign_sig(&rq, &pa, kc);
	c = sign_sig(&rq, &pa, NULL);
	CHECK_STR(a, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	CHECK_STR(b, c);
	CHECK(a && b && strcmp(a, b) != 0);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 1);
	free(a);
	free(b);
	free(c);
	aws_sigv4_keycache_free(kc);
}

static void
test_keycache_new_secret(void)
{
	struct aws_sigv4_keycache *kc = aws_sigv4_keycache_create();
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	char *a, *b, *c, *d;

	a = sign_sig(&rq, &pa, kc);
	pa.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ";
	b = sign_sig(&rq, &pa, kc);
	c = sign_sig(&rq, &pa, NULL);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 2);
	CHECK(a && b && strcmp(a, b) != 0);
	CHECK_STR(b, c);
	pa.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	d = sign_sig(&rq, &pa, kc);
	CHECK_STR(d, a);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 3);
	free(a);
	free(b);
	free(c);
	free(d);
	aws_sigv4_keycache_free(kc);
}

static void
test_keycache_day_rollover(void)
{
	struct aws_sigv4_keycache *kc = aws_sigv4_keycache_create();
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	struct aws_sigv4_result res;
	char *cause = NULL, *b, *c;

	pa.now = 1440979199; /* 2015-08-30T23:59:59Z */
	free(sign_sig(&rq, &pa, kc));
	pa.now++; /* midnight */
	CHECK_INT(aws_sigv4_sign(&rq, &pa, kc, &res, &cause), 0);
	CHECK_STR(res.amz_date, "20150831T000000Z");
	CHECK_CONTAINS(res.authorization, "Credential=AKIDEXAMPLE/20150831/us-east-1/service/");
	b = xstrdup(res.signature);
	aws_sigv4_result_free(&res);
	c = sign_sig(&rq, &pa, NULL);
	CHECK_STR(b, c);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 2);
	free(b);
	free(c);
	aws_sigv4_keycache_free(kc);
}

static void
test_keycache_region_and_service(void)
{
	struct aws_sigv4_keycache *kc = aws_sigv4_keycache_create();
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	char *a, *b, *c;

	free(sign_sig(&rq, &pa, kc));
	pa.region = "eu-west-1";
	a = sign_sig(&rq, &pa, kc);
	b = sign_sig(&rq, &pa, NULL);
	CHECK_STR(a, b);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 2);
	pa.service = "acm-pca";
	c = sign_sig(&rq, &pa, kc);
	CHECK(c && a && strcmp(a, c) != 0);
	CHECK_INT(aws_sigv4_keycache_derivations(kc), 3);
	free(a);
	free(b);
	free(c);
	aws_sigv4_keycache_free(kc);
	aws_sigv4_keycache_free(NULL);
}

/* The key derivation example of the AWS General Reference. */
static void
test_signing_key_reference(void)
{
	unsigned char key[32];
	char hex[65];
	size_t i;

	aws_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1",
	                      "iam", key);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	CHECK_STR(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

/*
 * An acm-pca call shaped as the PCA client sends it: Host passed through
 * request.host, a session token, a JSON body. The expected signature was
 * computed independently with botocore's SigV4Auth for the same request.
 */
static void
test_pca_request_shape(void)
{
	static const struct aws_sigv4_header h[] = {
	    {"Content-Type", "application/x-amz-json-1.1"},
	    {"X-Amz-Target", "ACMPrivateCA.GetCertificate"},
	};
	static const char body[] =
	    "{\"CertificateAuthorityArn\": \"arn:aws:acm-pca:us-east-1:111122223333:"
	    "certificate-authority/11111111-2222-3333-4444-555555555555\", \"CertificateArn\": "
	    "\"arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/"
	    "11111111-2222-3333-4444-555555555555/certificate/0123456789abcdef\"}";
	struct aws_sigv4_request rq;
	struct aws_sigv4_params pa = vanilla_params();
	struct aws_sigv4_result res;
	char *cause = NULL;

	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.host = "acm-pca.us-east-1.amazonaws.com";
	rq.path = "/";
	rq.headers = h;
	rq.nheaders = 2;
	rq.payload = body;
	rq.payload_len = strlen(body);
	rq.normalize_path = 1;
	pa.service = "acm-pca";
	pa.session_token = "FwoGZXIvYXdzEXAMPLETOKEN//+/=";
	pa.now = 1717243200; /* 2024-06-01T12:00:00Z */
	CHECK_INT(aws_sigv4_sign(&rq, &pa, NULL, &res, &cause), 0);
	CHECK_INT(res.nadd, 4);
	CHECK_STR(res.add[0].name, "Host");
	CHECK_STR(res.add[0].value, "acm-pca.us-east-1.amazonaws.com");
	CHECK_STR(res.add[1].name, "X-Amz-Date");
	CHECK_STR(res.add[1].value, "20240601T120000Z");
	CHECK_STR(res.add[2].name, "X-Amz-Security-Token");
	CHECK_STR(res.add[2].value, "FwoGZXIvYXdzEXAMPLETOKEN//+/=");
	CHECK_STR(res.add[3].name, "Authorization");
	CHECK_STR(res.add[3].value, res.authorization);
	CHECK_STR(res.authorization,
	          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240601/us-east-1/acm-pca/"
	          "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
	          "x-amz-target, "
	          "Signature=f370d437567b58a57ca9a37657e3dac7f8ea6cb720e2545858e18c2167daa11d");
	aws_sigv4_result_free(&res);
	aws_sigv4_result_free(NULL);
}

static void
test_canonical_uri(void)
{
	static const struct {
		const char *in;
		int norm;
		const char *want;
	} v[] = {
	    {"", 1, "/"},
	    {"", 0, "/"},
	    {"/a/b/..", 1, "/a/"},
	    {"/a/b/.", 1, "/a/b/"},
	    {"/a/./b/../../c", 1, "/c"},
	    {"/../..", 1, "/"},
	    {"/a//b///c", 1, "/a/b/c"},
	    {"/a//b///c", 0, "/a//b///c"},
	    {"/.a/..b/...", 1, "/.a/..b/..."},
	    {"/%41 b", 0, "/%2541%20b"},
	    {"/a+b=c:d@e", 1, "/a%2Bb%3Dc%3Ad%40e"},
	    {"/\xe1\x88\xb4", 1, "/%E1%88%B4"},
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		got = aws_sigv4_canonical_uri(v[i].in, v[i].norm);
		CHECK_STR(got, v[i].want);
		free(got);
	}
}

static void
test_canonical_query(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"", ""},
	    {"b=2&a=1&a=0", "a=0&a=1&b=2"},
	    {"a", "a="},
	    {"a=&b", "a=&b="},
	    {"&a=1&&b=2&", "a=1&b=2"},
	    {"%7e=%2a", "~=%2A"},
	    {"q=a+b c", "q=a%2Bb%20c"},
	    {"x=a=b", "x=a%3Db"},
	    {"B=1&a=2&_=3", "B=1&_=3&a=2"},
	    {"k=%e1%88%b4", "k=%E1%88%B4"},
	};
	size_t i;
	char *got = NULL, *cause = NULL;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		CHECK_INT(aws_sigv4_canonical_query(v[i].in, &got, &cause), 0);
		CHECK_STR(got, v[i].want);
		free(got);
	}
	CHECK_INT(aws_sigv4_canonical_query(NULL, &got, &cause), 0);
	CHECK_STR(got, "");
	free(got);
	CHECK_INT(aws_sigv4_canonical_query("a=%zz", &got, &cause), -1);
	CHECK_CONTAINS(cause, "malformed percent escape");
	free(cause);
	cause = NULL;
	CHECK_INT(aws_sigv4_canonical_query("a=1&b=%4", &got, &cause), -1);
	CHECK_CONTAINS(cause, "\"b=%4\"");
	free(cause);
}

/* Expects signing to fail with a cause containing want. */
static void
expect_refusal(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
               const char *want)
{
	struct aws_sigv4_result res;
	char *cause = NULL;

	CHECK_INT(aws_sigv4_sign(rq, pa, NULL, &res, &cause), -1);
	CHECK_CONTAINS(cause, want);
	CHECK(res.authorization == NULL && res.canonical_request == NULL);
	free(cause);
}

static void
test_refusals(void)
{
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	struct aws_sigv4_header h[2] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "x"}};

	rq.headers = h;
	rq.nheaders = 2;
	expect_refusal(&rq, &pa, "X-Amz-Date is set by the signer");
	h[1] = (struct aws_sigv4_header){"My Header", "v"};
	expect_refusal(&rq, &pa, "not a valid HTTP token");
	h[1] = (struct aws_sigv4_header){"My-Header", "v\nInjected: 1"};
	expect_refusal(&rq, &pa, "bare line break");
	rq.nheaders = 0;
	expect_refusal(&rq, &pa, "no Host header");
	rq.host = "example.amazonaws.com";
	rq.headers = host_only;
	rq.nheaders = 1;
	expect_refusal(&rq, &pa, "Host is given twice");
	rq = vanilla_request();
	rq.path = "example";
	expect_refusal(&rq, &pa, "does not start with '/'");
	rq.path = "/a?b=1";
	expect_refusal(&rq, &pa, "pass the query separately");
	rq = vanilla_request();
	rq.query = "a=%g0";
	expect_refusal(&rq, &pa, "malformed percent escape");
	rq = vanilla_request();
	pa.now = -1;
	expect_refusal(&rq, &pa, "cannot be written as an X-Amz-Date");
	pa = vanilla_params();
	pa.secret_access_key = "";
	expect_refusal(&rq, &pa, "no AWS access key id or secret");
	pa = vanilla_params();
	pa.region = "us/east";
	expect_refusal(&rq, &pa, "region");
	pa = vanilla_params();
	pa.session_token = "abc\r\ndef";
	expect_refusal(&rq, &pa, "session token");
}

/* x-amz-content-sha256 is signed and returned when asked, and its value is the payload hash. */
static void
test_content_sha256_option(void)
{
	struct aws_sigv4_request rq = vanilla_request();
	struct aws_sigv4_params pa = vanilla_params();
	struct aws_sigv4_result res;
	char *cause = NULL;

	rq.payload = "Param1=value1";
	rq.payload_len = 13;
	rq.content_sha256 = 1;
	CHECK_INT(aws_sigv4_sign(&rq, &pa, NULL, &res, &cause), 0);
	CHECK_STR(res.payload_hash,
	          "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
	CHECK_INT(res.nadd, 3);
	CHECK_STR(res.add[1].name, "x-amz-content-sha256");
	CHECK_STR(res.add[1].value, res.payload_hash);
	CHECK_CONTAINS(res.authorization, "SignedHeaders=host;x-amz-content-sha256;x-amz-date,");
	aws_sigv4_result_free(&res);
}

int
main(void)
{
	run_suite();
	TEST(test_keycache_reuses_key);
	TEST(test_keycache_new_secret);
	TEST(test_keycache_day_rollover);
	TEST(test_keycache_region_and_service);
	TEST(test_signing_key_reference);
	TEST(test_pca_request_shape);
	TEST(test_canonical_uri);
	TEST(test_canonical_query);
	TEST(test_refusals);
	TEST(test_content_sha256_option);
	return test_done();
}
