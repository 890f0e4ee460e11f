/*
 * Fuzz target for the configuration parsers. The input is read twice: as a
 * YAML --config file, and as a command line with one argument per line.
 * Whatever either accepts must print (--print-config) as YAML that loads
 * back and prints the same; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
fuzz_print(const struct config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	if (fp == NULL)
		abort();
	config_print(cfg, fp);
	fclose(fp);
	return out;
}

/* Aborts unless cfg's printed form loads back into the same settings. */
static void
fuzz_round_trip(const struct config *cfg)
{
	struct config again;
	char *first = fuzz_print(cfg), *second, *cause = NULL;

	config_init(&again);
	if (config_load_buffer(&again, "printed", first, strlen(first), &cause) == -1) {
		fprintf(stderr, "printed config does not load: %s\n%s", cause, first);
		abort();
	}
	second = fuzz_print(&again);
	if (strcmp(first, second) != 0) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", first, second);
		abort();
	}
	free(first);
	free(second);
	config_free(&again);
}

static void
fuzz_yaml(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *cause = NULL;

	config_init(&cfg);
	if (config_load_buffer(&cfg, "fuzz.yaml", (const char *)data, size, &cause) == 0) {
		if (config_validate(&cfg, &cause) == -1)
			free(cause);
		fuzz_round_trip(&cfg);
	} else
		free(cause);
	config_free(&cfg);
}

static void
fuzz_flags(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *line, *next;
	char prog[] = "pca-issuer", *argv[64];
	int argc = 0;
	struct config cfg;
	char *cause = NULL;

	argv[argc++] = prog;
	for (line = text; line != NULL && argc < 63; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		argv[argc++] = line;
	}
	argv[argc] = NULL;
	config_init(&cfg);
	if (config_parse_flags(&cfg, argc, argv, &cause) == 0)
		fuzz_round_trip(&cfg);
	else
		free(cause);
	config_free(&cfg);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	fuzz_yaml(data, size);
	fuzz_flags(data, size);
	return 0;
}
