/*
 * Tests for core/jtok: reading the documents the issuer really receives (a
 * watch event carrying a CertificateRequest, a paged list, AWS Private CA
 * answers) and refusing hostile input cleanly: every truncation of a valid
 * document, deep nesting, numbers out of range, bad escapes, invalid UTF-8,
 * raw control characters, trailing data and the spots where jsmn alone is
 * too lenient.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jtok.h"
#include "core/xmalloc.h"
#include "testutil.h"

static const char watch_event[] =
    "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"cert-manager.io/v1\","
    "\"kind\":\"CertificateRequest\",\"metadata\":{\"annotations\":{"
    "\"cert-manager.io/certificate-name\":\"web-tls\","
    "\"cert-manager.io/certificate-revision\":\"3\","
    "\"cert-manager.io/private-key-secret-name\":\"web-tls-x7k2p\"},"
    "\"creationTimestamp\":\"2024-05-01T10:00:00Z\",\"generation\":1,"
    "\"labels\":{\"app.kubernetes.io/name\":\"web\"},\"name\":\"web-tls-3\","
    "\"namespace\":\"prod\",\"ownerReferences\":[{\"apiVersion\":\"cert-manager.io/v1\","
    "\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":\"Certificate\","
    "\"name\":\"web-tls\",\"uid\":\"6b1f0c3e-2a9d-4f4e-9c51-0a7e1d2b3c4d\"}],"
    "\"resourceVersion\":\"884213\",\"uid\":\"0f6f5e0c-8d3b-4c1a-a2a4-7e8b9c0d1e2f\"},"
    "\"spec\":{\"duration\":\"2160h0m0s\",\"extra\":{},\"groups\":[\"system:serviceaccounts\","
    "\"system:authenticated\"],\"isCA\":false,\"issuerRef\":{\"group\":\"awspca.cert-manager.io\","
    "\"kind\":\"AWSPCAClusterIssuer\",\"name\":\"pca\"},"
    "\"request\":\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K\","
    "\"usages\":[\"digital signature\",\"key encipherment\",\"server auth\"],"
    "\"username\":\"system:serviceaccount:cert-manager:cert-manager\"},"
    "\"status\":{\"conditions\":[{\"lastTransitionTime\":\"2024-05-01T10:00:00Z\","
    "\"message\":\"Certificate request has been approved by cert-manager.io\","
    "\"reason\":\"cert-manager.io\",\"status\":\"True\",\"type\":\"Approved\"},"
    "{\"lastTransitionTime\":\"2024-05-01T10:00:01Z\",\"message\":\"Waiting on "
    "certificate issuance from order prod/web-tls-3: \\\"pending\\\"\","
    "\"reason\":\"Pending\",\"status\":\"False\",\"type\":\"Ready\"}]}}}\n";

static const char cr_list[] =
    "{\"apiVersion\":\"cert-manager.io/v1\",\"items\":["
    "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\",\"resourceVersion\":\"10\"},"
    "\"spec\":{\"issuerRef\":{\"name\":\"pca\"}}},"
    "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns1\",\"resourceVersion\":\"11\"},"
    "\"spec\":{\"issuerRef\":{\"name\":\"pca\"}},\"status\":{}},"
    "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns2\",\"resourceVersion\":\"12\"},"
    "\"spec\":{\"issuerRef\":{\"name\":\"other\",\"kind\":\"Issuer\"}}}],"
    "\"kind\":\"CertificateRequestList\",\"metadata\":{"
    "\"continue\":\"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODg0MjEzLCJzdGFydCI6ImMifQ\","
    "\"remainingItemCount\":1497,\"resourceVersion\":\"884213\"}}";

/* Parses s (terminated) into a document; reports and returns NULL on failure. */
static struct jtok *
parse_ok(const char *s)
{
	struct jtok *d = NULL;
	char *cause = NULL;

	if (jtok_parse(s, strlen(s), &d, &cause) != 0) {
		fprintf(stderr, "%s: unexpected parse failure: %s\n", test_current, cause);
		test_failed_checks++;
	}
	free(cause);
	return d;
}

/*
 * Parses len bytes copied into a buffer of exactly that size (so the
 * sanitizer sees any read past the end) and returns the failure sentence,
 * or NULL when the parse succeeded.
 */
static char *
parse_err(const char *s, size_t len)
{
	char *copy = xmalloc(len);
	struct jtok *d = (struct jtok *)&d;
	char *cause = NULL;
	int r;

	memcpy(copy, s, len);
	r = jtok_parse(copy, len, &d, &cause);
	if (r == 0) {
		CHECK(cause == NULL);
		jtok_free(d);
	} else {
		CHECK_INT(r, -1);
		CHECK(d == NULL);
		CHECK(cause != NULL);
	}
	free(copy);
	return cause;
}

/* Checks that s is refused with a sentence containing want. */
static void
check_refused(const char *s, size_t len, const char *want)
{
	char *cause = parse_err(s, len);

	if (cause == NULL) {
		fprintf(stderr, "%s: accepted %.*s\n", test_current, (int)len, s);
		test_failed_checks++;
		return;
	}
	CHECK_CONTAINS(cause, want);
	free(cause);
}

#define REFUSED(lit, want) check_refused(lit, sizeof(lit) - 1, want)

/* Checks that string t decodes to want, through all three string functions. */
static void
check_str(struct jtok *d, int t, const char *want)
{
	struct buf b = BUF_INIT;
	char *s = NULL;

	CHECK_INT(jtok_str(d, t, &s), 0);
	CHECK_STR(s, want);
	free(s);
	buf_adds(&b, "x");
	CHECK_INT(jtok_str_buf(d, t, &b), 0);
	CHECK(b.len == strlen(want) + 1 && memcmp(b.p + 1, want, b.len - 1) == 0);
	buf_clear(&b);
	CHECK_INT(jtok_streq(d, t, want), 1);
}

static void
test_watch_event(void)
{
	struct jtok *d = parse_ok(watch_event);
	int obj, md, ann, conds, c, n = 0;
	int64_t gen = 0;
	char *s = NULL;
	struct span raw;

	if (d == NULL)
		return;
	CHECK_INT(jtok_type(d, JTOK_ROOT), JTOK_OBJECT);
	CHECK_INT(jtok_streq(d, jtok_get(d, JTOK_ROOT, "type"), "MODIFIED"), 1);
	obj = jtok_get(d, JTOK_ROOT, "object");
	CHECK_INT(jtok_get_str(d, obj, "kind", &s), 0);
	CHECK_STR(s, "CertificateRequest");
	free(s);
	md = jtok_get(d, obj, "metadata");
	CHECK_INT(jtok_get_str(d, md, "name", &s), 0);
	CHECK_STR(s, "web-tls-3");
	free(s);
	CHECK_INT(jtok_get_int(d, md, "generation", &gen), 0);
	CHECK_INT(gen, 1);
	/* Annotation keys hold dots, so they are reached with jtok_get. */
	ann = jtok_get(d, md, "annotations");
	CHECK_INT(jtok_count(d, ann), 3);
	CHECK_INT(jtok_streq(d, jtok_get(d, ann, "cert-manager.io/certificate-revision"), "3"), 1);
	CHECK_INT(jtok_streq(d, jtok_path(d, obj, "spec.issuerRef.kind"), "AWSPCAClusterIssuer"),
	          1);
	CHECK_INT(jtok_count(d, jtok_path(d, obj, "spec.usages")), 3);
	CHECK_INT(jtok_streq(d, jtok_path(d, obj, "spec.usages[2]"), "server auth"), 1);
	CHECK_INT(jtok_get_bool(d, jtok_get(d, obj, "spec"), "isCA", &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(jtok_type(d, jtok_path(d, obj, "metadata.ownerReferences[0].controller")),
	          JTOK_BOOL);
	conds = jtok_path(d, obj, "status.conditions");
	n = 0;
	for (c = jtok_first(d, conds); c != -1; c = jtok_next(d, c)) {
		n++;
		if (jtok_streq(d, jtok_get(d, c, "type"), "Ready")) {
			CHECK_INT(jtok_get_str(d, c, "message", &s), 0);
			CHECK_STR(s, "Waiting on certificate issuance from order prod/web-tls-3: "
			             "\"pending\"");
			free(s);
		}
	}
	CHECK_INT(n, 2);
	/* The raw text of a sub-object is itself a document. */
	raw = jtok_raw(d, jtok_get(d, obj, "spec"));
	CHECK(raw.len > 2 && raw.p[0] == '{' && raw.p[raw.len - 1] == '}');
	{
		struct jtok *sub = NULL;

		CHECK_INT(jtok_parse(raw.p, raw.len, &sub, NULL), 0);
		CHECK_INT(jtok_streq(sub, jtok_path(sub, JTOK_ROOT, "issuerRef.name"), "pca"), 1);
		jtok_free(sub);
	}
	jtok_free(d);
}

static void
test_list_with_continue(void)
{
	struct jtok *d = parse_ok(cr_list);
	static const char *names[] = {"a", "b", "c"};
	int items, it, i = 0;
	int64_t remaining = 0;
	char *cont = NULL;

	if (d == NULL)
		return;
	items = jtok_get(d, JTOK_ROOT, "items");
	CHECK_INT(jtok_type(d, items), JTOK_ARRAY);
	CHECK_INT(jtok_count(d, items), 3);
	for (it = jtok_first(d, items); it != -1; it = jtok_next(d, it), i++) {
		CHECK(i < 3);
		if (i < 3)
			CHECK_INT(jtok_streq(d, jtok_path(d, it, "metadata.name"), names[i]), 1);
		CHECK_INT(jtok_key(d, it), -1);
	}
	CHECK_INT(i, 3);
	CHECK_INT(jtok_at(d, items, 2), jtok_path(d, JTOK_ROOT, "items[2]"));
	CHECK_INT(jtok_streq(d, jtok_path(d, JTOK_ROOT, "items[2].spec.issuerRef.kind"), "Issuer"),
	          1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "items[3]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "items[0].status"), -1);
	CHECK_INT(jtok_count(d, jtok_path(d, JTOK_ROOT, "items[1].status")), 0);
	CHECK_INT(jtok_get_str(d, jtok_get(d, JTOK_ROOT, "metadata"), "continue", &cont), 0);
	CHECK_STR(cont, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ODg0MjEzLCJzdGFydCI6ImMifQ");
	free(cont);
	CHECK_INT(jtok_int(d, jtok_path(d, JTOK_ROOT, "metadata.remainingItemCount"), &remaining),
	          0);
	CHECK_INT(remaining, 1497);
	jtok_free(d);
}

static void
test_aws_answers(void)
{
	struct jtok *d;
	char *s = NULL;
	double t = 0;
	int64_t i64 = 0;

	d = parse_ok("{\"CertificateArn\":\"arn:aws:acm-pca:us-east-1:123456789012:"
	             "certificate-authority/11111111-2222-3333-4444-555555555555/certificate/"
	             "0123456789abcdef0123456789abcdef\"}");
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "CertificateArn", &s), 0);
	CHECK(s != NULL && strncmp(s, "arn:aws:acm-pca:us-east-1:", 26) == 0);
	free(s);
	jtok_free(d);

	d = parse_ok("{\"Certificate\":\"-----BEGIN CERTIFICATE-----\\nMIIB\\/+w==\\n-----END "
	             "CERTIFICATE-----\",\"CertificateChain\":\"-----BEGIN CERTIFICATE-----\\n"
	             "MIIC\\n-----END CERTIFICATE-----\\n-----BEGIN CERTIFICATE-----\\nMIID\\n"
	             "-----END CERTIFICATE-----\"}");
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "Certificate", &s), 0);
	CHECK_STR(s, "-----BEGIN CERTIFICATE-----\nMIIB/+w==\n-----END CERTIFICATE-----");
	free(s);
	jtok_free(d);

	d = parse_ok(
	    "{\"CertificateAuthority\":{\"Arn\":\"arn:aws:acm-pca:eu-west-1:1:ca/x\","
	    "\"CreatedAt\":1.714557600123E9,\"Status\":\"ACTIVE\",\"Type\":\"SUBORDINATE\","
	    "\"CertificateAuthorityConfiguration\":{\"KeyAlgorithm\":\"EC_prime256v1\","
	    "\"SigningAlgorithm\":\"SHA256WITHECDSA\",\"Subject\":{\"CommonName\":\"ca\"}},"
	    "\"NotAfter\":1.8e9,\"Serial\":\"4c:1f\",\"KeyStorageSecurityStandard\":"
	    "\"FIPS_140_2_LEVEL_3_OR_HIGHER\",\"UsageMode\":\"GENERAL_PURPOSE\"}}");
	CHECK_INT(jtok_double(d, jtok_path(d, JTOK_ROOT, "CertificateAuthority.CreatedAt"), &t), 0);
	CHECK(t > 1714557600.12 && t < 1714557600.13);
	CHECK_INT(jtok_int(d, jtok_path(d, JTOK_ROOT, "CertificateAuthority.CreatedAt"), &i64), -1);
	CHECK_INT(jtok_streq(d,
	                     jtok_path(d, JTOK_ROOT,
	                               "CertificateAuthority.CertificateAuthorityConfiguration."
	                               "Subject.CommonName"),
	                     "ca"),
	          1);
	jtok_free(d);

	d = parse_ok("{\"__type\":\"RequestInProgressException\",\"Message\":\"The request is "
	             "still in progress\"}");
	CHECK_INT(jtok_streq(d, jtok_get(d, JTOK_ROOT, "__type"), "RequestInProgressException"), 1);
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "message", &s), 1); /* keys are case sensitive */
	CHECK(s == NULL);
	jtok_free(d);
}

static void
test_iteration(void)
{
	struct jtok *d =
	    parse_ok(" [ [1,[2,3]] , {\"a\":{\"b\":[4,{}]},\"c\":[]} , 5, \"s\", {} ] ");
	int t, o, v, types[5], n = 0;

	if (d == NULL)
		return;
	CHECK_INT(jtok_count(d, JTOK_ROOT), 5);
	for (t = jtok_first(d, JTOK_ROOT); t != -1 && n < 5; t = jtok_next(d, t))
		types[n++] = jtok_type(d, t);
	CHECK_INT(n, 5);
	CHECK_INT(types[0], JTOK_ARRAY);
	CHECK_INT(types[1], JTOK_OBJECT);
	CHECK_INT(types[2], JTOK_NUMBER);
	CHECK_INT(types[3], JTOK_STRING);
	CHECK_INT(types[4], JTOK_OBJECT);
	o = jtok_at(d, JTOK_ROOT, 1);
	v = jtok_first(d, o);
	CHECK_INT(jtok_streq(d, jtok_key(d, v), "a"), 1);
	CHECK_INT(jtok_type(d, v), JTOK_OBJECT);
	v = jtok_next(d, v);
	CHECK_INT(jtok_streq(d, jtok_key(d, v), "c"), 1);
	CHECK_INT(jtok_first(d, v), -1);
	CHECK_INT(jtok_next(d, v), -1);
	CHECK_INT(jtok_first(d, jtok_at(d, JTOK_ROOT, 4)), -1);
	CHECK_INT(jtok_first(d, jtok_at(d, JTOK_ROOT, 2)), -1);
	CHECK_INT(jtok_count(d, jtok_at(d, JTOK_ROOT, 3)), 0);
	CHECK_INT(jtok_next(d, JTOK_ROOT), -1);
	CHECK_INT(jtok_key(d, JTOK_ROOT), -1);
	CHECK_INT(jtok_at(d, JTOK_ROOT, 5), -1);
	CHECK_INT(jtok_at(d, JTOK_ROOT, -1), -1);
	CHECK_INT(jtok_at(d, o, 0), -1); /* objects are not indexed */
	/* root, [1,[2,3]] 1 [2,3] 2 3, {..} "a" {..} "b" [4,{}] 4 {} "c" [], 5, "s", {} */
	CHECK_INT(jtok_ntok(d), 18);
	CHECK_INT(jtok_type(d, 18), JTOK_NONE);
	CHECK_INT(jtok_type(d, -1), JTOK_NONE);
	CHECK_INT(jtok_first(d, -1), -1);
	CHECK_INT(jtok_next(d, -1), -1);
	CHECK(jtok_raw(d, -1).p == NULL);
	CHECK(span_eq(jtok_raw(d, jtok_at(d, JTOK_ROOT, 0)), "[1,[2,3]]"));
	CHECK(span_eq(jtok_raw(d, jtok_at(d, JTOK_ROOT, 3)), "\"s\""));
	CHECK(span_eq(jtok_raw(d, jtok_at(d, JTOK_ROOT, 2)), "5"));
	CHECK(span_eq(jtok_raw(d, JTOK_ROOT),
	              "[ [1,[2,3]] , {\"a\":{\"b\":[4,{}]},\"c\":[]} , 5, \"s\", {} ]"));
	jtok_free(d);
	jtok_free(NULL);
}

static void
test_numbers(void)
{
	struct jtok *d =
	    parse_ok("[9223372036854775807,-9223372036854775808,9223372036854775808,"
	             "-9223372036854775809,99999999999999999999999,18446744073709551615,"
	             "18446744073709551616,-0,-1,1.0,1e3,0.5,1e999999,-1e999999,"
	             "1e-999999,\"7\",true,null]");
	int64_t i = 0;
	uint64_t u = 0;
	double f = 0;
	int b = -1;

	if (d == NULL)
		return;
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 0), &i), 0);
	CHECK(i == INT64_MAX);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 1), &i), 0);
	CHECK(i == INT64_MIN);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 2), &i), -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 3), &i), -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 4), &i), -1);
	CHECK(i == INT64_MIN); /* untouched by the failures */
	CHECK_INT(jtok_uint64(d, jtok_at(d, 0, 5), &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_INT(jtok_uint64(d, jtok_at(d, 0, 6), &u), -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 7), &i), 0);
	CHECK_INT(i, 0);
	CHECK_INT(jtok_uint64(d, jtok_at(d, 0, 8), &u), -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 8), &i), 0);
	CHECK_INT(i, -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 9), &i), -1);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 10), &i), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 10), &f), 0);
	CHECK(f == 1000.0);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 11), &f), 0);
	CHECK(f == 0.5);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 12), &f), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 13), &f), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 14), &f), 0);
	CHECK(f == 0.0);
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 15), &i), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 15), &f), -1);
	CHECK_INT(jtok_bool(d, jtok_at(d, 0, 16), &b), 0);
	CHECK_INT(b, 1);
	CHECK_INT(jtok_bool(d, jtok_at(d, 0, 17), &b), -1);
	CHECK_INT(jtok_is_null(d, jtok_at(d, 0, 17)), 1);
	CHECK_INT(jtok_is_null(d, jtok_at(d, 0, 16)), 0);
	CHECK_INT(jtok_is_null(d, -1), 0);
	CHECK_INT(jtok_int(d, -1, &i), -1);
	CHECK_STR(jtok_type_name(jtok_type(d, jtok_at(d, 0, 16))), "boolean");
	CHECK_STR(jtok_type_name(jtok_type(d, -1)), "nothing");
	jtok_free(d);
}

/* A number with 400 digits is valid JSON; only the conversions refuse it. */
static void
test_long_number(void)
{
	struct buf b = BUF_INIT;
	struct jtok *d;
	double f = 0;
	int64_t i = 0;
	int k;

	buf_adds(&b, "[1");
	for (k = 0; k < 400; k++)
		buf_addc(&b, '0');
	buf_adds(&b, ",0.25");
	for (k = 0; k < 400; k++)
		buf_addc(&b, '0');
	buf_adds(&b, "]");
	d = parse_ok(buf_str(&b));
	CHECK_INT(jtok_int(d, jtok_at(d, 0, 0), &i), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 0), &f), -1);
	CHECK_INT(jtok_double(d, jtok_at(d, 0, 1), &f), 0);
	CHECK(f == 0.25);
	jtok_free(d);
	buf_clear(&b);
}

static void
test_strings(void)
{
	struct jtok *d = parse_ok(
	    "[\"plain\",\"q\\\"b\\\\s\\/c\\b\\f\\n\\r\\t\",\"\\u00e9\\u20AC\\ud83d\\ude00\","
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\",\"\",\"\\ud800\",\"\\udc00\\ud800\","
	    "\"\\ud800\\u0041\",\"a\\u0000b\",\"x\\ud83d\",\"\\u0041\\u0000\",12]");
	struct buf b = BUF_INIT;
	char *s = (char *)&s;

	if (d == NULL)
		return;
	check_str(d, jtok_at(d, 0, 0), "plain");
	check_str(d, jtok_at(d, 0, 1), "q\"b\\s/c\b\f\n\r\t");
	check_str(d, jtok_at(d, 0, 2), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	check_str(d, jtok_at(d, 0, 3), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f");
	check_str(d, jtok_at(d, 0, 4), "");
	/* Lone or reversed surrogates and NULs are valid JSON but no C string. */
	for (int k = 5; k <= 10; k++) {
		CHECK_INT(jtok_str(d, jtok_at(d, 0, k), &s), -1);
		CHECK(s == NULL);
		s = (char *)&s;
		buf_adds(&b, "keep");
		CHECK_INT(jtok_str_buf(d, jtok_at(d, 0, k), &b), -1);
		CHECK_STR(buf_str(&b), "keep");
		buf_reset(&b);
	}
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 8), "a"), 0);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 10), "A"), 0);
	CHECK_INT(jtok_str(d, jtok_at(d, 0, 11), &s), -1);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 11), "12"), 0);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 0), "plai"), 0);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 0), "plainer"), 0);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 1), "q\"b"), 0);
	CHECK_INT(jtok_streq(d, jtok_at(d, 0, 1), "q\"b\\s/c\b\f\n\r\tX"), 0);
	CHECK(span_eq(jtok_raw(d, jtok_at(d, 0, 1)), "\"q\\\"b\\\\s\\/c\\b\\f\\n\\r\\t\""));
	buf_clear(&b);
	jtok_free(d);
}

static void
test_keys(void)
{
	struct jtok *d = parse_ok("{\"na\\u006de\":\"escaped\",\"a\\/b\":1,\"dup\":\"first\","
	                          "\"dup\":\"second\",\"\":\"empty\",\"z\\u0000\":2,"
	                          "\"\\u00e9t\\u00e9\":3,\"n\":null,\"o\":{\"x\":[1]}}");
	char *s = NULL;
	int64_t i = 0;
	int b = 0;

	if (d == NULL)
		return;
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "name", &s), 0);
	CHECK_STR(s, "escaped");
	free(s);
	CHECK(jtok_get(d, JTOK_ROOT, "a/b") >= 0);
	CHECK_INT(jtok_get(d, JTOK_ROOT, "a\\/b"), -1);
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "dup", &s), 0);
	CHECK_STR(s, "first");
	free(s);
	CHECK_INT(jtok_streq(d, jtok_get(d, JTOK_ROOT, ""), "empty"), 1);
	CHECK_INT(jtok_get(d, JTOK_ROOT, "z"), -1);
	CHECK_INT(jtok_get_int(d, JTOK_ROOT, "\xc3\xa9t\xc3\xa9", &i), 0);
	CHECK_INT(i, 3);
	CHECK_INT(jtok_get(d, JTOK_ROOT, "absent"), -1);
	CHECK_INT(jtok_get(d, jtok_path(d, JTOK_ROOT, "o.x"), "x"), -1);
	CHECK_INT(jtok_get(d, -1, "x"), -1);
	/* The shorthands: absent and null are 1, a wrong type is -1. */
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "absent", &s), 1);
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "n", &s), 1);
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "o", &s), -1);
	CHECK(s == NULL);
	CHECK_INT(jtok_get_int(d, JTOK_ROOT, "n", &i), 1);
	CHECK_INT(jtok_get_int(d, JTOK_ROOT, "name", &i), -1);
	CHECK_INT(jtok_get_bool(d, JTOK_ROOT, "absent", &b), 1);
	CHECK_INT(jtok_get_bool(d, JTOK_ROOT, "o", &b), -1);
	jtok_free(d);

	d = parse_ok("{\"bad\":\"x\\u0000\"}");
	s = (char *)&s;
	CHECK_INT(jtok_get_str(d, JTOK_ROOT, "bad", &s), -1);
	CHECK(s == NULL);
	jtok_free(d);
}

static void
test_path(void)
{
	struct jtok *d = parse_ok("[{\"a\":{\"b\":[10,[20,21]]}},{\"a\":\"x\"}]");
	int64_t v = 0;

	if (d == NULL)
		return;
	CHECK_INT(jtok_int(d, jtok_path(d, JTOK_ROOT, "[0].a.b[1][1]"), &v), 0);
	CHECK_INT(v, 21);
	CHECK_INT(jtok_streq(d, jtok_path(d, JTOK_ROOT, "[1].a"), "x"), 1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, ""), JTOK_ROOT);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0]"), jtok_at(d, JTOK_ROOT, 0));
	CHECK_INT(jtok_int(d, jtok_path(d, jtok_at(d, JTOK_ROOT, 0), "a.b[0]"), &v), 0);
	CHECK_INT(v, 10);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[2]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[1].a.b"), -1);   /* through a string */
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0].a.b.c"), -1); /* a key of an array */
	CHECK_INT(jtok_path(d, JTOK_ROOT, "a"), -1);
	CHECK_INT(jtok_path(d, -1, "[0]"), -1);
	/* Malformed paths find nothing. */
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0]."), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0]..a"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, ".[0]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0]a"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "["), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[x]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[0"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[-1]"), -1);
	CHECK_INT(jtok_path(d, JTOK_ROOT, "[99999999999999999999]"), -1);
	jtok_free(d);
}

/* Every proper prefix of a valid document fails cleanly as a truncation. */
static void
test_truncated_everywhere(void)
{
	const char *docs[] = {watch_event, cr_list,
	                      "{\"s\":\"\\ud83d\\ude00\xe2\x82\xac\",\"n\":-1.5e+10,\"t\":true,"
	                      "\"f\":false,\"z\":null,\"a\":[[],{}]}"};
	size_t i, k, len, bad = 0;
	char *cause;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		len = strlen(docs[i]);
		while (len > 0 && docs[i][len - 1] == '\n')
			len--;
		for (k = 0; k < len; k++) {
			cause = parse_err(docs[i], k);
			if (cause == NULL || (strstr(cause, "truncated") == NULL && k > 0))
				bad++;
			if (cause != NULL && k > 0 && bad == 1 &&
			    strstr(cause, "truncated") == NULL)
				fprintf(stderr, "prefix %zu of doc %zu: %s\n", k, i, cause);
			free(cause);
		}
		cause = parse_err(docs[i], len);
		CHECK(cause == NULL);
		free(cause);
	}
	CHECK_INT(bad, 0);
	cause = parse_err(watch_event, 0);
	CHECK_STR(cause, "JSON document is empty");
	free(cause);
	cause = parse_err(watch_event, 40);
	CHECK_STR(cause, "JSON truncated at byte 40");
	free(cause);
}

static void
test_deep_nesting(void)
{
	struct buf b = BUF_INIT;
	struct jtok *d;
	int k;

	for (k = 0; k < 10000; k++)
		buf_addc(&b, '[');
	check_refused(b.p, b.len, "JSON nested deeper than 64 at byte 64");
	for (k = 0; k < 10000; k++)
		buf_addc(&b, ']');
	check_refused(b.p, b.len, "nested deeper than 64");
	buf_reset(&b);
	/* 64 levels are fine, 65 are not, with objects counted too. */
	for (k = 0; k < 32; k++)
		buf_adds(&b, "[{\"k\":");
	buf_adds(&b, "1");
	for (k = 0; k < 32; k++)
		buf_adds(&b, "}]");
	d = parse_ok(buf_str(&b));
	CHECK(d != NULL);
	jtok_free(d);
	buf_reset(&b);
	for (k = 0; k < 32; k++)
		buf_adds(&b, "[{\"k\":");
	buf_adds(&b, "[]");
	for (k = 0; k < 32; k++)
		buf_adds(&b, "}]");
	check_refused(b.p, b.len, "nested deeper than 64");
	/* Brackets inside strings are text, not nesting. */
	buf_reset(&b);
	buf_adds(&b, "[\"");
	for (k = 0; k < 1000; k++)
		buf_adds(&b, "[{");
	buf_adds(&b, "\\\"]\"]");
	d = parse_ok(buf_str(&b));
	CHECK_INT(jtok_count(d, JTOK_ROOT), 1);
	jtok_free(d);
	buf_clear(&b);
}

static void
test_token_cap(void)
{
	struct buf b = BUF_INIT;
	struct jtok *d;
	int k;

	/* The largest document allowed grows the token array all the way up. */
	buf_addc(&b, '[');
	for (k = 0; k < JTOK_MAX_TOKENS - 2; k++)
		buf_adds(&b, "0,");
	buf_adds(&b, "0]");
	d = parse_ok(buf_str(&b));
	CHECK_INT(jtok_ntok(d), JTOK_MAX_TOKENS);
	CHECK_INT(jtok_count(d, JTOK_ROOT), JTOK_MAX_TOKENS - 1);
	jtok_free(d);
	buf_reset(&b);
	buf_addc(&b, '[');
	for (k = 0; k < JTOK_MAX_TOKENS - 1; k++)
		buf_adds(&b, "0,");
	buf_adds(&b, "0]");
	check_refused(b.p, b.len, "JSON has more than 1048576 values");
	buf_clear(&b);
}

/* Input jsmn's strict mode lets through, and a few it does not. */
static void
test_invalid_grammar(void)
{
	REFUSED("", "empty");
	REFUSED(" \n\t ", "empty");
	REFUSED("\"just a string\"", "not an object or an array");
	REFUSED("42", "not an object or an array");
	REFUSED("true", "not an object or an array");
	REFUSED("{} {}", "invalid JSON at byte 3: data after the document");
	REFUSED("{}x", "data after the document");
	REFUSED("{}]", "data after the document");
	REFUSED("[1],", "data after the document");
	REFUSED("[1]\0", "data after the document");
	REFUSED("[1 2]", "invalid JSON at byte 3: expected ','");
	REFUSED("[1,]", "invalid JSON at byte 2");
	REFUSED("[,1]", "invalid JSON at byte 1");
	REFUSED("[1,,2]", "invalid JSON at byte 3");
	REFUSED("{\"a\":1,}", "invalid JSON at byte 6");
	REFUSED("{,}", "invalid JSON");
	REFUSED("{\"a\" 1}", "invalid JSON");
	REFUSED("{\"a\" \"b\"}", "invalid JSON");
	REFUSED("{\"a\"}", "invalid JSON");
	REFUSED("{\"a\":}", "invalid JSON");
	REFUSED("{\"a\":1 \"b\":2}", "invalid JSON");
	REFUSED("{\"a\":{} \"b\":2}", "invalid JSON");
	REFUSED("{\"a\":1:2}", "invalid JSON");
	REFUSED("[\"a\":1]", "invalid JSON");
	REFUSED("{1:2}", "invalid JSON");
	REFUSED("{[]:2}", "invalid JSON");
	REFUSED("[1]]", "invalid JSON");
	REFUSED("[1}", "invalid JSON");
	REFUSED("{\"a\":[1}]", "invalid JSON");
	REFUSED("['a']", "invalid JSON");
	REFUSED("[tru]", "not a number, true, false or null");
	REFUSED("[truex]", "not a number");
	REFUSED("[nul]", "not a number");
	REFUSED("[True]", "invalid JSON");
	REFUSED("[NaN]", "invalid JSON");
	REFUSED("[Infinity]", "invalid JSON");
	REFUSED("[-Infinity]", "invalid JSON");
	REFUSED("[01]", "not a number");
	REFUSED("[-01]", "not a number");
	REFUSED("[+1]", "invalid JSON");
	REFUSED("[.5]", "invalid JSON");
	REFUSED("[1.]", "not a number");
	REFUSED("[1.e3]", "not a number");
	REFUSED("[1e]", "not a number");
	REFUSED("[1e+]", "not a number");
	REFUSED("[-]", "not a number");
	REFUSED("[0x10]", "not a number");
	REFUSED("[1/2]", "not a number");
	REFUSED("[1 // c\n]", "invalid JSON");
	REFUSED("[\"a\"\"b\"]", "invalid JSON");
	REFUSED("\xef\xbb\xbf{}", "not an object or an array");
	REFUSED("[\f1]", "invalid JSON");
	REFUSED("[1\v]", "invalid JSON");
}

static void
test_invalid_strings(void)
{
	REFUSED("[\"\\x\"]", "invalid JSON at byte 1");
	REFUSED("[\"\\u12\"]", "invalid JSON");
	REFUSED("[\"\\u12G4\"]", "invalid JSON");
	REFUSED("[\"\\U0041\"]", "invalid JSON");
	REFUSED("[\"\\'\"]", "invalid JSON");
	REFUSED("[\"\\u12", "truncated");
	REFUSED("[\"abc\\", "truncated");
	REFUSED("[\"a\x01\"]", "invalid JSON at byte 3: control character in string");
	REFUSED("[\"a\nb\"]", "control character");
	REFUSED("[\"\t\"]", "control character");
	REFUSED("[\"\x1f\"]", "control character");
	REFUSED("{\"k\x01\":1}", "control character");
	REFUSED("[\"a\0b\"]", "invalid JSON at byte 3: NUL byte");
	REFUSED("[\"\xc0\x80\"]", "invalid JSON at byte 2: invalid UTF-8 in string");
	REFUSED("[\"\xc1\xbf\"]", "invalid UTF-8");
	REFUSED("[\"\xff\"]", "invalid UTF-8");
	REFUSED("[\"\xfe\"]", "invalid UTF-8");
	REFUSED("[\"\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xe2\x82\"]", "invalid UTF-8");
	REFUSED("[\"\xf0\x9f\x98\"]", "invalid UTF-8");
	REFUSED("[\"\xc3\"]", "invalid UTF-8");
	REFUSED("[\"\xe0\x80\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xf0\x80\x80\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xed\xa0\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xf4\x90\x80\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xf5\x80\x80\x80\"]", "invalid UTF-8");
	REFUSED("[\"\xe2\x28\xa1\"]", "invalid UTF-8");
	REFUSED("[\xc3\xa9]", "invalid JSON");
}

/* Whitespace goes anywhere between tokens and nowhere else matters. */
static void
test_whitespace_and_cause(void)
{
	struct jtok *d;
	char *cause = NULL;
	const char *s = " \r\n\t{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n ";

	d = parse_ok(s);
	CHECK_INT(jtok_count(d, jtok_get(d, JTOK_ROOT, "a")), 2);
	CHECK(span_eq(jtok_raw(d, JTOK_ROOT), "{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }"));
	jtok_free(d);
	d = (struct jtok *)&d;
	CHECK_INT(jtok_parse("{\"a\":1 \"b\":2}", 13, &d, &cause), -1);
	CHECK(d == NULL);
	CHECK_STR(cause, "invalid JSON at byte 7: unexpected value");
	free(cause);
	/* A NULL cause is allowed. */
	CHECK_INT(jtok_parse("[", 1, &d, NULL), -1);
	/* Only len bytes are read: a valid prefix of a longer buffer is a document. */
	CHECK_INT(jtok_parse("[1]garbage", 3, &d, NULL), 0);
	CHECK_INT(jtok_count(d, JTOK_ROOT), 1);
	jtok_free(d);
}

int
main(void)
{
	TEST(test_watch_event);
	TEST(test_list_with_continue);
	TEST(test_aws_answers);
	TEST(test_iteration);
	TEST(test_numbers);
	TEST(test_long_number);
	TEST(test_strings);
	TEST(test_keys);
	TEST(test_path);
	TEST(test_truncated_everywhere);
	TEST(test_deep_nesting);
	TEST(test_token_cap);
	TEST(test_invalid_grammar);
	TEST(test_invalid_strings);
	TEST(test_whitespace_and_cause);
	return test_done();
}
