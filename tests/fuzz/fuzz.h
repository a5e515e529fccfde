/* fuzz.h - shared helpers for the libFuzzer harnesses in tests/fuzz/.
 *
 * Invariants
 * ----------
 * - A harness reads its fuzz input only through the fz_* cursor below, the
 *   same discipline as dissect/rd.h: a read that would cross the end fails
 *   and the harness stops.  The fuzz input is not packet data for the code
 *   under test: every packet handed to it is first copied into its own heap
 *   block of exactly its length (fz_dup), so AddressSanitizer catches a
 *   dissector reading one byte past the packet instead of silently reading
 *   the next record of the fuzz input.
 * - fz_check_str() aborts when an output string the code under test filled
 *   is not NUL-terminated inside its buffer: a property violation is a
 *   crash, so libFuzzer saves the input.
 *
 * Ownership: the cursor borrows the fuzz input; fz_dup returns a block the
 * caller frees.
 */
#ifndef MEETAUDIT_FUZZ_H
#define MEETAUDIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fz_cur {
    const uint8_t *p;
    size_t len, off;
} fz_cur;

static inline void fz_init(fz_cur *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->off = 0;
}

static inline size_t fz_left(const fz_cur *c) { return c->len - c->off; }

/* Next byte into *v; 0 when the input is exhausted. */
static inline int fz_u8(fz_cur *c, uint8_t *v)
{
    if (c->len - c->off < 1)
        return 0;
    *v = c->p[c->off++];
    return 1;
}

static inline int fz_be16(fz_cur *c, uint16_t *v)
{
    if (c->len - c->off < 2)
        return 0;
    *v = (uint16_t)((c->p[c->off] << 8) | c->p[c->off + 1]);
    c->off += 2;
    return 1;
}

static inline int fz_be32(fz_cur *c, uint32_t *v)
{
    if (c->len - c->off < 4)
        return 0;
    *v = ((uint32_t)c->p[c->off] << 24) | ((uint32_t)c->p[c->off + 1] << 16) |
         ((uint32_t)c->p[c->off + 2] << 8) | c->p[c->off + 3];
    c->off += 4;
    return 1;
}

/* Up to n bytes (fewer at the end of the input): pointer and *got. */
static inline const uint8_t *fz_take(fz_cur *c, size_t n, size_t *got)
{
    size_t left = c->len - c->off;
    if (n > left)
        n = left;
    const uint8_t *r = c->p + c->off;
    c->off += n;
    *got = n;
    return r;
}

/* A heap copy of exactly n bytes (malloc(1) for n == 0, so the pointer is
 * never NULL and any read through it is out of bounds).  Aborts on OOM. */
static inline uint8_t *fz_dup(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (!d)
        abort();
    if (n)
        memcpy(d, p, n);
    return d;
}

/* Abort unless s (a char array of size cap) holds a NUL. */
#define fz_check_str(s, cap)                                                  \
    do {                                                                      \
        if (!memchr((s), 0, (cap))) {                                         \
            fprintf(stderr, "fuzz: %s is not NUL-terminated\n", #s);          \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* Abort unless s (NUL-terminated) is printable ASCII only. */
static inline void fz_check_printable(const char *what, const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            fprintf(stderr, "fuzz: %s holds byte 0x%02x\n", what,
                    (unsigned char)*s);
            abort();
        }
}

#endif
