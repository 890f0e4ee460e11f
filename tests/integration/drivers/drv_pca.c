/*
 * Drives the AWS Private CA client (aws/pca.h) on a real loop for the
 * integration tests and the benchmark: runs many calls with bounded
 * concurrency, prints one JSON line per call and a summary line, or cancels
 * calls when they reach a given state and checks that none calls back.
 *
 *   drv_pca --endpoint URL --ca-arn ARN --akid K --secret S [--token T]
 *           [--region R] [--quota OP=RPS]... [--max-attempts N]
 *           [--timeout-ms N] [--no-adaptive] [--retry-base-ms N]
 *           [--throttle-base-ms N] [--seed N] [--creds-chain]
 *           [--metrics FILE] [--quiet] [--sample-ms N]
 *           COMMAND [command options]
 *
 *   issue    --csr FILE [--count N] [--concurrency N] [--signing-algorithm A]
 *            [--template ARN] [--validity-days N] [--idempotency-token T]
 *            [--passthrough JSON] [--get] [--poll-ms N]
 *   get      --cert-arn ARN
 *   describe | get-ca
 *   revoke   --serial S [--reason R]
 *   cancel   --csr FILE --in STATE [--count N] [--grace-ms N] [--after-ms N]
 *
 * cancel: each call is cancelled once it has been seen in STATE for
 * --after-ms (default 0: at once; checked right after the calls start, then
 * every millisecond); calls that finish without that count as usual. The summary says how many were
 * cancelled.
 *
 * --sample-ms records the client's rate limit for the command's operation
 * every N ms; the summary gives the mean of the second half of the run.
 *
 * Exit status: 0 when the run went as asked (whatever AWS answered), 1
 * when a cancelled call called back, 2 on usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "aws/creds.h"
#include "aws/arn.h"
#include "aws/endpoint.h"
#include "aws/pca.h"
#include "core/backoff.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/jenc.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "version.h"
#include "drv_common.h"

enum drv_cmd { DRV_ISSUE, DRV_GET, DRV_DESCRIBE, DRV_GET_CA, DRV_REVOKE, DRV_CANCEL };

struct drv_slot {
	struct aws_pca_call *call;
	int index;
	int cancelled;
	uint64_t seen_ms; /* when first seen in the state to cancel in, or 0 */
	int polls;
	char *cert_arn;
	struct event *poll_timer;
};

struct drv {
	enum drv_cmd cmd;
	struct aws_pca *pca;
	const char *ca_arn;
	const char *cert_arn;
	const char *serial;
	const char *reason;
	const char *cancel_state;
	struct aws_pca_issue_params issue;
	unsigned char *csr;
	int count, concurrency, started, running, done;
	int then_get, poll_ms, max_polls, quiet;
	uint64_t grace_ms;
	uint64_t after_ms;
	uint64_t t0_ms;
	struct drv_slot *slots;
	struct event *tick;
	int cancelled, bad_callbacks;
	int outcomes[AWS_ERR_PERMANENT + 1];
	unsigned attempts;
	double first_ok, last_ok;
	uint64_t sample_ms;
	struct event *sampler;
	double *samples;
	size_t nsamples, samples_cap;
};

static struct drv drv;

static void drv_start_next(void);

static void
drv_usage(const char *why)
{
	fprintf(stderr, "drv_pca: %s (see the comment at the top of drv_pca.c)\n", why);
	exit(2);
}

static unsigned char *
drv_read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		drv_usage("cannot open the CSR file");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return (unsigned char *)buf_steal(&b);
}

static double
drv_now(void)
{
	return (double)(clock_mono_ms() - drv.t0_ms) / 1000.0;
}

/* "key": v with a fixed number of decimals. */
static void
drv_kv_double(struct jenc *e, const char *key, double v)
{
	char num[64];
	int n = snprintf(num, sizeof num, "%.4f", v);

	jenc_key(e, key);
	jenc_raw(e, num, (size_t)n);
}

static void
drv_kv_opt(struct jenc *e, const char *key, const char *v)
{
	if (v != NULL)
		jenc_kv_str(e, key, v);
}

static void
drv_print_result(const struct drv_slot *s, const char *op, const struct aws_pca_result *r)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_int(&e, "i", s->index);
	jenc_kv_str(&e, "op", op);
	jenc_kv_str(&e, "outcome", aws_err_class_name(r->err));
	jenc_kv_str(&e, "code", r->code);
	jenc_kv_str(&e, "message", r->message);
	jenc_kv_int(&e, "status", r->http_status);
	jenc_kv_int(&e, "attempts", r->attempts);
	jenc_kv_str(&e, "request_id", r->request_id);
	drv_kv_double(&e, "t", drv_now());
	drv_kv_opt(&e, "certificate_arn", r->certificate_arn);
	drv_kv_opt(&e, "certificate", r->certificate);
	drv_kv_opt(&e, "certificate_chain", r->certificate_chain);
	drv_kv_opt(&e, "ca_status", r->ca_status);
	drv_kv_opt(&e, "ca_type", r->ca_type);
	drv_kv_opt(&e, "ca_key_algorithm", r->ca_key_algorithm);
	drv_kv_opt(&e, "ca_signing_algorithm", r->ca_signing_algorithm);
	if (r->ca_not_after != 0)
		jenc_kv_int(&e, "ca_not_after", r->ca_not_after);
	jenc_obj_close(&e);
	puts(buf_str(&b));
	buf_clear(&b);
}

static void
drv_slot_done(struct drv_slot *s)
{
	s->call = NULL;
	drv.running--;
	drv.done++;
	if (drv.cmd != DRV_CANCEL)
		drv_start_next();
	if (drv.done == drv.count && drv.cmd != DRV_CANCEL)
		event_base_loopexit(loop_base(), NULL);
}

static void drv_on_get(const struct aws_pca_result *r, void *arg);

static void
drv_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct drv_slot *s = arg;

	s->call = aws_pca_get_certificate(drv.pca, drv.ca_arn, s->cert_arn, drv_on_get, s);
}

/* GetCertificate after an issue: polls while AWS says it is in progress. */
static void
drv_on_get(const struct aws_pca_result *r, void *arg)
{
	struct drv_slot *s = arg;
	struct timeval tv;

	if (r->err == AWS_ERR_IN_PROGRESS && ++s->polls < drv.max_polls) {
		tv.tv_sec = drv.poll_ms / 1000;
		tv.tv_usec = (drv.poll_ms % 1000) * 1000;
		s->call = NULL;
		evtimer_add(s->poll_timer, &tv);
		return;
	}
	drv_print_result(s, "GetCertificate", r);
	drv_slot_done(s);
}

static const char *
drv_op_name(void)
{
	switch (drv.cmd) {
	case DRV_GET:
		return aws_pca_op_name(AWS_PCA_GET_CERTIFICATE);
	case DRV_DESCRIBE:
		return aws_pca_op_name(AWS_PCA_DESCRIBE_CA);
	case DRV_GET_CA:
		return aws_pca_op_name(AWS_PCA_GET_CA_CERTIFICATE);
	case DRV_REVOKE:
		return aws_pca_op_name(AWS_PCA_REVOKE_CERTIFICATE);
	default:
		return aws_pca_op_name(AWS_PCA_ISSUE_CERTIFICATE);
	}
}

static enum aws_pca_op
drv_op(void)
{
	enum aws_pca_op op = AWS_PCA_ISSUE_CERTIFICATE;

	aws_pca_op_parse(drv_op_name(), &op);
	return op;
}

static void
drv_on_sample(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv;

	if (drv.nsamples == drv.samples_cap) {
		drv.samples_cap = drv.samples_cap * 2 + 64;
		drv.samples = xrealloc(drv.samples, drv.samples_cap * sizeof *drv.samples);
	}
	drv.samples[drv.nsamples++] = aws_pca_rate(drv.pca, drv_op());
	tv.tv_sec = (time_t)(drv.sample_ms / 1000);
	tv.tv_usec = (suseconds_t)(drv.sample_ms % 1000) * 1000;
	evtimer_add(drv.sampler, &tv);
}

static double
drv_sample_mean(void)
{
	size_t i, from = drv.nsamples / 2;
	double sum = 0;

	for (i = from; i < drv.nsamples; i++)
		sum += drv.samples[i];
	return drv.nsamples - from > 0 ? sum / (double)(drv.nsamples - from) : 0;
}

static void
drv_on_result(const struct aws_pca_result *r, void *arg)
{
	struct drv_slot *s = arg;

	if (s->cancelled) {
		fprintf(stderr, "drv_pca: cancelled call %d called back\n", s->index);
		drv.bad_callbacks++;
		return;
	}
	drv.outcomes[r->err]++;
	drv.attempts += r->attempts;
	if (r->err == AWS_OK) {
		if (drv.first_ok == 0)
			drv.first_ok = drv_now();
		drv.last_ok = drv_now();
	}
	if (!drv.quiet || r->err != AWS_OK)
		drv_print_result(s, drv_op_name(), r);
	if (drv.then_get && r->err == AWS_OK && r->certificate_arn != NULL) {
		s->cert_arn = xstrdup(r->certificate_arn);
		s->call = aws_pca_get_certificate(drv.pca, drv.ca_arn, s->cert_arn, drv_on_get, s);
		return;
	}
	drv_slot_done(s);
}

static struct aws_pca_call *
drv_call(struct drv_slot *s)
{
	switch (drv.cmd) {
	case DRV_ISSUE:
	case DRV_CANCEL:
		return aws_pca_issue(drv.pca, &drv.issue, drv_on_result, s);
	case DRV_GET:
		return aws_pca_get_certificate(drv.pca, drv.ca_arn, drv.cert_arn, drv_on_result, s);
	case DRV_DESCRIBE:
		return aws_pca_describe_ca(drv.pca, drv.ca_arn, drv_on_result, s);
	case DRV_GET_CA:
		return aws_pca_get_ca_certificate(drv.pca, drv.ca_arn, drv_on_result, s);
	case DRV_REVOKE:
		return aws_pca_revoke(drv.pca, drv.ca_arn, drv.serial, drv.reason, drv_on_result,
		                      s);
	}
	return NULL;
}

static void
drv_start_next(void)
{
	struct drv_slot *s;

	while (drv.started < drv.count && (drv.concurrency == 0 || drv.running < drv.concurrency)) {
		s = &drv.slots[drv.started];
		s->index = drv.started++;
		s->poll_timer = evtimer_new(loop_base(), drv_on_poll, s);
		drv.running++;
		s->call = drv_call(s);
	}
}

/*
 * The cancel command's watch: each millisecond, cancel the calls that have
 * reached the state asked for. Once none is left, give stray callbacks a
 * grace period to show themselves, then stop.
 */
static void
drv_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = {0, 1000};
	int i, left = 0;

	for (i = 0; i < drv.started; i++) {
		struct drv_slot *s = &drv.slots[i];

		if (s->call == NULL || s->cancelled)
			continue;
		if (strcmp(aws_pca_call_state(s->call), drv.cancel_state) != 0)
			s->seen_ms = 0;
		else if (s->seen_ms == 0)
			s->seen_ms = clock_mono_ms();
		if (s->seen_ms != 0 && clock_mono_ms() - s->seen_ms >= drv.after_ms) {
			aws_pca_cancel(s->call);
			s->cancelled = 1;
			s->call = NULL;
			drv.cancelled++;
			drv.running--;
			continue;
		}
		left++;
	}
	if (left > 0) {
		evtimer_add(drv.tick, &tv);
		return;
	}
	tv.tv_sec = (time_t)(drv.grace_ms / 1000);
	tv.tv_usec = (suseconds_t)(drv.grace_ms % 1000) * 1000;
	event_base_loopexit(loop_base(), &tv);
}

static void
drv_print_summary(double elapsed, double cpu)
{
	struct buf b = BUF_INIT;
	struct jenc e;
	int i;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_bool(&e, "summary", 1);
	jenc_kv_int(&e, "calls", drv.started);
	jenc_kv_int(&e, "cancelled", drv.cancelled);
	jenc_kv_int(&e, "bad_callbacks", drv.bad_callbacks);
	jenc_kv_int(&e, "attempts", drv.attempts);
	jenc_key(&e, "outcomes");
	jenc_obj_open(&e);
	for (i = AWS_OK; i <= AWS_ERR_PERMANENT; i++)
		jenc_kv_int(&e, aws_err_class_name((enum aws_err_class)i), drv.outcomes[i]);
	jenc_obj_close(&e);
	jenc_key(&e, "rate");
	jenc_obj_open(&e);
	for (i = 0; i < AWS_PCA_NOPS; i++) {
		drv_kv_double(&e, aws_pca_op_name((enum aws_pca_op)i),
		              aws_pca_rate(drv.pca, (enum aws_pca_op)i));
	}
	jenc_obj_close(&e);
	drv_kv_double(&e, "elapsed_s", elapsed);
	drv_kv_double(&e, "cpu_s", cpu);
	drv_kv_double(&e, "first_ok_s", drv.first_ok);
	drv_kv_double(&e, "last_ok_s", drv.last_ok);
	if (drv.nsamples > 0)
		drv_kv_double(&e, "rate_mean_second_half", drv_sample_mean());
	jenc_obj_close(&e);
	puts(buf_str(&b));
	buf_clear(&b);
}

static double
drv_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
drv_set_quota(struct aws_pca_settings *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *op;
	enum aws_pca_op o;
	unsigned i;

	if (eq == NULL)
		drv_usage("--quota wants OP=RPS");
	op = xstrndup(arg, (size_t)(eq - arg));
	if (strcmp(op, "*") == 0) {
		for (i = 0; i < AWS_PCA_NOPS; i++)
			s->quota[i] = atof(eq + 1);
	} else if (aws_pca_op_parse(op, &o) == 0)
		s->quota[o] = atof(eq + 1);
	else
		drv_usage("--quota: unknown operation");
	free(op);
}

static enum drv_cmd
drv_parse_cmd(const char *c)
{
	static const char *const names[] = {"issue",  "get",    "describe",
	                                    "get-ca", "revoke", "cancel"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(c, names[i]) == 0)
			return (enum drv_cmd)i;
	drv_usage("unknown command");
	return DRV_ISSUE;
}

/* The command line, beyond what goes straight into drv and the settings. */
struct drv_args {
	const char *endpoint;
	const char *region;
	const char *account;
	const char *akid;
	const char *secret;
	const char *token;
	const char *csr_path;
	const char *metrics_path;
	int chain;
};

static void
drv_parse(int argc, char **argv, struct drv_args *a, struct aws_pca_settings *settings)
{
	static const struct option opts[] = {
	    {"endpoint", required_argument, NULL, 'e'},
	    {"region", required_argument, NULL, 'r'},
	    {"account", required_argument, NULL, 'A'},
	    {"akid", required_argument, NULL, 'k'},
	    {"secret", required_argument, NULL, 's'},
	    {"token", required_argument, NULL, 't'},
	    {"creds-chain", no_argument, NULL, 'C'},
	    {"ca-arn", required_argument, NULL, 'a'},
	    {"quota", required_argument, NULL, 'q'},
	    {"max-attempts", required_argument, NULL, 'm'},
	    {"timeout-ms", required_argument, NULL, 'T'},
	    {"no-adaptive", no_argument, NULL, 'N'},
	    {"retry-base-ms", required_argument, NULL, 'b'},
	    {"throttle-base-ms", required_argument, NULL, 'B'},
	    {"seed", required_argument, NULL, 'S'},
	    {"metrics", required_argument, NULL, 'M'},
	    {"quiet", no_argument, NULL, 'Q'},
	    {"csr", required_argument, NULL, 'c'},
	    {"count", required_argument, NULL, 'n'},
	    {"concurrency", required_argument, NULL, 'p'},
	    {"signing-algorithm", required_argument, NULL, 'g'},
	    {"template", required_argument, NULL, 'L'},
	    {"validity-days", required_argument, NULL, 'd'},
	    {"idempotency-token", required_argument, NULL, 'i'},
	    {"passthrough", required_argument, NULL, 'P'},
	    {"get", no_argument, NULL, 'G'},
	    {"poll-ms", required_argument, NULL, 'o'},
	    {"cert-arn", required_argument, NULL, 'R'},
	    {"serial", required_argument, NULL, 'z'},
	    {"reason", required_argument, NULL, 'Z'},
	    {"in", required_argument, NULL, 'I'},
	    {"grace-ms", required_argument, NULL, 'w'},
	    {"sample-ms", required_argument, NULL, 'x'},
	    {"after-ms", required_argument, NULL, 'y'},
	    {NULL, 0, NULL, 0},
	};
	size_t csr_len = 0;
	int ch;

	memset(a, 0, sizeof *a);
	a->region = "us-east-1";
	aws_pca_settings_default(settings);
	drv.count = 1;
	drv.reason = "UNSPECIFIED";
	drv.poll_ms = 200;
	drv.max_polls = 50;
	drv.grace_ms = 1000;
	drv.issue.signing_algorithm = "SHA256WITHRSA";
	drv.issue.validity_type = "DAYS";
	drv.issue.validity_value = 7;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			a->endpoint = optarg;
			break;
		case 'r':
			a->region = optarg;
			break;
		case 'A':
			a->account = optarg;
			break;
		case 'k':
			a->akid = optarg;
			break;
		case 's':
			a->secret = optarg;
			break;
		case 't':
			a->token = optarg;
			break;
		case 'C':
			a->chain = 1;
			break;
		case 'a':
			drv.ca_arn = optarg;
			break;
		case 'q':
			drv_set_quota(settings, optarg);
			break;
		case 'm':
			settings->max_attempts = (unsigned)atoi(optarg);
			break;
		case 'T':
			settings->timeout_ms = strtoull(optarg, NULL, 10);
			break;
		case 'N':
			settings->adaptive = 0;
			break;
		case 'b':
			settings->retry_base_ms = strtoull(optarg, NULL, 10);
			break;
		case 'B':
			settings->throttle_base_ms = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			backoff_seed(strtoull(optarg, NULL, 10));
			break;
		case 'M':
			a->metrics_path = optarg;
			break;
		case 'Q':
			drv.quiet = 1;
			break;
		case 'c':
			a->csr_path = optarg;
			break;
		case 'n':
			drv.count = atoi(optarg);
			break;
		case 'p':
			drv.concurrency = atoi(optarg);
			break;
		case 'g':
			drv.issue.signing_algorithm = optarg;
			break;
		case 'L':
			drv.issue.template_arn = optarg;
			break;
		case 'd':
			drv.issue.validity_value = atoll(optarg);
			break;
		case 'i':
			drv.issue.idempotency_token = optarg;
			break;
		case 'P':
			drv.issue.api_passthrough_json = optarg;
			break;
		case 'G':
			drv.then_get = 1;
			break;
		case 'o':
			drv.poll_ms = atoi(optarg);
			break;
		case 'R':
			drv.cert_arn = optarg;
			break;
		case 'z':
			drv.serial = optarg;
			break;
		case 'Z':
			drv.reason = optarg;
			break;
		case 'I':
			drv.cancel_state = optarg;
			break;
		case 'w':
			drv.grace_ms = strtoull(optarg, NULL, 10);
			break;
		case 'y':
			drv.after_ms = strtoull(optarg, NULL, 10);
			break;
		case 'x':
			drv.sample_ms = strtoull(optarg, NULL, 10);
			break;
		default:
			drv_usage("unknown option");
		}
	}
	if (optind != argc - 1)
		drv_usage("one command expected");
	drv.cmd = drv_parse_cmd(argv[optind]);
	if (a->endpoint == NULL || drv.ca_arn == NULL)
		drv_usage("--endpoint and --ca-arn are required");
	if ((drv.cmd == DRV_ISSUE || drv.cmd == DRV_CANCEL) && a->csr_path == NULL)
		drv_usage("--csr is required");
	if (drv.cmd == DRV_CANCEL && drv.cancel_state == NULL)
		drv_usage("cancel needs --in STATE");
	if (drv.count < 1)
		drv_usage("--count must be positive");
	if (a->csr_path != NULL) {
		drv.csr = drv_read_bytes(a->csr_path, &csr_len);
		drv.issue.csr_pem = drv.csr;
		drv.issue.csr_len = csr_len;
	}
	drv.issue.ca_arn = drv.ca_arn;
}

static struct aws_creds_src *
drv_creds(struct http_client *http, const struct drv_args *a)
{
	struct aws_creds_src *creds = NULL;
	struct aws_creds_env env;
	char *cause = NULL;

	if (!a->chain) {
		if (a->akid == NULL || a->secret == NULL)
			drv_usage("--akid and --secret (or --creds-chain) are required");
		return aws_creds_static(a->akid, a->secret, a->token);
	}
	aws_creds_env_process(&env);
	if (aws_creds_default_chain(http, &env, &creds, &cause) != 0) {
		fprintf(stderr, "drv_pca: %s\n", cause);
		exit(1);
	}
	return creds;
}

int
main(int argc, char **argv)
{
	struct drv_args a;
	struct aws_pca_settings settings;
	struct aws_creds_src *creds;
	struct http_client *http = NULL;
	struct aws_arn arn;
	const char *account;
	char *cause = NULL, *arn_account = NULL;
	int i, rc;
	double cpu0, elapsed;

	drv_parse(argc, argv, &a, &settings);
	memset(&arn, 0, sizeof arn);
	account = a.account;
	if (account == NULL && aws_arn_parse(drv.ca_arn, &arn, &cause) == 0)
		account = arn_account = xstrdup(arn.account);
	free(cause);
	cause = NULL;
	aws_arn_clear(&arn);

	loop_init();
	aws_pca_configure(&settings);
	if (http_client_create(loop_base(), PCA_NAME "/" PCA_VERSION " drv_pca", &http, &cause) !=
	    0) {
		fprintf(stderr, "drv_pca: %s\n", cause);
		return 1;
	}
	creds = drv_creds(http, &a);
	drv.pca = aws_pca_create(http, creds, a.endpoint, a.region, account);
	drv.slots = xcalloc((size_t)drv.count, sizeof *drv.slots);
	drv.t0_ms = clock_mono_ms();
	cpu0 = drv_cpu_seconds();
	drv_start_next();
	if (drv.sample_ms > 0) {
		drv.sampler = evtimer_new(loop_base(), drv_on_sample, NULL);
		drv_on_sample(-1, 0, NULL);
	}
	if (drv.cmd == DRV_CANCEL) {
		drv.tick = evtimer_new(loop_base(), drv_on_tick, NULL);
		drv_on_tick(-1, 0, NULL);
	}
	event_base_dispatch(loop_base());
	elapsed = drv_now();
	drv_print_summary(elapsed, drv_cpu_seconds() - cpu0);
	if (a.metrics_path != NULL)
		drv_write_metrics(a.metrics_path);

	rc = drv.bad_callbacks > 0 ? 1 : 0;
	aws_pca_free(drv.pca);
	for (i = 0; i < drv.started; i++) {
		if (drv.slots[i].poll_timer != NULL)
			event_free(drv.slots[i].poll_timer);
		free(drv.slots[i].cert_arn);
	}
	if (drv.tick != NULL)
		event_free(drv.tick);
	if (drv.sampler != NULL)
		event_free(drv.sampler);
	free(drv.samples);
	free(drv.slots);
	aws_creds_src_free(creds);
	http_client_free(http);
	loop_free();
	free(drv.csr);
	free(arn_account);
	fflush(stdout);
	return rc;
}
