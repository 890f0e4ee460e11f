/*
 * Triggering a cert-manager Certificate's renewal the way `cmctl renew`
 * does, so that cert-manager handles it as its own: the Certificate is
 * read, condition Issuing=True (reason ManuallyTriggered, the caller's
 * message, observedGeneration = metadata.generation) takes the place of
 * any Issuing condition, and the object is written back to /status by an
 * update (PUT) carrying the resourceVersion read. A 409 reads again and
 * tries again, up to five times. A Certificate that is already Issuing is
 * left alone. Needs get on certificates and update on
 * certificates/status.
 */
#ifndef PCA_KUBE_CERTIFICATE_H
#define PCA_KUBE_CERTIFICATE_H

#include <stdint.h>

#include "kube/client.h"

struct buf;
struct kube_renew;

enum kube_renew_err {
	KUBE_RENEW_OK,        /* Issuing=True written */
	KUBE_RENEW_ISSUING,   /* it was Issuing already: nothing written */
	KUBE_RENEW_GONE,      /* 404, or another object (uid) under the name */
	KUBE_RENEW_FORBIDDEN, /* 403 */
	KUBE_RENEW_ERROR,     /* anything else, conflicts that did not stop included */
};

struct kube_renew_result {
	enum kube_renew_err err;
	long status; /* the HTTP status of the last answer, 0 without one */
	const char *message;
};

typedef void (*kube_renew_cb)(const struct kube_renew_result *res, void *arg);

/*
 * Starts the renewal of Certificate ns/name; uid, when not NULL, must be the
 * object's (a namesake is GONE). message is the Issuing condition's. The
 * callback runs once, never from within this call; not after a cancel.
 */
struct kube_renew *kube_certificate_renew(struct kube_client *c, const char *ns, const char *name,
                                          const char *uid, const char *message, kube_renew_cb cb,
                                          void *arg);
void kube_renew_cancel(struct kube_renew *r);

/*
 * The body of the write, for tests: json (a Certificate) with Issuing=True
 * set as above and lastTransitionTime now_ms, into out; 1 when it is Issuing
 * already (out untouched), 0 when out holds the object to write, -1 when
 * json is not an object.
 */
int kube_certificate_set_issuing(struct buf *out, const char *json, size_t len, const char *message,
                                 int64_t now_ms);

#endif
