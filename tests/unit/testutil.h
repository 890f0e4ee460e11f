/*
 * A minimal test harness for the C unit tests. Each test file is one program:
 * it calls TEST(fn) for each test function and returns test_done(), which
 * prints "N passed, N failed" and the exit code ctest reads.
 *
 * CHECK* macros record a failure with file:line and carry on, so one run
 * shows every broken expectation. A test that makes no check at all fails:
 * it proves nothing.
 */
#ifndef PCA_TESTS_TESTUTIL_H
#define PCA_TESTS_TESTUTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_checks, test_checks;
static int test_passed, test_failed;
static const char *test_current = "";

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		test_checks++;                                                                     \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,       \
			        test_current, #cond);                                              \
			test_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		test_checks++;                                                                     \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_) {                                                        \
			fprintf(stderr, "%s:%d: %s: %s == %lld, expected %s == %lld\n", __FILE__,  \
			        __LINE__, test_current, #a, check_a_, #b, check_b_);               \
			test_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		test_checks++;                                                                     \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (check_a_ == NULL || check_b_ == NULL || strcmp(check_a_, check_b_) != 0) {     \
			fprintf(stderr, "%s:%d: %s: %s is \"%s\", expected \"%s\"\n", __FILE__,    \
			        __LINE__, test_current, #a, check_a_ ? check_a_ : "(null)",        \
			        check_b_ ? check_b_ : "(null)");                                   \
			test_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

/* Checks that haystack contains needle. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
	do {                                                                                       \
		test_checks++;                                                                     \
		const char *check_h_ = (haystack), *check_n_ = (needle);                           \
		if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL) {                      \
			fprintf(stderr, "%s:%d: %s: \"%s\" does not contain \"%s\"\n", __FILE__,   \
			        __LINE__, test_current, check_h_ ? check_h_ : "(null)", check_n_); \
			test_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define TEST(fn)                                                                                   \
	do {                                                                                       \
		int before_ = test_failed_checks, checks_ = test_checks;                           \
		test_current = #fn;                                                                \
		fn();                                                                              \
		if (test_checks == checks_) {                                                      \
			fprintf(stderr, "%s: made no checks\n", #fn);                              \
			test_failed_checks++;                                                      \
		}                                                                                  \
		if (test_failed_checks == before_) {                                               \
			test_passed++;                                                             \
			fprintf(stderr, "ok   %s\n", #fn);                                         \
		} else {                                                                           \
			test_failed++;                                                             \
			fprintf(stderr, "FAIL %s\n", #fn);                                         \
		}                                                                                  \
	} while (0)

static inline int
test_done(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed == 0 ? 0 : 1;
}

/* Returns the path of a file under ../shared/testdata, or exits if unset. */
static inline const char *
test_shared_dir(void)
{
	const char *d = getenv("PCA_SHARED_TESTDATA");

	if (d == NULL) {
		fprintf(stderr, "PCA_SHARED_TESTDATA is not set (run through ctest)\n");
		exit(2);
	}
	return d;
}

#endif
