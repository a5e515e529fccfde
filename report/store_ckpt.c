/* store_ckpt.c - checkpoints of an evidence store's write-ahead log from a
 * second connection (see store_ckpt.h).
 *
 * Invariants
 * ----------
 * - The checkpointer's connection only ever runs PASSIVE checkpoints: it
 *   never holds a read transaction between them and never writes a row,
 *   so the store's writer is never kept waiting by it, and SQLite's own
 *   rules decide which frames may be copied (only committed ones no
 *   reader needs).  Crash safety is SQLite's: a checkpoint interrupted by
 *   a kill is redone from the log on the next open.
 * - SQLITE_BUSY (another checkpoint running) is not an error: the frames
 *   are copied by the next checkpoint, or when the last connection closes.
 */
#include "store_ckpt.h"

#include <stdlib.h>
#include <string.h>

struct rpt_ckpt {
    sqlite3 *db;
};

int rpt_ckpt_open(rpt_store *s, rpt_ckpt **out)
{
    *out = NULL;
    const char *path = sqlite3_db_filename(rpt_store_db(s), "main");
    if (!path || !*path)
        return -1; /* in memory or temporary: nothing to checkpoint */
    rpt_ckpt *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    if (sqlite3_open_v2(path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return -1;
    }
    /* A connection finds the log when it first reads the file: read the
     * journal mode now (a checkpoint before that would do nothing). */
    sqlite3_stmt *q = NULL;
    int wal = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &q,
                                 NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW &&
              sqlite3_column_text(q, 0) &&
              strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
    sqlite3_finalize(q);
    if (!wal) {
        sqlite3_close(c->db);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int rpt_ckpt_run(rpt_ckpt *c, int *log_frames, int *copied)
{
    int rc = sqlite3_wal_checkpoint_v2(c->db, "main",
                                       SQLITE_CHECKPOINT_PASSIVE, log_frames,
                                       copied);
    return rc == SQLITE_BUSY ? SQLITE_OK : rc;
}

void rpt_ckpt_close(rpt_ckpt *c)
{
    if (!c)
        return;
    sqlite3_close(c->db);
    free(c);
}

void rpt_store_autocheckpoint(rpt_store *s, int on)
{
    sqlite3_wal_autocheckpoint(rpt_store_db(s), on ? 1000 : 0);
}
