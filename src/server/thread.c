/*
 * thread: a thread per connection, each running the same blocking loop as iterative. Cheaper
 * than a process, and still simple code; its cost is a stack and a buffer per client.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "acceptor.h"
#include "model.h"
#include "blocking.h"

/* Far above what blocking_serve() needs, far below the 8 MiB default: 10,000 clients fit. */
#define STACK_SIZE (256 * 1024)

struct job {
    struct server *srv;
    int fd;
};

static void *serve_thread(void *arg)
{
    struct job *job = arg;
    char *buf = malloc(SERVER_BUF_SIZE);

    if (buf)
        blocking_serve(job->srv, job->fd, buf, SERVER_BUF_SIZE);
    else
        server_unadmit(job->srv, job->fd, "thread", "out of memory");
    free(buf);
    free(job);
    return NULL;
}

static void handle(struct server *srv, int fd, void *arg)
{
    pthread_attr_t *attr = arg;
    struct job *job = malloc(sizeof(*job));
    pthread_t t;
    int err = job ? 0 : ENOMEM;

    if (job) {
        *job = (struct job){.srv = srv, .fd = fd};
        err = pthread_create(&t, attr, serve_thread, job);
    }
    if (err) {
        free(job);
        server_unadmit(srv, fd, "thread", strerror(err));
    }
}

/* After a stop: the threads see it too and finish within the drain time; wait for them. */
static void wait_threads(struct server *srv)
{
    long long deadline = clock_now_ms() + (long long)srv->cfg->drain_timeout * 1000 + 1000;

    while (atomic_load(&srv->stats->active) > 0 && clock_now_ms() < deadline)
        usleep(10000);
}

static int run(struct server *srv)
{
    pthread_attr_t attr;
    const struct acceptor a = {.handle = handle, .extra_fd = -1, .arg = &attr};
    int r;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    r = acceptor_run(srv, &a);
    wait_threads(srv);
    pthread_attr_destroy(&attr);
    return r;
}

const struct model model_thread = {
    .name = "thread",
    .summary = "a thread per connection",
    .run = run,
};
