/* hello: read the greeting to the end and print it as the notes' hello_client does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "client.h"

#define GREETING_MAX 4096

int client_hello(int fd, const struct client_config *cfg)
{
    char buf[GREETING_MAX + 1];
    ssize_t n = 0, r = 0;

    /* The server closes after the greeting: read to end of file, not one read(). */
    while (n < GREETING_MAX && (r = client_read(fd, buf + n, GREETING_MAX - (size_t)n)) > 0)
        n += r;
    if (r < 0) {
        if (errno == EAGAIN)
            log_error("read: no greeting within %d s", cfg->timeout);
        else
            log_error("read: %s", strerror(errno));
        return 1;
    }
    if (n == 0) {
        log_error("server closed the connection without a greeting");
        return 1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '\0'))
        n--;
    buf[n] = '\0';
    printf("Message from server: %s\n", buf);
    return 0;
}
