/*
 * SubjectAccessReview (authorization.k8s.io/v1): may this requester do
 * verb on group/resource (name) in namespace? Asked on behalf of the user
 * who created a CertificateSigningRequest before a namespaced issuer signs
 * it (handlers/certreqs.h). Needs `create` on subjectaccessreviews.
 *
 * Ownership: the request's strings are borrowed for the duration of the
 * call that starts the review. The result lives for the callback. After
 * kube_access_cancel() no callback runs; the callback never runs from
 * within kube_access_review().
 */
#ifndef PCA_KUBE_ACCESS_H
#define PCA_KUBE_ACCESS_H

#include <stddef.h>

#include "core/buf.h"

struct kube_client;
struct kube_access;

struct kube_access_request {
	const char *user, *uid;    /* uid may be NULL */
	const char *const *groups; /* NULL-terminated, may be NULL */
	const char *extra_json;    /* a JSON object of string lists, or NULL */
	const char *verb, *group, *resource, *namespace, *name;
};

enum kube_access_err {
	KUBE_ACCESS_OK,          /* answered: see allowed */
	KUBE_ACCESS_FORBIDDEN,   /* 403: the role may not create reviews */
	KUBE_ACCESS_UNAVAILABLE, /* no answer, 429, 5xx, or an answer that cannot be read */
	KUBE_ACCESS_INVALID,     /* 4xx: the review was refused */
};

struct kube_access_result {
	enum kube_access_err err;
	long status;
	int allowed;
	const char *reason; /* status.reason of the review, or the error; "" when none */
};

typedef void (*kube_access_cb)(const struct kube_access_result *res, void *arg);

struct kube_access *kube_access_review(struct kube_client *c, const struct kube_access_request *rq,
                                       kube_access_cb cb, void *arg);
void kube_access_cancel(struct kube_access *a);

/* The review's JSON body, for tests. */
void kube_access_review_body(struct buf *out, const struct kube_access_request *rq);
/*
 * Reads an answer's status.allowed and status.reason (a new string or NULL).
 * 0, or -1 when the answer is not a review.
 */
int kube_access_review_answer(const char *json, size_t len, int *allowed, char **reason);

#endif
