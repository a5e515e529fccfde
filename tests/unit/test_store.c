/* test_store.c - unit tests for report/store.c: Community ID v1, timestamps,
 * the SQLite evidence store (schema, WAL, rows, re-analysis, interrupted
 * runs) and, through `analyze`, per-input frame numbers and de-duplication.
 * Community ID: https://github.com/corelight/community-id-spec (README and
 * baseline/baseline_deflt.json); RFC 3339 (timestamps).
 *
 * Community ID known answers are the spec's published baseline (seed 0).
 * Each was recomputed by an independent script written for this test from
 * the spec's description (SHA-1 over seed(2, BE) . saddr . daddr . proto(1)
 * . 0(1) . sport(2) . dport(2), endpoints ordered so the smaller (addr,
 * port) comes first; ICMP type/code mapped to ports with the type's
 * counterpart as the destination port, or type/code and no reordering for
 * types without one):
 *
 *   import base64, hashlib, ipaddress, struct
 *   V4 = {8:0, 0:8, 13:14, 14:13, 15:16, 16:15, 10:9, 9:10, 17:18, 18:17}
 *   V6 = {128:129, 129:128, 133:134, 134:133, 135:136, 136:135,
 *         130:131, 131:130, 139:140, 140:139, 144:145, 145:144}
 *   def cid(proto, s, d, sp=None, dp=None, seed=0):
 *       a = ipaddress.ip_address(s).packed; b = ipaddress.ip_address(d).packed
 *       one_way = False
 *       if proto in (1, 58):
 *           m = V4 if proto == 1 else V6
 *           if sp in m: dp = m[sp]
 *           else: one_way = True
 *       if not one_way and (a > b or (a == b and sp is not None and sp > dp)):
 *           a, b, sp, dp = b, a, dp, sp
 *       data = struct.pack("!H", seed) + a + b + struct.pack("!BB", proto, 0)
 *       if sp is not None: data += struct.pack("!HH", sp, dp)
 *       return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()
 *
 * Its output (python3, 2025), identical to the published strings:
 *   tcp  128.232.110.120:34855 -> 66.35.250.204:80   1:LQU9qZlK+B5F3KDmev6m5PMibrg=
 *   tcp  66.35.250.204:80 -> 128.232.110.120:34855   1:LQU9qZlK+B5F3KDmev6m5PMibrg=
 *   udp  192.168.1.52:54585 -> 8.8.8.8:53            1:d/FP5EW3wiY1vCndhwleRRKHowQ=
 *   udp  8.8.8.8:53 -> 192.168.1.52:54585            1:d/FP5EW3wiY1vCndhwleRRKHowQ=
 *   icmp 192.168.0.89 -> 192.168.0.1 type 8 code 0   1:X0snYXpgwiv9TZtqg64sgzUn6Dk=
 *   icmp 192.168.0.1 -> 192.168.0.89 type 0 code 0   1:X0snYXpgwiv9TZtqg64sgzUn6Dk=
 *   icmp 10.0.0.1 -> 10.0.0.2 type 11 code 0         1:YHxtAirCG//0OzkcVAukqKQN9xM=
 *   icmp6 fe80::200:86ff:fe05:80da -> fe80::260:97ff:fe07:69ea type 135
 *                                                    1:dGHyGvjMfljg6Bppwm3bg0LO8TY=
 *   icmp6 fe80::260:97ff:fe07:69ea -> fe80::200:86ff:fe05:80da type 136
 *                                                    1:dGHyGvjMfljg6Bppwm3bg0LO8TY=
 *   icmp6 3ffe:501:1800:2345::2 -> 3ffe:507:0:1:200:86ff:fe05:80da type 3 code 0
 *                                                    1:2ObVBgIn28oZvibYZhZMBgh7WdQ=
 *   sctp 192.168.170.8:7 -> 192.168.170.56:7 (and back)
 *                                                    1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=
 *   proto 46 (RSVP) 10.1.12.1 -> 10.1.12.2 (and back) 1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=
 *   tcp  2001:470:e5bf:dead:4957:2174:e82c:4887:63943 -> 2607:f8b0:400c:c03::1a:25
 *                                                    1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=
 */
#define _DEFAULT_SOURCE
#include "../../capture/cli.h"
#include "../../dissect/flow.h"
#include "../../report/store.h"
#include "tu.h"
#include "sqlq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S(x) ((int64_t)(x) * 1000000LL)
#define T0 S(1600000000)

static char tmpdir[256];

/* ---- helpers ----------------------------------------------------------- */

static void addr(uint8_t a[16], int ver, const char *s)
{
    memset(a, 0, 16);
    if (inet_pton(ver == 6 ? AF_INET6 : AF_INET, s, a) != 1)
        abort();
}

/* A flow record as the flow table would hand it to the sink. */
static dis_flow *mkflow(int ver, uint8_t l4, const char *cli, uint16_t cport,
                        const char *srv, uint16_t sport)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        abort();
    f->ipver = (uint8_t)ver;
    f->l4 = l4;
    addr(f->cli_ip, ver, cli);
    addr(f->srv_ip, ver, srv);
    if (l4 == 1 || l4 == 58) {
        f->icmp_type = (uint8_t)cport;
        f->icmp_code = (uint8_t)sport;
    } else if (l4 == 6 || l4 == 17 || l4 == 132) {
        f->cli_port = cport;
        f->srv_port = sport;
    }
    return f;
}

static const char *cid_of(const dis_flow *f, char *buf)
{
    rpt_community_id(f, buf, 64);
    return buf;
}

/* A fresh database path under the test's temporary directory. */
static const char *dbpath(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
    char side[300];
    unlink(buf);
    snprintf(side, sizeof(side), "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", buf);
    unlink(side);
    return buf;
}

/* ---- Community ID: records with the client/server already decided ------ */

TU_TEST(community_id_tcp_udp_both_ways)
{
    char b[64];
    dis_flow *f = mkflow(4, 6, "128.232.110.120", 34855, "66.35.250.204", 80);
    TU_CHECK_STR(cid_of(f, b), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    free(f);
    f = mkflow(4, 6, "66.35.250.204", 80, "128.232.110.120", 34855);
    TU_CHECK_STR(cid_of(f, b), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    free(f);
    f = mkflow(4, 17, "192.168.1.52", 54585, "8.8.8.8", 53);
    TU_CHECK_STR(cid_of(f, b), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    free(f);
    f = mkflow(4, 17, "8.8.8.8", 53, "192.168.1.52", 54585);
    TU_CHECK_STR(cid_of(f, b), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    free(f);
    f = mkflow(6, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
               "2607:f8b0:400c:c03::1a", 25);
    TU_CHECK_STR(cid_of(f, b), "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    free(f);
    f = mkflow(6, 6, "2607:f8b0:400c:c03::1a", 25,
               "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943);
    TU_CHECK_STR(cid_of(f, b), "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    free(f);
    /* A different port is a different ID (the test can fail). */
    f = mkflow(4, 6, "128.232.110.120", 34856, "66.35.250.204", 80);
    TU_CHECK(strcmp(cid_of(f, b), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") != 0);
    free(f);
}

/* SCTP carries ports; protocols without ports hash addresses and protocol
 * only, ordered by address. */
TU_TEST(community_id_sctp_and_portless)
{
    char b[64];
    dis_flow *f = mkflow(4, 132, "192.168.170.8", 7, "192.168.170.56", 7);
    TU_CHECK_STR(cid_of(f, b), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    free(f);
    f = mkflow(4, 132, "192.168.170.56", 7, "192.168.170.8", 7);
    TU_CHECK_STR(cid_of(f, b), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    free(f);
    f = mkflow(4, 46, "10.1.12.1", 0, "10.1.12.2", 0);
    TU_CHECK_STR(cid_of(f, b), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    free(f);
    f = mkflow(4, 46, "10.1.12.2", 0, "10.1.12.1", 0);
    TU_CHECK_STR(cid_of(f, b), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    free(f);
}

/* ICMP flows whose first message was sent by the client. */
TU_TEST(community_id_icmp_client_first)
{
    char b[64];
    dis_flow *f = mkflow(4, 1, "192.168.0.89", 8, "192.168.0.1", 0);
    TU_CHECK_STR(cid_of(f, b), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    free(f);
    f = mkflow(6, 58, "fe80::200:86ff:fe05:80da", 135,
               "fe80::260:97ff:fe07:69ea", 0);
    TU_CHECK_STR(cid_of(f, b), "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
    free(f);
    /* The neighbour advertisement answering it has the same ID. */
    f = mkflow(6, 58, "fe80::260:97ff:fe07:69ea", 136,
               "fe80::200:86ff:fe05:80da", 0);
    TU_CHECK_STR(cid_of(f, b), "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
    free(f);
}

/* ---- Community ID of flows built by the flow table from packets -------- */

static char flow_cids[8][64];
static int n_cids;

static int cid_sink(void *ctx, dis_flow *f)
{
    (void)ctx;
    if (n_cids < 8)
        rpt_community_id(f, flow_cids[n_cids++], 64);
    return 0;
}

/* One packet through a fresh flow table; the Community ID of its flow. */
static const char *cid_of_packet(int ver, uint8_t l4, const char *src,
                                 uint16_t sp, const char *dst, uint16_t dp,
                                 uint8_t tcp_flags)
{
    dis_flow_opts o;
    dis_flow_opts_default(&o);
    n_cids = 0;
    dis_flowtab *t = dis_flowtab_new(&o, NULL, cid_sink, NULL);
    if (!t)
        abort();
    dis_pkt p;
    memset(&p, 0, sizeof(p));
    p.frame = 1;
    p.ts_us = T0;
    p.ipver = (uint8_t)ver;
    p.l4 = l4;
    addr(p.src, ver, src);
    addr(p.dst, ver, dst);
    if (l4 == 1 || l4 == 58) {
        p.icmp_type = (uint8_t)sp;
        p.icmp_code = (uint8_t)dp;
    } else if (l4 == 6 || l4 == 17 || l4 == 132) {
        p.sport = sp;
        p.dport = dp;
        p.has_ports = 1;
    }
    p.tcp_flags = tcp_flags;
    p.ip_len = 60;
    dis_flowtab_packet(t, &p);
    dis_flowtab_flush_all(t, "eof");
    dis_flowtab_free(t);
    return n_cids == 1 ? flow_cids[0] : "(no single flow)";
}

/* The first packet from either side gives the flow the same ID. */
TU_TEST(community_id_flows_either_side_first)
{
    TU_CHECK_STR(cid_of_packet(4, 6, "128.232.110.120", 34855, "66.35.250.204",
                               80, DIS_TH_SYN),
                 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    TU_CHECK_STR(cid_of_packet(4, 6, "66.35.250.204", 80, "128.232.110.120",
                               34855, DIS_TH_SYN | DIS_TH_ACK),
                 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    TU_CHECK_STR(cid_of_packet(4, 6, "66.35.250.204", 80, "128.232.110.120",
                               34855, DIS_TH_SYN), /* odd, but a SYN */
                 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    TU_CHECK_STR(cid_of_packet(4, 17, "192.168.1.52", 54585, "8.8.8.8", 53, 0),
                 "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    TU_CHECK_STR(cid_of_packet(4, 17, "8.8.8.8", 53, "192.168.1.52", 54585, 0),
                 "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    TU_CHECK_STR(cid_of_packet(4, 132, "192.168.170.56", 7, "192.168.170.8", 7,
                               0),
                 "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    TU_CHECK_STR(cid_of_packet(4, 46, "10.1.12.2", 0, "10.1.12.1", 0, 0),
                 "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    TU_CHECK_STR(cid_of_packet(4, 1, "192.168.0.89", 8, "192.168.0.1", 0, 0),
                 "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    TU_CHECK_STR(cid_of_packet(6, 58, "fe80::200:86ff:fe05:80da", 135,
                               "fe80::260:97ff:fe07:69ea", 0, 0),
                 "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
}

/* KNOWN BUG (report/store.c rpt_community_id): when an ICMP flow's first
 * message was sent by the server (an echo reply or an error seen first:
 * flow.c makes its *receiver* the client), the ICMP type is paired with
 * the client's address instead of its sender's.  The spec hashes (sender,
 * type) - so a reply-first ping flow and every ICMP-error flow get a wrong
 * ID.  Published answers for these packets are below. */
TU_TEST(community_id_icmp_server_sent_first)
{
    TU_CHECK_STR(cid_of_packet(4, 1, "192.168.0.1", 0, "192.168.0.89", 0, 0),
                 "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    TU_CHECK_STR(cid_of_packet(4, 1, "10.0.0.1", 11, "10.0.0.2", 0, 0),
                 "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
    TU_CHECK_STR(cid_of_packet(6, 58, "3ffe:501:1800:2345::2", 3,
                               "3ffe:507:0:1:200:86ff:fe05:80da", 0, 0),
                 "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=");
}

/* ---- rpt_fmt_ts ---------------------------------------------------------- */

static const char *ts(int64_t us, char *buf)
{
    rpt_fmt_ts(us, buf, 64);
    return buf;
}

TU_TEST(fmt_ts_rfc3339_utc_micro)
{
    char b[64];
    TU_CHECK_STR(ts(1585180800123456LL, b), "2020-03-26T00:00:00.123456Z");
    TU_CHECK_STR(ts(0, b), "1970-01-01T00:00:00.000000Z");
    TU_CHECK_STR(ts(1, b), "1970-01-01T00:00:00.000001Z");
    TU_CHECK_STR(ts(999999, b), "1970-01-01T00:00:00.999999Z");
    TU_CHECK_STR(ts(1000000, b), "1970-01-01T00:00:01.000000Z");
    TU_CHECK_STR(ts(951782400000000LL, b), "2000-02-29T00:00:00.000000Z");
    TU_CHECK_STR(ts(4102444799999999LL, b), "2099-12-31T23:59:59.999999Z");
    TU_CHECK_STR(ts(253402300799999999LL, b), "9999-12-31T23:59:59.999999Z");
    /* Before the epoch the fraction still counts forward from the second. */
    TU_CHECK_STR(ts(-1, b), "1969-12-31T23:59:59.999999Z");
    TU_CHECK_STR(ts(-999999, b), "1969-12-31T23:59:59.000001Z");
    TU_CHECK_STR(ts(-1000000, b), "1969-12-31T23:59:59.000000Z");
    TU_CHECK_STR(ts(-1000001, b), "1969-12-31T23:59:58.999999Z");
    TU_CHECK_STR(ts(-1500000, b), "1969-12-31T23:59:58.500000Z");
    TU_CHECK_STR(ts(INT64_MAX, b), "294247-01-10T04:00:54.775807Z");
    /* TZ does not matter. */
    setenv("TZ", "America/New_York", 1);
    tzset();
    TU_CHECK_STR(ts(1585180800123456LL, b), "2020-03-26T00:00:00.123456Z");
    setenv("TZ", "UTC", 1);
    tzset();
}

/* A short buffer is cut and terminated, never overrun (heap: ASan). */
TU_TEST(fmt_ts_short_buffer)
{
    char *b = malloc(11);
    if (!b)
        abort();
    rpt_fmt_ts(1585180800123456LL, b, 11);
    TU_CHECK_STR(b, "2020-03-26");
    free(b);
}

/* KNOWN BUG (report/store.c rpt_fmt_ts): `-us + 999999` overflows int64
 * (undefined behaviour; UBSan aborts here) for us < -(INT64_MAX - 999999).
 * The function takes any int64_t and documents no range; libpcap did not
 * hand us such a time in our tries (pcapng with huge timestamps and
 * if_tsresol 10^0 came out as 1e18 us), so this is latent.  The result must
 * agree with gmtime() of floor(us / 1e6). */
TU_TEST(fmt_ts_int64_min)
{
    char b[64];
    TU_CHECK_STR(ts(INT64_MIN, b), "-290308-12-21T19:59:05.224192Z");
}

/* ---- the evidence store ---------------------------------------------------- */

static const rpt_input_meta META_A = {
    "/captures/a.pcap", "a.pcap", 1234,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1,
    "EN10MB", "pcap"
};

static rpt_store *open_or_fail(const char *path)
{
    rpt_store *s = NULL;
    char err[256] = "";
    int rc = rpt_store_open(path, &s, err, sizeof(err));
    if (rc != 0 || !s) {
        TU_FAILF("rpt_store_open(%s) = %d: %s", path, rc, err);
        return NULL;
    }
    return s;
}

TU_TEST(store_schema_wal_integrity_reopen)
{
    char p[300], b[512];
    rpt_store *s = open_or_fail(dbpath("schema.db", p, sizeof(p)));
    if (!s)
        return;
    sqlite3 *db = rpt_store_db(s);
    char want[16];
    snprintf(want, sizeof(want), "%d", RPT_SCHEMA_VERSION);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'", b,
                    sizeof(b)),
                 want);
    TU_CHECK_STR(q1(db, "PRAGMA journal_mode", b, sizeof(b)), "wal");
    TU_CHECK_STR(q1(db, "PRAGMA page_size", b, sizeof(b)), RPT_PAGE_SIZE_STR);
    TU_CHECK_STR(q1(db, "PRAGMA cache_size", b, sizeof(b)),
                 "-" RPT_CACHE_KIB_STR);
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    TU_CHECK_STR(q1(db, "PRAGMA foreign_keys", b, sizeof(b)), "1");
    /* The tables README.md names (later schemas may add more). */
    TU_CHECK_STR(qall(db,
                      "SELECT name FROM sqlite_master WHERE type='table' AND "
                      "name IN ('meta','inputs','flows','tls','tls_certs',"
                      "'dns','dns_answers','http') ORDER BY name",
                      b, sizeof(b)),
                 "dns; dns_answers; flows; http; inputs; meta; tls; tls_certs");
    rpt_store_close(s);
    /* Re-open read-write (nothing duplicated) and read-only. */
    s = open_or_fail(p);
    if (!s)
        return;
    TU_CHECK_STR(q1(rpt_store_db(s), "SELECT count(*) FROM meta", b,
                    sizeof(b)),
                 "1");
    rpt_store_close(s);
    char err[256] = "";
    s = NULL;
    TU_CHECK_INT(rpt_store_open_ro(p, &s, err, sizeof(err)), 0);
    if (s) {
        TU_CHECK_STR(q1(rpt_store_db(s), "PRAGMA journal_mode", b, sizeof(b)),
                     "wal");
        rpt_store_close(s);
    }
}

/* A file made before stores chose their page size (SQLite's 4 KiB default,
 * already in WAL mode) keeps its pages: the store opens it, writes rows and
 * leaves it whole. */
TU_TEST(store_keeps_page_size_of_existing_file)
{
    char p[300], b[512];
    dbpath("pages4k.db", p, sizeof(p));
    sqlite3 *raw = NULL;
    TU_CHECK_INT(sqlite3_open(p, &raw), SQLITE_OK);
    TU_CHECK_INT(sqlite3_exec(raw, "PRAGMA page_size=4096;"
                                   "PRAGMA journal_mode=WAL;"
                                   "CREATE TABLE scratch(x);",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    TU_CHECK_INT(sqlite3_exec(raw, "DROP TABLE scratch", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(raw);
    rpt_store *s = open_or_fail(p);
    if (!s)
        return;
    int64_t id = -1;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id), 0);
    rpt_input_end e = { 0 };
    e.status = "complete";
    TU_CHECK_INT(rpt_store_input_end(s, id, &e), 0);
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "PRAGMA page_size", b, sizeof(b)), "4096");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM inputs", b, sizeof(b)), "1");
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    rpt_store_close(s);
}

/* An input with three flows: every column of the rows. */
TU_TEST(store_input_and_flow_rows)
{
    char p[300], b[4096];
    rpt_store *s = open_or_fail(dbpath("rows.db", p, sizeof(p)));
    if (!s)
        return;
    setenv("SOURCE_DATE_EPOCH", "1585180800", 1);
    int64_t id = -1;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id), 0);
    unsetenv("SOURCE_DATE_EPOCH");
    TU_CHECK_INT(id, 1);

    /* TCP, the server's packet first (frame 1), on VLAN 5. */
    dis_flow *f = mkflow(4, 6, "192.0.2.1", 40000, "198.51.100.7", 443);
    f->seq = 1;
    f->vlan = 5;
    f->d[0] = (dis_dir){ 3, 300, 2, 9, T0 + 10, T0 + 90 };
    f->d[1] = (dis_dir){ 2, 2000, 1, 8, T0 + 5, T0 + 80 };
    f->end_reason = "fin";
    TU_CHECK_INT(rpt_store_flow(s, id, f), 0);
    free(f);
    /* ICMP echo: no ports, type and code kept. */
    f = mkflow(4, 1, "192.168.0.89", 8, "192.168.0.1", 0);
    f->seq = 2;
    f->d[0] = (dis_dir){ 1, 84, 3, 3, T0 + 20, T0 + 20 };
    f->end_reason = "eof";
    TU_CHECK_INT(rpt_store_flow(s, id, f), 0);
    free(f);
    /* DNS over UDP with its answers. */
    f = mkflow(4, 17, "192.0.2.1", 33000, "192.0.2.53", 53);
    f->seq = 3;
    f->d[0] = (dis_dir){ 1, 60, 10, 10, T0 + 30, T0 + 30 };
    f->d[1] = (dis_dir){ 1, 120, 12, 12, T0 + 40, T0 + 40 };
    f->end_reason = "eof";
    f->dns = calloc(1, sizeof(*f->dns));
    dis_dns_ans ans[2];
    char qname[] = "www.example.com", qname2[] = "www.example.com";
    memset(ans, 0, sizeof(ans));
    if (!f->dns)
        abort();
    f->dns->have_query = 1;
    f->dns->query = qname;  /* the test's own storage: not dis_flow_free()d */
    f->dns->qtype = 1;
    f->dns->have_rcode = 1;
    f->dns->rcode = 0;
    for (int i = 0; i < 2; i++) {
        ans[i].frame = 12;
        ans[i].ts_us = T0 + 40;
        ans[i].query = qname2;
        ans[i].qtype = 1;
        ans[i].ttl = 300 + (uint32_t)i;
    }
    ans[0].name = "www.example.com";
    ans[0].rtype = 5;
    ans[0].data = "example.com";
    ans[1].name = "example.com";
    ans[1].rtype = 1;
    ans[1].data = "93.184.216.34";
    f->dns->ans = ans;
    f->dns->n_ans = 2;
    TU_CHECK_INT(rpt_store_flow(s, id, f), 0);
    free(f->dns);
    free(f);

    rpt_input_end e;
    memset(&e, 0, sizeof(e));
    e.packets = 20;
    e.ip_packets = 18;
    e.skipped = 2;
    e.malformed = 1;
    e.flows = 3;
    e.evicted = 0;
    e.frag_unattributed = 4;
    e.first_ts = T0 + 5;
    e.last_ts = T0 + 90;
    e.status = "complete";
    TU_CHECK_INT(rpt_store_input_end(s, id, &e), 0);

    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(qall(db,
                      "SELECT id, path, name, size, sha256, format, linktype, "
                      "linktype_name, packets, ip_packets, skipped, malformed, "
                      "flows, evicted, frag_unattributed, first_ts_us, "
                      "last_ts_us, status, error, analysed_at FROM inputs",
                      b, sizeof(b)),
                 "1|/captures/a.pcap|a.pcap|1234|"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "|pcap|1|EN10MB|20|18|2|1|3|0|4|1600000000000005|"
                 "1600000000000090|complete|NULL|2020-03-26T00:00:00Z");
    TU_CHECK(strcmp(q1(db, "SELECT ndpi_version FROM inputs", b, sizeof(b)),
                    "NULL") != 0);
    TU_CHECK_STR(
        qall(db,
             "SELECT input_id, flow_seq, community_id, proto, ip_version, "
             "vlan, src_ip, src_port, dest_ip, dest_port, first_frame, "
             "last_frame, first_ts_us, last_ts_us, pkts_toserver, "
             "pkts_toclient, bytes_toserver, bytes_toclient, app_proto, risks, "
             "hostname, hostname_source, end_reason, icmp_type, icmp_code "
             "FROM flows ORDER BY flow_seq",
             b, sizeof(b)),
        "1|1|1:lWOTJwBjzASkHgo+w0kukpG9z0M=|tcp|4|5|192.0.2.1|40000|"
        "198.51.100.7|443|1|9|1600000000000005|1600000000000090|3|2|300|2000|"
        "NULL|[]|NULL|NULL|fin|NULL|NULL; "
        "1|2|1:X0snYXpgwiv9TZtqg64sgzUn6Dk=|icmp|4|0|192.168.0.89|NULL|"
        "192.168.0.1|NULL|3|3|1600000000000020|1600000000000020|1|0|84|0|"
        "NULL|[]|NULL|NULL|eof|8|0; "
        "1|3|1:xJfRHtkxqHjqZWHZ5YhKM4vcBbk=|udp|4|0|192.0.2.1|33000|"
        "192.0.2.53|53|10|12|1600000000000030|1600000000000040|1|1|60|120|"
        "NULL|[]|NULL|NULL|eof|NULL|NULL");
    TU_CHECK_STR(qall(db, "SELECT d.query, d.qtype, d.rcode FROM dns d JOIN "
                          "flows f ON f.id = d.flow_id",
                      b, sizeof(b)),
                 "www.example.com|1|0");
    TU_CHECK_STR(qall(db,
                      "SELECT a.input_id, f.flow_seq, a.frame, a.ts_us, "
                      "a.query, a.qtype, a.rcode, a.name, a.rtype, a.ttl, "
                      "a.data FROM dns_answers a JOIN flows f ON f.id = "
                      "a.flow_id ORDER BY a.id",
                      b, sizeof(b)),
                 "1|3|12|1600000000000040|www.example.com|1|0|www.example.com"
                 "|5|300|example.com; "
                 "1|3|12|1600000000000040|www.example.com|1|0|example.com|1|"
                 "301|93.184.216.34");
    int64_t fid = 0;
    char st[32] = "";
    TU_CHECK_INT(rpt_store_input_find(s, META_A.sha256, &fid, st, sizeof(st)),
                 1);
    TU_CHECK_INT(fid, 1);
    TU_CHECK_STR(st, "complete");
    TU_CHECK_INT(rpt_store_input_find(s, "0000", &fid, st, sizeof(st)), 0);
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    rpt_store_close(s);
}

/* KNOWN BUG (report/store.c rpt_store_flow): first_ts/last_ts are the
 * minimum/maximum over the two directions instead of the times of
 * first_frame and last_frame when the capture clock steps back between
 * directions (merged or multi-queue captures).  tests/oracle.py's "frames"
 * check (tshark's time of first_frame/last_frame) flags exactly this on the
 * corpus: yandex.pcapng frames 50-67, tls_heur__vmess-websocket.pcapng
 * frames 24-100.  Frames: 1 c->s at +10, 2 s->c at +5, 3 s->c at +40,
 * 4 c->s at +30. */
TU_TEST(store_flow_times_are_frame_times)
{
    char p[300], b[512];
    rpt_store *s = open_or_fail(dbpath("times.db", p, sizeof(p)));
    if (!s)
        return;
    int64_t id = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id), 0);
    dis_flow *f = mkflow(4, 17, "10.0.0.1", 40000, "10.0.0.2", 9000);
    f->seq = 1;
    f->d[0] = (dis_dir){ 2, 200, 1, 4, T0 + 10, T0 + 30 };
    f->d[1] = (dis_dir){ 2, 200, 2, 3, T0 + 5, T0 + 40 };
    TU_CHECK_INT(rpt_store_flow(s, id, f), 0);
    free(f);
    TU_CHECK_STR(q1(rpt_store_db(s),
                    "SELECT first_frame || ' ' || last_frame || ' ' || "
                    "first_ts_us || ' ' || last_ts_us FROM flows",
                    b, sizeof(b)),
                 "1 4 1600000000000010 1600000000000030");
    rpt_store_close(s);
}

/* Store flows first+1 .. first+n (flow_seq) of input id. */
static void store_flows_from(rpt_store *s, int64_t id, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        dis_flow *f = mkflow(4, 17, "10.0.0.1", (uint16_t)(10000 + i),
                             "10.0.0.2", 9999);
        f->seq = (uint64_t)i + 1;
        f->d[0] = (dis_dir){ 1, 100, (uint64_t)i + 1, (uint64_t)i + 1,
                             T0 + i, T0 + i };
        f->end_reason = "eof";
        int rc = rpt_store_flow(s, id, f);
        free(f);
        if (rc) {
            TU_FAILF("rpt_store_flow #%d = %d", i, rc);
            return;
        }
    }
}

static void store_n_flows(rpt_store *s, int64_t id, int n)
{
    store_flows_from(s, id, 0, n);
}

static void end_input(rpt_store *s, int64_t id, uint64_t flows)
{
    rpt_input_end e;
    memset(&e, 0, sizeof(e));
    e.packets = flows;
    e.ip_packets = flows;
    e.flows = flows;
    e.first_ts = T0;
    e.last_ts = T0 + 1;
    e.status = "complete";
    TU_CHECK_INT(rpt_store_input_end(s, id, &e), 0);
}

/* The same SHA-256 begun again replaces the earlier input: never two rows
 * for one capture, no flows left from the first attempt. */
TU_TEST(store_same_sha256_not_duplicated)
{
    char p[300], b[256];
    rpt_store *s = open_or_fail(dbpath("dup.db", p, sizeof(p)));
    if (!s)
        return;
    int64_t id1 = 0, id2 = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id1), 0);
    store_n_flows(s, id1, 3);
    end_input(s, id1, 3);
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id2), 0);
    store_n_flows(s, id2, 2);
    end_input(s, id2, 2);
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM inputs", b, sizeof(b)), "1");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM flows", b, sizeof(b)), "2");
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows WHERE input_id=%lld",
             (long long)id2);
    TU_CHECK_STR(q1(db, sql, b, sizeof(b)), "2");
    rpt_store_close(s);
}

#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

/* An input begun before its hash is known (the writer of `analyze` hashes
 * while it stores): another connection sees nothing of it until the hash
 * is in and a whole batch is committed; a hash naming a finished input
 * rolls all of it back; one naming an interrupted attempt replaces that
 * attempt; a failed hash (abandon) or a close before the hash leaves
 * nothing. */
TU_TEST(store_unhashed_input_held_until_hashed)
{
    char p[300], b[256], sql[200];
    rpt_store *s = open_or_fail(dbpath("unhashed.db", p, sizeof(p)));
    sqlite3 *rw = NULL;
    if (!s || sqlite3_open(p, &rw) != SQLITE_OK) {
        TU_FAILF("cannot open %s twice", p);
        rpt_store_close(s);
        sqlite3_close(rw);
        return;
    }
    const char *counts = "SELECT count(*) || ' ' || (SELECT count(*) FROM "
                         "flows) FROM inputs";
    int64_t ida = 0, id = 0, dup = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &ida), 0);
    store_n_flows(s, ida, 3);
    end_input(s, ida, 3);
    rpt_input_meta mb = META_A;
    mb.path = "/captures/b.pcap";
    mb.name = "b.pcap";
    mb.sha256 = NULL;
    mb.size = 99;
    TU_CHECK_INT(rpt_store_input_begin_unhashed(s, &mb, &id), 0);
    TU_CHECK(id > ida);
    store_n_flows(s, id, RPT_BATCH + 500); /* past a batch: held */
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), "1 3");
    dup = -1;
    TU_CHECK_INT(rpt_store_input_hashed(s, id, SHA_B, 4321, &dup), 0);
    TU_CHECK_INT(dup, 0);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), "1 3");
    store_flows_from(s, id, RPT_BATCH + 500, RPT_BATCH - 501);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), "1 3");
    store_flows_from(s, id, 2 * RPT_BATCH - 1, 1); /* a whole batch more */
    snprintf(b, sizeof(b), "2 %d", 3 + 2 * RPT_BATCH);
    TU_CHECK_STR(q1(rw, counts, sql, sizeof(sql)), b);
    snprintf(sql, sizeof(sql),
             "SELECT sha256 || ' ' || size || ' ' || status FROM inputs "
             "WHERE id = %lld", (long long)id);
    TU_CHECK_STR(q1(rw, sql, b, sizeof(b)), SHA_B " 4321 analysing");
    end_input(s, id, 2 * RPT_BATCH);
    TU_CHECK_STR(q1(rw, sql, b, sizeof(b)), SHA_B " 4321 complete");
    char want[64];
    snprintf(want, sizeof(want), "2 %d", 3 + 2 * RPT_BATCH);

    /* the hash names the finished input a.pcap: nothing of it is kept */
    int64_t idc = 0;
    rpt_input_meta mc = mb;
    mc.path = "/captures/copy-of-a.pcap";
    TU_CHECK_INT(rpt_store_input_begin_unhashed(s, &mc, &idc), 0);
    store_n_flows(s, idc, 10);
    TU_CHECK_INT(rpt_store_input_hashed(s, idc, META_A.sha256, 1234, &dup),
                 0);
    TU_CHECK_INT(dup, ida);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), want);
    /* a failed hash: abandoned */
    TU_CHECK_INT(rpt_store_input_begin_unhashed(s, &mc, &idc), 0);
    store_n_flows(s, idc, 5);
    rpt_store_input_abandon(s);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), want);
    /* an interrupted attempt at the same file is replaced */
    TU_CHECK_INT(sqlite3_exec(rw,
                              "INSERT INTO inputs(path, name, size, sha256, "
                              "status) VALUES('/x/f.pcap', 'f.pcap', 7, '"
                              SHA_F "', 'analysing')",
                              NULL, NULL, NULL), SQLITE_OK);
    int64_t old = sqlite3_last_insert_rowid(rw);
    snprintf(sql, sizeof(sql),
             "INSERT INTO flows(input_id, flow_seq) VALUES(%lld, 1)",
             (long long)old);
    TU_CHECK_INT(sqlite3_exec(rw, sql, NULL, NULL, NULL), SQLITE_OK);
    TU_CHECK_INT(rpt_store_input_begin_unhashed(s, &mc, &idc), 0);
    store_n_flows(s, idc, 2);
    TU_CHECK_INT(rpt_store_input_hashed(s, idc, SHA_F, 7, &dup), 0);
    TU_CHECK_INT(dup, 0);
    end_input(s, idc, 2);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) || ' ' || min(id) FROM inputs WHERE sha256 = '"
             SHA_F "'");
    snprintf(want, sizeof(want), "1 %lld", (long long)idc);
    TU_CHECK_STR(q1(rw, sql, b, sizeof(b)), want);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows WHERE input_id = "
             "%lld", (long long)old);
    TU_CHECK_STR(q1(rw, sql, b, sizeof(b)), "0");
    snprintf(want, sizeof(want), "3 %d", 3 + 2 * RPT_BATCH + 2);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), want);
    /* closed before the hash: rolled back, the file sound */
    TU_CHECK_INT(rpt_store_input_begin_unhashed(s, &mb, &id), 0);
    store_n_flows(s, id, 5);
    rpt_store_close(s);
    TU_CHECK_STR(q1(rw, counts, b, sizeof(b)), want);
    TU_CHECK_STR(q1(rw, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    sqlite3_close(rw);
}

/* A process killed in the middle of an input leaves the "analysing" row
 * and whole batches only; beginning the input again clears them. */
TU_TEST(store_interrupted_input_redone)
{
    char p[300], b[256], sql[160];
    dbpath("killed.db", p, sizeof(p));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        TU_FAILF("fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        rpt_store *s = NULL;
        char err[256];
        int64_t id;
        if (rpt_store_open(p, &s, err, sizeof(err)) ||
            rpt_store_input_begin(s, &META_A, &id))
            _exit(3);
        for (int i = 0; i < RPT_BATCH + 5; i++) {
            dis_flow *f = mkflow(4, 17, "10.0.0.1", (uint16_t)(1024 + i),
                                 "10.0.0.2", 9999);
            f->seq = (uint64_t)i + 1;
            f->d[0] = (dis_dir){ 1, 100, 1, 1, T0, T0 };
            if (rpt_store_flow(s, id, f))
                _exit(4);
            free(f);
        }
        _exit(0); /* no input_end, no close: as if killed */
    }
    int wst = 0;
    waitpid(pid, &wst, 0);
    TU_CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);

    rpt_store *s = open_or_fail(p);
    if (!s)
        return;
    sqlite3 *db = rpt_store_db(s);
    int64_t old = 0;
    char st[32] = "";
    TU_CHECK_INT(rpt_store_input_find(s, META_A.sha256, &old, st, sizeof(st)),
                 1);
    TU_CHECK_STR(st, "analysing");
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows WHERE input_id=%lld",
             (long long)old);
    TU_CHECK_STR(q1(db, sql, b, sizeof(b)), "2000"); /* one whole batch */
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");

    int64_t id = 0;
    TU_CHECK_INT(rpt_store_input_begin(s, &META_A, &id), 0);
    TU_CHECK_STR(q1(db, sql, b, sizeof(b)), "0"); /* the old id's flows */
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows WHERE input_id=%lld",
             (long long)id);
    TU_CHECK_STR(q1(db, sql, b, sizeof(b)), "0");
    store_n_flows(s, id, 4);
    end_input(s, id, 4);
    TU_CHECK_STR(q1(db, "SELECT count(*) || '|' || min(status) FROM inputs", b,
                    sizeof(b)),
                 "1|complete");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM flows", b, sizeof(b)), "4");
    rpt_store_close(s);
}

/* A database made by the next schema version, "schema version N+1". */
static void make_future_db(const char *p, char *msg, size_t n)
{
    sqlite3 *db = NULL;
    char sql[160];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
             "INSERT INTO meta VALUES('schema_version','%d');",
             RPT_SCHEMA_VERSION + 1);
    snprintf(msg, n, "schema version %d", RPT_SCHEMA_VERSION + 1);
    TU_CHECK_INT(sqlite3_open(p, &db), SQLITE_OK);
    TU_CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A database of a later schema version is refused with a message. */
TU_TEST(store_other_schema_version_refused)
{
    char p[300], err[256] = "", msg[64];
    make_future_db(dbpath("v2.db", p, sizeof(p)), msg, sizeof(msg));
    rpt_store *s = NULL;
    TU_CHECK(rpt_store_open(p, &s, err, sizeof(err)) != 0);
    TU_CHECK(s == NULL);
    if (!strstr(err, msg))
        TU_FAILF("message \"%s\" does not say \"%s\"", err, msg);
    s = NULL;
    err[0] = 0;
    TU_CHECK(rpt_store_open_ro(p, &s, err, sizeof(err)) != 0);
    if (!strstr(err, msg))
        TU_FAILF("read-only: message \"%s\" does not say \"%s\"", err, msg);
    /* Not a database at all. */
    char txt[300];
    snprintf(txt, sizeof(txt), "%s/notes.txt", tmpdir);
    FILE *fp = fopen(txt, "w");
    if (fp) {
        fputs("this is not an SQLite database, just some text\n", fp);
        fclose(fp);
    }
    s = NULL;
    err[0] = 0;
    TU_CHECK(rpt_store_open(txt, &s, err, sizeof(err)) != 0);
    TU_CHECK(s == NULL);
    TU_CHECK(err[0] != 0);
}

/* KNOWN BUG (report/store.c open_common): the schema is created (and WAL
 * switched on) before the version is checked, so opening a database of a
 * later schema version, or some other program's SQLite file, adds our
 * tables to it - and a file without meta.schema_version is then stamped
 * version 1 and accepted.  Refusing must leave the file as it was. */
TU_TEST(store_refused_database_left_untouched)
{
    char p[300], b[512], err[256] = "", msg[64];
    sqlite3 *db = NULL;
    make_future_db(dbpath("v2b.db", p, sizeof(p)), msg, sizeof(msg));
    rpt_store *s = NULL;
    TU_CHECK(rpt_store_open(p, &s, err, sizeof(err)) != 0);
    rpt_store_close(s);
    sqlite3_open(p, &db);
    TU_CHECK_STR(qall(db, "SELECT name FROM sqlite_master ORDER BY name", b,
                      sizeof(b)),
                 "meta; sqlite_autoindex_meta_1");
    sqlite3_close(db);

    /* Another program's database: no meta table. */
    dbpath("other.db", p, sizeof(p));
    sqlite3_open(p, &db);
    sqlite3_exec(db, "CREATE TABLE contacts(name TEXT);", NULL, NULL, NULL);
    sqlite3_close(db);
    s = NULL;
    int rc = rpt_store_open(p, &s, err, sizeof(err));
    if (rc == 0)
        TU_FAILF("opened a database with a 'contacts' table and no "
                 "meta.schema_version as an evidence store");
    rpt_store_close(s);
    sqlite3_open(p, &db);
    TU_CHECK_STR(qall(db, "SELECT name FROM sqlite_master ORDER BY name", b,
                      sizeof(b)),
                 "contacts");
    sqlite3_close(db);
}

/* ---- through `analyze`: frame numbers per input, de-duplication, redo --- */

/* Write a DLT_RAW pcap of n UDP datagrams between 10.1.1.1:40000 and
 * 10.1.1.2:9000 (even-numbered ones from the client); t0 sets the clock. */
static int write_pcap(const char *path, int n, int64_t t0)
{
    pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
    if (!pd)
        return -1;
    pcap_dumper_t *d = pcap_dump_open(pd, path);
    if (!d) {
        pcap_close(pd);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        uint8_t pk[28 + 12];
        memset(pk, 0, sizeof(pk));
        int c2s = i % 2 == 0;
        pk[0] = 0x45;
        pk[3] = sizeof(pk);
        pk[5] = (uint8_t)i;
        pk[8] = 64;
        pk[9] = 17;
        uint8_t a[16], b[16];
        addr(a, 4, c2s ? "10.1.1.1" : "10.1.1.2");
        addr(b, 4, c2s ? "10.1.1.2" : "10.1.1.1");
        memcpy(pk + 12, a, 4);
        memcpy(pk + 16, b, 4);
        uint16_t sp = c2s ? 40000 : 9000, dp = c2s ? 9000 : 40000;
        pk[20] = (uint8_t)(sp >> 8);
        pk[21] = (uint8_t)sp;
        pk[22] = (uint8_t)(dp >> 8);
        pk[23] = (uint8_t)dp;
        pk[25] = 8 + 12;
        memcpy(pk + 28, "hello world!", 12);
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        int64_t t = t0 + (int64_t)i * 250000;
        h.ts.tv_sec = (time_t)(t / 1000000);
        h.ts.tv_usec = (suseconds_t)(t % 1000000);
        h.caplen = h.len = sizeof(pk);
        pcap_dump((u_char *)d, &h, pk);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    return 0;
}

static int run_analyze(const char *db, const char *const *files, int nf)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"analyze";
    argv[argc++] = (char *)"-q";
    argv[argc++] = (char *)"--rules";
    argv[argc++] = (char *)"rules";
    argv[argc++] = (char *)"-o";
    argv[argc++] = (char *)db;
    for (int i = 0; i < nf && argc < 15; i++)
        argv[argc++] = (char *)files[i];
    argv[argc] = NULL;
    fflush(stdout);
    return cap_cmd_analyze(argc, argv);
}

TU_TEST(analyze_frames_restart_per_input_and_dedup)
{
    char p[300], fa[300], fb[300], fc[300], b[2048];
    dbpath("an.db", p, sizeof(p));
    snprintf(fa, sizeof(fa), "%s/a.pcap", tmpdir);
    snprintf(fb, sizeof(fb), "%s/b.pcap", tmpdir);
    snprintf(fc, sizeof(fc), "%s/a-copy.pcap", tmpdir);
    if (write_pcap(fa, 3, T0) || write_pcap(fb, 2, T0 + S(3600)) ||
        write_pcap(fc, 3, T0)) {
        TU_FAILF("cannot write test pcaps in %s", tmpdir);
        return;
    }
    const char *files[3] = { fa, fb, fc };
    TU_CHECK_INT(run_analyze(p, files, 3), 0);
    sqlite3 *db = NULL;
    sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL);
    TU_CHECK_STR(qall(db,
                      "SELECT name, packets, ip_packets, flows, first_ts_us, "
                      "last_ts_us, status, linktype_name FROM inputs ORDER BY id",
                      b, sizeof(b)),
                 "a.pcap|3|3|1|1600000000000000|1600000000500000|complete|RAW; "
                 "b.pcap|2|2|1|1600003600000000|1600003600250000|complete|RAW");
    TU_CHECK_STR(qall(db,
                      "SELECT i.name, f.flow_seq, f.src_ip, f.src_port, "
                      "f.dest_ip, f.dest_port, f.first_frame, f.last_frame, "
                      "f.pkts_toserver, f.pkts_toclient, f.bytes_toserver, "
                      "f.bytes_toclient, f.first_ts_us, f.last_ts_us, "
                      "f.end_reason FROM flows f JOIN inputs i ON "
                      "i.id = f.input_id ORDER BY f.id",
                      b, sizeof(b)),
                 "a.pcap|1|10.1.1.1|40000|10.1.1.2|9000|1|3|2|1|80|40|"
                 "1600000000000000|1600000000500000|eof; "
                 "b.pcap|1|10.1.1.1|40000|10.1.1.2|9000|1|2|1|1|40|40|"
                 "1600003600000000|1600003600250000|eof");
    sqlite3_close(db);
    /* Analysing the same files again changes nothing. */
    TU_CHECK_INT(run_analyze(p, files, 2), 0);
    sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL);
    TU_CHECK_STR(q1(db, "SELECT count(*) || '/' || max(id) FROM inputs", b,
                    sizeof(b)),
                 "2/2");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM flows", b, sizeof(b)), "2");
    sqlite3_close(db);
}

/* Real fixtures with TLS, DNS and HTTP rows: mark every input as
 * interrupted and analyse again; everything is redone exactly once, with
 * the foreign keys intact. */
TU_TEST(analyze_redo_interrupted_fixtures)
{
    static const char *const files[4] = { "pcaps/tls_long_cert.pcap",
                                          "pcaps/selfsigned.pcap",
                                          "pcaps/dns.pcap",
                                          "pcaps/http.pcapng" };
    for (int i = 0; i < 4; i++)
        if (access(files[i], R_OK) != 0) {
            TU_FAILF("%s not readable (run from the repository root)",
                     files[i]);
            return;
        }
    static const char COUNTS[] =
        "SELECT (SELECT count(*) FROM inputs) || ' ' || (SELECT count(*) FROM "
        "flows) || ' ' || (SELECT count(*) FROM tls) || ' ' || (SELECT "
        "count(*) FROM tls_certs) || ' ' || (SELECT count(*) FROM dns) || ' ' "
        "|| (SELECT count(*) FROM dns_answers) || ' ' || (SELECT count(*) "
        "FROM http)";
    char p[300], first[256], b[512];
    dbpath("redo.db", p, sizeof(p));
    TU_CHECK_INT(run_analyze(p, files, 4), 0);
    sqlite3 *db = NULL;
    sqlite3_open(p, &db);
    q1(db, COUNTS, first, sizeof(first));
    unsigned ni, nf, nt, nc, nd, na, nh;
    if (sscanf(first, "%u %u %u %u %u %u %u", &ni, &nf, &nt, &nc, &nd, &na,
               &nh) != 7 ||
        ni != 4 || !nf || !nt || !nc || !nd || !na || !nh)
        TU_FAILF("counts after the first run: %s (want 4 inputs and rows in "
                 "every table)",
                 first);
    TU_CHECK_INT(sqlite3_exec(db, "UPDATE inputs SET status='analysing'", NULL,
                              NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    TU_CHECK_INT(run_analyze(p, files, 4), 0);
    sqlite3_open(p, &db);
    TU_CHECK_STR(q1(db, COUNTS, b, sizeof(b)), first);
    TU_CHECK_STR(qall(db, "SELECT name, status FROM inputs ORDER BY name", b,
                      sizeof(b)),
                 "dns.pcap|complete; http.pcapng|complete; "
                 "selfsigned.pcap|complete; tls_long_cert.pcap|complete");
    /* Nothing is left that points at a deleted input or flow. */
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM flows WHERE input_id NOT IN "
                        "(SELECT id FROM inputs)",
                    b, sizeof(b)),
                 "0");
    TU_CHECK_STR(qall(db, "PRAGMA foreign_key_check", b, sizeof(b)), "");
    TU_CHECK_STR(q1(db, "PRAGMA integrity_check", b, sizeof(b)), "ok");
    sqlite3_close(db);
}

static void rm_tmpdir(void)
{
    static const char *const names[] = { "schema.db", "rows.db", "times.db",
                                         "dup.db",
                                         "killed.db", "v2.db", "v2b.db",
                                         "other.db", "an.db", "redo.db" };
    char p[300];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        dbpath(names[i], p, sizeof(p));
    static const char *const files[] = { "a.pcap", "b.pcap", "a-copy.pcap",
                                         "notes.txt" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

int main(void)
{
    if (tu_tmp_template(tmpdir, sizeof(tmpdir), "test_store") != 0 ||
        !mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    setenv("TZ", "UTC", 1);
    tzset();
    TU_RUN(community_id_tcp_udp_both_ways);
    TU_RUN(community_id_sctp_and_portless);
    TU_RUN(community_id_icmp_client_first);
    TU_RUN(community_id_flows_either_side_first);
    TU_RUN(community_id_icmp_server_sent_first);
    TU_RUN(fmt_ts_rfc3339_utc_micro);
    TU_RUN(fmt_ts_short_buffer);
    TU_RUN(store_schema_wal_integrity_reopen);
    TU_RUN(store_keeps_page_size_of_existing_file);
    TU_RUN(store_input_and_flow_rows);
    TU_RUN(store_flow_times_are_frame_times);
    TU_RUN(store_same_sha256_not_duplicated);
    TU_RUN(store_interrupted_input_redone);
    TU_RUN(store_unhashed_input_held_until_hashed);
    TU_RUN(store_other_schema_version_refused);
    TU_RUN(store_refused_database_left_untouched);
    TU_RUN(analyze_frames_restart_per_input_and_dedup);
    TU_RUN(analyze_redo_interrupted_fixtures);
    rm_tmpdir();
    /* Last: undefined behaviour today, UBSan stops the program here. */
    TU_RUN(fmt_ts_int64_min);
    return tu_finish();
}
