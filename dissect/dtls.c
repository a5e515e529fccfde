/* dtls.c - DTLS record walk and handshake fragment reassembly for UDP flows
 * that multiplex STUN, DTLS and SRTP on one 5-tuple (WebRTC).
 * RFC 6347 sections 4.1 (record layer), 4.2.1 (ClientHello cookie), 4.2.2
 * (handshake message header, fragmentation); RFC 4347 (DTLS 1.0); RFC 9147
 * section 4 (DTLS 1.3 unified header); RFC 9146 (tls12_cid content type);
 * RFC 7983 / RFC 9443 (first-byte demultiplexing); RFC 8656 (TURN).
 *
 * Invariants
 * ----------
 * - Classification first.  A datagram is DTLS when its first byte is in
 *   20..31 and a DTLSPlaintext header with version 0xfeff or 0xfefd follows,
 *   or when its first byte is 0b001xxxxx (a DTLS 1.3 unified header) and the
 *   flow has already shown a DTLSPlaintext record.  Everything else returns 0
 *   after looking at three bytes at most, so SRTP after the handshake costs
 *   nothing.
 * - Records are walked back to back (RFC 6347 4.1): each DTLSPlaintext length
 *   bounds its body through a sub-reader.  The walk ends at a truncated
 *   header or body, at an unknown version, at a tls12_cid record or a unified
 *   header with a connection id (their length cannot be located without the
 *   negotiated CID length), or at a unified header without a length field
 *   (it runs to the end of the datagram).  Only epoch-0 records are read;
 *   everything else is encrypted and skipped.
 * - Per direction: handshake fragments are reassembled per message_seq into
 *   at most DIS_DTLS_MAX_INFLIGHT slots holding at most DIS_DTLS_MAX_BUFFER
 *   body bytes in total.  A slot owns one heap block: 4 bytes of room for the
 *   TLS header, the body, and a bitmap of received body bytes; bytes already
 *   received are never overwritten (first arrival wins), so duplicates and
 *   overlaps are harmless and `have` counts distinct bytes.  A fragment is
 *   dropped when its offset + length exceeds the message length, when it
 *   disagrees with its slot on type or length, or when its message_seq is
 *   below next_seq (a retransmission of something emitted) or 16 or more
 *   above it.  A message longer than DIS_DTLS_MAX_BUFFER becomes a "dead"
 *   slot: no memory, never emitted, skipped when its turn comes.  When slots
 *   or bytes run short, slots with a higher message_seq than the newcomer
 *   are evicted (highest first), since lower ones must be emitted first.
 * - Emission is in message_seq order: the slot whose seq is next_seq is
 *   emitted (or skipped if dead) as soon as it is complete, then next_seq
 *   advances and the following slot is tried.  Each message_seq is emitted at
 *   most once.  next_seq starts at the first message_seq seen in the
 *   direction and moves down to any lower one seen while nothing has been
 *   emitted.  Emission waits until the direction is "anchored" by a
 *   fragment of a message that opens a flight from the start of a handshake
 *   (ClientHello, ServerHello, HelloVerifyRequest): a datagram reordered
 *   ahead of the first one cannot then make the real first message look
 *   like a retransmission.  A capture that starts after the hellos is never
 *   anchored; its complete messages come out, in order, when it stops.
 * - A direction's handshake ends after it emits ServerHelloDone (type 14;
 *   nothing clear follows in that direction but alerts).  A direction stops
 *   altogether at an epoch-0 ChangeCipherSpec or after DIS_DTLS_BUDGET DTLS
 *   datagrams; on stopping, complete messages still waiting behind a gap
 *   are emitted in seq order (the gap is given up) and all slots are freed.
 * - Memory per handle is therefore the struct plus, per direction, at most
 *   64 KiB of bodies, their bitmaps and 4-byte header rooms.
 * - Every packet byte is read through dis_rd.  Bytes copied into slots are
 *   ours; the ClientHello rewrite reads them through dis_rd as well.
 */
#define _POSIX_C_SOURCE 200809L
#include "dtls.h"

#include <stdlib.h>
#include <string.h>

#include "rd.h"

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_CID = 25,
       CT_LAST = 26 };
enum { HT_CLIENT_HELLO = 1, HT_SERVER_HELLO = 2, HT_HELLO_VERIFY = 3,
       HT_SERVER_HELLO_DONE = 14 };
enum { V_DTLS10 = 0xfeff, V_DTLS12 = 0xfefd };

#define REC_HDR 13u             /* DTLSPlaintext header bytes */
#define SEQ_AHEAD 16u           /* accepted message_seq window */

typedef struct dtls_msg {
    int used;
    int dead;               /* given up: never emitted, skipped in order */
    int complete;           /* have == len: ready to emit */
    uint32_t seq;           /* message_seq */
    uint8_t type;           /* msg_type */
    uint32_t len;           /* body length from the header */
    uint32_t have;          /* distinct body bytes received */
    uint64_t done_frame;    /* frame that completed the body */
    uint8_t *buf;           /* owned: 4 + len body room + (len+7)/8 bitmap */
    size_t alloc;           /* bytes of buf */
} dtls_msg;

typedef struct dtls_dir {
    int stopped;            /* CCS or budget: nothing more is parsed */
    int hs_over;            /* ServerHelloDone emitted: only alerts left */
    int started;            /* next_seq is set */
    int emitted;            /* some message was emitted (or given up) */
    int anchored;           /* a hello was seen: emission may start */
    int version_told;
    uint32_t next_seq;
    unsigned datagrams;     /* DTLS datagrams examined */
    size_t body_held;       /* sum of len over live slots (the 64 KiB bound) */
    size_t alloc_held;      /* sum of alloc over slots */
    dtls_msg m[DIS_DTLS_MAX_INFLIGHT];
} dtls_dir;

struct dis_dtls {
    dtls_dir dir[2];
    int seen_plain;         /* a DTLSPlaintext record was seen on the flow */
};

/* Context of one dis_dtls_packet() call. */
typedef struct dtls_call {
    dis_dtls *d;
    int dir;
    uint64_t frame;
    const dis_dtls_sink *sink;
    int oom;
} dtls_call;

/* ---- classification --------------------------------------------------- */

static int version_ok(uint16_t v)
{
    return v == V_DTLS10 || v == V_DTLS12;
}

int dis_dtls_mux_class(const uint8_t *p, size_t len)
{
    dis_rd r;
    dis_rd_init(&r, p, len);
    uint8_t b = dis_rd_u8(&r);
    if (!dis_rd_ok(&r))
        return DIS_DTLS_MUX_OTHER;
    if (b <= 3)
        return DIS_DTLS_MUX_STUN;
    if (b <= 15)
        return DIS_DTLS_MUX_OTHER;
    if (b <= 19)
        return DIS_DTLS_MUX_ZRTP;
    if (b <= 63)
        return DIS_DTLS_MUX_DTLS;
    if (b <= 79)
        return DIS_DTLS_MUX_TURN;
    if (b >= 128 && b <= 191)
        return DIS_DTLS_MUX_RTP;
    return DIS_DTLS_MUX_QUIC;
}

/* Non-zero when r's cursor is at a DTLSPlaintext header (type 20..26,
 * known version, 13 bytes present); *rlen gets the length field (meaningless
 * for tls12_cid).  Does not move r. */
static int plain_header(const dis_rd *r, uint16_t *rlen)
{
    dis_rd h = *r;
    uint8_t type = dis_rd_u8(&h);
    uint16_t ver = dis_rd_be16(&h);
    dis_rd_skip(&h, 8);                 /* epoch(2) sequence_number(6) */
    *rlen = dis_rd_be16(&h);
    return dis_rd_ok(&h) && type >= CT_CCS && type <= CT_LAST &&
           version_ok(ver);
}

int dis_dtls_looks_like(const uint8_t *p, size_t len)
{
    dis_rd r;
    uint16_t rlen = 0;
    uint8_t type = 0;
    dis_rd_init(&r, p, len);
    if (!dis_rd_peek_u8(&r, 0, &type) || type == CT_CID ||
        !plain_header(&r, &rlen))
        return 0;
    return dis_rd_has(&r, REC_HDR + (size_t)rlen);
}

int dis_dtls_turn_payload(const uint8_t *p, size_t len, const uint8_t **inner,
                          size_t *inner_len)
{
    dis_rd r;
    uint8_t b = 0;
    dis_rd_init(&r, p, len);
    *inner = NULL;
    *inner_len = 0;
    if (!dis_rd_peek_u8(&r, 0, &b))
        return 0;
    if (b >= 64 && b <= 79) {           /* ChannelData: channel, length */
        dis_rd_skip(&r, 2);
        uint16_t dlen = dis_rd_be16(&r);
        const uint8_t *q = dis_rd_ptr(&r, dlen);
        if (!q)
            return 0;
        *inner = q;
        *inner_len = dlen;
        return 1;
    }
    if (b > 3)
        return 0;
    uint16_t type = dis_rd_be16(&r);
    uint16_t mlen = dis_rd_be16(&r);
    uint32_t cookie = dis_rd_be32(&r);
    dis_rd_skip(&r, 12);                /* transaction id */
    if (!dis_rd_ok(&r) || (type != 0x0016 && type != 0x0017) ||
        cookie != 0x2112a442u || mlen % 4 != 0)
        return 0;
    dis_rd attrs = dis_rd_sub(&r, mlen);
    while (dis_rd_left(&attrs) >= 4) {
        uint16_t at = dis_rd_be16(&attrs);
        uint16_t alen = dis_rd_be16(&attrs);
        const uint8_t *v = dis_rd_ptr(&attrs, alen);
        if (!v)
            return 0;
        if (at == 0x0013) {             /* DATA */
            *inner = v;
            *inner_len = alen;
            return 1;
        }
        dis_rd_skip(&attrs, (4u - alen % 4u) % 4u);
    }
    return 0;
}

/* ---- slots ------------------------------------------------------------ */

static void slot_free(dtls_dir *dd, dtls_msg *m)
{
    if (!m->dead) {
        dd->body_held -= m->len;
        dd->alloc_held -= m->alloc;
    }
    free(m->buf);
    memset(m, 0, sizeof(*m));
}

static void dir_free_slots(dtls_dir *dd)
{
    for (int i = 0; i < DIS_DTLS_MAX_INFLIGHT; i++)
        if (dd->m[i].used)
            slot_free(dd, &dd->m[i]);
}

static dtls_msg *slot_find(dtls_dir *dd, uint32_t seq)
{
    for (int i = 0; i < DIS_DTLS_MAX_INFLIGHT; i++)
        if (dd->m[i].used && dd->m[i].seq == seq)
            return &dd->m[i];
    return NULL;
}

/* The used slot with the highest seq above `above`, or NULL. */
static dtls_msg *slot_highest_above(dtls_dir *dd, uint32_t above)
{
    dtls_msg *best = NULL;
    for (int i = 0; i < DIS_DTLS_MAX_INFLIGHT; i++) {
        dtls_msg *m = &dd->m[i];
        if (m->used && m->seq > above && (!best || m->seq > best->seq))
            best = m;
    }
    return best;
}

static dtls_msg *slot_empty(dtls_dir *dd)
{
    for (int i = 0; i < DIS_DTLS_MAX_INFLIGHT; i++)
        if (!dd->m[i].used)
            return &dd->m[i];
    return NULL;
}

/* A slot for a new message (seq, type, len), evicting higher-seq slots when
 * slots or body bytes are short.  Returns NULL when it cannot be had (no
 * room, or out of memory: c->oom set). */
static dtls_msg *slot_new(dtls_call *c, dtls_dir *dd, uint32_t seq,
                          uint8_t type, uint32_t len)
{
    int dead = len > DIS_DTLS_MAX_BUFFER;
    dtls_msg *m = slot_empty(dd);
    while (!m || (!dead && dd->body_held + len > DIS_DTLS_MAX_BUFFER)) {
        dtls_msg *v = slot_highest_above(dd, seq);
        if (!v)
            return NULL;
        slot_free(dd, v);
        if (!m)
            m = v;
    }
    m->used = 1;
    m->seq = seq;
    m->type = type;
    m->len = len;
    if (dead) {
        m->dead = 1;
        return m;
    }
    m->alloc = 4 + (size_t)len + ((size_t)len + 7) / 8;
    m->buf = calloc(1, m->alloc);
    if (!m->buf) {
        memset(m, 0, sizeof(*m));
        c->oom = 1;
        return NULL;
    }
    dd->body_held += len;
    dd->alloc_held += m->alloc;
    return m;
}

/* ---- emission --------------------------------------------------------- */

/* Remove the cookie<0..255> that follows session_id in a DTLS ClientHello
 * body (RFC 6347 4.2.1), in place.  Returns the new body length, or -1 when
 * the body is too short to hold the fields up to the end of the cookie. */
static long strip_cookie(uint8_t *body, uint32_t len)
{
    dis_rd r;
    dis_rd_init(&r, body, len);
    dis_rd_skip(&r, 2 + 32);            /* client_version, random */
    uint8_t sid = dis_rd_u8(&r);
    dis_rd_skip(&r, sid);
    const uint8_t *at = dis_rd_cur(&r);
    uint8_t ck = dis_rd_u8(&r);
    dis_rd_skip(&r, ck);
    if (!dis_rd_ok(&r) || !at)
        return -1;
    size_t from = (size_t)(at - body);
    size_t after = from + 1 + ck;
    memmove(body + from, body + after, len - after);
    return (long)(len - (1 + (uint32_t)ck));
}

/* Hand one complete slot to the sink (rewriting a ClientHello) and free it.
 * A ClientHello too short to hold its cookie is dropped, not emitted. */
static void slot_emit(dtls_call *c, dtls_dir *dd, dtls_msg *m)
{
    uint8_t *body = m->buf + 4;
    long blen = m->len;
    if (m->type == HT_CLIENT_HELLO)
        blen = strip_cookie(body, m->len);
    if (blen >= 0 && c->sink && c->sink->handshake) {
        m->buf[0] = m->type;
        m->buf[1] = (uint8_t)(blen >> 16);
        m->buf[2] = (uint8_t)(blen >> 8);
        m->buf[3] = (uint8_t)blen;
        c->sink->handshake(c->sink->ctx, c->dir, m->buf, 4 + (size_t)blen,
                           m->done_frame);
    }
    if (m->type == HT_SERVER_HELLO_DONE)
        dd->hs_over = 1;
    slot_free(dd, m);
}

/* Emit (or skip, if dead) every slot from next_seq on while the chain of
 * consecutive complete messages lasts. */
static void advance(dtls_call *c, dtls_dir *dd)
{
    dtls_msg *m;
    while (dd->anchored && !dd->hs_over && (m = slot_find(dd, dd->next_seq)) != NULL &&
           (m->dead || m->complete)) {
        dd->next_seq++;
        dd->emitted = 1;
        if (m->dead)
            slot_free(dd, m);
        else
            slot_emit(c, dd, m);
    }
    if (dd->hs_over)
        dir_free_slots(dd);
}

/* The direction stops: emit the complete messages still waiting, in seq
 * order (gaps given up), free everything. */
static void dir_stop(dtls_call *c, dtls_dir *dd)
{
    for (;;) {
        dtls_msg *low = NULL;
        for (int i = 0; i < DIS_DTLS_MAX_INFLIGHT; i++) {
            dtls_msg *m = &dd->m[i];
            if (m->used && (!low || m->seq < low->seq))
                low = m;
        }
        if (!low || dd->hs_over)
            break;
        if (low->complete)
            slot_emit(c, dd, low);
        else
            slot_free(dd, low);
    }
    dir_free_slots(dd);
    dd->stopped = 1;
}

/* ---- handshake fragments ---------------------------------------------- */

/* One handshake fragment: frag[0..flen) of message seq at offset off. */
static void fragment(dtls_call *c, dtls_dir *dd, uint8_t type, uint32_t len,
                     uint32_t seq, uint32_t off, const uint8_t *frag,
                     uint32_t flen)
{
    if (off > len || flen > len - off)
        return;                         /* malformed: outside the message */
    if (!dd->started) {
        dd->started = 1;
        dd->next_seq = seq;
    } else if (seq < dd->next_seq) {
        if (dd->emitted)
            return;                     /* retransmission of an emitted one */
        dd->next_seq = seq;
    }
    if (seq - dd->next_seq >= SEQ_AHEAD)
        return;
    if (type == HT_CLIENT_HELLO || type == HT_SERVER_HELLO ||
        type == HT_HELLO_VERIFY)
        dd->anchored = 1;
    dtls_msg *m = slot_find(dd, seq);
    if (m && (m->type != type || m->len != len))
        return;                         /* disagrees with the first seen */
    if (!m && !(m = slot_new(c, dd, seq, type, len)))
        return;
    if (m->dead || m->complete)
        return;
    uint8_t *body = m->buf + 4, *bits = body + m->len;
    if (m->have == 0 && off == 0 && flen == len && flen > 0) {
        /* The usual case, a whole message in one fragment: the same bytes
         * as the loop below would copy; the bitmap is not read again once
         * the message is complete. */
        memcpy(body, frag, flen);
        m->have = len;
        flen = 0;
    }
    for (uint32_t i = 0; i < flen; i++) {
        uint32_t k = off + i;
        if ((k & 7) == 0 && flen - i >= 8 && bits[k >> 3] == 0) {
            /* Eight new bytes under one bitmap byte: the same as eight
             * turns of the byte loop below. */
            memcpy(body + k, frag + i, 8);
            bits[k >> 3] = 0xff;
            m->have += 8;
            i += 7;
            continue;
        }
        uint8_t bit = (uint8_t)(1u << (k & 7));
        if (!(bits[k >> 3] & bit)) {
            bits[k >> 3] |= bit;
            body[k] = frag[i];
            m->have++;
        }
    }
    if (m->have == m->len) {            /* also a new empty message */
        m->complete = 1;
        m->done_frame = c->frame;
    }
}

/* ---- records ---------------------------------------------------------- */

static void handshake_record(dtls_call *c, dtls_dir *dd, dis_rd *b)
{
    while (dis_rd_left(b) > 0 && !dd->hs_over) {
        uint8_t type = dis_rd_u8(b);
        uint32_t len = dis_rd_be24(b);
        uint16_t seq = dis_rd_be16(b);
        uint32_t off = dis_rd_be24(b);
        uint32_t flen = dis_rd_be24(b);
        const uint8_t *frag = dis_rd_ptr(b, flen);
        if (!frag)
            return;                     /* header or body cut short */
        fragment(c, dd, type, len, seq, off, frag, flen);
        if (c->oom)
            return;
        advance(c, dd);
    }
}

static void alert_record(dtls_call *c, dis_rd *b)
{
    while (dis_rd_left(b) >= 2) {
        uint8_t level = dis_rd_u8(b);
        uint8_t desc = dis_rd_u8(b);
        if (c->sink && c->sink->alert)
            c->sink->alert(c->sink->ctx, c->dir, level, desc, c->frame);
    }
}

/* Walk the records of one datagram (see the invariants). */
static void walk(dtls_call *c, dtls_dir *dd, dis_rd *r)
{
    while (!dd->stopped && dis_rd_left(r) > 0) {
        uint8_t b = 0;
        uint16_t rlen = 0;
        dis_rd_peek_u8(r, 0, &b);
        if (b >= 32 && b <= 63) {       /* unified header */
            dis_rd_skip(r, 1);
            if (b & 0x10)
                return;                 /* connection id of unknown length */
            dis_rd_skip(r, (b & 0x08) ? 2 : 1);
            if (!(b & 0x04))
                return;                 /* no length: runs to the end */
            rlen = dis_rd_be16(r);
            if (!dis_rd_skip(r, rlen))
                return;
            continue;
        }
        if (b == CT_CID || !plain_header(r, &rlen))
            return;
        uint8_t type = dis_rd_u8(r);
        uint16_t ver = dis_rd_be16(r);
        uint16_t epoch = dis_rd_be16(r);
        dis_rd_skip(r, 8);              /* sequence_number(6), length(2) */
        dis_rd body = dis_rd_sub(r, rlen);
        if (!dis_rd_ok(&body))
            return;                     /* record cut short */
        if (epoch != 0)
            continue;
        if (!dd->version_told) {
            dd->version_told = 1;
            if (c->sink && c->sink->version)
                c->sink->version(c->sink->ctx, c->dir, ver, c->frame);
        }
        if (type == CT_HANDSHAKE && !dd->hs_over) {
            handshake_record(c, dd, &body);
            if (c->oom)
                return;
        } else if (type == CT_ALERT) {
            alert_record(c, &body);
        } else if (type == CT_CCS) {
            dir_stop(c, dd);
        }
    }
}

/* ---- handle ----------------------------------------------------------- */

dis_dtls *dis_dtls_new(void)
{
    return calloc(1, sizeof(dis_dtls));
}

void dis_dtls_free(dis_dtls *d)
{
    if (!d)
        return;
    for (int i = 0; i < 2; i++)
        dir_free_slots(&d->dir[i]);
    free(d);
}

int dis_dtls_packet(dis_dtls *d, int dir, const uint8_t *p, size_t len,
                    uint64_t frame, const dis_dtls_sink *sink)
{
    dis_rd r;
    uint8_t b = 0;
    uint16_t rlen = 0;
    dis_rd_init(&r, p, len);
    if (!d || !dis_rd_peek_u8(&r, 0, &b))
        return 0;
    if (b >= 20 && b <= 31) {
        if (!plain_header(&r, &rlen))
            return 0;
        d->seen_plain = 1;
    } else if (!(b >= 32 && b <= 63 && d->seen_plain)) {
        return 0;
    }
    dir = dir ? 1 : 0;
    dtls_dir *dd = &d->dir[dir];
    if (dd->stopped)
        return 1;
    dtls_call c = { d, dir, frame, sink, 0 };
    walk(&c, dd, &r);
    if (!dd->stopped && ++dd->datagrams >= DIS_DTLS_BUDGET)
        dir_stop(&c, dd);
    return c.oom ? -1 : 1;
}

int dis_dtls_done(const dis_dtls *d)
{
    return d && d->dir[0].stopped && d->dir[1].stopped;
}

size_t dis_dtls_mem(const dis_dtls *d)
{
    if (!d)
        return 0;
    return sizeof(*d) + d->dir[0].alloc_held + d->dir[1].alloc_held;
}
