/*
 * The seam through which a controller reaches its peers: every Kubernetes
 * write and read and every AWS Private CA call of the CertificateRequest and
 * issuer controllers goes through a struct ctl_io. The process uses the one
 * ctl_io_init() makes, over the Kubernetes client and aws/pca.h; the unit
 * tests put their own in its place, to answer each call as they choose
 * (a 404 during a write, a throttle, nothing at all) with no socket open.
 *
 * The operations have the contracts of the functions they stand for
 * (kube/write.h, kube/secret.h, kube/access.h, aws/pca.h): callbacks never run from
 * within the call that starts them, and none after a cancel. A stand-in
 * may return any non-NULL handle; the controllers only hand it back.
 */
#ifndef PCA_HANDLERS_CTL_IO_H
#define PCA_HANDLERS_CTL_IO_H

#include <stddef.h>

#include "aws/pca.h"
#include "kube/access.h"
#include "kube/secret.h"
#include "kube/write.h"

struct kube_client;

struct ctl_io {
	struct kube_write *(*cr_annotate)(void *ctx, const struct kube_cr *cr, const char *key,
	                                  const char *value, kube_write_cb cb, void *arg);
	struct kube_write *(*cr_status)(void *ctx, const struct kube_cr *cr,
	                                const struct kube_ready *ready,
	                                const struct kube_cr_result *res, kube_write_cb cb,
	                                void *arg);
	struct kube_write *(*issuer_status)(void *ctx, const struct kube_issuer *iss,
	                                    const struct kube_ready *ready,
	                                    const struct kube_ready *renewing, kube_write_cb cb,
	                                    void *arg);
	struct kube_write *(*issuer_annotate)(void *ctx, const struct kube_issuer *iss,
	                                      const char *const *keys, const char *const *values,
	                                      size_t n, kube_write_cb cb, void *arg);
	void (*write_cancel)(void *ctx, struct kube_write *w);
	struct kube_secret_read *(*secret_read)(void *ctx, const char *ns, const char *name,
	                                        const char *const *keys, size_t nkeys,
	                                        kube_secret_cb cb, void *arg);
	void (*secret_cancel)(void *ctx, struct kube_secret_read *r);
	struct aws_pca_call *(*pca_issue)(void *ctx, struct aws_pca *pca,
	                                  const struct aws_pca_issue_params *p, aws_pca_cb cb,
	                                  void *arg);
	struct aws_pca_call *(*pca_get_certificate)(void *ctx, struct aws_pca *pca,
	                                            const char *ca_arn, const char *cert_arn,
	                                            aws_pca_cb cb, void *arg);
	struct aws_pca_call *(*pca_describe_ca)(void *ctx, struct aws_pca *pca, const char *ca_arn,
	                                        aws_pca_cb cb, void *arg);
	struct aws_pca_call *(*pca_get_ca_certificate)(void *ctx, struct aws_pca *pca,
	                                               const char *ca_arn, aws_pca_cb cb,
	                                               void *arg);
	void (*pca_cancel)(void *ctx, struct aws_pca_call *call);
	struct kube_access *(*access_review)(void *ctx, const struct kube_access_request *rq,
	                                     kube_access_cb cb, void *arg);
	void (*access_cancel)(void *ctx, struct kube_access *a);
	void *ctx;
};

/* The real thing: Kubernetes through kube (borrowed), AWS through aws/pca.h. */
void ctl_io_init(struct ctl_io *io, struct kube_client *kube);
/* A copy of given, or the real thing over kube when given is NULL. */
void ctl_io_pick(struct ctl_io *io, const struct ctl_io *given, struct kube_client *kube);

#endif
