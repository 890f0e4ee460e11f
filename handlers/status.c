/*
 * Server-side-apply bodies for the status pca-issuer owns. JSON is valid
 * YAML, so the bodies are written with the JSON encoder and sent as
 * application/apply-patch+yaml.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/jenc.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "handlers/status.h"
#include "kube/types.h"

static int
status_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
status_ready_differs(const struct kube_condition *prev, const struct status_ready *ready)
{
	enum kube_cond want = ready->ok ? KUBE_COND_TRUE : KUBE_COND_FALSE;

	if (prev == NULL || prev->status != want)
		return 1;
	if (!status_str_eq(prev->reason, ready->reason) ||
	    !status_str_eq(prev->message, ready->message))
		return 1;
	return ready->observed_generation != 0 &&
	       prev->observed_generation != ready->observed_generation;
}

/* Writes the conditions list holding the one Ready condition. */
static void
status_conditions(struct jenc *e, const struct kube_condition *prev,
                  const struct status_ready *ready, int64_t now_ms)
{
	enum kube_cond want = ready->ok ? KUBE_COND_TRUE : KUBE_COND_FALSE;
	char now[32];

	timefmt_format(now_ms, 0, now, sizeof now);
	jenc_key(e, "conditions");
	jenc_arr_open(e);
	jenc_obj_open(e);
	jenc_kv_str(e, "type", "Ready");
	jenc_kv_str(e, "status", ready->ok ? "True" : "False");
	jenc_kv_str(e, "reason", ready->reason);
	jenc_kv_str(e, "message", ready->message != NULL ? ready->message : "");
	/* The transition time moves only when the status does. */
	if (prev != NULL && prev->status == want && prev->last_transition_time != NULL)
		jenc_kv_str(e, "lastTransitionTime", prev->last_transition_time);
	else
		jenc_kv_str(e, "lastTransitionTime", now);
	if (ready->observed_generation != 0)
		jenc_kv_int(e, "observedGeneration", ready->observed_generation);
	jenc_obj_close(e);
	jenc_arr_close(e);
}

static void
status_head(struct jenc *e, const char *api_version, const char *kind, const char *ns,
            const char *name)
{
	jenc_obj_open(e);
	jenc_kv_str(e, "apiVersion", api_version);
	jenc_kv_str(e, "kind", kind);
	jenc_key(e, "metadata");
	jenc_obj_open(e);
	jenc_kv_str(e, "name", name);
	if (ns != NULL && *ns != '\0')
		jenc_kv_str(e, "namespace", ns);
	jenc_obj_close(e);
}

void
status_issuer_apply(struct buf *out, int cluster, const char *ns, const char *name,
                    const struct kube_condition *prev, const struct status_ready *ready,
                    int64_t now_ms)
{
	struct jenc e;

	jenc_init(&e, out);
	status_head(&e, KUBE_AWSPCA_GROUP "/v1beta1",
	            cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer", cluster ? NULL : ns, name);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	status_conditions(&e, prev, ready, now_ms);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

/* Writes "key": base64(pem). */
static void
status_b64(struct jenc *e, const char *key, const char *pem)
{
	size_t len = strlen(pem);
	unsigned char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	int n = EVP_EncodeBlock(b64, (const unsigned char *)pem, (int)len);

	jenc_key(e, key);
	jenc_strn(e, (const char *)b64, (size_t)n);
	free(b64);
}

void
status_cr_apply(struct buf *out, const char *ns, const char *name,
                const struct kube_condition *prev, const struct status_ready *ready,
                const char *certificate, const char *ca, int failure_time, int64_t now_ms)
{
	struct jenc e;
	char now[32];

	jenc_init(&e, out);
	status_head(&e, "cert-manager.io/v1", "CertificateRequest", ns, name);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	status_conditions(&e, prev, ready, now_ms);
	if (certificate != NULL)
		status_b64(&e, "certificate", certificate);
	if (ca != NULL)
		status_b64(&e, "ca", ca);
	if (failure_time) {
		timefmt_format(now_ms, 0, now, sizeof now);
		jenc_kv_str(&e, "failureTime", now);
	}
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

void
status_cr_annotate(struct buf *out, const char *certificate_arn)
{
	struct jenc e;

	jenc_init(&e, out);
	jenc_obj_open(&e);
	jenc_key(&e, "metadata");
	jenc_obj_open(&e);
	jenc_key(&e, "annotations");
	jenc_obj_open(&e);
	jenc_kv_str(&e, KUBE_CERT_ARN_ANNOTATION, certificate_arn);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}
