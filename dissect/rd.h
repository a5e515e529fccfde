/* rd.h - the one bounds-checked reader every dissector uses for packet bytes.
 *
 * Invariants
 * ----------
 * A dis_rd is a cursor over a caller-owned byte range [p, p+len).  Every fetch
 * checks that the bytes it needs lie inside the range before touching them; a
 * fetch that would cross the end sets the sticky error flag, returns 0 (or
 * NULL) and leaves the cursor where it was.  Once the flag is set every later
 * fetch fails too, so a parser may read a whole structure and test
 * dis_rd_ok() once at the end, as tcpdump's GET_* macros and Suricata's
 * HAS_SPACE allow.  The comparisons are written as "need > len - off" so they
 * cannot overflow.  Multi-byte integers are assembled byte by byte in the
 * stated byte order: no casts of packet bytes to native integer types.
 *
 * Ownership: the reader never owns the bytes; they must outlive it.
 */
#ifndef MEETAUDIT_RD_H
#define MEETAUDIT_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct dis_rd {
    const uint8_t *p;   /* start of the range (caller-owned) */
    size_t len;         /* bytes in the range */
    size_t off;         /* cursor */
    int err;            /* sticky: set by the first fetch past the end */
} dis_rd;

static inline void dis_rd_init(dis_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = 0;
}

/* Bytes left after the cursor (0 once in error). */
static inline size_t dis_rd_left(const dis_rd *r)
{
    return r->err ? 0 : r->len - r->off;
}

static inline int dis_rd_ok(const dis_rd *r) { return !r->err; }

/* Non-zero when n more bytes are available; never sets the error flag. */
static inline int dis_rd_has(const dis_rd *r, size_t n)
{
    return !r->err && n <= r->len - r->off;
}

/* Pointer to the next n bytes and advance, or NULL (and error) if short. */
static inline const uint8_t *dis_rd_ptr(dis_rd *r, size_t n)
{
    if (r->err || n > r->len - r->off) {
        r->err = 1;
        return NULL;
    }
    if (!r->p) {                /* empty range over NULL: no arithmetic */
        static const uint8_t empty[1];
        return empty;
    }
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

/* Pointer to the current position without advancing (may be the end). */
static inline const uint8_t *dis_rd_cur(const dis_rd *r)
{
    return r->err || !r->p ? NULL : r->p + r->off;
}

static inline int dis_rd_skip(dis_rd *r, size_t n)
{
    return dis_rd_ptr(r, n) != NULL;
}

static inline uint8_t dis_rd_u8(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 1);
    return q ? q[0] : 0;
}

static inline uint16_t dis_rd_be16(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 2);
    return q ? (uint16_t)((q[0] << 8) | q[1]) : 0;
}

static inline uint32_t dis_rd_be24(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 3);
    return q ? ((uint32_t)q[0] << 16) | ((uint32_t)q[1] << 8) | q[2] : 0;
}

static inline uint32_t dis_rd_be32(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 4);
    return q ? ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
               ((uint32_t)q[2] << 8) | q[3] : 0;
}

static inline uint64_t dis_rd_be64(dis_rd *r)
{
    if (!dis_rd_has(r, 8)) {
        r->err = 1;
        return 0;
    }
    uint64_t hi = dis_rd_be32(r);
    uint64_t lo = dis_rd_be32(r);
    return (hi << 32) | lo;
}

static inline uint16_t dis_rd_le16(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 2);
    return q ? (uint16_t)(q[0] | (q[1] << 8)) : 0;
}

static inline uint32_t dis_rd_le32(dis_rd *r)
{
    const uint8_t *q = dis_rd_ptr(r, 4);
    return q ? (uint32_t)q[0] | ((uint32_t)q[1] << 8) |
               ((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24) : 0;
}

/* Copy n bytes out; on shortage dst is zeroed and the error flag set. */
static inline int dis_rd_copy(dis_rd *r, void *dst, size_t n)
{
    const uint8_t *q = dis_rd_ptr(r, n);
    if (!q) {
        memset(dst, 0, n);
        return 0;
    }
    memcpy(dst, q, n);
    return 1;
}

/* Split off the next n bytes as a sub-reader and advance past them.  On
 * shortage the sub-reader is empty and in error, and so is the parent. */
static inline dis_rd dis_rd_sub(dis_rd *r, size_t n)
{
    dis_rd s;
    const uint8_t *q = dis_rd_ptr(r, n);
    dis_rd_init(&s, q, q ? n : 0);
    if (!q)
        s.err = 1;
    return s;
}

/* Peek a byte at offset k from the cursor without advancing; 0 if absent. */
static inline int dis_rd_peek_u8(const dis_rd *r, size_t k, uint8_t *out)
{
    if (r->err || k >= r->len - r->off)
        return 0;
    *out = r->p[r->off + k];
    return 1;
}

#endif
