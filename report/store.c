/* store.c - the SQLite evidence store: schema, batched inserts, inputs.
 *
 * Invariants
 * ----------
 * - Every statement is prepared once with bound parameters; no SQL is ever
 *   assembled from data.
 * - The database runs in WAL mode with synchronous=NORMAL; writes are
 *   grouped in transactions of RPT_BATCH flows, so a killed process leaves
 *   whole batches and an input row whose status is still "analysing".
 * - Every row is traceable: flows carry their input id and first/last frame
 *   numbers; DNS answers and HTTP transactions carry their own frame; the
 *   TLS tables (store_tls.c) carry the frames of hellos, certificates and
 *   alerts.
 * - meta.schema_version says which schema the file has; a file with another
 *   version is refused rather than misread, except that a version-1 or -2
 *   file opened for writing is upgraded to version 3 in one transaction
 *   (1 -> 2: new TLS columns, NULL in old rows: not observed; 2 -> 3: the
 *   new tables of store_clear.c, empty for inputs analysed before).
 * - Cleartext rows (store_clear.c) are written with their flow, in the
 *   same batch transaction.
 * - A file this module creates has RPT_PAGE_SIZE (16 KiB) pages: every
 *   page goes through the WAL (a frame = two writes) and again into the
 *   file at checkpoints, so the number of system calls of an analysis is
 *   about three per page of data, and rows of about 1 KiB (tls) and
 *   certificate rows with long SAN lists fit small pages badly.  On
 *   big.pcap (bench/): 4 -> 8 KiB took about a tenth off the time; 8 ->
 *   16 KiB halved the writes and reads (27,054 pwrite + 8,551 pread ->
 *   13,868 + 4,168), most of them on the writer at the end of the input,
 *   where it is the slower of the two threads.  Readers do not care:
 *   SQLite reads any page size.
 * - The page cache is set in bytes (RPT_CACHE_KIB) after the page size.
 *   Left at SQLite's default (2000 KiB) it held about 4 MB of 8 KiB pages
 *   and 8 MB of 16 KiB ones here (measured: peak RSS +4 MB per doubling):
 *   the default is turned into a number of pages before the file's own
 *   page size is known.  4000 KiB is what the 8 KiB files had, and less
 *   spills dirty pages of a batch into the log early (2000 KiB at 8 KiB
 *   pages: 31,366 writes and 12,999 reads).  Peak RSS has a budget
 *   (issue #9).
 * - The connection is opened SQLITE_OPEN_NOMUTEX: a store is used by one
 *   thread at a time (capture/pipeline.c hands it to its writer thread
 *   and takes it back under the pipeline's mutex), never by two at once.
 *   rpt_store_global_init() also turns off SQLite's allocation counters
 *   (a global mutex on every SQLite allocation).
 */
#define _DEFAULT_SOURCE
#include "store.h"
#include "dbutil.h"
#include "attrib.h"
#include "../dissect/applayer.h"
#include "store_tls.h"
#include "store_clear.h"
#include "store_capture.h"

#include "../dissect/applayer.h"
#include "../dissect/classify.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    ST_FIND_INPUT, ST_DEL_DNS, ST_DEL_HTTP, ST_DEL_FLOWS, ST_DEL_INPUT,
    ST_INS_INPUT, ST_END_INPUT, ST_INS_FLOW, ST_INS_DNS_ANS, ST_INS_HTTP,
    ST_DEL_NAMES, ST_DEL_COV, ST_INS_NAME, ST_INS_COV, ST_SET_HASH,
    ST_COUNT
};

static const char *const SQL[ST_COUNT] = {
    [ST_FIND_INPUT] = "SELECT id, status FROM inputs WHERE sha256 = ?1",
    [ST_DEL_DNS] = "DELETE FROM dns_answers WHERE input_id = ?1",
    [ST_DEL_NAMES] = "DELETE FROM flow_names WHERE input_id = ?1",
    [ST_DEL_COV] = "DELETE FROM name_coverage WHERE input_id = ?1",
    [ST_INS_NAME] =
        "INSERT INTO flow_names(flow_id, input_id, idx, name, source, frame) "
        "VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_INS_COV] =
        "INSERT OR REPLACE INTO name_coverage(input_id, flows, named_flows, "
        "bytes_toserver, named_bytes_toserver, ndpi_named_flows) "
        "SELECT ?1,?2,?3,?4,?5,?6 "
        "WHERE EXISTS (SELECT 1 FROM inputs WHERE id = ?1)",
    [ST_DEL_HTTP] = "DELETE FROM http WHERE input_id = ?1",
    [ST_DEL_FLOWS] = "DELETE FROM flows WHERE input_id = ?1",
    [ST_DEL_INPUT] = "DELETE FROM inputs WHERE id = ?1",
    [ST_INS_INPUT] =
        "INSERT INTO inputs(path, name, size, sha256, format, linktype, "
        "linktype_name, status, analysed_at, ndpi_version) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,'analysing',?8,?9)",
    [ST_SET_HASH] = "UPDATE inputs SET sha256=?2, size=?3 WHERE id=?1",
    [ST_END_INPUT] =
        "UPDATE inputs SET packets=?2, ip_packets=?3, skipped=?4, "
        "malformed=?5, flows=?6, evicted=?7, frag_unattributed=?8, "
        "first_ts_us=?9, last_ts_us=?10, status=?11, error=?12 WHERE id=?1",
    [ST_INS_FLOW] =
        "INSERT INTO flows(input_id, flow_seq, community_id, proto, "
        "ip_version, vlan, src_ip, src_port, dest_ip, dest_port, "
        "first_frame, last_frame, first_ts_us, last_ts_us, pkts_toserver, "
        "pkts_toclient, bytes_toserver, bytes_toclient, app_proto, "
        "master_proto, category, confidence, risks, hostname, "
        "hostname_source, ndpi_host, end_reason, icmp_type, icmp_code) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
        "?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29)",
    [ST_INS_DNS_ANS] =
        "INSERT INTO dns_answers(flow_id, input_id, frame, ts_us, query, "
        "qtype, rcode, name, rtype, ttl, data) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    [ST_INS_HTTP] =
        "INSERT INTO http(flow_id, input_id, frame, ts_us, method, host, "
        "uri, version, user_agent, content_type, content_length, status, "
        "resp_frame, resp_content_type, server) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS inputs("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL,"
    " size INTEGER, sha256 TEXT NOT NULL UNIQUE, format TEXT,"
    " linktype INTEGER, linktype_name TEXT, packets INTEGER DEFAULT 0,"
    " ip_packets INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0,"
    " malformed INTEGER DEFAULT 0, flows INTEGER DEFAULT 0,"
    " evicted INTEGER DEFAULT 0, frag_unattributed INTEGER DEFAULT 0,"
    " first_ts_us INTEGER, last_ts_us INTEGER,"
    " status TEXT NOT NULL, error TEXT, analysed_at TEXT,"
    " ndpi_version TEXT);"
    "CREATE TABLE IF NOT EXISTS flows("
    " id INTEGER PRIMARY KEY, input_id INTEGER NOT NULL REFERENCES inputs(id),"
    " flow_seq INTEGER NOT NULL, community_id TEXT, proto TEXT,"
    " ip_version INTEGER, vlan INTEGER, src_ip TEXT, src_port INTEGER,"
    " dest_ip TEXT, dest_port INTEGER, first_frame INTEGER,"
    " last_frame INTEGER, first_ts_us INTEGER, last_ts_us INTEGER,"
    " pkts_toserver INTEGER, pkts_toclient INTEGER, bytes_toserver INTEGER,"
    " bytes_toclient INTEGER, app_proto TEXT, master_proto TEXT,"
    " category TEXT, confidence TEXT, risks TEXT, hostname TEXT,"
    " hostname_source TEXT, ndpi_host TEXT, end_reason TEXT,"
    " icmp_type INTEGER, icmp_code INTEGER,"
    " UNIQUE(input_id, flow_seq));"
    "CREATE INDEX IF NOT EXISTS flows_order ON flows(input_id, first_frame);"
    /* the TLS tables: RPT_TLS_SCHEMA in store_tls.c */
    "CREATE TABLE IF NOT EXISTS dns_answers("
    " id INTEGER PRIMARY KEY, flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " input_id INTEGER NOT NULL, frame INTEGER, ts_us INTEGER, query TEXT,"
    " qtype INTEGER, rcode INTEGER, name TEXT, rtype INTEGER, ttl INTEGER,"
    " data TEXT);"
    "CREATE INDEX IF NOT EXISTS dns_answers_flow ON dns_answers(flow_id);"
    "CREATE TABLE IF NOT EXISTS http("
    " id INTEGER PRIMARY KEY, flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " input_id INTEGER NOT NULL, frame INTEGER, ts_us INTEGER, method TEXT,"
    " host TEXT, uri TEXT, version TEXT, user_agent TEXT,"
    " content_type TEXT, content_length INTEGER, status INTEGER,"
    " resp_frame INTEGER, resp_content_type TEXT, server TEXT);"
    "CREATE INDEX IF NOT EXISTS http_flow ON http(flow_id);"
    "CREATE TABLE IF NOT EXISTS dns("
    " flow_id INTEGER PRIMARY KEY REFERENCES flows(id), query TEXT,"
    " qtype INTEGER, rcode INTEGER);"
    /* Every candidate name of a flow, best first (dis_flow_names). */
    "CREATE TABLE IF NOT EXISTS flow_names("
    " flow_id INTEGER NOT NULL REFERENCES flows(id), input_id INTEGER NOT NULL,"
    " idx INTEGER NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,"
    " frame INTEGER, PRIMARY KEY(flow_id, idx));"
    "CREATE INDEX IF NOT EXISTS flow_names_input ON flow_names(input_id);"
    /* Per input: TCP/UDP flows to public server addresses (not DNS), how
     * many of them (and of the bytes sent to them) carry a name, and how
     * many nDPI alone named. */
    "CREATE TABLE IF NOT EXISTS name_coverage("
    " input_id INTEGER PRIMARY KEY REFERENCES inputs(id), flows INTEGER,"
    " named_flows INTEGER, bytes_toserver INTEGER,"
    " named_bytes_toserver INTEGER, ndpi_named_flows INTEGER);";

struct rpt_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    sqlite3_stmt *ins_dns;
    rpt_tls_stmts tls;         /* TLS statements (store_tls.c) */
    rpt_clear_stmts clear;     /* cleartext statements (store_clear.c) */
    int in_txn;
    int hold;           /* input begun unhashed: no commit until hashed */
    unsigned batch;
    rpt_coverage cov;   /* name coverage of the input being written */
    rpt_rows rows;      /* rpt_store_flow's rendering, reused */
};

#define PAGE_SIZE_SQL "PRAGMA page_size=16384"
#define CACHE_SIZE_SQL "PRAGMA cache_size=-4000"
_Static_assert(RPT_PAGE_SIZE == 16384 && RPT_CACHE_KIB == 4000,
               "PAGE_SIZE_SQL and CACHE_SIZE_SQL say 16384 and 4000");

static int exec(rpt_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* Version 1 or 2 -> 3: the tables the old file lacks (CREATE TABLE IF NOT
 * EXISTS of the whole schema: version 2's, ndpi_tls, cleartext), and for
 * version 1 the new TLS columns.  One transaction: either the file is
 * version 3 afterwards or unchanged. */
static int migrate(rpt_store *s, int from, char *err, size_t errlen)
{
    int rc = exec(s, "BEGIN");
    if (rc == SQLITE_OK)
        rc = exec(s, SCHEMA);
    if (rc == SQLITE_OK)
        rc = exec(s, RPT_TLS_SCHEMA);
    if (rc == SQLITE_OK && from == 1)
        rc = rpt_tls_migrate_v1(s->db);
    if (rc == SQLITE_OK)
        rc = exec(s, RPT_CLEAR_SCHEMA);
    if (rc == SQLITE_OK)
        rc = exec(s, "UPDATE meta SET value='3' WHERE key='schema_version'");
    if (rc == SQLITE_OK)
        rc = exec(s, "COMMIT");
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot upgrade schema version %d to 3: %s",
                 from, sqlite3_errmsg(s->db));
        exec(s, "ROLLBACK");
    }
    return rc;
}

/* The schema_version of an existing database, -1 when it has none. */
static int stored_version(rpt_store *s)
{
    sqlite3_stmt *q = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT value FROM meta WHERE key='schema_version'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

static int check_version(rpt_store *s, int create, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
        NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "not a meetaudit evidence database (%s)",
                 sqlite3_errmsg(s->db));
        return rc;
    }
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        if ((v == 1 || v == 2) && RPT_SCHEMA_VERSION == 3 && create)
            return migrate(s, v, err, errlen);
        if (v != RPT_SCHEMA_VERSION) {
            snprintf(err, errlen,
                     "evidence database has schema version %d, this "
                     "meetaudit reads version %d%s",
                     v, RPT_SCHEMA_VERSION,
                     v == 1 || v == 2 ? " (analyze into it once to upgrade it)"
                                      : "");
            return -1;
        }
        return 0;
    }
    sqlite3_finalize(q);
    if (!create) {
        snprintf(err, errlen, "not a meetaudit evidence database (no "
                              "schema_version)");
        return -1;
    }
    rc = sqlite3_prepare_v2(
        s->db, "INSERT INTO meta(key, value) VALUES('schema_version', ?1)",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(q, 1, RPT_SCHEMA_VERSION);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "cannot write schema version: %s",
                 sqlite3_errmsg(s->db));
    return rc;
}

static int open_common(const char *path, int ro, rpt_store **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    rpt_store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* NOMUTEX: one thread at a time uses a store (the pipeline hands it
     * to its writer and back under its own mutex), so SQLite's
     * per-call connection mutex is pure cost (measured ~5% of the
     * writer on big.pcap). */
    int flags = (ro ? SQLITE_OPEN_READONLY
                    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", s->db ? sqlite3_errmsg(s->db)
                                          : "cannot open database");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (!ro) {
        /* A database with anything in it must be ours before we touch it. */
        sqlite3_stmt *q = NULL;
        rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master",
                                -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q) == SQLITE_ROW ? SQLITE_OK
                                               : sqlite3_errcode(s->db);
        int empty = rc == SQLITE_OK && sqlite3_column_int(q, 0) == 0;
        sqlite3_finalize(q);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
            goto fail;
        }
        /* Versions 1 and 2 are let through: check_version() below
         * upgrades them (creating every table they lack in the same
         * transaction). */
        int old = empty ? 0 : stored_version(s);
        if (!empty && old != 1 && old != 2) {
            rc = check_version(s, 0, err, errlen);
            if (rc != SQLITE_OK)
                goto fail;
        }
        /* A new file gets RPT_PAGE_SIZE pages (before WAL fixes the
         * size); an existing file keeps its own. */
        rc = empty ? exec(s, PAGE_SIZE_SQL) : SQLITE_OK;
        if (rc == SQLITE_OK)
            rc = exec(s, "PRAGMA journal_mode=WAL");
        /* After the page size: SQLite turned its default (2000 KiB)
         * into a count of pages of the size the file had when opened. */
        if (rc == SQLITE_OK)
            rc = exec(s, CACHE_SIZE_SQL);
        if (rc == SQLITE_OK)
            rc = exec(s, "PRAGMA synchronous=NORMAL");
        if (rc == SQLITE_OK)
            rc = exec(s, "PRAGMA foreign_keys=ON");
        if (rc == SQLITE_OK && old != 1 && old != 2)
            rc = exec(s, SCHEMA);
        if (rc == SQLITE_OK && old != 1 && old != 2)
            rc = exec(s, RPT_TLS_SCHEMA);
        if (rc == SQLITE_OK && old != 1 && old != 2)
            rc = exec(s, RPT_CLEAR_SCHEMA);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
            goto fail;
        }
    }
    rc = check_version(s, !ro, err, errlen);
    if (rc != SQLITE_OK)
        goto fail;
    if (!ro) {
        for (int i = 0; i < ST_COUNT; i++) {
            rc = sqlite3_prepare_v3(s->db, SQL[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &s->st[i],
                                    NULL);
            if (rc != SQLITE_OK) {
                snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
                goto fail;
            }
        }
        rc = rpt_tls_prepare(s->db, &s->tls);
        if (rc == SQLITE_OK)
            rc = rpt_clear_prepare(s->db, &s->clear);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
            goto fail;
        }
        rc = sqlite3_prepare_v3(s->db,
                                "INSERT INTO dns(flow_id, query, qtype, rcode) "
                                "VALUES(?1,?2,?3,?4)",
                                -1, SQLITE_PREPARE_PERSISTENT, &s->ins_dns,
                                NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
            goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    rpt_store_close(s);
    return rc ? rc : -1;
}

int rpt_store_global_init(void)
{
    /* Only possible before SQLite initialises itself (first open). */
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK ? 0 : -1;
}

int rpt_store_open(const char *path, rpt_store **out, char *err, size_t errlen)
{
    return open_common(path, 0, out, err, errlen);
}

int rpt_store_open_ro(const char *path, rpt_store **out, char *err,
                      size_t errlen)
{
    return open_common(path, 1, out, err, errlen);
}

void rpt_store_close(rpt_store *s)
{
    if (!s)
        return;
    if (s->in_txn)
        exec(s, s->hold ? "ROLLBACK" : "COMMIT");
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_finalize(s->ins_dns);
    rpt_tls_finalize(&s->tls);
    rpt_clear_finalize(&s->clear);
    rpt_rows_free(&s->rows);
    sqlite3_close(s->db);
    free(s);
}

sqlite3 *rpt_store_db(rpt_store *s)
{
    return s->db;
}

const char *rpt_store_errmsg(rpt_store *s)
{
    return sqlite3_errmsg(s->db);
}

/* v must stay valid until rpt_db_step_done(), which clears the bindings:
 * every caller binds and steps in the same scope, so SQLite need not copy
 * it. */
static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

int rpt_store_input_find(rpt_store *s, const char *sha256, int64_t *id,
                         char *status, size_t len)
{
    sqlite3_stmt *q = s->st[ST_FIND_INPUT];
    sqlite3_bind_text(q, 1, sha256, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    int found = 0;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        const unsigned char *st = sqlite3_column_text(q, 1);
        snprintf(status, len, "%s", st ? (const char *)st : "");
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = -rc;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return found;
}

static int begin(rpt_store *s)
{
    if (s->in_txn)
        return 0;
    int rc = exec(s, "BEGIN");
    if (rc == SQLITE_OK)
        s->in_txn = 1;
    return rc;
}

static int commit(rpt_store *s)
{
    if (!s->in_txn)
        return 0;
    int rc = exec(s, "COMMIT");
    if (rc == SQLITE_OK)
        s->in_txn = 0;
    s->batch = 0;
    return rc;
}

/* Delete every row of input old (an interrupted earlier attempt at the
 * same file), inside the open transaction. */
static int drop_input(rpt_store *s, int64_t old)
{
    const int del[] = { ST_DEL_DNS, ST_DEL_HTTP, ST_DEL_NAMES, ST_DEL_COV };
    int rc = rpt_tls_delete_input(&s->tls, old);
    if (!rc)
        rc = rpt_clear_delete_input(&s->clear, old);
    for (size_t i = 0; i < sizeof(del) / sizeof(del[0]) && !rc; i++) {
        sqlite3_bind_int64(s->st[del[i]], 1, old);
        rc = rpt_db_step_done(s->st[del[i]]);
    }
    if (!rc) {
        sqlite3_stmt *q;
        rc = sqlite3_prepare_v2(s->db,
                                "DELETE FROM dns WHERE flow_id IN "
                                "(SELECT id FROM flows WHERE input_id=?1)",
                                -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, old);
            rc = rpt_db_step_done(q);
            sqlite3_finalize(q);
        }
    }
    const int del2[] = { ST_DEL_FLOWS, ST_DEL_INPUT };
    for (size_t i = 0; i < 2 && !rc; i++) {
        sqlite3_bind_int64(s->st[del2[i]], 1, old);
        rc = rpt_db_step_done(s->st[del2[i]]);
    }
    return rc;
}

/* Insert the input row of m with hash sha256 (status "analysing") in the
 * open transaction; its id into *id. */
static int insert_input(rpt_store *s, const rpt_input_meta *m,
                        const char *sha256, int64_t *id)
{
    char now[40];
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_stmt *q = s->st[ST_INS_INPUT];
    bind_text(q, 1, m->path);
    bind_text(q, 2, m->name);
    sqlite3_bind_int64(q, 3, m->size);
    bind_text(q, 4, sha256);
    bind_text(q, 5, m->format);
    sqlite3_bind_int(q, 6, m->linktype);
    bind_text(q, 7, m->linktype_name);
    bind_text(q, 8, now);
    bind_text(q, 9, dis_classifier_version());
    int rc = rpt_db_step_done(q);
    if (rc)
        return rc;
    *id = sqlite3_last_insert_rowid(s->db);
    memset(&s->cov, 0, sizeof s->cov);
    return 0;
}

int rpt_store_input_begin(rpt_store *s, const rpt_input_meta *m, int64_t *id)
{
    int rc = begin(s);
    if (rc)
        return rc;
    int64_t old;
    char status[32];
    if (rpt_store_input_find(s, m->sha256, &old, status, sizeof(status)) ==
            1 &&
        (rc = drop_input(s, old)) != 0)
        return rc;
    if ((rc = insert_input(s, m, m->sha256, id)) != 0)
        return rc;
    /* Make the "analysing" row durable before the first batch. */
    rc = commit(s);
    if (!rc)
        rc = begin(s);
    return rc;
}

int rpt_store_input_begin_unhashed(rpt_store *s, const rpt_input_meta *m,
                                   int64_t *id)
{
    int rc = begin(s);
    if (rc)
        return rc;
    /* Unique among committed rows, and never committed itself. */
    char pending[96];
    rpt_store_pending_sha(pending, sizeof(pending), 0);
    rc = insert_input(s, m, pending, id);
    if (!rc)
        s->hold = 1;
    return rc;
}

int rpt_store_input_hashed(rpt_store *s, int64_t id, const char *sha256,
                           int64_t size, int64_t *dup_id)
{
    int64_t old;
    char status[32];
    int rc = 0;
    *dup_id = 0;
    int f = rpt_store_input_find(s, sha256, &old, status, sizeof(status));
    if (f < 0)
        return -f;
    if (f == 1 && old != id) {
        if (strcmp(status, "analysing") != 0) {
            *dup_id = old;
            rpt_store_input_abandon(s);
            return 0;
        }
        rc = drop_input(s, old);
    }
    if (!rc) {
        sqlite3_stmt *q = s->st[ST_SET_HASH];
        sqlite3_bind_int64(q, 1, id);
        bind_text(q, 2, sha256);
        sqlite3_bind_int64(q, 3, size);
        rc = rpt_db_step_done(q);
    }
    if (!rc)
        s->hold = 0;
    return rc;
}

void rpt_store_input_abandon(rpt_store *s)
{
    if (s->in_txn)
        exec(s, "ROLLBACK");
    s->in_txn = 0;
    s->hold = 0;
    s->batch = 0;
}

/* Inserting a rendered flow: the statement of the row being bound. */
typedef struct ins_ctx {
    rpt_store *s;
    sqlite3_stmt *q;
    int64_t input_id, fid;
    int have_fid;
} ins_ctx;

static int ins_row(void *ctx, int kind)
{
    ins_ctx *c = ctx;
    rpt_store *s = c->s;
    switch (kind) {
    case RPT_ROW_FLOW:
        c->q = s->st[ST_INS_FLOW];
        break;
    case RPT_ROW_CLEAR:
        c->q = s->clear.ins;
        break;
    case RPT_ROW_NAME:
        c->q = s->st[ST_INS_NAME];
        break;
    case RPT_ROW_DNS:
        c->q = s->ins_dns;
        break;
    case RPT_ROW_DNS_ANS:
        c->q = s->st[ST_INS_DNS_ANS];
        break;
    case RPT_ROW_HTTP:
        c->q = s->st[ST_INS_HTTP];
        break;
    default:
        c->q = rpt_tls_stmt(&s->tls, kind);
        break;
    }
    /* Every row after the first needs the flows row's id. */
    if (!c->q || (kind != RPT_ROW_FLOW && !c->have_fid))
        return SQLITE_MISUSE;
    return SQLITE_OK;
}

static int ins_bind(void *ctx, const rpt_rows_val *v)
{
    ins_ctx *c = ctx;
    switch (v->type) {
    case RPT_VAL_INT:
        return sqlite3_bind_int64(c->q, v->param, v->i);
    case RPT_VAL_TEXT:
        return sqlite3_bind_text(c->q, v->param, v->p, (int)v->n,
                                 SQLITE_STATIC);
    case RPT_VAL_BLOB:
        return sqlite3_bind_blob(c->q, v->param, v->p, (int)v->n,
                                 SQLITE_STATIC);
    case RPT_VAL_FLOW_ID:
        return sqlite3_bind_int64(c->q, v->param, c->fid);
    case RPT_VAL_INPUT_ID:
        return sqlite3_bind_int64(c->q, v->param, c->input_id);
    default:
        return SQLITE_MISUSE;
    }
}

static int ins_end(void *ctx, int kind)
{
    ins_ctx *c = ctx;
    int rc = rpt_db_step_done(c->q);
    if (!rc && kind == RPT_ROW_FLOW) {
        c->fid = sqlite3_last_insert_rowid(c->s->db);
        c->have_fid = 1;
    }
    return rc;
}

int rpt_store_rows(rpt_store *s, int64_t input_id, const rpt_rows *r)
{
    if (r->oom)
        return SQLITE_NOMEM;
    int rc = begin(s);
    if (rc)
        return rc;
    ins_ctx c = { s, NULL, input_id, 0, 0 };
    rc = rpt_rows_walk(r, ins_row, ins_bind, ins_end, &c);
    if (rc) {
        /* A bind that failed left the statement half bound. */
        if (c.q) {
            sqlite3_reset(c.q);
            sqlite3_clear_bindings(c.q);
        }
        return rc < 0 ? SQLITE_CORRUPT : rc;
    }
    if (r->cov_counted) {
        s->cov.flows++;
        s->cov.bytes_toserver += r->cov_bytes_toserver;
        if (r->cov_ndpi_named)
            s->cov.ndpi_named_flows++;
        if (r->cov_named) {
            s->cov.named_flows++;
            s->cov.named_bytes_toserver += r->cov_bytes_toserver;
        }
    }
    /* Held flows (input begun unhashed) are committed at the first
     * multiple of RPT_BATCH after the hash: still whole batches. */
    if (++s->batch % RPT_BATCH == 0 && !s->hold) {
        rc = commit(s);
        if (!rc)
            rc = begin(s);
    }
    return rc;
}

int rpt_store_flow(rpt_store *s, int64_t input_id, const dis_flow *f)
{
    rpt_rows_reset(&s->rows);
    rpt_store_render(&s->rows, f);
    return rpt_store_rows(s, input_id, &s->rows);
}

int rpt_store_input_end(rpt_store *s, int64_t input_id,
                        const rpt_input_end *e)
{
    int rc = begin(s);
    if (rc)
        return rc;
    sqlite3_stmt *q = s->st[ST_END_INPUT];
    sqlite3_bind_int64(q, 1, input_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)e->packets);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)e->ip_packets);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)e->skipped);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)e->malformed);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)e->flows);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)e->evicted);
    sqlite3_bind_int64(q, 8, (sqlite3_int64)e->frag_unattributed);
    if (e->packets) {
        sqlite3_bind_int64(q, 9, e->first_ts);
        sqlite3_bind_int64(q, 10, e->last_ts);
    }
    bind_text(q, 11, e->status);
    bind_text(q, 12, e->error);
    rc = rpt_db_step_done(q);
    if (rc)
        return rc;
    q = s->st[ST_INS_COV];
    sqlite3_bind_int64(q, 1, input_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)s->cov.flows);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)s->cov.named_flows);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)s->cov.bytes_toserver);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)s->cov.named_bytes_toserver);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)s->cov.ndpi_named_flows);
    rc = rpt_db_step_done(q);
    if (rc)
        return rc;
    return commit(s);
}

void rpt_store_coverage(const rpt_store *s, rpt_coverage *out)
{
    *out = s->cov;
}
