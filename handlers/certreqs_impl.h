/*
 * What the CertificateRequest controller's two halves share: its entries
 * and their bookkeeping (handlers/certreqs.c) and the steps that move a
 * request on (handlers/certreqs_step.c). Not for use outside them.
 */
#ifndef PCA_HANDLERS_CERTREQS_IMPL_H
#define PCA_HANDLERS_CERTREQS_IMPL_H

#include <sys/queue.h>

#include <stdint.h>

#include "core/workq.h"
#include "handlers/certreqs.h"
#include "handlers/ctl_io.h"
#include "kube/write.h"

struct csr;
struct issuer_conn;
struct metric;
struct smap;

/*
 * Where a request is. The state is also what decides what comes after a
 * call: a status write in CR_WRITING is the last one, in CR_RETRYING it is
 * followed by the back-off, in CR_WAIT_ISSUER by nothing until the issuer
 * changes.
 */
enum cr_state {
	CR_IDLE,
	CR_WAIT_APPROVAL,
	CR_WAIT_ISSUER,
	CR_AUTHORIZING, /* a CertificateSigningRequest's access review */
	CR_MARKING,     /* writing the issue-started annotation */
	CR_ISSUING,
	CR_ANNOTATING, /* writing the certificate ARN */
	CR_FETCHING,
	CR_POLLING, /* waiting between GetCertificate calls */
	CR_RETRYING,
	CR_WRITING, /* the final status */
	CR_NSTATES
};

struct cr {
	struct certreqs *ctl;
	char *key;
	struct kube_cr *obj; /* the newest version known, from the watch or a write's answer */
	char *issuer_key;
	enum cr_state state;
	char *cert_arn;           /* from the annotation, or just issued */
	struct csr *csr;          /* spec.request parsed and verified, once */
	struct issuer_conn *conn; /* held while an AWS call is in flight */
	struct aws_pca_call *pcall;
	struct kube_write *write;
	struct kube_access *access; /* the access review in flight */
	int authorized;             /* the requester may use the issuer (CSR API) */
	int access_star;            /* the review being asked is the one for name "*" */
	/* A CertificateSigningRequest's certificate, kept while its CA annotation is written. */
	char *pending_certificate;
	/*
	 * Time spent retrying AWS errors: the current run started at
	 * first_error_ms (0: none running), earlier runs add up in retry_spent_ms.
	 * Waiting for the issuer is not retrying and stops the clock.
	 */
	int64_t first_error_ms;
	int64_t retry_spent_ms;
	unsigned polls;
	unsigned conflicts; /* writes refused in a row because the object changed */
	int waiting_event_sent;
	int resume_counted;         /* found issue-started without an ARN, counted once */
	int active;                 /* handed out by the work queue */
	int dropped;                /* done or gone while active: freed when the step ends */
	TAILQ_ENTRY(cr) wait_entry; /* on its issuer name's list while waiting */
	int on_wait_list;
};

TAILQ_HEAD(cr_list, cr);

struct certreqs {
	struct certreqs_opts opts;
	const char *kind; /* "CertificateRequest" or "CertificateSigningRequest", for events */
	const char *api;  /* the api label of the metrics: the resource's plural */
	struct ctl_io io;
	struct smap *crs;
	struct smap *waiters; /* issuer name -> struct cr_waiters */
	struct kube_reflector *refl;
	struct workq *queue;
	int leader, stopped;
	int denied; /* the list was refused (CertificateSigningRequests) */
};

extern const char *const cr_state_names[CR_NSTATES];
extern struct metric *certreqs_m_requests, *certreqs_m_latency, *certreqs_m_resumed;

/* handlers/certreqs.c */
void cr_set_state(struct cr *cr, enum cr_state s);
/* Ends a step: reports to the queue, or frees an entry that is finished. */
void cr_done(struct cr *cr, enum workq_result result, uint64_t after_ms);
/* Makes o the entry's object (taking it), unless the entry already has a newer one. */
void cr_set_obj(struct cr *cr, struct kube_cr *o);
/* Ready, Failed, Denied or InvalidRequest: nothing more to do, ever. */
int cr_is_terminal(const struct kube_cr *o);
void cr_wait_for_issuer(struct cr *cr);
void cr_unwait(struct cr *cr);

/* handlers/certreqs_step.c */
/* One step of a request, decided from its object and its entry. */
void cr_step(struct cr *cr);
/*
 * What a write's answer means for the entry: 0 to go on from the object it
 * returned, -1 when the step has ended (gone, changed, or to be retried).
 */
int cr_write_answer(struct cr *cr, struct kube_write_result *res, const char *what);
/* Writes the Ready condition (certificate and ca with it); see certreqs_step.c. */
void cr_write(struct cr *cr, const struct kube_ready *ready, const char *certificate,
              const char *ca);
/* A permanent failure: written, with an event. */
void cr_fail(struct cr *cr, const char *message);
void cr_event(struct cr *cr, int warning, const char *reason, const char *message);

/* handlers/certreqs_csr.c */
/* Asks whether the requester may use the namespaced issuer (for its name, then "*"). */
void cr_authorize(struct cr *cr);
/* Writes the CA annotation, then the certificate as the final status. */
void cr_annotate_ca(struct cr *cr, const char *certificate, const char *ca);

#endif
