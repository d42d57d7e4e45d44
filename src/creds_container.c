/* Source 4: the container credentials endpoint (ECS task roles, EKS Pod
 * Identity).
 *
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is appended to http://169.254.170.2
 * (it wins when both are set, as in botocore). AWS_CONTAINER_CREDENTIALS_
 * FULL_URI may be any https URL; plain http only to hosts that cannot be a
 * man in the middle: loopback (127.0.0.0/8, ::1), the ECS agent
 * 169.254.170.2 and the EKS Pod Identity agent 169.254.170.23 /
 * fd00:ec2::23. A host name must resolve to allowed addresses only; a
 * disallowed URL is refused before any connection is made.
 * The Authorization header is AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE's
 * content (re-read on every fetch; it wins) or AWS_CONTAINER_AUTHORIZATION_
 * TOKEN, exactly as given (no "Bearer"); CR or LF in it is refused so it
 * cannot inject headers. */
#include "creds_provider.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "endpoint.h"

#define ECS_HOST "http://169.254.170.2"
#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_ATTEMPTS 3

static bool ipv4_allowed(const struct in_addr *a)
{
    uint32_t ip = ntohl(a->s_addr);
    return (ip >> 24) == 127 || ip == 0xA9FEAA02u /* 169.254.170.2 */ || ip == 0xA9FEAA17u /* 169.254.170.23 */;
}

static bool ipv6_allowed(const struct in6_addr *a)
{
    static const unsigned char eks[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23};
    if (IN6_IS_ADDR_LOOPBACK(a) || memcmp(a->s6_addr, eks, 16) == 0)
        return true;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        struct in_addr v4;
        memcpy(&v4.s_addr, a->s6_addr + 12, 4);
        return ipv4_allowed(&v4);
    }
    return false;
}

/* 1 allowed, 0 not allowed, -1 could not resolve. */
static int host_allowed(const char *host)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
        return -1;
    int ok = 1;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ai->ai_addr;
            if (!ipv4_allowed(&sin->sin_addr))
                ok = 0;
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)ai->ai_addr;
            if (!ipv6_allowed(&sin6->sin6_addr))
                ok = 0;
        } else {
            ok = 0;
        }
    }
    freeaddrinfo(res);
    return ok;
}

static int check_full_uri(const char *url, bl_error *err)
{
    char host[256];
    int port;
    bool https;
    if (aws_url_host_port(url, host, sizeof host, &port, &https) != 0)
        return aws_endpoint_validate(url, "AWS_CONTAINER_CREDENTIALS_FULL_URI", err);
    if (https)
        return 0;
    int allowed = host_allowed(host);
    if (allowed == 1)
        return 0;
    if (allowed < 0)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "cannot resolve the host '%s' of AWS_CONTAINER_CREDENTIALS_FULL_URI; fix the URL", host);
    return bl_error_set(err, BL_ERR_CONFIG,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI uses plain http to '%s', which is not allowed: use https, "
                        "or a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23",
                        host);
}

/* The Authorization value into `out` ("" when none is configured). */
static int auth_token(buf_t *out, bl_error *err)
{
    buf_init(out, CREDS_TOKEN_FILE_MAX);
    const char *file = creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *what = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    if (file != NULL) {
        what = "the file in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
        if (creds_read_file(file, "container authorization token file", out, err) != 0)
            return -1;
        /* A file written by `echo` ends in a newline that is not part of the token. */
        while (out->len > 0 && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
            out->data[--out->len] = '\0';
    } else {
        const char *v = creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        if (v != NULL && !buf_appends(out, v))
            return bl_error_set(err, BL_ERR_CONFIG, "AWS_CONTAINER_AUTHORIZATION_TOKEN is too long");
    }
    for (size_t i = 0; i < out->len; i++) {
        unsigned char c = (unsigned char)out->data[i];
        if (c == '\r' || c == '\n' || c == '\0') {
            buf_free(out);
            return bl_error_set(err, BL_ERR_CONFIG,
                                "%s contains a line break (or NUL), which cannot go into an HTTP header; fix the token",
                                what);
        }
    }
    return 0;
}

/* Adds the endpoint's {"code","message"} error (not secret) to err. */
static void add_error_detail(bl_error *err, const http_response *resp, const char *url)
{
    char detail[256] = "";
    json_object *doc = resp->body.len ? json_tokener_parse(buf_cstr(&resp->body)) : NULL;
    json_object *code = NULL, *msg = NULL;
    if (doc != NULL && json_object_is_type(doc, json_type_object)) {
        json_object_object_get_ex(doc, "code", &code);
        json_object_object_get_ex(doc, "message", &msg);
        snprintf(detail, sizeof detail, " (%.64s: %.160s)", code ? json_object_get_string(code) : "error",
                 msg ? json_object_get_string(msg) : "");
        for (char *p = detail; *p; p++)
            if (!isprint((unsigned char)*p))
                *p = '?';
    }
    json_object_put(doc);
    bl_error_prefix(err, "container credentials endpoint %.200s: ", url);
    size_t n = strlen(err->message);
    const char *hint = resp->status == 401 || resp->status == 403
                           ? "; check AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                           : "";
    snprintf(err->message + n, sizeof err->message - n, "%s%s", detail, hint);
}

creds_status creds_container_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err)
{
    const char *relative = creds_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = creds_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (relative == NULL && full == NULL) {
        snprintf(why, why_len, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set");
        return CREDS_DECLINED;
    }
    char url[AWS_ENDPOINT_URL_MAX * 2];
    if (relative != NULL) {
        if (relative[0] != '/' || strlen(relative) >= sizeof url - sizeof ECS_HOST) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/' (shorter than "
                         "%zu characters)",
                         sizeof url - sizeof ECS_HOST);
            return CREDS_FAILED;
        }
        snprintf(url, sizeof url, "%s%s", ECS_HOST, relative);
        if (aws_endpoint_validate(url, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", err) != 0)
            return CREDS_FAILED;
    } else {
        if (strlen(full) >= sizeof url) {
            bl_error_set(err, BL_ERR_CONFIG, "AWS_CONTAINER_CREDENTIALS_FULL_URI is too long");
            return CREDS_FAILED;
        }
        if (check_full_uri(full, err) != 0)
            return CREDS_FAILED;
        snprintf(url, sizeof url, "%s", full);
    }
    if (ctx->http == NULL) {
        bl_error_set(err, BL_ERR_CONFIG, "container credentials are configured but no HTTP client was given");
        return CREDS_FAILED;
    }

    creds_status st = CREDS_FAILED;
    buf_t token;
    http_response resp;
    memset(&resp, 0, sizeof resp);
    buf_init(&resp.body, BUF_MAX_RESPONSE);
    if (auth_token(&token, err) != 0)
        return CREDS_FAILED;
    http_header headers[2] = {{"Accept", "application/json"}, {"Authorization", buf_cstr(&token)}};
    http_request req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .n_headers = token.len ? 2 : 1,
        .errors = HTTP_ERRORS_NONE,
        .no_proxy = true,
        .attempt_timeout_ms = CONTAINER_TIMEOUT_MS,
        .connect_timeout_ms = CONTAINER_TIMEOUT_MS,
        .max_attempts = CONTAINER_ATTEMPTS,
        .what = "container credentials endpoint",
    };
    if (http_call(ctx->http, &req, &resp, err) != 0) {
        add_error_detail(err, &resp, url);
        goto cleanup;
    }
    if (creds_from_json(buf_cstr(&resp.body), resp.body.len, NULL, "container", "the container credentials endpoint",
                        out, err) != 0)
        goto cleanup;
    st = CREDS_FOUND;
cleanup:
    http_response_free(&resp);
    buf_free(&token);
    return st;
}
