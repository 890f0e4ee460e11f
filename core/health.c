/*
 * The readiness checks, kept in registration order so that reports list
 * them the same way every time.
 */
#include <stdlib.h>
#include <string.h>

#include "core/health.h"
#include "core/xmalloc.h"

struct health_check {
	char *name;
	int (*ready)(void *, char **);
	void *arg;
	struct health_check *next;
};

static struct health_check *health_checks;

void
health_check_add(const char *name, int (*ready)(void *arg, char **why), void *arg)
{
	struct health_check *c, **pp;

	for (pp = &health_checks; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0)
			fatalx("readiness check %s added twice", name);
	}
	c = xcalloc(1, sizeof *c);
	c->name = xstrdup(name);
	c->ready = ready;
	c->arg = arg;
	*pp = c;
}

void
health_check_remove(const char *name)
{
	struct health_check *c, **pp;

	for (pp = &health_checks; (c = *pp) != NULL; pp = &c->next) {
		if (strcmp(c->name, name) == 0) {
			*pp = c->next;
			free(c->name);
			free(c);
			return;
		}
	}
}

unsigned
health_check_count(void)
{
	struct health_check *c;
	unsigned n = 0;

	for (c = health_checks; c != NULL; c = c->next)
		n++;
	return n;
}

/* Appends why on one line: the report is read line by line. */
static void
health_add_reason(struct buf *report, const char *why)
{
	const char *p;

	if (why == NULL || *why == '\0')
		why = "not ready";
	for (p = why; *p != '\0'; p++)
		buf_addc(report, *p == '\n' || *p == '\r' ? ' ' : *p);
	buf_addc(report, '\n');
}

int
health_ready(struct buf *report)
{
	struct health_check *c, *next;
	int all = 1, ok;
	char *why;

	/* A check may remove itself (not others) while it runs. */
	for (c = health_checks; c != NULL; c = next) {
		next = c->next;
		why = NULL;
		ok = c->ready(c->arg, &why) == 1;
		if (report != NULL && ok)
			buf_printf(report, "[+]%s ok\n", c->name);
		else if (report != NULL) {
			buf_printf(report, "[-]%s failed: ", c->name);
			health_add_reason(report, why);
		}
		free(why);
		if (!ok)
			all = 0;
	}
	return all;
}

void
health_reset_all(void)
{
	struct health_check *c;

	while ((c = health_checks) != NULL) {
		health_checks = c->next;
		free(c->name);
		free(c);
	}
}
