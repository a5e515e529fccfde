/* store_capture.h - what `meetaudit capture` adds to the evidence store.
 *
 * A live capture writes pcap files; each file is an ordinary input of the
 * store (rpt_store_input_begin/end), so its flows are exactly those
 * `analyze` would find in the file.  This module adds what only a live
 * capture knows:
 *
 * - capture_stats: one row per input written by a capture: the interface,
 *   filter, snapshot length, buffer, the user the capture ran as, libpcap's
 *   kernel counters (pcap_stats) over the time the file was open, and why
 *   the file ended.  run_id is the input id of the run's first file, so the
 *   files of one run share it.
 * - run_options: the audit options given to the run (--service, --client,
 *   --context k=v, --canary k=v), one row each, in command-line order.
 *
 * Both tables are created with CREATE TABLE IF NOT EXISTS when first
 * written; an evidence database that never saw a capture lacks them (no
 * schema version change: readers check sqlite_master).  The functions run
 * inside the store's open transaction (an input is open between
 * rpt_store_input_begin and rpt_store_input_end, which commits), so a
 * file's counters, hash and flows become durable together.
 *
 * Ownership: strings are only read during the call.
 */
#ifndef MEETAUDIT_STORE_CAPTURE_H
#define MEETAUDIT_STORE_CAPTURE_H

#include <stdint.h>

#include "store.h"

typedef struct rpt_capture_stats {
    int64_t input_id;
    int64_t run_id;          /* input id of the run's first file */
    const char *interface;
    const char *filter;      /* BPF expression or NULL */
    int snaplen;
    int64_t buffer_bytes;    /* 0: libpcap's default */
    int promisc;
    const char *user;        /* the user capturing after privileges dropped */
    uint64_t captured;       /* packets meetaudit received (== written) */
    uint64_t ps_recv;        /* pcap_stats, over the time the file was open */
    uint64_t ps_drop;
    uint64_t ps_ifdrop;
    const char *started_at;  /* RFC 3339 UTC */
    const char *ended_at;
    const char *end_reason;  /* "rotate", "interrupt", "duration", "count",
                                "error" */
} rpt_capture_stats;

/* Record (or replace) the capture row of an input.  0 or an SQLite code. */
int rpt_store_capture_stats(rpt_store *s, const rpt_capture_stats *cs);

/* Record one audit option of a run: option is "service", "client",
 * "context" or "canary"; name is the k of k=v (NULL otherwise).  seq orders
 * the options of a run.  0 or an SQLite code. */
int rpt_store_run_option(rpt_store *s, int64_t run_id, int seq,
                         const char *option, const char *name,
                         const char *value);

/* A capture knows its file's SHA-256 and size only once the file is
 * closed: set them on the input row (begun with a placeholder hash).
 * Returns 0, 1 when another input already has this SHA-256 (an identical
 * file: nothing is changed), or an SQLite code. */
int rpt_store_input_set_file(rpt_store *s, int64_t input_id,
                             const char *sha256, int64_t size);

/* Delete an input that has no flows (a capture that wrote an empty file
 * identical to one already recorded), with its capture rows, and commit.
 * Returns 0, 1 when the input has flows (nothing deleted), or an SQLite
 * code. */
int rpt_store_input_forget_empty(rpt_store *s, int64_t input_id);

/* A stand-in for an input's SHA-256 while it is not known yet, unique to
 * this process, this moment and k ("pending:PID:MICROSECONDS:K") into out
 * (64 bytes or more): a live capture's file until it is closed, an
 * analysed file until the writer has hashed it. */
void rpt_store_pending_sha(char *out, size_t len, unsigned k);

/* 1 when the store holds an input of exactly size bytes (finished, or an
 * interrupted attempt still "analysing"), 0 when not, or a negative SQLite
 * code.  `analyze` hashes a file before analysing it only when this says it
 * may be a repeat (to skip a finished one, or to delete an interrupted
 * attempt before the new rows get their ids, so that a re-run after a crash
 * numbers its rows as a clean run does); otherwise the hash is computed
 * beside the analysis. */
int rpt_store_input_size_known(rpt_store *s, int64_t size);

#endif
