/*
 * pca-issuer: the process. Reads the configuration, sets up the loop and runs
 * it until a signal asks it to stop.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "version.h"

int
main(int argc, char **argv)
{
	int status;

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", PCA_NAME, PCA_VERSION);
		return 0;
	}
	loop_init();
	loop_catch_signals();
	log_info("starting", "version", PCA_VERSION);
	status = loop_run();
	loop_free();
	return status;
}
