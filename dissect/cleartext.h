/* cleartext.h - the cleartext evidence of a flow: each HTTP/1.x request the
 * client sent (head and first body bytes, in TCP order), or the first bytes
 * the client sent on a flow that is neither encrypted nor HTTP/DNS.
 * RFC 9112 (HTTP/1.1 message framing), RFC 9293 (TCP sequence order).
 *
 * One dis_clear hangs off a dis_flow (f->clear), allocated at the first
 * client payload of a TCP or UDP flow that may be cleartext, and freed with
 * the flow (dis_flow_free) or as soon as the flow turns out to be TLS.
 * Memory per flow is bounded: DIS_CLEAR_FLOW_MAX bytes of kept data, a
 * fixed row table, and DIS_CLEAR_OOO_MAX bytes of out-of-order segments
 * in the reassembler.  The store reads the chunks with dis_clear_chunks()
 * when the flow ends.
 */
#ifndef MEETAUDIT_CLEARTEXT_H
#define MEETAUDIT_CLEARTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

#define DIS_CLEAR_ROW_MAX (16u * 1024u)     /* bytes per chunk (RPT_CLEAR_MAX) */
#define DIS_CLEAR_FLOW_MAX (64u * 1024u)    /* bytes per flow, all chunks */
#define DIS_CLEAR_PAYLOAD_MAX 4096u         /* the 'payload' chunk */
#define DIS_CLEAR_MAX_ROWS 64               /* HTTP requests kept per flow */
#define DIS_CLEAR_OOO_MAX (64u * 1024u)     /* out-of-order bytes held */

struct dis_flow;
typedef struct dis_clear dis_clear;

/* One chunk as the store writes it.  data points into the flow's state
 * (valid while the flow lives); kind is a static string. */
typedef struct dis_clear_chunk {
    const char *kind;        /* "http_request" or "payload" */
    const uint8_t *data;
    size_t len;              /* <= DIS_CLEAR_ROW_MAX */
    uint64_t frame;          /* frame that made its first byte available */
    uint64_t last_frame;     /* frame that made its last byte available */
    int64_t ts_us;           /* capture time of frame */
    int dir;                 /* 0: client to server (always, for now) */
    int truncated;           /* bytes were dropped past a cap */
} dis_clear_chunk;

/* One TCP or UDP packet of f in direction dir (0 = to server), after the
 * other dissectors saw it.  Decides whether f may carry cleartext (not
 * DNS, TLS, QUIC or DTLS), and keeps client bytes.  0, or -1 when memory
 * ran out (f->clear is then left as it was: what it holds stays valid). */
int dis_clear_packet(struct dis_flow *f, const dis_pkt *p, int dir);

/* Free a flow's cleartext state (NULL is fine). */
void dis_clear_free(dis_clear *c);

/* The chunks to store for f, at most max, written to out (caller-owned);
 * returns the count.  A 'payload' chunk is given only when the flow, as it
 * ended, is not TLS / QUIC / DTLS and nDPI does not name an encrypted
 * protocol for it (dis_clear_encrypted_name). */
int dis_clear_chunks(const struct dis_flow *f, dis_clear_chunk *out, int max);

/* Non-zero when nDPI 4.2 says the protocol named name is encrypted
 * (ndpi_is_encrypted_proto() for the protocol without a master). */
int dis_clear_encrypted_name(const char *name);

#endif
