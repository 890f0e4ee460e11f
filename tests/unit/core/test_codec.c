/*
 * The codecs of core/codec.h: base64 and Go durations (as Kubernetes
 * objects carry them), their error sentences, UTF-8, hex and
 * percent-encoding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "testutil.h"

static void
test_base64(void)
{
	static const char *const good[][2] = {
	    {"", ""},
	    {"Zg==", "f"},
	    {"Zm8=", "fo"},
	    {"Zm9v", "foo"},
	    {"Zm9vYg", "foob"},
	    {"Zm9vYmE=", "fooba"},
	    {"Zm9v\r\nYmFy", "foobar"},
	};
	static const char *const bad[] = {
	    "Z", "Zg=", "Zg===", "Zm9vY", "Zg==Zg==", "Zm9v!", "Zm 9v", "Zm9v-_", "=Zm9"};
	unsigned char *out;
	size_t i, n;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		CHECK_INT(codec_base64_decode(good[i][0], strlen(good[i][0]), &out, &n), 0);
		CHECK_INT(n, strlen(good[i][1]));
		CHECK_STR((char *)out, good[i][1]);
		free(out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(codec_base64_decode(bad[i], strlen(bad[i]), &out, &n), -1);
		CHECK(out == NULL);
		if (out != NULL)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		free(out);
	}
	/* Bytes beyond ASCII and NULs survive. */
	CHECK_INT(codec_base64_decode("AP8A", 4, &out, &n), 0);
	CHECK(n == 3 && out[0] == 0 && out[1] == 0xff && out[2] == 0);
	free(out);
}

static void
test_duration(void)
{
	static const struct {
		const char *s;
		int64_t want;
	} good[] = {
	    {"2160h0m0s", 2160 * 3600},
	    {"0", 0},
	    {"0s", 0},
	    {"1h", 3600},
	    {"90m", 5400},
	    {"1.5h", 5400},
	    {"1h30m15s", 5415},
	    {"+5s", 5},
	    {"-90s", -90},
	    {"300ms", 0},
	    {"2500ms", 2},
	    {".5m", 30},
	    {"1us", 0},
	    {"1\xc2\xb5s", 0},
	    {"1000000000ns", 1},
	    {"5.s", 5},
	    {"2562047h", 2562047LL * 3600},
	};
	static const char *const bad[] = {"",
	                                  "h",
	                                  "1",
	                                  "1d",
	                                  "1 h",
	                                  "1hx",
	                                  "--1s",
	                                  "1.h.5",
	                                  "1e3s",
	                                  ".s",
	                                  "s1",
	                                  "2562048h",
	                                  "99999999999999999999s"};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = -12345;
		CHECK_INT(codec_duration_parse(good[i].s, &v, NULL), 0);
		v /= 1000000000; /* whole seconds, toward zero */
		CHECK_INT(v, good[i].want);
		if (v != good[i].want)
			fprintf(stderr, "  \"%s\"\n", good[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(codec_duration_parse(bad[i], &v, NULL), -1);
		if (codec_duration_parse(bad[i], &v, NULL) == 0)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
	}
}

static void
test_duration_why(void)
{
	int64_t v;
	char *why = NULL;

	CHECK_INT(codec_duration_parse("5 days", &v, &why), -1);
	CHECK_STR(why,
	          "\"5 days\" is not a duration (like \"15s\" or \"1m\"): unknown unit \" days\"");
	free(why);
	CHECK_INT(codec_duration_parse("90d", &v, &why), -1);
	CHECK_CONTAINS(why, "unknown unit \"d\"");
	free(why);
	CHECK_INT(codec_duration_parse("9999999h", &v, &why), -1);
	CHECK_STR(why, "\"9999999h\" is too long a duration");
	free(why);
	CHECK_INT(codec_duration_parse("", &v, &why), -1);
	CHECK_STR(why, "\"\" is not a duration (like \"15s\" or \"1m\")");
	free(why);
	CHECK_INT(codec_duration_parse("1.5ms", &v, NULL), 0);
	CHECK_INT(v, 1500000);
}

static void
test_base64_encode(void)
{
	static const char *const cases[][2] = {
	    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
	struct buf b = BUF_INIT;
	unsigned char *out;
	size_t i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&b);
		codec_base64_encode(&b, cases[i][0], strlen(cases[i][0]));
		CHECK_STR(buf_str(&b), cases[i][1]);
	}
	/* Every byte value round-trips. */
	{
		unsigned char all[256];

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		buf_reset(&b);
		codec_base64_encode(&b, all, sizeof all);
		CHECK_INT(codec_base64_decode(b.p, b.len, &out, &n), 0);
		CHECK(n == 256 && memcmp(out, all, 256) == 0);
		free(out);
	}
	buf_clear(&b);
}

static void
test_utf8(void)
{
	static const char *const good[] = {
	    "", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92", "\xef\xbf\xbd"};
	static const char *const bad[] = {"\xc0\xaf",         /* overlong '/' */
	                                  "\xed\xa0\x80",     /* a surrogate */
	                                  "\xf4\x90\x80\x80", /* past U+10FFFF */
	                                  "\xe2\x82",         /* cut short */
	                                  "\x80",
	                                  "\xff"};
	uint32_t cp;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(codec_utf8_valid(good[i], strlen(good[i])));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!codec_utf8_valid(bad[i], strlen(bad[i])));
	CHECK_INT(codec_utf8_next((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	CHECK_INT(cp, 0x20ac);
	/* A sequence longer than what is left is cut, even before a NUL. */
	CHECK_INT(codec_utf8_next((const unsigned char *)"\xe2\x82\xac", 2, &cp), 0);
}

static void
test_hex_and_percent(void)
{
	const unsigned char bytes[] = {0x00, 0x9f, 0xff, 0x10};
	struct buf b = BUF_INIT;
	char hex[9];

	codec_hex(bytes, sizeof bytes, hex);
	CHECK_STR(hex, "009fff10");
	CHECK_INT(codec_hex_digit('a'), 10);
	CHECK_INT(codec_hex_digit('F'), 15);
	CHECK_INT(codec_hex_digit('g'), -1);
	codec_pct_encode(&b, "a b/c~d%e\xc3\xa9", 11, NULL);
	CHECK_STR(buf_str(&b), "a%20b%2Fc~d%25e%C3%A9");
	buf_reset(&b);
	codec_pct_encode(&b, "/path/with space", 16, "/");
	CHECK_STR(buf_str(&b), "/path/with%20space");
	buf_reset(&b);
	codec_pct_encode(&b, "nul\0byte", 8, "/");
	CHECK_STR(buf_str(&b), "nul%00byte");
	buf_clear(&b);
}

int
main(void)
{
	TEST(test_base64);
	TEST(test_duration);
	TEST(test_duration_why);
	TEST(test_base64_encode);
	TEST(test_utf8);
	TEST(test_hex_and_percent);
	return test_done();
}
