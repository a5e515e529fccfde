/* test_rowrec.c - unit tests for report/rowrec.c: a flow's rows written
 * down and walked back (every value type, placeholders, empty text and
 * blobs, parameters left out), a damaged buffer refused rather than read
 * past its end, and the store inserting a rendered flow exactly as it
 * stores the flow itself.
 */
#define _DEFAULT_SOURCE
#include "../../report/rowrec.h"
#include "../../report/store.h"
#include "tu.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

/* The walk written out as text: "R<kind>" per row, "E" at its end,
 * "<param>i<v>", "<param>t'<text>'", "<param>b<len>", "<param>F", "<param>I". */
typedef struct out {
    char s[1024];
    size_t n;
    int fail_at_row;      /* make row() fail at this row (1-based), or 0 */
    int rows;
} out;

static void add(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->s + o->n, sizeof(o->s) - o->n, fmt, ap);
    va_end(ap);
    if (w > 0 && (size_t)w < sizeof(o->s) - o->n)
        o->n += (size_t)w;
}

static int w_row(void *ctx, int kind)
{
    out *o = ctx;
    if (++o->rows == o->fail_at_row)
        return 7;
    add(o, "R%d ", kind);
    return 0;
}

static int w_bind(void *ctx, const rpt_rows_val *v)
{
    out *o = ctx;
    switch (v->type) {
    case RPT_VAL_INT:
        add(o, "%di%lld ", v->param, (long long)v->i);
        break;
    case RPT_VAL_TEXT:
        if (((const char *)v->p)[v->n] != 0)
            add(o, "(not terminated)");
        add(o, "%dt%zu'%s' ", v->param, v->n, (const char *)v->p);
        break;
    case RPT_VAL_BLOB:
        add(o, "%db%zu ", v->param, v->n);
        break;
    case RPT_VAL_FLOW_ID:
        add(o, "%dF ", v->param);
        break;
    case RPT_VAL_INPUT_ID:
        add(o, "%dI ", v->param);
        break;
    default:
        add(o, "?%d ", v->type);
    }
    return 0;
}

static int w_end(void *ctx, int kind)
{
    out *o = ctx;
    add(o, "E%d ", kind);
    return 0;
}

static void sample(rpt_rows *r)
{
    rpt_rows_row(r, RPT_ROW_FLOW);
    rpt_rows_input_id(r, 1);
    rpt_rows_int(r, 2, -5);
    rpt_rows_int(r, 3, INT64_MAX);
    rpt_rows_text(r, 4, "a'b");
    rpt_rows_text(r, 5, NULL);          /* left out: NULL */
    rpt_rows_text(r, 6, "");            /* empty text is a value */
    rpt_rows_row(r, RPT_ROW_CLEAR);
    rpt_rows_flow_id(r, 1);
    rpt_rows_blob(r, 8, "\0\1\2", 3);
    rpt_rows_blob(r, 9, "", 0);
    rpt_rows_textn(r, 10, "abcdef", 3); /* the first three bytes */
}

TU_TEST(rows_walk_back_every_value)
{
    rpt_rows r;
    rpt_rows_init(&r);
    sample(&r);
    TU_CHECK_INT(r.oom, 0);
    TU_CHECK_INT(r.nrows, 2);
    out o = { .n = 0 };
    TU_CHECK_INT(rpt_rows_walk(&r, w_row, w_bind, w_end, &o), 0);
    TU_CHECK_STR(o.s, "R0 1I 2i-5 3i9223372036854775807 4t3'a'b' 6t0'' "
                      "E0 R4 1F 8b3 9b0 10t3'abc' E4 ");
    /* Reset keeps the buffer and empties it. */
    unsigned char *p = r.p;
    rpt_rows_reset(&r);
    TU_CHECK_INT(r.len, 0);
    TU_CHECK_INT(r.nrows, 0);
    TU_CHECK(r.p == p);
    out e = { .n = 0 };
    TU_CHECK_INT(rpt_rows_walk(&r, w_row, w_bind, w_end, &e), 0);
    TU_CHECK_STR(e.s, "");
    rpt_rows_free(&r);
}

/* rpt_rows_text_nz: NULL and "" leave the parameter out (NULL), other
 * text is a value like rpt_rows_text's. */
TU_TEST(rows_text_nz_empty_is_null)
{
    rpt_rows r;
    rpt_rows_init(&r);
    rpt_rows_row(&r, 0);
    rpt_rows_text_nz(&r, 1, NULL);
    rpt_rows_text_nz(&r, 2, "");
    rpt_rows_text_nz(&r, 3, "x");
    rpt_rows_text(&r, 4, "");
    out o = { .n = 0 };
    TU_CHECK_INT(rpt_rows_walk(&r, w_row, w_bind, w_end, &o), 0);
    TU_CHECK_STR(o.s, "R0 3t1'x' 4t0'' E0 ");
    rpt_rows_free(&r);
}

/* A callback's error stops the walk and is returned. */
TU_TEST(rows_walk_stops_at_callback_error)
{
    rpt_rows r;
    rpt_rows_init(&r);
    sample(&r);
    out o = { .n = 0, .fail_at_row = 2 };
    TU_CHECK_INT(rpt_rows_walk(&r, w_row, w_bind, w_end, &o), 7);
    TU_CHECK_STR(o.s, "R0 1I 2i-5 3i9223372036854775807 4t3'a'b' 6t0'' E0 ");
    rpt_rows_free(&r);
}

/* Every shorter copy of the buffer either walks (it ends at a whole row or
 * value) or is refused with -1; never read past its end (ASan watches the
 * exact-size copy). */
TU_TEST(rows_truncated_refused)
{
    rpt_rows r;
    rpt_rows_init(&r);
    sample(&r);
    int refused = 0;
    for (size_t n = 0; n < r.len; n++) {
        rpt_rows t = r;
        t.p = malloc(n ? n : 1);
        if (!t.p)
            break;
        memcpy(t.p, r.p, n);
        t.len = t.cap = n;
        out o = { .n = 0 };
        int rc = rpt_rows_walk(&t, w_row, w_bind, w_end, &o);
        if (rc != 0 && rc != -1)
            TU_FAILF("length %zu: walk returned %d", n, rc);
        refused += rc == -1;
        free(t.p);
    }
    TU_CHECK(refused > 10);
    /* A value before any row, and an unknown type, are refused too. */
    rpt_rows v;
    rpt_rows_init(&v);
    rpt_rows_int(&v, 1, 1);
    out o = { .n = 0 };
    TU_CHECK_INT(rpt_rows_walk(&v, w_row, w_bind, w_end, &o), -1);
    rpt_rows_reset(&v);
    rpt_rows_row(&v, RPT_ROW_NAME);
    rpt_rows_int(&v, 1, 1);
    v.p[3] = 99; /* the value's type byte */
    TU_CHECK_INT(rpt_rows_walk(&v, w_row, w_bind, w_end, &o), -1);
    rpt_rows_free(&v);
    rpt_rows_free(&r);
}

/* rpt_store_rows refuses rows whose rendering ran out of memory, and rows
 * that do not start with the flow's own row (they need its id). */
TU_TEST(store_rows_refuses_bad_renderings)
{
    char dir[256];
    if (tu_tmp_template(dir, sizeof(dir), "rowrec") != 0 || !mkdtemp(dir)) {
        TU_FAILF("mkdtemp failed");
        return;
    }
    char p[300];
    snprintf(p, sizeof(p), "%s/t.db", dir);
    rpt_store *s = NULL;
    char err[256];
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    if (!s)
        return;
    rpt_input_meta m = { "x.pcap", "x.pcap", 1, "00", 1, "EN10MB", "pcap" };
    int64_t id = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &m, &id), 0);
    rpt_rows r;
    rpt_rows_init(&r);
    r.oom = 1;
    TU_CHECK_INT(rpt_store_rows(s, id, &r), SQLITE_NOMEM);
    rpt_rows_reset(&r);
    rpt_rows_row(&r, RPT_ROW_NAME);
    rpt_rows_flow_id(&r, 1);
    TU_CHECK_INT(rpt_store_rows(s, id, &r), SQLITE_MISUSE);
    rpt_rows_free(&r);
    rpt_input_end e = { 0 };
    e.status = "complete";
    TU_CHECK_INT(rpt_store_input_end(s, id, &e), 0);
    char b[64] = "";
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(rpt_store_db(s), "SELECT count(*) FROM flow_names", -1,
                       &q, NULL);
    if (q && sqlite3_step(q) == SQLITE_ROW)
        snprintf(b, sizeof(b), "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    TU_CHECK_STR(b, "0");
    rpt_store_close(s);
    unlink(p);
    char side[320];
    snprintf(side, sizeof(side), "%s-wal", p);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", p);
    unlink(side);
    rmdir(dir);
}

int main(void)
{
    TU_RUN(rows_walk_back_every_value);
    TU_RUN(rows_text_nz_empty_is_null);
    TU_RUN(rows_walk_stops_at_callback_error);
    TU_RUN(rows_truncated_refused);
    TU_RUN(store_rows_refuses_bad_renderings);
    return tu_finish();
}
