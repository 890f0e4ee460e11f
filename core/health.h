/*
 * Named readiness checks. Modules register a check when they start owning
 * something readiness depends on ("kube-caches-synced", "aws-credentials")
 * and remove it when they are freed; /readyz asks them all.
 *
 * A check returns 1 when ready and 0 when not, and may then set *why to an
 * allocated sentence (xstrdup/xasprintf) that health frees. Checks run on the
 * loop at probe time and must not block.
 */
#ifndef PCA_CORE_HEALTH_H
#define PCA_CORE_HEALTH_H

#include "core/buf.h"

/* Adds a check; the name is copied. Aborts if the name is already taken. */
void health_check_add(const char *name, int (*ready)(void *arg, char **why), void *arg);
/* Removes the check of that name; unknown names are ignored. */
void health_check_remove(const char *name);
/* Number of registered checks. */
unsigned health_check_count(void);

/*
 * Runs every check in registration order and returns 1 when all pass (or
 * there are none), 0 otherwise. If report is not NULL, appends one line per
 * check, the Kubernetes /readyz?verbose way:
 *   [+]aws-credentials ok
 *   [-]kube-caches-synced failed: certificaterequests not listed yet
 */
int health_ready(struct buf *report);

/* Tests: removes every check. */
void health_reset_all(void);

#endif
