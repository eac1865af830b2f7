/*
 * echo_libuv: a plain libuv echo server, the C peer the benchmark compares tcpecho against.
 * Written the way libuv's own documentation and benchmarks echo: one loop, uv_read_start with
 * an allocation callback, each read handed to uv_write as it is and freed when the write
 * completes (libuv tries the write at once and queues only what the socket refused), reading
 * stopped while 256 KiB wait to be written (a client that never reads must not grow it without
 * bound), Nagle off, and on end of input a uv_shutdown behind the queued writes, then close.
 *
 * Usage: echo-libuv [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
 * 'echo-libuv: listening on HOST:PORT' on stderr, like echo-server; SIGTERM or SIGINT ends it
 * with status 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define READ_SIZE  65536        /* what tcpecho's event loops read at once */
#define MAX_QUEUED (256 * 1024) /* stop reading while this much waits to be written */

struct echo_write {
    uv_write_t req;
    uv_buf_t buf;
};

static uv_loop_t *loop;
static uv_tcp_t server;

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void alloc_buf(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

static void on_close(uv_handle_t *h)
{
    free(h);
}

/* Read buffers are recycled through a free list: malloc and free of 64 KiB per read would
 * have glibc hand the heap's top back to the kernel and fault fresh pages in on every read,
 * which cost this server two thirds of its bulk throughput when measured. */
static void *free_bufs[1024];
static int nfree;

static void alloc_buf(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    buf->base = nfree > 0 ? free_bufs[--nfree] : malloc(READ_SIZE);
    buf->len = buf->base ? READ_SIZE : 0;
}

static void release_buf(char *p)
{
    if (p && nfree < (int)(sizeof(free_bufs) / sizeof(free_bufs[0])))
        free_bufs[nfree++] = p;
    else
        free(p);
}

static void on_written(uv_write_t *req, int status)
{
    struct echo_write *w = (struct echo_write *)req;
    uv_stream_t *st = req->handle;
    uv_handle_t *h = (uv_handle_t *)st;

    release_buf(w->buf.base);
    free(w);
    if (status < 0 && !uv_is_closing(h))
        uv_close(h, on_close);
    else if (status == 0 && h->data && !uv_is_closing(h) &&
             uv_stream_get_write_queue_size(st) < MAX_QUEUED) {
        h->data = NULL; /* the queue drained: read again */
        uv_read_start(st, alloc_buf, on_read);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    if (!uv_is_closing((uv_handle_t *)req->handle))
        uv_close((uv_handle_t *)req->handle, on_close);
    free(req);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct echo_write *w;
    uv_shutdown_t *sd = NULL;

    if (n > 0) {
        w = malloc(sizeof(*w));
        if (w) {
            w->buf = uv_buf_init(buf->base, (unsigned)n);
            if (uv_write(&w->req, s, &w->buf, 1, on_written) == 0) {
                if (uv_stream_get_write_queue_size(s) >= MAX_QUEUED) {
                    uv_read_stop(s); /* backpressure: a client that does not read */
                    s->data = s;
                }
                return;
            }
            free(w);
        }
        release_buf(buf->base);
        uv_close((uv_handle_t *)s, on_close);
        return;
    }
    release_buf(buf->base);
    if (n == 0)
        return; /* EAGAIN: nothing this time */
    if (n == UV_EOF && (sd = malloc(sizeof(*sd))) && uv_shutdown(sd, s, on_shutdown) == 0)
        return; /* the client half-closed: finish the echo, then close */
    if (n == UV_EOF)
        free(sd);
    if (!uv_is_closing((uv_handle_t *)s))
        uv_close((uv_handle_t *)s, on_close);
}

static void on_connection(uv_stream_t *srv, int status)
{
    uv_tcp_t *c;

    if (status < 0)
        return;
    c = malloc(sizeof(*c));
    if (!c || uv_tcp_init(loop, c) != 0) {
        free(c);
        return;
    }
    if (uv_accept(srv, (uv_stream_t *)c) != 0) {
        uv_close((uv_handle_t *)c, on_close);
        return;
    }
    c->data = NULL; /* set while reading is stopped for backpressure */
    uv_tcp_nodelay(c, 1);
    uv_read_start((uv_stream_t *)c, alloc_buf, on_read);
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    uv_stop(h->loop);
}

int main(int argc, char **argv)
{
    const char *host = argc > 2 ? argv[2] : "127.0.0.1";
    struct sockaddr_storage addr;
    int namelen = sizeof(addr), port = 0, err;
    uv_signal_t sigterm, sigint;
    char *end;

    if (argc > 3 || (argc > 1 && (strtol(argv[1], &end, 10), *end || end == argv[1]))) {
        fprintf(stderr, "usage: echo-libuv [PORT] [HOST]\n");
        return 2;
    }
    if (argc > 1)
        port = (int)strtol(argv[1], NULL, 10);
    signal(SIGPIPE, SIG_IGN);
    loop = uv_default_loop();
    uv_tcp_init(loop, &server);
    err = uv_ip4_addr(host, port, (struct sockaddr_in *)&addr);
    if (err)
        err = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr);
    if (!err)
        err = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    if (!err)
        err = uv_listen((uv_stream_t *)&server, 4096, on_connection);
    if (err) {
        fprintf(stderr, "echo-libuv: bind %s:%d: %s\n", host, port, uv_strerror(err));
        return 1;
    }
    uv_tcp_getsockname(&server, (struct sockaddr *)&addr, &namelen);
    port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
                                           : ((struct sockaddr_in6 *)&addr)->sin6_port);
    fprintf(stderr, "echo-libuv: listening on %s:%d\n", host, port);
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
