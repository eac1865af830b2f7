/*
 * harness: what integration tests need to drive the real programs — start echo-server on port
 * 0 and read its port from the readiness line, run echo-client with given input, talk TCP
 * over loopback. Every wait is bounded; only processes started here are signalled.
 */
#ifndef TCPECHO_HARNESS_H
#define TCPECHO_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#define HARNESS_WAIT_MS 5000 /* bound on any wait for something that should happen */

struct server {
    pid_t pid;
    int port;
    int exited, status; /* set once it was reaped */
    int log_fd;         /* its stderr, an unlinked temporary file */
};

/* cmocka fixtures: each test gets a struct server in *state; the teardown stops the server
 * even when an assertion failed halfway. */
int server_setup(void **state);
int server_teardown(void **state);

/* Runs only the tests whose names match $TCPECHO_TEST (a cmocka pattern, '*' and '?'), when
 * it is set: for chasing one failure. Call before cmocka_run_group_tests(). */
void harness_filter_tests(void);

/* Returns "$TCPECHO_BIN/name" (static storage, one call at a time). */
const char *bin_path(const char *name);

/*
 * Starts echo-server with args (NULL-terminated; "-b 127.0.0.1 -p 0" and "-m $TCPECHO_MODEL"
 * are added) with stderr to a log file, and waits for its "listening on" line. Returns 0, or
 * -1 when it exited or said nothing in time.
 */
int server_start(struct server *s, const char *const *args);

/* Sends SIGTERM and waits for the exit. Returns the exit status, or -1 when it had to be
 * killed or died of a signal. */
int server_stop(struct server *s);

/* Returns non-zero while the server process runs. */
int server_alive(struct server *s);

/* Closes the log. */
void server_release(struct server *s);

/* Returns the whole log so far (malloc'd, NUL-terminated). */
char *server_log(const struct server *s);

/* Waits until the log contains needle. Returns 1 when it does, 0 on timeout. */
int server_log_wait(const struct server *s, const char *needle, int timeout_ms);

/* Connects to 127.0.0.1:port with receive and send timeouts of HARNESS_WAIT_MS. Returns fd,
 * or -1. */
int tcp_connect(int port);

/* A UDP socket bound to the address from (NULL: the kernel picks, on the family of to's) and
 * port from_port, connected to to:port, with receive and send timeouts of HARNESS_WAIT_MS.
 * Returns fd, or -1 (errno). */
int udp_connect(const char *from, int from_port, const char *to, int port);

/* Receives one datagram into buf (cap bytes) within timeout_ms. Returns its length, or -1 when
 * none came. */
ssize_t udp_recv_within(int fd, void *buf, size_t cap, int timeout_ms);

/* Sends all of buf. Returns 0 or -1. */
int send_all(int fd, const void *buf, size_t len);

/* Receives exactly len bytes within the socket's timeout. Returns the count received (less
 * at end of stream or timeout). */
size_t recv_exact(int fd, void *buf, size_t len);

/* Receives until end of stream, at most cap bytes. Returns the count, -1 on error/timeout. */
ssize_t recv_to_eof(int fd, void *buf, size_t cap);

/* Returns 1 when fd has data (or end of stream) within timeout_ms, else 0. */
int readable_within(int fd, int timeout_ms);

/*
 * Sends len bytes and receives the echo at the same time (a poll loop, so the two never
 * deadlock on full buffers), then half-closes and reads until end of stream. Fills out (cap
 * bytes). Returns the count received, or -1.
 */
ssize_t echo_stream(int fd, const void *data, size_t len, void *out, size_t cap);

/* The outcome of running a program to completion. */
struct run_result {
    int status; /* exit status, or -1 when killed by a signal or the time limit */
    char *out;  /* stdout, NUL-terminated (malloc'd) */
    size_t out_len;
    char *err; /* stderr, NUL-terminated */
};

/* Runs argv (argv[0] a path) with in as stdin, stdout and stderr captured, for at most
 * timeout_ms. Returns 0 when it ran (see r->status), -1 when it could not start. */
int run_program(const char *const *argv, const void *in, size_t in_len, int timeout_ms,
                struct run_result *r);

void run_result_free(struct run_result *r);

/* Starts argv on a new pseudo-terminal (so isatty(0) is true). Returns the pid and the master
 * side in *master, or -1. */
pid_t pty_spawn(const char *const *argv, int *master);

/* Reads the pty until what was read contains needle. Returns 1 if it did within timeout_ms. The
 * text read is kept in buf (cap bytes), appended after *len. */
int pty_expect(int master, const char *needle, char *buf, size_t cap, size_t *len, int timeout_ms);

/* Waits at most timeout_ms for pid to exit. Returns its exit status, or -1 (then it is killed). */
int wait_exit(pid_t pid, int timeout_ms);

/* Fills buf with len pseudo-random bytes from seed. */
void fill_random(void *buf, size_t len, unsigned seed);

/* Like server_start(), with the server's command run through prefix (NULL-terminated, [0] a
 * path), e.g. {"/usr/bin/prlimit", "--nofile=64:64", NULL}: the prefix must exec the server
 * so that s->pid is the server. */
int server_start_wrapped(struct server *s, const char *const *prefix, const char *const *args);

/* Fills pids with root, then every live process descending from it (from /proc). Returns the
 * count, at most cap. */
int proc_tree(pid_t root, pid_t *pids, int cap);

/* Is $TCPECHO_BIN/echo-server built with a sanitizer (ASan, TSan)? Their shadow memory grows
 * with the memory a program touches, so memory bounds are the normal build's times 8. Returns
 * 1 then, 2 when it is a script that runs the server under a tool (valgrind: its own memory is
 * the process's, no bound of ours applies), 0 otherwise. */
int server_sanitized(void);

/* Returns pid's resident set size (VmRSS in /proc/PID/status) in KiB, or -1 when it is gone. */
long proc_rss_kib(pid_t pid);

/* Returns the CPU time pid used so far (user + system, all its threads) in ms, or -1. */
long long proc_cpu_ms(pid_t pid);

/* Runs prefix (NULL or NULL-terminated, [0] a path), then echo-bench with args then "HOST
 * PORT" (at most 60 s); fills r and prints its output. */
void bench_run(const char *const *prefix, const char *const *args, const char *host, int port,
               struct run_result *r);

/* Runs echo-bench with args then "127.0.0.1 PORT"; fills r. */
void bench(const char *const *args, int port, struct run_result *r);

/* Returns the number after "key": in the JSON text json (its first occurrence); fails the test
 * when there is none. */
double json_num(const char *json, const char *key);

/* Calls fn(s, model) for each model in $MODELS (tests/run.sh sets it: the models
 * echo-server --list-models names; unset, "iterative epoll"): for tests that loop over the
 * models themselves. */
void for_each_model(struct server *s, void (*fn)(struct server *s, const char *model));

#endif
