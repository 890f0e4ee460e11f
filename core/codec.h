/*
 * The small codecs everyone needs, in one place: UTF-8 validation, Go
 * durations, hexadecimal, RFC 3986 percent-encoding and base64. Pure
 * functions of their inputs; nothing here allocates unless it says so.
 */
#ifndef PCA_CORE_CODEC_H
#define PCA_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * The length of the well-formed UTF-8 sequence at p (at most n bytes), with
 * its code point in *cp (may be NULL), or 0 if it is not one: overlong
 * forms, surrogates, code points past U+10FFFF and cut sequences are not.
 */
size_t codec_utf8_next(const unsigned char *p, size_t n, uint32_t *cp);
/* Whether s (len bytes) is well-formed UTF-8 throughout. */
int codec_utf8_valid(const char *s, size_t len);

/*
 * A Go duration as time.ParseDuration reads it: an optional sign, then "0"
 * or terms of a decimal number (with an optional fraction) and a unit (ns,
 * us, µs, μs, ms, s, m, h), as "2160h0m0s", "1.5h", "-90s". 0 with
 * nanoseconds in *ns; -1 with *why (when not NULL) a sentence quoting s:
 * not a duration, an unknown unit, or beyond Go's range (about 292 years).
 */
int codec_duration_parse(const char *s, int64_t *ns, char **why);

/* Writes len bytes as 2 * len lowercase hex digits and a NUL. */
void codec_hex(const unsigned char *p, size_t len, char *out);
/* The value of a hex digit, or -1. */
int codec_hex_digit(char c);

/*
 * Appends p (len bytes) percent-encoded: every byte but RFC 3986's
 * unreserved ones (A-Z a-z 0-9 - . _ ~) and those in keep (may be NULL) as
 * %XX with upper-case digits.
 */
void codec_pct_encode(struct buf *b, const char *p, size_t len, const char *keep);

/* Appends the standard base64 of p (len bytes), padded, without line breaks. */
void codec_base64_encode(struct buf *b, const void *p, size_t len);
/*
 * Standard base64, padded or not, line breaks skipped (as Go). 0 with
 * *out (the caller's, NUL-terminated beyond *outlen) or -1 with *out NULL.
 */
int codec_base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen);

#endif
