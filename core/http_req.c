/*
 * Building an HTTP request (the setters of core/http.h) and reading its
 * answer: headers, status and body as curl hands them over, capped. The
 * multi glue that runs requests is in core/http.c.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_impl.h"
#include "core/log.h"
#include "core/xmalloc.h"

struct http_req *
http_req_new(struct http_client *c, const char *method, const char *url)
{
	struct http_req *r = xcalloc(1, sizeof *r);

	r->c = c;
	r->state = HTTP_REQ_NEW;
	r->method = xstrdup(method);
	r->url = xstrdup(url);
	r->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
	r->connect_ms = HTTP_DEFAULT_CONNECT_MS;
	r->max_body = HTTP_DEFAULT_MAX_BODY;
	buf_init(&r->body);
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	return r;
}

void
http_req_free(struct http_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	http_hdrs_clear(r);
	free(r->hdrs);
	buf_clear(&r->body);
	free(r->method);
	free(r->url);
	free(r->bad_header);
	free(r->body_out);
	free(r->ca_file);
	free(r->ca_pem);
	free(r->cert_pem);
	free(r->key_pem);
	free(r->proxy);
	free(r);
}

/* Appends one line, as curl reads it, to the request headers. */
static void
http_req_header_line(struct http_req *r, const char *line)
{
	struct curl_slist *l = curl_slist_append(r->headers, line);

	if (l == NULL)
		fatalx("out of memory adding a request header");
	r->headers = l;
}

void
http_req_header(struct http_req *r, const char *name, const char *value)
{
	char *line;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL || *name == '\0') {
		if (r->bad_header == NULL)
			r->bad_header = xasprintf("the request header \"%s\" is malformed", name);
		return;
	}
	if (strcasecmp(name, "Content-Type") == 0)
		r->has_content_type = 1;
	/* curl's way to send a header with an empty value is "Name;". */
	if (*value == '\0')
		line = xasprintf("%s;", name);
	else
		line = xasprintf("%s: %s", name, value);
	http_req_header_line(r, line);
	free(line);
}

void
http_req_body(struct http_req *r, const void *p, size_t len)
{
	free(r->body_out);
	r->body_out = xmalloc(len + 1);
	if (len > 0)
		memcpy(r->body_out, p, len);
	r->body_out[len] = '\0';
	r->body_out_len = len;
	r->has_body = 1;
}

void
http_req_timeout(struct http_req *r, uint64_t ms)
{
	r->timeout_ms = ms;
}

void
http_req_connect_timeout(struct http_req *r, uint64_t ms)
{
	r->connect_ms = ms;
}

void
http_req_low_speed(struct http_req *r, long bytes, long secs)
{
	r->low_bytes = bytes;
	r->low_secs = secs;
}

void
http_req_max_body(struct http_req *r, size_t max)
{
	r->max_body = max;
}

static void
http_replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

void
http_req_tls(struct http_req *r, const struct http_tls *tls)
{
	http_replace_str(&r->ca_file, tls->ca_file);
	http_replace_str(&r->ca_pem, tls->ca_pem);
	http_replace_str(&r->cert_pem, tls->cert_pem);
	http_replace_str(&r->key_pem, tls->key_pem);
	r->insecure = tls->insecure;
}

void
http_req_proxy(struct http_req *r, const char *proxy_url)
{
	http_replace_str(&r->proxy, proxy_url);
}

void
http_req_stream(struct http_req *r, http_data_cb data_cb, void *arg)
{
	r->data_cb = data_cb;
	r->data_arg = arg;
}

long
http_req_status(const struct http_req *r)
{
	return r->status;
}

const char *
http_resp_header(const struct http_resp *resp, const char *name)
{
	const struct http_req *r = resp->req;
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	}
	return NULL;
}

/* CURLOPT_WRITEFUNCTION: collects the body under its cap or streams it. */
static size_t
http_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t len = size * n;

	if (r->state == HTTP_REQ_CANCELLED)
		return HTTP_WRITE_FAIL;
	r->c->stats.bytes_in += len;
	if (r->data_cb != NULL) {
		if (r->data_cb(p, len, r->data_arg) != 0) {
			r->abort = HTTP_ABORT_DATA_CB;
			return HTTP_WRITE_FAIL;
		}
		/* The callback may have cancelled this very request. */
		return r->state == HTTP_REQ_CANCELLED ? HTTP_WRITE_FAIL : len;
	}
	if (len > r->max_body - r->body.len) {
		r->abort = HTTP_ABORT_TOO_BIG;
		return HTTP_WRITE_FAIL;
	}
	buf_add(&r->body, p, len);
	return len;
}

void
http_hdrs_clear(struct http_req *r)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	r->nhdrs = 0;
	r->hdr_bytes = 0;
}

/* Reads the code of a status line ("HTTP/1.1 200 OK", "HTTP/2 404"). */
static long
http_parse_status(const char *p, size_t len)
{
	size_t i = 0;
	long code = 0;

	while (i < len && p[i] != ' ')
		i++;
	while (i < len && p[i] == ' ')
		i++;
	while (i < len && isdigit((unsigned char)p[i]) && code < 1000)
		code = code * 10 + (p[i++] - '0');
	return code;
}

static void
http_hdrs_add(struct http_req *r, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len), *v, *end = p + len;
	const char *name_end;
	struct http_hdr *h;

	if (colon == NULL || colon == p)
		return; /* the blank line ending the block, or an obsolete fold */
	name_end = colon;
	while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (r->nhdrs == r->hdrs_cap) {
		r->hdrs_cap = r->hdrs_cap == 0 ? 16 : r->hdrs_cap * 2;
		r->hdrs = xreallocarray(r->hdrs, r->hdrs_cap, sizeof *r->hdrs);
	}
	h = &r->hdrs[r->nhdrs++];
	h->name = xstrndup(p, (size_t)(name_end - p));
	h->value = xstrndup(v, (size_t)(end - v));
}

/*
 * CURLOPT_HEADERFUNCTION: keeps the headers of the latest response only, so
 * an interim 1xx or a proxy's answer does not mix with the final one.
 */
static size_t
http_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t len = size * n;

	if (r->state == HTTP_REQ_CANCELLED)
		return HTTP_WRITE_FAIL;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		http_hdrs_clear(r);
		r->status = http_parse_status(p, len);
		return len;
	}
	r->hdr_bytes += len;
	if (r->hdr_bytes > HTTP_MAX_HEADER_BYTES) {
		r->abort = HTTP_ABORT_HEADERS_BIG;
		return HTTP_WRITE_FAIL;
	}
	http_hdrs_add(r, p, len);
	return len;
}

#define HTTP_SETOPT(r, opt, val, failed)                                                           \
	do {                                                                                       \
		if (curl_easy_setopt((r)->easy, opt, val) != CURLE_OK && *(failed) == NULL)        \
			*(failed) = #opt;                                                          \
	} while (0)

/* Chooses the method and attaches the body the way curl expects. */
static void
http_req_setup_method(struct http_req *r, const char **failed)
{
	int needs_body = r->has_body || strcmp(r->method, "POST") == 0 ||
	                 strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0;

	if (strcmp(r->method, "GET") == 0 && !r->has_body)
		HTTP_SETOPT(r, CURLOPT_HTTPGET, 1L, failed);
	else if (strcmp(r->method, "HEAD") == 0)
		HTTP_SETOPT(r, CURLOPT_NOBODY, 1L, failed);
	else
		HTTP_SETOPT(r, CURLOPT_CUSTOMREQUEST, r->method, failed);
	if (needs_body && strcmp(r->method, "HEAD") != 0) {
		HTTP_SETOPT(r, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_out_len, failed);
		HTTP_SETOPT(r, CURLOPT_POSTFIELDS, r->body_out != NULL ? r->body_out : "", failed);
		/* curl would otherwise label the body a form. */
		if (!r->has_content_type)
			http_req_header_line(r, "Content-Type:");
	}
	/* A 100-continue round trip only delays requests to servers we trust anyway. */
	http_req_header_line(r, "Expect:");
}

/* Hands curl a PEM string, which it copies. */
static void
http_req_set_blob(struct http_req *r, CURLoption opt, const char *pem, const char **failed)
{
	struct curl_blob blob = {(void *)(uintptr_t)pem, strlen(pem), CURL_BLOB_COPY};

	if (curl_easy_setopt(r->easy, opt, &blob) != CURLE_OK && *failed == NULL)
		*failed = "a TLS blob option";
}

static void
http_req_setup_tls(struct http_req *r, const char **failed)
{
	if (r->insecure) {
		HTTP_SETOPT(r, CURLOPT_SSL_VERIFYPEER, 0L, failed);
		HTTP_SETOPT(r, CURLOPT_SSL_VERIFYHOST, 0L, failed);
	}
	if (r->ca_pem != NULL) {
		/* Trust this bundle only, as kubectl does with certificate-authority-data. */
		if (r->ca_file == NULL)
			HTTP_SETOPT(r, CURLOPT_CAINFO, (char *)NULL, failed);
		HTTP_SETOPT(r, CURLOPT_CAPATH, (char *)NULL, failed);
		http_req_set_blob(r, CURLOPT_CAINFO_BLOB, r->ca_pem, failed);
	}
	if (r->ca_file != NULL)
		HTTP_SETOPT(r, CURLOPT_CAINFO, r->ca_file, failed);
	if (r->cert_pem != NULL) {
		http_req_set_blob(r, CURLOPT_SSLCERT_BLOB, r->cert_pem, failed);
		HTTP_SETOPT(r, CURLOPT_SSLCERTTYPE, "PEM", failed);
	}
	if (r->key_pem != NULL) {
		http_req_set_blob(r, CURLOPT_SSLKEY_BLOB, r->key_pem, failed);
		HTTP_SETOPT(r, CURLOPT_SSLKEYTYPE, "PEM", failed);
	}
}

static long
http_ms(uint64_t ms)
{
	return ms > (uint64_t)LONG_MAX ? LONG_MAX : (long)ms;
}

static void
http_req_setup_limits(struct http_req *r, const char **failed)
{
	HTTP_SETOPT(r, CURLOPT_TIMEOUT_MS, http_ms(r->timeout_ms), failed);
	HTTP_SETOPT(r, CURLOPT_CONNECTTIMEOUT_MS, http_ms(r->connect_ms), failed);
	if (r->low_bytes > 0 && r->low_secs > 0) {
		HTTP_SETOPT(r, CURLOPT_LOW_SPEED_LIMIT, r->low_bytes, failed);
		HTTP_SETOPT(r, CURLOPT_LOW_SPEED_TIME, r->low_secs, failed);
	}
	/* Refuses up front a body whose announced length is over the cap. */
	if (r->data_cb == NULL && r->max_body <= (size_t)INT64_MAX)
		HTTP_SETOPT(r, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body, failed);
	/* Long-lived streams notice a vanished peer. */
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPALIVE, 1L, failed);
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPIDLE, 30L, failed);
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPINTVL, 15L, failed);
}

/* Builds the easy handle from what the setters recorded; -1 with the reason in errbuf. */
int
http_req_setup(struct http_req *r)
{
	const char *failed = NULL;

	if (r->bad_header != NULL) {
		snprintf(r->errbuf, sizeof r->errbuf, "%s", r->bad_header);
		return -1;
	}
	r->easy = curl_easy_init();
	if (r->easy == NULL)
		fatalx("libcurl cannot create a transfer");
	HTTP_SETOPT(r, CURLOPT_URL, r->url, &failed);
	HTTP_SETOPT(r, CURLOPT_PRIVATE, (void *)r, &failed);
	HTTP_SETOPT(r, CURLOPT_ERRORBUFFER, r->errbuf, &failed);
	HTTP_SETOPT(r, CURLOPT_NOSIGNAL, 1L, &failed);
	HTTP_SETOPT(r, CURLOPT_PROTOCOLS_STR, "http,https", &failed);
	HTTP_SETOPT(r, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS, &failed);
	/*
	 * Over TLS, wait for a connection being set up to say (by ALPN) whether it
	 * multiplexes rather than open one per request. Not over plain HTTP: that
	 * is only known from the first response, and a slow one would hold the rest.
	 */
	if (strncasecmp(r->url, "https://", 8) == 0)
		HTTP_SETOPT(r, CURLOPT_PIPEWAIT, 1L, &failed);
	HTTP_SETOPT(r, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L, &failed);
	if (r->c->user_agent != NULL)
		HTTP_SETOPT(r, CURLOPT_USERAGENT, r->c->user_agent, &failed);
	HTTP_SETOPT(r, CURLOPT_WRITEFUNCTION, http_on_body, &failed);
	HTTP_SETOPT(r, CURLOPT_WRITEDATA, r, &failed);
	HTTP_SETOPT(r, CURLOPT_HEADERFUNCTION, http_on_header, &failed);
	HTTP_SETOPT(r, CURLOPT_HEADERDATA, r, &failed);
	http_req_setup_method(r, &failed);
	http_req_setup_limits(r, &failed);
	http_req_setup_tls(r, &failed);
	if (r->proxy != NULL)
		HTTP_SETOPT(r, CURLOPT_PROXY, r->proxy, &failed);
	HTTP_SETOPT(r, CURLOPT_HTTPHEADER, r->headers, &failed);
	if (failed != NULL) {
		snprintf(r->errbuf, sizeof r->errbuf, "libcurl rejected the option %s", failed);
		return -1;
	}
	return 0;
}
