/* server: what every concurrency model shares — configuration, limits, counters, logs. */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../net.h"
#include "../sig.h"

int server_stats_init(struct server *srv)
{
    void *p =
        mmap(NULL, sizeof(*srv->stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return -1;
    srv->stats = p; /* zero-filled by mmap */
    return 0;
}

int server_admit(struct server *srv)
{
    if (atomic_fetch_add(&srv->stats->active, 1) < srv->max_conns)
        return 1;
    atomic_fetch_sub(&srv->stats->active, 1);
    atomic_fetch_add(&srv->stats->rejected, 1);
    log_debug("connection rejected: --max-conns %ld reached", srv->max_conns);
    return 0;
}

void server_unadmit(struct server *srv, int fd, const char *what, const char *why)
{
    log_error("%s: %s", what, why);
    close(fd);
    atomic_fetch_sub(&srv->stats->active, 1);
}

void server_close_gracefully(int fd, char *buf, size_t buflen)
{
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 4 && recv(fd, buf, buflen, MSG_DONTWAIT) > 0; i++)
        ;
    close(fd);
}

unsigned long long server_client_open(struct server *srv, int fd)
{
    char addr[NET_ADDR_LEN];
    unsigned long long id = atomic_fetch_add(&srv->stats->clients, 1) + 1;

    if (srv->cfg->verbosity >= LOG_NORMAL) {
        /* A client that reset at once (a load balancer's health check) has no peer left. */
        if (net_fd_addr(fd, 1, addr))
            log_info("connected client %llu from %s", id, addr);
        else
            log_info("connected client %llu, already gone: %s", id, strerror(errno));
    }
    return id;
}

void server_client_log_line(unsigned long long id, const struct service_reply *reply)
{
    log_info("client %llu %s", id, reply->log);
}

void server_client_close(struct server *srv, unsigned long long id, unsigned long long in,
                         unsigned long long out, const char *note)
{
    atomic_fetch_add(&srv->stats->bytes_in, in);
    atomic_fetch_add(&srv->stats->bytes_out, out);
    atomic_fetch_sub(&srv->stats->active, 1);
    log_info("client %llu disconnected%s%s (%llu bytes in, %llu bytes out)", id, note ? ": " : "",
             note ? note : "", in, out);
}

int server_client_idle(const struct server *srv, long long last_ms, long long now)
{
    int idle = srv->cfg->idle_timeout;

    return idle > 0 && now - last_ms >= (long long)idle * 1000;
}

const char *server_drain_note(const char *note, size_t unsent)
{
    if (note)
        return note;
    return unsent > 0 ? "echo unfinished at shutdown" : "server shutting down";
}

/* The names of the causes of server_dgram_drop, for the summary. */
static const char *drop_name(int cause)
{
    if (cause == DGRAM_TRUNCATED)
        return "too long";
    if (cause == DGRAM_SEND_FAILED)
        return "send failed";
    return guard_verdict_name((enum guard_verdict)cause);
}

const char *server_udp_summary(const struct server *srv, char *buf, size_t len)
{
    struct server_stats *st = srv->stats;
    unsigned long long n, dropped = 0;
    size_t k;

    buf[0] = '\0';
    if (srv->udp_fd < 0)
        return buf;
    for (int i = 1; i < DGRAM_DROPS; i++)
        dropped += atomic_load(&st->dropped[i]);
    k = (size_t)snprintf(buf, len, ", %llu datagrams in, %llu out, %llu not answered",
                         atomic_load(&st->datagrams_in), atomic_load(&st->datagrams_out), dropped);
    for (int i = 1, first = 1; i < DGRAM_DROPS && k < len; i++) {
        n = atomic_load(&st->dropped[i]);
        if (n == 0)
            continue;
        k += (size_t)snprintf(buf + k, len - k, "%s%llu %s", first ? " (" : ", ", n, drop_name(i));
        first = 0;
    }
    if (dropped > 0 && k < len)
        snprintf(buf + k, len - k, ")");
    return buf;
}

void server_log_stats(struct server *srv, const char *what)
{
    struct server_stats *st = srv->stats;
    char udp[SERVER_UDP_SUMMARY_LEN];

    log_notice("%s: %lld active, %llu total, %llu rejected, %llu bytes in, %llu bytes out%s", what,
               atomic_load(&st->active), atomic_load(&st->clients), atomic_load(&st->rejected),
               atomic_load(&st->bytes_in), atomic_load(&st->bytes_out),
               server_udp_summary(srv, udp, sizeof(udp)));
}

int server_drain_left_ms(const struct server *srv)
{
    long long stop = sig_stop_time_ms(), left;

    if (stop == 0)
        return -1;
    left = stop + (long long)srv->cfg->drain_timeout * 1000 - clock_now_ms();
    return left > 0 ? (int)left : 0;
}

int server_wait_ms(int timeout_ms)
{
    return timeout_ms < 0 || timeout_ms > SERVER_MAX_WAIT_MS ? SERVER_MAX_WAIT_MS : timeout_ms;
}

/* Is this accept() failure about the one connection (go on) rather than the server? */
static int accept_error_is_transient(int err)
{
    return err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED ||
           err == EPROTO || err == EPERM || err == ENETDOWN || err == ENOPROTOOPT ||
           err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH || err == EOPNOTSUPP ||
           err == ENETUNREACH;
}

int server_pause_on_error(struct server_pause *p, int err, long long now)
{
    if (accept_error_is_transient(err))
        return 0;
    if (!p->complained++)
        log_error("accept: %s (pausing until descriptors free up)", strerror(err));
    p->until_ms = now + SERVER_PAUSE_MS;
    return 1;
}

int server_pause_over(struct server_pause *p, long long now)
{
    if (p->until_ms == 0 || now < p->until_ms)
        return 0;
    p->until_ms = 0;
    return 1;
}
