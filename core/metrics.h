/*
 * The process's Prometheus metrics registry and its text exposition
 * (format 0.0.4).
 *
 * A family is registered once, usually at start-up, and lives for the
 * process; the pointer it returns stays valid until exit, even across
 * metrics_reset_all(). Registering a name again returns the same family when
 * type, help, label names (and buckets) are identical and aborts otherwise:
 * two modules disagreeing about one name is a programming error.
 *
 *   static struct metric *m_calls;
 *   m_calls = metrics_counter("pca_issuer_aws_calls_total",
 *       "AWS API calls by operation and outcome.", "operation,outcome");
 *   metrics_inc(m_calls, "IssueCertificate", "success");
 *
 * Label names are given as one comma-separated string ("" or NULL for none)
 * and fix how many label values every update passes: exactly that many
 * `const char *` after the fixed arguments (NULL counts as ""). Passing a
 * different number is undefined behaviour, like printf with a wrong format.
 * A series is created on first use and found again through a hash table.
 *
 * A family without labels always shows (at 0 before any update); a labelled
 * family shows once it has a series. Output is in registration order, each
 * family's series in creation order, then the process_* metrics read from
 * /proc/self at scrape time.
 */
#ifndef PCA_CORE_METRICS_H
#define PCA_CORE_METRICS_H

#include <stddef.h>

#include "core/buf.h"

struct metric;

struct metric *metrics_counter(const char *name, const char *help, const char *labels);
struct metric *metrics_gauge(const char *name, const char *help, const char *labels);
/*
 * Upper bounds must be strictly increasing; a trailing +Inf is implied (and
 * dropped if given). The array is copied.
 */
struct metric *metrics_histogram(const char *name, const char *help, const char *labels,
                                 const double *buckets, size_t nbuckets);
/*
 * An unlabelled gauge whose value is fn(arg) at scrape time. Registering the
 * same name, help and fn again re-points it at the new arg (an object that is
 * re-created); fn must be safe to call whenever a scrape may happen.
 */
struct metric *metrics_gauge_fn(const char *name, const char *help, double (*fn)(void *),
                                void *arg);

/* Counters: adds 1 or v (v < 0 or NaN is ignored: counters only go up). */
void metrics_inc(struct metric *m, ...);
void metrics_add(struct metric *m, double v, ...);
/* Gauges: sets to v, or adds v (which may be negative). */
void metrics_set(struct metric *m, double v, ...);
void metrics_gauge_add(struct metric *m, double v, ...);
/* Histograms: counts v in the first bucket whose bound is >= v. */
void metrics_observe(struct metric *m, double v, ...);

/*
 * The value of a series without creating it: a counter's or gauge's value, a
 * histogram's count; 0 for a series never updated. For tests and for code
 * that wants to read back what it counted.
 */
double metrics_value(struct metric *m, ...);

/*
 * Scrape-time collectors for a labelled family whose samples mirror state
 * held elsewhere (objects tracked per reflector). Before each scrape, a
 * family with collectors drops all its series, then calls every fn(m, arg),
 * which sets the current values with metrics_set()/metrics_add(). Remove the
 * collector before freeing arg.
 */
void metrics_collect_add(struct metric *m, void (*fn)(struct metric *, void *), void *arg);
void metrics_collect_remove(struct metric *m, void (*fn)(struct metric *, void *), void *arg);

/* Appends the whole exposition: the registry, then the process metrics. */
void metrics_write(struct buf *out);
/* The registered families only (golden tests). */
void metrics_write_registry(struct buf *out);
/* The process_* families only. */
void metrics_write_process(struct buf *out);

/*
 * Tests: drops every series of every family (families and their pointers
 * stay), so each test starts from zero.
 */
void metrics_reset_all(void);

/*
 * Formats v as the exposition does: integers without exponent, others in the
 * shortest form that parses back to v, "NaN", "+Inf", "-Inf". Returns dst.
 */
char *metrics_format_double(char *dst, size_t size, double v);

#endif
