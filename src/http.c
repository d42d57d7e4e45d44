/* The signed HTTPS client (see http.h). One call is a loop of attempts:
 *
 *   sign with now + clock offset -> perform on the one CURL handle -> classify
 *     2xx                             done
 *     skew error with a far-off Date  learn the offset, retry at once (once per call)
 *     retryable (network, timeout,    back off rand × min(2^(n-1), 20) s, clamped to the
 *       5xx, throttling)                deadline, while attempts and retry quota last
 *     anything else                   typed error, no retry
 *
 * curl_easy_reset between attempts clears the options but keeps the live
 * connection and the TLS session cache, which is what lets consecutive page
 * requests skip the handshake. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws_error.h"
#include "clock_skew.h"

#ifndef BUCKETLIST_VERSION
#define BUCKETLIST_VERSION "0.0.0"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_ATTEMPT_TIMEOUT_MS 10000L
#define DEFAULT_DEADLINE_MS 25000L
#define DEFAULT_MAX_RESPONSE_BYTES ((size_t)BUF_MAX_RESPONSE)

/* Upper bounds for the environment settings: beyond them a value is surely a typo. */
#define MAX_TIMEOUT_MS 600000L
#define MAX_DEADLINE_MS 3600000L
#define MAX_ATTEMPTS_LIMIT 50L
#define MAX_RESPONSE_LIMIT (1024L * 1024L * 1024L)

#define HEADER_FIELD_MAX 128

typedef enum { DEADLINE_PER_CALL, DEADLINE_AT, DEADLINE_NONE } deadline_mode;

struct http_client {
    CURL *curl;
    http_config cfg;
    long clock_offset;
    deadline_mode deadline_kind;
    long long deadline_at_ms; /* CLOCK_MONOTONIC, for DEADLINE_AT */
    long deadline_len_ms;     /* what the deadline was set to, for messages */
    int call_count;
    retry_quota quota;
    retry_random_fn random;
    void *random_ctx;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- configuration ---- */

static int env_long(const char *name, long min, long max, long *out, bl_error *err)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        return 0;
    errno = 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
        return bl_error_set(err, BL_ERR_CONFIG, "%s=\"%.32s\" is not valid: it must be a whole number from %ld to %ld. "
                            "Fix or unset %s.", name, v, min, max, name);
    *out = n;
    return 0;
}

int http_config_from_env(http_config *cfg, bl_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    cfg->attempt_timeout_ms = DEFAULT_ATTEMPT_TIMEOUT_MS;
    cfg->deadline_ms = DEFAULT_DEADLINE_MS;
    cfg->max_attempts = RETRY_DEFAULT_MAX_ATTEMPTS;
    cfg->max_response_bytes = DEFAULT_MAX_RESPONSE_BYTES;

    long attempts = cfg->max_attempts;
    long max_resp = (long)cfg->max_response_bytes;
    if (env_long("BUCKETLIST_CONNECT_TIMEOUT_MS", 1, MAX_TIMEOUT_MS, &cfg->connect_timeout_ms, err) != 0 ||
        env_long("BUCKETLIST_ATTEMPT_TIMEOUT_MS", 1, MAX_TIMEOUT_MS, &cfg->attempt_timeout_ms, err) != 0 ||
        env_long("BUCKETLIST_DEADLINE_MS", 1, MAX_DEADLINE_MS, &cfg->deadline_ms, err) != 0 ||
        env_long("AWS_MAX_ATTEMPTS", 1, MAX_ATTEMPTS_LIMIT, &attempts, err) != 0 ||
        env_long("BUCKETLIST_MAX_RESPONSE_BYTES", 1, MAX_RESPONSE_LIMIT, &max_resp, err) != 0)
        return -1;
    cfg->max_attempts = (int)attempts;
    cfg->max_response_bytes = (size_t)max_resp;

    const char *ca = getenv("AWS_CA_BUNDLE");
    if (ca != NULL && ca[0] != '\0') {
        if (strlen(ca) >= sizeof cfg->ca_bundle)
            return bl_error_set(err, BL_ERR_CONFIG, "AWS_CA_BUNDLE is longer than %zu bytes: use a shorter path.",
                                sizeof cfg->ca_bundle - 1);
        if (access(ca, R_OK) != 0)
            return bl_error_set(err, BL_ERR_CONFIG, "AWS_CA_BUNDLE names %s, which cannot be read (%s): "
                                "point it at a PEM file of CA certificates, or unset it to use the system store.",
                                ca, strerror(errno));
        snprintf(cfg->ca_bundle, sizeof cfg->ca_bundle, "%s", ca);
    }
    return 0;
}

/* ---- client ---- */

static int curl_users;

http_client *http_client_new(const http_config *cfg, bl_error *err)
{
    if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        bl_error_set(err, BL_ERR_NOMEM, "libcurl failed to initialize (curl_global_init); check that the "
                     "TLS library is installed correctly.");
        return NULL;
    }
    curl_users++;
    http_client *c = calloc(1, sizeof *c);
    if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        if (--curl_users == 0)
            curl_global_cleanup();
        bl_error_set(err, BL_ERR_NOMEM, "out of memory creating the HTTP client");
        return NULL;
    }
    c->cfg = *cfg;
    if (c->cfg.max_attempts < 1)
        c->cfg.max_attempts = 1;
    c->deadline_kind = DEADLINE_PER_CALL;
    retry_quota_init(&c->quota);
    c->random = retry_random_default;
    return c;
}

void http_client_free(http_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
    if (curl_users > 0 && --curl_users == 0)
        curl_global_cleanup();
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

void http_client_start_deadline(http_client *c, long ms)
{
    if (ms < 0) {
        c->deadline_kind = DEADLINE_NONE;
        return;
    }
    c->deadline_len_ms = ms == 0 ? c->cfg.deadline_ms : ms;
    c->deadline_at_ms = mono_ms() + c->deadline_len_ms;
    c->deadline_kind = DEADLINE_AT;
}

int http_client_take_call_count(http_client *c)
{
    int n = c->call_count;
    c->call_count = 0;
    return n;
}

time_t http_client_now(const http_client *c)
{
    return time(NULL) + (time_t)c->clock_offset;
}

long http_client_clock_offset(const http_client *c)
{
    return c->clock_offset;
}

void http_client_set_clock_offset(http_client *c, long offset)
{
    c->clock_offset = offset;
}

const http_config *http_client_config(const http_client *c)
{
    return &c->cfg;
}

void http_client_set_random(http_client *c, retry_random_fn fn, void *ctx)
{
    c->random = fn != NULL ? fn : retry_random_default;
    c->random_ctx = fn != NULL ? ctx : NULL;
}

void http_response_free(http_response *r)
{
    if (r == NULL)
        return;
    buf_free(&r->body);
    memset(r, 0, sizeof *r);
}

/* ---- URL ---- */

typedef struct {
    char *host_header; /* host[:port], port only when not the scheme's default */
    char *path;        /* percent-decoded, for the signer */
    char *query;       /* as given, without '?', NULL if none */
    char *display;     /* scheme://host[:port]/path, no query: for messages */
} url_parts;

static void url_parts_free(url_parts *u)
{
    free(u->host_header);
    free(u->path);
    curl_free(u->query);
    free(u->display);
    memset(u, 0, sizeof *u);
}

static int url_split(const char *url, url_parts *out, bl_error *err)
{
    memset(out, 0, sizeof *out);
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *raw_path = NULL, *path = NULL;
    int rc = -1;
    if (h == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing a URL");
        goto cleanup;
    }
    if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        bl_error_set(err, BL_ERR_CONFIG, "\"%.200s\" is not a valid URL: check the endpoint settings "
                     "(AWS_ENDPOINT_URL and the AWS_ENDPOINT_URL_<SERVICE> variables).", url);
        goto cleanup;
    }
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        bl_error_set(err, BL_ERR_CONFIG, "\"%.200s\": only http:// and https:// endpoints are supported.", url);
        goto cleanup;
    }
    CURLUcode pc = curl_url_get(h, CURLUPART_PORT, &port, 0);
    if (pc != CURLUE_OK && pc != CURLUE_NO_PORT) {
        bl_error_set(err, BL_ERR_CONFIG, "\"%.200s\" has an invalid port.", url);
        goto cleanup;
    }
    bool default_port = port == NULL || (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0) ||
                        (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0);
    if (curl_url_get(h, CURLUPART_PATH, &raw_path, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
        bl_error_set(err, BL_ERR_INPUT, "\"%.200s\": the path is not valid percent-encoding.", url);
        goto cleanup;
    }
    CURLUcode qc = curl_url_get(h, CURLUPART_QUERY, &out->query, 0);
    if (qc != CURLUE_OK && qc != CURLUE_NO_QUERY) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing a URL");
        goto cleanup;
    }
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    if (!buf_appendf(&b, "%s%s%s", host, default_port ? "" : ":", default_port ? "" : port) ||
        (out->host_header = buf_take(&b)) == NULL ||
        !buf_appendf(&b, "%s://%s%s", scheme, out->host_header, raw_path) ||
        (out->display = buf_take(&b)) == NULL || (out->path = str_dup(path)) == NULL) {
        buf_free(&b);
        bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing a URL");
        goto cleanup;
    }
    rc = 0;
cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(raw_path);
    curl_free(path);
    curl_url_cleanup(h);
    if (rc != 0)
        url_parts_free(out);
    return rc;
}

/* ---- one attempt ---- */

typedef struct {
    http_response *resp;
    bool too_large;
    char error_type[HEADER_FIELD_MAX]; /* X-Amzn-ErrorType */
} attempt_io;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    attempt_io *io = ud;
    size_t n = size * nmemb;
    if (!buf_append(&io->resp->body, data, n)) {
        /* Returning short makes curl abort with CURLE_WRITE_ERROR: the rest is never buffered. */
        io->too_large = true;
        return 0;
    }
    return n;
}

static void copy_header_value(char *dst, size_t dst_size, const char *v, size_t len)
{
    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (len >= dst_size)
        len = dst_size - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static bool header_is(const char *line, size_t len, const char *name, const char **value, size_t *value_len)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    *value = line + n + 1;
    *value_len = len - n - 1;
    return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    attempt_io *io = ud;
    size_t n = size * nmemb;
    const char *v;
    size_t vlen;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue, say): forget the previous response's headers. */
        io->resp->date[0] = '\0';
        io->resp->request_id[0] = '\0';
        io->error_type[0] = '\0';
    } else if (header_is(data, n, "Date", &v, &vlen)) {
        copy_header_value(io->resp->date, sizeof io->resp->date, v, vlen);
    } else if (header_is(data, n, "x-amzn-RequestId", &v, &vlen) ||
               header_is(data, n, "x-amz-request-id", &v, &vlen)) {
        copy_header_value(io->resp->request_id, sizeof io->resp->request_id, v, vlen);
    } else if (header_is(data, n, "X-Amzn-ErrorType", &v, &vlen)) {
        copy_header_value(io->error_type, sizeof io->error_type, v, vlen);
    }
    return n;
}

static bool has_header(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return true;
    }
    return false;
}

static bool replaced_by_signer(const sigv4_result *sig, const char *name)
{
    for (size_t i = 0; sig != NULL && i < sig->n_added; i++) {
        if (strcasecmp(sig->added[i].name, name) == 0)
            return true;
    }
    return false;
}

/* Header lines may carry tokens: wipe them before libcurl frees the list. */
static void slist_free_wiped(struct curl_slist *list)
{
    for (struct curl_slist *p = list; p != NULL; p = p->next)
        OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(list);
}

static bool slist_add(struct curl_slist **list, const char *name, const char *value)
{
    buf_t line;
    buf_init(&line, BUF_MAX_SMALL);
    /* "Name;" is curl's way to send a header with an empty value ("Name:" would remove it). */
    bool ok = value[0] == '\0' ? buf_appendf(&line, "%s;", name) : buf_appendf(&line, "%s: %s", name, value);
    struct curl_slist *next = ok ? curl_slist_append(*list, buf_cstr(&line)) : NULL;
    buf_free(&line);
    if (next == NULL)
        return false;
    *list = next;
    return true;
}

/* Host, the caller's headers, the signer's, and two suppressions: no `Expect: 100-continue`, and
 * no form Content-Type invented by curl for a body sent without one. */
static struct curl_slist *build_headers(const http_request *req, const url_parts *u, const sigv4_result *sig)
{
    struct curl_slist *list = NULL;
    bool ok = slist_add(&list, "Host", u->host_header);
    for (size_t i = 0; ok && i < req->n_headers; i++) {
        const http_header *h = &req->headers[i];
        if (strcasecmp(h->name, "Host") == 0 || replaced_by_signer(sig, h->name))
            continue;
        ok = slist_add(&list, h->name, h->value);
    }
    for (size_t i = 0; ok && sig != NULL && i < sig->n_added; i++)
        ok = slist_add(&list, sig->added[i].name, sig->added[i].value);
    if (ok) {
        struct curl_slist *next = curl_slist_append(list, "Expect:");
        ok = next != NULL;
        list = ok ? next : list;
    }
    if (ok && req->body_len > 0 && !has_header(req, "Content-Type")) {
        struct curl_slist *next = curl_slist_append(list, "Content-Type:");
        ok = next != NULL;
        list = ok ? next : list;
    }
    if (!ok) {
        slist_free_wiped(list);
        return NULL;
    }
    return list;
}

static int sign_attempt(http_client *c, const http_request *req, const url_parts *u, sigv4_result *sig,
                        bl_error *err)
{
    size_t n = req->n_headers + 1;
    http_header *all = calloc(n, sizeof *all);
    if (all == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory signing a request");
    all[0].name = "Host";
    all[0].value = u->host_header;
    size_t k = 1;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, "Host") != 0)
            all[k++] = req->headers[i];
    }
    sigv4_params p = {
        .credentials = req->credentials,
        .region = req->region,
        .service = req->service,
        .now = http_client_now(c),
        .normalize_path = !req->s3,
        .add_content_sha256 = req->s3,
        .payload_hash = NULL,
    };
    int rc = sigv4_sign(&p, req->method, u->path, u->query, all, k, req->body, req->body_len, sig, err);
    free(all);
    return rc;
}

static void set_method(CURL *h, const http_request *req)
{
    bool has_body = req->body_len > 0 || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0;
    if (has_body) {
        /* POSTFIELDS points at the caller's buffer (no copy): the bytes signed are the bytes sent. */
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body != NULL ? (const char *)req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
}

static CURLcode perform_attempt(http_client *c, const http_request *req, struct curl_slist *headers,
                                long connect_ms, long timeout_ms, attempt_io *io)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    c->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    /* Send the path exactly as given: S3 signs it un-normalized, and curl would squash "/../". */
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "bucketlist/" BUCKETLIST_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, io);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, io);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    /* The whole attempt, body included: a server dripping a byte a second cannot hold us longer. */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Instance metadata and container credentials are link-local plain HTTP: a proxy from the
     * environment must never see the tokens and keys they carry. */
    if (req->no_proxy)
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    /* Verification is never switched off; AWS_CA_BUNDLE only changes which CAs are trusted.
     * (VERIFYHOST 2 is curl's "check the name"; 1 means the same since curl 7.66.) */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->cfg.ca_bundle[0] != '\0')
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_bundle);
    set_method(h, req);
    return curl_easy_perform(h);
}

/* ---- classification and messages ---- */

static bool curl_is_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR: /* a reset during the handshake lands here */
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return true;
    default:
        return false;
    }
}

static const char *curl_failure_phrase(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return "could not resolve the host";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "could not resolve the proxy";
    case CURLE_COULDNT_CONNECT:
        return "could not connect";
    case CURLE_OPERATION_TIMEDOUT:
        return "timed out";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return "lost the connection";
    case CURLE_GOT_NOTHING:
        return "got no response (the server closed the connection)";
    case CURLE_PARTIAL_FILE:
        return "got a cut-off response";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
        return "TLS failed";
    default:
        return "the transfer failed";
    }
}

static const char *curl_failure_hint(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return "The server's certificate was not trusted: check the endpoint's name, and AWS_CA_BUNDLE if it "
               "uses a private CA.";
    case CURLE_OPERATION_TIMEDOUT:
        return "The endpoint did not answer in time: check the endpoint and network, or raise "
               "BUCKETLIST_ATTEMPT_TIMEOUT_MS / BUCKETLIST_CONNECT_TIMEOUT_MS.";
    default:
        return "Check the endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), DNS, proxy settings "
               "(HTTPS_PROXY, NO_PROXY) and the network.";
    }
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

/* "<what>: " or "" */
static void label_prefix(const http_request *req, char *out, size_t n)
{
    if (req->what != NULL && req->what[0] != '\0')
        snprintf(out, n, "%s: ", req->what);
    else
        out[0] = '\0';
}

typedef struct {
    bool is_transport;
    CURLcode curl_rc;
    char detail[CURL_ERROR_SIZE]; /* curl's error text for transport failures */
    long status;
    aws_error_info info;
} failure;

static void summarize(const failure *f, char *out, size_t n)
{
    if (f->is_transport)
        snprintf(out, n, "%s (%s)", curl_failure_phrase(f->curl_rc),
                 f->detail[0] != '\0' ? f->detail : curl_easy_strerror(f->curl_rc));
    else if (f->info.code[0] != '\0')
        snprintf(out, n, "HTTP %ld %s", f->status, f->info.code);
    else
        snprintf(out, n, "HTTP %ld", f->status);
}

static int fail_transport(const http_request *req, const url_parts *u, const failure *f, int attempts,
                          bl_error *err)
{
    char label[160];
    label_prefix(req, label, sizeof label);
    bl_errcode code = f->curl_rc == CURLE_OPERATION_TIMEDOUT ? BL_ERR_TIMEOUT : BL_ERR_NETWORK;
    err->http_status = 0;
    err->aws_code[0] = '\0';
    return bl_error_set(err, code, "%s%s %s: %s after %d attempt%s (%s). %s", label, req->method, u->display,
                        curl_failure_phrase(f->curl_rc), attempts, plural(attempts),
                        f->detail[0] != '\0' ? f->detail : curl_easy_strerror(f->curl_rc),
                        curl_failure_hint(f->curl_rc));
}

static int fail_response(const http_request *req, const url_parts *u, const failure *f, int attempts,
                         bl_error *err)
{
    char what[200];
    if (req->what != NULL && req->what[0] != '\0')
        snprintf(what, sizeof what, "%s", req->what);
    else
        snprintf(what, sizeof what, "%s %s", req->method, u->display);
    aws_error_set(err, what, f->status, &f->info);
    if (attempts > 1) {
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len, " (gave up after %d attempts)", attempts);
    }
    return -1;
}

static int fail_deadline(const http_client *c, const http_request *req, const url_parts *u, long deadline_ms,
                         const failure *last, int attempts, bl_error *err)
{
    (void)c;
    char label[160], summary[CURL_ERROR_SIZE + 64];
    label_prefix(req, label, sizeof label);
    summary[0] = '\0';
    if (last != NULL) {
        char s[CURL_ERROR_SIZE + 32];
        summarize(last, s, sizeof s);
        snprintf(summary, sizeof summary, "; last failure: %s", s);
        err->http_status = last->is_transport ? 0 : (int)last->status;
        snprintf(err->aws_code, sizeof err->aws_code, "%s", last->is_transport ? "" : last->info.code);
    }
    if (attempts == 0)
        return bl_error_set(err, BL_ERR_TIMEOUT, "%s%s %s: not sent: earlier calls of this page request used up "
                            "its %ld ms time budget. Check the endpoint's health, or raise BUCKETLIST_DEADLINE_MS "
                            "(keep it well under nginx's fastcgi_read_timeout).", label, req->method, u->display,
                            deadline_ms);
    return bl_error_set(err, BL_ERR_TIMEOUT, "%s%s %s: gave up at the %ld ms deadline for this request after %d "
                        "attempt%s%s. Check the endpoint's health, or raise BUCKETLIST_DEADLINE_MS (keep it well "
                        "under nginx's fastcgi_read_timeout).", label, req->method, u->display, deadline_ms,
                        attempts, plural(attempts), summary);
}

static void sleep_ms(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    /* Absolute time, so a signal (EINTR) does not stretch or cut the wait. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
}

/* The request's protocol picks the parser; the other one is a fallback, because front ends and
 * emulators do not always answer in the service's protocol (moto answers JSON 1.1 auth failures
 * with query-style XML). */
static void parse_error_body(const http_request *req, const attempt_io *io, failure *f)
{
    const buf_t *b = &io->resp->body;
    const char *header_type = io->error_type[0] != '\0' ? io->error_type : NULL;
    memset(&f->info, 0, sizeof f->info);
    if (req->errors == HTTP_ERRORS_NONE)
        return;
    bool xml_first = req->errors == HTTP_ERRORS_XML;
    bool found = xml_first ? aws_error_parse_xml(b->data, b->len, &f->info)
                           : aws_error_parse_json(b->data, b->len, header_type, &f->info);
    if (found)
        return;
    aws_error_info other;
    found = xml_first ? aws_error_parse_json(b->data, b->len, header_type, &other)
                      : aws_error_parse_xml(b->data, b->len, &other);
    if (found)
        f->info = other;
}

static int validate_request(const http_request *req, bl_error *err)
{
    if (req == NULL || req->method == NULL || req->url == NULL || req->method[0] == '\0')
        return bl_error_set(err, BL_ERR_INPUT, "http_call: a request needs a method and a URL");
    if (req->credentials != NULL && (req->region == NULL || req->service == NULL))
        return bl_error_set(err, BL_ERR_INPUT, "http_call: a signed request needs a region and a service name");
    if (req->n_headers > 0 && req->headers == NULL)
        return bl_error_set(err, BL_ERR_INPUT, "http_call: n_headers > 0 without headers");
    for (size_t i = 0; i < req->n_headers; i++) {
        const http_header *h = &req->headers[i];
        /* CR/LF in a header would let a value smuggle in another header. */
        if (h->name == NULL || h->value == NULL || h->name[0] == '\0' || strpbrk(h->name, "\r\n:; ") != NULL ||
            strpbrk(h->value, "\r\n") != NULL)
            return bl_error_set(err, BL_ERR_INPUT, "http_call: header %zu has an invalid name or a line break "
                                "in its value", i);
    }
    return 0;
}

/* ---- the call ---- */

int http_call(http_client *c, const http_request *req, http_response *resp, bl_error *err)
{
    bl_error scratch;
    if (err == NULL)
        err = &scratch;
    bl_error_clear(err);
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, c->cfg.max_response_bytes);
    if (validate_request(req, err) != 0)
        return -1;
    url_parts u;
    if (url_split(req->url, &u, err) != 0)
        return -1;

    const int max_attempts = req->max_attempts > 0 ? req->max_attempts : c->cfg.max_attempts;
    const long attempt_to = req->attempt_timeout_ms > 0 ? req->attempt_timeout_ms : c->cfg.attempt_timeout_ms;
    const long connect_to = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : c->cfg.connect_timeout_ms;
    long long deadline = LLONG_MAX;
    long deadline_len = 0;
    if (c->deadline_kind == DEADLINE_AT) {
        deadline = c->deadline_at_ms;
        deadline_len = c->deadline_len_ms;
    } else if (c->deadline_kind == DEADLINE_PER_CALL) {
        deadline_len = c->cfg.deadline_ms;
        deadline = mono_ms() + deadline_len;
    }

    int budget = max_attempts;
    bool skew_corrected = false;
    int retry_cost = 0;
    failure f;
    bool have_failure = false;
    int rc = -1;
    for (;;) {
        long long remaining = deadline - mono_ms();
        if (remaining <= 0) {
            fail_deadline(c, req, &u, deadline_len, have_failure ? &f : NULL, resp->attempts, err);
            break;
        }
        long timeout_ms = attempt_to;
        bool clamped = false;
        if (remaining < timeout_ms) {
            timeout_ms = (long)remaining;
            clamped = true;
        }
        long conn_ms = connect_to < timeout_ms ? connect_to : timeout_ms;

        sigv4_result sig;
        memset(&sig, 0, sizeof sig);
        if (req->credentials != NULL && sign_attempt(c, req, &u, &sig, err) != 0) {
            sigv4_result_free(&sig);
            break;
        }
        struct curl_slist *headers = build_headers(req, &u, req->credentials != NULL ? &sig : NULL);
        sigv4_result_free(&sig);
        if (headers == NULL) {
            bl_error_set(err, BL_ERR_NOMEM, "out of memory building request headers");
            break;
        }

        buf_reset(&resp->body);
        resp->status = 0;
        resp->date[0] = '\0';
        resp->request_id[0] = '\0';
        attempt_io io = {.resp = resp};
        resp->attempts++;
        c->call_count++;
        CURLcode cc = perform_attempt(c, req, headers, conn_ms, timeout_ms, &io);
        slist_free_wiped(headers);
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);

        memset(&f, 0, sizeof f);
        have_failure = true;
        bool after_timeout = false;
        if (io.too_large) {
            err->http_status = (int)resp->status;
            char label[160];
            label_prefix(req, label, sizeof label);
            bl_error_set(err, BL_ERR_TOO_LARGE, "%s%s %s: the response is larger than the %zu-byte cap; not "
                         "retried. Raise BUCKETLIST_MAX_RESPONSE_BYTES if such a response is expected.", label,
                         req->method, u.display, c->cfg.max_response_bytes);
            break;
        }
        if (cc != CURLE_OK) {
            f.is_transport = true;
            f.curl_rc = cc;
            snprintf(f.detail, sizeof f.detail, "%s", c->errbuf);
            after_timeout = cc == CURLE_OPERATION_TIMEDOUT;
            if (after_timeout && clamped) {
                fail_deadline(c, req, &u, deadline_len, &f, resp->attempts, err);
                break;
            }
            if (!curl_is_retryable(cc)) {
                fail_transport(req, &u, &f, resp->attempts, err);
                break;
            }
        } else if (resp->status >= 200 && resp->status < 300) {
            retry_quota_release(&c->quota, retry_cost);
            rc = 0;
            break;
        } else {
            f.status = resp->status;
            parse_error_body(req, &io, &f);
            time_t server;
            long offset;
            if (!skew_corrected && clock_skew_is_candidate(f.info.code, f.info.message) &&
                clock_skew_parse_date(resp->date, &server) &&
                clock_skew_new_offset(server, http_client_now(c), time(NULL), &offset)) {
                /* Our clock is off, not the request: fix the clock and try again at once. This retry is
                 * extra, outside the normal attempts, and happens once per call. */
                c->clock_offset = offset;
                skew_corrected = true;
                budget++;
                continue;
            }
            bool retryable = req->errors == HTTP_ERRORS_NONE ? retry_status_is_retryable(f.status)
                                                             : retry_response_is_retryable(f.status, f.info.code);
            if (!retryable) {
                fail_response(req, &u, &f, resp->attempts, err);
                break;
            }
        }

        /* A retryable failure. */
        if (resp->attempts >= budget) {
            if (f.is_transport)
                fail_transport(req, &u, &f, resp->attempts, err);
            else
                fail_response(req, &u, &f, resp->attempts, err);
            break;
        }
        int cost = 0;
        if (!retry_quota_acquire(&c->quota, after_timeout, &cost)) {
            if (f.is_transport)
                fail_transport(req, &u, &f, resp->attempts, err);
            else
                fail_response(req, &u, &f, resp->attempts, err);
            size_t len = strlen(err->message);
            snprintf(err->message + len, sizeof err->message - len,
                     " Not retried: this process's retry quota is used up by earlier failures.");
            break;
        }
        retry_cost = cost;
        int counted = resp->attempts - (skew_corrected ? 1 : 0);
        long delay = retry_backoff_ms(counted, c->random(c->random_ctx));
        if ((long long)delay >= deadline - mono_ms()) {
            /* The next attempt could not even start before the deadline. */
            fail_deadline(c, req, &u, deadline_len, &f, resp->attempts, err);
            break;
        }
        if (delay > 0)
            sleep_ms(delay);
    }
    url_parts_free(&u);
    return rc;
}
