/* Unit tests for src/sig.c: stop and stats signals turned into flags and readable pipes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/clock.h"
#include "../../src/sig.h"

/* A forked case that has not finished by then is stuck: SIGALRM ends it. */
#define CHILD_TIMEOUT_S 20
/* How long a signal may take to reach its pipe on a loaded machine. */
#define WAKE_MS 5000

/* In a forked case (never cmocka there: its failure would unwind into the child's copy of the
 * runner): reports the failed condition and makes the case exit non-zero. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: child: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* ---- helpers ---- */

/* sig_init() blocks signals process-wide and starts a thread, and its state cannot be reset:
 * each case runs in a child of its own, which reports through its exit status only. */
static void run_forked(int (*fn)(void))
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(CHILD_TIMEOUT_S);
        _exit(fn());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("forked case killed by signal %d", WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Returns 1 if fd becomes readable within ms milliseconds, else 0. */
static int readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Reads fd (non-blocking) until it is empty; returns the number of bytes read. */
static int drain(int fd)
{
    char buf[64];
    ssize_t n;
    int total = 0;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        total += (int)n;
    return total;
}

/* Returns 1 if signo is blocked in the calling thread. */
static int blocked(int signo)
{
    sigset_t set;

    return pthread_sigmask(SIG_SETMASK, NULL, &set) == 0 && sigismember(&set, signo) == 1;
}

/* Sends signo to the whole process, as kill(1) would, then checks that it stops us: the flag,
 * the signal's number, the pipe and a time taken between the kill and the wake-up. Not
 * raise(): it targets the calling thread, where sig_init() blocked the signal, not the
 * signal thread. */
static int stop_by(int signo)
{
    long long before, after, at;

    CHECK(sig_init() == 0);
    CHECK(!sig_stop_requested());
    CHECK(sig_stop_signal() == 0);
    CHECK(sig_stop_time_ms() == 0);
    CHECK(!readable(sig_stop_fd(), 0));
    before = clock_now_ms();
    CHECK(kill(getpid(), signo) == 0);
    CHECK(readable(sig_stop_fd(), WAKE_MS));
    after = clock_now_ms();
    CHECK(sig_stop_requested());
    CHECK(sig_stop_signal() == signo);
    at = sig_stop_time_ms();
    CHECK(at >= before && at <= after);
    CHECK(!readable(sig_stats_fd(), 0));
    return 0;
}

/* ---- the forked cases ---- */

static int sigterm_case(void)
{
    return stop_by(SIGTERM);
}

static int sigint_case(void)
{
    return stop_by(SIGINT);
}

/* A second stop signal wakes the loops again but keeps the first one's number and time: the
 * shutdown's deadline counts from the first. */
static int first_stop_wins_case(void)
{
    long long at;

    if (stop_by(SIGINT) != 0)
        return 1;
    at = sig_stop_time_ms();
    CHECK(drain(sig_stop_fd()) >= 1);
    CHECK(!readable(sig_stop_fd(), 0));
    CHECK(kill(getpid(), SIGTERM) == 0);
    CHECK(readable(sig_stop_fd(), WAKE_MS));
    CHECK(sig_stop_signal() == SIGINT);
    CHECK(sig_stop_time_ms() == at);
    return 0;
}

static int sigusr1_case(void)
{
    CHECK(sig_init() == 0);
    CHECK(!readable(sig_stats_fd(), 0));
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(readable(sig_stats_fd(), WAKE_MS));
    CHECK(drain(sig_stats_fd()) >= 1);
    CHECK(!readable(sig_stats_fd(), 0));
    CHECK(!sig_stop_requested());
    CHECK(sig_stop_signal() == 0);
    CHECK(sig_stop_time_ms() == 0);
    CHECK(!readable(sig_stop_fd(), 0));
    return 0;
}

/* Without sig_init() this write kills the process with SIGPIPE: the case then fails. */
static int sigpipe_case(void)
{
    int sv[2];
    ssize_t n;

    CHECK(sig_init() == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(close(sv[1]) == 0);
    n = write(sv[0], "x", 1);
    CHECK(n == -1 && errno == EPIPE);
    CHECK(!sig_stop_requested());
    return 0;
}

static void *mask_thread(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)(blocked(SIGINT) && blocked(SIGTERM) && blocked(SIGUSR1));
}

/* The signals must reach only the signal thread: blocked in the caller and in every thread
 * started after sig_init(), so none of them is interrupted. */
static int mask_case(void)
{
    pthread_t t;
    void *ok;

    CHECK(!blocked(SIGTERM));
    CHECK(sig_init() == 0);
    CHECK(blocked(SIGINT) && blocked(SIGTERM) && blocked(SIGUSR1));
    CHECK(pthread_create(&t, NULL, mask_thread, NULL) == 0);
    CHECK(pthread_join(t, &ok) == 0);
    CHECK(ok != NULL);
    return 0;
}

/* The grandchild: after sig_init_child() its stop state is fresh although its parent's was
 * set, the stop signals reach it through a plain handler (raise() as fork.c uses it), and
 * SIGUSR1 neither kills nor stops it. */
static int fresh_child(void)
{
    long long before, at;

    CHECK(sig_stop_requested());
    CHECK(sig_init_child() == 0);
    CHECK(!sig_stop_requested());
    CHECK(sig_stop_signal() == 0);
    CHECK(sig_stop_time_ms() == 0);
    CHECK(!readable(sig_stop_fd(), 0));
    CHECK(!blocked(SIGINT) && !blocked(SIGTERM) && !blocked(SIGUSR1));
    CHECK(raise(SIGUSR1) == 0);
    CHECK(!sig_stop_requested());
    before = clock_now_ms();
    CHECK(raise(SIGTERM) == 0);
    CHECK(readable(sig_stop_fd(), WAKE_MS));
    CHECK(sig_stop_signal() == SIGTERM);
    at = sig_stop_time_ms();
    CHECK(at >= before && at <= clock_now_ms());
    return 0;
}

/* The parent: stopped, its pipe drained, then a child of its own through sig_init_child(). */
static int init_child_case(void)
{
    int parent_fd, status;
    pid_t pid;

    if (stop_by(SIGTERM) != 0)
        return 1;
    parent_fd = sig_stop_fd();
    CHECK(drain(parent_fd) >= 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(fresh_child());
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The child's stop went to a pipe of its own: the parent's stays empty. */
    CHECK(!readable(parent_fd, 0));
    CHECK(sig_stop_signal() == SIGTERM);
    return 0;
}

/* ---- the cmocka cases ---- */

/* A cmocka case that runs fn in a child of its own. */
#define FORKED_TEST(name, fn)                                                                      \
    static void name(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        run_forked(fn);                                                                            \
    }

FORKED_TEST(test_sigterm_sets_stop, sigterm_case)
FORKED_TEST(test_sigint_sets_stop, sigint_case)
FORKED_TEST(test_first_stop_signal_wins, first_stop_wins_case)
FORKED_TEST(test_sigusr1_wakes_stats_only, sigusr1_case)
FORKED_TEST(test_sigpipe_ignored, sigpipe_case)
FORKED_TEST(test_signals_blocked_in_threads, mask_case)
FORKED_TEST(test_init_child_fresh_stop, init_child_case)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm_sets_stop),
        cmocka_unit_test(test_sigint_sets_stop),
        cmocka_unit_test(test_first_stop_signal_wins),
        cmocka_unit_test(test_sigusr1_wakes_stats_only),
        cmocka_unit_test(test_sigpipe_ignored),
        cmocka_unit_test(test_signals_blocked_in_threads),
        cmocka_unit_test(test_init_child_fresh_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
