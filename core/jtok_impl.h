/*
 * The parsed document, shared by core/jtok.c (the parser) and
 * core/jtok_get.c (the accessors); not for use outside them.
 */
#ifndef PCA_CORE_JTOK_IMPL_H
#define PCA_CORE_JTOK_IMPL_H

#include "core/jtok.h"

struct jtok_node {
	int start;             /* first byte; for a string the one after the opening quote */
	int end;               /* one past the last byte; for a string its closing quote */
	int parent;            /* container, or the key for the value of an object member */
	int next;              /* next element or next key in the same container, or -1 */
	int count;             /* elements of an array, members of an object */
	unsigned char type;    /* enum jtok_type */
	unsigned char escaped; /* a string with at least one backslash */
};

struct jtok {
	const char *js;
	size_t len;
	struct jtok_node *nodes;
	int n;
};

static inline int
jtok_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Where a node's text starts and ends, quotes included for a string. */
static inline int
jtok_text_start(const struct jtok_node *nd)
{
	return nd->type == JTOK_STRING ? nd->start - 1 : nd->start;
}

static inline int
jtok_text_end(const struct jtok_node *nd)
{
	return nd->type == JTOK_STRING ? nd->end + 1 : nd->end;
}

/* The value of the four hex digits at p (avail bytes left), or -1. */
int jtok_hex4(const char *p, size_t avail);

#endif
