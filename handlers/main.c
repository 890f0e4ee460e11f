/*
 * pca-issuer: the process. Reads the configuration, sets up the loop, the
 * metrics and probe endpoints and the controllers, and runs until a signal
 * asks it to stop.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "handlers/app.h"
#include "handlers/endpoints.h"
#include "version.h"

/* Logs where the endpoints listen: with port 0 the kernel picked the port. */
static void
main_log_endpoints(const struct endpoints *ep)
{
	char port[16];

	if (endpoints_metrics_port(ep) >= 0) {
		snprintf(port, sizeof port, "%d", endpoints_metrics_port(ep));
		log_info("serving metrics", "path", "/metrics", "port", port);
	}
	if (endpoints_probe_port(ep) >= 0) {
		snprintf(port, sizeof port, "%d", endpoints_probe_port(ep));
		log_info("serving health probes", "path", "/healthz,/readyz", "port", port);
	}
}

/* Runs the configured process; returns the exit status. */
static int
main_run(const struct config *cfg)
{
	struct endpoints *ep = NULL;
	struct app *app = NULL;
	char *cause = NULL;
	int status = 1;

	loop_init();
	loop_catch_signals();
	loop_set_drain_timeout(cfg->shutdown_timeout_ms);
	if (endpoints_create(cfg->metrics_addr.text, cfg->health_addr.text, &ep, &cause) != 0) {
		log_error("cannot start", "error", cause);
		goto out;
	}
	main_log_endpoints(ep);
	if (app_create(cfg, &app, &cause) != 0) {
		log_error("cannot start", "error", cause);
		goto out;
	}
	app_start(app);
	log_info("started", "version", PCA_VERSION);
	status = loop_run();
out:
	app_free(app);
	endpoints_free(ep);
	loop_free();
	free(cause);
	return status;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char *cause = NULL;
	size_t i;
	int status = 0;

	if (config_load(&cfg, argc, argv, &cause) != 0) {
		fprintf(stderr, "pca-issuer: %s\n", cause);
		fprintf(stderr, "Run 'pca-issuer --help' for the flags.\n");
		free(cause);
		config_free(&cfg);
		return 2;
	}
	switch (cfg.action) {
	case CONFIG_ACTION_HELP:
		config_usage(stdout);
		break;
	case CONFIG_ACTION_VERSION:
		printf("%s %s\n", PCA_NAME, PCA_VERSION);
		break;
	case CONFIG_ACTION_PRINT:
		config_print(&cfg, stdout);
		break;
	case CONFIG_ACTION_RUN:
		log_setup(cfg.log_format, cfg.log_level);
		for (i = 0; i < cfg.nwarnings; i++)
			log_warn(cfg.warnings[i]);
		status = main_run(&cfg);
		break;
	}
	config_free(&cfg);
	return status;
}
