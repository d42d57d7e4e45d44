/* secret.c: the credentials secret's JSON, base64 SecretBinary, ARN regions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "error.h"
#include "secret.h"

static int parse(const char *json, s3_secret *s, bl_error *e)
{
    bl_error_clear(e);
    return secret_parse(json, strlen(json), s, e);
}

static void test_secret_valid_minimal(void **state)
{
    (void)state;
    s3_secret s = {0};
    bl_error e;
    assert_int_equal(parse("{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\",\"AWS_SECRET_ACCESS_KEY\":"
                           "\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"}",
                           &s, &e),
                     0);
    assert_string_equal(s.creds.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(s.creds.secret_access_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    assert_null(s.creds.session_token);
    assert_string_equal(s.region, "");
    assert_string_equal(s.creds.source, "secrets-manager");
    s3_secret_clear(&s);
    assert_null(s.creds.access_key_id);
    assert_null(s.creds.secret_access_key);
}

static void test_secret_valid_with_region_and_token(void **state)
{
    (void)state;
    s3_secret s = {0};
    bl_error e;
    const char *json = " \n{ \"AWS_REGION\": \"eu-west-1\", \"AWS_ACCESS_KEY_ID\": \"AKIDEXAMPLE\",\n"
                       "  \"AWS_SECRET_ACCESS_KEY\": \"secret/with+chars=\", \"AWS_SESSION_TOKEN\": \"tok+/=\",\n"
                       "  \"Comment\": \"extra keys are ignored\", \"Nested\": {\"a\": [1, \"x\"]} }\n ";
    assert_int_equal(parse(json, &s, &e), 0);
    assert_string_equal(s.region, "eu-west-1");
    assert_string_equal(s.creds.session_token, "tok+/=");
    assert_string_equal(s.creds.secret_access_key, "secret/with+chars=");
    s3_secret_clear(&s);

    /* A reused struct is cleared first: no stale token survives. */
    assert_int_equal(parse("{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\",\"AWS_SECRET_ACCESS_KEY\":\"k\","
                           "\"AWS_REGION\":\"us-gov-west-1\"}",
                           &s, &e),
                     0);
    assert_null(s.creds.session_token);
    assert_string_equal(s.region, "us-gov-west-1");
    s3_secret_clear(&s);
}

/* Each malformed secret must fail with BL_ERR_SECRET_FORMAT and a message containing `needle`. */
typedef struct {
    const char *json;
    const char *needle;
} bad_case;

static const bad_case bad_cases[] = {
    {"{\"AWS_SECRET_ACCESS_KEY\":\"k\"}", "no AWS_ACCESS_KEY_ID key"},
    {"{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\"}", "no AWS_SECRET_ACCESS_KEY key"},
    {"{\"AWS_ACCESS_KEY_ID\":\"\",\"AWS_SECRET_ACCESS_KEY\":\"k\"}", "AWS_ACCESS_KEY_ID in the secret is empty"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"\"}", "AWS_SECRET_ACCESS_KEY in the secret is empty"},
    {"{\"AWS_ACCESS_KEY_ID\":12345,\"AWS_SECRET_ACCESS_KEY\":\"k\"}", "must be a string, not a number"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":null}", "must be a string, not null"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":{\"v\":\"k\"}}", "must be a string, not an object"},
    {"{\"AWS_ACCESS_KEY_ID\":[\"a\"],\"AWS_SECRET_ACCESS_KEY\":\"k\"}", "must be a string, not an array"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":true}", "must be a string, not a boolean"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\",\"AWS_REGION\":7}", "AWS_REGION in the secret must be a string"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\",\"AWS_SESSION_TOKEN\":\"\"}", "AWS_SESSION_TOKEN in the secret is empty"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\",\"AWS_REGION\":\"US-EAST-1\"}", "not a region name"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\",\"AWS_REGION\":\"https://x\"}", "not a region name"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a \",\"AWS_SECRET_ACCESS_KEY\":\"k\"}", "contains spaces"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\\n\"}", "contains spaces"},
    {"AWS_ACCESS_KEY_ID=a", "not a JSON object"},
    {"\"just a string\"", "not a JSON object"},
    {"42", "not a JSON object"},
    {"[{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\"}]", "JSON array"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\"", "not valid JSON"},
    {"{'AWS_ACCESS_KEY_ID':'a','AWS_SECRET_ACCESS_KEY':'k'}", "not valid JSON"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\",}", "not valid JSON"},
    {"{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\"} trailing", "not valid JSON"},
    {"", "empty"},
    {"   \n", "empty"},
};

static void test_secret_rejects_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        s3_secret s = {0};
        bl_error e;
        int rc = parse(bad_cases[i].json, &s, &e);
        if (rc != -1 || e.code != BL_ERR_SECRET_FORMAT || strstr(e.message, bad_cases[i].needle) == NULL)
            fail_msg("case %zu (%s): rc=%d code=%s message=%s", i, bad_cases[i].json, rc, bl_errcode_name(e.code),
                     e.message);
        /* Every message says how to fix it. */
        assert_non_null(strstr(e.message, "aws secretsmanager put-secret-value"));
        assert_null(s.creds.access_key_id);
        assert_null(s.creds.secret_access_key);
    }
}

static void test_secret_rejects_over_64k(void **state)
{
    (void)state;
    const char *core = "{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\",\"AWS_SECRET_ACCESS_KEY\":\"k\"}";
    size_t core_len = strlen(core);
    char *big = malloc(SECRET_VALUE_MAX + 2);
    assert_non_null(big);
    /* Exactly 64 KiB (whitespace padding) is accepted... */
    memcpy(big, core, core_len);
    memset(big + core_len, ' ', SECRET_VALUE_MAX - core_len);
    s3_secret s = {0};
    bl_error e;
    bl_error_clear(&e);
    assert_int_equal(secret_parse(big, SECRET_VALUE_MAX, &s, &e), 0);
    s3_secret_clear(&s);
    /* ...one byte more is not. */
    big[SECRET_VALUE_MAX] = ' ';
    assert_int_equal(secret_parse(big, SECRET_VALUE_MAX + 1, &s, &e), -1);
    assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
    assert_non_null(strstr(e.message, "64 KiB"));
    free(big);
}

static void test_secret_length_is_honoured_without_nul(void **state)
{
    (void)state;
    /* The value is given by length: bytes past it are not part of the secret. */
    const char *json = "{\"AWS_ACCESS_KEY_ID\":\"a\",\"AWS_SECRET_ACCESS_KEY\":\"k\"}GARBAGE";
    s3_secret s = {0};
    bl_error e;
    assert_int_equal(secret_parse(json, strlen(json) - 7, &s, &e), 0);
    s3_secret_clear(&s);
    assert_int_equal(secret_parse(json, strlen(json) - 8, &s, &e), -1); /* cut before the '}' */
    assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
}

/* Random printable values, made at test time, so nothing in the source can match by accident. */
static void random_value(char *out, size_t n)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    unsigned char raw[128];
    assert_true(n - 1 <= sizeof raw);
    assert_int_equal(RAND_bytes(raw, (int)(n - 1)), 1);
    for (size_t i = 0; i + 1 < n; i++)
        out[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
    out[n - 1] = '\0';
}

/* No 6-byte window of any value appears in the message. */
static void assert_no_part_of(const char *message, const char *value)
{
    size_t n = strlen(value);
    for (size_t i = 0; i + 6 <= n; i++) {
        char window[7];
        memcpy(window, value + i, 6);
        window[6] = '\0';
        if (strstr(message, window) != NULL)
            fail_msg("message quotes part of a secret value: %s", message);
    }
}

static void test_secret_messages_never_quote_values(void **state)
{
    (void)state;
    char id[33], key[41], token[61], region[21];
    random_value(id, sizeof id);
    random_value(key, sizeof key);
    random_value(token, sizeof token);
    random_value(region, sizeof region);
    const char *const values[] = {id, key, token, region};

    char *shapes[16];
    size_t n = 0;
    buf_t b;
#define SHAPE(...)                                      \
    do {                                                \
        buf_init(&b, 2 * SECRET_VALUE_MAX);             \
        assert_true(buf_appendf(&b, __VA_ARGS__));      \
        shapes[n++] = buf_take(&b);                     \
    } while (0)
    /* wrong region (its value is not a region), whitespace in a key, wrong types next to values */
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s\",\"AWS_REGION\":\"%s\"}", id, key, region);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s \",\"AWS_SECRET_ACCESS_KEY\":\"%s\"}", id, key);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\" %s\"}", id, key);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":[\"%s\"],\"AWS_SESSION_TOKEN\":\"%s\"}", id, key, token);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s\",\"AWS_SESSION_TOKEN\":5}", id, key);
    /* the values as keys, a missing required key */
    SHAPE("{\"%s\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s\"}", id, token, key);
    /* broken JSON right after and inside the values */
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s", id, key);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\" \"AWS_SECRET_ACCESS_KEY\":\"%s\"}", id, key);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":%s}", id, key);
    SHAPE("{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s\"}%s", id, key, token);
    SHAPE("%s:%s", id, key);
    SHAPE("[\"%s\",\"%s\"]", id, key);
    /* over 64 KiB, values first */
    buf_init(&b, 2 * SECRET_VALUE_MAX);
    assert_true(buf_appendf(&b, "{\"AWS_ACCESS_KEY_ID\":\"%s\",\"AWS_SECRET_ACCESS_KEY\":\"%s\",\"pad\":\"", id, key));
    while (b.len <= SECRET_VALUE_MAX)
        assert_true(buf_appends(&b, token));
    assert_true(buf_appends(&b, "\"}"));
    shapes[n++] = buf_take(&b);
#undef SHAPE

    for (size_t i = 0; i < n; i++) {
        s3_secret s = {0};
        bl_error e;
        bl_error_clear(&e);
        if (secret_parse(shapes[i], strlen(shapes[i]), &s, &e) != -1)
            fail_msg("shape %zu was accepted", i);
        assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
            assert_no_part_of(e.message, values[v]);
        secure_free(shapes[i]);
    }
}

static void test_secret_base64(void **state)
{
    (void)state;
    const char *json = "{\"AWS_ACCESS_KEY_ID\":\"AKIDEXAMPLE\",\"AWS_SECRET_ACCESS_KEY\":\"bin/key+\","
                       "\"AWS_REGION\":\"ap-southeast-2\"}";
    size_t len = strlen(json);
    unsigned char enc[256];
    int enc_len = EVP_EncodeBlock(enc, (const unsigned char *)json, (int)len);
    assert_true(enc_len > 0);

    unsigned char *dec = NULL;
    size_t dec_len = 0;
    bl_error e;
    assert_int_equal(secret_base64_decode((const char *)enc, (size_t)enc_len, &dec, &dec_len, &e), 0);
    assert_int_equal(dec_len, len);
    assert_memory_equal(dec, json, len);

    s3_secret s = {0};
    assert_int_equal(secret_parse((const char *)dec, dec_len, &s, &e), 0);
    assert_string_equal(s.creds.secret_access_key, "bin/key+");
    assert_string_equal(s.region, "ap-southeast-2");
    s3_secret_clear(&s);
    free(dec);

    /* Every tail length, padded and unpadded, round-trips. */
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    const char *bare[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(secret_base64_decode(padded[i], strlen(padded[i]), &dec, &dec_len, &e), 0);
        assert_int_equal(dec_len, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], dec_len);
        free(dec);
        assert_int_equal(secret_base64_decode(bare[i], strlen(bare[i]), &dec, &dec_len, &e), 0);
        assert_int_equal(dec_len, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], dec_len);
        free(dec);
    }

    const char *invalid[] = {"Zm9v!", "Zg=", "Z", "Zm9vY", "Zg===", "Z=g=", "Zm 9v", "Zm9v\n"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        bl_error_clear(&e);
        if (secret_base64_decode(invalid[i], strlen(invalid[i]), &dec, &dec_len, &e) != -1)
            fail_msg("invalid base64 accepted: %s", invalid[i]);
        assert_int_equal(e.code, BL_ERR_SECRET_FORMAT);
        assert_null(dec);
        assert_null(strstr(e.message, invalid[i]));
    }
}

static void test_secret_region_syntax(void **state)
{
    (void)state;
    const char *good[] = {"us-east-1", "us-east-2", "eu-central-2", "cn-north-1", "us-gov-west-1", "il-central-1",
                          "ap-southeast-4", "local"};
    const char *bad[] = {"", "US-EAST-1", "us_east_1", "us-east-1 ", "-us-east-1", "us-east-1-", "us--east-1",
                         "1us-east", "us.east.1", "https://s3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!secret_region_valid(good[i]))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (secret_region_valid(bad[i]))
            fail_msg("accepted %s", bad[i]);
}

static void test_secret_id_region_from_arn(void **state)
{
    (void)state;
    char r[SECRET_REGION_MAX];
    struct {
        const char *id;
        const char *region; /* NULL: not an ARN with a region */
    } cases[] = {
        {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/s3-reader-AbCdEf", "eu-west-1"},
        {"arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:bucketlist-AbCdEf", "cn-north-1"},
        {"arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:x", "us-gov-west-1"},
        {"arn:aws:secretsmanager:us-east-2:123456789012:secret:a.b_c+d=e@f-g", "us-east-2"},
        {"bucketlist/s3", NULL},
        {"", NULL},
        {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:", NULL},           /* no name */
        {"arn:aws:secretsmanager::111122223333:secret:x", NULL},                   /* no region */
        {"arn:aws:secretsmanager:EU-WEST-1:111122223333:secret:x", NULL},          /* bad region */
        {"arn:aws:secretsmanager:eu-west-1:1111222233:secret:x", NULL},            /* short account */
        {"arn:aws:secretsmanager:eu-west-1:11112222333a:secret:x", NULL},          /* non-digit account */
        {"arn:aws:s3:eu-west-1:111122223333:secret:x", NULL},                      /* other service */
        {"arn:aws:secretsmanager:eu-west-1:111122223333:parameter:x", NULL},       /* other resource */
        {"arn:azure:secretsmanager:eu-west-1:111122223333:secret:x", NULL},        /* other partition */
        {"arn:aws:secretsmanager:eu-west-1:111122223333:secret:x:extra", NULL},    /* ':' in the name */
        {"arn:aws:secretsmanager:eu-west-1", NULL},                                /* truncated */
        {"ARN:aws:secretsmanager:eu-west-1:111122223333:secret:x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(r, 'X', sizeof r);
        int got = secret_id_region(cases[i].id, r);
        if (cases[i].region == NULL) {
            if (got != 0 || r[0] != '\0')
                fail_msg("%s: expected no region, got %d '%s'", cases[i].id, got, r);
        } else {
            if (got != 1 || strcmp(r, cases[i].region) != 0)
                fail_msg("%s: expected %s, got %d", cases[i].id, cases[i].region, got);
        }
    }
    assert_int_equal(secret_id_region(NULL, r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_valid_minimal),
        cmocka_unit_test(test_secret_valid_with_region_and_token),
        cmocka_unit_test(test_secret_rejects_malformed),
        cmocka_unit_test(test_secret_rejects_over_64k),
        cmocka_unit_test(test_secret_length_is_honoured_without_nul),
        cmocka_unit_test(test_secret_messages_never_quote_values),
        cmocka_unit_test(test_secret_base64),
        cmocka_unit_test(test_secret_region_syntax),
        cmocka_unit_test(test_secret_id_region_from_arn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
