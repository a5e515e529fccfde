/* test_store_ckpt.c - unit tests for report/store_ckpt.c: a second
 * connection checkpoints the store's write-ahead log while the store's own
 * automatic checkpoints are off, in the middle of the store's write
 * transaction, and the file stays whole; a store with no file of its own
 * has no checkpointer.
 */
#define _DEFAULT_SOURCE
#include "../../report/store_ckpt.h"
#include "tu.h"
#include "sqlq.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];  /* made by mkdtemp() in main() */

static const rpt_input_meta META = { "a.pcap", "a.pcap", 10, "ab", 1,
                                     "EN10MB", "pcap" };

/* A flow with a distinct port per i (enough text to fill pages). */
static dis_flow *mkflow(int i)
{
    dis_flow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->seq = (uint64_t)i + 1;
    f->ipver = 4;
    f->l4 = 6;
    f->cli_ip[0] = 10;
    f->cli_ip[3] = 1;
    f->srv_ip[0] = 192;
    f->srv_ip[1] = 0;
    f->srv_ip[2] = 2;
    f->srv_ip[3] = 1;
    f->cli_port = (uint16_t)(1024 + i);
    f->srv_port = 443;
    f->d[0].pkts = 1;
    f->d[0].first_frame = f->d[0].last_frame = (uint64_t)i + 1;
    f->app_proto = f->master_proto = f->category = f->confidence = "";
    f->end_reason = "eof";
    f->ndpi_host = "";
    f->quic_sni = "";
    return f;
}

static int64_t wal_size(const char *db)
{
    char p[400];
    struct stat st;
    snprintf(p, sizeof(p), "%s-wal", db);
    return stat(p, &st) == 0 ? (int64_t)st.st_size : -1;
}

TU_TEST(second_connection_checkpoints_while_writer_works)
{
    char p[300], err[256];
    snprintf(p, sizeof(p), "%s/ck.db", dir);
    rpt_store *s = NULL;
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    if (!s)
        return;
    rpt_store_autocheckpoint(s, 0);
    int64_t id = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &META, &id), 0);
    rpt_ckpt *c = NULL;
    TU_CHECK_INT(rpt_ckpt_open(s, &c), 0);
    if (!c) {
        rpt_store_close(s);
        return;
    }
    /* More than one batch: the first is committed, the second still open
     * in the store's transaction when the checkpoint runs. */
    int n = RPT_BATCH + RPT_BATCH / 2;
    for (int i = 0; i < n; i++) {
        dis_flow *f = mkflow(i);
        if (!f || rpt_store_flow(s, id, f) != 0) {
            TU_FAILF("flow %d not stored", i);
            free(f);
            break;
        }
        free(f);
    }
    int log = -1, copied = -1;
    TU_CHECK_INT(rpt_ckpt_run(c, &log, &copied), 0);
    TU_CHECK(log > 10);        /* the committed batch is in the log ... */
    TU_CHECK_INT(copied, log); /* ... and all of it now in the file */
    /* A second run has nothing new to copy. */
    int log2 = -1, copied2 = -1;
    TU_CHECK_INT(rpt_ckpt_run(c, &log2, &copied2), 0);
    TU_CHECK_INT(log2, log);
    TU_CHECK_INT(copied2, log);
    rpt_ckpt_close(c);
    rpt_input_end e = { 0 };
    e.status = "complete";
    e.flows = (uint64_t)n;
    TU_CHECK_INT(rpt_store_input_end(s, id, &e), 0);
    rpt_store_autocheckpoint(s, 1);
    rpt_store_close(s);
    TU_CHECK(wal_size(p) <= 0); /* closed: log copied and removed */

    sqlite3 *db = NULL;
    TU_CHECK_INT(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL),
                 SQLITE_OK);
    char b[64], want[64];
    snprintf(want, sizeof(want), "%d/complete", n);
    TU_CHECK_STR(q1(db, "SELECT count(*) || '/' || "
                        "(SELECT status FROM inputs) FROM flows",
                    b, sizeof(b)),
                 want);
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    sqlite3_close(db);
}

/* An in-memory store has no file for a second connection. */
TU_TEST(no_checkpointer_without_a_file)
{
    rpt_store *s = NULL;
    char err[256];
    TU_CHECK_INT(rpt_store_open(":memory:", &s, err, sizeof(err)), 0);
    if (!s)
        return;
    rpt_ckpt *c = (rpt_ckpt *)&c;
    TU_CHECK_INT(rpt_ckpt_open(s, &c), -1);
    TU_CHECK(c == NULL);
    rpt_ckpt_close(NULL);
    rpt_store_close(s);
}

int main(void)
{
    if (tu_tmp_template(dir, sizeof(dir), "ckpt") != 0 || !mkdtemp(dir)) {
        printf("FAIL store_ckpt: mkdtemp\n");
        return 1;
    }
    TU_RUN(second_connection_checkpoints_while_writer_works);
    TU_RUN(no_checkpointer_without_a_file);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
    return tu_finish();
}
