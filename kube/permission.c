/*
 * What the role does not allow, said once: a controller that finds a verb
 * refused (a 403) and goes on without it reports it here, and a user sees
 * it as one log line and pca_issuer_permission_missing{resource,verb} = 1
 * (0 again once a later attempt is allowed).
 */
#include "core/log.h"
#include "core/metrics.h"
#include "kube/permission.h"

static struct metric *
kube_permission_metric(void)
{
	static struct metric *m;

	if (m == NULL)
		m = metrics_gauge("pca_issuer_permission_missing",
		                  "1 for each verb on a resource the role refused; what pca-issuer "
		                  "does without it is logged once.",
		                  "resource,verb");
	return m;
}

void
kube_permission_missing(const char *resource, const char *verb, const char *consequence)
{
	struct metric *m = kube_permission_metric();

	if (metrics_value(m, resource, verb) != 0)
		return;
	metrics_set(m, 1, resource, verb);
	log_warn("the role does not allow this; going on without it", "resource", resource, "verb",
	         verb, "consequence", consequence);
}

void
kube_permission_granted(const char *resource, const char *verb)
{
	struct metric *m = kube_permission_metric();

	if (metrics_value(m, resource, verb) == 0)
		return;
	metrics_set(m, 0, resource, verb);
	log_info("the role now allows this", "resource", resource, "verb", verb);
}
