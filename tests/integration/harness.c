/* harness: start the real programs, talk to them over loopback, every wait bounded. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

int server_setup(void **state)
{
    *state = calloc(1, sizeof(struct server));
    return *state ? 0 : -1;
}

int server_teardown(void **state)
{
    server_release(*state);
    free(*state);
    return 0;
}

void harness_filter_tests(void)
{
    const char *pattern = getenv("TCPECHO_TEST");

    if (pattern && *pattern)
        cmocka_set_test_filter(pattern);
}

const char *bin_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("TCPECHO_BIN");

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build", name);
    return path;
}

/* Reads all of fd from its start (malloc'd, NUL-terminated); *len gets its length. */
static char *slurp(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t r;

    while ((r = pread(fd, buf + n, cap - n - 1, (off_t)n)) > 0) {
        n += (size_t)r;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Returns an fd on a new temporary file, already unlinked: nothing is left behind. */
static int temp_file(void)
{
    char path[] = "/tmp/tcpecho-test-XXXXXX";
    int fd = mkostemp(path, O_CLOEXEC);

    if (fd >= 0)
        unlink(path);
    return fd;
}

/* server_start() and server_start_wrapped(): prefix (NULL or a NULL-terminated argv, [0] a
 * path) runs the server command. */
static int start_with_prefix(struct server *s, const char *const *prefix, const char *const *args)
{
    const char *argv[64];
    const char *model = getenv("TCPECHO_MODEL");
    char *log, *p;
    int n = 0, fd;
    long long deadline;

    for (; prefix && *prefix && n < 32; prefix++)
        argv[n++] = *prefix;
    argv[n++] = bin_path("echo-server");
    argv[n++] = "-b";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = "0";
    if (model && *model) {
        argv[n++] = "-m";
        argv[n++] = model;
    }
    for (; args && *args && n < 62; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    memset(s, 0, sizeof(*s));
    s->log_fd = fd = temp_file();
    if (fd < 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        /* A group of its own: a test can end the server with every process it started. */
        setpgid(0, 0);
        /* Not the test's stdout: a server left behind must not hold the runner's pipe. */
        dup2(null, 0);
        dup2(null, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (deadline = now_ms() + HARNESS_WAIT_MS; now_ms() < deadline; sleep_ms(5)) {
        log = server_log(s);
        /* "listening on 127.0.0.1:PORT (" or "listening on [::1]:PORT (" */
        p = strstr(log, "listening on ");
        p = p ? strstr(p, " (") : NULL;
        while (p && p > log && p[-1] != ':')
            p--;
        if (p)
            s->port = atoi(p);
        free(log);
        if (s->port > 0)
            return 0;
        if (!server_alive(s))
            break;
    }
    log = server_log(s);
    fprintf(stderr, "harness: server did not start; its log:\n%s\n", log);
    free(log);
    return -1;
}

int server_start(struct server *s, const char *const *args)
{
    return start_with_prefix(s, NULL, args);
}

int server_alive(struct server *s)
{
    int status;

    if (s->exited || s->pid <= 0)
        return 0;
    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
        s->exited = 1;
        s->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return 0;
    }
    return 1;
}

int wait_exit(pid_t pid, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int status;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 || now_ms() >= deadline)
            break;
        sleep_ms(2);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int server_stop(struct server *s)
{
    if (s->pid > 0 && server_alive(s)) {
        kill(s->pid, SIGTERM);
        s->status = wait_exit(s->pid, 10000);
        s->exited = 1;
    }
    return s->exited ? s->status : -1;
}

void server_release(struct server *s)
{
    if (s->pid > 0 && !s->exited)
        server_stop(s);
    if (s->log_fd > 0)
        close(s->log_fd);
    s->log_fd = -1;
}

char *server_log(const struct server *s)
{
    return slurp(s->log_fd, NULL);
}

int server_log_wait(const struct server *s, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int found;

    do {
        char *log = server_log(s);
        found = strstr(log, needle) != NULL;
        free(log);
        if (found)
            return 1;
        sleep_ms(5);
    } while (now_ms() < deadline);
    return 0;
}

int tcp_connect(int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = HARNESS_WAIT_MS / 1000};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

size_t recv_exact(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

ssize_t recv_to_eof(int fd, void *buf, size_t cap)
{
    size_t got = 0;

    for (;;) {
        ssize_t n = recv(fd, (char *)buf + got, cap - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 || got + (size_t)n == cap)
            return (ssize_t)(got + (size_t)n);
        got += (size_t)n;
    }
}

int readable_within(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, timeout_ms) == 1;
}

ssize_t echo_stream(int fd, const void *data, size_t len, void *out, size_t cap)
{
    size_t sent = 0, got = 0;
    int shut = 0;
    long long deadline = now_ms() + 60000;

    while (now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        ssize_t n;

        if (sent == len && !shut) {
            shutdown(fd, SHUT_WR);
            shut = 1;
        }
        if (poll(&p, 1, HARNESS_WAIT_MS) <= 0)
            return -1;
        if (p.revents & POLLOUT) {
            n = send(fd, (const char *)data + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return -1;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char extra;
            /* out is full: only end of stream may follow; one byte more is a failure. */
            n = got == cap ? recv(fd, &extra, 1, MSG_DONTWAIT)
                           : recv(fd, (char *)out + got, cap - got, MSG_DONTWAIT);
            if (n > 0 && got == cap)
                return -1;
            if (n == 0)
                return (ssize_t)got;
            if (n > 0)
                got += (size_t)n;
            else if (errno != EAGAIN && errno != EINTR)
                return -1;
        }
    }
    return -1;
}

int run_program(const char *const *argv, const void *in, size_t in_len, int timeout_ms,
                struct run_result *r)
{
    int in_fd = temp_file(), out_fd = temp_file(), err_fd = temp_file();
    pid_t pid;

    memset(r, 0, sizeof(*r));
    if (in_fd < 0 || out_fd < 0 || err_fd < 0)
        return -1;
    if (in_len > 0 && write(in_fd, in, in_len) != (ssize_t)in_len)
        return -1;
    lseek(in_fd, 0, SEEK_SET);
    pid = fork();
    if (pid == 0) {
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    r->status = pid > 0 ? wait_exit(pid, timeout_ms) : -1;
    r->out = slurp(out_fd, &r->out_len);
    r->err = slurp(err_fd, NULL);
    close(in_fd);
    close(out_fd);
    close(err_fd);
    return pid > 0 ? 0 : -1;
}

void run_result_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

pid_t pty_spawn(const char *const *argv, int *master)
{
    pid_t pid = forkpty(master, NULL, NULL, NULL);

    if (pid == 0) {
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int pty_expect(int master, const char *needle, char *buf, size_t cap, size_t *len, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;

    for (;;) {
        ssize_t n;

        buf[*len] = '\0';
        if (strstr(buf, needle))
            return 1;
        if (now_ms() >= deadline || *len + 1 >= cap)
            return 0;
        if (!readable_within(master, 50))
            continue;
        n = read(master, buf + *len, cap - *len - 1);
        if (n <= 0) {
            buf[*len] = '\0';
            return strstr(buf, needle) != NULL;
        }
        *len += (size_t)n;
    }
}

void fill_random(void *buf, size_t len, unsigned seed)
{
    unsigned char *p = buf;
    unsigned x = seed * 2654435761u + 1;

    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)(x >> 3);
    }
}

int server_start_wrapped(struct server *s, const char *const *prefix, const char *const *args)
{
    return start_with_prefix(s, prefix, args);
}

/* Reads /proc/PID/stat: the parent, and user + system time in clock ticks. Returns 0 or -1. */
static int proc_stat(pid_t pid, pid_t *ppid, unsigned long long *ticks)
{
    char path[64], buf[1024], *p;
    unsigned long utime, stime;
    int fd, parent;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p || sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &parent, &utime,
                     &stime) != 3)
        return -1;
    if (ppid)
        *ppid = parent;
    if (ticks)
        *ticks = (unsigned long long)utime + stime;
    return 0;
}

int proc_tree(pid_t root, pid_t *pids, int cap)
{
    pid_t all[4096], parents[4096];
    int n_all = 0, n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;

    while (d && (e = readdir(d)) && n_all < 4096) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid > 0 && proc_stat(pid, &parents[n_all], NULL) == 0)
            all[n_all++] = pid;
    }
    if (d)
        closedir(d);
    if (cap > 0)
        pids[n++] = root;
    for (int i = 0; i < n; i++) /* breadth first: children of pids[i] */
        for (int j = 0; j < n_all && n < cap; j++)
            if (parents[j] == pids[i])
                pids[n++] = all[j];
    return n;
}

long proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

long long proc_cpu_ms(pid_t pid)
{
    unsigned long long ticks;

    if (proc_stat(pid, NULL, &ticks) < 0)
        return -1;
    return (long long)(ticks * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* Fills ss with ip:port. Returns its length, or 0 when ip is no address. */
static socklen_t udp_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        return sizeof(*in);
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return sizeof(*in6);
    }
    return 0;
}

int udp_connect(const char *from, int from_port, const char *to, int port)
{
    struct sockaddr_storage dst, src;
    socklen_t dlen = udp_addr(to, port, &dst), slen = from ? udp_addr(from, from_port, &src) : 0;
    struct timeval tv = {.tv_sec = HARNESS_WAIT_MS / 1000};
    int fd, on = 1;

    if (dlen == 0 || (from && slen == 0))
        return -1;
    fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if ((from && bind(fd, (struct sockaddr *)&src, slen) < 0) ||
        connect(fd, (struct sockaddr *)&dst, dlen) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

ssize_t udp_recv_within(int fd, void *buf, size_t cap, int timeout_ms)
{
    if (!readable_within(fd, timeout_ms))
        return -1;
    return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* Runs prefix (NULL or NULL-terminated, [0] a path), then echo-bench with args then "HOST
 * PORT"; returns its result. */
void bench_run(const char *const *prefix, const char *const *args, const char *host, int port,
               struct run_result *r)
{
    const char *argv[40];
    char portstr[16];
    int n = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    for (; prefix && *prefix; prefix++)
        argv[n++] = *prefix;
    argv[n++] = bin_path("echo-bench");
    for (; *args && n < 36; args++)
        argv[n++] = *args;
    argv[n++] = host;
    argv[n++] = portstr;
    argv[n] = NULL;
    assert_int_equal(run_program(argv, NULL, 0, 60000, r), 0);
    print_message("%s%s", r->out, r->err);
}

/* Runs echo-bench with args then "127.0.0.1 PORT"; returns its result. */
void bench(const char *const *args, int port, struct run_result *r)
{
    bench_run(NULL, args, "127.0.0.1", port, r);
}

/* Returns the number after "key": in the JSON object json (the first one). */
double json_num(const char *json, const char *key)
{
    char k[64];
    const char *p;

    snprintf(k, sizeof(k), "\"%s\":", key);
    p = strstr(json, k);
    assert_non_null(p);
    return atof(p + strlen(k));
}

void for_each_model(struct server *s, void (*fn)(struct server *s, const char *model))
{
    char models[256], *save = NULL;
    const char *env = getenv("MODELS");

    snprintf(models, sizeof(models), "%s", env && *env ? env : "iterative epoll");
    for (char *m = strtok_r(models, " ", &save); m; m = strtok_r(NULL, " ", &save))
        fn(s, m);
}

int server_sanitized(void)
{
    static int known = -1;
    static const char *const marks[] = {"__asan_init", "__tsan_init"};
    FILE *f;
    char *buf;
    size_t n;

    if (known >= 0)
        return known;
    known = 0;
    f = fopen(bin_path("echo-server"), "rb");
    buf = malloc(16 << 20);
    if (f && buf) {
        n = fread(buf, 1, 16 << 20, f);
        for (size_t i = 0; i < 2 && !known; i++)
            known = memmem(buf, n, marks[i], strlen(marks[i])) != NULL;
        if (n > 2 && buf[0] == '#' && buf[1] == '!')
            known = 2;
    }
    free(buf);
    if (f)
        fclose(f);
    return known;
}
