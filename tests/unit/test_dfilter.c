/* test_dfilter.c - unit tests for report/dfilter.c: Wireshark display
 * filters (wireshark-filter(4), Wireshark 4.0 field names) for flows of the
 * evidence database.  Flows are rows written here by SQL into a database
 * made by rpt_store_open() (the real schema) plus the finding tables of the
 * audit design (findings, finding_flows).  tests/extract.sh applies the
 * filters of every flow of pcaps/zoom.pcap and pcaps/teams.pcap with
 * tshark and compares the frames selected with our flow table's.
 */
#define _DEFAULT_SOURCE
#include "tu.h"

#include "report/dfilter.h"
#include "report/store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char dbpath[256];
static rpt_store *st;
static sqlite3 *db;

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        printf("    sql error: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
    }
}

static int setup(void)
{
    snprintf(dbpath, sizeof(dbpath), "%s/meetaudit-dfilter-%ld.db",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    unlink(dbpath);
    char err[256];
    if (rpt_store_open(dbpath, &st, err, sizeof(err)) != 0) {
        printf("FAIL setup: %s\n", err);
        return -1;
    }
    db = rpt_store_db(st);
    /* the audit design's NOT NULL columns, so that the inserts below also
     * work once the store creates the real table (schema version 3) */
    exec("CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY, "
         "run_id INTEGER NOT NULL, finding_key TEXT NOT NULL, service TEXT "
         "NOT NULL, kind TEXT NOT NULL, verdict TEXT NOT NULL, severity TEXT "
         "NOT NULL, scope TEXT NOT NULL, attribution TEXT NOT NULL, reason "
         "TEXT NOT NULL);"
         "CREATE TABLE IF NOT EXISTS finding_flows(finding_id, flow_id, "
         "PRIMARY KEY(finding_id, flow_id));"
         "INSERT INTO inputs(id, path, name, sha256, status) VALUES"
         " (1, 'a.pcap', 'a.pcap', 'aa', 'complete'),"
         " (2, 'b.pcap', 'b.pcap', 'bb', 'complete');"
         "INSERT INTO flows(id, input_id, flow_seq, proto, ip_version, vlan,"
         " src_ip, src_port, dest_ip, dest_port, first_frame, last_frame)"
         " VALUES"
         " (1, 1, 1, 'tcp', 4, 0, '192.168.1.117', 54864, '52.202.62.238',"
         "  443, 25, 85),"
         " (2, 1, 2, 'udp', 6, 10, '2001:DB8:0:0::1', 5353, 'ff02::fb', 5353,"
         "  3, 9),"
         " (3, 1, 3, 'icmp', 4, 0, '162.255.38.14', NULL, '192.168.1.117',"
         "  NULL, 83, 87),"
         " (4, 2, 1, 'gre', 4, 0, '10.0.0.1', NULL, '10.0.0.2', NULL, 1, 2),"
         " (5, 2, 2, '47', 6, 0, '::1', NULL, '::2', NULL, 4, 4),"
         " (6, 2, 3, 'icmpv6', 6, 0, 'fe80::1', NULL, 'fe80::2', NULL, 5, 6),"
         " (7, 1, 4, 'tcp', 4, 0, '1.2.3.4 || frame', 1, '5.6.7.8', 2, 1, 1),"
         " (8, 1, 5, 'tcp', 4, 0, '1.2.3.4', 70000, '5.6.7.8', 2, 1, 1),"
         " (9, 1, 6, 'tcp', 4, 0, '1.2.3.4', 1, '5.6.7.8', 2, 0, 1),"
         " (10, 1, 7, 'sctp', 4, 0, '1.2.3.4', 7, '5.6.7.8', 7, 9, 3),"
         " (11, 1, 8, 'sctp', 4, 0, '192.168.170.8', 7, '192.168.170.56', 7,"
         "  1, 30);"
         "INSERT INTO findings(id, run_id, finding_key, service, kind, "
         "verdict, severity, scope, attribution, reason) VALUES"
         " (1, 1, 'k1', 'zoom', 'third_party', 'omitted', 'medium', "
         "  'session', 'session', 'r'),"
         " (2, 1, 'k2', 'zoom', 'third_party', 'omitted', 'medium', "
         "  'session', 'session', 'r'),"
         " (3, 1, 'k3', 'zoom', 'third_party', 'omitted', 'medium', "
         "  'session', 'session', 'r');"
         "INSERT INTO finding_flows(finding_id, flow_id) VALUES"
         " (1, 4), (1, 1), (1, 3), (3, 8);");
    return 0;
}

#define F_TCP1                                                              \
    "(ip.addr==192.168.1.117 && ip.addr==52.202.62.238 && "                \
    "((tcp.port==54864 && tcp.port==443 && !icmp) || (ip.proto==6 && "     \
    "(ip.flags.mf==1 || ip.frag_offset>0))) && frame.number>=25 && "       \
    "frame.number<=85)"
#define F_ICMP3                                                             \
    "(ip.addr==162.255.38.14 && ip.addr==192.168.1.117 && icmp && "        \
    "frame.number>=83 && frame.number<=87)"
#define F_GRE4                                                              \
    "(ip.addr==10.0.0.1 && ip.addr==10.0.0.2 && ip.proto==47 && "          \
    "frame.number>=1 && frame.number<=2)"

static char *flows1(int64_t id)
{
    return rpt_display_filter_flows(db, &id, 1);
}

TU_TEST(tcp_v4_both_directions_and_fragments)
{
    char *f = flows1(1);
    TU_CHECK_STR(f, F_TCP1);
    free(f);
}

TU_TEST(udp_v6_vlan_canonical_address)
{
    char *f = flows1(2);
    TU_CHECK_STR(f, "(ipv6.addr==2001:db8::1 && ipv6.addr==ff02::fb && "
                    "((udp.port==5353 && udp.port==5353 && !icmpv6) || "
                    "ipv6.fraghdr.nxt==17) && vlan.id==10 && "
                    "frame.number>=3 && frame.number<=9)");
    free(f);
}

TU_TEST(icmp_and_other_protocols)
{
    char *f = flows1(3);
    TU_CHECK_STR(f, F_ICMP3);
    free(f);
    f = flows1(4);
    TU_CHECK_STR(f, F_GRE4);
    free(f);
    f = flows1(5);
    TU_CHECK_STR(f, "(ipv6.addr==::1 && ipv6.addr==::2 && ipv6.nxt==47 && "
                    "frame.number>=4 && frame.number<=4)");
    free(f);
    f = flows1(6);
    TU_CHECK_STR(f, "(ipv6.addr==fe80::1 && ipv6.addr==fe80::2 && icmpv6 "
                    "&& frame.number>=5 && frame.number<=6)");
    free(f);
    f = flows1(11);
    TU_CHECK_STR(f, "(ip.addr==192.168.170.8 && ip.addr==192.168.170.56 && "
                    "((sctp.port==7 && sctp.port==7 && !icmp) || "
                    "(ip.proto==132 && (ip.flags.mf==1 || "
                    "ip.frag_offset>0))) && frame.number>=1 && "
                    "frame.number<=30)");
    free(f);
}

TU_TEST(refuses_unchecked_rows)
{
    /* an address that is not an address, a port out of range, frame 0,
     * last before first, an unknown flow id */
    TU_CHECK(flows1(7) == NULL);
    TU_CHECK(flows1(8) == NULL);
    TU_CHECK(flows1(9) == NULL);
    TU_CHECK(flows1(10) == NULL);
    TU_CHECK(flows1(999) == NULL);
    int64_t ids[] = { 1, 7 };
    TU_CHECK(rpt_display_filter_flows(db, ids, 2) == NULL);
    TU_CHECK(rpt_display_filter_flows(NULL, ids, 1) == NULL);
    /* a finding naming a bad flow fails whole */
    TU_CHECK(rpt_display_filter(db, 3) == NULL);
}

TU_TEST(several_flows_sorted_and_deduplicated)
{
    int64_t ids[] = { 4, 3, 1, 3 };
    char *f = rpt_display_filter_flows(db, ids, 4);
    /* input 1 (frames 25.., 83..), then input 2 */
    TU_CHECK_STR(f, F_TCP1 " || " F_ICMP3 " || " F_GRE4);
    free(f);
    f = rpt_display_filter_flows(db, ids, 0);
    TU_CHECK_STR(f, "frame.number == 0");
    free(f);
}

TU_TEST(finding_filters)
{
    char *f = rpt_display_filter(db, 1);
    TU_CHECK_STR(f, F_TCP1 " || " F_ICMP3 " || " F_GRE4);
    free(f);
    f = rpt_display_filter_input(db, 1, 1);
    TU_CHECK_STR(f, F_TCP1 " || " F_ICMP3);
    free(f);
    f = rpt_display_filter_input(db, 1, 2);
    TU_CHECK_STR(f, F_GRE4);
    free(f);
    f = rpt_display_filter_input(db, 1, 3); /* no flow in that input */
    TU_CHECK_STR(f, "frame.number == 0");
    free(f);
    f = rpt_display_filter(db, 2); /* a finding without flows */
    TU_CHECK_STR(f, "frame.number == 0");
    free(f);
    TU_CHECK(rpt_display_filter(db, 42) == NULL); /* no such finding */
}

TU_TEST(no_finding_tables)
{
    char err[256];
    rpt_store *s2 = NULL;
    char p[300];
    snprintf(p, sizeof(p), "%s.2", dbpath);
    unlink(p);
    TU_CHECK_INT(rpt_store_open(p, &s2, err, sizeof(err)), 0);
    if (s2) {
        sqlite3 *d2 = rpt_store_db(s2);
        TU_CHECK(rpt_display_filter(d2, 1) == NULL);
        rpt_store_close(s2);
    }
    unlink(p);
    snprintf(p, sizeof(p), "%s.2-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof(p), "%s.2-shm", dbpath);
    unlink(p);
}

int main(void)
{
    if (setup() != 0)
        return 1;
    TU_RUN(tcp_v4_both_directions_and_fragments);
    TU_RUN(udp_v6_vlan_canonical_address);
    TU_RUN(icmp_and_other_protocols);
    TU_RUN(refuses_unchecked_rows);
    TU_RUN(several_flows_sorted_and_deduplicated);
    TU_RUN(finding_filters);
    TU_RUN(no_finding_tables);
    rpt_store_close(st);
    char p[300];
    unlink(dbpath);
    snprintf(p, sizeof(p), "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", dbpath);
    unlink(p);
    return tu_finish();
}
