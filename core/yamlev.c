/*
 * The shared YAML event reader.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "core/yamlev.h"

void
yamlev_open(struct yamlev *y, const char *name, const char *data, size_t len)
{
	memset(y, 0, sizeof *y);
	y->name = name;
	y->data = data;
	y->len = len;
	if (!yaml_parser_initialize(&y->parser))
		fatalx("libyaml: cannot initialise a parser");
	yaml_parser_set_input_string(&y->parser, (const unsigned char *)data, len);
}

void
yamlev_close(struct yamlev *y)
{
	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	yaml_parser_delete(&y->parser);
	free(y->cause);
	y->cause = NULL;
}

int
yamlev_err(struct yamlev *y, const yaml_mark_t *mark, const char *path, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s:%lu:%lu: ", y->name, (unsigned long)mark->line + 1,
	           (unsigned long)mark->column + 1);
	if (path != NULL)
		buf_printf(&b, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(y->cause);
	y->cause = buf_steal(&b);
	return -1;
}

/* Reports libyaml's own error; reader errors carry only a byte offset. */
static int
yamlev_syntax(struct yamlev *y)
{
	yaml_parser_t *p = &y->parser;
	yaml_mark_t mark = p->problem_mark;
	size_t i;

	if (p->error == YAML_MEMORY_ERROR)
		fatalx("libyaml: out of memory");
	if (p->error == YAML_READER_ERROR) {
		memset(&mark, 0, sizeof mark);
		for (i = 0; i < p->problem_offset && i < y->len; i++) {
			if (y->data[i] == '\n')
				mark.line++, mark.column = 0;
			else if (((unsigned char)y->data[i] & 0xc0) != 0x80)
				mark.column++;
		}
	}
	if (p->context != NULL)
		return yamlev_err(y, &mark, NULL, "YAML syntax error: %s (%s at line %lu)",
		                  p->problem != NULL ? p->problem : "unknown", p->context,
		                  (unsigned long)p->context_mark.line + 1);
	return yamlev_err(y, &mark, NULL, "YAML syntax error: %s",
	                  p->problem != NULL ? p->problem : "unknown");
}

int
yamlev_next(struct yamlev *y)
{
	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	if (!yaml_parser_parse(&y->parser, &y->ev))
		return yamlev_syntax(y);
	y->have_ev = 1;
	return 0;
}

int
yamlev_is_null(const struct yamlev *y)
{
	const char *v = (const char *)y->ev.data.scalar.value;

	if (y->ev.type != YAML_SCALAR_EVENT || y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

const char *
yamlev_found(const struct yamlev *y)
{
	switch (y->ev.type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias (aliases are not supported)";
	default:
		return "a value";
	}
}
