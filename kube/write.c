/*
 * Typed, conditional writes (the contract is in write.h). A write is a
 * short chain of calls, one at a time, in one of these states:
 *
 *   PATCHING --2xx--> done            PATCHING --409/422--> REREADING --> done
 *      |                                    (the object changed or went)
 *      +--403 (annotation)--> READING --> UPDATING --2xx--> done
 *                                            +--409--> REREADING --> done
 *
 * kube_write_cancel() cancels whichever call is out.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/secrets.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/permission.h"
#include "kube/types.h"
#include "kube/write.h"

enum kube_write_kind {
	KUBE_WRITE_ANNOTATE,
	KUBE_WRITE_CR_STATUS,
	KUBE_WRITE_ISSUER_STATUS,
	KUBE_WRITE_ISSUER_ANNOTATE,
};

enum kube_write_state {
	KUBE_WRITE_PATCHING,
	KUBE_WRITE_READING, /* GET for a read-modify-write update */
	KUBE_WRITE_UPDATING,
	KUBE_WRITE_REREADING, /* GET after a conflict, to hand back the fresh object */
};

struct kube_write {
	struct kube_client *c;
	enum kube_write_kind kind;
	enum kube_write_state state;
	const struct kube_type *type;
	char *path; /* the object; status writes append "/status" themselves */
	char *uid;
	char *key, *value; /* KUBE_WRITE_ANNOTATE */
	struct buf body;
	struct kube_call *call;
	kube_write_cb cb;
	void *arg;
	/* What the first answer said, reported if a re-read finds the object unchanged. */
	long first_status;
	char *first_message;
};

/*
 * Whether `patch` on certificaterequests was refused once: annotations then
 * go straight to a read-modify-write update.
 */
static int kube_write_no_patch;
static struct metric *kube_write_m_fallbacks;

static void kube_write_on_answer(const struct kube_resp *resp, void *arg);

static void
kube_write_free(struct kube_write *w)
{
	free(w->path);
	free(w->uid);
	free(w->key);
	free(w->value);
	free(w->first_message);
	buf_clear(&w->body);
	free(w);
}

void
kube_write_cancel(struct kube_write *w)
{
	if (w == NULL)
		return;
	kube_client_cancel(w->call);
	kube_write_free(w);
}

/* Hands the outcome to the owner and frees the write. */
static void
kube_write_finish(struct kube_write *w, enum kube_write_err err, long status, const char *message,
                  void *obj)
{
	struct kube_write_result res;

	res.err = err;
	res.status = status;
	res.message = message != NULL ? message : "";
	res.obj = obj;
	w->cb(&res, w->arg);
	if (res.obj != NULL)
		w->type->free(res.obj);
	kube_write_free(w);
}

/* Decodes an answer's object; NULL when it cannot be read. */
static void *
kube_write_decode(const struct kube_write *w, struct span body, char **uid)
{
	struct jtok *d = NULL;
	char *cause = NULL;
	void *obj = NULL;

	*uid = NULL;
	if (jtok_parse(body.p, body.len, &d, &cause) != 0) {
		log_warn("a write's answer is not JSON", "path", w->path, "error", cause);
		free(cause);
		return NULL;
	}
	(void)jtok_get_str(d, jtok_get(d, JTOK_ROOT, "metadata"), "uid", uid);
	obj = w->type->decode(d, JTOK_ROOT, &cause);
	if (obj == NULL) {
		log_warn("a write's answer cannot be decoded", "path", w->path, "error", cause);
		free(cause);
	}
	jtok_free(d);
	return obj;
}

static enum kube_write_err
kube_write_classify(const struct kube_resp *resp)
{
	if (resp->err != KUBE_OK || resp->status == 429 || resp->status >= 500)
		return KUBE_WRITE_UNAVAILABLE;
	if (resp->status == 404)
		return KUBE_WRITE_GONE;
	if (resp->status == 403)
		return KUBE_WRITE_FORBIDDEN;
	if (resp->status == 409)
		return KUBE_WRITE_CHANGED;
	return KUBE_WRITE_INVALID;
}

static void
kube_write_get(struct kube_write *w, enum kube_write_state state)
{
	w->state = state;
	w->call = kube_client_get(w->c, w->path, kube_write_on_answer, w);
}

/* The answer to the PUT or PATCH: done, or read the object again. */
static void
kube_write_on_written(struct kube_write *w, const struct kube_resp *resp)
{
	enum kube_write_err err = kube_write_classify(resp);
	char *uid = NULL;
	void *obj;

	if (resp->err == KUBE_OK && resp->status / 100 == 2) {
		obj = kube_write_decode(w, resp->body, &uid);
		free(uid);
		kube_write_finish(w, KUBE_WRITE_OK, resp->status, "", obj);
		return;
	}
	if (err == KUBE_WRITE_FORBIDDEN && w->kind == KUBE_WRITE_ANNOTATE &&
	    w->state == KUBE_WRITE_PATCHING) {
		kube_permission_missing("certificaterequests", "patch",
		                        "annotations are written with get and update instead");
		kube_write_no_patch = 1;
		metrics_inc(kube_write_m_fallbacks, "certificaterequests");
		kube_write_get(w, KUBE_WRITE_READING);
		return;
	}
	if (resp->status == 409 || resp->status == 422) {
		/* Another version, or another object under the name: look. */
		w->first_status = resp->status;
		w->first_message = xstrdup(resp->message);
		kube_write_get(w, KUBE_WRITE_REREADING);
		return;
	}
	kube_write_finish(w, err, resp->status, resp->message, NULL);
}

/* A fresh copy after a conflict: changed, gone, or (422 on the same object) refused. */
static void
kube_write_on_reread(struct kube_write *w, const struct kube_resp *resp)
{
	char *uid = NULL, *msg;
	void *obj;

	if (resp->err != KUBE_OK || resp->status != 200) {
		kube_write_finish(w, kube_write_classify(resp), resp->status, resp->message, NULL);
		return;
	}
	obj = kube_write_decode(w, resp->body, &uid);
	if (uid == NULL || strcmp(uid, w->uid) != 0) {
		if (obj != NULL)
			w->type->free(obj);
		kube_write_finish(w, KUBE_WRITE_GONE, w->first_status,
		                  "the object was deleted and created again under its name", NULL);
	} else if (w->first_status == 422) {
		if (obj != NULL)
			w->type->free(obj);
		msg = xstrdup(w->first_message);
		kube_write_finish(w, KUBE_WRITE_INVALID, 422, msg, NULL);
		free(msg);
	} else
		kube_write_finish(w, KUBE_WRITE_CHANGED, 409,
		                  "the object changed since it was read", obj);
	free(uid);
}

/* The object for a read-modify-write update: set the annotation and PUT it. */
static void
kube_write_on_read(struct kube_write *w, const struct kube_resp *resp)
{
	char *uid = NULL;
	void *obj;

	if (resp->err != KUBE_OK || resp->status != 200) {
		kube_write_finish(w, kube_write_classify(resp), resp->status, resp->message, NULL);
		return;
	}
	obj = kube_write_decode(w, resp->body, &uid);
	if (obj != NULL)
		w->type->free(obj);
	if (uid == NULL || strcmp(uid, w->uid) != 0) {
		free(uid);
		kube_write_finish(w, KUBE_WRITE_GONE, 200,
		                  "the object was deleted and created again under its name", NULL);
		return;
	}
	free(uid);
	buf_reset(&w->body);
	if (kube_write_set_annotation(&w->body, resp->body.p, resp->body.len, w->key, w->value) !=
	    0) {
		kube_write_finish(w, KUBE_WRITE_INVALID, 200,
		                  "the object read back has no metadata to annotate", NULL);
		return;
	}
	w->state = KUBE_WRITE_UPDATING;
	w->call = kube_client_put(w->c, w->path, w->body.p, w->body.len, kube_write_on_answer, w);
}

static void
kube_write_on_answer(const struct kube_resp *resp, void *arg)
{
	struct kube_write *w = arg;

	w->call = NULL;
	switch (w->state) {
	case KUBE_WRITE_PATCHING:
	case KUBE_WRITE_UPDATING:
		kube_write_on_written(w, resp);
		break;
	case KUBE_WRITE_READING:
		kube_write_on_read(w, resp);
		break;
	case KUBE_WRITE_REREADING:
		kube_write_on_reread(w, resp);
		break;
	}
}

static struct kube_write *
kube_write_new(struct kube_client *c, enum kube_write_kind kind, const struct kube_type *type,
               const char *ns, const char *name, const char *uid, kube_write_cb cb, void *arg)
{
	struct kube_write *w = xcalloc(1, sizeof *w);

	if (kube_write_m_fallbacks == NULL)
		kube_write_m_fallbacks =
		    metrics_counter("pca_issuer_kube_write_fallbacks_total",
		                    "Writes done as get and update because the role does not allow "
		                    "patch on the resource.",
		                    "resource");
	w->c = c;
	w->kind = kind;
	w->type = type;
	w->path = kube_path(type->resource, ns, name, NULL);
	w->uid = xstrdup(uid != NULL ? uid : "");
	w->cb = cb;
	w->arg = arg;
	buf_init(&w->body);
	return w;
}

/* ---- bodies ---- */

static int
kube_write_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
kube_ready_differs(const struct kube_condition *prev, const struct kube_ready *ready)
{
	enum kube_cond want = ready->ok ? KUBE_COND_TRUE : KUBE_COND_FALSE;
	char *message;
	int same;

	if (prev == NULL || prev->status != want || !kube_write_str_eq(prev->reason, ready->reason))
		return 1;
	/* What is stored is the scrubbed message. */
	message = secrets_scrub(ready->message != NULL ? ready->message : "");
	same = kube_write_str_eq(prev->message, message);
	free(message);
	if (!same)
		return 1;
	return ready->observed_generation != 0 &&
	       prev->observed_generation != ready->observed_generation;
}

/* One condition of type; the transition time moves only when the status does. */
static void
kube_write_condition(struct jenc *e, const char *type, const struct kube_condition *prev,
                     const struct kube_ready *c, const char *now)
{
	enum kube_cond want = c->ok ? KUBE_COND_TRUE : KUBE_COND_FALSE;
	char *message = secrets_scrub(c->message != NULL ? c->message : "");

	jenc_obj_open(e);
	jenc_kv_str(e, "type", type);
	jenc_kv_str(e, "status", c->ok ? "True" : "False");
	jenc_kv_str(e, "reason", c->reason);
	jenc_kv_str(e, "message", message);
	free(message);
	if (prev != NULL && prev->status == want && prev->last_transition_time != NULL)
		jenc_kv_str(e, "lastTransitionTime", prev->last_transition_time);
	else
		jenc_kv_str(e, "lastTransitionTime", now);
	if (c->observed_generation != 0)
		jenc_kv_int(e, "observedGeneration", c->observed_generation);
	jenc_obj_close(e);
}

/* Writes the conditions list: Ready, and Renewing when given. */
static void
kube_write_conditions(struct jenc *e, const struct kube_condition *prev,
                      const struct kube_ready *ready, const struct kube_condition *prev_renewing,
                      const struct kube_ready *renewing, int64_t now_ms)
{
	char now[32];

	timefmt_format(now_ms, 0, now, sizeof now);
	jenc_key(e, "conditions");
	jenc_arr_open(e);
	kube_write_condition(e, "Ready", prev, ready, now);
	if (renewing != NULL)
		kube_write_condition(e, "Renewing", prev_renewing, renewing, now);
	jenc_arr_close(e);
}

/* apiVersion, kind and the metadata that make the write conditional on this object. */
static void
kube_write_head(struct jenc *e, const char *api_version, const char *kind, const char *ns,
                const char *name, const char *uid, const char *rv)
{
	jenc_obj_open(e);
	jenc_kv_str(e, "apiVersion", api_version);
	jenc_kv_str(e, "kind", kind);
	jenc_key(e, "metadata");
	jenc_obj_open(e);
	jenc_kv_str(e, "name", name);
	if (ns != NULL && *ns != '\0')
		jenc_kv_str(e, "namespace", ns);
	if (uid != NULL && *uid != '\0')
		jenc_kv_str(e, "uid", uid);
	if (rv != NULL && *rv != '\0')
		jenc_kv_str(e, "resourceVersion", rv);
	jenc_obj_close(e);
}

void
kube_write_issuer_status_body(struct buf *out, const struct kube_issuer *iss,
                              const struct kube_ready *ready, const struct kube_ready *renewing,
                              int64_t now_ms)
{
	struct jenc e;

	jenc_init(&e, out);
	kube_write_head(
	    &e, KUBE_AWSPCA_GROUP "/v1beta1", iss->cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer",
	    iss->cluster ? NULL : iss->namespace, iss->name, iss->uid, iss->resource_version);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	kube_write_conditions(&e, &iss->ready, ready, &iss->renewing, renewing, now_ms);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

/* Writes "key": base64(pem). */
static void
kube_write_b64(struct jenc *e, const char *key, const char *pem)
{
	struct buf b64 = BUF_INIT;

	codec_base64_encode(&b64, pem, strlen(pem));
	jenc_key(e, key);
	jenc_strn(e, buf_str(&b64), b64.len);
	buf_clear(&b64);
}

/*
 * A CertificateSigningRequest's status: the certificate, or the Failed
 * condition. Its Approved and Denied conditions belong to the approver.
 */
static void
kube_write_csr_status_body(struct buf *out, const struct kube_cr *cr,
                           const struct kube_ready *ready, const struct kube_cr_result *res,
                           int64_t now_ms)
{
	struct jenc e;
	char now[32], *message;

	timefmt_format(now_ms, 0, now, sizeof now);
	jenc_init(&e, out);
	kube_write_head(&e, "certificates.k8s.io/v1", "CertificateSigningRequest", NULL, cr->name,
	                cr->uid, cr->resource_version);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	if (ready->ok && res != NULL && res->certificate != NULL) {
		kube_write_b64(&e, "certificate", res->certificate);
	} else {
		message = secrets_scrub(ready->message != NULL ? ready->message : "");
		jenc_key(&e, "conditions");
		jenc_arr_open(&e);
		jenc_obj_open(&e);
		jenc_kv_str(&e, "type", "Failed");
		jenc_kv_str(&e, "status", "True");
		jenc_kv_str(&e, "reason", ready->reason);
		jenc_kv_str(&e, "message", message);
		jenc_kv_str(&e, "lastTransitionTime", now);
		jenc_kv_str(&e, "lastUpdateTime", now);
		jenc_obj_close(&e);
		jenc_arr_close(&e);
		free(message);
	}
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

void
kube_write_cr_status_body(struct buf *out, const struct kube_cr *cr, const struct kube_ready *ready,
                          const struct kube_cr_result *res, int64_t now_ms)
{
	struct jenc e;
	char now[32];

	if (cr->api == KUBE_CR_KUBERNETES) {
		kube_write_csr_status_body(out, cr, ready, res, now_ms);
		return;
	}
	jenc_init(&e, out);
	kube_write_head(&e, "cert-manager.io/v1", "CertificateRequest", cr->namespace, cr->name,
	                cr->uid, cr->resource_version);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	kube_write_conditions(&e, &cr->ready, ready, NULL, NULL, now_ms);
	if (res != NULL && res->certificate != NULL)
		kube_write_b64(&e, "certificate", res->certificate);
	if (res != NULL && res->ca != NULL)
		kube_write_b64(&e, "ca", res->ca);
	if (res != NULL && res->failure_time) {
		timefmt_format(now_ms, 0, now, sizeof now);
		jenc_kv_str(&e, "failureTime", now);
	}
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

static void
kube_write_string(struct buf *out, const char *s)
{
	buf_addc(out, '"');
	jenc_escape(out, s, strlen(s));
	buf_addc(out, '"');
}

/* Appends "key":"value" as JSON. */
static void
kube_write_member(struct buf *out, const char *key, const char *value)
{
	kube_write_string(out, key);
	buf_addc(out, ':');
	kube_write_string(out, value);
}

int
kube_write_set_annotation(struct buf *out, const char *json, size_t len, const char *key,
                          const char *value)
{
	struct jtok *d = NULL;
	struct span md, ann, old;
	int tmd, tann, tval, rc = -1;
	size_t at;

	if (jtok_parse(json, len, &d, NULL) != 0 || jtok_type(d, JTOK_ROOT) != JTOK_OBJECT)
		goto out;
	tmd = jtok_get(d, JTOK_ROOT, "metadata");
	if (jtok_type(d, tmd) != JTOK_OBJECT)
		goto out;
	md = jtok_raw(d, tmd);
	tann = jtok_get(d, tmd, "annotations");
	if (jtok_type(d, tann) == JTOK_OBJECT) {
		ann = jtok_raw(d, tann);
		if ((tval = jtok_get(d, tann, key)) != -1) {
			/* Replace the value in place. */
			old = jtok_raw(d, tval);
			buf_add(out, json, (size_t)(old.p - json));
			kube_write_string(out, value);
			buf_add(out, old.p + old.len, len - (size_t)(old.p + old.len - json));
		} else {
			at = (size_t)(ann.p - json) + 1;
			buf_add(out, json, at);
			kube_write_member(out, key, value);
			if (jtok_count(d, tann) > 0)
				buf_addc(out, ',');
			buf_add(out, json + at, len - at);
		}
	} else if (tann == -1 || jtok_is_null(d, tann)) {
		if (tann != -1)
			goto out; /* "annotations": null would need the member rewritten; rare */
		at = (size_t)(md.p - json) + 1;
		buf_add(out, json, at);
		buf_adds(out, "\"annotations\":{");
		kube_write_member(out, key, value);
		buf_addc(out, '}');
		if (jtok_count(d, tmd) > 0)
			buf_addc(out, ',');
		buf_add(out, json + at, len - at);
	} else
		goto out;
	rc = 0;
out:
	jtok_free(d);
	return rc;
}

/* ---- the writes ---- */

struct kube_write *
kube_write_cr_annotate(struct kube_client *c, const struct kube_cr *cr, const char *key,
                       const char *value, kube_write_cb cb, void *arg)
{
	int csr = cr->api == KUBE_CR_KUBERNETES;
	struct kube_write *w =
	    kube_write_new(c, KUBE_WRITE_ANNOTATE, csr ? &kube_type_csr : &kube_type_cr,
	                   cr->namespace, cr->name, cr->uid, cb, arg);
	struct jenc e;

	w->key = xstrdup(key);
	w->value = xstrdup(value);
	if (csr) {
		/* CertificateSigningRequests are only ever updated (the shipped role has no patch).
		 */
		kube_write_get(w, KUBE_WRITE_READING);
		return w;
	}
	if (kube_write_no_patch) {
		metrics_inc(kube_write_m_fallbacks, "certificaterequests");
		kube_write_get(w, KUBE_WRITE_READING);
		return w;
	}
	/* A merge patch carrying the uid: the API server refuses it for a namesake. */
	jenc_init(&e, &w->body);
	jenc_obj_open(&e);
	jenc_key(&e, "metadata");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "uid", cr->uid);
	jenc_key(&e, "annotations");
	jenc_obj_open(&e);
	jenc_kv_str(&e, key, value);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	w->state = KUBE_WRITE_PATCHING;
	w->call = kube_client_patch(c, w->path, KUBE_PATCH_MERGE, w->body.p, w->body.len, NULL, 0,
	                            kube_write_on_answer, w);
	return w;
}

struct kube_write *
kube_write_issuer_annotate(struct kube_client *c, const struct kube_issuer *iss,
                           const char *const *keys, const char *const *values, size_t n,
                           kube_write_cb cb, void *arg)
{
	struct kube_write *w =
	    kube_write_new(c, KUBE_WRITE_ISSUER_ANNOTATE,
	                   iss->cluster ? &kube_type_cluster_issuer : &kube_type_issuer,
	                   iss->namespace, iss->name, iss->uid, cb, arg);
	struct jenc e;
	size_t i;

	/* A merge patch carrying the uid: the API server refuses it for a namesake. */
	jenc_init(&e, &w->body);
	jenc_obj_open(&e);
	jenc_key(&e, "metadata");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "uid", iss->uid);
	jenc_key(&e, "annotations");
	jenc_obj_open(&e);
	for (i = 0; i < n; i++)
		jenc_kv_str(&e, keys[i], values[i]);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	w->state = KUBE_WRITE_PATCHING;
	w->call = kube_client_patch(c, w->path, KUBE_PATCH_MERGE, w->body.p, w->body.len, NULL, 0,
	                            kube_write_on_answer, w);
	return w;
}

/* Sends an apply body to the object's status. */
static struct kube_write *
kube_write_apply_status(struct kube_write *w)
{
	char *path = xasprintf("%s/status", w->path);

	w->state = KUBE_WRITE_PATCHING;
	w->call = kube_client_patch(w->c, path, KUBE_PATCH_APPLY, w->body.p, w->body.len,
	                            KUBE_WRITE_FIELD_MANAGER, 1, kube_write_on_answer, w);
	free(path);
	return w;
}

struct kube_write *
kube_write_cr_status(struct kube_client *c, const struct kube_cr *cr,
                     const struct kube_ready *ready, const struct kube_cr_result *res,
                     kube_write_cb cb, void *arg)
{
	struct kube_write *w = kube_write_new(
	    c, KUBE_WRITE_CR_STATUS, cr->api == KUBE_CR_KUBERNETES ? &kube_type_csr : &kube_type_cr,
	    cr->namespace, cr->name, cr->uid, cb, arg);

	kube_write_cr_status_body(&w->body, cr, ready, res, clock_wall_ms());
	return kube_write_apply_status(w);
}

struct kube_write *
kube_write_issuer_status(struct kube_client *c, const struct kube_issuer *iss,
                         const struct kube_ready *ready, const struct kube_ready *renewing,
                         kube_write_cb cb, void *arg)
{
	struct kube_write *w =
	    kube_write_new(c, KUBE_WRITE_ISSUER_STATUS,
	                   iss->cluster ? &kube_type_cluster_issuer : &kube_type_issuer,
	                   iss->namespace, iss->name, iss->uid, cb, arg);

	kube_write_issuer_status_body(&w->body, iss, ready, renewing, clock_wall_ms());
	return kube_write_apply_status(w);
}
