/*
 * Reading JSON: a validating parser over jsmn and the accessors decoders use
 * to pull plain values out of a document. This is the only interface to
 * jsmn; its tokens never leave core/jtok.c.
 *
 * Ownership. jtok_parse borrows the input: the document points into js, so
 * js must outlive it and must not change while it lives. Spans returned by
 * jtok_raw point into js too. Every char * returned through an out argument
 * (jtok_str, jtok_get_str) is a new string the caller frees.
 *
 * Tokens. A value in the document is named by an int index; the top-level
 * value is JTOK_ROOT (0) and indices 0 .. jtok_ntok() - 1 are the values in
 * document order, object keys included. -1 means "no value": every function
 * accepts -1 wherever it takes a token and answers "absent" (-1, JTOK_NONE,
 * 0 or an error), so lookups chain without checks in between:
 *	jtok_get(d, jtok_get(d, JTOK_ROOT, "metadata"), "name")
 *
 * What is accepted. RFC 8259 JSON whose top-level value is an object or an
 * array (every Kubernetes and AWS answer is one), with at most JTOK_MAX_DEPTH
 * nested arrays/objects and JTOK_MAX_TOKENS values, followed by nothing but
 * whitespace. Strings must be valid UTF-8 with no raw control characters.
 * \u0000 and unpaired surrogate escapes are valid JSON and parse, but
 * jtok_str refuses them, so a string that comes out is always a C string of
 * valid UTF-8.
 */
#ifndef PCA_CORE_JTOK_H
#define PCA_CORE_JTOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JTOK_MAX_DEPTH  64
#define JTOK_MAX_TOKENS (1 << 20)
/* jsmn counts bytes in int; a larger body is refused before parsing. */
#define JTOK_MAX_LEN (1 << 30)
#define JTOK_ROOT    0

struct jtok;

enum jtok_type {
	JTOK_NONE, /* no such value (token -1) */
	JTOK_OBJECT,
	JTOK_ARRAY,
	JTOK_STRING,
	JTOK_NUMBER,
	JTOK_BOOL,
	JTOK_NULL,
};

/*
 * Parses len bytes of js into *out. Returns 0, or -1 with *out NULL and a
 * sentence in *cause (if cause is not NULL; the caller frees it) that names
 * the 0-based byte offset of the problem: "JSON truncated at byte 120",
 * "invalid JSON at byte 7: control character in string", ...
 */
int jtok_parse(const char *js, size_t len, struct jtok **out, char **cause);
/* Frees the document (not js); NULL is a no-op. */
void jtok_free(struct jtok *d);
/* The number of values in the document, keys included. */
int jtok_ntok(const struct jtok *d);

enum jtok_type jtok_type(const struct jtok *d, int t);
/* "object", "array", "string", "number", "boolean", "null" or "nothing". */
const char *jtok_type_name(enum jtok_type type);

/*
 * The JSON text of t as it appears in js: a whole "{...}" for an object, a
 * string with its quotes and escapes. Lives as long as js. {NULL, 0} for -1.
 */
struct span jtok_raw(const struct jtok *d, int t);

/*
 * Lookup. jtok_get returns the value of key in object obj, or -1 when obj
 * is not an object or has no such key. Keys are compared after unescaping,
 * so "na\u006de" matches "name". With duplicate keys the first one wins.
 */
int jtok_get(const struct jtok *d, int obj, const char *key);
/* The idx-th (from 0) element of array arr, or -1. Costs O(idx). */
int jtok_at(const struct jtok *d, int arr, int idx);
/*
 * Walks a path of keys and array indices from t: "metadata.name",
 * "status.conditions[0].type", "[2].id". Returns -1 when a step is missing
 * or the path is malformed. Keys holding '.' or '[' (Kubernetes annotations)
 * need jtok_get.
 */
int jtok_path(const struct jtok *d, int t, const char *path);

/*
 * Iteration over an array's elements or an object's values, in document
 * order, each step O(1):
 *	for (v = jtok_first(d, obj); v != -1; v = jtok_next(d, v))
 *		k = jtok_key(d, v);   (the key of v, a STRING token)
 * jtok_first returns -1 for an empty container or a non-container.
 * jtok_next returns -1 after the last one; given a key it returns the next
 * key. jtok_key returns -1 for a value that is not in an object. jtok_count
 * is the number of
 * elements or members; 0 for anything that is not an array or object.
 */
int jtok_first(const struct jtok *d, int container);
int jtok_next(const struct jtok *d, int t);
int jtok_key(const struct jtok *d, int value);
int jtok_count(const struct jtok *d, int container);

/*
 * Strings. jtok_str stores in *out a new NUL-terminated UTF-8 copy of string
 * t with its escapes decoded and returns 0; it returns -1 with *out NULL
 * when t is not a string or holds \u0000 or an unpaired surrogate.
 * jtok_str_buf appends the same bytes to b instead (b is unchanged on -1).
 * jtok_streq returns 1 when t is a string equal to s after unescaping, else
 * 0; it allocates nothing and is a memcmp when t holds no backslash.
 */
int jtok_str(const struct jtok *d, int t, char **out);
int jtok_str_buf(const struct jtok *d, int t, struct buf *b);
int jtok_streq(const struct jtok *d, int t, const char *s);

/*
 * Scalars: 0 and the value in *out, or -1 (and *out untouched) when t has
 * another type or the value does not fit. jtok_int and jtok_uint64 take
 * integers written without fraction or exponent ("1.0" and "1e3" are -1).
 * jtok_double refuses numbers beyond the range of a double (1e999).
 */
int jtok_int(const struct jtok *d, int t, int64_t *out);
int jtok_uint64(const struct jtok *d, int t, uint64_t *out);
int jtok_double(const struct jtok *d, int t, double *out);
int jtok_bool(const struct jtok *d, int t, int *out);
/* 1 when t is JSON null, else 0 (-1 is not null, it is absent). */
int jtok_is_null(const struct jtok *d, int t);

/*
 * Decoder shorthands for key of object obj: 0 with the value in *out, 1
 * when the key is absent or null, -1 when it holds another type or a value
 * the scalar functions above refuse. *out is set only on 0 (jtok_get_str
 * sets it to NULL otherwise).
 */
int jtok_get_str(const struct jtok *d, int obj, const char *key, char **out);
int jtok_get_int(const struct jtok *d, int obj, const char *key, int64_t *out);
int jtok_get_bool(const struct jtok *d, int obj, const char *key, int *out);

#endif
