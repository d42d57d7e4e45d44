/* Fetches the credentials secret once with secrets_manager_get_secret, for the end-to-end tests.
 *
 *   secret_probe SECRET_ID REGION [ENDPOINT_URL] [--stage STAGE]
 *
 * Bootstrap credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
 * AWS_SESSION_TOKEN. Prints what was found, never the secret key or token themselves:
 *   access_key_id=<key id>          (key ids are not secret)
 *   region=<AWS_REGION from the secret, or empty>
 *   has_session_token=yes|no
 *   secret_sha256=<first 12 hex digits of sha256(secret key)>
 * On failure "error=<code>", "aws_code=<code>", "http_status=<n>", "message=<message>", exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "crypto.h"
#include "http.h"
#include "secrets_manager.h"

static int usage(void)
{
    fprintf(stderr, "usage: secret_probe SECRET_ID REGION [ENDPOINT_URL] [--stage STAGE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *id = NULL, *region = NULL, *endpoint = NULL, *stage = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
            stage = argv[++i];
        else if (id == NULL)
            id = argv[i];
        else if (region == NULL)
            region = argv[i];
        else if (endpoint == NULL)
            endpoint = argv[i];
        else
            return usage();
    }
    if (id == NULL || region == NULL)
        return usage();

    bl_error err;
    bl_error_clear(&err);
    aws_credentials boot = {0};
    s3_secret secret = {0};
    http_client *http = NULL;
    int rc = -1;
    http_config cfg;
    if (http_config_from_env(&cfg, &err) != 0 || (http = http_client_new(&cfg, &err)) == NULL)
        goto done;
    if (aws_credentials_set(&boot, getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                            getenv("AWS_SESSION_TOKEN"), 0, "environment", &err) != 0)
        goto done;
    rc = secrets_manager_get_secret(http, &boot, region, endpoint, id, stage, &secret, &err);
done:
    if (rc < 0) {
        printf("error=%s\naws_code=%s\nhttp_status=%d\nmessage=%s\n", bl_errcode_name(err.code), err.aws_code,
               err.http_status, err.message);
    } else {
        char hex[SHA256_HEX_LEN + 1] = "";
        const char *key = secret.creds.secret_access_key;
        if (!sha256_hex(key, strlen(key), hex))
            hex[0] = '\0';
        printf("access_key_id=%s\nregion=%s\nhas_session_token=%s\nsecret_sha256=%.12s\n", secret.creds.access_key_id,
               secret.region, secret.creds.session_token != NULL ? "yes" : "no", hex);
    }
    s3_secret_clear(&secret);
    aws_credentials_clear(&boot);
    http_client_free(http);
    return rc < 0 ? 1 : 0;
}
