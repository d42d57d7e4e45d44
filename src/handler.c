#include "handler.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "redact.h"
#include "render.h"
#include "request.h"
#include "s3_list.h"


typedef struct {
    FCGX_Stream *out;
    bool head;          /* HEAD: headers only */
    bool json;
    bool headers_sent;
    bool failed;        /* the client went away */
    int status;
    out_sink body;      /* writes the body, sending 200 headers first if none were sent */
} response;

static int put(response *r, const char *data, size_t len)
{
    if (r->failed)
        return -1;
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        if (FCGX_PutStr(data, chunk, r->out) != chunk) {
            r->failed = true;
            return -1;
        }
        data += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

static const char *content_type(const response *r)
{
    return r->json ? "application/json" : "text/html; charset=utf-8";
}

static int send_headers(response *r, int status, const char *type, const char *extra)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "Status: %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\nVary: Accept\r\n%s\r\n",
                     render_status_line(status), type, extra ? extra : "");
    r->headers_sent = true;
    r->status = status;
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    return put(r, head, (size_t)n);
}

static int body_write(void *ctx, const char *data, size_t len)
{
    response *r = ctx;
    if (!r->headers_sent && send_headers(r, 200, content_type(r), NULL) != 0)
        return -1;
    if (r->head)
        return 0;
    return put(r, data, len);
}

/* The visitor gets the message without ARNs and account ids; the log keeps all of it. */
static void send_error(response *r, int status, const char *message, const char *extra_headers)
{
    char public_msg[BL_ERROR_MESSAGE_MAX];
    snprintf(public_msg, sizeof public_msg, "%s", message);
    redact_for_public(public_msg);
    if (send_headers(r, status, content_type(r), extra_headers) != 0)
        return;
    if (r->json)
        render_json_error(&r->body, status, public_msg);
    else
        render_html_error(&r->body, status, public_msg);
}

static void log_failure(const request_info *info, const bl_error *err)
{
    log_event("warn", "%s %s failed (%s): %s", info->method, info->path, bl_errcode_name(err->code), err->message);
}

static int buf_sink_write(void *ctx, const char *data, size_t len)
{
    return buf_append(ctx, data, len) ? 0 : -1;
}

static const char *error_label(const bl_error *e)
{
    return e->aws_code[0] ? e->aws_code : bl_errcode_name(e->code);
}

/* Lists into the response. Returns the number of buckets, or -1 with err set. */
static long serve_listing(worker *w, response *r, const char *prefix, bl_error *err, bool *partial,
                          bool *over_json_cap)
{
    s3_list_stats stats;
    *partial = false;
    *over_json_cap = false;
    if (!r->json) {
        render_list list;
        render_list_init(&list, &r->body, false, prefix);
        render_html_begin(&list);
        int rc = worker_list_buckets(w, prefix, render_list_page_fn, &list, &stats, err);
        if (rc > 0) { /* stopped because the client went away */
            bl_error_set(err, BL_ERR_NETWORK, "the client closed the connection before the list was complete");
            *partial = true;
        } else if (rc == 0) {
            render_html_end(&list);
        } else if (r->headers_sent && !r->failed) {
            /* Part of the list is already out: say so inside the fragment. */
            *partial = true;
            render_html_end(&list);
            char public_msg[BL_ERROR_MESSAGE_MAX];
            snprintf(public_msg, sizeof public_msg, "%s", render_error_message(err));
            redact_for_public(public_msg);
            render_html_error(&r->body, render_error_status(err), public_msg);
        }
        long count = list.count;
        render_list_free(&list);
        return rc == 0 || *partial ? count : -1;
    }

    /* JSON answers are all-or-nothing (a listing that fails on page 7 must not look complete), so
     * they are collected first, up to BUCKETLIST_JSON_MAX_BYTES (32 MiB: about 400,000 names). */
    const long json_max = worker_get_config(w)->json_max_bytes;
    buf_t collected;
    buf_init(&collected, (size_t)json_max);
    out_sink mem;
    out_sink_init(&mem, buf_sink_write, &collected);
    render_list list;
    render_list_init(&list, &mem, true, prefix);
    render_json_begin(&list);
    int rc = worker_list_buckets(w, prefix, render_list_page_fn, &list, &stats, err);
    /* rc > 0: the listing stopped because the collecting sink is full. */
    if (rc > 0 || (rc == 0 && (render_json_end(&list) != 0 || mem.failed))) {
        bl_error_set(err, BL_ERR_TOO_LARGE, "the bucket list is larger than %ld bytes as JSON: ask for fewer "
                     "buckets with ?prefix=, use the HTML form, or raise BUCKETLIST_JSON_MAX_BYTES", json_max);
        err->http_status = 0;
        err->aws_code[0] = '\0';
        *over_json_cap = true;
        rc = -1;
    }
    long count = list.count;
    render_list_free(&list);
    if (rc == 0)
        out_write(&r->body, buf_cstr(&collected), collected.len);
    buf_free(&collected);
    return rc == 0 ? count : -1;
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

void handler_serve(worker *w, FCGX_Request *req)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    request_info info;
    request_parse(&info, FCGX_GetParam("REQUEST_METHOD", req->envp), FCGX_GetParam("DOCUMENT_URI", req->envp),
                  FCGX_GetParam("REQUEST_URI", req->envp), FCGX_GetParam("HTTP_ACCEPT", req->envp));
    response r;
    memset(&r, 0, sizeof r);
    r.out = req->out;
    r.json = info.want_json;
    r.head = strcmp(info.method, "HEAD") == 0;
    out_sink_init(&r.body, body_write, &r);
    worker_begin_request(w);

    log_request_line line = {.method = info.method, .path = info.path, .buckets = -1};
    bl_error err;
    bl_error_clear(&err);
    bool is_buckets = strcmp(info.path, "/buckets") == 0;
    bool is_health = strcmp(info.path, "/healthz") == 0;

    if (!is_buckets && !is_health) {
        send_error(&r, 404, "Not found: this worker serves /buckets and /healthz.", NULL);
        line.error_code = "not-found";
    } else if (strcmp(info.method, "GET") != 0 && !r.head) {
        char msg[128];
        snprintf(msg, sizeof msg, "Method %.16s is not allowed here: use GET or HEAD.", info.method);
        send_error(&r, 405, msg, "Allow: GET, HEAD\r\n");
        line.error_code = "method";
    } else if (is_health) {
        if (worker_ensure_ready(w, &err) == 0) {
            if (send_headers(&r, 200, "text/plain; charset=utf-8", NULL) == 0 && !r.head)
                out_puts(&r.body, "ok\n");
        } else {
            r.json = false;
            if (send_headers(&r, 503, "text/plain; charset=utf-8", "Retry-After: 5\r\n") == 0 && !r.head) {
                redact_for_public(err.message); /* the full text is in the log already */
                out_puts(&r.body, err.message);
                out_puts(&r.body, "\n");
            }
            line.error_code = error_label(&err);
        }
    } else if (request_parse_query(&info, FCGX_GetParam("QUERY_STRING", req->envp), &err) != 0 ||
               (info.has_prefix && info.prefix[0] != '\0' && s3_prefix_validate(info.prefix, &err) != 0)) {
        send_error(&r, 400, err.message, NULL);
        line.error_code = "input";
    } else if (worker_ensure_ready(w, &err) != 0) {
        log_failure(&info, &err);
        send_error(&r, 503, err.message, "Retry-After: 5\r\n");
        line.error_code = error_label(&err);
    } else {
        bool partial = false, over_json_cap = false;
        const char *prefix = info.has_prefix && info.prefix[0] != '\0' ? info.prefix : NULL;
        long count = serve_listing(w, &r, prefix, &err, &partial, &over_json_cap);
        line.buckets = count;
        if (count < 0 || partial) {
            line.error_code = error_label(&err);
            log_failure(&info, &err);
        }
        /* Our own JSON cap is a limit of this server (500), not an upstream failure (502). */
        if (count < 0 && !r.headers_sent)
            send_error(&r, over_json_cap ? 500 : render_error_status(&err), render_error_message(&err), NULL);
    }
    if (!r.headers_sent)
        send_headers(&r, 200, content_type(&r), NULL);
    line.status = r.status;
    line.bytes = r.head ? 0 : r.body.bytes;
    line.duration_ms = elapsed_ms(&t0);
    line.upstream_calls = worker_take_upstream_calls(w);
    log_request(&line);
}
