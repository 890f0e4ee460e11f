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
#include "core/xmalloc.h"

#define CONFIG_NS_PER_MS    UINT64_C(1000000)
#define CONFIG_DURATION_MAX ((uint64_t)INT64_MAX) /* nanoseconds, Go's limit */

static const struct {
	const char *name;
	uint64_t ns;
} config_units[] = {
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
config_unit_ns(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof config_units / sizeof config_units[0]; i++) {
		if (strlen(config_units[i].name) == len &&
		    memcmp(config_units[i].name, p, len) == 0)
			return config_units[i].ns;
	}
	return 0;
}

static int
config_duration_syntax(const char *s, const char *detail, char **why)
{
	if (detail == NULL)
		*why = xasprintf("\"%s\" is not a duration (like \"15s\" or \"1m\")", s);
	else
		*why =
		    xasprintf("\"%s\" is not a duration (like \"15s\" or \"1m\"): %s", s, detail);
	return -1;
}

/*
 * Reads one "<number><unit>" term at *pp into nanoseconds, advancing *pp.
 * Returns 0, -1 on bad syntax (with *why set) or -2 on overflow.
 */
static int
config_duration_term(const char *s, const char **pp, uint64_t *ns, char **why)
{
	const char *p = *pp, *unit;
	uint64_t whole = 0, frac = 0, scale = 1, mult;
	int digits = 0;

	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (whole > (CONFIG_DURATION_MAX - 9) / 10)
			return -2;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		/* Digits past nanosecond precision cannot matter; drop them. */
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			if (scale < UINT64_C(1000000000000000000)) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (digits == 0)
		return config_duration_syntax(s, NULL, why);
	for (unit = p; *p != '\0' && *p != '.' && !isdigit((unsigned char)*p); p++)
		;
	if (unit == p)
		return config_duration_syntax(s, NULL, why);
	if ((mult = config_unit_ns(unit, (size_t)(p - unit))) == 0) {
		char *detail = xasprintf("unknown unit \"%.*s\"", (int)(p - unit), unit);

		config_duration_syntax(s, detail, why);
		free(detail);
		return -1;
	}
	if (whole > CONFIG_DURATION_MAX / mult)
		return -2;
	*ns = whole * mult + (uint64_t)((long double)frac * (long double)mult / (long double)scale);
	*pp = p;
	return 0;
}

int
config_parse_duration(const char *s, uint64_t *ms, char **why)
{
	const char *p = s;
	uint64_t total = 0, ns;
	int rc;

	if (*p == '-') {
		*why = xasprintf("\"%s\" is negative; durations must be 0 or more", s);
		return -1;
	}
	if (*p == '+')
		p++;
	if (strcmp(p, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (*p == '\0')
		return config_duration_syntax(s, NULL, why);
	while (*p != '\0') {
		if ((rc = config_duration_term(s, &p, &ns, why)) == -1)
			return -1;
		if (rc == -2 || ns > CONFIG_DURATION_MAX - total) {
			*why = xasprintf("\"%s\" is too long a duration", s);
			return -1;
		}
		total += ns;
	}
	if (total % CONFIG_NS_PER_MS != 0) {
		*why = xasprintf("\"%s\" is not a whole number of milliseconds", s);
		return -1;
	}
	*ms = total / CONFIG_NS_PER_MS;
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

/* Decodes one UTF-8 sequence at s into *cp; returns its length, 0 if invalid. */
static size_t
config_utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t len, i;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

int
config_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	for (; *p != '\0'; p += n) {
		if ((n = config_utf8_next(p, &cp)) == 0)
			return 0;
	}
	return 1;
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
		if ((n = config_utf8_next(p, &cp)) == 0) {
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
