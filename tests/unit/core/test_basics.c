/*
 * The small pieces everything else stands on: buffers, the string map, the
 * JSON encoder, back-off delays and the log line format.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/jenc.h"
#include "core/log.h"
#include "core/smap.h"
#include "core/xmalloc.h"
#include "testutil.h"

static void
test_buf(void)
{
	struct buf b = BUF_INIT;
	char *s;

	CHECK_STR(buf_str(&b), "");
	buf_adds(&b, "hello");
	buf_printf(&b, " %d", 42);
	CHECK_STR(buf_str(&b), "hello 42");
	buf_consume(&b, 6);
	CHECK_STR(buf_str(&b), "42");
	buf_consume(&b, 10);
	CHECK_INT(b.len, 0);
	buf_add(&b, "a\0b", 3);
	CHECK_INT(b.len, 3);
	s = buf_steal(&b);
	CHECK(memcmp(s, "a\0b", 4) == 0);
	CHECK(b.p == NULL);
	free(s);
}

static void
test_smap(void)
{
	struct smap *m = smap_create();
	struct smap_iter it;
	const char *k;
	void *v;
	char key[32];
	long i, sum = 0;

	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "key-%ld", i);
		CHECK(smap_put(m, key, (void *)(i + 1), NULL) == NULL);
	}
	CHECK_INT(smap_count(m), 20000);
	CHECK((long)smap_get(m, "key-777") == 778);
	CHECK(smap_get(m, "key-20000") == NULL);
	CHECK((long)smap_put(m, "key-5", (void *)99L, NULL) == 6);
	CHECK((long)smap_del(m, "key-5") == 99);
	CHECK(smap_del(m, "key-5") == NULL);
	smap_iter_init(&it);
	while (smap_next(m, &it, &k, &v))
		sum++;
	CHECK_INT(sum, 19999);
	smap_free(m, NULL);
}

static void
test_jenc(void)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "a", "q\"uote\\ \n\t\x01");
	jenc_key(&e, "list");
	jenc_arr_open(&e);
	jenc_int(&e, -5);
	jenc_bool(&e, 1);
	jenc_null(&e);
	jenc_str(&e, "\xc3\xa9\xff\xe2\x82");
	jenc_arr_close(&e);
	jenc_kv_int(&e, "n", 9007199254740993LL);
	jenc_key(&e, "o");
	jenc_obj_open(&e);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	CHECK_STR(buf_str(&b),
	          "{\"a\":\"q\\\"uote\\\\ \\n\\t\\u0001\",\"list\":[-5,true,null,"
	          "\"\xc3\xa9\\ufffd\\ufffd\\ufffd\"],\"n\":9007199254740993,\"o\":{}}");
	buf_clear(&b);
	/* Overlong encodings and surrogates are not valid UTF-8. */
	jenc_escape(&b, "\xc0\xaf\xed\xa0\x80", 5);
	CHECK_STR(buf_str(&b), "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	buf_clear(&b);
}

static void
test_backoff(void)
{
	int i;
	uint64_t d;

	backoff_seed(7);
	for (i = 0; i < 1000; i++) {
		d = backoff_delay(800, 30000, (unsigned)(i % 10), 1);
		CHECK(d <= 30000);
		d = backoff_delay(800, 30000, 3, 0);
		CHECK(d >= 3200 && d <= 6400);
	}
	CHECK_INT(backoff_delay(800, 30000, 60, 0) <= 30000, 1);
	CHECK_INT(backoff_rand(0), 0);
}

/* Captures one log line through a pipe. */
static void
capture(char *out, size_t len, enum log_format f)
{
	int fds[2];
	ssize_t n;

	CHECK(pipe(fds) == 0);
	log_setup(f, LOG_LEVEL_INFO);
	log_set_fd(fds[1]);
	log_debug("hidden");
	log_info("issued \"x\"", "cr", "ns/name", "secret_access_key", "AKIAEXAMPLE",
	         "idempotency_token", "abc", "note", "two words");
	log_set_fd(-1);
	close(fds[1]);
	n = read(fds[0], out, len - 1);
	out[n < 0 ? 0 : n] = '\0';
	close(fds[0]);
}

static void
test_log(void)
{
	char line[1024];
	enum log_level l;

	capture(line, sizeof line, LOG_FORMAT_JSON);
	CHECK(strncmp(line, "{\"ts\":\"", 7) == 0);
	CHECK_CONTAINS(line, "\"level\":\"info\",\"msg\":\"issued \\\"x\\\"\",\"cr\":\"ns/name\"");
	CHECK_CONTAINS(line, "\"secret_access_key\":\"[redacted]\"");
	CHECK_CONTAINS(line, "\"idempotency_token\":\"abc\"");
	CHECK(strstr(line, "AKIAEXAMPLE") == NULL);
	CHECK(strstr(line, "hidden") == NULL);
	CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	capture(line, sizeof line, LOG_FORMAT_TEXT);
	CHECK_CONTAINS(line, " INFO  issued \\\"x\\\" cr=ns/name secret_access_key=[redacted]");
	CHECK_CONTAINS(line, "note=\"two words\"");
	CHECK(log_parse_level("WARNING", &l) == 0 && l == LOG_LEVEL_WARN);
	CHECK(log_parse_level("loud", &l) == -1);
	log_setup(LOG_FORMAT_JSON, LOG_LEVEL_INFO);
}

int
main(void)
{
	TEST(test_buf);
	TEST(test_smap);
	TEST(test_jenc);
	TEST(test_backoff);
	TEST(test_log);
	return test_done();
}
