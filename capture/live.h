/* live.h - the live capture engine behind `meetaudit capture`.
 *
 * A cap_live owns one activated libpcap handle, the pcap file being
 * written and the pipeline of its input.  It borrows the store, the
 * classifier and the view (all must outlive it).  Life cycle, in the order
 * privileges require (capture_cmd.c):
 *
 *   (load the rules)
 *   cap_live_open()       as root: create, activate, set the filter
 *   (drop privileges, check outputs, open the store)
 *   cap_live_start()      as the capturing user: first file and input
 *   cap_live_run()        until a signal, --duration, -c or an error
 *   cap_live_finish()     end the last file; totals for the summary
 *   cap_live_free()
 */
#ifndef MEETAUDIT_LIVE_H
#define MEETAUDIT_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "liveview.h"
#include "privdrop.h"

#include "../dissect/classify.h"
#include "../dissect/flow.h"
#include "../report/store.h"

#define CAP_MAX_AUDIT_OPTS 256

typedef struct cap_audit_opt {
    const char *option;        /* "service", "client", "context", "canary" */
    const char *value;         /* "k=v" for context and canary */
} cap_audit_opt;

typedef struct cap_live_opts {
    const char *iface, *filter, *wfile, *db;
    int snaplen, promisc, immediate, quiet;
    double buffer_mb;          /* MiB (default 32) */
    double rotate_mb;          /* -C, millions of bytes; 0: off */
    double rotate_s;           /* -G seconds; 0: off */
    double duration;           /* seconds; 0: until stopped */
    uint64_t count;            /* packets; 0: unlimited */
    dis_flow_opts fo;
    cap_audit_opt audit[CAP_MAX_AUDIT_OPTS];
    int naudit;
} cap_live_opts;

typedef struct cap_live cap_live;

typedef struct cap_live_totals {
    uint64_t packets;          /* received by meetaudit and written */
    uint64_t flows;
    unsigned files;
    uint64_t ps_recv, ps_drop, ps_ifdrop; /* pcap_stats at the end */
    double seconds;
    const char *stop_reason;   /* "interrupt", "duration", "count", "error" */
    int failed;                /* an error was reported on stderr */
    const int64_t *input_ids;  /* the inputs this run recorded (owned by
                                  the cap_live: valid until cap_live_free) */
    size_t n_inputs;
} cap_live_totals;

/* Print the interfaces libpcap can capture on (stdout); exit status. */
int cap_live_list_devices(void);

/* Create and activate o->iface (snaplen, promiscuous mode, buffer,
 * immediate mode) and set o->filter.  o must outlive the handle.  Returns
 * the engine or NULL with a message in err. */
cap_live *cap_live_open(const cap_live_opts *o, char *err, size_t errlen);

/* libpcap's link type of the device. */
int cap_live_dlt(const cap_live *L);

/* Check that -w's rotation names (FILE1, FILE2, ...) are free when
 * rotation is on.  0, or -1 with a message in err. */
int cap_live_check_names(const cap_live *L, char *err, size_t errlen);

/* Install the SIGINT/SIGTERM handlers (first: stop; second: exit 130). */
void cap_live_signals(cap_live *L);

/* Open the first file and begin its input (recording the audit options).
 * st, cls and view are borrowed; id names the capturing user in
 * capture_stats.  0, or -1 after printing the error. */
int cap_live_start(cap_live *L, rpt_store *st, dis_classifier *cls,
                   cap_view *view, const cap_identity *id);

/* Capture until stopped. */
void cap_live_run(cap_live *L);

/* End the current file and input; fill *t.  0, or -1 when anything
 * failed during the run (already reported). */
int cap_live_finish(cap_live *L, cap_live_totals *t);

/* Close the device.  NULL is fine. */
void cap_live_free(cap_live *L);

#endif
