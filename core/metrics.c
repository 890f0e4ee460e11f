/*
 * The metrics registry: families in registration order, each with a hash
 * table of series keyed by label values, and the Prometheus text exposition.
 * Updates run on hot paths, so a series is found by hash without allocating;
 * its escaped label string is rendered once, when it is created.
 */
#include <sys/resource.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/metrics.h"
#include "core/xmalloc.h"

#define METRICS_MAX_LABELS 16

enum metrics_kind {
	METRICS_COUNTER,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
	METRICS_GAUGE_FN,
};

struct metrics_series {
	struct metrics_series *hnext; /* hash chain */
	struct metrics_series *next;  /* creation order */
	uint64_t hash;
	char **values;
	char *rendered; /* a="x",b="y", escaped; "" without labels */
	double value;   /* counter, gauge */
	double sum;     /* histogram */
	uint64_t count;
	uint64_t *counts; /* per bucket, not cumulative; the last is +Inf */
};

struct metrics_collector {
	void (*fn)(struct metric *, void *);
	void *arg;
	struct metrics_collector *next;
};

struct metric {
	char *name;
	char *help;
	enum metrics_kind kind;
	char **labels;
	size_t nlabels;
	double *bounds;
	size_t nbounds;
	double (*fn)(void *);
	void *fnarg;
	struct metrics_series **table;
	size_t tsize; /* a power of two */
	size_t nseries;
	struct metrics_series *first, *last;
	struct metrics_collector *collectors;
	struct metric *next;
};

static struct metric *metrics_first, *metrics_last;

static const char *
metrics_kind_name(enum metrics_kind k)
{
	switch (k) {
	case METRICS_COUNTER:
		return "counter";
	case METRICS_GAUGE:
	case METRICS_GAUGE_FN:
		return "gauge";
	case METRICS_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

char *
metrics_format_double(char *dst, size_t size, double v)
{
	int prec;

	if (isnan(v))
		snprintf(dst, size, "NaN");
	else if (isinf(v))
		snprintf(dst, size, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(dst, size, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
	else {
		for (prec = 15; prec < 17; prec++) {
			snprintf(dst, size, "%.*g", prec, v);
			if (strtod(dst, NULL) == v)
				return dst;
		}
		snprintf(dst, size, "%.17g", v);
	}
	return dst;
}

/*
 * Appends s escaped for a label value (or, with quote 0, for HELP text).
 * Bytes that are not UTF-8 become U+FFFD: Prometheus rejects the whole scrape
 * over one bad byte, and a label value may come from anywhere.
 */
static void
metrics_escape(struct buf *out, const char *s, int quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '\\')
			buf_adds(out, "\\\\");
		else if (*p == '\n')
			buf_adds(out, "\\n");
		else if (*p == '"' && quote)
			buf_adds(out, "\\\"");
		else if ((n = codec_utf8_next(p, 4, NULL)) == 0)
			buf_adds(out, "\xef\xbf\xbd");
		else {
			buf_add(out, p, n);
			p += n;
			continue;
		}
		p++;
	}
}

static int
metrics_valid_name(const char *s, int colon)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':'))
			continue;
		return 0;
	}
	return 1;
}

/* Splits "a, b" into names; aborts on a name Prometheus would reject. */
static void
metrics_parse_labels(struct metric *m, const char *spec)
{
	const char *p = spec, *comma;
	size_t len;
	char *tok;

	m->labels = xcalloc(METRICS_MAX_LABELS, sizeof *m->labels);
	if (spec == NULL || spec[strspn(spec, " \t")] == '\0')
		return;
	for (;;) {
		p += strspn(p, " \t");
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		tok = xstrndup(p, len);
		if (!metrics_valid_name(tok, 0) || strncmp(tok, "__", 2) == 0 ||
		    (m->kind == METRICS_HISTOGRAM && strcmp(tok, "le") == 0))
			fatalx("metric %s: bad label name \"%s\" in \"%s\"", m->name, tok, spec);
		if (m->nlabels == METRICS_MAX_LABELS)
			fatalx("metric %s: more than %d labels", m->name, METRICS_MAX_LABELS);
		m->labels[m->nlabels++] = tok;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* Copies the bucket bounds, dropping a trailing +Inf; aborts if unsorted. */
static void
metrics_parse_bounds(struct metric *m, const double *b, size_t n)
{
	size_t i;

	if (n > 0 && isinf(b[n - 1]) && b[n - 1] > 0)
		n--;
	m->bounds = xcalloc(n + 1, sizeof *m->bounds);
	for (i = 0; i < n; i++) {
		if (isnan(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
			fatalx("metric %s: bucket bounds must be strictly increasing", m->name);
		m->bounds[i] = b[i];
	}
	m->nbounds = n;
}

static uint64_t
metrics_hash(const char **vals, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)vals[i]; *p != '\0'; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL; /* 0xff is never UTF-8 */
	}
	return h;
}

static void
metrics_series_free(struct metrics_series *s, size_t nlabels)
{
	size_t i;

	for (i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s->rendered);
	free(s->counts);
	free(s);
}

static void
metrics_table_grow(struct metric *m)
{
	size_t nsize = m->tsize == 0 ? 16 : m->tsize * 2, i;
	struct metrics_series **nt = xcalloc(nsize, sizeof *nt), *s, *next;

	for (i = 0; i < m->tsize; i++) {
		for (s = m->table[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = nt[s->hash & (nsize - 1)];
			nt[s->hash & (nsize - 1)] = s;
		}
	}
	free(m->table);
	m->table = nt;
	m->tsize = nsize;
}

static struct metrics_series *
metrics_series_new(struct metric *m, const char **vals, uint64_t hash)
{
	struct metrics_series *s = xcalloc(1, sizeof *s);
	struct buf r = BUF_INIT;
	size_t i;

	s->hash = hash;
	s->values = xcalloc(m->nlabels + 1, sizeof *s->values);
	for (i = 0; i < m->nlabels; i++) {
		s->values[i] = xstrdup(vals[i]);
		buf_printf(&r, "%s%s=\"", i > 0 ? "," : "", m->labels[i]);
		metrics_escape(&r, vals[i], 1);
		buf_addc(&r, '"');
	}
	s->rendered = r.p != NULL ? buf_steal(&r) : xstrdup("");
	if (m->kind == METRICS_HISTOGRAM)
		s->counts = xcalloc(m->nbounds + 1, sizeof *s->counts);

	if (m->nseries >= m->tsize)
		metrics_table_grow(m);
	s->hnext = m->table[hash & (m->tsize - 1)];
	m->table[hash & (m->tsize - 1)] = s;
	if (m->last != NULL)
		m->last->next = s;
	else
		m->first = s;
	m->last = s;
	m->nseries++;
	return s;
}

/* Finds the series for vals; creates it if create is set, else may return NULL. */
static struct metrics_series *
metrics_series_get(struct metric *m, const char **vals, int create)
{
	uint64_t hash = metrics_hash(vals, m->nlabels);
	struct metrics_series *s;
	size_t i;

	if (m->tsize > 0) {
		for (s = m->table[hash & (m->tsize - 1)]; s != NULL; s = s->hnext) {
			if (s->hash != hash)
				continue;
			for (i = 0; i < m->nlabels; i++) {
				if (strcmp(s->values[i], vals[i]) != 0)
					break;
			}
			if (i == m->nlabels)
				return s;
		}
	}
	return create ? metrics_series_new(m, vals, hash) : NULL;
}

/* Drops every series; an unlabelled family gets its one series back at 0. */
static void
metrics_clear(struct metric *m)
{
	struct metrics_series *s, *next;

	for (s = m->first; s != NULL; s = next) {
		next = s->next;
		metrics_series_free(s, m->nlabels);
	}
	free(m->table);
	m->table = NULL;
	m->tsize = m->nseries = 0;
	m->first = m->last = NULL;
	if (m->nlabels == 0 && m->kind != METRICS_GAUGE_FN)
		metrics_series_get(m, NULL, 1);
}

static struct metric *
metrics_find(const char *name)
{
	struct metric *m;

	for (m = metrics_first; m != NULL; m = m->next) {
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

/* Whether an existing family matches a new registration of the same name. */
static int
metrics_same(const struct metric *a, const struct metric *b)
{
	size_t i;

	if (a->kind != b->kind || strcmp(a->help, b->help) != 0 || a->nlabels != b->nlabels ||
	    a->nbounds != b->nbounds || a->fn != b->fn)
		return 0;
	for (i = 0; i < a->nlabels; i++) {
		if (strcmp(a->labels[i], b->labels[i]) != 0)
			return 0;
	}
	for (i = 0; i < a->nbounds; i++) {
		if (a->bounds[i] != b->bounds[i])
			return 0;
	}
	return 1;
}

/* Frees a family that never got a series: a duplicate registration. */
static void
metrics_family_discard(struct metric *m)
{
	size_t i;

	for (i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
	free(m->bounds);
	free(m->name);
	free(m->help);
	free(m);
}

static struct metric *
metrics_register(const char *name, const char *help, enum metrics_kind kind, const char *labels,
                 const double *bounds, size_t nbounds, double (*fn)(void *), void *fnarg)
{
	struct metric *m, *old;

	if (!metrics_valid_name(name, 1))
		fatalx("bad metric name \"%s\"", name != NULL ? name : "(null)");
	if (help == NULL || *help == '\0')
		fatalx("metric %s has no help text", name);
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->help = xstrdup(help);
	m->kind = kind;
	m->fn = fn;
	m->fnarg = fnarg;
	metrics_parse_labels(m, labels);
	metrics_parse_bounds(m, bounds, nbounds);
	if ((old = metrics_find(name)) != NULL) {
		if (!metrics_same(old, m))
			fatalx("metric %s registered twice with different definitions", name);
		old->fnarg = fnarg;
		metrics_family_discard(m);
		return old;
	}
	metrics_clear(m);
	if (metrics_last != NULL)
		metrics_last->next = m;
	else
		metrics_first = m;
	metrics_last = m;
	return m;
}

struct metric *
metrics_counter(const char *name, const char *help, const char *labels)
{
	return metrics_register(name, help, METRICS_COUNTER, labels, NULL, 0, NULL, NULL);
}

struct metric *
metrics_gauge(const char *name, const char *help, const char *labels)
{
	return metrics_register(name, help, METRICS_GAUGE, labels, NULL, 0, NULL, NULL);
}

struct metric *
metrics_histogram(const char *name, const char *help, const char *labels, const double *buckets,
                  size_t nbuckets)
{
	return metrics_register(name, help, METRICS_HISTOGRAM, labels, buckets, nbuckets, NULL,
	                        NULL);
}

struct metric *
metrics_gauge_fn(const char *name, const char *help, double (*fn)(void *), void *arg)
{
	if (fn == NULL)
		fatalx("metric %s has no function", name);
	return metrics_register(name, help, METRICS_GAUGE_FN, NULL, NULL, 0, fn, arg);
}

/* Reads the family's label values from ap; NULL stands for "". */
static void
metrics_args(struct metric *m, enum metrics_kind kind, const char *fn, const char **vals,
             va_list ap)
{
	size_t i;

	if (m == NULL)
		fatalx("%s on a metric that was never registered", fn);
	if (m->kind != kind)
		fatalx("%s on %s, a %s", fn, m->name, metrics_kind_name(m->kind));
	for (i = 0; i < m->nlabels; i++) {
		vals[i] = va_arg(ap, const char *);
		if (vals[i] == NULL)
			vals[i] = "";
	}
}

/* Looks up the series named by the variable arguments after last. */
#define METRICS_SERIES(m, kind, last, s)                                                           \
	do {                                                                                       \
		const char *vals_[METRICS_MAX_LABELS];                                             \
		va_list ap_;                                                                       \
		va_start(ap_, last);                                                               \
		metrics_args(m, kind, __func__, vals_, ap_);                                       \
		va_end(ap_);                                                                       \
		(s) = metrics_series_get(m, vals_, 1);                                             \
	} while (0)

void
metrics_inc(struct metric *m, ...)
{
	struct metrics_series *s;

	METRICS_SERIES(m, METRICS_COUNTER, m, s);
	s->value += 1;
}

void
metrics_add(struct metric *m, double v, ...)
{
	struct metrics_series *s;

	METRICS_SERIES(m, METRICS_COUNTER, v, s);
	if (v > 0)
		s->value += v;
}

void
metrics_set(struct metric *m, double v, ...)
{
	struct metrics_series *s;

	METRICS_SERIES(m, METRICS_GAUGE, v, s);
	s->value = v;
}

void
metrics_gauge_add(struct metric *m, double v, ...)
{
	struct metrics_series *s;

	METRICS_SERIES(m, METRICS_GAUGE, v, s);
	s->value += v;
}

void
metrics_observe(struct metric *m, double v, ...)
{
	struct metrics_series *s;
	size_t lo = 0, hi, mid;

	METRICS_SERIES(m, METRICS_HISTOGRAM, v, s);
	/* The first bound >= v; NaN fails every comparison and lands in +Inf. */
	for (hi = m->nbounds; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if (v <= m->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	s->counts[lo]++;
	s->count++;
	s->sum += v;
}

double
metrics_value(struct metric *m, ...)
{
	const char *vals[METRICS_MAX_LABELS];
	struct metrics_series *s;
	va_list ap;

	if (m != NULL && m->kind == METRICS_GAUGE_FN)
		return m->fn(m->fnarg);
	va_start(ap, m);
	metrics_args(m, m != NULL ? m->kind : METRICS_COUNTER, __func__, vals, ap);
	va_end(ap);
	if ((s = metrics_series_get(m, vals, 0)) == NULL)
		return 0;
	return m->kind == METRICS_HISTOGRAM ? (double)s->count : s->value;
}

void
metrics_collect_add(struct metric *m, void (*fn)(struct metric *, void *), void *arg)
{
	struct metrics_collector *c = xcalloc(1, sizeof *c), **pp;

	c->fn = fn;
	c->arg = arg;
	for (pp = &m->collectors; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
}

void
metrics_collect_remove(struct metric *m, void (*fn)(struct metric *, void *), void *arg)
{
	struct metrics_collector **pp, *c;

	for (pp = &m->collectors; (c = *pp) != NULL; pp = &c->next) {
		if (c->fn == fn && c->arg == arg) {
			*pp = c->next;
			free(c);
			/* Without collectors, nothing would replace the last scrape's series. */
			if (m->collectors == NULL)
				metrics_clear(m);
			return;
		}
	}
}

void
metrics_reset_all(void)
{
	struct metric *m;

	for (m = metrics_first; m != NULL; m = m->next)
		metrics_clear(m);
}

static void
metrics_write_header(struct buf *out, const char *name, const char *help, const char *type)
{
	buf_printf(out, "# HELP %s ", name);
	metrics_escape(out, help, 0);
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* One sample line; extra is one more label pair (le="...") or NULL. */
static void
metrics_write_sample(struct buf *out, const char *name, const char *suffix, const char *labels,
                     const char *extra, double v)
{
	char num[40];

	buf_adds(out, name);
	buf_adds(out, suffix);
	if (*labels != '\0' || extra != NULL) {
		buf_printf(out, "{%s%s%s}", labels, *labels != '\0' && extra != NULL ? "," : "",
		           extra != NULL ? extra : "");
	}
	buf_printf(out, " %s\n", metrics_format_double(num, sizeof num, v));
}

static void
metrics_write_histogram(struct buf *out, const struct metric *m, const struct metrics_series *s)
{
	char num[40], le[56];
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= m->nbounds; i++) {
		cum += s->counts[i];
		if (i < m->nbounds)
			metrics_format_double(num, sizeof num, m->bounds[i]);
		else
			snprintf(num, sizeof num, "+Inf");
		snprintf(le, sizeof le, "le=\"%s\"", num);
		metrics_write_sample(out, m->name, "_bucket", s->rendered, le, (double)cum);
	}
	metrics_write_sample(out, m->name, "_sum", s->rendered, NULL, s->sum);
	metrics_write_sample(out, m->name, "_count", s->rendered, NULL, (double)s->count);
}

static void
metrics_write_family(struct buf *out, struct metric *m)
{
	struct metrics_collector *c;
	struct metrics_series *s;

	if (m->collectors != NULL) {
		metrics_clear(m);
		for (c = m->collectors; c != NULL; c = c->next)
			c->fn(m, c->arg);
	}
	if (m->kind == METRICS_GAUGE_FN) {
		metrics_write_header(out, m->name, m->help, "gauge");
		metrics_write_sample(out, m->name, "", "", NULL, m->fn(m->fnarg));
		return;
	}
	if (m->first == NULL)
		return;
	metrics_write_header(out, m->name, m->help, metrics_kind_name(m->kind));
	for (s = m->first; s != NULL; s = s->next) {
		if (m->kind == METRICS_HISTOGRAM)
			metrics_write_histogram(out, m, s);
		else
			metrics_write_sample(out, m->name, "", s->rendered, NULL, s->value);
	}
}

void
metrics_write_registry(struct buf *out)
{
	struct metric *m;

	for (m = metrics_first; m != NULL; m = m->next)
		metrics_write_family(out, m);
}

/* Reads a small file whole into dst; returns the length or -1. */
static ssize_t
metrics_read_small(const char *path, char *dst, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, dst + total, size - 1 - (size_t)total);
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	dst[total] = '\0';
	return total;
}

/* The boot time in seconds since the epoch, from /proc/stat; it never changes. */
static double
metrics_boot_time(void)
{
	static double btime = -1;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (btime >= 0)
		return btime;
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return 0;
	while (getline(&line, &cap, f) != -1) {
		if (strncmp(line, "btime ", 6) == 0) {
			btime = strtod(line + 6, NULL);
			break;
		}
	}
	free(line);
	fclose(f);
	return btime >= 0 ? btime : 0;
}

/*
 * Fields of /proc/self/stat, counted from 1 as in proc(5). The command name
 * (field 2) may hold spaces and parentheses, so fields are counted from the
 * last ')'.
 */
static int
metrics_proc_fields(double *utime, double *stime, double *start, double *vsize, double *rss)
{
	char stat[1024], *p, *save, *tok;
	int field;

	if (metrics_read_small("/proc/self/stat", stat, sizeof stat) <= 0 ||
	    (p = strrchr(stat, ')')) == NULL)
		return -1;
	for (field = 3, tok = strtok_r(p + 1, " \n", &save); tok != NULL;
	     field++, tok = strtok_r(NULL, " \n", &save)) {
		if (field == 14)
			*utime = strtod(tok, NULL);
		else if (field == 15)
			*stime = strtod(tok, NULL);
		else if (field == 22)
			*start = strtod(tok, NULL);
		else if (field == 23)
			*vsize = strtod(tok, NULL);
		else if (field == 24) {
			*rss = strtod(tok, NULL);
			return 0;
		}
	}
	return -1;
}

static double
metrics_open_fds(void)
{
	struct dirent *de;
	double n = 0;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		/* Skip . and .. and the descriptor that is reading the directory. */
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			n++;
	}
	closedir(d);
	return n;
}

static double
metrics_rlimit(int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) != 0)
		return 0;
	return (double)rl.rlim_cur; /* RLIM_INFINITY reads as 2^64, as client_golang says */
}

static void
metrics_write_process_one(struct buf *out, const char *name, const char *help, const char *type,
                          double v)
{
	metrics_write_header(out, name, help, type);
	metrics_write_sample(out, name, "", "", NULL, v);
}

/* The metrics client_golang's process collector exports, with its help texts. */
void
metrics_write_process(struct buf *out)
{
	double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	double ut = 0, st = 0, start = 0, vsize = 0, rss = 0;
	int ok = ticks > 0 && metrics_proc_fields(&ut, &st, &start, &vsize, &rss) == 0;

	if (ok)
		metrics_write_process_one(out, "process_cpu_seconds_total",
		                          "Total user and system CPU time spent in seconds.",
		                          "counter", (ut + st) / ticks);
	metrics_write_process_one(out, "process_max_fds",
	                          "Maximum number of open file descriptors.", "gauge",
	                          metrics_rlimit(RLIMIT_NOFILE));
	metrics_write_process_one(out, "process_open_fds", "Number of open file descriptors.",
	                          "gauge", metrics_open_fds());
	if (ok) {
		metrics_write_process_one(out, "process_resident_memory_bytes",
		                          "Resident memory size in bytes.", "gauge", rss * page);
		metrics_write_process_one(out, "process_start_time_seconds",
		                          "Start time of the process since unix epoch in seconds.",
		                          "gauge", metrics_boot_time() + start / ticks);
		metrics_write_process_one(out, "process_virtual_memory_bytes",
		                          "Virtual memory size in bytes.", "gauge", vsize);
	}
	metrics_write_process_one(out, "process_virtual_memory_max_bytes",
	                          "Maximum amount of virtual memory available in bytes.", "gauge",
	                          metrics_rlimit(RLIMIT_AS));
}

void
metrics_write(struct buf *out)
{
	metrics_write_registry(out);
	metrics_write_process(out);
}
