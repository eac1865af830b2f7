/*
 * udp_pipe: stdin to the server as datagrams and their echoes to stdout, in order and
 * byte-exact. A window of datagrams is in flight at once (dgram.h); each echo is matched by
 * its content, a datagram whose echo is late is sent again, and one never echoed after all
 * its tries ends the run. With the discard service nothing comes back: each datagram is sent
 * once and the input is the only limit.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "client.h"
#include "dgram.h"

#define INPUT_SIZE (64 * 1024)

struct udp_pipe {
    int fd;
    const struct client_config *cfg;
    int echoes;      /* the service echoes (not discard) */
    int stdin_open;  /* more input may come */
    size_t off, len; /* input read but not yet cut is in[off..len) */
    struct dgram_window w;
    char in[INPUT_SIZE];
    char echo[DGRAM_MAX + 1];
};

/* Reads the next block of stdin and cuts what fits into datagrams. Returns 0, or -1 after
 * logging. */
static int read_input(struct udp_pipe *p)
{
    ssize_t n = read(STDIN_FILENO, p->in, sizeof(p->in));

    if (n < 0 && errno != EINTR && errno != EAGAIN) {
        log_error("read stdin: %s", strerror(errno));
        return -1;
    }
    if (n == 0)
        p->stdin_open = 0;
    p->off = 0;
    p->len = n > 0 ? (size_t)n : 0;
    return 0;
}

/* Cuts pending input into free slots; at the end of input, the last short datagram too. */
static void cut_input(struct udp_pipe *p)
{
    p->off += dgram_window_cut(&p->w, p->in + p->off, p->len - p->off);
    if (!p->stdin_open && p->off == p->len)
        dgram_window_flush(&p->w);
}

/* Sends datagram s (again). Returns 0, or -1 after logging. */
static int send_one(struct udp_pipe *p, struct dgram_slot *s)
{
    while (send(p->fd, s->data, s->len, 0) < 0) {
        /* ENOBUFS: the interface queue is full for now (udp(7)); try again shortly. */
        if (errno == ENOBUFS)
            (void)poll(NULL, 0, 1);
        else if (errno != EINTR) {
            client_udp_failed(p->fd, "send");
            return -1;
        }
    }
    s->tries++;
    s->sent_ms = clock_now_ms();
    if (!p->echoes)
        s->echoed = 1; /* discard: nothing to wait for */
    return 0;
}

/* Sends the datagrams cut since the last call. Returns 0, or -1 after logging. */
static int send_new(struct udp_pipe *p)
{
    struct dgram_slot *s;

    for (unsigned i = 0; (s = dgram_window_at(&p->w, i)) != NULL; i++)
        if (s->tries == 0 && send_one(p, s) < 0)
            return -1;
    return 0;
}

/* Writes out the datagrams echoed, oldest first, up to the first that still waits. Returns 0,
 * or -1 after logging. */
static int write_echoed(struct udp_pipe *p)
{
    const struct dgram_slot *s;

    while ((s = dgram_window_release(&p->w)) != NULL) {
        if (p->echoes && io_write_all(STDOUT_FILENO, s->data, s->len) < 0) {
            log_error("write stdout: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Says how an echo that matches nothing sent differs from the closest datagram in flight. */
static void stray_echo(struct udp_pipe *p, size_t n)
{
    size_t same = 0;
    struct dgram_slot *s = dgram_window_nearest(&p->w, p->echo, n, &same);

    if (!s)
        log_error("an echo of %zu bytes came when no datagram was waiting for one", n);
    else if (same == s->len || same == n)
        log_error("datagram %llu (%zu bytes): the echo differs: %zu bytes came back", s->seq,
                  s->len, n);
    else
        log_error("datagram %llu (%zu bytes): the echo differs from byte %zu on (%zu bytes came "
                  "back)",
                  s->seq, s->len, same, n);
}

/* Receives every datagram waiting and matches it. Returns 0, or -1 after logging. */
static int receive_echoes(struct udp_pipe *p)
{
    struct dgram_slot *s;
    ssize_t n;

    for (;;) {
        n = recv(p->fd, p->echo, sizeof(p->echo), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0 && errno != EINTR) {
            client_udp_failed(p->fd, "receive");
            return -1;
        }
        if (n < 0 || !p->echoes)
            continue; /* discard: whatever comes back is not ours to check */
        if (dgram_window_match(&p->w, p->echo, (size_t)n, &s) == DGRAM_STRAY) {
            stray_echo(p, (size_t)n);
            return -1;
        }
    }
}

/* Sends again each datagram whose echo is overdue, or gives up on one after its last try.
 * Returns the ms until the next echo is due, -1 when none is awaited, or -2 after logging. */
static int resend_overdue(struct udp_pipe *p)
{
    struct dgram_slot *s;
    long long now, due;

    while ((s = dgram_window_next_due(&p->w)) != NULL) {
        now = clock_now_ms();
        due = s->sent_ms + p->cfg->reply_ms;
        if (due > now)
            return (int)(due - now);
        if (s->tries > p->cfg->retries) {
            log_error("datagram %llu (%zu bytes): no echo after %d tries", s->seq, s->len,
                      s->tries);
            return -2;
        }
        if (send_one(p, s) < 0)
            return -2;
    }
    return -1;
}

/*
 * Writes out what is echoed, cuts the input waiting into the slots that frees, sends the new
 * datagrams, and again while that cuts more (discard: a datagram sent is done with at once).
 * Returns 0, or -1 after logging.
 */
static int advance(struct udp_pipe *p)
{
    unsigned long long cut;

    do {
        cut = p->w.next_seq;
        if (write_echoed(p) < 0)
            return -1;
        cut_input(p);
        if (send_new(p) < 0)
            return -1;
    } while (p->w.next_seq != cut);
    return write_echoed(p);
}

/* Is everything read, sent, and (for echo) echoed and written out? */
static int done(const struct udp_pipe *p)
{
    return !p->stdin_open && p->off == p->len && dgram_window_empty(&p->w);
}

/* Moves datagrams both ways until all input is echoed. Returns 0, or -1 after logging. */
static int run(struct udp_pipe *p)
{
    struct pollfd fds[2];
    int wait, r;

    for (;;) {
        if (advance(p) < 0)
            return -1;
        if (done(p))
            return 0;
        wait = resend_overdue(p);
        if (wait == -2)
            return -1;
        fds[0] = (struct pollfd){.fd = p->stdin_open && p->off == p->len ? STDIN_FILENO : -1,
                                 .events = POLLIN};
        fds[1] = (struct pollfd){.fd = p->fd, .events = POLLIN};
        r = poll(fds, 2, wait);
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            return -1;
        }
        if (r <= 0)
            continue;
        if ((fds[1].revents & (POLLIN | POLLERR)) && receive_echoes(p) < 0)
            return -1;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && read_input(p) < 0)
            return -1;
    }
}

int client_udp_pipe(int fd, const struct client_config *cfg)
{
    static struct udp_pipe p;
    int r;

    p.fd = fd;
    p.cfg = cfg;
    p.echoes = cfg->service != SERVICE_DISCARD;
    p.stdin_open = 1;
    p.off = p.len = 0;
    if (dgram_window_init(&p.w, cfg->size, dgram_window_slots(cfg->size)) < 0) {
        log_error("out of memory for %u datagrams of %zu bytes", dgram_window_slots(cfg->size),
                  cfg->size);
        return 1;
    }
    r = run(&p);
    /* discard: nothing was awaited, but a refusal (ICMP port unreachable) may be pending. */
    if (r == 0 && !p.echoes)
        r = receive_echoes(&p);
    dgram_window_fini(&p.w);
    return r < 0 ? 1 : 0;
}
