/* Unit tests for src/net.c: port and address parsing, resolving, formatting, listen and
 * connect, the descriptor limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/net.h"

/* ---- net_parse_port ---- */

static void check_port_ok(const char *s, uint16_t want)
{
    uint16_t port = 4242;
    char err[NET_ERR_LEN] = "";

    assert_int_equal(net_parse_port(s, &port, err), 0);
    assert_int_equal(port, want);
    assert_string_equal(err, "");
}

static void check_port_err(const char *s, const char *want_err)
{
    uint16_t port = 4242;
    char err[NET_ERR_LEN] = "";

    assert_int_equal(net_parse_port(s, &port, err), -1);
    assert_int_equal(port, 4242);
    assert_string_equal(err, want_err);
}

static void test_parse_port_ok(void **state)
{
    (void)state;
    check_port_ok("0", 0);
    check_port_ok("7000", 7000);
    check_port_ok("65535", 65535);
    check_port_ok("00080", 80);
}

static void test_parse_port_rejected(void **state)
{
    (void)state;
    check_port_err("abc", "invalid port 'abc': not a number");
    check_port_err("70000", "invalid port '70000': out of range 0-65535");
    check_port_err("65536", "invalid port '65536': out of range 0-65535");
    check_port_err("-1", "invalid port '-1': not a number");
    check_port_err("+1", "invalid port '+1': not a number");
    check_port_err(" 1", "invalid port ' 1': not a number");
    check_port_err("", "invalid port '': empty");
    check_port_err("7000x", "invalid port '7000x': not a number");
    check_port_err("99999999999999999999",
                   "invalid port '99999999999999999999': out of range 0-65535");
}

static void test_parse_port_null_err(void **state)
{
    uint16_t port = 1;

    (void)state;
    /* err may be NULL: the reason is then dropped, not written through a null pointer. */
    assert_int_equal(net_parse_port("x", &port, NULL), -1);
    assert_int_equal(port, 1);
}

/* ---- net_split_hostport ---- */

static const char port_untouched[] = "untouched";

/* Splits s and checks host and port (want_port NULL: no port, *port_out left untouched). */
static void check_split(const char *s, const char *want_host, const char *want_port)
{
    char host[NET_HOST_LEN];
    char err[NET_ERR_LEN] = "";
    const char *port = port_untouched;

    assert_int_equal(net_split_hostport(s, host, &port, err), 0);
    assert_string_equal(host, want_host);
    if (want_port) {
        assert_string_equal(port, want_port);
    } else {
        assert_ptr_equal(port, port_untouched);
    }
    assert_string_equal(err, "");
}

static void check_split_err(const char *s, const char *want_in_err)
{
    char host[NET_HOST_LEN] = "before";
    char err[NET_ERR_LEN] = "";
    const char *port = port_untouched;

    assert_int_equal(net_split_hostport(s, host, &port, err), -1);
    assert_ptr_equal(port, port_untouched);
    assert_non_null(strstr(err, "invalid address '"));
    assert_non_null(strstr(err, want_in_err));
}

static void test_split_hostport(void **state)
{
    (void)state;
    check_split("127.0.0.1", "127.0.0.1", NULL);
    check_split("127.0.0.1:7000", "127.0.0.1", "7000");
    check_split("[::1]:7000", "::1", "7000");
    check_split("[::1]", "::1", NULL);
    check_split("::1", "::1", NULL);
    check_split("fe80::1:2", "fe80::1:2", NULL);
    check_split("localhost:80", "localhost", "80");
    check_split("localhost", "localhost", NULL);
    /* An empty port is returned as such: the caller's port parser rejects it. */
    check_split("localhost:", "localhost", "");
    check_split("[::1]:", "::1", "");
}

static void test_split_hostport_errors(void **state)
{
    (void)state;
    check_split_err("[::1", "expected [IPv6] or [IPv6]:PORT");
    check_split_err("[::1]x", "expected [IPv6] or [IPv6]:PORT");
    check_split_err("[::1]x:80", "expected [IPv6] or [IPv6]:PORT");
    check_split_err("", "empty host name");
    check_split_err(":80", "empty host name");
    check_split_err("[]", "empty host name");
    check_split_err("[]:80", "empty host name");
}

static void test_split_hostport_length(void **state)
{
    char s[NET_HOST_LEN + 8];
    char host[NET_HOST_LEN];
    const char *port = NULL;
    char err[NET_ERR_LEN] = "";

    (void)state;
    /* The longest host that fits with its NUL. */
    memset(s, 'a', NET_HOST_LEN - 1);
    strcpy(s + NET_HOST_LEN - 1, ":1");
    assert_int_equal(net_split_hostport(s, host, &port, err), 0);
    assert_int_equal(strlen(host), NET_HOST_LEN - 1);
    assert_string_equal(port, "1");

    /* One more is refused, with or without a port or brackets. */
    memset(s, 'a', NET_HOST_LEN);
    strcpy(s + NET_HOST_LEN, ":1");
    check_split_err(s, "over-long host name");
    s[NET_HOST_LEN] = '\0';
    check_split_err(s, "over-long host name");
    s[0] = '[';
    strcpy(s + NET_HOST_LEN, "a]:1");
    check_split_err(s, "over-long host name");
}

/* ---- net_parse_host_port ---- */

/* Parses the arguments args (NULL-terminated) with host and port starting as "dflt" and 4242;
 * returns what net_parse_host_port() returned, *host and *port what it left. */
static int host_port(const char *const *args, int required, char *host, uint16_t *port, char *err)
{
    int n = 0;

    while (args[n])
        n++;
    strcpy(host, "dflt");
    *port = 4242;
    strcpy(err, "");
    return net_parse_host_port(n, (char *const *)args, required, host, port, err);
}

/* HOST and PORT, HOST:PORT or [IPv6]:PORT; without required, either may be left out. */
static void test_host_port(void **state)
{
    char host[NET_HOST_LEN], err[NET_ERR_LEN];
    uint16_t port;

    (void)state;
    for (int required = 0; required <= 1; required++) {
        assert_int_equal(host_port((const char *[]){"h", "80", NULL}, required, host, &port, err),
                         0);
        assert_string_equal(host, "h");
        assert_int_equal(port, 80);
        assert_int_equal(host_port((const char *[]){"h:81", NULL}, required, host, &port, err), 0);
        assert_string_equal(host, "h");
        assert_int_equal(port, 81);
        assert_int_equal(host_port((const char *[]){"[::1]:0", NULL}, required, host, &port, err),
                         0);
        assert_string_equal(host, "::1");
        assert_int_equal(port, 0);
        assert_string_equal(err, "");
    }
    /* Optional: what is missing keeps its default. */
    assert_int_equal(host_port((const char *[]){NULL}, 0, host, &port, err), 0);
    assert_string_equal(host, "dflt");
    assert_int_equal(port, 4242);
    assert_int_equal(host_port((const char *[]){"::1", NULL}, 0, host, &port, err), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 4242);
    assert_string_equal(err, "");
}

/* Checks that args are refused (required or not) with exactly want. */
static void check_host_port_err(const char *const *args, int required, const char *want)
{
    char host[NET_HOST_LEN], err[NET_ERR_LEN];
    uint16_t port;

    assert_int_equal(host_port(args, required, host, &port, err), -1);
    assert_string_equal(err, want);
    assert_int_equal(port, 4242);
}

/* The messages echo-client and echo-bench print, each program's usage line in its words. */
static void test_host_port_refused(void **state)
{
    (void)state;
    check_host_port_err((const char *[]){NULL}, 1, "missing HOST and PORT");
    check_host_port_err((const char *[]){"h", NULL}, 1, "missing PORT");
    check_host_port_err((const char *[]){"[::1]", NULL}, 1, "missing PORT");
    check_host_port_err((const char *[]){"a", "1", "2", NULL}, 1,
                        "too many arguments (expected HOST PORT)");
    check_host_port_err((const char *[]){"a", "1", "2", NULL}, 0,
                        "too many arguments (expected HOST and PORT)");
    for (int required = 0; required <= 1; required++) {
        check_host_port_err((const char *[]){"127.0.0.1:1", "2", NULL}, required,
                            "port given twice ('127.0.0.1:1' and '2')");
        check_host_port_err((const char *[]){"h", "99999", NULL}, required,
                            "invalid port '99999': out of range 0-65535");
        check_host_port_err((const char *[]){"h:x", NULL}, required,
                            "invalid port 'x': not a number");
        check_host_port_err((const char *[]){"[::1", "1", NULL}, required,
                            "invalid address '[::1': expected [IPv6] or [IPv6]:PORT");
    }
}

/* ---- net_resolve ---- */

static void test_resolve_ipv4(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    char err[NET_ERR_LEN] = "", buf[NET_ADDR_LEN];

    (void)state;
    memset(&ss, 0xa5, sizeof(ss));
    assert_int_equal(net_resolve("127.0.0.1", 7000, &ss, &len, err), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ss.ss_family, AF_INET);
    assert_string_equal(net_format((struct sockaddr *)&ss, buf), "127.0.0.1:7000");
    assert_string_equal(err, "");
}

/* A numeric IPv6 address resolves whatever addresses this host has (no AI_ADDRCONFIG). */
static void test_resolve_ipv6(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    char err[NET_ERR_LEN] = "", buf[NET_ADDR_LEN];

    (void)state;
    assert_int_equal(net_resolve("::1", 65535, &ss, &len, err), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_string_equal(net_format((struct sockaddr *)&ss, buf), "[::1]:65535");
}

static void test_resolve_unresolvable(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len = 12345;
    char err[NET_ERR_LEN] = "";
    const char *want = "resolve nosuch.invalid: ";

    (void)state;
    assert_int_equal(net_resolve("nosuch.invalid", 7, &ss, &len, err), -1);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    assert_true(strlen(err) > strlen(want));
    assert_int_equal(len, 12345);
}

/* ---- net_format ---- */

static void test_format_ipv4(void **state)
{
    struct sockaddr_in in = {0};
    char buf[NET_ADDR_LEN];

    (void)state;
    in.sin_family = AF_INET;
    in.sin_port = htons(7000);
    assert_int_equal(inet_pton(AF_INET, "192.0.2.10", &in.sin_addr), 1);
    assert_ptr_equal(net_format((struct sockaddr *)&in, buf), buf);
    assert_string_equal(buf, "192.0.2.10:7000");

    in.sin_port = htons(65535);
    in.sin_addr.s_addr = htonl(INADDR_ANY);
    assert_string_equal(net_format((struct sockaddr *)&in, buf), "0.0.0.0:65535");
}

static void test_format_ipv6(void **state)
{
    struct sockaddr_in6 in6 = {0};
    char buf[NET_ADDR_LEN];

    (void)state;
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(80);
    in6.sin6_addr = in6addr_loopback;
    assert_string_equal(net_format((struct sockaddr *)&in6, buf), "[::1]:80");

    assert_int_equal(inet_pton(AF_INET6, "2001:db8::abcd:1", &in6.sin6_addr), 1);
    in6.sin6_port = htons(0);
    assert_string_equal(net_format((struct sockaddr *)&in6, buf), "[2001:db8::abcd:1]:0");

    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
    in6.sin6_port = htons(9);
    assert_string_equal(net_format((struct sockaddr *)&in6, buf), "[::ffff:127.0.0.1]:9");
}

static void test_format_other_family(void **state)
{
    struct sockaddr_un un = {0};
    char buf[NET_ADDR_LEN], want[32];

    (void)state;
    un.sun_family = AF_UNIX;
    snprintf(want, sizeof(want), "(family %d)", AF_UNIX);
    assert_string_equal(net_format((struct sockaddr *)&un, buf), want);
    assert_string_equal(net_format_ip((struct sockaddr *)&un, buf), want);
}

/* The address alone, as a message about a host (not a port) names it. */
static void test_format_ip(void **state)
{
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(7000)};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(7000)};
    char buf[NET_ADDR_LEN];

    (void)state;
    assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &in.sin_addr), 1);
    assert_ptr_equal(net_format_ip((struct sockaddr *)&in, buf), buf);
    assert_string_equal(buf, "192.0.2.1");
    in6.sin6_addr = in6addr_loopback;
    assert_string_equal(net_format_ip((struct sockaddr *)&in6, buf), "::1");
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::abcd:1", &in6.sin6_addr), 1);
    assert_string_equal(net_format_ip((struct sockaddr *)&in6, buf), "2001:db8::abcd:1");
}

/* ---- listen and connect ---- */

/* Returns the port at the end of a net_format() string ("1.2.3.4:80", "[::1]:80"). */
static uint16_t port_of(const char *addr)
{
    const char *colon = strrchr(addr, ':');

    assert_non_null(colon);
    return (uint16_t)strtoul(colon + 1, NULL, 10);
}

/* Listens on host port 0 and returns the fd; *port gets the port the kernel chose. */
static int listen_any(const char *host, uint16_t *port)
{
    char err[NET_ERR_LEN] = "";
    char addr[NET_ADDR_LEN];
    int fd = net_listen(host, 0, 16, NET_REUSEADDR, err);

    if (fd < 0)
        fail_msg("net_listen %s: %s", host, err);
    assert_non_null(net_fd_addr(fd, 0, addr));
    *port = port_of(addr);
    assert_int_not_equal(*port, 0);
    return fd;
}

/* Connects to host:port on lfd, accepts, and checks both ends agree on the addresses. */
static void check_connect_accept(int lfd, const char *host, uint16_t port, int timeout_ms)
{
    char err[NET_ERR_LEN] = "";
    char local[NET_ADDR_LEN], peer[NET_ADDR_LEN], srv_local[NET_ADDR_LEN], cli_peer[NET_ADDR_LEN],
        buf[4];
    int cfd, afd, flags;

    cfd = net_connect(host, port, timeout_ms, err);
    if (cfd < 0)
        fail_msg("net_connect %s:%u: %s", host, port, err);
    /* The returned fd is blocking and close-on-exec whatever the timeout. */
    flags = fcntl(cfd, F_GETFL);
    assert_true(flags >= 0);
    assert_int_equal(flags & O_NONBLOCK, 0);
    assert_true(fcntl(cfd, F_GETFD) & FD_CLOEXEC);

    afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);
    assert_non_null(net_fd_addr(cfd, 0, local));
    assert_non_null(net_fd_addr(afd, 1, peer));
    assert_string_equal(peer, local);
    assert_non_null(net_fd_addr(afd, 0, srv_local));
    assert_non_null(net_fd_addr(cfd, 1, cli_peer));
    assert_string_equal(srv_local, cli_peer);
    assert_int_equal(port_of(cli_peer), port);

    /* And bytes flow. */
    assert_int_equal(write(cfd, "ping", 4), 4);
    assert_int_equal(read(afd, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    close(afd);
    close(cfd);
}

static void test_listen_connect_ipv4(void **state)
{
    char addr[NET_ADDR_LEN];
    uint16_t port;
    int lfd;

    (void)state;
    lfd = listen_any("127.0.0.1", &port);
    assert_true(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
    assert_non_null(net_fd_addr(lfd, 0, addr));
    assert_int_equal(strncmp(addr, "127.0.0.1:", 10), 0);
    check_connect_accept(lfd, "127.0.0.1", port, 0);
    check_connect_accept(lfd, "127.0.0.1", port, 2000);
    close(lfd);
}

static void test_listen_reuseaddr(void **state)
{
    int on = 0;
    socklen_t len = sizeof(on);
    uint16_t port;
    int lfd;

    (void)state;
    lfd = listen_any("127.0.0.1", &port);
    assert_int_equal(getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, &len), 0);
    assert_int_not_equal(on, 0);
    close(lfd);
}

/*
 * The server closes first, so its side of the connection waits in TIME_WAIT on the port. A
 * new listener binds there only with SO_REUSEADDR (the notes' restart problem).
 */
static void test_listen_time_wait(void **state)
{
    char err[NET_ERR_LEN] = "";
    char buf[4];
    uint16_t port;
    int lfd, cfd, afd, on = 1;
    socklen_t len = sizeof(on);

    (void)state;
    lfd = listen_any("127.0.0.1", &port);
    cfd = net_connect("127.0.0.1", port, 2000, err);
    assert_true(cfd >= 0);
    afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);
    close(lfd);
    close(afd);                                       /* the server's FIN goes first */
    assert_int_equal(read(cfd, buf, sizeof(buf)), 0); /* the client sees it... */
    close(cfd);                                       /* ...and answers: server side in TIME_WAIT */

    lfd = net_listen("127.0.0.1", port, 16, 0, err);
    assert_int_equal(lfd, -1);
    assert_non_null(strstr(err, "Address already in use"));

    lfd = net_listen("127.0.0.1", port, 16, NET_REUSEADDR, err);
    if (lfd < 0)
        fail_msg("net_listen with NET_REUSEADDR: %s", err);
    assert_int_equal(getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, &len), 0);
    assert_int_not_equal(on, 0);
    close(lfd);
}

static void test_listen_port_in_use(void **state)
{
    char err[NET_ERR_LEN] = "";
    char want[64];
    uint16_t port;
    int lfd, fd2;

    (void)state;
    lfd = listen_any("127.0.0.1", &port);
    fd2 = net_listen("127.0.0.1", port, 16, NET_REUSEADDR, err);
    assert_int_equal(fd2, -1);
    snprintf(want, sizeof(want), "bind 127.0.0.1:%u: ", port);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    assert_non_null(strstr(err, "Address already in use"));
    close(lfd);
}

/* Returns a loopback port that nothing listens on: bound without listen, then released. */
static uint16_t closed_port(void)
{
    struct sockaddr_in in = {0};
    socklen_t len = sizeof(in);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
    close(fd);
    assert_int_not_equal(ntohs(in.sin_port), 0);
    return ntohs(in.sin_port);
}

static void test_connect_refused(void **state)
{
    char err[NET_ERR_LEN] = "";
    char want[NET_ERR_LEN];
    uint16_t port = closed_port();

    (void)state;
    snprintf(want, sizeof(want), "connect 127.0.0.1:%u: Connection refused", port);
    assert_int_equal(net_connect("127.0.0.1", port, 0, err), -1);
    assert_string_equal(err, want);

    /* The same through the non-blocking path with a timeout. */
    err[0] = '\0';
    assert_int_equal(net_connect("127.0.0.1", port, 2000, err), -1);
    assert_string_equal(err, want);
}

static void test_connect_unresolvable(void **state)
{
    char err[NET_ERR_LEN] = "";
    const char *want = "resolve nosuch.invalid:";

    (void)state;
    assert_int_equal(net_connect("nosuch.invalid", 7, 0, err), -1);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    assert_true(strlen(err) > strlen(want) + 1);
}

static void test_listen_unresolvable(void **state)
{
    char err[NET_ERR_LEN] = "";
    const char *want = "resolve nosuch.invalid:";

    (void)state;
    assert_int_equal(net_listen("nosuch.invalid", 0, 1, NET_REUSEADDR, err), -1);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
}

/* Is IPv6 loopback usable here? */
static int have_ipv6_loopback(void)
{
    struct sockaddr_in6 in6 = {0};
    int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

    if (fd < 0)
        return 0;
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    ok = bind(fd, (struct sockaddr *)&in6, sizeof(in6)) == 0;
    close(fd);
    return ok;
}

static void test_listen_connect_ipv6(void **state)
{
    char addr[NET_ADDR_LEN], want[NET_ADDR_LEN];
    uint16_t port;
    int lfd;

    (void)state;
    if (!have_ipv6_loopback())
        skip();
    lfd = listen_any("::1", &port);
    assert_non_null(net_fd_addr(lfd, 0, addr));
    snprintf(want, sizeof(want), "[::1]:%u", port);
    assert_string_equal(addr, want);
    check_connect_accept(lfd, "::1", port, 0);
    check_connect_accept(lfd, "::1", port, 2000);
    close(lfd);
}

static void test_connect_refused_ipv6(void **state)
{
    char err[NET_ERR_LEN] = "";
    char want[NET_ERR_LEN];
    uint16_t port;
    int lfd;

    (void)state;
    if (!have_ipv6_loopback())
        skip();
    /* A port that was just listening on ::1 and is now closed. */
    lfd = listen_any("::1", &port);
    close(lfd);
    snprintf(want, sizeof(want), "connect [::1]:%u: Connection refused", port);
    assert_int_equal(net_connect("::1", port, 0, err), -1);
    assert_string_equal(err, want);
}

static void test_fd_addr_not_socket(void **state)
{
    char buf[NET_ADDR_LEN];
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_null(net_fd_addr(p[0], 0, buf));
    assert_null(net_fd_addr(p[0], 1, buf));
    close(p[0]);
    close(p[1]);
}

static void test_fd_addr_unconnected_peer(void **state)
{
    char buf[NET_ADDR_LEN];
    uint16_t port;
    int lfd;

    (void)state;
    lfd = listen_any("127.0.0.1", &port);
    assert_null(net_fd_addr(lfd, 1, buf));
    close(lfd);
}

static void test_set_nonblock_nodelay(void **state)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int on = 0;
    socklen_t len = sizeof(on);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(net_set_nonblock(fd, 1), 0);
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_int_equal(net_set_nonblock(fd, 0), 0);
    assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_int_equal(net_set_nodelay(fd), 0);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
    assert_int_not_equal(on, 0);
    close(fd);

    assert_int_equal(net_set_nonblock(fd, 1), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(net_set_nodelay(fd), -1);
}

/* ---- net_raise_fd_limit ---- */

/* The soft limit goes up to the hard one, and what is returned is what is in force. */
static void test_raise_fd_limit(void **state)
{
    struct rlimit rl, low;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max < 64)
        skip();
    low.rlim_cur = 32;
    low.rlim_max = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(net_raise_fd_limit(),
                     rl.rlim_max == RLIM_INFINITY ? LLONG_MAX : (long long)rl.rlim_max);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &low), 0);
    assert_true(low.rlim_cur == rl.rlim_max || rl.rlim_max == RLIM_INFINITY);
    /* Already at the hard limit: nothing to do, the same answer. */
    assert_int_equal(net_raise_fd_limit(),
                     low.rlim_cur == RLIM_INFINITY ? LLONG_MAX : (long long)low.rlim_cur);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* With the hard limit low, that is as far as it goes (in a child: a hard limit cannot be raised
 * again without privilege). */
static void test_raise_fd_limit_capped(void **state)
{
    struct rlimit cap = {.rlim_cur = 20, .rlim_max = 100}, now;
    pid_t pid;
    int status;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int ok = setrlimit(RLIMIT_NOFILE, &cap) == 0 && net_raise_fd_limit() == 100 &&
                 getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == 100 && now.rlim_max == 100;
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_port_ok),
        cmocka_unit_test(test_parse_port_rejected),
        cmocka_unit_test(test_parse_port_null_err),
        cmocka_unit_test(test_split_hostport),
        cmocka_unit_test(test_split_hostport_errors),
        cmocka_unit_test(test_split_hostport_length),
        cmocka_unit_test(test_format_ipv4),
        cmocka_unit_test(test_format_ipv6),
        cmocka_unit_test(test_format_other_family),
        cmocka_unit_test(test_format_ip),
        cmocka_unit_test(test_host_port),
        cmocka_unit_test(test_host_port_refused),
        cmocka_unit_test(test_resolve_ipv4),
        cmocka_unit_test(test_resolve_ipv6),
        cmocka_unit_test(test_resolve_unresolvable),
        cmocka_unit_test(test_raise_fd_limit),
        cmocka_unit_test(test_raise_fd_limit_capped),
        cmocka_unit_test(test_listen_connect_ipv4),
        cmocka_unit_test(test_listen_reuseaddr),
        cmocka_unit_test(test_listen_port_in_use),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_unresolvable),
        cmocka_unit_test(test_listen_unresolvable),
        cmocka_unit_test(test_listen_connect_ipv6),
        cmocka_unit_test(test_connect_refused_ipv6),
        cmocka_unit_test(test_fd_addr_not_socket),
        cmocka_unit_test(test_fd_addr_unconnected_peer),
        cmocka_unit_test(test_set_nonblock_nodelay),
        cmocka_unit_test(test_listen_time_wait),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
