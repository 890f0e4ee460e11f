/*
 * A reflector keeps its owner told about the objects of one resource type:
 * it lists them (in pages of `limit`, following `continue`), then watches
 * from the list's resourceVersion with allowWatchBookmarks=true and a random
 * timeoutSeconds between 5 and 10 minutes.
 *
 *  - A clean end of the watch re-watches from the last resourceVersion seen,
 *    bookmarks included.
 *  - An ERROR event or HTTP 410 (the resourceVersion was compacted away), or
 *    410 on an expired continue token, relists.
 *  - Connection failures back off from 800 ms doubling to 30 s, with jitter.
 *  - A watch line longer than max_line, or one that is not an event, relists
 *    (after the same back-off): watching again from the same
 *    resourceVersion would deliver the same line again, forever.
 *  - A listed object larger than max_line, or one its decoder refuses, is
 *    passed over: named in a log line, counted in
 *    pca_issuer_kube_objects_skipped_total{resource,reason}, and gone for
 *    the owner if it was tracked. Everything else moves on.
 *  - A list page over the client's body cap is asked for again, from the
 *    same place, with half as many objects.
 *  - A list page is handed out 128 objects per loop pass, so a relist of
 *    100k objects does not hold up the rest of the loop.
 *
 * There is no object cache. Each object is decoded, one at a time, into the
 * small struct its kube_type makes, and handed to on_upsert; the owner keeps
 * it or lets it go. The reflector remembers only the objects the owner
 * tracks (the key "ns/name" in a hash map, plus 32 bytes of uid,
 * resourceVersion and list epoch), so that a relist can tell which tracked
 * objects vanished during a gap (on_delete) and skip the ones that did not
 * change. Objects that are not the owner's cost nothing once on_upsert has
 * returned, and are offered again on a relist. A tracked object that comes
 * back under its name with another uid, or in a form its decoder refuses
 * (logged), is reported deleted first.
 *
 * Metrics: pca_issuer_kube_watch_restarts_total{resource,reason} (closed,
 * error, http_error, too_long, decode), pca_issuer_kube_relists_total
 * {resource,reason} (expired, error_event, continue_expired, too_long,
 * decode), pca_issuer_kube_objects_skipped_total{resource,reason} and
 * pca_issuer_kube_objects_tracked{resource}, read at scrape time.
 */
#ifndef PCA_KUBE_REFLECTOR_H
#define PCA_KUBE_REFLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"

struct jtok;
struct kube_reflector;

/* The metadata every object has; borrowed for the duration of a callback. */
struct kube_meta {
	const char *namespace; /* "" for cluster-scoped objects */
	const char *name;
	const char *uid;
	const char *resource_version;
	int64_t generation;
	void *attached; /* what the owner attached to the object, NULL if nothing */
};

/* How to decode one kind of object: kube/types.h has the ones in use. */
struct kube_type {
	const char *kind;
	const struct kube_resource *resource;
	/* Decodes the object at token obj of doc; NULL with *cause if malformed. */
	void *(*decode)(const struct jtok *doc, int obj, char **cause);
	void (*free)(void *obj);
};

struct kube_reflector_opts {
	const struct kube_type *type;
	const char *namespace; /* NULL or "" for all namespaces */
	const char *label_selector;
	const char *field_selector;
	unsigned page_size;       /* default 500 */
	size_t max_line;          /* default 16 MiB */
	unsigned watch_timeout_s; /* timeoutSeconds of each watch; 0: random in 300..600 */
	/*
	 * An object was added or changed. Return 1 to keep obj (the owner now
	 * owns it and the reflector tracks the object) or 0 to ignore it (the
	 * reflector frees obj and forgets the object).
	 */
	int (*on_upsert)(const struct kube_meta *meta, void *obj, void *arg);
	/* A tracked object was deleted, or is gone after a relist. */
	void (*on_delete)(const struct kube_meta *meta, void *arg);
	/* A complete list has been delivered (the first time: caches synced). */
	void (*on_synced)(void *arg);
	/*
	 * Optional: the list was refused with 403 (the role does not allow it)
	 * or 404 (the resource is not served). The owner reports it (instead of
	 * the reflector's warning); the list is tried again after the back-off,
	 * so a permission granted later is picked up.
	 */
	void (*on_denied)(long status, const char *message, void *arg);
	void *arg;
	/*
	 * The readiness check (core/health.h) registered from start to free,
	 * ready once the first list is delivered: NULL for "informer-<plural>",
	 * "" for none (two reflectors of one resource need distinct names).
	 */
	const char *ready_check;
};

/* Borrows c, which must outlive the reflector; copies the strings of opts. */
struct kube_reflector *kube_reflector_create(struct kube_client *c,
                                             const struct kube_reflector_opts *opts);
/* Starts the first list; callbacks run from later loop passes. */
void kube_reflector_start(struct kube_reflector *r);
/*
 * Stops listing and watching; no callbacks afterwards. May be called from
 * within a callback of r (the memory goes on the next loop pass). Objects
 * the owner kept stay the owner's.
 */
void kube_reflector_free(struct kube_reflector *r);
/*
 * Owner data kept with a tracked object, so that the owner needs no map of
 * its own: called from on_upsert (which returns 1), it attaches data to the
 * object; meta->attached hands it back in every later on_upsert and in
 * on_delete. The data stays the owner's: free it in on_delete, or before
 * on_upsert returns 0 for the object.
 */
void kube_reflector_attach(struct kube_reflector *r, void *data);
/* The data attached to the tracked object ns/name ("" for cluster-scoped), or NULL. */
void *kube_reflector_attached(const struct kube_reflector *r, const char *ns, const char *name);
/* The uid of the tracked object ns/name into uid; 0, or -1 when it is not tracked. */
int kube_reflector_uid(const struct kube_reflector *r, const char *ns, const char *name,
                       char uid[37]);
/* Calls fn for each tracked object with data attached; the reflector must not change meanwhile. */
void kube_reflector_each(const struct kube_reflector *r,
                         void (*fn)(const char *key, void *data, void *arg), void *arg);
/* Whether a complete list has been delivered since the start. */
int kube_reflector_synced(const struct kube_reflector *r);
size_t kube_reflector_tracked(const struct kube_reflector *r);
const char *kube_reflector_resource_version(const struct kube_reflector *r);
/*
 * Handles one watch line as if the watch had delivered it (fuzzing and
 * tests; the reflector need not be started). Returns what the line
 * callback returns: 0, or -1 when the watch would stop there.
 */
int kube_reflector_feed_line(struct kube_reflector *r, const char *line, size_t len);

#endif
