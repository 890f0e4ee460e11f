/*
 * libFuzzer target for the STS answer reader (aws_sts_parse) and the ISO
 * 8601 time reader behind every credential expiry.
 *
 * Besides the sanitizers' findings it checks properties that hold for any
 * input:
 *   - parsing either succeeds with no cause or fails with a cause and every
 *     field NULL;
 *   - each captured field is a C string without leading or trailing
 *     whitespace;
 *   - a time that parses is stable: formatting it back as
 *     YYYY-MM-DDTHH:MM:SS.mmmZ and parsing again gives the same value.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sts.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_field(const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n > 0 && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1])))
		abort();
}

static void
fuzz_time(const char *s)
{
	int64_t ms, again;
	time_t t;
	struct tm tm;
	char buf[64], out[80];

	if (timefmt_parse(s, &ms) != 0)
		return;
	t = (time_t)(ms / 1000);
	if (ms < 0 || gmtime_r(&t, &tm) == NULL)
		return;
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof out, "%s.%03dZ", buf, (int)(ms % 1000));
	if (tm.tm_year + 1900 > 9999)
		return;
	if (timefmt_parse(out, &again) != 0 || again != ms)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_sts_reply r;
	char *cause = NULL, *s;

	if (aws_sts_parse((const char *)data, size, &r, &cause) == 0) {
		if (cause != NULL)
			abort();
		fuzz_check_field(r.access_key_id);
		fuzz_check_field(r.secret_access_key);
		fuzz_check_field(r.session_token);
		fuzz_check_field(r.expiration);
		fuzz_check_field(r.arn);
		fuzz_check_field(r.err_code);
		fuzz_check_field(r.err_message);
		if (r.expiration != NULL)
			fuzz_time(r.expiration);
		aws_sts_reply_clear(&r);
	} else {
		if (cause == NULL || r.access_key_id != NULL || r.err_code != NULL)
			abort();
		free(cause);
	}
	s = xstrndup((const char *)data, size < 64 ? size : 64);
	fuzz_time(s);
	free(s);
	return 0;
}
