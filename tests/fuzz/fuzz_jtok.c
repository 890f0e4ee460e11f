/*
 * libFuzzer target for core/jtok: parses the input, then walks every token
 * and asks every accessor about it, so a document that parses must also be
 * safe to read in every way a decoder might. The input buffer is exactly
 * the input's size, so the sanitizers catch any read past len.
 *
 * Besides crashes it checks invariants a caller relies on: jtok_raw of a
 * container parses on its own with the same number of children, a string
 * that decodes compares equal to itself with jtok_streq, and iteration
 * visits exactly jtok_count values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jtok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_jtok_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_jtok_scalar(const struct jtok *d, int t)
{
	struct buf b = BUF_INIT;
	int64_t i;
	uint64_t u;
	double f;
	int v;
	char *s = NULL;

	if (jtok_str(d, t, &s) == 0) {
		fuzz_jtok_check(s != NULL);
		fuzz_jtok_check(jtok_streq(d, t, s) == 1);
		fuzz_jtok_check(jtok_str_buf(d, t, &b) == 0 && strcmp(buf_str(&b), s) == 0);
		free(s);
	} else {
		fuzz_jtok_check(s == NULL);
	}
	buf_clear(&b);
	(void)jtok_int(d, t, &i);
	(void)jtok_uint64(d, t, &u);
	(void)jtok_double(d, t, &f);
	(void)jtok_bool(d, t, &v);
	(void)jtok_is_null(d, t);
	(void)jtok_type_name(jtok_type(d, t));
}

static void
fuzz_jtok_container(const struct jtok *d, int t)
{
	struct span raw = jtok_raw(d, t);
	struct jtok *sub = NULL;
	int v, n = 0;
	char *s = NULL;

	for (v = jtok_first(d, t); v != -1; v = jtok_next(d, v)) {
		n++;
		if (jtok_type(d, t) == JTOK_OBJECT) {
			int k = jtok_key(d, v);

			fuzz_jtok_check(jtok_type(d, k) == JTOK_STRING);
			/* jtok_get returns the first member with that key. */
			if (jtok_str(d, k, &s) == 0)
				fuzz_jtok_check(jtok_get(d, t, s) != -1 && jtok_get(d, t, s) <= v);
			free(s);
			s = NULL;
		} else {
			fuzz_jtok_check(jtok_key(d, v) == -1);
			fuzz_jtok_check(jtok_at(d, t, n - 1) == v);
		}
	}
	fuzz_jtok_check(n == jtok_count(d, t));
	fuzz_jtok_check(jtok_parse(raw.p, raw.len, &sub, NULL) == 0);
	fuzz_jtok_check(jtok_count(sub, JTOK_ROOT) == n);
	jtok_free(sub);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jtok *d = NULL;
	char *cause = NULL;
	int t, n;

	if (jtok_parse((const char *)data, size, &d, &cause) != 0) {
		fuzz_jtok_check(d == NULL && cause != NULL);
		free(cause);
		return 0;
	}
	fuzz_jtok_check(cause == NULL);
	n = jtok_ntok(d);
	for (t = 0; t < n; t++) {
		enum jtok_type type = jtok_type(d, t);

		fuzz_jtok_check(type != JTOK_NONE && jtok_raw(d, t).len > 0);
		if (type == JTOK_OBJECT || type == JTOK_ARRAY)
			fuzz_jtok_container(d, t);
		else
			fuzz_jtok_scalar(d, t);
	}
	(void)jtok_path(d, JTOK_ROOT, "metadata.name");
	(void)jtok_path(d, JTOK_ROOT, "items[0].status.conditions[1].type");
	jtok_free(d);
	return 0;
}
