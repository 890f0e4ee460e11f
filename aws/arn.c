/*
 * Amazon Resource Names: arn:partition:service:region:account:resource.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/arn.h"
#include "core/xmalloc.h"

void
aws_arn_clear(struct aws_arn *arn)
{
	if (arn == NULL)
		return;
	free(arn->partition);
	free(arn->service);
	free(arn->region);
	free(arn->account);
	free(arn->resource);
	memset(arn, 0, sizeof *arn);
}

/* Partition, service, region and account hold no ':' and no blanks. */
static int
aws_arn_field_ok(const char *p, size_t len, int may_be_empty)
{
	size_t i;

	if (len == 0)
		return may_be_empty;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 1;
}

int
aws_arn_parse(const char *arn, struct aws_arn *out, char **cause)
{
	static const char *const names[] = {"partition", "service", "region", "account"};
	const char *p, *colon;
	char *fields[4];
	size_t i;

	memset(out, 0, sizeof *out);
	if (arn == NULL || strncmp(arn, "arn:", 4) != 0) {
		*cause = xasprintf("invalid ARN \"%s\": it does not start with \"arn:\"",
		                   arn == NULL ? "" : arn);
		return -1;
	}
	p = arn + 4;
	for (i = 0; i < 4; i++) {
		colon = strchr(p, ':');
		if (colon == NULL) {
			*cause = xasprintf("invalid ARN \"%s\": expected "
			                   "arn:partition:service:region:account:resource",
			                   arn);
			goto fail;
		}
		if (!aws_arn_field_ok(p, (size_t)(colon - p), i >= 2)) {
			*cause = xasprintf("invalid ARN \"%s\": bad %s", arn, names[i]);
			goto fail;
		}
		fields[i] = xstrndup(p, (size_t)(colon - p));
		p = colon + 1;
	}
	if (*p == '\0') {
		*cause = xasprintf("invalid ARN \"%s\": the resource is empty", arn);
		goto fail;
	}
	out->partition = fields[0];
	out->service = fields[1];
	out->region = fields[2];
	out->account = fields[3];
	out->resource = xstrdup(p);
	return 0;
fail:
	while (i-- > 0)
		free(fields[i]);
	return -1;
}
