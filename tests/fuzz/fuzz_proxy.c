/*
 * fuzz_proxy: libFuzzer target for src/proxy.c. Beyond "no crash, no read past len" (ASan), it
 * aborts when proxy_parse() breaks what the server's session layer relies on: a result within
 * the bytes given, prefixes of a header that wait for more, a verdict that never changes as
 * more bytes arrive, and the same header parsed alone giving the same answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "../../src/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prefixes checked one by one up to this length, then every STRIDE-th: v1 headers and the v2
 * fixed part are all checked, long v2 TLV blocks sampled, to keep thousands of runs a second. */
#define ALL_PREFIXES 128
#define STRIDE       61

#define check(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_proxy: %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* proxy_parse() on a copy of the first n bytes in a buffer of exactly n, so that ASan sees a
 * read past n. */
static long parse_prefix(const uint8_t *data, size_t n, struct proxy_header *h)
{
    uint8_t *copy = malloc(n ? n : 1);
    const char *why = NULL;
    long r;

    check(copy != NULL);
    memcpy(copy, data, n);
    r = proxy_parse(copy, n, h, &why);
    check(r != -1 || (why != NULL && why[0] != '\0'));
    free(copy);
    return r;
}

/* A whole header: its fields in range, and the header alone parses the same. */
static void check_header(const uint8_t *data, long n, const struct proxy_header *h)
{
    struct proxy_header again;

    check(h->version == 1 || h->version == 2);
    check(h->local == 0 || h->local == 1);
    if (!h->local) {
        check(h->src.ss_family == AF_INET || h->src.ss_family == AF_INET6);
        check(h->dst.ss_family == h->src.ss_family);
    }
    check(h->version != 1 || n <= PROXY_V1_MAX);
    memset(&again, 0xa5, sizeof(again));
    check(parse_prefix(data, (size_t)n, &again) == n);
    check(memcmp(h, &again, sizeof(again)) == 0);
}

/* Every prefix agrees with the verdict on the whole: 0 before a header's end, its length from
 * there; never 0 again once -1; and h left alone unless a header is whole. */
static void check_prefixes(const uint8_t *data, size_t size, long n)
{
    struct proxy_header h, untouched;
    int refused = 0;
    long r;

    memset(&untouched, 0x5a, sizeof(untouched));
    for (size_t k = 0; k < size; k += k < ALL_PREFIXES ? 1 : STRIDE) {
        h = untouched;
        r = parse_prefix(data, k, &h);
        if (n > 0)
            check(r == ((long)k < n ? 0 : n));
        else
            check(r == n || (n == -1 && r == 0 && !refused));
        refused |= r == -1;
        if (r <= 0)
            check(memcmp(&h, &untouched, sizeof(h)) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proxy_header h;
    const char *why = NULL;
    long n;

    memset(&h, 0, sizeof(h));
    n = proxy_parse(data, size, &h, &why);
    check(n >= -1 && n <= (long)size && n <= PROXY_MAX);
    check(n != -1 || (why != NULL && why[0] != '\0'));
    check(n != 0 || size < PROXY_MAX);
    if (n > 0)
        check_header(data, n, &h);
    check_prefixes(data, size, n);
    return 0;
}
