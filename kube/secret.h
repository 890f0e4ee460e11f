/*
 * Secrets, read by name (never listed or watched: the role need not allow
 * it), and only the keys asked for.
 */
#ifndef PCA_KUBE_SECRET_H
#define PCA_KUBE_SECRET_H

#include <stddef.h>

struct kube_client;
struct kube_secret_read;

enum kube_secret_err {
	KUBE_SECRET_OK,
	KUBE_SECRET_NOT_FOUND,   /* 404 */
	KUBE_SECRET_FORBIDDEN,   /* 403 */
	KUBE_SECRET_INVALID,     /* the answer is not a Secret whose keys decode */
	KUBE_SECRET_UNAVAILABLE, /* no answer, 429, 5xx or another status: try again */
};

struct kube_secret_result {
	enum kube_secret_err err;
	long status;
	const char *message; /* a sentence naming the Secret; "" on success */
	/*
	 * On success, the base64-decoded value of each key asked for (NULL
	 * when absent). Wiped and freed when the callback returns.
	 */
	const char *const *values;
};

typedef void (*kube_secret_cb)(const struct kube_secret_result *res, void *arg);

/* Reads keys of Secret ns/name; the strings are copied. */
struct kube_secret_read *kube_secret_read(struct kube_client *c, const char *ns, const char *name,
                                          const char *const *keys, size_t nkeys, kube_secret_cb cb,
                                          void *arg);
/* Stops a read; its callback never runs. */
void kube_secret_cancel(struct kube_secret_read *r);

/*
 * Decodes a Secret GET answer and copies the base64-decoded values of the
 * named keys (any may be NULL); a key that is absent leaves its output NULL.
 * The values are the caller's and should be wiped after use.
 */
int kube_secret_decode(const char *json, size_t len, const char *const *keys, size_t nkeys,
                       char **values, char **cause);

#endif
