/* s3_xml.c: one ListBuckets page, parsed with expat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "s3_xml.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define ROOT_OPEN "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define ROOT_CLOSE "</ListAllMyBucketsResult>"

/* Records what the callback saw. */
typedef struct {
    int calls;
    size_t n;
    s3_bucket copy[4];
    int stop; /* what to return */
} seen;

static int on_page(void *ctx, const s3_bucket *b, size_t n)
{
    seen *s = ctx;
    s->calls++;
    s->n += n;
    for (size_t i = 0; i < n && i < 4; i++)
        s->copy[i] = b[i];
    return s->stop;
}

static int parse(const char *xml, seen *s, char *token, size_t *n, bl_error *e)
{
    memset(s, 0, sizeof *s);
    bl_error_clear(e);
    return s3_parse_page(xml, strlen(xml), on_page, s, token, S3_TOKEN_MAX, n, e);
}

static void test_s3_xml_three_buckets_with_token(void **state)
{
    (void)state;
    const char *xml = HEAD ROOT_OPEN
        "<Owner><ID>abc123</ID><DisplayName>owner-name</DisplayName></Owner>\n"
        "<Buckets>\n"
        "  <Bucket><Name>alpha</Name><CreationDate>2019-12-11T23:32:47.000Z</CreationDate>"
        "<BucketRegion>us-west-2</BucketRegion></Bucket>\n"
        "  <Bucket><Name>beta.example-1</Name><CreationDate>2020-01-02T03:04:05+00:00</CreationDate>"
        "<BucketRegion>eu-central-1</BucketRegion></Bucket>\n"
        "  <Bucket><CreationDate>2021-06-07T08:09:10.000Z</CreationDate><Name>gamma</Name></Bucket>\n"
        "</Buckets>\n"
        "<ContinuationToken>ab+cd/ef==</ContinuationToken>\n"
        "<Prefix></Prefix>\n" ROOT_CLOSE;
    seen s;
    char token[S3_TOKEN_MAX];
    size_t n = 99;
    bl_error e;
    assert_int_equal(parse(xml, &s, token, &n, &e), 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(n, 3);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.copy[0].name, "alpha");
    assert_string_equal(s.copy[0].creation_date, "2019-12-11T23:32:47.000Z");
    assert_string_equal(s.copy[0].region, "us-west-2");
    assert_string_equal(s.copy[1].name, "beta.example-1");
    assert_string_equal(s.copy[1].region, "eu-central-1");
    assert_string_equal(s.copy[2].name, "gamma");
    assert_string_equal(s.copy[2].creation_date, "2021-06-07T08:09:10.000Z");
    assert_string_equal(s.copy[2].region, ""); /* BucketRegion is optional */
    assert_string_equal(token, "ab+cd/ef==");
}

static void test_s3_xml_no_buckets(void **state)
{
    (void)state;
    const char *docs[] = {
        HEAD ROOT_OPEN "<Owner><ID>x</ID></Owner><Buckets/>" ROOT_CLOSE,
        HEAD ROOT_OPEN "<Owner><ID>x</ID></Owner>" ROOT_CLOSE,
        "<ListAllMyBucketsResult/>",
    };
    for (size_t i = 0; i < 3; i++) {
        seen s;
        char token[S3_TOKEN_MAX] = "stale";
        size_t n = 5;
        bl_error e;
        assert_int_equal(parse(docs[i], &s, token, &n, &e), 0);
        assert_int_equal(s.calls, 1); /* called, with nothing */
        assert_int_equal(n, 0);
        assert_string_equal(token, "");
    }
}

static void test_s3_xml_entities_and_prefixes(void **state)
{
    (void)state;
    /* Entities decode; text split around them is joined; a namespace prefix is ignored; the owner's
     * elements and unknown elements are not mistaken for bucket fields. */
    const char *xml = "<s3:ListAllMyBucketsResult xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                      "<s3:Owner><s3:Name>not-a-bucket</s3:Name></s3:Owner>"
                      "<s3:Buckets><s3:Bucket><s3:Name>&lt;script&gt;x&amp;y&quot;&#39;</s3:Name>"
                      "<s3:Extra><s3:Name>nested</s3:Name></s3:Extra></s3:Bucket>"
                      "<s3:Bucket><s3:Name><![CDATA[cd<a>ta]]></s3:Name></s3:Bucket></s3:Buckets>"
                      "</s3:ListAllMyBucketsResult>";
    seen s;
    char token[S3_TOKEN_MAX];
    size_t n;
    bl_error e;
    assert_int_equal(parse(xml, &s, token, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(s.copy[0].name, "<script>x&y\"'");
    assert_string_equal(s.copy[1].name, "cd<a>ta");
}

static void test_s3_xml_rejects_bad_documents(void **state)
{
    (void)state;
    struct {
        const char *xml;
        bl_errcode code;
        const char *needle;
    } cases[] = {
        {ROOT_OPEN "<Buckets><Bucket><Name>a</Name></Bucket>", BL_ERR_PROTOCOL, "not well-formed"},
        {ROOT_OPEN "<Buckets><Bucket><Name>a</Nam></Bucket></Buckets>" ROOT_CLOSE, BL_ERR_PROTOCOL, "not well-formed"},
        {"", BL_ERR_PROTOCOL, "not well-formed"},
        {"not xml at all", BL_ERR_PROTOCOL, "not well-formed"},
        {"<Error><Code>AccessDenied</Code><Message>no</Message></Error>", BL_ERR_PROTOCOL, "root element"},
        {ROOT_OPEN "<Buckets><Bucket><CreationDate>2020</CreationDate></Bucket></Buckets>" ROOT_CLOSE,
         BL_ERR_PROTOCOL, "no Name"},
        {ROOT_OPEN "<Buckets><Bucket><Name></Name></Bucket></Buckets>" ROOT_CLOSE, BL_ERR_PROTOCOL, "no Name"},
        {"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>" ROOT_OPEN "<Buckets><Bucket><Name>&a;</Name></Bucket></Buckets>" ROOT_CLOSE,
         BL_ERR_PROTOCOL, "DOCTYPE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen s;
        char token[S3_TOKEN_MAX];
        size_t n = 7;
        bl_error e;
        int rc = parse(cases[i].xml, &s, token, &n, &e);
        if (rc != -1 || e.code != cases[i].code || strstr(e.message, cases[i].needle) == NULL)
            fail_msg("case %zu: rc=%d code=%s message=%s", i, rc, bl_errcode_name(e.code), e.message);
        assert_int_equal(s.calls, 0); /* a bad page delivers nothing */
        assert_int_equal(n, 0);
    }
}

static void test_s3_xml_caps_text(void **state)
{
    (void)state;
    char long_name[S3_BUCKET_NAME_MAX + 1];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    char long_token[S3_TOKEN_MAX + 1];
    memset(long_token, 't', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';

    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    seen s;
    char token[S3_TOKEN_MAX];
    size_t n;
    bl_error e;

    /* The largest name that fits is kept whole... */
    assert_true(buf_appendf(&b, ROOT_OPEN "<Buckets><Bucket><Name>%.*s</Name></Bucket></Buckets>" ROOT_CLOSE,
                            S3_BUCKET_NAME_MAX - 1, long_name));
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), 0);
    assert_int_equal(strlen(s.copy[0].name), S3_BUCKET_NAME_MAX - 1);
    buf_reset(&b);
    /* ...one more byte is an error, never a truncated name. */
    assert_true(buf_appendf(&b, ROOT_OPEN "<Buckets><Bucket><Name>%s</Name></Bucket></Buckets>" ROOT_CLOSE, long_name));
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), -1);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
    assert_non_null(strstr(e.message, "longer than"));
    assert_int_equal(s.calls, 0);
    buf_reset(&b);
    /* The same for the token. */
    assert_true(buf_appendf(&b, ROOT_OPEN "<Buckets/><ContinuationToken>%.*s</ContinuationToken>" ROOT_CLOSE,
                            S3_TOKEN_MAX - 1, long_token));
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), 0);
    assert_int_equal(strlen(token), S3_TOKEN_MAX - 1);
    buf_reset(&b);
    assert_true(buf_appendf(&b, ROOT_OPEN "<Buckets/><ContinuationToken>%s</ContinuationToken>" ROOT_CLOSE, long_token));
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), -1);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
    assert_string_equal(token, "");
    buf_free(&b);

    /* A too-small token buffer is the caller's bug. */
    char small[8];
    assert_int_equal(s3_parse_page("<ListAllMyBucketsResult/>", 25, on_page, &s, small, sizeof small, &n, &e), -1);
    assert_int_equal(e.code, BL_ERR_INPUT);
}

static void test_s3_xml_big_page_one_callback(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, BUF_MAX_RESPONSE);
    assert_true(buf_appends(&b, HEAD ROOT_OPEN "<Buckets>"));
    for (int i = 0; i < 1500; i++)
        assert_true(buf_appendf(&b, "<Bucket><Name>bucket-%04d</Name><CreationDate>2024-01-01T00:00:00.000Z"
                                    "</CreationDate></Bucket>",
                                i));
    assert_true(buf_appends(&b, "</Buckets>" ROOT_CLOSE));
    seen s;
    char token[S3_TOKEN_MAX];
    size_t n;
    bl_error e;
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(n, 1500);
    assert_string_equal(s.copy[3].name, "bucket-0003");
    buf_free(&b);

    /* More than S3's page maximum is refused. */
    buf_init(&b, 2 * BUF_MAX_RESPONSE);
    assert_true(buf_appends(&b, ROOT_OPEN "<Buckets>"));
    for (int i = 0; i <= S3_PAGE_MAX_BUCKETS; i++)
        assert_true(buf_appendf(&b, "<Bucket><Name>b%d</Name></Bucket>", i));
    assert_true(buf_appends(&b, "</Buckets>" ROOT_CLOSE));
    assert_int_equal(parse(buf_cstr(&b), &s, token, &n, &e), -1);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
    assert_int_equal(s.calls, 0);
    buf_free(&b);
}

static void test_s3_xml_callback_can_stop(void **state)
{
    (void)state;
    const char *xml = ROOT_OPEN "<Buckets><Bucket><Name>a</Name></Bucket></Buckets>"
                                "<ContinuationToken>next</ContinuationToken>" ROOT_CLOSE;
    seen s;
    memset(&s, 0, sizeof s);
    s.stop = 1;
    char token[S3_TOKEN_MAX];
    size_t n;
    bl_error e;
    assert_int_equal(s3_parse_page(xml, strlen(xml), on_page, &s, token, sizeof token, &n, &e), 1);
    assert_int_equal(s.calls, 1);
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_xml_three_buckets_with_token),
        cmocka_unit_test(test_s3_xml_no_buckets),
        cmocka_unit_test(test_s3_xml_entities_and_prefixes),
        cmocka_unit_test(test_s3_xml_rejects_bad_documents),
        cmocka_unit_test(test_s3_xml_caps_text),
        cmocka_unit_test(test_s3_xml_big_page_one_callback),
        cmocka_unit_test(test_s3_xml_callback_can_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
