/* The signed HTTPS client every AWS call goes through, on libcurl.
 *
 * One client per process keeps one CURL easy handle, so the connection and
 * TLS session to an endpoint stay alive across page requests. http_call
 * signs each attempt with SigV4 (fresh X-Amz-Date), retries like the SDKs'
 * "standard" mode, corrects clock skew from the server's Date header, caps
 * the response size, and turns AWS error bodies (JSON `__type` or XML
 * `<Code>`) into a typed bl_error. TLS verification is always on.
 *
 * Threads: a client belongs to one thread at a time; create and free clients from one thread
 * (the first client calls curl_global_init). */
#ifndef BUCKETLIST_HTTP_H
#define BUCKETLIST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "credentials.h"
#include "error.h"
#include "retry.h"
#include "sigv4.h"

typedef struct {
    long connect_timeout_ms;   /* BUCKETLIST_CONNECT_TIMEOUT_MS, default 3000 */
    long attempt_timeout_ms;   /* BUCKETLIST_ATTEMPT_TIMEOUT_MS, default 10000 */
    long deadline_ms;          /* BUCKETLIST_DEADLINE_MS, default 25000: one page request, retries included */
    int max_attempts;          /* AWS_MAX_ATTEMPTS, default 3 */
    size_t max_response_bytes; /* BUCKETLIST_MAX_RESPONSE_BYTES, default 4 MiB */
    char ca_bundle[512];       /* AWS_CA_BUNDLE, "" for the system store */
} http_config;

/* Defaults, then the environment variables above. A malformed value is a BL_ERR_CONFIG error. */
int http_config_from_env(http_config *cfg, bl_error *err);

typedef struct http_client http_client;

http_client *http_client_new(const http_config *cfg, bl_error *err);
void http_client_free(http_client *c);

typedef enum {
    HTTP_ERRORS_XML,  /* S3 <Error><Code>, STS <ErrorResponse><Error><Code> */
    HTTP_ERRORS_JSON, /* {"__type": ..., "message"/"Message": ...}, also X-Amzn-ErrorType */
    HTTP_ERRORS_NONE, /* plain endpoints (IMDS, container): status only */
} http_error_format;

typedef struct {
    const char *method;           /* "GET", "POST", "PUT" */
    const char *url;              /* scheme://host[:port][/path][?query], percent-encoded as sent */
    const http_header *headers;   /* extra headers; Host is derived from the URL */
    size_t n_headers;
    const void *body;
    size_t body_len;
    /* Signing: NULL credentials sends the request unsigned. */
    const aws_credentials *credentials;
    const char *region;           /* signing region */
    const char *service;          /* signing name: "s3", "secretsmanager", "sts" */
    bool s3;                      /* S3 rules: path not normalized, x-amz-content-sha256 signed */
    http_error_format errors;
    long attempt_timeout_ms;      /* 0: the client's; IMDS and container use short ones */
    long connect_timeout_ms;      /* 0: the client's */
    int max_attempts;             /* 0: the client's; 1: no retries */
    bool no_proxy;                /* never through a proxy (IMDS, container credentials) */
    const char *what;             /* for messages: "Secrets Manager GetSecretValue", ... */
} http_request;

typedef struct {
    long status;            /* HTTP status of the last attempt, 0 if none arrived */
    buf_t body;             /* body of the last attempt (capped) */
    char date[64];          /* Date header of the last attempt */
    char request_id[128];   /* x-amzn-RequestId / x-amz-request-id, for messages */
    int attempts;           /* attempts made */
} http_response;

/* Sends the request. Returns 0 when a 2xx arrived. Otherwise -1 with err set: transport errors
 * (BL_ERR_NETWORK, BL_ERR_TIMEOUT, BL_ERR_TOO_LARGE) or the service's error (err->http_status,
 * err->aws_code, err->code from the code's class). resp holds the last attempt either way;
 * the caller frees it with http_response_free. */
int http_call(http_client *c, const http_request *req, http_response *resp, bl_error *err);
void http_response_free(http_response *r);

/* Overall deadline for the current page request, `ms` from now; 0 uses the config's deadline_ms,
 * a negative value removes it. Every attempt and backoff is clamped to it; past it, BL_ERR_TIMEOUT. */
void http_client_start_deadline(http_client *c, long ms);
/* Number of HTTP attempts since the last call of this function (for the request log line). */
int http_client_take_call_count(http_client *c);
/* Current time corrected by the learned clock offset (what the signer uses). */
time_t http_client_now(const http_client *c);
long http_client_clock_offset(const http_client *c);
/* The configuration the client was made with. */
const http_config *http_client_config(const http_client *c);
/* Sets the learned clock offset (seconds added to time(NULL)); e.g. to carry it over to a new client. */
void http_client_set_clock_offset(http_client *c, long offset);
/* Replaces the backoff's random source (NULL restores the default); tests make backoff deterministic. */
void http_client_set_random(http_client *c, retry_random_fn fn, void *ctx);

#endif
