/* store_capture.c - capture statistics and run options in the evidence store.
 *
 * Invariants
 * ----------
 * - Only prepared statements with bound parameters; no SQL from data.
 * - rpt_store_pending_sha() is the one stand-in for a hash not known yet
 *   (a live capture's file, an analysed file the writer still hashes).
 * - The two tables are created on first use (CREATE TABLE IF NOT EXISTS),
 *   never altered; existing tables are not touched except the inputs row a
 *   capture itself began (its hash and size, or its removal when it is an
 *   empty duplicate).
 * - Nothing here commits: the statements join the transaction the store
 *   keeps open while an input is open, and rpt_store_input_end() commits
 *   them with the input's counters.
 */
#define _DEFAULT_SOURCE
#include "store_capture.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char CAPTURE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS capture_stats("
    " input_id INTEGER PRIMARY KEY REFERENCES inputs(id),"
    " run_id INTEGER NOT NULL, interface TEXT, filter TEXT,"
    " snaplen INTEGER, buffer_bytes INTEGER, promisc INTEGER, user TEXT,"
    " captured INTEGER, ps_recv INTEGER, ps_drop INTEGER,"
    " ps_ifdrop INTEGER, started_at TEXT, ended_at TEXT, end_reason TEXT);"
    "CREATE TABLE IF NOT EXISTS run_options("
    " run_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " option TEXT NOT NULL, name TEXT, value TEXT,"
    " PRIMARY KEY(run_id, seq));";

static int schema(sqlite3 *db)
{
    return sqlite3_exec(db, CAPTURE_SCHEMA, NULL, NULL, NULL);
}

/* Prepare sql into *q; SQLITE_OK or the code. */
static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **q)
{
    return sqlite3_prepare_v2(db, sql, -1, q, NULL);
}

/* Step a bound statement once and finalize it; SQLITE_OK or the code. */
static int finish(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void text(sqlite3_stmt *q, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

int rpt_store_capture_stats(rpt_store *s, const rpt_capture_stats *cs)
{
    sqlite3 *db = rpt_store_db(s);
    sqlite3_stmt *q = NULL;
    int rc = schema(db);
    if (rc == SQLITE_OK)
        rc = prep(db,
                  "INSERT OR REPLACE INTO capture_stats(input_id, run_id, "
                  "interface, filter, snaplen, buffer_bytes, promisc, user, "
                  "captured, ps_recv, ps_drop, ps_ifdrop, started_at, "
                  "ended_at, end_reason) "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                  &q);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, cs->input_id);
    sqlite3_bind_int64(q, 2, cs->run_id);
    text(q, 3, cs->interface);
    text(q, 4, cs->filter);
    sqlite3_bind_int(q, 5, cs->snaplen);
    sqlite3_bind_int64(q, 6, cs->buffer_bytes);
    sqlite3_bind_int(q, 7, cs->promisc);
    text(q, 8, cs->user);
    sqlite3_bind_int64(q, 9, (sqlite3_int64)cs->captured);
    sqlite3_bind_int64(q, 10, (sqlite3_int64)cs->ps_recv);
    sqlite3_bind_int64(q, 11, (sqlite3_int64)cs->ps_drop);
    sqlite3_bind_int64(q, 12, (sqlite3_int64)cs->ps_ifdrop);
    text(q, 13, cs->started_at);
    text(q, 14, cs->ended_at);
    text(q, 15, cs->end_reason);
    return finish(q);
}

int rpt_store_run_option(rpt_store *s, int64_t run_id, int seq,
                         const char *option, const char *name,
                         const char *value)
{
    sqlite3 *db = rpt_store_db(s);
    sqlite3_stmt *q = NULL;
    int rc = schema(db);
    if (rc == SQLITE_OK)
        rc = prep(db,
                  "INSERT OR REPLACE INTO run_options(run_id, seq, option, "
                  "name, value) VALUES(?1,?2,?3,?4,?5)",
                  &q);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int(q, 2, seq);
    text(q, 3, option);
    text(q, 4, name);
    if (value)
        sqlite3_bind_text(q, 5, value, -1, SQLITE_TRANSIENT);
    return finish(q);
}

int rpt_store_input_set_file(rpt_store *s, int64_t input_id,
                             const char *sha256, int64_t size)
{
    int64_t other;
    char status[32];
    int f = rpt_store_input_find(s, sha256, &other, status, sizeof(status));
    if (f < 0)
        return -f;
    if (f == 1)
        return other == input_id ? 0 : 1;
    sqlite3 *db = rpt_store_db(s);
    sqlite3_stmt *q = NULL;
    int rc = prep(db, "UPDATE inputs SET sha256=?2, size=?3 WHERE id=?1", &q);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, input_id);
    sqlite3_bind_text(q, 2, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, size);
    return finish(q);
}

int rpt_store_input_forget_empty(rpt_store *s, int64_t input_id)
{
    sqlite3 *db = rpt_store_db(s);
    sqlite3_stmt *q = NULL;
    int rc = prep(db, "SELECT count(*) FROM flows WHERE input_id=?1", &q);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, input_id);
    rc = sqlite3_step(q);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    if (n < 0)
        return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
    if (n > 0)
        return 1;
    rc = schema(db);
    static const char *const del[] = {
        "DELETE FROM capture_stats WHERE input_id=?1",
        "DELETE FROM run_options WHERE run_id=?1",
        "DELETE FROM inputs WHERE id=?1",
    };
    for (size_t i = 0; i < sizeof(del) / sizeof(del[0]) && !rc; i++) {
        rc = prep(db, del[i], &q);
        if (rc != SQLITE_OK)
            break;
        sqlite3_bind_int64(q, 1, input_id);
        rc = finish(q);
    }
    return rc;
}

void rpt_store_pending_sha(char *out, size_t len, unsigned k)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(out, len, "pending:%ld:%lld%06ld:%u", (long)getpid(),
             (long long)ts.tv_sec, ts.tv_nsec / 1000, k);
}

int rpt_store_input_size_known(rpt_store *s, int64_t size)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(rpt_store_db(s),
                  "SELECT 1 FROM inputs WHERE size=?1 LIMIT 1",
                  &q);
    if (rc != SQLITE_OK)
        return -rc;
    sqlite3_bind_int64(q, 1, size);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : -rc;
}
