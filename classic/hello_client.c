/* hello_client: the notes' first client, corrected: prints the greeting hello_server sends. */
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

int main(int argc, char *argv[])
{
    int sock;
    struct sockaddr_in serv_addr;
    char message[30];
    size_t len = 0;
    ssize_t str_len;

    if (argc != 3) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <IP> <port>\n", argv[0]);
        exit(2);
    }

    sock = socket(PF_INET, SOCK_STREAM, 0);
    if (sock == -1)
        error_handling("socket() error");

    memset(&serv_addr, 0, sizeof(serv_addr));
    serv_addr.sin_family = AF_INET;
    /* inet_pton() rejects what is not an address; inet_addr() would return INADDR_NONE,
     * which is also the valid address 255.255.255.255. */
    if (inet_pton(AF_INET, argv[1], &serv_addr.sin_addr) != 1) {
        fprintf(stderr, "%s: not an IPv4 address: %s\n", argv[0], argv[1]);
        exit(2);
    }
    serv_addr.sin_port = htons(atoi(argv[2]));
    if (connect(sock, (struct sockaddr *)&serv_addr, sizeof(serv_addr)) == -1)
        error_handling("connect() error");

    /* Fix: the notes took one read() as the whole greeting; TCP keeps no message boundaries,
     * so it may come in pieces. The server closes after it: read until end of file. */
    while (len < sizeof(message) - 1) {
        str_len = read(sock, message + len, sizeof(message) - 1 - len);
        /* Fix: the notes wrote `if(str_len = -1)`, an assignment whose value (-1) is true,
         * so every read counted as an error; `==` compares. */
        if (str_len == -1 && errno == EINTR)
            continue;
        if (str_len == -1)
            error_handling("read() error");
        if (str_len == 0)
            break;
        len += (size_t)str_len;
    }
    /* Fix: the notes never ended the string and relied on the server sending its '\0'. */
    message[len] = '\0';
    printf("Message from server: %s\n", message);
    close(sock);
    return 0;
}
