/*
 * The small codecs (see codec.h). The duration grammar is Go's own: a unit
 * is the run of characters up to the next digit or '.', so "1d" is an
 * unknown unit rather than a syntax error, and fractions past nanosecond
 * precision are dropped as Go drops them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/xmalloc.h"

#define CODEC_DURATION_MAX ((uint64_t)INT64_MAX) /* nanoseconds, Go's limit */

size_t
codec_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t min, v;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		if (cp != NULL)
			*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, v = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, v = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, v = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = v;
	return len;
}

int
codec_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = codec_utf8_next(p + i, len - i, NULL)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* ---- Go durations ---- */

static const struct {
	const char *name;
	uint64_t ns;
} codec_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign, as Go accepts */
    {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
    {"ms", 1000000},
    {"s", UINT64_C(1000000000)},
    {"m", UINT64_C(60000000000)},
    {"h", UINT64_C(3600000000000)},
};

static uint64_t
codec_unit_ns(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof codec_units / sizeof codec_units[0]; i++) {
		if (strlen(codec_units[i].name) == len && memcmp(codec_units[i].name, p, len) == 0)
			return codec_units[i].ns;
	}
	return 0;
}

enum codec_duration_error {
	CODEC_DURATION_SYNTAX,
	CODEC_DURATION_RANGE,
	CODEC_DURATION_UNIT,
};

static int
codec_duration_fail(char **why, enum codec_duration_error e, const char *s, const char *unit,
                    size_t ulen)
{
	if (why == NULL)
		return -1;
	switch (e) {
	case CODEC_DURATION_SYNTAX:
		*why = xasprintf("\"%s\" is not a duration (like \"15s\" or \"1m\")", s);
		break;
	case CODEC_DURATION_RANGE:
		*why = xasprintf("\"%s\" is too long a duration", s);
		break;
	case CODEC_DURATION_UNIT:
		*why = xasprintf("\"%s\" is not a duration (like \"15s\" or \"1m\"): unknown "
		                 "unit \"%.*s\"",
		                 s, (int)ulen, unit);
		break;
	}
	return -1;
}

static int
codec_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads one "<number>[.<fraction>]<unit>" term at *pp into nanoseconds,
 * advancing *pp. 0, or -1 with *why.
 */
static int
codec_duration_term(const char *s, const char **pp, uint64_t *ns, char **why)
{
	const char *p = *pp, *unit;
	uint64_t whole = 0, frac = 0, scale = 1, mult;
	int digits = 0;

	for (; codec_is_digit(*p); p++, digits++) {
		if (whole > (CODEC_DURATION_MAX - 9) / 10)
			return codec_duration_fail(why, CODEC_DURATION_RANGE, s, NULL, 0);
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		/* Digits past nanosecond precision cannot matter; drop them. */
		for (p++; codec_is_digit(*p); p++, digits++) {
			if (scale < UINT64_C(1000000000000000000)) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (digits == 0)
		return codec_duration_fail(why, CODEC_DURATION_SYNTAX, s, NULL, 0);
	for (unit = p; *p != '\0' && *p != '.' && !codec_is_digit(*p); p++)
		;
	if (unit == p)
		return codec_duration_fail(why, CODEC_DURATION_SYNTAX, s, NULL, 0);
	if ((mult = codec_unit_ns(unit, (size_t)(p - unit))) == 0)
		return codec_duration_fail(why, CODEC_DURATION_UNIT, s, unit, (size_t)(p - unit));
	if (whole > CODEC_DURATION_MAX / mult)
		return codec_duration_fail(why, CODEC_DURATION_RANGE, s, NULL, 0);
	*ns = whole * mult + (uint64_t)((long double)frac * (long double)mult / (long double)scale);
	*pp = p;
	return 0;
}

int
codec_duration_parse(const char *s, int64_t *ns, char **why)
{
	const char *p = s;
	uint64_t total = 0, term;
	int neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (*p == '\0')
		return codec_duration_fail(why, CODEC_DURATION_SYNTAX, s, NULL, 0);
	while (*p != '\0') {
		if (codec_duration_term(s, &p, &term, why) != 0)
			return -1;
		if (term > CODEC_DURATION_MAX - total)
			return codec_duration_fail(why, CODEC_DURATION_RANGE, s, NULL, 0);
		total += term;
	}
	*ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* ---- hexadecimal ---- */

void
codec_hex(const unsigned char *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
codec_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- percent-encoding ---- */

void
codec_pct_encode(struct buf *b, const char *p, size_t len, const char *keep)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, run;
	unsigned char ch;
	char esc[3];

	buf_reserve(b, len);
	for (i = 0; i < len; i += run) {
		/* Copy runs of bytes that stand as they are in one go. */
		for (run = 0; i + run < len; run++) {
			ch = (unsigned char)p[i + run];
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
			      ch == '~' ||
			      (keep != NULL && ch != '\0' && strchr(keep, ch) != NULL)))
				break;
		}
		buf_add(b, p + i, run);
		if (i + run == len)
			break;
		ch = (unsigned char)p[i + run];
		esc[0] = '%';
		esc[1] = digits[ch >> 4];
		esc[2] = digits[ch & 0xf];
		buf_add(b, esc, 3);
		run++;
	}
}

/* ---- base64 ---- */

void
codec_base64_encode(struct buf *b, const void *p, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = p;
	char quad[4];
	size_t i;
	uint32_t v;

	buf_reserve(b, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		quad[0] = alphabet[v >> 18];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = alphabet[(v >> 6) & 63];
		quad[3] = alphabet[v & 63];
		buf_add(b, quad, 4);
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		quad[0] = alphabet[v >> 18];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = '=';
		buf_add(b, quad, 4);
	}
}

/* The value of a base64 character, -1 for '=', -2 for anything else. */
static int
codec_b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	if (ch == '=')
		return -1;
	return -2;
}

int
codec_base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *o = xmalloc(len / 4 * 3 + 4);
	unsigned acc = 0, nbits = 0, pad = 0, nchars = 0;
	size_t i, n = 0;
	int v;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		v = codec_b64_value((unsigned char)s[i]);
		if (v == -2 || (v >= 0 && pad > 0) || (v == -1 && ++pad > 2))
			goto bad;
		if (v < 0)
			continue;
		nchars++;
		acc = (acc << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			o[n++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	/* One character alone cannot hold a byte; padding must complete a quantum. */
	if (nchars % 4 == 1 || (pad > 0 && (nchars + pad) % 4 != 0))
		goto bad;
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	*out = NULL;
	*outlen = 0;
	return -1;
}
