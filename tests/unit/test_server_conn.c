/* Unit tests for src/server/conn.c: one non-blocking connection of the event loops, driven over
 * a socketpair — exact echo, backpressure and its release, a session's own end, half-close,
 * the drain, idle expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/log.h"
#include "../../src/server/conn.h"

static char buf[64 * 1024];
static struct server_config cfg;
static struct server srv = {.cfg = &cfg, .listen_fd = -1, .max_conns = 10};

/* The pair: sv[0] is the server's end (non-blocking), sv[1] the client's. */
struct pair {
    int sv[2];
    struct conn c;
};

static int setup(void **state)
{
    struct pair *p = calloc(1, sizeof(*p));

    memset(&cfg, 0, sizeof(cfg));
    cfg.max_pending = 256 * 1024;
    cfg.service.kind = SERVICE_ECHO;
    cfg.service.max_line = SERVICE_MAX_LINE_DEFAULT;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->sv), 0);
    assert_int_equal(fcntl(p->sv[0], F_SETFL, O_NONBLOCK), 0);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;

    if (p->sv[1] >= 0)
        close(p->sv[1]);
    free(p);
    return 0;
}

/* Reads exactly n bytes from fd within a bound. */
static void read_exact(int fd, char *out, size_t n)
{
    size_t got = 0;
    ssize_t r;

    while (got < n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&pf, 1, 2000), 1);
        r = read(fd, out + got, n - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
}

/* Is fd at end of file (within a bound)? */
static int at_eof(int fd)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    char c;

    return poll(&pf, 1, 2000) == 1 && read(fd, &c, 1) == 0;
}

static void test_echo_exact(void **state)
{
    struct pair *p = *state;
    char in[256], out[256];

    for (int i = 0; i < 256; i++)
        in[i] = (char)i;
    assert_int_equal(conn_open(&p->c, &srv, p->sv[0], 0), CONN_WANT_READ);
    assert_int_equal(write(p->sv[1], in, sizeof(in)), (ssize_t)sizeof(in));
    assert_int_equal(conn_process(&p->c, &srv, buf, sizeof(buf), 5), CONN_WANT_READ);
    read_exact(p->sv[1], out, sizeof(out));
    assert_memory_equal(in, out, sizeof(in));
    assert_int_equal(p->c.in, 256);
    assert_int_equal(p->c.out, 256);
    assert_int_equal(p->c.last_ms, 5); /* bytes moved: the idle clock restarts */
    conn_close(&p->c, &srv, buf, sizeof(buf));
    assert_true(at_eof(p->sv[1]));
}

/* A client that sends and never reads: once max_pending bytes wait unsent, the connection wants
 * only to write (reading pauses); once the client reads, it reads again, and every byte comes
 * back in order. */
static void test_backpressure(void **state)
{
    struct pair *p = *state;
    static char chunk[16 * 1024], back[16 * 1024];
    size_t sent = 0, recvd = 0;
    int want = 0, paused = 0;

    cfg.max_pending = 64 * 1024;
    assert_int_equal(fcntl(p->sv[1], F_SETFL, O_NONBLOCK), 0);
    conn_open(&p->c, &srv, p->sv[0], 0);
    for (int round = 0; round < 1000 && !paused; round++) {
        for (size_t i = 0; i < sizeof(chunk); i++)
            chunk[i] = (char)((sent + i) * 7);
        ssize_t n = write(p->sv[1], chunk, sizeof(chunk));
        if (n > 0)
            sent += (size_t)n;
        want = conn_process(&p->c, &srv, buf, sizeof(buf), 0);
        paused = want == CONN_WANT_WRITE;
    }
    assert_true(paused);
    assert_true(p->c.in - p->c.out <= cfg.max_pending + sizeof(buf));
    /* The client reads; the server catches up and reads on. */
    for (int round = 0; round < 10000 && recvd < sent; round++) {
        ssize_t n = read(p->sv[1], back, sizeof(back));
        for (ssize_t i = 0; i < n; i++)
            assert_int_equal(back[i], (char)((recvd + (size_t)i) * 7));
        if (n > 0)
            recvd += (size_t)n;
        want = conn_process(&p->c, &srv, buf, sizeof(buf), 0);
        if (n <= 0)
            poll(NULL, 0, 1);
    }
    assert_int_equal(recvd, sent);
    assert_int_equal(want, CONN_WANT_READ);
    conn_close(&p->c, &srv, buf, sizeof(buf));
}

/* The line service's "quit" ends the session: what came before it is answered, then close. */
static void test_session_end(void **state)
{
    struct pair *p = *state;
    char out[4];

    cfg.service.kind = SERVICE_LINE;
    conn_open(&p->c, &srv, p->sv[0], 0);
    assert_int_equal(write(p->sv[1], "abc\nquit\nnever\n", 15), 15);
    assert_int_equal(conn_process(&p->c, &srv, buf, sizeof(buf), 0), CONN_CLOSE);
    assert_string_equal(p->c.note, "client said quit");
    read_exact(p->sv[1], out, 4);
    assert_memory_equal(out, "abc\n", 4);
    conn_close(&p->c, &srv, buf, sizeof(buf));
    assert_true(at_eof(p->sv[1]));
}

/* The client half-closes: the rest is answered, then the connection is over. */
static void test_half_close(void **state)
{
    struct pair *p = *state;
    char out[3];

    conn_open(&p->c, &srv, p->sv[0], 0);
    assert_int_equal(write(p->sv[1], "xyz", 3), 3);
    assert_int_equal(shutdown(p->sv[1], SHUT_WR), 0);
    /* A short read is taken as "the socket is empty": the end of file is seen on the next
     * readiness, or at once when the loop knows a FIN waits (epoll's EPOLLRDHUP). */
    assert_int_equal(conn_process(&p->c, &srv, buf, sizeof(buf), 0), CONN_WANT_READ);
    assert_int_equal(conn_process(&p->c, &srv, buf, sizeof(buf), 0), CONN_CLOSE);
    read_exact(p->sv[1], out, 3);
    assert_memory_equal(out, "xyz", 3);
    conn_close(&p->c, &srv, buf, sizeof(buf));
    assert_null(p->c.note); /* an ordinary end */
    assert_true(at_eof(p->sv[1]));
}

/* The loop saw the FIN with the data (peer_fin): one call answers and ends it. */
static void test_half_close_known(void **state)
{
    struct pair *p = *state;
    char out[3];

    conn_open(&p->c, &srv, p->sv[0], 0);
    assert_int_equal(write(p->sv[1], "xyz", 3), 3);
    assert_int_equal(shutdown(p->sv[1], SHUT_WR), 0);
    p->c.peer_fin = 1;
    assert_int_equal(conn_process(&p->c, &srv, buf, sizeof(buf), 0), CONN_CLOSE);
    read_exact(p->sv[1], out, 3);
    assert_memory_equal(out, "xyz", 3);
    conn_close(&p->c, &srv, buf, sizeof(buf));
}

/* A stop: what the client already sent is echoed, then the connection closes with the note. */
static void test_drain(void **state)
{
    struct pair *p = *state;
    char out[2];

    conn_open(&p->c, &srv, p->sv[0], 0);
    assert_int_equal(write(p->sv[1], "hi", 2), 2);
    assert_int_equal(conn_drain(&p->c, &srv, buf, sizeof(buf), 0), CONN_CLOSE);
    read_exact(p->sv[1], out, 2);
    assert_memory_equal(out, "hi", 2);
    conn_close(&p->c, &srv, buf, sizeof(buf));
    assert_string_equal(p->c.note, "server shutting down");
}

static void test_idle(void **state)
{
    struct pair *p = *state;

    conn_open(&p->c, &srv, p->sv[0], 1000);
    assert_false(conn_idle_expired(&p->c, &srv, 1000 + 3600 * 1000)); /* no --idle-timeout */
    cfg.idle_timeout = 2;
    assert_false(conn_idle_expired(&p->c, &srv, 2999));
    assert_null(p->c.note);
    assert_true(conn_idle_expired(&p->c, &srv, 3000));
    assert_string_equal(p->c.note, "idle timeout");
    conn_close(&p->c, &srv, buf, sizeof(buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_close_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
    };

    log_init("test", LOG_QUIET);
    if (server_stats_init(&srv) < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
