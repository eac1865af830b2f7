/* Unit tests for the chores every model shares: the accept pause after EMFILE (server.c), and
 * evloop.c's batch accept, sleep bound and idle-scan tick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/log.h"
#include "../../src/server/evloop.h"

/* A transient error is about one connection: no pause, nothing logged. EMFILE pauses for
 * SERVER_PAUSE_MS, and the pause ends once, when its time is over. */
static void test_pause_cycle(void **state)
{
    struct server_pause p = {0};

    (void)state;
    assert_int_equal(server_pause_on_error(&p, ECONNABORTED, 1000), 0);
    assert_int_equal(server_pause_on_error(&p, EAGAIN, 1000), 0);
    assert_false(server_pause_active(&p, 1000));
    assert_int_equal(server_pause_on_error(&p, EMFILE, 1000), 1);
    assert_true(server_pause_active(&p, 1000));
    assert_true(server_pause_active(&p, 1000 + SERVER_PAUSE_MS - 1));
    assert_false(server_pause_over(&p, 1000 + SERVER_PAUSE_MS - 1));
    assert_true(server_pause_over(&p, 1000 + SERVER_PAUSE_MS));
    assert_false(server_pause_over(&p, 1000 + SERVER_PAUSE_MS)); /* once */
    assert_false(server_pause_active(&p, 1000 + SERVER_PAUSE_MS));
}

/* Logged once per episode; a successful accept ends the episode. A closed connection ends the
 * pause at once: with few descriptors, a pause per freed one made recovery crawl. */
static void test_pause_episode(void **state)
{
    struct server_pause p = {0};

    (void)state;
    server_pause_on_error(&p, EMFILE, 0);
    server_pause_on_error(&p, ENFILE, 50);
    assert_int_equal(p.complained, 2);
    assert_true(server_pause_active(&p, 100));
    server_pause_release(&p, 120);
    assert_false(server_pause_active(&p, 120));
    assert_true(server_pause_over(&p, 120));
    server_pause_clear(&p);
    assert_int_equal(p.complained, 0);
    server_pause_release(&p, 130); /* not paused: stays so */
    assert_int_equal(p.until_ms, 0);
}

static struct server_config cfg;
static struct server srv = {.cfg = &cfg, .max_conns = 100};

/* The sleep bound: forever is never more than SERVER_MAX_WAIT_MS; a pause wakes at its end;
 * --idle-timeout wakes for the scan each second. */
static void test_wait_ms(void **state)
{
    struct server_pause p = {0};

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(evloop_wait_ms(&srv, &p, 0, 0), SERVER_MAX_WAIT_MS);
    server_pause_on_error(&p, EMFILE, 500);
    assert_int_equal(evloop_wait_ms(&srv, &p, 0, 530), SERVER_PAUSE_MS - 30);
    assert_int_equal(evloop_wait_ms(&srv, &p, 0, 900), 0);
    server_pause_clear(&p);
    cfg.idle_timeout = 5;
    assert_int_equal(evloop_wait_ms(&srv, &p, 0, 0), EVLOOP_SCAN_MS);
}

static void test_idle_scan_due(void **state)
{
    long long next = 0;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_false(evloop_idle_scan_due(&srv, &next, 5000)); /* no --idle-timeout: never */
    cfg.idle_timeout = 1;
    assert_true(evloop_idle_scan_due(&srv, &next, 5000));
    assert_int_equal(next, 5000 + EVLOOP_SCAN_MS);
    assert_false(evloop_idle_scan_due(&srv, &next, 5999));
    assert_true(evloop_idle_scan_due(&srv, &next, 6000));
}

static int added[8], nadded;

static void add(void *arg, int fd)
{
    (void)arg;
    added[nadded++] = fd;
}

/* Three clients wait: all three are accepted non-blocking and handed over; past --max-conns the
 * rest are closed, and an empty backlog is no pause. */
static void test_accept_batch(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    struct server_pause p = {0};
    int cli[3];

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(server_stats_init(&srv), 0);
    srv.max_conns = 2;
    srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(srv.listen_fd >= 0);
    assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv.listen_fd, 8), 0);
    assert_int_equal(getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen), 0);
    for (int i = 0; i < 3; i++) {
        cli[i] = socket(AF_INET, SOCK_STREAM, 0);
        assert_int_equal(connect(cli[i], (struct sockaddr *)&a, sizeof(a)), 0);
    }
    assert_int_equal(evloop_accept(&srv, &p, 0, add, NULL), 0);
    assert_int_equal(nadded, 2);
    assert_int_equal(atomic_load(&srv.stats->active), 2);
    assert_int_equal(atomic_load(&srv.stats->rejected), 1);
    assert_false(server_pause_active(&p, 0));
    for (int i = 0; i < nadded; i++)
        close(added[i]);
    for (int i = 0; i < 3; i++)
        close(cli[i]);
    close(srv.listen_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pause_cycle),  cmocka_unit_test(test_pause_episode),
        cmocka_unit_test(test_wait_ms),      cmocka_unit_test(test_idle_scan_due),
        cmocka_unit_test(test_accept_batch),
    };

    log_init("test", LOG_QUIET);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
