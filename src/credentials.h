/* An AWS credential set. All three strings are heap copies that are wiped
 * (OPENSSL_cleanse) when the set is cleared, so a freed set leaves no key in
 * memory. Never log any field but `source` and `expiration`. */
#ifndef BUCKETLIST_CREDENTIALS_H
#define BUCKETLIST_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "error.h"

typedef struct {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;  /* NULL for long-term keys */
    time_t expiration;    /* 0: does not expire */
    char source[48];      /* which provider gave them: "environment", "shared-files", ... */
} aws_credentials;

/* Copies the strings into `c` (clearing what it held). token may be NULL or "". */
int aws_credentials_set(aws_credentials *c, const char *access_key_id, const char *secret_access_key,
                        const char *session_token, time_t expiration, const char *source, bl_error *err);
/* Deep copy. */
int aws_credentials_copy(aws_credentials *dst, const aws_credentials *src, bl_error *err);
/* Wipes and frees the strings; the struct is then empty. */
void aws_credentials_clear(aws_credentials *c);
bool aws_credentials_present(const aws_credentials *c);

#endif
