/*
 * The JSON encoder. It never produces invalid JSON: strings are escaped and
 * invalid UTF-8 is replaced, nesting deeper than JENC_MAX_DEPTH aborts (a
 * programming error, not an input error, since only our code builds objects).
 */
#include <stdio.h>

#include "core/codec.h"
#include "core/jenc.h"
#include "core/xmalloc.h"

void
jenc_init(struct jenc *e, struct buf *out)
{
	e->out = out;
	e->depth = 0;
	e->need_comma[0] = 0;
}

/* Writes the comma that separates this value from the previous one, if any. */
static void
jenc_sep(struct jenc *e)
{
	if (e->need_comma[e->depth])
		buf_addc(e->out, ',');
	e->need_comma[e->depth] = 1;
}

static void
jenc_open(struct jenc *e, char c)
{
	jenc_sep(e);
	buf_addc(e->out, c);
	if (++e->depth >= JENC_MAX_DEPTH)
		fatalx("JSON encoder nested deeper than %d", JENC_MAX_DEPTH);
	e->need_comma[e->depth] = 0;
}

static void
jenc_close(struct jenc *e, char c)
{
	if (e->depth == 0)
		fatalx("JSON encoder closed more than it opened");
	e->depth--;
	buf_addc(e->out, c);
}

void
jenc_obj_open(struct jenc *e)
{
	jenc_open(e, '{');
}

void
jenc_obj_close(struct jenc *e)
{
	jenc_close(e, '}');
}

void
jenc_arr_open(struct jenc *e)
{
	jenc_open(e, '[');
}

void
jenc_arr_close(struct jenc *e)
{
	jenc_close(e, ']');
}

void
jenc_key(struct jenc *e, const char *key)
{
	jenc_sep(e);
	buf_addc(e->out, '"');
	jenc_escape(e->out, key, strlen(key));
	buf_adds(e->out, "\":");
	/* The value that follows must not write another comma. */
	e->need_comma[e->depth] = 0;
}

void
jenc_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n':
				buf_adds(b, "\\n");
				break;
			case '\r':
				buf_adds(b, "\\r");
				break;
			case '\t':
				buf_adds(b, "\\t");
				break;
			default:
				buf_printf(b, "\\u%04x", c);
				break;
			}
			i++;
		} else if ((n = codec_utf8_next(p + i, len - i, NULL)) == 0) {
			buf_adds(b, "\\ufffd");
			i++;
		} else {
			buf_add(b, p + i, n);
			i += n;
		}
	}
}

void
jenc_strn(struct jenc *e, const char *s, size_t len)
{
	jenc_sep(e);
	buf_addc(e->out, '"');
	jenc_escape(e->out, s, len);
	buf_addc(e->out, '"');
}

void
jenc_str(struct jenc *e, const char *s)
{
	jenc_strn(e, s, strlen(s));
}

void
jenc_int(struct jenc *e, int64_t v)
{
	jenc_sep(e);
	buf_printf(e->out, "%lld", (long long)v);
}

void
jenc_uint(struct jenc *e, uint64_t v)
{
	jenc_sep(e);
	buf_printf(e->out, "%llu", (unsigned long long)v);
}

void
jenc_bool(struct jenc *e, int v)
{
	jenc_sep(e);
	buf_adds(e->out, v ? "true" : "false");
}

void
jenc_null(struct jenc *e)
{
	jenc_sep(e);
	buf_adds(e->out, "null");
}

void
jenc_raw(struct jenc *e, const char *json, size_t len)
{
	jenc_sep(e);
	buf_add(e->out, json, len);
}

void
jenc_kv_str(struct jenc *e, const char *key, const char *s)
{
	jenc_key(e, key);
	jenc_str(e, s);
}

void
jenc_kv_int(struct jenc *e, const char *key, int64_t v)
{
	jenc_key(e, key);
	jenc_int(e, v);
}

void
jenc_kv_bool(struct jenc *e, const char *key, int v)
{
	jenc_key(e, key);
	jenc_bool(e, v);
}
