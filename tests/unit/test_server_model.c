/* Unit tests for src/server/model.c: the table of every model, and what a model that cannot
 * run here says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/server/model.h"

/* The table: the six models of tcpecho in --help's order (a model added later may sit
 * anywhere), each well-formed and found by its name. */
static void test_table(void **state)
{
    static const char *const names[] = {"iterative", "fork", "thread", "poll", "epoll", "uring"};
    const struct model *const *m = model_all();
    size_t i = 0, seen = 0;

    (void)state;
    for (; m[i]; i++) {
        if (seen < sizeof(names) / sizeof(names[0]) && strcmp(m[i]->name, names[seen]) == 0)
            seen++;
        assert_non_null(m[i]->summary);
        assert_true(strlen(m[i]->summary) > 0);
        /* Built, a model runs; left out, it only says what it needs. */
        assert_true(m[i]->missing ? !m[i]->run && !m[i]->check : m[i]->run != NULL);
        assert_ptr_equal(model_find(m[i]->name), m[i]);
    }
    assert_int_equal(seen, sizeof(names) / sizeof(names[0]));
}

static void test_find_unknown(void **state)
{
    (void)state;
    assert_null(model_find("bogus"));
    assert_null(model_find(""));
    assert_null(model_find("Epoll"));
    assert_null(model_find("epoll "));
}

/* A model left out of the build: its check fails with what to install. */
static void test_not_built(void **state)
{
    static const struct model gone = MODEL_NOT_BUILT("gone", "libgone-dev");
    char why[MODEL_WHY_LEN] = "";

    (void)state;
    assert_string_equal(gone.name, "gone");
    assert_string_equal(gone.summary, "not built: needs libgone-dev");
    assert_int_equal(model_check(&gone, why, sizeof(why)), -1);
    assert_string_equal(why, "not built: install libgone-dev and rebuild");
    /* Cut to the room given, never past it. */
    memset(why, 'x', sizeof(why));
    assert_int_equal(model_check(&gone, why, 10), -1);
    assert_string_equal(why, "not built");
    assert_int_equal(why[10], 'x');
}

static int refuse(char *why, size_t len)
{
    snprintf(why, len, "the kernel lacks it");
    return -1;
}

static int accept_all(char *why, size_t len)
{
    (void)why;
    (void)len;
    return 0;
}

/* A built model: its own check decides, and none means it always runs. */
static void test_check(void **state)
{
    static const struct model none = {.name = "none"};
    static const struct model no = {.name = "no", .check = refuse};
    static const struct model yes = {.name = "yes", .check = accept_all};
    char why[MODEL_WHY_LEN] = "";

    (void)state;
    assert_int_equal(model_check(&none, why, sizeof(why)), 0);
    assert_int_equal(model_check(&yes, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    assert_int_equal(model_check(&no, why, sizeof(why)), -1);
    assert_string_equal(why, "the kernel lacks it");
}

/* The models this machine can run: iterative always can (plain blocking sockets). */
static void test_iterative_runs_here(void **state)
{
    char why[MODEL_WHY_LEN];

    (void)state;
    assert_int_equal(model_check(model_find("iterative"), why, sizeof(why)), 0);
    assert_int_equal(model_check(model_find("epoll"), why, sizeof(why)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_find_unknown),
        cmocka_unit_test(test_not_built),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_iterative_runs_here),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
