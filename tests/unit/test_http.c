/* http.c pieces that need no network: configuration from the environment, the client's clock,
 * and requests refused before anything is sent. The wire behaviour (retries, timeouts, skew,
 * connection reuse) is covered by tests/integration/test_http_client.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

static const char *const vars[] = {
    "BUCKETLIST_CONNECT_TIMEOUT_MS", "BUCKETLIST_ATTEMPT_TIMEOUT_MS", "BUCKETLIST_DEADLINE_MS",
    "AWS_MAX_ATTEMPTS", "BUCKETLIST_MAX_RESPONSE_BYTES", "AWS_CA_BUNDLE", NULL,
};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; vars[i] != NULL; i++)
        unsetenv(vars[i]);
    return 0;
}

static void test_http_config_defaults(void **state)
{
    (void)state;
    http_config cfg;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(http_config_from_env(&cfg, &err), 0);
    assert_int_equal(cfg.connect_timeout_ms, 3000);
    assert_int_equal(cfg.attempt_timeout_ms, 10000);
    assert_int_equal(cfg.deadline_ms, 25000);
    assert_true(cfg.deadline_ms < 60000); /* well under nginx's fastcgi_read_timeout */
    assert_int_equal(cfg.max_attempts, 3);
    assert_int_equal(cfg.max_response_bytes, 4u * 1024u * 1024u);
    assert_string_equal(cfg.ca_bundle, "");
    /* An empty variable counts as unset. */
    setenv("AWS_MAX_ATTEMPTS", "", 1);
    assert_int_equal(http_config_from_env(&cfg, &err), 0);
    assert_int_equal(cfg.max_attempts, 3);
}

static void test_http_config_valid_values(void **state)
{
    (void)state;
    setenv("BUCKETLIST_CONNECT_TIMEOUT_MS", "250", 1);
    setenv("BUCKETLIST_ATTEMPT_TIMEOUT_MS", "800", 1);
    setenv("BUCKETLIST_DEADLINE_MS", "5000", 1);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
    setenv("BUCKETLIST_MAX_RESPONSE_BYTES", "65536", 1);
    char path[] = "/tmp/test_http_ca_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    setenv("AWS_CA_BUNDLE", path, 1);
    http_config cfg;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(http_config_from_env(&cfg, &err), 0);
    assert_int_equal(cfg.connect_timeout_ms, 250);
    assert_int_equal(cfg.attempt_timeout_ms, 800);
    assert_int_equal(cfg.deadline_ms, 5000);
    assert_int_equal(cfg.max_attempts, 1);
    assert_int_equal(cfg.max_response_bytes, 65536);
    assert_string_equal(cfg.ca_bundle, path);
    unlink(path);
}

static void test_http_config_invalid_values(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
    } bad[] = {
        {"BUCKETLIST_CONNECT_TIMEOUT_MS", "abc"},
        {"BUCKETLIST_CONNECT_TIMEOUT_MS", "0"},
        {"BUCKETLIST_ATTEMPT_TIMEOUT_MS", "-5"},
        {"BUCKETLIST_ATTEMPT_TIMEOUT_MS", "10s"},
        {"BUCKETLIST_DEADLINE_MS", "99999999999999999999"},
        {"AWS_MAX_ATTEMPTS", "0"},
        {"AWS_MAX_ATTEMPTS", "3.5"},
        {"AWS_MAX_ATTEMPTS", "1000"},
        {"BUCKETLIST_MAX_RESPONSE_BYTES", "0"},
        {"AWS_CA_BUNDLE", "/nonexistent/ca.pem"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_env(NULL);
        setenv(bad[i].name, bad[i].value, 1);
        http_config cfg;
        bl_error err;
        bl_error_clear(&err);
        if (http_config_from_env(&cfg, &err) != -1)
            fail_msg("%s=%s was accepted", bad[i].name, bad[i].value);
        assert_int_equal(err.code, BL_ERR_CONFIG);
        /* The message names the variable to fix. */
        if (strstr(err.message, bad[i].name) == NULL)
            fail_msg("message does not name %s: %s", bad[i].name, err.message);
    }
}

static void test_http_client_clock(void **state)
{
    (void)state;
    http_config cfg;
    bl_error err;
    assert_int_equal(http_config_from_env(&cfg, &err), 0);
    http_client *c = http_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(http_client_clock_offset(c), 0);
    time_t before = time(NULL);
    time_t now = http_client_now(c);
    assert_true(now >= before && now <= time(NULL));
    http_client_set_clock_offset(c, 1200);
    assert_int_equal(http_client_clock_offset(c), 1200);
    now = http_client_now(c);
    assert_true(now >= before + 1200 && now <= time(NULL) + 1200);
    assert_int_equal(http_client_config(c)->max_attempts, cfg.max_attempts);
    assert_int_equal(http_client_take_call_count(c), 0);
    http_client_free(c);
}

/* Requests that must be refused before anything goes on the wire (no network needed). */
static void test_http_call_refuses_bad_requests(void **state)
{
    (void)state;
    http_config cfg;
    bl_error err;
    assert_int_equal(http_config_from_env(&cfg, &err), 0);
    http_client *c = http_client_new(&cfg, &err);
    assert_non_null(c);

    static const struct {
        const char *url;
        bl_errcode want;
    } urls[] = {
        {"not a url", BL_ERR_CONFIG},
        {"ftp://127.0.0.1/x", BL_ERR_CONFIG},
        {"http://127.0.0.1/a%00b", BL_ERR_INPUT},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        http_request req = {.method = "GET", .url = urls[i].url};
        http_response resp;
        assert_int_equal(http_call(c, &req, &resp, &err), -1);
        if (err.code != urls[i].want)
            fail_msg("%s: got %s (%s)", urls[i].url, bl_errcode_name(err.code), err.message);
        assert_int_equal(resp.attempts, 0);
        http_response_free(&resp);
    }

    http_header injected[] = {{"X-Test", "a\r\nX-Evil: 1"}};
    http_request req = {.method = "GET", .url = "http://127.0.0.1:9/", .headers = injected, .n_headers = 1};
    http_response resp;
    assert_int_equal(http_call(c, &req, &resp, &err), -1);
    assert_int_equal(err.code, BL_ERR_INPUT);
    assert_int_equal(resp.attempts, 0);
    http_response_free(&resp);

    aws_credentials creds = {0};
    http_request unsigned_region = {.method = "GET", .url = "http://127.0.0.1:9/", .credentials = &creds};
    assert_int_equal(http_call(c, &unsigned_region, &resp, &err), -1);
    assert_int_equal(err.code, BL_ERR_INPUT);
    http_response_free(&resp);

    assert_int_equal(http_client_take_call_count(c), 0);
    http_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_http_config_defaults, clear_env),
        cmocka_unit_test_setup(test_http_config_valid_values, clear_env),
        cmocka_unit_test_setup(test_http_config_invalid_values, clear_env),
        cmocka_unit_test_setup(test_http_client_clock, clear_env),
        cmocka_unit_test_setup(test_http_call_refuses_bad_requests, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
