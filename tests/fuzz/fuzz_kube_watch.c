/*
 * libFuzzer target for what the API server sends the reflector: watch
 * lines and list pages, and the object decoders behind them.
 *
 * The first input byte b picks what the rest is, by b % 3:
 *   0  a watch stream of one type, b / 3 % 5: CertificateRequest,
 *      AWSPCAIssuer, AWSPCAClusterIssuer, Certificate or
 *      CertificateSigningRequest. Each line goes to a reflector of that
 *      type through kube_reflector_feed_line, as the watch would hand it
 *      over (one reflector, not five: each parses the line itself, and five
 *      made every input five times as slow). Its owner keeps objects whose name
 *      starts with a letter up to 'm'. After each line the reflector must
 *      track exactly the objects its owner holds: every on_delete matches
 *      something kept, and nothing kept is forgotten silently.
 *   1  a list page: every item through every decoder, and the whole input
 *      through kube_cr_decode, kube_csr_decode, kube_issuer_decode,
 *      kube_secret_decode and the SubjectAccessReview answer reader.
 *   2  the scalar formats: base64 and Go durations.
 * Decoders must return an object or a cause, never both or neither.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/http.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/smap.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/reflector.h"
#include "kube/access.h"
#include "kube/secret.h"
#include "kube/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_client *fuzz_http;
static struct kube_client *fuzz_kube;

struct fuzz_owner {
	const struct kube_type *type;
	struct smap *kept;
};

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_init(void)
{
	static char server[] = "https://127.0.0.1:1";
	struct kube_config cfg;
	char *cause = NULL;

	if (fuzz_kube != NULL)
		return;
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
	loop_init();
	memset(&cfg, 0, sizeof cfg);
	cfg.server = server;
	if (http_client_create(loop_base(), "fuzz", &fuzz_http, &cause) != 0 ||
	    kube_client_create(fuzz_http, &cfg, NULL, NULL, &fuzz_kube, &cause) != 0)
		abort();
}

static char *
fuzz_key(const struct kube_meta *m)
{
	return *m->namespace != '\0' ? xasprintf("%s/%s", m->namespace, m->name) : xstrdup(m->name);
}

static int
fuzz_on_upsert(const struct kube_meta *meta, void *obj, void *arg)
{
	struct fuzz_owner *o = arg;
	char *key = fuzz_key(meta);
	void *old;
	int keep = meta->name[0] >= 'a' && meta->name[0] <= 'm';

	fuzz_check(obj != NULL && *meta->name != '\0');
	old = keep ? smap_put(o->kept, key, obj, NULL) : smap_del(o->kept, key);
	if (old != NULL)
		o->type->free(old);
	free(key);
	return keep;
}

static void
fuzz_on_delete(const struct kube_meta *meta, void *arg)
{
	struct fuzz_owner *o = arg;
	char *key = fuzz_key(meta);
	void *old = smap_del(o->kept, key);

	/* Only tracked objects are reported gone, and the owner kept those. */
	fuzz_check(old != NULL);
	o->type->free(old);
	free(key);
}

static const struct kube_type *const fuzz_types[] = {&kube_type_cr, &kube_type_issuer,
                                                     &kube_type_cluster_issuer,
                                                     &kube_type_certificate, &kube_type_csr};
#define FUZZ_NTYPES (sizeof fuzz_types / sizeof fuzz_types[0])

/* A watch stream of one type, as each of pca-issuer's watches is. */
static void
fuzz_watch(const struct kube_type *type, const char *p, size_t len)
{
	struct kube_reflector *r;
	struct fuzz_owner owner;
	struct kube_reflector_opts o;
	struct smap_iter it;
	const char *nl, *key;
	void *v;
	size_t n;

	owner.type = type;
	owner.kept = smap_create();
	memset(&o, 0, sizeof o);
	o.type = type;
	o.on_upsert = fuzz_on_upsert;
	o.on_delete = fuzz_on_delete;
	o.arg = &owner;
	o.ready_check = "";
	r = kube_reflector_create(fuzz_kube, &o);
	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		(void)kube_reflector_feed_line(r, p, n);
		fuzz_check(kube_reflector_tracked(r) == smap_count(owner.kept));
		p += n;
		len -= n;
		if (len > 0) {
			p++;
			len--;
		}
	}
	kube_reflector_free(r);
	smap_iter_init(&it);
	while (smap_next(owner.kept, &it, &key, &v))
		type->free(v);
	smap_free(owner.kept, NULL);
}

static void
fuzz_decoded(const struct kube_type *type, void *obj, char *cause)
{
	fuzz_check((obj == NULL) != (cause == NULL));
	type->free(obj);
	free(cause);
}

static void
fuzz_page(const char *p, size_t len)
{
	static const char *const keys[] = {"AWS_ACCESS_KEY_ID", "tls.crt", "a"};
	struct kube_issuer *iss = NULL;
	struct kube_cr *cr = NULL;
	struct jtok *d = NULL;
	char *cause = NULL, *values[3];
	int item;
	size_t i;

	if (jtok_parse(p, len, &d, NULL) == 0) {
		for (item = jtok_first(d, jtok_get(d, JTOK_ROOT, "items")); item != -1;
		     item = jtok_next(d, item)) {
			cause = NULL;
			fuzz_decoded(&kube_type_cr, kube_type_cr.decode(d, item, &cause), cause);
			cause = NULL;
			fuzz_decoded(&kube_type_issuer, kube_type_issuer.decode(d, item, &cause),
			             cause);
			cause = NULL;
			fuzz_decoded(&kube_type_certificate,
			             kube_type_certificate.decode(d, item, &cause), cause);
			cause = NULL;
			fuzz_decoded(&kube_type_csr, kube_type_csr.decode(d, item, &cause), cause);
		}
		jtok_free(d);
	}
	cause = NULL;
	fuzz_check((kube_cr_decode(p, len, &cr, &cause) == 0) == (cr != NULL));
	fuzz_decoded(&kube_type_cr, cr, cause);
	cause = NULL;
	fuzz_check((kube_csr_decode(p, len, &cr, &cause) == 0) == (cr != NULL));
	fuzz_decoded(&kube_type_csr, cr, cause);
	cause = NULL;
	{
		int allowed;
		char *reason = NULL;

		if (kube_access_review_answer(p, len, &allowed, &reason) == 0)
			fuzz_check(allowed == 0 || allowed == 1);
		free(reason);
	}
	cause = NULL;
	fuzz_check((kube_issuer_decode(p, len, 1, &iss, &cause) == 0) == (iss != NULL));
	fuzz_decoded(&kube_type_cluster_issuer, iss, cause);
	cause = NULL;
	if (kube_secret_decode(p, len, keys, 3, values, &cause) == 0) {
		fuzz_check(cause == NULL);
		for (i = 0; i < 3; i++)
			free(values[i]);
	} else {
		fuzz_check(cause != NULL);
		for (i = 0; i < 3; i++)
			fuzz_check(values[i] == NULL);
		free(cause);
	}
}

static void
fuzz_scalars(const char *p, size_t len)
{
	unsigned char *out = NULL;
	char *s = xstrndup(p, len);
	size_t n;
	int64_t secs;

	if (codec_base64_decode(p, len, &out, &n) == 0) {
		fuzz_check(out != NULL && n <= len && out[n] == '\0');
		free(out);
	} else
		fuzz_check(out == NULL);
	(void)codec_duration_parse(s, &secs, NULL);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	if (size == 0)
		return 0;
	fuzz_init();
	switch (data[0] % 3) {
	case 0:
		fuzz_watch(fuzz_types[(data[0] / 3) % FUZZ_NTYPES], p, size - 1);
		break;
	case 1:
		fuzz_page(p, size - 1);
		break;
	default:
		fuzz_scalars(p, size - 1);
		break;
	}
	return 0;
}
