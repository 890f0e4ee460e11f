/*
 * The CertificateRequest controller: cert-manager's external-issuer contract
 * for requests whose issuerRef names an AWSPCAIssuer or AWSPCAClusterIssuer.
 *
 *  1. Requests whose issuerRef.group is not awspca.cert-manager.io are
 *     ignored and cost nothing. Kind AWSPCAClusterIssuer names the cluster
 *     issuer; any other kind the AWSPCAIssuer of the request's namespace,
 *     else the AWSPCAClusterIssuer of that name (as the Go issuer).
 *  2. Denied -> Ready=False reason Denied with failureTime; never signed.
 *  3. Not approved -> nothing written, one WaitingForApproval event
 *     (unless the approved check is disabled).
 *  4. Ready, Failed, Denied or InvalidRequest -> terminal, forgotten.
 *  5. A spec that cannot be read (spec.duration "-1h") -> Ready=False
 *     reason Failed with failureTime, the field named in the message.
 *  6. Issuer missing or not Ready -> Ready=False reason Pending, resumed as
 *     soon as the issuer's verdict changes.
 *  7. The CSR is parsed and checked against spec.isCA and spec.usages.
 *  8. Template, the CA's signing algorithm, validity now + spec.duration.
 *  9. The awspca.cert-manager.io/issue-started annotation is written, then
 *     IssueCertificate is sent with an IdempotencyToken from the request's
 *     UID. A request found with the annotation and no ARN (a restart in
 *     between) is counted and logged, and sent again with the same token.
 * 10. The certificate ARN goes into the aws-privateca-issuer/certificate-arn
 *     annotation before polling; an annotated request is never issued again.
 * 11. GetCertificate is polled with back-off while it is in progress.
 * 12. The leaf must carry the CSR's key; one server-side-apply status write
 *     sets certificate, ca and Ready=True reason Issued.
 *  8b. A certificate that would outlive its CA (now + duration after the
 *     CA's NotAfter) fails at once, naming both dates: AWS refuses it.
 *  9b. When more requests are ready to send IssueCertificate than the quota
 *     lets through, they wait in order of need (cr_priority): a request for
 *     a Certificate with no valid certificate (first issuance, expired, or
 *     no Certificate at all) ranks by when it was created; a renewal by
 *     the notAfter of the certificate it replaces, less an hour, so that it
 *     goes after new requests until its certificate is about to expire.
 * 13. Throttling and transient errors keep the request Pending and retry
 *     until the time spent retrying (not waiting for the issuer) reaches
 *     the maximum retry duration; then, or on a permanent error,
 *     Ready=False reason Failed with failureTime.
 *
 * Every write is conditional on the object's uid (kube/write.h): a request
 * deleted and created again under its name is a new request, and nothing
 * of the old one lands on it.
 *
 * Requests are handled concurrently: the only limit on throughput is the
 * Private CA quota enforced by the AWS client, not a worker count.
 *
 * The same controller signs Kubernetes CertificateSigningRequests
 * (opts.api KUBE_CR_KUBERNETES, read by kube/types_csr.c) with
 * cert-manager's rules for them:
 *  - signer awspcaclusterissuers.awspca.cert-manager.io/<name> or
 *    awspcaissuers.awspca.cert-manager.io/<namespace>.<name>; others are
 *    ignored;
 *  - only Approved ones are signed (disable_approved_check does not apply);
 *    Denied ones are counted and left alone;
 *  - for an AWSPCAIssuer, a SubjectAccessReview first: the requester
 *    (spec.username, groups, uid, extra) must be allowed `reference` on
 *    signers.awspca.cert-manager.io named after the issuer (or "*") in its
 *    namespace, else Failed;
 *  - nothing is written while a request waits (a CSR has no Pending
 *    condition): an event says why;
 *  - on success the CA goes into the experimental.cert-manager.io/ca
 *    annotation (base64 of the PEM), then status.certificate gets the leaf
 *    and intermediates; a failure is the Failed condition.
 */
#ifndef PCA_HANDLERS_CERTREQS_H
#define PCA_HANDLERS_CERTREQS_H

#include <stddef.h>
#include <stdint.h>

#include "kube/types.h"

struct ctl_io;
struct kube_client;
struct kube_events;
struct kube_reflector;
struct issuers;
struct certs;
struct certreqs;

struct certreqs_opts {
	enum kube_cr_api
	    api; /* which requests: CertificateRequests or CertificateSigningRequests */
	struct kube_client *kube;
	const struct ctl_io *io; /* NULL: the real one over kube (copied) */
	struct issuers *issuers;
	struct certs *certs;        /* ranks renewals by expiry; may be NULL */
	struct kube_events *events; /* may be NULL */
	const char *namespace;      /* NULL: every namespace */
	int disable_approved_check;
	uint64_t max_retry_ms;
	size_t max_line;
};

struct certreqs *certreqs_create(const struct certreqs_opts *opts);
void certreqs_start(struct certreqs *ctl);
void certreqs_set_leader(struct certreqs *ctl, int leader);
/* Stops taking new work; calls in flight finish (graceful shutdown). */
void certreqs_stop(struct certreqs *ctl);
void certreqs_free(struct certreqs *ctl);
/* An issuer's verdict changed: wake the requests waiting for it. */
void certreqs_issuer_changed(struct certreqs *ctl, const char *issuer_key);

/*
 * For tests: the reflector, to feed watch lines with
 * kube_reflector_feed_line() (it need not be started), and a pass of the
 * work queue at the clock's now (a fake clock does not wake its timer).
 */
struct kube_reflector *certreqs_reflector(struct certreqs *ctl);
void certreqs_poll(struct certreqs *ctl);

#endif
