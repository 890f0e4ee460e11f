/*
 * Tests for the credential sources and the default chain (aws/creds_chain.c,
 * aws/creds_http.c, aws/creds_imds.c, aws/creds_sts.c): which source the
 * chain picks and which configuration it refuses, IMDSv2, assume-role with
 * its signature, web identity with a re-read token, and a profile role
 * chain, all against the server of credpeer.h.
 */
#include "credpeer.h"

static void
test_chain_env(void)
{
	struct fenv f;
	struct aws_creds_src *src = NULL;
	const struct aws_creds *c;
	char *cause = NULL;

	fenv_init(&f);
	fenv_set(&f, "AWS_ACCESS_KEY_ID", "AKIAENV");
	fenv_set(&f, "AWS_SECRET_ACCESS_KEY", "envsecret");
	fenv_set(&f, "AWS_SESSION_TOKEN", "envtoken");
	/* Lower in the chain: must lose to the environment keys. */
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "env");
	c = aws_creds_peek(src);
	CHECK(c != NULL && strcmp(c->session_token, "envtoken") == 0);
	aws_creds_src_free(src);

	fenv_init(&f);
	fenv_set(&f, "AWS_ACCESS_KEY_ID", "AKIAENV");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), -1);
	CHECK(src == NULL);
	CHECK_CONTAINS(cause, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	free(cause);
}

static void
check_chain_error(struct fenv *f, const char *want)
{
	struct aws_creds_src *src = NULL;
	char *cause = NULL;

	CHECK_INT(aws_creds_default_chain(client, &f->env, &src, &cause), -1);
	CHECK(src == NULL);
	CHECK_CONTAINS(cause, want);
	free(cause);
}

static void
test_chain_selection(void)
{
	struct fenv f;
	struct aws_creds_src *src = NULL;
	char *cause = NULL;

	fenv_init(&f);
	fenv_set(&f, "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
	check_chain_error(&f, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");

	fenv_init(&f);
	fenv_set(&f, "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
	fenv_set(&f, "AWS_ROLE_ARN", "arn:aws:iam::1:role/r");
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "web-identity");
	aws_creds_src_free(src);

	fenv_init(&f);
	fenv_set(&f, "AWS_PROFILE", "missing");
	check_chain_error(&f, "AWS_PROFILE names profile \"missing\"");

	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/creds");
	check_chain_error(&f, "must use https or a loopback");
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1.evil.com/creds");
	check_chain_error(&f, "must use https or a loopback");
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "creds");
	check_chain_error(&f, "is not an absolute path");
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/x");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "container");
	aws_creds_src_free(src);
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:8080/x");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	aws_creds_src_free(src);
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[::1]:8080/x");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	aws_creds_src_free(src);
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	aws_creds_src_free(src);
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]/v1/credentials");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	aws_creds_src_free(src);
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds");
	check_chain_error(&f, "must use https or a loopback");

	fenv_init(&f);
	fenv_set(&f, "AWS_EC2_METADATA_DISABLED", "TRUE");
	check_chain_error(&f, "AWS_EC2_METADATA_DISABLED=true");
	fenv_init(&f);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "imds");
	aws_creds_src_free(src);
}

static void
test_imds(void)
{
	struct fenv f;
	struct aws_creds_src *src = NULL;
	char *cause = NULL;
	struct got g;

	srv_reset();
	fenv_init(&f);
	fenv_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:%d/", srv.port);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "imds");
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001");
	CHECK_STR(g.token, "token-1");
	CHECK_INT(srv.imds_token, 1);
	CHECK_INT(srv.imds_role, 1);
	CHECK_INT(srv.imds_creds, 1);
	aws_creds_src_free(src);

	/* Nothing listening: fails fast with the step that failed. */
	fenv_init(&f);
	fenv_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	get_and_wait(src, &g);
	CHECK_CONTAINS(g.error, "IMDS at http://127.0.0.1:1 (token step)");
	aws_creds_src_free(src);

	fenv_init(&f);
	fenv_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254");
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	get_and_wait(src, &g);
	CHECK_CONTAINS(g.error, "AWS_EC2_METADATA_SERVICE_ENDPOINT: invalid endpoint URL");
	aws_creds_src_free(src);
}

/* Assume-role on static keys, through the STS endpoint override. */
static void
test_assume_role(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct got g;

	srv_reset();
	fenv_init(&f);
	fenv_set(&f, "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%d", srv.port);
	src = aws_creds_assume_role(client, aws_creds_static("AKIABASE", "basesecret", NULL),
	                            "arn:aws:iam::123456789012:role/issuer", "my-session",
	                            "eu-central-1", &f.env);
	CHECK_STR(aws_creds_src_kind(src), "assume-role");
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001");
	CHECK_STR(g.token, "token-1");
	CHECK_CONTAINS(srv.last_body, "Action=AssumeRole&");
	CHECK_CONTAINS(srv.last_body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fissuer");
	CHECK_CONTAINS(srv.last_body, "RoleSessionName=my-session");
	CHECK_CONTAINS(srv.last_auth, "Credential=AKIABASE/");
	CHECK_CONTAINS(srv.last_auth, "/eu-central-1/sts/aws4_request");

	/* STS refuses: the error names the role and STS's message. */
	fake_wall += HOUR_MS - 10000;
	srv.fail_count = 1;
	srv.fail_status = 403;
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001"); /* still valid for 10 s */
	fake_wall += 10000;
	fake_mono += 2000;
	srv.fail_count = 1;
	get_and_wait(src, &g);
	CHECK_CONTAINS(g.error, "cannot assume role arn:aws:iam::123456789012:role/issuer");
	CHECK_CONTAINS(g.error, "HTTP 403");
	aws_creds_src_free(src);
	fake_wall -= HOUR_MS;
}

static void
test_web_identity(void)
{
	char path[] = "/tmp/test-creds-webid-XXXXXX";
	int fd = mkstemp(path);
	struct fenv f;
	struct aws_creds_src *src = NULL;
	char *cause = NULL;
	struct got g;

	CHECK(write(fd, "jwt-one", 7) == 7);
	close(fd);
	srv_reset();
	fenv_init(&f);
	fenv_set(&f, "AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa");
	fenv_set(&f, "AWS_WEB_IDENTITY_TOKEN_FILE", "%s", path);
	fenv_set(&f, "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%d", srv.port);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001");
	CHECK_CONTAINS(srv.last_body, "Action=AssumeRoleWithWebIdentity&");
	CHECK_CONTAINS(srv.last_body, "RoleSessionName=pca-issuer-");
	CHECK_CONTAINS(srv.last_body, "WebIdentityToken=jwt-one");
	CHECK_STR(srv.last_auth, "");
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "jwt-two\n", 8) == 8);
	close(fd);
	fake_wall += HOUR_MS - 10000;
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0002");
	CHECK_CONTAINS(srv.last_body, "WebIdentityToken=jwt-two");
	aws_creds_src_free(src);
	unlink(path);
	fake_wall -= HOUR_MS - 10000;
}

/* A profile's own keys: re-read from the file when a rejection drops them. */
static void
test_profile_static(void)
{
	char dir[] = "/tmp/test-creds-static-XXXXXX", path[256];
	struct fenv f;
	struct aws_creds_src *src = NULL;
	char *cause = NULL;
	struct got g;
	FILE *fp;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/credentials", dir);
	fp = fopen(path, "w");
	fputs("[default]\naws_access_key_id = AKIAONE\naws_secret_access_key = one\n", fp);
	fclose(fp);
	fenv_init(&f);
	fenv_set(&f, "AWS_SHARED_CREDENTIALS_FILE", "%s", path);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "profile");
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "AKIAONE");
	CHECK_INT(g.expires, 0);
	fp = fopen(path, "w");
	fputs("[default]\naws_access_key_id = AKIATWO\naws_secret_access_key = two\n", fp);
	fclose(fp);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "AKIAONE"); /* no expiry, no re-read */
	fake_mono += 6000;
	aws_creds_invalidate(src);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "AKIATWO");
	CHECK_STR(g.secret, "two");
	unlink(path);
	fake_mono += 6000;
	aws_creds_invalidate(src);
	get_and_wait(src, &g);
	CHECK_CONTAINS(g.error, "profile \"default\" holds no aws_access_key_id");
	aws_creds_src_free(src);
	rmdir(dir);
}

/* A profile chain: keys in credentials, two roles in config, STS asked twice per fetch. */
static void
test_profile_chain(void)
{
	char dir[] = "/tmp/test-creds-profile-XXXXXX", p[256];
	struct fenv f;
	struct aws_creds_src *src = NULL;
	char *cause = NULL;
	struct got g;
	FILE *fp;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof p, "%s/config", dir);
	fp = fopen(p, "w");
	fputs("[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = hop\n"
	      "region = ap-southeast-2\n"
	      "[profile hop]\nrole_arn = arn:aws:iam::1:role/hop\nsource_profile = keys\n",
	      fp);
	fclose(fp);
	snprintf(p, sizeof p, "%s/credentials", dir);
	fp = fopen(p, "w");
	fputs("[keys]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = x\n", fp);
	fclose(fp);
	srv_reset();
	fenv_init(&f);
	f.env.home = NULL;
	fenv_set(&f, "AWS_CONFIG_FILE", "%s/config", dir);
	fenv_set(&f, "AWS_SHARED_CREDENTIALS_FILE", "%s/credentials", dir);
	fenv_set(&f, "AWS_PROFILE", "app");
	fenv_set(&f, "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%d", srv.port);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), 0);
	CHECK_STR(aws_creds_src_kind(src), "assume-role");
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0002");
	CHECK_INT(srv.sts, 2);
	/* The outer role was assumed with the inner role's keys, in the profile's region. */
	CHECK_CONTAINS(srv.last_body, "role%2Fapp");
	CHECK_CONTAINS(srv.last_auth, "Credential=ASIA0001/");
	CHECK_CONTAINS(srv.last_auth, "/ap-southeast-2/sts/");
	aws_creds_src_free(src);

	/* A broken file is an error naming file:line. */
	snprintf(p, sizeof p, "%s/config", dir);
	fp = fopen(p, "w");
	fputs("[profile app]\nrole_arn = arn:aws:iam::1:role/app\n", fp);
	fclose(fp);
	CHECK_INT(aws_creds_default_chain(client, &f.env, &src, &cause), -1);
	CHECK_CONTAINS(cause, "/config:2: profile \"app\": role_arn needs source_profile");
	free(cause);
	snprintf(p, sizeof p, "rm -rf %s", dir);
	CHECK_INT(system(p), 0);
}

int
main(void)
{
	if (peer_setup() != 0)
		return 1;
	TEST(test_chain_env);
	TEST(test_chain_selection);
	TEST(test_imds);
	TEST(test_assume_role);
	TEST(test_web_identity);
	TEST(test_profile_static);
	TEST(test_profile_chain);
	peer_teardown();
	return test_done();
}
