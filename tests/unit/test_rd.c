/* test_rd.c - unit tests for dissect/rd.h, the bounded packet reader.
 *
 * Every fetch is exercised at its exact boundary (enough bytes, one byte
 * short), the sticky error flag is checked after each failure, and sizes
 * near SIZE_MAX make sure the bound checks cannot wrap.  Buffers are
 * malloc'd at their exact size so ASan reports any read past the end.
 */
#include "../../dissect/rd.h"
#include "tu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An exact-size heap copy of bytes (ASan catches one byte over). */
static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (p && n)
        memcpy(p, b, n);
    return p;
}

static const uint8_t SEQ[16] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

TU_TEST(init_and_left)
{
    dis_rd r;
    dis_rd_init(&r, SEQ, 16);
    TU_CHECK_INT(dis_rd_left(&r), 16);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK(dis_rd_cur(&r) == SEQ);
    /* A NULL range is empty whatever length is claimed. */
    dis_rd_init(&r, NULL, 100);
    TU_CHECK_INT(dis_rd_left(&r), 0);
    TU_CHECK(!dis_rd_has(&r, 1));
    TU_CHECK_INT(dis_rd_u8(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
}

TU_TEST(u8_exact_boundary)
{
    uint8_t *b = dup_exact(SEQ, 3);
    dis_rd r;
    dis_rd_init(&r, b, 3);
    TU_CHECK_INT(dis_rd_u8(&r), 1);
    TU_CHECK_INT(dis_rd_u8(&r), 2);
    TU_CHECK_INT(dis_rd_u8(&r), 3);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    TU_CHECK_INT(dis_rd_u8(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 3);
    free(b);
}

TU_TEST(be16_boundary)
{
    uint8_t *b = dup_exact(SEQ, 3);
    dis_rd r;
    dis_rd_init(&r, b, 2);
    TU_CHECK_INT(dis_rd_be16(&r), 0x0102);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    dis_rd_init(&r, b, 3);
    dis_rd_u8(&r);
    TU_CHECK_INT(dis_rd_be16(&r), 0x0203);
    TU_CHECK(dis_rd_ok(&r));
    /* one byte short: error, value 0, cursor unchanged */
    dis_rd_init(&r, b, 3);
    dis_rd_skip(&r, 2);
    TU_CHECK_INT(dis_rd_be16(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 2);
    free(b);
}

TU_TEST(be24_boundary)
{
    uint8_t *b = dup_exact(SEQ, 4);
    dis_rd r;
    dis_rd_init(&r, b, 3);
    TU_CHECK_INT(dis_rd_be24(&r), 0x010203);
    TU_CHECK(dis_rd_ok(&r));
    dis_rd_init(&r, b, 4);
    dis_rd_u8(&r);
    TU_CHECK_INT(dis_rd_be24(&r), 0x020304);
    TU_CHECK(dis_rd_ok(&r));
    dis_rd_init(&r, b, 2);
    TU_CHECK_INT(dis_rd_be24(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 0);
    free(b);
}

TU_TEST(be32_boundary)
{
    static const uint8_t hi[4] = { 0xff, 0xfe, 0x80, 0x01 };
    uint8_t *b = dup_exact(hi, 4);
    dis_rd r;
    dis_rd_init(&r, b, 4);
    TU_CHECK(dis_rd_be32(&r) == 0xfffe8001u);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    dis_rd_init(&r, b, 3);
    TU_CHECK_INT(dis_rd_be32(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 0);
    free(b);
}

TU_TEST(be64_boundary)
{
    uint8_t *b = dup_exact(SEQ, 8);
    dis_rd r;
    dis_rd_init(&r, b, 8);
    TU_CHECK(dis_rd_be64(&r) == 0x0102030405060708ull);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    dis_rd_init(&r, b, 7);
    (void)dis_rd_be64(&r);
    TU_CHECK(!dis_rd_ok(&r));
    free(b);
}

/* rd.h promises a fetch that crosses the end returns 0 and leaves the
 * cursor where it was.  dis_rd_be64 reads two halves: with 4..7 bytes left
 * the first half succeeds. */
TU_TEST(be64_short_returns_zero_cursor_kept)
{
    uint8_t *b = dup_exact(SEQ, 7);
    dis_rd r;
    dis_rd_init(&r, b, 7);
    uint64_t v = dis_rd_be64(&r);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(v, 0);
    TU_CHECK_INT(r.off, 0);
    free(b);
}

TU_TEST(le16_le32_boundary)
{
    uint8_t *b = dup_exact(SEQ, 6);
    dis_rd r;
    dis_rd_init(&r, b, 6);
    TU_CHECK_INT(dis_rd_le16(&r), 0x0201);
    TU_CHECK(dis_rd_le32(&r) == 0x06050403u);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    dis_rd_init(&r, b, 1);
    TU_CHECK_INT(dis_rd_le16(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    dis_rd_init(&r, b, 3);
    TU_CHECK_INT(dis_rd_le32(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 0);
    free(b);
}

TU_TEST(sticky_error)
{
    uint8_t *b = dup_exact(SEQ, 4);
    dis_rd r;
    dis_rd_init(&r, b, 4);
    TU_CHECK_INT(dis_rd_be24(&r), 0x010203);
    TU_CHECK_INT(dis_rd_be16(&r), 0); /* needs 2, has 1 */
    TU_CHECK(!dis_rd_ok(&r));
    /* the byte still there is no longer reachable */
    TU_CHECK_INT(dis_rd_u8(&r), 0);
    TU_CHECK(dis_rd_ptr(&r, 0) == NULL);
    TU_CHECK(dis_rd_cur(&r) == NULL);
    TU_CHECK_INT(dis_rd_left(&r), 0);
    TU_CHECK(!dis_rd_has(&r, 0));
    TU_CHECK(!dis_rd_skip(&r, 0));
    uint8_t v = 0x55;
    TU_CHECK(!dis_rd_peek_u8(&r, 0, &v));
    TU_CHECK_INT(v, 0x55);
    dis_rd s = dis_rd_sub(&r, 0);
    TU_CHECK(!dis_rd_ok(&s));
    TU_CHECK(!dis_rd_ok(&r));
    free(b);
}

TU_TEST(ptr_and_skip)
{
    uint8_t *b = dup_exact(SEQ, 10);
    dis_rd r;
    dis_rd_init(&r, b, 10);
    const uint8_t *q = dis_rd_ptr(&r, 4);
    TU_CHECK(q == b);
    TU_CHECK(dis_rd_skip(&r, 6));
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&r), 0);
    /* zero bytes at the very end: fine, points at the end */
    TU_CHECK(dis_rd_ptr(&r, 0) == b + 10);
    TU_CHECK(dis_rd_skip(&r, 0));
    TU_CHECK(dis_rd_cur(&r) == b + 10);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK(dis_rd_ptr(&r, 1) == NULL);
    TU_CHECK(!dis_rd_ok(&r));

    dis_rd_init(&r, b, 10);
    TU_CHECK(!dis_rd_skip(&r, 11));
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 0);
    free(b);
}

TU_TEST(has_never_sets_error)
{
    dis_rd r;
    dis_rd_init(&r, SEQ, 5);
    TU_CHECK(dis_rd_has(&r, 0));
    TU_CHECK(dis_rd_has(&r, 5));
    TU_CHECK(!dis_rd_has(&r, 6));
    TU_CHECK(dis_rd_ok(&r));
    dis_rd_skip(&r, 5);
    TU_CHECK(dis_rd_has(&r, 0));
    TU_CHECK(!dis_rd_has(&r, 1));
    TU_CHECK(dis_rd_ok(&r));
}

TU_TEST(copy_ok_and_short)
{
    uint8_t *b = dup_exact(SEQ, 5);
    dis_rd r;
    uint8_t out[8];
    memset(out, 0xaa, sizeof out);
    dis_rd_init(&r, b, 5);
    TU_CHECK(dis_rd_copy(&r, out, 5));
    TU_CHECK(memcmp(out, SEQ, 5) == 0);
    TU_CHECK_INT(out[5], 0xaa);
    dis_rd_init(&r, b, 5);
    memset(out, 0xaa, sizeof out);
    TU_CHECK(!dis_rd_copy(&r, out, 6));
    TU_CHECK(!dis_rd_ok(&r));
    for (int i = 0; i < 6; i++)
        TU_CHECK_INT(out[i], 0);
    TU_CHECK_INT(out[6], 0xaa);
    free(b);
}

TU_TEST(sub_reader)
{
    uint8_t *b = dup_exact(SEQ, 8);
    dis_rd r;
    dis_rd_init(&r, b, 8);
    dis_rd_u8(&r);
    dis_rd s = dis_rd_sub(&r, 4);
    TU_CHECK(dis_rd_ok(&s));
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&s), 4);
    TU_CHECK_INT(dis_rd_left(&r), 3);
    TU_CHECK(dis_rd_be32(&s) == 0x02030405u);
    /* the sub-reader stops at its own end even though the parent has more */
    TU_CHECK_INT(dis_rd_u8(&s), 0);
    TU_CHECK(!dis_rd_ok(&s));
    /* an error in the sub-reader does not spill into the parent */
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_u8(&r), 6);
    /* exactly the rest */
    dis_rd s2 = dis_rd_sub(&r, 2);
    TU_CHECK(dis_rd_ok(&s2));
    TU_CHECK_INT(dis_rd_be16(&s2), 0x0708);
    TU_CHECK_INT(dis_rd_left(&r), 0);
    /* zero-length sub at the end is fine and empty */
    dis_rd s3 = dis_rd_sub(&r, 0);
    TU_CHECK(dis_rd_ok(&s3));
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&s3), 0);
    /* a sub longer than what is left: both in error, sub empty */
    dis_rd_init(&r, b, 8);
    dis_rd s4 = dis_rd_sub(&r, 9);
    TU_CHECK(!dis_rd_ok(&s4));
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&s4), 0);
    TU_CHECK_INT(dis_rd_u8(&s4), 0);
    /* nested subs */
    dis_rd_init(&r, b, 8);
    dis_rd a = dis_rd_sub(&r, 6);
    dis_rd_skip(&a, 1);
    dis_rd a2 = dis_rd_sub(&a, 3);
    TU_CHECK_INT(dis_rd_be24(&a2), 0x020304);
    TU_CHECK_INT(dis_rd_left(&a), 2);
    TU_CHECK_INT(dis_rd_left(&r), 2);
    free(b);
}

TU_TEST(peek)
{
    uint8_t *b = dup_exact(SEQ, 3);
    dis_rd r;
    uint8_t v = 0;
    dis_rd_init(&r, b, 3);
    dis_rd_u8(&r);
    TU_CHECK(dis_rd_peek_u8(&r, 0, &v));
    TU_CHECK_INT(v, 2);
    TU_CHECK(dis_rd_peek_u8(&r, 1, &v));
    TU_CHECK_INT(v, 3);
    v = 0x77;
    TU_CHECK(!dis_rd_peek_u8(&r, 2, &v));
    TU_CHECK_INT(v, 0x77);
    TU_CHECK(!dis_rd_peek_u8(&r, SIZE_MAX, &v));
    TU_CHECK(dis_rd_ok(&r)); /* peeking never sets the error */
    TU_CHECK_INT(r.off, 1);  /* nor moves the cursor */
    free(b);
}

TU_TEST(zero_length_range)
{
    uint8_t *b = dup_exact(SEQ, 0);
    dis_rd r;
    uint8_t v;
    dis_rd_init(&r, b, 0);
    TU_CHECK_INT(dis_rd_left(&r), 0);
    TU_CHECK(dis_rd_has(&r, 0));
    TU_CHECK(!dis_rd_peek_u8(&r, 0, &v));
    TU_CHECK(dis_rd_ptr(&r, 0) == b);
    TU_CHECK(dis_rd_ok(&r));
    dis_rd_init(&r, b, 0);
    TU_CHECK_INT(dis_rd_u8(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    dis_rd_init(&r, b, 0);
    TU_CHECK_INT(dis_rd_be16(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    dis_rd_init(&r, b, 0);
    TU_CHECK_INT(dis_rd_be32(&r), 0);
    TU_CHECK(!dis_rd_ok(&r));
    dis_rd_init(&r, b, 0);
    TU_CHECK(!dis_rd_skip(&r, 1));
    free(b);
}

/* Huge counts must fail cleanly: a check written as off + n > len would
 * wrap around and let these through. */
TU_TEST(huge_n_no_overflow)
{
    uint8_t *b = dup_exact(SEQ, 8);
    dis_rd r;
    dis_rd_init(&r, b, 8);
    TU_CHECK(!dis_rd_has(&r, SIZE_MAX));
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK(dis_rd_ptr(&r, SIZE_MAX) == NULL);
    TU_CHECK(!dis_rd_ok(&r));

    dis_rd_init(&r, b, 8);
    dis_rd_skip(&r, 3);
    /* off + n wraps to 2 here */
    TU_CHECK(!dis_rd_has(&r, SIZE_MAX - 0));
    TU_CHECK(!dis_rd_has(&r, SIZE_MAX - 1));
    TU_CHECK(!dis_rd_skip(&r, SIZE_MAX - 0));
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(r.off, 3);

    dis_rd_init(&r, b, 8);
    dis_rd_skip(&r, 3);
    TU_CHECK(dis_rd_ptr(&r, SIZE_MAX - 1) == NULL);
    TU_CHECK(!dis_rd_ok(&r));

    dis_rd_init(&r, b, 8);
    dis_rd_skip(&r, 7);
    dis_rd s = dis_rd_sub(&r, SIZE_MAX);
    TU_CHECK(!dis_rd_ok(&s));
    TU_CHECK(!dis_rd_ok(&r));
    TU_CHECK_INT(dis_rd_left(&s), 0);

    dis_rd_init(&r, b, 8);
    TU_CHECK(!dis_rd_skip(&r, SIZE_MAX / 2 + 1));
    TU_CHECK(!dis_rd_ok(&r));
    free(b);
}

/* Walk every reader over every prefix of a buffer: reads succeed exactly
 * while they fit. */
TU_TEST(every_fetch_every_length)
{
    static const size_t widths[] = { 1, 2, 3, 4, 8 };
    for (size_t len = 0; len <= 16; len++) {
        uint8_t *b = dup_exact(SEQ, len);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            dis_rd r;
            dis_rd_init(&r, b, len);
            size_t got = 0;
            for (;;) {
                uint64_t v;
                size_t n = widths[w];
                switch (n) {
                case 1: v = dis_rd_u8(&r); break;
                case 2: v = dis_rd_be16(&r); break;
                case 3: v = dis_rd_be24(&r); break;
                case 4: v = dis_rd_be32(&r); break;
                default: v = dis_rd_be64(&r); break;
                }
                if (!dis_rd_ok(&r))
                    break;
                /* the value is the big-endian number at offset got */
                uint64_t want = 0;
                for (size_t i = 0; i < n; i++)
                    want = (want << 8) | SEQ[got + i];
                TU_CHECK(v == want);
                got += n;
            }
            TU_CHECK_INT(got, len - len % widths[w]);
        }
        free(b);
    }
}

/* An empty reader over a NULL range (how callers say "no payload") must
 * accept zero-length requests like any other empty reader: the zero-length
 * sub-reader is not "short", and computing NULL + 0 is undefined behaviour
 * in C (UBSan: "applying zero offset to null pointer").  Run last: under
 * -fno-sanitize-recover a UB report ends the program. */
TU_TEST(null_range_zero_length)
{
    dis_rd r;
    dis_rd_init(&r, NULL, 0);
    TU_CHECK(dis_rd_has(&r, 0));
    TU_CHECK(dis_rd_skip(&r, 0));
    TU_CHECK(dis_rd_ok(&r));
    dis_rd s = dis_rd_sub(&r, 0);
    TU_CHECK(dis_rd_ok(&r));
    TU_CHECK(dis_rd_ok(&s));
    TU_CHECK_INT(dis_rd_left(&s), 0);
}

int main(void)
{
    TU_RUN(init_and_left);
    TU_RUN(u8_exact_boundary);
    TU_RUN(be16_boundary);
    TU_RUN(be24_boundary);
    TU_RUN(be32_boundary);
    TU_RUN(be64_boundary);
    TU_RUN(be64_short_returns_zero_cursor_kept);
    TU_RUN(le16_le32_boundary);
    TU_RUN(sticky_error);
    TU_RUN(ptr_and_skip);
    TU_RUN(has_never_sets_error);
    TU_RUN(copy_ok_and_short);
    TU_RUN(sub_reader);
    TU_RUN(peek);
    TU_RUN(zero_length_range);
    TU_RUN(huge_n_no_overflow);
    TU_RUN(every_fetch_every_length);
    TU_RUN(null_range_zero_length);
    return tu_finish();
}
