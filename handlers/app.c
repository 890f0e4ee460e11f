/*
 * The controller's wiring: HTTP client, Kubernetes client, events, the two
 * controllers, leader election, readiness, and the shutdown sequence:
 *
 *   SIGTERM -> the work queues stop handing out work -> calls in flight
 *   finish (up to --shutdown-timeout) -> the Lease is released so another
 *   replica takes over at once -> exit 0.
 *
 * Losing the Lease without asking for it means another replica may already
 * be writing: the process stops its writers and exits 1 at once, as
 * controller-runtime does, and Kubernetes restarts it as a follower.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/pca.h"
#include "config/config.h"
#include "core/http.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "handlers/app.h"
#include "handlers/certreqs.h"
#include "handlers/certs.h"
#include "handlers/renew.h"
#include "handlers/issuers.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/events.h"
#include "kube/lease.h"
#include "version.h"

struct app {
	const struct config *cfg;
	struct aws_creds_env env;
	struct http_client *http;
	struct kube_config kcfg;
	struct kube_auth *auth;
	struct kube_client *kube;
	struct kube_client *lease_kube; /* its own limiter: renewals never queue behind work */
	struct kube_events *events;
	struct issuers *issuers;
	struct certreqs *certreqs;
	struct certreqs *csrs; /* CertificateSigningRequests; NULL when turned off */
	struct certs *certs;
	struct renew *renew;
	struct kube_lease *lease;
	int leader;
};

static struct metric *m_leader;

static void
app_set_leader(struct app *a, int leader)
{
	a->leader = leader;
	metrics_set(m_leader, leader);
	issuers_set_leader(a->issuers, leader);
	certreqs_set_leader(a->certreqs, leader);
	if (a->csrs != NULL)
		certreqs_set_leader(a->csrs, leader);
	certs_set_leader(a->certs, leader);
	renew_set_leader(a->renew, leader);
}

static void
app_on_started_leading(void *arg)
{
	struct app *a = arg;

	log_info("became the leader", "lease", a->cfg->leader_election_id);
	app_set_leader(a, 1);
}

static void
app_on_stopped_leading(void *arg)
{
	struct app *a = arg;

	app_set_leader(a, 0);
	if (loop_shutting_down())
		return;
	log_error("lost the leader lease; exiting so that only one replica writes");
	loop_exit(1);
}

static void
app_on_new_leader(const char *identity, void *arg)
{
	if (*identity != '\0')
		log_info("leader", "identity", identity);
}

static void
app_issuer_changed(const char *key, void *arg)
{
	struct app *a = arg;

	certreqs_issuer_changed(a->certreqs, key);
	if (a->csrs != NULL)
		certreqs_issuer_changed(a->csrs, key);
}

/* An issuer object changed: its bulk-renewal annotation perhaps. */
static void
app_issuer_object(const char *key, void *arg)
{
	struct app *a = arg;

	if (a->renew != NULL)
		renew_issuer_changed(a->renew, key);
}

static void
app_on_shutdown(void *arg)
{
	struct app *a = arg;

	issuers_stop(a->issuers);
	certreqs_stop(a->certreqs);
	if (a->csrs != NULL)
		certreqs_stop(a->csrs);
	renew_stop(a->renew);
}

static void
app_on_lease_released(void *arg)
{
	loop_release();
}

static void
app_on_drained(void *arg)
{
	struct app *a = arg;

	if (a->lease != NULL && kube_lease_is_leader(a->lease)) {
		loop_hold();
		kube_lease_release(a->lease, app_on_lease_released, a);
	}
}

static int
app_connect(struct app *a, char **cause)
{
	const struct config *cfg = a->cfg;
	struct kube_client_opts ko;
	char *ua = xasprintf("%s/%s", PCA_NAME, PCA_VERSION);
	int ret;

	ret = http_client_create(loop_base(), ua, &a->http, cause);
	free(ua);
	if (ret != 0)
		return -1;
	if (kube_config_load(*cfg->kubeconfig != '\0' ? cfg->kubeconfig : NULL,
	                     *cfg->kube_context != '\0' ? cfg->kube_context : NULL, &a->kcfg,
	                     cause) != 0)
		return -1;
	a->auth = kube_auth_create(loop_base(), &a->kcfg);
	memset(&ko, 0, sizeof ko);
	ko.qps = cfg->disable_client_side_rate_limiting ? 0 : cfg->kube_api_qps;
	ko.burst = cfg->kube_api_burst;
	ko.user_agent = PCA_NAME "/" PCA_VERSION;
	if (kube_client_create(a->http, &a->kcfg, a->auth, &ko, &a->kube, cause) != 0)
		return -1;
	if (cfg->leader_elect &&
	    kube_client_create(a->http, &a->kcfg, a->auth, &ko, &a->lease_kube, cause) != 0)
		return -1;
	log_info("cluster", "server", a->kcfg.server, "config", a->kcfg.origin);
	return 0;
}

static void
app_configure_aws(const struct config *cfg)
{
	struct aws_pca_settings s;
	int i;

	aws_pca_settings_default(&s);
	for (i = 0; i < AWS_PCA_NOPS; i++)
		s.quota[i] = cfg->aws_rate_limits[i];
	s.timeout_ms = cfg->aws_request_timeout_ms;
	aws_pca_configure(&s);
}

static int
app_leader_election(struct app *a, char **cause)
{
	const struct config *cfg = a->cfg;
	struct kube_lease_opts lo;
	const char *ns = cfg->leader_election_namespace;

	if (!cfg->leader_elect) {
		app_set_leader(a, 1);
		return 0;
	}
	if (ns == NULL || *ns == '\0')
		ns = a->kcfg.namespace;
	memset(&lo, 0, sizeof lo);
	lo.namespace = ns;
	lo.name = cfg->leader_election_id;
	lo.lease_duration_ms = cfg->lease_duration_ms;
	lo.renew_deadline_ms = cfg->renew_deadline_ms;
	lo.retry_period_ms = cfg->retry_period_ms;
	lo.on_started_leading = app_on_started_leading;
	lo.on_stopped_leading = app_on_stopped_leading;
	lo.on_new_leader = app_on_new_leader;
	lo.arg = a;
	return kube_lease_create(a->lease_kube, &lo, &a->lease, cause);
}

int
app_create(const struct config *cfg, struct app **out, char **cause)
{
	struct app *a = xcalloc(1, sizeof *a);
	struct kube_events_opts eo;
	struct certs_opts to;
	struct renew_opts ro;
	struct issuers_opts io;
	struct certreqs_opts co;
	const char *ns = *cfg->watch_namespace != '\0' ? cfg->watch_namespace : NULL;

	a->cfg = cfg;
	aws_creds_env_process(&a->env);
	app_configure_aws(cfg);
	if (m_leader == NULL)
		m_leader = metrics_gauge("pca_issuer_leader_is_leader", KUBE_LEASE_LEADER_HELP, "");
	if (app_connect(a, cause) != 0)
		goto fail;
	memset(&eo, 0, sizeof eo);
	a->events = kube_events_create(a->kube, &eo);

	memset(&to, 0, sizeof to);
	to.kube = a->kube;
	to.events = a->events;
	to.namespace = ns;
	to.renewal_grace_ms = (int64_t)cfg->renewal_grace_ms;
	to.per_certificate = cfg->per_certificate_metrics;
	to.max_line = (size_t)cfg->max_watch_line_bytes;
	a->certs = certs_create(&to);

	memset(&io, 0, sizeof io);
	io.kube = a->kube;
	io.http = a->http;
	io.events = a->events;
	io.env = &a->env;
	io.namespace = ns;
	io.recheck_ms = cfg->issuer_recheck_interval_ms;
	io.issuer_ambient_credentials = cfg->issuer_ambient_credentials;
	io.cluster_issuer_ambient_credentials = cfg->cluster_issuer_ambient_credentials;
	io.allow_secret_namespace = cfg->allow_issuer_secret_namespace;
	io.renew_on_ca_change = cfg->renew_on_ca_change;
	io.certs = a->certs;
	io.on_change = app_issuer_changed;
	io.on_object = app_issuer_object;
	io.arg = a;
	a->issuers = issuers_create(&io);

	memset(&co, 0, sizeof co);
	co.kube = a->kube;
	co.issuers = a->issuers;
	co.certs = a->certs;
	co.events = a->events;
	co.namespace = ns;
	co.disable_approved_check = cfg->disable_approved_check;
	co.max_retry_ms = cfg->max_retry_duration_ms;
	co.max_line = (size_t)cfg->max_watch_line_bytes;
	a->certreqs = certreqs_create(&co);
	if (!cfg->disable_csr_signing && ns == NULL) {
		co.api = KUBE_CR_KUBERNETES;
		a->csrs = certreqs_create(&co);
	} else if (!cfg->disable_csr_signing)
		log_info("CertificateSigningRequests are cluster-scoped: not signing them with "
		         "--namespace",
		         "namespace", ns);

	memset(&ro, 0, sizeof ro);
	ro.kube = a->kube;
	ro.certs = a->certs;
	ro.issuers = a->issuers;
	ro.events = a->events;
	/* Half the quota by default: the other half stays for new certificates. */
	ro.rate = cfg->bulk_renewal_rate > 0
	              ? cfg->bulk_renewal_rate
	              : cfg->aws_rate_limits[AWS_PCA_ISSUE_CERTIFICATE] / 2.0;
	ro.spread_ms = (int64_t)cfg->renewal_spread_ms;
	if (!cfg->disable_client_side_rate_limiting &&
	    ro.rate * RENEW_KUBE_REQUESTS > cfg->kube_api_qps * 0.8) {
		char rate[32], qps[32];

		snprintf(rate, sizeof rate, "%g", ro.rate);
		snprintf(qps, sizeof qps, "%g", cfg->kube_api_qps);
		log_warn("a bulk renewal at this rate needs most of the Kubernetes API request "
		         "budget (about six requests per renewal): new requests will queue behind "
		         "it; raise --kube-api-qps",
		         "bulk_renewal_rate", rate, "kube_api_qps", qps);
	}
	a->renew = renew_create(&ro);

	if (app_leader_election(a, cause) != 0)
		goto fail;
	loop_on_shutdown(app_on_shutdown, a);
	loop_on_drained(app_on_drained, a);
	*out = a;
	return 0;
fail:
	app_free(a);
	return -1;
}

void
app_start(struct app *a)
{
	issuers_start(a->issuers);
	certreqs_start(a->certreqs);
	if (a->csrs != NULL)
		certreqs_start(a->csrs);
	certs_start(a->certs);
	if (a->lease != NULL)
		kube_lease_start(a->lease);
}

void
app_free(struct app *a)
{
	if (a == NULL)
		return;
	kube_lease_free(a->lease);
	renew_free(a->renew);
	certreqs_free(a->certreqs);
	certreqs_free(a->csrs);
	issuers_free(a->issuers);
	certs_free(a->certs);
	kube_events_free(a->events);
	kube_client_free(a->kube);
	kube_client_free(a->lease_kube);
	kube_auth_free(a->auth);
	kube_config_clear(&a->kcfg);
	http_client_free(a->http);
	free(a);
}
