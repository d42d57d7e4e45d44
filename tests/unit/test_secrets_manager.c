/* secrets_manager.c: the GetSecretValue request and response, against a scripted loopback server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "credentials.h"
#include "error.h"
#include "http.h"
#include "secrets_manager.h"

#include "loopback_http.h"

#define JSON "application/x-amz-json-1.1"
#define SECRET_JSON "{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\",\"AWS_SECRET_ACCESS_KEY\":\"s3-secret-value\",\"AWS_REGION\":\"eu-west-3\"}"

static void test_secrets_manager_request_body_escapes(void **state)
{
    (void)state;
    char *b = secrets_manager_request_body("app/s3\"reader\\x", "AWSCURRENT");
    assert_string_equal(b, "{\"SecretId\":\"app/s3\\\"reader\\\\x\",\"VersionStage\":\"AWSCURRENT\"}");
    free(b);
    b = secrets_manager_request_body("n", NULL);
    assert_string_equal(b, "{\"SecretId\":\"n\"}");
    free(b);
}

static void test_secrets_manager_parse_response(void **state)
{
    (void)state;
    s3_secret s = {0};
    bl_error e;
    /* SecretString is JSON inside a JSON string. */
    const char *str = "{\"ARN\":\"arn:aws:secretsmanager:eu-west-3:111122223333:secret:x-AbCdEf\",\"Name\":\"x\","
                      "\"SecretString\":\"{\\\"AWS_ACCESS_KEY_ID\\\":\\\"AKIDEXAMPLE\\\",\\\"AWS_SECRET_ACCESS_KEY\\\":"
                      "\\\"k1\\\"}\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.767268800123E9}";
    assert_int_equal(secrets_manager_parse_response(str, strlen(str), &s, &e), 0);
    assert_string_equal(s.creds.secret_access_key, "k1");
    s3_secret_clear(&s);

    /* SecretBinary: base64 of the same JSON. */
    unsigned char enc[512];
    EVP_EncodeBlock(enc, (const unsigned char *)SECRET_JSON, (int)strlen(SECRET_JSON));
    char bin[700];
    snprintf(bin, sizeof bin, "{\"Name\":\"x\",\"SecretBinary\":\"%s\"}", enc);
    assert_int_equal(secrets_manager_parse_response(bin, strlen(bin), &s, &e), 0);
    assert_string_equal(s.creds.secret_access_key, "s3-secret-value");
    assert_string_equal(s.region, "eu-west-3");
    s3_secret_clear(&s);

    const char *neither = "{\"Name\":\"x\",\"VersionStages\":[\"AWSCURRENT\"]}";
    assert_int_equal(secrets_manager_parse_response(neither, strlen(neither), &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
    assert_non_null(strstr(e.message, "neither SecretString nor SecretBinary"));

    const char *bad_inner = "{\"SecretString\":\"AWS_ACCESS_KEY_ID=AKIDEXAMPLE\"}";
    assert_int_equal(secrets_manager_parse_response(bad_inner, strlen(bad_inner), &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
    assert_null(strstr(e.message, "AKIDEXAMPLE"));

    const char *not_json = "<html>proxy error</html>";
    assert_int_equal(secrets_manager_parse_response(not_json, strlen(not_json), &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_PROTOCOL);
}

typedef struct {
    http_client *http;
    aws_credentials boot;
    loopback_server srv;
    char endpoint[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    bl_error e;
    f->http = loopback_client_new();
    if (f->http == NULL || aws_credentials_set(&f->boot, "AKIDEXAMPLE", "bootstrap-secret", NULL, 0, "environment", &e) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    http_client_free(f->http);
    aws_credentials_clear(&f->boot);
    free(f);
    return 0;
}

static void serve(fixture *f, const loopback_response *r)
{
    assert_int_equal(loopback_start(&f->srv, r, 1), 0);
    snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:%d/", f->srv.port);
}

static void test_secrets_manager_fetch(void **state)
{
    fixture *f = *state;
    char body[512];
    snprintf(body, sizeof body, "{\"Name\":\"bucketlist/s3\",\"SecretString\":\"%s\"}",
             "{\\\"AWS_ACCESS_KEY_ID\\\":\\\"AKIDEXAMPLE\\\",\\\"AWS_SECRET_ACCESS_KEY\\\":\\\"fetched-key\\\"}");
    loopback_response r = {200, JSON, body};
    serve(f, &r);
    s3_secret s = {0};
    bl_error e;
    /* The ARN's region wins over the one given. */
    const char *arn = "arn:aws:secretsmanager:ap-south-1:111122223333:secret:bucketlist/s3-AbCdEf";
    int rc = secrets_manager_get_secret(f->http, &f->boot, "us-east-2", f->endpoint, arn, "AWSPREVIOUS", &s, &e);
    loopback_stop(&f->srv);
    if (rc != 0)
        fail_msg("%s", e.message);
    assert_string_equal(s.creds.secret_access_key, "fetched-key");
    s3_secret_clear(&s);

    const char *req = f->srv.requests[0];
    assert_true(strncmp(req, "POST / HTTP/1.1\r\n", 17) == 0);
    assert_non_null(strcasestr(req, "\r\nContent-Type: application/x-amz-json-1.1\r\n"));
    assert_non_null(strcasestr(req, "\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\n"));
    assert_non_null(strstr(req, "/ap-south-1/secretsmanager/aws4_request"));
    assert_null(strcasestr(req, "x-amz-security-token")); /* long-term bootstrap keys */
    char want[256];
    snprintf(want, sizeof want, "\r\n\r\n{\"SecretId\":\"%s\",\"VersionStage\":\"AWSPREVIOUS\"}", arn);
    assert_non_null(strstr(req, want));
    loopback_free(&f->srv);
}

static void test_secrets_manager_errors(void **state)
{
    fixture *f = *state;
    struct {
        loopback_response resp;
        bl_errcode code;
        const char *needle;
    } cases[] = {
        {{400, JSON, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"Secrets Manager can't find the "
                     "specified secret.\"}"},
         BL_ERR_NOT_FOUND, "secret 'bucketlist/s3' not found in region eu-west-1: check BUCKETLIST_SECRET_ID and AWS_REGION"},
        {{400, JSON, "{\"__type\":\"AccessDeniedException\",\"Message\":\"not authorized\"}"},
         BL_ERR_DENIED, "grant secretsmanager:GetSecretValue on the secret (and kms:Decrypt for a customer key)"},
        {{400, JSON, "{\"__type\":\"DecryptionFailure\",\"Message\":\"kms\"}"}, BL_ERR_DECRYPT, "kms:Decrypt"},
        {{400, JSON, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the "
                     "request is invalid.\"}"},
         BL_ERR_AUTH, "rejected the bootstrap credentials (from environment)"},
        {{400, JSON, "{\"__type\":\"com.amazonaws.secretsmanager#InvalidSignatureException\",\"message\":\"sig\"}"},
         BL_ERR_AUTH, "bootstrap credentials"},
        {{200, JSON, "{\"SecretString\":\"{\\\"AWS_ACCESS_KEY_ID\\\":\\\"AKIDEXAMPLE\\\"}\"}"},
         BL_ERR_SECRET_FORMAT, "secret 'bucketlist/s3': the secret has no AWS_SECRET_ACCESS_KEY key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        serve(f, &cases[i].resp);
        s3_secret s = {0};
        bl_error e;
        bl_error_clear(&e);
        int rc = secrets_manager_get_secret(f->http, &f->boot, "eu-west-1", f->endpoint, "bucketlist/s3", NULL, &s, &e);
        loopback_stop(&f->srv);
        loopback_free(&f->srv);
        if (rc != -1 || e.code != cases[i].code || strstr(e.message, cases[i].needle) == NULL)
            fail_msg("case %zu: rc=%d code=%s message=%s", i, rc, bl_errcode_name(e.code), e.message);
        assert_false(bl_error_is_transient(&e));
        assert_null(strstr(e.message, "bootstrap-secret"));
        assert_null(s.creds.access_key_id);
    }
}

static void test_secrets_manager_transient_and_config(void **state)
{
    fixture *f = *state;
    loopback_response r = {503, JSON, "{\"__type\":\"ServiceUnavailable\",\"Message\":\"busy\"}"};
    serve(f, &r);
    s3_secret s = {0};
    bl_error e;
    assert_int_equal(secrets_manager_get_secret(f->http, &f->boot, "eu-west-1", f->endpoint, "x", NULL, &s, &e), -1);
    loopback_stop(&f->srv);
    loopback_free(&f->srv);
    assert_true(bl_error_is_transient(&e));
    assert_non_null(strstr(e.message, "could not fetch secret 'x' from Secrets Manager in region eu-west-1"));

    /* Nothing is sent without an id, a region or bootstrap credentials. */
    assert_int_equal(secrets_manager_get_secret(f->http, &f->boot, "eu-west-1", "http://127.0.0.1:9", "", NULL, &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_CONFIG);
    assert_int_equal(secrets_manager_get_secret(f->http, &f->boot, "", "http://127.0.0.1:9", "x", NULL, &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_CONFIG);
    aws_credentials none = {0};
    assert_int_equal(secrets_manager_get_secret(f->http, &none, "eu-west-1", "http://127.0.0.1:9", "x", NULL, &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_NO_CREDENTIALS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secrets_manager_request_body_escapes),
        cmocka_unit_test(test_secrets_manager_parse_response),
        cmocka_unit_test_setup_teardown(test_secrets_manager_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_manager_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_manager_transient_and_config, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
