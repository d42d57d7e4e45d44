#include "credentials.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

void aws_credentials_clear(aws_credentials *c)
{
    secure_free(c->access_key_id);
    secure_free(c->secret_access_key);
    secure_free(c->session_token);
    memset(c, 0, sizeof *c);
}

bool aws_credentials_present(const aws_credentials *c)
{
    return c->access_key_id != NULL && c->secret_access_key != NULL && c->access_key_id[0] != '\0' &&
           c->secret_access_key[0] != '\0';
}

int aws_credentials_set(aws_credentials *c, const char *access_key_id, const char *secret_access_key,
                        const char *session_token, time_t expiration, const char *source, bl_error *err)
{
    aws_credentials_clear(c);
    if (access_key_id == NULL || secret_access_key == NULL)
        return bl_error_set(err, BL_ERR_NO_CREDENTIALS, "credentials from %s lack an access key id or secret key",
                            source ? source : "unknown source");
    c->access_key_id = str_dup(access_key_id);
    c->secret_access_key = str_dup(secret_access_key);
    if (session_token != NULL && session_token[0] != '\0')
        c->session_token = str_dup(session_token);
    if (c->access_key_id == NULL || c->secret_access_key == NULL ||
        (session_token != NULL && session_token[0] != '\0' && c->session_token == NULL)) {
        aws_credentials_clear(c);
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory copying credentials");
    }
    c->expiration = expiration;
    snprintf(c->source, sizeof c->source, "%s", source ? source : "");
    return 0;
}

int aws_credentials_copy(aws_credentials *dst, const aws_credentials *src, bl_error *err)
{
    if (dst == src)
        return 0;
    return aws_credentials_set(dst, src->access_key_id, src->secret_access_key, src->session_token,
                               src->expiration, src->source, err);
}
