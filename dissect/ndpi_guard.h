/* ndpi_guard.h - keeps from nDPI 4.2 the packets known to crash it (see
 * ndpi_guard.c). */
#ifndef MEETAUDIT_NDPI_GUARD_H
#define MEETAUDIT_NDPI_GUARD_H

#include "decode.h"

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

/* Non-zero when p must not be given to nDPI 4.2 for flow nf: an IPv4 UDP
 * datagram with a DTLS Certificate whose subject nDPI would match (or that
 * OpenSSL cannot decode) while nf's sub-protocol is unknown (nDPI then
 * dereferences a NULL TCP header).  Reads p and nDPI's module m; owns
 * nothing. */
int dis_ndpi_dtls_cert_hazard(struct ndpi_detection_module_struct *m,
                              const struct ndpi_flow_struct *nf,
                              const dis_pkt *p);

#endif
