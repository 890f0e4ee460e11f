/*
 * Parsers for the value syntaxes of settings: Go durations, byte sizes with
 * binary suffixes, listen addresses, decimals, whole numbers, booleans and
 * Kubernetes object names. They are strict on purpose: a value that is not
 * clearly meant is refused with a sentence naming it, never guessed at.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/fields.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/xmalloc.h"

#define CONFIG_NS_PER_MS UINT64_C(1000000)

int
config_parse_duration(const char *s, uint64_t *ms, char **why)
{
	int64_t ns;

	if (*s == '-') {
		*why = xasprintf("\"%s\" is negative; durations must be 0 or more", s);
		return -1;
	}
	if (codec_duration_parse(s, &ns, why) != 0)
		return -1;
	if ((uint64_t)ns % CONFIG_NS_PER_MS != 0) {
		*why = xasprintf("\"%s\" is not a whole number of milliseconds", s);
		return -1;
	}
	*ms = (uint64_t)ns / CONFIG_NS_PER_MS;
	return 0;
}

void
config_format_duration(uint64_t ms, char *out, size_t size)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} parts[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	size_t i, used = 0;
	int n;

	if (size == 0)
		return;
	out[0] = '\0';
	if (ms == 0) {
		snprintf(out, size, "0s");
		return;
	}
	for (i = 0; i < sizeof parts / sizeof parts[0] && used < size; i++) {
		if (ms / parts[i].ms == 0)
			continue;
		n = snprintf(out + used, size - used, "%" PRIu64 "%s", ms / parts[i].ms,
		             parts[i].unit);
		if (n < 0)
			return;
		used += (size_t)n;
		ms %= parts[i].ms;
	}
}

int
config_parse_size(const char *s, uint64_t *bytes, char **why)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} suffixes[] = {{"", 1},
	                {"B", 1},
	                {"KiB", UINT64_C(1) << 10},
	                {"Ki", UINT64_C(1) << 10},
	                {"MiB", UINT64_C(1) << 20},
	                {"Mi", UINT64_C(1) << 20},
	                {"GiB", UINT64_C(1) << 30},
	                {"Gi", UINT64_C(1) << 30}};
	const char *p = s;
	uint64_t n = 0;
	size_t i;

	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			goto too_big;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		goto bad;
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		if (strcmp(p, suffixes[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / suffixes[i].mult)
			goto too_big;
		*bytes = n * suffixes[i].mult;
		return 0;
	}
bad:
	*why = xasprintf("\"%s\" is not a size (like \"16MiB\", \"512KiB\" or \"1048576\")", s);
	return -1;
too_big:
	*why = xasprintf("\"%s\" is too large a size", s);
	return -1;
}

/* Accepts a DNS name such as "localhost" or "metrics.example"; not an IP. */
static int
config_is_hostname(const char *h)
{
	size_t label = 0;

	if (strlen(h) > 253)
		return 0;
	for (; *h != '\0'; h++) {
		if (*h == '.') {
			if (label == 0 || h[-1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*h) || (*h == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && h[-1] != '-';
}

/* Splits "host:port" or "[v6]:port"; returns the host in *host. */
static int
config_addr_split(const char *s, char **host, unsigned long *port)
{
	const char *colon, *p;
	unsigned char tmp[16];

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		*host = xstrndup(s + 1, (size_t)(colon - s - 1));
		colon++;
		if (inet_pton(AF_INET6, *host, tmp) != 1)
			return -1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		*host = xstrndup(s, (size_t)(colon - s));
		if (strchr(*host, ':') != NULL)
			return -1; /* IPv6 needs brackets */
		if (**host != '\0' && strspn(*host, "0123456789.") == strlen(*host)) {
			if (inet_pton(AF_INET, *host, tmp) != 1)
				return -1;
		} else if (**host != '\0' && !config_is_hostname(*host))
			return -1;
	}
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p))
		return -1;
	*port = strtoul(p, NULL, 10);
	return 0;
}

int
config_parse_addr(const char *s, struct config_addr *addr, char **why)
{
	char *host = NULL;
	unsigned long port = 0;

	if (strcmp(s, "0") != 0 && s[0] != '\0') {
		if (config_addr_split(s, &host, &port) == -1) {
			*why = xasprintf("\"%s\" is not an address like \":8080\", "
			                 "\"127.0.0.1:8080\" or \"[::1]:8080\" (or \"0\" to "
			                 "disable)",
			                 s);
			free(host);
			return -1;
		}
		if (port > 65535) {
			*why = xasprintf("\"%s\": port %lu is above 65535", s, port);
			free(host);
			return -1;
		}
	}
	config_addr_free(addr);
	addr->text = xstrdup(s);
	addr->host = host != NULL ? host : xstrdup("");
	addr->port = (uint16_t)port;
	addr->disabled = host == NULL;
	return 0;
}

void
config_addr_free(struct config_addr *addr)
{
	free(addr->text);
	free(addr->host);
	memset(addr, 0, sizeof *addr);
}

int
config_parse_decimal(const char *s, double *v, char **why)
{
	size_t ndig = strspn(s, "0123456789");

	if (ndig == 0 || ndig > 15 ||
	    (s[ndig] != '\0' && (s[ndig] != '.' || s[ndig + 1] == '\0' ||
	                         strspn(s + ndig + 1, "0123456789") != strlen(s + ndig + 1) ||
	                         strlen(s + ndig + 1) > 6))) {
		*why = xasprintf("\"%s\" is not a number (like \"25\" or \"0.5\")", s);
		return -1;
	}
	*v = strtod(s, NULL);
	return 0;
}

int
config_parse_uint(const char *s, uint64_t *v, char **why)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n) {
		*why = xasprintf("\"%s\" is not a whole number", s);
		return -1;
	}
	*v = strtoull(s, NULL, 10);
	return 0;
}

int
config_parse_bool(const char *s, int strict, int *v, char **why)
{
	static const char *const yes[] = {"true", "1", "t", "T", "TRUE", "True"};
	static const char *const no[] = {"false", "0", "f", "F", "FALSE", "False"};
	size_t i, n = strict ? 1 : sizeof yes / sizeof yes[0];

	for (i = 0; i < n; i++) {
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*v = strcmp(s, yes[i]) == 0;
			return 0;
		}
	}
	*why = xasprintf("\"%s\" is not true or false", s);
	return -1;
}

/* An RFC 1123 label: what Kubernetes allows as a namespace name. */
static int
config_is_dns_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	}
	return 1;
}

int
config_check_dns_label(const char *s, char **why)
{
	if (*s == '\0' || config_is_dns_label(s, strlen(s)))
		return 0;
	*why = xasprintf("\"%s\" is not a namespace name (lowercase letters, digits and "
	                 "'-', at most 63)",
	                 s);
	return -1;
}

int
config_check_dns_name(const char *s, char **why)
{
	const char *p = s, *dot;

	if (*s != '\0' && strlen(s) <= 253) {
		for (;; p = dot + 1) {
			dot = strchr(p, '.');
			if (!config_is_dns_label(p, dot != NULL ? (size_t)(dot - p) : strlen(p)))
				break;
			if (dot == NULL)
				return 0;
		}
	}
	*why = xasprintf("\"%s\" is not a valid Lease name (lowercase letters, digits, '-' "
	                 "and '.', at most 253)",
	                 s);
	return -1;
}

/* Whether YAML lets the code point stand unescaped in a quoted scalar. */
static int
config_yaml_printable(uint32_t cp)
{
	if (cp == '"' || cp == '\\')
		return 0;
	return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff) || cp >= 0x10000;
}

void
config_quote(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	buf_addc(b, '"');
	for (; *p != '\0'; p += n) {
		if ((n = codec_utf8_next(p, 4, &cp)) == 0) {
			/* Not reached for validated strings; keeps the output valid. */
			buf_adds(b, "\\ufffd");
			n = 1;
		} else if (cp == '"' || cp == '\\')
			buf_printf(b, "\\%c", (int)cp);
		else if (config_yaml_printable(cp))
			buf_add(b, p, n);
		else if (cp <= 0xffff)
			buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			buf_printf(b, "\\U%08x", (unsigned)cp);
	}
	buf_addc(b, '"');
}
