/* Source 1: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 * (or the legacy AWS_SECURITY_TOKEN) and optional AWS_CREDENTIAL_EXPIRATION. */
#include "creds_provider.h"

#include <stdio.h>

#include "timeutil.h"

creds_status creds_env_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err)
{
    const char *akid = creds_getenv("AWS_ACCESS_KEY_ID");
    const char *secret = creds_getenv("AWS_SECRET_ACCESS_KEY");
    if (akid == NULL && secret == NULL) {
        snprintf(why, why_len, "AWS_ACCESS_KEY_ID not set");
        return CREDS_DECLINED;
    }
    if (akid == NULL || secret == NULL) {
        bl_error_set(err, BL_ERR_CONFIG, "%s is set but %s is not; set both, or unset both to use another source",
                     akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                     akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return CREDS_FAILED;
    }
    const char *token = creds_getenv("AWS_SESSION_TOKEN");
    if (token == NULL)
        token = creds_getenv("AWS_SECURITY_TOKEN");
    time_t expiration = 0;
    const char *exp = creds_getenv("AWS_CREDENTIAL_EXPIRATION");
    if (exp != NULL) {
        if (aws_parse_iso8601(exp, &expiration) != 0) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 UTC time such as 2026-01-01T00:00:00Z; "
                         "fix or unset it");
            return CREDS_FAILED;
        }
        if (expiration <= ctx->now) {
            bl_error_set(err, BL_ERR_AUTH,
                         "the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY expired at %s "
                         "(AWS_CREDENTIAL_EXPIRATION); export fresh ones",
                         exp);
            return CREDS_FAILED;
        }
    }
    if (aws_credentials_set(out, akid, secret, token, expiration, "environment", err) != 0)
        return CREDS_FAILED;
    return CREDS_FOUND;
}
