#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "redact.h"
#include "request.h"

static void path_comes_from_document_uri_without_query(void **state)
{
    (void)state;
    request_info r;
    request_parse(&r, "GET", "/buckets", "/buckets?prefix=a", NULL);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/buckets");
    request_parse(&r, "HEAD", NULL, "/healthz?x=1", NULL);
    assert_string_equal(r.path, "/healthz");
    request_parse(&r, NULL, NULL, NULL, NULL);
    assert_string_equal(r.path, "");
    assert_string_equal(r.method, "");
}

static void accept_header_picks_json_only_when_preferred(void **state)
{
    (void)state;
    assert_true(request_accepts_json("application/json"));
    assert_true(request_accepts_json("Application/JSON; charset=utf-8"));
    assert_true(request_accepts_json("application/json, text/html;q=0.5"));
    assert_false(request_accepts_json("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
    assert_false(request_accepts_json("text/html, application/json"));
    assert_false(request_accepts_json("*/*"));
    assert_true(request_accepts_json("text/html;q=0.1, application/json"));
    assert_false(request_accepts_json("application/json;q=0.2, text/html"));
    assert_true(request_accepts_json("application/json, */*;q=0.5"));
    assert_false(request_accepts_json("application/json;q=0, text/*"));
    assert_false(request_accepts_json("text/*, application/json;q=0.5"));
    assert_false(request_accepts_json("application/jsonx"));
    assert_false(request_accepts_json(""));
    assert_false(request_accepts_json(NULL));
}

static void prefix_is_decoded_and_other_params_ignored(void **state)
{
    (void)state;
    request_info r;
    bl_error e;
    bl_error_clear(&e);
    request_parse(&r, "GET", "/buckets", NULL, NULL);
    assert_int_equal(request_parse_query(&r, "x=1&prefix=logs%2Dprod&y", &e), 0);
    assert_true(r.has_prefix);
    assert_string_equal(r.prefix, "logs-prod");
    request_parse(&r, "GET", "/buckets", NULL, NULL);
    assert_int_equal(request_parse_query(&r, "prefix=a+b", &e), 0);
    assert_string_equal(r.prefix, "a b");
    request_parse(&r, "GET", "/buckets", NULL, NULL);
    assert_int_equal(request_parse_query(&r, "", &e), 0);
    assert_false(r.has_prefix);
    assert_int_equal(request_parse_query(&r, "prefix=", &e), 0);
    assert_true(r.has_prefix);
    assert_string_equal(r.prefix, "");
}

static void bad_prefix_encodings_are_input_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"prefix=%", "prefix=%4", "prefix=%zz", "prefix=a%00b", "prefix=a&prefix=b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        request_info r;
        bl_error e;
        bl_error_clear(&e);
        request_parse(&r, "GET", "/buckets", NULL, NULL);
        assert_int_equal(request_parse_query(&r, bad[i], &e), -1);
        assert_int_equal(e.code, BL_ERR_INPUT);
        assert_non_null(strstr(e.message, "prefix"));
    }
    char longq[600] = "prefix=";
    memset(longq + 7, 'a', 400);
    longq[407] = '\0';
    request_info r;
    bl_error e;
    request_parse(&r, "GET", "/buckets", NULL, NULL);
    assert_int_equal(request_parse_query(&r, longq, &e), -1);
}

static void config_requires_secret_id_and_validates_numbers(void **state)
{
    (void)state;
    worker_config cfg;
    bl_error e;
    bl_error_clear(&e);
    unsetenv("BUCKETLIST_SECRET_ID");
    assert_int_equal(worker_config_from_env(&cfg, &e), -1);
    assert_int_equal(e.code, BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "BUCKETLIST_SECRET_ID"));

    setenv("BUCKETLIST_SECRET_ID", "app/s3", 1);
    unsetenv("BUCKETLIST_SECRET_VERSION_STAGE");
    unsetenv("BUCKETLIST_S3_PAGE_SIZE");
    assert_int_equal(worker_config_from_env(&cfg, &e), 0);
    assert_string_equal(cfg.secret_id, "app/s3");
    assert_string_equal(cfg.version_stage, "AWSCURRENT");
    assert_int_equal(cfg.page_size, 1000);

    setenv("BUCKETLIST_S3_PAGE_SIZE", "0", 1);
    assert_int_equal(worker_config_from_env(&cfg, &e), -1);
    assert_non_null(strstr(e.message, "BUCKETLIST_S3_PAGE_SIZE"));
    setenv("BUCKETLIST_S3_PAGE_SIZE", "12abc", 1);
    assert_int_equal(worker_config_from_env(&cfg, &e), -1);
    setenv("BUCKETLIST_S3_PAGE_SIZE", "250", 1);
    setenv("BUCKETLIST_SECRET_VERSION_STAGE", "AWSPENDING", 1);
    assert_int_equal(worker_config_from_env(&cfg, &e), 0);
    assert_int_equal(cfg.page_size, 250);
    assert_string_equal(cfg.version_stage, "AWSPENDING");
    unsetenv("BUCKETLIST_S3_PAGE_SIZE");
    unsetenv("BUCKETLIST_SECRET_VERSION_STAGE");
}

static void log_values_are_quoted_and_escaped(void **state)
{
    (void)state;
    char out[64];
    log_quote(out, sizeof out, "a \"b\"\n\\");
    assert_string_equal(out, "\"a \\\"b\\\"\\x0a\\\\\"");
    log_quote(out, 8, "abcdefghijkl");
    assert_true(strlen(out) < 8);
    assert_int_equal(out[0], '"');
    assert_int_equal(out[strlen(out) - 1], '"');
}

static void public_messages_hide_arns_and_account_ids(void **state)
{
    (void)state;
    char msg[256];
    strcpy(msg, "User: arn:aws:iam::123456789012:user/s3-reader is not authorized on "
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/s3-AbCdEf. Grant it.");
    redact_for_public(msg);
    assert_string_equal(msg, "User: [ARN] is not authorized on [ARN]. Grant it.");
    strcpy(msg, "account 123456789012 (HTTP 403); port 1234567890123 and 12345");
    redact_for_public(msg);
    assert_string_equal(msg, "account [account] (HTTP 403); port 1234567890123 and 12345");
    strcpy(msg, "no arnold:here, barn:x, 'arn:aws:s3:::b'");
    redact_for_public(msg);
    assert_string_equal(msg, "no arnold:here, barn:x, '[ARN]'");
    strcpy(msg, "");
    redact_for_public(msg);
    assert_string_equal(msg, "");
    /* Short "arn:" words are not ARNs, and must never make the text grow. */
    strcpy(msg, "use 'arn:' here, arn:. and arn:a:b");
    redact_for_public(msg);
    assert_string_equal(msg, "use 'arn:' here, arn:. and arn:a:b");
    strcpy(msg, "arn:aws:s3:::bucket.");
    redact_for_public(msg);
    assert_string_equal(msg, "[ARN].");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_comes_from_document_uri_without_query),
        cmocka_unit_test(accept_header_picks_json_only_when_preferred),
        cmocka_unit_test(prefix_is_decoded_and_other_params_ignored),
        cmocka_unit_test(bad_prefix_encodings_are_input_errors),
        cmocka_unit_test(config_requires_secret_id_and_validates_numbers),
        cmocka_unit_test(log_values_are_quoted_and_escaped),
        cmocka_unit_test(public_messages_hide_arns_and_account_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
