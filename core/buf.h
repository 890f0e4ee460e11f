/*
 * A growable byte buffer. The bytes are always followed by a NUL that is not
 * counted in len, so a buffer of text can be handed to C string functions.
 * Caps are the caller's business: check buf->len before adding.
 */
#ifndef PCA_CORE_BUF_H
#define PCA_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *p; /* NULL until the first add */
	size_t len;
	size_t cap;
};

/* A slice of bytes owned by someone else; it lives as long as its owner. */
struct span {
	const char *p;
	size_t len;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void buf_init(struct buf *b);
/* Releases the memory; the buffer is empty and usable afterwards. */
void buf_clear(struct buf *b);
/* Empties the buffer and keeps its memory. */
void buf_reset(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Returns the terminated contents, which the caller frees; the buffer is left empty. */
char *buf_steal(struct buf *b);
/* Returns the contents, never NULL; valid until the next change to b. */
const char *buf_str(const struct buf *b);

static inline struct span
span_of(const char *s)
{
	struct span sp = {s, s == NULL ? 0 : strlen(s)};
	return sp;
}

static inline int
span_eq(struct span sp, const char *s)
{
	size_t n = strlen(s);
	return sp.len == n && (n == 0 || memcmp(sp.p, s, n) == 0);
}

#endif
