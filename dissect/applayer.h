/* applayer.h - hands each flow's packets to our own TLS, DNS and HTTP
 * dissectors and keeps the DNS name cache used to name later flows.
 *
 * The dis_applayer is owned by the flow table (one per input).  It keeps a
 * bounded cache address -> name learnt from DNS answers; per-flow dissector
 * state hangs off the dis_flow and is freed with it.
 */
#ifndef MEETAUDIT_APPLAYER_H
#define MEETAUDIT_APPLAYER_H

#include <stddef.h>
#include "decode.h"

struct dis_flow;
typedef struct dis_applayer dis_applayer;

/* NULL on allocation failure; free with dis_applayer_free(). */
dis_applayer *dis_applayer_new(void);
void dis_applayer_free(dis_applayer *a);

/* A flow was created: record what earlier DNS answers said its addresses
 * were called. */
void dis_applayer_flow_start(dis_applayer *a, struct dis_flow *f);

/* One packet of f in direction dir (0 = to server).  Returns 0, or -1 when
 * memory ran out. */
int dis_applayer_packet(dis_applayer *a, struct dis_flow *f, const dis_pkt *p,
                        int dir);

/* The best name for f: the first of dis_flow_names() (TLS SNI, QUIC SNI,
 * HTTP Host, DNS, the leaf certificate's single name); NULL when none.  *source
 * gets "sni", "quic", "http", "dns" or "cert".  The name is copied into
 * buf (caller-owned, len bytes) and buf returned. */
const char *dis_flow_hostname(const struct dis_flow *f, const char **source,
                              char *buf, size_t len);

/* Every candidate name of f, best first, with where it came from:
 * "sni" (TLS ClientHello), "quic" (QUIC ClientHello, or nDPI's QUIC SNI),
 * "http" (each distinct Host header), "dns" (the name the client asked
 * for before the flow started, for the server address) and "cname" (the
 * rest of that answer's CNAME chain, owner of the address record last),
 * "cert" (the leaf certificate's single DNS subjectAltName, or its CN when
 * it has no SAN).  Duplicates (case-insensitive) keep their first, better,
 * source.  Fills at most max entries of out; the strings point into f
 * (live as long as it) except a certificate CN, which is copied into the
 * caller's cnbuf (cnlen bytes; NULL: no CN candidate).  Returns the number
 * filled. */
typedef struct dis_flow_name {
    const char *name;
    const char *source;
    uint64_t frame;   /* frame that carried the name, 0 when unknown */
} dis_flow_name;
int dis_flow_names(const struct dis_flow *f, dis_flow_name *out, int max,
                   char *cnbuf, size_t cnlen);

#endif
