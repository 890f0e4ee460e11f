/*
 * The metrics and probe endpoints, with controller-runtime's flags in mind:
 *   metrics address  GET /metrics  the Prometheus exposition
 *   probe address    GET /healthz  200 "ok" (the loop answered, so it is alive)
 *                    GET /readyz   200 "ok" when every readiness check passes,
 *                                  else 503 listing the checks; ?verbose lists
 *                                  them on success too
 * An address of "0" (or NULL) disables that server. Two equal addresses with
 * a fixed port share one listener that serves all three paths; with port 0
 * each gets its own.
 */
#ifndef PCA_HANDLERS_ENDPOINTS_H
#define PCA_HANDLERS_ENDPOINTS_H

struct endpoints;

/* Listens on the loop's event_base; -1 with *cause (caller frees) on failure. */
int endpoints_create(const char *metrics_addr, const char *probe_addr, struct endpoints **out,
                     char **cause);
void endpoints_free(struct endpoints *e);
/* Bound ports, or -1 where disabled. */
int endpoints_metrics_port(const struct endpoints *e);
int endpoints_probe_port(const struct endpoints *e);

#endif
