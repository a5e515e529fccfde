/* sqlq.h - reading an evidence database in unit tests: one value, every row,
 * and storing one flow as a whole input.  Used by test_store.c,
 * test_store_tls.c, test_cleartext_store.c, test_store_ckpt.c,
 * test_capture.c and test_flow_strings.c instead of a copy each.
 * static inline: a test program that uses only some of them builds without
 * unused-function warnings.
 */
#ifndef MEETAUDIT_SQLQ_H
#define MEETAUDIT_SQLQ_H

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../../dissect/flow.h"
#include "../../report/store.h"

/* The first column of the first row of sql as text into buf: "NULL" for
 * SQL NULL, "" when there is no row, "(error: ...)" when sql fails. */
static inline const char *q1(sqlite3 *db, const char *sql, char *buf,
                             size_t n)
{
    sqlite3_stmt *q = NULL;
    buf[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(buf, n, "(error: %s)", sqlite3_errmsg(db));
        return buf;
    }
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(buf, n, "%s", t ? (const char *)t : "NULL");
    } else if (rc != SQLITE_DONE) {
        snprintf(buf, n, "(error: %s)", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return buf;
}

/* Every row of sql into buf: columns joined by '|', rows by "; ", NULL as
 * "NULL"; cut short (still terminated) when buf is full; "(error: ...)"
 * when sql fails. */
static inline const char *qall(sqlite3 *db, const char *sql, char *buf,
                               size_t n)
{
    sqlite3_stmt *q = NULL;
    size_t o = 0;
    buf[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(buf, n, "(error: %s)", sqlite3_errmsg(db));
        return buf;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(q); i++) {
            const unsigned char *t = sqlite3_column_text(q, i);
            int w = snprintf(buf + o, n - o, "%s%s", i ? "|" : (o ? "; " : ""),
                             t ? (const char *)t : "NULL");
            if (w < 0 || (size_t)w >= n - o) {
                sqlite3_finalize(q);
                return buf;
            }
            o += (size_t)w;
        }
    }
    sqlite3_finalize(q);
    return buf;
}

/* Store f as the only flow of a complete input whose SHA-256 field is sha.
 * 0, or the first error of the store. */
static inline int store_one(rpt_store *s, const char *sha, dis_flow *f)
{
    rpt_input_meta m = { "x.pcap", "x.pcap", 1, sha, 1, "EN10MB", "pcap" };
    rpt_input_end e;
    int64_t id;
    memset(&e, 0, sizeof(e));
    e.status = "complete";
    if (rpt_store_input_begin(s, &m, &id) != 0 ||
        rpt_store_flow(s, id, f) != 0)
        return -1;
    return rpt_store_input_end(s, id, &e);
}

#endif
