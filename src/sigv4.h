/* AWS Signature Version 4, header signing, on OpenSSL.
 *
 * The caller gives the request as it will go on the wire: method, the raw
 * (percent-decoded) path, the query string, headers and body. sigv4_sign adds
 * nothing to the request itself; it returns the headers the caller must add
 * (X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256 when asked, and
 * Authorization) plus every intermediate stage, so each can be tested.
 *
 * Path rules: the path is encoded exactly once with UriEncode ('/' kept).
 * With normalize_path (every service but S3) dot segments and duplicate
 * slashes are removed first; S3 signs the path as sent.
 * Query rules: each name and value is percent-decoded, then UriEncoded, then
 * the pairs are sorted by name, then value. So a query given either raw or
 * already encoded canonicalizes the same way. */
#ifndef BUCKETLIST_SIGV4_H
#define BUCKETLIST_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "credentials.h"
#include "error.h"

typedef struct {
    const char *name;
    const char *value;
} http_header;

#define SIGV4_MAX_ADDED 4
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

typedef struct {
    const aws_credentials *credentials;
    const char *region;       /* e.g. "us-east-1" */
    const char *service;      /* signing name: "s3", "secretsmanager", "sts" */
    time_t now;               /* signing time, already corrected for clock skew */
    bool normalize_path;      /* false for S3 */
    bool add_content_sha256;  /* add and sign x-amz-content-sha256 (S3 always wants it) */
    const char *payload_hash; /* NULL: hex SHA-256 of the body; or e.g. SIGV4_UNSIGNED_PAYLOAD */
} sigv4_params;

typedef struct {
    char amz_date[17];                 /* YYYYMMDDTHHMMSSZ */
    char *canonical_request;
    char *string_to_sign;
    char signature[65];
    char *authorization;               /* value of the Authorization header */
    char *payload_hash;                /* line 6 of the canonical request (value of X-Amz-Content-Sha256) */
    char *security_token;              /* copy of the session token, NULL without one (wiped on free) */
    /* Headers to add, in this order: X-Amz-Date, X-Amz-Security-Token (with a session token),
     * X-Amz-Content-Sha256 (when asked), Authorization last. The values point into this struct.
     * A header of the same name the caller passed was ignored while signing: send these instead. */
    http_header added[SIGV4_MAX_ADDED];
    size_t n_added;
} sigv4_result;

/* Signs the request. `query` is without the leading '?', may be NULL or "".
 * Headers must include Host. Headers that proxies or libcurl add or rewrite (User-Agent, Expect,
 * Transfer-Encoding, Connection, ...) are not signed; Authorization and X-Amz-Date from the caller are
 * ignored (ours replace them), as are X-Amz-Security-Token when the credentials carry a token and
 * X-Amz-Content-Sha256 when add_content_sha256 is set.
 * Returns 0, or -1 with err set (out is then empty; sigv4_result_free on it is harmless).
 * The derived signing key is wiped. */
int sigv4_sign(const sigv4_params *params, const char *method, const char *path, const char *query,
               const http_header *headers, size_t n_headers, const void *body, size_t body_len,
               sigv4_result *out, bl_error *err);

/* Frees what sigv4_sign allocated (the Authorization value is wiped). */
void sigv4_result_free(sigv4_result *r);

/* UriEncode as SigV4 defines it: A-Z a-z 0-9 - . _ ~ kept, every other byte %XX (upper-case hex);
 * '/' kept only when keep_slash. Appends to out (a buf_t *). Returns false on overflow. */
bool sigv4_uri_encode(buf_t *out, const char *s, size_t len, bool keep_slash);

/* Pieces exposed for unit tests. */
int sigv4_canonical_query(const char *query, buf_t *out, bl_error *err);
int sigv4_canonical_path(const char *path, bool normalize, buf_t *out, bl_error *err);
/* Trims and squeezes whitespace runs (including folded line breaks) to one space. Appends to out.
 * Returns 0, or -1 on overflow. */
int sigv4_canonical_header_value(const char *value, buf_t *out);
/* kSigning for (secret, yyyymmdd, region, service). */
bool sigv4_signing_key(const char *secret, const char *yyyymmdd, const char *region, const char *service,
                       unsigned char out[32]);
/* Formats t as YYYYMMDDTHHMMSSZ (UTC). */
void sigv4_format_amz_date(time_t t, char out[17]);

#endif
