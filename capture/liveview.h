/* liveview.h - who the client talks to, while `meetaudit capture` runs.
 *
 * A cap_view is fed the pipeline's flow events (it is a cap_flow_fn) and
 * keeps, per counterparty (a flow's host name, else its server address),
 * the bytes the client sent it, grouped by party: the organisation
 * rules/entities.yaml names (when loaded), else the registrable domain,
 * else the address.  On a terminal it redraws a small table about once a
 * second with newly seen parties highlighted; otherwise it writes one
 * timestamped line per new counterparty.
 *
 * Ownership: the view owns its tables and strings; it borrows the entity
 * map (may be NULL) and the output stream, which must outlive it.  Flow
 * pointers it keeps are valid from their SEEN to their END event (the
 * pipeline's contract), and it forgets them at END.
 */
#ifndef MEETAUDIT_LIVEVIEW_H
#define MEETAUDIT_LIVEVIEW_H

#include <stdint.h>
#include <stdio.h>

#include "../dissect/flow.h"
#include "../report/attrib.h"
#include "../report/entities.h"

typedef struct cap_view cap_view;

/* What the status line shows besides the counterparties. */
typedef struct cap_view_status {
    const char *iface;
    double elapsed;          /* seconds since the capture started */
    uint64_t packets;        /* received by meetaudit */
    uint64_t kernel_drops;   /* pcap_stats ps_drop (+ ps_ifdrop) */
    uint64_t flows;          /* created in this run */
    uint64_t open_flows;
    const char *file;        /* pcap being written */
} cap_view_status;

/* tty: draw the table (else log lines); quiet: neither.  ents may be NULL.
 * NULL on allocation failure; free with cap_view_free(). */
cap_view *cap_view_new(FILE *out, int tty, int quiet,
                       const rpt_entities *ents);
void cap_view_free(cap_view *v);

/* Group counterparties by their party relative to an audited service
 * (first, support, peer, third, unknown, local), each party's rows by
 * organisation, and highlight only new third (and unidentified) parties.
 * src and svc are borrowed and must outlive v; src NULL switches it off.
 * Call before the first flow event. */
void cap_view_set_service(cap_view *v, const rpt_attrib_src *src,
                          const rpt_service_view *svc);

/* The pipeline observer (a cap_flow_fn); ctx is the cap_view. */
void cap_view_flow(void *ctx, int event, const dis_flow *f, const char *name,
                   const char *source);

/* Redraw the table (terminal only; call about once a second). */
void cap_view_tick(cap_view *v, const cap_view_status *st);

/* Erase the table (terminal only) so that a message can be printed; the
 * next tick draws it again below the message. */
void cap_view_clear(cap_view *v);

/* Erase the table, then (terminal only) print the final one, unredrawn. */
void cap_view_finish(cap_view *v, const cap_view_status *st);

/* Counterparties and parties seen so far. */
uint64_t cap_view_counterparties(const cap_view *v);
uint64_t cap_view_parties(const cap_view *v);

#endif
