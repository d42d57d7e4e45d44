/* AWS Signature Version 4 header signing. The steps follow the AWS
 * specification in order (canonical request, string to sign, signing key,
 * signature, Authorization value) and each intermediate result is kept in
 * sigv4_result so a failing signature can be traced to its stage. Behaviour
 * at the edges matches aws-c-auth, whose test suite is our reference. */
#include "sigv4.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"

/* ------------------------------------------------------------------ encoding */

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

bool sigv4_uri_encode(buf_t *out, const char *s, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            if (!buf_appendc(out, (char)c))
                return false;
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 0x0f]};
            if (!buf_append(out, esc, sizeof esc))
                return false;
        }
    }
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..len) into out. '+' stays '+': SigV4 queries are not form encoded.
 * A '%' not followed by two hex digits is kept as a literal '%'. */
static bool percent_decode(buf_t *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            char c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            if (!buf_appendc(out, c))
                return false;
            i += 2;
        } else if (!buf_appendc(out, s[i])) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ path */

typedef struct {
    const char *start;
    size_t len;
} segment;

int sigv4_canonical_path(const char *path, bool normalize, buf_t *out, bl_error *err)
{
    if (path == NULL || path[0] == '\0')
        path = "/";
    size_t path_len = strlen(path);

    if (!normalize) {
        /* S3: the path exactly as sent, encoded once. */
        bool ok = (path[0] == '/' || buf_appendc(out, '/')) && sigv4_uri_encode(out, path, path_len, true);
        if (!ok)
            return bl_error_set(err, BL_ERR_INPUT, "the request path is too long to sign (over %zu bytes)",
                                out->max);
        return 0;
    }

    /* Remove empty and "." segments, let ".." drop the segment before it (RFC 3986 dot-segment removal,
     * plus duplicate slashes), keep a trailing slash. */
    size_t max_segments = 1;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            max_segments++;
    segment *stack = calloc(max_segments, sizeof *stack);
    if (stack == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory normalizing the request path");
    size_t depth = 0;
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* contributes nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0)
                depth--;
        } else {
            stack[depth].start = p;
            stack[depth].len = len;
            depth++;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    bool trailing_slash = path[path_len - 1] == '/';

    bool ok = buf_appendc(out, '/');
    for (size_t i = 0; ok && i < depth; i++) {
        ok = sigv4_uri_encode(out, stack[i].start, stack[i].len, false);
        if (ok && (i + 1 < depth || trailing_slash))
            ok = buf_appendc(out, '/');
    }
    free(stack);
    if (!ok)
        return bl_error_set(err, BL_ERR_INPUT, "the request path is too long to sign (over %zu bytes)", out->max);
    return 0;
}

/* ------------------------------------------------------------------ query */

typedef struct {
    char *name;  /* UriEncoded */
    char *value; /* UriEncoded */
} query_param;

static int compare_params(const void *a, const void *b)
{
    const query_param *x = a;
    const query_param *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Decodes then re-encodes one name or value, so raw and pre-encoded input canonicalize alike. */
static char *canonical_component(const char *s, size_t len)
{
    buf_t decoded, encoded;
    buf_init(&decoded, BUF_MAX_SMALL);
    buf_init(&encoded, BUF_MAX_SMALL);
    char *result = NULL;
    if (percent_decode(&decoded, s, len) && sigv4_uri_encode(&encoded, decoded.data ? decoded.data : "",
                                                             decoded.len, false))
        result = buf_take(&encoded);
    buf_free(&decoded);
    buf_free(&encoded);
    return result;
}

static void free_params(query_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
}

int sigv4_canonical_query(const char *query, buf_t *out, bl_error *err)
{
    if (query == NULL || query[0] == '\0')
        return 0;
    size_t max_params = 1;
    for (const char *p = query; *p; p++)
        if (*p == '&')
            max_params++;
    query_param *params = calloc(max_params, sizeof *params);
    if (params == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory canonicalizing the query string");

    size_t n = 0;
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t name_len = eq ? (size_t)(eq - p) : len;
            const char *value = eq ? eq + 1 : p + len;
            size_t value_len = eq ? len - name_len - 1 : 0;
            params[n].name = canonical_component(p, name_len);
            params[n].value = canonical_component(value, value_len);
            n++;
            if (params[n - 1].name == NULL || params[n - 1].value == NULL) {
                free_params(params, n);
                return bl_error_set(err, BL_ERR_INPUT, "the query string is too long to sign (over %u bytes)",
                                    BUF_MAX_SMALL);
            }
        }
        p += len;
        if (*p == '&')
            p++;
    }

    qsort(params, n, sizeof *params, compare_params);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = (i == 0 || buf_appendc(out, '&')) && buf_appends(out, params[i].name) && buf_appendc(out, '=') &&
             buf_appends(out, params[i].value);
    free_params(params, n);
    if (!ok)
        return bl_error_set(err, BL_ERR_INPUT, "the canonical query string is too long (over %zu bytes)", out->max);
    return 0;
}

/* ------------------------------------------------------------------ headers */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int sigv4_canonical_header_value(const char *value, buf_t *out)
{
    if (value == NULL)
        return 0;
    const char *start = value;
    const char *end = value + strlen(value);
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    bool in_space = false;
    for (const char *p = start; p < end; p++) {
        if (is_space(*p)) {
            in_space = true;
            continue;
        }
        if (in_space && !buf_appendc(out, ' '))
            return -1;
        in_space = false;
        if (!buf_appendc(out, *p))
            return -1;
    }
    return 0;
}

/* Hop-by-hop headers and headers that proxies or libcurl add, drop or rewrite: signing them would make
 * the signature depend on what happens between us and AWS. */
static const char *const unsigned_headers[] = {
    "authorization", "connection", "expect", "keep-alive", "proxy-authorization", "te",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

typedef struct {
    char *name;  /* lower case */
    char *value; /* canonical (trimmed, squeezed) */
    size_t index;
} canon_header;

static int compare_headers(const void *a, const void *b)
{
    const canon_header *x = a;
    const canon_header *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

static void free_headers(canon_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        secure_free(h[i].value); /* may be the session token */
    }
    free(h);
}

static char *lower_dup(const char *s)
{
    char *d = str_dup(s);
    if (d == NULL)
        return NULL;
    for (char *p = d; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

static bool skip_caller_header(const char *lname, const sigv4_params *params, bool have_token)
{
    for (size_t i = 0; i < sizeof unsigned_headers / sizeof unsigned_headers[0]; i++)
        if (strcmp(lname, unsigned_headers[i]) == 0)
            return true;
    if (strcmp(lname, "x-amz-date") == 0)
        return true;
    if (have_token && strcmp(lname, "x-amz-security-token") == 0)
        return true;
    if (params->add_content_sha256 && strcmp(lname, "x-amz-content-sha256") == 0)
        return true;
    return false;
}

static int add_header(canon_header *list, size_t *n, const char *name, const char *value, bl_error *err)
{
    canon_header *h = &list[*n];
    h->index = *n;
    h->name = lower_dup(name);
    buf_t v;
    buf_init(&v, BUF_MAX_SMALL);
    if (h->name == NULL || sigv4_canonical_header_value(value, &v) != 0 || (h->value = buf_take(&v)) == NULL) {
        buf_free(&v);
        (*n)++; /* so the caller frees what was allocated */
        return bl_error_set(err, BL_ERR_INPUT, "header %s is too long to sign (over %u bytes) or memory ran out",
                            name, BUF_MAX_SMALL);
    }
    (*n)++;
    return 0;
}

/* Appends the canonical header block ("name:value\n" per name, repeated names joined with ',')
 * and the signed header list to the two buffers. */
static int canonical_headers(const sigv4_params *params, const sigv4_result *r, const http_header *headers,
                             size_t n_headers, buf_t *block, buf_t *signed_list, bl_error *err)
{
    bool have_token = r->security_token != NULL;
    canon_header *list = calloc(n_headers + 3, sizeof *list);
    if (list == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory canonicalizing headers");
    size_t n = 0;
    bool have_host = false;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n_headers; i++) {
        if (headers[i].name == NULL || headers[i].name[0] == '\0') {
            rc = bl_error_set(err, BL_ERR_INPUT, "header %zu to sign has no name; give every header a name", i);
            break;
        }
        char *lname = lower_dup(headers[i].name);
        if (lname == NULL) {
            rc = bl_error_set(err, BL_ERR_NOMEM, "out of memory canonicalizing headers");
            break;
        }
        bool skip = skip_caller_header(lname, params, have_token);
        if (strcmp(lname, "host") == 0)
            have_host = true;
        free(lname);
        if (!skip)
            rc = add_header(list, &n, headers[i].name, headers[i].value ? headers[i].value : "", err);
    }
    if (rc == 0 && !have_host)
        rc = bl_error_set(err, BL_ERR_INPUT,
                          "the request to sign has no Host header; add Host (the endpoint's host[:port]) "
                          "before signing");
    if (rc == 0)
        rc = add_header(list, &n, "x-amz-date", r->amz_date, err);
    if (rc == 0 && have_token)
        rc = add_header(list, &n, "x-amz-security-token", r->security_token, err);
    if (rc == 0 && params->add_content_sha256)
        rc = add_header(list, &n, "x-amz-content-sha256", r->payload_hash, err);
    if (rc != 0) {
        free_headers(list, n);
        return -1;
    }

    qsort(list, n, sizeof *list, compare_headers);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        bool repeat = i > 0 && strcmp(list[i].name, list[i - 1].name) == 0;
        if (repeat) {
            ok = buf_appendc(block, ',') && buf_appends(block, list[i].value);
        } else {
            ok = (i == 0 || (buf_appendc(block, '\n') && buf_appendc(signed_list, ';'))) &&
                 buf_appends(block, list[i].name) && buf_appendc(block, ':') &&
                 buf_appends(block, list[i].value) && buf_appends(signed_list, list[i].name);
        }
    }
    ok = ok && buf_appendc(block, '\n');
    free_headers(list, n);
    if (!ok)
        return bl_error_set(err, BL_ERR_INPUT, "the canonical headers are too long to sign (over %zu bytes)",
                            block->max);
    return 0;
}

/* ------------------------------------------------------------------ key, dates */

bool sigv4_signing_key(const char *secret, const char *yyyymmdd, const char *region, const char *service,
                       unsigned char out[32])
{
    buf_t k_secret;
    buf_init(&k_secret, BUF_MAX_SMALL);
    unsigned char k1[SHA256_LEN], k2[SHA256_LEN], k3[SHA256_LEN];
    bool ok = buf_appends(&k_secret, "AWS4") && buf_appends(&k_secret, secret) &&
              hmac_sha256(k_secret.data, k_secret.len, yyyymmdd, strlen(yyyymmdd), k1) &&
              hmac_sha256(k1, sizeof k1, region, strlen(region), k2) &&
              hmac_sha256(k2, sizeof k2, service, strlen(service), k3) &&
              hmac_sha256(k3, sizeof k3, SCOPE_TERMINATOR, strlen(SCOPE_TERMINATOR), out);
    buf_free(&k_secret); /* wipes */
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    OPENSSL_cleanse(k3, sizeof k3);
    if (!ok)
        OPENSSL_cleanse(out, SHA256_LEN);
    return ok;
}

void sigv4_format_amz_date(time_t t, char out[17])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        snprintf(out, 17, "19700101T000000Z");
}

/* ------------------------------------------------------------------ sign */

void sigv4_result_free(sigv4_result *r)
{
    if (r == NULL)
        return;
    secure_free(r->canonical_request); /* holds the session token's header line */
    secure_free(r->string_to_sign);
    secure_free(r->authorization);
    free(r->payload_hash);
    secure_free(r->security_token);
    OPENSSL_cleanse(r, sizeof *r);
}

static int check_params(const sigv4_params *p, const char *method, bl_error *err)
{
    if (p == NULL)
        return bl_error_set(err, BL_ERR_CONFIG, "no signing parameters given to sigv4_sign");
    if (p->credentials == NULL || p->credentials->access_key_id == NULL || p->credentials->access_key_id[0] == 0 ||
        p->credentials->secret_access_key == NULL || p->credentials->secret_access_key[0] == 0)
        return bl_error_set(err, BL_ERR_NO_CREDENTIALS,
                            "cannot sign the request: no access key id or secret access key; resolve credentials "
                            "before signing");
    if (p->region == NULL || p->region[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "cannot sign the request: no region; set AWS_REGION");
    if (p->service == NULL || p->service[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "cannot sign the request: no service signing name given");
    if (strpbrk(p->region, "/\n") != NULL || strpbrk(p->service, "/\n") != NULL)
        return bl_error_set(err, BL_ERR_CONFIG,
                            "cannot sign the request: region or service contains '/' or a line break");
    if (method == NULL || method[0] == '\0')
        return bl_error_set(err, BL_ERR_INPUT, "cannot sign the request: no HTTP method given");
    return 0;
}

int sigv4_sign(const sigv4_params *params, const char *method, const char *path, const char *query,
               const http_header *headers, size_t n_headers, const void *body, size_t body_len,
               sigv4_result *out, bl_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_params(params, method, err) != 0)
        return -1;
    if (headers == NULL && n_headers > 0)
        return bl_error_set(err, BL_ERR_INPUT, "cannot sign the request: headers is NULL but n_headers > 0");

    const aws_credentials *cred = params->credentials;
    sigv4_format_amz_date(params->now, out->amz_date);
    char day[9];
    memcpy(day, out->amz_date, 8);
    day[8] = '\0';

    buf_t creq, block, signed_list, sts, auth;
    buf_init(&creq, BUF_MAX_SMALL);
    buf_init(&block, BUF_MAX_SMALL);
    buf_init(&signed_list, BUF_MAX_SMALL);
    buf_init(&sts, BUF_MAX_SMALL);
    buf_init(&auth, BUF_MAX_SMALL);
    unsigned char key[SHA256_LEN];
    unsigned char sig[SHA256_LEN];
    char creq_hash[SHA256_HEX_LEN + 1];
    int rc = -1;

    /* Payload hash: given, or computed from the body. */
    if (params->payload_hash != NULL) {
        out->payload_hash = str_dup(params->payload_hash);
    } else {
        char hex[SHA256_HEX_LEN + 1];
        if (!sha256_hex(body ? body : "", body ? body_len : 0, hex)) {
            bl_error_set(err, BL_ERR_NOMEM, "OpenSSL failed to hash the request body");
            goto done;
        }
        out->payload_hash = str_dup(hex);
    }
    if (cred->session_token != NULL && cred->session_token[0] != '\0') {
        out->security_token = str_dup(cred->session_token);
        if (out->security_token == NULL) {
            bl_error_set(err, BL_ERR_NOMEM, "out of memory signing the request");
            goto done;
        }
    }
    if (out->payload_hash == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory signing the request");
        goto done;
    }

    /* 1. Canonical request. */
    if (canonical_headers(params, out, headers, n_headers, &block, &signed_list, err) != 0)
        goto done;
    if (!buf_appends(&creq, method) || !buf_appendc(&creq, '\n')) {
        bl_error_set(err, BL_ERR_INPUT, "the HTTP method is too long to sign");
        goto done;
    }
    if (sigv4_canonical_path(path, params->normalize_path, &creq, err) != 0)
        goto done;
    if (!buf_appendc(&creq, '\n')) {
        bl_error_set(err, BL_ERR_INPUT, "the canonical request is too long (over %u bytes)", BUF_MAX_SMALL);
        goto done;
    }
    if (sigv4_canonical_query(query, &creq, err) != 0)
        goto done;
    if (!buf_appendc(&creq, '\n') || !buf_append(&creq, block.data, block.len) || !buf_appendc(&creq, '\n') ||
        !buf_append(&creq, signed_list.data, signed_list.len) || !buf_appendc(&creq, '\n') ||
        !buf_appends(&creq, out->payload_hash)) {
        bl_error_set(err, BL_ERR_INPUT, "the canonical request is too long (over %u bytes)", BUF_MAX_SMALL);
        goto done;
    }

    /* 2. String to sign. */
    if (!sha256_hex(creq.data, creq.len, creq_hash)) {
        bl_error_set(err, BL_ERR_NOMEM, "OpenSSL failed to hash the canonical request");
        goto done;
    }
    if (!buf_appendf(&sts, ALGORITHM "\n%s\n%s/%s/%s/" SCOPE_TERMINATOR "\n%s", out->amz_date, day,
                     params->region, params->service, creq_hash)) {
        bl_error_set(err, BL_ERR_CONFIG, "the string to sign is too long: check region and service");
        goto done;
    }

    /* 3. Signature, with a key that lives only for this call. */
    bool signed_ok = sigv4_signing_key(cred->secret_access_key, day, params->region, params->service, key) &&
                     hmac_sha256(key, sizeof key, sts.data, sts.len, sig);
    OPENSSL_cleanse(key, sizeof key);
    if (!signed_ok) {
        bl_error_set(err, BL_ERR_NOMEM, "OpenSSL failed to compute the HMAC signature");
        goto done;
    }
    hex_encode(sig, sizeof sig, out->signature);

    /* 4. Authorization value. */
    if (!buf_appendf(&auth, ALGORITHM " Credential=%s/%s/%s/%s/" SCOPE_TERMINATOR ", SignedHeaders=%s, Signature=%s",
                     cred->access_key_id, day, params->region, params->service, buf_cstr(&signed_list),
                     out->signature)) {
        bl_error_set(err, BL_ERR_INPUT, "the Authorization header is too long (over %u bytes)", BUF_MAX_SMALL);
        goto done;
    }

    out->canonical_request = buf_take(&creq);
    out->string_to_sign = buf_take(&sts);
    out->authorization = buf_take(&auth);
    if (out->canonical_request == NULL || out->string_to_sign == NULL || out->authorization == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory signing the request");
        goto done;
    }

    out->added[out->n_added++] = (http_header){"X-Amz-Date", out->amz_date};
    if (out->security_token != NULL)
        out->added[out->n_added++] = (http_header){"X-Amz-Security-Token", out->security_token};
    if (params->add_content_sha256)
        out->added[out->n_added++] = (http_header){"X-Amz-Content-Sha256", out->payload_hash};
    out->added[out->n_added++] = (http_header){"Authorization", out->authorization};
    rc = 0;

done:
    OPENSSL_cleanse(sig, sizeof sig);
    buf_free(&creq);
    buf_free(&block);
    buf_free(&signed_list);
    buf_free(&sts);
    buf_free(&auth);
    if (rc != 0)
        sigv4_result_free(out);
    return rc;
}
