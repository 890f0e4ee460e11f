/*
 * The objects pca-issuer reads, decoded into the few fields the controllers
 * use: cert-manager CertificateRequests and Certificates, the AWSPCAIssuer
 * and AWSPCAClusterIssuer kinds, Secrets (only the named keys), and Leases.
 *
 * Each decoder is a struct kube_type for the reflector; each decoded struct
 * owns its strings and is freed with its *_free function.
 */
#ifndef PCA_KUBE_TYPES_H
#define PCA_KUBE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "kube/reflector.h"

#define KUBE_AWSPCA_GROUP        "awspca.cert-manager.io"
#define KUBE_CERT_ARN_ANNOTATION "aws-privateca-issuer/certificate-arn"
/*
 * Written just before IssueCertificate is sent (RFC 3339): a request that
 * has it but no certificate ARN may have been issued by a process that
 * stopped before it could record the ARN.
 */
#define KUBE_ISSUE_STARTED_ANNOTATION "awspca.cert-manager.io/issue-started"
/*
 * On an issuer: renew every Certificate of it whose certificate was issued
 * before this RFC 3339 time (handlers/renew.h).
 */
#define KUBE_RENEW_BEFORE_ANNOTATION "awspca.cert-manager.io/renew-certificates-issued-before"
/*
 * On an issuer, written by pca-issuer with --renew-on-ca-change: a digest of
 * the CA's ARN and certificate at the last check, to notice a rotation.
 */
#define KUBE_CA_FINGERPRINT_ANNOTATION "awspca.cert-manager.io/ca-fingerprint"

/* cert-manager's annotations on a CertificateRequest made for a Certificate. */
#define KUBE_CERTIFICATE_NAME_ANNOTATION     "cert-manager.io/certificate-name"
#define KUBE_CERTIFICATE_REVISION_ANNOTATION "cert-manager.io/certificate-revision"

/* A CertificateSigningRequest's signer names for the two issuer kinds: <prefix><name>. */
#define KUBE_CSR_SIGNER_CLUSTER_PREFIX "awspcaclusterissuers." KUBE_AWSPCA_GROUP "/"
/* ... and <prefix><namespace>.<name> */
#define KUBE_CSR_SIGNER_NAMESPACED_PREFIX "awspcaissuers." KUBE_AWSPCA_GROUP "/"
/* cert-manager's annotations on a CertificateSigningRequest. */
#define KUBE_CSR_DURATION_ANNOTATION "experimental.cert-manager.io/request-duration"
#define KUBE_CSR_IS_CA_ANNOTATION    "experimental.cert-manager.io/request-is-ca"
#define KUBE_CSR_CA_ANNOTATION       "experimental.cert-manager.io/ca" /* base64 of the CA PEM */

extern const struct kube_resource kube_res_certificaterequests;
extern const struct kube_resource kube_res_certificatesigningrequests;
extern const struct kube_resource kube_res_certificates;
extern const struct kube_resource kube_res_awspcaissuers;
extern const struct kube_resource kube_res_awspcaclusterissuers;
extern const struct kube_resource kube_res_secrets;
extern const struct kube_resource kube_res_leases;
extern const struct kube_resource kube_res_events;      /* events.k8s.io/v1 */
extern const struct kube_resource kube_res_core_events; /* v1 Event */

/* A condition's status: absent, "True", "False" or "Unknown". */
enum kube_cond {
	KUBE_COND_ABSENT,
	KUBE_COND_TRUE,
	KUBE_COND_FALSE,
	KUBE_COND_UNKNOWN,
};

struct kube_condition {
	enum kube_cond status;
	char *reason;
	char *message;
	int64_t observed_generation; /* 0 when absent */
	char *last_transition_time;
};

/* Which API a request came from. */
enum kube_cr_api {
	KUBE_CR_CERT_MANAGER, /* a cert-manager.io/v1 CertificateRequest */
	KUBE_CR_KUBERNETES,   /* a certificates.k8s.io/v1 CertificateSigningRequest */
};

/*
 * A cert-manager CertificateRequest (cert-manager.io/v1), or a Kubernetes
 * CertificateSigningRequest read into the same fields (kube/types_csr.c):
 * its signer name gives issuerRef (and issuer_namespace), its Approved,
 * Denied and Failed conditions fill approved, denied and ready, and a
 * status.certificate reads as Ready=True.
 */
struct kube_cr {
	enum kube_cr_api api;
	char *namespace, *name, *uid, *resource_version;
	int64_t generation;
	char *issuer_group, *issuer_kind, *issuer_name;
	unsigned char *csr_pem; /* spec.request, base64-decoded */
	size_t csr_len;
	int is_ca;
	char **usages;                /* spec.usages, NULL-terminated; empty when unset */
	int64_t duration_s;           /* spec.duration; 0 when unset */
	char *certificate_arn;        /* the annotation, or NULL */
	char *issue_started;          /* KUBE_ISSUE_STARTED_ANNOTATION, or NULL */
	char *certificate_name;       /* KUBE_CERTIFICATE_NAME_ANNOTATION, or NULL */
	int64_t certificate_revision; /* KUBE_CERTIFICATE_REVISION_ANNOTATION; 0 when absent */
	int64_t created_ms;           /* metadata.creationTimestamp, Unix ms; 0 when absent */
	struct kube_condition approved, denied, ready, invalid_request;
	int has_certificate; /* status.certificate is set */
	char *failure_time;  /* status.failureTime, or NULL */
	int deleting;        /* metadata.deletionTimestamp is set */
	/* CertificateSigningRequests only (NULL otherwise): */
	char *issuer_namespace;         /* an AWSPCAIssuer's namespace, from spec.signerName */
	char *username, *requester_uid; /* spec.username, spec.uid */
	char **groups;                  /* spec.groups, NULL-terminated */
	char *extra_json;               /* spec.extra as JSON text */
	/*
	 * Why the request cannot be handled ("spec.duration \"-1h\" is
	 * negative"), or NULL. Identity and issuerRef are always read when
	 * the decoder returns an object; a field after them that cannot be
	 * read leaves what follows it unread and is reported here.
	 */
	char *invalid;
};

/* An AWSPCAIssuer or AWSPCAClusterIssuer (awspca.cert-manager.io/v1beta1). */
struct kube_issuer {
	int cluster; /* AWSPCAClusterIssuer */
	char *namespace, *name, *uid, *resource_version;
	int64_t generation;
	char *arn;
	char *region;
	char *role;
	char *default_template;  /* spec.pcaTemplate.defaultTemplateName */
	char *secret_name;       /* spec.secretRef.name, or NULL */
	char *secret_namespace;  /* spec.secretRef.namespace, or NULL */
	char *access_key_id_key; /* accessKeyIDSelector.key, default AWS_ACCESS_KEY_ID */
	char
	    *secret_access_key_key; /* secretAccessKeySelector.key, default AWS_SECRET_ACCESS_KEY */
	char *session_token_key;    /* sessionTokenSelector.key, default AWS_SESSION_TOKEN */
	/* KUBE_RENEW_BEFORE_ANNOTATION: the raw value, and as Unix ms (0 if absent or bad). */
	char *renew_before;
	int64_t renew_before_ms;
	char *ca_fingerprint; /* KUBE_CA_FINGERPRINT_ANNOTATION, or NULL */
	struct kube_condition ready, renewing;
	char *invalid; /* a spec field that cannot be read, or NULL; as kube_cr's */
};

/*
 * A cert-manager Certificate (cert-manager.io/v1): what tracking its
 * expiry and renewal needs, no more.
 */
struct kube_certificate {
	char *namespace, *name, *uid, *resource_version;
	int64_t generation;
	char *issuer_group, *issuer_kind, *issuer_name;
	int64_t duration_s;      /* spec.duration; 0 when unset */
	int64_t not_before_ms;   /* status.notBefore, Unix ms; 0 when unset */
	int64_t not_after_ms;    /* status.notAfter */
	int64_t renewal_time_ms; /* status.renewalTime */
	int64_t revision;        /* status.revision; 0 when unset */
	int64_t created_ms;      /* metadata.creationTimestamp */
	int64_t last_failure_ms; /* status.lastFailureTime */
	struct kube_condition ready, issuing;
	char *invalid; /* as kube_cr's */
};

/*
 * Whether resourceVersion a is older than b. The API server's versions are
 * etcd revisions, decimal integers that grow; anything else is taken as
 * newer, so that an unknown scheme never holds an update back.
 */
int kube_rv_older(const char *a, const char *b);

extern const struct kube_type kube_type_cr;
extern const struct kube_type kube_type_csr; /* into struct kube_cr */
extern const struct kube_type kube_type_issuer;
extern const struct kube_type kube_type_cluster_issuer;
extern const struct kube_type kube_type_certificate;

void kube_cr_free(struct kube_cr *cr);
void kube_certificate_free(struct kube_certificate *c);
void kube_issuer_free(struct kube_issuer *iss);

/*
 * Decode a GET answer (the same decoders as the kube_type ones). 0, or -1
 * with *out NULL and *cause naming the object and the field, as in
 *   CertificateRequest ns/x: metadata.name is missing
 * for what makes the object unidentifiable; other unreadable fields leave
 * the object decoded with ->invalid set.
 */
int kube_cr_decode(const char *json, size_t len, struct kube_cr **out, char **cause);
int kube_csr_decode(const char *json, size_t len, struct kube_cr **out, char **cause);
int kube_issuer_decode(const char *json, size_t len, int cluster, struct kube_issuer **out,
                       char **cause);

#endif
