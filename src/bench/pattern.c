/* pattern: the bytes echo-bench sends, chosen so that checking an echo costs no copy. */
#include "pattern.h"

#include <stdlib.h>

/* The period: the stream repeats every PERIOD bytes (a prime, so that it never lines up
 * with message sizes, which are mostly powers of two). */
#define PERIOD 1048573u

/* PERIOD bytes, then the first PATTERN_SPAN of them again, so no run has to wrap. */
static unsigned char *block;

int pattern_init(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    block = malloc(PERIOD + PATTERN_SPAN);
    if (!block)
        return -1;
    for (size_t i = 0; i < PERIOD; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        block[i] = (unsigned char)(x >> 32);
    }
    /* The copy may overlap itself (SPAN > PERIOD): byte by byte, forward. */
    for (size_t i = PERIOD; i < PERIOD + PATTERN_SPAN; i++)
        block[i] = block[i - PERIOD];
    return 0;
}

const unsigned char *pattern_at(uint64_t off)
{
    return block + off % PERIOD;
}

void pattern_fini(void)
{
    free(block);
    block = NULL;
}
