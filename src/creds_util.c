/* Helpers shared by the credential sources: the lazily loaded profile,
 * token files, and the JSON credential document of container and IMDS. */
#include "creds_provider.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"
#include "timeutil.h"

void creds_ctx_init(creds_ctx *ctx, http_client *http, time_t now)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->http = http;
    ctx->now = now;
    aws_profile_init(&ctx->profile);
}

void creds_ctx_cleanup(creds_ctx *ctx)
{
    aws_profile_free(&ctx->profile);
    ctx->profile_loaded = false;
}

const aws_profile *creds_ctx_profile(creds_ctx *ctx, bl_error *err)
{
    if (!ctx->profile_loaded) {
        bl_error_clear(&ctx->profile_err);
        ctx->profile_rc = aws_profile_load(NULL, &ctx->profile, &ctx->profile_err);
        ctx->profile_loaded = true;
    }
    if (ctx->profile_rc != 0) {
        if (err != NULL)
            *err = ctx->profile_err;
        return NULL;
    }
    return &ctx->profile;
}

const char *creds_getenv(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

int creds_read_file(const char *path, const char *what, buf_t *out, bl_error *err)
{
    buf_init(out, CREDS_TOKEN_FILE_MAX);
    return file_read_all(path, what, out, NULL, err);
}

/* json-c keeps its own copies of strings; overwrite the ones that hold secrets before the object
 * is released (the tokener's scratch buffer is beyond our reach). */
static void wipe_json_string(json_object *o)
{
    if (o != NULL && json_object_is_type(o, json_type_string)) {
        char *s = (char *)(uintptr_t)json_object_get_string(o);
        OPENSSL_cleanse(s, (size_t)json_object_get_string_len(o));
    }
}

static const char *json_str(json_object *doc, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int creds_from_json(const char *body, size_t len, const char *code_field, const char *source, const char *what,
                    aws_credentials *out, bl_error *err)
{
    int rc = -1;
    json_tokener *tok = json_tokener_new();
    if (tok == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing %s", what);
    json_object *doc = json_tokener_parse_ex(tok, body, (int)len);
    if (doc == NULL || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(doc, json_type_object)) {
        bl_error_set(err, BL_ERR_PROTOCOL, "%s answered with something that is not a JSON credentials document",
                     what);
        goto cleanup;
    }
    if (code_field != NULL) {
        const char *code = json_str(doc, code_field);
        if (code == NULL || strcmp(code, "Success") != 0) {
            bl_error_set(err, BL_ERR_PROTOCOL, "%s reported %s '%.64s' instead of Success", what, code_field,
                         code ? code : "(missing)");
            goto cleanup;
        }
    }
    const char *akid = json_str(doc, "AccessKeyId");
    const char *secret = json_str(doc, "SecretAccessKey");
    const char *token = json_str(doc, "Token");
    const char *exp = json_str(doc, "Expiration");
    if (akid == NULL || secret == NULL || akid[0] == '\0' || secret[0] == '\0') {
        bl_error_set(err, BL_ERR_PROTOCOL, "%s answered without AccessKeyId or SecretAccessKey", what);
        goto cleanup;
    }
    time_t expiration = 0;
    if (exp != NULL && aws_parse_iso8601(exp, &expiration) != 0) {
        bl_error_set(err, BL_ERR_PROTOCOL, "%s sent an Expiration that is not an ISO 8601 time", what);
        goto cleanup;
    }
    rc = aws_credentials_set(out, akid, secret, token, expiration, source, err);
cleanup:
    if (doc != NULL && json_object_is_type(doc, json_type_object)) {
        json_object *v = NULL;
        if (json_object_object_get_ex(doc, "SecretAccessKey", &v))
            wipe_json_string(v);
        if (json_object_object_get_ex(doc, "Token", &v))
            wipe_json_string(v);
    }
    json_object_put(doc);
    json_tokener_free(tok);
    return rc;
}
