/*
 * The registry of secret values: masking wherever a held value appears,
 * counting of holders, the graveyard of dropped values, short values left
 * alone, and the log writer passing every value through it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/secrets.h"
#include "core/xmalloc.h"
#include "testutil.h"

static const char *token = "IQoJb3JpZ2luX2VjEXAMPLE/session+token==";
static const char *key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

static void
test_masks_every_occurrence(void)
{
	char *s;

	secrets_add(token);
	secrets_add(key);
	s = secrets_scrub("x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLE/session+token==\nkey "
	                  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and again "
	                  "IQoJb3JpZ2luX2VjEXAMPLE/session+token==");
	CHECK_STR(s, "x-amz-security-token:[REDACTED]\nkey [REDACTED] and again [REDACTED]");
	free(s);
	CHECK(secrets_found(token, strlen(token)));
	/* A part of a value is not the value. */
	CHECK(!secrets_found(token, 20));
	s = secrets_scrub("nothing to see");
	CHECK_STR(s, "nothing to see");
	free(s);
	CHECK(secrets_scrub(NULL) == NULL);
	secrets_reset();
}

static void
test_short_values_are_not_held(void)
{
	char *s;

	secrets_add("abc");
	secrets_add("");
	secrets_add(NULL);
	CHECK_INT(secrets_count(), 0);
	s = secrets_scrub("abc abc");
	CHECK_STR(s, "abc abc");
	free(s);
}

static void
test_holders_are_counted_and_dropped_values_linger(void)
{
	char v[32], *s;
	int i;

	secrets_add(token);
	secrets_add(token);
	secrets_drop(token);
	CHECK(secrets_found(token, strlen(token)));
	secrets_drop(token);
	/* Dropped, but an answer to a call signed with it may still come back. */
	CHECK(secrets_found(token, strlen(token)));
	/* Dropping what was never added changes nothing. */
	secrets_drop("never-added-value-123");
	/* Newer drops bury the oldest. */
	for (i = 0; i < SECRETS_GRAVE; i++) {
		snprintf(v, sizeof v, "rotated-token-%04d", i);
		secrets_add(v);
		secrets_drop(v);
	}
	CHECK(!secrets_found(token, strlen(token)));
	CHECK_INT(secrets_count(), SECRETS_GRAVE);
	s = secrets_scrub("rotated-token-0003 rotated-token-0015");
	CHECK_STR(s, "[REDACTED] [REDACTED]");
	free(s);
	secrets_reset();
	CHECK_INT(secrets_count(), 0);
}

static void
test_overlapping_values_mask_the_longest(void)
{
	char *s;

	secrets_add("prefix-secret-value");
	secrets_add("prefix-secret-value-and-more");
	s = secrets_scrub("[prefix-secret-value-and-more]");
	CHECK_STR(s, "[[REDACTED]]");
	free(s);
	secrets_reset();
}

/* Whatever a caller logs, a held value is masked. */
static void
test_log_lines_are_masked(void)
{
	char path[] = "/tmp/test_secrets_XXXXXX", buf[4096];
	int fd = mkstemp(path);
	ssize_t n;

	secrets_add(token);
	log_setup(LOG_FORMAT_JSON, LOG_LEVEL_INFO);
	log_set_fd(fd);
	log_info("AWS said something", "error",
	         "The canonical request was x-amz-security-token:"
	         "IQoJb3JpZ2luX2VjEXAMPLE/session+token==");
	log_set_fd(-1);
	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_CONTAINS(buf, "x-amz-security-token:[REDACTED]");
	CHECK(strstr(buf, "session+token") == NULL);
	close(fd);
	unlink(path);
	secrets_reset();
}

int
main(void)
{
	TEST(test_masks_every_occurrence);
	TEST(test_short_values_are_not_held);
	TEST(test_holders_are_counted_and_dropped_values_linger);
	TEST(test_overlapping_values_mask_the_longest);
	TEST(test_log_lines_are_masked);
	return test_done();
}
