/* Typed errors. Every fallible function takes a `bl_error *` and fills it on
 * failure: a code the caller can branch on, plus a message for humans that
 * says what failed and what to do. Messages never contain a secret value. */
#ifndef BUCKETLIST_ERROR_H
#define BUCKETLIST_ERROR_H

#include <stdbool.h>

typedef enum {
    BL_OK = 0,
    BL_ERR_CONFIG,         /* missing or invalid configuration: fix the setup */
    BL_ERR_NOMEM,          /* out of memory */
    BL_ERR_NETWORK,        /* DNS, connect, reset: transient */
    BL_ERR_TIMEOUT,        /* attempt or overall deadline exceeded: transient */
    BL_ERR_TOO_LARGE,      /* response over the size cap */
    BL_ERR_THROTTLED,      /* throttling codes, after retries: transient */
    BL_ERR_SERVER,         /* 5xx from the service, after retries: transient */
    BL_ERR_AUTH,           /* credentials rejected: InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken... */
    BL_ERR_DENIED,         /* AccessDenied: the identity lacks a permission */
    BL_ERR_NOT_FOUND,      /* ResourceNotFoundException and friends */
    BL_ERR_CLIENT,         /* any other 4xx from a service */
    BL_ERR_PROTOCOL,       /* a response we cannot parse */
    BL_ERR_NO_CREDENTIALS, /* no provider in the chain gave credentials */
    BL_ERR_SECRET_FORMAT,  /* the secret's value is not in the expected format */
    BL_ERR_DECRYPT,        /* KMS could not decrypt the secret */
    BL_ERR_INPUT,          /* bad input from our own caller (e.g. a query parameter) */
    BL_ERR__COUNT
} bl_errcode;

#define BL_ERROR_MESSAGE_MAX 768
#define BL_AWS_CODE_MAX 64

typedef struct {
    bl_errcode code;
    int http_status;                    /* HTTP status of the failing response, 0 if none */
    char aws_code[BL_AWS_CODE_MAX];     /* the service's error code, e.g. "AccessDenied" */
    char message[BL_ERROR_MESSAGE_MAX]; /* human sentence(s): what failed and what to fix */
} bl_error;

/* Sets code and message (printf-style); keeps http_status/aws_code as they are. Returns -1 so
 * callers can write `return bl_error_set(...)`. A NULL `e` is allowed. */
int bl_error_set(bl_error *e, bl_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context to an existing message ("while fetching the secret: ..."). */
void bl_error_prefix(bl_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void bl_error_clear(bl_error *e);

/* True for failures that may succeed when tried again later (network, timeout, throttling, 5xx). */
bool bl_error_is_transient(const bl_error *e);

/* Stable lower-case name of a code, for logs and tests: "config", "network", ... */
const char *bl_errcode_name(bl_errcode code);

#endif
