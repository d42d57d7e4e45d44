#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "error.h"

static void append_respects_max_and_never_truncates(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 8);
    assert_true(buf_appends(&b, "abcd"));
    assert_true(buf_appendf(&b, "%d", 123));
    assert_string_equal(buf_cstr(&b), "abcd123");
    assert_false(buf_appends(&b, "xy")); /* 9 > 8 */
    assert_string_equal(buf_cstr(&b), "abcd123");
    assert_true(buf_appendc(&b, 'z'));
    assert_int_equal(b.len, 8);
    assert_false(buf_appendf(&b, "%s", "q"));
    buf_free(&b);
    assert_null(b.data);
    assert_string_equal(buf_cstr(&b), "");
}

static void grows_across_many_appends(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, BUF_MAX_SMALL);
    for (int i = 0; i < 1000; i++)
        assert_true(buf_appends(&b, "0123456789"));
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(buf_cstr(&b)), 10000);
    char *taken = buf_take(&b);
    assert_non_null(taken);
    assert_int_equal(strlen(taken), 10000);
    assert_null(b.data);
    secure_free(taken);
}

static void error_set_and_prefix(void **state)
{
    (void)state;
    bl_error e;
    bl_error_clear(&e);
    assert_int_equal(bl_error_set(&e, BL_ERR_NETWORK, "could not connect to %s", "host"), -1);
    assert_true(bl_error_is_transient(&e));
    bl_error_prefix(&e, "fetching secret: ");
    assert_string_equal(e.message, "fetching secret: could not connect to host");
    assert_string_equal(bl_errcode_name(BL_ERR_NOT_FOUND), "not-found");
    assert_string_equal(bl_errcode_name((bl_errcode)999), "unknown");
    bl_error_set(&e, BL_ERR_DENIED, "no");
    assert_false(bl_error_is_transient(&e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_respects_max_and_never_truncates),
        cmocka_unit_test(grows_across_many_appends),
        cmocka_unit_test(error_set_and_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
