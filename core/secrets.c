/*
 * The registry of secret values (see secrets.h). Values live in one array;
 * a hash table maps the first eight bytes of each to its index, so that a
 * scan looks up one window per byte of text instead of comparing every
 * value at every position. The table is rebuilt whenever a value comes or
 * goes, which happens at credential refreshes, not per request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "core/xmalloc.h"

struct secret {
	char *value;
	size_t len;
	uint64_t prefix;
	unsigned refs;     /* 0: dropped, masked until it leaves the graveyard */
	uint64_t died_seq; /* when it was dropped, to bury the oldest first */
};

static struct secret *secrets_v;
static size_t secrets_n, secrets_cap;
static int *secrets_slots; /* hash table of indices into secrets_v; -1 empty */
static size_t secrets_nslots;
static uint64_t secrets_seq;

static uint64_t
secrets_prefix(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static size_t
secrets_hash(uint64_t v)
{
	v *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(v >> 32);
}

static void
secrets_rebuild(void)
{
	size_t i, h;

	free(secrets_slots);
	secrets_slots = NULL;
	secrets_nslots = 0;
	if (secrets_n == 0)
		return;
	for (secrets_nslots = 16; secrets_nslots < secrets_n * 4; secrets_nslots *= 2)
		;
	secrets_slots = xreallocarray(NULL, secrets_nslots, sizeof *secrets_slots);
	for (i = 0; i < secrets_nslots; i++)
		secrets_slots[i] = -1;
	for (i = 0; i < secrets_n; i++) {
		h = secrets_hash(secrets_v[i].prefix) & (secrets_nslots - 1);
		while (secrets_slots[h] != -1)
			h = (h + 1) & (secrets_nslots - 1);
		secrets_slots[h] = (int)i;
	}
}

static struct secret *
secrets_find(const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < secrets_n; i++) {
		if (secrets_v[i].len == len && memcmp(secrets_v[i].value, value, len) == 0)
			return &secrets_v[i];
	}
	return NULL;
}

static void
secrets_remove_at(size_t i)
{
	explicit_bzero(secrets_v[i].value, secrets_v[i].len);
	free(secrets_v[i].value);
	secrets_v[i] = secrets_v[--secrets_n];
}

/* Keeps at most SECRETS_GRAVE dropped values, burying the oldest. */
static void
secrets_bury(void)
{
	size_t i, dead = 0, oldest = 0;

	for (;;) {
		dead = 0;
		for (i = 0; i < secrets_n; i++) {
			if (secrets_v[i].refs > 0)
				continue;
			if (dead == 0 || secrets_v[i].died_seq < secrets_v[oldest].died_seq)
				oldest = i;
			dead++;
		}
		if (dead <= SECRETS_GRAVE)
			return;
		secrets_remove_at(oldest);
	}
}

void
secrets_add(const char *value)
{
	size_t len = value != NULL ? strlen(value) : 0;
	struct secret *s;

	if (len < SECRETS_MIN_LEN)
		return;
	if ((s = secrets_find(value, len)) != NULL) {
		s->refs++;
		return;
	}
	if (secrets_n == secrets_cap) {
		secrets_cap = secrets_cap == 0 ? 16 : secrets_cap * 2;
		secrets_v = xreallocarray(secrets_v, secrets_cap, sizeof *secrets_v);
	}
	s = &secrets_v[secrets_n++];
	s->value = xstrdup(value);
	s->len = len;
	s->prefix = secrets_prefix(value);
	s->refs = 1;
	s->died_seq = 0;
	secrets_rebuild();
}

void
secrets_drop(const char *value)
{
	size_t len = value != NULL ? strlen(value) : 0;
	struct secret *s;

	if (len < SECRETS_MIN_LEN || (s = secrets_find(value, len)) == NULL || s->refs == 0)
		return;
	if (--s->refs > 0)
		return;
	s->died_seq = ++secrets_seq;
	secrets_bury();
	secrets_rebuild();
}

void
secrets_reset(void)
{
	while (secrets_n > 0)
		secrets_remove_at(secrets_n - 1);
	free(secrets_v);
	secrets_v = NULL;
	secrets_cap = 0;
	secrets_rebuild();
}

size_t
secrets_count(void)
{
	return secrets_n;
}

/* The longest value that starts at p (left bytes remain), or NULL. */
static const struct secret *
secrets_match(const char *p, size_t left)
{
	const struct secret *best = NULL, *s;
	uint64_t prefix = secrets_prefix(p);
	size_t h = secrets_hash(prefix) & (secrets_nslots - 1);

	for (; secrets_slots[h] != -1; h = (h + 1) & (secrets_nslots - 1)) {
		s = &secrets_v[secrets_slots[h]];
		if (s->prefix == prefix && s->len <= left && memcmp(s->value, p, s->len) == 0 &&
		    (best == NULL || s->len > best->len))
			best = s;
	}
	return best;
}

int
secrets_found(const char *s, size_t len)
{
	size_t i;

	if (secrets_n == 0 || len < SECRETS_MIN_LEN)
		return 0;
	for (i = 0; i + SECRETS_MIN_LEN <= len; i++) {
		if (secrets_match(s + i, len - i) != NULL)
			return 1;
	}
	return 0;
}

size_t
secrets_scrub_buf(struct buf *out, const char *s, size_t len)
{
	const struct secret *m;
	size_t i = 0, from = 0, n = 0;

	if (secrets_n > 0 && len >= SECRETS_MIN_LEN) {
		while (i + SECRETS_MIN_LEN <= len) {
			if ((m = secrets_match(s + i, len - i)) == NULL) {
				i++;
				continue;
			}
			buf_add(out, s + from, i - from);
			buf_adds(out, SECRETS_MASK);
			i += m->len;
			from = i;
			n++;
		}
	}
	buf_add(out, s + from, len - from);
	return n;
}

char *
secrets_scrub(const char *s)
{
	struct buf b = BUF_INIT;

	if (s == NULL)
		return NULL;
	secrets_scrub_buf(&b, s, strlen(s));
	return buf_steal(&b);
}
