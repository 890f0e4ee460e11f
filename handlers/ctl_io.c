/*
 * The controllers' seam over the real clients (see ctl_io.h): each
 * operation is the function of kube/ or aws/ it stands for.
 */
#include "handlers/ctl_io.h"
#include "kube/client.h"

static struct kube_write *
ctl_io_cr_annotate(void *ctx, const struct kube_cr *cr, const char *key, const char *value,
                   kube_write_cb cb, void *arg)
{
	return kube_write_cr_annotate(ctx, cr, key, value, cb, arg);
}

static struct kube_write *
ctl_io_cr_status(void *ctx, const struct kube_cr *cr, const struct kube_ready *ready,
                 const struct kube_cr_result *res, kube_write_cb cb, void *arg)
{
	return kube_write_cr_status(ctx, cr, ready, res, cb, arg);
}

static struct kube_write *
ctl_io_issuer_status(void *ctx, const struct kube_issuer *iss, const struct kube_ready *ready,
                     const struct kube_ready *renewing, kube_write_cb cb, void *arg)
{
	return kube_write_issuer_status(ctx, iss, ready, renewing, cb, arg);
}

static struct kube_write *
ctl_io_issuer_annotate(void *ctx, const struct kube_issuer *iss, const char *const *keys,
                       const char *const *values, size_t n, kube_write_cb cb, void *arg)
{
	return kube_write_issuer_annotate(ctx, iss, keys, values, n, cb, arg);
}

static void
ctl_io_write_cancel(void *ctx, struct kube_write *w)
{
	(void)ctx;
	kube_write_cancel(w);
}

static struct kube_secret_read *
ctl_io_secret_read(void *ctx, const char *ns, const char *name, const char *const *keys,
                   size_t nkeys, kube_secret_cb cb, void *arg)
{
	return kube_secret_read(ctx, ns, name, keys, nkeys, cb, arg);
}

static void
ctl_io_secret_cancel(void *ctx, struct kube_secret_read *r)
{
	(void)ctx;
	kube_secret_cancel(r);
}

static struct aws_pca_call *
ctl_io_pca_issue(void *ctx, struct aws_pca *pca, const struct aws_pca_issue_params *p,
                 aws_pca_cb cb, void *arg)
{
	(void)ctx;
	return aws_pca_issue(pca, p, cb, arg);
}

static struct aws_pca_call *
ctl_io_pca_get_certificate(void *ctx, struct aws_pca *pca, const char *ca_arn, const char *cert_arn,
                           aws_pca_cb cb, void *arg)
{
	(void)ctx;
	return aws_pca_get_certificate(pca, ca_arn, cert_arn, cb, arg);
}

static struct aws_pca_call *
ctl_io_pca_describe_ca(void *ctx, struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	(void)ctx;
	return aws_pca_describe_ca(pca, ca_arn, cb, arg);
}

static struct aws_pca_call *
ctl_io_pca_get_ca_certificate(void *ctx, struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb,
                              void *arg)
{
	(void)ctx;
	return aws_pca_get_ca_certificate(pca, ca_arn, cb, arg);
}

static void
ctl_io_pca_cancel(void *ctx, struct aws_pca_call *call)
{
	(void)ctx;
	aws_pca_cancel(call);
}

static struct kube_access *
ctl_io_access_review(void *ctx, const struct kube_access_request *rq, kube_access_cb cb, void *arg)
{
	return kube_access_review(ctx, rq, cb, arg);
}

static void
ctl_io_access_cancel(void *ctx, struct kube_access *a)
{
	(void)ctx;
	kube_access_cancel(a);
}

void
ctl_io_init(struct ctl_io *io, struct kube_client *kube)
{
	io->cr_annotate = ctl_io_cr_annotate;
	io->cr_status = ctl_io_cr_status;
	io->issuer_status = ctl_io_issuer_status;
	io->issuer_annotate = ctl_io_issuer_annotate;
	io->write_cancel = ctl_io_write_cancel;
	io->secret_read = ctl_io_secret_read;
	io->secret_cancel = ctl_io_secret_cancel;
	io->pca_issue = ctl_io_pca_issue;
	io->pca_get_certificate = ctl_io_pca_get_certificate;
	io->pca_describe_ca = ctl_io_pca_describe_ca;
	io->pca_get_ca_certificate = ctl_io_pca_get_ca_certificate;
	io->pca_cancel = ctl_io_pca_cancel;
	io->access_review = ctl_io_access_review;
	io->access_cancel = ctl_io_access_cancel;
	io->ctx = kube;
}

void
ctl_io_pick(struct ctl_io *io, const struct ctl_io *given, struct kube_client *kube)
{
	if (given != NULL)
		*io = *given;
	else
		ctl_io_init(io, kube);
}
