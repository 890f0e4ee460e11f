/*
 * What the C driver programs of the integration tests share: reading a
 * file named on the command line and leaving the metrics registry in a file
 * for the Python side to check.
 */
#ifndef PCA_TESTS_DRV_COMMON_H
#define PCA_TESTS_DRV_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/metrics.h"

/* Returns the whole file; exits 2 naming it if it cannot be read. */
static inline char *
drv_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

/* Writes the metrics registry to path; NULL writes nothing; exits 2 on failure. */
static inline void
drv_write_metrics(const char *path)
{
	struct buf b = BUF_INIT;
	FILE *f;

	if (path == NULL)
		return;
	metrics_write_registry(&b);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
	fwrite(b.p, 1, b.len, f);
	fclose(f);
	buf_clear(&b);
}

#endif
