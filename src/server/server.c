/* server: what every concurrency model shares — configuration, limits, counters, logs. */
#include "server.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

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

void server_log_stats(struct server *srv, const char *what)
{
    struct server_stats *st = srv->stats;

    log_notice("%s: %lld active, %llu total, %llu rejected, %llu bytes in, %llu bytes out", what,
               atomic_load(&st->active), atomic_load(&st->clients), atomic_load(&st->rejected),
               atomic_load(&st->bytes_in), atomic_load(&st->bytes_out));
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

int server_accept_error_is_transient(int err)
{
    return err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED ||
           err == EPROTO || err == EPERM || err == ENETDOWN || err == ENOPROTOOPT ||
           err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH || err == EOPNOTSUPP ||
           err == ENETUNREACH;
}
