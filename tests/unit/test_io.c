/* Unit tests for src/io.c: write-all, read-exact and the per-descriptor line reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/io.h"
#include "../../src/net.h"

#define MIB (1024 * 1024)
/* A forked helper that has not finished by then is stuck: SIGALRM ends it. */
#define CHILD_TIMEOUT_S 20

/* ---- helpers ---- */

static unsigned char pattern_byte(size_t i)
{
    return (unsigned char)((i * 131u + (i >> 12)) & 0xff);
}

static void fill_pattern(unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_byte(i);
}

static int check_pattern(const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(i))
            return 0;
    return 1;
}

/* Forks a helper that runs fn(fd, arg) and exits with its result. The child closes
 * close_fd (the parent's end) first; the parent closes fd (the child's end). The child never
 * uses cmocka: it reports through its exit status only. */
static pid_t fork_helper(int (*fn)(int fd, void *arg), int fd, int close_fd, void *arg)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(CHILD_TIMEOUT_S);
        if (close_fd >= 0)
            close(close_fd);
        _exit(fn(fd, arg));
    }
    close(fd);
    return pid;
}

/* Waits for a helper (bounded by its alarm) and checks it exited 0. */
static void expect_helper_ok(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("helper killed by signal %d", WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

struct transfer {
    size_t len;   /* bytes to move */
    size_t chunk; /* largest single read() or write() the helper makes */
    int go_fd;    /* >= 0: wait for one byte on it before starting */
};

/* Blocks until the parent says go, if it is to. Returns 0, or -1. */
static int wait_go(int go_fd)
{
    char c;
    ssize_t r;

    if (go_fd < 0)
        return 0;
    do
        r = read(go_fd, &c, 1);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

/* Helper: reads t->len bytes with plain read()s of at most t->chunk bytes, checks the
 * pattern, then expects end of file. */
static int read_and_check(int fd, void *arg)
{
    const struct transfer *t = arg;
    unsigned char *buf = malloc(t->len + 1);
    size_t done = 0;
    ssize_t r;
    char extra;

    if (!buf || wait_go(t->go_fd) < 0)
        return 10;
    while (done < t->len) {
        size_t n = t->len - done < t->chunk ? t->len - done : t->chunk;
        r = read(fd, buf + done, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 11;
        done += (size_t)r;
    }
    if (!check_pattern(buf, t->len))
        return 12;
    if (read(fd, &extra, 1) != 0)
        return 13;
    free(buf);
    return 0;
}

/* Helper: writes the pattern with plain write()s of varying size up to t->chunk. */
static int write_pattern(int fd, void *arg)
{
    const struct transfer *t = arg;
    unsigned char *buf = malloc(t->len);
    size_t done = 0, step = 0;
    ssize_t r;

    if (!buf || wait_go(t->go_fd) < 0)
        return 10;
    fill_pattern(buf, t->len);
    while (done < t->len) {
        size_t n = 1 + (step++ * 7919u) % t->chunk;
        if (n > t->len - done)
            n = t->len - done;
        r = write(fd, buf + done, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 11;
        done += (size_t)r;
    }
    free(buf);
    return 0;
}

/*
 * A signal that interrupts blocking calls (no SA_RESTART), sent every 200 µs by a timer.
 * The helper at the other end waits until the second one has landed: by then the call under
 * test has been blocked with nothing transferred and must have failed once with EINTR.
 */
static volatile sig_atomic_t interrupts;
static int go_write_fd = -1;

static void on_interrupt(int sig)
{
    int saved = errno;
    ssize_t r;

    (void)sig;
    if (++interrupts == 2 && go_write_fd >= 0) {
        r = write(go_write_fd, "g", 1);
        (void)r;
    }
    errno = saved;
}

/* The timer sending those signals; one at a time. */
static struct {
    int active;
    timer_t id;
    struct sigaction old;
} pest;

static void pester_start(int go_fd)
{
    struct sigaction sa;
    struct sigevent sev;
    struct itimerspec its;

    assert_false(pest.active);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: read() and write() return early */
    assert_int_equal(sigaction(SIGUSR1, &sa, &pest.old), 0);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    assert_int_equal(timer_create(CLOCK_MONOTONIC, &sev, &pest.id), 0);
    pest.active = 1;
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 200000;
    its.it_interval = its.it_value;
    interrupts = 0;
    go_write_fd = go_fd;
    assert_int_equal(timer_settime(pest.id, 0, &its, NULL), 0);
}

/* Stops the signals. Returns 0, or -1. */
static int pester_end(void)
{
    int r = 0;

    if (!pest.active)
        return 0;
    pest.active = 0;
    go_write_fd = -1;
    if (timer_delete(pest.id) != 0 || sigaction(SIGUSR1, &pest.old, NULL) != 0)
        r = -1;
    return r;
}

static void pester_stop(void)
{
    assert_int_equal(pester_end(), 0);
    assert_true(interrupts >= 2); /* the helper was held until then */
}

/* Teardown of the tests that use the timer: a failed assertion must not leave it running
 * into the next test. */
static int pester_teardown(void **state)
{
    (void)state;
    return pester_end();
}

/* Makes a pipe for the go signal: the helper gets go[0] through its transfer. */
static void go_pipe(int go[2], struct transfer *t)
{
    assert_int_equal(pipe(go), 0);
    t->go_fd = go[0];
}

/* Fills fd's buffer without blocking, from buf. Returns the bytes it took. */
static size_t prefill(int fd, const unsigned char *buf, size_t len)
{
    size_t done = 0;
    ssize_t r;

    assert_int_equal(net_set_nonblock(fd, 1), 0);
    while ((r = write(fd, buf + done, len - done)) > 0)
        done += (size_t)r;
    assert_true(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    assert_int_equal(net_set_nonblock(fd, 0), 0);
    assert_true(done > 0 && done < len);
    return done;
}

static int make_socketpair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
}

/* ---- io_write_all ---- */

/* Writes len pattern bytes to wfd with io_write_all() while a helper reads them from rfd.
 * With pester, wfd starts full and signals keep landing during the write. */
static void write_all_through(int wfd, int rfd, size_t len, size_t reader_chunk, int pester)
{
    struct transfer t = {len, reader_chunk, -1};
    unsigned char *buf = malloc(len);
    size_t pre = 0;
    int go[2] = {-1, -1};
    pid_t pid;
    ssize_t r;

    assert_non_null(buf);
    fill_pattern(buf, len);
    if (pester)
        go_pipe(go, &t);
    pid = fork_helper(read_and_check, rfd, wfd, &t);
    if (pester) {
        close(go[0]);
        pre = prefill(wfd, buf, len);
        pester_start(go[1]);
    }
    r = io_write_all(wfd, buf + pre, len - pre);
    if (pester) {
        pester_stop();
        close(go[1]);
    }
    assert_int_equal(r, (ssize_t)(len - pre));
    close(wfd);
    expect_helper_ok(pid);
    free(buf);
}

static void test_write_all_socketpair_1mib(void **state)
{
    int sv[2], small = 4096;

    (void)state;
    assert_int_equal(make_socketpair(sv), 0);
    /* A small send buffer: the 1 MiB must go out in many pieces. */
    assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    write_all_through(sv[0], sv[1], MIB, 1000, 0);
}

static void test_write_all_pipe_1mib(void **state)
{
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    write_all_through(p[1], p[0], MIB, 4093, 0);
}

static void test_write_all_interrupted(void **state)
{
    int p[2], sv[2];

    (void)state;
    /* A signal landing mid-write makes write() fail with EINTR (nothing written yet) or
     * return a short count: both must loop. */
    assert_int_equal(pipe(p), 0);
    write_all_through(p[1], p[0], 4 * MIB, 512, 1);
    assert_int_equal(make_socketpair(sv), 0);
    write_all_through(sv[0], sv[1], 4 * MIB, 512, 1);
}

static void test_write_all_zero_len(void **state)
{
    int p[2];
    char c;

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(io_write_all(p[1], "", 0), 0);
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 0);
    close(p[0]);
}

static void test_write_all_bad_fd(void **state)
{
    int p[2], sv[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    /* A pipe's read end is not a socket and not writable. */
    errno = 0;
    assert_int_equal(io_write_all(p[0], "x", 1), -1);
    assert_int_equal(errno, EBADF);
    close(p[0]);
    close(p[1]);
    errno = 0;
    assert_int_equal(io_write_all(p[1], "x", 1), -1);
    assert_int_equal(errno, EBADF);

    assert_int_equal(make_socketpair(sv), 0);
    close(sv[0]);
    close(sv[1]);
    errno = 0;
    assert_int_equal(io_write_all(sv[0], "x", 1), -1);
    assert_int_equal(errno, EBADF);
}

/* Restores SIGPIPE's default action, unblocked, as in a fresh process. */
static int sigpipe_default(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (signal(SIGPIPE, SIG_DFL) == SIG_ERR || sigprocmask(SIG_UNBLOCK, &set, NULL) != 0)
        return -1;
    return 0;
}

/* Helper: writes to a socket whose peer has closed, with SIGPIPE's default action. */
static int write_to_closed_socketpair(int fd, void *arg)
{
    int sv[2];
    ssize_t r;

    (void)fd;
    (void)arg;
    if (sigpipe_default() < 0 || make_socketpair(sv) < 0)
        return 10;
    close(sv[1]);
    errno = 0;
    r = io_write_all(sv[0], "hello", 5);
    if (r != -1)
        return 11;
    if (errno != EPIPE)
        return 12;
    return 0;
}

/* Helper: the same over loopback TCP, where the first write may still succeed. */
static int write_to_closed_tcp(int fd, void *arg)
{
    char err[NET_ERR_LEN], addr[NET_ADDR_LEN], buf[16384];
    const char *colon;
    int lfd, cfd, afd;
    ssize_t r = 0;

    (void)fd;
    (void)arg;
    if (sigpipe_default() < 0)
        return 10;
    lfd = net_listen("127.0.0.1", 0, 4, NET_REUSEADDR, err);
    if (lfd < 0 || !net_fd_addr(lfd, 0, addr) || !(colon = strrchr(addr, ':')))
        return 11;
    cfd = net_connect("127.0.0.1", (uint16_t)atoi(colon + 1), 0, err);
    afd = accept(lfd, NULL, NULL);
    if (cfd < 0 || afd < 0)
        return 12;
    close(afd);
    memset(buf, 'x', sizeof(buf));
    for (int i = 0; i < 1000 && r >= 0; i++)
        r = io_write_all(cfd, buf, sizeof(buf));
    if (r != -1)
        return 13;
    if (errno != EPIPE && errno != ECONNRESET)
        return 14;
    return 0;
}

static void test_write_all_epipe_no_sigpipe(void **state)
{
    (void)state;
    expect_helper_ok(fork_helper(write_to_closed_socketpair, -1, -1, NULL));
    expect_helper_ok(fork_helper(write_to_closed_tcp, -1, -1, NULL));
}

/* ---- io_read_exact ---- */

/* Reads len pattern bytes from rfd with io_read_exact() while a helper writes them to wfd.
 * With pester, the read starts blocked on an empty rfd and signals keep landing. */
static void read_exact_from(int rfd, int wfd, size_t len, size_t writer_chunk, int pester)
{
    struct transfer t = {len, writer_chunk, -1};
    unsigned char *buf = malloc(len);
    int go[2] = {-1, -1};
    pid_t pid;
    ssize_t r;

    assert_non_null(buf);
    if (pester)
        go_pipe(go, &t);
    pid = fork_helper(write_pattern, wfd, rfd, &t);
    if (pester) {
        close(go[0]);
        pester_start(go[1]);
    }
    r = io_read_exact(rfd, buf, len);
    if (pester) {
        pester_stop();
        close(go[1]);
    }
    assert_int_equal(r, (ssize_t)len);
    assert_true(check_pattern(buf, len));
    /* The writer has finished and closed: end of file. */
    assert_int_equal(io_read_exact(rfd, buf, 1), 0);
    close(rfd);
    expect_helper_ok(pid);
    free(buf);
}

static void test_read_exact_socketpair_chunks(void **state)
{
    int sv[2];

    (void)state;
    assert_int_equal(make_socketpair(sv), 0);
    read_exact_from(sv[0], sv[1], MIB, 4096, 0);
}

static void test_read_exact_pipe_tiny_writes(void **state)
{
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    read_exact_from(p[0], p[1], 64 * 1024, 3, 0);
}

static void test_read_exact_interrupted(void **state)
{
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    read_exact_from(p[0], p[1], 4 * MIB, 1000, 1);
}

static void test_read_exact_short_at_eof(void **state)
{
    int p[2];
    char buf[16];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    close(p[1]);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(io_read_exact(p[0], buf, 10), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(io_read_exact(p[0], buf, 10), 0);
    assert_int_equal(io_read_exact(p[0], buf, 0), 0);
    close(p[0]);
}

static ssize_t reads_seen[8];
static int nreads_seen;

static void record_read(ssize_t n)
{
    if (nreads_seen < 8)
        reads_seen[nreads_seen++] = n;
}

/* on_read is told what each read() returned, end of file included. */
static void test_line_reader_on_read(void **state)
{
    struct line_reader lr;
    const char *line;
    size_t len;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    line_reader_init(&lr, p[0]);
    assert_null(lr.on_read);
    lr.on_read = record_read;
    nreads_seen = 0;
    assert_int_equal(write(p[1], "hel\n", 4), 4);
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_OK);
    assert_int_equal(len, 4);
    assert_int_equal(write(p[1], "lo", 2), 2);
    close(p[1]);
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_PARTIAL);
    assert_int_equal(len, 2);
    assert_int_equal(nreads_seen, 3);
    assert_int_equal(reads_seen[0], 4);
    assert_int_equal(reads_seen[1], 2);
    assert_int_equal(reads_seen[2], 0);
    close(p[0]);
}

/* io_read_exact_seen() tells on_read of each read(), the short one at end of file too. */
static void test_read_exact_seen(void **state)
{
    char buf[16];
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    close(p[1]);
    nreads_seen = 0;
    assert_int_equal(io_read_exact_seen(p[0], buf, 10, record_read), 5);
    assert_int_equal(nreads_seen, 2);
    assert_int_equal(reads_seen[0], 5);
    assert_int_equal(reads_seen[1], 0);
    close(p[0]);
}

static void test_read_exact_bad_fd(void **state)
{
    int p[2];
    char buf[4];

    (void)state;
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    close(p[1]);
    errno = 0;
    assert_int_equal(io_read_exact(p[0], buf, sizeof(buf)), -1);
    assert_int_equal(errno, EBADF);
}

/* ---- line_reader ---- */

/* Reads the next line and checks its status and exact bytes (want NULL: no bytes). */
static void expect_line(struct line_reader *lr, enum line_status want_status, const char *want)
{
    const char *line = NULL;
    size_t len = 12345;
    enum line_status st = line_reader_next(lr, &line, &len);

    assert_int_equal(st, want_status);
    if (want) {
        assert_int_equal(len, strlen(want));
        assert_memory_equal(line, want, len);
    } else {
        assert_int_equal(len, 0);
    }
}

static void test_line_reader_tiny_writes(void **state)
{
    const char *text = "hello\nworld\r\n\nlast";
    struct line_reader lr;
    int sv[2];

    (void)state;
    /* SOCK_SEQPACKET keeps record boundaries: each read() returns one 1-byte write. */
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    for (const char *p = text; *p; p++)
        assert_int_equal(write(sv[1], p, 1), 1);
    close(sv[1]);
    line_reader_init(&lr, sv[0]);
    expect_line(&lr, LINE_OK, "hello\n");
    expect_line(&lr, LINE_OK, "world\r\n");
    expect_line(&lr, LINE_OK, "\n");
    expect_line(&lr, LINE_PARTIAL, "last");
    expect_line(&lr, LINE_EOF, NULL);
    expect_line(&lr, LINE_EOF, NULL);
    close(sv[0]);
}

/* Helper: writes the text given as arg one byte per write(). */
static int write_bytewise(int fd, void *arg)
{
    const char *text = arg;

    for (const char *p = text; *p; p++)
        if (write(fd, p, 1) != 1)
            return 11;
    return 0;
}

static void test_line_reader_bytewise_writer(void **state)
{
    char text[] = "alpha\r\nbeta\n\r\ngamma\ndelta";
    struct line_reader lr;
    int p[2];
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(p), 0);
    pid = fork_helper(write_bytewise, p[1], p[0], text);
    line_reader_init(&lr, p[0]);
    expect_line(&lr, LINE_OK, "alpha\r\n");
    expect_line(&lr, LINE_OK, "beta\n");
    expect_line(&lr, LINE_OK, "\r\n");
    expect_line(&lr, LINE_OK, "gamma\n");
    expect_line(&lr, LINE_PARTIAL, "delta");
    expect_line(&lr, LINE_EOF, NULL);
    close(p[0]);
    expect_helper_ok(pid);
}

struct text_job {
    const char *text;
    int go_fd;
};

/* Helper: waits for go, then writes the text. */
static int write_text_after_go(int fd, void *arg)
{
    const struct text_job *job = arg;
    size_t len = strlen(job->text);

    if (wait_go(job->go_fd) < 0)
        return 10;
    return write(fd, job->text, len) == (ssize_t)len ? 0 : 11;
}

static void test_line_reader_interrupted(void **state)
{
    struct text_job job = {"first\nsecond\r\nthird", -1};
    struct line_reader lr;
    int p[2], go[2];
    pid_t pid;

    (void)state;
    /* The reader blocks on an empty pipe, signals land (EINTR), then the lines come. */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(go), 0);
    job.go_fd = go[0];
    pid = fork_helper(write_text_after_go, p[1], p[0], &job);
    close(go[0]);
    line_reader_init(&lr, p[0]);
    pester_start(go[1]);
    expect_line(&lr, LINE_OK, "first\n");
    pester_stop();
    close(go[1]);
    expect_line(&lr, LINE_OK, "second\r\n");
    expect_line(&lr, LINE_PARTIAL, "third");
    expect_line(&lr, LINE_EOF, NULL);
    close(p[0]);
    expect_helper_ok(pid);
}

/* Length of generated line i, newline excluded: 0 up to ~3000, crossing buffer edges. */
static size_t gen_len(size_t i)
{
    return (i * 2654435761u) % (i % 50 == 0 ? 3001 : 97);
}

static char gen_char(size_t i, size_t j)
{
    return (char)('a' + (i + j) % 26);
}

/* Helper: writes lines 0..count-1 in chunks of varying size. */
static int write_generated(int fd, void *arg)
{
    size_t count = *(const size_t *)arg, total = 0, off = 0, step = 0;
    char *buf;

    for (size_t i = 0; i < count; i++)
        total += gen_len(i) + 1;
    buf = malloc(total);
    if (!buf)
        return 10;
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < gen_len(i); j++)
            buf[off++] = gen_char(i, j);
        buf[off++] = '\n';
    }
    for (off = 0; off < total;) {
        size_t n = 1 + (step++ * 7919u) % 5000;
        if (n > total - off)
            n = total - off;
        if (write(fd, buf + off, n) != (ssize_t)n)
            return 11;
        off += n;
    }
    free(buf);
    return 0;
}

static void test_line_reader_many_lines(void **state)
{
    size_t count = 20000;
    struct line_reader lr;
    const char *line;
    size_t len;
    int p[2];
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(p), 0);
    pid = fork_helper(write_generated, p[1], p[0], &count);
    line_reader_init(&lr, p[0]);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(line_reader_next(&lr, &line, &len), LINE_OK);
        assert_int_equal(len, gen_len(i) + 1);
        for (size_t j = 0; j < gen_len(i); j++)
            if (line[j] != gen_char(i, j))
                fail_msg("line %zu byte %zu: '%c'", i, j, line[j]);
        assert_int_equal(line[len - 1], '\n');
    }
    expect_line(&lr, LINE_EOF, NULL);
    close(p[0]);
    expect_helper_ok(pid);
}

/* Writes text of len bytes into a fresh pipe, closes its write end, returns the read end. */
static int pipe_with(const char *text, size_t len)
{
    int p[2];

    assert_true(len < 65536); /* fits in a pipe: no writer process needed */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(io_write_all(p[1], text, len), (ssize_t)len);
    close(p[1]);
    return p[0];
}

static void test_line_reader_too_long(void **state)
{
    size_t n = LINE_READER_SIZE + 100;
    char *text = malloc(n + 1);
    struct line_reader lr;
    const char *line;
    size_t len;
    int fd;

    (void)state;
    assert_non_null(text);
    memset(text, 'x', n);
    text[n] = '\n';
    fd = pipe_with(text, n + 1);
    line_reader_init(&lr, fd);
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_TOO_LONG);
    assert_int_equal(len, LINE_READER_SIZE);
    assert_memory_equal(line, text, LINE_READER_SIZE);
    /* The rest of the line comes next, with its newline. */
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_OK);
    assert_int_equal(len, 101);
    assert_memory_equal(line, text + LINE_READER_SIZE, 101);
    expect_line(&lr, LINE_EOF, NULL);
    close(fd);
    free(text);
}

static void test_line_reader_too_long_after_line(void **state)
{
    /* "ab\n", then LINE_READER_SIZE bytes with no newline, then "\nz": the long run starts
     * mid-buffer, so the reader must move it to the front before it can see it whole. */
    size_t n = 3 + LINE_READER_SIZE + 2;
    char *text = malloc(n);
    struct line_reader lr;
    const char *line;
    size_t len;
    int fd;

    (void)state;
    assert_non_null(text);
    memcpy(text, "ab\n", 3);
    for (size_t i = 0; i < LINE_READER_SIZE; i++)
        text[3 + i] = (char)('0' + i % 10);
    memcpy(text + 3 + LINE_READER_SIZE, "\nz", 2);
    fd = pipe_with(text, n);
    line_reader_init(&lr, fd);
    expect_line(&lr, LINE_OK, "ab\n");
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_TOO_LONG);
    assert_int_equal(len, LINE_READER_SIZE);
    assert_memory_equal(line, text + 3, LINE_READER_SIZE);
    expect_line(&lr, LINE_OK, "\n");
    expect_line(&lr, LINE_PARTIAL, "z");
    expect_line(&lr, LINE_EOF, NULL);
    close(fd);
    free(text);
}

static void test_line_reader_longest_line(void **state)
{
    /* LINE_READER_SIZE - 1 bytes and a newline fill the buffer exactly: still a line. */
    char *text = malloc(LINE_READER_SIZE + 2);
    struct line_reader lr;
    const char *line;
    size_t len;
    int fd;

    (void)state;
    assert_non_null(text);
    memset(text, 'y', LINE_READER_SIZE - 1);
    text[LINE_READER_SIZE - 1] = '\n';
    memcpy(text + LINE_READER_SIZE, "q\n", 2);
    fd = pipe_with(text, LINE_READER_SIZE + 2);
    line_reader_init(&lr, fd);
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_OK);
    assert_int_equal(len, LINE_READER_SIZE);
    assert_memory_equal(line, text, LINE_READER_SIZE);
    expect_line(&lr, LINE_OK, "q\n");
    expect_line(&lr, LINE_EOF, NULL);
    close(fd);
    free(text);
}

static void test_line_reader_empty_input(void **state)
{
    struct line_reader lr;
    int fd = pipe_with("", 0);

    (void)state;
    line_reader_init(&lr, fd);
    expect_line(&lr, LINE_EOF, NULL);
    close(fd);
}

static void test_line_reader_error(void **state)
{
    struct line_reader lr;
    const char *line;
    size_t len;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    close(p[1]);
    line_reader_init(&lr, p[0]);
    errno = 0;
    assert_int_equal(line_reader_next(&lr, &line, &len), LINE_ERROR);
    assert_int_equal(errno, EBADF);
}

static void test_line_reader_two_readers_interleaved(void **state)
{
    struct line_reader a, b;
    int pa[2], pb[2];

    (void)state;
    assert_int_equal(pipe(pa), 0);
    assert_int_equal(pipe(pb), 0);
    line_reader_init(&a, pa[0]);
    line_reader_init(&b, pb[0]);

    /* Each reader buffers more than one line; a shared buffer would hand A's lines to B. */
    assert_int_equal(io_write_all(pa[1], "a1\na2\n", 6), 6);
    assert_int_equal(io_write_all(pb[1], "b1\n", 3), 3);
    expect_line(&a, LINE_OK, "a1\n");
    expect_line(&b, LINE_OK, "b1\n");
    assert_int_equal(io_write_all(pb[1], "b2\nb", 4), 4);
    expect_line(&a, LINE_OK, "a2\n");
    expect_line(&b, LINE_OK, "b2\n");
    assert_int_equal(io_write_all(pb[1], "3\r\n", 3), 3);
    close(pb[1]);
    assert_int_equal(io_write_all(pa[1], "a3", 2), 2);
    close(pa[1]);
    expect_line(&a, LINE_PARTIAL, "a3");
    expect_line(&b, LINE_OK, "b3\r\n");
    expect_line(&b, LINE_EOF, NULL);
    expect_line(&a, LINE_EOF, NULL);
    close(pa[0]);
    close(pb[0]);
}

static void test_line_reader_two_readers_many_lines(void **state)
{
    char text_a[4096], text_b[4096], want[32];
    size_t la = 0, lb = 0;
    struct line_reader a, b;
    int fa, fb;

    (void)state;
    for (int i = 0; i < 200; i++) {
        la += (size_t)snprintf(text_a + la, sizeof(text_a) - la, "A%d\n", i);
        lb += (size_t)snprintf(text_b + lb, sizeof(text_b) - lb, "b-%d\r\n", i);
    }
    fa = pipe_with(text_a, la);
    fb = pipe_with(text_b, lb);
    line_reader_init(&a, fa);
    line_reader_init(&b, fb);
    for (int i = 0; i < 200; i++) {
        snprintf(want, sizeof(want), "A%d\n", i);
        expect_line(&a, LINE_OK, want);
        snprintf(want, sizeof(want), "b-%d\r\n", i);
        expect_line(&b, LINE_OK, want);
    }
    expect_line(&a, LINE_EOF, NULL);
    expect_line(&b, LINE_EOF, NULL);
    close(fa);
    close(fb);
}

/* A helper that dies early must show up as a failed write, not kill the test runner. */
static int group_setup(void **state)
{
    (void)state;
    return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_all_socketpair_1mib),
        cmocka_unit_test(test_write_all_pipe_1mib),
        cmocka_unit_test_teardown(test_write_all_interrupted, pester_teardown),
        cmocka_unit_test(test_write_all_zero_len),
        cmocka_unit_test(test_write_all_bad_fd),
        cmocka_unit_test(test_write_all_epipe_no_sigpipe),
        cmocka_unit_test(test_read_exact_socketpair_chunks),
        cmocka_unit_test(test_read_exact_pipe_tiny_writes),
        cmocka_unit_test_teardown(test_read_exact_interrupted, pester_teardown),
        cmocka_unit_test(test_read_exact_short_at_eof),
        cmocka_unit_test(test_read_exact_bad_fd),
        cmocka_unit_test(test_line_reader_tiny_writes),
        cmocka_unit_test(test_line_reader_bytewise_writer),
        cmocka_unit_test_teardown(test_line_reader_interrupted, pester_teardown),
        cmocka_unit_test(test_line_reader_many_lines),
        cmocka_unit_test(test_line_reader_too_long),
        cmocka_unit_test(test_line_reader_too_long_after_line),
        cmocka_unit_test(test_line_reader_longest_line),
        cmocka_unit_test(test_line_reader_empty_input),
        cmocka_unit_test(test_line_reader_error),
        cmocka_unit_test(test_line_reader_two_readers_interleaved),
        cmocka_unit_test(test_line_reader_two_readers_many_lines),
        cmocka_unit_test(test_line_reader_on_read),
        cmocka_unit_test(test_read_exact_seen),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
