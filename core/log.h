/*
 * Logging: one line per event on stderr, JSON by default
 *   {"ts":"2026-01-02T03:04:05.678Z","level":"info","msg":"issued","cr":"ns/name"}
 * or text with --log-format=text
 *   2026-01-02T03:04:05.678Z INFO issued cr=ns/name
 *
 * Callers pass the message and then key/value string pairs, NULL-terminated
 * by the macros. Values under keys that name a secret (anything containing
 * "secret", "password", "token" but not "idempotency", "authorization",
 * "access_key") are written as "[redacted]", as a last line of
 * defence; the first line is never passing them.
 */
#ifndef PCA_CORE_LOG_H
#define PCA_CORE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

enum log_format {
	LOG_FORMAT_JSON,
	LOG_FORMAT_TEXT,
};

void log_setup(enum log_format format, enum log_level level);
/* Sends lines to fd instead of stderr (tests); -1 restores stderr. */
void log_set_fd(int fd);
int log_parse_level(const char *s, enum log_level *level);
int log_parse_format(const char *s, enum log_format *format);
const char *log_level_name(enum log_level level);
const char *log_format_name(enum log_format format);
int log_enabled(enum log_level level);
/* Logs msg with NULL-terminated key, value pairs; a NULL value prints as "". */
void log_kv(enum log_level level, const char *msg, ...);
void log_kvv(enum log_level level, const char *msg, va_list ap);

#define log_debug(...) log_kv(LOG_LEVEL_DEBUG, __VA_ARGS__, (const char *)0)
#define log_info(...)  log_kv(LOG_LEVEL_INFO, __VA_ARGS__, (const char *)0)
#define log_warn(...)  log_kv(LOG_LEVEL_WARN, __VA_ARGS__, (const char *)0)
#define log_error(...) log_kv(LOG_LEVEL_ERROR, __VA_ARGS__, (const char *)0)

#endif
