/* The secret that holds bucketlist's S3 credentials, in the original app's
 * format: a JSON object
 *
 *   {"AWS_ACCESS_KEY_ID": "...", "AWS_SECRET_ACCESS_KEY": "...",
 *    "AWS_REGION": "us-east-2", "AWS_SESSION_TOKEN": "..."}
 *
 * where the first two are required and the last two optional. Parsing is
 * pure (no I/O) so every malformed shape is unit-tested. Error messages say
 * what is wrong and how to store a correct secret, and never quote the value
 * or any part of it. Every copy the parser makes is wiped. */
#ifndef BUCKETLIST_SECRET_H
#define BUCKETLIST_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "credentials.h"
#include "error.h"

/* Secrets Manager's own limit on SecretString and on decoded SecretBinary. */
#define SECRET_VALUE_MAX 65536
#define SECRET_REGION_MAX 64

typedef struct {
    aws_credentials creds; /* source "secrets-manager" */
    char region[SECRET_REGION_MAX]; /* AWS_REGION from the secret, "" when absent */
} s3_secret;

/* Parses the secret's value (len bytes, no NUL needed) into out, which it clears first.
 * Returns 0, or -1 with BL_ERR_SECRET_FORMAT (BL_ERR_NOMEM when out of memory). */
int secret_parse(const char *value, size_t len, s3_secret *out, bl_error *err);

/* Wipes and empties the secret. */
void s3_secret_clear(s3_secret *s);

/* Decodes standard base64 (RFC 4648, padding optional) as Secrets Manager sends SecretBinary.
 * *out is a NUL-terminated heap copy of *out_len bytes: wipe it (OPENSSL_cleanse) before free().
 * Returns 0, or -1 with BL_ERR_SECRET_FORMAT for bad input (the message never quotes it). */
int secret_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len, bl_error *err);

/* A syntactically valid region name: lower-case letters, digits and single inner hyphens,
 * starting with a letter, 1..63 characters ("us-east-2", "cn-north-1", "us-gov-west-1"). */
bool secret_region_valid(const char *region);

/* When secret_id is a full secret ARN, arn:<partition>:secretsmanager:<region>:<12-digit
 * account>:secret:<name>, with a valid region, copies the region to out and returns 1.
 * Returns 0 for a plain name or a malformed ARN (out is then ""). */
int secret_id_region(const char *secret_id, char out[SECRET_REGION_MAX]);

#endif
