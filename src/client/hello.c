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
    ssize_t n;

    /* The server closes after the greeting: read to end of file, not one read(). */
    n = io_read_exact_seen(fd, buf, GREETING_MAX, client_read_hook(cfg));
    if (n < 0) {
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
