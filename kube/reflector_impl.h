/*
 * What the reflector's listing half (kube/reflector.c) and watching half
 * (kube/reflector_watch.c) share; not for use outside them.
 */
#ifndef PCA_KUBE_REFLECTOR_IMPL_H
#define PCA_KUBE_REFLECTOR_IMPL_H

#include <stdint.h>

#include "core/buf.h"
#include "kube/reflector.h"

struct event;
struct metric;
struct smap;

#define KUBE_REFL_ITEMS_PER_PASS 128
#define KUBE_REFL_PAGE_SIZE      500
#define KUBE_REFL_MAX_LINE       ((size_t)16 << 20)
#define KUBE_REFL_BACKOFF_MS     800
#define KUBE_REFL_BACKOFF_CAP_MS 30000
#define KUBE_REFL_WATCH_MIN_S    300
#define KUBE_REFL_WATCH_SPREAD_S 300
/* A watch that ends sooner than this without an event counts as a failure. */
#define KUBE_REFL_SHORT_WATCH_MS 1000

#define KUBE_TRACK_UID_BIN 0x01
#define KUBE_TRACK_RV_NUM  0x02

enum kube_refl_state {
	KUBE_REFL_IDLE,
	KUBE_REFL_LISTING,
	KUBE_REFL_DRAINING,
	KUBE_REFL_WATCHING,
	KUBE_REFL_BACKOFF,
};

/* Why the reflector itself stopped a watch from its line callback. */
enum kube_refl_stop {
	KUBE_REFL_STOP_NONE,
	KUBE_REFL_STOP_ERROR,  /* an ERROR event */
	KUBE_REFL_STOP_DECODE, /* a line that is not an event */
};

struct kube_track {
	uint64_t rv;
	unsigned char uid[16];
	uint32_t epoch;
	uint8_t flags;
	void *data; /* the owner's, kube_reflector_attach */
};

struct kube_reflector {
	struct kube_client *c;
	struct kube_reflector_opts o;
	char *ns, *label_selector, *field_selector, *ready_name;
	const char *resource; /* the plural, for metrics and logs */
	enum kube_refl_state state;
	struct kube_call *call;
	struct event *timer;
	unsigned attempt; /* failures in a row, for the back-off */
	int backoff_list; /* BACKOFF leads to a list (else a watch) */
	char *rv;         /* the newest resourceVersion seen */
	char *cont;       /* continue token of the list in progress */
	unsigned limit;   /* objects asked per page: page_size, halved for huge pages */
	struct smap *tracked;
	void *attach; /* during on_upsert: the data to keep with the object */
	uint32_t epoch;
	int synced;

	struct buf page; /* the page being drained, and its parse */
	struct jtok *doc;
	int item;
	char *page_rv, *page_cont;

	uint64_t watch_start_ms;
	unsigned watch_events;
	enum kube_refl_stop stop;
	int64_t stop_code;

	struct kube_meta meta; /* of the object at hand, strings in meta_buf */
	struct buf meta_buf;
	struct buf key;
	unsigned in_cb; /* owner callbacks running */
	int dead;       /* kube_reflector_free ran */
};

extern struct metric *kube_refl_m_restarts, *kube_refl_m_relists, *kube_refl_m_tracked;
extern struct metric *kube_refl_m_skipped;

void kube_refl_set_state(struct kube_reflector *r, enum kube_refl_state s);
/* Waits out the back-off, then lists (list set) or watches again. */
void kube_refl_backoff(struct kube_reflector *r, int list);
/* Starts a list from scratch, now or after the back-off. */
void kube_refl_relist(struct kube_reflector *r, const char *reason, int now);
void kube_refl_set_rv(struct kube_reflector *r, const char *rv);
/* The collection path with the selectors, into b. */
void kube_refl_base_path(struct kube_reflector *r, struct buf *b);
/* An object from a list page or an ADDED/MODIFIED event, and a DELETED event. */
void kube_refl_upsert(struct kube_reflector *r, const struct jtok *d, int obj);
void kube_refl_delete(struct kube_reflector *r, const struct jtok *d, int obj);
/* Requests the next page (the first when r->cont is NULL). */
void kube_refl_list(struct kube_reflector *r);
/* Watches from r->rv. */
void kube_refl_watch(struct kube_reflector *r);

#endif
