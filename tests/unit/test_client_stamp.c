/* Unit tests for src/client/stamp.c: RFC 868's four bytes made a date, daytime's line ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/client/stamp.h"

/* 3,973,855,510 seconds since 1900 are 1,764,866,710 since 1970. */
static void test_time_text(void **state)
{
    const unsigned char b[4] = {0xec, 0xdc, 0x39, 0x16};
    char buf[STAMP_TEXT_LEN];
    uint32_t raw;

    (void)state;
    assert_int_equal(stamp_time_decode(b, &raw), 1764866710);
    assert_int_equal(raw, 3973855510u);
    assert_string_equal(stamp_time_text(b, buf),
                        "Thu Dec  4 16:45:10 2025 UTC (3973855510 seconds since 1900)");
}

/* 1970's first second is RFC 868's 2,208,988,800; the count wraps in February 2036, and a value
 * below 1970's is read as after the wrap. */
static void test_time_epochs(void **state)
{
    const unsigned char unix0[4] = {0x83, 0xaa, 0x7e, 0x80};
    const unsigned char last[4] = {0xff, 0xff, 0xff, 0xff};
    const unsigned char wrapped[4] = {0, 0, 0, 0};
    char buf[STAMP_TEXT_LEN];
    uint32_t raw;

    (void)state;
    assert_int_equal(stamp_time_decode(unix0, &raw), 0);
    assert_string_equal(stamp_time_text(unix0, buf),
                        "Thu Jan  1 00:00:00 1970 UTC (2208988800 seconds since 1900)");
    assert_int_equal(stamp_time_decode(last, &raw), 2085978495);
    assert_string_equal(stamp_time_text(wrapped, buf),
                        "Thu Feb  7 06:28:16 2036 UTC (0 seconds since 1900)");
}

static void test_trim(void **state)
{
    (void)state;
    assert_int_equal(stamp_trim("Sat Dec  5 16:45:10 2026\r\n", 26), 24);
    assert_int_equal(stamp_trim("x\n", 2), 1);
    assert_int_equal(stamp_trim("x", 1), 1);
    assert_int_equal(stamp_trim("\r\n", 2), 0);
    assert_int_equal(stamp_trim("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_text),
        cmocka_unit_test(test_time_epochs),
        cmocka_unit_test(test_trim),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
