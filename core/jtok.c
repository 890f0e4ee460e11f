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
#include "core/jtok.h"
#include "core/xmalloc.h"

#define JTOK_FIRST_TOKENS 64

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

static int
jtok_is_digit(char c)
{
	return c >= '0' && c <= '9';
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

static int
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

/* Where the JSON text of node i begins and ends: a string's quotes included. */
static int
jtok_text_start(const struct jtok_node *nd)
{
	return nd->type == JTOK_STRING ? nd->start - 1 : nd->start;
}

static int
jtok_text_end(const struct jtok_node *nd)
{
	return nd->type == JTOK_STRING ? nd->end + 1 : nd->end;
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
static const struct jtok_node *
jtok_node(const struct jtok *d, int t)
{
	if (d == NULL || t < 0 || t >= d->n)
		return NULL;
	return &d->nodes[t];
}

enum jtok_type
jtok_type(const struct jtok *d, int t)
{
	const struct jtok_node *nd = jtok_node(d, t);

	return nd == NULL ? JTOK_NONE : (enum jtok_type)nd->type;
}

const char *
jtok_type_name(enum jtok_type type)
{
	switch (type) {
	case JTOK_OBJECT:
		return "object";
	case JTOK_ARRAY:
		return "array";
	case JTOK_STRING:
		return "string";
	case JTOK_NUMBER:
		return "number";
	case JTOK_BOOL:
		return "boolean";
	case JTOK_NULL:
		return "null";
	default:
		return "nothing";
	}
}

struct span
jtok_raw(const struct jtok *d, int t)
{
	const struct jtok_node *nd = jtok_node(d, t);
	struct span sp = {NULL, 0};

	if (nd != NULL) {
		sp.p = d->js + jtok_text_start(nd);
		sp.len = (size_t)(jtok_text_end(nd) - jtok_text_start(nd));
	}
	return sp;
}

int
jtok_count(const struct jtok *d, int container)
{
	const struct jtok_node *nd = jtok_node(d, container);

	if (nd == NULL || (nd->type != JTOK_OBJECT && nd->type != JTOK_ARRAY))
		return 0;
	return nd->count;
}

int
jtok_first(const struct jtok *d, int container)
{
	if (jtok_count(d, container) == 0)
		return -1;
	/* The first element follows its array; an object's first key follows it. */
	return d->nodes[container].type == JTOK_ARRAY ? container + 1 : container + 2;
}

int
jtok_next(const struct jtok *d, int t)
{
	const struct jtok_node *nd = jtok_node(d, t);
	int key;

	if (nd == NULL || nd->parent < 0)
		return -1;
	if (d->nodes[nd->parent].type != JTOK_STRING)
		return nd->next;
	/* A member's value: step to the next key, whose value follows it. */
	key = d->nodes[nd->parent].next;
	return key < 0 ? -1 : key + 1;
}

int
jtok_key(const struct jtok *d, int value)
{
	const struct jtok_node *nd = jtok_node(d, value);

	if (nd == NULL || nd->parent < 0 || d->nodes[nd->parent].type != JTOK_STRING)
		return -1;
	return nd->parent;
}

/*
 * Decodes the escape at body[*i] (a backslash) into UTF-8 in out, moving *i
 * past it. Returns the number of bytes written, or -1 for \u0000, an
 * unpaired surrogate or a malformed escape.
 */
static int
jtok_unescape(const char *body, size_t len, size_t *i, char out[4])
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	long cp, lo;

	if (*i + 1 >= len)
		return -1;
	if (body[*i + 1] != 'u') {
		if (body[*i + 1] == '\0' || (e = strchr(from, body[*i + 1])) == NULL)
			return -1;
		out[0] = to[e - from];
		*i += 2;
		return 1;
	}
	cp = jtok_hex4(body + *i + 2, len - *i - 2);
	*i += 6;
	if (cp <= 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (*i + 1 >= len || body[*i] != '\\' || body[*i + 1] != 'u')
			return -1;
		lo = jtok_hex4(body + *i + 2, len - *i - 2);
		if (lo < 0xdc00 || lo > 0xdfff)
			return -1;
		*i += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The body of string t (between the quotes), or NULL if t is not a string. */
static const struct jtok_node *
jtok_string_node(const struct jtok *d, int t, const char **body, size_t *len)
{
	const struct jtok_node *nd = jtok_node(d, t);

	if (nd == NULL || nd->type != JTOK_STRING)
		return NULL;
	*body = d->js + nd->start;
	*len = (size_t)(nd->end - nd->start);
	return nd;
}

int
jtok_str_buf(const struct jtok *d, int t, struct buf *b)
{
	const char *body, *bs;
	size_t len, i = 0, run, old = b->len;
	char u[4];
	int n;

	if (jtok_string_node(d, t, &body, &len) == NULL)
		return -1;
	/* Reserving once keeps the copy to one allocation; terminate for len 0. */
	buf_reserve(b, len);
	b->p[b->len] = '\0';
	while (i < len) {
		bs = memchr(body + i, '\\', len - i);
		run = bs == NULL ? len - i : (size_t)(bs - (body + i));
		buf_add(b, body + i, run);
		if ((i += run) == len)
			break;
		if ((n = jtok_unescape(body, len, &i, u)) < 0) {
			b->len = old;
			b->p[old] = '\0';
			return -1;
		}
		buf_add(b, u, (size_t)n);
	}
	return 0;
}

int
jtok_str(const struct jtok *d, int t, char **out)
{
	struct buf b = BUF_INIT;

	*out = NULL;
	if (jtok_str_buf(d, t, &b) != 0) {
		buf_free(&b);
		return -1;
	}
	*out = buf_steal(&b);
	return 0;
}

/* Whether string t equals the n bytes of s once unescaped. */
static int
jtok_streqn(const struct jtok *d, int t, const char *s, size_t n)
{
	const struct jtok_node *nd;
	const char *body, *bs;
	size_t len, i = 0, j = 0, run;
	char u[4];
	int k;

	if ((nd = jtok_string_node(d, t, &body, &len)) == NULL)
		return 0;
	if (!nd->escaped)
		return len == n && memcmp(body, s, n) == 0;
	while (i < len) {
		bs = memchr(body + i, '\\', len - i);
		run = bs == NULL ? len - i : (size_t)(bs - (body + i));
		if (run > n - j || memcmp(body + i, s + j, run) != 0)
			return 0;
		i += run;
		j += run;
		if (i == len)
			break;
		if ((k = jtok_unescape(body, len, &i, u)) < 0)
			return 0;
		if ((size_t)k > n - j || memcmp(u, s + j, (size_t)k) != 0)
			return 0;
		j += (size_t)k;
	}
	return j == n;
}

int
jtok_streq(const struct jtok *d, int t, const char *s)
{
	return jtok_streqn(d, t, s, strlen(s));
}

/* The value of the first key of obj equal to the n bytes of key, or -1. */
static int
jtok_getn(const struct jtok *d, int obj, const char *key, size_t n)
{
	int k;

	if (jtok_type(d, obj) != JTOK_OBJECT || d->nodes[obj].count == 0)
		return -1;
	for (k = obj + 1; k >= 0; k = d->nodes[k].next)
		if (jtok_streqn(d, k, key, n))
			return k + 1;
	return -1;
}

int
jtok_get(const struct jtok *d, int obj, const char *key)
{
	return jtok_getn(d, obj, key, strlen(key));
}

int
jtok_at(const struct jtok *d, int arr, int idx)
{
	int t;

	if (jtok_type(d, arr) != JTOK_ARRAY || idx < 0)
		return -1;
	for (t = jtok_first(d, arr); t >= 0 && idx > 0; idx--)
		t = d->nodes[t].next;
	return t;
}

/* Parses "[N]" at *p into *idx and moves *p past it; -1 if malformed. */
static int
jtok_path_index(const char **p, int *idx)
{
	const char *s = *p + 1;
	int v = 0;

	if (!jtok_is_digit(*s))
		return -1;
	for (; jtok_is_digit(*s); s++) {
		if (v > (INT_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s != ']')
		return -1;
	*p = s + 1;
	*idx = v;
	return 0;
}

int
jtok_path(const struct jtok *d, int t, const char *path)
{
	const char *p = path;
	size_t n;
	int idx;

	while (*p != '\0' && t >= 0) {
		if (*p == '[') {
			if (jtok_path_index(&p, &idx) != 0)
				return -1;
			t = jtok_at(d, t, idx);
			continue;
		}
		/* Every key but a leading one comes after a dot. */
		if (p != path && *p++ != '.')
			return -1;
		n = strcspn(p, ".[");
		if (n == 0)
			return -1;
		t = jtok_getn(d, t, p, n);
		p += n;
	}
	return t;
}

/*
 * Reads number t as a sign and a magnitude; -1 when it is not an integer
 * or the magnitude does not fit in 64 bits.
 */
static int
jtok_integer(const struct jtok *d, int t, int *neg, uint64_t *mag)
{
	const struct jtok_node *nd = jtok_node(d, t);
	const char *p;
	uint64_t v = 0;
	int i;

	if (nd == NULL || nd->type != JTOK_NUMBER)
		return -1;
	p = d->js;
	i = nd->start;
	*neg = p[i] == '-';
	if (*neg)
		i++;
	for (; i < nd->end; i++) {
		unsigned d10 = (unsigned)(p[i] - '0');

		if (!jtok_is_digit(p[i]) || v > (UINT64_MAX - d10) / 10)
			return -1;
		v = v * 10 + d10;
	}
	*mag = v;
	return 0;
}

int
jtok_int(const struct jtok *d, int t, int64_t *out)
{
	uint64_t mag;
	int neg;

	if (jtok_integer(d, t, &neg, &mag) != 0)
		return -1;
	if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -1;
	/* -(INT64_MIN) overflows; reach it through INT64_MAX. */
	if (neg)
		*out = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
	else
		*out = (int64_t)mag;
	return 0;
}

int
jtok_uint64(const struct jtok *d, int t, uint64_t *out)
{
	uint64_t mag;
	int neg;

	if (jtok_integer(d, t, &neg, &mag) != 0 || (neg && mag != 0))
		return -1;
	*out = mag;
	return 0;
}

int
jtok_double(const struct jtok *d, int t, double *out)
{
	const struct jtok_node *nd = jtok_node(d, t);
	char small[64], *s;
	size_t n;
	double v;

	if (nd == NULL || nd->type != JTOK_NUMBER)
		return -1;
	/* strtod needs a terminated string and js is not terminated. */
	n = (size_t)(nd->end - nd->start);
	s = n < sizeof small ? small : xmalloc(n + 1);
	memcpy(s, d->js + nd->start, n);
	s[n] = '\0';
	v = strtod(s, NULL);
	if (s != small)
		free(s);
	if (isinf(v))
		return -1;
	*out = v;
	return 0;
}

int
jtok_bool(const struct jtok *d, int t, int *out)
{
	const struct jtok_node *nd = jtok_node(d, t);

	if (nd == NULL || nd->type != JTOK_BOOL)
		return -1;
	*out = d->js[nd->start] == 't';
	return 0;
}

int
jtok_is_null(const struct jtok *d, int t)
{
	return jtok_type(d, t) == JTOK_NULL;
}

/* The value of key in obj for the shorthands: -1 when absent or null. */
static int
jtok_get_present(const struct jtok *d, int obj, const char *key)
{
	int v = jtok_get(d, obj, key);

	return jtok_is_null(d, v) ? -1 : v;
}

int
jtok_get_str(const struct jtok *d, int obj, const char *key, char **out)
{
	int v = jtok_get_present(d, obj, key);

	*out = NULL;
	if (v < 0)
		return 1;
	return jtok_str(d, v, out);
}

int
jtok_get_int(const struct jtok *d, int obj, const char *key, int64_t *out)
{
	int v = jtok_get_present(d, obj, key);

	if (v < 0)
		return 1;
	return jtok_int(d, v, out);
}

int
jtok_get_bool(const struct jtok *d, int obj, const char *key, int *out)
{
	int v = jtok_get_present(d, obj, key);

	if (v < 0)
		return 1;
	return jtok_bool(d, v, out);
}
