#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "timeutil.h"

static void test_timeutil_parses_valid_forms(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        long long want;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-01-01T00:00:11Z", 1767225611},
        {"2026-01-01T00:00:11.640582Z", 1767225611},
        {"2026-01-01T00:00:11.6Z", 1767225611},
        {"2026-01-01T00:00:11+00:00", 1767225611},
        {"2026-01-01T02:00:11+02:00", 1767225611},
        {"2025-12-31T23:00:11-0100", 1767225611},
        {"2026-01-01t00:00:11z", 1767225611},
        {"2026-01-01 00:00:11Z", 1767225611},
        {"2024-02-29T12:00:00Z", 1709208000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        time_t t = 42;
        assert_int_equal(aws_parse_iso8601(cases[i].in, &t), 0);
        assert_int_equal((long long)t, cases[i].want);
    }
}

static void test_timeutil_rejects_invalid_forms(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "2026-01-01",           "2026-01-01T00:00:11",     "2026-01-01T00:00:11.Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",       "2026-01-01T24:00:00Z",    "2026-01-01T00:00:00Zjunk",
        "2026-01-01T00:00:00+25:00",  "26-01-01T00:00:00Z",      "1767225611", "2026-01-01X00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        time_t t = 42;
        assert_int_equal(aws_parse_iso8601(bad[i], &t), -1);
        assert_int_equal((long long)t, 42);
    }
    time_t t;
    assert_int_equal(aws_parse_iso8601(NULL, &t), -1);
}

static void test_timeutil_format_round_trips(void **state)
{
    (void)state;
    char out[AWS_ISO8601_LEN];
    aws_format_iso8601(1767225611, out);
    assert_string_equal(out, "2026-01-01T00:00:11Z");
    time_t t;
    assert_int_equal(aws_parse_iso8601(out, &t), 0);
    assert_int_equal((long long)t, 1767225611);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeutil_parses_valid_forms),
        cmocka_unit_test(test_timeutil_rejects_invalid_forms),
        cmocka_unit_test(test_timeutil_format_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
