/* hello_server: the notes' first server, corrected: greets one client with "Hello World!". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

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

int main(int argc, char *argv[])
{
    int serv_sock, clnt_sock, on = 1;
    struct sockaddr_in serv_addr, clnt_addr;
    socklen_t addr_size;
    const char message[] = "Hello World!";

    if (argc != 2) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <port>\n", argv[0]);
        exit(2);
    }

    serv_sock = socket(PF_INET, SOCK_STREAM, 0);
    if (serv_sock == -1)
        error_handling("socket() error");
    /* A restarted server must not wait out the TIME_WAIT of its last connection. */
    if (setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
        error_handling("setsockopt() error");

    memset(&serv_addr, 0, sizeof(serv_addr));
    serv_addr.sin_family = AF_INET;
    /* Fix: the notes' server steps wrote inet_addr(INADDR_ANY); inet_addr() parses a string
     * such as "10.1.2.3", and INADDR_ANY is the number 0; htonl() orders a number's bytes. */
    serv_addr.sin_addr.s_addr = htonl(INADDR_ANY);
    serv_addr.sin_port = htons(atoi(argv[1])); /* 0: the system chooses a free port */
    if (bind(serv_sock, (struct sockaddr *)&serv_addr, sizeof(serv_addr)) == -1)
        error_handling("bind() error");
    if (listen(serv_sock, 5) == -1)
        error_handling("listen() error");

    addr_size = sizeof(serv_addr);
    if (getsockname(serv_sock, (struct sockaddr *)&serv_addr, &addr_size) == -1)
        error_handling("getsockname() error");
    printf("Listening on port %d\n", ntohs(serv_addr.sin_port));
    /* Printed before accept() blocks, even when stdout is a pipe or a file. */
    fflush(stdout);

    addr_size = sizeof(clnt_addr);
    clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_addr, &addr_size);
    if (clnt_sock == -1)
        error_handling("accept() error");
    /* Fix: the notes sent sizeof(message), the '\0' too; TCP carries bytes, not C strings,
     * so only the text goes and the client ends the string itself. */
    if (write_all(clnt_sock, message, strlen(message)) == -1)
        error_handling("write() error");
    close(clnt_sock);
    close(serv_sock);
    return 0;
}
