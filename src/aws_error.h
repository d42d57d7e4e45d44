/* AWS error responses turned into typed errors.
 *
 * Three body shapes carry the error code: S3's `<Error><Code>..</Code>
 * <Message>..</Message></Error>`, the query protocol's (STS) `<ErrorResponse>
 * <Error><Code>..` and JSON 1.1's `{"__type": "prefix#Code:suffix",
 * "message"|"Message": ..}`, where the `X-Amzn-ErrorType` header may carry
 * the type instead. The code decides the error class (auth, denied,
 * throttled, ...), the status decides only when there is no known code. */
#ifndef BUCKETLIST_AWS_ERROR_H
#define BUCKETLIST_AWS_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The service message is kept only up to this many bytes. */
#define AWS_ERROR_MESSAGE_MAX 200

typedef struct {
    char code[BL_AWS_CODE_MAX];          /* "" when none was found */
    char message[AWS_ERROR_MESSAGE_MAX]; /* printable ASCII only, truncated with "..." */
} aws_error_info;

/* Each returns true when a code was found. `info` is always initialized. */
bool aws_error_parse_xml(const char *body, size_t len, aws_error_info *info);
/* header_type: the X-Amzn-ErrorType header value, or NULL; the body's __type wins over it. */
bool aws_error_parse_json(const char *body, size_t len, const char *header_type, aws_error_info *info);

/* botocore's rule: cut at the first ':', keep what follows the last '#'. */
void aws_error_normalize_code(const char *raw, char *out, size_t out_size);

/* The error class of a code (may be NULL/""), falling back on the HTTP status. */
bl_errcode aws_error_classify(const char *code, long status);

/* True for codes no retry can fix: auth, permission, not found, decryption. */
bool aws_error_code_is_fatal(const char *code);

/* One sentence telling the operator what to check for an error class. */
const char *aws_error_hint(bl_errcode code);

/* Fills err for a failed response: code from the class, err->aws_code, err->http_status, and a
 * message "<what> failed: <Code> (HTTP <status>): <service message>. <hint>". */
void aws_error_set(bl_error *err, const char *what, long status, const aws_error_info *info);

#endif
