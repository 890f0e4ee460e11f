/*
 * Which cluster to talk to, and as whom: the choice between --kubeconfig,
 * KUBECONFIG, in-cluster and ~/.kube/config, and the turning of one context
 * of a kubeconfig (read by kube/config_yaml.c) into struct kube_config.
 *
 * Only the context in use, its cluster and its user are checked and their
 * files read, as client-go validates only what it uses. Relative paths
 * (certificate-authority, client-certificate, client-key, tokenFile, and an
 * exec command holding a '/') are taken from the kubeconfig's directory.
 * Certificates and keys are parsed here, so that a bad one is reported with
 * the field that named it rather than as a TLS failure later.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/url.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "kube/config.h"
#include "kube/config_yaml.h"

/* One kubeconfig being turned into a struct kube_config. */
struct kube_config_res {
	const char *name; /* the file, for messages */
	char *dir;        /* the base of relative paths; NULL: the current one */
	struct kube_config_doc *doc;
	struct kube_config *out;
	char *cause;
};

int
kube_config_read_file(const char *path, size_t max, char **out, size_t *len, char **cause)
{
	char *data = xmalloc(max + 1);
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, rc = -1;

	/* Non-blocking: a FIFO named by mistake must not stall the loop. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s is not a regular file", path);
		goto out;
	}
	while (n <= max && (r = read(fd, data + n, max + 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	if (n > max) {
		*cause = xasprintf("%s is larger than %zu bytes", path, max);
		goto out;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	data = NULL;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(data);
	return rc;
}

/* Whether s[0..len) holds a control character (a tab included). */
static int
kube_config_has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	}
	return 0;
}

int
kube_config_read_token(const char *path, char **token, char **cause)
{
	char *data, *why = NULL;
	size_t len, start = 0;
	int rc = -1;

	if (kube_config_read_file(path, KUBE_CONFIG_TOKEN_MAX, &data, &len, &why) == -1) {
		*cause = xasprintf("token file: %s", why);
		free(why);
		return -1;
	}
	while (start < len && strchr(" \t\r\n", data[start]) != NULL)
		start++;
	while (len > start && strchr(" \t\r\n", data[len - 1]) != NULL)
		len--;
	if (len == start)
		*cause = xasprintf("token file %s is empty", path);
	else if (kube_config_has_control(data + start, len - start))
		*cause = xasprintf("token file %s holds a control character", path);
	else {
		*token = xstrndup(data + start, len - start);
		rc = 0;
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

/* Sets r->cause to "name[:line:col]: [path: ]message". */
static int __attribute__((format(printf, 4, 5)))
kube_config_fail(struct kube_config_res *r, const struct kube_config_val *at, const char *path,
                 const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_adds(&b, r->name);
	if (at != NULL && at->line != 0)
		buf_printf(&b, ":%lu:%lu", at->line, at->col);
	buf_adds(&b, ": ");
	if (path != NULL)
		buf_printf(&b, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(r->cause);
	r->cause = buf_steal(&b);
	return -1;
}

/* Where to point at an entry's missing field: its body, else the item. */
static struct kube_config_val
kube_config_where(const struct kube_config_entry *e)
{
	struct kube_config_val at = e->body;

	if (at.line == 0) {
		at.line = e->line;
		at.col = e->col;
	}
	return at;
}

static int
kube_config_find(const struct kube_config_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->e[i].name.s != NULL && strcmp(l->e[i].name.s, name) == 0)
			return (int)i;
	}
	return -1;
}

/* path made absolute against the kubeconfig's directory. */
static char *
kube_config_path(const struct kube_config_res *r, const char *path)
{
	if (path[0] == '/' || r->dir == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", r->dir, path);
}

static int
kube_config_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1; /* an encrypted key cannot be unlocked without a terminal */
}

/* The number of PEM certificates in pem, 0 when none parses. */
static int
kube_config_count_certs(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x;
	int n = 0;

	if (bio == NULL)
		fatalx("OpenSSL: out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, kube_config_no_passphrase, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	ERR_clear_error();
	return n;
}

/*
 * The PEM text of a data field or of the file a path field names (the
 * other value): 0 with *out (NULL when neither is set), or -1. Both set is
 * an error, as in client-go.
 */
static int
kube_config_pem(struct kube_config_res *r, const char *entry, const struct kube_config_val *file,
                const struct kube_config_val *data, const char *key, char **out)
{
	char *path, *sub, *text, *why = NULL;
	size_t len;
	int rc = -1;

	*out = NULL;
	if (file->s != NULL && data->s != NULL)
		return kube_config_fail(r, data, entry, "%s and %s-data are both set", key, key);
	sub = xasprintf("%s.%s%s", entry, key, data->s != NULL ? "-data" : "");
	if (data->s != NULL) {
		if (strlen(data->s) != data->len)
			kube_config_fail(r, data, sub, "is not PEM text");
		else {
			*out = xstrndup(data->s, data->len);
			rc = 0;
		}
		free(sub);
		return rc;
	}
	if (file->s == NULL) {
		free(sub);
		return 0;
	}
	path = kube_config_path(r, file->s);
	if (kube_config_read_file(path, KUBE_CONFIG_FILE_MAX, &text, &len, &why) == -1)
		kube_config_fail(r, file, sub, "%s", why);
	else if (strlen(text) != len) {
		kube_config_fail(r, file, sub, "%s is not PEM text", path);
		free(text);
	} else {
		*out = text;
		rc = 0;
	}
	free(why);
	free(path);
	free(sub);
	return rc;
}

/* Where a PEM field was set, and its key: the -data one if that is set. */
static const struct kube_config_val *
kube_config_pem_at(const struct kube_config_entry *e, int file, int data, const char *key,
                   const char *entry, char **sub)
{
	int d = e->v[data].s != NULL;

	*sub = xasprintf("%s.%s%s", entry, key, d ? "-data" : "");
	return d ? &e->v[data] : &e->v[file];
}

/*
 * host[:port][/prefix] with no trailing slash, its scheme in lower case;
 * https:// when it has none.
 */
static char *
kube_config_server(const char *s)
{
	size_t len = strlen(s);
	char *out, *p;

	while (len > 0 && s[len - 1] == '/')
		len--;
	if (strstr(s, "://") == NULL)
		return xasprintf("https://%.*s", (int)len, s);
	out = xstrndup(s, len);
	for (p = out; *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* Whether curl reads server as an http(s) URL with a host and nothing after the path. */
static int
kube_config_server_ok(const char *server)
{
	struct url u;
	char *why = NULL;
	int ok;

	if (url_parse(server, &u, &why) != 0) {
		free(why);
		return 0;
	}
	ok = (strcmp(u.scheme, "https") == 0 || strcmp(u.scheme, "http") == 0) && !u.has_user &&
	     !u.has_query && !u.has_fragment;
	url_clear(&u);
	return ok;
}

static int
kube_config_cluster(struct kube_config_res *r, size_t i)
{
	const struct kube_config_entry *e = &r->doc->clusters.e[i];
	struct kube_config_val at = kube_config_where(e);
	const struct kube_config_val *v = e->v, *ca;
	char *path = xasprintf("clusters[%zu].cluster", i), *sub;
	int rc = -1;

	if (v[KUBE_CONFIG_CL_SERVER].s == NULL || *v[KUBE_CONFIG_CL_SERVER].s == '\0') {
		kube_config_fail(r, &at, path, "server is missing");
		goto out;
	}
	r->out->server = kube_config_server(v[KUBE_CONFIG_CL_SERVER].s);
	if (!kube_config_server_ok(r->out->server)) {
		sub = xasprintf("%s.server", path);
		kube_config_fail(r, &v[KUBE_CONFIG_CL_SERVER], sub,
		                 "\"%.100s\" is not an http or https URL",
		                 v[KUBE_CONFIG_CL_SERVER].s);
		free(sub);
		goto out;
	}
	if (kube_config_pem(r, path, &v[KUBE_CONFIG_CL_CA], &v[KUBE_CONFIG_CL_CA_DATA],
	                    "certificate-authority", &r->out->ca_pem) == -1)
		goto out;
	if (r->out->ca_pem != NULL &&
	    kube_config_count_certs(r->out->ca_pem, strlen(r->out->ca_pem)) == 0) {
		ca = kube_config_pem_at(e, KUBE_CONFIG_CL_CA, KUBE_CONFIG_CL_CA_DATA,
		                        "certificate-authority", path, &sub);
		kube_config_fail(r, ca, sub, "holds no PEM certificate");
		free(sub);
		goto out;
	}
	r->out->insecure = v[KUBE_CONFIG_CL_INSECURE].s != NULL &&
	                   strcmp(v[KUBE_CONFIG_CL_INSECURE].s, "true") == 0;
	if (v[KUBE_CONFIG_CL_TLS_SERVER_NAME].s != NULL && *v[KUBE_CONFIG_CL_TLS_SERVER_NAME].s)
		r->out->tls_server_name = xstrdup(v[KUBE_CONFIG_CL_TLS_SERVER_NAME].s);
	if (v[KUBE_CONFIG_CL_PROXY_URL].s != NULL && *v[KUBE_CONFIG_CL_PROXY_URL].s)
		r->out->proxy_url = xstrdup(v[KUBE_CONFIG_CL_PROXY_URL].s);
	rc = 0;
out:
	free(path);
	return rc;
}

/* Checks that the client certificate parses and matches the key. */
static int
kube_config_keypair(struct kube_config_res *r, const struct kube_config_entry *e, const char *path)
{
	char *cs, *ks;
	const struct kube_config_val *cat = kube_config_pem_at(
	    e, KUBE_CONFIG_US_CERT, KUBE_CONFIG_US_CERT_DATA, "client-certificate", path, &cs);
	const struct kube_config_val *kat = kube_config_pem_at(
	    e, KUBE_CONFIG_US_KEY, KUBE_CONFIG_US_KEY_DATA, "client-key", path, &ks);
	const char *cert = r->out->client_cert_pem, *key = r->out->client_key_pem;
	BIO *cb = BIO_new_mem_buf(cert, (int)strlen(cert));
	BIO *kb = BIO_new_mem_buf(key, (int)strlen(key));
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int rc = -1;

	if (cb == NULL || kb == NULL)
		fatalx("OpenSSL: out of memory");
	if ((x = PEM_read_bio_X509(cb, NULL, kube_config_no_passphrase, NULL)) == NULL)
		kube_config_fail(r, cat, cs, "holds no PEM certificate");
	else if ((k = PEM_read_bio_PrivateKey(kb, NULL, kube_config_no_passphrase, NULL)) == NULL)
		kube_config_fail(r, kat, ks,
		                 "holds no PEM private key (or an encrypted one, which is not "
		                 "supported)");
	else if (X509_check_private_key(x, k) != 1)
		kube_config_fail(r, kat, ks, "does not match %s", strrchr(cs, '.') + 1);
	else
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	ERR_clear_error();
	free(cs);
	free(ks);
	return rc;
}

/* Checks users[i].user.exec as client-go does before it runs anything. */
static int
kube_config_exec_check(struct kube_config_res *r, const struct kube_config_exec_doc *x,
                       const char *path)
{
	const struct kube_config_val *v = x->v;
	const char *ver = v[KUBE_CONFIG_EX_API_VERSION].s;
	const char *mode = v[KUBE_CONFIG_EX_INTERACTIVE_MODE].s;
	const char *cmd = v[KUBE_CONFIG_EX_COMMAND].s;
	int v1 = ver != NULL && strcmp(ver, "client.authentication.k8s.io/v1") == 0;
	char *sub = NULL;
	int rc = -1;

	if (cmd == NULL || *cmd == '\0')
		kube_config_fail(r, &x->key, path, "command is missing");
	else if (ver == NULL || *ver == '\0')
		kube_config_fail(r, &x->key, path, "apiVersion is missing");
	else if (!v1 && strcmp(ver, "client.authentication.k8s.io/v1beta1") != 0)
		kube_config_fail(r, &v[KUBE_CONFIG_EX_API_VERSION],
		                 sub = xasprintf("%s.apiVersion", path),
		                 "\"%s\" is not client.authentication.k8s.io/v1 or v1beta1", ver);
	else if ((mode == NULL || *mode == '\0') && v1)
		kube_config_fail(r, &x->key, path,
		                 "interactiveMode is missing (Never or IfAvailable; "
		                 "client.authentication.k8s.io/v1 requires it)");
	else if (mode != NULL && strcmp(mode, "Always") == 0)
		kube_config_fail(r, &v[KUBE_CONFIG_EX_INTERACTIVE_MODE],
		                 sub = xasprintf("%s.interactiveMode", path),
		                 "Always needs a terminal, and exec plugins run here without one");
	else if (mode != NULL && *mode != '\0' && strcmp(mode, "Never") != 0 &&
	         strcmp(mode, "IfAvailable") != 0)
		kube_config_fail(r, &v[KUBE_CONFIG_EX_INTERACTIVE_MODE],
		                 sub = xasprintf("%s.interactiveMode", path),
		                 "\"%s\" is not Never, IfAvailable or Always", mode);
	else
		rc = 0;
	free(sub);
	return rc;
}

static char **
kube_config_strv_dup(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof *out);
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* users[i].user.exec into r->out->exec. */
static int
kube_config_exec(struct kube_config_res *r, const struct kube_config_exec_doc *x, size_t i)
{
	const struct kube_config_val *v = x->v;
	const char *cmd = v[KUBE_CONFIG_EX_COMMAND].s;
	const char *hint = v[KUBE_CONFIG_EX_INSTALL_HINT].s;
	const char *pci = v[KUBE_CONFIG_EX_PROVIDE_CLUSTER_INFO].s;
	char *path = xasprintf("users[%zu].user.exec", i);
	struct kube_exec *ex;
	int rc;

	rc = kube_config_exec_check(r, x, path);
	free(path);
	if (rc == -1)
		return -1;
	ex = r->out->exec = xcalloc(1, sizeof *ex);
	/* A command with a '/' is a path; one without is looked up in PATH. */
	ex->command = strchr(cmd, '/') != NULL ? kube_config_path(r, cmd) : xstrdup(cmd);
	ex->api_version = xstrdup(v[KUBE_CONFIG_EX_API_VERSION].s);
	if (hint != NULL && *hint != '\0')
		ex->install_hint = xstrdup(hint);
	ex->provide_cluster_info = pci != NULL && strcmp(pci, "true") == 0;
	ex->args = kube_config_strv_dup(x->args, x->nargs);
	ex->env = kube_config_strv_dup(x->env, x->nenv);
	return 0;
}

/* The credential fields of users[i]. */
static int
kube_config_user_creds(struct kube_config_res *r, const struct kube_config_entry *e,
                       const char *path)
{
	const struct kube_config_val *v = e->v;
	const struct kube_config_val *tok = &v[KUBE_CONFIG_US_TOKEN];

	if (kube_config_pem(r, path, &v[KUBE_CONFIG_US_CERT], &v[KUBE_CONFIG_US_CERT_DATA],
	                    "client-certificate", &r->out->client_cert_pem) == -1 ||
	    kube_config_pem(r, path, &v[KUBE_CONFIG_US_KEY], &v[KUBE_CONFIG_US_KEY_DATA],
	                    "client-key", &r->out->client_key_pem) == -1)
		return -1;
	if ((r->out->client_cert_pem == NULL) != (r->out->client_key_pem == NULL)) {
		struct kube_config_val at = kube_config_where(e);
		return kube_config_fail(
		    r, &at, path, "%s is set without %s",
		    r->out->client_cert_pem != NULL ? "client-certificate" : "client-key",
		    r->out->client_cert_pem != NULL ? "client-key" : "client-certificate");
	}
	if (r->out->client_cert_pem != NULL && kube_config_keypair(r, e, path) == -1)
		return -1;
	if (tok->s != NULL && kube_config_has_control(tok->s, tok->len)) {
		char *sub = xasprintf("%s.token", path);
		kube_config_fail(r, tok, sub, "holds a control character");
		free(sub);
		return -1;
	}
	if (tok->s != NULL && *tok->s != '\0')
		r->out->token = xstrdup(tok->s);
	if (v[KUBE_CONFIG_US_TOKEN_FILE].s != NULL && *v[KUBE_CONFIG_US_TOKEN_FILE].s != '\0')
		r->out->token_file = kube_config_path(r, v[KUBE_CONFIG_US_TOKEN_FILE].s);
	return 0;
}

static int
kube_config_user(struct kube_config_res *r, size_t i)
{
	const struct kube_config_entry *e = &r->doc->users.e[i];
	char *path = xasprintf("users[%zu].user", i);
	int rc = -1;

	if (e->unsupported.s != NULL) {
		char *sub = xasprintf("%s.%s", path, e->unsupported.s);
		kube_config_fail(r, &e->unsupported, sub,
		                 "not supported (use a token, a client certificate or an exec "
		                 "plugin)");
		free(sub);
	} else if (kube_config_user_creds(r, e, path) == 0)
		rc = e->exec != NULL ? kube_config_exec(r, e->exec, i) : 0;
	free(path);
	return rc;
}

/* The context to use: the one asked for, else current-context. */
static int
kube_config_context(struct kube_config_res *r, const char *want, size_t *idx)
{
	const struct kube_config_val *cur = &r->doc->current_context;
	int i;

	if (want == NULL && (cur->s == NULL || *cur->s == '\0'))
		return kube_config_fail(r, NULL, NULL,
		                        "current-context is not set and no context was given");
	if ((i = kube_config_find(&r->doc->contexts, want != NULL ? want : cur->s)) == -1) {
		if (want != NULL)
			return kube_config_fail(r, NULL, NULL, "context \"%s\" is not in contexts",
			                        want);
		return kube_config_fail(r, cur, "current-context",
		                        "context \"%s\" is not in contexts", cur->s);
	}
	*idx = (size_t)i;
	return 0;
}

/* Finds what contexts[ci] names under key in list: 0, 1 when unset, -1. */
static int
kube_config_ref(struct kube_config_res *r, size_t ci, int key, const char *what,
                const struct kube_config_list *list, size_t *idx)
{
	const struct kube_config_entry *cx = &r->doc->contexts.e[ci];
	const struct kube_config_val *v = &cx->v[key];
	char *path;
	int i, rc = -1;

	if (v->s == NULL || *v->s == '\0')
		return 1;
	path = xasprintf("contexts[%zu].context.%s", ci, what);
	if ((i = kube_config_find(list, v->s)) == -1)
		kube_config_fail(r, v, path, "%s \"%s\" is not in %ss", what, v->s, what);
	else {
		*idx = (size_t)i;
		rc = 0;
	}
	free(path);
	return rc;
}

static int
kube_config_resolve(struct kube_config_res *r, const char *want)
{
	const struct kube_config_entry *cx;
	const char *ns;
	size_t ci = 0, cl = 0, us = 0;
	int rc;

	if (kube_config_context(r, want, &ci) == -1)
		return -1;
	cx = &r->doc->contexts.e[ci];
	if ((rc = kube_config_ref(r, ci, KUBE_CONFIG_CX_CLUSTER, "cluster", &r->doc->clusters,
	                          &cl)) != 0) {
		struct kube_config_val at = kube_config_where(cx);
		char *path = xasprintf("contexts[%zu].context", ci);

		if (rc == 1)
			kube_config_fail(r, &at, path, "cluster is missing");
		free(path);
		return -1;
	}
	if (kube_config_cluster(r, cl) == -1)
		return -1;
	rc = kube_config_ref(r, ci, KUBE_CONFIG_CX_USER, "user", &r->doc->users, &us);
	if (rc == -1 || (rc == 0 && kube_config_user(r, us) == -1))
		return -1;
	ns = cx->v[KUBE_CONFIG_CX_NAMESPACE].s;
	r->out->namespace = xstrdup(ns != NULL && *ns != '\0' ? ns : "default");
	r->out->context = xstrdup(cx->name.s);
	r->out->origin = xstrdup(r->name);
	return 0;
}

int
kube_config_load_buffer(const char *name, const char *data, size_t len, const char *context,
                        struct kube_config *out, char **cause)
{
	struct kube_config_res r;
	const char *slash = strrchr(name, '/');
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	r.name = name;
	r.out = out;
	if (slash != NULL)
		r.dir = slash == name ? xstrdup("") : xstrndup(name, (size_t)(slash - name));
	if (kube_config_yaml_parse(name, data, len, &r.doc, &r.cause) == 0)
		rc = kube_config_resolve(&r, context);
	if (rc == -1) {
		kube_config_clear(out);
		*cause = r.cause;
	}
	kube_config_yaml_free(r.doc);
	free(r.dir);
	return rc;
}

static int
kube_config_load_file(const char *path, const char *context, struct kube_config *out, char **cause)
{
	char *data;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (kube_config_read_file(path, KUBE_CONFIG_FILE_MAX, &data, &len, cause) == -1)
		return -1;
	rc = kube_config_load_buffer(path, data, len, context, out, cause);
	free(data);
	return rc;
}

/* The first file named in KUBECONFIG that exists, or NULL. */
static char *
kube_config_from_env(const char *list)
{
	const char *p = list, *end;
	struct stat st;
	char *path;

	while (*p != '\0') {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p) {
			path = xstrndup(p, (size_t)(end - p));
			if (stat(path, &st) == 0)
				return path;
			free(path);
		}
		p = *end == ':' ? end + 1 : end;
	}
	return NULL;
}

static char *
kube_config_home_file(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.kube/config", home);
}

int
kube_config_load(const char *path, const char *context, struct kube_config *out, char **cause)
{
	const char *env = getenv("KUBECONFIG"), *host;
	char *file;
	struct stat st;
	int rc;

	memset(out, 0, sizeof *out);
	if (path != NULL)
		return kube_config_load_file(path, context, out, cause);
	if (env != NULL && *env != '\0') {
		if ((file = kube_config_from_env(env)) == NULL) {
			*cause = xasprintf("none of the files in KUBECONFIG (%s) exists", env);
			return -1;
		}
		rc = kube_config_load_file(file, context, out, cause);
		free(file);
		return rc;
	}
	host = getenv("KUBERNETES_SERVICE_HOST");
	if (host != NULL && *host != '\0')
		return kube_config_in_cluster(out, cause);
	file = kube_config_home_file();
	if (stat(file, &st) == -1) {
		*cause = xasprintf("no Kubernetes configuration: not in a cluster "
		                   "(KUBERNETES_SERVICE_HOST is not set), KUBECONFIG is not set "
		                   "and %s: %s",
		                   file, strerror(errno));
		free(file);
		return -1;
	}
	rc = kube_config_load_file(file, context, out, cause);
	free(file);
	return rc;
}

static void
kube_config_free_strv(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
kube_config_clear(struct kube_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->server);
	free(cfg->ca_pem);
	free(cfg->client_cert_pem);
	if (cfg->client_key_pem != NULL)
		OPENSSL_cleanse(cfg->client_key_pem, strlen(cfg->client_key_pem));
	free(cfg->client_key_pem);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	if (cfg->token != NULL)
		OPENSSL_cleanse(cfg->token, strlen(cfg->token));
	free(cfg->token);
	free(cfg->token_file);
	if (cfg->exec != NULL) {
		free(cfg->exec->command);
		kube_config_free_strv(cfg->exec->args);
		kube_config_free_strv(cfg->exec->env);
		free(cfg->exec->api_version);
		free(cfg->exec->install_hint);
		free(cfg->exec);
	}
	free(cfg->namespace);
	free(cfg->origin);
	free(cfg->context);
	memset(cfg, 0, sizeof *cfg);
}
