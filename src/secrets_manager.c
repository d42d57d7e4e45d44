#include "secrets_manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "json_secure.h"

#define WHAT "Secrets Manager GetSecretValue"

char *secrets_manager_request_body(const char *secret_id, const char *version_stage)
{
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    char *body = NULL;
    json_object *id = json_object_new_string(secret_id);
    if (id == NULL || json_object_object_add(o, "SecretId", id) != 0) {
        json_object_put(id);
        goto cleanup;
    }
    if (version_stage != NULL && version_stage[0] != '\0') {
        json_object *stage = json_object_new_string(version_stage);
        if (stage == NULL || json_object_object_add(o, "VersionStage", stage) != 0) {
            json_object_put(stage);
            goto cleanup;
        }
    }
    body = json_plain_dup(o);
cleanup:
    json_object_put(o);
    return body;
}

static int parse_binary(json_object *bin, s3_secret *out, bl_error *err)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    if (secret_base64_decode(json_object_get_string(bin), (size_t)json_object_get_string_len(bin), &raw,
                             &raw_len, err) < 0)
        return -1;
    int rc = secret_parse((const char *)raw, raw_len, out, err);
    OPENSSL_cleanse(raw, raw_len);
    free(raw);
    return rc;
}

int secrets_manager_parse_response(const char *body, size_t len, s3_secret *out, bl_error *err)
{
    s3_secret_clear(out);
    const char *why = NULL;
    json_object *root = json_secure_parse(body, len, &why);
    if (root == NULL || !json_object_is_type(root, json_type_object)) {
        json_secure_put(root);
        return bl_error_set(err, BL_ERR_PROTOCOL,
                            "the " WHAT " response is not a JSON object (%s): check that the endpoint is "
                            "Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER)",
                            why != NULL ? why : "wrong type");
    }
    int rc;
    json_object *v = NULL;
    if (json_object_object_get_ex(root, "SecretString", &v) && json_object_is_type(v, json_type_string)) {
        rc = secret_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), out, err);
    } else if (json_object_object_get_ex(root, "SecretBinary", &v) && json_object_is_type(v, json_type_string)) {
        rc = parse_binary(v, out, err);
    } else {
        rc = bl_error_set(err, BL_ERR_SECRET_FORMAT,
                          "the secret has neither SecretString nor SecretBinary in this version: store the "
                          "credentials JSON with aws secretsmanager put-secret-value --secret-id <id> "
                          "--secret-string file://secret.json");
    }
    json_secure_put(root);
    return rc;
}

/* Rewrites err (set by http_call) into a message that names the secret and says what to fix. The
 * code stays http_call's class, except where the AWS code is more precise than the class. */
static void explain_error(bl_error *err, const char *id, const char *region, const aws_credentials *bootstrap)
{
    char detail[BL_ERROR_MESSAGE_MAX];
    snprintf(detail, sizeof detail, "%s", err->message);
    const char *code = err->aws_code;

    if (code[0] == '\0' && err->http_status >= 400 && err->http_status < 500 && !bl_error_is_transient(err) &&
        err->http_status != 408) {
        /* Secrets Manager always names its errors; a bare 4xx comes from something else. */
        bl_error_set(err, BL_ERR_CLIENT,
                     "the Secrets Manager endpoint for region %s answered HTTP %d without an AWS error code, so it "
                     "is probably not Secrets Manager: check AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SECRETS_MANAGER "
                     "and the proxy settings. Details: %s",
                     region, err->http_status, detail);
    } else if (strcmp(code, "ResourceNotFoundException") == 0 || err->code == BL_ERR_NOT_FOUND) {
        bl_error_set(err, BL_ERR_NOT_FOUND,
                     "secret '%.200s' not found in region %s: check BUCKETLIST_SECRET_ID and AWS_REGION (or "
                     "give the secret's full ARN). Details: %s",
                     id, region, detail);
    } else if (strcmp(code, "DecryptionFailure") == 0 || err->code == BL_ERR_DECRYPT) {
        bl_error_set(err, BL_ERR_DECRYPT,
                     "KMS could not decrypt secret '%.200s' in region %s: grant the bootstrap identity "
                     "kms:Decrypt on the secret's KMS key and check that the key is enabled. Details: %s",
                     id, region, detail);
    } else if (strcmp(code, "AccessDeniedException") == 0 || err->code == BL_ERR_DENIED) {
        bl_error_set(err, BL_ERR_DENIED,
                     "the bootstrap identity may not read secret '%.200s' in region %s: grant "
                     "secretsmanager:GetSecretValue on the secret (and kms:Decrypt for a customer key). "
                     "Details: %s",
                     id, region, detail);
    } else if (err->code == BL_ERR_AUTH || strcmp(code, "UnrecognizedClientException") == 0 ||
               strcmp(code, "InvalidSignatureException") == 0) {
        bl_error_set(err, BL_ERR_AUTH,
                     "Secrets Manager rejected the bootstrap credentials (from %s): they are invalid, "
                     "expired or for another partition; fix AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                     "AWS_PROFILE or the instance/container role, and check the system clock. Details: %s",
                     bootstrap->source[0] != '\0' ? bootstrap->source : "the credential chain", detail);
    } else if (strcmp(code, "InvalidRequestException") == 0) {
        bl_error_set(err, err->code,
                     "secret '%.200s' cannot be read in its current state (deleted or scheduled for "
                     "deletion?): restore it or point BUCKETLIST_SECRET_ID at another secret. Details: %s",
                     id, detail);
    } else if (strcmp(code, "InvalidParameterException") == 0) {
        bl_error_set(err, err->code,
                     "Secrets Manager rejected the request for secret '%.200s': check BUCKETLIST_SECRET_ID "
                     "and BUCKETLIST_SECRET_VERSION_STAGE. Details: %s",
                     id, detail);
    } else if (bl_error_is_transient(err)) {
        bl_error_prefix(err, "could not fetch secret '%.200s' from Secrets Manager in region %s: ", id, region);
    } else {
        bl_error_prefix(err, "could not fetch secret '%.200s' in region %s: ", id, region);
    }
}

static int build_url(buf_t *url, const char *endpoint_url, const char *region, bl_error *err)
{
    bool ok;
    if (endpoint_url != NULL && endpoint_url[0] != '\0') {
        size_t n = strlen(endpoint_url);
        while (n > 0 && endpoint_url[n - 1] == '/')
            n--;
        ok = buf_append(url, endpoint_url, n) && buf_appendc(url, '/');
    } else {
        bool china = strncmp(region, "cn-", 3) == 0;
        ok = buf_appendf(url, "https://secretsmanager.%s.amazonaws.com%s/", region, china ? ".cn" : "");
    }
    if (!ok)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "the Secrets Manager endpoint URL is too long: check AWS_ENDPOINT_URL_SECRETS_MANAGER");
    return 0;
}

static int check_args(const aws_credentials *bootstrap, const char *region, const char *secret_id,
                      const char *version_stage, bl_error *err)
{
    if (secret_id == NULL || secret_id[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "no secret to fetch: set BUCKETLIST_SECRET_ID to the secret's name or ARN");
    if (strlen(secret_id) > SECRETS_MANAGER_ID_MAX)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "BUCKETLIST_SECRET_ID is longer than %d characters: give the secret's name or ARN",
                            SECRETS_MANAGER_ID_MAX);
    if (version_stage != NULL && strlen(version_stage) > SECRETS_MANAGER_STAGE_MAX)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "BUCKETLIST_SECRET_VERSION_STAGE is longer than %d characters: use a stage label "
                            "such as AWSCURRENT",
                            SECRETS_MANAGER_STAGE_MAX);
    if (region == NULL || !secret_region_valid(region))
        return bl_error_set(err, BL_ERR_CONFIG,
                            "no valid region for Secrets Manager: set AWS_REGION (e.g. us-east-2) or give the "
                            "secret's full ARN in BUCKETLIST_SECRET_ID");
    if (bootstrap == NULL || !aws_credentials_present(bootstrap))
        return bl_error_set(err, BL_ERR_NO_CREDENTIALS,
                            "no bootstrap credentials to read the secret with: configure the AWS credential "
                            "chain (environment, profile, or instance/container role)");
    return 0;
}

int secrets_manager_get_secret(http_client *http, const aws_credentials *bootstrap, const char *region,
                               const char *endpoint_url, const char *secret_id, const char *version_stage,
                               s3_secret *out, bl_error *err)
{
    s3_secret_clear(out);
    char arn_region[SECRET_REGION_MAX];
    if (secret_id_region(secret_id, arn_region))
        region = arn_region;
    if (check_args(bootstrap, region, secret_id, version_stage, err) < 0)
        return -1;

    int rc = -1;
    buf_t url;
    buf_init(&url, BUF_MAX_SMALL);
    http_response resp;
    memset(&resp, 0, sizeof resp);
    buf_init(&resp.body, BUF_MAX_RESPONSE);
    char *body = secrets_manager_request_body(secret_id, version_stage);
    if (body == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory building the " WHAT " request");
        goto cleanup;
    }
    if (build_url(&url, endpoint_url, region, err) < 0)
        goto cleanup;

    const http_header headers[] = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "secretsmanager.GetSecretValue"},
    };
    http_request req = {
        .method = "POST",
        .url = buf_cstr(&url),
        .headers = headers,
        .n_headers = sizeof headers / sizeof headers[0],
        .body = body,
        .body_len = strlen(body),
        .credentials = bootstrap,
        .region = region,
        .service = "secretsmanager",
        .s3 = false,
        .errors = HTTP_ERRORS_JSON,
        .what = WHAT,
    };
    if (http_call(http, &req, &resp, err) < 0) {
        if (err != NULL)
            explain_error(err, secret_id, region, bootstrap);
        goto cleanup;
    }
    if (secrets_manager_parse_response(resp.body.data != NULL ? resp.body.data : "", resp.body.len, out, err) < 0) {
        if (err != NULL)
            bl_error_prefix(err, "secret '%.200s': ", secret_id);
        goto cleanup;
    }
    rc = 0;

cleanup:
    http_response_free(&resp); /* wipes the body, which held the secret */
    buf_free(&url);
    free(body);
    return rc;
}
