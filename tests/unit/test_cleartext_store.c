/* test_cleartext_store.c - report/store_clear.c and the schema-version-3
 * store: cleartext rows written with their flow (bytes as a BLOB, frames,
 * truncation), the ndpi_tls table, the in-place upgrade of a version-2
 * database in one transaction (and its rollback when it fails), and the
 * deletion of version-3 rows when an interrupted input is redone.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "../../dissect/cleartext.h"
#include "../../dissect/flow.h"
#include "../../report/store.h"
#include "tu.h"
#include "sqlq.h"

static char tmpdir[128];

#define REQ "POST /t HTTP/1.1\r\nHost: t.example\r\nContent-Length: 4\r\n\r\n\x00\xff\r\n"

/* A TCP flow whose client sent REQ in two segments (frames 4 and 5). */
static dis_flow *http_flow(void)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        return NULL;
    f->ipver = 4;
    f->l4 = 6;
    f->cli_ip[0] = 10;
    f->cli_ip[3] = 1;
    f->srv_ip[0] = 10;
    f->srv_ip[3] = 2;
    f->cli_port = 40000;
    f->srv_port = 80;
    f->d[0].pkts = 2;
    f->d[0].first_frame = 4;
    f->d[0].last_frame = 5;
    f->isn_valid[0] = 1;
    f->isn[0] = 100;
    size_t n = sizeof(REQ) - 1, cut = 20;
    for (int i = 0; i < 2; i++) {
        dis_pkt p;
        memset(&p, 0, sizeof(p));
        p.l4 = 6;
        p.frame = (uint64_t)(4 + i);
        p.ts_us = 1600000000000000LL + i;
        p.seq = 101 + (i ? (uint32_t)cut : 0);
        p.payload = (const uint8_t *)REQ + (i ? cut : 0);
        p.payload_len = i ? n - cut : cut;
        if (dis_clear_packet(f, &p, 0) != 0) {
            dis_flow_free(f);
            return NULL;
        }
    }
    return f;
}

TU_TEST(cleartext_row_written_with_flow)
{
    char p[300], b[512], err[256] = "";
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/v3.db", tmpdir);
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    dis_flow *f = http_flow();
    TU_CHECK(s && f);
    if (!s || !f)
        goto out;
    TU_CHECK_INT(store_one(s, "aa", f), 0);
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'",
                    b, sizeof(b)), "3");
    TU_CHECK_STR(q1(db, "SELECT c.kind || ' ' || c.frame || ' ' || "
                        "c.last_frame || ' ' || c.ts_us || ' ' || c.dir || "
                        "' ' || c.truncated || ' ' || length(c.data) || ' ' "
                        "|| typeof(c.data) || ' ' || (c.input_id = f.input_id)"
                        " FROM cleartext c JOIN flows f ON f.id = c.flow_id",
                    b, sizeof(b)),
                 "http_request 4 5 1600000000000000 0 0 60 blob 1");
    /* The bytes, NUL and 0xff included, round-trip exactly. */
    TU_CHECK_STR(q1(db, "SELECT hex(data) FROM cleartext", b, sizeof(b)),
                 "504F5354202F7420485454502F312E310D0A486F73743A20742E6578616D"
                 "706C650D0A436F6E74656E742D4C656E6774683A20340D0A0D0A00FF0D0A");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM pragma_table_info('ndpi_tls') "
                        "WHERE name IN ('flow_id','ja3_client','ja3_server')",
                    b, sizeof(b)), "3");
out:
    dis_flow_free(f);
    rpt_store_close(s);
}

/* A version-2 file: the version-3 schema without its new tables. */
static int make_v2(const char *p, int with_view)
{
    char err[256];
    rpt_store *s = NULL;
    if (rpt_store_open(p, &s, err, sizeof(err)) != 0)
        return -1;
    dis_flow *f = http_flow();
    int rc = f ? store_one(s, "v2", f) : -1;
    dis_flow_free(f);
    rpt_store_close(s);
    if (rc)
        return -1;
    sqlite3 *db = NULL;
    if (sqlite3_open(p, &db) != SQLITE_OK)
        return -1;
    rc = sqlite3_exec(db,
                      "DROP TABLE cleartext; DROP TABLE ndpi_tls;"
                      "UPDATE meta SET value='2' WHERE key='schema_version'",
                      NULL, NULL, NULL);
    /* A view where the table should go makes the upgrade fail half-way
     * (views cannot be indexed). */
    if (rc == SQLITE_OK && with_view)
        rc = sqlite3_exec(db, "CREATE VIEW cleartext AS SELECT 1 AS flow_id",
                          NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

TU_TEST(version2_upgraded_in_place)
{
    char p[300], b[256], err[256] = "";
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/v2.db", tmpdir);
    if (make_v2(p, 0) != 0) {
        TU_FAILF("cannot build a version-2 database");
        return;
    }
    /* Read-only: refused, with the way out in the message. */
    TU_CHECK(rpt_store_open_ro(p, &s, err, sizeof(err)) != 0);
    TU_CHECK(strstr(err, "schema version 2") && strstr(err, "upgrade"));
    s = NULL;
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    if (!s)
        return;
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'",
                    b, sizeof(b)), "3");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                        "('cleartext','ndpi_tls','cleartext_flow')", b,
                    sizeof(b)), "3");
    /* Rows stored before stay; the new tables start empty. */
    TU_CHECK_STR(q1(db, "SELECT (SELECT count(*) FROM flows) || ' ' || "
                        "(SELECT count(*) FROM cleartext)", b, sizeof(b)),
                 "1 0");
    rpt_store_close(s);
    s = NULL;
    TU_CHECK_INT(rpt_store_open_ro(p, &s, err, sizeof(err)), 0);
    rpt_store_close(s);
}

TU_TEST(failed_upgrade_leaves_version2)
{
    char p[300], b[256], err[256] = "";
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/v2bad.db", tmpdir);
    if (make_v2(p, 1) != 0) {
        TU_FAILF("cannot build a version-2 database");
        return;
    }
    TU_CHECK(rpt_store_open(p, &s, err, sizeof(err)) != 0);
    TU_CHECK(strstr(err, "cannot upgrade schema version 2 to 3") != NULL);
    sqlite3 *db = NULL;
    sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'",
                    b, sizeof(b)), "2");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                        "('ndpi_tls','cleartext_flow')", b, sizeof(b)), "0");
    sqlite3_close(db);
}

TU_TEST(redo_deletes_version3_rows)
{
    char p[300], b[256], err[256] = "";
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/redo.db", tmpdir);
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    dis_flow *f = http_flow();
    if (!s || !f)
        goto out;
    TU_CHECK_INT(store_one(s, "cc", f), 0);
    sqlite3 *db = rpt_store_db(s);
    /* An nDPI fingerprint row as the lead's code will write it, then the
     * input is marked interrupted and begun again. */
    TU_CHECK_INT(sqlite3_exec(db, "INSERT INTO ndpi_tls VALUES((SELECT "
                                  "max(id) FROM flows), 'a', 'b');"
                                  "UPDATE inputs SET status='analysing'",
                              NULL, NULL, NULL), SQLITE_OK);
    TU_CHECK_INT(store_one(s, "cc", f), 0);
    TU_CHECK_STR(q1(db, "SELECT (SELECT count(*) FROM cleartext) || ' ' || "
                        "(SELECT count(*) FROM ndpi_tls) || ' ' || "
                        "(SELECT count(*) FROM flows)", b, sizeof(b)),
                 "1 0 1");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM cleartext WHERE flow_id NOT IN "
                        "(SELECT id FROM flows)", b, sizeof(b)), "0");
out:
    dis_flow_free(f);
    rpt_store_close(s);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/meetaudit-clear-store.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL cleartext_store: cannot create a temporary directory\n");
        return 1;
    }
    TU_RUN(cleartext_row_written_with_flow);
    TU_RUN(version2_upgraded_in_place);
    TU_RUN(failed_upgrade_leaves_version2);
    TU_RUN(redo_deletes_version3_rows);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return tu_finish();
}
