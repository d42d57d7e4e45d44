/* The SDKs' "standard" retry policy (aws-reference.md §6.1), as pure functions
 * so each piece can be tested without a network: which failures are worth
 * another attempt, how long to wait before it, and the per-client retry quota
 * that stops a struggling service from being hammered. */
#ifndef BUCKETLIST_RETRY_H
#define BUCKETLIST_RETRY_H

#include <stdbool.h>

/* Largest backoff, in seconds, whatever the attempt number. */
#define RETRY_MAX_BACKOFF_S 20
#define RETRY_DEFAULT_MAX_ATTEMPTS 3

/* A source of uniform numbers in [0, 1). Tests inject a fixed one. */
typedef double (*retry_random_fn)(void *ctx);

/* The default source: OpenSSL's RAND_bytes. */
double retry_random_default(void *ctx);

/* Full-jitter exponential backoff: r × min(2^(attempts-1), 20) seconds, where `attempts` is the
 * number of attempts made so far (>= 1) and r in [0, 1). Returned in milliseconds. */
long retry_backoff_ms(int attempts, double r);

/* 500, 502, 503, 504 (server faults) and 429 (throttling). */
bool retry_status_is_retryable(long status);
/* Throttling codes (SlowDown, ThrottlingException, ...). */
bool retry_code_is_throttling(const char *code);
/* Transient codes (RequestTimeout, RequestTimeoutException, PriorRequestNotComplete). */
bool retry_code_is_transient(const char *code);
/* Decision for a service error response: retry on throttling/transient codes or on a retryable
 * status, but never when the code names an auth or permission problem. */
bool retry_response_is_retryable(long status, const char *code);

/* Retry quota: 500 tokens per client; a retry costs 5 (10 after a timeout); a success returns what
 * its last retry took, or 1 when it succeeded at once. With no tokens left, no retry. */
#define RETRY_QUOTA_MAX 500
#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define RETRY_NO_RETRY_INCREMENT 1

typedef struct {
    int tokens;
} retry_quota;

void retry_quota_init(retry_quota *q);
/* Takes the cost of one retry. Returns false (nothing taken) if the bucket cannot pay it. */
bool retry_quota_acquire(retry_quota *q, bool after_timeout, int *cost_taken);
/* Called on success with what the last retry took (0 if the first attempt succeeded). */
void retry_quota_release(retry_quota *q, int cost_taken);

#endif
