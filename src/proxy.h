/* proxy: the PROXY protocol header (v1 text, v2 binary) that a load balancer such as HAProxy
 * sends before the client's bytes, telling the server who the client really is. Pure code. */
#ifndef TCPECHO_PROXY_H
#define TCPECHO_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

#define PROXY_V1_MAX     107  /* the spec's longest v1 line, CRLF included */
#define PROXY_V2_MAX_LEN 1024 /* longest v2 address+TLV block we accept (spec allows 65535) */
#define PROXY_MAX        (16 + PROXY_V2_MAX_LEN) /* the longest header proxy_parse() can accept */

struct proxy_header {
    int version; /* 1 or 2 */
    int local;   /* no client address: v2 LOCAL (the proxy's own health check), v1 UNKNOWN, v2
                    AF_UNSPEC or AF_UNIX */
    struct sockaddr_storage src, dst; /* AF_INET or AF_INET6 (port set) when !local */
};

/*
 * Parses the header at the start of buf (len bytes seen so far). Returns its length (> 0) and
 * fills h when buf holds a whole valid header; 0 when the len bytes are a valid beginning of a
 * header and more are needed; -1 when they cannot begin a valid header, with *why set to a short
 * static reason ("not a PROXY header", "v1: bad source address", "v2: address block longer than
 * 1024 bytes", ...). Reads no byte past len; h and *why are left alone unless said above; why
 * may be NULL.
 */
long proxy_parse(const void *buf, size_t len, struct proxy_header *h, const char **why);

#endif
