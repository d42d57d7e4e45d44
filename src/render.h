/* What the worker sends back: the bucket list as an HTML fragment or as
 * JSON, error fragments, and the HTTP status for an error.
 *
 * Output goes to a sink (the FastCGI stream in the worker, a buffer in
 * tests). Lists are streamed: each page of buckets is written as it arrives,
 * but nothing at all is written before the first non-empty page or the end,
 * so an error before any bucket can still become a clean error page, and an
 * empty account gets its empty-state message without an empty <ul>. Every
 * value is escaped; after one failed write the sink stays failed and nothing
 * more is written (the client went away). */
#ifndef BUCKETLIST_RENDER_H
#define BUCKETLIST_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "s3_xml.h"

typedef struct {
    int (*write)(void *ctx, const char *data, size_t len); /* 0, or -1 on error */
    void *ctx;
    bool failed;         /* a write failed: nothing more is written */
    unsigned long bytes; /* bytes written so far, for the request log */
} out_sink;

void out_sink_init(out_sink *s, int (*write)(void *ctx, const char *data, size_t len), void *ctx);
/* Writes len bytes unless the sink has failed. Returns 0 or -1. */
int out_write(out_sink *s, const char *data, size_t len);
int out_puts(out_sink *s, const char *str);

/* Append s escaped for HTML text and attribute values (& < > " '). Invalid UTF-8 and control
 * characters other than tab and line breaks become U+FFFD. False when out is full. */
bool html_escape(buf_t *out, const char *s);
/* Append s escaped as the inside of a JSON string (RFC 8259): " \ and control characters escaped
 * (\n, \u001f...), UTF-8 kept, invalid UTF-8 as \ufffd. False when out is full. */
bool json_escape(buf_t *out, const char *s);

/* State of one streamed list. */
typedef struct {
    out_sink *sink;
    bool json;
    const char *prefix; /* borrowed; for the empty-state message */
    bool open;          /* the list's opening was written */
    long count;         /* buckets written */
    buf_t scratch;      /* escaped output, flushed to the sink in chunks */
} render_list;

void render_list_init(render_list *r, out_sink *sink, bool json, const char *prefix);
void render_list_free(render_list *r);

/* HTML fragment:
 *   <ul class="buckets"><li class="bucket"><span class="bucket-name">NAME</span> <time
 *   class="bucket-created" datetime="...">...</time> <span class="bucket-region">...</span></li>...</ul>
 *   <p class="bucket-count">N buckets</p>
 * or, with no buckets, <p class="empty">This account has no S3 buckets.</p>.
 * Each returns 0, or -1 once the sink has failed. begin writes nothing (see above). */
int render_html_begin(render_list *r);
int render_html_page(render_list *r, const s3_bucket *buckets, size_t n);
int render_html_end(render_list *r);

/* JSON, as the original app: {"buckets": ["a", "b"]} and {"buckets": []}. */
int render_json_begin(render_list *r);
int render_json_page(render_list *r, const s3_bucket *buckets, size_t n);
int render_json_end(render_list *r);

/* An s3_page_fn: ctx is a render_list; renders the page as HTML or JSON and returns non-zero
 * (stop listing) once the sink has failed. */
int render_list_page_fn(void *ctx, const s3_bucket *buckets, size_t n);

/* <div class="error" role="alert"><p>MESSAGE</p></div>; a NULL or empty message gets a generic one
 * for the status. */
int render_html_error(out_sink *sink, int status, const char *message);
/* {"error": "MESSAGE"} */
int render_json_error(out_sink *sink, int status, const char *message);

/* "200 OK", "404 Not Found", ...; any other status gives "500 Internal Server Error". */
const char *render_status_line(int status);

/* The HTTP status for an error: 504 timeout, 503 credentials not available yet
 * (BL_ERR_NO_CREDENTIALS), 400 bad input, 500 our own fault (out of memory, configuration),
 * 502 for every error from S3 or Secrets Manager. */
int render_error_status(const bl_error *e);
/* The human message for the page: e->message, or a generic sentence for the status when empty. */
const char *render_error_message(const bl_error *e);

#endif
