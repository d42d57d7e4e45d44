/* S3 ListBuckets, paginated: max-buckets plus continuation-token until S3
 * stops sending a token, so accounts over 10,000 buckets list completely.
 * Each page is parsed (s3_xml) and handed to the caller before the next one
 * is requested; no more than one page is ever held. */
#ifndef BUCKETLIST_S3_LIST_H
#define BUCKETLIST_S3_LIST_H

#include "credentials.h"
#include "error.h"
#include "http.h"
#include "s3_xml.h"

#define S3_PREFIX_MAX 63
#define S3_MAX_PAGES 100000 /* beyond this a server is looping: a protocol error */
#define S3_DEFAULT_PAGE_SIZE 1000

typedef struct {
    int pages;
    long buckets;
} s3_list_stats;

/* Lists the buckets visible to creds, calling on_page once per page (also once, with n = 0, for an
 * account with no buckets).
 *
 * region: the signing region (and, with no endpoint_url, the endpoint's: s3.<region>.amazonaws.com,
 * .com.cn for cn-*). endpoint_url: NULL or an override such as a local emulator. prefix: NULL or a
 * prefix already checked with s3_prefix_validate. max_buckets: the page size, 1..10000 (0: 1000).
 * stats_out may be NULL.
 *
 * Returns 0 when the listing is complete, 1 when on_page asked to stop, -1 with err set. S3's errors
 * keep http_call's class; BL_ERR_AUTH (InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, ...)
 * means the credentials from the secret were rejected: the caller may re-fetch the secret. */
int s3_list_buckets(http_client *http, const aws_credentials *creds, const char *region, const char *endpoint_url,
                    const char *prefix, int max_buckets, s3_page_fn on_page, void *ctx, s3_list_stats *stats_out,
                    bl_error *err);

/* Accepts 1..63 characters of a-z, 0-9, '.' and '-' (what a bucket name may hold); otherwise
 * BL_ERR_INPUT with a message for the page. Returns 0 or -1. */
int s3_prefix_validate(const char *prefix, bl_error *err);

/* The query string of one ListBuckets request, each value percent-encoded (RFC 3986):
 * "max-buckets=N[&continuation-token=T][&prefix=P]". Exposed for unit tests. */
int s3_list_query(buf_t *out, int max_buckets, const char *token, const char *prefix, bl_error *err);

#endif
