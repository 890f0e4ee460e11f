/*
 * Fuzz target for the kubeconfig reader (kube/config_yaml.c and the context
 * resolution of kube/config.c), from memory. Every input either loads into
 * a usable configuration or fails with a sentence that starts with the file
 * name; anything else aborts. Relative paths point into a directory that
 * does not exist, so that the fuzzer's files are never read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kube/config.h"

#define FUZZ_NAME "/nonexistent-fuzz/kubeconfig"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_load(const uint8_t *data, size_t size, const char *context)
{
	struct kube_config cfg;
	char *cause = NULL;

	if (kube_config_load_buffer(FUZZ_NAME, (const char *)data, size, context, &cfg, &cause) ==
	    0) {
		if (cfg.server == NULL || strncasecmp(cfg.server, "http", 4) != 0 ||
		    cfg.namespace == NULL || cfg.origin == NULL ||
		    strcmp(cfg.origin, FUZZ_NAME) != 0 ||
		    (cfg.client_cert_pem == NULL) != (cfg.client_key_pem == NULL) ||
		    (cfg.exec != NULL && (cfg.exec->command == NULL || cfg.exec->args == NULL ||
		                          cfg.exec->env == NULL))) {
			fprintf(stderr, "loaded an unusable configuration\n");
			abort();
		}
	} else if (cause == NULL || strncmp(cause, FUZZ_NAME ":", strlen(FUZZ_NAME) + 1) != 0 ||
	           cfg.server != NULL) {
		fprintf(stderr, "failed without a proper sentence: %s\n", cause ? cause : "(null)");
		abort();
	}
	free(cause);
	kube_config_clear(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	fuzz_load(data, size, NULL);
	fuzz_load(data, size, "a");
	return 0;
}
