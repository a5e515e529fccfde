/* test_capture.c - unit tests for the pieces of `meetaudit capture` that run
 * without a network: the shared packet pipeline (capture/pipeline.c) and
 * its flow observer, the live view (capture/liveview.c), the privilege drop
 * and output checks (capture/privdrop.c) and the capture rows of the store
 * (report/store_capture.c).  The live capture itself is tested end to end
 * on a veth pair by tests/live.sh.
 *
 * Inputs are the fixture pcaps/teams.pcap (1,540 frames; nDPI test suite)
 * and rules/entities.yaml; the tests run from the repository root.
 */
#define _DEFAULT_SOURCE
#include "../../capture/liveview.h"
#include "../../capture/pcapin.h"
#include "../../capture/pipeline.h"
#include "../../capture/privdrop.h"
#include "../../dissect/classify.h"
#include "../../report/entities.h"
#include "../../report/store.h"
#include "../../report/store_capture.h"
#include "tu.h"
#include "sqlq.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

/* ---- the pipeline and its observer ------------------------------------ */

#define MAX_SEQ 4096

typedef struct obs {
    int seen, ended, seen_twice, end_without_name_mismatch;
    unsigned char seen_seq[MAX_SEQ], ended_seq[MAX_SEQ];
    int seen_after_end;
    int named_at_end;
} obs;

static void on_flow(void *ctx, int ev, const dis_flow *f, const char *name,
                    const char *source)
{
    obs *o = ctx;
    size_t s = f->seq < MAX_SEQ ? (size_t)f->seq : 0;
    if ((name == NULL) != (source == NULL))
        o->end_without_name_mismatch++;
    if (ev == CAP_FLOW_SEEN) {
        if (o->seen_seq[s])
            o->seen_twice++;
        if (o->ended_seq[s])
            o->seen_after_end++;
        o->seen_seq[s] = 1;
        o->seen++;
    } else {
        o->ended_seq[s] = 1;
        o->ended++;
        if (name)
            o->named_at_end++;
    }
}

/* Hash path, open it and begin a pipeline for it (named name, its hash
 * given) into st; NULL on any failure (nothing left open). */
static cap_pipeline *begin_file(const char *path, const char *name,
                                rpt_store *st, dis_classifier *cls,
                                cap_file **cf)
{
    char err[256], sha[65];
    int64_t size;
    *cf = NULL;
    if (cap_sha256_file(path, sha, &size, err, sizeof(err)) != 0 ||
        cap_open(path, cf, err, sizeof(err)) != 0)
        return NULL;
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    rpt_input_meta m = { path, name, size, sha, cap_linktype(*cf),
                         cap_linktype_name(*cf), cap_format(*cf) };
    cap_pipeline *pl = NULL;
    if (cap_pipeline_begin(st, cls, &fo, &m, cap_linktype(*cf), &pl) !=
        CAP_PIPE_OK) {
        cap_close(*cf);
        *cf = NULL;
        return NULL;
    }
    return pl;
}

/* Feed a file through a pipeline into st; returns the input id or -1. */
static int64_t run_file(const char *path, rpt_store *st, dis_classifier *cls,
                        obs *o)
{
    cap_file *cf = NULL;
    cap_pipeline *pl = begin_file(path, "teams.pcap", st, cls, &cf);
    if (!pl)
        return -1;
    if (o)
        cap_pipeline_observe(pl, on_flow, o);
    const uint8_t *d;
    size_t caplen, wirelen;
    int64_t ts;
    while (cap_next(cf, &d, &caplen, &wirelen, &ts) == CAP_PACKET)
        if (cap_pipeline_packet(pl, d, caplen, wirelen, ts) != 0)
            break;
    cap_close(cf);
    int64_t id = cap_pipeline_input_id(pl);
    if (cap_pipeline_flush(pl) != 0 ||
        cap_pipeline_end(pl, "complete", NULL) != 0)
        return -1;
    return id;
}

TU_TEST(pipeline_counts_and_observer)
{
    char path[300], err[256], buf[256];
    snprintf(path, sizeof(path), "%s/pipe.db", tmpdir);
    rpt_store *st = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    if (!st)
        return;
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    static obs o;
    memset(&o, 0, sizeof(o));
    int64_t id = run_file("pcaps/teams.pcap", st, cls, &o);
    TU_CHECK(id > 0);
    sqlite3 *db = rpt_store_db(st);
    /* every frame numbered and counted, as capinfos counts them */
    TU_CHECK_STR(q1(db, "SELECT packets || ' ' || status FROM inputs", buf,
                    sizeof(buf)), "1540 complete");
    /* one END per stored flow, each with the name the store recorded */
    TU_CHECK_INT(o.ended, atoi(q1(db, "SELECT count(*) FROM flows", buf,
                                  sizeof(buf))));
    TU_CHECK_INT(o.ended, atoi(q1(db, "SELECT flows FROM inputs", buf,
                                  sizeof(buf))));
    TU_CHECK_INT(o.named_at_end,
                 atoi(q1(db, "SELECT count(*) FROM flows WHERE hostname IS "
                             "NOT NULL", buf, sizeof(buf))));
    TU_CHECK(o.named_at_end > 10);
    TU_CHECK_INT(o.end_without_name_mismatch, 0);
    TU_CHECK_INT(o.seen_twice, 0);
    TU_CHECK_INT(o.seen_after_end, 0);
#ifdef DIS_FLOWTAB_HAS_LAST
    /* early names: most named flows are seen before they end */
    TU_CHECK(o.seen >= o.named_at_end / 2);
#else
    TU_CHECK_INT(o.seen, 0);
#endif
    rpt_store_close(st);
    dis_classifier_free(cls);
}

TU_TEST(pipeline_skips_undecodable_frames)
{
    char path[300], err[256], buf[128];
    snprintf(path, sizeof(path), "%s/skip.db", tmpdir);
    rpt_store *st = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    if (!st)
        return;
    rpt_input_meta m = { "x", "x", 0, "pending:x", 1, "EN10MB", "pcap" };
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    cap_pipeline *pl = NULL;
    TU_CHECK_INT(cap_pipeline_begin(st, NULL, &fo, &m, 1, &pl), CAP_PIPE_OK);
    if (!pl)
        return;
    static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
                                     0, 0, 0, 0, 1, 0x08, 0x06 };
    static const uint8_t cut[20] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
                                     0, 0, 0, 0, 1, 0x08, 0x00, 0x45 };
    TU_CHECK_INT(cap_pipeline_packet(pl, arp, sizeof(arp), 60, 1000000), 0);
    TU_CHECK_INT(cap_pipeline_packet(pl, cut, sizeof(cut), 60, 2000000), 0);
    const rpt_input_end *e = cap_pipeline_counts(pl);
    TU_CHECK_INT(e->packets, 2);
    TU_CHECK_INT(e->skipped, 2);
    TU_CHECK_INT(e->malformed, 1);
    TU_CHECK_INT(e->ip_packets, 0);
    TU_CHECK_INT(e->first_ts, 1000000);
    TU_CHECK_INT(e->last_ts, 2000000);
    TU_CHECK_INT(cap_pipeline_open_flows(pl), 0);
    TU_CHECK_INT(cap_pipeline_end(pl, "complete", NULL), 0);
    TU_CHECK_STR(q1(rpt_store_db(st), "SELECT packets || ' ' || skipped || "
                    "' ' || malformed FROM inputs", buf, sizeof(buf)),
                 "2 2 1");
    rpt_store_close(st);
}

/* Feed path through a pipeline whose writer hashes the file (m->sha256
 * NULL), as `analyze` does for a file the store cannot hold yet.  Returns
 * the pipeline's flush result; dup, dup_id, id and sha tell what it found. */
static int run_hashing(const char *path, rpt_store *st, int *dup,
                       int64_t *dup_id, int64_t *id, char sha[65])
{
    char err[256];
    cap_file *cf = NULL;
    *dup = 0;
    *id = 0;
    sha[0] = 0;
    int have = cap_open(path, &cf, err, sizeof(err)) == 0;
    int dlt = have ? cap_linktype(cf) : 1;
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    rpt_input_meta m = { path, "in.pcap", 0, NULL, dlt,
                         have ? cap_linktype_name(cf) : "EN10MB",
                         have ? cap_format(cf) : "pcap" };
    cap_pipeline *pl = NULL;
    if (cap_pipeline_begin(st, NULL, &fo, &m, dlt, &pl) != CAP_PIPE_OK) {
        cap_close(cf);
        return -1;
    }
    const uint8_t *d;
    size_t caplen, wirelen;
    int64_t ts;
    while (have && cap_next(cf, &d, &caplen, &wirelen, &ts) == CAP_PACKET)
        if (cap_pipeline_packet(pl, d, caplen, wirelen, ts) != 0)
            break;
    cap_close(cf);
    int rc = cap_pipeline_flush(pl);
    snprintf(sha, 65, "%s", cap_pipeline_sha256(pl));
    *dup = cap_pipeline_duplicate(pl, dup_id);
    *id = cap_pipeline_input_id(pl);
    if (rc == CAP_PIPE_EHASH)
        TU_CHECK(strstr(cap_pipeline_errmsg(pl), "No such file") != NULL);
    if (*dup || rc) {
        cap_pipeline_free(pl);
        return rc;
    }
    return cap_pipeline_end(pl, "complete", NULL);
}

TU_TEST(pipeline_writer_hashes_input)
{
    char path[300], path2[300], err[256], buf[256], buf2[256], sha[65];
    char want[65];
    int64_t size = 0;
    TU_CHECK(cap_sha256_file("pcaps/teams.pcap", want, &size, err,
                             sizeof(err)) == 0);
    snprintf(path, sizeof(path), "%s/hash.db", tmpdir);
    snprintf(path2, sizeof(path2), "%s/hash2.db", tmpdir);
    rpt_store *st = NULL, *st2 = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    TU_CHECK(rpt_store_open(path2, &st2, err, sizeof(err)) == 0);
    if (!st || !st2)
        return;
    TU_CHECK_INT(rpt_store_input_size_known(st, size), 0);
    int dup;
    int64_t dup_id = 0, id = 0;
    TU_CHECK_INT(run_hashing("pcaps/teams.pcap", st, &dup, &dup_id, &id, sha),
                 0);
    TU_CHECK_STR(sha, want);
    TU_CHECK_INT(dup, 0);
    TU_CHECK(id > 0);
    sqlite3 *db = rpt_store_db(st);
    snprintf(buf2, sizeof(buf2), "%s %lld complete", want, (long long)size);
    TU_CHECK_STR(q1(db, "SELECT sha256 || ' ' || size || ' ' || status FROM "
                        "inputs", buf, sizeof(buf)), buf2);
    TU_CHECK_INT(rpt_store_input_size_known(st, size), 1);
    TU_CHECK_INT(rpt_store_input_size_known(st, size + 1), 0);
    /* the same rows as a pipeline given the hash (no classifier in both) */
    const char *digest =
        "SELECT count(*) || ' ' || sum(bytes_toserver) || ' ' || "
        "group_concat(community_id || flow_seq || first_frame || "
        "coalesce(hostname, '-'), ',') FROM (SELECT * FROM flows ORDER BY id)";
    char d1[1 << 14], d2[1 << 14];
    q1(db, digest, d1, sizeof(d1));
    char sha2[65];
    int64_t size2;
    cap_file *cf = NULL;
    TU_CHECK(cap_sha256_file("pcaps/teams.pcap", sha2, &size2, err,
                             sizeof(err)) == 0 &&
             cap_open("pcaps/teams.pcap", &cf, err, sizeof(err)) == 0);
    if (cf) {
        dis_flow_opts fo;
        dis_flow_opts_default(&fo);
        rpt_input_meta m = { "pcaps/teams.pcap", "teams.pcap", size2, sha2,
                             cap_linktype(cf), cap_linktype_name(cf),
                             cap_format(cf) };
        cap_pipeline *pl = NULL;
        TU_CHECK_INT(cap_pipeline_begin(st2, NULL, &fo, &m, cap_linktype(cf),
                                        &pl), CAP_PIPE_OK);
        const uint8_t *d;
        size_t caplen, wirelen;
        int64_t ts;
        while (pl && cap_next(cf, &d, &caplen, &wirelen, &ts) == CAP_PACKET)
            cap_pipeline_packet(pl, d, caplen, wirelen, ts);
        cap_close(cf);
        if (pl) {
            TU_CHECK_INT(cap_pipeline_flush(pl), 0);
            TU_CHECK_STR(cap_pipeline_sha256(pl), "");
            TU_CHECK_INT(cap_pipeline_end(pl, "complete", NULL), 0);
        }
    }
    q1(rpt_store_db(st2), digest, d2, sizeof(d2));
    TU_CHECK(strlen(d1) > 1000);
    TU_CHECK_STR(d1, d2);
    /* the same file again: found by the writer's hash, nothing written */
    int64_t id2 = 0;
    TU_CHECK_INT(run_hashing("pcaps/teams.pcap", st, &dup, &dup_id, &id2, sha),
                 CAP_PIPE_EDUP);
    TU_CHECK_INT(dup, 1);
    TU_CHECK_INT(dup_id, id);
    TU_CHECK_STR(q1(db, "SELECT count(*) || ' ' || (SELECT count(*) FROM "
                        "flows) FROM inputs", buf, sizeof(buf)),
                 q1(rpt_store_db(st2), "SELECT count(*) || ' ' || (SELECT "
                    "count(*) FROM flows) FROM inputs", buf2, sizeof(buf2)));
    /* a file that cannot be read: an error, no input row */
    TU_CHECK_INT(run_hashing("pcaps/no-such-file.pcap", st, &dup, &dup_id,
                             &id2, sha), CAP_PIPE_EHASH);
    TU_CHECK_INT(dup, 0);
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM inputs", buf, sizeof(buf)),
                 "1");
    rpt_store_close(st);
    rpt_store_close(st2);
}

/* sha256sum's digest of path into hex (64 digits), or "" */
static const char *sha256sum(const char *path, char hex[65])
{
    char cmd[400];
    hex[0] = 0;
    snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return hex;
    if (fscanf(p, "%64s", hex) != 1)
        hex[0] = 0;
    pclose(p);
    return hex;
}

/* The input's hash computed a slice at a time (cap_hash_step, as the
 * writer does between flows) is sha256sum's: in slices of 777 bytes, and
 * through a pipeline whose writer hashes a file of several HASH_STEPs. */
TU_TEST(hash_in_slices_equals_sha256sum)
{
    char want[65], got[65] = "", err[256], flood[300], path[300], cmd[700];
    char buf[160], exp[160];
    sha256sum("pcaps/teams.pcap", want);
    TU_CHECK_INT((int)strlen(want), 64);
    cap_hasher *h = NULL;
    TU_CHECK_INT(cap_hash_open("pcaps/teams.pcap", &h, err, sizeof(err)), 0);
    int64_t size = -1;
    int r = 0, steps = 0;
    while (h && (r = cap_hash_step(h, 777, got, &size, err, sizeof(err))) == 0)
        steps++;
    cap_hash_free(h);
    TU_CHECK_INT(r, 1);
    TU_CHECK(steps > 100);
    TU_CHECK_STR(got, want);
    struct stat sb;
    TU_CHECK(stat("pcaps/teams.pcap", &sb) == 0 && size == (int64_t)sb.st_size);
    TU_CHECK_INT(cap_hash_open("pcaps/no-such.pcap", &h, err, sizeof(err)),
                 -1);
    TU_CHECK(strstr(err, "No such file") != NULL);

    snprintf(flood, sizeof(flood), "%s/flood60k.pcap", tmpdir);
    snprintf(path, sizeof(path), "%s/slices.db", tmpdir);
    snprintf(cmd, sizeof(cmd), "python3 tests/flood.py 60000 '%s'", flood);
    TU_CHECK_INT(system(cmd), 0);
    TU_CHECK(stat(flood, &sb) == 0 && sb.st_size > 3 * (1 << 20));
    rpt_store *st = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    if (!st)
        return;
    int dup = 0;
    int64_t dup_id = 0, id = 0;
    TU_CHECK_INT(run_hashing(flood, st, &dup, &dup_id, &id, got), 0);
    sha256sum(flood, want);
    TU_CHECK_STR(got, want);
    snprintf(exp, sizeof(exp), "%s %lld 60000 complete", want,
             (long long)sb.st_size);
    TU_CHECK_STR(q1(rpt_store_db(st), "SELECT sha256 || ' ' || size || ' ' || "
                    "(SELECT count(*) FROM flows) || ' ' || status FROM inputs",
                    buf, sizeof(buf)), exp);
    rpt_store_close(st);
}

/* More flows open at the end of the file than CKPT_EVERY (8,000): the
 * packet thread asks the checkpointer thread for log checkpoints while the
 * writer stores (make tsan runs this); every flow is stored and the file
 * is sound.  The capture is tests/flood.py's: one packet per flow, all
 * inside the idle timeouts. */
TU_TEST(pipeline_checkpoints_at_end_of_file)
{
    char flood[300], path[300], cmd[700], err[256], buf[64];
    snprintf(flood, sizeof(flood), "%s/flood17k.pcap", tmpdir);
    snprintf(path, sizeof(path), "%s/ckpt.db", tmpdir);
    snprintf(cmd, sizeof(cmd), "python3 tests/flood.py 17000 '%s'", flood);
    TU_CHECK_INT(system(cmd), 0);
    rpt_store *st = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    if (!st)
        return;
    TU_CHECK(run_file(flood, st, NULL, NULL) > 0);
    sqlite3 *db = rpt_store_db(st);
    TU_CHECK_STR(q1(db, "SELECT count(*) || ' ' || count(DISTINCT flow_seq) "
                        "|| ' ' || sum(end_reason = 'eof') FROM flows", buf,
                    sizeof(buf)),
                 "17000 17000 17000");
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
    rpt_store_close(st);
}

/* Feed the capture at path through a pipeline into st, then its last
 * packet again an hour later: every flow before it times out at once, in
 * the middle of the input, far more flows than the writer's queue holds.
 * steal 0: the packet thread only waits for the writer meanwhile.
 * Returns the flows the packet thread rendered for the writer, or -1. */
static int64_t run_burst(const char *path, rpt_store *st, int steal)
{
    cap_file *cf = NULL;
    cap_pipeline *pl = begin_file(path, "burst.pcap", st, NULL, &cf);
    if (!pl)
        return -1;
    if (!steal)
        cap_pipeline_test_no_steal(pl);
    const uint8_t *d;
    size_t caplen, wirelen, last_len = 0, last_wire = 0;
    int64_t ts, last_ts = 0;
    uint8_t last[256];
    int rc = 0;
    while (!rc && cap_next(cf, &d, &caplen, &wirelen, &ts) == CAP_PACKET) {
        if (caplen <= sizeof(last)) {
            memcpy(last, d, caplen);
            last_len = caplen;
            last_wire = wirelen;
            last_ts = ts;
        }
        rc = cap_pipeline_packet(pl, d, caplen, wirelen, ts);
    }
    cap_close(cf);
    if (!rc && last_len)
        rc = cap_pipeline_packet(pl, last, last_len, last_wire,
                                 last_ts + 3600 * 1000000LL);
    int64_t stolen = (int64_t)cap_pipeline_stolen(pl);
    if (cap_pipeline_flush(pl) != 0 || rc)
        rc = -1;
    if (cap_pipeline_end(pl, "complete", NULL) != 0)
        rc = -1;
    return rc ? -1 : stolen;
}

/* A burst of 9,000 flows timing out at once in the middle of an input:
 * the packet thread, which would wait for room in the writer's queue,
 * renders queued flows for it instead (cap_pipeline_stolen says it did);
 * every row and the order of the rows are those of a run where it only
 * waits (make tsan runs this with both threads rendering). */
TU_TEST(pipeline_burst_rendered_by_both_threads)
{
    char flood[300], p1[300], p2[300], cmd[700], err[256];
    static char d1[1 << 20], d2[1 << 20];
    snprintf(flood, sizeof(flood), "%s/flood9k.pcap", tmpdir);
    snprintf(p1, sizeof(p1), "%s/burst1.db", tmpdir);
    snprintf(p2, sizeof(p2), "%s/burst2.db", tmpdir);
    snprintf(cmd, sizeof(cmd), "python3 tests/flood.py 9000 '%s'", flood);
    TU_CHECK_INT(system(cmd), 0);
    rpt_store *s1 = NULL, *s2 = NULL;
    TU_CHECK(rpt_store_open(p1, &s1, err, sizeof(err)) == 0);
    TU_CHECK(rpt_store_open(p2, &s2, err, sizeof(err)) == 0);
    if (!s1 || !s2) {
        rpt_store_close(s1);
        rpt_store_close(s2);
        return;
    }
    TU_CHECK(run_burst(flood, s1, 1) > 0);
    TU_CHECK_INT(run_burst(flood, s2, 0), 0);
    const char *digest =
        "SELECT count(*) || ' ' || sum(end_reason = 'idle') || ' ' || "
        "group_concat(id || ':' || flow_seq || ':' || community_id || ':' || "
        "last_frame || ':' || end_reason, ',') FROM "
        "(SELECT * FROM flows ORDER BY id)";
    q1(rpt_store_db(s1), digest, d1, sizeof(d1));
    q1(rpt_store_db(s2), digest, d2, sizeof(d2));
    TU_CHECK(strncmp(d1, "9001 9000 ", 10) == 0);
    TU_CHECK(strlen(d1) > 9000 * 40);
    TU_CHECK(strcmp(d1, d2) == 0);
    char b[64];
    TU_CHECK_STR(q1(rpt_store_db(s1), "PRAGMA integrity_check", b,
                    sizeof(b)), "ok");
    rpt_store_close(s1);
    rpt_store_close(s2);
}

/* ---- the live view ----------------------------------------------------- */

static dis_flow *vflow(const char *srv, uint64_t sent, uint64_t seq)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        abort();
    f->ipver = 4;
    f->l4 = 6;
    f->seq = seq;
    inet_pton(AF_INET, "198.18.0.2", f->cli_ip);
    inet_pton(AF_INET, srv, f->srv_ip);
    f->cli_port = 50000;
    f->srv_port = 443;
    f->d[0].bytes = sent;
    return f;
}

TU_TEST(view_groups_counts_and_logs)
{
    char err[256];
    rpt_entities *ents = NULL;
    TU_CHECK(rpt_entities_load("rules/entities.yaml", &ents, err,
                               sizeof(err)) == 0);
    char *logbuf = NULL, *tabbuf = NULL;
    size_t loglen = 0, tablen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    FILE *tab = open_memstream(&tabbuf, &tablen);
    cap_view *lv = cap_view_new(log, 0, 0, ents);
    cap_view *tv = cap_view_new(tab, 1, 0, ents);
    TU_CHECK(lv && tv);
    if (!lv || !tv || !log || !tab)
        return;
    dis_flow *a = vflow("198.19.0.1", 100, 1);
    dis_flow *b = vflow("198.19.0.2", 40, 2);
    dis_flow *c = vflow("198.19.0.3", 7, 3);
    dis_flow *d = vflow("198.19.0.1", 1000, 4);
    cap_view *vs[2] = { lv, tv };
    for (int i = 0; i < 2; i++) {
        cap_view *v = vs[i];
        cap_view_flow(v, CAP_FLOW_SEEN, a, "Teams.Microsoft.com", "sni");
        a->d[0].bytes = 150; /* more sent while open */
        cap_view_flow(v, CAP_FLOW_END, a, "teams.microsoft.com", "sni");
        cap_view_flow(v, CAP_FLOW_END, b, "login.microsoftonline.com",
                      "sni");
        cap_view_flow(v, CAP_FLOW_SEEN, c, NULL, NULL);
        cap_view_flow(v, CAP_FLOW_SEEN, d, "teams.microsoft.com", "dns");
        a->d[0].bytes = 100;
        TU_CHECK_INT(cap_view_counterparties(v), 3);
        TU_CHECK_INT(cap_view_parties(v), 2);
    }
    cap_view_status st = { "eth0", 61, 1234, 5, 4, 2, "x.pcap" };
    cap_view_finish(tv, &st);
    fflush(log);
    fflush(tab);
    /* one log line per new counterparty, case-folded, with its party */
    int lines = 0;
    for (char *p = logbuf; p && (p = strchr(p, '\n')); p++)
        lines++;
    TU_CHECK_INT(lines, 3);
    TU_CHECK(strstr(logbuf, " counterparty teams.microsoft.com [Microsoft "
                            "Corporation] via sni: tcp 198.18.0.2:50000 -> "
                            "198.19.0.1:443\n") != NULL);
    TU_CHECK(strstr(logbuf, " counterparty 198.19.0.3 (no name): tcp "
                            "198.18.0.2:50000 -> 198.19.0.3:443\n") != NULL);
    /* table: a 150 + b 40 ended, d 1000 open = 1190 B for Microsoft */
    TU_CHECK(strstr(tabbuf, "eth0 -> x.pcap 00:01:01  packets 1234  kernel "
                            "drops 5  flows 4 (2 open)  counterparties 3") !=
             NULL);
    TU_CHECK(strstr(tabbuf, "  Microsoft Corporation                  1.2 kB"
                            "      3  teams.microsoft.com, "
                            "login.microsoftonline.com\n") != NULL);
    TU_CHECK(strstr(tabbuf, "  198.19.0.3                                7 B"
                            "      1  198.19.0.3\n") != NULL);
    cap_view_free(lv);
    cap_view_free(tv);
    fclose(log);
    fclose(tab);
    free(logbuf);
    free(tabbuf);
    free(a);
    free(b);
    free(c);
    free(d);
    rpt_entities_free(ents);
}

/* ---- privileges and outputs ------------------------------------------- */

TU_TEST(check_output_messages)
{
    char err[1024], p[400];
    cap_identity id = { getuid(), getgid(), "tester", 0 };
    snprintf(p, sizeof(p), "%s/no/such/dir/x.pcap", tmpdir);
    TU_CHECK_INT(cap_check_output(p, "capture file", 1, &id, err,
                                  sizeof(err)), -1);
    TU_CHECK(strstr(err, "does not exist") != NULL);
    snprintf(p, sizeof(p), "%s/new.pcap", tmpdir);
    TU_CHECK_INT(cap_check_output(p, "capture file", 1, &id, err,
                                  sizeof(err)), 0);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
    TU_CHECK_INT(cap_check_output(p, "capture file", 1, &id, err,
                                  sizeof(err)), -1);
    TU_CHECK(strstr(err, "already exists; meetaudit never overwrites "
                         "evidence") != NULL);
    TU_CHECK_INT(cap_check_output(p, "evidence database", 0, &id, err,
                                  sizeof(err)), 0);
    snprintf(p, sizeof(p), "%s", tmpdir);
    TU_CHECK_INT(cap_check_output(p, "evidence database", 0, &id, err,
                                  sizeof(err)), -1);
    TU_CHECK(strstr(err, "is not a regular file") != NULL);
}

/* In a child (the drop cannot be undone): drop to nobody and report what
 * holds afterwards as an exit code bit mask; 0 = all as required. */
static int child_drop(const char *dir)
{
    char err[1024], p[400];
    cap_identity id;
    int bad = 0;
    struct passwd *pw = getpwnam("nobody");
    if (!pw)
        return 64;
    uid_t nu = pw->pw_uid;
    gid_t ng = pw->pw_gid;
    if (cap_privdrop("no-such-user-meetaudit", &id, err, sizeof(err)) != -1 ||
        !strstr(err, "no such user"))
        bad |= 1;
    if (cap_privdrop(NULL, &id, err, sizeof(err)) != 0)
        return 2;
    if (id.uid != nu || id.gid != ng || !id.dropped ||
        strcmp(id.name, "nobody"))
        bad |= 4;
    if (getuid() != nu || geteuid() != nu || getgid() != ng ||
        getegid() != ng)
        bad |= 8;
    if (setuid(0) == 0 || setgid(0) == 0)
        bad |= 16;
    /* a root-only directory is refused, naming the user */
    snprintf(p, sizeof(p), "%s/x.db", dir);
    if (cap_check_output(p, "evidence database", 0, &id, err, sizeof(err)) !=
            -1 ||
        !strstr(err, "user nobody (uid ") || !strstr(err, "-Z"))
        bad |= 32;
    /* not root any more: -Z another user is refused */
    if (cap_privdrop("root", &id, err, sizeof(err)) != -1 ||
        !strstr(err, "changing user needs root"))
        bad |= 1;
    return bad;
}

TU_TEST(privdrop_to_nobody)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/rootonly", tmpdir);
    TU_CHECK(mkdir(dir, 0755) == 0);
    chmod(tmpdir, 0711);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_drop(dir));
    int status = 0;
    waitpid(pid, &status, 0);
    TU_CHECK(WIFEXITED(status));
    TU_CHECK_INT(WEXITSTATUS(status), 0);
}

/* ---- capture rows in the store ---------------------------------------- */

TU_TEST(store_capture_rows)
{
    char path[300], err[256], buf[512];
    snprintf(path, sizeof(path), "%s/cap.db", tmpdir);
    rpt_store *st = NULL;
    TU_CHECK(rpt_store_open(path, &st, err, sizeof(err)) == 0);
    if (!st)
        return;
    sqlite3 *db = rpt_store_db(st);
    const char *sha_a =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    rpt_input_meta m1 = { "/x/a.pcap", "a.pcap", 0, "pending:1", 1, "EN10MB",
                          "pcap" };
    rpt_input_meta m2 = { "/x/b.pcap", "b.pcap", 0, "pending:2", 1, "EN10MB",
                          "pcap" };
    int64_t a = 0, b = 0;
    rpt_input_end e = { 0 };
    e.status = "complete";
    TU_CHECK_INT(rpt_store_input_begin(st, &m1, &a), 0);
    TU_CHECK_INT(rpt_store_input_set_file(st, a, sha_a, 24), 0);
    TU_CHECK_INT(rpt_store_input_set_file(st, a, sha_a, 24), 0);
    TU_CHECK_INT(rpt_store_run_option(st, a, 0, "service", NULL, "zoom"), 0);
    TU_CHECK_INT(rpt_store_run_option(st, a, 1, "context", "os", "linux"),
                 0);
    rpt_capture_stats cs = { a, a, "eth0", "udp", 262144, 33554432, 1,
                             "nobody", 10, 12, 2, 0, "t0", "t1", "rotate" };
    TU_CHECK_INT(rpt_store_capture_stats(st, &cs), 0);
    TU_CHECK_INT(rpt_store_input_end(st, a, &e), 0);
    /* an identical second (empty) file: refused, then forgotten */
    TU_CHECK_INT(rpt_store_input_begin(st, &m2, &b), 0);
    TU_CHECK_INT(rpt_store_input_set_file(st, b, sha_a, 24), 1);
    cs.input_id = b;
    TU_CHECK_INT(rpt_store_capture_stats(st, &cs), 0);
    TU_CHECK_INT(rpt_store_input_forget_empty(st, b), 0);
    TU_CHECK_INT(rpt_store_input_end(st, b, &e), 0);
    TU_CHECK_STR(q1(db, "SELECT group_concat(name || ' ' || size || ' ' || "
                        "sha256 || ' ' || status, '; ') FROM inputs",
                    buf, sizeof(buf)),
                 "a.pcap 24 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaa complete");
    TU_CHECK_STR(q1(db, "SELECT group_concat(input_id || ' ' || ps_recv || "
                        "' ' || ps_drop || ' ' || user || ' ' || end_reason, "
                        "'; ') FROM capture_stats", buf, sizeof(buf)),
                 "1 12 2 nobody rotate");
    TU_CHECK_STR(q1(db, "SELECT group_concat(option || ':' || ifnull(name, "
                        "'') || ':' || value, ' ') FROM run_options",
                    buf, sizeof(buf)),
                 "service::zoom context:os:linux");
    /* an input with flows is never forgotten */
    rpt_input_meta m3 = { "/x/c.pcap", "c.pcap", 0, "pending:3", 1, "EN10MB",
                          "pcap" };
    int64_t c = 0;
    TU_CHECK_INT(rpt_store_input_begin(st, &m3, &c), 0);
    dis_flow *f = dis_flow_new();
    TU_CHECK(f != NULL);
    if (!f)
        abort();
    f->ipver = 4;
    f->l4 = 17;
    f->seq = 1;
    f->d[0].pkts = 1;
    TU_CHECK_INT(rpt_store_flow(st, c, f), 0);
    dis_flow_free(f);
    TU_CHECK_INT(rpt_store_input_forget_empty(st, c), 1);
    TU_CHECK_INT(rpt_store_input_end(st, c, &e), 0);
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
    TU_CHECK_STR(q1(db, "PRAGMA foreign_key_check", buf, sizeof(buf)), "");
    rpt_store_close(st);
}

int main(void)
{
    if (tu_tmp_template(tmpdir, sizeof(tmpdir), "capture") != 0 ||
        !mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    TU_RUN(pipeline_counts_and_observer);
    TU_RUN(pipeline_skips_undecodable_frames);
    TU_RUN(pipeline_writer_hashes_input);
    TU_RUN(hash_in_slices_equals_sha256sum);
    TU_RUN(pipeline_checkpoints_at_end_of_file);
    TU_RUN(pipeline_burst_rendered_by_both_threads);
    TU_RUN(view_groups_counts_and_logs);
    TU_RUN(check_output_messages);
    if (geteuid() == 0)
        TU_RUN(privdrop_to_nobody);
    else
        printf("SKIP privdrop_to_nobody: needs root (tests/live.sh checks "
               "the running capture too)\n");
    TU_RUN(store_capture_rows);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return tu_finish();
}
