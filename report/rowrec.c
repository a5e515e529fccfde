/* rowrec.c - the rows of one flow written down first and inserted later
 * (see rowrec.h).
 *
 * Invariants
 * ----------
 * - The buffer is a sequence of rows; a row is the byte ROW_MARK and its
 *   kind, then its values; a value is its parameter number (1..254), its
 *   type and its payload: an int64 (8 bytes, host order: the buffer never
 *   leaves the process), or a 32-bit length and that many bytes (a text is
 *   followed by a NUL so SQLite can take it as it is).  Placeholders have
 *   no payload.
 * - Only this file writes or reads that layout; rpt_rows_walk() hands the
 *   values out already decoded and checks every length against the
 *   buffer's end.
 * - After a failed allocation nothing more is written (oom stays set), so
 *   the buffer always ends at a whole value.
 */
#include "rowrec.h"

#include <stdlib.h>
#include <string.h>

#define ROW_MARK 0xFF
#define TEXT_MAX 0x7FFFFFFFu   /* SQLite binds at most INT_MAX bytes */

void rpt_rows_init(rpt_rows *r)
{
    memset(r, 0, sizeof(*r));
}

void rpt_rows_free(rpt_rows *r)
{
    free(r->p);
    memset(r, 0, sizeof(*r));
}

void rpt_rows_reset(rpt_rows *r)
{
    unsigned char *p = r->p;
    size_t cap = r->cap;
    memset(r, 0, sizeof(*r));
    r->p = p;
    r->cap = cap;
}

/* Room for n more bytes, or oom. */
static int room(rpt_rows *r, size_t n)
{
    if (r->oom)
        return 0;
    if (n > SIZE_MAX / 2 - r->len) {
        r->oom = 1;
        return 0;
    }
    if (r->len + n <= r->cap)
        return 1;
    size_t cap = r->cap ? r->cap : 1024;
    while (cap < r->len + n)
        cap *= 2;
    unsigned char *p = realloc(r->p, cap);
    if (!p) {
        r->oom = 1;
        return 0;
    }
    r->p = p;
    r->cap = cap;
    return 1;
}

static void put(rpt_rows *r, const void *p, size_t n)
{
    memcpy(r->p + r->len, p, n);
    r->len += n;
}

void rpt_rows_row(rpt_rows *r, int kind)
{
    if (!room(r, 2))
        return;
    unsigned char h[2] = { ROW_MARK, (unsigned char)kind };
    put(r, h, 2);
    r->nrows++;
}

static void head(rpt_rows *r, int param, int type)
{
    unsigned char h[2] = { (unsigned char)param, (unsigned char)type };
    put(r, h, 2);
}

void rpt_rows_int(rpt_rows *r, int param, int64_t v)
{
    if (!room(r, 2 + sizeof(v)))
        return;
    head(r, param, RPT_VAL_INT);
    put(r, &v, sizeof(v));
}

static void bytes(rpt_rows *r, int param, int type, const void *p, size_t n,
                  int nul)
{
    if (n > TEXT_MAX) {
        r->oom = 1;
        return;
    }
    uint32_t len = (uint32_t)n;
    if (!room(r, 2 + sizeof(len) + n + (size_t)nul))
        return;
    head(r, param, type);
    put(r, &len, sizeof(len));
    if (n)
        put(r, p, n);
    if (nul)
        r->p[r->len++] = 0;
}

void rpt_rows_textn(rpt_rows *r, int param, const char *s, size_t n)
{
    if (s)
        bytes(r, param, RPT_VAL_TEXT, s, n, 1);
}

void rpt_rows_text(rpt_rows *r, int param, const char *s)
{
    if (s)
        bytes(r, param, RPT_VAL_TEXT, s, strlen(s), 1);
}

void rpt_rows_text_nz(rpt_rows *r, int param, const char *s)
{
    if (s && *s)
        bytes(r, param, RPT_VAL_TEXT, s, strlen(s), 1);
}

void rpt_rows_blob(rpt_rows *r, int param, const void *p, size_t n)
{
    bytes(r, param, RPT_VAL_BLOB, p, n, 0);
}

static void mark(rpt_rows *r, int param, int type)
{
    if (room(r, 2))
        head(r, param, type);
}

void rpt_rows_flow_id(rpt_rows *r, int param)
{
    mark(r, param, RPT_VAL_FLOW_ID);
}

void rpt_rows_input_id(rpt_rows *r, int param)
{
    mark(r, param, RPT_VAL_INPUT_ID);
}

int rpt_rows_walk(const rpt_rows *r, int (*row)(void *ctx, int kind),
                  int (*bind)(void *ctx, const rpt_rows_val *v),
                  int (*end)(void *ctx, int kind), void *ctx)
{
    size_t o = 0;
    int kind = -1, rc = 0;
    while (o < r->len && !rc) {
        if (r->p[o] == ROW_MARK) {
            if (o + 2 > r->len)
                return -1;
            if (kind >= 0 && (rc = end(ctx, kind)) != 0)
                return rc;
            kind = r->p[o + 1];
            o += 2;
            rc = row(ctx, kind);
            continue;
        }
        if (kind < 0 || o + 2 > r->len)
            return -1;
        rpt_rows_val v = { r->p[o], r->p[o + 1], 0, NULL, 0 };
        o += 2;
        switch (v.type) {
        case RPT_VAL_INT:
            if (r->len - o < sizeof(v.i))
                return -1;
            memcpy(&v.i, r->p + o, sizeof(v.i));
            o += sizeof(v.i);
            break;
        case RPT_VAL_TEXT:
        case RPT_VAL_BLOB: {
            uint32_t len;
            if (r->len - o < sizeof(len))
                return -1;
            memcpy(&len, r->p + o, sizeof(len));
            o += sizeof(len);
            size_t need = (size_t)len + (v.type == RPT_VAL_TEXT);
            if (r->len - o < need)
                return -1;
            v.p = r->p + o;
            v.n = len;
            o += need;
            break;
        }
        case RPT_VAL_FLOW_ID:
        case RPT_VAL_INPUT_ID:
            break;
        default:
            return -1;
        }
        rc = bind(ctx, &v);
    }
    if (!rc && kind >= 0)
        rc = end(ctx, kind);
    return rc;
}
