/*
 * A small JSON encoder that writes into a struct buf. Every string goes
 * through jenc_str, which escapes quotes, backslashes and control characters
 * and replaces bytes that are not valid UTF-8 with U+FFFD, so whatever the
 * input, the output is valid JSON.
 *
 * Commas are the caller's concern only through jenc_key/jenc_sep: an object is
 * written as jenc_obj_open, then jenc_key(b, "k") before each value, then
 * jenc_obj_close. The encoder tracks whether a comma is due.
 */
#ifndef PCA_CORE_JENC_H
#define PCA_CORE_JENC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JENC_MAX_DEPTH 32

struct jenc {
	struct buf *out;
	int depth;
	unsigned char need_comma[JENC_MAX_DEPTH];
};

void jenc_init(struct jenc *e, struct buf *out);
void jenc_obj_open(struct jenc *e);
void jenc_obj_close(struct jenc *e);
void jenc_arr_open(struct jenc *e);
void jenc_arr_close(struct jenc *e);
/* Writes "key": ready for a value. */
void jenc_key(struct jenc *e, const char *key);
void jenc_str(struct jenc *e, const char *s);
void jenc_strn(struct jenc *e, const char *s, size_t len);
void jenc_int(struct jenc *e, int64_t v);
void jenc_uint(struct jenc *e, uint64_t v);
void jenc_bool(struct jenc *e, int v);
void jenc_null(struct jenc *e);
/* Appends pre-encoded JSON as one value (the caller vouches for it). */
void jenc_raw(struct jenc *e, const char *json, size_t len);

/* Shorthands for "key": value inside an object. */
void jenc_kv_str(struct jenc *e, const char *key, const char *s);
void jenc_kv_int(struct jenc *e, const char *key, int64_t v);
void jenc_kv_bool(struct jenc *e, const char *key, int v);

/*
 * Appends s (len bytes) to b as the inside of a JSON string: no quotes are
 * added. Used by jenc_str and by writers that build JSON by hand (log lines).
 */
void jenc_escape(struct buf *b, const char *s, size_t len);

#endif
