/* pattern: the bytes echo-bench sends, chosen so that checking an echo costs no copy. */
#ifndef TCPECHO_PATTERN_H
#define TCPECHO_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* The longest run pattern_at() returns contiguously: enough for the largest message. */
#define PATTERN_SPAN ((size_t)1 << 20)

/* Fills the pattern (pseudo-random, the same on every run). Returns 0, or -1 (no memory). */
int pattern_init(void);

/*
 * Returns the stream byte at offset off, followed by PATTERN_SPAN - 1 more in order. Each
 * connection starts at its own offset, so bytes echoed on the wrong connection or out of
 * order do not match.
 */
const unsigned char *pattern_at(uint64_t off);

/* Frees the pattern. */
void pattern_fini(void);

#endif
