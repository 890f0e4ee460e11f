/*
 * The wire form of events: an events.k8s.io/v1 Event (with its series), the
 * core/v1 Event used where that API is missing or forbidden, and the merge
 * patch that counts repeats. Every string goes through the JSON encoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jenc.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/events_impl.h"
#include "kube/types.h"

static void
kube_events_encode_ref(struct jenc *e, const struct kube_events_rec *r)
{
	jenc_obj_open(e);
	if (r->api_version != NULL)
		jenc_kv_str(e, "apiVersion", r->api_version);
	jenc_kv_str(e, "kind", r->kind);
	if (r->obj_ns != NULL)
		jenc_kv_str(e, "namespace", r->obj_ns);
	jenc_kv_str(e, "name", r->obj_name);
	jenc_kv_str(e, "uid", r->uid);
	if (r->obj_rv != NULL)
		jenc_kv_str(e, "resourceVersion", r->obj_rv);
	jenc_obj_close(e);
}

static void
kube_events_encode_head(struct jenc *e, const struct kube_resource *res, const char *ns,
                        const char *name)
{
	char av[128];

	if (res->group[0] == '\0')
		snprintf(av, sizeof av, "%s", res->version);
	else
		snprintf(av, sizeof av, "%s/%s", res->group, res->version);
	jenc_kv_str(e, "apiVersion", av);
	jenc_kv_str(e, "kind", "Event");
	jenc_key(e, "metadata");
	jenc_obj_open(e);
	jenc_kv_str(e, "name", name);
	jenc_kv_str(e, "namespace", ns);
	jenc_obj_close(e);
}

/* An events.k8s.io Event; the series when there were repeats already. */
void
kube_events_encode_v1(const struct kube_events *ev, const struct kube_events_rec *r,
                      const struct kube_resource *res, struct buf *b)
{
	struct jenc e;
	char t[64];

	jenc_init(&e, b);
	jenc_obj_open(&e);
	kube_events_encode_head(&e, res, r->ns, r->name);
	timefmt_format(r->first_wall, 1, t, sizeof t);
	jenc_kv_str(&e, "eventTime", t);
	if (r->count >= 2) {
		jenc_key(&e, "series");
		jenc_obj_open(&e);
		jenc_kv_int(&e, "count", r->count);
		timefmt_format(r->last_wall, 1, t, sizeof t);
		jenc_kv_str(&e, "lastObservedTime", t);
		jenc_obj_close(&e);
	}
	jenc_kv_str(&e, "reportingController", ev->controller);
	jenc_kv_str(&e, "reportingInstance", ev->instance);
	jenc_kv_str(&e, "action", r->action);
	jenc_kv_str(&e, "reason", r->reason);
	jenc_kv_str(&e, "note", r->note);
	jenc_kv_str(&e, "type", kube_events_type_name(r->type));
	jenc_key(&e, "regarding");
	kube_events_encode_ref(&e, r);
	jenc_obj_close(&e);
}

/* A core/v1 Event, as client-go's legacy recorder writes them. */
void
kube_events_encode_core(const struct kube_events *ev, const struct kube_events_rec *r,
                        struct buf *b)
{
	struct jenc e;
	char t[64];

	jenc_init(&e, b);
	jenc_obj_open(&e);
	kube_events_encode_head(&e, &kube_res_core_events, r->ns, r->name);
	jenc_key(&e, "involvedObject");
	kube_events_encode_ref(&e, r);
	jenc_kv_str(&e, "reason", r->reason);
	jenc_kv_str(&e, "message", r->note);
	jenc_kv_str(&e, "type", kube_events_type_name(r->type));
	jenc_key(&e, "source");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "component", ev->controller);
	jenc_obj_close(&e);
	timefmt_format(r->first_wall, 0, t, sizeof t);
	jenc_kv_str(&e, "firstTimestamp", t);
	timefmt_format(r->last_wall, 0, t, sizeof t);
	jenc_kv_str(&e, "lastTimestamp", t);
	jenc_kv_int(&e, "count", r->count);
	jenc_kv_str(&e, "action", r->action);
	jenc_kv_str(&e, "reportingComponent", ev->controller);
	jenc_kv_str(&e, "reportingInstance", ev->instance);
	jenc_obj_close(&e);
}

/* The merge patch that brings the server's count up to r->count. */
void
kube_events_encode_patch(const struct kube_events_rec *r, struct buf *b)
{
	struct jenc e;
	char t[64];
	int core = r->res == &kube_res_core_events;

	jenc_init(&e, b);
	jenc_obj_open(&e);
	timefmt_format(r->last_wall, !core, t, sizeof t);
	if (core) {
		jenc_kv_int(&e, "count", r->count);
		jenc_kv_str(&e, "lastTimestamp", t);
	} else {
		jenc_key(&e, "series");
		jenc_obj_open(&e);
		jenc_kv_int(&e, "count", r->count);
		jenc_kv_str(&e, "lastObservedTime", t);
		jenc_obj_close(&e);
	}
	jenc_obj_close(&e);
}
