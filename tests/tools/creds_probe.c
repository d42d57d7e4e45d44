/* Resolves the default credential chain once (or --count N times) with a
 * real HTTP client and prints what was found, never the secret itself:
 *   source=<provider>
 *   access_key_id=<key id>          (key ids are not secret)
 *   has_session_token=yes|no
 *   expiration=<ISO 8601>|never
 *   secret_sha256=<first 12 hex digits of sha256(secret)>
 * On failure prints "error=<code>" and "message=<message>" and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds_chain.h"
#include "crypto.h"
#include "http.h"
#include "timeutil.h"

static int fail(const bl_error *err)
{
    printf("error=%s\nmessage=%s\n", bl_errcode_name(err->code), err->message);
    return 1;
}

int main(int argc, char **argv)
{
    int count = 1;
    if (argc == 3 && strcmp(argv[1], "--count") == 0)
        count = (int)strtol(argv[2], NULL, 10) > 0 ? (int)strtol(argv[2], NULL, 10) : 1;
    bl_error err;
    bl_error_clear(&err);
    http_config cfg;
    if (http_config_from_env(&cfg, &err) != 0)
        return fail(&err);
    http_client *http = http_client_new(&cfg, &err);
    if (http == NULL)
        return fail(&err);
    creds_chain *chain = creds_chain_new(http, &err);
    int rc = 1;
    if (chain == NULL) {
        fail(&err);
        goto done;
    }
    const aws_credentials *c = NULL;
    for (int i = 0; i < count; i++) {
        c = creds_chain_get(chain, &err);
        if (c == NULL) {
            fail(&err);
            goto done;
        }
    }
    char hex[SHA256_HEX_LEN + 1];
    if (!sha256_hex(c->secret_access_key, strlen(c->secret_access_key), hex))
        goto done;
    char exp[AWS_ISO8601_LEN] = "never";
    if (c->expiration != 0)
        aws_format_iso8601(c->expiration, exp);
    printf("source=%s\naccess_key_id=%s\nhas_session_token=%s\nexpiration=%s\nsecret_sha256=%.12s\n",
           creds_chain_source(chain), c->access_key_id, c->session_token ? "yes" : "no", exp, hex);
    printf("http_attempts=%d\n", http_client_take_call_count(http));
    rc = 0;
done:
    creds_chain_free(chain);
    http_client_free(http);
    return rc;
}
