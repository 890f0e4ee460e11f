/*
 * The issuer controller: watches AWSPCAIssuers and AWSPCAClusterIssuers and
 * decides whether each can sign.
 *
 * For each issuer it validates the spec, resolves credentials (the named
 * Secret, read by name from the issuer's own namespace for an AWSPCAIssuer,
 * else the default chain; then spec.role), asks DescribeCertificateAuthority
 * and requires the CA to be ACTIVE, and remembers the CA's signing
 * algorithm. The verdict becomes the Ready condition (with a reason a user
 * can act on and observedGeneration) and an event on each transition. It is
 * re-checked every recheck interval, which also picks up a changed Secret,
 * and at once when signing reports an authentication or permission error.
 *
 * The CertificateRequest controller asks for an issuer's verdict with
 * issuers_get() and is told of every change through on_change.
 */
#ifndef PCA_HANDLERS_ISSUERS_H
#define PCA_HANDLERS_ISSUERS_H

#include <stdint.h>

struct ctl_io;
struct http_client;
struct kube_reflector;
struct certs;
struct kube_client;
struct kube_condition;
struct kube_ready;
struct kube_events;
struct aws_creds_env;
struct aws_pca;
struct issuers;
struct issuer_conn;

struct issuers_opts {
	struct kube_client *kube;
	const struct ctl_io *io; /* NULL: the real one over kube (copied) */
	struct http_client *http;
	struct kube_events *events; /* may be NULL */
	const struct aws_creds_env *env;
	const char *namespace; /* AWSPCAIssuers of this namespace only; NULL: all */
	uint64_t recheck_ms;
	/*
	 * Whether issuers without spec.secretRef may use the controller's own
	 * credentials (the default chain), per kind, as cert-manager's
	 * --issuer-ambient-credentials and --cluster-issuer-ambient-credentials.
	 */
	int issuer_ambient_credentials;
	int cluster_issuer_ambient_credentials;
	/* An AWSPCAIssuer may read its Secret from spec.secretRef.namespace (as the Go issuer). */
	int allow_secret_namespace;
	/*
	 * Record each issuer's CA (GetCertificateAuthorityCertificate at each
	 * check) in KUBE_CA_FINGERPRINT_ANNOTATION and, when it changes, set
	 * KUBE_RENEW_BEFORE_ANNOTATION to the time of the change.
	 */
	int renew_on_ca_change;
	/* The Certificate tracker, for the longest duration an issuer's CA must outlive; may be
	 * NULL. */
	struct certs *certs;
	/* An issuer's verdict changed (or it appeared or went away). */
	void (*on_change)(const char *key, void *arg);
	/* An issuer object was added, changed (its annotations too) or deleted; may be NULL. */
	void (*on_object)(const char *key, void *arg);
	void *arg;
};

enum issuer_verdict {
	ISSUER_UNKNOWN, /* not checked yet, or being checked for the first time */
	ISSUER_READY,
	ISSUER_NOT_READY,
	ISSUER_MISSING, /* no such issuer */
};

/* What a CertificateRequest needs to know of its issuer; valid until control returns to the loop.
 */
struct issuer_view {
	enum issuer_verdict verdict;
	const char *kind;    /* of the issuer found, or the one asked for when MISSING */
	const char *reason;  /* for NOT_READY */
	const char *message; /* for NOT_READY */
	const char *arn;
	const char *signing_algorithm;
	const char *default_template;
	/* The CA's NotAfter from DescribeCertificateAuthority; 0 unknown. */
	int64_t ca_not_after_ms;
	struct issuer_conn *conn; /* take a reference to keep using it */
	/* The bulk-renewal annotation: its value (NULL if absent) and time (0 if not RFC 3339). */
	const char *renew_before;
	int64_t renew_before_ms;
	const struct kube_condition *renewing; /* as stored in the issuer's status */
	const char *uid;
};

struct issuers *issuers_create(const struct issuers_opts *opts);
void issuers_start(struct issuers *ctl);
/* Only the leader checks issuers and writes their status. */
void issuers_set_leader(struct issuers *ctl, int leader);
/* Stops taking new work (graceful shutdown). */
void issuers_stop(struct issuers *ctl);
void issuers_free(struct issuers *ctl);

/*
 * The key of an issuer as a CertificateRequest names it; a new string. Kind
 * AWSPCAClusterIssuer names the cluster issuer; any other kind (empty
 * included) the AWSPCAIssuer of the request's namespace, as the Go issuer.
 */
char *issuers_key(const char *kind, const char *cr_namespace, const char *name);
/*
 * The issuer of key. As in the Go issuer, a request naming an AWSPCAIssuer
 * that does not exist gets the AWSPCAClusterIssuer of that name, if any.
 */
void issuers_get(struct issuers *ctl, const char *key, struct issuer_view *view);
/*
 * The Renewing condition of issuer key (exactly that issuer, no fallback), or
 * NULL for none: written with the issuer's status, at once when it changed
 * (without checking the issuer again unless a check is due).
 */
void issuers_set_renewing(struct issuers *ctl, const char *key, const struct kube_ready *renewing);
/* Signing met an authentication or permission error: re-check the issuer now. */
void issuers_auth_failed(struct issuers *ctl, const char *key);

/*
 * A counted reference to an issuer's AWS connection (credentials and Private
 * CA client), so that a call in flight outlives a change of credentials.
 */
struct issuer_conn *issuers_conn_ref(struct issuer_conn *conn);
void issuers_conn_unref(struct issuer_conn *conn);
struct aws_pca *issuers_conn_pca(const struct issuer_conn *conn);

/* For tests: the reflector of either kind, and a pass of the work queue (see certreqs.h). */
struct kube_reflector *issuers_reflector(struct issuers *ctl, int cluster);
void issuers_poll(struct issuers *ctl);

#endif
