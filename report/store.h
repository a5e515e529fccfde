/* store.h - the SQLite evidence store.
 *
 * One rpt_store is one open evidence database.  It owns its sqlite3 handle
 * and every prepared statement; callers never build SQL.  Writes happen
 * inside an input: rpt_store_input_begin() opens a transaction, flows are
 * added in batches committed every RPT_BATCH flows, rpt_store_input_end()
 * marks the input finished and commits.  An input whose row still says
 * "analysing" was interrupted: beginning it again deletes its rows first.
 */
#ifndef MEETAUDIT_STORE_H
#define MEETAUDIT_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "../dissect/flow.h"
#include "rowrec.h"

#define RPT_SCHEMA_VERSION 3
#define RPT_CLEAR_MAX (16 * 1024)  /* bytes per cleartext row */
#define RPT_BATCH 2000
#define RPT_PAGE_SIZE 16384        /* page size of a file we create */
#define RPT_PAGE_SIZE_STR "16384"
#define RPT_CACHE_KIB 4000         /* page cache of the writing connection */
#define RPT_CACHE_KIB_STR "4000"

typedef struct rpt_store rpt_store;

#define RPT_MAX_NAMES 16   /* candidate names stored per flow */

/* Name coverage of one input: TCP/UDP flows whose server address is
 * public, and how many of them (and of the bytes sent to them) carry at
 * least one name. */
typedef struct rpt_coverage {
    uint64_t flows, named_flows;
    uint64_t bytes_toserver, named_bytes_toserver;
    uint64_t ndpi_named_flows;  /* of flows, those nDPI alone named
                                   (its host_server_name), for comparison */
} rpt_coverage;

typedef struct rpt_input_meta {
    const char *path;          /* as given on the command line */
    const char *name;          /* file name without directories */
    int64_t size;              /* bytes */
    const char *sha256;        /* lower-case hex */
    int linktype;
    const char *linktype_name;
    const char *format;        /* "pcap" or "pcapng" */
} rpt_input_meta;

typedef struct rpt_input_end {
    uint64_t packets;          /* records read */
    uint64_t ip_packets;       /* decoded IP packets */
    uint64_t skipped;          /* not decoded: unsupported link, not IP,
                                  malformed */
    uint64_t malformed;
    uint64_t flows;
    uint64_t evicted;
    uint64_t frag_unattributed;
    int64_t first_ts, last_ts; /* microseconds; 0 when no packets */
    const char *status;        /* "complete", "truncated", "error" */
    const char *error;         /* message or NULL */
} rpt_input_end;

/* Process set-up, called once by main() before any SQLite use: turns off
 * SQLite's allocation statistics (nothing reads them; they cost a global
 * mutex per allocation).  Returns 0, or -1 when SQLite was already
 * initialised (harmless: the statistics stay on). */
int rpt_store_global_init(void);

/* Open or create the database at path (schema created or checked).  On
 * failure returns an SQLite or -1 code and writes a message to err. */
int rpt_store_open(const char *path, rpt_store **out, char *err, size_t errlen);

/* Open an existing database read-only (schema version checked). */
int rpt_store_open_ro(const char *path, rpt_store **out, char *err,
                      size_t errlen);

/* Commit anything pending and close.  NULL is fine. */
void rpt_store_close(rpt_store *s);

/* The handle, for read-only queries by exporters (owned by s). */
sqlite3 *rpt_store_db(rpt_store *s);

/* Look up an input by SHA-256.  Returns 1 and fills *id and status (copied
 * into buf) when present, 0 when absent, negative on error. */
int rpt_store_input_find(rpt_store *s, const char *sha256, int64_t *id,
                         char *status, size_t len);

/* Start an input (deleting the rows of an interrupted earlier attempt with
 * the same SHA-256).  Opens a transaction.  0 or an error code. */
int rpt_store_input_begin(rpt_store *s, const rpt_input_meta *m, int64_t *id);

/* Start an input whose SHA-256 is not known yet (m->sha256 is ignored), so
 * that flows can be stored while the file is still being hashed.  The row
 * and everything stored after it stay in one open transaction, committed
 * by nothing until rpt_store_input_hashed() (then by the first batch
 * boundary, a multiple of RPT_BATCH flows, or the input's end); so a killed
 * process leaves no trace of it or whole batches, and every committed input
 * row carries its hash.  0 or an error code. */
int rpt_store_input_begin_unhashed(rpt_store *s, const rpt_input_meta *m,
                                   int64_t *id);

/* The hash of the input begun unhashed as id is known: sha256 and size go
 * into its row, and batches commit again.  An interrupted attempt with
 * that hash (status "analysing") is deleted.  An input already finished
 * with that hash makes this one a duplicate: everything since
 * rpt_store_input_begin_unhashed() is rolled back and *dup_id names the old
 * input (it is 0 otherwise).  0, or an SQLite error code (the transaction
 * is left open: abandon it). */
int rpt_store_input_hashed(rpt_store *s, int64_t id, const char *sha256,
                           int64_t size, int64_t *dup_id);

/* Roll back the open transaction: an input begun unhashed whose hash
 * failed, or that is dropped.  Safe when none is open. */
void rpt_store_input_abandon(rpt_store *s);

/* Store one flow and everything hanging off it.  The flow is only read.
 * The same as rpt_store_render() then rpt_store_rows(). */
int rpt_store_flow(rpt_store *s, int64_t input_id, const dis_flow *f);

/* Write down every row of a flow (flows, tls, tls_certs, tls_alerts,
 * cleartext, ndpi_tls, flow_names, dns, dns_answers, http) in r, without
 * touching any database: safe on any thread while another uses the store.
 * The flow is only read and may be freed afterwards; r (report/rowrec.h)
 * should be empty (rpt_rows_init or _reset). */
void rpt_store_render(rpt_rows *r, const dis_flow *f);

/* Insert a rendered flow into the input's current batch: its rows in order,
 * the flow's row id and input_id filled in; counts it for the input's name
 * coverage and commits every RPT_BATCH flows.  r is only read.  0 or an
 * SQLite code (SQLITE_NOMEM when rendering ran out of memory). */
int rpt_store_rows(rpt_store *s, int64_t input_id, const rpt_rows *r);

/* Finish the input row and commit. */
int rpt_store_input_end(rpt_store *s, int64_t input_id,
                        const rpt_input_end *e);

/* The name coverage of the input being written (since the last
 * rpt_store_input_begin); stored in table name_coverage by
 * rpt_store_input_end. */
void rpt_store_coverage(const rpt_store *s, rpt_coverage *out);

/* Last SQLite error message (owned by SQLite). */
const char *rpt_store_errmsg(rpt_store *s);

/* Compute the Community ID v1 (seed 0) of a flow into out (>= 32 bytes). */
void rpt_community_id(const dis_flow *f, char *out, size_t len);

/* RFC 3339 UTC with microseconds: "2020-03-26T12:00:00.000000Z". */
void rpt_fmt_ts(int64_t us, char *out, size_t len);

#endif
