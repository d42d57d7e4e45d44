#include "render.h"

#include <stdio.h>
#include <string.h>

/* Scratch output is handed to the sink once it passes this size. */
#define FLUSH_AT (16u * 1024u)

void out_sink_init(out_sink *s, int (*write)(void *ctx, const char *data, size_t len), void *ctx)
{
    s->write = write;
    s->ctx = ctx;
    s->failed = false;
    s->bytes = 0;
}

int out_write(out_sink *s, const char *data, size_t len)
{
    if (s->failed)
        return -1;
    if (len == 0)
        return 0;
    if (s->write(s->ctx, data, len) < 0) {
        s->failed = true;
        return -1;
    }
    s->bytes += len;
    return 0;
}

int out_puts(out_sink *s, const char *str)
{
    return out_write(s, str, strlen(str));
}

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

bool html_escape(buf_t *out, const char *s)
{
    size_t start = out->len;
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    bool ok = true;
    while (ok && *p != '\0') {
        unsigned char c = *p;
        size_t n = utf8_len(p);
        if (n == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            ok = buf_appends(out, REPLACEMENT);
            n = 1;
        } else if (c == '&') {
            ok = buf_appends(out, "&amp;");
        } else if (c == '<') {
            ok = buf_appends(out, "&lt;");
        } else if (c == '>') {
            ok = buf_appends(out, "&gt;");
        } else if (c == '"') {
            ok = buf_appends(out, "&quot;");
        } else if (c == '\'') {
            ok = buf_appends(out, "&#39;");
        } else {
            ok = buf_append(out, p, n);
        }
        p += n;
    }
    if (!ok && out->data != NULL) { /* all or nothing, like every buf append */
        out->len = start;
        out->data[start] = '\0';
    }
    return ok;
}

bool json_escape(buf_t *out, const char *s)
{
    size_t start = out->len;
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    bool ok = true;
    while (ok && *p != '\0') {
        unsigned char c = *p;
        size_t n = utf8_len(p);
        if (n == 0) {
            ok = buf_appends(out, "\\ufffd");
            n = 1;
        } else if (c == '"' || c == '\\') {
            ok = buf_appendc(out, '\\') && buf_appendc(out, (char)c);
        } else if (c == '\n') {
            ok = buf_appends(out, "\\n");
        } else if (c == '\r') {
            ok = buf_appends(out, "\\r");
        } else if (c == '\t') {
            ok = buf_appends(out, "\\t");
        } else if (c == '\b') {
            ok = buf_appends(out, "\\b");
        } else if (c == '\f') {
            ok = buf_appends(out, "\\f");
        } else if (c < 0x20) {
            ok = buf_appendf(out, "\\u%04x", c);
        } else {
            ok = buf_append(out, p, n);
        }
        p += n;
    }
    if (!ok && out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return ok;
}

/* ---- streamed lists ---- */

void render_list_init(render_list *r, out_sink *sink, bool json, const char *prefix)
{
    r->sink = sink;
    r->json = json;
    r->prefix = prefix;
    r->open = false;
    r->count = 0;
    buf_init(&r->scratch, BUF_MAX_SMALL);
}

void render_list_free(render_list *r)
{
    buf_free(&r->scratch);
}

static int flush(render_list *r)
{
    int rc = out_write(r->sink, buf_cstr(&r->scratch), r->scratch.len);
    buf_reset(&r->scratch);
    return rc;
}

/* Appends one piece; when the scratch is full, flushes and tries once more. */
static int put(render_list *r, bool (*escape)(buf_t *, const char *), const char *s)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool ok = escape != NULL ? escape(&r->scratch, s) : buf_appends(&r->scratch, s);
        if (ok)
            return 0;
        if (flush(r) < 0)
            return -1;
    }
    /* One piece larger than the whole scratch: cannot happen with capped bucket fields. */
    r->sink->failed = true;
    return -1;
}

/* "2019-12-11T23:32:47.000Z" -> "2019-12-11 23:32 UTC"; anything else is shown as sent. */
static void display_date(const char *iso, char *out, size_t out_len)
{
    size_t n = strlen(iso);
    bool utc = n >= 17 && (iso[n - 1] == 'Z' || (n >= 6 && strcmp(iso + n - 6, "+00:00") == 0));
    bool shaped = n >= 16 && iso[4] == '-' && iso[7] == '-' && iso[10] == 'T' && iso[13] == ':';
    if (utc && shaped && out_len > 21) {
        memcpy(out, iso, 10);
        out[10] = ' ';
        memcpy(out + 11, iso + 11, 5);
        memcpy(out + 16, " UTC", 5);
    } else {
        size_t k = n < out_len - 1 ? n : out_len - 1;
        memcpy(out, iso, k);
        out[k] = '\0';
    }
}

static int html_bucket(render_list *r, const s3_bucket *b)
{
    int rc = put(r, NULL, "<li class=\"bucket\"><span class=\"bucket-name\">");
    rc = rc < 0 ? rc : put(r, html_escape, b->name);
    rc = rc < 0 ? rc : put(r, NULL, "</span>");
    if (b->creation_date[0] != '\0') {
        char shown[S3_DATE_MAX + 8];
        display_date(b->creation_date, shown, sizeof shown);
        rc = rc < 0 ? rc : put(r, NULL, " <time class=\"bucket-created\" datetime=\"");
        rc = rc < 0 ? rc : put(r, html_escape, b->creation_date);
        rc = rc < 0 ? rc : put(r, NULL, "\">");
        rc = rc < 0 ? rc : put(r, html_escape, shown);
        rc = rc < 0 ? rc : put(r, NULL, "</time>");
    }
    if (b->region[0] != '\0') {
        rc = rc < 0 ? rc : put(r, NULL, " <span class=\"bucket-region\">");
        rc = rc < 0 ? rc : put(r, html_escape, b->region);
        rc = rc < 0 ? rc : put(r, NULL, "</span>");
    }
    rc = rc < 0 ? rc : put(r, NULL, "</li>\n");
    return rc;
}

static int page(render_list *r, const s3_bucket *buckets, size_t n, int (*one)(render_list *, const s3_bucket *),
                const char *opening)
{
    if (r->sink->failed)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!r->open) {
            if (put(r, NULL, opening) < 0)
                return -1;
            r->open = true;
        }
        if (one(r, &buckets[i]) < 0)
            return -1;
        r->count++;
        if (r->scratch.len >= FLUSH_AT && flush(r) < 0)
            return -1;
    }
    return flush(r);
}

int render_html_begin(render_list *r)
{
    return r->sink->failed ? -1 : 0;
}

int render_html_page(render_list *r, const s3_bucket *buckets, size_t n)
{
    return page(r, buckets, n, html_bucket, "<ul class=\"buckets\">\n");
}

int render_html_end(render_list *r)
{
    int rc;
    if (r->open) {
        char count[96];
        snprintf(count, sizeof count, "</ul>\n<p class=\"bucket-count\">%ld bucket%s</p>\n", r->count,
                 r->count == 1 ? "" : "s");
        rc = put(r, NULL, count);
    } else if (r->prefix != NULL && r->prefix[0] != '\0') {
        rc = put(r, NULL, "<p class=\"empty\">This account has no S3 buckets matching the prefix &ldquo;");
        rc = rc < 0 ? rc : put(r, html_escape, r->prefix);
        rc = rc < 0 ? rc : put(r, NULL, "&rdquo;.</p>\n");
    } else {
        rc = put(r, NULL, "<p class=\"empty\">This account has no S3 buckets.</p>\n");
    }
    if (rc < 0)
        return -1;
    return flush(r);
}

static int json_bucket(render_list *r, const s3_bucket *b)
{
    int rc = put(r, NULL, r->count > 0 ? ", \"" : "\"");
    rc = rc < 0 ? rc : put(r, json_escape, b->name);
    return rc < 0 ? rc : put(r, NULL, "\"");
}

int render_json_begin(render_list *r)
{
    return r->sink->failed ? -1 : 0;
}

int render_json_page(render_list *r, const s3_bucket *buckets, size_t n)
{
    return page(r, buckets, n, json_bucket, "{\"buckets\": [");
}

int render_json_end(render_list *r)
{
    int rc = r->open ? 0 : put(r, NULL, "{\"buckets\": [");
    rc = rc < 0 ? rc : put(r, NULL, "]}");
    r->open = true;
    return rc < 0 ? rc : flush(r);
}

int render_list_page_fn(void *ctx, const s3_bucket *buckets, size_t n)
{
    render_list *r = ctx;
    int rc = r->json ? render_json_page(r, buckets, n) : render_html_page(r, buckets, n);
    return rc < 0 ? 1 : 0;
}

/* ---- errors ---- */

static const char *generic_message(int status)
{
    switch (status) {
    case 400:
        return "The request is not valid.";
    case 404:
        return "There is nothing at this address.";
    case 405:
        return "This method is not allowed here.";
    case 503:
        return "The S3 credentials are not available yet. Try again in a few seconds.";
    case 504:
        return "AWS did not answer in time. Try again.";
    case 502:
        return "AWS returned an error.";
    default:
        return "Something went wrong on the server.";
    }
}

static int write_error(out_sink *sink, int status, const char *message, const char *before, const char *after,
                       bool (*escape)(buf_t *, const char *))
{
    if (message == NULL || message[0] == '\0')
        message = generic_message(status);
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    int rc = -1;
    if (buf_appends(&b, before) && escape(&b, message) && buf_appends(&b, after))
        rc = out_write(sink, buf_cstr(&b), b.len);
    else
        sink->failed = true;
    buf_free(&b);
    return rc;
}

int render_html_error(out_sink *sink, int status, const char *message)
{
    return write_error(sink, status, message, "<div class=\"error\" role=\"alert\"><p>", "</p></div>\n",
                       html_escape);
}

int render_json_error(out_sink *sink, int status, const char *message)
{
    return write_error(sink, status, message, "{\"error\": \"", "\"}", json_escape);
}

const char *render_status_line(int status)
{
    switch (status) {
    case 200:
        return "200 OK";
    case 400:
        return "400 Bad Request";
    case 404:
        return "404 Not Found";
    case 405:
        return "405 Method Not Allowed";
    case 502:
        return "502 Bad Gateway";
    case 503:
        return "503 Service Unavailable";
    case 504:
        return "504 Gateway Timeout";
    default:
        return "500 Internal Server Error";
    }
}

int render_error_status(const bl_error *e)
{
    if (e == NULL)
        return 500;
    switch (e->code) {
    case BL_ERR_TIMEOUT:
        return 504;
    case BL_ERR_NO_CREDENTIALS:
        return 503;
    case BL_ERR_INPUT:
        return 400;
    case BL_OK:
    case BL_ERR_NOMEM:
    case BL_ERR_CONFIG:
    case BL_ERR__COUNT:
        return 500;
    default:
        return 502;
    }
}

const char *render_error_message(const bl_error *e)
{
    if (e == NULL || e->message[0] == '\0')
        return generic_message(render_error_status(e));
    return e->message;
}
