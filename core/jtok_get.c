/*
 * Questions about a parsed document (core/jtok.h): types, raw text,
 * iteration, member lookup and paths, and strings and numbers read out with
 * their escapes undone. The parser is in core/jtok.c.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jtok_impl.h"
#include "core/xmalloc.h"

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
		buf_clear(&b);
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
