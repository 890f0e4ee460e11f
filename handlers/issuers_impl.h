/*
 * What handlers/issuers.c (the entries, their reflectors, lookups and
 * metrics) and handlers/issuers_check.c (one check of one issuer: spec,
 * Secret, AWS connection, DescribeCertificateAuthority, verdict, status
 * write) share.
 */
#ifndef PCA_HANDLERS_ISSUERS_IMPL_H
#define PCA_HANDLERS_ISSUERS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "handlers/ctl_io.h"
#include "handlers/issuers.h"

struct smap;
struct workq;
struct metric;

struct issuer_conn {
	unsigned refs;
	struct aws_creds_src *creds;
	struct aws_pca *pca;
};

struct issuer {
	struct issuers *ctl;
	char *key;
	struct kube_issuer *obj;
	enum issuer_verdict verdict;
	char *reason, *message;
	char *signing_algorithm;
	int64_t ca_not_after_ms; /* from the last DescribeCertificateAuthority; 0 unknown */
	int64_t checked_generation;
	struct issuer_conn *conn;
	unsigned char identity[32]; /* hash of what conn was built from */
	struct kube_secret_read *sread;
	struct kube_write *write;
	struct aws_pca_call *pcall;
	int active; /* handed out by the work queue */
	/* The Renewing condition to write (handlers/renew.c), its strings owned. */
	int has_renewing, renewing_ok, renewing_dirty;
	char *renewing_reason, *renewing_message;
	uint64_t next_check_ms; /* mono: when the periodic check is due */
	unsigned conflicts;     /* status writes refused in a row because the object changed */
};

struct issuers {
	struct issuers_opts opts;
	struct ctl_io io;
	struct smap *issuers;
	struct kube_reflector *refl_ns, *refl_cluster;
	struct workq *queue;
	int leader;
	int stopped;
	int ca_change_off; /* --renew-on-ca-change refused patch on issuers */
};

extern struct metric *issuers_m_checks;

/* "AWSPCAIssuer" or "AWSPCAClusterIssuer". */
const char *issuer_kind(const struct issuer *iss);
/* The issuer label of the metrics: "name" for a cluster issuer, else "namespace/name". */
void issuers_label(const struct issuer *iss, char *out, size_t size);
/* Makes ki the issuer's object (taking it), unless it already has a newer one. */
void issuers_set_obj(struct issuer *iss, struct kube_issuer *ki);
/* Ends an issuer at once: its calls are cancelled, its check reported done. */
void issuers_remove(struct issuer *iss);
/* The Renewing condition to write with the status, or NULL. */
const struct kube_ready *issuers_renewing(const struct issuer *iss, struct kube_ready *buf);
/* KUBE_CA_FINGERPRINT_ANNOTATION's value for a CA (issuers_check.c). */
int issuers_ca_fingerprint(const char *arn, const char *pem, char out[65]);
/* The work queue hands out an issuer: check it (issuers_check.c). */
void issuers_check(struct workq *q, const char *key, void *arg);

#endif
