/* udp_echo_server: echo_server.c rewritten for UDP: sends each datagram back to its sender. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 1024

/* Prints what failed and why (errno), then exits 1. */
static void error_handling(const char *message)
{
    perror(message);
    exit(1);
}

/* Receives one datagram and sends it back whole to where it came from, unless it was cut or
 * its source port is a system service's. Prints one line about it, numbered count. */
static void echo_one(int serv_sock, unsigned long count)
{
    char message[BUF_SIZE], ip[INET_ADDRSTRLEN];
    struct sockaddr_in clnt_adr;
    socklen_t adr_sz = sizeof(clnt_adr); /* recvfrom() writes the length back */
    ssize_t str_len;
    int port;

    /* One recvfrom() is one whole datagram, never part of one nor two: UDP keeps the sender's
     * message boundaries (TCP keeps none). There is no connection: each datagram says who sent
     * it, and the echo goes back there. MSG_TRUNC (Linux) makes recvfrom() return the
     * datagram's real length even when only BUF_SIZE bytes of it fit; the rest is gone. */
    str_len =
        recvfrom(serv_sock, message, BUF_SIZE, MSG_TRUNC, (struct sockaddr *)&clnt_adr, &adr_sz);
    if (str_len == -1 && errno == EINTR)
        return;
    if (str_len == -1)
        error_handling("recvfrom() error");
    /* 0 bytes is an empty datagram, echoed empty: not the end of anything, as read()'s 0 is
     * over TCP. */
    inet_ntop(AF_INET, &clnt_adr.sin_addr, ip, sizeof(ip));
    port = ntohs(clnt_adr.sin_port);
    printf("Datagram %lu from %s:%d: %zd byte%s", count, ip, port, str_len,
           str_len == 1 ? "" : "s");
    if (str_len > BUF_SIZE) {
        /* Echoing the first BUF_SIZE bytes would pass a part off as the whole datagram. */
        printf(", cut to %d (MSG_TRUNC): not echoed\n", BUF_SIZE);
        return;
    }
    /* A source port below 1024 is a system service's, such as chargen (19) or echo (7). An
     * attacker who forges a datagram "from" another host's chargen to an echo server starts
     * the two answering each other forever (the echo-chargen loop, CVE-1999-0103). Clients
     * send from ports the kernel picks, 32768 and up on Linux. */
    if (port < 1024) {
        puts(", not answered: source port below 1024");
        return;
    }
    putchar('\n');
    /* A datagram goes whole or not at all: no loop as write_all() needs over TCP. It can still
     * be lost or duplicated on the way, and nobody will know: the client must wait a bounded
     * time (udp_echo_client.c). An error ends this datagram only, not the server. */
    if (sendto(serv_sock, message, (size_t)str_len, 0, (struct sockaddr *)&clnt_adr, adr_sz) == -1)
        perror("sendto() error");
}

int main(int argc, char *argv[])
{
    int serv_sock;
    struct sockaddr_in serv_adr;
    socklen_t adr_sz;

    if (argc != 2) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <port>\n", argv[0]);
        exit(2);
    }
    /* Line by line even into a pipe or a file, so whoever reads it sees each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* SOCK_DGRAM: datagrams (UDP), not a byte stream (TCP). No SO_REUSEADDR: a UDP port has no
     * TIME_WAIT to wait out, and on UDP the option would let two servers share the port. */
    serv_sock = socket(PF_INET, SOCK_DGRAM, 0);
    if (serv_sock == -1)
        error_handling("socket() error");

    memset(&serv_adr, 0, sizeof(serv_adr));
    serv_adr.sin_family = AF_INET;
    serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
    serv_adr.sin_port = htons(atoi(argv[1])); /* 0: the system chooses a free port */
    if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
        error_handling("bind() error");
    /* No listen() and no accept(): without connections there is nothing to queue or accept,
     * and this one socket receives every client's datagrams. */

    adr_sz = sizeof(serv_adr);
    if (getsockname(serv_sock, (struct sockaddr *)&serv_adr, &adr_sz) == -1)
        error_handling("getsockname() error");
    printf("Listening on port %d\n", ntohs(serv_adr.sin_port));

    /* No client to count as echo_server's five: it serves datagrams until it is stopped. */
    for (unsigned long count = 1;; count++)
        echo_one(serv_sock, count);
}
