/* The chain runner and the caching wrapper around it (creds_chain.h). The
 * sources live one per file behind creds_provider.h. */
#include "creds_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds_provider.h"
#include "creds_chain_internal.h"
#include "timeutil.h"

static const creds_provider default_providers[] = {
    {"environment", creds_env_fetch},   {"web identity", creds_web_identity_fetch},
    {"shared files", creds_profile_fetch}, {"container", creds_container_fetch},
    {"IMDS", creds_imds_fetch},
};

struct creds_chain {
    http_client *http;
    const creds_provider *providers;
    size_t n_providers;
    aws_credentials cached;
    bool have;
};

creds_chain *creds_chain_new_with(http_client *http, const creds_provider *providers, size_t n, bl_error *err)
{
    creds_chain *c = calloc(1, sizeof *c);
    if (c == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory creating the credential chain");
        return NULL;
    }
    c->http = http;
    c->providers = providers;
    c->n_providers = n;
    return c;
}

creds_chain *creds_chain_new(http_client *http, bl_error *err)
{
    return creds_chain_new_with(http, default_providers, sizeof default_providers / sizeof default_providers[0],
                                err);
}

static time_t chain_now(const creds_chain *c)
{
    return c->http != NULL ? http_client_now(c->http) : time(NULL);
}

/* Runs the sources in order into `out`. */
static int resolve(creds_chain *c, time_t now, aws_credentials *out, bl_error *err)
{
    creds_ctx ctx;
    creds_ctx_init(&ctx, c->http, now);
    char tried[BL_ERROR_MESSAGE_MAX] = "";
    int rc = -1;
    for (size_t i = 0; i < c->n_providers; i++) {
        const creds_provider *p = &c->providers[i];
        char why[256] = "";
        bl_error_clear(err);
        creds_status st = p->fetch(&ctx, out, why, sizeof why, err);
        if (st == CREDS_FOUND && out->expiration != 0 && out->expiration <= now) {
            /* Signing with them would only earn ExpiredToken; a source that lags (IMDS, a container
             * agent) usually has fresh ones a little later, so this is worth retrying. */
            char when[21];
            aws_format_iso8601(out->expiration, when);
            aws_credentials_clear(out);
            bl_error_set(err, BL_ERR_SERVER, "credentials from %s had already expired (at %s): the source did "
                         "not refresh them; check its health and this host's clock", p->name, when);
            goto done;
        }
        if (st == CREDS_FOUND) {
            rc = 0;
            goto done;
        }
        aws_credentials_clear(out);
        if (st == CREDS_FAILED) {
            if (err != NULL && err->code == BL_OK)
                err->code = BL_ERR_CONFIG;
            bl_error_prefix(err, "credentials from %s: ", p->name);
            goto done;
        }
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s: %s", used ? "; " : "", p->name,
                 why[0] ? why : "not configured");
    }
    bl_error_clear(err);
    bl_error_set(err, BL_ERR_NO_CREDENTIALS,
                 "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile with "
                 "keys in ~/.aws/credentials (AWS_PROFILE), or run with a role (EKS web identity or Pod "
                 "Identity, ECS task role, EC2 instance profile). Tried: %s",
                 tried);
done:
    creds_ctx_cleanup(&ctx);
    return rc;
}

const aws_credentials *creds_chain_get(creds_chain *c, bl_error *err)
{
    time_t now = chain_now(c);
    if (c->have && (c->cached.expiration == 0 || c->cached.expiration - now > CREDS_REFRESH_WINDOW))
        return &c->cached;
    aws_credentials fresh;
    memset(&fresh, 0, sizeof fresh);
    if (resolve(c, now, &fresh, err) == 0) {
        aws_credentials_clear(&c->cached);
        c->cached = fresh; /* hand over the heap strings; nothing to wipe in `fresh` itself */
        c->have = true;
        return &c->cached;
    }
    if (c->have && c->cached.expiration > now) {
        bl_error_clear(err); /* still valid: use them and try again next time */
        return &c->cached;
    }
    aws_credentials_clear(&c->cached);
    c->have = false;
    return NULL;
}

void creds_chain_invalidate(creds_chain *c)
{
    if (c == NULL)
        return;
    aws_credentials_clear(&c->cached);
    c->have = false;
}

const char *creds_chain_source(const creds_chain *c)
{
    return c != NULL && c->have ? c->cached.source : "none";
}

void creds_chain_free(creds_chain *c)
{
    if (c == NULL)
        return;
    aws_credentials_clear(&c->cached);
    free(c);
}
