/* pipeline.h - one input's packet pipeline: decode -> flow table -> store.
 *
 * `analyze` (a file) and `capture` (an interface) feed packets through the
 * same code so that the evidence a live capture writes is, row for row, what
 * `analyze` writes for the pcap file the capture saved.  A cap_pipeline is
 * one input of the evidence store: cap_pipeline_begin() records the input
 * ("analysing"), cap_pipeline_packet() numbers, decodes and accounts each
 * frame, cap_pipeline_flush() ends every open flow ("eof"), and
 * cap_pipeline_end() writes the input's counters and commits.
 *
 * Flows that end are stored by a writer thread of the pipeline (see the
 * essay in pipeline.c): between cap_pipeline_begin() and
 * cap_pipeline_flush() the caller must not use the store itself.
 *
 * Ownership: the pipeline owns its flow table and writer thread; it
 * borrows the store, the classifier and the options, which must outlive
 * it.  Flows handed to an observer are owned by the flow table.
 */
#ifndef MEETAUDIT_PIPELINE_H
#define MEETAUDIT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "../dissect/classify.h"
#include "../dissect/flow.h"
#include "../report/store.h"

typedef struct cap_pipeline cap_pipeline;

/* Return codes of cap_pipeline_begin(). */
enum {
    CAP_PIPE_OK = 0,
    CAP_PIPE_ESTORE = 1, /* the store failed: rpt_store_errmsg() says why */
    CAP_PIPE_EHASH = 3,  /* the writer could not hash the input file:
                            cap_pipeline_errmsg() says why */
    CAP_PIPE_EDUP = 4,   /* the hash names an input already finished in the
                            store: nothing was written */
    CAP_PIPE_ENOMEM = 2, /* allocation failed (the input row stays
                            "analysing", as for an interrupted run) */
};

/* Observer events (see cap_pipeline_observe). */
enum cap_flow_event {
    CAP_FLOW_SEEN = 1, /* once per flow, while it is open */
    CAP_FLOW_END = 2,  /* the flow leaves the table, before it is stored */
};

/* Packets a flow may carry without a host name before it is reported as
 * seen anyway (name NULL): names come from the first packets (DNS cache at
 * flow start, TLS/QUIC SNI, HTTP Host, certificate). */
#define CAP_PIPE_NAME_PKTS 32

/* Observer callback.  name is the flow's best host name (as stored in
 * flows.hostname) or NULL, source its kind ("sni", "dns", ...) or NULL.
 * f, name and source are owned by the pipeline: f stays valid from its SEEN
 * event until its END event returns, name and source only during the call.
 * The callback must not call back into the pipeline. */
typedef void (*cap_flow_fn)(void *ctx, int event, const dis_flow *f,
                            const char *name, const char *source);

/* Start an input: records m in the store (status "analysing", committed) and
 * creates its flow table.  When m->sha256 is NULL the file m->path is
 * hashed by the writer thread, which then records the input (the size
 * stored is the number of bytes hashed); errors of that step come back
 * from later calls (CAP_PIPE_EHASH, CAP_PIPE_ESTORE, CAP_PIPE_EDUP).  dlt is the link type of the frames.  On success
 * returns CAP_PIPE_OK and stores a new pipeline in *out (the caller ends it
 * with cap_pipeline_end() or drops it with cap_pipeline_free()).  Otherwise
 * returns CAP_PIPE_ESTORE or CAP_PIPE_ENOMEM and *out is NULL. */
int cap_pipeline_begin(rpt_store *st, dis_classifier *cls,
                       const dis_flow_opts *fo, const rpt_input_meta *m,
                       int dlt, cap_pipeline **out);

/* Install (or with fn NULL remove) the flow observer. */
void cap_pipeline_observe(cap_pipeline *pl, cap_flow_fn fn, void *ctx);

/* The input's row id in the store (0 until the writer recorded it when
 * the pipeline hashes the file: read it after cap_pipeline_flush()). */
int64_t cap_pipeline_input_id(const cap_pipeline *pl);

/* One captured frame (data owned by the caller, only read during the call):
 * gives it the next frame number, decodes it and accounts it to its flow.
 * Frames that are not decodable IP are counted as skipped.  Returns 0, or
 * non-zero when the store (or memory) failed: the input is then broken and
 * should be ended with status "error". */
int cap_pipeline_packet(cap_pipeline *pl, const uint8_t *data, size_t caplen,
                        size_t wirelen, int64_t ts_us);

/* The input's counters so far (flows, evicted and frag_unattributed are
 * refreshed from the flow table).  Owned by pl. */
const rpt_input_end *cap_pipeline_counts(cap_pipeline *pl);

/* Datagrams of the flows ended so far that were not given to nDPI (the
 * guard in dissect/classify.c against an nDPI 4.2 crash). */
uint64_t cap_pipeline_ndpi_withheld(const cap_pipeline *pl);

/* When cap_pipeline_ndpi_withheld() is not 0, say so on stderr as a warning
 * about the capture file path (the caller's string). */
void cap_pipeline_warn_withheld(const cap_pipeline *pl, const char *path);

/* Flows currently open in the table. */
size_t cap_pipeline_open_flows(const cap_pipeline *pl);

/* Flows the packet thread rendered in the middle of the input while the
 * writer was behind (the queue full); a test sees that the path ran. */
uint64_t cap_pipeline_stolen(const cap_pipeline *pl);

/* Tests only: the packet thread never renders in the middle of the input
 * (it waits for the writer instead), for a reference run. */
void cap_pipeline_test_no_steal(cap_pipeline *pl);

/* End every open flow (reason "eof"), oldest first, storing each, and wait
 * until the writer has stored every flow handed to it.  Returns 0 or the
 * first error (CAP_PIPE_ESTORE and the others above). */
int cap_pipeline_flush(cap_pipeline *pl);

/* Write the input's counters with status ("complete", "truncated",
 * "error") and error message (or NULL), commit, and free pl (always, even
 * on failure).  Returns 0 or the store's error code. */
int cap_pipeline_end(cap_pipeline *pl, const char *status, const char *error);

/* After cap_pipeline_flush(): 1 when the writer found (by the hash it
 * computed) that the input is already finished in the store, with that
 * input's id in *id; nothing of this run was stored.  0 otherwise. */
int cap_pipeline_duplicate(const cap_pipeline *pl, int64_t *id);

/* The message for the pipeline's error: the hash error, or the store's
 * message.  Owned by pl (or the store). */
const char *cap_pipeline_errmsg(const cap_pipeline *pl);

/* The SHA-256 the writer computed ("" when the caller gave one).  Owned by
 * pl; valid after cap_pipeline_flush(). */
const char *cap_pipeline_sha256(const cap_pipeline *pl);

/* Free pl without finishing its input (its row stays "analysing").  NULL
 * is fine. */
void cap_pipeline_free(cap_pipeline *pl);

#endif
