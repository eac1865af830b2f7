/*
 * test_concurrency: the concurrent models (TCPECHO_MODEL: fork, thread, poll, epoll, uring)
 * under load — many clients at once, a client that never reads, idle timeouts, --max-conns,
 * a low descriptor limit, SIGTERM mid-stream, half-close, --stats. Tests that need clients
 * served at the same time skip for the iterative model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KIB 1024
#define MIB (1024 * 1024)

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    poll(NULL, 0, ms);
}

/* Returns 1 when the model under test serves clients at the same time (not iterative). */
static int model_is_concurrent(void)
{
    const char *m = getenv("TCPECHO_MODEL");

    return m && *m && strcmp(m, "iterative") != 0;
}

/* Skips the calling test unless the model is concurrent. */
static void need_concurrency(void)
{
    if (!model_is_concurrent())
        skip();
}

/* Starts a server with args (NULL-terminated list) and fails the test if it does not come up. */
static void start(struct server *s, const char *const *args)
{
    assert_int_equal(server_start(s, args), 0);
}

/* Stops the server and asserts it exited 0. */
static void stop_clean(struct server *s)
{
    assert_int_equal(server_stop(s), 0);
}

/* Sends text and asserts that exactly the same comes back. */
static void expect_echo(int fd, const char *text)
{
    char buf[256] = {0};
    size_t n = strlen(text);

    assert_int_equal(send_all(fd, text, n), 0);
    assert_int_equal(recv_exact(fd, buf, n), n);
    assert_memory_equal(buf, text, n);
}

/* Connects a fresh client, echoes 64 KiB of random bytes through it, and asserts they are
 * exact. */
static void expect_fresh_client_served(const struct server *s)
{
    size_t len = 64 * KIB;
    char *data = malloc(len), *back = malloc(len + 1);
    int fd = tcp_connect(s->port);

    assert_true(fd >= 0);
    fill_random(data, len, 4242);
    assert_int_equal(echo_stream(fd, data, len, back, len + 1), len);
    assert_memory_equal(back, data, len);
    close(fd);
    free(data);
    free(back);
}

/* Returns how many times needle occurs in the server's log so far. */
static int log_count(const struct server *s, const char *needle)
{
    char *log = server_log(s), *p = log;
    int n = 0;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    free(log);
    return n;
}

/* Waits until needle occurs at least n times in the log. Returns 1 if it did in time. */
static int log_wait_count(const struct server *s, const char *needle, int n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;

    while (log_count(s, needle) < n) {
        if (now_ms() >= deadline)
            return 0;
        sleep_ms(10);
    }
    return 1;
}

/* Starts a non-blocking connect to 127.0.0.1:port. Returns the fd (connected or connecting),
 * or -1. */
static int connect_nonblocking(int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Returns the resident memory of the server: its process and, for fork, every child, in KiB.
 * *largest gets the largest single process. */
static long server_rss_kib(const struct server *s, long *largest)
{
    pid_t pids[1024];
    int n = proc_tree(s->pid, pids, 1024);
    long sum = 0;

    *largest = 0;
    for (int i = 0; i < n; i++) {
        long kib = proc_rss_kib(pids[i]);
        if (kib > 0)
            sum += kib;
        if (kib > *largest)
            *largest = kib;
    }
    return sum;
}

/* Returns the CPU time used so far by the server's process and every live child, in ms. */
static long long server_cpu_ms(const struct server *s)
{
    pid_t pids[1024];
    int n = proc_tree(s->pid, pids, 1024);
    long long sum = 0;

    for (int i = 0; i < n; i++) {
        long long ms = proc_cpu_ms(pids[i]);
        if (ms > 0)
            sum += ms;
    }
    return sum;
}

/* One client in a thread: sends len random bytes (seed), half-closes, reads the echo to end
 * of stream (echo_stream). */
struct echo_job {
    int port;
    unsigned seed;
    size_t len;
    ssize_t got; /* what echo_stream returned */
    int exact;   /* the echo matched, byte for byte */
    atomic_int done;
    pthread_t thread;
};

static void *echo_job_run(void *arg)
{
    struct echo_job *j = arg;
    char *data = malloc(j->len), *back = malloc(j->len + 1);
    int fd = tcp_connect(j->port);

    j->got = -1;
    if (fd >= 0 && data && back) {
        fill_random(data, j->len, j->seed);
        j->got = echo_stream(fd, data, j->len, back, j->len + 1);
        j->exact = j->got == (ssize_t)j->len && memcmp(data, back, j->len) == 0;
    }
    if (fd >= 0)
        close(fd);
    free(data);
    free(back);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Starts n echo jobs of len bytes each, seeds from seed0 on. */
static void echo_jobs_start(struct echo_job *jobs, int n, int port, size_t len, unsigned seed0)
{
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct echo_job){.port = port, .seed = seed0 + (unsigned)i, .len = len};
        atomic_init(&jobs[i].done, 0);
        assert_int_equal(pthread_create(&jobs[i].thread, NULL, echo_job_run, &jobs[i]), 0);
    }
}

/* Returns 1 when every job has finished. */
static int echo_jobs_done(struct echo_job *jobs, int n)
{
    for (int i = 0; i < n; i++)
        if (!atomic_load(&jobs[i].done))
            return 0;
    return 1;
}

/* Joins n jobs and asserts each one got its exact echo. */
static void echo_jobs_check(struct echo_job *jobs, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(jobs[i].thread, NULL);
    for (int i = 0; i < n; i++) {
        if (!jobs[i].exact)
            fail_msg("client %d: echo_stream returned %zd of %zu bytes, exact %d", i, jobs[i].got,
                     jobs[i].len, jobs[i].exact);
    }
}

/* 200 clients at once, from one poll loop */

#define MANY_CLIENTS 200
#define MANY_LEN     (64 * KIB)

struct peer {
    int fd;
    size_t sent, got;
    unsigned char *data, *back;
    const char *error; /* why it failed, or NULL */
};

/* Sends what the socket takes of p's data. */
static void peer_send(struct peer *p)
{
    ssize_t n = send(p->fd, p->data + p->sent, MANY_LEN - p->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n > 0)
        p->sent += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        p->error = strerror(errno);
}

/* Receives what has come back; an early end of stream is a failure. */
static void peer_recv(struct peer *p)
{
    ssize_t n = recv(p->fd, p->back + p->got, MANY_LEN - p->got, MSG_DONTWAIT);

    if (n > 0)
        p->got += (size_t)n;
    else if (n == 0)
        p->error = "end of stream before the whole echo";
    else if (errno != EAGAIN && errno != EINTR)
        p->error = strerror(errno);
}

/* Pumps every peer until each has its whole echo, one fails, or the deadline. Returns the
 * number of peers finished. */
static int peers_pump(struct peer *peers, int n, long long deadline)
{
    struct pollfd pfds[MANY_CLIENTS];
    int finished = 0;

    while (finished < n && now_ms() < deadline) {
        for (int i = 0; i < n; i++) {
            int live = !peers[i].error && peers[i].got < MANY_LEN;
            pfds[i].fd = live ? peers[i].fd : -1;
            pfds[i].events = (short)(POLLIN | (peers[i].sent < MANY_LEN ? POLLOUT : 0));
            pfds[i].revents = 0;
        }
        if (poll(pfds, (nfds_t)n, 1000) < 0 && errno != EINTR)
            break;
        finished = 0;
        for (int i = 0; i < n; i++) {
            if (pfds[i].revents & POLLOUT)
                peer_send(&peers[i]);
            if (!peers[i].error && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                peer_recv(&peers[i]);
            if (peers[i].error)
                fail_msg("client %d: %s (%zu sent, %zu echoed)", i, peers[i].error, peers[i].sent,
                         peers[i].got);
            finished += peers[i].got == MANY_LEN;
        }
    }
    return finished;
}

/* Every client connects before any sends: all 200 are in the server at once, each with its own
 * 64 KiB of random bytes, and every echo is exact. */
static void test_two_hundred_clients_at_once(void **state)
{
    struct server *s = *state;
    static struct peer peers[MANY_CLIENTS];
    long long start_ms;
    int finished;

    need_concurrency();
    start(s, NULL);
    for (int i = 0; i < MANY_CLIENTS; i++) {
        peers[i] = (struct peer){.data = malloc(MANY_LEN), .back = malloc(MANY_LEN)};
        assert_non_null(peers[i].data);
        assert_non_null(peers[i].back);
        fill_random(peers[i].data, MANY_LEN, 1000u + (unsigned)i);
        peers[i].fd = connect_nonblocking(s->port);
        assert_true(peers[i].fd >= 0);
    }
    /* All accepted before any byte moves: the server holds 200 clients at once. */
    assert_true(server_log_wait(s, "connected client 200 ", HARNESS_WAIT_MS));
    start_ms = now_ms();
    finished = peers_pump(peers, MANY_CLIENTS, start_ms + 60000);
    print_message("%d clients x %d KiB echoed in %lld ms\n", finished, MANY_LEN / KIB,
                  now_ms() - start_ms);
    assert_int_equal(finished, MANY_CLIENTS);
    for (int i = 0; i < MANY_CLIENTS; i++) {
        assert_memory_equal(peers[i].back, peers[i].data, MANY_LEN);
        close(peers[i].fd);
        free(peers[i].data);
        free(peers[i].back);
    }
    assert_true(
        log_wait_count(s, "(65536 bytes in, 65536 bytes out)", MANY_CLIENTS, HARNESS_WAIT_MS));
    stop_clean(s);
}

/* A client that sends and never reads */

#define STUCK_TOTAL   (64 * MIB)
#define STUCK_STALL   1500       /* ms without progress: the server has stopped reading it */
#define RSS_LIMIT_KIB (64 * KIB) /* 64 MiB */
/* --max-pending's default: poll and epoll never read past it (whatever their buffer's size);
 * the others may hold one more read (64 KiB), the uring model because its multishot receive
 * may deliver a buffer before its cancel lands. */
#define PENDING_DEFAULT (256 * KIB)
#define READ_SLACK      (64 * KIB)

/* Returns the most a model may hold of an echo its client never reads. */
static long long unechoed_max(void)
{
    const char *m = getenv("TCPECHO_MODEL");

    if (m && (strcmp(m, "poll") == 0 || strcmp(m, "epoll") == 0))
        return PENDING_DEFAULT;
    return PENDING_DEFAULT + READ_SLACK;
}

/* Pushes up to STUCK_TOTAL bytes into fd without blocking until the sends have stalled for
 * STUCK_STALL ms and the jobs are done, sampling the server's memory all along. Returns the
 * bytes pushed; *peak and *peak_one get the largest total and single-process RSS seen. */
static size_t push_stuck(const struct server *s, int fd, struct echo_job *jobs, int njobs,
                         long *peak, long *peak_one)
{
    static char junk[64 * KIB];
    long long deadline = now_ms() + 30000, last_progress = now_ms();
    size_t pushed = 0;
    long one;

    memset(junk, 'z', sizeof(junk));
    *peak = *peak_one = 0;
    while (now_ms() < deadline) {
        long rss = server_rss_kib(s, &one);
        ssize_t n;

        *peak = rss > *peak ? rss : *peak;
        *peak_one = one > *peak_one ? one : *peak_one;
        n = pushed < STUCK_TOTAL ? send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) : 0;
        if (n > 0) {
            pushed += (size_t)n;
            last_progress = now_ms();
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            break; /* the server closed it: the caller's checks will tell */
        if (now_ms() - last_progress >= STUCK_STALL && echo_jobs_done(jobs, njobs))
            break;
        sleep_ms(10);
    }
    return pushed;
}

/* Returns what client id left unechoed: bytes in less bytes out of its "disconnected" line, or
 * -1 when there is none. */
static long long client_unechoed(const struct server *s, unsigned id)
{
    char *log = server_log(s), needle[64], *p;
    unsigned long long in = 0, out = 0;
    int ok;

    snprintf(needle, sizeof(needle), "client %u disconnected", id);
    p = strstr(log, needle);
    p = p ? strchr(p, '(') : NULL;
    ok = p && sscanf(p, "(%llu bytes in, %llu bytes out)", &in, &out) == 2;
    free(log);
    return ok ? (long long)(in - out) : -1;
}

/* Backpressure: a client pushing 64 MiB without reading its echo must cost the server at most
 * --max-pending (default 256 KiB) plus socket buffers, not 64 MiB of memory, and must not
 * hold up ten other clients; once it leaves, a new client is served. */
static void test_stuck_client_memory_bounded(void **state)
{
    struct server *s = *state;
    struct echo_job jobs[10];
    long base_one, base, peak, peak_one;
    long long unechoed;
    size_t pushed;
    int stuck;

    need_concurrency();
    start(s, NULL);
    base = server_rss_kib(s, &base_one);
    stuck = tcp_connect(s->port);
    assert_true(stuck >= 0);
    assert_true(server_log_wait(s, "connected client 1 ", HARNESS_WAIT_MS)); /* it is client 1 */
    echo_jobs_start(jobs, 10, s->port, MIB, 500);
    pushed = push_stuck(s, stuck, jobs, 10, &peak, &peak_one);
    echo_jobs_check(jobs, 10);
    print_message(
        "server RSS: %ld KiB at start, peak %ld KiB over all its processes, %ld KiB in one; "
        "the stuck client pushed %zu KiB of %d\n",
        base, peak, peak_one, pushed / KIB, STUCK_TOTAL / KIB);
    assert_true(server_alive(s));
    assert_true(pushed >= 4 * MIB); /* it really pressed on the server */
    /* A server that reads everything lets all 64 MiB in; its RSS then peaks near 63 MiB, as the
     * socket buffers hold some of it: this is the sharper check of the two. */
    assert_true(pushed < STUCK_TOTAL);
    /* Per process: fork's children each count the pages they share with the parent. */
    assert_true(peak_one > 0);
    assert_true(peak_one < RSS_LIMIT_KIB);
    close(stuck);
    assert_true(server_log_wait(s, "client 1 disconnected", HARNESS_WAIT_MS));
    unechoed = client_unechoed(s, 1);
    print_message("the server held %lld KiB of the stuck client's echo\n", unechoed / KIB);
    assert_true(unechoed >= 0);
    assert_true(unechoed <= unechoed_max());
    expect_fresh_client_served(s);
    stop_clean(s);
}

/* --idle-timeout */

/* With --idle-timeout 1, a silent client is closed after about a second ("idle timeout" in the
 * log) while one that talks every 300 ms stays served. */
static void test_idle_timeout_closes_only_silent_client(void **state)
{
    const char *const args[] = {"--idle-timeout", "1", NULL};
    struct server *s = *state;
    long long t0, closed_at = -1;
    char buf[16], msg[16];
    int idle, talker;

    need_concurrency();
    start(s, args);
    idle = tcp_connect(s->port);
    assert_true(idle >= 0);
    assert_true(server_log_wait(s, "connected client 1 ", HARNESS_WAIT_MS));
    t0 = now_ms();
    talker = tcp_connect(s->port);
    assert_true(talker >= 0);
    for (int i = 0; now_ms() - t0 < 2500; i++) {
        snprintf(msg, sizeof(msg), "ping %d", i);
        expect_echo(talker, msg);
        if (closed_at < 0 && readable_within(idle, 0)) {
            assert_int_equal(recv(idle, buf, sizeof(buf), 0), 0);
            closed_at = now_ms() - t0;
        }
        sleep_ms(300);
    }
    if (closed_at < 0 && readable_within(idle, (int)(t0 + 3000 - now_ms()))) {
        assert_int_equal(recv(idle, buf, sizeof(buf), 0), 0);
        closed_at = now_ms() - t0;
    }
    print_message("idle client closed after %lld ms\n", closed_at);
    assert_true(closed_at >= 500);  /* not at once */
    assert_true(closed_at <= 3000); /* but within ~3 s */
    expect_echo(talker, "still here");
    assert_true(server_log_wait(s, "client 1 disconnected: idle timeout", HARNESS_WAIT_MS));
    assert_int_equal(log_count(s, "client 2 disconnected"), 0);
    close(idle);
    close(talker);
    stop_clean(s);
}

/* --max-conns */

/* Asserts the server closes fd at once without echoing what was sent. */
static void expect_rejected(int fd)
{
    char buf[64];
    ssize_t n;

    send(fd, "reject me", 9, MSG_NOSIGNAL); /* may fail already: the server may have closed */
    assert_true(readable_within(fd, 1000));
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0)
        assert_int_equal(errno, ECONNRESET);
    else
        assert_int_equal(n, 0);
}

/* Reads the last "stats:" line's counters. Returns 1 when there is one. */
static int last_stats(const struct server *s, long long *active, unsigned long long *total,
                      unsigned long long *rejected)
{
    char *log = server_log(s), *p, *last = NULL;
    int ok;

    for (p = log; (p = strstr(p, "stats: ")) != NULL; p++)
        last = p;
    ok = last && sscanf(last, "stats: %lld active, %llu total, %llu rejected", active, total,
                        rejected) == 3;
    free(log);
    return ok;
}

/* With --max-conns 2 a third client is closed at once; a slot freed is a slot for the next;
 * SIGUSR1 logs the rejection. */
static void test_max_conns_rejects_extra_client(void **state)
{
    const char *const args[] = {"--max-conns", "2", NULL};
    struct server *s = *state;
    unsigned long long total, rejected;
    long long active;
    int a, b, c, d;

    need_concurrency();
    start(s, args);
    a = tcp_connect(s->port);
    assert_true(a >= 0);
    expect_echo(a, "a");
    b = tcp_connect(s->port);
    assert_true(b >= 0);
    expect_echo(b, "b");
    c = tcp_connect(s->port);
    assert_true(c >= 0);
    expect_rejected(c);
    close(c);
    expect_echo(a, "a again");
    expect_echo(b, "b again");
    close(a);
    assert_true(server_log_wait(s, "client 1 disconnected", HARNESS_WAIT_MS));
    d = tcp_connect(s->port);
    assert_true(d >= 0);
    assert_true(readable_within(d, 0) == 0);
    expect_echo(d, "d, in the freed slot");
    kill(s->pid, SIGUSR1);
    assert_true(server_log_wait(s, "stats: ", HARNESS_WAIT_MS));
    assert_true(last_stats(s, &active, &total, &rejected));
    print_message("stats: %lld active, %llu total, %llu rejected\n", active, total, rejected);
    assert_true(rejected >= 1);
    assert_int_equal(active, 2);
    assert_int_equal(total, 3);
    close(b);
    close(d);
    stop_clean(s);
}

/* Descriptor exhaustion */

#define FD_CLIENTS 100

/* Starts the server with its descriptor limit, soft and hard (echo-server raises the soft one
 * to the hard one), at limit: through prlimit(1), or sh's ulimit where there is none. */
static void start_fd_limited(struct server *s, int limit)
{
    static char nofile[32], script[64], want[32];
    const char *const with_prlimit[] = {"/usr/bin/prlimit", nofile, NULL};
    const char *const with_sh[] = {"/bin/sh", "-c", script, NULL};
    char path[64], line[256];
    int found = 0;
    FILE *f;

    snprintf(nofile, sizeof(nofile), "--nofile=%d:%d", limit, limit);
    snprintf(script, sizeof(script), "ulimit -n %d && exec \"$0\" \"$@\"", limit);
    assert_int_equal(
        server_start_wrapped(s, access(with_prlimit[0], X_OK) == 0 ? with_prlimit : with_sh, NULL),
        0);
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)s->pid);
    snprintf(want, sizeof(want), " %d ", limit);
    f = fopen(path, "re");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "Max open files", 14) == 0)
            found = strstr(line, want) != NULL;
    fclose(f);
    assert_true(found); /* the limit is really in force, or the test proves nothing */
}

/* Asks for stats (SIGUSR1) until they show no client active and n accepted or rejected in all.
 * Returns 1 when they did within timeout_ms. */
static int wait_all_gone(const struct server *s, unsigned long long n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms, active = -1;
    unsigned long long total = 0, rejected = 0;

    while (now_ms() < deadline) {
        int before = log_count(s, "stats: ");

        kill(s->pid, SIGUSR1);
        if (log_wait_count(s, "stats: ", before + 1, 1000) &&
            last_stats(s, &active, &total, &rejected) && active == 0 && total + rejected == n)
            return 1;
        sleep_ms(50);
    }
    print_message("stats: %lld active, %llu total, %llu rejected\n", active, total, rejected);
    return 0;
}

/* Under a limit of limit descriptors, 100 clients at once: the server stays up, does not spin
 * (on EMFILE or on rejecting), and serves a new client once they have gone. */
static void descriptor_limit(struct server *s, int limit)
{
    int fds[FD_CLIENTS];
    long long cpu0, cpu1;

    start_fd_limited(s, limit);
    for (int i = 0; i < FD_CLIENTS; i++) {
        fds[i] = tcp_connect(s->port); /* the kernel completes it: the backlog is large */
        assert_true(fds[i] >= 0);
        send(fds[i], "x", 1, MSG_NOSIGNAL); /* the server may have closed it already */
    }
    sleep_ms(300); /* let it accept, serve or reject what it can */
    cpu0 = server_cpu_ms(s);
    sleep_ms(2000);
    cpu1 = server_cpu_ms(s);
    print_message("limit %d: server CPU time over 2 s with %d clients: %lld ms; %s\n", limit,
                  FD_CLIENTS, cpu1 - cpu0,
                  log_count(s, "Too many open files") ? "it ran out of descriptors (EMFILE)"
                                                      : "no EMFILE");
    assert_true(server_alive(s));
    assert_true(cpu0 >= 0);
    assert_true(cpu1 - cpu0 < 500);
    for (int i = 0; i < FD_CLIENTS; i++)
        close(fds[i]);
    /* Every one accepted or rejected, none lost; and a new client will not find the slots
     * still taken by clients whose end the server has not yet seen. */
    assert_true(wait_all_gone(s, FD_CLIENTS, HARNESS_WAIT_MS));
    expect_fresh_client_served(s);
    assert_true(server_alive(s));
    stop_clean(s);
}

/* At 64 descriptors, --max-conns defaults to 32: the extra clients are rejected. */
static void test_descriptor_limit_64(void **state)
{
    descriptor_limit(*state, 64);
}

/* At 16, --max-conns defaults to 8, more than the descriptors left: the models that hold the
 * connections themselves (thread, poll, epoll, uring) get EMFILE from accept(). */
static void test_descriptor_limit_16_emfile(void **state)
{
    descriptor_limit(*state, 16);
}

/* SIGTERM during load */

#define LOAD_CLIENTS  20
#define MSG_LEN       KIB
#define DRAIN_SECONDS 2

/* One client of the SIGTERM test: message k is MSG_LEN random bytes from its seed; the next
 * goes out once the echo of this one is complete. */
struct streamer {
    int fd, closed;
    unsigned id, k; /* k: messages whose echo came back whole */
    size_t sent, got;
    unsigned char msg[MSG_LEN], back[MSG_LEN];
    int corrupt; /* a byte differed, or more came back than was sent */
};

static void streamer_next(struct streamer *c)
{
    fill_random(c->msg, MSG_LEN, c->id * 1000003u + c->k);
    c->sent = c->got = 0;
}

/* Handles poll events on c: sends, receives, checks each byte that comes back. */
static void streamer_step(struct streamer *c, short revents)
{
    ssize_t n;

    if (revents & POLLOUT && c->sent < MSG_LEN) {
        n = send(c->fd, c->msg + c->sent, MSG_LEN - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            c->sent += (size_t)n;
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            c->closed = 1;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    /* Ask one byte more than was sent: an echo server never sends it. */
    n = recv(c->fd, c->back + c->got, c->sent - c->got + (c->sent == MSG_LEN ? 0 : 1),
             MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        c->closed = 1;
        return;
    }
    if (n < 0)
        return;
    if (c->got + (size_t)n > c->sent || memcmp(c->back + c->got, c->msg + c->got, (size_t)n))
        c->corrupt = 1;
    c->got += (size_t)n;
    if (c->got == MSG_LEN) {
        c->k++;
        streamer_next(c);
    }
}

/* Pumps the clients once. Returns how many are still open. */
static int streamers_pump(struct streamer *cs, int n)
{
    struct pollfd pfds[LOAD_CLIENTS];
    int open = 0;

    for (int i = 0; i < n; i++) {
        pfds[i].fd = cs[i].closed ? -1 : cs[i].fd;
        pfds[i].events = (short)(POLLIN | (cs[i].sent < MSG_LEN ? POLLOUT : 0));
        pfds[i].revents = 0;
    }
    poll(pfds, (nfds_t)n, 10);
    for (int i = 0; i < n; i++) {
        if (!cs[i].closed)
            streamer_step(&cs[i], pfds[i].revents);
        open += !cs[i].closed;
    }
    return open;
}

/* Returns the fewest messages any client has completed. */
static unsigned streamers_min(const struct streamer *cs, int n)
{
    unsigned least = ~0u;

    for (int i = 0; i < n; i++)
        least = cs[i].k < least ? cs[i].k : least;
    return least;
}

/* SIGTERM while 20 clients stream 1 KiB messages: the server exits 0 within the drain time
 * (+2 s), and every byte the clients got back was the byte they sent. */
static void test_sigterm_during_load(void **state)
{
    const char *const args[] = {"--drain-timeout", "2", NULL};
    struct server *s = *state;
    static struct streamer cs[LOAD_CLIENTS];
    long long deadline, killed_at = -1, exited_at = -1;
    unsigned total = 0;
    int open = LOAD_CLIENTS;

    need_concurrency();
    start(s, args);
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        cs[i] = (struct streamer){.id = (unsigned)i, .fd = connect_nonblocking(s->port)};
        assert_true(cs[i].fd >= 0);
        streamer_next(&cs[i]);
    }
    deadline = now_ms() + 20000;
    while (now_ms() < deadline && (open > 0 || exited_at < 0)) {
        open = streamers_pump(cs, LOAD_CLIENTS);
        if (killed_at < 0 && streamers_min(cs, LOAD_CLIENTS) >= 50) {
            kill(s->pid, SIGTERM);
            killed_at = now_ms();
            deadline = killed_at + (DRAIN_SECONDS + 3) * 1000;
        }
        if (killed_at >= 0 && exited_at < 0 && !server_alive(s))
            exited_at = now_ms();
    }
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        total += cs[i].k;
        close(cs[i].fd);
        if (cs[i].corrupt)
            fail_msg("client %d: a corrupted echo after %u intact messages", i, cs[i].k);
    }
    print_message("%u messages echoed intact; exit %lld ms after SIGTERM\n", total,
                  exited_at < 0 ? -1 : exited_at - killed_at);
    assert_true(killed_at >= 0); /* every client got its first 50 echoes */
    assert_true(exited_at >= 0);
    assert_true(exited_at - killed_at <= (DRAIN_SECONDS + 2) * 1000);
    assert_int_equal(s->status, 0);
    assert_int_equal(open, 0);
    assert_true(server_log_wait(s, "stopped by SIGTERM", 0));
}

/* Half-close with 1 MiB in flight, 20 clients at once: each sends 1 MiB, shuts down its write
 * side at once, and still gets every byte back, then end of stream. */
static void test_half_close_many_at_once(void **state)
{
    struct server *s = *state;
    struct echo_job jobs[20];
    int n = model_is_concurrent() ? 20 : 1;

    start(s, NULL);
    echo_jobs_start(jobs, n, s->port, MIB, 700);
    echo_jobs_check(jobs, n);
    assert_true(log_wait_count(s, "(1048576 bytes in, 1048576 bytes out)", n, HARNESS_WAIT_MS));
    stop_clean(s);
}

/* --stats 1 logs a "stats:" line every second. */
static void test_stats_interval(void **state)
{
    const char *const args[] = {"--stats", "1", NULL};
    struct server *s = *state;

    start(s, args);
    assert_true(log_wait_count(s, "stats: ", 2, 3000));
    stop_clean(s);
}

/* The opposite of the iterative model's test: a client connected and silent does not hold up
 * the next one. */
static void test_second_client_served_while_first_idle(void **state)
{
    struct server *s = *state;
    int a, b;

    need_concurrency();
    start(s, NULL);
    a = tcp_connect(s->port);
    assert_true(a >= 0);
    b = tcp_connect(s->port);
    assert_true(b >= 0);
    assert_int_equal(send_all(b, "second", 6), 0);
    assert_true(readable_within(b, 1000));
    {
        char buf[6];
        assert_int_equal(recv_exact(b, buf, 6), 6);
        assert_memory_equal(buf, "second", 6);
    }
    expect_echo(a, "first, later");
    close(a);
    close(b);
    stop_clean(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_two_hundred_clients_at_once),
        T(test_stuck_client_memory_bounded),
        T(test_idle_timeout_closes_only_silent_client),
        T(test_max_conns_rejects_extra_client),
        T(test_descriptor_limit_64),
        T(test_descriptor_limit_16_emfile),
        T(test_sigterm_during_load),
        T(test_half_close_many_at_once),
        T(test_stats_interval),
        T(test_second_client_served_while_first_idle),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
