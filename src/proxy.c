/*
 * proxy: the PROXY protocol header, as HAProxy's doc/proxy-protocol.txt defines it. Each check
 * runs on the bytes seen so far, so that a header that cannot be valid is refused at the first
 * byte that shows it, not when the longest header would have arrived.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* The longest address text inet_pton() takes: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255". */
#define ADDR_TEXT_MAX 45

static const char v1_sig[6] = {'P', 'R', 'O', 'X', 'Y', ' '};
static const unsigned char v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                         0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

/* The fields of a v1 line after "PROXY ", in order. */
enum field { PROTO, SRC, DST, SPORT, DPORT };

static const char *const field_why[] = {
    [PROTO] = "v1: bad protocol (not TCP4, TCP6 or UNKNOWN)",
    [SRC] = "v1: bad source address",
    [DST] = "v1: bad destination address",
    [SPORT] = "v1: bad source port",
    [DPORT] = "v1: bad destination port",
};

static long fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -1;
}

/* More bytes are needed: fine while a v1 line could still end within PROXY_V1_MAX bytes. */
static long v1_more(size_t len, const char **why)
{
    return len < PROXY_V1_MAX ? 0 : fail(why, "v1: no CRLF within 107 bytes");
}

/* Can the address text s (1 to ADDR_TEXT_MAX chars, room for 8 more) begin an address of
 * family af? It can if s plus one of the shortest endings it could still get ("0", ":", "::",
 * a dotted quad's missing ".0") is one: those cover every way an address can go on. */
static int addr_can_grow(int af, char *s, size_t k)
{
    static const char *const v6_ends[] = {"", "0", ":", "::"};
    unsigned char scratch[16];
    int dots = 0;

    for (size_t i = 0; af == AF_INET6 && i < sizeof(v6_ends) / sizeof(v6_ends[0]); i++) {
        /* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): room for 8, see above */
        strcpy(s + k, v6_ends[i]);
        if (inet_pton(af, s, scratch) == 1)
            return 1;
    }
    /* An IPv4 address, or the dotted quad ending an IPv6 one: complete it with zeros. */
    for (size_t i = 0; i < k; i++)
        dots += s[i] == '.';
    if (s[k - 1] == '.')
        s[k++] = '0';
    for (; dots < 3; dots++) {
        s[k++] = '.';
        s[k++] = '0';
    }
    s[k] = '\0';
    return inet_pton(af, s, scratch) == 1;
}

/* Is f[0..n) the address of family af (stored into addr) when whole, or the start of one? */
static int addr_ok(int af, const char *f, size_t n, int whole, void *addr)
{
    const char *chars = af == AF_INET ? "0123456789." : "0123456789abcdefABCDEF:.";
    char text[ADDR_TEXT_MAX + 16];

    if (n > ADDR_TEXT_MAX)
        return 0;
    /* inet_pton() stops at a NUL: check every byte here, so that "1.2.3.4\0x" is no address. */
    for (size_t i = 0; i < n; i++)
        if (f[i] == '\0' || !strchr(chars, f[i]))
            return 0;
    memcpy(text, f, n);
    text[n] = '\0';
    if (whole)
        return inet_pton(af, text, addr) == 1;
    return n == 0 || addr_can_grow(af, text, n);
}

/* Is f[0..n) a port (stored into *port) when whole, or the start of one? A port is 0-65535 in
 * decimal digits only. The spec says nothing of leading zeros: we refuse them ("0443"), as
 * no proxy sends them, so that each port has one spelling. */
static int port_ok(const char *f, size_t n, int whole, in_port_t *port)
{
    unsigned long v = 0;

    if (n == 0)
        return !whole;
    if (f[0] == '0' && n > 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(f[i] - '0');
        if (v > 65535)
            return 0;
    }
    *port = htons((in_port_t)v);
    return 1;
}

/* Is f[0..n) the protocol field (its family into *af) when whole, or the start of one? */
static int proto_ok(const char *f, size_t n, int whole, int *af)
{
    static const char *const names[] = {"TCP4", "TCP6", "UNKNOWN"};
    static const int families[] = {AF_INET, AF_INET6, AF_UNSPEC};

    for (int i = 0; i < 3; i++) {
        size_t k = strlen(names[i]);

        if (whole ? n == k && memcmp(f, names[i], k) == 0 : n <= k && memcmp(f, names[i], n) == 0) {
            *af = families[i];
            return 1;
        }
    }
    return 0;
}

/* Checks field fld, f[0..n), whole or not; a whole address or port goes into h. */
static int field_ok(enum field fld, int *af, const char *f, size_t n, int whole,
                    struct proxy_header *h)
{
    struct sockaddr_storage *ss = fld == SRC || fld == SPORT ? &h->src : &h->dst;
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    if (fld == PROTO)
        return proto_ok(f, n, whole, af);
    ss->ss_family = (sa_family_t)*af;
    if (fld == SRC || fld == DST)
        return addr_ok(*af, f, n, whole,
                       *af == AF_INET ? (void *)&in4->sin_addr : (void *)&in6->sin6_addr);
    return port_ok(f, n, whole, *af == AF_INET ? &in4->sin_port : &in6->sin6_port);
}

/* The line's end from pos: exactly one CRLF, no other CR or LF. Returns the header length. */
static long v1_end(const char *buf, size_t n, size_t len, size_t pos, const char **why)
{
    for (; pos < n; pos++) {
        if (buf[pos] == '\n')
            return fail(why, "v1: LF without CR");
        if (buf[pos] != '\r')
            continue;
        if (pos + 1 == n)
            break;
        return buf[pos + 1] == '\n' ? (long)pos + 2 : fail(why, "v1: CR without LF");
    }
    return v1_more(len, why);
}

/* Parses a v1 line ("PROXY " seen): its fields one by one, each separated by exactly one
 * space, the last ended by CRLF. Only the first PROXY_V1_MAX bytes are looked at. */
static long parse_v1(const char *buf, size_t len, struct proxy_header *h, const char **why)
{
    size_t n = len < PROXY_V1_MAX ? len : PROXY_V1_MAX, pos = sizeof(v1_sig), k;
    int af = AF_UNSPEC;

    h->version = 1;
    for (enum field fld = PROTO;; fld++) {
        /* cppcheck-suppress knownConditionTrueFalse ; wrong: len >= 6 here, see proxy_parse() */
        for (k = pos; k < n && buf[k] != ' ' && buf[k] != '\r' && buf[k] != '\n'; k++)
            ;
        if (!field_ok(fld, &af, buf + pos, k - pos, k < n, h))
            return fail(why, field_why[fld]);
        if (k == n)
            return v1_more(len, why);
        if (fld == DPORT || (fld == PROTO && af == AF_UNSPEC)) {
            /* The last field; after UNKNOWN the spec says to ignore all up to the CRLF. */
            h->local = af == AF_UNSPEC;
            if (buf[k] == ' ' && !h->local)
                return fail(why, "v1: too many fields");
            return v1_end(buf, n, len, k, why);
        }
        if (buf[k] != ' ')
            return fail(why, buf[k] == '\n' ? "v1: LF without CR" : "v1: too few fields");
        pos = k + 1;
    }
}

/* The address bytes a v2 PROXY command over STREAM needs, by family: none, IPv4, IPv6, UNIX. */
static const size_t v2_need[] = {0, 12, 36, 216};
static const char *const v2_short[] = {"", "v2: address block too short for IPv4",
                                       "v2: address block too short for IPv6",
                                       "v2: address block too short for UNIX"};

/* Copies a v2 address and port (network order already) into ss. */
static void v2_addr(struct sockaddr_storage *ss, int af, const unsigned char *addr,
                    const unsigned char *port)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    ss->ss_family = (sa_family_t)af;
    if (af == AF_INET) {
        memcpy(&in4->sin_addr, addr, 4);
        memcpy(&in4->sin_port, port, 2);
    } else {
        memcpy(&in6->sin6_addr, addr, 16);
        memcpy(&in6->sin6_port, port, 2);
    }
}

/* Parses a v2 header (its 12-byte signature seen), deciding from each byte as it arrives. */
static long parse_v2(const unsigned char *p, size_t len, struct proxy_header *h, const char **why)
{
    int proxy, family, transport;
    size_t alen;

    if (len < 13)
        return 0;
    if (p[12] >> 4 != 2)
        return fail(why, "v2: bad version");
    if ((p[12] & 15) > 1)
        return fail(why, "v2: bad command (not LOCAL or PROXY)");
    if (len < 14)
        return 0;
    proxy = p[12] & 15;
    family = p[13] >> 4;
    transport = p[13] & 15;
    /* Unassigned values "must be rejected", says the spec: even with LOCAL, whose family is
     * otherwise ignored. */
    if (family > 3)
        return fail(why, "v2: bad address family");
    if (transport > 2)
        return fail(why, "v2: bad transport protocol");
    if (proxy && transport == 2)
        return fail(why, "v2: not a stream");
    if (len < 16)
        return 0;
    alen = (size_t)p[14] << 8 | p[15];
    if (alen > PROXY_V2_MAX_LEN)
        return fail(why, "v2: address block longer than 1024 bytes");
    if (proxy && transport == 1 && alen < v2_need[family])
        return fail(why, v2_short[family]);
    if (len < 16 + alen)
        return 0;
    h->version = 2;
    /* LOCAL, UNSPEC (either nibble) and UNIX carry no address a TCP server can use. */
    h->local = !proxy || transport == 0 || family == 0 || family == 3;
    if (!h->local) {
        int af = family == 1 ? AF_INET : AF_INET6;
        size_t asize = family == 1 ? 4 : 16;

        v2_addr(&h->src, af, p + 16, p + 16 + 2 * asize);
        v2_addr(&h->dst, af, p + 16 + asize, p + 16 + 2 * asize + 2);
    }
    return (long)(16 + alen);
}

/* Does buf (len bytes) agree with sig as far as both go? */
static int starts_as(const void *buf, size_t len, const void *sig, size_t siglen)
{
    return memcmp(buf, sig, len < siglen ? len : siglen) == 0;
}

long proxy_parse(const void *buf, size_t len, struct proxy_header *h, const char **why)
{
    struct proxy_header tmp;
    long n;

    /* Zeroed, so that two parses of one header give equal bytes, padding included. */
    memset(&tmp, 0, sizeof(tmp));
    if (starts_as(buf, len, v1_sig, sizeof(v1_sig)))
        n = len < sizeof(v1_sig) ? 0 : parse_v1(buf, len, &tmp, why);
    else if (starts_as(buf, len, v2_sig, sizeof(v2_sig)))
        n = len < sizeof(v2_sig) ? 0 : parse_v2(buf, len, &tmp, why);
    else
        n = fail(why, "not a PROXY header");
    if (n > 0)
        memcpy(h, &tmp, sizeof(tmp));
    return n;
}
