/*
 * The process configuration: defaults, then an optional YAML file (--config),
 * then command-line flags, merged into one plain struct that is validated
 * once and read-only afterwards.
 *
 * Flags keep the names of the Go aws-privateca-issuer and of
 * controller-runtime's zap options so that existing Deployments keep working.
 * Like Go's flag package, a flag takes one or two dashes ("-leader-elect",
 * "--leader-elect"), a value as "--name=value" or "--name value", and a
 * boolean as "--name" or "--name=false". A flag wins over the file wherever
 * it appears on the command line.
 *
 * The file uses the same settings under camelCase keys (config/example.yaml
 * lists every key with its default). Errors in it name file:line:column and
 * the key; errors in flags name the flag.
 */
#ifndef PCA_CONFIG_CONFIG_H
#define PCA_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/pca.h"
#include "core/log.h"

/* What main should do once the configuration is loaded. */
enum config_action {
	CONFIG_ACTION_RUN,
	CONFIG_ACTION_HELP,    /* --help, -h: print config_usage() and exit 0 */
	CONFIG_ACTION_VERSION, /* --version: print the version and exit 0 */
	CONFIG_ACTION_PRINT,   /* --print-config: print config_print() and exit 0 */
};

/* A listen address as given ("0", ":8080", "127.0.0.1:0", "[::1]:9090"). */
struct config_addr {
	char *text;    /* as given; owned */
	char *host;    /* "" for every interface; IPv6 without brackets; owned */
	uint16_t port; /* 0 lets the kernel choose */
	int disabled;  /* given as "0" or "": do not listen at all */
};

struct config_src;

/*
 * Every string is owned by the struct and freed by config_free(). Durations
 * are in milliseconds.
 */
struct config {
	enum config_action action;
	char *config_file; /* --config, or NULL */

	struct config_addr metrics_addr; /* --metrics-bind-address */
	struct config_addr health_addr;  /* --health-probe-bind-address */

	char *kubeconfig;      /* "" = $KUBECONFIG, in-cluster, then ~/.kube/config */
	char *kube_context;    /* "" = the kubeconfig's current-context */
	char *watch_namespace; /* "" = every namespace */
	int disable_approved_check;
	int disable_client_side_rate_limiting;
	double kube_api_qps;
	int kube_api_burst;
	uint64_t max_watch_line_bytes;

	int leader_elect;
	char *leader_election_namespace; /* "" = the pod's namespace */
	char *leader_election_id;        /* the Lease name */
	uint64_t lease_duration_ms;
	uint64_t renew_deadline_ms;
	uint64_t retry_period_ms;

	int issuer_ambient_credentials;         /* AWSPCAIssuers may use our own credentials */
	int cluster_issuer_ambient_credentials; /* AWSPCAClusterIssuers may */
	int allow_issuer_secret_namespace;      /* AWSPCAIssuers may use secretRef.namespace */
	uint64_t renewal_grace_ms;              /* renewalTime + this: overdue */
	int per_certificate_metrics;            /* a series per tracked Certificate */
	double bulk_renewal_rate;               /* renewals asked per second; 0: half the quota */
	int renew_on_ca_change;                 /* renew everything when an issuer's CA changes */
	uint64_t renewal_spread_ms;             /* spread renewal herds this far ahead; 0: off */
	int disable_csr_signing;                /* leave CertificateSigningRequests alone */

	uint64_t issuer_recheck_interval_ms;
	uint64_t max_retry_duration_ms;
	uint64_t shutdown_timeout_ms;
	uint64_t aws_request_timeout_ms;
	double aws_rate_limits[AWS_PCA_NOPS]; /* calls per second, by enum aws_pca_op */

	enum log_format log_format;
	enum log_level log_level;

	/* Sentences for main to log once logging is set up (ignored flags). */
	char **warnings;
	size_t nwarnings;

	struct config_src *src; /* where each setting came from; private */
};

/* Fills cfg with the defaults. Pair with config_free(). */
void config_init(struct config *cfg);
void config_free(struct config *cfg);

/*
 * Does everything for main: defaults, the --config file, the flags (argv[0]
 * is the program name), then config_validate(). Returns 0 and sets
 * cfg->action, or -1 with *cause set (the caller frees it). With --help or
 * --version nothing but the flags before it is read. Call config_free() on
 * either outcome.
 */
int config_load(struct config *cfg, int argc, char **argv, char **cause);

/*
 * The steps of config_load(), for tests. Each applies onto an initialised
 * cfg and checks each value on its own; config_validate() checks the
 * settings against each other.
 */
int config_parse_flags(struct config *cfg, int argc, char **argv, char **cause);
/*
 * Applies the settings given as environment variables, PCA_ISSUER_ and the
 * flag's name in capitals with '_' for '-' (PCA_ISSUER_LEADER_ELECT=true);
 * they win over the file and lose to flags. Other PCA_ISSUER_* variables are
 * ignored (Kubernetes adds PCA_ISSUER_SERVICE_HOST and the like for a
 * Service of that name), except near-misses of a setting, which warn.
 */
int config_parse_env(struct config *cfg, char **cause);
int config_load_file(struct config *cfg, const char *path, char **cause);
/* Loads YAML from memory; name is used in error messages. */
int config_load_buffer(struct config *cfg, const char *name, const char *data, size_t len,
                       char **cause);
int config_validate(const struct config *cfg, char **cause);

/* Prints every flag with its default and a line of help. */
void config_usage(FILE *fp);
/* Prints the settings as YAML that config_load_file() reads back. */
void config_print(const struct config *cfg, FILE *fp);

/*
 * Value parsers, exposed for tests and for other parts that read the same
 * syntax. Each returns 0, or -1 with *why set to a sentence without a
 * location (the caller frees it).
 */
/* Go duration syntax ("300ms", "1.5h", "2h45m"); whole milliseconds only. */
int config_parse_duration(const char *s, uint64_t *ms, char **why);
/* Writes ms in the syntax config_parse_duration() reads ("1h30m", "0s"). */
void config_format_duration(uint64_t ms, char *out, size_t size);
/* Bytes with an optional binary suffix: "1048576", "64KiB", "16MiB", "1GiB". */
int config_parse_size(const char *s, uint64_t *bytes, char **why);
/* Fills addr (freeing what it held); see struct config_addr. */
int config_parse_addr(const char *s, struct config_addr *addr, char **why);
void config_addr_free(struct config_addr *addr);

#endif
