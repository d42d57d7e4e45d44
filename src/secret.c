#include "secret.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "json_secure.h"

/* Appended to every format error: the shape of a correct secret and the command that stores it. */
#define SECRET_FIX                                                                                   \
    "Store a JSON object such as {\"AWS_ACCESS_KEY_ID\": \"<key id>\", \"AWS_SECRET_ACCESS_KEY\": "   \
    "\"<secret key>\", \"AWS_REGION\": \"us-east-2\"} (AWS_REGION and AWS_SESSION_TOKEN optional), "  \
    "e.g. with: aws secretsmanager put-secret-value --secret-id <id> --secret-string file://secret.json"

#define KEY_ID "AWS_ACCESS_KEY_ID"
#define KEY_SECRET "AWS_SECRET_ACCESS_KEY"
#define KEY_REGION "AWS_REGION"
#define KEY_TOKEN "AWS_SESSION_TOKEN"

static const char *type_name(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
    case json_type_int:
        return "a number";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    }
    return "an unknown type";
}

/* True when s holds a space or control character: a pasted key with a stray newline would only
 * fail later as a baffling SignatureDoesNotMatch. */
static bool has_space_or_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Looks up a string member. Returns 1 with *val set, 0 when absent, -1 (err set) when present with
 * the wrong type, empty, or holding whitespace. */
static int get_string(json_object *root, const char *key, bool required, const char **val, size_t *len,
                      bl_error *err)
{
    json_object *v = NULL;
    *val = NULL;
    *len = 0;
    if (!json_object_object_get_ex(root, key, &v)) {
        if (!required)
            return 0;
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "the secret has no %s key. " SECRET_FIX, key);
    }
    if (!json_object_is_type(v, json_type_string))
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "%s in the secret must be a string, not %s. " SECRET_FIX,
                            key, type_name(v));
    *val = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (*len == 0)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "%s in the secret is empty. " SECRET_FIX, key);
    if (strlen(*val) != *len)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "%s in the secret contains a NUL character. " SECRET_FIX,
                            key);
    if (has_space_or_control(*val, *len))
        return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                            "%s in the secret contains spaces, line breaks or control characters: store the "
                            "value without them. " SECRET_FIX,
                            key);
    return 1;
}

static const char *first_non_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return s + i;
    }
    return NULL;
}

static int check_shape(const char *value, size_t len, bl_error *err)
{
    if (len > SECRET_VALUE_MAX)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                            "the secret's value is %zu bytes, over the 64 KiB that Secrets Manager allows: it "
                            "is not a credentials secret. " SECRET_FIX,
                            len);
    const char *p = first_non_space(value, len);
    if (p == NULL)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "the secret's value is empty. " SECRET_FIX);
    if (*p == '[')
        return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                            "the secret's value is a JSON array, not an object. " SECRET_FIX);
    if (*p != '{')
        return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                            "the secret's value is not a JSON object (it must start with '{'). " SECRET_FIX);
    return 0;
}

int secret_parse(const char *value, size_t len, s3_secret *out, bl_error *err)
{
    s3_secret_clear(out);
    if (value == NULL)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT, "the secret has no value. " SECRET_FIX);
    if (check_shape(value, len, err) < 0)
        return -1;

    int rc = -1;
    const char *why = NULL;
    json_object *root = json_secure_parse(value, len, &why);
    if (root == NULL) {
        /* json-c's descriptions are fixed strings ("unexpected character"), never input. */
        bl_error_set(err, BL_ERR_SECRET_FORMAT, "the secret's value is not valid JSON (%s). " SECRET_FIX, why);
        goto cleanup;
    }
    if (!json_object_is_type(root, json_type_object)) {
        bl_error_set(err, BL_ERR_SECRET_FORMAT, "the secret's value is %s, not a JSON object. " SECRET_FIX,
                     type_name(root));
        goto cleanup;
    }

    const char *key_id, *secret, *region, *token;
    size_t key_id_len, secret_len, region_len, token_len;
    if (get_string(root, KEY_ID, true, &key_id, &key_id_len, err) < 0 ||
        get_string(root, KEY_SECRET, true, &secret, &secret_len, err) < 0 ||
        get_string(root, KEY_REGION, false, &region, &region_len, err) < 0 ||
        get_string(root, KEY_TOKEN, false, &token, &token_len, err) < 0)
        goto cleanup;

    if (region != NULL) {
        if (region_len >= sizeof out->region || !secret_region_valid(region)) {
            bl_error_set(err, BL_ERR_SECRET_FORMAT,
                         "AWS_REGION in the secret is not a region name (expected lower-case letters, digits "
                         "and hyphens, like us-east-2). " SECRET_FIX);
            goto cleanup;
        }
        memcpy(out->region, region, region_len + 1);
    }
    if (aws_credentials_set(&out->creds, key_id, secret, token, 0, "secrets-manager", err) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    json_secure_put(root);
    if (rc < 0)
        s3_secret_clear(out);
    return rc;
}

void s3_secret_clear(s3_secret *s)
{
    if (s == NULL)
        return;
    aws_credentials_clear(&s->creds);
    OPENSSL_cleanse(s->region, sizeof s->region);
}

/* ---- base64 ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int secret_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len, bl_error *err)
{
    *out = NULL;
    *out_len = 0;
    /* Padding is optional, but when present it ends the input and makes it a multiple of 4. */
    size_t data_len = len;
    while (data_len > 0 && in[data_len - 1] == '=' && len - data_len < 2)
        data_len--;
    if ((data_len < len && len % 4 != 0) || data_len % 4 == 1)
        return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                            "SecretBinary is not valid base64 (wrong length or padding): store the secret as "
                            "SecretString instead");

    unsigned char *dst = malloc(data_len / 4 * 3 + 3 + 1);
    if (dst == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory decoding SecretBinary");
    size_t n = 0;
    unsigned int acc = 0;
    int bits = 0;
    for (size_t i = 0; i < data_len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0) {
            OPENSSL_cleanse(dst, data_len / 4 * 3 + 3 + 1);
            OPENSSL_cleanse(&acc, sizeof acc);
            free(dst);
            return bl_error_set(err, BL_ERR_SECRET_FORMAT,
                                "SecretBinary is not valid base64 (a character outside A-Z a-z 0-9 + /): store "
                                "the secret as SecretString instead");
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    OPENSSL_cleanse(&acc, sizeof acc);
    dst[n] = '\0';
    *out = dst;
    *out_len = n;
    return 0;
}

/* ---- regions and ARNs ---- */

bool secret_region_valid(const char *region)
{
    size_t n = strlen(region);
    if (n == 0 || n >= SECRET_REGION_MAX || region[0] < 'a' || region[0] > 'z' || region[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = region[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || (c == '-' && region[i + 1] == '-'))
            return false;
    }
    return true;
}

/* Splits off the next ':'-separated field; *s moves past it. Returns its length, or -1 at the end. */
static long next_field(const char **s, const char **field)
{
    if (*s == NULL)
        return -1;
    *field = *s;
    const char *colon = strchr(*s, ':');
    if (colon == NULL) {
        long n = (long)strlen(*s);
        *s = NULL;
        return n;
    }
    *s = colon + 1;
    return (long)(colon - *field);
}

static bool field_is(const char *f, long n, const char *want)
{
    return (size_t)n == strlen(want) && memcmp(f, want, (size_t)n) == 0;
}

static bool partition_ok(const char *f, long n)
{
    if (n < 3 || memcmp(f, "aws", 3) != 0)
        return false;
    for (long i = 0; i < n; i++) {
        if (!((f[i] >= 'a' && f[i] <= 'z') || f[i] == '-'))
            return false;
    }
    return true;
}

static bool account_ok(const char *f, long n)
{
    if (n != 12)
        return false;
    for (long i = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9')
            return false;
    }
    return true;
}

int secret_id_region(const char *secret_id, char out[SECRET_REGION_MAX])
{
    out[0] = '\0';
    if (secret_id == NULL)
        return 0;
    const char *s = secret_id;
    const char *arn = NULL, *partition = NULL, *service = NULL, *region = NULL, *account = NULL;
    const char *type = NULL, *name = NULL;
    long n_arn = next_field(&s, &arn);
    long n_partition = next_field(&s, &partition);
    long n_service = next_field(&s, &service);
    long n_region = next_field(&s, &region);
    long n_account = next_field(&s, &account);
    long n_type = next_field(&s, &type);
    long n_name = next_field(&s, &name);
    if (s != NULL || n_name <= 0) /* names never hold ':'; missing fields give -1 */
        return 0;
    if (!field_is(arn, n_arn, "arn") || !partition_ok(partition, n_partition) ||
        !field_is(service, n_service, "secretsmanager") || !account_ok(account, n_account) ||
        !field_is(type, n_type, "secret"))
        return 0;
    if (n_region <= 0 || n_region >= SECRET_REGION_MAX)
        return 0;
    char buf[SECRET_REGION_MAX];
    memcpy(buf, region, (size_t)n_region);
    buf[n_region] = '\0';
    if (!secret_region_valid(buf))
        return 0;
    memcpy(out, buf, (size_t)n_region + 1);
    return 1;
}
