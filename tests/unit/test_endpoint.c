#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h"

static char dir[64], cfg_path[128];

static void write_config(const char *text)
{
    FILE *f = fopen(cfg_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void clear_env(void)
{
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                                       "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS",
                                       "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                       "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/bl-test-endpoint-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cfg_path);
    rmdir(dir);
    return 0;
}

static int each(void **state)
{
    (void)state;
    clear_env();
    unlink(cfg_path);
    return 0;
}

static void test_endpoint_region_precedence(void **state)
{
    (void)state;
    char r[AWS_REGION_MAX];
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_region_resolve(r, &err), 0);
    assert_string_equal(r, ""); /* nothing configured */

    write_config("[default]\nregion = ap-southeast-2\n[profile x]\nregion = ca-central-1\n");
    assert_int_equal(aws_region_resolve(r, &err), 0);
    assert_string_equal(r, "ap-southeast-2");
    setenv("AWS_PROFILE", "x", 1);
    assert_int_equal(aws_region_resolve(r, &err), 0);
    assert_string_equal(r, "ca-central-1");
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    assert_int_equal(aws_region_resolve(r, &err), 0);
    assert_string_equal(r, "eu-central-1");
    setenv("AWS_REGION", "us-west-1", 1);
    assert_int_equal(aws_region_resolve(r, &err), 0);
    assert_string_equal(r, "us-west-1");
}

static void test_endpoint_region_invalid(void **state)
{
    (void)state;
    char r[AWS_REGION_MAX];
    bl_error err;
    bl_error_clear(&err);
    setenv("AWS_REGION", "EU West 1", 1);
    assert_int_equal(aws_region_resolve(r, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "AWS_REGION"));
    unsetenv("AWS_REGION");
    write_config("[default]\nregion = eu/west\n");
    assert_int_equal(aws_region_resolve(r, &err), -1);
    assert_non_null(strstr(err.message, "profile 'default'"));
    assert_false(aws_region_valid(""));
    assert_false(aws_region_valid("us-east-1 "));
    assert_true(aws_region_valid("us-gov-west-1"));
}

static void test_endpoint_region_from_arn(void **state)
{
    (void)state;
    char r[AWS_REGION_MAX];
    assert_int_equal(aws_region_from_arn("arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/x-AbCdEf", r), 1);
    assert_string_equal(r, "eu-west-1");
    assert_int_equal(aws_region_from_arn("arn:aws-cn:secretsmanager:cn-north-1:1:secret:y", r), 1);
    assert_string_equal(r, "cn-north-1");
    assert_int_equal(aws_region_from_arn("arn:aws:iam::111122223333:role/x", r), 0); /* global: no region */
    assert_string_equal(r, "");
    assert_int_equal(aws_region_from_arn("my-secret-name", r), 0);
    assert_int_equal(aws_region_from_arn("arn:aws:secretsmanager:EU:1:secret:y", r), 0);
    assert_int_equal(aws_region_from_arn("arn:aws:secretsmanager:eu-west-1", r), 0);
    assert_int_equal(aws_region_from_arn(NULL, r), 0);
}

static void test_endpoint_defaults_and_partitions(void **state)
{
    (void)state;
    char url[AWS_ENDPOINT_URL_MAX];
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://s3.eu-west-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "us-east-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://secretsmanager.us-east-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "cn-north-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://secretsmanager.cn-north-1.amazonaws.com.cn");
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "cn-northwest-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://sts.cn-northwest-1.amazonaws.com.cn");
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://sts.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "", url, sizeof url, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "AWS_REGION"));
    assert_string_equal(aws_service_signing_name(AWS_SVC_S3), "s3");
    assert_string_equal(aws_service_signing_name(AWS_SVC_SECRETS_MANAGER), "secretsmanager");
    assert_string_equal(aws_service_signing_name(AWS_SVC_STS), "sts");
}

static void test_endpoint_fips_and_dualstack(void **state)
{
    (void)state;
    char url[AWS_ENDPOINT_URL_MAX];
    bl_error err;
    bl_error_clear(&err);
    setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "us-east-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://secretsmanager-fips.us-east-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "us-gov-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://s3-fips.us-gov-west-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "us-east-2", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://sts-fips.us-east-2.amazonaws.com");
    setenv("AWS_USE_DUALSTACK_ENDPOINT", "true", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://s3-fips.dualstack.eu-west-1.amazonaws.com");
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://s3.dualstack.eu-west-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://secretsmanager.eu-west-1.amazonaws.com");
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "eu-west-1", url, sizeof url, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    /* With a custom endpoint the SDKs refuse to guess. */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), -1);
    assert_non_null(strstr(err.message, "AWS_USE_DUALSTACK_ENDPOINT"));
    assert_non_null(strstr(err.message, "AWS_ENDPOINT_URL"));
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://127.0.0.1:5000");
}

static void test_endpoint_override_precedence(void **state)
{
    (void)state;
    char url[AWS_ENDPOINT_URL_MAX];
    bl_error err;
    bl_error_clear(&err);
    write_config("[default]\nendpoint_url = http://profile.example:1/\n");
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://profile.example:1");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://127.0.0.1:5000");
    setenv("AWS_ENDPOINT_URL_S3", "https://[::1]:4566/base//", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://[::1]:4566/base");
    /* Other services still use the global one. */
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://127.0.0.1:5000");
    setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:1", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://sts:2", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://sm:1");
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "", url, sizeof url, &err), 0);
    assert_string_equal(url, "http://sts:2");
    /* An override needs no region. */
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://[::1]:4566/base");

    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://s3.eu-west-1.amazonaws.com");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://[::1]:4566/base");

    /* The profile can ask to ignore too (when the variable is unset). */
    clear_env();
    write_config("[default]\nendpoint_url = http://profile.example:1\nignore_configured_endpoint_urls = true\n");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_STS, "us-east-2", url, sizeof url, &err), 0);
    assert_string_equal(url, "https://sts.us-east-2.amazonaws.com");
}

static void test_endpoint_invalid_urls_name_the_setting(void **state)
{
    (void)state;
    static const char *const bad[] = {"ftp://x", "localhost:4566", "http://", "http://:80", "http://h:0",
                                      "http://h:99999", "http://h:8o", "https://a b", "http://user:pw@h",
                                      "http://[::1", ""};
    char url[AWS_ENDPOINT_URL_MAX];
    bl_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i][0] == '\0')
            continue; /* empty means unset */
        bl_error_clear(&err);
        setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", bad[i], 1);
        assert_int_equal(aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, "eu-west-1", url, sizeof url, &err), -1);
        assert_int_equal(err.code, BL_ERR_CONFIG);
        assert_non_null(strstr(err.message, "AWS_ENDPOINT_URL_SECRETS_MANAGER"));
    }
    unsetenv("AWS_ENDPOINT_URL_SECRETS_MANAGER");
    write_config("[profile p]\nendpoint_url = nonsense\n");
    setenv("AWS_PROFILE", "p", 1);
    assert_int_equal(aws_endpoint_url(AWS_SVC_S3, "eu-west-1", url, sizeof url, &err), -1);
    assert_non_null(strstr(err.message, "endpoint_url of AWS profile 'p'"));

    char host[64];
    int port;
    bool https;
    assert_int_equal(aws_url_host_port("http://[fd00:ec2::23]/v1", host, sizeof host, &port, &https), 0);
    assert_string_equal(host, "fd00:ec2::23");
    assert_int_equal(port, 80);
    assert_false(https);
    assert_int_equal(aws_url_host_port("HTTPS://Example.com:8443?x", host, sizeof host, &port, &https), 0);
    assert_string_equal(host, "Example.com");
    assert_int_equal(port, 8443);
    assert_true(https);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_endpoint_region_precedence, each),
        cmocka_unit_test_setup(test_endpoint_region_invalid, each),
        cmocka_unit_test_setup(test_endpoint_region_from_arn, each),
        cmocka_unit_test_setup(test_endpoint_defaults_and_partitions, each),
        cmocka_unit_test_setup(test_endpoint_fips_and_dualstack, each),
        cmocka_unit_test_setup(test_endpoint_override_precedence, each),
        cmocka_unit_test_setup(test_endpoint_invalid_urls_name_the_setting, each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
