/* tcpreasm.h - bounded in-order reassembly of one direction of a TCP stream.
 * RFC 9293 (TCP: sequence space, SYN consumes one sequence number),
 * RFC 1982 (serial number arithmetic for the 32-bit wrap-around).
 *
 * One dis_tcpreasm per direction, embedded by its consumer (no allocation
 * for the struct itself).  Segments are fed in capture order; the bytes come
 * out through a callback strictly in sequence order, each byte at most once.
 * Out-of-order data waits in a sorted list whose memory (node headers
 * included) never exceeds the limit given to dis_tcpreasm_init(); past that
 * the direction is given up.  Overlaps and retransmissions are resolved in
 * favour of the bytes that arrived first.
 */
#ifndef MEETAUDIT_TCPREASM_H
#define MEETAUDIT_TCPREASM_H

#include <stddef.h>
#include <stdint.h>

#define DIS_TCPREASM_DEFAULT_LIMIT (64u * 1024u)

enum {
    DIS_TCPREASM_OK = 0,      /* still reassembling */
    DIS_TCPREASM_FINISHED,    /* the consumer said it is finished */
    DIS_TCPREASM_FAILED       /* gave up: out-of-order memory over the limit
                                 or out of memory */
};

typedef struct dis_tcpreasm_seg dis_tcpreasm_seg; /* private list node */

typedef struct dis_tcpreasm {
    int state;              /* DIS_TCPREASM_* */
    int have_next;          /* next_seq is known (SYN or first payload) */
    uint32_t next_seq;      /* sequence number of the next byte to deliver */
    size_t limit;           /* bound on held out-of-order memory */
    size_t held;            /* out-of-order memory held now, headers too */
    uint64_t delivered;     /* bytes handed to the consumer so far */
    dis_tcpreasm_seg *ooo;  /* out-of-order pieces, sorted, disjoint */
} dis_tcpreasm;

/* Consumer callback: n > 0 in-order bytes at p (borrowed for the call).
 * Return 0 to go on, non-zero when finished with this direction: the
 * reassembler then frees its memory and ignores every later segment. */
typedef int (*dis_tcpreasm_fn)(void *ctx, const uint8_t *p, size_t n);

/* Initialise r (caller-owned storage) with an out-of-order memory bound;
 * 0 means DIS_TCPREASM_DEFAULT_LIMIT.  Nothing is allocated yet. */
void dis_tcpreasm_init(dis_tcpreasm *r, size_t limit);

/* Feed one segment of this direction.  syn non-zero when the SYN flag is set
 * (its payload, if any, starts at seq+1).  p/len are borrowed for the call;
 * bytes that become in order are passed to fn(ctx, ...) before returning,
 * and any that must wait are copied.  Returns the state after the call
 * (DIS_TCPREASM_*); once not OK, later calls do nothing. */
int dis_tcpreasm_segment(dis_tcpreasm *r, uint32_t seq, int syn,
                         const uint8_t *p, size_t len,
                         dis_tcpreasm_fn fn, void *ctx);

/* The consumer is finished: free all held memory and ignore later segments
 * (state becomes FINISHED unless it already FAILED).  Safe to call twice and
 * on an initialised reassembler that never allocated. */
void dis_tcpreasm_finish(dis_tcpreasm *r);

#endif
