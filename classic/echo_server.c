/* echo_server: the notes' iterative echo server, corrected: serves 5 clients one after another. */
#include <errno.h>
#include <signal.h>
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

/* Writes all len bytes, however many write() calls that takes: returns 0, or -1 (errno). */
static int write_all(int fd, const char *buf, size_t len)
{
    size_t sent = 0;

    while (sent < len) {
        /* Fix: the notes wrote `if ((n = write(...) < 0)`; `<` binds tighter than `=`, so n
         * got the comparison (0 or 1), not the count written, and the loop lost track. */
        ssize_t n = write(fd, buf + sent, len - sent);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        sent += (size_t)n;
    }
    return 0;
}

/* Sends back everything the client sends until it closes; an error ends this client only. */
static void echo(int clnt_sock)
{
    char message[BUF_SIZE];
    ssize_t str_len;

    /* Fix: the notes looped while read() != 0, so a failed read (-1, e.g. a reset connection)
     * looped forever, passing -1 to write() as the length. */
    while ((str_len = read(clnt_sock, message, BUF_SIZE)) != 0) {
        if (str_len == -1 && errno == EINTR)
            continue;
        if (str_len == -1) {
            perror("read() error");
            return;
        }
        if (write_all(clnt_sock, message, (size_t)str_len) == -1) {
            perror("write() error");
            return;
        }
    }
}

int main(int argc, char *argv[])
{
    int serv_sock, clnt_sock, on = 1;
    struct sockaddr_in serv_adr, clnt_adr;
    socklen_t adr_sz;

    if (argc != 2) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <port>\n", argv[0]);
        exit(2);
    }
    /* Line by line even into a pipe or a file, so whoever reads it sees each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A client that leaves mid-echo makes write() raise SIGPIPE, which by default would end
     * the server and every client after it; ignored, write() fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);

    serv_sock = socket(PF_INET, SOCK_STREAM, 0);
    if (serv_sock == -1)
        error_handling("socket() error");
    /* A restarted server must not wait out the TIME_WAIT of its last connections. */
    if (setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
        error_handling("setsockopt() error");

    memset(&serv_adr, 0, sizeof(serv_adr));
    serv_adr.sin_family = AF_INET;
    /* Fix: the notes' server steps wrote inet_addr(INADDR_ANY); inet_addr() parses a string
     * such as "10.1.2.3", and INADDR_ANY is the number 0; htonl() orders a number's bytes. */
    serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
    serv_adr.sin_port = htons(atoi(argv[1])); /* 0: the system chooses a free port */
    if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
        error_handling("bind() error");
    if (listen(serv_sock, 5) == -1)
        error_handling("listen() error");

    adr_sz = sizeof(serv_adr);
    if (getsockname(serv_sock, (struct sockaddr *)&serv_adr, &adr_sz) == -1)
        error_handling("getsockname() error");
    printf("Listening on port %d\n", ntohs(serv_adr.sin_port));

    for (int i = 0; i < 5; i++) {
        adr_sz = sizeof(clnt_adr); /* accept() writes the length back: reset it every time */
        clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &adr_sz);
        if (clnt_sock == -1)
            error_handling("accept() error");
        printf("Connected client %d\n", i + 1);
        echo(clnt_sock);
        close(clnt_sock);
    }
    close(serv_sock);
    return 0;
}
