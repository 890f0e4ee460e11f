/*
 * Tests for aws/sts: the XML reader on real STS answer shapes and on
 * hostile input, the ISO 8601 reader, error classification, and the client
 * against an evhttp server in this process: what goes on the wire for each
 * action (form body, signature, no signature for web identity), how
 * answers and errors come back, retries of transient failures, and
 * cancellation.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "aws/sts.h"
#include "core/http.h"
#include "core/loop.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "testutil.h"

#define ASSUME_OK                                                                                  \
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"               \
	"  <AssumeRoleResult>\n"                                                                   \
	"    <SourceIdentity>dev</SourceIdentity>\n"                                               \
	"    <AssumedRoleUser>\n"                                                                  \
	"      <Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn>\n"                        \
	"      <AssumedRoleId>ARO123EXAMPLE123:s1</AssumedRoleId>\n"                               \
	"    </AssumedRoleUser>\n"                                                                 \
	"    <Credentials>\n"                                                                      \
	"      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"                                  \
	"      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"     \
	"      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764</SessionToken>\n"                  \
	"      <Expiration>2036-01-02T03:04:05Z</Expiration>\n"                                    \
	"    </Credentials>\n"                                                                     \
	"    <PackedPolicySize>6</PackedPolicySize>\n"                                             \
	"  </AssumeRoleResult>\n"                                                                  \
	"  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"          \
	"</ResponseMetadata>\n"                                                                    \
	"</AssumeRoleResponse>\n"

#define ERROR_XML(code, msg)                                                                       \
	"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"                      \
	"<Error><Type>Sender</Type><Code>" code "</Code><Message>" msg "</Message></Error>"        \
	"<RequestId>rid-1</RequestId></ErrorResponse>"

static void
test_parse_assume(void)
{
	struct aws_sts_reply r;
	char *cause = NULL;
	int64_t ms;

	CHECK_INT(aws_sts_parse(ASSUME_OK, strlen(ASSUME_OK), &r, &cause), 0);
	CHECK_INT(r.is_error, 0);
	CHECK_STR(r.access_key_id, "ASIAIOSFODNN7EXAMPLE");
	CHECK_STR(r.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	CHECK_STR(r.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764");
	CHECK_STR(r.expiration, "2036-01-02T03:04:05Z");
	CHECK_STR(r.arn, "arn:aws:sts::123456789012:assumed-role/demo/s1");
	CHECK_STR(r.user_id, "ARO123EXAMPLE123:s1");
	CHECK_STR(r.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	CHECK(r.account == NULL && r.err_code == NULL);
	CHECK_INT(timefmt_parse(r.expiration, &ms), 0);
	CHECK_INT(ms, 2082855845000LL);
	aws_sts_reply_clear(&r);
}

static void
test_parse_identity_and_error(void)
{
	const char *gci =
	    "<?xml version=\"1.0\"?><sts:GetCallerIdentityResponse "
	    "xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<sts:GetCallerIdentityResult><sts:Arn>arn:aws:iam::123456789012:user/"
	    "alice</sts:Arn><sts:UserId>AIDA1</sts:UserId><sts:Account>123456789012"
	    "</sts:Account></sts:GetCallerIdentityResult></sts:GetCallerIdentityResponse>";
	const char *err = ERROR_XML("AccessDenied", "User: x is not authorized &amp; so on");
	struct aws_sts_reply r;
	char *cause = NULL;

	CHECK_INT(aws_sts_parse(gci, strlen(gci), &r, &cause), 0);
	CHECK_STR(r.arn, "arn:aws:iam::123456789012:user/alice");
	CHECK_STR(r.user_id, "AIDA1");
	CHECK_STR(r.account, "123456789012");
	aws_sts_reply_clear(&r);

	CHECK_INT(aws_sts_parse(err, strlen(err), &r, &cause), 0);
	CHECK_INT(r.is_error, 1);
	CHECK_STR(r.err_type, "Sender");
	CHECK_STR(r.err_code, "AccessDenied");
	CHECK_STR(r.err_message, "User: x is not authorized & so on");
	CHECK_STR(r.request_id, "rid-1");
	aws_sts_reply_clear(&r);
}

static void
check_parse_fails(const char *xml, const char *why)
{
	struct aws_sts_reply r;
	char *cause = NULL;

	CHECK_INT(aws_sts_parse(xml, strlen(xml), &r, &cause), -1);
	CHECK_CONTAINS(cause, why);
	CHECK(r.access_key_id == NULL);
	free(cause);
}

static void
test_parse_hostile(void)
{
	struct buf b = BUF_INIT;
	int i;

	check_parse_fails("", "not valid XML");
	check_parse_fails("<a><b></a>", "mismatched tag");
	check_parse_fails("<html><body>502 Bad Gateway", "not valid XML");
	check_parse_fails("<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><Credentials><AccessKeyId>&lol;"
	                  "</AccessKeyId></Credentials>",
	                  "a DTD is not allowed");
	check_parse_fails("<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x/>",
	                  "a DTD is not allowed");
	for (i = 0; i < 40; i++)
		buf_adds(&b, "<a>");
	check_parse_fails(buf_str(&b), "nested too deeply");
	buf_reset(&b);
	buf_adds(&b, "<Credentials><SessionToken>");
	for (i = 0; i < 70000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "</SessionToken></Credentials>");
	check_parse_fails(buf_str(&b), "too long");
	buf_clear(&b);
}

static void
check_time(const char *s, int64_t want)
{
	int64_t ms = -1;

	CHECK_INT(timefmt_parse(s, &ms), 0);
	CHECK_INT(ms, want);
}

static void
test_time_parse(void)
{
	int64_t ms;

	check_time("1970-01-01T00:00:00Z", 0);
	check_time("2026-01-02T03:04:05Z", 1767323045000LL);
	check_time("2026-01-02T03:04:05.250Z", 1767323045250LL);
	check_time("2026-01-02T03:04:05.123456Z", 1767323045123LL);
	check_time("2026-01-02T05:04:05+02:00", 1767323045000LL);
	check_time("2026-01-02T01:04:05-0200", 1767323045000LL);
	check_time("2026-01-02 03:04:05z", 1767323045000LL);
	CHECK_INT(timefmt_parse("2026-01-02T03:04:05", &ms), -1);
	CHECK_INT(timefmt_parse("2026-13-02T03:04:05Z", &ms), -1);
	CHECK_INT(timefmt_parse("2026-01-02T03:04:05.Z", &ms), -1);
	CHECK_INT(timefmt_parse("2026-01-02T03:04:05Zjunk", &ms), -1);
	CHECK_INT(timefmt_parse("26-01-02T03:04:05Z", &ms), -1);
	CHECK_INT(timefmt_parse("", &ms), -1);
	CHECK_INT(timefmt_parse(NULL, &ms), -1);
}

static void
test_classify(void)
{
	CHECK_INT(aws_sts_classify("IDPCommunicationError", 400), AWS_ERR_TRANSIENT);
	CHECK_INT(aws_sts_classify("InvalidIdentityToken", 400), AWS_ERR_AUTH);
	CHECK_INT(aws_sts_classify("ExpiredTokenException", 400), AWS_ERR_AUTH);
	CHECK_INT(aws_sts_classify("AccessDenied", 403), AWS_ERR_AUTH);
	CHECK_INT(aws_sts_classify("Throttling", 400), AWS_ERR_THROTTLED);
	CHECK_INT(aws_sts_classify("MalformedPolicyDocument", 400), AWS_ERR_PERMANENT);
	CHECK_INT(aws_sts_classify("", 503), AWS_ERR_TRANSIENT);
	CHECK_INT(aws_sts_classify(NULL, 429), AWS_ERR_THROTTLED);
}

/* ---- the client against a server in this process ---- */

struct answer {
	int status;
	const char *body;
};

struct srv {
	struct evhttp *http;
	int port;
	unsigned requests;
	struct answer answers[4]; /* served in turn; the last one repeats */
	size_t nanswers;
	char method[8];
	char path[64];
	char *body;
	char *authorization;
	char *security_token;
	char *content_type;
	char *host;
};

static struct event_base *base;
static struct http_client *client;
static struct srv srv;

static char *
dup_header(struct evhttp_request *req, const char *name)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);

	return v == NULL ? NULL : xstrdup(v);
}

static void
srv_record(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);

	free(srv.body);
	free(srv.authorization);
	free(srv.security_token);
	free(srv.content_type);
	free(srv.host);
	srv.body = xmalloc(n + 1);
	evbuffer_remove(in, srv.body, n);
	srv.body[n] = '\0';
	srv.authorization = dup_header(req, "Authorization");
	srv.security_token = dup_header(req, "X-Amz-Security-Token");
	srv.content_type = dup_header(req, "Content-Type");
	srv.host = dup_header(req, "Host");
	snprintf(srv.method, sizeof srv.method, "%s",
	         evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "other");
	snprintf(srv.path, sizeof srv.path, "%s", evhttp_request_get_uri(req));
}

static void
srv_handle(struct evhttp_request *req, void *arg)
{
	struct answer *a;
	struct evbuffer *out = evbuffer_new();
	size_t i = srv.requests < srv.nanswers ? srv.requests : srv.nanswers - 1;

	srv_record(req);
	a = &srv.answers[i];
	srv.requests++;
	evbuffer_add(out, a->body, strlen(a->body));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/xml");
	evhttp_send_reply(req, a->status, "x", out);
	evbuffer_free(out);
}

static void
srv_start(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t len = sizeof ss;

	srv.http = evhttp_new(base);
	evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	evhttp_set_gencb(srv.http, srv_handle, NULL);
	bs = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &len);
	srv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void
srv_answers(int s1, const char *b1, int s2, const char *b2)
{
	srv.requests = 0;
	srv.answers[0].status = s1;
	srv.answers[0].body = b1;
	srv.answers[1].status = s2;
	srv.answers[1].body = b2;
	srv.nanswers = b2 == NULL ? 1 : 2;
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

static int
wait_for(const unsigned *counter, unsigned target, int ms)
{
	int expired = 0;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (*counter < target && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	if (expired)
		fprintf(stderr, "%s: deadline of %d ms passed\n", test_current, ms);
	return expired ? -1 : 0;
}

/* What a callback saw, copied out of the result. */
struct seen {
	unsigned calls;
	enum aws_err_class err;
	char code[64];
	char message[512];
	char key_id[64];
	char arn[128];
	char account[32];
	int has_token;
	int64_t expires;
	unsigned attempts;
};

static void
on_result(const struct aws_sts_result *res, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->err = res->err;
	s->attempts = res->attempts;
	snprintf(s->code, sizeof s->code, "%s", res->code);
	snprintf(s->message, sizeof s->message, "%s", res->message);
	snprintf(s->arn, sizeof s->arn, "%s", res->arn);
	snprintf(s->account, sizeof s->account, "%s", res->account);
	if (res->creds != NULL) {
		snprintf(s->key_id, sizeof s->key_id, "%s", res->creds->access_key_id);
		s->has_token = res->creds->session_token != NULL;
		s->expires = res->creds->expires_ms;
	}
}

static struct aws_sts *
new_sts(const char *region)
{
	char url[64], *cause = NULL;
	struct aws_sts *sts;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	sts = aws_sts_create(client, url, region, &cause);
	CHECK(sts != NULL);
	free(cause);
	return sts;
}

static char tc_id[] = "AKIDEXAMPLE", tc_secret[] = "secret-example", tc_token[] = "session-example";
static const struct aws_creds test_creds = {tc_id, tc_secret, tc_token, 0, 0};

static void
test_client_assume_role(void)
{
	struct aws_sts *sts = new_sts("eu-west-1");
	struct aws_sts_assume_params p = {.role_arn = "arn:aws:iam::123456789012:role/demo",
	                                  .session_name = "s 1",
	                                  .external_id = "ext/1",
	                                  .duration_s = 900};
	struct seen s;
	char host[32];

	memset(&s, 0, sizeof s);
	srv_answers(200, ASSUME_OK, 0, NULL);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s);
	CHECK_INT(s.calls, 0); /* never from within the call */
	CHECK_INT(wait_for(&s.calls, 1, 5000), 0);
	CHECK_INT(s.err, AWS_OK);
	CHECK_STR(s.key_id, "ASIAIOSFODNN7EXAMPLE");
	CHECK(s.has_token);
	CHECK_INT(s.expires, 2082855845000LL);
	CHECK_STR(s.arn, "arn:aws:sts::123456789012:assumed-role/demo/s1");
	CHECK_STR(srv.method, "POST");
	CHECK_STR(srv.path, "/");
	CHECK_STR(srv.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
	                    "3A123456789012%3Arole%2Fdemo&RoleSessionName=s%201&DurationSeconds="
	                    "900&ExternalId=ext%2F1");
	CHECK_STR(srv.content_type, "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_CONTAINS(srv.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
	CHECK_CONTAINS(srv.authorization, "/eu-west-1/sts/aws4_request");
	CHECK_CONTAINS(srv.authorization, "SignedHeaders=content-type;host;x-amz-date;"
	                                  "x-amz-security-token");
	CHECK_STR(srv.security_token, "session-example");
	snprintf(host, sizeof host, "127.0.0.1:%d", srv.port);
	CHECK_STR(srv.host, host);
	aws_sts_free(sts);
}

static void
test_client_web_identity(void)
{
	struct aws_sts *sts = new_sts(NULL);
	struct aws_sts_assume_params p = {.role_arn = "arn:aws:iam::1:role/r",
	                                  .session_name = "pod",
	                                  .web_identity_token = "eyJ.a+b=.c"};
	struct seen s;

	memset(&s, 0, sizeof s);
	srv_answers(200, ASSUME_OK, 0, NULL);
	aws_sts_assume_role_with_web_identity(sts, &p, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 5000), 0);
	CHECK_INT(s.err, AWS_OK);
	CHECK_STR(s.key_id, "ASIAIOSFODNN7EXAMPLE");
	CHECK(srv.authorization == NULL);
	CHECK(srv.security_token == NULL);
	CHECK_STR(srv.body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%"
	                    "3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=pod&WebIdentityToken="
	                    "eyJ.a%2Bb%3D.c");
	aws_sts_free(sts);
}

static void
test_client_caller_identity(void)
{
	const char *gci = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::"
	                  "999:user/u</Arn><UserId>AIDA</UserId><Account>999</Account>"
	                  "</GetCallerIdentityResult></GetCallerIdentityResponse>";
	struct aws_sts *sts = new_sts("us-east-1");
	char id[] = "AKIDPLAIN", secret[] = "s";
	struct aws_creds plain = {id, secret, NULL, 0, 0};
	struct seen s;

	memset(&s, 0, sizeof s);
	srv_answers(200, gci, 0, NULL);
	aws_sts_get_caller_identity(sts, &plain, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 5000), 0);
	CHECK_INT(s.err, AWS_OK);
	CHECK_STR(s.arn, "arn:aws:iam::999:user/u");
	CHECK_STR(s.account, "999");
	CHECK_STR(s.key_id, "");
	CHECK_STR(srv.body, "Action=GetCallerIdentity&Version=2011-06-15");
	CHECK_CONTAINS(srv.authorization, "Credential=AKIDPLAIN/");
	CHECK(srv.security_token == NULL);
	aws_sts_free(sts);
}

static void
test_client_errors(void)
{
	struct aws_sts *sts = new_sts("us-east-1");
	struct aws_sts_assume_params p = {.role_arn = "arn:aws:iam::1:role/r", .session_name = "s"};
	struct seen s;

	memset(&s, 0, sizeof s);
	srv_answers(403, ERROR_XML("AccessDenied", "not authorized to perform sts:AssumeRole"), 0,
	            NULL);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 5000), 0);
	CHECK_INT(s.err, AWS_ERR_AUTH);
	CHECK_STR(s.code, "AccessDenied");
	CHECK_CONTAINS(s.message, "AccessDenied: not authorized to perform sts:AssumeRole");
	CHECK_INT(s.attempts, 1);
	CHECK_INT(srv.requests, 1);

	/* A success without credentials is garbled, and garbled answers are retried. */
	memset(&s, 0, sizeof s);
	srv_answers(200, "<AssumeRoleResponse/>", 0, NULL);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 10000), 0);
	CHECK_INT(s.err, AWS_ERR_TRANSIENT);
	CHECK_CONTAINS(s.message, "no complete credentials");
	aws_sts_free(sts);
}

static void
test_client_retries(void)
{
	struct aws_sts *sts = new_sts("us-east-1");
	struct aws_sts_assume_params p = {.role_arn = "arn:aws:iam::1:role/r", .session_name = "s"};
	struct seen s;

	memset(&s, 0, sizeof s);
	srv_answers(500, "<html>oops</html>", 200, ASSUME_OK);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 10000), 0);
	CHECK_INT(s.err, AWS_OK);
	CHECK_INT(s.attempts, 2);
	CHECK_INT(srv.requests, 2);

	memset(&s, 0, sizeof s);
	srv_answers(400, ERROR_XML("Throttling", "Rate exceeded"), 0, NULL);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s);
	CHECK_INT(wait_for(&s.calls, 1, 10000), 0);
	CHECK_INT(s.err, AWS_ERR_THROTTLED);
	CHECK_INT(s.attempts, 3);
	CHECK_INT(srv.requests, 3);
	aws_sts_free(sts);
}

/* Cancelled calls and calls pending at free never call back. */
static void
test_client_cancel(void)
{
	struct aws_sts *sts = new_sts("us-east-1");
	struct aws_sts_assume_params p = {.role_arn = "arn:aws:iam::1:role/r", .session_name = "s"};
	struct aws_sts_call *c;
	struct seen s1, s2, s3;

	memset(&s1, 0, sizeof s1);
	memset(&s2, 0, sizeof s2);
	memset(&s3, 0, sizeof s3);
	srv_answers(200, ASSUME_OK, 0, NULL);
	c = aws_sts_assume_role(sts, &test_creds, &p, on_result, &s1);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s2);
	aws_sts_cancel(c);
	CHECK_INT(wait_for(&s2.calls, 1, 5000), 0);
	CHECK_INT(s1.calls, 0);
	aws_sts_assume_role(sts, &test_creds, &p, on_result, &s3);
	aws_sts_free(sts);
	event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_INT(s3.calls, 0);
}

static void
test_client_bad_endpoint(void)
{
	char *cause = NULL;

	CHECK(aws_sts_create(client, "sts.example.com", "us-east-1", &cause) == NULL);
	CHECK_CONTAINS(cause, "http:// or https://");
	free(cause);
}

int
main(void)
{
	char *cause = NULL;

	TEST(test_parse_assume);
	TEST(test_parse_identity_and_error);
	TEST(test_parse_hostile);
	TEST(test_time_parse);
	TEST(test_classify);

	loop_init();
	base = loop_base();
	if (http_client_create(base, "test", &client, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	srv_start();
	TEST(test_client_assume_role);
	TEST(test_client_web_identity);
	TEST(test_client_caller_identity);
	TEST(test_client_errors);
	TEST(test_client_retries);
	TEST(test_client_cancel);
	TEST(test_client_bad_endpoint);
	http_client_free(client);
	evhttp_free(srv.http);
	free(srv.body);
	free(srv.authorization);
	free(srv.security_token);
	free(srv.content_type);
	free(srv.host);
	loop_free();
	return test_done();
}
