#include "retry.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>

#include "aws_error.h"

double retry_random_default(void *ctx)
{
    (void)ctx;
    uint64_t v = 0;
    /* RAND_bytes failing is practically impossible; a fixed midpoint still gives a sane delay. */
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
        return 0.5;
    /* 53 random bits give every double in [0, 1) the same spacing. */
    return (double)(v >> 11) / 9007199254740992.0;
}

long retry_backoff_ms(int attempts, double r)
{
    if (attempts < 1)
        attempts = 1;
    if (!(r >= 0.0)) /* also catches NaN */
        r = 0.0;
    if (r >= 1.0)
        r = 0.999999;
    long cap_s = RETRY_MAX_BACKOFF_S;
    /* 2^(n-1) passes 20 at n = 6; stop shifting before it can overflow. */
    if (attempts <= 5) {
        long pow2 = 1L << (attempts - 1);
        if (pow2 < cap_s)
            cap_s = pow2;
    }
    return (long)(r * (double)cap_s * 1000.0);
}

bool retry_status_is_retryable(long status)
{
    return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

static bool in_list(const char *code, const char *const *list)
{
    if (code == NULL || code[0] == '\0')
        return false;
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

bool retry_code_is_throttling(const char *code)
{
    static const char *const throttling[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", NULL,
    };
    return in_list(code, throttling);
}

bool retry_code_is_transient(const char *code)
{
    static const char *const transient[] = {
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        "InternalError", "InternalFailure", "InternalServiceError", "ServiceUnavailable",
        /* STS could not reach the identity provider (botocore retries it too). */
        "IDPCommunicationError", NULL,
    };
    return in_list(code, transient);
}

bool retry_response_is_retryable(long status, const char *code)
{
    if (retry_code_is_throttling(code) || retry_code_is_transient(code))
        return true;
    /* A 5xx carrying an auth or permission code is still that code's problem, not a fault. */
    if (aws_error_code_is_fatal(code))
        return false;
    return retry_status_is_retryable(status);
}

void retry_quota_init(retry_quota *q)
{
    q->tokens = RETRY_QUOTA_MAX;
}

bool retry_quota_acquire(retry_quota *q, bool after_timeout, int *cost_taken)
{
    int cost = after_timeout ? RETRY_TIMEOUT_COST : RETRY_COST;
    if (q->tokens < cost) {
        *cost_taken = 0;
        return false;
    }
    q->tokens -= cost;
    *cost_taken = cost;
    return true;
}

void retry_quota_release(retry_quota *q, int cost_taken)
{
    q->tokens += cost_taken > 0 ? cost_taken : RETRY_NO_RETRY_INCREMENT;
    if (q->tokens > RETRY_QUOTA_MAX)
        q->tokens = RETRY_QUOTA_MAX;
}
