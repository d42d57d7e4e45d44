/* s3_list.c: prefix validation, query encoding, and the pagination loop against a scripted
 * loopback server (the request as it went on the wire is checked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "credentials.h"
#include "error.h"
#include "http.h"
#include "s3_list.h"

#include "loopback_http.h"

#define XML "application/xml"
#define ROOT "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define END "</ListAllMyBucketsResult>"

static void test_s3_list_prefix_validate(void **state)
{
    (void)state;
    const char *good[] = {"a", "my-bucket", "logs.2024", "0", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    const char *bad[] = {"", "A", "my_bucket", "a/b", "a b", "<x>", "caf\xc3\xa9", "a%2F",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    bl_error e;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (s3_prefix_validate(good[i], &e) != 0)
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl_error_clear(&e);
        if (s3_prefix_validate(bad[i], &e) != -1 || e.code != BL_ERR_INPUT)
            fail_msg("accepted %s", bad[i]);
        assert_string_equal(e.message, "prefix must be 1–63 characters of a-z, 0-9, '.' and '-'");
    }
    assert_int_equal(s3_prefix_validate(NULL, &e), -1);
}

static void test_s3_list_query_encoding(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    bl_error e;
    assert_int_equal(s3_list_query(&b, 1000, NULL, NULL, &e), 0);
    assert_string_equal(buf_cstr(&b), "max-buckets=1000");
    buf_reset(&b);
    assert_int_equal(s3_list_query(&b, 2, "a+b/c=d= ~_-.", "logs.x-1", &e), 0);
    assert_string_equal(buf_cstr(&b), "max-buckets=2&continuation-token=a%2Bb%2Fc%3Dd%3D%20~_-.&prefix=logs.x-1");
    buf_free(&b);
}

typedef struct {
    int calls;
    long total;
    char names[8][32];
    int stop_after; /* stop when calls reaches this; 0 never */
} collected;

static int collect(void *ctx, const s3_bucket *b, size_t n)
{
    collected *c = ctx;
    for (size_t i = 0; i < n; i++)
        if (c->total + (long)i < 8)
            snprintf(c->names[c->total + (long)i], sizeof c->names[0], "%s", b[i].name);
    c->total += (long)n;
    c->calls++;
    return c->stop_after != 0 && c->calls >= c->stop_after;
}

typedef struct {
    http_client *http;
    aws_credentials creds;
    loopback_server srv;
    char endpoint[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    bl_error e;
    f->http = loopback_client_new();
    if (f->http == NULL ||
        aws_credentials_set(&f->creds, "AKIDEXAMPLE", "test-secret-key", "test-session-token", 0, "test", &e) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    http_client_free(f->http);
    aws_credentials_clear(&f->creds);
    free(f);
    return 0;
}

static void serve(fixture *f, const loopback_response *script, int n)
{
    assert_int_equal(loopback_start(&f->srv, script, n), 0);
    snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:%d", f->srv.port);
}

static void test_s3_list_paginates_with_encoded_tokens(void **state)
{
    fixture *f = *state;
    const loopback_response script[] = {
        {200, XML, ROOT "<Buckets><Bucket><Name>a1</Name></Bucket><Bucket><Name>a2</Name></Bucket></Buckets>"
                   "<ContinuationToken>t+1/x==</ContinuationToken><Prefix>a</Prefix>" END},
        {200, XML, ROOT "<Buckets><Bucket><Name>a3</Name></Bucket><Bucket><Name>a4</Name></Bucket></Buckets>"
                   "<ContinuationToken>t+2/y=</ContinuationToken>" END},
        {200, XML, ROOT "<Buckets><Bucket><Name>a5</Name><BucketRegion>eu-west-1</BucketRegion></Bucket></Buckets>" END},
    };
    serve(f, script, 3);
    collected c = {0};
    s3_list_stats st;
    bl_error e;
    int rc = s3_list_buckets(f->http, &f->creds, "eu-west-1", f->endpoint, "a", 2, collect, &c, &st, &e);
    loopback_stop(&f->srv);
    if (rc != 0)
        fail_msg("%s", e.message);
    assert_int_equal(st.pages, 3);
    assert_int_equal(st.buckets, 5);
    assert_int_equal(c.calls, 3);
    assert_string_equal(c.names[0], "a1");
    assert_string_equal(c.names[4], "a5");

    char line[256];
    assert_int_equal(f->srv.n_requests, 3);
    assert_string_equal(loopback_request_line(&f->srv, 0, line, sizeof line), "GET /?max-buckets=2&prefix=a HTTP/1.1");
    assert_string_equal(loopback_request_line(&f->srv, 1, line, sizeof line),
                        "GET /?max-buckets=2&continuation-token=t%2B1%2Fx%3D%3D&prefix=a HTTP/1.1");
    assert_string_equal(loopback_request_line(&f->srv, 2, line, sizeof line),
                        "GET /?max-buckets=2&continuation-token=t%2B2%2Fy%3D&prefix=a HTTP/1.1");
    /* Signed as S3 in the given region, with the payload hash and the session token. */
    const char *r0 = f->srv.requests[0];
    assert_non_null(strstr(r0, "/eu-west-1/s3/aws4_request"));
    assert_non_null(strcasestr(r0, "\r\nx-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert_non_null(strcasestr(r0, "\r\nx-amz-security-token: test-session-token"));
    loopback_free(&f->srv);
}

static void test_s3_list_empty_account(void **state)
{
    fixture *f = *state;
    const loopback_response script[] = {{200, XML, ROOT "<Owner><ID>x</ID></Owner><Buckets></Buckets>" END}};
    serve(f, script, 1);
    collected c = {0};
    s3_list_stats st;
    bl_error e;
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", f->endpoint, NULL, 0, collect, &c, &st, &e), 0);
    loopback_stop(&f->srv);
    assert_int_equal(c.calls, 1);
    assert_int_equal(st.pages, 1);
    assert_int_equal(st.buckets, 0);
    char line[256];
    assert_string_equal(loopback_request_line(&f->srv, 0, line, sizeof line), "GET /?max-buckets=1000 HTTP/1.1");
    loopback_free(&f->srv);
}

static void test_s3_list_repeated_token_is_an_error(void **state)
{
    fixture *f = *state;
    const char *page = ROOT "<Buckets><Bucket><Name>a</Name></Bucket></Buckets><ContinuationToken>same</ContinuationToken>" END;
    const loopback_response script[] = {{200, XML, page}, {200, XML, page}, {200, XML, page}};
    serve(f, script, 3);
    collected c = {0};
    s3_list_stats st;
    bl_error e;
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", f->endpoint, NULL, 1, collect, &c, &st, &e), -1);
    loopback_stop(&f->srv);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
    assert_non_null(strstr(e.message, "not advancing"));
    assert_int_equal(f->srv.n_requests, 2);
    loopback_free(&f->srv);
}

static void test_s3_list_alternating_tokens_are_an_error(void **state)
{
    fixture *f = *state;
    const char *a = ROOT "<Buckets><Bucket><Name>a</Name></Bucket></Buckets><ContinuationToken>A</ContinuationToken>" END;
    const char *b = ROOT "<Buckets><Bucket><Name>b</Name></Bucket></Buckets><ContinuationToken>B</ContinuationToken>" END;
    const loopback_response script[] = {{200, XML, a}, {200, XML, b}, {200, XML, a}, {200, XML, b}};
    serve(f, script, 4);
    collected c = {0};
    s3_list_stats st;
    bl_error e;
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", f->endpoint, NULL, 1, collect, &c, &st, &e), -1);
    loopback_stop(&f->srv);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
    assert_non_null(strstr(e.message, "not advancing"));
    assert_int_equal(f->srv.n_requests, 3); /* A, B, then A again: stop */
    loopback_free(&f->srv);
}

static void test_s3_list_callback_stops(void **state)
{
    fixture *f = *state;
    const loopback_response script[] = {
        {200, XML, ROOT "<Buckets><Bucket><Name>a</Name></Bucket></Buckets><ContinuationToken>n</ContinuationToken>" END},
        {200, XML, ROOT "<Buckets><Bucket><Name>b</Name></Bucket></Buckets>" END},
    };
    serve(f, script, 2);
    collected c = {.stop_after = 1};
    s3_list_stats st;
    bl_error e;
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", f->endpoint, NULL, 1, collect, &c, &st, &e), 1);
    loopback_stop(&f->srv);
    assert_int_equal(f->srv.n_requests, 1); /* no second page requested */
    assert_int_equal(st.pages, 1);
    loopback_free(&f->srv);
}

static void test_s3_list_errors_say_what_to_fix(void **state)
{
    fixture *f = *state;
    struct {
        loopback_response resp;
        bl_errcode code;
        const char *aws_code;
        const char *needle;
    } cases[] = {
        {{403, XML, "<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not "
                    "exist in our records.</Message></Error>"},
         BL_ERR_AUTH, "InvalidAccessKeyId", "put a valid key pair in the secret"},
        {{403, XML, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"},
         BL_ERR_DENIED, "AccessDenied", "s3:ListAllMyBuckets"},
        {{400, XML, "<Error><Code>ExpiredToken</Code><Message>expired</Message></Error>"},
         BL_ERR_AUTH, "ExpiredToken", "rotated"},
        {{200, XML, "<ListAllMyBucketsResult><Buckets><Bucket>"}, BL_ERR_PROTOCOL, "", "not well-formed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        serve(f, &cases[i].resp, 1);
        collected c = {0};
        bl_error e;
        bl_error_clear(&e);
        int rc = s3_list_buckets(f->http, &f->creds, "us-east-2", f->endpoint, NULL, 10, collect, &c, NULL, &e);
        loopback_stop(&f->srv);
        loopback_free(&f->srv);
        if (rc != -1 || e.code != cases[i].code || strcmp(e.aws_code, cases[i].aws_code) != 0 ||
            strstr(e.message, cases[i].needle) == NULL)
            fail_msg("case %zu: rc=%d code=%s aws=%s message=%s", i, rc, bl_errcode_name(e.code), e.aws_code,
                     e.message);
        assert_int_equal(c.calls, 0);
        /* The credentials never appear in a message. */
        assert_null(strstr(e.message, "test-secret-key"));
        assert_null(strstr(e.message, "test-session-token"));
    }
}

static void test_s3_list_checks_arguments(void **state)
{
    fixture *f = *state;
    collected c = {0};
    bl_error e;
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", "http://127.0.0.1:9", "Bad_Prefix", 10, collect,
                                     &c, NULL, &e),
                     -1);
    assert_int_equal(e.code, BL_ERR_INPUT);
    assert_int_equal(s3_list_buckets(f->http, &f->creds, "us-east-2", "http://127.0.0.1:9", NULL, 10001, collect, &c,
                                     NULL, &e),
                     -1);
    assert_int_equal(e.code, BL_ERR_CONFIG);
    aws_credentials none = {0};
    assert_int_equal(s3_list_buckets(f->http, &none, "us-east-2", "http://127.0.0.1:9", NULL, 10, collect, &c, NULL, &e),
                     -1);
    assert_int_equal(e.code, BL_ERR_NO_CREDENTIALS);
    assert_int_equal(c.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_list_prefix_validate),
        cmocka_unit_test(test_s3_list_query_encoding),
        cmocka_unit_test_setup_teardown(test_s3_list_paginates_with_encoded_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_empty_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_repeated_token_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_alternating_tokens_are_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_callback_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_errors_say_what_to_fix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_list_checks_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
