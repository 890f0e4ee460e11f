/*
 * The Certificate tracker: what pca-issuer knows about the certificates it
 * signed once their requests are done, kept on expiry timers.
 *
 * A reflector watches cert-manager Certificates (all namespaces, or the one
 * of --namespace) and keeps a small record of those whose issuerRef.group is
 * awspca.cert-manager.io: identity, issuer, status.notBefore / notAfter /
 * renewalTime / revision, spec.duration, and the Ready and Issuing
 * conditions. Others cost nothing once read.
 *
 * Each record has one deadline in a core/deadlines.h set (one libevent
 * timer for all of them): renewalTime + the renewal grace, then notAfter.
 * When one passes and the Certificate still carries the same certificate
 * (it was not renewed: same revision and notAfter), the leader writes a
 * Warning event on the Certificate, once per certificate:
 *   RenewalOverdue  renewalTime + grace passed
 *   Expired         notAfter passed
 * Every replica tracks; a replica that becomes leader writes the events
 * due and not yet written by it at once.
 *
 * A Certificate's state, for the metrics, from now and its status:
 *   not_issued       no notAfter yet
 *   valid            before renewalTime (or no renewalTime)
 *   renewal_due      renewalTime passed, within the grace
 *   renewal_overdue  renewalTime + grace passed
 *   expired          notAfter passed
 * Metrics, computed at scrape time from the records (bounded cardinality:
 * one series per issuer and state or window):
 *   pca_issuer_certificates{issuer_kind,issuer,state}
 *   pca_issuer_certificates_renewing_within{issuer_kind,issuer,window}
 *       (1h, 24h, 7d: renewalTime before now + window, due ones included)
 *   pca_issuer_certificates_earliest_not_after_timestamp_seconds{issuer_kind,issuer}
 *   pca_issuer_certificates_earliest_renewal_timestamp_seconds{issuer_kind,issuer}
 *   pca_issuer_certificates_tracking (1 while the list is allowed and read)
 * and, with per_certificate set, one series per Certificate:
 *   pca_issuer_certificate_not_after_timestamp_seconds{namespace,name,issuer_kind,issuer}
 *   pca_issuer_certificate_renewal_timestamp_seconds{...}
 * issuer_kind is AWSPCAClusterIssuer when the Certificate names that kind,
 * else AWSPCAIssuer; issuer is "name" for a cluster issuer, "namespace/name"
 * for a namespaced one.
 *
 * Under a role that may not list Certificates (the Go chart's), tracking is
 * off: one log line and pca_issuer_permission_missing{resource=
 * "certificates",verb="list"} 1; the list is tried again every 30 s, and
 * tracking starts if the permission appears. Nothing else depends on it.
 */
#ifndef PCA_HANDLERS_CERTS_H
#define PCA_HANDLERS_CERTS_H

#include <stdint.h>

struct kube_client;
struct kube_events;
struct kube_reflector;
struct certs;

struct certs_opts {
	struct kube_client *kube;
	struct kube_events *events; /* may be NULL */
	const char *namespace;      /* NULL: every namespace */
	int64_t renewal_grace_ms;   /* default 15 minutes */
	int per_certificate;        /* the per-Certificate series */
	size_t max_line;            /* the reflector's; 0: its default */
};

struct certs *certs_create(const struct certs_opts *opts);
void certs_start(struct certs *t);
/* Only the leader writes events; becoming leader writes those due. */
void certs_set_leader(struct certs *t, int leader);
void certs_free(struct certs *t);

/*
 * How the Issuing messages pca-issuer writes begin: a Certificate Issuing
 * with such a message is being renewed at pca-issuer's request.
 */
#define CERTS_TRIGGER_MARK "pca-issuer:"

/* A tracked Certificate, as the renewal controller reads it; borrowed. */
struct certs_item {
	const char *key; /* "namespace/name" */
	const char *issuer_kind, *issuer;
	int64_t not_before_ms, not_after_ms, renewal_ms, created_ms, last_failure_ms; /* 0: unset */
	int32_t revision;
	int issuing;      /* Issuing=True */
	int issuing_ours; /* ... with a message that begins with CERTS_TRIGGER_MARK */
};
/* fn for each tracked Certificate of the issuer (both NULL: every one); t must not change. */
void certs_each(struct certs *t, const char *issuer_kind, const char *issuer,
                void (*fn)(const struct certs_item *item, void *arg), void *arg);
/* The tracked Certificate "namespace/name": 1 and *out, else 0. */
int certs_get(struct certs *t, const char *key, struct certs_item *out);

/* What ranking a renewal needs about the certificate a Certificate holds now. */
struct certs_view {
	int64_t not_after_ms; /* 0: no certificate yet */
	int64_t revision;
};
/* 1 and *out for a tracked Certificate ns/name, else 0. */
int certs_lookup(struct certs *t, const char *ns, const char *name, struct certs_view *out);
/* Whether the Certificates have been listed (tracking on and caught up). */
int certs_synced(const struct certs *t);
/* Whether the role refused the list (tracking off). */
int certs_denied(const struct certs *t);
/*
 * The longest spec.duration (seconds) among the tracked Certificates that
 * name the issuer (issuer_kind and issuer as in the metrics); 0 if none.
 */
int64_t certs_longest_duration(struct certs *t, const char *issuer_kind, const char *issuer);
size_t certs_count(const struct certs *t);

/* Tests: the reflector (fed with kube_reflector_feed_line), and running due deadlines. */
struct kube_reflector *certs_reflector(struct certs *t);
void certs_run_deadlines(struct certs *t);

#endif
