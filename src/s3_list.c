#include "s3_list.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sigv4.h"

#define WHAT "S3 ListBuckets"

int s3_prefix_validate(const char *prefix, bl_error *err)
{
    size_t n = prefix != NULL ? strlen(prefix) : 0;
    bool ok = n >= 1 && n <= S3_PREFIX_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = prefix[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
    if (!ok)
        return bl_error_set(err, BL_ERR_INPUT, "prefix must be 1–63 characters of a-z, 0-9, '.' and '-'");
    return 0;
}

int s3_list_query(buf_t *out, int max_buckets, const char *token, const char *prefix, bl_error *err)
{
    bool ok = buf_appendf(out, "max-buckets=%d", max_buckets);
    /* Tokens hold '+', '/' and '=': each must go out as %2B, %2F, %3D or the signature breaks. */
    if (ok && token != NULL && token[0] != '\0')
        ok = buf_appends(out, "&continuation-token=") && sigv4_uri_encode(out, token, strlen(token), false);
    if (ok && prefix != NULL && prefix[0] != '\0')
        ok = buf_appends(out, "&prefix=") && sigv4_uri_encode(out, prefix, strlen(prefix), false);
    if (!ok)
        return bl_error_set(err, BL_ERR_PROTOCOL, "the " WHAT " request URL is too long");
    return 0;
}

static int base_url(buf_t *url, const char *endpoint_url, const char *region, bl_error *err)
{
    bool ok;
    if (endpoint_url != NULL && endpoint_url[0] != '\0') {
        size_t n = strlen(endpoint_url);
        while (n > 0 && endpoint_url[n - 1] == '/')
            n--;
        ok = buf_append(url, endpoint_url, n) && buf_appends(url, "/?");
    } else {
        bool china = strncmp(region, "cn-", 3) == 0;
        ok = buf_appendf(url, "https://s3.%s.amazonaws.com%s/?", region, china ? ".cn" : "");
    }
    if (!ok)
        return bl_error_set(err, BL_ERR_CONFIG, "the S3 endpoint URL is too long: check AWS_ENDPOINT_URL_S3");
    return 0;
}

/* Rewrites err (set by http_call) so it says what to fix; the class is kept. */
static void explain_error(bl_error *err, const char *region)
{
    char detail[BL_ERROR_MESSAGE_MAX];
    snprintf(detail, sizeof detail, "%s", err->message);
    switch (err->code) {
    case BL_ERR_AUTH:
        bl_error_set(err, err->code,
                     "S3 rejected the credentials from the secret (%s): the key may have been rotated, "
                     "deactivated or mistyped; put a valid key pair in the secret. Details: %s",
                     err->aws_code[0] != '\0' ? err->aws_code : "authentication failed", detail);
        break;
    case BL_ERR_DENIED:
        bl_error_set(err, err->code,
                     "S3 denied listing buckets: grant the identity in the secret s3:ListAllMyBuckets (and "
                     "check SCPs and permission boundaries). Details: %s",
                     detail);
        break;
    default:
        if (strcmp(err->aws_code, "AuthorizationHeaderMalformed") == 0 ||
            strcmp(err->aws_code, "PermanentRedirect") == 0) {
            bl_error_set(err, err->code,
                         "S3 expects another region than %s: set AWS_REGION in the secret (or AWS_REGION) to "
                         "the endpoint's region. Details: %s",
                         region, detail);
        } else if (bl_error_is_transient(err)) {
            bl_error_prefix(err, "could not list buckets in %s (S3 is unreachable or busy; try again): ", region);
        } else {
            bl_error_prefix(err, "could not list buckets in %s: ", region);
        }
        break;
    }
}

/* One GET; parses the page and hands it on. Returns s3_parse_page's result. */
static int fetch_page(http_client *http, const aws_credentials *creds, const char *region, const char *url,
                      s3_page_fn on_page, void *ctx, char *token, size_t *n, bl_error *err)
{
    http_response resp;
    memset(&resp, 0, sizeof resp);
    buf_init(&resp.body, BUF_MAX_RESPONSE);
    http_request req = {
        .method = "GET",
        .url = url,
        .credentials = creds,
        .region = region,
        .service = "s3",
        .s3 = true,
        .errors = HTTP_ERRORS_XML,
        .what = WHAT,
    };
    int rc;
    if (http_call(http, &req, &resp, err) < 0) {
        if (err != NULL)
            explain_error(err, region);
        rc = -1;
    } else {
        rc = s3_parse_page(buf_cstr(&resp.body), resp.body.len, on_page, ctx, token, S3_TOKEN_MAX, n, err);
    }
    http_response_free(&resp);
    return rc;
}

/* The continuation tokens seen in one listing, as 64-bit hashes in an open-addressing table: a
 * server that hands back any earlier token (A, B, A, ...) is looping, not paging. */
typedef struct {
    uint64_t *slots; /* 0 marks an empty slot */
    size_t cap;
    size_t used;
} token_set;

static uint64_t token_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h != 0 ? h : 1;
}

static bool token_set_insert(uint64_t *slots, size_t cap, uint64_t h)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots[i] == h)
            return false;
        if (slots[i] == 0) {
            slots[i] = h;
            return true;
        }
    }
}

/* 1 if the token is new (and now recorded), 0 if it was seen before, -1 when out of memory. */
static int token_set_add(token_set *set, const char *token)
{
    if ((set->used + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i] != 0)
                token_set_insert(slots, cap, set->slots[i]);
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    if (!token_set_insert(set->slots, set->cap, token_hash(token)))
        return 0;
    set->used++;
    return 1;
}

int s3_list_buckets(http_client *http, const aws_credentials *creds, const char *region, const char *endpoint_url,
                    const char *prefix, int max_buckets, s3_page_fn on_page, void *ctx, s3_list_stats *stats_out,
                    bl_error *err)
{
    s3_list_stats stats = {0, 0};
    if (stats_out != NULL)
        *stats_out = stats;
    if (max_buckets == 0)
        max_buckets = S3_DEFAULT_PAGE_SIZE;
    if (max_buckets < 1 || max_buckets > S3_PAGE_MAX_BUCKETS)
        return bl_error_set(err, BL_ERR_CONFIG, "the S3 page size must be 1..10000: check BUCKETLIST_S3_PAGE_SIZE");
    if (region == NULL || region[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "no region to sign S3 requests for: set AWS_REGION in the secret or "
                                                "the environment");
    if (prefix != NULL && prefix[0] != '\0' && s3_prefix_validate(prefix, err) < 0)
        return -1;
    if (creds == NULL || !aws_credentials_present(creds))
        return bl_error_set(err, BL_ERR_NO_CREDENTIALS, "no S3 credentials yet: the secret has not been loaded");

    int rc = -1;
    buf_t base, url;
    buf_init(&base, BUF_MAX_SMALL);
    buf_init(&url, BUF_MAX_SMALL);
    char token[S3_TOKEN_MAX] = "";
    token_set seen = {0};
    if (base_url(&base, endpoint_url, region, err) < 0)
        goto cleanup;

    for (;;) {
        buf_reset(&url);
        if (!buf_append(&url, buf_cstr(&base), base.len)) {
            bl_error_set(err, BL_ERR_NOMEM, "out of memory building the " WHAT " URL");
            goto cleanup;
        }
        if (s3_list_query(&url, max_buckets, token, prefix, err) < 0)
            goto cleanup;
        size_t n = 0;
        int page_rc = fetch_page(http, creds, region, buf_cstr(&url), on_page, ctx, token, &n, err);
        if (page_rc < 0)
            goto cleanup;
        stats.pages++;
        stats.buckets += (long)n;
        if (page_rc > 0) {
            rc = 1;
            goto cleanup;
        }
        if (token[0] == '\0')
            break;
        int fresh = token_set_add(&seen, token);
        if (fresh <= 0 || stats.pages >= S3_MAX_PAGES) {
            if (fresh < 0)
                bl_error_set(err, BL_ERR_NOMEM, "out of memory following " WHAT " pages");
            else
                bl_error_set(err, BL_ERR_PROTOCOL,
                             "S3 ListBuckets is not advancing (a continuation token came back a second time, or "
                             "over %d pages): check the S3 endpoint (AWS_ENDPOINT_URL_S3)",
                             S3_MAX_PAGES);
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    free(seen.slots);
    if (stats_out != NULL)
        *stats_out = stats;
    buf_free(&url);
    buf_free(&base);
    return rc;
}
