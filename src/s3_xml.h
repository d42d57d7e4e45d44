/* One page of an S3 ListBuckets response, parsed with expat.
 *
 * Element names are matched by local name, so a namespace prefix or the
 * default xmlns does not matter. Text is capped per field; a DOCTYPE is
 * refused (no entity games). The page's buckets go to the caller's callback
 * in one call once the whole page has parsed, so a malformed page delivers
 * nothing. */
#ifndef BUCKETLIST_S3_XML_H
#define BUCKETLIST_S3_XML_H

#include <stddef.h>

#include "error.h"

#define S3_BUCKET_NAME_MAX 256
#define S3_DATE_MAX 64
#define S3_REGION_MAX 64
#define S3_TOKEN_MAX 1025        /* the API allows 1024 characters, plus NUL */
#define S3_PAGE_MAX_BUCKETS 10000 /* the API's largest max-buckets */

typedef struct {
    char name[S3_BUCKET_NAME_MAX];
    char creation_date[S3_DATE_MAX]; /* as S3 sent it, e.g. 2019-12-11T23:32:47.000Z; may be "" */
    char region[S3_REGION_MAX];      /* BucketRegion; "" when S3 did not send it */
} s3_bucket;

/* Receives one page of buckets (n may be 0). Return non-zero to stop listing (e.g. the client
 * went away). */
typedef int (*s3_page_fn)(void *ctx, const s3_bucket *buckets, size_t n);

/* Parses a ListAllMyBucketsResult document. On success calls on_page once with the page's buckets,
 * copies ContinuationToken into next_token ("" when absent; token_len must be at least
 * S3_TOKEN_MAX) and sets *n_out to the number of buckets. Returns 0, 1 when on_page asked to
 * stop, or -1 with err set: BL_ERR_PROTOCOL for malformed XML, another root element, oversized
 * text, a bucket without a name or more than S3_PAGE_MAX_BUCKETS buckets; BL_ERR_NOMEM. */
int s3_parse_page(const char *xml, size_t len, s3_page_fn on_page, void *ctx, char *next_token, size_t token_len,
                  size_t *n_out, bl_error *err);

#endif
