/*
 * Reading a kubeconfig with libyaml's event parser, without a document
 * tree: the clusters, users and contexts lists and current-context, into
 * struct kube_config_doc (kube/config_yaml.h). Only the first YAML document
 * is read.
 *
 * It is lenient where kubeconfigs vary and strict where a mistake would be
 * silent: unknown keys (extensions, preferences, fields of newer client-go
 * versions) are skipped whole, but a known key given twice, a list or
 * mapping where a value belongs, a boolean that is not one, or base64 that
 * does not decode is an error naming file:line:column (1-based, of the key)
 * and the key's path, such as users[0].user.client-key-data. Base64 is
 * checked in every entry, used or not, as client-go checks it while reading.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/buf.h"
#include "core/xmalloc.h"
#include "core/yamlev.h"
#include "kube/config_yaml.h"
#include "kube/types.h"

enum kube_config_kind {
	KUBE_CONFIG_STR,
	KUBE_CONFIG_BOOL,
	KUBE_CONFIG_B64,
};

struct kube_config_key {
	const char *key;
	enum kube_config_kind kind;
};

static const struct kube_config_key kube_config_cluster_keys[] = {
    [KUBE_CONFIG_CL_SERVER] = {"server", KUBE_CONFIG_STR},
    [KUBE_CONFIG_CL_CA] = {"certificate-authority", KUBE_CONFIG_STR},
    [KUBE_CONFIG_CL_CA_DATA] = {"certificate-authority-data", KUBE_CONFIG_B64},
    [KUBE_CONFIG_CL_INSECURE] = {"insecure-skip-tls-verify", KUBE_CONFIG_BOOL},
    [KUBE_CONFIG_CL_TLS_SERVER_NAME] = {"tls-server-name", KUBE_CONFIG_STR},
    [KUBE_CONFIG_CL_PROXY_URL] = {"proxy-url", KUBE_CONFIG_STR},
};

static const struct kube_config_key kube_config_user_keys[] = {
    [KUBE_CONFIG_US_CERT] = {"client-certificate", KUBE_CONFIG_STR},
    [KUBE_CONFIG_US_CERT_DATA] = {"client-certificate-data", KUBE_CONFIG_B64},
    [KUBE_CONFIG_US_KEY] = {"client-key", KUBE_CONFIG_STR},
    [KUBE_CONFIG_US_KEY_DATA] = {"client-key-data", KUBE_CONFIG_B64},
    [KUBE_CONFIG_US_TOKEN] = {"token", KUBE_CONFIG_STR},
    [KUBE_CONFIG_US_TOKEN_FILE] = {"tokenFile", KUBE_CONFIG_STR},
};

static const struct kube_config_key kube_config_context_keys[] = {
    [KUBE_CONFIG_CX_CLUSTER] = {"cluster", KUBE_CONFIG_STR},
    [KUBE_CONFIG_CX_USER] = {"user", KUBE_CONFIG_STR},
    [KUBE_CONFIG_CX_NAMESPACE] = {"namespace", KUBE_CONFIG_STR},
};

static const struct kube_config_key kube_config_exec_keys[] = {
    [KUBE_CONFIG_EX_COMMAND] = {"command", KUBE_CONFIG_STR},
    [KUBE_CONFIG_EX_API_VERSION] = {"apiVersion", KUBE_CONFIG_STR},
    [KUBE_CONFIG_EX_INSTALL_HINT] = {"installHint", KUBE_CONFIG_STR},
    [KUBE_CONFIG_EX_PROVIDE_CLUSTER_INFO] = {"provideClusterInfo", KUBE_CONFIG_BOOL},
    [KUBE_CONFIG_EX_INTERACTIVE_MODE] = {"interactiveMode", KUBE_CONFIG_STR},
};

static const struct kube_config_key kube_config_env_keys[] = {
    {"name", KUBE_CONFIG_STR},
    {"value", KUBE_CONFIG_STR},
};

/* User keys that change who the client is; ignoring them would be silent. */
static const char *const kube_config_unsupported[] = {
    "auth-provider", "username", "password", "as", "as-uid", "as-groups", "as-user-extra",
};

#define KUBE_CONFIG_NKEYS(a) (sizeof(a) / sizeof((a)[0]))

struct kube_config_yaml {
	struct yamlev r; /* the event reader */
};

/*
 * Handles a key the table does not name, the key event being current.
 * Returns 0 when it consumed the value, 1 to have it skipped, -1 on error.
 */
typedef int (*kube_config_yaml_other_fn)(struct kube_config_yaml *y, const char *path,
                                         const char *key, const yaml_mark_t *mark, void *arg);

/* Sets y->r.cause to "name:line:col: [path: ]message". */
/* Consumes the node whose first event is current, through its last event. */
static int
kube_config_yaml_skip(struct kube_config_yaml *y)
{
	unsigned long depth = 0;

	for (;;) {
		if (y->r.ev.type == YAML_SEQUENCE_START_EVENT ||
		    y->r.ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (y->r.ev.type == YAML_SEQUENCE_END_EVENT ||
		         y->r.ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth == 0)
			return 0;
		if (yamlev_next(&y->r) == -1)
			return -1;
	}
}

/* Moves to the value after a key and consumes it. */
static int
kube_config_yaml_skip_value(struct kube_config_yaml *y)
{
	if (yamlev_next(&y->r) == -1)
		return -1;
	return kube_config_yaml_skip(y);
}

/* YAML 1.1 booleans, as go-yaml (and so client-go) reads them. */
static int
kube_config_yaml_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
	                                  "YES",  "on",   "On",   "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
	                                 "NO",    "off",   "Off",   "OFF"};
	size_t i;

	for (i = 0; i < KUBE_CONFIG_NKEYS(yes); i++) {
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*out = strcmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

/* Stores the current scalar event in *v as kind asks. */
static int
kube_config_yaml_store(struct kube_config_yaml *y, const yaml_mark_t *mark, const char *path,
                       enum kube_config_kind kind, struct kube_config_val *v)
{
	const char *text = (const char *)y->r.ev.data.scalar.value;
	size_t len = y->r.ev.data.scalar.length;
	unsigned char *raw;
	int b;

	if (strlen(text) != len)
		return yamlev_err(&y->r, mark, path, "contains a NUL character");
	switch (kind) {
	case KUBE_CONFIG_STR:
		v->s = xstrndup(text, len);
		v->len = len;
		break;
	case KUBE_CONFIG_BOOL:
		if (kube_config_yaml_bool(text, &b) == -1)
			return yamlev_err(&y->r, mark, path,
			                  "expected true or false, found \"%.40s\"", text);
		v->s = xstrdup(b ? "true" : "false");
		v->len = strlen(v->s);
		break;
	case KUBE_CONFIG_B64:
		if (codec_base64_decode(text, len, &raw, &v->len) == -1)
			return yamlev_err(&y->r, mark, path, "not valid base64");
		v->s = (char *)raw;
		break;
	}
	return 0;
}

/* Reads the value event after a key (at mark) into *v. */
static int
kube_config_yaml_scalar(struct kube_config_yaml *y, const yaml_mark_t *mark, const char *path,
                        enum kube_config_kind kind, struct kube_config_val *v)
{
	if (v->line != 0)
		return yamlev_err(&y->r, mark, path, "is set twice");
	v->line = (unsigned long)mark->line + 1;
	v->col = (unsigned long)mark->column + 1;
	if (yamlev_next(&y->r) == -1)
		return -1;
	if (yamlev_is_null(&y->r))
		return 0;
	if (y->r.ev.type != YAML_SCALAR_EVENT)
		return yamlev_err(&y->r, mark, path, "expected %s, found %s",
		                  kind == KUBE_CONFIG_BOOL ? "true or false" : "a string",
		                  yamlev_found(&y->r));
	return kube_config_yaml_store(y, mark, path, kind, v);
}

/*
 * Reads a mapping whose start is current, through its end: keys in the
 * table go to v[index], others to other (or are skipped).
 */
static int
kube_config_yaml_fields(struct kube_config_yaml *y, const char *path,
                        const struct kube_config_key *keys, size_t nkeys, struct kube_config_val *v,
                        kube_config_yaml_other_fn other, void *arg)
{
	yaml_mark_t mark;
	char *key, *sub;
	size_t i;
	int rc;

	for (;;) {
		if (yamlev_next(&y->r) == -1)
			return -1;
		if (y->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		mark = y->r.ev.start_mark;
		if (y->r.ev.type != YAML_SCALAR_EVENT)
			return yamlev_err(&y->r, &mark, path, "keys must be names, found %s",
			                  yamlev_found(&y->r));
		/* A copy: the event goes when the value is read. */
		key = xstrdup((const char *)y->r.ev.data.scalar.value);
		/* The top level ("") has no prefix. */
		sub = *path != '\0' ? xasprintf("%s.%s", path, key) : xstrdup(key);
		for (i = 0; i < nkeys && strcmp(keys[i].key, key) != 0; i++)
			;
		if (i < nkeys)
			rc = kube_config_yaml_scalar(y, &mark, sub, keys[i].kind, &v[i]);
		else if (other == NULL || (rc = other(y, sub, key, &mark, arg)) == 1)
			rc = kube_config_yaml_skip_value(y);
		free(sub);
		free(key);
		if (rc == -1)
			return -1;
	}
}

/* Moves to the value after a key; 1 if it is a mapping, 0 if null. */
static int
kube_config_yaml_open_mapping(struct kube_config_yaml *y, const yaml_mark_t *mark, const char *path)
{
	if (yamlev_next(&y->r) == -1)
		return -1;
	if (y->r.ev.type == YAML_MAPPING_START_EVENT)
		return 1;
	if (yamlev_is_null(&y->r))
		return 0;
	return yamlev_err(&y->r, mark, path, "expected a mapping, found %s", yamlev_found(&y->r));
}

/* Moves to the value after a key; 1 if it is a list, 0 if null. */
static int
kube_config_yaml_open_list(struct kube_config_yaml *y, const yaml_mark_t *mark, const char *path)
{
	if (yamlev_next(&y->r) == -1)
		return -1;
	if (y->r.ev.type == YAML_SEQUENCE_START_EVENT)
		return 1;
	if (yamlev_is_null(&y->r))
		return 0;
	return yamlev_err(&y->r, mark, path, "expected a list, found %s", yamlev_found(&y->r));
}

static void
kube_config_yaml_push(char ***list, size_t *n, char *s)
{
	*list = xreallocarray(*list, *n + 2, sizeof **list);
	(*list)[(*n)++] = s;
	(*list)[*n] = NULL;
}

/* exec.args: a list of strings (a null item is an empty argument). */
static int
kube_config_yaml_args(struct kube_config_yaml *y, const char *path, const yaml_mark_t *mark,
                      struct kube_config_exec_doc *x)
{
	struct kube_config_val v;
	yaml_mark_t item;
	int rc;

	if (x->args != NULL)
		return yamlev_err(&y->r, mark, path, "is set twice");
	x->args = xcalloc(1, sizeof *x->args);
	if ((rc = kube_config_yaml_open_list(y, mark, path)) != 1)
		return rc;
	for (;;) {
		if (yamlev_next(&y->r) == -1)
			return -1;
		if (y->r.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		item = y->r.ev.start_mark;
		memset(&v, 0, sizeof v);
		if (yamlev_is_null(&y->r))
			v.s = xstrdup("");
		else if (y->r.ev.type != YAML_SCALAR_EVENT)
			return yamlev_err(&y->r, &item, path, "expected a string, found %s",
			                  yamlev_found(&y->r));
		else if (kube_config_yaml_store(y, &item, path, KUBE_CONFIG_STR, &v) == -1)
			return -1;
		kube_config_yaml_push(&x->args, &x->nargs, v.s);
	}
}

/* One exec.env item, {name, value}, the mapping start being current. */
static int
kube_config_yaml_env_item(struct kube_config_yaml *y, const char *path, const yaml_mark_t *item,
                          struct kube_config_exec_doc *x)
{
	struct kube_config_val v[2];
	int rc = -1;

	memset(v, 0, sizeof v);
	if (kube_config_yaml_fields(y, path, kube_config_env_keys, 2, v, NULL, NULL) == -1)
		goto out;
	if (v[0].s == NULL || *v[0].s == '\0')
		yamlev_err(&y->r, item, path, "name is missing");
	else if (strchr(v[0].s, '=') != NULL)
		yamlev_err(&y->r, item, path, "name \"%s\" holds '='", v[0].s);
	else {
		kube_config_yaml_push(&x->env, &x->nenv,
		                      xasprintf("%s=%s", v[0].s, v[1].s != NULL ? v[1].s : ""));
		rc = 0;
	}
out:
	free(v[0].s);
	free(v[1].s);
	return rc;
}

/* exec.env: a list of {name, value} mappings. */
static int
kube_config_yaml_env(struct kube_config_yaml *y, const char *path, const yaml_mark_t *mark,
                     struct kube_config_exec_doc *x)
{
	yaml_mark_t item;
	char *sub;
	size_t i;
	int rc;

	if (x->env != NULL)
		return yamlev_err(&y->r, mark, path, "is set twice");
	x->env = xcalloc(1, sizeof *x->env);
	if ((rc = kube_config_yaml_open_list(y, mark, path)) != 1)
		return rc;
	for (i = 0;; i++) {
		if (yamlev_next(&y->r) == -1)
			return -1;
		if (y->r.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		item = y->r.ev.start_mark;
		sub = xasprintf("%s[%zu]", path, i);
		if (y->r.ev.type != YAML_MAPPING_START_EVENT)
			rc = yamlev_err(&y->r, &item, sub,
			                "expected a mapping of name and value, found %s",
			                yamlev_found(&y->r));
		else
			rc = kube_config_yaml_env_item(y, sub, &item, x);
		free(sub);
		if (rc == -1)
			return -1;
	}
}

static int
kube_config_yaml_exec_other(struct kube_config_yaml *y, const char *path, const char *key,
                            const yaml_mark_t *mark, void *arg)
{
	if (strcmp(key, "args") == 0)
		return kube_config_yaml_args(y, path, mark, arg);
	if (strcmp(key, "env") == 0)
		return kube_config_yaml_env(y, path, mark, arg);
	return 1;
}

/* users[i].user.exec, or the key a user must not carry. */
static int
kube_config_yaml_user_other(struct kube_config_yaml *y, const char *path, const char *key,
                            const yaml_mark_t *mark, void *arg)
{
	struct kube_config_entry *e = arg;
	struct kube_config_exec_doc *x;
	size_t i;
	int rc;

	if (strcmp(key, "exec") == 0) {
		if (e->exec != NULL)
			return yamlev_err(&y->r, mark, path, "is set twice");
		if ((rc = kube_config_yaml_open_mapping(y, mark, path)) != 1)
			return rc;
		x = e->exec = xcalloc(1, sizeof *x);
		x->key.line = (unsigned long)mark->line + 1;
		x->key.col = (unsigned long)mark->column + 1;
		return kube_config_yaml_fields(y, path, kube_config_exec_keys,
		                               KUBE_CONFIG_NKEYS(kube_config_exec_keys), x->v,
		                               kube_config_yaml_exec_other, x);
	}
	for (i = 0; i < KUBE_CONFIG_NKEYS(kube_config_unsupported); i++) {
		if (strcmp(key, kube_config_unsupported[i]) == 0)
			break;
	}
	if (i == KUBE_CONFIG_NKEYS(kube_config_unsupported))
		return 1;
	/* Tools write empty values for these; only a real one matters. */
	if (yamlev_next(&y->r) == -1)
		return -1;
	if (!yamlev_is_null(&y->r) &&
	    !(y->r.ev.type == YAML_SCALAR_EVENT && y->r.ev.data.scalar.length == 0) &&
	    e->unsupported.s == NULL) {
		e->unsupported.s = xstrdup(key);
		e->unsupported.line = (unsigned long)mark->line + 1;
		e->unsupported.col = (unsigned long)mark->column + 1;
	}
	return kube_config_yaml_skip(y);
}

/* The body of a clusters[], users[] or contexts[] item. */
static int
kube_config_yaml_body(struct kube_config_yaml *y, const char *path, const char *kind,
                      struct kube_config_entry *e)
{
	if (strcmp(kind, "cluster") == 0)
		return kube_config_yaml_fields(y, path, kube_config_cluster_keys,
		                               KUBE_CONFIG_NKEYS(kube_config_cluster_keys), e->v,
		                               NULL, NULL);
	if (strcmp(kind, "user") == 0)
		return kube_config_yaml_fields(y, path, kube_config_user_keys,
		                               KUBE_CONFIG_NKEYS(kube_config_user_keys), e->v,
		                               kube_config_yaml_user_other, e);
	return kube_config_yaml_fields(y, path, kube_config_context_keys,
	                               KUBE_CONFIG_NKEYS(kube_config_context_keys), e->v, NULL,
	                               NULL);
}

/* What an item of the list holds: its name, and its body under kind. */
struct kube_config_item {
	const char *kind; /* "cluster" in clusters[] */
	struct kube_config_entry *e;
};

static int
kube_config_yaml_item_key(struct kube_config_yaml *y, const char *path, const char *key,
                          const yaml_mark_t *mark, void *arg)
{
	struct kube_config_item *it = arg;
	struct kube_config_entry *e = it->e;
	int rc;

	if (strcmp(key, "name") == 0)
		return kube_config_yaml_scalar(y, mark, path, KUBE_CONFIG_STR, &e->name);
	if (strcmp(key, it->kind) != 0)
		return 1;
	if (e->body.line != 0)
		return yamlev_err(&y->r, mark, path, "is set twice");
	e->body.line = (unsigned long)mark->line + 1;
	e->body.col = (unsigned long)mark->column + 1;
	if ((rc = kube_config_yaml_open_mapping(y, mark, path)) != 1)
		return rc;
	return kube_config_yaml_body(y, path, it->kind, e);
}

/* clusters, users or contexts: a list of {name, <kind>} mappings. */
static int
kube_config_yaml_list(struct kube_config_yaml *y, const yaml_mark_t *mark, const char *list,
                      const char *kind, struct kube_config_list *out)
{
	struct kube_config_item it;
	struct kube_config_entry *e;
	char *path;
	int rc;

	if (out->e != NULL)
		return yamlev_err(&y->r, mark, list, "is set twice");
	out->e = xcalloc(1, sizeof *out->e);
	if ((rc = kube_config_yaml_open_list(y, mark, list)) != 1)
		return rc;
	for (;;) {
		if (yamlev_next(&y->r) == -1)
			return -1;
		if (y->r.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		out->e = xreallocarray(out->e, out->n + 1, sizeof *out->e);
		e = &out->e[out->n++];
		memset(e, 0, sizeof *e);
		e->line = (unsigned long)y->r.ev.start_mark.line + 1;
		e->col = (unsigned long)y->r.ev.start_mark.column + 1;
		path = xasprintf("%s[%zu]", list, out->n - 1);
		if (y->r.ev.type != YAML_MAPPING_START_EVENT)
			rc = yamlev_err(&y->r, &y->r.ev.start_mark, path,
			                "expected a mapping with name and %s, found %s", kind,
			                yamlev_found(&y->r));
		else {
			it.kind = kind;
			it.e = e;
			rc = kube_config_yaml_fields(y, path, NULL, 0, NULL,
			                             kube_config_yaml_item_key, &it);
		}
		free(path);
		if (rc == -1)
			return -1;
	}
}

static int
kube_config_yaml_top_other(struct kube_config_yaml *y, const char *path, const char *key,
                           const yaml_mark_t *mark, void *arg)
{
	struct kube_config_doc *doc = arg;

	if (strcmp(key, "clusters") == 0)
		return kube_config_yaml_list(y, mark, key, "cluster", &doc->clusters);
	if (strcmp(key, "users") == 0)
		return kube_config_yaml_list(y, mark, key, "user", &doc->users);
	if (strcmp(key, "contexts") == 0)
		return kube_config_yaml_list(y, mark, key, "context", &doc->contexts);
	if (strcmp(key, "current-context") == 0)
		return kube_config_yaml_scalar(y, mark, key, KUBE_CONFIG_STR,
		                               &doc->current_context);
	return 1;
}

/* The stream: nothing, or a first document that is a mapping or null. */
static int
kube_config_yaml_stream(struct kube_config_yaml *y, struct kube_config_doc *doc)
{
	if (yamlev_next(&y->r) == -1 || yamlev_next(&y->r) == -1)
		return -1; /* STREAM-START, then a document or the end */
	if (y->r.ev.type == YAML_STREAM_END_EVENT)
		return 0;
	if (yamlev_next(&y->r) == -1)
		return -1;
	if (yamlev_is_null(&y->r))
		return 0;
	if (y->r.ev.type != YAML_MAPPING_START_EVENT)
		return yamlev_err(&y->r, &y->r.ev.start_mark, NULL,
		                  "a kubeconfig is a mapping (kind: Config), found %s",
		                  yamlev_found(&y->r));
	return kube_config_yaml_fields(y, "", NULL, 0, NULL, kube_config_yaml_top_other, doc);
}

static void
kube_config_yaml_free_list(struct kube_config_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		struct kube_config_entry *e = &l->e[i];

		free(e->name.s);
		free(e->unsupported.s);
		for (j = 0; j < KUBE_CONFIG_NVALS; j++)
			free(e->v[j].s);
		if (e->exec != NULL) {
			for (j = 0; j < KUBE_CONFIG_NVALS; j++)
				free(e->exec->v[j].s);
			for (j = 0; j < e->exec->nargs; j++)
				free(e->exec->args[j]);
			for (j = 0; j < e->exec->nenv; j++)
				free(e->exec->env[j]);
			free(e->exec->args);
			free(e->exec->env);
			free(e->exec);
		}
	}
	free(l->e);
}

void
kube_config_yaml_free(struct kube_config_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->current_context.s);
	kube_config_yaml_free_list(&doc->clusters);
	kube_config_yaml_free_list(&doc->users);
	kube_config_yaml_free_list(&doc->contexts);
	free(doc);
}

int
kube_config_yaml_parse(const char *name, const char *data, size_t len, struct kube_config_doc **out,
                       char **cause)
{
	struct kube_config_yaml y;
	struct kube_config_doc *doc = xcalloc(1, sizeof *doc);
	int rc;

	yamlev_open(&y.r, name, data, len);
	rc = kube_config_yaml_stream(&y, doc);
	if (rc == -1) {
		kube_config_yaml_free(doc);
		*out = NULL;
		*cause = y.r.cause;
		y.r.cause = NULL;
		yamlev_close(&y.r);
		return -1;
	}
	yamlev_close(&y.r);
	*out = doc;
	return 0;
}
