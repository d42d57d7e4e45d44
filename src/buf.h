/* A growable byte buffer with a hard maximum size, after curl's dynbuf: an
 * append past the maximum fails and never truncates. The data is always NUL
 * terminated. buf_free wipes the memory, so a buffer may hold secrets. */
#ifndef BUCKETLIST_BUF_H
#define BUCKETLIST_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data;  /* NULL until the first append */
    size_t len;  /* bytes used, not counting the terminating NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* largest len allowed */
} buf_t;

/* Named caps, one per use. */
#define BUF_MAX_SMALL (64u * 1024u)            /* headers, canonical requests, messages */
#define BUF_MAX_RESPONSE (4u * 1024u * 1024u)  /* one AWS response body */

void buf_init(buf_t *b, size_t max);
/* All appends return false (and leave the buffer as it was) on overflow of max or out of memory. */
bool buf_append(buf_t *b, const void *data, size_t n) __attribute__((warn_unused_result));
bool buf_appends(buf_t *b, const char *s) __attribute__((warn_unused_result));
bool buf_appendc(buf_t *b, char c) __attribute__((warn_unused_result));
bool buf_appendf(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* Never NULL: "" for an empty buffer. */
const char *buf_cstr(const buf_t *b);
/* Empties the buffer, wiping its bytes, but keeps the allocation. */
void buf_reset(buf_t *b);
/* Wipes and frees; the buffer is then empty and reusable. */
void buf_free(buf_t *b);
/* Hands the data to the caller (free with free(), or secure_free for secrets); the buffer is emptied.
 * Returns a heap "" for an empty buffer, NULL when out of memory. */
char *buf_take(buf_t *b);

/* strdup that reports out-of-memory as NULL for NULL input too. */
char *str_dup(const char *s);
/* Wipes a NUL-terminated heap string with OPENSSL_cleanse, then frees it. NULL is fine. */
void secure_free(char *s);

#endif
