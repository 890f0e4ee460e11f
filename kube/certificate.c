/*
 * cmctl renew, as a call on the loop: GET, set Issuing=True, PUT /status.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/loop.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/certificate.h"
#include "kube/path.h"
#include "kube/types.h"

#define KUBE_RENEW_ATTEMPTS 5

enum kube_renew_state {
	KUBE_RENEW_READING,
	KUBE_RENEW_WRITING,
};

struct kube_renew {
	struct kube_client *c;
	enum kube_renew_state state;
	char *path;
	char *uid;
	char *message;
	unsigned attempts;
	struct buf body;
	struct kube_call *call;
	kube_renew_cb cb;
	void *arg;
};

/* Appends the text [from, to). */
static void
kube_renew_copy(struct buf *out, const char *from, const char *to)
{
	buf_add(out, from, (size_t)(to - from));
}

/* The new Issuing condition, as cmctl renew writes it. */
static void
kube_renew_condition(struct jenc *e, const char *message, int64_t generation, int64_t now_ms)
{
	char now[32];

	timefmt_format(now_ms, 0, now, sizeof now);
	jenc_obj_open(e);
	jenc_kv_str(e, "type", "Issuing");
	jenc_kv_str(e, "status", "True");
	jenc_kv_str(e, "reason", "ManuallyTriggered");
	jenc_kv_str(e, "message", message);
	jenc_kv_str(e, "lastTransitionTime", now);
	if (generation > 0)
		jenc_kv_int(e, "observedGeneration", generation);
	jenc_obj_close(e);
}

int
kube_certificate_set_issuing(struct buf *out, const char *json, size_t len, const char *message,
                             int64_t now_ms)
{
	struct jtok *d = NULL;
	struct buf arr = BUF_INIT;
	struct jenc e;
	struct span root, status_raw, conds_raw, el;
	int64_t generation = 0;
	int status, conds, t, rc = -1;

	if (jtok_parse(json, len, &d, NULL) != 0 || jtok_type(d, JTOK_ROOT) != JTOK_OBJECT)
		goto out;
	(void)jtok_get_int(d, jtok_get(d, JTOK_ROOT, "metadata"), "generation", &generation);
	status = jtok_get(d, JTOK_ROOT, "status");
	conds = jtok_get(d, status, "conditions");
	/* The conditions array again: all but Issuing, then the new one. */
	jenc_init(&e, &arr);
	jenc_arr_open(&e);
	if (jtok_type(d, conds) == JTOK_ARRAY) {
		for (t = jtok_first(d, conds); t != -1; t = jtok_next(d, t)) {
			if (jtok_streq(d, jtok_get(d, t, "type"), "Issuing")) {
				if (jtok_streq(d, jtok_get(d, t, "status"), "True")) {
					rc = 1;
					goto out;
				}
				continue;
			}
			el = jtok_raw(d, t);
			jenc_raw(&e, el.p, el.len);
		}
	}
	kube_renew_condition(&e, message, generation, now_ms);
	jenc_arr_close(&e);
	root = jtok_raw(d, JTOK_ROOT);
	status_raw = jtok_raw(d, status);
	conds_raw = jtok_raw(d, conds);
	buf_reset(out);
	if (conds != -1) {
		/* Replace the conditions value where it stands. */
		kube_renew_copy(out, json, conds_raw.p);
		buf_add(out, arr.p, arr.len);
		kube_renew_copy(out, conds_raw.p + conds_raw.len, json + len);
	} else if (jtok_type(d, status) == JTOK_OBJECT) {
		/* A status without conditions: they go first in it. */
		kube_renew_copy(out, json, status_raw.p + 1);
		buf_adds(out, "\"conditions\":");
		buf_add(out, arr.p, arr.len);
		if (jtok_count(d, status) > 0)
			buf_addc(out, ',');
		kube_renew_copy(out, status_raw.p + 1, json + len);
	} else if (status != -1) {
		/* "status": null */
		kube_renew_copy(out, json, status_raw.p);
		buf_adds(out, "{\"conditions\":");
		buf_add(out, arr.p, arr.len);
		buf_addc(out, '}');
		kube_renew_copy(out, status_raw.p + status_raw.len, json + len);
	} else {
		/* No status at all: one at the end of the object. */
		kube_renew_copy(out, json, root.p + root.len - 1);
		if (jtok_count(d, JTOK_ROOT) > 0)
			buf_addc(out, ',');
		buf_adds(out, "\"status\":{\"conditions\":");
		buf_add(out, arr.p, arr.len);
		buf_addc(out, '}');
		kube_renew_copy(out, root.p + root.len - 1, json + len);
	}
	rc = 0;
out:
	jtok_free(d);
	buf_clear(&arr);
	return rc;
}

static void kube_renew_on_answer(const struct kube_resp *resp, void *arg);

static void
kube_renew_finish(struct kube_renew *r, enum kube_renew_err err, long status, const char *message)
{
	struct kube_renew_result res = {err, status, message};

	r->call = NULL;
	r->cb(&res, r->arg);
	kube_renew_cancel(r);
}

static void
kube_renew_read(struct kube_renew *r)
{
	r->state = KUBE_RENEW_READING;
	r->call = kube_client_get(r->c, r->path, kube_renew_on_answer, r);
}

static enum kube_renew_err
kube_renew_classify(const struct kube_resp *resp)
{
	if (resp->err != KUBE_OK)
		return KUBE_RENEW_ERROR;
	if (resp->status == 404)
		return KUBE_RENEW_GONE;
	if (resp->status == 403)
		return KUBE_RENEW_FORBIDDEN;
	return KUBE_RENEW_ERROR;
}

static void
kube_renew_on_read(struct kube_renew *r, const struct kube_resp *resp)
{
	struct jtok *d = NULL;
	char *uid = NULL, *status_path;
	int rc;

	if (resp->err != KUBE_OK || resp->status != 200) {
		kube_renew_finish(r, kube_renew_classify(resp), resp->status, resp->message);
		return;
	}
	if (r->uid != NULL) {
		if (jtok_parse(resp->body.p, resp->body.len, &d, NULL) == 0)
			(void)jtok_get_str(d, jtok_get(d, JTOK_ROOT, "metadata"), "uid", &uid);
		jtok_free(d);
		rc = uid != NULL && strcmp(uid, r->uid) == 0;
		free(uid);
		if (!rc) {
			kube_renew_finish(r, KUBE_RENEW_GONE, 200,
			                  "another Certificate has the name now");
			return;
		}
	}
	rc = kube_certificate_set_issuing(&r->body, resp->body.p, resp->body.len, r->message,
	                                  clock_wall_ms());
	if (rc == 1) {
		kube_renew_finish(r, KUBE_RENEW_ISSUING, 200, "the Certificate is being issued");
		return;
	}
	if (rc != 0) {
		kube_renew_finish(r, KUBE_RENEW_ERROR, 200,
		                  "the Certificate read is not an object");
		return;
	}
	r->state = KUBE_RENEW_WRITING;
	status_path = xasprintf("%s/status", r->path);
	r->call =
	    kube_client_put(r->c, status_path, r->body.p, r->body.len, kube_renew_on_answer, r);
	free(status_path);
}

static void
kube_renew_on_answer(const struct kube_resp *resp, void *arg)
{
	struct kube_renew *r = arg;

	r->call = NULL;
	if (r->state == KUBE_RENEW_READING) {
		kube_renew_on_read(r, resp);
		return;
	}
	if (resp->err == KUBE_OK && resp->status / 100 == 2) {
		kube_renew_finish(r, KUBE_RENEW_OK, resp->status, "");
		return;
	}
	if (resp->err == KUBE_OK && resp->status == 409 && ++r->attempts < KUBE_RENEW_ATTEMPTS) {
		kube_renew_read(r);
		return;
	}
	kube_renew_finish(r, kube_renew_classify(resp), resp->status, resp->message);
}

struct kube_renew *
kube_certificate_renew(struct kube_client *c, const char *ns, const char *name, const char *uid,
                       const char *message, kube_renew_cb cb, void *arg)
{
	struct kube_renew *r = xcalloc(1, sizeof *r);

	r->c = c;
	r->path = kube_path(&kube_res_certificates, ns, name, NULL);
	r->uid = uid != NULL ? xstrdup(uid) : NULL;
	r->message = xstrdup(message);
	r->cb = cb;
	r->arg = arg;
	kube_renew_read(r);
	return r;
}

void
kube_renew_cancel(struct kube_renew *r)
{
	if (r == NULL)
		return;
	if (r->call != NULL)
		kube_client_cancel(r->call);
	free(r->path);
	free(r->uid);
	free(r->message);
	buf_clear(&r->body);
	free(r);
}
