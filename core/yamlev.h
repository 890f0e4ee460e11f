/*
 * Reading YAML one libyaml event at a time, with errors that name
 * file:line:column: the part the configuration file and kubeconfig parsers
 * share. Each parser keeps a struct yamlev and walks the events itself.
 */
#ifndef PCA_CORE_YAMLEV_H
#define PCA_CORE_YAMLEV_H

#include <stddef.h>

#include <yaml.h>

struct yamlev {
	yaml_parser_t parser;
	yaml_event_t ev; /* the current event, valid after yamlev_next() returns 0 */
	int have_ev;
	const char *name; /* the file name for messages; borrowed */
	const char *data; /* the document; borrowed */
	size_t len;
	char *cause; /* the first error, owned until taken */
};

/* Starts reading data (borrowed, as is name). */
void yamlev_open(struct yamlev *y, const char *name, const char *data, size_t len);
/* Releases the parser; an error sentence not taken by the caller is freed. */
void yamlev_close(struct yamlev *y);
/* Moves to the next event; -1 with y->cause set on a syntax error. */
int yamlev_next(struct yamlev *y);
/* Whether the current event is a plain null: nothing, "~" or "null". */
int yamlev_is_null(const struct yamlev *y);
/* Names what the current event is, for "expected X, found Y" messages. */
const char *yamlev_found(const struct yamlev *y);

/* Records "name:line:column: [path: ]message" as the error and returns -1. */
int yamlev_err(struct yamlev *y, const yaml_mark_t *mark, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
