/*
 * The status pca-issuer writes, as server-side-apply bodies: the Ready
 * condition of an issuer, and the Ready condition, certificate, CA and
 * failure time of a CertificateRequest. Applying only these fields with
 * field manager STATUS_FIELD_MANAGER leaves every other condition (cert-
 * manager's Approved, Denied, InvalidRequest) with its own manager.
 */
#ifndef PCA_HANDLERS_STATUS_H
#define PCA_HANDLERS_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct kube_condition;

#define STATUS_FIELD_MANAGER "pca-issuer"

/* The condition pca-issuer sets. */
struct status_ready {
	int ok;                      /* "True" or "False" */
	const char *reason;          /* CamelCase, e.g. "Issued", "Pending", "Failed" */
	const char *message;         /* a sentence for the user */
	int64_t observed_generation; /* 0 to leave out */
};

/*
 * Whether applying ready would change what prev shows (status, reason or
 * message, or the observed generation).
 */
int status_ready_differs(const struct kube_condition *prev, const struct status_ready *ready);

/*
 * The apply body for an issuer's status. prev is its current Ready condition,
 * whose lastTransitionTime is kept when the status does not change.
 */
void status_issuer_apply(struct buf *out, int cluster, const char *ns, const char *name,
                         const struct kube_condition *prev, const struct status_ready *ready,
                         int64_t now_ms);

/*
 * The apply body for a CertificateRequest's status. certificate and ca are
 * PEM (encoded to base64 here) or NULL; failure_time adds
 * status.failureTime = now (cert-manager retries a failed request only when
 * it is set).
 */
void status_cr_apply(struct buf *out, const char *ns, const char *name,
                     const struct kube_condition *prev, const struct status_ready *ready,
                     const char *certificate, const char *ca, int failure_time, int64_t now_ms);

/* The merge patch that records the certificate ARN in the annotation. */
void status_cr_annotate(struct buf *out, const char *certificate_arn);

#endif
