/*
 * The configuration as a user meets it: the flags a Go Deployment passes,
 * the YAML file and its error messages (file:line:column and key), the
 * precedence of flags over the file, the value syntaxes, the checks between
 * settings, and --print-config output that loads back unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/config.h"
#include "config/fields.h"
#include "core/xmalloc.h"
#include "testutil.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Copies argv as main receives it: writable strings. */
static char **
args_dup(int argc, const char **argv)
{
	char **out = xcalloc((size_t)argc + 1, sizeof *out);
	int i;

	for (i = 0; i < argc; i++)
		out[i] = xstrdup(argv[i]);
	return out;
}

static void
args_free(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static int
load(struct config *cfg, int argc, const char **argv, char **cause)
{
	char **copy = args_dup(argc, argv);
	int rc = config_load(cfg, argc, copy, cause);

	args_free(argc, copy);
	return rc;
}

/* Parses flags onto the defaults; returns the cause of failure or NULL. */
static char *
flags(struct config *cfg, int argc, const char **argv)
{
	char **copy = args_dup(argc, argv);
	char *cause = NULL;
	int rc;

	config_init(cfg);
	rc = config_parse_flags(cfg, argc, copy, &cause);
	args_free(argc, copy);
	if (rc == 0)
		return NULL;
	CHECK(cause != NULL);
	return cause;
}

/* Loads YAML text named "t.yaml" onto the defaults and validates it. */
static char *
yaml(struct config *cfg, const char *text)
{
	char *cause = NULL;

	config_init(cfg);
	if (config_load_buffer(cfg, "t.yaml", text, strlen(text), &cause) == 0 &&
	    config_validate(cfg, &cause) == 0)
		return NULL;
	CHECK(cause != NULL);
	return cause;
}

static void
expect_yaml_error(const char *text, const char *message)
{
	struct config cfg;
	char *cause = yaml(&cfg, text);

	CHECK_STR(cause, message);
	free(cause);
	config_free(&cfg);
}

static void
expect_flag_error(int argc, const char **argv, const char *message)
{
	struct config cfg;
	char *cause = flags(&cfg, argc, argv);

	CHECK_STR(cause, message);
	free(cause);
	config_free(&cfg);
}

/* Writes text to a new temporary file and returns its path. */
static char *
temp_file(const char *text)
{
	const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *path = xasprintf("%s/pca-config-XXXXXX", dir);
	int fd = mkstemp(path);

	CHECK(fd != -1);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *
printed(const struct config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	config_print(cfg, fp);
	fclose(fp);
	return out;
}

static void
test_defaults(void)
{
	struct config cfg;
	char *cause = NULL;

	config_init(&cfg);
	CHECK_INT(config_validate(&cfg, &cause), 0);
	CHECK_INT(cfg.action, CONFIG_ACTION_RUN);
	CHECK(cfg.config_file == NULL);
	CHECK_STR(cfg.metrics_addr.text, ":8080");
	CHECK_STR(cfg.metrics_addr.host, "");
	CHECK_INT(cfg.metrics_addr.port, 8080);
	CHECK_INT(cfg.metrics_addr.disabled, 0);
	CHECK_STR(cfg.health_addr.text, ":8081");
	CHECK_INT(cfg.health_addr.port, 8081);
	CHECK_STR(cfg.kubeconfig, "");
	CHECK_STR(cfg.kube_context, "");
	CHECK_STR(cfg.watch_namespace, "");
	CHECK_INT(cfg.leader_elect, 0);
	CHECK_INT(cfg.disable_approved_check, 0);
	CHECK_INT(cfg.disable_client_side_rate_limiting, 0);
	CHECK(cfg.kube_api_qps == 100.0);
	CHECK_INT(cfg.kube_api_burst, 200);
	CHECK_INT(cfg.max_watch_line_bytes, 16 * 1024 * 1024);
	CHECK_STR(cfg.leader_election_namespace, "");
	CHECK_STR(cfg.leader_election_id, "b858308c.awspca.cert-manager.io");
	CHECK_INT(cfg.lease_duration_ms, 15000);
	CHECK_INT(cfg.renew_deadline_ms, 10000);
	CHECK_INT(cfg.retry_period_ms, 2000);
	CHECK_INT(cfg.issuer_recheck_interval_ms, 300000);
	CHECK_INT(cfg.max_retry_duration_ms, 3600000);
	CHECK_INT(cfg.shutdown_timeout_ms, 30000);
	CHECK_INT(cfg.aws_request_timeout_ms, 30000);
	CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 25.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CERTIFICATE] == 75.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_DESCRIBE_CA] == 20.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CA_CERTIFICATE] == 20.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_REVOKE_CERTIFICATE] == 20.0);
	CHECK_INT(cfg.log_format, LOG_FORMAT_JSON);
	CHECK_INT(cfg.log_level, LOG_LEVEL_INFO);
	CHECK_INT(cfg.nwarnings, 0);
	CHECK_STR(aws_pca_op_name(AWS_PCA_GET_CA_CERTIFICATE),
	          "GetCertificateAuthorityCertificate");
	config_free(&cfg);
	config_free(&cfg); /* a freed config can be freed again */
}

static void
test_every_flag(void)
{
	const char *argv[] = {"pca-issuer",
	                      "--metrics-bind-address=127.0.0.1:9090",
	                      "--health-probe-bind-address",
	                      "[::1]:9091",
	                      "--kubeconfig=/etc/kube/config",
	                      "--context",
	                      "prod",
	                      "--namespace=issuers",
	                      "--disable-approved-check",
	                      "--disable-client-side-rate-limiting=true",
	                      "--kube-api-qps=12.5",
	                      "--kube-api-burst=30",
	                      "--max-watch-line-bytes=512KiB",
	                      "--leader-elect",
	                      "--leader-election-namespace=kube-system",
	                      "--leader-election-id=pca.example.com",
	                      "--leader-elect-lease-duration=30s",
	                      "--leader-elect-renew-deadline=20s",
	                      "--leader-elect-retry-period=5s",
	                      "--issuer-recheck-interval=1m30s",
	                      "--max-retry-duration=2h",
	                      "--shutdown-timeout=0",
	                      "--aws-request-timeout=1500ms",
	                      "--aws-rate-limit=IssueCertificate=1.5",
	                      "--log-format=text",
	                      "--log-level=warn",
	                      "--config=/etc/pca-issuer/config.yaml"};
	struct config cfg;
	char *cause = flags(&cfg, NARGS(argv), argv);

	CHECK(cause == NULL);
	CHECK_STR(cfg.metrics_addr.host, "127.0.0.1");
	CHECK_INT(cfg.metrics_addr.port, 9090);
	CHECK_STR(cfg.health_addr.host, "::1");
	CHECK_INT(cfg.health_addr.port, 9091);
	CHECK_STR(cfg.kubeconfig, "/etc/kube/config");
	CHECK_STR(cfg.kube_context, "prod");
	CHECK_STR(cfg.watch_namespace, "issuers");
	CHECK_INT(cfg.disable_approved_check, 1);
	CHECK_INT(cfg.disable_client_side_rate_limiting, 1);
	CHECK(cfg.kube_api_qps == 12.5);
	CHECK_INT(cfg.kube_api_burst, 30);
	CHECK_INT(cfg.max_watch_line_bytes, 512 * 1024);
	CHECK_INT(cfg.leader_elect, 1);
	CHECK_STR(cfg.leader_election_namespace, "kube-system");
	CHECK_STR(cfg.leader_election_id, "pca.example.com");
	CHECK_INT(cfg.lease_duration_ms, 30000);
	CHECK_INT(cfg.renew_deadline_ms, 20000);
	CHECK_INT(cfg.retry_period_ms, 5000);
	CHECK_INT(cfg.issuer_recheck_interval_ms, 90000);
	CHECK_INT(cfg.max_retry_duration_ms, 7200000);
	CHECK_INT(cfg.shutdown_timeout_ms, 0);
	CHECK_INT(cfg.aws_request_timeout_ms, 1500);
	CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 1.5);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CERTIFICATE] == 75.0);
	CHECK_INT(cfg.log_format, LOG_FORMAT_TEXT);
	CHECK_INT(cfg.log_level, LOG_LEVEL_WARN);
	CHECK_STR(cfg.config_file, "/etc/pca-issuer/config.yaml");
	CHECK_INT(config_validate(&cfg, &cause), 0);
	config_free(&cfg);
}

/* The Go issuer's Helm chart passes "-disable-approved-check" with one dash. */
static void
test_go_single_dash(void)
{
	const char *argv[] = {"manager",
	                      "--leader-elect",
	                      "-disable-approved-check",
	                      "-disable-client-side-rate-limiting",
	                      "-metrics-bind-address=:8085",
	                      "-health-probe-bind-address",
	                      "0",
	                      "-kubeconfig",
	                      "/k",
	                      "-leader-elect=false"};
	const char *old[] = {"manager", "-disable-approval-check"};
	struct config cfg;
	char *cause = flags(&cfg, NARGS(argv), argv);

	CHECK(cause == NULL);
	CHECK_INT(cfg.leader_elect, 0); /* the later -leader-elect=false wins */
	CHECK_INT(cfg.disable_approved_check, 1);
	CHECK_INT(cfg.disable_client_side_rate_limiting, 1);
	CHECK_INT(cfg.metrics_addr.port, 8085);
	CHECK_INT(cfg.health_addr.disabled, 1);
	CHECK_STR(cfg.kubeconfig, "/k");
	config_free(&cfg);

	cause = flags(&cfg, NARGS(old), old);
	CHECK(cause == NULL);
	CHECK_INT(cfg.disable_approved_check, 1);
	config_free(&cfg);
}

static void
test_bool_forms(void)
{
	static const struct {
		const char *arg;
		int want;
	} cases[] = {
	    {"--leader-elect", 1},   {"--leader-elect=true", 1}, {"--leader-elect=1", 1},
	    {"--leader-elect=T", 1}, {"--leader-elect=TRUE", 1}, {"-leader-elect=false", 0},
	    {"--leader-elect=0", 0}, {"--leader-elect=F", 0},    {"--leader-elect=False", 0},
	};
	const char *yes[] = {"x", "--leader-elect=yes"};
	const char *spaced[] = {"x", "--leader-elect", "false"};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *argv[] = {"x", "--leader-elect", cases[i].arg};
		struct config cfg;
		char *cause = flags(&cfg, 3, argv);

		CHECK(cause == NULL);
		CHECK_INT(cfg.leader_elect, cases[i].want);
		config_free(&cfg);
	}
	expect_flag_error(2, yes, "flag --leader-elect: \"yes\" is not true or false");
	expect_flag_error(3, spaced,
	                  "unexpected argument \"false\" (a boolean flag takes its value as "
	                  "--leader-elect=false)");
}

static void
test_flag_errors(void)
{
	const char *unknown[] = {"x", "--metrics-addr=:1"};
	const char *camel[] = {"x", "--metricsBindAddress=:1"};
	const char *section[] = {"x", "--leader-election-lease-duration=1s"};
	const char *missing[] = {"x", "--namespace"};
	const char *swallow[] = {"x", "--kubeconfig", "--leader-elect"};
	const char *positional[] = {"x", "run"};
	const char *dashdash[] = {"x", "--", "run"};
	const char *dashdash_ok[] = {"x", "--leader-elect", "--"};
	const char *triple[] = {"x", "---leader-elect"};
	const char *bad_ns[] = {"x", "--namespace=Issuers"};
	const char *bad_id[] = {"x", "--leader-election-id="};
	const char *bad_dur[] = {"x", "--leader-elect-lease-duration", "15"};
	const char *small[] = {"x", "--leader-elect-lease-duration=500ms"};
	const char *qps[] = {"x", "--kube-api-qps=0"};
	const char *burst[] = {"x", "--kube-api-burst=-5"};
	const char *level[] = {"x", "--log-level=verbose"};
	const char *format[] = {"x", "--log-format=xml"};
	const char *config[] = {"x", "--config="};
	const char *line[] = {"x", "--max-watch-line-bytes=16MB"};
	const char *utf8[] = {"x", "--kubeconfig=\xff"};
	struct config cfg;

	expect_flag_error(2, unknown, "unknown flag \"--metrics-addr=:1\" (see --help)");
	expect_flag_error(2, camel,
	                  "unknown flag \"--metricsBindAddress=:1\" (did you mean "
	                  "--metrics-bind-address?)");
	expect_flag_error(2, section,
	                  "unknown flag \"--leader-election-lease-duration=1s\" (did you mean "
	                  "--leader-elect-lease-duration?)");
	expect_flag_error(2, missing, "flag --namespace: needs a value");
	expect_flag_error(3, swallow, "flag --kubeconfig: needs a value");
	expect_flag_error(2, positional, "unexpected argument \"run\" (flags start with - or --)");
	expect_flag_error(3, dashdash, "unexpected argument \"run\" after --");
	CHECK(flags(&cfg, 3, dashdash_ok) == NULL);
	CHECK_INT(cfg.leader_elect, 1);
	config_free(&cfg);
	expect_flag_error(2, triple, "bad flag syntax \"---leader-elect\"");
	expect_flag_error(2, bad_ns,
	                  "flag --namespace: \"Issuers\" is not a namespace name (lowercase "
	                  "letters, digits and '-', at most 63)");
	expect_flag_error(2, bad_id,
	                  "flag --leader-election-id: \"\" is not a valid Lease name (lowercase "
	                  "letters, digits, '-' and '.', at most 253)");
	expect_flag_error(3, bad_dur,
	                  "flag --leader-elect-lease-duration: \"15\" is not a duration (like "
	                  "\"15s\" or \"1m\")");
	expect_flag_error(2, small,
	                  "flag --leader-elect-lease-duration: \"500ms\" is less than the "
	                  "minimum, 1s");
	expect_flag_error(2, qps, "flag --kube-api-qps: \"0\" must be above 0 and at most 1000000");
	expect_flag_error(2, burst, "flag --kube-api-burst: \"-5\" is not a whole number");
	expect_flag_error(2, level,
	                  "flag --log-level: \"verbose\" is not a log level (debug, info, warn or "
	                  "error)");
	expect_flag_error(2, format,
	                  "flag --log-format: \"xml\" is not a log format (json or text)");
	expect_flag_error(2, config, "flag --config: needs a file name");
	expect_flag_error(2, line,
	                  "flag --max-watch-line-bytes: \"16MB\" is not a size (like \"16MiB\", "
	                  "\"512KiB\" or \"1048576\")");
	expect_flag_error(2, utf8, "flag --kubeconfig: is not valid UTF-8");
}

static void
test_zap_flags(void)
{
	static const struct {
		const char *arg;
		enum log_level want;
	} levels[] = {
	    {"--zap-log-level=debug", LOG_LEVEL_DEBUG}, {"--zap-log-level=info", LOG_LEVEL_INFO},
	    {"--zap-log-level=error", LOG_LEVEL_ERROR}, {"--zap-log-level=warn", LOG_LEVEL_WARN},
	    {"--zap-log-level=0", LOG_LEVEL_INFO},      {"--zap-log-level=1", LOG_LEVEL_DEBUG},
	    {"-zap-log-level=5", LOG_LEVEL_DEBUG},
	};
	const char *devel[] = {"x", "--zap-devel"};
	const char *devel_level[] = {"x", "--log-level=error", "--zap-devel"};
	const char *devel_enc[] = {"x", "--zap-devel", "--zap-encoder=json"};
	const char *console[] = {"x", "--zap-encoder", "console"};
	const char *ignored[] = {"x", "--zap-stacktrace-level=error", "--zap-time-encoding",
	                         "iso8601", "--zap-log-level=panic"};
	const char *bad_enc[] = {"x", "--zap-encoder=logfmt"};
	const char *bad_level[] = {"x", "--zap-log-level=loud"};
	struct config cfg;
	size_t i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		const char *argv[] = {"x", levels[i].arg};

		CHECK(flags(&cfg, 2, argv) == NULL);
		CHECK_INT(cfg.log_level, levels[i].want);
		config_free(&cfg);
	}
	CHECK(flags(&cfg, 2, devel) == NULL);
	CHECK_INT(cfg.log_level, LOG_LEVEL_DEBUG);
	CHECK_INT(cfg.log_format, LOG_FORMAT_TEXT);
	config_free(&cfg);
	/* An explicit level or encoder wins over --zap-devel on either side of it. */
	CHECK(flags(&cfg, 3, devel_level) == NULL);
	CHECK_INT(cfg.log_level, LOG_LEVEL_ERROR);
	CHECK_INT(cfg.log_format, LOG_FORMAT_TEXT);
	config_free(&cfg);
	CHECK(flags(&cfg, 3, devel_enc) == NULL);
	CHECK_INT(cfg.log_level, LOG_LEVEL_DEBUG);
	CHECK_INT(cfg.log_format, LOG_FORMAT_JSON);
	config_free(&cfg);
	CHECK(flags(&cfg, 3, console) == NULL);
	CHECK_INT(cfg.log_format, LOG_FORMAT_TEXT);
	config_free(&cfg);
	CHECK(flags(&cfg, 5, ignored) == NULL);
	CHECK_INT(cfg.log_level, LOG_LEVEL_ERROR);
	CHECK_INT(cfg.nwarnings, 3);
	if (cfg.nwarnings == 3) {
		CHECK_STR(cfg.warnings[0],
		          "flag --zap-stacktrace-level is accepted for compatibility and ignored");
		CHECK_STR(cfg.warnings[1],
		          "flag --zap-time-encoding is accepted for compatibility and ignored");
		CHECK_STR(cfg.warnings[2], "flag --zap-log-level=panic is taken as error");
	}
	config_free(&cfg);
	expect_flag_error(2, bad_enc, "flag --zap-encoder: \"logfmt\" is not json or console");
	expect_flag_error(2, bad_level,
	                  "flag --zap-log-level: \"loud\" is not a log level (debug, info, warn, "
	                  "error, or a number)");
}

static void
test_actions(void)
{
	const char *help[] = {"x", "--leader-elect", "-h", "--no-such-flag",
	                      "--config=/nonexistent"};
	const char *help2[] = {"x", "--help"};
	const char *version[] = {"x", "--version", "--config=/nonexistent"};
	const char *print[] = {"x", "--print-config", "--namespace=a"};
	const char *bad_before_help[] = {"x", "--no-such-flag", "--help"};
	const char *missing[] = {"x", "--config", "/nonexistent/pca.yaml"};
	struct config cfg;
	char *cause = NULL;

	CHECK_INT(load(&cfg, NARGS(help), help, &cause), 0);
	CHECK_INT(cfg.action, CONFIG_ACTION_HELP);
	config_free(&cfg);
	CHECK_INT(load(&cfg, NARGS(help2), help2, &cause), 0);
	CHECK_INT(cfg.action, CONFIG_ACTION_HELP);
	config_free(&cfg);
	CHECK_INT(load(&cfg, NARGS(version), version, &cause), 0);
	CHECK_INT(cfg.action, CONFIG_ACTION_VERSION);
	config_free(&cfg);
	CHECK_INT(load(&cfg, NARGS(print), print, &cause), 0);
	CHECK_INT(cfg.action, CONFIG_ACTION_PRINT);
	CHECK_STR(cfg.watch_namespace, "a");
	config_free(&cfg);
	CHECK_INT(load(&cfg, NARGS(bad_before_help), bad_before_help, &cause), -1);
	CHECK_STR(cause, "unknown flag \"--no-such-flag\" (see --help)");
	free(cause);
	config_free(&cfg);
	CHECK_INT(load(&cfg, NARGS(missing), missing, &cause), -1);
	CHECK_STR(cause, "cannot open /nonexistent/pca.yaml: No such file or directory");
	free(cause);
	config_free(&cfg);
}

/* A flag wins over the file even when it comes before --config. */
static void
test_flags_override_file(void)
{
	char *path = temp_file("namespace: from-file\n"
	                       "leaderElect: true\n"
	                       "logLevel: debug\n"
	                       "awsRateLimits:\n"
	                       "  IssueCertificate: 10\n"
	                       "  RevokeCertificate: 2\n"
	                       "leaderElection:\n"
	                       "  leaseDuration: 60s\n");
	char *config_arg = xasprintf("--config=%s", path);
	const char *argv[] = {"x",
	                      "--namespace=from-flag",
	                      "--aws-rate-limit",
	                      "RevokeCertificate=4,GetCertificate=7.25",
	                      config_arg,
	                      "--leader-elect=false"};
	struct config cfg;
	char *cause = NULL;

	CHECK_INT(load(&cfg, NARGS(argv), argv, &cause), 0);
	CHECK(cause == NULL);
	CHECK_STR(cfg.watch_namespace, "from-flag");
	CHECK_INT(cfg.leader_elect, 0);
	CHECK_INT(cfg.log_level, LOG_LEVEL_DEBUG);
	CHECK_INT(cfg.lease_duration_ms, 60000);
	CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 10.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_REVOKE_CERTIFICATE] == 4.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CERTIFICATE] == 7.25);
	CHECK(cfg.aws_rate_limits[AWS_PCA_DESCRIBE_CA] == 20.0);
	CHECK_STR(cfg.config_file, path);
	config_free(&cfg);
	unlink(path);
	free(path);
	free(config_arg);
}

static void
test_rate_limits(void)
{
	const char *repeated[] = {
	    "x", "--aws-rate-limit=IssueCertificate=1",
	    "--aws-rate-limit=IssueCertificate=0.5,DescribeCertificateAuthority=3"};
	const char *unknown[] = {"x", "--aws-rate-limit=SignCertificate=5"};
	const char *no_eq[] = {"x", "--aws-rate-limit=IssueCertificate"};
	const char *zero[] = {"x", "--aws-rate-limit=IssueCertificate=0"};
	const char *neg[] = {"x", "--aws-rate-limit=GetCertificate=-1"};
	const char *empty[] = {"x", "--aws-rate-limit="};
	const char *trailing[] = {"x", "--aws-rate-limit=IssueCertificate=1,"};
	const char *sci[] = {"x", "--aws-rate-limit=IssueCertificate=1e3"};
	struct config cfg;

	CHECK(flags(&cfg, 3, repeated) == NULL);
	CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 0.5);
	CHECK(cfg.aws_rate_limits[AWS_PCA_DESCRIBE_CA] == 3.0);
	config_free(&cfg);
	expect_flag_error(2, unknown,
	                  "flag --aws-rate-limit: \"SignCertificate\" is not a rate-limited "
	                  "operation (IssueCertificate, GetCertificate, "
	                  "DescribeCertificateAuthority, GetCertificateAuthorityCertificate or "
	                  "RevokeCertificate)");
	expect_flag_error(2, no_eq,
	                  "flag --aws-rate-limit: \"IssueCertificate\" is not OPERATION=RATE (like "
	                  "\"IssueCertificate=25\")");
	expect_flag_error(
	    2, zero,
	    "flag --aws-rate-limit: IssueCertificate: \"0\" must be between 0.001 and "
	    "100000 calls per second");
	expect_flag_error(2, neg,
	                  "flag --aws-rate-limit: \"-1\" is not a number (like \"25\" or \"0.5\")");
	expect_flag_error(2, empty,
	                  "flag --aws-rate-limit: \"\" is not OPERATION=RATE (like "
	                  "\"IssueCertificate=25\")");
	expect_flag_error(2, trailing,
	                  "flag --aws-rate-limit: \"\" is not OPERATION=RATE (like "
	                  "\"IssueCertificate=25\")");
	expect_flag_error(
	    2, sci, "flag --aws-rate-limit: \"1e3\" is not a number (like \"25\" or \"0.5\")");
}

static void
test_durations(void)
{
	static const struct {
		const char *in;
		uint64_t ms;
	} good[] = {
	    {"0", 0},
	    {"0s", 0},
	    {"300ms", 300},
	    {"10s", 10000},
	    {"1.5h", 5400000},
	    {"2h45m", 9900000},
	    {"1s500ms", 1500},
	    {".5s", 500},
	    {"5.s", 5000},
	    {"1000us", 1},
	    {"1000\xc2\xb5s", 1},
	    {"2000000ns", 2},
	    {"+1m", 60000},
	    {"1h0m0.25s", 3600250},
	    {"2562047h", UINT64_C(9223369200000)},
	};
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
	    {"", "\"\" is not a duration (like \"15s\" or \"1m\")"},
	    {"10", "\"10\" is not a duration (like \"15s\" or \"1m\")"},
	    {"-1s", "\"-1s\" is negative; durations must be 0 or more"},
	    {"1y", "\"1y\" is not a duration (like \"15s\" or \"1m\"): unknown unit \"y\""},
	    {"1h 2m", "\"1h 2m\" is not a duration (like \"15s\" or \"1m\"): unknown unit \"h \""},
	    {"s", "\"s\" is not a duration (like \"15s\" or \"1m\")"},
	    {"1.5.5s", "\"1.5.5s\" is not a duration (like \"15s\" or \"1m\")"},
	    {"2562048h", "\"2562048h\" is too long a duration"},
	    {"99999999999999999999s", "\"99999999999999999999s\" is too long a duration"},
	    {"2562047h2562047h", "\"2562047h2562047h\" is too long a duration"},
	    {"1500us", "\"1500us\" is not a whole number of milliseconds"},
	};
	uint64_t round[] = {0, 1, 999, 1000, 1500, 60000, 3600000, 5400001, 90061001};
	char out[64], *why;
	uint64_t ms;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		why = NULL;
		ms = 12345;
		CHECK_INT(config_parse_duration(good[i].in, &ms, &why), 0);
		CHECK_INT(ms, good[i].ms);
		free(why);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		CHECK_INT(config_parse_duration(bad[i].in, &ms, &why), -1);
		CHECK_STR(why, bad[i].why);
		free(why);
	}
	for (i = 0; i < sizeof round / sizeof round[0]; i++) {
		config_format_duration(round[i], out, sizeof out);
		CHECK_INT(config_parse_duration(out, &ms, &why), 0);
		CHECK_INT(ms, round[i]);
	}
	config_format_duration(5400000, out, sizeof out);
	CHECK_STR(out, "1h30m");
	config_format_duration(90061001, out, sizeof out);
	CHECK_STR(out, "25h1m1s1ms");
	config_format_duration(0, out, sizeof out);
	CHECK_STR(out, "0s");
}

static void
test_sizes(void)
{
	static const struct {
		const char *in;
		uint64_t bytes;
	} good[] = {{"1048576", 1048576}, {"64KiB", 65536},     {"16MiB", 16777216},
	            {"16Mi", 16777216},   {"1GiB", 1073741824}, {"100B", 100}};
	const char *bad[] = {"", "16MB", "-1", "1.5MiB", "KiB", "16 MiB"};
	uint64_t v;
	char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		CHECK_INT(config_parse_size(good[i].in, &v, &why), 0);
		CHECK_INT(v, good[i].bytes);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(config_parse_size(bad[i], &v, &why), -1);
		CHECK_CONTAINS(why, "is not a size");
		free(why);
	}
	CHECK_INT(config_parse_size("99999999999999999999", &v, &why), -1);
	CHECK_STR(why, "\"99999999999999999999\" is too large a size");
	free(why);
	CHECK_INT(config_parse_size("17179869184GiB", &v, &why), -1);
	CHECK_STR(why, "\"17179869184GiB\" is too large a size");
	free(why);
}

static void
test_addresses(void)
{
	static const struct {
		const char *in, *host;
		int port, disabled;
	} good[] = {
	    {":8080", "", 8080, 0},
	    {"0", "", 0, 1},
	    {"", "", 0, 1},
	    {"127.0.0.1:0", "127.0.0.1", 0, 0},
	    {"[::1]:9090", "::1", 9090, 0},
	    {"[::]:65535", "::", 65535, 0},
	    {"localhost:80", "localhost", 80, 0},
	    {"metrics.pca-system.svc:1", "metrics.pca-system.svc", 1, 0},
	    {"0.0.0.0:8443", "0.0.0.0", 8443, 0},
	};
	const char *bad[] = {"8080",         "::1:80",       "[::1]",   "[::1]8080", "1.2.3:80",
	                     "999.1.1.1:80", "host:",        ":http",   "a_b:80",    "-a:80",
	                     ":123456",      "[1.2.3.4]:80", "a..b:80", ":-1"};
	struct config_addr addr;
	char *why = NULL;
	size_t i;

	memset(&addr, 0, sizeof addr);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		CHECK_INT(config_parse_addr(good[i].in, &addr, &why), 0);
		CHECK_STR(addr.text, good[i].in);
		CHECK_STR(addr.host, good[i].host);
		CHECK_INT(addr.port, good[i].port);
		CHECK_INT(addr.disabled, good[i].disabled);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(config_parse_addr(bad[i], &addr, &why), -1);
		CHECK_CONTAINS(why, "is not an address like");
		free(why);
	}
	CHECK_INT(config_parse_addr(":65536", &addr, &why), -1);
	CHECK_STR(why, "\":65536\": port 65536 is above 65535");
	free(why);
	/* A failed parse leaves the previous address in place. */
	CHECK_STR(addr.text, "0.0.0.0:8443");
	config_addr_free(&addr);
}

static void
test_yaml_full(void)
{
	struct config cfg;
	char *cause = yaml(
	    &cfg, "# comment\n"
	          "metricsBindAddress: \"0\"\n"
	          "healthProbeBindAddress: 127.0.0.1:18081\n"
	          "kubeconfig: /root/.kube/config\n"
	          "context: 'kind-pca'\n"
	          "namespace:\n"
	          "leaderElect: true\n"
	          "leaderElection:\n"
	          "  namespace: pca-system\n"
	          "  id: my-lease\n"
	          "  leaseDuration: 1m\n"
	          "  renewDeadline: 40s\n"
	          "  retryPeriod: 5s\n"
	          "disableApprovedCheck: false\n"
	          "disableClientSideRateLimiting: true\n"
	          "kubeAPIQPS: 5\n"
	          "kubeAPIBurst: \"10\"\n"
	          "maxWatchLineBytes: 1MiB\n"
	          "issuerRecheckInterval: 10m\n"
	          "maxRetryDuration: 30m\n"
	          "shutdownTimeout: 5s\n"
	          "awsRequestTimeout: 10s\n"
	          "awsRateLimits: {IssueCertificate: 2.5, GetCertificateAuthorityCertificate: 1}\n"
	          "logFormat: text\n"
	          "logLevel: warning\n");

	CHECK(cause == NULL);
	free(cause);
	CHECK_INT(cfg.metrics_addr.disabled, 1);
	CHECK_STR(cfg.health_addr.host, "127.0.0.1");
	CHECK_STR(cfg.kubeconfig, "/root/.kube/config");
	CHECK_STR(cfg.kube_context, "kind-pca");
	CHECK_STR(cfg.watch_namespace, "");
	CHECK_INT(cfg.leader_elect, 1);
	CHECK_STR(cfg.leader_election_namespace, "pca-system");
	CHECK_STR(cfg.leader_election_id, "my-lease");
	CHECK_INT(cfg.lease_duration_ms, 60000);
	CHECK_INT(cfg.renew_deadline_ms, 40000);
	CHECK_INT(cfg.retry_period_ms, 5000);
	CHECK_INT(cfg.disable_client_side_rate_limiting, 1);
	CHECK(cfg.kube_api_qps == 5.0);
	CHECK_INT(cfg.kube_api_burst, 10);
	CHECK_INT(cfg.max_watch_line_bytes, 1048576);
	CHECK_INT(cfg.issuer_recheck_interval_ms, 600000);
	CHECK_INT(cfg.max_retry_duration_ms, 1800000);
	CHECK_INT(cfg.shutdown_timeout_ms, 5000);
	CHECK_INT(cfg.aws_request_timeout_ms, 10000);
	CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 2.5);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CA_CERTIFICATE] == 1.0);
	CHECK(cfg.aws_rate_limits[AWS_PCA_GET_CERTIFICATE] == 75.0);
	CHECK_INT(cfg.log_format, LOG_FORMAT_TEXT);
	CHECK_INT(cfg.log_level, LOG_LEVEL_WARN);
	config_free(&cfg);
}

static void
test_yaml_empty(void)
{
	const char *texts[] = {"",
	                       "# nothing here\n",
	                       "---\n",
	                       "--- ~\n",
	                       "\n\n",
	                       "{}\n",
	                       "leaderElection:\nawsRateLimits: null\n"};
	struct config cfg;
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		CHECK(yaml(&cfg, texts[i]) == NULL);
		CHECK_INT(cfg.lease_duration_ms, 15000);
		CHECK(cfg.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 25.0);
		config_free(&cfg);
	}
}

static void
test_yaml_errors(void)
{
	/* The example of the documentation, key on line 7, column 3. */
	expect_yaml_error(
	    "# pca-issuer\n"
	    "logLevel: info\n"
	    "\n"
	    "leaderElect: true\n"
	    "leaderElection:\n"
	    "  namespace: pca\n"
	    "  leaseDuration: 15\n",
	    "t.yaml:7:3: leaderElection.leaseDuration: \"15\" is not a duration (like "
	    "\"15s\" or \"1m\")");
	expect_yaml_error("logLevel: info\nmetrics-bind-address: :1\n",
	                  "t.yaml:2:1: unknown key \"metrics-bind-address\" (did you mean "
	                  "metricsBindAddress?)");
	expect_yaml_error("leaseDuration: 1s\n",
	                  "t.yaml:1:1: unknown key \"leaseDuration\" (did you mean "
	                  "leaderElection.leaseDuration?)");
	expect_yaml_error("leaderElection:\n  lease: 15s\n",
	                  "t.yaml:2:3: unknown key \"leaderElection.lease\"");
	expect_yaml_error("frobnicate: 1\n", "t.yaml:1:1: unknown key \"frobnicate\"");
	expect_yaml_error("leaderElect: [true]\n",
	                  "t.yaml:1:1: leaderElect: expected true or false, found a list");
	expect_yaml_error("leaderElect: yes\n",
	                  "t.yaml:1:1: leaderElect: \"yes\" is not true or false");
	expect_yaml_error("leaderElect: True\n",
	                  "t.yaml:1:1: leaderElect: \"True\" is not true or false");
	expect_yaml_error("kubeconfig: {a: b}\n",
	                  "t.yaml:1:1: kubeconfig: expected a string, found a mapping");
	expect_yaml_error("shutdownTimeout:\n",
	                  "t.yaml:1:1: shutdownTimeout: expected a duration, found nothing");
	expect_yaml_error("logLevel: info\nlogFormat: json\nlogLevel: debug\n",
	                  "t.yaml:3:1: logLevel: is set twice");
	expect_yaml_error("leaderElection: {id: a}\nleaderElection: {id: b}\n",
	                  "t.yaml:2:1: leaderElection: is set twice");
	expect_yaml_error("leaderElection:\n  id: a\n  id: b\n",
	                  "t.yaml:3:3: leaderElection.id: is set twice");
	expect_yaml_error("awsRateLimits:\n  IssueCertificate: 1\n  IssueCertificate: 2\n",
	                  "t.yaml:3:3: awsRateLimits.IssueCertificate: is set twice");
	expect_yaml_error("awsRateLimits:\n  SignCertificate: 1\n",
	                  "t.yaml:2:3: awsRateLimits.SignCertificate: \"SignCertificate\" is not a "
	                  "rate-limited operation (IssueCertificate, GetCertificate, "
	                  "DescribeCertificateAuthority, GetCertificateAuthorityCertificate or "
	                  "RevokeCertificate)");
	expect_yaml_error(
	    "awsRateLimits:\n  GetCertificate: [1]\n",
	    "t.yaml:2:3: awsRateLimits.GetCertificate: expected a number, found a list");
	expect_yaml_error("awsRateLimits: 5\n",
	                  "t.yaml:1:1: awsRateLimits: expected a mapping of operation names to "
	                  "rates, found a value");
	expect_yaml_error("kubeAPIBurst: 0\n",
	                  "t.yaml:1:1: kubeAPIBurst: \"0\" is less than the minimum, 1");
	expect_yaml_error("maxWatchLineBytes: 2GiB\n",
	                  "t.yaml:1:1: maxWatchLineBytes: \"2GiB\" is more than the maximum, "
	                  "1073741824");
	expect_yaml_error(
	    "healthProbeBindAddress: \":99999\"\n",
	    "t.yaml:1:1: healthProbeBindAddress: \":99999\": port 99999 is above 65535");
	expect_yaml_error("leaderElection: 5\n",
	                  "t.yaml:1:1: leaderElection: expected a mapping, found a value");
	expect_yaml_error("- a\n- b\n",
	                  "t.yaml:1:1: the file must be a mapping of settings, found a list");
	expect_yaml_error("hello\n",
	                  "t.yaml:1:1: the file must be a mapping of settings, found a value");
	expect_yaml_error("logLevel: info\n---\nlogLevel: debug\n",
	                  "t.yaml:2:1: the file holds more than one YAML document");
	expect_yaml_error("x: &a 1s\nshutdownTimeout: *a\n", "t.yaml:1:1: unknown key \"x\"");
	expect_yaml_error("shutdownTimeout: &a 1s\nawsRequestTimeout: *a\n",
	                  "t.yaml:2:20: aliases (*a) are not supported");
	expect_yaml_error("? [a]\n: b\n", "t.yaml:1:3: keys must be plain names, found a list");
	expect_yaml_error("kubeconfig: \"a\\0b\"\n",
	                  "t.yaml:1:1: kubeconfig: contains a NUL character");
	expect_yaml_error("logLevel: debug: x\n",
	                  "t.yaml:1:16: YAML syntax error: mapping values are not allowed in this "
	                  "context");
	expect_yaml_error("leaderElection:\n  id: a\n bad\n",
	                  "t.yaml:3:2: YAML syntax error: did not find expected key (while "
	                  "parsing a block mapping at line 1)");
	expect_yaml_error("logLevel: info\nkubeconfig: \"\xff\"\n",
	                  "t.yaml:2:14: YAML syntax error: invalid leading UTF-8 octet");
}

static void
test_validate(void)
{
	const char *renew_flag[] = {"x", "--leader-elect-renew-deadline=20s"};
	const char *lease_flag[] = {"x", "--leader-elect-lease-duration=5s"};
	const char *retry_flag[] = {"x", "--leader-elect-retry-period=9s"};
	const char *ports[] = {"x", "--health-probe-bind-address=127.0.0.1:8080"};
	const char *port0[] = {"x", "--metrics-bind-address=:0", "--health-probe-bind-address=:0"};
	struct config cfg;
	char *cause = NULL;

	expect_yaml_error("leaderElection:\n  leaseDuration: 15s\n  renewDeadline: 15s\n",
	                  "t.yaml:3:3: leaderElection.renewDeadline: 15s must be shorter than "
	                  "leaderElection.leaseDuration (15s)");
	expect_yaml_error("leaderElection:\n  leaseDuration: 8s\n",
	                  "t.yaml:2:3: leaderElection.leaseDuration: 8s must be longer than "
	                  "leaderElection.renewDeadline (10s)");
	expect_yaml_error("leaderElection:\n  renewDeadline: 2400ms\n",
	                  "t.yaml:2:3: leaderElection.renewDeadline: 2s400ms must be longer than "
	                  "1.2 times leaderElection.retryPeriod (2s)");
	expect_yaml_error("metricsBindAddress: :9000\nhealthProbeBindAddress: :9000\n",
	                  "t.yaml:2:1: healthProbeBindAddress: port 9000 is also the port of "
	                  "metricsBindAddress");
	CHECK(yaml(&cfg, "leaderElection:\n  renewDeadline: 2401ms\n") == NULL);
	config_free(&cfg);

	CHECK(flags(&cfg, 2, renew_flag) == NULL);
	CHECK_INT(config_validate(&cfg, &cause), -1);
	CHECK_STR(cause, "flag --leader-elect-renew-deadline: 20s must be shorter than "
	                 "--leader-elect-lease-duration (15s)");
	free(cause);
	config_free(&cfg);
	CHECK(flags(&cfg, 2, lease_flag) == NULL);
	CHECK_INT(config_validate(&cfg, &cause), -1);
	CHECK_STR(cause, "flag --leader-elect-lease-duration: 5s must be longer than "
	                 "--leader-elect-renew-deadline (10s)");
	free(cause);
	config_free(&cfg);
	CHECK(flags(&cfg, 2, retry_flag) == NULL);
	CHECK_INT(config_validate(&cfg, &cause), -1);
	CHECK_STR(cause, "flag --leader-elect-retry-period: 9s must be shorter than "
	                 "--leader-elect-renew-deadline (10s) divided by 1.2");
	free(cause);
	config_free(&cfg);
	CHECK(flags(&cfg, 2, ports) == NULL);
	CHECK_INT(config_validate(&cfg, &cause), -1);
	CHECK_STR(cause, "flag --health-probe-bind-address: port 8080 is also the port of "
	                 "--metrics-bind-address");
	free(cause);
	config_free(&cfg);
	CHECK(flags(&cfg, 3, port0) == NULL); /* two kernel-chosen ports never clash */
	CHECK_INT(config_validate(&cfg, &cause), 0);
	config_free(&cfg);
}

/* A file setting and a flag that together break a rule: the error names the flag. */
static void
test_validate_mixed(void)
{
	char *path = temp_file("leaderElection:\n  leaseDuration: 30s\n  renewDeadline: 25s\n");
	const char *argv[] = {"x", "--config", path, "--leader-elect-lease-duration=20s"};
	struct config cfg;
	char *cause = NULL, *want;

	CHECK_INT(load(&cfg, NARGS(argv), argv, &cause), -1);
	want = xasprintf("%s:3:3: leaderElection.renewDeadline: 25s must be shorter than "
	                 "leaderElection.leaseDuration (20s)",
	                 path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void
test_print_round_trip(void)
{
	const char *argv[] = {"x",
	                      "--kubeconfig=/tmp/a \"quoted\" \\back\nline\ttab \xc3\xa9 \xc2\x85",
	                      "--context=: not a key # nor a comment",
	                      "--metrics-bind-address=[::1]:0",
	                      "--health-probe-bind-address=0",
	                      "--namespace=ns1",
	                      "--leader-elect",
	                      "--leader-election-id=a.b.c",
	                      "--leader-elect-lease-duration=1h1m1s",
	                      "--leader-elect-renew-deadline=1500ms",
	                      "--leader-elect-retry-period=1s",
	                      "--kube-api-qps=0.1",
	                      "--kube-api-burst=7",
	                      "--max-watch-line-bytes=1025",
	                      "--aws-rate-limit=IssueCertificate=0.001,RevokeCertificate=99999.5",
	                      "--log-format=text",
	                      "--log-level=debug",
	                      "--shutdown-timeout=0"};
	struct config a, b;
	char *first, *second, *cause = NULL;

	CHECK(flags(&a, NARGS(argv), argv) == NULL);
	first = printed(&a);
	config_init(&b);
	CHECK_INT(config_load_buffer(&b, "printed", first, strlen(first), &cause), 0);
	CHECK(cause == NULL);
	free(cause);
	second = printed(&b);
	CHECK_STR(second, first);
	CHECK_STR(b.kubeconfig, a.kubeconfig);
	CHECK_STR(b.kube_context, a.kube_context);
	CHECK_INT(b.health_addr.disabled, 1);
	CHECK(b.kube_api_qps == 0.1);
	CHECK(b.aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] == 0.001);
	CHECK(b.aws_rate_limits[AWS_PCA_REVOKE_CERTIFICATE] == 99999.5);
	CHECK_INT(b.max_watch_line_bytes, 1025);
	CHECK_INT(b.lease_duration_ms, 3661000);
	CHECK_CONTAINS(first, "leaderElection:\n  namespace: \"\"\n  id: \"a.b.c\"\n");
	CHECK_CONTAINS(first, "  leaseDuration: 1h1m1s\n");
	CHECK_CONTAINS(first, "awsRateLimits:\n  IssueCertificate: 0.001\n");
	free(first);
	free(second);
	config_free(&a);
	config_free(&b);
}

/* config/example.yaml documents every key with its default. */
static void
test_example_file(void)
{
	const char *src = getenv("PCA_SOURCE_DIR");
	struct config defaults, example;
	char *path, *cause = NULL, *want, *got;

	if (src == NULL) {
		fprintf(stderr, "PCA_SOURCE_DIR is not set (run through ctest)\n");
		CHECK(src != NULL);
		return;
	}
	path = xasprintf("%s/config/example.yaml", src);
	config_init(&defaults);
	config_init(&example);
	CHECK_INT(config_load_file(&example, path, &cause), 0);
	CHECK(cause == NULL);
	free(cause);
	want = printed(&defaults);
	got = printed(&example);
	CHECK_STR(got, want);
	free(want);
	free(got);
	free(path);
	config_free(&defaults);
	config_free(&example);
}

static void
test_usage(void)
{
	char *out = NULL, *line;
	size_t len = 0, i;
	FILE *fp = open_memstream(&out, &len);

	config_usage(fp);
	fclose(fp);
	CHECK_CONTAINS(out, "  --metrics-bind-address ADDR    (file: metricsBindAddress)\n");
	CHECK_CONTAINS(out, "(default \":8080\")");
	CHECK_CONTAINS(out, "  --leader-elect-lease-duration DURATION    (file: "
	                    "leaderElection.leaseDuration)\n");
	CHECK_CONTAINS(out, "(default 15s)");
	CHECK_CONTAINS(out, "  --leader-elect    (file: leaderElect)\n");
	CHECK_CONTAINS(out, "(default IssueCertificate=25,GetCertificate=75,");
	CHECK_CONTAINS(out, "  --config FILE\n");
	CHECK_CONTAINS(out, "  --zap-devel\n");
	CHECK_CONTAINS(out, "  --zap-time-encoding ENCODING\n");
	CHECK(strstr(out, "  --h\n") == NULL);
	for (i = 0; i < CONFIG_NFIELDS; i++) {
		const struct config_field *f = &config_fields[i];

		line = xasprintf("  --%s%s%s    (file: %s%s%s)\n", f->flag,
		                 f->kind == CONFIG_KIND_BOOL ? "" : " ",
		                 f->kind == CONFIG_KIND_BOOL ? "" : f->metavar,
		                 f->section != NULL ? f->section : "",
		                 f->section != NULL ? "." : "", f->key);
		CHECK_CONTAINS(out, line);
		free(line);
		if (f->def[0] != '\0') {
			int q = f->kind == CONFIG_KIND_ADDR || f->kind == CONFIG_KIND_DNS_NAME;

			line =
			    xasprintf("(default %s%s%s)\n", q ? "\"" : "", f->def, q ? "\"" : "");
			CHECK_CONTAINS(out, line);
			free(line);
		}
	}
	free(out);
}

static void
test_file_limits(void)
{
	size_t big = 1024 * 1024 + 1;
	char *text = xmalloc(big + 1), *path, *cause = NULL, *want;
	struct config cfg;

	memset(text, '\n', big);
	text[big] = '\0';
	path = temp_file(text);
	config_init(&cfg);
	CHECK_INT(config_load_file(&cfg, path, &cause), -1);
	want = xasprintf("%s is larger than 1048576 bytes", path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
	unlink(path);
	free(path);
	free(text);
}

/* PCA_ISSUER_* variables: over the file, under the flags, errors named. */
static void
test_environment(void)
{
	char prog[] = "pca-issuer", flag[] = "--max-retry-duration=3h";
	char *argv1[] = {prog, NULL};
	char *argv2[] = {prog, flag, NULL};
	struct config cfg;
	char *cause = NULL;

	setenv("PCA_ISSUER_ISSUER_AMBIENT_CREDENTIALS", "true", 1);
	setenv("PCA_ISSUER_MAX_RETRY_DURATION", "2h", 1);
	setenv("PCA_ISSUER_SERVICE_HOST", "10.0.0.1", 1); /* Kubernetes' own: ignored */
	CHECK_INT(config_load(&cfg, 1, argv1, &cause), 0);
	CHECK_INT(cfg.issuer_ambient_credentials, 1);
	CHECK_INT(cfg.cluster_issuer_ambient_credentials, 1);
	CHECK_INT((long long)cfg.max_retry_duration_ms, 2LL * 3600 * 1000);
	CHECK_INT(cfg.nwarnings, 0);
	config_free(&cfg);
	/* A flag wins. */
	CHECK_INT(config_load(&cfg, 2, argv2, &cause), 0);
	CHECK_INT((long long)cfg.max_retry_duration_ms, 3LL * 3600 * 1000);
	config_free(&cfg);
	/* A bad value names the variable. */
	setenv("PCA_ISSUER_MAX_RETRY_DURATION", "soon", 1);
	CHECK_INT(config_load(&cfg, 1, argv1, &cause), -1);
	CHECK_CONTAINS(cause, "environment variable PCA_ISSUER_MAX_RETRY_DURATION:");
	free(cause);
	config_free(&cfg);
	/* A near miss warns. */
	unsetenv("PCA_ISSUER_MAX_RETRY_DURATION");
	setenv("PCA_ISSUER_LEADERELECT", "true", 1);
	CHECK_INT(config_load(&cfg, 1, argv1, &cause), 0);
	CHECK_INT(cfg.nwarnings, 1);
	if (cfg.nwarnings == 1)
		CHECK_CONTAINS(cfg.warnings[0], "did you mean PCA_ISSUER_LEADER_ELECT?");
	config_free(&cfg);
	unsetenv("PCA_ISSUER_LEADERELECT");
	unsetenv("PCA_ISSUER_ISSUER_AMBIENT_CREDENTIALS");
	unsetenv("PCA_ISSUER_SERVICE_HOST");
}

int
main(void)
{
	TEST(test_defaults);
	TEST(test_every_flag);
	TEST(test_go_single_dash);
	TEST(test_bool_forms);
	TEST(test_flag_errors);
	TEST(test_zap_flags);
	TEST(test_actions);
	TEST(test_flags_override_file);
	TEST(test_rate_limits);
	TEST(test_durations);
	TEST(test_sizes);
	TEST(test_addresses);
	TEST(test_yaml_full);
	TEST(test_yaml_empty);
	TEST(test_yaml_errors);
	TEST(test_validate);
	TEST(test_validate_mixed);
	TEST(test_print_round_trip);
	TEST(test_example_file);
	TEST(test_usage);
	TEST(test_file_limits);
	TEST(test_environment);
	return test_done();
}
