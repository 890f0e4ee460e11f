/*
 * The settings table and what is done with it: defaults, setting a field
 * from text, checking fields against each other, printing the settings back
 * as YAML, and config_load(), which runs the whole sequence for main.
 *
 * Flags are read twice by config_load(): once to find --config (and to
 * report a bad flag before touching any file), and once more after the file
 * so that a flag wins over the file wherever it appears.
 */
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/fields.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/xmalloc.h"

#define OFF(member) offsetof(struct config, member)

#define SEC    UINT64_C(1000)
#define MINUTE (60 * SEC)
#define HOUR   (60 * MINUTE)
#define KIB    UINT64_C(1024)

#define CONFIG_STRING_MAX 4096
#define CONFIG_RATE_MIN   0.001
#define CONFIG_RATE_MAX   100000.0

/*
 * The leader election Lease is named like the Go issuer's so that, during a
 * migration with --leader-elect, a Go replica and this one never both lead.
 */
#define CONFIG_DEFAULT_LEASE_NAME "b858308c.awspca.cert-manager.io"

const struct config_field config_fields[CONFIG_NFIELDS] = {
    {NULL, "metricsBindAddress", "metrics-bind-address", CONFIG_KIND_ADDR, OFF(metrics_addr), 0, 0,
     ":8080", "ADDR", "Address of the Prometheus /metrics endpoint; \"0\" disables it."},
    {NULL, "healthProbeBindAddress", "health-probe-bind-address", CONFIG_KIND_ADDR,
     OFF(health_addr), 0, 0, ":8081", "ADDR",
     "Address of the /healthz and /readyz probes; \"0\" disables them."},
    {NULL, "kubeconfig", "kubeconfig", CONFIG_KIND_STRING, OFF(kubeconfig), 0, 0, "", "FILE",
     "Kubeconfig file; empty: $KUBECONFIG, in-cluster, then ~/.kube/config."},
    {NULL, "context", "context", CONFIG_KIND_STRING, OFF(kube_context), 0, 0, "", "NAME",
     "Kubeconfig context to use; empty: its current-context."},
    {NULL, "namespace", "namespace", CONFIG_KIND_DNS_LABEL, OFF(watch_namespace), 0, 0, "",
     "NAMESPACE", "Watch only this namespace; empty: every namespace."},
    {NULL, "disableApprovedCheck", "disable-approved-check", CONFIG_KIND_BOOL,
     OFF(disable_approved_check), 0, 0, "false", "BOOL",
     "Sign CertificateRequests without waiting for cert-manager's Approved condition."},
    {NULL, "disableClientSideRateLimiting", "disable-client-side-rate-limiting", CONFIG_KIND_BOOL,
     OFF(disable_client_side_rate_limiting), 0, 0, "false", "BOOL",
     "Do not rate-limit Kubernetes API requests (ignore --kube-api-qps and -burst)."},
    {NULL, "kubeAPIQPS", "kube-api-qps", CONFIG_KIND_DECIMAL, OFF(kube_api_qps), 0, 1000000, "100",
     "NUMBER",
     "Kubernetes API requests per second, on average (each certificate takes two writes)."},
    {NULL, "kubeAPIBurst", "kube-api-burst", CONFIG_KIND_INT, OFF(kube_api_burst), 1, 1000000,
     "200", "N", "Kubernetes API requests allowed in a burst above --kube-api-qps."},
    {NULL, "maxWatchLineBytes", "max-watch-line-bytes", CONFIG_KIND_SIZE, OFF(max_watch_line_bytes),
     KIB, 1024 * 1024 * KIB, "16MiB", "SIZE",
     "Longest watch event accepted; a longer one restarts the watch."},
    {NULL, "leaderElect", "leader-elect", CONFIG_KIND_BOOL, OFF(leader_elect), 0, 0, "false",
     "BOOL", "Elect a leader so that only one replica issues certificates."},
    {"leaderElection", "namespace", "leader-election-namespace", CONFIG_KIND_DNS_LABEL,
     OFF(leader_election_namespace), 0, 0, "", "NAMESPACE",
     "Namespace of the leader election Lease; empty: the pod's namespace."},
    {"leaderElection", "id", "leader-election-id", CONFIG_KIND_DNS_NAME, OFF(leader_election_id), 0,
     0, CONFIG_DEFAULT_LEASE_NAME, "NAME",
     "Name of the Lease; the default is the Go issuer's, so the two exclude each other."},
    {"leaderElection", "leaseDuration", "leader-elect-lease-duration", CONFIG_KIND_DURATION,
     OFF(lease_duration_ms), SEC, 24 * HOUR, "15s", "DURATION",
     "How long a Lease not renewed keeps others from leading."},
    {"leaderElection", "renewDeadline", "leader-elect-renew-deadline", CONFIG_KIND_DURATION,
     OFF(renew_deadline_ms), 1, 24 * HOUR, "10s", "DURATION",
     "How long the leader tries to renew before it stops leading."},
    {"leaderElection", "retryPeriod", "leader-elect-retry-period", CONFIG_KIND_DURATION,
     OFF(retry_period_ms), 1, 24 * HOUR, "2s", "DURATION",
     "Time between attempts to acquire or renew the Lease."},
    {NULL, "issuerAmbientCredentials", "issuer-ambient-credentials", CONFIG_KIND_BOOL,
     OFF(issuer_ambient_credentials), 0, 0, "false", "BOOL",
     "Let an AWSPCAIssuer without spec.secretRef use pca-issuer's own AWS credentials "
     "(environment, IRSA, instance role); off, as cert-manager's --issuer-ambient-credentials, "
     "so that a namespace's users cannot use CAs only the controller may reach."},
    {NULL, "clusterIssuerAmbientCredentials", "cluster-issuer-ambient-credentials",
     CONFIG_KIND_BOOL, OFF(cluster_issuer_ambient_credentials), 0, 0, "true", "BOOL",
     "Let an AWSPCAClusterIssuer without spec.secretRef use pca-issuer's own AWS credentials."},
    {NULL, "allowIssuerSecretNamespace", "allow-issuer-secret-namespace", CONFIG_KIND_BOOL,
     OFF(allow_issuer_secret_namespace), 0, 0, "false", "BOOL",
     "Let an AWSPCAIssuer read its Secret from spec.secretRef.namespace, as the Go issuer did; "
     "off, so that a namespace's users cannot sign with another namespace's AWS keys."},
    {NULL, "issuerRecheckInterval", "issuer-recheck-interval", CONFIG_KIND_DURATION,
     OFF(issuer_recheck_interval_ms), 100, 8760 * HOUR, "5m", "DURATION",
     "How often a Ready issuer's certificate authority is checked again."},
    {NULL, "maxRetryDuration", "max-retry-duration", CONFIG_KIND_DURATION,
     OFF(max_retry_duration_ms), SEC, 8760 * HOUR, "1h", "DURATION",
     "How long a CertificateRequest is retried before it is marked failed."},
    {NULL, "renewalGrace", "renewal-grace", CONFIG_KIND_DURATION, OFF(renewal_grace_ms), SEC,
     8760 * HOUR, "15m", "DURATION",
     "How long after a Certificate's renewalTime it may still hold its old certificate before "
     "a RenewalOverdue event and the renewal_overdue state."},
    {NULL, "perCertificateMetrics", "per-certificate-metrics", CONFIG_KIND_BOOL,
     OFF(per_certificate_metrics), 0, 0, "false", "BOOL",
     "Export each tracked Certificate's notAfter and renewalTime as its own series (one per "
     "Certificate: mind the cardinality)."},
    {NULL, "bulkRenewalRate", "bulk-renewal-rate", CONFIG_KIND_DECIMAL, OFF(bulk_renewal_rate),
     CONFIG_ZERO_OK, 100000, "0", "NUMBER",
     "Renewals pca-issuer asks for per second per (account, region), for the "
     "renew-certificates-issued-before annotation and --renewal-spread; 0: half the "
     "IssueCertificate rate limit."},
    {NULL, "renewOnCAChange", "renew-on-ca-change", CONFIG_KIND_BOOL, OFF(renew_on_ca_change), 0, 0,
     "false", "BOOL",
     "When an issuer's CA changes (spec.arn, or its certificate under the same ARN), renew every "
     "Certificate of the issuer issued before the change, paced."},
    {NULL, "renewalSpread", "renewal-spread", CONFIG_KIND_DURATION, OFF(renewal_spread_ms), 0,
     8760 * HOUR, "0s", "DURATION",
     "Renew Certificates up to this long before their renewalTime so that renewals falling "
     "together stay at --bulk-renewal-rate; 0 turns spreading off."},
    {NULL, "disableCSRSigning", "disable-csr-signing", CONFIG_KIND_BOOL, OFF(disable_csr_signing),
     0, 0, "false", "BOOL",
     "Do not sign Kubernetes CertificateSigningRequests for the signers "
     "awspcaclusterissuers.awspca.cert-manager.io/* and awspcaissuers.awspca.cert-manager.io/*."},
    {NULL, "shutdownTimeout", "shutdown-timeout", CONFIG_KIND_DURATION, OFF(shutdown_timeout_ms), 0,
     HOUR, "30s", "DURATION", "How long requests in flight may finish after SIGTERM."},
    {NULL, "awsRequestTimeout", "aws-request-timeout", CONFIG_KIND_DURATION,
     OFF(aws_request_timeout_ms), 100, HOUR, "30s", "DURATION", "Deadline of one AWS API request."},
    {NULL, "awsRateLimits", "aws-rate-limit", CONFIG_KIND_RATES, OFF(aws_rate_limits), 0, 0,
     "IssueCertificate=25,GetCertificate=75,DescribeCertificateAuthority=20,"
     "GetCertificateAuthorityCertificate=20,RevokeCertificate=20",
     "OPERATION=RATE", "AWS Private CA calls per second, per operation; repeatable."},
    {NULL, "logFormat", "log-format", CONFIG_KIND_LOG_FORMAT, OFF(log_format), 0, 0, "json",
     "FORMAT", "Log line format: json or text."},
    {NULL, "logLevel", "log-level", CONFIG_KIND_LOG_LEVEL, OFF(log_level), 0, 0, "info", "LEVEL",
     "Lowest level logged: debug, info, warn or error."},
};

static int
config_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

const struct config_field *
config_field_by_key(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (config_same(config_fields[i].section, section) &&
		    strcmp(config_fields[i].key, key) == 0)
			return &config_fields[i];
	}
	return NULL;
}

const struct config_field *
config_field_by_flag(const char *flag)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (strcmp(config_fields[i].flag, flag) == 0)
			return &config_fields[i];
	}
	return NULL;
}

void
config_field_env(const struct config_field *f, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "PCA_ISSUER_"), i;

	for (i = 0; f->flag[i] != '\0' && n + 1 < size; i++, n++) {
		char c = f->flag[i];

		out[n] = c == '-' ? '_' : (c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
	}
	out[n < size ? n : size - 1] = '\0';
}

int
config_is_section(const char *name)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (config_fields[i].section != NULL && strcmp(config_fields[i].section, name) == 0)
			return 1;
	}
	return 0;
}

size_t
config_field_index(const struct config_field *f)
{
	return (size_t)(f - config_fields);
}

/* Lowercases s and drops '-', '_' and '.' into out, for loose comparison. */
static void
config_fold(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < size; s++) {
		if (*s == '-' || *s == '_' || *s == '.')
			continue;
		out[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	}
	out[n] = '\0';
}

const struct config_field *
config_suggest(const char *wrong)
{
	char w[128], c[128], full[128];
	size_t i;

	config_fold(wrong, w, sizeof w);
	for (i = 0; i < CONFIG_NFIELDS; i++) {
		const struct config_field *f = &config_fields[i];

		snprintf(full, sizeof full, "%s%s", f->section != NULL ? f->section : "", f->key);
		config_fold(full, c, sizeof c);
		if (strcmp(w, c) == 0)
			return f;
		config_fold(f->key, c, sizeof c);
		if (strcmp(w, c) == 0)
			return f;
		config_fold(f->flag, c, sizeof c);
		if (strcmp(w, c) == 0)
			return f;
	}
	return NULL;
}

void
config_warn(struct config *cfg, const char *fmt, ...)
{
	va_list ap;

	cfg->warnings = xreallocarray(cfg->warnings, cfg->nwarnings + 1, sizeof *cfg->warnings);
	va_start(ap, fmt);
	cfg->warnings[cfg->nwarnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static int
config_set_string(char **dst, const char *text, char **why)
{
	if (strlen(text) > CONFIG_STRING_MAX) {
		*why = xasprintf("is longer than %d bytes", CONFIG_STRING_MAX);
		return -1;
	}
	if (!codec_utf8_valid(text, strlen(text))) {
		*why = xstrdup("is not valid UTF-8");
		return -1;
	}
	free(*dst);
	*dst = xstrdup(text);
	return 0;
}

/* Checks v against the field's range, naming the bound in the message. */
static int
config_check_range(const struct config_field *f, const char *text, uint64_t v, char **why)
{
	char lo[64], hi[64];

	if (v >= f->min && v <= f->max)
		return 0;
	if (f->kind == CONFIG_KIND_DURATION) {
		config_format_duration(f->min, lo, sizeof lo);
		config_format_duration(f->max, hi, sizeof hi);
	} else {
		snprintf(lo, sizeof lo, "%" PRIu64, f->min);
		snprintf(hi, sizeof hi, "%" PRIu64, f->max);
	}
	if (v < f->min)
		*why = xasprintf("\"%s\" is less than the minimum, %s", text, lo);
	else
		*why = xasprintf("\"%s\" is more than the maximum, %s", text, hi);
	return -1;
}

static int
config_set_number(const struct config_field *f, void *p, const char *text, char **why)
{
	uint64_t v;
	double d;

	switch (f->kind) {
	case CONFIG_KIND_DURATION:
		if (config_parse_duration(text, &v, why) == -1 ||
		    config_check_range(f, text, v, why) == -1)
			return -1;
		*(uint64_t *)p = v;
		return 0;
	case CONFIG_KIND_SIZE:
		if (config_parse_size(text, &v, why) == -1 ||
		    config_check_range(f, text, v, why) == -1)
			return -1;
		*(uint64_t *)p = v;
		return 0;
	case CONFIG_KIND_INT:
		if (config_parse_uint(text, &v, why) == -1 ||
		    config_check_range(f, text, v, why) == -1)
			return -1;
		*(int *)p = (int)v;
		return 0;
	default:
		if (config_parse_decimal(text, &d, why) == -1)
			return -1;
		if (d < 0 || (d == 0 && f->min != CONFIG_ZERO_OK) || d > (double)f->max) {
			*why =
			    xasprintf("\"%s\" must be %s and at most %" PRIu64, text,
			              f->min == CONFIG_ZERO_OK ? "0 or more" : "above 0", f->max);
			return -1;
		}
		*(double *)p = d;
		return 0;
	}
}

int
config_rate_set(struct config *cfg, const char *name, const char *text, enum aws_pca_op *op,
                char **why)
{
	enum aws_pca_op i;
	double d;

	if (aws_pca_op_parse(name, &i) != 0) {
		*why = xasprintf("\"%s\" is not a rate-limited operation (IssueCertificate, "
		                 "GetCertificate, DescribeCertificateAuthority, "
		                 "GetCertificateAuthorityCertificate or RevokeCertificate)",
		                 name);
		return -1;
	}
	if (config_parse_decimal(text, &d, why) == -1)
		return -1;
	if (d < CONFIG_RATE_MIN || d > CONFIG_RATE_MAX) {
		*why = xasprintf("%s: \"%s\" must be between %g and %g calls per second", name,
		                 text, CONFIG_RATE_MIN, CONFIG_RATE_MAX);
		return -1;
	}
	cfg->aws_rate_limits[i] = d;
	*op = i;
	return 0;
}

/* Parses "Op=rate,Op=rate" as the flag gives it. */
static int
config_rates_set(struct config *cfg, const char *text, char **why)
{
	char *copy = xstrdup(text), *item, *next, *eq;
	enum aws_pca_op op;
	int rc = 0;

	for (item = copy; item != NULL && rc == 0; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(item, '=')) == NULL) {
			*why = xasprintf("\"%s\" is not OPERATION=RATE (like "
			                 "\"IssueCertificate=25\")",
			                 item);
			rc = -1;
			break;
		}
		*eq = '\0';
		rc = config_rate_set(cfg, item, eq + 1, &op, why);
	}
	free(copy);
	return rc;
}

int
config_field_set(struct config *cfg, const struct config_field *f, const char *text,
                 int strict_bool, char **why)
{
	void *p = (char *)cfg + f->offset;

	switch (f->kind) {
	case CONFIG_KIND_DNS_LABEL:
		if (config_check_dns_label(text, why) == -1)
			return -1;
		return config_set_string(p, text, why);
	case CONFIG_KIND_DNS_NAME:
		if (config_check_dns_name(text, why) == -1)
			return -1;
		return config_set_string(p, text, why);
	case CONFIG_KIND_STRING:
		return config_set_string(p, text, why);
	case CONFIG_KIND_BOOL:
		return config_parse_bool(text, strict_bool, p, why);
	case CONFIG_KIND_ADDR:
		return config_parse_addr(text, p, why);
	case CONFIG_KIND_LOG_LEVEL:
		if (log_parse_level(text, p) == 0)
			return 0;
		*why = xasprintf("\"%s\" is not a log level (debug, info, warn or error)", text);
		return -1;
	case CONFIG_KIND_LOG_FORMAT:
		if (log_parse_format(text, p) == 0)
			return 0;
		*why = xasprintf("\"%s\" is not a log format (json or text)", text);
		return -1;
	case CONFIG_KIND_RATES:
		return config_rates_set(cfg, text, why);
	default:
		return config_set_number(f, p, text, why);
	}
}

/* Writes a decimal that config_parse_decimal() reads back as the same double. */
static void
config_format_decimal(double d, struct buf *b)
{
	char tmp[64];
	size_t n;

	snprintf(tmp, sizeof tmp, "%.6f", d);
	n = strlen(tmp);
	while (n > 0 && tmp[n - 1] == '0')
		n--;
	if (n > 0 && tmp[n - 1] == '.')
		n--;
	buf_add(b, tmp, n);
}

void
config_field_format(const struct config *cfg, const struct config_field *f, struct buf *b)
{
	const void *p = (const char *)cfg + f->offset;
	char tmp[64];
	int i;

	switch (f->kind) {
	case CONFIG_KIND_STRING:
	case CONFIG_KIND_DNS_LABEL:
	case CONFIG_KIND_DNS_NAME:
		config_quote(b, *(char *const *)p != NULL ? *(char *const *)p : "");
		break;
	case CONFIG_KIND_ADDR:
		config_quote(b, ((const struct config_addr *)p)->text);
		break;
	case CONFIG_KIND_BOOL:
		buf_adds(b, *(const int *)p ? "true" : "false");
		break;
	case CONFIG_KIND_DURATION:
		config_format_duration(*(const uint64_t *)p, tmp, sizeof tmp);
		buf_adds(b, tmp);
		break;
	case CONFIG_KIND_SIZE:
	case CONFIG_KIND_INT: {
		uint64_t v =
		    f->kind == CONFIG_KIND_INT ? (uint64_t) * (const int *)p : *(const uint64_t *)p;

		if (f->kind == CONFIG_KIND_SIZE && v % (KIB * KIB) == 0)
			buf_printf(b, "%" PRIu64 "MiB", v / (KIB * KIB));
		else if (f->kind == CONFIG_KIND_SIZE && v % KIB == 0)
			buf_printf(b, "%" PRIu64 "KiB", v / KIB);
		else
			buf_printf(b, "%" PRIu64, v);
		break;
	}
	case CONFIG_KIND_DECIMAL:
		config_format_decimal(*(const double *)p, b);
		break;
	case CONFIG_KIND_LOG_LEVEL:
		buf_adds(b, log_level_name(*(const enum log_level *)p));
		break;
	case CONFIG_KIND_LOG_FORMAT:
		buf_adds(b, log_format_name(*(const enum log_format *)p));
		break;
	case CONFIG_KIND_RATES:
		for (i = 0; i < AWS_PCA_NOPS; i++) {
			buf_printf(b, "%s%s=", i > 0 ? "," : "",
			           aws_pca_op_name((enum aws_pca_op)i));
			config_format_decimal(cfg->aws_rate_limits[i], b);
		}
		break;
	}
}

void
config_init(struct config *cfg)
{
	char *why = NULL;
	size_t i;

	memset(cfg, 0, sizeof *cfg);
	cfg->src = xcalloc(1, sizeof *cfg->src);
	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (config_field_set(cfg, &config_fields[i], config_fields[i].def, 1, &why) == -1)
			fatalx("default of %s: %s", config_fields[i].key, why);
	}
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		void *p = (char *)cfg + config_fields[i].offset;

		switch (config_fields[i].kind) {
		case CONFIG_KIND_STRING:
		case CONFIG_KIND_DNS_LABEL:
		case CONFIG_KIND_DNS_NAME:
			xfree_ptr((char **)p);
			break;
		case CONFIG_KIND_ADDR:
			config_addr_free(p);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->config_file);
	if (cfg->src != NULL)
		free(cfg->src->file);
	free(cfg->src);
	memset(cfg, 0, sizeof *cfg);
}

/* Names field i as its origin does: "--flag" for a flag, "section.key" otherwise. */
static void
config_name(const struct config *cfg, size_t i, int as_flag, struct buf *b)
{
	const struct config_field *f = &config_fields[i];
	const struct config_origin *o = &cfg->src->field[i];

	if (as_flag)
		buf_printf(b, "--%s", o->kind == CONFIG_ORIGIN_FLAG ? o->flag : f->flag);
	else if (f->section != NULL)
		buf_printf(b, "%s.%s", f->section, f->key);
	else
		buf_adds(b, f->key);
}

/*
 * Writes "<where>: <name>: " for a problem blamed on field i, naming other
 * fields in the same style.
 */
static int
config_where(const struct config *cfg, size_t i, struct buf *b)
{
	const struct config_origin *o = &cfg->src->field[i];
	int as_flag = o->kind == CONFIG_ORIGIN_FLAG;

	if (as_flag)
		buf_adds(b, "flag ");
	else if (o->kind == CONFIG_ORIGIN_ENV) {
		buf_printf(b, "environment variable %s: ", o->env);
		return 0;
	} else if (o->kind == CONFIG_ORIGIN_FILE)
		buf_printf(b, "%s:%lu:%lu: ", cfg->src->file, o->line, o->col);
	config_name(cfg, i, as_flag, b);
	buf_adds(b, ": ");
	return as_flag;
}

/* Blames a, unless only b was set away from its default. */
static size_t
config_blame(const struct config *cfg, size_t a, size_t b)
{
	if (cfg->src->field[a].kind == CONFIG_ORIGIN_DEFAULT &&
	    cfg->src->field[b].kind != CONFIG_ORIGIN_DEFAULT)
		return b;
	return a;
}

static size_t
config_index_of(size_t offset)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (config_fields[i].offset == offset)
			return i;
	}
	fatalx("no setting at offset %zu", offset);
}

/*
 * Fails if field `shorter` is not below field `longer`, or with jitter not
 * below `longer` divided by 1.2.
 */
static int
config_check_order(const struct config *cfg, size_t shorter, size_t longer, int jitter,
                   char **cause)
{
	uint64_t s = *(const uint64_t *)((const char *)cfg + config_fields[shorter].offset);
	uint64_t l = *(const uint64_t *)((const char *)cfg + config_fields[longer].offset);
	size_t blamed = config_blame(cfg, shorter, longer);
	struct buf b = BUF_INIT;
	char sv[64], lv[64];
	int as_flag;

	if (jitter ? s * 12 < l * 10 : s < l)
		return 0;
	config_format_duration(s, sv, sizeof sv);
	config_format_duration(l, lv, sizeof lv);
	as_flag = config_where(cfg, blamed, &b);
	if (blamed == shorter) {
		buf_printf(&b, "%s must be shorter than ", sv);
		config_name(cfg, longer, as_flag, &b);
		buf_printf(&b, " (%s)%s", lv, jitter ? " divided by 1.2" : "");
	} else {
		buf_printf(&b, "%s must be longer than %s", lv, jitter ? "1.2 times " : "");
		config_name(cfg, shorter, as_flag, &b);
		buf_printf(&b, " (%s)", sv);
	}
	*cause = buf_steal(&b);
	return -1;
}

static int
config_check_ports(const struct config *cfg, char **cause)
{
	const struct config_addr *m = &cfg->metrics_addr, *h = &cfg->health_addr;
	size_t mi = config_index_of(OFF(metrics_addr)), hi = config_index_of(OFF(health_addr));
	size_t blamed = config_blame(cfg, hi, mi);
	struct buf b = BUF_INIT;
	int as_flag;

	if (m->disabled || h->disabled || m->port == 0 || m->port != h->port)
		return 0;
	if (m->host[0] != '\0' && h->host[0] != '\0' && strcmp(m->host, h->host) != 0)
		return 0;
	as_flag = config_where(cfg, blamed, &b);
	buf_printf(&b, "port %u is also the port of ", (unsigned)m->port);
	config_name(cfg, blamed == hi ? mi : hi, as_flag, &b);
	*cause = buf_steal(&b);
	return -1;
}

int
config_validate(const struct config *cfg, char **cause)
{
	size_t lease = config_index_of(OFF(lease_duration_ms));
	size_t renew = config_index_of(OFF(renew_deadline_ms));
	size_t retry = config_index_of(OFF(retry_period_ms));

	if (config_check_order(cfg, renew, lease, 0, cause) == -1)
		return -1;
	/* client-go refuses a renew deadline within 1.2 retry periods (its jitter). */
	if (config_check_order(cfg, retry, renew, 1, cause) == -1)
		return -1;
	return config_check_ports(cfg, cause);
}

int
config_load(struct config *cfg, int argc, char **argv, char **cause)
{
	struct config first;
	int rc = -1;

	config_init(cfg);
	config_init(&first);
	if (config_parse_flags(&first, argc, argv, cause) == -1)
		goto out;
	if (first.action == CONFIG_ACTION_HELP || first.action == CONFIG_ACTION_VERSION) {
		cfg->action = first.action;
		rc = 0;
		goto out;
	}
	if (first.config_file == NULL && getenv("PCA_ISSUER_CONFIG") != NULL &&
	    *getenv("PCA_ISSUER_CONFIG") != '\0')
		first.config_file = xstrdup(getenv("PCA_ISSUER_CONFIG"));
	if (first.config_file != NULL && config_load_file(cfg, first.config_file, cause) == -1)
		goto out;
	if (config_parse_env(cfg, cause) == -1)
		goto out;
	if (config_parse_flags(cfg, argc, argv, cause) == -1)
		goto out;
	rc = config_validate(cfg, cause);
out:
	config_free(&first);
	return rc;
}

void
config_print(const struct config *cfg, FILE *fp)
{
	const char *section = NULL;
	struct buf b = BUF_INIT;
	size_t i;
	int op;

	buf_adds(&b, "# pca-issuer settings; read back with --config FILE.\n");
	for (i = 0; i < CONFIG_NFIELDS; i++) {
		const struct config_field *f = &config_fields[i];

		if (f->section != NULL && !config_same(section, f->section))
			buf_printf(&b, "%s:\n", f->section);
		section = f->section;
		if (f->kind == CONFIG_KIND_RATES) {
			buf_printf(&b, "%s:\n", f->key);
			for (op = 0; op < AWS_PCA_NOPS; op++) {
				buf_printf(&b, "  %s: ", aws_pca_op_name((enum aws_pca_op)op));
				config_format_decimal(cfg->aws_rate_limits[op], &b);
				buf_addc(&b, '\n');
			}
			continue;
		}
		buf_printf(&b, "%s%s: ", section != NULL ? "  " : "", f->key);
		config_field_format(cfg, f, &b);
		buf_addc(&b, '\n');
	}
	fwrite(buf_str(&b), 1, b.len, fp);
	buf_clear(&b);
}
