/* Unit tests for src/sigv4: each canonicalization step on its own, key derivation against the AWS
 * documentation's value, whole signatures against the S3 documentation's examples and the AWS
 * signing test suite, and the error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "credentials.h"
#include "crypto.h"
#include "error.h"
#include "sigv4.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" /* AWS documentation example key */
#define S3_DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  /* S3 documentation example key */
#define SUITE_TIME ((time_t)1440938160)                          /* 2015-08-30T12:36:00Z */
#define S3_DOC_TIME ((time_t)1369353600)                         /* 2013-05-24T00:00:00Z */

/* ------------------------------------------------------------------ helpers */

static char *encode(const char *s, bool keep_slash)
{
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    assert_true(sigv4_uri_encode(&b, s, strlen(s), keep_slash));
    return buf_take(&b);
}

static void assert_encodes(const char *in, bool keep_slash, const char *want)
{
    char *got = encode(in, keep_slash);
    assert_string_equal(got, want);
    free(got);
}

static void assert_query(const char *in, const char *want)
{
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_canonical_query(in, &b, &err), 0);
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void assert_path(const char *in, bool normalize, const char *want)
{
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_canonical_path(in, normalize, &b, &err), 0);
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void assert_header_value(const char *in, const char *want)
{
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    assert_int_equal(sigv4_canonical_header_value(in, &b), 0);
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void set_creds(aws_credentials *c, const char *akid, const char *secret, const char *token)
{
    bl_error err;
    bl_error_clear(&err);
    memset(c, 0, sizeof *c);
    assert_int_equal(aws_credentials_set(c, akid, secret, token, 0, "test", &err), 0);
}

static sigv4_params suite_params(const aws_credentials *c)
{
    return (sigv4_params){
        .credentials = c,
        .region = "us-east-1",
        .service = "service",
        .now = SUITE_TIME,
        .normalize_path = true,
        .add_content_sha256 = false,
        .payload_hash = NULL,
    };
}

static sigv4_params s3_doc_params(const aws_credentials *c)
{
    return (sigv4_params){
        .credentials = c,
        .region = "us-east-1",
        .service = "s3",
        .now = S3_DOC_TIME,
        .normalize_path = false,
        .add_content_sha256 = true,
        .payload_hash = NULL,
    };
}

/* ------------------------------------------------------------------ UriEncode */

static void uri_encode_rules(void **state)
{
    (void)state;
    assert_encodes("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", false,
                   "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    assert_encodes("a b", false, "a%20b");             /* never '+' */
    assert_encodes("a+b", false, "a%2Bb");
    assert_encodes("a/b", false, "a%2Fb");
    assert_encodes("a/b", true, "a/b");
    assert_encodes("100%", false, "100%25");
    assert_encodes("*!'()=&;:@$,?#[]", false, "%2A%21%27%28%29%3D%26%3B%3A%40%24%2C%3F%23%5B%5D");
    assert_encodes("\xe1\x88\xb4", false, "%E1%88%B4"); /* U+1234, each UTF-8 byte, upper-case hex */
    assert_encodes("\xff\x01", true, "%FF%01");
    assert_encodes("", false, "");

    /* Appends, and fails without truncating when the buffer's cap is hit. */
    buf_t b;
    buf_init(&b, 4);
    assert_true(sigv4_uri_encode(&b, "ab", 2, false));
    assert_false(sigv4_uri_encode(&b, " ", 1, false)); /* "ab%20" is 5 bytes: over the cap of 4 */
    assert_string_equal(buf_cstr(&b), "ab");
    buf_free(&b);
}

/* ------------------------------------------------------------------ canonical query */

static void canonical_query_sorting_and_duplicates(void **state)
{
    (void)state;
    assert_query(NULL, "");
    assert_query("", "");
    assert_query("Param2=value2&Param1=value1", "Param1=value1&Param2=value2");
    assert_query("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"); /* same name: by value */
    assert_query("b=1&B=1&a=1", "B=1&a=1&b=1");                                /* byte order: upper first */
    /* Sorted by the encoded name: '%' (0x25) sorts before letters, '-' after its prefix. */
    assert_query("Param-3=Value3&Param=Value2&\xe1\x88\xb4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
    assert_query("&&a=1&", "a=1");
    assert_query("max-keys=2&prefix=J", "max-keys=2&prefix=J");
}

static void canonical_query_empty_values(void **state)
{
    (void)state;
    assert_query("lifecycle", "lifecycle=");
    assert_query("a=", "a=");
    assert_query("b&a=1", "a=1&b=");
    assert_query("=v", "=v");
}

static void canonical_query_encoding(void **state)
{
    (void)state;
    /* Raw and already-encoded input canonicalize the same way: decode, then encode once. */
    assert_query("k=a b", "k=a%20b");
    assert_query("k=a%20b", "k=a%20b");
    assert_query("t=a+b/c=d", "t=a%2Bb%2Fc%3Dd");       /* '=' after the first belongs to the value */
    assert_query("t=a%2Bb%2Fc%3Dd", "t=a%2Bb%2Fc%3Dd"); /* an S3 continuation token, pre-encoded */
    assert_query("t=a%2bb%2f", "t=a%2Bb%2F");           /* lower-case hex in, upper-case out */
    assert_query("k=%7E%41", "k=~A");                    /* unreserved characters are not left encoded */
    assert_query("k=100%&z=%zz", "k=100%25&z=%25zz");   /* a stray '%' is a literal '%' */
    assert_query("\xe1\x88\xb4=bar", "%E1%88%B4=bar");
    assert_query("%E1%88%B4=bar", "%E1%88%B4=bar");
}

/* ------------------------------------------------------------------ headers */

static void header_value_trimming_and_folding(void **state)
{
    (void)state;
    assert_header_value("value1", "value1");
    assert_header_value("  value1  ", "value1");
    assert_header_value("\"a   b   c\"", "\"a b c\""); /* squeezed even inside quotes */
    assert_header_value("\ta \t b\t", "a b");
    assert_header_value("value1\r\n  value2\r\n     value3", "value1 value2 value3"); /* obsolete folding */
    assert_header_value("", "");
    assert_header_value("   ", "");
    assert_header_value(NULL, "");
}

static void repeated_and_skipped_headers(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    sigv4_params p = suite_params(&c);
    const http_header h[] = {
        {"Host", "example.amazonaws.com"},
        {"My-Header1", "value4"},
        {"User-Agent", "curl/8"},
        {"my-header1", " value1 "},
        {"Expect", "100-continue"},
        {"X-Amzn-Trace-Id", "Root=1"},
        {"MY-HEADER1", "value3"},
        {"Transfer-Encoding", "chunked"},
        {"Connection", "keep-alive"},
        {"My-Header1", "value2"},
    };
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, sizeof h / sizeof h[0], NULL, 0, &r, &err), 0);
    /* The AWS suite's get-header-value-order answer: repeated values in order received, names lower-cased,
     * hop-by-hop headers left out. */
    assert_string_equal(r.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\n"
                                             "my-header1:value4,value1,value3,value2\n"
                                             "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" EMPTY_SHA256);
    assert_string_equal(r.signature, "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

/* ------------------------------------------------------------------ canonical path */

static void canonical_path_normalized(void **state)
{
    (void)state;
    assert_path("/", true, "/");
    assert_path("", true, "/");
    assert_path(NULL, true, "/");
    assert_path("/./", true, "/");
    assert_path("/./example", true, "/example");
    assert_path("/example/..", true, "/");
    assert_path("/example1/example2/../..", true, "/");
    assert_path("/../..", true, "/");
    assert_path("/a/../b", true, "/b");
    assert_path("//", true, "/");
    assert_path("//example//", true, "/example/");
    assert_path("/a//b/./c/", true, "/a/b/c/"); /* trailing slash kept */
    assert_path("/a/b", true, "/a/b");
    assert_path("/example space/", true, "/example%20space/");
    assert_path("/\xe1\x88\xb4", true, "/%E1%88%B4");
    assert_path("/a..b/.c", true, "/a..b/.c"); /* only whole "." and ".." segments are special */
}

static void canonical_path_unnormalized(void **state)
{
    (void)state;
    /* S3: as sent, encoded exactly once. */
    assert_path("/a//b/./c/../d", false, "/a//b/./c/../d");
    assert_path("/example/..", false, "/example/..");
    assert_path("//", false, "//");
    assert_path("", false, "/");
    assert_path("/a b+c", false, "/a%20b%2Bc");
    assert_path("/test$file.text", false, "/test%24file.text");
    assert_path("/a%20b", false, "/a%2520b"); /* the caller passes the decoded path; '%' is a character */
}

/* ------------------------------------------------------------------ key and date */

static void signing_key_known_value(void **state)
{
    (void)state;
    unsigned char key[32];
    char hex[65];
    /* AWS General Reference, "Examples of how to derive a signing key for Signature Version 4". */
    assert_true(sigv4_signing_key(SUITE_SECRET, "20150830", "us-east-1", "iam", key));
    hex_encode(key, sizeof key, hex);
    assert_string_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    /* Any input changes it. */
    assert_true(sigv4_signing_key(SUITE_SECRET, "20150831", "us-east-1", "iam", key));
    hex_encode(key, sizeof key, hex);
    assert_string_not_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

static void amz_date_format(void **state)
{
    (void)state;
    char d[17];
    sigv4_format_amz_date(SUITE_TIME, d);
    assert_string_equal(d, "20150830T123600Z");
    sigv4_format_amz_date(0, d);
    assert_string_equal(d, "19700101T000000Z");
    sigv4_format_amz_date((time_t)1767225599, d);
    assert_string_equal(d, "20251231T235959Z");
}

/* ------------------------------------------------------------------ whole signatures */

static void suite_get_vanilla(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    sigv4_params p = suite_params(&c);
    const http_header h[] = {{"Host", "example.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", "", h, 1, NULL, 0, &r, &err), 0);
    assert_string_equal(r.amz_date, "20150830T123600Z");
    assert_string_equal(r.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                                             "host;x-amz-date\n" EMPTY_SHA256);
    assert_string_equal(r.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                                          "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_string_equal(r.authorization,
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                        "SignedHeaders=host;x-amz-date, "
                        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_int_equal(r.n_added, 2);
    assert_string_equal(r.added[0].name, "X-Amz-Date");
    assert_string_equal(r.added[0].value, "20150830T123600Z");
    assert_string_equal(r.added[1].name, "Authorization");
    assert_string_equal(r.added[1].value, r.authorization);
    sigv4_result_free(&r);
    assert_null(r.authorization);
    aws_credentials_clear(&c);
}

static void caller_date_and_authorization_are_replaced(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    sigv4_params p = suite_params(&c);
    /* A retry passes the previous attempt's headers back in: they must not be signed or duplicated. */
    const http_header h[] = {
        {"X-Amz-Date", "20000101T000000Z"},
        {"Host", "example.amazonaws.com"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=old"},
    };
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 3, NULL, 0, &r, &err), 0);
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

static void session_token_is_signed(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267");
    sigv4_params p = suite_params(&c);
    const http_header h[] = {{"Host", "example.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), 0);
    /* AWS suite case get-vanilla-with-session-token. */
    assert_string_equal(r.canonical_request,
                        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
                        "x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n"
                        "host;x-amz-date;x-amz-security-token\n" EMPTY_SHA256);
    assert_string_equal(r.signature, "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
    assert_int_equal(r.n_added, 3);
    assert_string_equal(r.added[0].name, "X-Amz-Date");
    assert_string_equal(r.added[1].name, "X-Amz-Security-Token");
    assert_string_equal(r.added[1].value, c.session_token);
    assert_ptr_not_equal(r.added[1].value, c.session_token); /* the result owns a copy */
    assert_string_equal(r.added[2].name, "Authorization");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

static void s3_doc_get_object_with_range(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIAIOSFODNN7EXAMPLE", S3_DOC_SECRET, NULL);
    sigv4_params p = s3_doc_params(&c);
    const http_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/test.txt", NULL, h, 2, "", 0, &r, &err), 0);
    assert_string_equal(r.canonical_request, "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                                             "x-amz-content-sha256:" EMPTY_SHA256 "\nx-amz-date:20130524T000000Z\n\n"
                                             "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);
    assert_string_equal(r.string_to_sign, "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                                          "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    assert_string_equal(r.authorization,
                        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assert_int_equal(r.n_added, 3);
    assert_string_equal(r.added[0].name, "X-Amz-Date");
    assert_string_equal(r.added[1].name, "X-Amz-Content-Sha256");
    assert_string_equal(r.added[1].value, EMPTY_SHA256);
    assert_string_equal(r.added[2].name, "Authorization");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

static void s3_doc_get_bucket_lifecycle(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIAIOSFODNN7EXAMPLE", S3_DOC_SECRET, NULL);
    sigv4_params p = s3_doc_params(&c);
    const http_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", "lifecycle", h, 1, NULL, 0, &r, &err), 0);
    assert_non_null(strstr(r.canonical_request, "\n/\nlifecycle=\nhost:"));
    assert_string_equal(r.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

static void s3_doc_list_objects(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIAIOSFODNN7EXAMPLE", S3_DOC_SECRET, NULL);
    sigv4_params p = s3_doc_params(&c);
    const http_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    /* Given in the opposite order: the canonical form sorts it. */
    assert_int_equal(sigv4_sign(&p, "GET", "/", "prefix=J&max-keys=2", h, 1, NULL, 0, &r, &err), 0);
    assert_non_null(strstr(r.canonical_request, "\n/\nmax-keys=2&prefix=J\nhost:"));
    assert_string_equal(r.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

static void body_hash_and_unsigned_payload(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    sigv4_params p = suite_params(&c);
    p.add_content_sha256 = true;
    const http_header h[] = {
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"},
    };
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    /* AWS suite case post-x-www-form-urlencoded. */
    assert_int_equal(sigv4_sign(&p, "POST", "/", NULL, h, 3, "Param1=value1", 13, &r, &err), 0);
    assert_string_equal(r.payload_hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    assert_string_equal(r.signature, "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b");
    sigv4_result_free(&r);

    p.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
    assert_int_equal(sigv4_sign(&p, "POST", "/", NULL, h, 3, "Param1=value1", 13, &r, &err), 0);
    size_t n = strlen(r.canonical_request);
    assert_true(n > 17);
    assert_string_equal(r.canonical_request + n - 17, "\n" SIGV4_UNSIGNED_PAYLOAD);
    assert_non_null(strstr(r.canonical_request, "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
    assert_string_equal(r.added[1].name, "X-Amz-Content-Sha256");
    assert_string_equal(r.added[1].value, SIGV4_UNSIGNED_PAYLOAD);
    sigv4_result_free(&r);
    aws_credentials_clear(&c);
}

/* ------------------------------------------------------------------ errors */

static void missing_host_is_an_error(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    sigv4_params p = suite_params(&c);
    const http_header h[] = {{"Content-Type", "text/plain"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_INPUT);
    assert_non_null(strstr(err.message, "Host"));
    assert_null(r.canonical_request);
    assert_int_equal(r.n_added, 0);
    sigv4_result_free(&r); /* harmless on a failed result */
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, NULL, 0, NULL, 0, &r, &err), -1);
    assert_non_null(strstr(err.message, "Host"));
    aws_credentials_clear(&c);
}

static void missing_credentials_are_an_error(void **state)
{
    (void)state;
    const http_header h[] = {{"Host", "example.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);

    sigv4_params p = suite_params(NULL);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_NO_CREDENTIALS);
    assert_non_null(strstr(err.message, "secret access key"));

    aws_credentials empty;
    memset(&empty, 0, sizeof empty);
    empty.access_key_id = "AKIDEXAMPLE"; /* a secret missing */
    p = suite_params(&empty);
    bl_error_clear(&err);
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_NO_CREDENTIALS);
    assert_null(strstr(err.message, "AKIDEXAMPLE")); /* no credential material in messages */

    assert_int_equal(sigv4_sign(NULL, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
}

static void missing_region_service_method_are_errors(void **state)
{
    (void)state;
    aws_credentials c;
    set_creds(&c, "AKIDEXAMPLE", SUITE_SECRET, NULL);
    const http_header h[] = {{"Host", "example.amazonaws.com"}};
    sigv4_result r;
    bl_error err;
    bl_error_clear(&err);

    sigv4_params p = suite_params(&c);
    p.region = "";
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "region"));

    p = suite_params(&c);
    p.service = NULL;
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "service"));

    p = suite_params(&c);
    assert_int_equal(sigv4_sign(&p, NULL, "/", NULL, h, 1, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_INPUT);
    assert_non_null(strstr(err.message, "method"));

    const http_header nameless[] = {{"Host", "example.amazonaws.com"}, {"", "x"}};
    assert_int_equal(sigv4_sign(&p, "GET", "/", NULL, nameless, 2, NULL, 0, &r, &err), -1);
    assert_int_equal(err.code, BL_ERR_INPUT);
    aws_credentials_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_encode_rules),
        cmocka_unit_test(canonical_query_sorting_and_duplicates),
        cmocka_unit_test(canonical_query_empty_values),
        cmocka_unit_test(canonical_query_encoding),
        cmocka_unit_test(header_value_trimming_and_folding),
        cmocka_unit_test(repeated_and_skipped_headers),
        cmocka_unit_test(canonical_path_normalized),
        cmocka_unit_test(canonical_path_unnormalized),
        cmocka_unit_test(signing_key_known_value),
        cmocka_unit_test(amz_date_format),
        cmocka_unit_test(suite_get_vanilla),
        cmocka_unit_test(caller_date_and_authorization_are_replaced),
        cmocka_unit_test(session_token_is_signed),
        cmocka_unit_test(s3_doc_get_object_with_range),
        cmocka_unit_test(s3_doc_get_bucket_lifecycle),
        cmocka_unit_test(s3_doc_list_objects),
        cmocka_unit_test(body_hash_and_unsigned_payload),
        cmocka_unit_test(missing_host_is_an_error),
        cmocka_unit_test(missing_credentials_are_an_error),
        cmocka_unit_test(missing_region_service_method_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
