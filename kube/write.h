/*
 * The writes the controllers make, typed: an annotation on a
 * CertificateRequest, the status of a CertificateRequest, the status of an
 * issuer, annotations on an issuer. Each write
 *
 *   - belongs to one object and is conditional on it: the body carries the
 *     object's metadata.uid, so it can never land on a namesake created
 *     since (the API server refuses a changed uid on the main resource);
 *     status writes also carry metadata.resourceVersion, since the status
 *     subresource ignores metadata.uid and only the resourceVersion
 *     precondition protects it;
 *   - decodes the answer into the typed object (kube/types.h), which is
 *     what the next step works from: the watch may be slower;
 *   - on 409 Conflict (or 422 for a changed uid) reads the object again and
 *     reports KUBE_WRITE_CHANGED with the fresh object, or KUBE_WRITE_GONE
 *     when it was deleted or replaced, so the controller decides again;
 *   - under a role without `patch` on the main resource (the Go issuer's
 *     Helm chart grants only `update` on certificaterequests), an
 *     annotation is written as a read-modify-write `update` with the
 *     resourceVersion. The first 403 is reported once through
 *     kube_permission_missing() (kube/permission.h: a log line and
 *     pca_issuer_permission_missing{resource,verb}); every write done this
 *     way is counted in pca_issuer_kube_write_fallbacks_total{resource},
 *     and later annotation writes go straight to the update.
 *
 * Status bodies are server-side-apply patches with field manager
 * KUBE_WRITE_FIELD_MANAGER, so that other conditions (cert-manager's
 * Approved, Denied, InvalidRequest) keep their own managers; this needs the
 * CertificateRequest CRD's conditions to be a list-map keyed by type
 * (cert-manager 1.8 and later). Messages pass through core/secrets.h.
 *
 * Ownership: the objects and strings passed in are borrowed for the
 * duration of the call that starts the write. The result and its message
 * live for the callback; res->obj may be taken by the callback (set it to
 * NULL), else it is freed afterwards. After kube_write_cancel() no callback
 * runs.
 */
#ifndef PCA_KUBE_WRITE_H
#define PCA_KUBE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct kube_client;
struct kube_cr;
struct kube_issuer;
struct kube_condition;
struct kube_write;

#define KUBE_WRITE_FIELD_MANAGER "pca-issuer"

enum kube_write_err {
	KUBE_WRITE_OK,        /* written; res->obj is the object as stored */
	KUBE_WRITE_CHANGED,   /* the object changed since it was read; res->obj is the fresh one */
	KUBE_WRITE_GONE,      /* deleted, or replaced by a namesake with another uid */
	KUBE_WRITE_FORBIDDEN, /* 403 on every path */
	KUBE_WRITE_INVALID,   /* 400 or 422: the body was refused */
	KUBE_WRITE_UNAVAILABLE, /* no answer, 429 or 5xx: try again later */
};

struct kube_write_result {
	enum kube_write_err err;
	long status;         /* HTTP status of the last answer; 0 without one */
	const char *message; /* "" on success */
	void *obj;           /* struct kube_cr or struct kube_issuer, or NULL */
};

typedef void (*kube_write_cb)(struct kube_write_result *res, void *arg);

/* The Ready condition pca-issuer sets on its objects. */
struct kube_ready {
	int ok;                      /* "True" or "False" */
	const char *reason;          /* CamelCase, e.g. "Issued", "Pending", "Failed" */
	const char *message;         /* a sentence for the user */
	int64_t observed_generation; /* 0 to leave out */
};

/* What a CertificateRequest status write sets besides the Ready condition. */
struct kube_cr_result {
	const char *certificate; /* PEM leaf and intermediates, or NULL */
	const char *ca;          /* PEM, or NULL */
	int failure_time;        /* set status.failureTime to now */
};

/*
 * Whether writing ready would change what prev shows (status, reason,
 * message, or the observed generation).
 */
int kube_ready_differs(const struct kube_condition *prev, const struct kube_ready *ready);

/*
 * Sets metadata.annotations[key] = value on cr. A CertificateSigningRequest
 * is always annotated with a read-modify-write update.
 */
struct kube_write *kube_write_cr_annotate(struct kube_client *c, const struct kube_cr *cr,
                                          const char *key, const char *value, kube_write_cb cb,
                                          void *arg);
/*
 * Applies the Ready condition (and what res holds) to cr's status. res may
 * be NULL. For a CertificateSigningRequest only final outcomes are written:
 * status.certificate when ready->ok, else the Failed condition with the
 * reason and message of ready (res->ca goes in an annotation, written with
 * kube_write_cr_annotate() before).
 */
struct kube_write *kube_write_cr_status(struct kube_client *c, const struct kube_cr *cr,
                                        const struct kube_ready *ready,
                                        const struct kube_cr_result *res, kube_write_cb cb,
                                        void *arg);
/*
 * Applies an issuer's status: the Ready condition and, when renewing is not
 * NULL, the Renewing condition of a bulk renewal (handlers/renew.h). The
 * conditions list of the issuer CRDs is atomic, so every write carries both.
 */
struct kube_write *kube_write_issuer_status(struct kube_client *c, const struct kube_issuer *iss,
                                            const struct kube_ready *ready,
                                            const struct kube_ready *renewing, kube_write_cb cb,
                                            void *arg);
/*
 * Sets n annotations (keys[i] = values[i]) on an issuer with one merge
 * patch of the object. Needs patch on the issuer kind; a 403 is
 * KUBE_WRITE_FORBIDDEN (no fallback).
 */
struct kube_write *kube_write_issuer_annotate(struct kube_client *c, const struct kube_issuer *iss,
                                              const char *const *keys, const char *const *values,
                                              size_t n, kube_write_cb cb, void *arg);
void kube_write_cancel(struct kube_write *w);

/*
 * The bodies, for tests: the apply body of a status write (now_ms is the
 * time written as lastTransitionTime and failureTime), and the JSON text of
 * an object with one annotation set (0, or -1 when json is not an object
 * with metadata).
 */
void kube_write_cr_status_body(struct buf *out, const struct kube_cr *cr,
                               const struct kube_ready *ready, const struct kube_cr_result *res,
                               int64_t now_ms);
void kube_write_issuer_status_body(struct buf *out, const struct kube_issuer *iss,
                                   const struct kube_ready *ready,
                                   const struct kube_ready *renewing, int64_t now_ms);
int kube_write_set_annotation(struct buf *out, const char *json, size_t len, const char *key,
                              const char *value);

#endif
