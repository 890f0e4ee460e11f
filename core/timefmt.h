/*
 * RFC 3339 times, the one format the Kubernetes API, STS and the credential
 * endpoints use: parsed to and formatted from milliseconds since the epoch.
 */
#ifndef PCA_CORE_TIMEFMT_H
#define PCA_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses "2006-01-02T15:04:05[.frac](Z|+hh:mm|-hhmm)" (a space may stand
 * for the T) into *ms; -1 if s is NULL or not such a time.
 */
int timefmt_parse(const char *s, int64_t *ms);
/* Writes "2006-01-02T15:04:05Z", or with micro "2006-01-02T15:04:05.000000Z". */
void timefmt_format(int64_t ms, int micro, char *out, size_t size);

#endif
