/*
 * Renewing many certificates: on demand per issuer, and spreading renewal
 * herds. Both ask cert-manager to renew a Certificate the way `cmctl renew`
 * does (kube/certificate.h), paced per (account, region).
 *
 * On demand. The annotation KUBE_RENEW_BEFORE_ANNOTATION (an RFC 3339 time
 * T) on an AWSPCAIssuer or AWSPCAClusterIssuer asks for every Certificate
 * of that issuer whose certificate was issued before T to be renewed. A
 * certificate counts as issued at its notBefore plus one hour: pca-issuer
 * leaves ValidityNotBefore to AWS Private CA, which back-dates notBefore by
 * 60 minutes. Certificates created after T are not part of it.
 *  - Earliest notAfter first; at most `rate` triggers per second per
 *    (account, region) of the issuers' CAs, and at most `window`
 *    Certificates being renewed at once for a renewal.
 *  - Nothing is stored: what is left comes from the annotation and the
 *    Certificates (their notBefore; Issuing=True with a message beginning
 *    CERTS_TRIGGER_MARK for those pca-issuer asked for), so a restart or a
 *    change of leader carries on without asking twice.
 *  - Progress: the issuer's Renewing condition ("N of M renewed, K
 *    failed"; False with reason Completed at the end, Cancelled when the
 *    annotation goes), Events RenewalStarted, RenewalFailed (one per
 *    Certificate whose renewal failed; pca-issuer does not retry it,
 *    cert-manager does with its own back-off), RenewalCompleted, and
 *    pca_issuer_bulk_renewal_certificates{issuer_kind,issuer,state}.
 *
 * Spreading (spread_ms > 0). Certificates of our issuers whose renewalTime
 * falls close together are renewed early, never late, so that renewals per
 * (account, region) stay at `rate`: slots are planned backwards from each
 * renewalTime at that rate (latest first). The latest Certificate of a herd,
 * and one with no other close to it, keep their renewalTime: cert-manager
 * renews them. The others get slots at least two seconds before their
 * renewalTime, so that cert-manager does not race them, and are renewed at
 * their slot if it is not more than spread_ms early; else they are left to
 * cert-manager too.
 *
 * Needs the Certificate tracker (handlers/certs.h) and update on
 * certificates/status; without it both are off, with one log line,
 * pca_issuer_permission_missing{resource="certificates/status",
 * verb="update"} and a Renewing condition saying so.
 */
#ifndef PCA_HANDLERS_RENEW_H
#define PCA_HANDLERS_RENEW_H

#include <stdint.h>

/*
 * Kubernetes API requests one renewal costs: the Certificate read and its
 * status written here, then the request's two annotations and its status,
 * and events (5.7 measured by bench_bulk_renewal.py).
 */
#define RENEW_KUBE_REQUESTS 6

struct certs;
struct issuers;
struct kube_client;
struct kube_events;
struct renew;

struct renew_opts {
	struct kube_client *kube;
	struct certs *certs;
	struct issuers *issuers;
	struct kube_events *events; /* may be NULL */
	double rate;                /* triggers per second per (account, region); > 0 */
	unsigned window;   /* Certificates being renewed at once per issuer; 0: rate x 20 */
	int64_t spread_ms; /* 0: no spreading */
};

struct renew *renew_create(const struct renew_opts *opts);
/* Only the leader asks for renewals and writes conditions. */
void renew_set_leader(struct renew *r, int leader);
/* An issuer object changed (its annotation perhaps) or went away. */
void renew_issuer_changed(struct renew *r, const char *issuer_key);
/* Stops asking for renewals (shutdown). */
void renew_stop(struct renew *r);
void renew_free(struct renew *r);

/* Tests: one pass of what the timer does. */
void renew_run(struct renew *r);

#endif
