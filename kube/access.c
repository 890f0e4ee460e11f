/*
 * SubjectAccessReview: one POST, one answer (the contract is in access.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/jenc.h"
#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/access.h"
#include "kube/client.h"

#define KUBE_ACCESS_PATH "/apis/authorization.k8s.io/v1/subjectaccessreviews"

struct kube_access {
	struct kube_call *call;
	kube_access_cb cb;
	void *arg;
};

void
kube_access_review_body(struct buf *out, const struct kube_access_request *rq)
{
	struct jenc e;
	const char *const *g;

	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "apiVersion", "authorization.k8s.io/v1");
	jenc_kv_str(&e, "kind", "SubjectAccessReview");
	jenc_key(&e, "spec");
	jenc_obj_open(&e);
	jenc_key(&e, "resourceAttributes");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "verb", rq->verb);
	jenc_kv_str(&e, "group", rq->group);
	jenc_kv_str(&e, "resource", rq->resource);
	if (rq->namespace != NULL && *rq->namespace != '\0')
		jenc_kv_str(&e, "namespace", rq->namespace);
	if (rq->name != NULL && *rq->name != '\0')
		jenc_kv_str(&e, "name", rq->name);
	jenc_obj_close(&e);
	jenc_kv_str(&e, "user", rq->user != NULL ? rq->user : "");
	if (rq->uid != NULL && *rq->uid != '\0')
		jenc_kv_str(&e, "uid", rq->uid);
	if (rq->groups != NULL && rq->groups[0] != NULL) {
		jenc_key(&e, "groups");
		jenc_arr_open(&e);
		for (g = rq->groups; *g != NULL; g++)
			jenc_str(&e, *g);
		jenc_arr_close(&e);
	}
	if (rq->extra_json != NULL) {
		jenc_key(&e, "extra");
		jenc_raw(&e, rq->extra_json, strlen(rq->extra_json));
	}
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

int
kube_access_review_answer(const char *json, size_t len, int *allowed, char **reason)
{
	struct jtok *d = NULL;
	int status, rc = -1;

	*allowed = 0;
	*reason = NULL;
	if (jtok_parse(json, len, &d, NULL) != 0)
		return -1;
	status = jtok_get(d, JTOK_ROOT, "status");
	if (jtok_type(d, status) == JTOK_OBJECT) {
		/* allowed is omitted when false. */
		if (jtok_get_bool(d, status, "allowed", allowed) == -1)
			goto out;
		if (jtok_get_str(d, status, "reason", reason) == -1)
			goto out;
		rc = 0;
	}
out:
	jtok_free(d);
	return rc;
}

static void
kube_access_on_answer(const struct kube_resp *resp, void *arg)
{
	struct kube_access *a = arg;
	struct kube_access_result res = {KUBE_ACCESS_UNAVAILABLE, resp->status, 0, ""};
	char *reason = NULL;

	a->call = NULL;
	if (resp->err == KUBE_OK && resp->status / 100 == 2) {
		if (kube_access_review_answer(resp->body.p, resp->body.len, &res.allowed,
		                              &reason) == 0) {
			res.err = KUBE_ACCESS_OK;
			res.reason = reason != NULL ? reason : "";
		} else
			res.reason = "the answer is not a SubjectAccessReview";
	} else if (resp->err == KUBE_OK && resp->status == 403) {
		res.err = KUBE_ACCESS_FORBIDDEN;
		res.reason = resp->message;
	} else if (resp->err == KUBE_OK && resp->status / 100 == 4 && resp->status != 429) {
		res.err = KUBE_ACCESS_INVALID;
		res.reason = resp->message;
	} else
		res.reason = resp->message;
	a->cb(&res, a->arg);
	free(reason);
	free(a);
}

struct kube_access *
kube_access_review(struct kube_client *c, const struct kube_access_request *rq, kube_access_cb cb,
                   void *arg)
{
	struct kube_access *a = xcalloc(1, sizeof *a);
	struct buf body = BUF_INIT;

	a->cb = cb;
	a->arg = arg;
	kube_access_review_body(&body, rq);
	a->call = kube_client_post(c, KUBE_ACCESS_PATH, body.p, body.len, kube_access_on_answer, a);
	buf_clear(&body);
	return a;
}

void
kube_access_cancel(struct kube_access *a)
{
	if (a == NULL)
		return;
	kube_client_cancel(a->call);
	free(a);
}
