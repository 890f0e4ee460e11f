/*
 * Leader election with a coordination.k8s.io/v1 Lease, by client-go's
 * algorithm, so that pca-issuer replicas and the Go issuer's could share one.
 *
 * A candidate reads the Lease every retry period (2 s). A Lease held by
 * someone else counts as expired once the local monotonic clock shows its
 * leaseDurationSeconds (15 s) passed since this process last saw the record
 * change; renewTime is never compared with the local clock, so clock skew
 * between nodes does not matter. The candidate wakes at that very moment
 * rather than on its next period, so a dead leader is replaced within
 * lease duration + one retry period of its last renewal. Taking the Lease is a
 * PUT carrying the resourceVersion read (409: someone else won; read again);
 * a missing Lease is created (409 there too: read again).
 *
 * The leader renews every retry period with a PUT from the record it holds
 * (reading first only after a conflict). When no renewal has succeeded for
 * renew deadline (10 s), it stops leading: on_stopped_leading runs, any
 * request in flight is cancelled, and it goes back to being a candidate.
 * Since the deadline is shorter than the lease duration, it stops before
 * anyone else may take over. The owner must then stop every writer at once:
 * pca-issuer exits, as controller-runtime does, which is the simple way to
 * be sure no write of the old term lands in the new one.
 *
 * kube_lease_release() on graceful shutdown stops leading (the callback runs
 * first, so writers stop before the Lease is handed over) and writes the
 * Lease with an empty holderIdentity and leaseDurationSeconds 1, as
 * client-go's ReleaseOnCancel does, so a waiting candidate takes over at its
 * next read instead of after the lease duration.
 *
 * Renewals wait for the kube client's rate limiter like any request: give
 * the elector a client of its own, so that a flood of controller requests
 * cannot hold a renewal back past the renew deadline.
 *
 * Metrics: pca_issuer_leader_is_leader (0/1),
 * pca_issuer_leader_transitions_total (times this process became leader),
 * and client-go's leader_election_master_status{name} (the Lease's name),
 * which dashboards made for Go controllers read.
 */
#ifndef PCA_KUBE_LEASE_H
#define PCA_KUBE_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"

struct kube_lease;

/*
 * The help text of pca_issuer_leader_is_leader, which a process without
 * leader election sets to 1 itself.
 */
#define KUBE_LEASE_LEADER_HELP                                                                     \
	"1 while this replica leads (holds the leader Lease, or runs without leader "              \
	"election), else 0."

struct kube_lease_opts {
	const char *namespace;      /* required */
	const char *name;           /* required: the Lease's name */
	const char *identity;       /* NULL: "<hostname>_<16 random hex digits>" */
	uint64_t lease_duration_ms; /* [15000]; written in whole seconds, rounded up */
	uint64_t renew_deadline_ms; /* [10000] */
	uint64_t retry_period_ms;   /* [2000] */
	/*
	 * Each optional. They run from the loop, and on_stopped_leading also
	 * from inside kube_lease_release(). They may call kube_lease_release()
	 * but must not free the elector (defer that with loop_defer()).
	 */
	void (*on_started_leading)(void *arg);
	void (*on_stopped_leading)(void *arg);
	/* The holder seen changed; "" once a leader released the Lease. */
	void (*on_new_leader)(const char *identity, void *arg);
	void *arg;
	const struct kube_io *io; /* [the client] */
};

/*
 * Checks the options (lease duration > renew deadline > retry period > 0, as
 * client-go requires; namespace and name set) and makes an elector that does
 * nothing until kube_lease_start(). Borrows c (NULL only with opts->io), which
 * must outlive the elector. 0, or -1 with *cause.
 */
int kube_lease_create(struct kube_client *c, const struct kube_lease_opts *opts,
                      struct kube_lease **out, char **cause);
/* Starts campaigning: the first read goes out at once. */
void kube_lease_start(struct kube_lease *l);
/*
 * Stops for good. If leading: on_stopped_leading runs now, then the Lease is
 * written released and done(arg) runs when that write has finished (or
 * failed). Otherwise done(arg) runs on the next loop pass. done may be NULL.
 */
void kube_lease_release(struct kube_lease *l, void (*done)(void *), void *arg);
/* Cancels what is in flight (no callbacks, no release) and frees; NULL is a no-op. */
void kube_lease_free(struct kube_lease *l);

int kube_lease_is_leader(const struct kube_lease *l);
const char *kube_lease_identity(const struct kube_lease *l);
/* The holder last read or written; "" when none is known. */
const char *kube_lease_holder(const struct kube_lease *l);

/*
 * Does what is due now (a read, a renewal, giving up at the renew deadline).
 * The elector's timer calls it; tests driving a fake clock call it
 * themselves. kube_lease_next_ms() says when it is next due (monotonic ms;
 * UINT64_MAX while waiting only for a request).
 */
void kube_lease_run(struct kube_lease *l);
uint64_t kube_lease_next_ms(const struct kube_lease *l);

#endif
