/* render.c: escaping, the streamed HTML and JSON lists, error fragments, statuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "render.h"

/* A sink that collects into a buffer and can fail from the Nth write on. */
typedef struct {
    buf_t out;
    int writes;
    int fail_at; /* 0: never */
} capture;

static int capture_write(void *ctx, const char *data, size_t len)
{
    capture *c = ctx;
    c->writes++;
    if (c->fail_at != 0 && c->writes >= c->fail_at)
        return -1;
    return buf_append(&c->out, data, len) ? 0 : -1;
}

static void capture_init(capture *c, out_sink *sink, int fail_at)
{
    buf_init(&c->out, BUF_MAX_RESPONSE);
    c->writes = 0;
    c->fail_at = fail_at;
    out_sink_init(sink, capture_write, c);
}

static s3_bucket bucket(const char *name, const char *date, const char *region)
{
    s3_bucket b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "%s", name);
    snprintf(b.creation_date, sizeof b.creation_date, "%s", date);
    snprintf(b.region, sizeof b.region, "%s", region);
    return b;
}

static void test_render_html_escape(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 256);
    assert_true(html_escape(&b, "<script>alert(\"x\" & 'y')</script>"));
    assert_string_equal(buf_cstr(&b), "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
    buf_reset(&b);
    /* UTF-8 is kept; invalid bytes and control characters become U+FFFD; tab and newline stay. */
    assert_true(html_escape(&b, "caf\xc3\xa9 \xe2\x82\xac\t\n\x01 \xff \xc0\xaf \xed\xa0\x80 \xf0\x9f\x98\x80"));
    assert_string_equal(buf_cstr(&b), "caf\xc3\xa9 \xe2\x82\xac\t\n\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                                      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80");
    buf_free(&b);

    /* All or nothing when the buffer is too small. */
    buf_init(&b, 10);
    assert_true(buf_appends(&b, "ab"));
    assert_false(html_escape(&b, "<<<"));
    assert_string_equal(buf_cstr(&b), "ab");
    buf_free(&b);
}

static void test_render_json_escape(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 256);
    assert_true(json_escape(&b, "a\"b\\c/d\n\r\t\b\f\x01\x1f caf\xc3\xa9 <&>"));
    assert_string_equal(buf_cstr(&b), "a\\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001\\u001f caf\xc3\xa9 <&>");
    buf_reset(&b);
    assert_true(json_escape(&b, "x\xfey"));
    assert_string_equal(buf_cstr(&b), "x\\ufffdy");
    buf_free(&b);
}

static void test_render_html_list(void **state)
{
    (void)state;
    capture c;
    out_sink sink;
    capture_init(&c, &sink, 0);
    render_list r;
    render_list_init(&r, &sink, false, NULL);
    assert_int_equal(render_html_begin(&r), 0);
    assert_int_equal(c.out.len, 0); /* nothing before the first bucket */

    s3_bucket p1[] = {bucket("alpha", "2019-12-11T23:32:47.000Z", "us-west-2"), bucket("<b>&co", "", "")};
    s3_bucket p2[] = {bucket("gamma", "2020-01-02T03:04:05+00:00", "")};
    assert_int_equal(render_html_page(&r, p1, 0), 0); /* an empty page writes nothing either */
    assert_int_equal(c.out.len, 0);
    assert_int_equal(render_html_page(&r, p1, 2), 0);
    size_t after_first = c.out.len;
    assert_true(after_first > 0); /* streamed: the first page is out before the second arrives */
    assert_int_equal(render_html_page(&r, p2, 1), 0);
    assert_int_equal(render_html_end(&r), 0);
    render_list_free(&r);

    assert_string_equal(buf_cstr(&c.out),
                        "<ul class=\"buckets\">\n"
                        "<li class=\"bucket\"><span class=\"bucket-name\">alpha</span> <time class=\"bucket-created\" "
                        "datetime=\"2019-12-11T23:32:47.000Z\">2019-12-11 23:32 UTC</time> "
                        "<span class=\"bucket-region\">us-west-2</span></li>\n"
                        "<li class=\"bucket\"><span class=\"bucket-name\">&lt;b&gt;&amp;co</span></li>\n"
                        "<li class=\"bucket\"><span class=\"bucket-name\">gamma</span> <time class=\"bucket-created\" "
                        "datetime=\"2020-01-02T03:04:05+00:00\">2020-01-02 03:04 UTC</time></li>\n"
                        "</ul>\n"
                        "<p class=\"bucket-count\">3 buckets</p>\n");
    assert_int_equal(sink.bytes, c.out.len);
    buf_free(&c.out);
}

static void test_render_html_count_and_empty(void **state)
{
    (void)state;
    capture c;
    out_sink sink;
    render_list r;
    s3_bucket one = bucket("solo", "odd-date", "");

    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, false, NULL);
    assert_int_equal(render_html_page(&r, &one, 1), 0);
    assert_int_equal(render_html_end(&r), 0);
    assert_non_null(strstr(buf_cstr(&c.out), "<p class=\"bucket-count\">1 bucket</p>"));
    /* a date in another shape is shown as sent */
    assert_non_null(strstr(buf_cstr(&c.out), "datetime=\"odd-date\">odd-date</time>"));
    render_list_free(&r);
    buf_free(&c.out);

    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, false, NULL);
    assert_int_equal(render_html_begin(&r), 0);
    assert_int_equal(render_html_page(&r, NULL, 0), 0);
    assert_int_equal(render_html_end(&r), 0);
    assert_string_equal(buf_cstr(&c.out), "<p class=\"empty\">This account has no S3 buckets.</p>\n");
    render_list_free(&r);
    buf_free(&c.out);

    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, false, "my-<pre>");
    assert_int_equal(render_html_end(&r), 0);
    assert_string_equal(buf_cstr(&c.out), "<p class=\"empty\">This account has no S3 buckets matching the prefix "
                                          "&ldquo;my-&lt;pre&gt;&rdquo;.</p>\n");
    assert_null(strstr(buf_cstr(&c.out), "<ul"));
    render_list_free(&r);
    buf_free(&c.out);
}

static void test_render_json_exact(void **state)
{
    (void)state;
    capture c;
    out_sink sink;
    render_list r;
    s3_bucket p1[] = {bucket("a", "2019-12-11T23:32:47.000Z", "us-east-1")};
    s3_bucket p2[] = {bucket("b", "", ""), bucket("q\"uote", "", "")};

    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, true, NULL);
    assert_int_equal(render_json_begin(&r), 0);
    assert_int_equal(render_json_page(&r, p1, 1), 0);
    assert_int_equal(render_json_page(&r, p2, 1), 0);
    assert_int_equal(render_json_end(&r), 0);
    assert_string_equal(buf_cstr(&c.out), "{\"buckets\": [\"a\", \"b\"]}");
    render_list_free(&r);
    buf_free(&c.out);

    /* Through the page callback, over several pages. */
    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, true, NULL);
    assert_int_equal(render_list_page_fn(&r, p1, 1), 0);
    assert_int_equal(render_list_page_fn(&r, p2, 2), 0);
    assert_int_equal(render_json_end(&r), 0);
    assert_string_equal(buf_cstr(&c.out), "{\"buckets\": [\"a\", \"b\", \"q\\\"uote\"]}");
    render_list_free(&r);
    buf_free(&c.out);

    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, true, "x");
    assert_int_equal(render_json_begin(&r), 0);
    assert_int_equal(render_json_page(&r, NULL, 0), 0);
    assert_int_equal(render_json_end(&r), 0);
    assert_string_equal(buf_cstr(&c.out), "{\"buckets\": []}");
    render_list_free(&r);
    buf_free(&c.out);
}

static void test_render_many_buckets_flush_in_chunks(void **state)
{
    (void)state;
    static s3_bucket page[2000];
    for (int i = 0; i < 2000; i++)
        page[i] = bucket("", "2024-01-01T00:00:00.000Z", "eu-west-1");
    for (int i = 0; i < 2000; i++)
        snprintf(page[i].name, sizeof page[i].name, "bucket-%04d", i);
    capture c;
    out_sink sink;
    render_list r;
    capture_init(&c, &sink, 0);
    render_list_init(&r, &sink, false, NULL);
    assert_int_equal(render_html_page(&r, page, 2000), 0);
    assert_int_equal(render_html_end(&r), 0);
    assert_true(c.writes > 2); /* flushed in pieces, never held whole */
    assert_non_null(strstr(buf_cstr(&c.out), "bucket-1999"));
    assert_non_null(strstr(buf_cstr(&c.out), "<p class=\"bucket-count\">2000 buckets</p>"));
    render_list_free(&r);
    buf_free(&c.out);
}

static void test_render_sink_failure_stops_output(void **state)
{
    (void)state;
    static s3_bucket page[2000];
    for (int i = 0; i < 2000; i++)
        snprintf(page[i].name, sizeof page[i].name, "bucket-%04d", i);
    capture c;
    out_sink sink;
    render_list r;
    capture_init(&c, &sink, 2); /* the second write fails */
    render_list_init(&r, &sink, false, NULL);
    assert_int_equal(render_html_page(&r, page, 2000), -1);
    int writes = c.writes;
    assert_int_equal(writes, 2);
    assert_true(sink.failed);
    /* Nothing more reaches the sink, whatever is called. */
    assert_int_equal(render_list_page_fn(&r, page, 10), 1); /* tells the listing to stop */
    assert_int_equal(render_html_end(&r), -1);
    assert_int_equal(render_html_error(&sink, 502, "x"), -1);
    assert_int_equal(out_puts(&sink, "y"), -1);
    assert_int_equal(c.writes, writes);
    assert_null(strstr(buf_cstr(&c.out), "</ul>"));
    render_list_free(&r);
    buf_free(&c.out);
}

static void test_render_errors(void **state)
{
    (void)state;
    capture c;
    out_sink sink;
    capture_init(&c, &sink, 0);
    assert_int_equal(render_html_error(&sink, 502, "S3 said <AccessDenied> & \"no\""), 0);
    assert_string_equal(buf_cstr(&c.out), "<div class=\"error\" role=\"alert\"><p>S3 said &lt;AccessDenied&gt; &amp; "
                                          "&quot;no&quot;</p></div>\n");
    buf_reset(&c.out);
    assert_int_equal(render_json_error(&sink, 502, "bad \"thing\"\n"), 0);
    assert_string_equal(buf_cstr(&c.out), "{\"error\": \"bad \\\"thing\\\"\\n\"}");
    buf_reset(&c.out);
    assert_int_equal(render_html_error(&sink, 504, NULL), 0);
    assert_non_null(strstr(buf_cstr(&c.out), "did not answer in time"));
    buf_free(&c.out);
}

static void test_render_status(void **state)
{
    (void)state;
    assert_string_equal(render_status_line(200), "200 OK");
    assert_string_equal(render_status_line(400), "400 Bad Request");
    assert_string_equal(render_status_line(404), "404 Not Found");
    assert_string_equal(render_status_line(405), "405 Method Not Allowed");
    assert_string_equal(render_status_line(500), "500 Internal Server Error");
    assert_string_equal(render_status_line(502), "502 Bad Gateway");
    assert_string_equal(render_status_line(503), "503 Service Unavailable");
    assert_string_equal(render_status_line(504), "504 Gateway Timeout");
    assert_string_equal(render_status_line(418), "500 Internal Server Error");

    struct {
        bl_errcode code;
        int status;
    } map[] = {
        {BL_ERR_TIMEOUT, 504},   {BL_ERR_NO_CREDENTIALS, 503}, {BL_ERR_INPUT, 400},     {BL_ERR_NOMEM, 500},
        {BL_ERR_CONFIG, 500},    {BL_ERR_NETWORK, 502},        {BL_ERR_THROTTLED, 502}, {BL_ERR_SERVER, 502},
        {BL_ERR_AUTH, 502},      {BL_ERR_DENIED, 502},         {BL_ERR_NOT_FOUND, 502}, {BL_ERR_CLIENT, 502},
        {BL_ERR_PROTOCOL, 502},  {BL_ERR_SECRET_FORMAT, 502},  {BL_ERR_DECRYPT, 502},   {BL_ERR_TOO_LARGE, 502},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        bl_error e;
        bl_error_clear(&e);
        bl_error_set(&e, map[i].code, "m");
        if (render_error_status(&e) != map[i].status)
            fail_msg("%s -> %d", bl_errcode_name(map[i].code), render_error_status(&e));
        assert_string_equal(render_error_message(&e), "m");
    }
    bl_error e;
    bl_error_clear(&e);
    e.code = BL_ERR_TIMEOUT;
    assert_non_null(strstr(render_error_message(&e), "in time"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_html_escape),
        cmocka_unit_test(test_render_json_escape),
        cmocka_unit_test(test_render_html_list),
        cmocka_unit_test(test_render_html_count_and_empty),
        cmocka_unit_test(test_render_json_exact),
        cmocka_unit_test(test_render_many_buckets_flush_in_chunks),
        cmocka_unit_test(test_render_sink_failure_stops_output),
        cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_render_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
