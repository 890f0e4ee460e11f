/*
 * The list+watch loop of one resource type. A reflector is always in one
 * state, changed only by kube_refl_set_state():
 *
 *   IDLE -> LISTING <-> DRAINING -> WATCHING -> (clean end) WATCHING
 *              ^  \________________________/  |
 *              |        (410, ERROR event)    |
 *              +---------- BACKOFF <----------+ (failures)
 *
 * LISTING has a page request out; DRAINING hands that page's items to the
 * owner, KUBE_REFL_ITEMS_PER_PASS per loop pass, so that a relist of 100k
 * objects shares the loop with everything else; BACKOFF waits on the
 * reflector's one timer, which DRAINING uses to come back next pass.
 *
 * What is remembered per tracked object: the key "ns/name" (in the map) and
 * a struct kube_track of 32 bytes: the uid as 16 bytes, the resourceVersion
 * as a number (both hashed if they do not have the usual form) and the
 * epoch of the last list that saw it. Each list from scratch starts a new
 * epoch; when it completes, tracked objects of an older epoch are gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/health.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/xmalloc.h"
#include "kube/reflector_impl.h"

struct metric *kube_refl_m_restarts, *kube_refl_m_relists, *kube_refl_m_tracked;
struct metric *kube_refl_m_skipped;

static void kube_refl_drain(struct kube_reflector *r);

static void
kube_refl_metrics_init(void)
{
	kube_refl_m_restarts = metrics_counter(
	    "pca_issuer_kube_watch_restarts_total",
	    "Watches started again from the last resourceVersion, by reason.", "resource,reason");
	kube_refl_m_relists =
	    metrics_counter("pca_issuer_kube_relists_total",
	                    "Lists started again from scratch, by reason.", "resource,reason");
	kube_refl_m_tracked =
	    metrics_gauge("pca_issuer_kube_objects_tracked",
	                  "Objects a reflector remembers for its owner.", "resource");
	kube_refl_m_skipped =
	    metrics_counter("pca_issuer_kube_objects_skipped_total",
	                    "Objects that could not be read and were passed over (too_long: "
	                    "larger than --max-watch-line-bytes; decode: not understood), "
	                    "each named in a log line.",
	                    "resource,reason");
}

static const char *
kube_refl_state_name(enum kube_refl_state s)
{
	static const char *const names[] = {"idle", "listing", "draining", "watching", "backoff"};

	return names[s];
}

void
kube_refl_set_state(struct kube_reflector *r, enum kube_refl_state s)
{
	if (r->state != s && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("reflector state", "resource", r->resource, "from",
		          kube_refl_state_name(r->state), "to", kube_refl_state_name(s));
	r->state = s;
}

static void
kube_refl_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kube_reflector *r = arg;

	if (r->state == KUBE_REFL_DRAINING)
		kube_refl_drain(r);
	else if (r->state == KUBE_REFL_BACKOFF && r->backoff_list)
		kube_refl_list(r);
	else if (r->state == KUBE_REFL_BACKOFF)
		kube_refl_watch(r);
}

static void
kube_refl_arm(struct kube_reflector *r, uint64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	evtimer_add(r->timer, &tv);
}

/* Waits, longer after each failure in a row, then lists (list) or watches. */
void
kube_refl_backoff(struct kube_reflector *r, int list)
{
	uint64_t ms =
	    backoff_delay(KUBE_REFL_BACKOFF_MS, KUBE_REFL_BACKOFF_CAP_MS, r->attempt++, 0);

	r->backoff_list = list;
	kube_refl_set_state(r, KUBE_REFL_BACKOFF);
	kube_refl_arm(r, ms);
}

static void
kube_refl_tracked_collect(struct metric *m, void *arg)
{
	struct kube_reflector *r = arg;

	metrics_gauge_add(m, (double)smap_count(r->tracked), r->resource);
}

static int
kube_refl_ready(void *arg, char **why)
{
	struct kube_reflector *r = arg;

	if (r->synced)
		return 1;
	*why = xasprintf("%s not listed yet", r->resource);
	return 0;
}

static char *
kube_refl_dup(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

struct kube_reflector *
kube_reflector_create(struct kube_client *c, const struct kube_reflector_opts *opts)
{
	struct kube_reflector *r = xcalloc(1, sizeof *r);

	kube_refl_metrics_init();
	r->c = c;
	r->o = *opts;
	r->resource = opts->type->resource->plural;
	r->ns = kube_refl_dup(opts->namespace);
	r->label_selector = kube_refl_dup(opts->label_selector);
	r->field_selector = kube_refl_dup(opts->field_selector);
	if (opts->ready_check == NULL)
		r->ready_name = xasprintf("informer-%s", r->resource);
	else
		r->ready_name = kube_refl_dup(opts->ready_check);
	if (r->o.page_size == 0)
		r->o.page_size = KUBE_REFL_PAGE_SIZE;
	r->limit = r->o.page_size;
	if (r->o.max_line == 0)
		r->o.max_line = KUBE_REFL_MAX_LINE;
	r->o.namespace = r->o.label_selector = r->o.field_selector = r->o.ready_check = NULL;
	r->tracked = smap_create();
	r->timer = evtimer_new(loop_base(), kube_refl_on_timer, r);
	buf_init(&r->page);
	buf_init(&r->meta_buf);
	buf_init(&r->key);
	return r;
}

void
kube_reflector_start(struct kube_reflector *r)
{
	if (r->state != KUBE_REFL_IDLE || r->dead)
		return;
	if (r->ready_name != NULL)
		health_check_add(r->ready_name, kube_refl_ready, r);
	metrics_collect_add(kube_refl_m_tracked, kube_refl_tracked_collect, r);
	r->epoch++;
	kube_refl_list(r);
}

static void
kube_refl_page_free(struct kube_reflector *r)
{
	jtok_free(r->doc);
	r->doc = NULL;
	buf_reset(&r->page);
	xfree_ptr(&r->page_rv);
	xfree_ptr(&r->page_cont);
}

static void
kube_refl_destroy(void *arg)
{
	struct kube_reflector *r = arg;

	kube_refl_page_free(r);
	buf_clear(&r->page);
	smap_free(r->tracked, free);
	event_free(r->timer);
	buf_clear(&r->meta_buf);
	buf_clear(&r->key);
	free(r->ns);
	free(r->label_selector);
	free(r->field_selector);
	free(r->ready_name);
	free(r->rv);
	free(r->cont);
	free(r);
}

void
kube_reflector_free(struct kube_reflector *r)
{
	if (r == NULL || r->dead)
		return;
	r->dead = 1;
	kube_client_cancel(r->call);
	r->call = NULL;
	evtimer_del(r->timer);
	if (r->state != KUBE_REFL_IDLE) {
		if (r->ready_name != NULL)
			health_check_remove(r->ready_name);
		metrics_collect_remove(kube_refl_m_tracked, kube_refl_tracked_collect, r);
	}
	if (r->in_cb > 0)
		loop_defer(kube_refl_destroy, r);
	else
		kube_refl_destroy(r);
}

int
kube_reflector_synced(const struct kube_reflector *r)
{
	return r->synced;
}

size_t
kube_reflector_tracked(const struct kube_reflector *r)
{
	return smap_count(r->tracked);
}

const char *
kube_reflector_resource_version(const struct kube_reflector *r)
{
	return r->rv != NULL ? r->rv : "";
}

void
kube_refl_set_rv(struct kube_reflector *r, const char *rv)
{
	if (rv == NULL || *rv == '\0' || (r->rv != NULL && strcmp(r->rv, rv) == 0))
		return;
	free(r->rv);
	r->rv = xstrdup(rv);
}

/* ---- what is remembered of an object ---- */

/* A lower-case hex digit's value, or -1: only canonical UUIDs are packed. */
static int
kube_refl_hex(char ch)
{
	return ch >= 'A' && ch <= 'F' ? -1 : codec_hex_digit(ch);
}

/* The uid as 16 bytes when it is a lower-case UUID, else a hash of it. */
static void
kube_track_set_uid(struct kube_track *t, const char *uid)
{
	size_t i, n = 0;
	int hi, lo;
	uint64_t h;

	for (i = 0; uid[i] != '\0' && n < 16; i++) {
		if ((i == 8 || i == 13 || i == 18 || i == 23) && uid[i] == '-')
			continue;
		if ((hi = kube_refl_hex(uid[i])) < 0 || (lo = kube_refl_hex(uid[i + 1])) < 0)
			break;
		t->uid[n++] = (unsigned char)(hi << 4 | lo);
		i++;
	}
	if (n == 16 && i == 36 && uid[i] == '\0') {
		t->flags |= KUBE_TRACK_UID_BIN;
		return;
	}
	memset(t->uid, 0, sizeof t->uid);
	h = smap_hash(uid);
	memcpy(t->uid, &h, sizeof h);
	t->flags &= (uint8_t)~KUBE_TRACK_UID_BIN;
}

static void
kube_track_set_rv(struct kube_track *t, const char *rv)
{
	size_t n = strspn(rv, "0123456789");

	if (n > 0 && n <= 19 && rv[n] == '\0' && (n == 1 || rv[0] != '0')) {
		t->rv = strtoull(rv, NULL, 10);
		t->flags |= KUBE_TRACK_RV_NUM;
	} else {
		t->rv = smap_hash(rv);
		t->flags &= (uint8_t)~KUBE_TRACK_RV_NUM;
	}
}

/* Writes the uid and resourceVersion a track remembers, or "" for hashed ones. */
static void
kube_track_strings(const struct kube_track *t, char uid[37], char rv[21])
{
	size_t i, o = 0;

	uid[0] = rv[0] = '\0';
	if (t->flags & KUBE_TRACK_UID_BIN) {
		for (i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				uid[o++] = '-';
			codec_hex(&t->uid[i], 1, uid + o);
			o += 2;
		}
	}
	if (t->flags & KUBE_TRACK_RV_NUM)
		snprintf(rv, 21, "%llu", (unsigned long long)t->rv);
}

/* ---- object metadata ---- */

/*
 * Reads obj's metadata into r->meta (strings in r->meta_buf) and its key
 * into r->key; -1 when it has no name.
 */
static int
kube_refl_meta(struct kube_reflector *r, const struct jtok *d, int obj)
{
	static const char *const keys[] = {"namespace", "name", "uid", "resourceVersion"};
	int md = jtok_get(d, obj, "metadata");
	size_t off[4], i;

	buf_reset(&r->meta_buf);
	for (i = 0; i < 4; i++) {
		off[i] = r->meta_buf.len;
		(void)jtok_str_buf(d, jtok_get(d, md, keys[i]), &r->meta_buf);
		buf_addc(&r->meta_buf, '\0');
	}
	r->meta.namespace = r->meta_buf.p + off[0];
	r->meta.name = r->meta_buf.p + off[1];
	r->meta.uid = r->meta_buf.p + off[2];
	r->meta.resource_version = r->meta_buf.p + off[3];
	r->meta.generation = 0;
	r->meta.attached = NULL;
	(void)jtok_get_int(d, md, "generation", &r->meta.generation);
	buf_reset(&r->key);
	if (*r->meta.namespace != '\0')
		buf_printf(&r->key, "%s/", r->meta.namespace);
	buf_adds(&r->key, r->meta.name);
	return *r->meta.name != '\0' ? 0 : -1;
}

static void
kube_refl_forget(struct kube_reflector *r, const char *key)
{
	free(smap_del(r->tracked, key));
}

/* Tells the owner a tracked object is gone; meta describes it. */
static void
kube_refl_deleted(struct kube_reflector *r, const struct kube_meta *meta)
{
	if (r->o.on_delete == NULL)
		return;
	r->in_cb++;
	r->o.on_delete(meta, r->o.arg);
	r->in_cb--;
}

/*
 * Forgets the tracked object key and tells the owner it is gone, described
 * by what its track remembers.
 */
static void
kube_refl_gone(struct kube_reflector *r, const char *key)
{
	struct kube_track *t = smap_del(r->tracked, key);
	char *k = xstrdup(key), *slash = strchr(k, '/'), uid[37], rv[21];
	struct kube_meta m;

	if (t != NULL) {
		kube_track_strings(t, uid, rv);
		if (slash != NULL)
			*slash = '\0';
		m.namespace = slash != NULL ? k : "";
		m.name = slash != NULL ? slash + 1 : k;
		m.uid = uid;
		m.resource_version = rv;
		m.generation = 0;
		m.attached = t->data;
		kube_refl_deleted(r, &m);
	}
	free(t);
	free(k);
}

/* The owner's answer to an object: track it with the current epoch, or forget it. */
static void
kube_refl_keep(struct kube_reflector *r, int keep)
{
	struct kube_track *t = smap_get(r->tracked, buf_str(&r->key));

	if (!keep) {
		if (t != NULL)
			kube_refl_forget(r, buf_str(&r->key));
		return;
	}
	if (t == NULL) {
		t = xcalloc(1, sizeof *t);
		smap_put(r->tracked, buf_str(&r->key), t, NULL);
	}
	kube_track_set_uid(t, r->meta.uid);
	kube_track_set_rv(t, r->meta.resource_version);
	t->epoch = r->epoch;
	t->data = r->attach;
}

/*
 * If the object replaced a tracked one of the same name (another uid), the
 * old one is reported deleted. Returns 1 when the object is tracked and
 * unchanged, so there is nothing to deliver.
 */
static int
kube_refl_unchanged(struct kube_reflector *r)
{
	struct kube_track *t = smap_get(r->tracked, buf_str(&r->key)), now;

	if (t == NULL)
		return 0;
	memset(&now, 0, sizeof now);
	kube_track_set_uid(&now, r->meta.uid);
	kube_track_set_rv(&now, r->meta.resource_version);
	if (memcmp(now.uid, t->uid, sizeof now.uid) != 0) {
		kube_refl_gone(r, buf_str(&r->key));
		return 0;
	}
	if (now.rv != t->rv)
		return 0;
	t->epoch = r->epoch;
	return 1;
}

/*
 * Passes over the object at hand, which cannot be read: named in a log line
 * and counted, and gone for the owner if it was tracked.
 */
static void
kube_refl_skip(struct kube_reflector *r, const char *reason, const char *why)
{
	metrics_inc(kube_refl_m_skipped, r->resource, reason);
	log_warn("object cannot be read; passed over", "resource", r->resource, "object",
	         buf_str(&r->key), "uid", r->meta.uid, "resource_version", r->meta.resource_version,
	         "error", why);
	kube_refl_gone(r, buf_str(&r->key));
}

/* An object from a list page or an ADDED/MODIFIED event. */
void
kube_refl_upsert(struct kube_reflector *r, const struct jtok *d, int obj)
{
	char *cause = NULL;
	struct kube_track *t;
	void *decoded;
	int keep;

	if (kube_refl_meta(r, d, obj) != 0) {
		log_warn("object without a name ignored", "resource", r->resource);
		return;
	}
	if (kube_refl_unchanged(r) || r->dead)
		return;
	if (jtok_raw(d, obj).len > r->o.max_line) {
		/* What a watch could not deliver, a list does not deliver either. */
		kube_refl_skip(r, "too_long", "larger than the watch line cap");
		return;
	}
	decoded = r->o.type->decode(d, obj, &cause);
	if (decoded == NULL) {
		kube_refl_skip(r, "decode", cause);
		free(cause);
		return;
	}
	t = smap_get(r->tracked, buf_str(&r->key));
	r->meta.attached = r->attach = t != NULL ? t->data : NULL;
	r->in_cb++;
	keep = r->o.on_upsert(&r->meta, decoded, r->o.arg);
	r->in_cb--;
	if (!keep)
		r->o.type->free(decoded);
	if (!r->dead)
		kube_refl_keep(r, keep);
}

/* A DELETED event: only tracked objects concern the owner. */
void
kube_refl_delete(struct kube_reflector *r, const struct jtok *d, int obj)
{
	struct kube_track *t;

	if (kube_refl_meta(r, d, obj) != 0 || (t = smap_get(r->tracked, buf_str(&r->key))) == NULL)
		return;
	r->meta.attached = t->data;
	kube_refl_forget(r, buf_str(&r->key));
	kube_refl_deleted(r, &r->meta);
}

void
kube_reflector_attach(struct kube_reflector *r, void *data)
{
	r->attach = data;
}

static struct kube_track *
kube_refl_track_of(const struct kube_reflector *r, const char *ns, const char *name)
{
	char key[512];

	if (ns != NULL && *ns != '\0')
		snprintf(key, sizeof key, "%s/%s", ns, name);
	else
		snprintf(key, sizeof key, "%s", name);
	return smap_get(r->tracked, key);
}

void *
kube_reflector_attached(const struct kube_reflector *r, const char *ns, const char *name)
{
	struct kube_track *t = kube_refl_track_of(r, ns, name);

	return t != NULL ? t->data : NULL;
}

int
kube_reflector_uid(const struct kube_reflector *r, const char *ns, const char *name, char uid[37])
{
	struct kube_track *t = kube_refl_track_of(r, ns, name);
	char rv[21];

	if (t == NULL)
		return -1;
	kube_track_strings(t, uid, rv);
	return 0;
}

void
kube_reflector_each(const struct kube_reflector *r,
                    void (*fn)(const char *key, void *data, void *arg), void *arg)
{
	struct smap_iter it;
	const char *key;
	void *v;

	smap_iter_init(&it);
	while (smap_next(r->tracked, &it, &key, &v)) {
		if (((struct kube_track *)v)->data != NULL)
			fn(key, ((struct kube_track *)v)->data, arg);
	}
}

/* After a complete list: tracked objects it did not show are gone. */
static void
kube_refl_sweep(struct kube_reflector *r)
{
	struct smap_iter it;
	const char *key;
	void *v;
	char **gone = NULL;
	size_t n = 0, cap = 0, i;

	smap_iter_init(&it);
	while (smap_next(r->tracked, &it, &key, &v)) {
		if (((struct kube_track *)v)->epoch == r->epoch)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			gone = xreallocarray(gone, cap, sizeof *gone);
		}
		gone[n++] = xstrdup(key);
	}
	/* The map must not change while iterated; the owner may end others. */
	for (i = 0; i < n; i++) {
		if (!r->dead)
			kube_refl_gone(r, gone[i]);
		free(gone[i]);
	}
	free(gone);
}

/* ---- listing ---- */

/* The collection path with the selectors, into b. */
void
kube_refl_base_path(struct kube_reflector *r, struct buf *b)
{
	char *p = kube_path(r->o.type->resource, r->ns, NULL, NULL);

	buf_adds(b, p);
	free(p);
	if (r->label_selector != NULL)
		kube_path_query_add(b, "labelSelector", r->label_selector);
	if (r->field_selector != NULL)
		kube_path_query_add(b, "fieldSelector", r->field_selector);
}

static void kube_refl_on_list(const struct kube_resp *resp, void *arg);

/* Requests the next page (the first when r->cont is NULL). */
void
kube_refl_list(struct kube_reflector *r)
{
	struct buf b = BUF_INIT;
	char limit[16];

	kube_refl_base_path(r, &b);
	snprintf(limit, sizeof limit, "%u", r->limit);
	kube_path_query_add(&b, "limit", limit);
	if (r->cont != NULL)
		kube_path_query_add(&b, "continue", r->cont);
	kube_refl_set_state(r, KUBE_REFL_LISTING);
	r->call = kube_client_get(r->c, buf_str(&b), kube_refl_on_list, r);
	buf_clear(&b);
}

/* Starts a list from scratch, now or after the back-off. */
void
kube_refl_relist(struct kube_reflector *r, const char *reason, int now)
{
	metrics_inc(kube_refl_m_relists, r->resource, reason);
	log_info("listing again", "resource", r->resource, "reason", reason);
	xfree_ptr(&r->cont);
	r->epoch++;
	if (now)
		kube_refl_list(r);
	else
		kube_refl_backoff(r, 1);
}

static void
kube_refl_list_done(struct kube_reflector *r)
{
	char n[24];

	kube_refl_sweep(r);
	if (r->dead)
		return;
	kube_refl_set_rv(r, r->page_rv);
	kube_refl_page_free(r);
	buf_clear(&r->page); /* kept from page to page, not from list to list */
	xfree_ptr(&r->cont);
	r->attempt = 0;
	snprintf(n, sizeof n, "%zu", smap_count(r->tracked));
	log_info("list delivered", "resource", r->resource, "resource_version", r->rv, "tracked",
	         n);
	if (!r->synced)
		r->synced = 1;
	if (r->o.on_synced != NULL) {
		r->in_cb++;
		r->o.on_synced(r->o.arg);
		r->in_cb--;
		if (r->dead)
			return;
	}
	kube_refl_watch(r);
}

/* Hands out up to KUBE_REFL_ITEMS_PER_PASS items, then comes back next pass. */
static void
kube_refl_drain(struct kube_reflector *r)
{
	int n;

	kube_refl_set_state(r, KUBE_REFL_DRAINING);
	for (n = 0; r->item != -1 && n < KUBE_REFL_ITEMS_PER_PASS; n++) {
		kube_refl_upsert(r, r->doc, r->item);
		if (r->dead)
			return;
		r->item = jtok_next(r->doc, r->item);
	}
	if (r->item != -1) {
		kube_refl_arm(r, 0);
		return;
	}
	if (r->page_cont == NULL) {
		kube_refl_list_done(r);
		return;
	}
	free(r->cont);
	r->cont = r->page_cont;
	r->page_cont = NULL;
	jtok_free(r->doc);
	r->doc = NULL;
	kube_refl_list(r);
}

/* Takes a page over from the answer; -1 with *cause when it is not a list. */
static int
kube_refl_page(struct kube_reflector *r, const struct kube_resp *resp, char **cause)
{
	int md, items;

	kube_refl_page_free(r);
	buf_add(&r->page, resp->body.p, resp->body.len);
	if (jtok_parse(r->page.p, r->page.len, &r->doc, cause) != 0)
		return -1;
	md = jtok_get(r->doc, JTOK_ROOT, "metadata");
	items = jtok_get(r->doc, JTOK_ROOT, "items");
	if (jtok_type(r->doc, items) != JTOK_ARRAY && !jtok_is_null(r->doc, items)) {
		*cause = xstrdup("the answer has no items array");
		return -1;
	}
	if (jtok_get_str(r->doc, md, "resourceVersion", &r->page_rv) != 0) {
		*cause = xstrdup("the answer has no metadata.resourceVersion");
		return -1;
	}
	if (jtok_get_str(r->doc, md, "continue", &r->page_cont) == 0 && *r->page_cont == '\0')
		xfree_ptr(&r->page_cont);
	r->item = jtok_first(r->doc, items);
	return 0;
}

static void
kube_refl_on_list(const struct kube_resp *resp, void *arg)
{
	struct kube_reflector *r = arg;
	char status[24], *cause = NULL;

	r->call = NULL;
	if (resp->err == KUBE_OK && resp->status == 410 && r->cont != NULL) {
		kube_refl_relist(r, "continue_expired", 1);
		return;
	}
	if (resp->err == KUBE_ERR_TOO_BIG && r->limit > 1) {
		/* Large objects: ask for fewer per page, from the same place. */
		r->limit = r->limit / 2;
		snprintf(status, sizeof status, "%u", r->limit);
		log_warn("list page over the size cap; asking for fewer objects per page",
		         "resource", r->resource, "limit", status);
		kube_refl_list(r);
		return;
	}
	if (resp->err == KUBE_OK && resp->status == 200) {
		if (kube_refl_page(r, resp, &cause) == 0) {
			kube_refl_drain(r);
			return;
		}
		log_warn("list answer not understood", "resource", r->resource, "error", cause);
		free(cause);
		kube_refl_page_free(r);
	} else if (resp->err == KUBE_OK && (resp->status == 403 || resp->status == 404) &&
	           r->o.on_denied != NULL) {
		/* The owner says what it means; the list is tried again after the back-off. */
		r->o.on_denied(resp->status, resp->message, r->o.arg);
	} else {
		snprintf(status, sizeof status, "%ld", resp->status);
		log_warn("list failed", "resource", r->resource, "status", status, "reason",
		         resp->reason, "error", resp->message);
	}
	kube_refl_backoff(r, 1);
}
