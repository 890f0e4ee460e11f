/*
 * RFC 3339 parsing and formatting.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"

static int
timefmt_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
timefmt_expect(const char **p, const char *chars)
{
	if (**p == '\0' || strchr(chars, **p) == NULL)
		return -1;
	(*p)++;
	return 0;
}

/* The "Z" or "+hh:mm"/"-hhmm" at the end, in seconds east of UTC. */
static int
timefmt_offset(const char *p, long *off)
{
	int sign, h, m;

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (timefmt_digits(&p, 2, &h) != 0)
		return -1;
	if (*p == ':')
		p++;
	if (timefmt_digits(&p, 2, &m) != 0 || *p != '\0' || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

int
timefmt_parse(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *p = s;
	int y, mo, d, h, mi, sec, frac = 0, scale = 100;
	long off;
	time_t t;

	if (s == NULL)
		return -1;
	if (timefmt_digits(&p, 4, &y) || timefmt_expect(&p, "-") || timefmt_digits(&p, 2, &mo) ||
	    timefmt_expect(&p, "-") || timefmt_digits(&p, 2, &d) || timefmt_expect(&p, "Tt ") ||
	    timefmt_digits(&p, 2, &h) || timefmt_expect(&p, ":") || timefmt_digits(&p, 2, &mi) ||
	    timefmt_expect(&p, ":") || timefmt_digits(&p, 2, &sec))
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
		if (!isdigit((unsigned char)p[-1]))
			return -1;
	}
	if (timefmt_offset(p, &off) != 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return 0;
}

void
timefmt_format(int64_t ms, int micro, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(out, size, "%s.%06dZ", s, (int)(ms % 1000) * 1000);
	else
		snprintf(out, size, "%sZ", s);
}
