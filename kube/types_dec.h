/*
 * The pieces the decoders of kube/types.c and kube/types_csr.c share: one
 * decode in progress and the readers of common fields, each naming the
 * field it refuses. Not for use outside kube/types*.c.
 */
#ifndef PCA_KUBE_TYPES_DEC_H
#define PCA_KUBE_TYPES_DEC_H

#include <stdint.h>

#include "core/jtok.h"
#include "kube/types.h"

/* One decode in progress: the document, the object's name once known, the first error. */
struct kube_dec {
	const struct jtok *d;
	const char *kind;
	char *id;
	char *err; /* "<kind> <id>: <msg>" */
	char *msg; /* the same without the object's name */
};

/* Records the first failure; later ones are dropped. */
void kube_dec_fail(struct kube_dec *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Ends a decode whose identity part is done: a failure there refuses the
 * object (-1, *cause set); a later one is kept as the object's *invalid.
 */
int kube_dec_identity_done(struct kube_dec *k, char **cause);
void kube_dec_finish(struct kube_dec *k, char **invalid);
const char *kube_dec_type(const struct kube_dec *k, int t);
/* The member key of obj if it is an object; -1 when absent or null. */
int kube_dec_obj(struct kube_dec *k, int obj, const char *where, const char *key);
/* Copies string member key of obj into *out (NULL when absent or null). */
void kube_dec_str(struct kube_dec *k, int obj, const char *where, const char *key, char **out);
void kube_dec_required(struct kube_dec *k, const char *where, const char *key, const char *value);
void kube_dec_int(struct kube_dec *k, int obj, const char *where, const char *key, int64_t *out);
void kube_dec_bool(struct kube_dec *k, int obj, const char *where, const char *key, int *out);
/* metadata: the fields every object has; sets k->id for the messages that follow. */
void kube_dec_meta(struct kube_dec *k, int obj, char **ns, char **name, char **uid, char **rv,
                   int64_t *generation);
void kube_condition_clear(struct kube_condition *c);
/* The conditions of status, each type into its slot (NULL slots are skipped). */
void kube_dec_conditions(struct kube_dec *k, int status, const char *const *types,
                         struct kube_condition *const *slots, size_t n);
/* A non-negative decimal integer, as annotations carry them. */
int kube_dec_count(const char *s, int64_t *out);
/* An RFC 3339 time, as Unix ms; 0 when absent or null. */
void kube_dec_time(struct kube_dec *k, int obj, const char *where, const char *key, int64_t *out);
/* spec.usages into cr->usages (always allocated). */
void kube_dec_usages(struct kube_dec *k, int spec, struct kube_cr *cr);
/* spec.request, base64 of a PEM CSR, into cr->csr_pem. */
void kube_dec_request(struct kube_dec *k, int spec, struct kube_cr *cr);
/* Parses a whole answer and runs the type's decoder on its top-level object. */
void *kube_decode_body(const struct kube_type *type, const char *json, size_t len, char **cause);

#endif
