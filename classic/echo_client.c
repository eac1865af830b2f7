/* echo_client: the notes' echo client, corrected: sends each line typed and prints its echo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 1024

/* Fix: the notes' read_line() kept its buffer in static variables, so it could serve only one
 * descriptor; this client reads two (keyboard and server), each with its own struct reader. */
struct reader {
    int fd;
    char buf[BUF_SIZE];
    char *ptr;     /* next unread byte */
    ssize_t count; /* unread bytes from ptr on */
};

/* Prints what failed and why (errno), then exits 1. */
static void error_handling(const char *message)
{
    perror(message);
    exit(1);
}

/* Reads one byte into *c, refilling the buffer when it is empty (the notes' read_line()):
 * returns 1, 0 at end of file, or -1 (errno). */
static int reader_getc(struct reader *r, char *c)
{
    if (r->count <= 0) {
        /* Fix: the notes wrote `if ((r_count = read(...) < 0)`; `<` binds tighter than `=`, so
         * r_count got the comparison (0 or 1), not the count read. */
        do
            r->count = read(r->fd, r->buf, sizeof(r->buf));
        while (r->count == -1 && errno == EINTR);
        if (r->count <= 0)
            return (int)r->count;
        r->ptr = r->buf;
    }
    r->count--;
    *c = *r->ptr++;
    return 1;
}

/* Reads a line, '\n' included, into line and ends it with '\0'; a line longer than size - 1
 * bytes comes in pieces, as with fgets(). Returns its length, 0 at end of file, or -1. */
static ssize_t reader_line(struct reader *r, char *line, size_t size)
{
    size_t len = 0;
    int got = 1;

    while (len + 1 < size && (got = reader_getc(r, &line[len])) == 1)
        if (line[len++] == '\n')
            break;
    line[len] = '\0';
    return got == -1 ? -1 : (ssize_t)len;
}

/* Reads exactly len bytes, however many read() calls that takes: returns len, 0 if the input
 * ends first, or -1 (errno). */
static ssize_t reader_exact(struct reader *r, char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int got = reader_getc(r, &buf[i]);
        if (got != 1)
            return got;
    }
    return (ssize_t)len;
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
    int sock;
    struct sockaddr_in serv_adr;
    struct reader keyboard = {.fd = STDIN_FILENO}, server;
    char message[BUF_SIZE];
    ssize_t str_len;

    if (argc != 3) {
        /* Usage goes to stderr and exits 2, so a script tells it from a failure (1). */
        fprintf(stderr, "Usage: %s <IP> <port>\n", argv[0]);
        exit(2);
    }

    sock = socket(PF_INET, SOCK_STREAM, 0);
    if (sock == -1)
        error_handling("socket() error");
    server = (struct reader){.fd = sock};

    memset(&serv_adr, 0, sizeof(serv_adr));
    serv_adr.sin_family = AF_INET;
    /* inet_pton() rejects what is not an address; inet_addr() would return INADDR_NONE,
     * which is also the valid address 255.255.255.255. */
    if (inet_pton(AF_INET, argv[1], &serv_adr.sin_addr) != 1) {
        fprintf(stderr, "%s: not an IPv4 address: %s\n", argv[0], argv[1]);
        exit(2);
    }
    serv_adr.sin_port = htons(atoi(argv[2]));
    if (connect(sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
        error_handling("connect() error");
    puts("Connected.....");

    for (;;) {
        fputs("Input message(Q to quit): ", stdout);
        /* The prompt has no '\n', and read() on stdin does not flush stdout as fgets() does. */
        fflush(stdout);
        str_len = reader_line(&keyboard, message, sizeof(message));
        if (str_len == -1)
            error_handling("read() error");
        /* Fix: the notes ignored the end of input and sent the previous line again forever. */
        if (str_len == 0) {
            putchar('\n');
            break;
        }
        if (!strcmp(message, "q\n") || !strcmp(message, "Q\n"))
            break;
        if (write_all(sock, message, (size_t)str_len) == -1)
            error_handling("write() error");

        /* Fix: the notes took one read() as the whole echo; TCP keeps no message boundaries,
         * so read back as many bytes as were sent, however many reads that takes. */
        str_len = reader_exact(&server, message, (size_t)str_len);
        if (str_len == -1)
            error_handling("read() error");
        if (str_len == 0) {
            fputs("echo_client: the server closed the connection\n", stderr);
            exit(1);
        }
        message[str_len] = '\0';
        printf("Message from server: %s", message);
    }
    close(sock);
    return 0;
}
