/*
 * Events about CertificateRequests and issuers, through kube/events.c, which
 * deduplicates and rate-limits them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "handlers/notify.h"
#include "kube/events.h"
#include "kube/types.h"

void
notify_event(struct kube_events *ev, const char *kind, const char *ns, const char *name,
             const char *uid, int warning, const char *reason, const char *message)
{
	struct kube_event_ref ref;
	char *clean;
	int cm = strcmp(kind, "CertificateRequest") == 0 || strcmp(kind, "Certificate") == 0;
	int csr = strcmp(kind, "CertificateSigningRequest") == 0;
	const char *action = strcmp(kind, "CertificateRequest") == 0 || csr ? "Sign"
	                     : strcmp(kind, "Certificate") == 0             ? "Track"
	                                                                    : "Verify";

	if (ev == NULL)
		return;
	memset(&ref, 0, sizeof ref);
	ref.api_version = cm    ? "cert-manager.io/v1"
	                  : csr ? "certificates.k8s.io/v1"
	                        : KUBE_AWSPCA_GROUP "/v1beta1";
	ref.kind = kind;
	ref.namespace = ns;
	ref.name = name;
	ref.uid = uid;
	/* The action is what the controller was doing when it happened. */
	clean = secrets_scrub(message);
	kube_events_emit(ev, &ref, warning ? KUBE_EVENT_WARNING : KUBE_EVENT_NORMAL, reason, action,
	                 clean);
	free(clean);
}
