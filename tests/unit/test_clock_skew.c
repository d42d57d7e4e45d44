#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "clock_skew.h"

static void test_clock_skew_candidates(void **state)
{
    (void)state;
    assert_true(clock_skew_is_candidate("RequestTimeTooSkewed", NULL));
    assert_true(clock_skew_is_candidate("RequestExpired", ""));
    assert_true(clock_skew_is_candidate("RequestInTheFuture", "whatever"));
    assert_true(clock_skew_is_candidate("InvalidSignatureException",
                                        "Signature expired: 20240101T000000Z is now earlier than ..."));
    /* AWS's exact wording for a request stamped in the future (our clock runs fast). */
    assert_true(clock_skew_is_candidate("InvalidSignatureException",
                                        "Signature not yet current: 20261203T190000Z is still later than "
                                        "20261203T183000Z (20261203T182500Z + 5 min.)"));
    assert_true(clock_skew_is_candidate("AuthFailure", "AWS was not able to validate the provided access "
                                                       "credentials because the request timestamp is too old"));
    /* The same codes without a word about time are plain signature errors. */
    assert_false(clock_skew_is_candidate("SignatureDoesNotMatch", "The request signature we calculated does "
                                                                  "not match the signature you provided."));
    assert_false(clock_skew_is_candidate("InvalidSignatureException", NULL));
    assert_false(clock_skew_is_candidate("AccessDenied", "expired"));
    assert_false(clock_skew_is_candidate(NULL, "time"));
}

static void test_clock_skew_parse_date(void **state)
{
    (void)state;
    time_t t = 0;
    /* 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example), in all three forms. */
    assert_true(clock_skew_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    t = 0;
    assert_true(clock_skew_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    t = 0;
    assert_true(clock_skew_parse_date("Sun Nov  6 08:49:37 1994", &t));
    assert_int_equal(t, 784111777);
    assert_true(clock_skew_parse_date("Wed, 03 Dec 2025 17:50:00 GMT", &t));
    assert_int_equal(t, 1764784200);
    t = 42;
    assert_false(clock_skew_parse_date("", &t));
    assert_false(clock_skew_parse_date(NULL, &t));
    assert_false(clock_skew_parse_date("not a date", &t));
    assert_int_equal(t, 42); /* untouched on failure */
}

static void test_clock_skew_offset(void **state)
{
    (void)state;
    long off = 0;
    const time_t real = 1764784200;
    /* Server 20 min ahead, no correction yet. */
    assert_true(clock_skew_new_offset(real + 1200, real, real, &off));
    assert_int_equal(off, 1200);
    /* Server 20 min behind. */
    assert_true(clock_skew_new_offset(real - 1200, real, real, &off));
    assert_int_equal(off, -1200);
    /* Within the threshold: no correction, offset untouched. */
    off = 7;
    assert_false(clock_skew_new_offset(real + CLOCK_SKEW_THRESHOLD_S, real, real, &off));
    assert_false(clock_skew_new_offset(real - 60, real, real, &off));
    /* A Date decades away is not a clock error but a broken endpoint. */
    assert_false(clock_skew_new_offset(real + 73L * 365 * 86400, real, real, &off));
    assert_false(clock_skew_new_offset(real - CLOCK_SKEW_MAX_S - 1, real, real, &off));
    assert_int_equal(off, 7);
    assert_true(clock_skew_new_offset(real + CLOCK_SKEW_MAX_S - 60, real, real, &off));
    assert_int_equal(off, CLOCK_SKEW_MAX_S - 60);
    /* Already corrected by +1200: the server agrees with the corrected clock. */
    assert_false(clock_skew_new_offset(real + 1200, real + 1200, real, &off));
    /* Corrected the wrong way: the new offset is measured from the real clock. */
    assert_true(clock_skew_new_offset(real + 1200, real - 600, real, &off));
    assert_int_equal(off, 1200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_skew_candidates),
        cmocka_unit_test(test_clock_skew_parse_date),
        cmocka_unit_test(test_clock_skew_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
