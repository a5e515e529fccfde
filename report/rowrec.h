/* rowrec.h - private to report/store*.c and capture/pipeline.c: the rows
 * of one flow written down first and inserted later.
 *
 * An rpt_rows is a byte buffer holding, for each row, its table (an
 * RPT_ROW_* kind) and its values, each with the statement parameter it
 * binds.  Rendering a flow (rpt_store_render in store.c) reads the flow and
 * writes its rows here, touching no database; rpt_store_rows() binds and
 * steps them.  So the two halves can run on two threads: at the end of an
 * input the packet thread, which has nothing else to do, renders flows and
 * frees them while the writer thread only inserts (capture/pipeline.c).
 *
 * Ownership: the rpt_rows owns its buffer (rpt_rows_free); text and blobs
 * are copied in, so the flow may be freed once rendered.  Values name the
 * flow's own row id and the input id by placeholders (rpt_rows_flow_id,
 * rpt_rows_input_id), filled when the rows are inserted.  A failed
 * allocation is remembered (oom) and makes the insert fail; it never
 * writes a partial row.
 */
#ifndef MEETAUDIT_ROWREC_H
#define MEETAUDIT_ROWREC_H

#include <stddef.h>
#include <stdint.h>

/* The tables a flow writes, in the order its rows are inserted.  The first
 * row of a rendered flow is always its flows row. */
enum {
    RPT_ROW_FLOW, RPT_ROW_TLS, RPT_ROW_CERT, RPT_ROW_ALERT, RPT_ROW_CLEAR,
    RPT_ROW_NDPI, RPT_ROW_NAME, RPT_ROW_DNS, RPT_ROW_DNS_ANS, RPT_ROW_HTTP,
    RPT_ROW_KINDS
};

typedef struct rpt_rows {
    unsigned char *p;
    size_t len, cap;
    int oom;
    int nrows;
    /* Name coverage this flow adds (store.c's rpt_coverage counters). */
    int cov_counted, cov_named, cov_ndpi_named;
    uint64_t cov_bytes_toserver;
} rpt_rows;

void rpt_rows_init(rpt_rows *r);
void rpt_rows_free(rpt_rows *r);
/* Empty it for the next flow, keeping the buffer. */
void rpt_rows_reset(rpt_rows *r);

/* Start a row of a table (RPT_ROW_*); the values that follow belong to it
 * until the next rpt_rows_row().  Parameters left out are NULL. */
void rpt_rows_row(rpt_rows *r, int kind);
void rpt_rows_int(rpt_rows *r, int param, int64_t v);
/* Text (NULL: the parameter stays NULL); copied with its length. */
void rpt_rows_text(rpt_rows *r, int param, const char *s);
/* The same, but empty text also leaves the parameter NULL (the store's rule
 * for optional text columns). */
void rpt_rows_text_nz(rpt_rows *r, int param, const char *s);
void rpt_rows_textn(rpt_rows *r, int param, const char *s, size_t n);
void rpt_rows_blob(rpt_rows *r, int param, const void *p, size_t n);
void rpt_rows_flow_id(rpt_rows *r, int param);   /* the flows row's id */
void rpt_rows_input_id(rpt_rows *r, int param);  /* the input's id */

/* Walk the rows: calls row(ctx, kind) at the start of each row and
 * bind(ctx, value) for each value; stops at the first non-zero return and
 * returns it.  Used by store.c to insert. */
typedef struct rpt_rows_val {
    int param, type;          /* type: RPT_VAL_* */
    int64_t i;
    const void *p;            /* text (NUL-terminated) or blob */
    size_t n;
} rpt_rows_val;
enum { RPT_VAL_INT, RPT_VAL_TEXT, RPT_VAL_BLOB, RPT_VAL_FLOW_ID,
       RPT_VAL_INPUT_ID };
int rpt_rows_walk(const rpt_rows *r, int (*row)(void *ctx, int kind),
                  int (*bind)(void *ctx, const rpt_rows_val *v),
                  int (*end)(void *ctx, int kind), void *ctx);

#endif
