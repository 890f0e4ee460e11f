/*
 * Events about the objects the controllers handle, as a user sees them in
 * `kubectl describe`. A thin layer over kube/events.h that the controllers
 * call without caring whether events are enabled.
 */
#ifndef PCA_HANDLERS_NOTIFY_H
#define PCA_HANDLERS_NOTIFY_H

struct kube_events;

/* Emits a Normal (warning = 0) or Warning event about an object; ev may be NULL. */
void notify_event(struct kube_events *ev, const char *kind, const char *ns, const char *name,
                  const char *uid, int warning, const char *reason, const char *message);

#endif
