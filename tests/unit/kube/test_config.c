/*
 * Tests for kube/config.c and kube/config_yaml.c: which configuration is
 * chosen, what a kubeconfig context turns into, the in-cluster set-up, and
 * the exact error a user sees for each kind of mistake, with file:line:col
 * and the field's path.
 *
 * Certificates are made here with OpenSSL, so that no key lives in the tree.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/xmalloc.h"
#include "kube/config.h"
#include "testutil.h"

#define HOMECFG "/home/u/.kube/config"

static char tmp_dir[64];
static char *cert_pem, *key_pem, *cert2_pem, *key2_pem;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
cleanup(void)
{
	if (tmp_dir[0] != '\0')
		nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
tmpdir(void)
{
	if (tmp_dir[0] == '\0') {
		snprintf(tmp_dir, sizeof tmp_dir, "/tmp/pca-kcfg-XXXXXX");
		if (mkdtemp(tmp_dir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(cleanup);
	}
	return tmp_dir;
}

/* Writes text to name (which may hold one subdirectory) under the scratch dir. */
static char *
write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir(), name), *slash;
	FILE *fp;

	for (slash = path + strlen(tmpdir()) + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static char *
bio_string(BIO *bio)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	char *out = xstrndup(p, (size_t)n);

	BIO_free(bio);
	return out;
}

/* A self-signed P-256 certificate and its key, as PEM. */
static void
make_keypair(char **cert, char **key)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());

	if (k == NULL || x == NULL || cb == NULL || kb == NULL)
		exit(2);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"kube-test", -1,
	                           -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, k, EVP_sha256()) || !PEM_write_bio_X509(cb, x) ||
	    !PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL))
		exit(2);
	*cert = bio_string(cb);
	*key = bio_string(kb);
	X509_free(x);
	EVP_PKEY_free(k);
}

static char *
b64(const char *s)
{
	size_t len = strlen(s);
	unsigned char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);
	return (char *)out;
}

/* Loads yaml as the file name; returns the error sentence or NULL. */
static char *
load_as(const char *name, const char *yaml, const char *context, struct kube_config *cfg)
{
	char *cause = NULL;

	if (kube_config_load_buffer(name, yaml, strlen(yaml), context, cfg, &cause) == 0)
		return NULL;
	CHECK(cfg->server == NULL && cfg->origin == NULL);
	return cause != NULL ? cause : xstrdup("(no cause)");
}

/* The error loading yaml as HOMECFG gives; "" if it loads. */
static char *
load_err(const char *yaml)
{
	struct kube_config cfg;
	char *cause = load_as(HOMECFG, yaml, NULL, &cfg);

	kube_config_clear(&cfg);
	return cause != NULL ? cause : xstrdup("");
}

#define CHECK_LOAD_ERR(yaml, want)                                                                 \
	do {                                                                                       \
		char *got_ = load_err(yaml);                                                       \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static const char basic_fmt[] = "apiVersion: v1\n"
                                "kind: Config\n"
                                "current-context: dev\n"
                                "preferences: {colors: true}\n"
                                "clusters:\n"
                                "- name: prod-cluster\n"
                                "  cluster:\n"
                                "    server: https://prod.example.com:6443/\n"
                                "    certificate-authority-data: %s\n"
                                "    extensions:\n"
                                "    - name: client.authentication.k8s.io/exec\n"
                                "      extension: {audience: [a, b], nested: {x: [1, {y: 2}]}}\n"
                                "    disable-compression: true\n"
                                "- name: dev-cluster\n"
                                "  cluster:\n"
                                "    server: 10.0.0.1:6443\n"
                                "    insecure-skip-tls-verify: true\n"
                                "    tls-server-name: kubernetes.default\n"
                                "    proxy-url: socks5://127.0.0.1:1080\n"
                                "contexts:\n"
                                "- name: dev\n"
                                "  context:\n"
                                "    cluster: dev-cluster\n"
                                "    user: dev-user\n"
                                "    namespace: team-a\n"
                                "- name: prod\n"
                                "  context: {cluster: prod-cluster, user: prod-user}\n"
                                "users:\n"
                                "- name: dev-user\n"
                                "  user:\n"
                                "    token: dev-token\n"
                                "    username: \"\"\n"
                                "- name: prod-user\n"
                                "  user:\n"
                                "    client-certificate-data: %s\n"
                                "    client-key-data: %s\n";

static char *
basic_yaml(void)
{
	char *ca = b64(cert_pem), *c = b64(cert2_pem), *k = b64(key2_pem);
	char *yaml = xasprintf(basic_fmt, ca, c, k);

	free(ca);
	free(c);
	free(k);
	return yaml;
}

static void
test_current_context(void)
{
	struct kube_config cfg;
	char *yaml = basic_yaml(), *cause;

	cause = load_as(HOMECFG, yaml, NULL, &cfg);
	CHECK(cause == NULL);
	CHECK_STR(cfg.server, "https://10.0.0.1:6443");
	CHECK_INT(cfg.insecure, 1);
	CHECK_STR(cfg.tls_server_name, "kubernetes.default");
	CHECK_STR(cfg.proxy_url, "socks5://127.0.0.1:1080");
	CHECK(cfg.ca_pem == NULL);
	CHECK_STR(cfg.token, "dev-token");
	CHECK(cfg.token_file == NULL && cfg.exec == NULL && cfg.client_cert_pem == NULL);
	CHECK_STR(cfg.namespace, "team-a");
	CHECK_STR(cfg.origin, HOMECFG);
	CHECK_STR(cfg.context, "dev");
	kube_config_clear(&cfg);
	CHECK(cfg.server == NULL);
	free(cause);
	free(yaml);
}

static void
test_named_context_with_data(void)
{
	struct kube_config cfg;
	char *yaml = basic_yaml(), *cause;

	cause = load_as(HOMECFG, yaml, "prod", &cfg);
	CHECK(cause == NULL);
	CHECK_STR(cfg.server, "https://prod.example.com:6443");
	CHECK_INT(cfg.insecure, 0);
	CHECK_STR(cfg.ca_pem, cert_pem);
	CHECK_STR(cfg.client_cert_pem, cert2_pem);
	CHECK_STR(cfg.client_key_pem, key2_pem);
	CHECK(cfg.token == NULL && cfg.tls_server_name == NULL && cfg.proxy_url == NULL);
	CHECK_STR(cfg.namespace, "default");
	CHECK_STR(cfg.context, "prod");
	kube_config_clear(&cfg);
	free(cause);
	free(yaml);
}

static void
test_server_forms(void)
{
	static const char *const cases[][2] = {
	    {"HTTPS://Kube.Example:6443/", "https://Kube.Example:6443"},
	    {"http://127.0.0.1:8080/k8s/clusters/c-1//", "http://127.0.0.1:8080/k8s/clusters/c-1"},
	    {"kube.example", "https://kube.example"},
	};
	struct kube_config cfg;
	char *yaml, *cause;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		yaml = xasprintf("current-context: a\n"
		                 "contexts: [{name: a, context: {cluster: c}}]\n"
		                 "clusters: [{name: c, cluster: {server: \"%s\"}}]\n",
		                 cases[i][0]);
		cause = load_as(HOMECFG, yaml, NULL, &cfg);
		CHECK(cause == NULL);
		CHECK_STR(cfg.server, cases[i][1]);
		kube_config_clear(&cfg);
		free(cause);
		free(yaml);
	}
}

/* Paths are taken from the kubeconfig's directory, as client-go takes them. */
static void
test_relative_paths(void)
{
	struct kube_config cfg;
	char *ca = write_file("certs/ca.crt", cert_pem);
	char *crt = write_file("certs/client.crt", cert2_pem);
	char *key = write_file("certs/client.key", key2_pem);
	char *name = xasprintf("%s/kubeconfig", tmpdir());
	char *want = xasprintf("%s/./bin/get-token", tmpdir());
	char *tf = xasprintf("%s/token", tmpdir());
	char *cause;
	const char *yaml =
	    "clusters:\n"
	    "- name: c\n"
	    "  cluster:\n"
	    "    server: https://k:6443\n"
	    "    certificate-authority: certs/ca.crt\n"
	    "users:\n"
	    "- name: u\n"
	    "  user:\n"
	    "    client-certificate: certs/client.crt\n"
	    "    client-key: certs/client.key\n"
	    "    tokenFile: token\n"
	    "    exec:\n"
	    "      command: ./bin/get-token\n"
	    "      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "- name: u2\n"
	    "  user:\n"
	    "    client-certificate: /nonexistent/elsewhere.crt\n"
	    "    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}\n"
	    "contexts:\n"
	    "- {name: a, context: {cluster: c, user: u}}\n"
	    "- {name: b, context: {cluster: c, user: u2}}\n"
	    "current-context: a\n";

	cause = load_as(name, yaml, NULL, &cfg);
	CHECK(cause == NULL);
	CHECK_STR(cfg.ca_pem, cert_pem);
	CHECK_STR(cfg.client_cert_pem, cert2_pem);
	CHECK_STR(cfg.client_key_pem, key2_pem);
	CHECK_STR(cfg.token_file, tf);
	CHECK(cfg.exec != NULL);
	if (cfg.exec != NULL)
		CHECK_STR(cfg.exec->command, want);
	kube_config_clear(&cfg);
	free(cause);

	/* An absolute path is kept. */
	cause = load_as(name, yaml, "b", &cfg);
	free(want);
	want = xasprintf("%s:17:5: users[1].user.client-certificate: cannot open "
	                 "/nonexistent/elsewhere.crt: No such file or directory",
	                 name);
	CHECK_STR(cause, want);
	free(cause);

	/* A bare command is left to PATH. */
	cause =
	    load_as(name,
	            "clusters: [{name: c, cluster: {server: https://k}}]\n"
	            "users:\n"
	            "- name: u\n"
	            "  user:\n"
	            "    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}\n"
	            "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	            "current-context: a\n",
	            NULL, &cfg);
	CHECK(cause == NULL && cfg.exec != NULL);
	if (cfg.exec != NULL)
		CHECK_STR(cfg.exec->command, "aws");
	kube_config_clear(&cfg);
	free(cause);
	free(ca);
	free(crt);
	free(key);
	free(name);
	free(want);
	free(tf);
}

static void
test_exec(void)
{
	struct kube_config cfg;
	char *cause;
	const char *yaml =
	    "current-context: eks\n"
	    "contexts: [{name: eks, context: {cluster: c, user: u, namespace: ns}}]\n"
	    "clusters: [{name: c, cluster: {server: https://abc.eks.amazonaws.com}}]\n"
	    "users:\n"
	    "- name: u\n"
	    "  user:\n"
	    "    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: aws\n"
	    "      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, ~]\n"
	    "      env:\n"
	    "      - name: AWS_PROFILE\n"
	    "        value: prod\n"
	    "      - {name: EMPTY}\n"
	    "      installHint: install the AWS CLI\n"
	    "      provideClusterInfo: true\n"
	    "      interactiveMode: Never\n"
	    "      somethingNew: [1, 2]\n";

	cause = load_as("/k", yaml, NULL, &cfg);
	CHECK(cause == NULL && cfg.exec != NULL);
	if (cfg.exec != NULL) {
		CHECK_STR(cfg.exec->command, "aws");
		CHECK_STR(cfg.exec->args[0], "--region");
		CHECK_STR(cfg.exec->args[5], "prod");
		CHECK_STR(cfg.exec->args[6], "");
		CHECK(cfg.exec->args[7] == NULL);
		CHECK_STR(cfg.exec->env[0], "AWS_PROFILE=prod");
		CHECK_STR(cfg.exec->env[1], "EMPTY=");
		CHECK(cfg.exec->env[2] == NULL);
		CHECK_STR(cfg.exec->api_version, "client.authentication.k8s.io/v1");
		CHECK_STR(cfg.exec->install_hint, "install the AWS CLI");
		CHECK_INT(cfg.exec->provide_cluster_info, 1);
	}
	CHECK_STR(cfg.namespace, "ns");
	kube_config_clear(&cfg);
	free(cause);
}

/* The example of the header, to the character. */
static void
test_error_base64(void)
{
	CHECK_LOAD_ERR(
	    "apiVersion: v1\n"
	    "current-context: ctx\n"
	    "clusters:\n"
	    "- name: c\n"
	    "  cluster: {server: \"https://k:6443\"}\n"
	    "contexts:\n"
	    "- name: ctx\n"
	    "  context: {cluster: c, user: u}\n"
	    "users:\n"
	    "- name: u\n"
	    "  user:\n"
	    "    client-key-data: \"LS0t*\"\n",
	    "/home/u/.kube/config:12:5: users[0].user.client-key-data: not valid base64");
	/* Checked in entries not in use too, as client-go checks them. */
	CHECK_LOAD_ERR(
	    "current-context: ctx\n"
	    "clusters:\n"
	    "- {name: c, cluster: {server: \"https://k\"}}\n"
	    "- {name: d, cluster: {server: \"https://k\", certificate-authority-data: ab=c}}\n"
	    "contexts: [{name: ctx, context: {cluster: c}}]\n",
	    HOMECFG ":4:44: clusters[1].cluster.certificate-authority-data: not valid "
	            "base64");
}

static void
test_error_contexts(void)
{
	struct kube_config cfg;
	char *cause;
	const char *two = "current-context: nope\n"
	                  "contexts:\n"
	                  "- {name: a, context: {cluster: c, user: u}}\n"
	                  "clusters: [{name: c, cluster: {server: https://k}}]\n";

	cause = load_as(HOMECFG, two, "missing", &cfg);
	CHECK_STR(cause, HOMECFG ": context \"missing\" is not in contexts");
	free(cause);
	CHECK_LOAD_ERR(two, HOMECFG ":1:1: current-context: context \"nope\" is not in contexts");
	CHECK_LOAD_ERR("clusters: []\n", HOMECFG ": current-context is not set and no context was "
	                                         "given");
	CHECK_LOAD_ERR("", HOMECFG ": current-context is not set and no context was given");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts:\n"
	               "- name: a\n"
	               "  context:\n"
	               "    cluster: c2\n",
	               HOMECFG
	               ":5:5: contexts[0].context.cluster: cluster \"c2\" is not in clusters");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts:\n"
	               "- name: a\n"
	               "  context:\n"
	               "    namespace: x\n",
	               HOMECFG ":4:3: contexts[0].context: cluster is missing");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts:\n"
	               "- name: a\n",
	               HOMECFG ":3:3: contexts[0].context: cluster is missing");
	CHECK_LOAD_ERR("current-context: a\n"
	               "clusters: [{name: c, cluster: {server: https://k}}]\n"
	               "users: [{name: u}]\n"
	               "contexts: [{name: a, context: {cluster: c, user: v}}]\n",
	               HOMECFG ":4:44: contexts[0].context.user: user \"v\" is not in users");
}

static void
test_error_cluster(void)
{
	char *ca_data = b64("not a certificate"), *yaml;
	char *missing = xasprintf("%s/missing/ca.crt", tmpdir());
	char *want;

	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts: [{name: a, context: {cluster: c}}]\n"
	               "clusters:\n"
	               "- name: c\n"
	               "  cluster:\n"
	               "    insecure-skip-tls-verify: true\n",
	               HOMECFG ":5:3: clusters[0].cluster: server is missing");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts: [{name: a, context: {cluster: c}}]\n"
	               "clusters:\n"
	               "- name: c\n"
	               "  cluster:\n"
	               "    server: https://k\n"
	               "    insecure-skip-tls-verify: maybe\n",
	               HOMECFG
	               ":7:5: clusters[0].cluster.insecure-skip-tls-verify: expected true or "
	               "false, found \"maybe\"");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts: [{name: a, context: {cluster: c}}]\n"
	               "clusters:\n"
	               "- name: c\n"
	               "  cluster:\n"
	               "    server: ftp://k\n",
	               HOMECFG ":6:5: clusters[0].cluster.server: \"ftp://k\" is not an http or "
	                       "https URL");
	CHECK_LOAD_ERR("clusters:\n"
	               "- name: c\n"
	               "  cluster:\n"
	               "    server: https://k\n"
	               "    server: https://l\n",
	               HOMECFG ":5:5: clusters[0].cluster.server: is set twice");
	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c}}]\n"
	                 "clusters:\n"
	                 "- name: c\n"
	                 "  cluster:\n"
	                 "    server: https://k\n"
	                 "    certificate-authority-data: %s\n",
	                 ca_data);
	CHECK_LOAD_ERR(yaml, HOMECFG ":7:5: clusters[0].cluster.certificate-authority-data: holds "
	                             "no PEM certificate");
	free(yaml);
	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c}}]\n"
	                 "clusters:\n"
	                 "- name: c\n"
	                 "  cluster:\n"
	                 "    server: https://k\n"
	                 "    certificate-authority: %s\n"
	                 "    certificate-authority-data: %s\n",
	                 missing, ca_data);
	CHECK_LOAD_ERR(yaml, HOMECFG ":8:5: clusters[0].cluster: certificate-authority and "
	                             "certificate-authority-data are both set");
	free(yaml);
	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c}}]\n"
	                 "clusters:\n"
	                 "- name: c\n"
	                 "  cluster:\n"
	                 "    server: https://k\n"
	                 "    certificate-authority: %s\n",
	                 missing);
	want = xasprintf(HOMECFG ":7:5: clusters[0].cluster.certificate-authority: cannot open "
	                         "%s: No such file or directory",
	                 missing);
	CHECK_LOAD_ERR(yaml, want);
	free(want);
	free(yaml);
	free(missing);
	free(ca_data);
}

static void
test_error_user(void)
{
	char *c = b64(cert_pem), *k2 = b64(key2_pem), *yaml;

	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	                 "clusters: [{name: c, cluster: {server: https://k}}]\n"
	                 "users:\n"
	                 "- name: u\n"
	                 "  user:\n"
	                 "    client-certificate-data: %s\n"
	                 "    client-key-data: %s\n",
	                 c, k2);
	CHECK_LOAD_ERR(yaml, HOMECFG ":8:5: users[0].user.client-key-data: does not match "
	                             "client-certificate-data");
	free(yaml);
	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	                 "clusters: [{name: c, cluster: {server: https://k}}]\n"
	                 "users:\n"
	                 "- name: u\n"
	                 "  user:\n"
	                 "    client-certificate-data: %s\n",
	                 c);
	CHECK_LOAD_ERR(yaml,
	               HOMECFG ":6:3: users[0].user: client-certificate is set without client-key");
	free(yaml);
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	               "clusters: [{name: c, cluster: {server: https://k}}]\n"
	               "users:\n"
	               "- name: u\n"
	               "  user:\n"
	               "    auth-provider:\n"
	               "      name: oidc\n",
	               HOMECFG ":7:5: users[0].user.auth-provider: not supported (use a token, a "
	                       "client certificate or an exec plugin)");
	CHECK_LOAD_ERR("current-context: a\n"
	               "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	               "clusters: [{name: c, cluster: {server: https://k}}]\n"
	               "users:\n"
	               "- name: u\n"
	               "  user:\n"
	               "    token: \"abc\\r\\nX-Evil: 1\"\n",
	               HOMECFG ":7:5: users[0].user.token: holds a control character");
	CHECK_LOAD_ERR("users:\n"
	               "- name: u\n"
	               "  user:\n"
	               "    token: [a, b]\n",
	               HOMECFG ":4:5: users[0].user.token: expected a string, found a list");
	CHECK_LOAD_ERR("base: &b abc\n"
	               "users:\n"
	               "- name: u\n"
	               "  user:\n"
	               "    token: *b\n",
	               HOMECFG ":5:5: users[0].user.token: expected a string, found an alias "
	                       "(aliases are not supported)");
	free(c);
	free(k2);
}

#define EXEC_PREFIX                                                                                \
	"current-context: a\n"                                                                     \
	"contexts: [{name: a, context: {cluster: c, user: u}}]\n"                                  \
	"clusters: [{name: c, cluster: {server: https://k}}]\n"                                    \
	"users:\n"                                                                                 \
	"- name: u\n"                                                                              \
	"  user:\n"                                                                                \
	"    exec:\n"

static void
test_error_exec(void)
{
	CHECK_LOAD_ERR(EXEC_PREFIX "      apiVersion: client.authentication.k8s.io/v1beta1\n",
	               HOMECFG ":7:5: users[0].user.exec: command is missing");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n",
	               HOMECFG ":7:5: users[0].user.exec: apiVersion is missing");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      apiVersion: client.authentication.k8s.io/v1alpha1\n",
	               HOMECFG ":9:7: users[0].user.exec.apiVersion: "
	                       "\"client.authentication.k8s.io/v1alpha1\" is not "
	                       "client.authentication.k8s.io/v1 or v1beta1");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      apiVersion: client.authentication.k8s.io/v1\n",
	               HOMECFG ":7:5: users[0].user.exec: interactiveMode is missing (Never or "
	                       "IfAvailable; client.authentication.k8s.io/v1 requires it)");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      apiVersion: client.authentication.k8s.io/v1\n"
	                           "      interactiveMode: Always\n",
	               HOMECFG
	               ":10:7: users[0].user.exec.interactiveMode: Always needs a terminal, "
	               "and exec plugins run here without one");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      apiVersion: client.authentication.k8s.io/v1beta1\n"
	                           "      interactiveMode: Sometimes\n",
	               HOMECFG ":10:7: users[0].user.exec.interactiveMode: \"Sometimes\" is not "
	                       "Never, IfAvailable or Always");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      env:\n"
	                           "      - value: x\n",
	               HOMECFG ":10:9: users[0].user.exec.env[0]: name is missing");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      env: {AWS_PROFILE: prod}\n",
	               HOMECFG ":9:7: users[0].user.exec.env: expected a list, found a mapping");
	CHECK_LOAD_ERR(EXEC_PREFIX "      command: aws\n"
	                           "      provideClusterInfo: 1\n",
	               HOMECFG ":9:7: users[0].user.exec.provideClusterInfo: expected true or "
	                       "false, found \"1\"");
}

static void
test_error_shape(void)
{
	CHECK_LOAD_ERR("clusters:\n  c: {server: https://k}\n",
	               HOMECFG ":1:1: clusters: expected a list, found a mapping");
	CHECK_LOAD_ERR("clusters:\n- just-a-name\n",
	               HOMECFG ":2:3: clusters[0]: expected a mapping with name and cluster, found "
	                       "a value");
	CHECK_LOAD_ERR("- a\n- b\n", HOMECFG ":1:1: a kubeconfig is a mapping (kind: Config), "
	                                     "found a list");
	CHECK_LOAD_ERR("clusters:\n- name: c\n  cluster: [x]\n",
	               HOMECFG ":3:3: clusters[0].cluster: expected a mapping, found a list");
	CHECK_LOAD_ERR("clusters: []\nclusters: []\n", HOMECFG ":2:1: clusters: is set twice");
	CHECK_LOAD_ERR("current-context: a\nclusters: [\n",
	               HOMECFG ":3:1: YAML syntax error: did not find expected node content "
	                       "(while parsing a flow node at line 3)");
	CHECK_LOAD_ERR("current-context: \"a\n",
	               HOMECFG ":2:1: YAML syntax error: found unexpected end of stream "
	                       "(while scanning a quoted scalar at line 1)");
	CHECK_LOAD_ERR("current-context: a\xff\n",
	               HOMECFG ":1:19: YAML syntax error: invalid leading UTF-8 octet");
	CHECK_LOAD_ERR("users:\n- name: u\n  user:\n    [a]: b\n",
	               HOMECFG ":4:5: users[0].user: keys must be names, found a list");
}

static void
clear_env(void)
{
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	unsetenv(KUBE_CONFIG_SA_DIR_ENV);
}

static const char tiny[] = "current-context: a\n"
                           "contexts: [{name: a, context: {cluster: c, namespace: %s}}]\n"
                           "clusters: [{name: c, cluster: {server: https://%s}}]\n";

static void
test_choice(void)
{
	struct kube_config cfg;
	char *one, *two, *home, *env, *text, *cause = NULL;

	clear_env();
	text = xasprintf(tiny, "one", "one");
	one = write_file("choice/one", text);
	free(text);
	text = xasprintf(tiny, "two", "two");
	two = write_file("choice/two", text);
	free(text);
	text = xasprintf(tiny, "home", "home");
	free(write_file("home/.kube/config", text));
	free(text);
	home = xasprintf("%s/home", tmpdir());

	/* --kubeconfig wins over KUBECONFIG. */
	setenv("KUBECONFIG", two, 1);
	CHECK_INT(kube_config_load(one, NULL, &cfg, &cause), 0);
	CHECK_STR(cfg.server, "https://one");
	CHECK_STR(cfg.origin, one);
	kube_config_clear(&cfg);

	/* The first file of KUBECONFIG that exists. */
	env = xasprintf("/nonexistent/a::%s:%s", two, one);
	setenv("KUBECONFIG", env, 1);
	CHECK_INT(kube_config_load(NULL, NULL, &cfg, &cause), 0);
	CHECK_STR(cfg.server, "https://two");
	kube_config_clear(&cfg);
	setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1);
	CHECK_INT(kube_config_load(NULL, NULL, &cfg, &cause), -1);
	CHECK_STR(cause, "none of the files in KUBECONFIG (/nonexistent/a:/nonexistent/b) exists");
	free(cause);

	/* ~/.kube/config when neither is set, nor in a cluster. */
	unsetenv("KUBECONFIG");
	setenv("HOME", home, 1);
	CHECK_INT(kube_config_load(NULL, NULL, &cfg, &cause), 0);
	CHECK_STR(cfg.server, "https://home");
	CHECK_STR(cfg.namespace, "home");
	kube_config_clear(&cfg);
	setenv("HOME", "/nonexistent", 1);
	CHECK_INT(kube_config_load(NULL, NULL, &cfg, &cause), -1);
	CHECK_STR(cause,
	          "no Kubernetes configuration: not in a cluster (KUBERNETES_SERVICE_HOST is "
	          "not set), KUBECONFIG is not set and /nonexistent/.kube/config: No such "
	          "file or directory");
	free(cause);

	/* --kubeconfig naming a missing file, and a file over the cap. */
	CHECK_INT(kube_config_load("/nonexistent/k", NULL, &cfg, &cause), -1);
	CHECK_STR(cause, "cannot open /nonexistent/k: No such file or directory");
	free(cause);
	text = xmalloc(1024 * 1024 + 2);
	memset(text, '#', 1024 * 1024 + 1);
	text[1024 * 1024 + 1] = '\0';
	free(one);
	one = write_file("choice/big", text);
	free(text);
	CHECK_INT(kube_config_load(one, NULL, &cfg, &cause), -1);
	text = xasprintf("%s is larger than 1048576 bytes", one);
	CHECK_STR(cause, text);
	free(text);
	free(cause);
	free(one);
	free(two);
	free(home);
	free(env);
}

static void
test_in_cluster(void)
{
	struct kube_config cfg;
	char *dir = xasprintf("%s/sa", tmpdir()), *tok, *cause = NULL, *want;

	clear_env();
	tok = write_file("sa/token", "eyJhbGciOi.projected.token\n");
	free(write_file("sa/ca.crt", cert_pem));
	free(write_file("sa/namespace", "cert-manager\n"));
	setenv(KUBE_CONFIG_SA_DIR_ENV, dir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	/* Chosen when nothing else is given, even with ~/.kube/config present. */
	CHECK_INT(kube_config_load(NULL, "ignored", &cfg, &cause), 0);
	CHECK_STR(cfg.server, "https://[fd00:10:96::1]:443");
	CHECK_STR(cfg.token_file, tok);
	CHECK(cfg.token == NULL);
	CHECK_STR(cfg.ca_pem, cert_pem);
	CHECK_STR(cfg.namespace, "cert-manager");
	CHECK_STR(cfg.origin, "in-cluster");
	kube_config_clear(&cfg);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("POD_NAMESPACE", "pca", 1);
	CHECK_INT(kube_config_in_cluster(&cfg, &cause), 0);
	CHECK_STR(cfg.server, "https://10.96.0.1:443");
	CHECK_STR(cfg.namespace, "pca");
	kube_config_clear(&cfg);

	/* No ca.crt: the system store, with a warning. No namespace: default. */
	unsetenv("POD_NAMESPACE");
	want = xasprintf("%s/ca.crt", dir);
	unlink(want);
	free(want);
	want = xasprintf("%s/namespace", dir);
	unlink(want);
	free(want);
	CHECK_INT(kube_config_in_cluster(&cfg, &cause), 0);
	CHECK(cfg.ca_pem == NULL);
	CHECK_STR(cfg.namespace, "default");
	kube_config_clear(&cfg);

	unlink(tok);
	CHECK_INT(kube_config_in_cluster(&cfg, &cause), -1);
	want = xasprintf("in-cluster: token file: cannot open %s: No such file or directory", tok);
	CHECK_STR(cause, want);
	CHECK(cfg.server == NULL && cfg.token_file == NULL);
	free(want);
	free(cause);

	unsetenv("KUBERNETES_SERVICE_PORT");
	CHECK_INT(kube_config_in_cluster(&cfg, &cause), -1);
	CHECK_STR(cause, "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
	                 "must both be set");
	free(cause);
	clear_env();
	free(tok);
	free(dir);
}

int
main(void)
{
	make_keypair(&cert_pem, &key_pem);
	make_keypair(&cert2_pem, &key2_pem);
	TEST(test_current_context);
	TEST(test_named_context_with_data);
	TEST(test_server_forms);
	TEST(test_relative_paths);
	TEST(test_exec);
	TEST(test_error_base64);
	TEST(test_error_contexts);
	TEST(test_error_cluster);
	TEST(test_error_user);
	TEST(test_error_exec);
	TEST(test_error_shape);
	TEST(test_choice);
	TEST(test_in_cluster);
	free(cert_pem);
	free(key_pem);
	free(cert2_pem);
	free(key2_pem);
	return test_done();
}
