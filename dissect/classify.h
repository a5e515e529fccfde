/* classify.h - nDPI 4.2 classification of flows.
 *
 * One dis_classifier per process holds nDPI's detection module, initialised
 * once with every protocol plus our protocols file (rules/ndpi/protos.txt).
 * Each dis_flow owns its nDPI flow state until detection is complete; the
 * state is then reduced to names in the dis_flow and freed.
 */
#ifndef MEETAUDIT_CLASSIFY_H
#define MEETAUDIT_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include "decode.h"

struct dis_flow;
typedef struct dis_classifier dis_classifier;

/* Packets nDPI still gets, once it has classified a TCP flow as TLS, after
 * our own TLS dissector has read everything the flow shows in clear
 * (classify.c). */
#define DIS_NDPI_AFTER_TLS 4

/* Create the classifier.  protos_path may be NULL (no extension file); a file
 * that fails to load is an error (message in err).  Caller owns the result
 * and frees it with dis_classifier_free(). */
dis_classifier *dis_classifier_new(const char *protos_path, char *err,
                                   size_t errlen);
void dis_classifier_free(dis_classifier *c);

/* Packets nDPI still gets after our TLS dissector is done with a flow it
 * classified as TLS (default DIS_NDPI_AFTER_TLS; UINT32_MAX: until nDPI
 * finishes by itself).  For tests that compare nDPI's verdicts with and
 * without the rule; meetaudit never changes it. */
void dis_classifier_set_after_tls(dis_classifier *c, uint32_t packets);

/* nDPI's version string (owned by nDPI). */
const char *dis_classifier_version(void);

/* Feed one packet of f to nDPI while detection is still running.  c may be
 * NULL (then nothing happens). */
void dis_classify_packet(dis_classifier *c, struct dis_flow *f,
                         const dis_pkt *p);

/* End of flow: give up detection if still running, fill the protocol names,
 * category, confidence, risks and nDPI's host name into f, free nDPI state.
 * Safe to call twice; c may be NULL. */
void dis_classify_finish(dis_classifier *c, struct dis_flow *f);

/* Free f's nDPI state without recording anything (used by dis_flow_free). */
void dis_classify_release(struct dis_flow *f);

/* Append the names of the risk bits in mask as a JSON array to buf. */
void dis_classify_risks_json(uint64_t mask, char *buf, size_t len);

#endif
