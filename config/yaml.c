/*
 * The --config file: YAML read with libyaml's event parser into the settings
 * table, without building a document tree. The file is one mapping of
 * camelCase keys; "leaderElection" and "awsRateLimits" hold nested mappings.
 * An empty file (or one holding only comments or a bare "---") sets nothing.
 *
 * It is strict: an unknown or repeated key, a list or mapping where a value
 * belongs, a value out of range, a second document or an alias is an error
 * naming file:line:column (1-based, of the key) and the key's dotted path.
 * Booleans are true or false only: YAML 1.1's yes/no/on/off are refused, so
 * the file means the same to every YAML reader. Stopping at the first
 * unexpected event also keeps nesting, and so libyaml's work, bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/fields.h"
#include "core/buf.h"
#include "core/xmalloc.h"
#include "core/yamlev.h"

#define CONFIG_FILE_MAX (1024 * 1024)

struct config_yaml {
	struct yamlev r; /* the event reader */
	struct config *cfg;
};

static int config_yaml_mapping(struct config_yaml *y, const char *section);

/* Sets y->r.cause to "name:line:col: [path: ]message". */
static int
config_yaml_next(struct config_yaml *y)
{
	if (yamlev_next(&y->r) != 0)
		return -1;
	if (y->r.ev.type == YAML_ALIAS_EVENT)
		return yamlev_err(&y->r, &y->r.ev.start_mark, NULL,
		                  "aliases (*%s) are not supported",
		                  (const char *)y->r.ev.data.alias.anchor);
	return 0;
}

static const char *
config_yaml_wanted(enum config_kind kind)
{
	static const char *const names[] = {
	    [CONFIG_KIND_STRING] = "a string",
	    [CONFIG_KIND_DNS_LABEL] = "a namespace name",
	    [CONFIG_KIND_DNS_NAME] = "a name",
	    [CONFIG_KIND_BOOL] = "true or false",
	    [CONFIG_KIND_DURATION] = "a duration",
	    [CONFIG_KIND_SIZE] = "a size",
	    [CONFIG_KIND_DECIMAL] = "a number",
	    [CONFIG_KIND_INT] = "a whole number",
	    [CONFIG_KIND_ADDR] = "an address",
	    [CONFIG_KIND_LOG_LEVEL] = "a log level",
	    [CONFIG_KIND_LOG_FORMAT] = "a log format",
	    [CONFIG_KIND_RATES] = "a mapping of operation names to rates",
	};
	return names[kind];
}

/* Copies the current scalar; fails if it holds a NUL that C strings would cut. */
static int
config_yaml_text(struct config_yaml *y, const yaml_mark_t *mark, const char *path, char **out)
{
	const char *v = (const char *)y->r.ev.data.scalar.value;
	size_t len = y->r.ev.data.scalar.length;

	if (strlen(v) != len)
		return yamlev_err(&y->r, mark, path, "contains a NUL character");
	*out = xstrndup(v, len);
	return 0;
}

/* Reads the awsRateLimits mapping, the current event being its start. */
static int
config_yaml_rates(struct config_yaml *y, const char *path)
{
	unsigned seen = 0;
	enum aws_pca_op op;
	yaml_mark_t key_mark;
	char *name = NULL, *text = NULL, *why = NULL, *sub = NULL;
	int rc = -1;

	for (;;) {
		free(name), free(text), free(why), free(sub);
		name = text = why = sub = NULL;
		if (config_yaml_next(y) == -1)
			break;
		if (y->r.ev.type == YAML_MAPPING_END_EVENT) {
			rc = 0;
			break;
		}
		key_mark = y->r.ev.start_mark;
		if (y->r.ev.type != YAML_SCALAR_EVENT) {
			yamlev_err(&y->r, &key_mark, path, "keys must be operation names");
			break;
		}
		if (config_yaml_text(y, &key_mark, path, &name) == -1)
			break;
		sub = xasprintf("%s.%s", path, name);
		if (config_yaml_next(y) == -1)
			break;
		if (y->r.ev.type != YAML_SCALAR_EVENT || yamlev_is_null(&y->r)) {
			yamlev_err(&y->r, &key_mark, sub, "expected a number, found %s",
			           yamlev_found(&y->r));
			break;
		}
		if (config_yaml_text(y, &key_mark, sub, &text) == -1)
			break;
		if (config_rate_set(y->cfg, name, text, &op, &why) == -1) {
			yamlev_err(&y->r, &key_mark, sub, "%s", why);
			break;
		}
		if (seen & (1u << op)) {
			yamlev_err(&y->r, &key_mark, sub, "is set twice");
			break;
		}
		seen |= 1u << op;
	}
	free(name), free(text), free(why), free(sub);
	return rc;
}

/* Reads the value of key f, whose key event was at key_mark. */
static int
config_yaml_value(struct config_yaml *y, const struct config_field *f, const yaml_mark_t *key_mark,
                  const char *path)
{
	struct config_origin *o = &y->cfg->src->field[config_field_index(f)];
	char *text = NULL, *why = NULL;
	int string = f->kind == CONFIG_KIND_STRING || f->kind == CONFIG_KIND_DNS_LABEL;
	int rc = -1;

	if (config_yaml_next(y) == -1)
		return -1;
	if (f->kind == CONFIG_KIND_RATES && y->r.ev.type == YAML_MAPPING_START_EVENT)
		rc = config_yaml_rates(y, path);
	else if (f->kind == CONFIG_KIND_RATES && yamlev_is_null(&y->r))
		rc = 0;
	else if (y->r.ev.type != YAML_SCALAR_EVENT || f->kind == CONFIG_KIND_RATES ||
	         (yamlev_is_null(&y->r) && !string))
		yamlev_err(&y->r, key_mark, path, "expected %s, found %s",
		           config_yaml_wanted(f->kind),
		           yamlev_is_null(&y->r) ? "nothing" : yamlev_found(&y->r));
	else if (yamlev_is_null(&y->r))
		rc = config_field_set(y->cfg, f, "", 1, &why);
	else if (config_yaml_text(y, key_mark, path, &text) == 0 &&
	         (rc = config_field_set(y->cfg, f, text, 1, &why)) == -1)
		yamlev_err(&y->r, key_mark, path, "%s", why);
	if (rc == 0) {
		o->kind = CONFIG_ORIGIN_FILE;
		o->line = (unsigned long)key_mark->line + 1;
		o->col = (unsigned long)key_mark->column + 1;
	}
	free(text);
	free(why);
	return rc;
}

/* Reads a nested section's mapping (or a null standing for an empty one). */
static int
config_yaml_section(struct config_yaml *y, const char *section, const yaml_mark_t *key_mark)
{
	size_t i;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		if (config_fields[i].section != NULL &&
		    strcmp(config_fields[i].section, section) == 0)
			break;
	}
	section = config_fields[i].section; /* the static copy outlives the key */
	if (config_yaml_next(y) == -1)
		return -1;
	if (y->r.ev.type == YAML_MAPPING_START_EVENT)
		return config_yaml_mapping(y, section);
	if (yamlev_is_null(&y->r))
		return 0;
	return yamlev_err(&y->r, key_mark, section, "expected a mapping, found %s",
	                  yamlev_found(&y->r));
}

static int
config_yaml_unknown(struct config_yaml *y, const yaml_mark_t *mark, const char *section,
                    const char *key, const char *path)
{
	const struct config_field *f = config_suggest(key);

	if (f == NULL)
		return yamlev_err(&y->r, mark, NULL, "unknown key \"%s\"", path);
	if (f->section != NULL && !(section != NULL && strcmp(section, f->section) == 0))
		return yamlev_err(&y->r, mark, NULL, "unknown key \"%s\" (did you mean %s.%s?)",
		                  path, f->section, f->key);
	return yamlev_err(&y->r, mark, NULL, "unknown key \"%s\" (did you mean %s?)", path, f->key);
}

/* Handles one key of a mapping, the current event being the key. */
static int
config_yaml_key(struct config_yaml *y, const char *section, uint64_t *seen)
{
	yaml_mark_t mark = y->r.ev.start_mark;
	const struct config_field *f;
	char *key = NULL, *path;
	uint64_t bit;
	int rc = -1;

	if (y->r.ev.type != YAML_SCALAR_EVENT)
		return yamlev_err(&y->r, &mark, section, "keys must be plain names, found %s",
		                  yamlev_found(&y->r));
	if (config_yaml_text(y, &mark, section, &key) == -1)
		return -1;
	path = xasprintf("%s%s%s", section != NULL ? section : "", section != NULL ? "." : "", key);
	f = config_field_by_key(section, key);
	if (f == NULL && (section != NULL || !config_is_section(key))) {
		rc = config_yaml_unknown(y, &mark, section, key, path);
		goto out;
	}
	/* A section takes the bit above every field. */
	bit = f != NULL ? UINT64_C(1) << config_field_index(f) : UINT64_C(1) << CONFIG_NFIELDS;
	if (*seen & bit) {
		rc = yamlev_err(&y->r, &mark, path, "is set twice");
		goto out;
	}
	*seen |= bit;
	if (f != NULL)
		rc = config_yaml_value(y, f, &mark, path);
	else
		rc = config_yaml_section(y, key, &mark);
out:
	free(path);
	free(key);
	return rc;
}

/* Reads a mapping whose start is the current event, through its end. */
static int
config_yaml_mapping(struct config_yaml *y, const char *section)
{
	uint64_t seen = 0;

	for (;;) {
		if (config_yaml_next(y) == -1)
			return -1;
		if (y->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (config_yaml_key(y, section, &seen) == -1)
			return -1;
	}
}

/* Reads the stream: nothing, or one document that is a mapping or null. */
static int
config_yaml_stream(struct config_yaml *y)
{
	if (config_yaml_next(y) == -1 || config_yaml_next(y) == -1)
		return -1; /* STREAM-START, then a document or the end */
	if (y->r.ev.type == YAML_STREAM_END_EVENT)
		return 0;
	if (config_yaml_next(y) == -1)
		return -1;
	if (y->r.ev.type == YAML_MAPPING_START_EVENT) {
		if (config_yaml_mapping(y, NULL) == -1)
			return -1;
	} else if (!yamlev_is_null(&y->r))
		return yamlev_err(&y->r, &y->r.ev.start_mark, NULL,
		                  "the file must be a mapping of settings, found %s",
		                  yamlev_found(&y->r));
	if (config_yaml_next(y) == -1 || config_yaml_next(y) == -1)
		return -1; /* DOCUMENT-END, then the end */
	if (y->r.ev.type != YAML_STREAM_END_EVENT)
		return yamlev_err(&y->r, &y->r.ev.start_mark, NULL,
		                  "the file holds more than one YAML document");
	return 0;
}

int
config_load_buffer(struct config *cfg, const char *name, const char *data, size_t len, char **cause)
{
	struct config_yaml y;
	int rc;

	yamlev_open(&y.r, name, data, len);
	y.cfg = cfg;
	free(cfg->src->file);
	cfg->src->file = xstrdup(name);
	rc = config_yaml_stream(&y);
	if (rc == -1) {
		*cause = y.r.cause;
		y.r.cause = NULL;
	}
	yamlev_close(&y.r);
	return rc;
}

int
config_load_file(struct config *cfg, const char *path, char **cause)
{
	char *data = xmalloc(CONFIG_FILE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	while (len <= CONFIG_FILE_MAX &&
	       (n = read(fd, data + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX) {
		*cause = xasprintf("%s is larger than %d bytes", path, CONFIG_FILE_MAX);
		goto out;
	}
	rc = config_load_buffer(cfg, path, data, len, cause);
out:
	if (fd != -1)
		close(fd);
	free(data);
	return rc;
}
