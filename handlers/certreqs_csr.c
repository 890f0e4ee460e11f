/*
 * What the controller does for CertificateSigningRequests only (the rules
 * are in certreqs.h): the requester's access review before a namespaced
 * issuer signs, and the CA annotation before the certificate is written.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "handlers/certreqs_impl.h"
#include "kube/access.h"
#include "kube/permission.h"
#include "kube/types.h"
#include "kube/write.h"

static void
cr_on_access(const struct kube_access_result *res, void *arg)
{
	struct cr *cr = arg;
	const struct kube_cr *o = cr->obj;
	char *msg;

	cr->access = NULL;
	switch (res->err) {
	case KUBE_ACCESS_OK:
		if (res->allowed) {
			cr->authorized = 1;
			cr_done(cr, WORKQ_AFTER, 0);
			return;
		}
		if (!cr->access_star) {
			/* Not for this name: maybe for "*", as a Role can list it. */
			cr->access_star = 1;
			cr_authorize(cr);
			return;
		}
		msg = xasprintf(
		    "%s is not allowed to use AWSPCAIssuer %s/%s: it needs the verb "
		    "\"reference\" on resource \"signers\" of group \"%s\" named \"%s\" "
		    "(or \"*\") in namespace %s%s%s",
		    o->username != NULL ? o->username : "the requester", o->issuer_namespace,
		    o->issuer_name, KUBE_AWSPCA_GROUP, o->issuer_name, o->issuer_namespace,
		    *res->reason != '\0' ? ": " : "", res->reason);
		cr_fail(cr, msg);
		free(msg);
		return;
	case KUBE_ACCESS_FORBIDDEN:
		kube_permission_missing("subjectaccessreviews", "create",
		                        "CertificateSigningRequests for AWSPCAIssuers wait");
		break;
	default:
		log_warn("cannot review the requester's access", "cr", cr->key, "error",
		         res->reason);
		break;
	}
	cr->access_star = 0;
	cr_done(cr, WORKQ_RETRY, 0);
}

/*
 * A CertificateSigningRequest for a namespaced issuer: may its requester
 * use that issuer? Asked for the issuer's name, then for "*".
 */
void
cr_authorize(struct cr *cr)
{
	const struct kube_cr *o = cr->obj;
	struct kube_access_request rq;

	memset(&rq, 0, sizeof rq);
	rq.user = o->username;
	rq.uid = o->requester_uid;
	rq.groups = (const char *const *)o->groups;
	rq.extra_json = o->extra_json;
	rq.verb = "reference";
	rq.group = KUBE_AWSPCA_GROUP;
	rq.resource = "signers";
	rq.namespace = o->issuer_namespace;
	rq.name = cr->access_star ? "*" : o->issuer_name;
	cr_set_state(cr, CR_AUTHORIZING);
	cr->access = cr->ctl->io.access_review(cr->ctl->io.ctx, &rq, cr_on_access, cr);
}

static void
cr_on_ca_annotated(struct kube_write_result *res, void *arg)
{
	struct cr *cr = arg;
	struct kube_ready ready = {1, "Issued", "Certificate issued", 0};
	char *certificate;

	if (cr_write_answer(cr, res, "CA annotation") != 0)
		return;
	certificate = cr->pending_certificate;
	cr->pending_certificate = NULL;
	cr_set_state(cr, CR_WRITING);
	cr_write(cr, &ready, certificate, NULL);
	free(certificate);
}

/*
 * A CertificateSigningRequest's CA goes into an annotation, base64 of the
 * PEM as cert-manager writes it; the certificate waits in the entry.
 */
void
cr_annotate_ca(struct cr *cr, const char *certificate, const char *ca)
{
	struct buf b64 = BUF_INIT;

	free(cr->pending_certificate);
	cr->pending_certificate = xstrdup(certificate);
	codec_base64_encode(&b64, ca, strlen(ca));
	cr_set_state(cr, CR_ANNOTATING);
	cr->write = cr->ctl->io.cr_annotate(cr->ctl->io.ctx, cr->obj, KUBE_CSR_CA_ANNOTATION,
	                                    buf_str(&b64), cr_on_ca_annotated, cr);
	buf_clear(&b64);
}
