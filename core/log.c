/*
 * The log writer. Each line is built in memory and written with one write(2)
 * so that lines from this process never interleave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/jenc.h"
#include "core/log.h"
#include "core/secrets.h"

static enum log_format log_format = LOG_FORMAT_JSON;
static enum log_level log_level = LOG_LEVEL_INFO;
static int log_fd = -1;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void
log_setup(enum log_format format, enum log_level level)
{
	log_format = format;
	log_level = level;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

int
log_parse_level(const char *s, enum log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof log_level_names / sizeof log_level_names[0]; i++) {
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*level = LOG_LEVEL_WARN;
		return 0;
	}
	return -1;
}

int
log_parse_format(const char *s, enum log_format *format)
{
	if (strcasecmp(s, "json") == 0)
		*format = LOG_FORMAT_JSON;
	else if (strcasecmp(s, "text") == 0)
		*format = LOG_FORMAT_TEXT;
	else
		return -1;
	return 0;
}

const char *
log_level_name(enum log_level level)
{
	return log_level_names[level];
}

const char *
log_format_name(enum log_format format)
{
	return format == LOG_FORMAT_JSON ? "json" : "text";
}

int
log_enabled(enum log_level level)
{
	return level >= log_level;
}

/* Says whether the value under key must not be printed. */
static int
log_is_secret(const char *key)
{
	static const char *const words[] = {"secret", "password", "authorization", "access_key",
	                                    "token"};
	size_t i;

	if (strcasestr(key, "idempotency") != NULL)
		return 0;
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcasestr(key, words[i]) != NULL)
			return 1;
	}
	return 0;
}

static void
log_timestamp(struct buf *b)
{
	struct timeval tv;
	struct tm tm;
	char s[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "%s.%03dZ", s, (int)(tv.tv_usec / 1000));
}

/* Writes a text-format value, quoted when it holds spaces, quotes or controls. */
static void
log_text_value(struct buf *b, const char *v)
{
	const char *p;

	if (*v != '\0' && strpbrk(v, " \"=\\") == NULL) {
		for (p = v; *p != '\0' && (unsigned char)*p >= 0x20; p++)
			;
		if (*p == '\0') {
			buf_adds(b, v);
			return;
		}
	}
	buf_addc(b, '"');
	jenc_escape(b, v, strlen(v));
	buf_addc(b, '"');
}

void
log_kvv(enum log_level level, const char *msg, va_list ap)
{
	struct buf b = BUF_INIT;
	const char *key, *value;
	char *scrubbed = NULL;
	ssize_t n;
	size_t off;
	int fd = log_fd == -1 ? STDERR_FILENO : log_fd;

	if (!log_enabled(level))
		return;
	if (log_format == LOG_FORMAT_JSON) {
		buf_adds(&b, "{\"ts\":\"");
		log_timestamp(&b);
		buf_printf(&b, "\",\"level\":\"%s\",\"msg\":\"", log_level_names[level]);
		jenc_escape(&b, msg, strlen(msg));
		buf_addc(&b, '"');
	} else {
		log_timestamp(&b);
		buf_printf(&b, " %-5s ",
		           level == LOG_LEVEL_DEBUG  ? "DEBUG"
		           : level == LOG_LEVEL_INFO ? "INFO"
		           : level == LOG_LEVEL_WARN ? "WARN"
		                                     : "ERROR");
		jenc_escape(&b, msg, strlen(msg));
	}
	while ((key = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		if (value == NULL)
			value = "";
		if (log_is_secret(key))
			value = "[redacted]";
		else if (secrets_found(value, strlen(value))) {
			free(scrubbed);
			value = scrubbed = secrets_scrub(value);
		}
		if (log_format == LOG_FORMAT_JSON) {
			buf_addc(&b, ',');
			buf_addc(&b, '"');
			jenc_escape(&b, key, strlen(key));
			buf_adds(&b, "\":\"");
			jenc_escape(&b, value, strlen(value));
			buf_addc(&b, '"');
		} else {
			buf_printf(&b, " %s=", key);
			log_text_value(&b, value);
		}
	}
	if (log_format == LOG_FORMAT_JSON)
		buf_addc(&b, '}');
	buf_addc(&b, '\n');
	for (off = 0; off < b.len; off += (size_t)n) {
		n = write(fd, b.p + off, b.len - off);
		if (n <= 0)
			break;
	}
	buf_clear(&b);
	free(scrubbed);
}

void
log_kv(enum log_level level, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	log_kvv(level, msg, ap);
	va_end(ap);
}
