/*
 * The JSON reader: jsmn tokenizes, this file checks what jsmn lets through
 * and answers questions about the result.
 *
 * jsmn in strict mode is a tokenizer more than a validator: it takes [1 2],
 * [1,], {"a":1,}, bare words starting with t/f/n, 01, raw control bytes and
 * invalid UTF-8 in strings, and it stops at the first NUL. So parsing is
 * four steps:
 *   1. a byte scan finds where the top-level value ends and refuses NULs
 *      and nesting deeper than JTOK_MAX_DEPTH before jsmn sees the input
 *      (jsmn closes a bracket by walking parent links, which is quadratic
 *      in depth);
 *   2. jsmn tokenizes that prefix into a token array that grows on demand;
 *   3. one pass over the tokens in document order checks the tree shape,
 *      every byte between tokens (only whitespace and the one separator the
 *      grammar wants there), every string and every primitive, and builds
 *      our own node array with sibling links so iteration is O(1) a step;
 *   4. whatever follows the top-level value must be whitespace.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

#include "core/codec.h"
#include "core/jtok_impl.h"
#include "core/xmalloc.h"

#define JTOK_FIRST_TOKENS 64

/* An open container while building: its token and its last child so far. */
struct jtok_frame {
	int tok;
	int last;
};

static int jtok_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
jtok_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
jtok_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
jtok_skip_ws(const char *js, size_t len, size_t pos)
{
	while (pos < len && jtok_is_ws(js[pos]))
		pos++;
	return pos;
}

/*
 * Step 1: finds the end of the top-level value, or len when it never
 * closes (jsmn then reports the truncation). Brackets inside strings do not
 * count; on input jsmn accepts, this tracks strings exactly as jsmn does.
 */
static int
jtok_scan(const char *js, size_t len, size_t *root_end, char **cause)
{
	size_t i = jtok_skip_ws(js, len, 0);
	int depth = 0, in_str = 0, esc = 0;

	if (i == len)
		return jtok_fail(cause, "JSON document is empty");
	if (js[i] != '{' && js[i] != '[')
		return jtok_fail(cause, "JSON document at byte %zu is not an object or an array",
		                 i);
	for (; i < len; i++) {
		char c = js[i];

		if (c == '\0')
			return jtok_fail(cause, "invalid JSON at byte %zu: NUL byte", i);
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > JTOK_MAX_DEPTH)
				return jtok_fail(cause, "JSON nested deeper than %d at byte %zu",
				                 JTOK_MAX_DEPTH, i);
		} else if ((c == '}' || c == ']') && --depth == 0) {
			*root_end = i + 1;
			return 0;
		}
	}
	*root_end = len;
	return 0;
}

/* Step 2: runs jsmn, doubling the token array until it fits or hits the cap. */
static int
jtok_tokenize(const char *js, size_t len, jsmntok_t **toks, int *ntok, char **cause)
{
	jsmn_parser parser;
	unsigned int cap = JTOK_FIRST_TOKENS;
	jsmntok_t *t = xreallocarray(NULL, cap, sizeof *t);
	int r;

	jsmn_init(&parser);
	while ((r = jsmn_parse(&parser, js, len, t, cap)) == JSMN_ERROR_NOMEM) {
		if (cap >= JTOK_MAX_TOKENS) {
			free(t);
			return jtok_fail(cause, "JSON has more than %d values", JTOK_MAX_TOKENS);
		}
		cap *= 2;
		t = xreallocarray(t, cap, sizeof *t);
	}
	if (r < 0) {
		free(t);
		if (r == JSMN_ERROR_PART)
			return jtok_fail(cause, "JSON truncated at byte %zu", len);
		return jtok_fail(cause, "invalid JSON at byte %u", parser.pos);
	}
	*toks = t;
	*ntok = (int)parser.toknext;
	return 0;
}

int
jtok_hex4(const char *p, size_t avail)
{
	int v = 0, i;

	if (avail < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Checks the body of a string (between its quotes): escapes well formed, no
 * raw control characters, valid UTF-8. Returns NULL or why not, with the
 * offending offset in *bad.
 */
static const char *
jtok_check_string(const char *js, int start, int end, int *escaped, int *bad)
{
	const unsigned char *p = (const unsigned char *)js;
	int i = start;
	size_t n;

	*escaped = 0;
	while (i < end) {
		*bad = i;
		if (p[i] < 0x20)
			return "control character in string";
		if (p[i] == '\\') {
			*escaped = 1;
			if (i + 1 >= end || p[i + 1] == '\0' ||
			    strchr("\"\\/bfnrtu", p[i + 1]) == NULL)
				return "bad escape in string";
			if (p[i + 1] == 'u' && jtok_hex4(js + i + 2, (size_t)(end - i - 2)) < 0)
				return "bad \\u escape in string";
			i += p[i + 1] == 'u' ? 6 : 2;
			continue;
		}
		n = codec_utf8_next(p + i, (size_t)(end - i), NULL);
		if (n == 0)
			return "invalid UTF-8 in string";
		i += (int)n;
	}
	return NULL;
}

/* Whether p[0..n) is exactly one JSON number. */
static int
jtok_number_ok(const char *p, size_t n)
{
	size_t i = 0;

	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0')
		i++;
	else if (i < n && p[i] >= '1' && p[i] <= '9')
		while (i < n && jtok_is_digit(p[i]))
			i++;
	else
		return 0;
	if (i < n && p[i] == '.') {
		if (++i >= n || !jtok_is_digit(p[i]))
			return 0;
		while (i < n && jtok_is_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || !jtok_is_digit(p[i]))
			return 0;
		while (i < n && jtok_is_digit(p[i]))
			i++;
	}
	return i == n;
}

/* The type of a jsmn primitive, or JTOK_NONE when it is not a JSON one. */
static enum jtok_type
jtok_primitive_type(const char *p, size_t n)
{
	if ((n == 4 && memcmp(p, "true", 4) == 0) || (n == 5 && memcmp(p, "false", 5) == 0))
		return JTOK_BOOL;
	if (n == 4 && memcmp(p, "null", 4) == 0)
		return JTOK_NULL;
	return jtok_number_ok(p, n) ? JTOK_NUMBER : JTOK_NONE;
}

/*
 * Checks token i against the tree shape JSON allows (object members are a
 * string key with exactly one value, nothing hangs under a scalar) and its
 * own text, and fills node i. Returns NULL or why not.
 */
static const char *
jtok_check_token(struct jtok *d, const jsmntok_t *t, int i, int *bad)
{
	const jsmntok_t *tok = &t[i];
	struct jtok_node *nd = &d->nodes[i];
	int ptype = tok->parent < 0 ? JSMN_UNDEFINED : (int)t[tok->parent].type;
	int escaped = 0;
	const char *why;

	*bad = tok->type == JSMN_STRING ? tok->start - 1 : tok->start;
	nd->escaped = 0;
	if (tok->parent < 0 && i != 0)
		return "data after the document";
	/* jsmn hangs whatever follows a stray ':' under the token before it. */
	if (ptype == JSMN_PRIMITIVE || (ptype == JSMN_STRING && tok->parent != i - 1))
		return "unexpected value";
	if (ptype == JSMN_OBJECT && tok->type != JSMN_STRING)
		return "expected a string key";
	if (ptype == JSMN_OBJECT && tok->size == 0) {
		*bad = tok->end + 1;
		return "expected ':'";
	}
	if (tok->type == JSMN_STRING && ptype != JSMN_OBJECT && tok->size != 0)
		return "unexpected ':'";
	nd->start = tok->start;
	nd->end = tok->end;
	nd->parent = tok->parent;
	nd->next = -1;
	nd->count = 0;
	switch (tok->type) {
	case JSMN_OBJECT:
	case JSMN_ARRAY:
		nd->type = tok->type == JSMN_OBJECT ? JTOK_OBJECT : JTOK_ARRAY;
		nd->count = tok->size;
		break;
	case JSMN_STRING:
		nd->type = JTOK_STRING;
		why = jtok_check_string(d->js, tok->start, tok->end, &escaped, bad);
		if (why != NULL)
			return why;
		nd->escaped = (unsigned char)escaped;
		break;
	default:
		nd->type = jtok_primitive_type(d->js + tok->start, (size_t)(tok->end - tok->start));
		if (nd->type == JTOK_NONE)
			return "not a number, true, false or null";
		if (tok->size != 0)
			return "unexpected ':'";
		break;
	}
	return NULL;
}

/*
 * Consumes whitespace, then sep (if not 0), then whitespace, from *pos, and
 * requires the next byte to be at want. Returns NULL or why not.
 */
static const char *
jtok_expect(const struct jtok *d, size_t *pos, char sep, int want)
{
	size_t p = jtok_skip_ws(d->js, d->len, *pos);

	if (sep != '\0') {
		if (p >= d->len || d->js[p] != sep) {
			*pos = p;
			return sep == ',' ? "expected ','" : "expected ':'";
		}
		p = jtok_skip_ws(d->js, d->len, p + 1);
	}
	*pos = p;
	if (p != (size_t)want)
		return "unexpected character";
	return NULL;
}

/* Closes the innermost open container: only whitespace may precede its bracket. */
static const char *
jtok_close(struct jtok *d, struct jtok_frame *stack, int *depth, size_t *pos)
{
	const struct jtok_node *c = &d->nodes[stack[*depth - 1].tok];

	*pos = jtok_skip_ws(d->js, d->len, *pos);
	if (*pos != (size_t)c->end - 1)
		return "unexpected character";
	*pos = (size_t)c->end;
	(*depth)--;
	return NULL;
}

/*
 * Step 3: walks the tokens in document order with a stack of the open
 * containers, checking every token and every byte between tokens, and links
 * siblings. On failure *pos is the offending byte.
 */
static const char *
jtok_build(struct jtok *d, const jsmntok_t *t, size_t *pos)
{
	struct jtok_frame stack[JTOK_MAX_DEPTH];
	int depth = 0, i, bad, in;
	const char *why;
	char sep;

	*pos = 0;
	for (i = 0; i < d->n; i++) {
		if ((why = jtok_check_token(d, t, i, &bad)) != NULL) {
			*pos = (size_t)bad;
			return why;
		}
		/* The container i sits in: its parent, or the object of its key. */
		in = d->nodes[i].parent;
		if (in >= 0 && d->nodes[in].type == JTOK_STRING)
			in = d->nodes[in].parent;
		while (depth > 0 && stack[depth - 1].tok != in)
			if ((why = jtok_close(d, stack, &depth, pos)) != NULL)
				return why;
		if ((in < 0) != (depth == 0))
			return "unexpected value";
		if (in < 0)
			sep = '\0';
		else if (in != d->nodes[i].parent)
			sep = ':';
		else
			sep = stack[depth - 1].last == -1 ? '\0' : ',';
		if ((why = jtok_expect(d, pos, sep, jtok_text_start(&d->nodes[i]))) != NULL)
			return why;
		if (in >= 0 && in == d->nodes[i].parent) {
			if (stack[depth - 1].last != -1)
				d->nodes[stack[depth - 1].last].next = i;
			stack[depth - 1].last = i;
		}
		if (d->nodes[i].type == JTOK_OBJECT || d->nodes[i].type == JTOK_ARRAY) {
			if (depth == JTOK_MAX_DEPTH)
				return "nested too deep";
			stack[depth].tok = i;
			stack[depth++].last = -1;
			*pos = (size_t)d->nodes[i].start + 1;
		} else
			*pos = (size_t)jtok_text_end(&d->nodes[i]);
	}
	while (depth > 0)
		if ((why = jtok_close(d, stack, &depth, pos)) != NULL)
			return why;
	return NULL;
}

int
jtok_parse(const char *js, size_t len, struct jtok **out, char **cause)
{
	struct jtok *d = NULL;
	jsmntok_t *toks = NULL;
	size_t root_end = 0, pos = 0;
	const char *why;
	int ntok = 0;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (len > JTOK_MAX_LEN)
		return jtok_fail(cause, "JSON document of %zu bytes is over the limit of %d", len,
		                 JTOK_MAX_LEN);
	if (jtok_scan(js, len, &root_end, cause) != 0 ||
	    jtok_tokenize(js, root_end, &toks, &ntok, cause) != 0)
		return -1;
	d = xcalloc(1, sizeof *d);
	d->js = js;
	d->len = root_end;
	d->n = ntok;
	d->nodes = xreallocarray(NULL, (size_t)ntok, sizeof *d->nodes);
	why = jtok_build(d, toks, &pos);
	free(toks);
	if (why != NULL) {
		jtok_free(d);
		return jtok_fail(cause, "invalid JSON at byte %zu: %s", pos, why);
	}
	pos = jtok_skip_ws(js, len, root_end);
	if (pos != len) {
		jtok_free(d);
		return jtok_fail(cause, "invalid JSON at byte %zu: data after the document", pos);
	}
	*out = d;
	return 0;
}

void
jtok_free(struct jtok *d)
{
	if (d == NULL)
		return;
	free(d->nodes);
	free(d);
}

int
jtok_ntok(const struct jtok *d)
{
	return d == NULL ? 0 : d->n;
}

/* Node t, or NULL when t names nothing. */
