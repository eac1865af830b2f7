/* Unit tests for src/bench/setup.c and src/bench/rss.c, and the options they go with: source
 * addresses, descriptors, -T 0, the server's VmRSS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>

#include "../../src/bench/options.h"
#include "../../src/bench/rss.h"
#include "../../src/bench/setup.h"

/* Returns the address ip (v4 or v6) as a sockaddr_storage. */
static struct sockaddr_storage addr(const char *ip)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
        sin6->sin6_family = AF_INET6;
    }
    return ss;
}

/* Returns setup_sources() for ip, conns and asked; err gets the reason. */
static int sources(const char *ip, long conns, int asked, char *err)
{
    struct sockaddr_storage ss = addr(ip);

    err[0] = '\0';
    return setup_sources(&ss, conns, asked, err, BENCH_ERR_LEN);
}

/* By default one source address per 10,000 connections to loopback, else the kernel's. */
static void test_sources_automatic(void **state)
{
    char err[BENCH_ERR_LEN];

    (void)state;
    assert_int_equal(sources("127.0.0.1", 1, 0, err), 1);
    assert_int_equal(sources("127.0.0.1", 10000, 0, err), 1);
    assert_int_equal(sources("127.0.0.1", 10001, 0, err), 2);
    assert_int_equal(sources("127.0.0.1", 19000, 0, err), 2);
    assert_int_equal(sources("127.1.2.3", 100000, 0, err), 10);
    assert_int_equal(sources("10.0.0.1", 100000, 0, err), 1);
    assert_int_equal(sources("::1", 100000, 0, err), 1);
}

/* --sources as asked, but more than one only towards IPv4 loopback. */
static void test_sources_asked(void **state)
{
    char err[BENCH_ERR_LEN];

    (void)state;
    assert_int_equal(sources("127.0.0.1", 10, 4, err), 4);
    assert_int_equal(sources("127.0.0.1", 100000, 1, err), 1);
    assert_int_equal(sources("192.0.2.1", 10, 1, err), 1);
    assert_int_equal(sources("::1", 10, 1, err), 1);
    assert_int_equal(sources("192.0.2.1", 10, 4, err), -1);
    assert_string_equal(err, "--sources 4: only for a server on IPv4 loopback (127.0.0.0/8), not "
                             "192.0.2.1");
    assert_int_equal(sources("::1", 10, 2, err), -1);
    assert_string_equal(err,
                        "--sources 2: only for a server on IPv4 loopback (127.0.0.0/8), not ::1");
}

static void test_fds_needed(void **state)
{
    (void)state;
    assert_int_equal(setup_fds_needed(100000, 1), 100016);
    assert_int_equal(setup_fds_needed(100, 4), 119); /* one epoll per thread */
}

/* Parses argv (NULL-terminated, without the program name); returns the outcome. */
static enum cli_result parse(const char **args, struct bench_config *cfg, char *err)
{
    char *argv[16] = {"echo-bench"};
    int n = 1;

    for (; *args; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    return bench_options_parse(n, argv, cfg, err);
}

/* -T 0: one load thread per CPU of the affinity mask, never more than connections. */
static void test_threads_per_cpu(void **state)
{
    const char *many[] = {"-T", "0", "-c", "1000", "127.0.0.1", "7", NULL};
    const char *one[] = {"-T", "0", "-c", "1", "127.0.0.1", "7", NULL};
    struct bench_config cfg;
    char err[BENCH_ERR_LEN];
    cpu_set_t set;

    (void)state;
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    assert_int_equal(parse(many, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.threads, CPU_COUNT(&set) < 256 ? CPU_COUNT(&set) : 256);
    assert_int_equal(parse(one, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.threads, 1);
}

static void test_sources_option(void **state)
{
    const char *four[] = {"--sources", "4", "127.0.0.1", "7", NULL};
    const char *none[] = {"127.0.0.1", "7", NULL};
    const char *zero[] = {"--sources", "0", "127.0.0.1", "7", NULL};
    const char *big[] = {"--sources", "255", "127.0.0.1", "7", NULL};
    struct bench_config cfg;
    char err[BENCH_ERR_LEN];

    (void)state;
    assert_int_equal(parse(four, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.sources, 4);
    assert_int_equal(parse(none, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.sources, 0); /* main() chooses, once the address is known */
    assert_int_equal(parse(zero, &cfg, err), CLI_USAGE);
    assert_string_equal(err, "--sources: 0 is out of range 1-254");
    assert_int_equal(parse(big, &cfg, err), CLI_USAGE);
}

/* VmRSS wherever it is in /proc/PID/status; nothing when it is not there (a kernel thread). */
static void test_rss_parse(void **state)
{
    long kib = -1;

    (void)state;
    assert_int_equal(rss_parse("Name:\techo-server\nVmPeak:\t  9000 kB\nVmRSS:\t    2412 kB\n"
                               "RssAnon:\t 300 kB\n",
                               &kib),
                     0);
    assert_int_equal(kib, 2412);
    assert_int_equal(rss_parse("VmRSS:\t7 kB\n", &kib), 0);
    assert_int_equal(kib, 7);
    assert_int_equal(rss_parse("Name:\tkthreadd\nState:\tS (sleeping)\n", &kib), -1);
    assert_int_equal(rss_parse("Name:\tx\nVmRSS:\t kB\n", &kib), -1);
    assert_int_equal(rss_read(0x3fffffff, &kib), -1); /* no such process */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources_automatic), cmocka_unit_test(test_sources_asked),
        cmocka_unit_test(test_fds_needed),        cmocka_unit_test(test_threads_per_cpu),
        cmocka_unit_test(test_sources_option),    cmocka_unit_test(test_rss_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
