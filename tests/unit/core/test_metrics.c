/*
 * Tests for the metrics registry: the exact exposition text, escaping,
 * histogram buckets, number formatting, lookups among many series, the
 * process metrics, and that promtool accepts the whole output.
 */
#include <sys/wait.h>

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/metrics.h"
#include "testutil.h"

static double
leader_fn(void *arg)
{
	return *(double *)arg;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Renders the registry only. The caller frees the result. */
static char *
render_registry(void)
{
	struct buf b = BUF_INIT;

	metrics_write_registry(&b);
	return b.p != NULL ? buf_steal(&b) : strdup("");
}

/* Runs first, while the registry holds only what it registers. */
static void
test_golden_exposition(void)
{
	static const double bounds[] = {0.5, 1, 2.5};
	static double leader = 1, follower = 0;
	struct metric *c, *g, *h, *l;
	char *text;
	const char *want = "# HELP test_requests_total Requests by code.\n"
	                   "# TYPE test_requests_total counter\n"
	                   "test_requests_total{code=\"200\",method=\"GET\"} 2\n"
	                   "test_requests_total{code=\"500\",method=\"POST\"} 2.5\n"
	                   "# HELP test_queue_depth Items waiting.\\nSecond line, with \\\\.\n"
	                   "# TYPE test_queue_depth gauge\n"
	                   "test_queue_depth 1.75\n"
	                   "# HELP test_latency_seconds Latency.\n"
	                   "# TYPE test_latency_seconds histogram\n"
	                   "test_latency_seconds_bucket{op=\"sign\",le=\"0.5\"} 1\n"
	                   "test_latency_seconds_bucket{op=\"sign\",le=\"1\"} 2\n"
	                   "test_latency_seconds_bucket{op=\"sign\",le=\"2.5\"} 2\n"
	                   "test_latency_seconds_bucket{op=\"sign\",le=\"+Inf\"} 3\n"
	                   "test_latency_seconds_sum{op=\"sign\"} 8.25\n"
	                   "test_latency_seconds_count{op=\"sign\"} 3\n"
	                   "# HELP test_leader Whether this replica leads.\n"
	                   "# TYPE test_leader gauge\n"
	                   "test_leader 1\n";

	c = metrics_counter("test_requests_total", "Requests by code.", "code, method");
	g = metrics_gauge("test_queue_depth", "Items waiting.\nSecond line, with \\.", NULL);
	h = metrics_histogram("test_latency_seconds", "Latency.", "op", bounds, 3);
	metrics_gauge_fn("test_leader", "Whether this replica leads.", leader_fn, &leader);
	/* A labelled family without series does not show at all. */
	l = metrics_gauge("test_unused", "Never set.", "x");
	(void)l;

	metrics_inc(c, "200", "GET");
	metrics_add(c, 2.5, "500", "POST");
	metrics_inc(c, "200", "GET");
	metrics_add(c, -1, "200", "GET"); /* counters never go down */
	metrics_set(g, 3);
	metrics_gauge_add(g, -1.25);
	metrics_observe(h, 0.25, "sign");
	metrics_observe(h, 1, "sign"); /* bounds are inclusive */
	metrics_observe(h, 7, "sign");

	text = render_registry();
	CHECK_STR(text, want);
	free(text);
	CHECK(metrics_value(c, "200", "GET") == 2);
	CHECK(metrics_value(c, "404", "GET") == 0);
	CHECK(metrics_value(h, "sign") == 3);
	/* Registering again (a re-created owner) re-points the function at the new arg. */
	CHECK(metrics_value(metrics_gauge_fn("test_leader", "Whether this replica leads.",
	                                     leader_fn, &follower)) == 0);
	text = render_registry();
	CHECK_CONTAINS(text, "\ntest_leader 0\n");
	free(text);
	metrics_reset_all();
}

static void
test_label_escaping(void)
{
	struct metric *m = metrics_counter("test_escape_total", "Escaping.", "v");
	char *text;

	metrics_inc(m, "a\\b\"c\nd");
	metrics_inc(m, "caf\xc3\xa9 \xff end"); /* one bad byte among good UTF-8 */
	metrics_inc(m, NULL);
	text = render_registry();
	CHECK_CONTAINS(text, "test_escape_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
	CHECK_CONTAINS(text, "test_escape_total{v=\"caf\xc3\xa9 \xef\xbf\xbd end\"} 1\n");
	CHECK_CONTAINS(text, "test_escape_total{v=\"\"} 1\n");
	/* The raw value stays the key: the same bytes find the same series. */
	metrics_inc(m, "a\\b\"c\nd");
	CHECK(metrics_value(m, "a\\b\"c\nd") == 2);
	free(text);
	metrics_reset_all();
}

static void
test_histogram_buckets(void)
{
	static const double bounds[] = {0.1, 1, 10, INFINITY};
	struct metric *h;
	char *text;

	h = metrics_histogram("test_wait_seconds", "Waits.", NULL, bounds, 4);
	metrics_observe(h, 0.05);
	metrics_observe(h, 0.1);
	metrics_observe(h, 0.5);
	metrics_observe(h, 5);
	metrics_observe(h, 50);
	metrics_observe(h, -3);
	text = render_registry();
	/* Cumulative, +Inf given by the caller is not doubled, no labels means no braces. */
	CHECK_CONTAINS(text, "# TYPE test_wait_seconds histogram\n"
	                     "test_wait_seconds_bucket{le=\"0.1\"} 3\n"
	                     "test_wait_seconds_bucket{le=\"1\"} 4\n"
	                     "test_wait_seconds_bucket{le=\"10\"} 5\n"
	                     "test_wait_seconds_bucket{le=\"+Inf\"} 6\n"
	                     "test_wait_seconds_sum 52.65\n"
	                     "test_wait_seconds_count 6\n");
	free(text);
	metrics_reset_all();
	text = render_registry();
	CHECK_CONTAINS(text, "test_wait_seconds_bucket{le=\"+Inf\"} 0\n"
	                     "test_wait_seconds_sum 0\n");
	free(text);
}

static void
test_format_double(void)
{
	static const double samples[] = {0.1,
	                                 1.0 / 3,
	                                 2.0 / 3,
	                                 1e-300,
	                                 123456.789,
	                                 6.02214076e23,
	                                 0.30000000000000004,
	                                 9007199254740993.0,
	                                 5e-324};
	char s[40];
	size_t i;

	CHECK_STR(metrics_format_double(s, sizeof s, 0), "0");
	CHECK_STR(metrics_format_double(s, sizeof s, -0.0), "0");
	CHECK_STR(metrics_format_double(s, sizeof s, 42), "42");
	CHECK_STR(metrics_format_double(s, sizeof s, -7), "-7");
	CHECK_STR(metrics_format_double(s, sizeof s, 1e15), "1000000000000000");
	CHECK_STR(metrics_format_double(s, sizeof s, 1700000000.5), "1700000000.5");
	CHECK_STR(metrics_format_double(s, sizeof s, 0.1), "0.1");
	CHECK_STR(metrics_format_double(s, sizeof s, 0.30000000000000004), "0.30000000000000004");
	CHECK_STR(metrics_format_double(s, sizeof s, 1e300), "1e+300");
	CHECK_STR(metrics_format_double(s, sizeof s, NAN), "NaN");
	CHECK_STR(metrics_format_double(s, sizeof s, INFINITY), "+Inf");
	CHECK_STR(metrics_format_double(s, sizeof s, -INFINITY), "-Inf");
	for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		metrics_format_double(s, sizeof s, samples[i]);
		CHECK(strtod(s, NULL) == samples[i]);
		CHECK(strlen(s) <= 24);
	}
}

/* Seconds for n updates spread over nseries series of m. */
static double
time_updates(struct metric *m, int nseries, int n)
{
	char names[64][16];
	double t0;
	int i;

	for (i = 0; i < 64; i++)
		snprintf(names[i], sizeof names[i], "s%d", i * (nseries / 64 + 1) % nseries);
	t0 = now_seconds();
	for (i = 0; i < n; i++)
		metrics_inc(m, names[i & 63], "x");
	return now_seconds() - t0;
}

static void
test_many_series(void)
{
	struct metric *m = metrics_counter("test_series_total", "Many series.", "id,kind");
	double few, many;
	char id[16];
	int i;

	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof id, "s%d", i);
		metrics_add(m, i, id, "x");
	}
	CHECK(metrics_value(m, "s9999", "x") == 9999);
	CHECK(metrics_value(m, "s0", "x") == 0);
	CHECK(metrics_value(m, "s10000", "x") == 0);
	many = time_updates(m, 10000, 200000);
	metrics_reset_all();
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "s%d", i);
		metrics_inc(m, id, "x");
	}
	few = time_updates(m, 10, 200000);
	fprintf(stderr, "200000 updates: %.1f ms among 10 series, %.1f ms among 10000\n", few * 1e3,
	        many * 1e3);
	/* A list scan would be about 1000 times slower; hashing keeps it near flat. */
	CHECK(many < few * 20 + 0.05);
	metrics_reset_all();
}

static void
emit_objects(struct metric *m, void *arg)
{
	const char *resource = arg;

	metrics_set(m, (double)strlen(resource), resource);
}

static void
test_collectors(void)
{
	struct metric *m = metrics_gauge("test_objects", "Objects per cache.", "resource");
	static char issuers[] = "issuers", crs[] = "certificaterequests";
	char *text;

	metrics_set(m, 99, "stale");
	metrics_collect_add(m, emit_objects, issuers);
	metrics_collect_add(m, emit_objects, crs);
	text = render_registry();
	CHECK_CONTAINS(text, "test_objects{resource=\"issuers\"} 7\n"
	                     "test_objects{resource=\"certificaterequests\"} 19\n");
	CHECK(strstr(text, "stale") == NULL);
	free(text);
	metrics_collect_remove(m, emit_objects, issuers);
	metrics_collect_remove(m, emit_objects, crs);
	text = render_registry();
	CHECK(strstr(text, "test_objects") == NULL);
	free(text);
	metrics_reset_all();
}

/* Runs fn in a child and reports whether it aborted. */
static int
aborts(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
register_conflicting(void)
{
	metrics_gauge("test_requests_total", "Requests by code.", "code,method");
}

static void
register_bad_label(void)
{
	metrics_counter("test_bad_total", "Bad.", "ok,,x");
}

static void
register_unsorted(void)
{
	static const double b[] = {1, 0.5};

	metrics_histogram("test_unsorted_seconds", "Bad.", NULL, b, 2);
}

static void
test_registration(void)
{
	struct metric *a, *b;

	a = metrics_counter("test_requests_total", "Requests by code.", "code,method");
	b = metrics_counter("test_requests_total", "Requests by code.", "code,method");
	CHECK(a == b);
	CHECK(aborts(register_conflicting));
	CHECK(aborts(register_bad_label));
	CHECK(aborts(register_unsorted));
}

/* Pipes text to promtool check metrics; returns its status and output. */
static int
promtool_check(const char *text, struct buf *output)
{
	char path[] = "/tmp/test_metrics_promtool_XXXXXX", *cmd, line[512];
	FILE *p, *f;
	int fd, status;

	if ((fd = mkstemp(path)) == -1)
		return -1;
	close(fd);
	if (asprintf(&cmd, "promtool check metrics >%s 2>&1", path) < 0)
		return -1;
	p = popen(cmd, "w");
	free(cmd);
	if (p == NULL)
		return -1;
	fputs(text, p);
	status = pclose(p);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			buf_adds(output, line);
		fclose(f);
	}
	unlink(path);
	return status;
}

static void
test_promtool_accepts_output(void)
{
	static const double bounds[] = {0.005, 0.01, 0.1, 1};
	struct metric *c =
	    metrics_counter("test_requests_total", "Requests by code.", "code,method");
	struct metric *h = metrics_histogram("test_sign_seconds", "Signing time.", "op", bounds, 4);
	struct metric *e = metrics_counter("test_escape_total", "Escaping.", "v");
	struct buf text = BUF_INIT, out = BUF_INIT;

	metrics_inc(c, "200", "GET");
	metrics_observe(h, 0.02, "sign");
	metrics_observe(h, 3, "sign");
	metrics_inc(e, "quote \" backslash \\ newline \n bad \xff");
	metrics_write(&text);
	CHECK_INT(promtool_check(buf_str(&text), &out), 0);
	CHECK_STR(buf_str(&out), "");
	buf_clear(&text);
	buf_clear(&out);
	metrics_reset_all();
}

/* The value of the unlabelled sample name in text, or NaN. */
static double
sample(const char *text, const char *name)
{
	char *key;
	const char *p;
	double v = NAN;

	if (asprintf(&key, "\n%s ", name) < 0)
		return v;
	if ((p = strstr(text, key)) != NULL)
		v = strtod(p + strlen(key), NULL);
	free(key);
	return v;
}

static void
test_process_metrics(void)
{
	struct buf b = BUF_INIT;
	double now = (double)time(NULL), start, rss, vsize;

	metrics_write_process(&b);
	start = sample(buf_str(&b), "process_start_time_seconds");
	rss = sample(buf_str(&b), "process_resident_memory_bytes");
	vsize = sample(buf_str(&b), "process_virtual_memory_bytes");
	CHECK(rss > 1e5);
	CHECK(vsize >= rss);
	CHECK(start > now - 3600 && start <= now + 2);
	CHECK(sample(buf_str(&b), "process_open_fds") >= 3);
	CHECK(sample(buf_str(&b), "process_max_fds") >= sample(buf_str(&b), "process_open_fds"));
	CHECK(sample(buf_str(&b), "process_cpu_seconds_total") >= 0);
	CHECK_CONTAINS(buf_str(&b), "# HELP process_cpu_seconds_total Total user and system CPU "
	                            "time spent in seconds.\n# TYPE process_cpu_seconds_total "
	                            "counter\n");
	CHECK_CONTAINS(buf_str(&b), "# HELP process_resident_memory_bytes Resident memory size "
	                            "in bytes.\n");
	fprintf(stderr, "rss %.0f bytes, started %.0f s ago\n", rss, now - start);
	buf_clear(&b);
}

int
main(void)
{
	TEST(test_golden_exposition);
	TEST(test_label_escaping);
	TEST(test_histogram_buckets);
	TEST(test_format_double);
	TEST(test_many_series);
	TEST(test_collectors);
	TEST(test_registration);
	TEST(test_promtool_accepts_output);
	TEST(test_process_metrics);
	return test_done();
}
