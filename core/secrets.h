/*
 * The secret values the process holds (AWS secret keys and session tokens,
 * Kubernetes bearer tokens), so that no copy of one leaves the process in a
 * log line, an Event, a status message or a metric label.
 *
 * Whoever holds a secret adds it here and drops it when the copy is wiped
 * (counted: two holders of one value add it twice); the sinks (core/log.c,
 * the Kubernetes status and event encoders) pass every text from a peer
 * through secrets_scrub(), which replaces each value with "[REDACTED]". The
 * last SECRETS_GRAVE values dropped are still masked for a while: an answer
 * to a call signed before a rotation may quote the old token. Values shorter
 * than SECRETS_MIN_LEN bytes are ignored: they would match ordinary text.
 *
 * The scan is one pass over the text with an 8-byte window looked up in a
 * small hash table, so its cost does not grow with the number of values.
 */
#ifndef PCA_CORE_SECRETS_H
#define PCA_CORE_SECRETS_H

#include <stddef.h>

#include "core/buf.h"

#define SECRETS_MIN_LEN 12
#define SECRETS_GRAVE   16
#define SECRETS_MASK    "[REDACTED]"

/* Holds value (copied) as a secret; NULL and short values are ignored. */
void secrets_add(const char *value);
/* Lets go of one hold of value; a value never added is ignored. */
void secrets_drop(const char *value);
/* Forgets every value (tests, and the end of the process). */
void secrets_reset(void);
/* Values held or recently dropped, for tests. */
size_t secrets_count(void);
/* Whether s (len bytes) holds a noted value. */
int secrets_found(const char *s, size_t len);
/*
 * Appends s (len bytes) to out with every noted value replaced by
 * SECRETS_MASK; returns the number of values replaced.
 */
size_t secrets_scrub_buf(struct buf *out, const char *s, size_t len);
/* s with every noted value masked, as a new string; NULL for NULL. */
char *secrets_scrub(const char *s);

#endif
