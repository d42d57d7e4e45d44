#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "retry.h"

/* Backoff: r × min(2^(n-1), 20) s. Check the exact value at fixed r for n = 1..10. */
static void test_retry_backoff_table(void **state)
{
    (void)state;
    static const long cap_ms[] = {0, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000, 20000, 20000};
    for (int n = 1; n <= 10; n++) {
        assert_int_equal(retry_backoff_ms(n, 0.0), 0);
        assert_int_equal(retry_backoff_ms(n, 0.5), cap_ms[n] / 2);
        long hi = retry_backoff_ms(n, 0.999999);
        assert_true(hi < cap_ms[n]);
        assert_true(hi >= cap_ms[n] - 1);
    }
}

static void test_retry_backoff_never_exceeds_cap(void **state)
{
    (void)state;
    /* Large attempt numbers must not overflow the shift; odd r values are clamped. */
    assert_int_equal(retry_backoff_ms(1000, 0.5), 10000);
    assert_int_equal(retry_backoff_ms(64, 0.5), 10000);
    assert_true(retry_backoff_ms(3, 7.0) < 4000);
    assert_int_equal(retry_backoff_ms(3, -1.0), 0);
    assert_int_equal(retry_backoff_ms(0, 0.5), 500); /* treated as the first attempt */
}

typedef struct {
    double values[4];
    int next;
} fixed_source;

static double fixed_random(void *ctx)
{
    fixed_source *s = ctx;
    return s->values[s->next++ % 4];
}

/* The injectable source drives the delay, so a sequence of retries is reproducible. */
static void test_retry_backoff_with_injected_source(void **state)
{
    (void)state;
    fixed_source src = {.values = {0.25, 0.75, 0.1, 0.9}};
    retry_random_fn fn = fixed_random;
    long d1 = retry_backoff_ms(1, fn(&src));
    long d2 = retry_backoff_ms(2, fn(&src));
    long d3 = retry_backoff_ms(3, fn(&src));
    assert_int_equal(d1, 250);
    assert_int_equal(d2, 1500);
    assert_int_equal(d3, 400);
}

static void test_retry_default_random_in_range(void **state)
{
    (void)state;
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < 2000; i++) {
        double r = retry_random_default(NULL);
        assert_true(r >= 0.0 && r < 1.0);
        if (r < lo)
            lo = r;
        if (r > hi)
            hi = r;
    }
    /* 2000 uniform draws spread out; a stuck source would not. */
    assert_true(lo < 0.1);
    assert_true(hi > 0.9);
}

static void test_retry_statuses(void **state)
{
    (void)state;
    static const long yes[] = {500, 502, 503, 504, 429};
    static const long no[] = {200, 301, 400, 401, 403, 404, 409, 501, 505};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(retry_status_is_retryable(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(retry_status_is_retryable(no[i]));
}

static void test_retry_codes(void **state)
{
    (void)state;
    static const char *const throttling[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };
    for (size_t i = 0; i < sizeof throttling / sizeof throttling[0]; i++) {
        assert_true(retry_code_is_throttling(throttling[i]));
        assert_true(retry_response_is_retryable(400, throttling[i]));
    }
    assert_true(retry_code_is_transient("RequestTimeout"));
    assert_true(retry_code_is_transient("RequestTimeoutException"));
    assert_true(retry_code_is_transient("IDPCommunicationError"));
    assert_false(retry_code_is_throttling("throttling")); /* codes are case-sensitive */
    assert_false(retry_code_is_throttling(NULL));
    assert_false(retry_code_is_throttling(""));
    assert_false(retry_code_is_transient("AccessDenied"));
}

/* Statuses decide only when the code does not: auth and permission errors are never retried. */
static void test_retry_response_decision(void **state)
{
    (void)state;
    assert_true(retry_response_is_retryable(500, "InternalError"));
    assert_true(retry_response_is_retryable(503, ""));
    assert_true(retry_response_is_retryable(503, NULL));
    assert_true(retry_response_is_retryable(502, "SomethingUnknown"));
    assert_true(retry_response_is_retryable(400, "RequestTimeout"));
    assert_false(retry_response_is_retryable(403, "AccessDenied"));
    assert_false(retry_response_is_retryable(400, "AccessDeniedException"));
    assert_false(retry_response_is_retryable(403, "InvalidAccessKeyId"));
    assert_false(retry_response_is_retryable(403, "SignatureDoesNotMatch"));
    assert_false(retry_response_is_retryable(400, "ExpiredToken"));
    assert_false(retry_response_is_retryable(400, "UnrecognizedClientException"));
    assert_false(retry_response_is_retryable(400, "ResourceNotFoundException"));
    assert_false(retry_response_is_retryable(400, "ValidationException"));
    assert_false(retry_response_is_retryable(404, ""));
    /* An auth code on a 5xx is still an auth problem. */
    assert_false(retry_response_is_retryable(500, "AccessDenied"));
}

static void test_retry_quota(void **state)
{
    (void)state;
    retry_quota q;
    retry_quota_init(&q);
    assert_int_equal(q.tokens, RETRY_QUOTA_MAX);
    int cost = -1;
    assert_true(retry_quota_acquire(&q, false, &cost));
    assert_int_equal(cost, RETRY_COST);
    assert_true(retry_quota_acquire(&q, true, &cost));
    assert_int_equal(cost, RETRY_TIMEOUT_COST);
    assert_int_equal(q.tokens, RETRY_QUOTA_MAX - RETRY_COST - RETRY_TIMEOUT_COST);
    retry_quota_release(&q, RETRY_TIMEOUT_COST);
    assert_int_equal(q.tokens, RETRY_QUOTA_MAX - RETRY_COST);
    retry_quota_release(&q, 0);
    assert_int_equal(q.tokens, RETRY_QUOTA_MAX - RETRY_COST + RETRY_NO_RETRY_INCREMENT);
    for (int i = 0; i < 10; i++)
        retry_quota_release(&q, 0);
    assert_int_equal(q.tokens, RETRY_QUOTA_MAX); /* never above the maximum */

    /* Drain it: 500 / 5 = 100 retries, then none. */
    int granted = 0;
    while (retry_quota_acquire(&q, false, &cost))
        granted++;
    assert_int_equal(granted, RETRY_QUOTA_MAX / RETRY_COST);
    assert_int_equal(cost, 0);
    assert_false(retry_quota_acquire(&q, true, &cost));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_backoff_table),
        cmocka_unit_test(test_retry_backoff_never_exceeds_cap),
        cmocka_unit_test(test_retry_backoff_with_injected_source),
        cmocka_unit_test(test_retry_default_random_in_range),
        cmocka_unit_test(test_retry_statuses),
        cmocka_unit_test(test_retry_codes),
        cmocka_unit_test(test_retry_response_decision),
        cmocka_unit_test(test_retry_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
