/*
 * echo-libevent: a libevent 2.1 echo server with bufferevents, a C peer the benchmark sets
 * against tcpecho.
 *
 * It is written the way the libevent book teaches a server, with nothing tcpecho knows added:
 * one event_base on one thread, an evconnlistener, a socket bufferevent per client whose read
 * callback moves the input buffer onto the output buffer with evbuffer_add_buffer (the chains
 * change hands; no byte passes through user memory), Nagle off, and on end of input a close
 * once the output has drained. The one addition to the textbook form is backpressure: reading
 * is disabled while more than MAX_QUEUED bytes wait to be written and enabled again when half
 * of that is gone, so a client that sends without reading cannot grow the server unbounded.
 * libevent 2.1 reads at most 4096 bytes per read(2) (EVBUFFER_MAX_READ in buffer.c); that is
 * the library as shipped and is left alone.
 *
 * Usage: echo-libevent [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
 * 'echo-libevent: listening on HOST:PORT' on stderr; SIGTERM or SIGINT ends it with status 0.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define PROG       "echo-libevent"
#define MAX_QUEUED (1024 * 1024) /* disable reading while this much waits to be written */

static void on_event(struct bufferevent *bev, short events, void *arg);

/* Write callback after EOF: the output is empty (watermark 0), so the echo is complete. */
static void on_drained(struct bufferevent *bev, void *arg)
{
    (void)arg;
    bufferevent_free(bev); /* BEV_OPT_CLOSE_ON_FREE closes the socket */
}

/* Write callback while serving: runs when the output is at most MAX_QUEUED / 2 bytes. */
static void on_written(struct bufferevent *bev, void *arg)
{
    (void)arg;
    if (!(bufferevent_get_enabled(bev) & EV_READ))
        bufferevent_enable(bev, EV_READ);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *out = bufferevent_get_output(bev);

    (void)arg;
    evbuffer_add_buffer(out, bufferevent_get_input(bev));
    if (evbuffer_get_length(out) > MAX_QUEUED)
        bufferevent_disable(bev, EV_READ);
}

static void on_event(struct bufferevent *bev, short events, void *arg)
{
    (void)arg;
    if ((events & BEV_EVENT_EOF) && !(events & BEV_EVENT_ERROR) &&
        evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        /* The client half-closed: finish writing what is queued, then close. */
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        bufferevent_setcb(bev, NULL, on_drained, on_event, NULL);
        return;
    }
    bufferevent_free(bev); /* EOF with nothing queued, or an error such as a reset */
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    struct event_base *base = evconnlistener_get_base(l);
    struct bufferevent *bev;
    int one = 1;

    (void)sa;
    (void)salen;
    (void)arg;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        evutil_closesocket(fd);
        return;
    }
    bufferevent_setwatermark(bev, EV_WRITE, MAX_QUEUED / 2, 0);
    bufferevent_setcb(bev, on_read, on_written, on_event, NULL);
    if (bufferevent_enable(bev, EV_READ | EV_WRITE) != 0)
        bufferevent_free(bev);
}

/* Accept failures (EMFILE, ECONNABORTED) lose one connection, never the server. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
}

static void on_signal(evutil_socket_t sig, short events, void *arg)
{
    (void)sig;
    (void)events;
    event_base_loopbreak(arg);
}

/* Parses a port 0-65535 into *port; returns 0, or -1 when it is not one. */
static int parse_port(const char *s, int *port)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v < 0 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* Binds and listens on host:port; returns the listener, or NULL with *why set. */
static struct evconnlistener *listen_on(struct event_base *base, const char *host, const char *port,
                                        const char **why)
{
    struct evconnlistener *l;
    struct addrinfo hints, *ai;
    int err;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    err = getaddrinfo(host, port, &hints, &ai);
    if (err) {
        *why = gai_strerror(err);
        return NULL;
    }
    l = evconnlistener_new_bind(base, on_accept, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE,
                                4096, ai->ai_addr, (int)ai->ai_addrlen);
    *why = l ? NULL : strerror(errno);
    freeaddrinfo(ai);
    if (l)
        evconnlistener_set_error_cb(l, on_accept_error);
    return l;
}

/* Prints the readiness line with the address the kernel chose. */
static void print_listening(struct evconnlistener *l)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char name[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, name, sizeof(name));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, name, sizeof(name));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    fprintf(stderr, PROG ": listening on %s:%d\n", name, port);
    fflush(stderr);
}

int main(int argc, char **argv)
{
    const char *port = argc > 1 ? argv[1] : "0";
    const char *host = argc > 2 ? argv[2] : "127.0.0.1";
    struct event *sigterm, *sigint;
    struct evconnlistener *l;
    struct event_base *base;
    const char *why;
    int portnum;

    if (argc > 3 || parse_port(port, &portnum) != 0) {
        fprintf(stderr, "usage: " PROG " [PORT] [HOST]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* bufferevents write with writev(2), which raises SIGPIPE */
    base = event_base_new();
    if (base == NULL) {
        fprintf(stderr, PROG ": event_base_new failed\n");
        return 1;
    }
    l = listen_on(base, host, port, &why);
    if (l == NULL) {
        fprintf(stderr, PROG ": bind %s:%d: %s\n", host, portnum, why);
        return 1;
    }
    print_listening(l);
    sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    sigint = evsignal_new(base, SIGINT, on_signal, base);
    if (!sigterm || !sigint || evsignal_add(sigterm, NULL) != 0 ||
        evsignal_add(sigint, NULL) != 0) {
        fprintf(stderr, PROG ": cannot watch SIGTERM and SIGINT\n");
        return 1;
    }
    event_base_dispatch(base);
    return 0; /* stopped by a signal; the kernel closes what is left */
}
