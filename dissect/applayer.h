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

/* The best name for f, in the order TLS SNI, QUIC SNI, HTTP Host, DNS (the
 * name a DNS answer seen before the flow gave the server address), the leaf
 * certificate's CN when it is a single host name; NULL when none.  *source
 * gets "sni", "quic", "http", "dns" or "cert".  The name is copied into
 * buf (caller-owned, len bytes) and buf returned. */
const char *dis_flow_hostname(const struct dis_flow *f, const char **source,
                              char *buf, size_t len);

#endif
