#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "aws_error.h"

static bool parse_xml(const char *body, aws_error_info *info)
{
    return aws_error_parse_xml(body, strlen(body), info);
}

static bool parse_json(const char *body, const char *header, aws_error_info *info)
{
    return aws_error_parse_json(body, body != NULL ? strlen(body) : 0, header, info);
}

static void test_aws_error_xml_s3(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                          "<RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>",
                          &info));
    assert_string_equal(info.code, "AccessDenied");
    assert_string_equal(info.message, "Access Denied");
}

/* SignatureDoesNotMatch bodies carry our canonical request and string to sign: never take those. */
static void test_aws_error_xml_s3_keeps_only_message(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_xml("<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
                          "calculated does not match.</Message><AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId>"
                          "<StringToSign>AWS4-HMAC-SHA256\n20150830T123600Z</StringToSign>"
                          "<CanonicalRequest>GET\n/\n</CanonicalRequest></Error>",
                          &info));
    assert_string_equal(info.code, "SignatureDoesNotMatch");
    assert_string_equal(info.message, "The request signature we calculated does not match.");
    assert_null(strstr(info.message, "AKIDEXAMPLE"));
}

static void test_aws_error_xml_sts(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_xml("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                          "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidClientTokenId</Code>\n"
                          "    <Message>The security token included in the request is invalid.</Message>\n"
                          "  </Error>\n  <RequestId>c6104cbe</RequestId>\n</ErrorResponse>",
                          &info));
    assert_string_equal(info.code, "InvalidClientTokenId");
    assert_string_equal(info.message, "The security token included in the request is invalid.");
}

static void test_aws_error_xml_not_an_error(void **state)
{
    (void)state;
    aws_error_info info;
    /* A <Code> outside <Error>, a nested <Code>, garbage, empty: no code. */
    assert_false(parse_xml("<Result><Code>Nope</Code></Result>", &info));
    assert_string_equal(info.code, "");
    assert_false(parse_xml("<Error><Detail><Code>Deep</Code></Detail></Error>", &info));
    assert_false(parse_xml("not xml at all", &info));
    assert_false(aws_error_parse_xml("", 0, &info));
    assert_false(aws_error_parse_xml(NULL, 0, &info));
}

static void test_aws_error_xml_truncated_still_finds_code(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_xml("<Error><Code>SlowDown</Code><Message>Please reduce", &info));
    assert_string_equal(info.code, "SlowDown");
    assert_string_equal(info.message, "");
}

static void test_aws_error_xml_refuses_doctype(void **state)
{
    (void)state;
    aws_error_info info;
    assert_false(parse_xml("<!DOCTYPE Error [<!ENTITY x \"SlowDown\">]><Error><Code>&x;</Code></Error>", &info));
}

static void test_aws_error_json_type_forms(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_json("{\"__type\":\"ResourceNotFoundException\",\"Message\":\"Secrets Manager can't find "
                           "the specified secret.\"}", NULL, &info));
    assert_string_equal(info.code, "ResourceNotFoundException");
    assert_string_equal(info.message, "Secrets Manager can't find the specified secret.");

    assert_true(parse_json("{\"__type\":\"com.amazonaws.secretsmanager#DecryptionFailure:http://x/\","
                           "\"message\":\"KMS says no\"}", NULL, &info));
    assert_string_equal(info.code, "DecryptionFailure");
    assert_string_equal(info.message, "KMS says no");

    /* "message" wins over "Message" when both are there, like botocore's lookup order. */
    assert_true(parse_json("{\"__type\":\"ThrottlingException\",\"message\":\"lower\",\"Message\":\"upper\"}",
                           NULL, &info));
    assert_string_equal(info.message, "lower");
}

static void test_aws_error_json_header_only(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_json("{}", "ThrottlingException:http://internal.amazon.com/coral/", &info));
    assert_string_equal(info.code, "ThrottlingException");
    assert_true(parse_json("", "UnrecognizedClientException", &info));
    assert_string_equal(info.code, "UnrecognizedClientException");
    assert_true(parse_json(NULL, "  AccessDeniedException \r\n", &info));
    assert_string_equal(info.code, "AccessDeniedException");
    /* The body's __type wins over the header. */
    assert_true(parse_json("{\"__type\":\"ExpiredTokenException\"}", "ThrottlingException", &info));
    assert_string_equal(info.code, "ExpiredTokenException");
    assert_false(parse_json("{\"message\":\"no type\"}", NULL, &info));
    assert_string_equal(info.message, "no type");
    assert_false(parse_json("[1,2]", NULL, &info));
    assert_false(parse_json("{\"__type\":", NULL, &info));
}

static void test_aws_error_normalize_code(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Plain", "Plain"},
        {"aws.protocoltests#ValidationException", "ValidationException"},
        {"a#b#Last", "Last"},
        {"Code:http://internal.amazon.com/", "Code"},
        {"ns#Code:suffix#notthis", "Code"},
        {"", ""},
        {"#", ""},
    };
    char out[BL_AWS_CODE_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aws_error_normalize_code(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
    }
    aws_error_normalize_code(NULL, out, sizeof out);
    assert_string_equal(out, "");
    char small[5];
    aws_error_normalize_code("LongerCode", small, sizeof small);
    assert_string_equal(small, "Long");
}

static void test_aws_error_classify(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        long status;
        bl_errcode want;
    } cases[] = {
        {"InvalidAccessKeyId", 403, BL_ERR_AUTH},
        {"SignatureDoesNotMatch", 403, BL_ERR_AUTH},
        {"ExpiredToken", 400, BL_ERR_AUTH},
        {"ExpiredTokenException", 400, BL_ERR_AUTH},
        {"TokenRefreshRequired", 400, BL_ERR_AUTH},
        {"UnrecognizedClientException", 400, BL_ERR_AUTH},
        {"InvalidClientTokenId", 403, BL_ERR_AUTH},
        {"InvalidSignatureException", 400, BL_ERR_AUTH},
        {"IncompleteSignature", 400, BL_ERR_AUTH},
        {"AccessDenied", 403, BL_ERR_DENIED},
        {"AccessDeniedException", 400, BL_ERR_DENIED},
        {"ResourceNotFoundException", 400, BL_ERR_NOT_FOUND},
        {"NoSuchKey", 404, BL_ERR_NOT_FOUND},
        {"DecryptionFailure", 400, BL_ERR_DECRYPT},
        {"ThrottlingException", 400, BL_ERR_THROTTLED},
        {"SlowDown", 503, BL_ERR_THROTTLED},
        {"InternalError", 500, BL_ERR_SERVER},
        {"InternalServiceError", 500, BL_ERR_SERVER},
        {"SomethingNew", 503, BL_ERR_SERVER},
        {"", 502, BL_ERR_SERVER},
        {"InvalidParameterException", 400, BL_ERR_CLIENT},
        {"", 400, BL_ERR_CLIENT},
        {"", 401, BL_ERR_AUTH},
        {"", 403, BL_ERR_DENIED},
        {"", 404, BL_ERR_NOT_FOUND},
        {"", 429, BL_ERR_THROTTLED},
        {NULL, 409, BL_ERR_CLIENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_errcode got = aws_error_classify(cases[i].code, cases[i].status);
        if (got != cases[i].want)
            fail_msg("%s/%ld: got %s, want %s", cases[i].code ? cases[i].code : "(null)", cases[i].status,
                     bl_errcode_name(got), bl_errcode_name(cases[i].want));
    }
    assert_true(aws_error_code_is_fatal("AccessDenied"));
    assert_true(aws_error_code_is_fatal("ExpiredToken"));
    assert_false(aws_error_code_is_fatal("SlowDown"));
    assert_false(aws_error_code_is_fatal("Unknown"));
}

static void test_aws_error_set_message(void **state)
{
    (void)state;
    aws_error_info info;
    assert_true(parse_xml("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", &info));
    bl_error err;
    bl_error_clear(&err);
    aws_error_set(&err, "S3 ListBuckets", 403, &info);
    assert_int_equal(err.code, BL_ERR_DENIED);
    assert_int_equal(err.http_status, 403);
    assert_string_equal(err.aws_code, "AccessDenied");
    assert_non_null(strstr(err.message, "S3 ListBuckets failed: AccessDenied (HTTP 403): Access Denied. "));
    assert_non_null(strstr(err.message, "IAM policy"));

    memset(&info, 0, sizeof info);
    aws_error_set(&err, "IMDS token", 503, &info);
    assert_int_equal(err.code, BL_ERR_SERVER);
    assert_string_equal(err.aws_code, "");
    assert_non_null(strstr(err.message, "IMDS token failed: HTTP 503."));
}

/* Service messages are untrusted text: control bytes go, length is capped with a marker. */
static void test_aws_error_message_sanitized_and_truncated(void **state)
{
    (void)state;
    char body[2048];
    char longmsg[1024];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    snprintf(body, sizeof body, "{\"__type\":\"X\",\"message\":\"%s\"}", longmsg);
    aws_error_info info;
    assert_true(parse_json(body, NULL, &info));
    assert_int_equal(strlen(info.message), AWS_ERROR_MESSAGE_MAX - 1);
    assert_string_equal(info.message + strlen(info.message) - 3, "...");

    assert_true(parse_json("{\"__type\":\"X\",\"message\":\"  a\\u0007b\\n\\n  c\\t \"}", NULL, &info));
    assert_string_equal(info.message, "a?b c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_error_xml_s3),
        cmocka_unit_test(test_aws_error_xml_s3_keeps_only_message),
        cmocka_unit_test(test_aws_error_xml_sts),
        cmocka_unit_test(test_aws_error_xml_not_an_error),
        cmocka_unit_test(test_aws_error_xml_truncated_still_finds_code),
        cmocka_unit_test(test_aws_error_xml_refuses_doctype),
        cmocka_unit_test(test_aws_error_json_type_forms),
        cmocka_unit_test(test_aws_error_json_header_only),
        cmocka_unit_test(test_aws_error_normalize_code),
        cmocka_unit_test(test_aws_error_classify),
        cmocka_unit_test(test_aws_error_set_message),
        cmocka_unit_test(test_aws_error_message_sanitized_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
