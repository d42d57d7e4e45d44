/* Source 5: EC2 instance metadata, IMDSv2 only.
 *
 *   PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds: 21600)
 *   GET /latest/meta-data/iam/security-credentials/        -> role name
 *   GET /latest/meta-data/iam/security-credentials/<role>  -> JSON document
 * both GETs with X-aws-ec2-metadata-token. Base http://169.254.169.254
 * ([fd00:ec2::254] with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6) or
 * AWS_EC2_METADATA_SERVICE_ENDPOINT; AWS_EC2_METADATA_DISABLED=true skips
 * IMDS whatever else is set. Timeouts are short (AWS_METADATA_SERVICE_TIMEOUT
 * seconds, default 1; AWS_METADATA_SERVICE_NUM_ATTEMPTS, default 1) so a
 * host that is not on EC2 is not stalled: no answer to the token request
 * means "not on EC2" and the source declines. Once the token is issued we
 * are on EC2, and later failures are errors. */
#include "creds_provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define CREDS_PATH "/latest/meta-data/iam/security-credentials/"

typedef struct {
    char base[AWS_ENDPOINT_URL_MAX];
    long timeout_ms;
    int attempts;
} imds_settings;

static int env_number(const char *name, double lo, double hi, double def, double *out, bl_error *err)
{
    const char *v = creds_getenv(name);
    *out = def;
    if (v == NULL)
        return 0;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || !(d >= lo && d <= hi))
        return bl_error_set(err, BL_ERR_CONFIG, "%s must be a number from %g to %g", name, lo, hi);
    *out = d;
    return 0;
}

static int settings(imds_settings *s, bl_error *err)
{
    const char *ep = creds_getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = creds_getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (ep != NULL) {
        if (aws_endpoint_validate(ep, "AWS_EC2_METADATA_SERVICE_ENDPOINT", err) != 0)
            return -1;
        size_t n = strlen(ep);
        while (n > 0 && ep[n - 1] == '/')
            n--;
        if (n >= sizeof s->base)
            return bl_error_set(err, BL_ERR_CONFIG, "AWS_EC2_METADATA_SERVICE_ENDPOINT is too long");
        memcpy(s->base, ep, n);
        s->base[n] = '\0';
    } else if (mode != NULL && strcasecmp(mode, "IPv6") == 0) {
        snprintf(s->base, sizeof s->base, "%s", IMDS_DEFAULT_V6);
    } else if (mode != NULL && strcasecmp(mode, "IPv4") != 0) {
        return bl_error_set(err, BL_ERR_CONFIG, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6");
    } else {
        snprintf(s->base, sizeof s->base, "%s", IMDS_DEFAULT);
    }
    double timeout, attempts;
    if (env_number("AWS_METADATA_SERVICE_TIMEOUT", 0.1, 30, 1, &timeout, err) != 0 ||
        env_number("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 5, 1, &attempts, err) != 0)
        return -1;
    s->timeout_ms = (long)(timeout * 1000);
    s->attempts = (int)attempts;
    return 0;
}

static int imds_call(creds_ctx *ctx, const imds_settings *s, const char *method, const char *path,
                     const http_header *h, http_response *resp, bl_error *err)
{
    char url[AWS_ENDPOINT_URL_MAX + 256];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    http_request req = {
        .method = method,
        .url = url,
        .headers = h,
        .n_headers = 1,
        .errors = HTTP_ERRORS_NONE,
        .no_proxy = true,
        .attempt_timeout_ms = s->timeout_ms,
        .connect_timeout_ms = s->timeout_ms,
        .max_attempts = s->attempts,
        .what = "EC2 instance metadata",
    };
    http_response_free(resp);
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, BUF_MAX_RESPONSE);
    return http_call(ctx->http, &req, resp, err);
}

static bool valid_role_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || strchr("+=,.@-", c) != NULL))
            return false;
    }
    return true;
}

creds_status creds_imds_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err)
{
    if (aws_env_true("AWS_EC2_METADATA_DISABLED")) {
        snprintf(why, why_len, "disabled by AWS_EC2_METADATA_DISABLED");
        return CREDS_DECLINED;
    }
    imds_settings s;
    if (settings(&s, err) != 0)
        return CREDS_FAILED;
    if (ctx->http == NULL) {
        snprintf(why, why_len, "no HTTP client");
        return CREDS_DECLINED;
    }

    creds_status st = CREDS_FAILED;
    http_response resp;
    memset(&resp, 0, sizeof resp);
    buf_init(&resp.body, BUF_MAX_RESPONSE);
    buf_t token;
    buf_init(&token, 4096);
    char role[160] = "";
    bl_error call_err;
    bl_error_clear(&call_err);

    http_header ttl = {"X-aws-ec2-metadata-token-ttl-seconds", "21600"};
    if (imds_call(ctx, &s, "PUT", "/latest/api/token", &ttl, &resp, &call_err) != 0) {
        /* No answer, or a metadata service without IMDSv2 (403/404/405 mean "v1 only" to the SDKs). */
        if (resp.status == 0 || resp.status == 403 || resp.status == 404 || resp.status == 405) {
            if (resp.status == 0)
                /* In a container on EC2 the token answer is dropped when the instance's hop limit is 1. */
                snprintf(why, why_len, "no instance metadata service at %s (%s%s)", s.base,
                         bl_errcode_name(call_err.code),
                         call_err.code == BL_ERR_TIMEOUT ? "; in a container on EC2, set the instance's "
                                                           "HttpPutResponseHopLimit to 2"
                                                         : "");
            else
                snprintf(why, why_len, "%s refused the IMDSv2 token request (HTTP %ld; IMDSv1 is not supported)",
                         s.base, resp.status);
            st = CREDS_DECLINED;
        } else {
            *err = call_err;
            bl_error_prefix(err, "IMDS token request to %s: ", s.base);
        }
        goto cleanup;
    }
    const char *t = buf_cstr(&resp.body);
    size_t tlen = strcspn(t, "\r\n");
    if (tlen == 0 || !buf_append(&token, t, tlen)) {
        bl_error_set(err, BL_ERR_PROTOCOL, "IMDS at %s issued an empty or oversized session token", s.base);
        goto cleanup;
    }
    http_header auth = {"X-aws-ec2-metadata-token", buf_cstr(&token)};

    if (imds_call(ctx, &s, "GET", CREDS_PATH, &auth, &resp, err) != 0) {
        if (resp.status == 404) {
            snprintf(why, why_len, "no IAM role attached to this instance (%s)", s.base);
            st = CREDS_DECLINED;
        } else {
            bl_error_prefix(err, "IMDS role name request to %s: ", s.base);
        }
        goto cleanup;
    }
    const char *body = buf_cstr(&resp.body);
    while (isspace((unsigned char)*body))
        body++;
    size_t rlen = strcspn(body, "\r\n");
    while (rlen > 0 && isspace((unsigned char)body[rlen - 1]))
        rlen--;
    if (rlen == 0) {
        snprintf(why, why_len, "no IAM role attached to this instance (%s)", s.base);
        st = CREDS_DECLINED;
        goto cleanup;
    }
    if (rlen >= sizeof role) {
        bl_error_set(err, BL_ERR_PROTOCOL, "IMDS at %s returned an overlong role name", s.base);
        goto cleanup;
    }
    memcpy(role, body, rlen);
    role[rlen] = '\0';
    if (!valid_role_name(role)) {
        bl_error_set(err, BL_ERR_PROTOCOL, "IMDS at %s returned an invalid role name", s.base);
        goto cleanup;
    }

    char path[sizeof CREDS_PATH + sizeof role];
    snprintf(path, sizeof path, "%s%s", CREDS_PATH, role);
    if (imds_call(ctx, &s, "GET", path, &auth, &resp, err) != 0) {
        bl_error_prefix(err, "IMDS credentials request for role %s at %s: ", role, s.base);
        goto cleanup;
    }
    char what[64 + sizeof role];
    snprintf(what, sizeof what, "IMDS (role %s)", role);
    if (creds_from_json(buf_cstr(&resp.body), resp.body.len, "Code", "imds", what, out, err) != 0)
        goto cleanup;
    st = CREDS_FOUND;
cleanup:
    http_response_free(&resp);
    buf_free(&token);
    return st;
}
