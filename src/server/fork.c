/*
 * fork: a child process per connection, the classic Unix server. The parent only accepts,
 * counts and reaps; each child serves one client with the same blocking loop as iterative.
 * Processes isolate clients from each other, at the price of a fork() per connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "acceptor.h"
#include "model.h"
#include "blocking.h"

/* The live children, so that a stop can pass SIGTERM on to each. */
struct children {
    pid_t *pids;
    size_t n, cap;
};

static int chld_pipe[2] = {-1, -1};

static void on_chld(int signo)
{
    int saved = errno;

    (void)signo;
    if (write(chld_pipe[1], "c", 1) < 0) {
        /* Full: the loop will reap anyway. */
    }
    errno = saved;
}

/* Reaps every child that has exited and forgets it. */
static void reap(void *arg)
{
    struct children *ch = arg;
    char junk[64];
    pid_t pid;

    while (read(chld_pipe[0], junk, sizeof(junk)) > 0)
        ;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
        for (size_t i = 0; i < ch->n; i++) {
            if (ch->pids[i] == pid) {
                ch->pids[i] = ch->pids[--ch->n];
                break;
            }
        }
    }
}

/* In the child: serve the one client, then exit without returning to the accept loop. */
static void child(struct server *srv, int fd, pid_t parent)
{
    static char buf[SERVER_BUF_SIZE];

    /* A server killed outright must not leave its clients served by orphans: the death of
     * the parent stops the child as SIGTERM would (drain, then exit). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    close(srv->listen_fd);
    close(chld_pipe[0]);
    close(chld_pipe[1]);
    (void)signal(SIGCHLD, SIG_DFL);
    if (sig_init_child() < 0)
        _exit(1);
    if (getppid() != parent) /* it died before prctl() */
        (void)raise(SIGTERM);
    blocking_serve(srv, fd, buf, sizeof(buf));
    _exit(0);
}

static void handle(struct server *srv, int fd, void *arg)
{
    struct children *ch = arg;
    pid_t pid, parent = getpid();

    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 64;
        pid_t *p = realloc(ch->pids, cap * sizeof(*p));
        if (!p) {
            server_unadmit(srv, fd, "fork", "out of memory");
            return;
        }
        ch->pids = p;
        ch->cap = cap;
    }
    pid = fork();
    if (pid == 0)
        child(srv, fd, parent);
    if (pid < 0) {
        server_unadmit(srv, fd, "fork", strerror(errno));
        return;
    }
    ch->pids[ch->n++] = pid;
    close(fd);
}

/* After a stop: passes it on to the children, lets them drain, then kills what is left. */
static void stop_children(struct server *srv, struct children *ch)
{
    long long deadline = clock_now_ms() + (long long)srv->cfg->drain_timeout * 1000 + 1000;

    for (size_t i = 0; i < ch->n; i++)
        kill(ch->pids[i], SIGTERM);
    while (ch->n > 0 && clock_now_ms() < deadline) {
        reap(ch);
        if (ch->n > 0)
            usleep(10000);
    }
    for (size_t i = 0; i < ch->n; i++) {
        kill(ch->pids[i], SIGKILL);
        waitpid(ch->pids[i], NULL, 0);
    }
}

static int run(struct server *srv)
{
    struct children ch = {0};
    struct acceptor a = {.handle = handle, .on_extra = reap, .arg = &ch};
    struct sigaction sa;
    int r;

    if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        log_error("fork: pipe: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    a.extra_fd = chld_pipe[0];
    r = acceptor_run(srv, &a);
    stop_children(srv, &ch);
    free(ch.pids);
    close(chld_pipe[0]);
    close(chld_pipe[1]);
    return r;
}

const struct model model_fork = {
    .name = "fork",
    .summary = "a child process per connection",
    .run = run,
};
