#include "endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"

static const struct {
    const char *signing_name; /* also the endpoint prefix */
    const char *env;
} services[] = {
    [AWS_SVC_S3] = {"s3", "AWS_ENDPOINT_URL_S3"},
    [AWS_SVC_SECRETS_MANAGER] = {"secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER"},
    [AWS_SVC_STS] = {"sts", "AWS_ENDPOINT_URL_STS"},
};

const char *aws_service_signing_name(aws_service svc)
{
    return (unsigned)svc < sizeof services / sizeof services[0] ? services[svc].signing_name : "unknown";
}

const char *aws_service_endpoint_env(aws_service svc)
{
    return (unsigned)svc < sizeof services / sizeof services[0] ? services[svc].env : "AWS_ENDPOINT_URL";
}

bool aws_env_true(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && strcasecmp(v, "true") == 0;
}

bool aws_region_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= AWS_REGION_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static int set_region(const char *value, const char *what, char out[AWS_REGION_MAX], bl_error *err)
{
    if (!aws_region_valid(value))
        return bl_error_set(err, BL_ERR_CONFIG,
                            "%s is not a valid AWS region (expected lower-case letters, digits and '-', "
                            "e.g. eu-west-1); fix it",
                            what);
    snprintf(out, AWS_REGION_MAX, "%s", value);
    return 0;
}

int aws_region_resolve(char out[AWS_REGION_MAX], bl_error *err)
{
    out[0] = '\0';
    const char *vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return set_region(v, vars[i], out, err);
    }
    aws_profile p;
    if (aws_profile_load(NULL, &p, err) != 0)
        return -1;
    int rc = 0;
    const char *v = aws_profile_get(&p, "region");
    if (v != NULL && v[0] != '\0') {
        char what[AWS_PROFILE_NAME_MAX + 48];
        snprintf(what, sizeof what, "the region of AWS profile '%s'", p.name);
        rc = set_region(v, what, out, err);
    }
    aws_profile_free(&p);
    return rc;
}

int aws_region_from_arn(const char *arn, char out[AWS_REGION_MAX])
{
    out[0] = '\0';
    if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
        return 0;
    /* arn:partition:service:region:account:resource */
    const char *p = arn;
    for (int field = 0; field < 3; field++) {
        p = strchr(p, ':');
        if (p == NULL)
            return 0;
        p++;
    }
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : 0;
    if (end == NULL || n == 0 || n >= AWS_REGION_MAX)
        return 0;
    char region[AWS_REGION_MAX];
    memcpy(region, p, n);
    region[n] = '\0';
    if (!aws_region_valid(region))
        return 0;
    memcpy(out, region, n + 1);
    return 1;
}

/* Locates the authority of an http(s) URL; false if the scheme is neither. */
static bool split_scheme(const char *url, const char **authority, bool *https)
{
    if (strncasecmp(url, "https://", 8) == 0) {
        *https = true;
        *authority = url + 8;
        return true;
    }
    if (strncasecmp(url, "http://", 7) == 0) {
        *https = false;
        *authority = url + 7;
        return true;
    }
    return false;
}

int aws_url_host_port(const char *url, char *host, size_t host_len, int *port, bool *https)
{
    const char *a;
    if (url == NULL || !split_scheme(url, &a, https))
        return -1;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -1;
    size_t alen = strcspn(a, "/?#");
    if (memchr(a, '@', alen) != NULL)
        return -1; /* user info in an endpoint is a mistake (and would leak into logs) */
    const char *hb = a, *he;
    const char *rest;
    if (*a == '[') {
        const char *close = memchr(a, ']', alen);
        if (close == NULL)
            return -1;
        hb = a + 1;
        he = close;
        rest = close + 1;
    } else {
        const char *colon = memchr(a, ':', alen);
        he = colon ? colon : a + alen;
        rest = he;
    }
    size_t hlen = (size_t)(he - hb);
    if (hlen == 0 || hlen >= host_len)
        return -1;
    memcpy(host, hb, hlen);
    host[hlen] = '\0';
    *port = *https ? 443 : 80;
    if (rest < a + alen) {
        if (*rest != ':')
            return -1;
        rest++;
        long v = 0;
        int nd = 0;
        while (rest < a + alen) {
            if (!isdigit((unsigned char)*rest) || ++nd > 5)
                return -1;
            v = v * 10 + (*rest++ - '0');
        }
        if (nd == 0 || v < 1 || v > 65535)
            return -1;
        *port = (int)v;
    }
    return 0;
}

int aws_endpoint_validate(const char *url, const char *what, bl_error *err)
{
    char host[256];
    int port;
    bool https;
    if (url == NULL || aws_url_host_port(url, host, sizeof host, &port, &https) != 0)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "%s is not a valid endpoint URL: it must be http:// or https:// followed by a host "
                            "and an optional :port and path (e.g. https://s3.eu-west-1.amazonaws.com or "
                            "http://127.0.0.1:5000); fix or unset it",
                            what);
    return 0;
}

/* Copies url without trailing slashes, after validating it. */
static int use_url(const char *url, const char *what, char *out, size_t out_len, bl_error *err)
{
    if (aws_endpoint_validate(url, what, err) != 0)
        return -1;
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= out_len)
        return bl_error_set(err, BL_ERR_CONFIG, "%s is longer than %zu characters; use a shorter URL", what,
                            out_len - 1);
    memcpy(out, url, n);
    out[n] = '\0';
    return 0;
}

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

int aws_endpoint_url(aws_service svc, const char *region, char *out, size_t out_len, bl_error *err)
{
    if ((unsigned)svc >= sizeof services / sizeof services[0])
        return bl_error_set(err, BL_ERR_INPUT, "unknown AWS service %d", (int)svc);
    out[0] = '\0';
    aws_profile p;
    if (aws_profile_load(NULL, &p, err) != 0)
        return -1;
    int rc = -1;
    const char *ignore = aws_profile_get(&p, "ignore_configured_endpoint_urls");
    bool ignored = aws_env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ||
                   (getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == NULL && ignore != NULL &&
                    strcasecmp(ignore, "true") == 0);
    const char *fips_conf = aws_profile_get(&p, "use_fips_endpoint");
    const char *dual_conf = aws_profile_get(&p, "use_dualstack_endpoint");
    bool fips = aws_env_true("AWS_USE_FIPS_ENDPOINT") ||
                (getenv("AWS_USE_FIPS_ENDPOINT") == NULL && fips_conf != NULL && strcasecmp(fips_conf, "true") == 0);
    bool dual = aws_env_true("AWS_USE_DUALSTACK_ENDPOINT") ||
                (getenv("AWS_USE_DUALSTACK_ENDPOINT") == NULL && dual_conf != NULL &&
                 strcasecmp(dual_conf, "true") == 0);
    if (!ignored) {
        const char *v;
        const char *custom = nonempty_env(services[svc].env) ? services[svc].env
                             : nonempty_env("AWS_ENDPOINT_URL")
                                 ? "AWS_ENDPOINT_URL"
                                 : (aws_profile_get(&p, "endpoint_url") != NULL ? "endpoint_url" : NULL);
        if (custom != NULL && (fips || dual)) {
            /* The SDKs' endpoint rules make this combination an error rather than guess. */
            bl_error_set(err, BL_ERR_CONFIG, "%s cannot be combined with a custom endpoint (%s): unset one of them",
                         fips ? "AWS_USE_FIPS_ENDPOINT" : "AWS_USE_DUALSTACK_ENDPOINT", custom);
            goto cleanup;
        }
        if ((v = nonempty_env(services[svc].env)) != NULL) {
            rc = use_url(v, services[svc].env, out, out_len, err);
            goto cleanup;
        }
        if ((v = nonempty_env("AWS_ENDPOINT_URL")) != NULL) {
            rc = use_url(v, "AWS_ENDPOINT_URL", out, out_len, err);
            goto cleanup;
        }
        if ((v = aws_profile_get(&p, "endpoint_url")) != NULL && v[0] != '\0') {
            char what[AWS_PROFILE_NAME_MAX + 48];
            snprintf(what, sizeof what, "endpoint_url of AWS profile '%s'", p.name);
            rc = use_url(v, what, out, out_len, err);
            goto cleanup;
        }
    }
    const char *name = services[svc].signing_name;
    if (dual && svc == AWS_SVC_STS) {
        bl_error_set(err, BL_ERR_CONFIG, "AWS_USE_DUALSTACK_ENDPOINT is not supported for STS here: unset it, or set "
                     "AWS_ENDPOINT_URL_STS to the endpoint you want");
        goto cleanup;
    }
    int n;
    if (region == NULL || region[0] == '\0') {
        if (svc != AWS_SVC_STS || fips) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "no AWS region is configured for %s; set AWS_REGION (or AWS_DEFAULT_REGION, or "
                         "`region` in the AWS profile)",
                         name);
            goto cleanup;
        }
        n = snprintf(out, out_len, "https://sts.amazonaws.com");
    } else if (!aws_region_valid(region)) {
        bl_error_set(err, BL_ERR_CONFIG, "'%.63s' is not a valid AWS region; set AWS_REGION to e.g. eu-west-1",
                     region);
        goto cleanup;
    } else {
        const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
        /* FIPS: "<svc>-fips."; dual-stack: "s3.dualstack." (Secrets Manager's dual-stack host is its
         * standard one). */
        n = snprintf(out, out_len, "https://%s%s%s.%s.%s", name, fips ? "-fips" : "",
                     dual && svc == AWS_SVC_S3 ? ".dualstack" : "", region, suffix);
    }
    if (n < 0 || (size_t)n >= out_len) {
        out[0] = '\0';
        bl_error_set(err, BL_ERR_INPUT, "endpoint URL buffer too small");
        goto cleanup;
    }
    rc = 0;
cleanup:
    aws_profile_free(&p);
    return rc;
}
