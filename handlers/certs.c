/*
 * The Certificate tracker: records, deadlines, events and metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/deadlines.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "handlers/certs.h"
#include "handlers/notify.h"
#include "kube/client.h"
#include "kube/permission.h"
#include "kube/reflector.h"
#include "kube/types.h"

#define CERTS_DEFAULT_GRACE_MS (15 * 60 * 1000)

enum cert_state {
	CERT_NOT_ISSUED,
	CERT_VALID,
	CERT_RENEWAL_DUE,
	CERT_RENEWAL_OVERDUE,
	CERT_EXPIRED,
	CERT_NSTATES
};

static const char *const cert_state_names[CERT_NSTATES] = {"not_issued", "valid", "renewal_due",
                                                           "renewal_overdue", "expired"};

/* The windows of pca_issuer_certificates_renewing_within. */
static const struct {
	const char *name;
	int64_t ms;
} cert_windows[] = {{"1h", 3600000}, {"24h", 86400000}, {"7d", 7 * 86400000LL}};
#define CERT_NWINDOWS (sizeof cert_windows / sizeof cert_windows[0])

/* The Certificates of one issuer, for the metrics. */
struct cert_group {
	char *kind;
	char *issuer;
	unsigned refs;
	/* Tallied at each scrape. */
	unsigned n[CERT_NSTATES];
	unsigned within[CERT_NWINDOWS];
	int64_t earliest_not_after, earliest_renewal;
};

#define CERT_EV_OVERDUE   0x1
#define CERT_EV_EXPIRED   0x2
#define CERT_READY        0x4
#define CERT_ISSUING      0x8
#define CERT_ISSUING_OURS 0x10 /* Issuing=True, set by pca-issuer (CERTS_TRIGGER_MARK) */

/*
 * One tracked Certificate: 56 bytes and its key, kept by the reflector with
 * the object (kube_reflector_attach), which also holds its uid.
 */
struct cert {
	struct heap_node node; /* first: the deadline set hands this pointer back */
	struct cert_group *group;
	/* Unix seconds (the API's times have no finer grain), 0 when unset. */
	uint32_t not_before_s, not_after_s, renewal_s, created_s, last_failure_s;
	int32_t revision;
	int32_t duration_s;
	uint8_t flags;
	char key[]; /* "namespace/name" */
};

#define CERT_NA(c) ((int64_t)(c)->not_after_s * 1000)
#define CERT_RT(c) ((int64_t)(c)->renewal_s * 1000)

struct certs {
	struct certs_opts o;
	char *namespace;
	struct smap *groups; /* kind "\x1f" issuer -> struct cert_group */
	struct deadlines *deadlines;
	struct kube_reflector *refl;
	int leader;
	int synced;
	int denied;
	int64_t tallied_ms; /* when the groups' counts were last tallied */
};

static struct metric *certs_m_state, *certs_m_within, *certs_m_earliest_na, *certs_m_earliest_rt,
    *certs_m_tracking, *certs_m_cert_na, *certs_m_cert_rt;

/* Unix ms as the record's seconds; 0 stays 0, and the range ends in 2106. */
static uint32_t
cert_seconds(int64_t ms)
{
	if (ms <= 0)
		return 0;
	if (ms / 1000 > UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)(ms / 1000);
}

static enum cert_state
cert_state(const struct certs *t, const struct cert *c, int64_t now)
{
	if (CERT_NA(c) == 0)
		return CERT_NOT_ISSUED;
	if (now >= CERT_NA(c))
		return CERT_EXPIRED;
	if (CERT_RT(c) == 0 || now < CERT_RT(c))
		return CERT_VALID;
	if (now < CERT_RT(c) + t->o.renewal_grace_ms)
		return CERT_RENEWAL_DUE;
	return CERT_RENEWAL_OVERDUE;
}

/* The next moment the state changes, or INT64_MAX. */
static int64_t
cert_next_change(const struct certs *t, const struct cert *c, int64_t now)
{
	int64_t at[3];
	size_t i;

	if (CERT_NA(c) == 0)
		return INT64_MAX;
	at[0] = CERT_RT(c) != 0 ? CERT_RT(c) : INT64_MAX;
	at[1] = CERT_RT(c) != 0 ? CERT_RT(c) + t->o.renewal_grace_ms : INT64_MAX;
	at[2] = CERT_NA(c);
	for (i = 0; i < 3; i++) {
		if (at[i] > now)
			return at[i];
	}
	return INT64_MAX;
}

static void
cert_split_key(const struct cert *c, char *ns, size_t nsz, const char **name)
{
	const char *slash = strchr(c->key, '/');
	size_t n = (size_t)(slash - c->key);

	if (n >= nsz)
		n = nsz - 1;
	memcpy(ns, c->key, n);
	ns[n] = '\0';
	*name = slash + 1;
}

/* The Warning events the certificate's state calls for, once each, by the leader. */
static void
cert_notify(struct certs *t, struct cert *c, int64_t now)
{
	enum cert_state st = cert_state(t, c, now);
	char ns[256], rt[40], na[40], msg[768], grace[32], uid[37];
	const char *name;

	if (!t->leader || (st != CERT_RENEWAL_OVERDUE && st != CERT_EXPIRED))
		return;
	cert_split_key(c, ns, sizeof ns, &name);
	if (kube_reflector_uid(t->refl, ns, name, uid) != 0)
		return;
	timefmt_format(CERT_NA(c), 0, na, sizeof na);
	if (st == CERT_EXPIRED) {
		if (c->flags & CERT_EV_EXPIRED)
			return;
		c->flags |= CERT_EV_EXPIRED | CERT_EV_OVERDUE;
		snprintf(msg, sizeof msg,
		         "The certificate of %s (revision %d) expired at %s and has not been "
		         "renewed; check the Certificate's Issuing condition and its latest "
		         "CertificateRequest",
		         c->key, (int)c->revision, na);
		log_warn("certificate expired without renewal", "certificate", c->key, "not_after",
		         na);
		notify_event(t->o.events, "Certificate", ns, name, uid, 1, "Expired", msg);
		return;
	}
	if (c->flags & CERT_EV_OVERDUE)
		return;
	c->flags |= CERT_EV_OVERDUE;
	timefmt_format(CERT_RT(c), 0, rt, sizeof rt);
	snprintf(grace, sizeof grace, "%lld", (long long)(t->o.renewal_grace_ms / 60000));
	snprintf(msg, sizeof msg,
	         "%s was due for renewal at %s and still holds the certificate of revision %d, "
	         "valid until %s: not renewed %s minutes after its renewal time; check the "
	         "Certificate's Issuing condition and its latest CertificateRequest",
	         c->key, rt, (int)c->revision, na, grace);
	log_warn("certificate renewal overdue", "certificate", c->key, "renewal_time", rt,
	         "not_after", na);
	notify_event(t->o.events, "Certificate", ns, name, uid, 1, "RenewalOverdue", msg);
}

/* Events due now, then the next deadline. */
static void
cert_review(struct certs *t, struct cert *c)
{
	int64_t now = clock_wall_ms(), next;

	t->tallied_ms = 0; /* the counts are out of date */
	cert_notify(t, c, now);
	next = cert_next_change(t, c, now);
	if (next == INT64_MAX)
		deadlines_cancel(t->deadlines, &c->node);
	else
		deadlines_set(t->deadlines, &c->node, next);
}

static void
certs_on_deadline(struct heap_node *node, void *arg)
{
	cert_review(arg, (struct cert *)node);
}

static struct cert_group *
certs_group_get(struct certs *t, const struct kube_certificate *kc)
{
	int cluster =
	    kc->issuer_kind != NULL && strcmp(kc->issuer_kind, "AWSPCAClusterIssuer") == 0;
	struct cert_group *g;
	char *issuer, *key;

	issuer =
	    cluster ? xstrdup(kc->issuer_name) : xasprintf("%s/%s", kc->namespace, kc->issuer_name);
	key = xasprintf("%s\x1f%s", cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer", issuer);
	if ((g = smap_get(t->groups, key)) == NULL) {
		g = xcalloc(1, sizeof *g);
		g->kind = xstrdup(cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer");
		g->issuer = issuer;
		issuer = NULL;
		smap_put(t->groups, key, g, NULL);
	}
	g->refs++;
	free(key);
	free(issuer);
	return g;
}

static void
certs_group_put(struct certs *t, struct cert_group *g)
{
	char *key;

	if (--g->refs > 0)
		return;
	key = xasprintf("%s\x1f%s", g->kind, g->issuer);
	smap_del(t->groups, key);
	free(key);
	free(g->kind);
	free(g->issuer);
	free(g);
}

static void
cert_free(struct certs *t, struct cert *c)
{
	deadlines_cancel(t->deadlines, &c->node);
	certs_group_put(t, c->group);
	free(c);
	t->tallied_ms = 0;
}

static int
certs_on_upsert(const struct kube_meta *meta, void *obj, void *arg)
{
	struct certs *t = arg;
	struct kube_certificate *kc = obj;
	struct cert *c = meta->attached;
	int same;

	if (kc->issuer_group == NULL || strcmp(kc->issuer_group, KUBE_AWSPCA_GROUP) != 0 ||
	    kc->issuer_name == NULL) {
		/* Not ours, or no longer: forget it if it was. */
		if (c != NULL)
			cert_free(t, c);
		return 0; /* the reflector frees kc */
	}
	if (c == NULL) {
		size_t n = strlen(kc->namespace) + strlen(kc->name) + 2;

		c = xcalloc(1, sizeof *c + n);
		c->node.idx = HEAP_NONE;
		snprintf(c->key, n, "%s/%s", kc->namespace, kc->name);
	} else {
		certs_group_put(t, c->group);
	}
	kube_reflector_attach(t->refl, c);
	c->group = certs_group_get(t, kc);
	same = c->not_after_s == cert_seconds(kc->not_after_ms) &&
	       c->revision == (int32_t)kc->revision;
	if (!same)
		c->flags &=
		    (uint8_t) ~(CERT_EV_OVERDUE | CERT_EV_EXPIRED); /* another certificate */
	c->revision = (int32_t)kc->revision;
	c->duration_s = kc->duration_s > INT32_MAX ? INT32_MAX : (int32_t)kc->duration_s;
	c->not_before_s = cert_seconds(kc->not_before_ms);
	c->not_after_s = cert_seconds(kc->not_after_ms);
	c->renewal_s = cert_seconds(kc->renewal_time_ms);
	c->created_s = cert_seconds(kc->created_ms);
	c->last_failure_s = cert_seconds(kc->last_failure_ms);
	c->flags &= (uint8_t) ~(CERT_READY | CERT_ISSUING | CERT_ISSUING_OURS);
	if (kc->ready.status == KUBE_COND_TRUE)
		c->flags |= CERT_READY;
	if (kc->issuing.status == KUBE_COND_TRUE) {
		c->flags |= CERT_ISSUING;
		if (kc->issuing.message != NULL && strncmp(kc->issuing.message, CERTS_TRIGGER_MARK,
		                                           strlen(CERTS_TRIGGER_MARK)) == 0)
			c->flags |= CERT_ISSUING_OURS;
	}
	/* The record is all that is kept: kc is ours (we return 1), and goes now. */
	kube_certificate_free(kc);
	cert_review(t, c);
	return 1;
}

static void
certs_on_delete(const struct kube_meta *meta, void *arg)
{
	if (meta->attached != NULL)
		cert_free(arg, meta->attached);
}

static void
certs_on_synced(void *arg)
{
	struct certs *t = arg;

	if (!t->synced) {
		char n[24];

		snprintf(n, sizeof n, "%zu", kube_reflector_tracked(t->refl));
		log_info("certificates listed; expiry tracking on", "tracked", n);
	}
	t->synced = 1;
	if (t->denied) {
		t->denied = 0;
		kube_permission_granted("certificates", "list");
	}
	metrics_set(certs_m_tracking, 1);
}

static void
certs_on_denied(long status, const char *message, void *arg)
{
	struct certs *t = arg;

	t->denied = 1;
	metrics_set(certs_m_tracking, 0);
	if (status == 403)
		kube_permission_missing(
		    "certificates", "list",
		    "expiry tracking, the RenewalOverdue and Expired events, the "
		    "certificate metrics and ranking renewals by expiry are off "
		    "until the role allows get, list and watch on "
		    "certificates.cert-manager.io");
	else
		kube_permission_missing("certificates", "list",
		                        "certificates.cert-manager.io is not served: expiry "
		                        "tracking is off");
}

/* ---- metrics ---- */

static void
certs_tally_one(const char *key, void *data, void *arg)
{
	const struct certs *t = arg;
	const struct cert *c = data;
	struct cert_group *g = c->group;
	int64_t now = t->tallied_ms;
	size_t w;

	g->n[cert_state(t, c, now)]++;
	if (CERT_NA(c) != 0 && CERT_NA(c) < g->earliest_not_after)
		g->earliest_not_after = CERT_NA(c);
	if (CERT_RT(c) != 0 && now < CERT_NA(c)) {
		if (CERT_RT(c) < g->earliest_renewal)
			g->earliest_renewal = CERT_RT(c);
		for (w = 0; w < CERT_NWINDOWS; w++) {
			if (CERT_RT(c) <= now + cert_windows[w].ms)
				g->within[w]++;
		}
	}
}

/*
 * Tallies every group's counts, once for the families written one after
 * the other in a scrape: again only after a change or a second.
 */
static void
certs_tally(struct certs *t)
{
	struct smap_iter it;
	const char *key;
	void *v;
	struct cert_group *g;
	int64_t now = clock_wall_ms();

	if (t->tallied_ms != 0 && now >= t->tallied_ms && now - t->tallied_ms < 1000)
		return;
	t->tallied_ms = now;
	smap_iter_init(&it);
	while (smap_next(t->groups, &it, &key, &v)) {
		g = v;
		memset(g->n, 0, sizeof g->n);
		memset(g->within, 0, sizeof g->within);
		g->earliest_not_after = g->earliest_renewal = INT64_MAX;
	}
	kube_reflector_each(t->refl, certs_tally_one, t);
}

static void
certs_collect(struct metric *m, void *arg)
{
	struct certs *t = arg;
	struct smap_iter it;
	const char *key;
	void *v;
	struct cert_group *g;
	size_t i;

	certs_tally(t);
	smap_iter_init(&it);
	while (smap_next(t->groups, &it, &key, &v)) {
		g = v;
		if (m == certs_m_state) {
			for (i = 0; i < CERT_NSTATES; i++)
				metrics_set(m, g->n[i], g->kind, g->issuer, cert_state_names[i]);
		} else if (m == certs_m_within) {
			for (i = 0; i < CERT_NWINDOWS; i++)
				metrics_set(m, g->within[i], g->kind, g->issuer,
				            cert_windows[i].name);
		} else if (m == certs_m_earliest_na && g->earliest_not_after != INT64_MAX) {
			metrics_set(m, (double)g->earliest_not_after / 1000.0, g->kind, g->issuer);
		} else if (m == certs_m_earliest_rt && g->earliest_renewal != INT64_MAX) {
			metrics_set(m, (double)g->earliest_renewal / 1000.0, g->kind, g->issuer);
		}
	}
}

static void
certs_collect_one(const char *key, void *data, void *arg)
{
	struct metric *m = arg;
	const struct cert *c = data;
	const char *name;
	char ns[256];

	cert_split_key(c, ns, sizeof ns, &name);
	if (m == certs_m_cert_na && CERT_NA(c) != 0)
		metrics_set(m, (double)CERT_NA(c) / 1000.0, ns, name, c->group->kind,
		            c->group->issuer);
	else if (m == certs_m_cert_rt && CERT_RT(c) != 0)
		metrics_set(m, (double)CERT_RT(c) / 1000.0, ns, name, c->group->kind,
		            c->group->issuer);
}

static void
certs_collect_per_cert(struct metric *m, void *arg)
{
	struct certs *t = arg;

	kube_reflector_each(t->refl, certs_collect_one, m);
}

static void
certs_metrics_init(struct certs *t)
{
	if (certs_m_state == NULL) {
		certs_m_state = metrics_gauge(
		    "pca_issuer_certificates",
		    "Certificates of this issuer's issuers, by state: not_issued, valid, "
		    "renewal_due "
		    "(renewalTime passed), renewal_overdue (renewalTime + grace passed), expired.",
		    "issuer_kind,issuer,state");
		certs_m_within = metrics_gauge(
		    "pca_issuer_certificates_renewing_within",
		    "Certificates whose renewalTime falls within the window from now (due ones "
		    "included, expired ones not): the renewal load coming.",
		    "issuer_kind,issuer,window");
		certs_m_earliest_na = metrics_gauge(
		    "pca_issuer_certificates_earliest_not_after_timestamp_seconds",
		    "The earliest notAfter among the issuer's Certificates.", "issuer_kind,issuer");
		certs_m_earliest_rt =
		    metrics_gauge("pca_issuer_certificates_earliest_renewal_timestamp_seconds",
		                  "The earliest renewalTime among the issuer's Certificates that "
		                  "have not expired.",
		                  "issuer_kind,issuer");
		certs_m_cert_na =
		    metrics_gauge("pca_issuer_certificate_not_after_timestamp_seconds",
		                  "A Certificate's notAfter (only with --per-certificate-metrics).",
		                  "namespace,name,issuer_kind,issuer");
		certs_m_cert_rt = metrics_gauge(
		    "pca_issuer_certificate_renewal_timestamp_seconds",
		    "A Certificate's renewalTime (only with --per-certificate-metrics).",
		    "namespace,name,issuer_kind,issuer");
	}
	if (certs_m_tracking == NULL)
		certs_m_tracking = metrics_gauge(
		    "pca_issuer_certificates_tracking",
		    "1 while Certificates are listed and watched (the role allows it), else 0.",
		    "");
	metrics_set(certs_m_tracking, 0);
	metrics_collect_add(certs_m_state, certs_collect, t);
	metrics_collect_add(certs_m_within, certs_collect, t);
	metrics_collect_add(certs_m_earliest_na, certs_collect, t);
	metrics_collect_add(certs_m_earliest_rt, certs_collect, t);
	if (t->o.per_certificate) {
		metrics_collect_add(certs_m_cert_na, certs_collect_per_cert, t);
		metrics_collect_add(certs_m_cert_rt, certs_collect_per_cert, t);
	}
}

/* ---- life ---- */

struct certs *
certs_create(const struct certs_opts *opts)
{
	struct certs *t = xcalloc(1, sizeof *t);
	struct kube_reflector_opts ro;

	t->o = *opts;
	if (t->o.renewal_grace_ms <= 0)
		t->o.renewal_grace_ms = CERTS_DEFAULT_GRACE_MS;
	t->namespace = opts->namespace != NULL ? xstrdup(opts->namespace) : NULL;
	t->o.namespace = NULL;
	t->groups = smap_create();
	t->deadlines = deadlines_create(loop_base(), certs_on_deadline, t);
	memset(&ro, 0, sizeof ro);
	ro.type = &kube_type_certificate;
	ro.namespace = t->namespace;
	ro.max_line = opts->max_line;
	ro.on_upsert = certs_on_upsert;
	ro.on_delete = certs_on_delete;
	ro.on_synced = certs_on_synced;
	ro.on_denied = certs_on_denied;
	ro.arg = t;
	/* Readiness does not wait for this list: signing does not need it. */
	ro.ready_check = "";
	t->refl = kube_reflector_create(opts->kube, &ro);
	certs_metrics_init(t);
	return t;
}

void
certs_start(struct certs *t)
{
	kube_reflector_start(t->refl);
}

static void
certs_notify_one(const char *key, void *data, void *arg)
{
	cert_notify(arg, data, clock_wall_ms());
}

void
certs_set_leader(struct certs *t, int leader)
{
	if (leader == t->leader)
		return;
	t->leader = leader;
	if (leader)
		kube_reflector_each(t->refl, certs_notify_one, t);
}

static void
certs_free_one(const char *key, void *data, void *arg)
{
	free(data);
}

void
certs_free(struct certs *t)
{
	struct smap_iter it;
	const char *key;
	void *v;

	if (t == NULL)
		return;
	metrics_collect_remove(certs_m_state, certs_collect, t);
	metrics_collect_remove(certs_m_within, certs_collect, t);
	metrics_collect_remove(certs_m_earliest_na, certs_collect, t);
	metrics_collect_remove(certs_m_earliest_rt, certs_collect, t);
	if (t->o.per_certificate) {
		metrics_collect_remove(certs_m_cert_na, certs_collect_per_cert, t);
		metrics_collect_remove(certs_m_cert_rt, certs_collect_per_cert, t);
	}
	/* The heap first (it touches the records' nodes), then the records. */
	deadlines_free(t->deadlines);
	kube_reflector_each(t->refl, certs_free_one, NULL);
	kube_reflector_free(t->refl);
	smap_iter_init(&it);
	while (smap_next(t->groups, &it, &key, &v)) {
		struct cert_group *g = v;

		free(g->kind);
		free(g->issuer);
	}
	smap_free(t->groups, free);
	free(t->namespace);
	free(t);
}

int
certs_lookup(struct certs *t, const char *ns, const char *name, struct certs_view *out)
{
	struct cert *c;

	if (t == NULL || (c = kube_reflector_attached(t->refl, ns, name)) == NULL)
		return 0;
	out->not_after_ms = CERT_NA(c);
	out->revision = c->revision;
	return 1;
}

int
certs_denied(const struct certs *t)
{
	return t != NULL && t->denied;
}

int
certs_synced(const struct certs *t)
{
	return t != NULL && t->synced && !t->denied;
}

struct certs_longest {
	const struct cert_group *group;
	int64_t longest;
};

static void
certs_longest_one(const char *key, void *data, void *arg)
{
	struct certs_longest *q = arg;
	const struct cert *c = data;

	if (c->group == q->group && c->duration_s > q->longest)
		q->longest = c->duration_s;
}

int64_t
certs_longest_duration(struct certs *t, const char *issuer_kind, const char *issuer)
{
	struct certs_longest q;
	char key[512];

	if (t == NULL)
		return 0;
	snprintf(key, sizeof key, "%s\x1f%s", issuer_kind, issuer);
	if ((q.group = smap_get(t->groups, key)) == NULL)
		return 0;
	q.longest = 0;
	kube_reflector_each(t->refl, certs_longest_one, &q);
	return q.longest;
}

static void
cert_item(const struct cert *c, struct certs_item *out)
{
	out->key = c->key;
	out->issuer_kind = c->group->kind;
	out->issuer = c->group->issuer;
	out->not_before_ms = (int64_t)c->not_before_s * 1000;
	out->not_after_ms = CERT_NA(c);
	out->renewal_ms = CERT_RT(c);
	out->created_ms = (int64_t)c->created_s * 1000;
	out->last_failure_ms = (int64_t)c->last_failure_s * 1000;
	out->revision = c->revision;
	out->issuing = (c->flags & CERT_ISSUING) != 0;
	out->issuing_ours = (c->flags & CERT_ISSUING_OURS) != 0;
}

struct certs_walk {
	const struct cert_group *group; /* NULL: all */
	void (*fn)(const struct certs_item *item, void *arg);
	void *arg;
};

static void
certs_walk_one(const char *key, void *data, void *arg)
{
	struct certs_walk *w = arg;
	const struct cert *c = data;
	struct certs_item item;

	if (w->group != NULL && c->group != w->group)
		return;
	cert_item(c, &item);
	w->fn(&item, w->arg);
}

void
certs_each(struct certs *t, const char *issuer_kind, const char *issuer,
           void (*fn)(const struct certs_item *item, void *arg), void *arg)
{
	struct certs_walk w = {NULL, fn, arg};
	char key[512];

	if (t == NULL)
		return;
	if (issuer_kind != NULL) {
		snprintf(key, sizeof key, "%s\x1f%s", issuer_kind, issuer);
		if ((w.group = smap_get(t->groups, key)) == NULL)
			return;
	}
	kube_reflector_each(t->refl, certs_walk_one, &w);
}

int
certs_get(struct certs *t, const char *key, struct certs_item *out)
{
	const char *slash = strchr(key, '/');
	char ns[256];
	struct cert *c;

	if (t == NULL || slash == NULL || (size_t)(slash - key) >= sizeof ns)
		return 0;
	memcpy(ns, key, (size_t)(slash - key));
	ns[slash - key] = '\0';
	if ((c = kube_reflector_attached(t->refl, ns, slash + 1)) == NULL)
		return 0;
	cert_item(c, out);
	return 1;
}

size_t
certs_count(const struct certs *t)
{
	return kube_reflector_tracked(t->refl);
}

struct kube_reflector *
certs_reflector(struct certs *t)
{
	return t->refl;
}

void
certs_run_deadlines(struct certs *t)
{
	deadlines_run(t->deadlines);
}
