/* udp_echo_client: echo_client.c rewritten for UDP: sends each line typed as one datagram and
 * prints its echo, or says that none came back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE    1024
#define TIMEOUT_S   1 /* how long to wait for each echo */
#define MAX_SKIPPED 8 /* datagrams that are not the echo, skipped while waiting for it */

/* Prints what failed and why (errno), then exits 1. */
static void error_handling(const char *message)
{
    perror(message);
    exit(1);
}

/* Waits for the echo of the len bytes of sent: returns 1 when it came back, 0 when nothing did
 * within TIMEOUT_S seconds. */
static int receive_echo(int sock, const struct sockaddr_in *serv_adr, const char *sent, size_t len)
{
    char reply[BUF_SIZE];
    struct sockaddr_in from;
    socklen_t from_sz;
    ssize_t n;

    for (int skipped = 0; skipped <= MAX_SKIPPED;) {
        from_sz = sizeof(from);
        /* One recvfrom() is one whole datagram: no loop as echo_client's reader_exact(). */
        n = recvfrom(sock, reply, sizeof(reply), MSG_TRUNC, (struct sockaddr *)&from, &from_sz);
        if (n == -1 && errno == EINTR)
            continue;
        /* SO_RCVTIMEO (main) ran out: the line or its echo was lost, or no server is there.
         * Without the timeout, recvfrom() would wait for a lost echo forever. */
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n == -1)
            error_handling("recvfrom() error");
        skipped++;
        /* MSG_TRUNC: recvfrom() returns the datagram's real length, so a cut one shows. */
        if (n > (ssize_t)sizeof(reply)) {
            fprintf(stderr, "udp_echo_client: a reply of %zd bytes was cut to %d (MSG_TRUNC)\n", n,
                    BUF_SIZE);
            continue;
        }
        /* Without a connection anyone may send to this port: take only the server's datagrams,
         * and among them only this line's echo, not a late or duplicated one of an earlier. */
        if (from.sin_addr.s_addr == serv_adr->sin_addr.s_addr &&
            from.sin_port == serv_adr->sin_port && (size_t)n == len && !memcmp(reply, sent, len))
            return 1;
    }
    return 0;
}

int main(int argc, char *argv[])
{
    int sock, sent = 0, lost = 0;
    struct sockaddr_in serv_adr;
    struct timeval timeout = {.tv_sec = TIMEOUT_S};
    char message[BUF_SIZE];
    size_t str_len;

    if (argc != 3) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <IP> <port>\n", argv[0]);
        exit(2);
    }

    sock = socket(PF_INET, SOCK_DGRAM, 0);
    if (sock == -1)
        error_handling("socket() error");
    /* A datagram can be lost, and then no echo ever comes: bound each wait for one. */
    if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == -1)
        error_handling("setsockopt() error");

    memset(&serv_adr, 0, sizeof(serv_adr));
    serv_adr.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &serv_adr.sin_addr) != 1) {
        fprintf(stderr, "%s: not an IPv4 address: %s\n", argv[0], argv[1]);
        exit(2);
    }
    serv_adr.sin_port = htons(atoi(argv[2]));
    /* No connect() and no "Connected.....": nothing is connected. Every sendto() names the
     * server, and the first one gives this socket a port of its own (an implicit bind()). */

    for (;;) {
        fputs("Input message(Q to quit): ", stdout);
        fflush(stdout);
        /* A line longer than BUF_SIZE - 1 bytes comes in pieces, each its own datagram. */
        if (!fgets(message, sizeof(message), stdin)) {
            if (ferror(stdin))
                error_handling("read() error");
            putchar('\n');
            break;
        }
        if (!strcmp(message, "q\n") || !strcmp(message, "Q\n"))
            break;
        str_len = strlen(message);
        if (sendto(sock, message, str_len, 0, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) < 0)
            error_handling("sendto() error");
        sent++;
        if (!receive_echo(sock, &serv_adr, message, str_len)) {
            fprintf(stderr, "udp_echo_client: no echo within %d s: lost, or no server there\n",
                    TIMEOUT_S);
            lost++;
            continue;
        }
        printf("Message from server: %s", message);
    }
    close(sock);
    if (lost) {
        fprintf(stderr, "udp_echo_client: %d of %d messages got no echo\n", lost, sent);
        exit(1);
    }
    return 0;
}
