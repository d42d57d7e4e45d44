/* What the handler needs from a FastCGI request, copied out of libfcgi's
 * params (which die at FCGX_Finish_r) and parsed: the path without query,
 * the response format from Accept, and the `prefix` query parameter. */
#ifndef BUCKETLIST_REQUEST_H
#define BUCKETLIST_REQUEST_H

#include <stdbool.h>

#include "error.h"

#define REQUEST_PATH_MAX 512
#define REQUEST_PREFIX_MAX 256

typedef struct {
    char method[16];
    char path[REQUEST_PATH_MAX];
    bool want_json;
    bool has_prefix;
    char prefix[REQUEST_PREFIX_MAX];
} request_info;

/* Fills r from CGI-style params (any may be NULL). document_uri wins over request_uri. */
void request_parse(request_info *r, const char *method, const char *document_uri, const char *request_uri,
                   const char *accept);

/* Parses the query string: `prefix` (percent-decoded; '+' is a space), other names ignored.
 * A malformed escape, a repeated prefix or an over-long value is BL_ERR_INPUT. */
int request_parse_query(request_info *r, const char *query, bl_error *err);

/* True when the Accept header asks for JSON rather than HTML. */
bool request_accepts_json(const char *accept);

#endif
