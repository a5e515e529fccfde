/* tcpreasm.c - bounded in-order reassembly of one TCP direction.
 * RFC 9293 section 3.4 (sequence numbers, SYN occupies one), RFC 1982
 * (serial number arithmetic).
 *
 * Invariants
 * ----------
 * - next_seq is the sequence number of the next byte the consumer will get.
 *   It is set once: from a SYN (ISN + 1) if one is seen before any payload,
 *   otherwise from the first segment that carries payload.  It only moves
 *   forward, by exactly the number of bytes delivered.
 * - Sequence numbers are compared only through serial_diff(), which maps the
 *   32-bit distance to a signed value in [-2^31, 2^31): a segment "behind"
 *   next_seq is old (retransmitted) data, one "ahead" waits in the list.
 * - The out-of-order list is sorted by sequence number, its pieces are
 *   disjoint, non-empty and lie strictly ahead of next_seq after every call.
 *   A new segment only fills the gaps between pieces already held, and
 *   in-order data is delivered around held pieces, so for every byte the
 *   first copy that arrived is the one delivered (first arrival wins).
 * - held counts every byte allocated for the list, node headers included,
 *   and never exceeds limit: a segment that would push it over gives the
 *   direction up (state FAILED) and frees the list.
 * - Once the state is not OK the list is empty and nothing is allocated
 *   again; every later call returns at once.
 *
 * Payload bytes are sliced with the dis_rd reader; the list nodes own
 * copies of the bytes they hold.
 */
#include "tcpreasm.h"

#include <stdlib.h>
#include <string.h>

#include "rd.h"

struct dis_tcpreasm_seg {
    dis_tcpreasm_seg *next;
    uint32_t seq;           /* sequence number of data[0] */
    size_t len;             /* > 0 */
    uint8_t data[];
};

/* Longest segment we accept: far above any real TCP segment, and small
 * enough that seq + len arithmetic never leaves the half sequence space. */
#define MAX_SEG_LEN ((size_t)1 << 30)

/* a - b in RFC 1982 serial arithmetic, as a signed distance. */
static int64_t serial_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d < 0x80000000u ? (int64_t)d : (int64_t)d - ((int64_t)1 << 32);
}

static size_t node_cost(size_t len)
{
    return sizeof(dis_tcpreasm_seg) + len;
}

static void free_list(dis_tcpreasm *r)
{
    dis_tcpreasm_seg *s = r->ooo;
    while (s) {
        dis_tcpreasm_seg *n = s->next;
        free(s);
        s = n;
    }
    r->ooo = NULL;
    r->held = 0;
}

void dis_tcpreasm_init(dis_tcpreasm *r, size_t limit)
{
    memset(r, 0, sizeof(*r));
    r->state = DIS_TCPREASM_OK;
    r->limit = limit ? limit : DIS_TCPREASM_DEFAULT_LIMIT;
}

void dis_tcpreasm_finish(dis_tcpreasm *r)
{
    free_list(r);
    if (r->state == DIS_TCPREASM_OK)
        r->state = DIS_TCPREASM_FINISHED;
}

static void give_up(dis_tcpreasm *r)
{
    free_list(r);
    r->state = DIS_TCPREASM_FAILED;
}

/* Hand n in-order bytes to the consumer.  Returns non-zero when the consumer
 * says it is finished (the caller then stops and frees). */
static int deliver(dis_tcpreasm *r, const uint8_t *p, size_t n,
                   dis_tcpreasm_fn fn, void *ctx)
{
    r->next_seq += (uint32_t)n;
    r->delivered += n;
    return fn(ctx, p, n);
}

/* Deliver everything now in order: the new segment [seq, seq+len) (which
 * starts at or before next_seq; len may be 0) interleaved with held pieces,
 * held bytes taking precedence where they overlap.  Returns non-zero when
 * the consumer finished. */
static int merge(dis_tcpreasm *r, uint32_t seq, const uint8_t *p, size_t len,
                 dis_tcpreasm_fn fn, void *ctx)
{
    for (;;) {
        dis_tcpreasm_seg *h = r->ooo;
        if (h && serial_diff(h->seq, r->next_seq) <= 0) {
            /* A held piece is reachable: deliver its unseen tail. */
            uint32_t skip = r->next_seq - h->seq;
            int done = 0;
            r->ooo = h->next;
            r->held -= node_cost(h->len);
            if (skip < h->len)
                done = deliver(r, h->data + skip, h->len - skip, fn, ctx);
            free(h);
            if (done)
                return 1;
            continue;
        }
        /* Bytes of the new segment at next_seq, up to the next held piece. */
        uint32_t d = r->next_seq - seq;
        if (len == 0 || d >= len)
            return 0;
        size_t avail = len - d;
        if (h) {
            uint32_t gap = h->seq - r->next_seq; /* > 0: h is ahead */
            if (gap < avail)
                avail = gap;
        }
        dis_rd rd;
        dis_rd_init(&rd, p, len);
        dis_rd_skip(&rd, d);
        const uint8_t *q = dis_rd_ptr(&rd, avail);
        if (!q)
            return 0; /* cannot happen: d + avail <= len */
        if (deliver(r, q, avail, fn, ctx))
            return 1;
    }
}

/* Copy seg[off, off+n) into a new node.  NULL on allocation failure. */
static dis_tcpreasm_seg *make_node(uint32_t seq, const uint8_t *p, size_t len,
                                   size_t off, size_t n)
{
    dis_rd rd;
    dis_rd_init(&rd, p, len);
    dis_rd_skip(&rd, off);
    const uint8_t *q = dis_rd_ptr(&rd, n);
    if (!q)
        return NULL;
    dis_tcpreasm_seg *s = malloc(node_cost(n));
    if (!s)
        return NULL;
    s->next = NULL;
    s->seq = seq + (uint32_t)off;
    s->len = n;
    memcpy(s->data, q, n);
    return s;
}

/* Hold the parts of [seq, seq+len) (strictly ahead of next_seq) that no
 * held piece covers yet.  Returns -1 when over the limit or out of memory. */
static int hold(dis_tcpreasm *r, uint32_t seq, const uint8_t *p, size_t len)
{
    /* Work in offsets from next_seq: every held piece and the new segment
     * start within 2^31 ahead, so these fit comfortably in 64 bits. */
    uint64_t start = (uint64_t)serial_diff(seq, r->next_seq);
    uint64_t end = start + len;
    uint64_t pos = start;
    dis_tcpreasm_seg **link = &r->ooo;

    while (pos < end) {
        dis_tcpreasm_seg *h = *link;
        uint64_t hs = h ? (uint64_t)serial_diff(h->seq, r->next_seq) : end;
        uint64_t he = h ? hs + h->len : end;
        if (h && he <= pos) {           /* entirely before pos */
            link = &h->next;
            continue;
        }
        if (hs > pos) {                 /* gap [pos, min(hs, end)) */
            uint64_t gend = hs < end ? hs : end;
            size_t n = (size_t)(gend - pos);
            if (r->held + node_cost(n) > r->limit)
                return -1;
            dis_tcpreasm_seg *s = make_node(seq, p, len,
                                            (size_t)(pos - start), n);
            if (!s)
                return -1;
            s->next = h;
            *link = s;
            r->held += node_cost(n);
            link = &s->next;
            pos = gend;
            continue;
        }
        /* h covers pos: first arrival wins, skip past it. */
        pos = he;
        link = &h->next;
    }
    return 0;
}

int dis_tcpreasm_segment(dis_tcpreasm *r, uint32_t seq, int syn,
                         const uint8_t *p, size_t len,
                         dis_tcpreasm_fn fn, void *ctx)
{
    if (r->state != DIS_TCPREASM_OK)
        return r->state;
    if (syn) {
        if (!r->have_next) {
            r->next_seq = seq + 1;
            r->have_next = 1;
        }
        seq += 1;
    }
    if (!p || len == 0 || len > MAX_SEG_LEN)
        return r->state;
    if (!r->have_next) {
        r->next_seq = seq;
        r->have_next = 1;
    }

    int64_t off = serial_diff(seq, r->next_seq);
    if (off > 0) {
        if (hold(r, seq, p, len) < 0)
            give_up(r);
        return r->state;
    }
    if ((uint64_t)(-off) >= len)
        return r->state;                /* old data: a retransmission */
    if (merge(r, seq, p, len, fn, ctx))
        dis_tcpreasm_finish(r);
    return r->state;
}
