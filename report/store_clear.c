/* store_clear.c - the cleartext table schema version 3 added to the
 * evidence store: what the client sent in the clear, as raw bytes with the
 * frames that carried them.  (Version 3's other new table, ndpi_tls, is
 * store_tls.c's.)
 *
 * Invariants
 * ----------
 * - Only prepared statements with bound parameters; data is bound as a
 *   BLOB of exactly the chunk's bytes (at most RPT_CLEAR_MAX), never as
 *   text, so any byte value round-trips.
 * - Every cleartext row carries its flow, input, first and last frame, so
 *   it leads back to the packets; truncated says bytes were dropped past a
 *   cap (dissect/cleartext.h: 16 KiB per row, 64 KiB per flow, 4 KiB for a
 *   'payload' row).
 */
#include "store_clear.h"
#include "dbutil.h"
#include "store.h"

#include "../dissect/cleartext.h"

#include <stddef.h>

_Static_assert(RPT_CLEAR_MAX == DIS_CLEAR_ROW_MAX,
               "the store's row cap is the dissector's");

const char RPT_CLEAR_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS cleartext("
    " id INTEGER PRIMARY KEY, flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " input_id INTEGER NOT NULL, frame INTEGER NOT NULL,"
    " last_frame INTEGER NOT NULL, ts_us INTEGER, dir INTEGER,"
    " kind TEXT NOT NULL, data BLOB NOT NULL, truncated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS cleartext_flow ON cleartext(flow_id);";

static const char SQL_INS[] =
    "INSERT INTO cleartext(flow_id, input_id, frame, last_frame, ts_us, dir,"
    " kind, data, truncated) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)";
static const char SQL_DEL_CLEAR[] =
    "DELETE FROM cleartext WHERE input_id = ?1";

int rpt_clear_prepare(sqlite3 *db, rpt_clear_stmts *st)
{
    int rc = sqlite3_prepare_v3(db, SQL_INS, -1, SQLITE_PREPARE_PERSISTENT,
                                &st->ins, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(db, SQL_DEL_CLEAR, -1,
                                SQLITE_PREPARE_PERSISTENT, &st->del_clear,
                                NULL);
    return rc;
}

void rpt_clear_finalize(rpt_clear_stmts *st)
{
    sqlite3_finalize(st->ins);
    sqlite3_finalize(st->del_clear);
    st->ins = st->del_clear = NULL;
}

int rpt_clear_delete_input(rpt_clear_stmts *st, int64_t input_id)
{
    sqlite3_bind_int64(st->del_clear, 1, input_id);
    return rpt_db_step_done(st->del_clear);
}

void rpt_clear_render(rpt_rows *r, const dis_flow *f)
{
    dis_clear_chunk ch[DIS_CLEAR_MAX_ROWS];
    int n = dis_clear_chunks(f, ch, DIS_CLEAR_MAX_ROWS);
    for (int i = 0; i < n; i++) {
        rpt_rows_row(r, RPT_ROW_CLEAR);
        rpt_rows_flow_id(r, 1);
        rpt_rows_input_id(r, 2);
        rpt_rows_int(r, 3, (int64_t)ch[i].frame);
        rpt_rows_int(r, 4, (int64_t)ch[i].last_frame);
        rpt_rows_int(r, 5, ch[i].ts_us);
        rpt_rows_int(r, 6, ch[i].dir);
        rpt_rows_text(r, 7, ch[i].kind);
        rpt_rows_blob(r, 8, ch[i].data, ch[i].len);
        rpt_rows_int(r, 9, ch[i].truncated);
    }
}
