/* The worker's log: one line per event, logfmt (key=value), written with a
 * single write(2) to an O_APPEND file so lines from several processes never
 * interleave. spawn-fcgi sends the children's stderr to /dev/null, so the
 * file (--log-file / BUCKETLIST_LOG_FILE) is the destination that survives;
 * stderr gets a copy too. Callers never pass secrets here. */
#ifndef BUCKETLIST_LOG_H
#define BUCKETLIST_LOG_H

#include <stddef.h>

/* Opens (creates, appends to) the log file; NULL or "" logs to stderr only. Returns -1 and fills
 * msg on failure. */
int log_open(const char *path, char *msg, size_t msg_len);
void log_close(void);

/* A free-form event: `level` is "info", "warn" or "error"; the message is quoted and escaped. */
void log_event(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct {
    const char *method;
    const char *path;       /* without the query string */
    int status;
    unsigned long bytes;    /* body bytes sent */
    long duration_ms;
    int upstream_calls;     /* HTTP attempts to AWS made for this request */
    long buckets;           /* -1 when not a listing */
    const char *error_code; /* error class or AWS code, NULL on success */
} log_request_line;

void log_request(const log_request_line *r);

/* Appends s to out as a logfmt value: quoted when needed, control characters escaped. */
void log_quote(char *out, size_t out_len, const char *s);

#endif
