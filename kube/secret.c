/*
 * Reading a Secret by name: the GET, the answer's status mapped to what a
 * controller acts on, and the decoder, which is little more than base64
 * (core/codec.h) over chosen keys.
 */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/secret.h"
#include "kube/types.h"

static char *
kube_secret_what(const struct jtok *d)
{
	int md = jtok_get(d, JTOK_ROOT, "metadata");
	char *ns = NULL, *name = NULL, *what;

	(void)jtok_get_str(d, md, "namespace", &ns);
	(void)jtok_get_str(d, md, "name", &name);
	what = xasprintf("Secret %s%s%s", ns != NULL ? ns : "", ns != NULL ? "/" : "",
	                 name != NULL ? name : "(unnamed)");
	free(ns);
	free(name);
	return what;
}

/* Decodes data[key] into *value; 1 when absent, -1 (with *cause) when malformed. */
static int
kube_secret_value(const struct jtok *d, int data, const char *key, char **value, char **cause)
{
	int t = jtok_get(d, data, key);
	struct buf b = BUF_INIT;
	unsigned char *raw;
	size_t n;
	char *what;
	int rc = 0;

	*value = NULL;
	if (t == -1 || jtok_is_null(d, t))
		return 1;
	if (jtok_str_buf(d, t, &b) != 0) {
		what = kube_secret_what(d);
		*cause = xasprintf("%s: data.%s must be a base64 string, not %s", what, key,
		                   jtok_type_name(jtok_type(d, t)));
		free(what);
		return -1;
	}
	if (codec_base64_decode(buf_str(&b), b.len, &raw, &n) != 0) {
		what = kube_secret_what(d);
		*cause = xasprintf("%s: data.%s is not valid base64", what, key);
		free(what);
		rc = -1;
	} else
		*value = (char *)raw;
	if (b.p != NULL)
		explicit_bzero(b.p, b.cap);
	buf_clear(&b);
	return rc;
}

static void
kube_secret_wipe(char **values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (values[i] != NULL)
			explicit_bzero(values[i], strlen(values[i]));
		xfree_ptr(&values[i]);
	}
}

int
kube_secret_decode(const char *json, size_t len, const char *const *keys, size_t nkeys,
                   char **values, char **cause)
{
	struct jtok *d = NULL;
	char *why = NULL;
	int data, rc = -1;
	size_t i;

	for (i = 0; i < nkeys; i++)
		values[i] = NULL;
	if (jtok_parse(json, len, &d, &why) != 0) {
		*cause = xasprintf("the Secret is not valid JSON: %s", why);
		goto out;
	}
	if (jtok_type(d, JTOK_ROOT) != JTOK_OBJECT) {
		*cause = xstrdup("the Secret is not a JSON object");
		goto out;
	}
	data = jtok_get(d, JTOK_ROOT, "data");
	if (data != -1 && !jtok_is_null(d, data) && jtok_type(d, data) != JTOK_OBJECT) {
		why = kube_secret_what(d);
		*cause = xasprintf("%s: data must be an object, not %s", why,
		                   jtok_type_name(jtok_type(d, data)));
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		if (keys[i] != NULL && kube_secret_value(d, data, keys[i], &values[i], cause) < 0) {
			kube_secret_wipe(values, nkeys);
			goto out;
		}
	}
	rc = 0;
out:
	free(why);
	jtok_free(d);
	return rc;
}

struct kube_secret_read {
	struct kube_call *call;
	char **keys;
	size_t nkeys;
	char *what; /* "ns/name" */
	kube_secret_cb cb;
	void *arg;
};

static void
kube_secret_read_free(struct kube_secret_read *r)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->what);
	free(r);
}

static void
kube_secret_on_answer(const struct kube_resp *resp, void *arg)
{
	struct kube_secret_read *r = arg;
	struct kube_secret_result res;
	char **values = xcalloc(r->nkeys + 1, sizeof *values), *cause = NULL, *msg = NULL;
	size_t i;

	r->call = NULL;
	memset(&res, 0, sizeof res);
	res.status = resp->status;
	if (resp->err != KUBE_OK || resp->status == 429 || resp->status >= 500)
		res.err = KUBE_SECRET_UNAVAILABLE;
	else if (resp->status == 404)
		res.err = KUBE_SECRET_NOT_FOUND;
	else if (resp->status == 403)
		res.err = KUBE_SECRET_FORBIDDEN;
	else if (resp->status != 200)
		res.err = KUBE_SECRET_UNAVAILABLE;
	else if (kube_secret_decode(resp->body.p, resp->body.len, (const char *const *)r->keys,
	                            r->nkeys, values, &cause) != 0) {
		res.err = KUBE_SECRET_INVALID;
		msg = cause;
	} else
		res.values = (const char *const *)values;
	if (msg == NULL && res.err != KUBE_SECRET_OK)
		msg = xasprintf("cannot read Secret %s: %s", r->what,
		                *resp->message != '\0' ? resp->message : "no answer");
	res.message = msg != NULL ? msg : "";
	r->cb(&res, r->arg);
	for (i = 0; i < r->nkeys; i++) {
		if (values[i] != NULL)
			explicit_bzero(values[i], strlen(values[i]));
		free(values[i]);
	}
	free(values);
	free(msg);
	kube_secret_read_free(r);
}

struct kube_secret_read *
kube_secret_read(struct kube_client *c, const char *ns, const char *name, const char *const *keys,
                 size_t nkeys, kube_secret_cb cb, void *arg)
{
	struct kube_secret_read *r = xcalloc(1, sizeof *r);
	char *path = kube_path(&kube_res_secrets, ns, name, NULL);
	size_t i;

	r->keys = xcalloc(nkeys + 1, sizeof *r->keys);
	for (i = 0; i < nkeys; i++)
		r->keys[i] = keys[i] != NULL ? xstrdup(keys[i]) : NULL;
	r->nkeys = nkeys;
	r->what = xasprintf("%s/%s", ns, name);
	r->cb = cb;
	r->arg = arg;
	r->call = kube_client_get(c, path, kube_secret_on_answer, r);
	free(path);
	return r;
}

void
kube_secret_cancel(struct kube_secret_read *r)
{
	if (r == NULL)
		return;
	kube_client_cancel(r->call);
	kube_secret_read_free(r);
}
