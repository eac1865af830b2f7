/* Unit tests for src/num.c: strict parsing of numeric command-line values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../../src/num.h"

#define SENTINEL 4242LL

/* Parses s in [min, max]; on success checks the value, on failure that *out is untouched and
 * err is exactly want_err. */
static void check_ok(const char *s, long long min, long long max, long long want)
{
    long long v = SENTINEL;
    char err[128] = "";

    assert_int_equal(num_parse(s, min, max, &v, err), 0);
    assert_true(v == want);
    assert_string_equal(err, "");
}

static void check_err(const char *s, long long min, long long max, const char *want_err)
{
    long long v = SENTINEL;
    char err[128] = "";

    assert_int_equal(num_parse(s, min, max, &v, err), -1);
    assert_true(v == SENTINEL);
    assert_string_equal(err, want_err);
}

static void test_in_range(void **state)
{
    (void)state;
    check_ok("0", 0, 65535, 0);
    check_ok("7000", 0, 65535, 7000);
    check_ok("65535", 0, 65535, 65535);
    check_ok("1", 1, 1, 1);
    check_ok("007", 0, 10, 7);
    check_ok("3600", 0, 3600, 3600);
}

static void test_negatives(void **state)
{
    (void)state;
    check_ok("-5", -10, 10, -5);
    check_ok("-10", -10, 10, -10);
    check_ok("-0", 0, 10, 0);
    check_err("-1", 0, 65535, "-1 is out of range 0-65535");
    check_err("-11", -10, 10, "-11 is out of range -10-10");
}

static void test_bounds(void **state)
{
    (void)state;
    check_err("65536", 0, 65535, "65536 is out of range 0-65535");
    check_err("0", 1, 16777216, "0 is out of range 1-16777216");
    check_err("16777217", 1, 16777216, "16777217 is out of range 1-16777216");
    check_ok("16777216", 1, 16777216, 16777216);
}

static void test_extremes(void **state)
{
    (void)state;
    check_ok("9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX);
    check_ok("-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN);
}

static void test_overflow(void **state)
{
    (void)state;
    /* strtoll saturates to LLONG_MAX with ERANGE: that must not pass as an in-range value. */
    check_err("9223372036854775808", LLONG_MIN, LLONG_MAX,
              "9223372036854775808 is out of range "
              "-9223372036854775808-9223372036854775807");
    check_err("-9223372036854775809", LLONG_MIN, LLONG_MAX,
              "-9223372036854775809 is out of range "
              "-9223372036854775808-9223372036854775807");
    check_err("99999999999999999999", 0, 65535, "99999999999999999999 is out of range 0-65535");
}

static void test_junk(void **state)
{
    (void)state;
    check_err("abc", 0, 65535, "'abc' is not a number");
    check_err("12abc", 0, 65535, "'12abc' is not a number");
    check_err("12 ", 0, 65535, "'12 ' is not a number");
    check_err(" 12", 0, 65535, "' 12' is not a number");
    check_err("\t12", 0, 65535, "'\t12' is not a number");
    check_err("+12", 0, 65535, "'+12' is not a number");
    check_err("0x10", 0, 65535, "'0x10' is not a number");
    check_err("1.5", 0, 65535, "'1.5' is not a number");
    check_err("1e3", 0, 65535, "'1e3' is not a number");
    check_err("-", 0, 65535, "'-' is not a number");
    check_err("--1", -10, 10, "'--1' is not a number");
    check_err("- 1", -10, 10, "'- 1' is not a number");
}

static void test_empty(void **state)
{
    (void)state;
    check_err("", 0, 65535, "'' is not a number");
}

static void test_long_text_truncated(void **state)
{
    char s[200];
    char want[128];

    (void)state;
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    /* The message quotes at most 40 characters of the value. */
    snprintf(want, sizeof(want), "'%.40s' is not a number", s);
    check_err(s, 0, 10, want);
    assert_int_equal(strlen(want), 40 + strlen("'' is not a number"));
}

/* Sizes: plain bytes, K and M; a string longer than any size is refused whole, never parsed
 * from a cut copy (the fuzzer found 33 digits read as their first 31). */
static void test_sizes(void **state)
{
    char many[40], err[128];
    long long v = SENTINEL;

    (void)state;
    assert_int_equal(num_parse_size("64", 1, 1 << 20, &v, err), 0);
    assert_true(v == 64);
    assert_int_equal(num_parse_size("4K", 1, 1 << 20, &v, err), 0);
    assert_true(v == 4096);
    assert_int_equal(num_parse_size("1M", 1, 1 << 20, &v, err), 0);
    assert_true(v == 1 << 20);
    assert_int_equal(num_parse_size("2M", 1, 1 << 20, &v, err), -1);
    assert_string_equal(err, "2M is out of range 1-1048576 bytes");
    memset(many, '0', 32);
    many[32] = '5';
    many[33] = '\0';
    v = SENTINEL;
    assert_int_equal(num_parse_size(many, 0, 1 << 20, &v, err), -1);
    assert_true(v == SENTINEL);
    assert_non_null(strstr(err, "is not a size"));
    many[31] = '\0'; /* 31 digits still fit */
    assert_int_equal(num_parse_size(many, 0, 1 << 20, &v, err), 0);
    assert_true(v == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_range), cmocka_unit_test(test_negatives),
        cmocka_unit_test(test_bounds),   cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_overflow), cmocka_unit_test(test_junk),
        cmocka_unit_test(test_empty),    cmocka_unit_test(test_long_text_truncated),
        cmocka_unit_test(test_sizes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
