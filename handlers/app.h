/*
 * The running controller: everything main sets up once the configuration is
 * loaded, and its orderly shutdown. Kept apart from main.c so that it reads
 * as one sequence: connect to the cluster, start watching, lead, sign.
 */
#ifndef PCA_HANDLERS_APP_H
#define PCA_HANDLERS_APP_H

struct config;
struct app;

/* Sets everything up on the loop; -1 with *cause if the cluster cannot be reached as configured. */
int app_create(const struct config *cfg, struct app **out, char **cause);
void app_start(struct app *a);
void app_free(struct app *a);

#endif
