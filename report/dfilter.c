/* dfilter.c - Wireshark display filters that isolate the packets of flows
 * (syntax: wireshark-filter(4), Wireshark 4.0 field names).
 *
 * Invariants
 * ----------
 * - One clause per flow, in the order (input, first frame, flow id); the
 *   clauses are joined with "||".  A clause is exact for the frames our
 *   flow table (dissect/flow.c) gave the flow, and says:
 *     addresses   ip.addr==A && ip.addr==B (ipv6.addr for IPv6): both
 *                 directions, since ip.addr matches source or destination;
 *     transport   tcp/udp/sctp: "port==P && port==Q && !icmp" (the ICMP
 *                 exclusion: an ICMP error quotes the flow's headers and
 *                 Wireshark dissects the quote, but our flow table gives
 *                 ICMP packets to their own flow), or a fragment of that
 *                 transport between the two addresses (IPv4 MF flag or
 *                 offset, IPv6 fragment header): Wireshark shows the
 *                 transport header only in the reassembled last fragment,
 *                 while our table counts every fragment in the flow of the
 *                 first; icmp / icmpv6 for ICMP flows (no ports: one flow
 *                 per address pair); ip.proto / ipv6.nxt == N for others;
 *     VLAN        vlan.id==V when the flow's outer tag was V (0: untagged,
 *                 nothing added);
 *     frames      frame.number >= first && frame.number <= last: the same
 *                 5-tuple can make several flows in one input (TCP port
 *                 reuse, idle time-outs); our table never lets two of them
 *                 overlap in frames, so the guard separates them.
 *   Known over-approximations, both inside the frame range only: fragments
 *   of another datagram of the same transport between the same two
 *   addresses (the IP id is not in the database), and, for ICMP flows, an
 *   ICMP error from a third host quoting a packet between the flow's two
 *   addresses (ip.addr also matches the quoted header; a layer operator
 *   would break tunnelled flows, whose addresses are the inner ones).  Host names are never used:
 *   the SNI is only in the ClientHello and the DNS name in no packet of
 *   the flow at all.
 * - Nothing from the database reaches the filter unchecked: addresses are
 *   parsed with inet_pton() and printed back with inet_ntop() (canonical
 *   text, no other characters possible); ports, VLAN ids and frame numbers
 *   are range-checked integers; the protocol is a known name or a number.
 *   A row that fails a check makes the whole call fail (NULL).
 * - A set without flows gives "frame.number == 0": a valid filter that
 *   selects nothing (frames count from 1).  Never "", which Wireshark
 *   reads as "every packet".
 * - Frame numbers restart in every input; rpt_display_filter_input() is
 *   the filter to apply to one input file.
 */
#define _DEFAULT_SOURCE
#include "dfilter.h"
#include "strbuf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DF_NONE "frame.number == 0"


/* Canonical text of an address stored in the database, or -1. */
static int canon_ip(const unsigned char *text, int ipver, char *out,
                    size_t len)
{
    unsigned char a[16];
    int af = ipver == 6 ? AF_INET6 : AF_INET;
    if (!text || inet_pton(af, (const char *)text, a) != 1)
        return -1;
    return inet_ntop(af, a, out, (socklen_t)len) ? 0 : -1;
}

static int l4_of(const unsigned char *p)
{
    static const struct { const char *n; int v; } T[] = {
        { "icmp", 1 },  { "igmp", 2 },   { "tcp", 6 },    { "udp", 17 },
        { "gre", 47 },  { "esp", 50 },   { "ah", 51 },    { "icmpv6", 58 },
        { "ospf", 89 }, { "pim", 103 },  { "vrrp", 112 }, { "sctp", 132 },
    };
    if (!p)
        return -1;
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (!strcmp((const char *)p, T[i].n))
            return T[i].v;
    char *end;
    long v = strtol((const char *)p, &end, 10);
    return end != (const char *)p && !*end && v >= 0 && v <= 255 ? (int)v
                                                                  : -1;
}

/* Columns read per flow, in this order. */
#define FLOW_COLS                                                          \
    "f.input_id, f.first_frame, f.id, f.proto, f.ip_version, f.vlan, "    \
    "f.src_ip, f.src_port, f.dest_ip, f.dest_port, f.last_frame"

/* One flow's checked key, ready to print. */
typedef struct df_flow {
    int64_t input_id, first, last, id;
    int l4, ipver;
    long vlan, sp, dp;
    char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN];
} df_flow;

/* Read and check the current row of q (FLOW_COLS).  0, or -1 for a row
 * that fails a check. */
static int read_row(sqlite3_stmt *q, df_flow *f)
{
    f->input_id = sqlite3_column_int64(q, 0);
    f->first = sqlite3_column_int64(q, 1);
    f->id = sqlite3_column_int64(q, 2);
    f->l4 = l4_of(sqlite3_column_text(q, 3));
    f->ipver = sqlite3_column_int(q, 4);
    sqlite3_int64 vlan = sqlite3_column_int64(q, 5);
    sqlite3_int64 sp = sqlite3_column_int64(q, 7);
    sqlite3_int64 dp = sqlite3_column_int64(q, 9);
    f->last = sqlite3_column_int64(q, 10);
    if (f->l4 < 0 || (f->ipver != 4 && f->ipver != 6) || vlan < 0 ||
        vlan > 4095 || sp < 0 || sp > 65535 || dp < 0 || dp > 65535 ||
        f->first < 1 || f->last < f->first ||
        canon_ip(sqlite3_column_text(q, 6), f->ipver, f->a, sizeof(f->a)) ||
        canon_ip(sqlite3_column_text(q, 8), f->ipver, f->z, sizeof(f->z)))
        return -1;
    f->vlan = (long)vlan;
    f->sp = (long)sp;
    f->dp = (long)dp;
    return 0;
}

static void add_clause(rpt_sbuf *b, const df_flow *f)
{
    const char *ip = f->ipver == 6 ? "ipv6" : "ip";
    const char *icmp = f->ipver == 6 ? "icmpv6" : "icmp";
    int l4 = f->l4;
    rpt_sb_printf(b, "(%s.addr==%s && %s.addr==%s", ip, f->a, ip, f->z);
    if (l4 == 6 || l4 == 17 || l4 == 132) {
        const char *t = l4 == 6 ? "tcp" : l4 == 17 ? "udp" : "sctp";
        rpt_sb_printf(b, " && ((%s.port==%ld && %s.port==%ld && !%s) || ", t, f->sp,
               t, f->dp, icmp);
        if (f->ipver == 4)
            rpt_sb_printf(b, "(ip.proto==%d && (ip.flags.mf==1 || "
                      "ip.frag_offset>0)))", l4);
        else
            rpt_sb_printf(b, "ipv6.fraghdr.nxt==%d)", l4);
    } else if (l4 == 1 || l4 == 58) {
        rpt_sb_printf(b, " && %s", icmp);
    } else {
        rpt_sb_printf(b, " && %s==%d", f->ipver == 6 ? "ipv6.nxt" : "ip.proto", l4);
    }
    if (f->vlan)
        rpt_sb_printf(b, " && vlan.id==%ld", f->vlan);
    rpt_sb_printf(b, " && frame.number>=%lld && frame.number<=%lld)",
           (long long)f->first, (long long)f->last);
}

static int df_cmp(const void *pa, const void *pb)
{
    const df_flow *a = pa, *b = pb;
    if (a->input_id != b->input_id)
        return a->input_id < b->input_id ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Join the clauses of flows v[0..n) (sorted here, duplicates skipped).
 * malloc'd filter or NULL. */
static char *build(df_flow *v, size_t n)
{
    rpt_sbuf b = { 0 };
    if (n)
        qsort(v, n, sizeof(*v), df_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && v[i].id == v[i - 1].id)
            continue;
        if (k++)
            rpt_sb_printf(&b, " || ");
        add_clause(&b, &v[i]);
    }
    if (!k)
        rpt_sb_printf(&b, DF_NONE);
    if (b.err) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* Step q (bound; FLOW_COLS) to the end, appending its rows to *v.
 * Finalizes q.  0 or -1 (bad row, SQLite error, no memory). */
static int collect(sqlite3_stmt *q, df_flow **v, size_t *n, size_t *cap)
{
    int rc, bad = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            df_flow *nv = realloc(*v, nc * sizeof(*nv));
            if (!nv) {
                bad = 1;
                break;
            }
            *v = nv;
            *cap = nc;
        }
        if (read_row(q, &(*v)[*n]) != 0) {
            bad = 1;
            break;
        }
        (*n)++;
    }
    if (!bad && rc != SQLITE_DONE)
        bad = 1;
    sqlite3_finalize(q);
    return bad ? -1 : 0;
}

static int finding_exists(sqlite3 *db, int64_t finding_id)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM findings WHERE id = ?1", -1,
                           &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, finding_id);
        found = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return found;
}

static char *finding_filter(sqlite3 *db, int64_t finding_id, int one_input,
                            int64_t input_id)
{
    if (!db || !finding_exists(db, finding_id))
        return NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT " FLOW_COLS " FROM finding_flows ff JOIN flows f ON "
            "f.id = ff.flow_id WHERE ff.finding_id = ?1 AND "
            "(?2 = 0 OR f.input_id = ?3)",
            -1, &q, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return NULL;
    }
    sqlite3_bind_int64(q, 1, finding_id);
    sqlite3_bind_int(q, 2, one_input);
    sqlite3_bind_int64(q, 3, input_id);
    df_flow *v = NULL;
    size_t n = 0, cap = 0;
    char *out = collect(q, &v, &n, &cap) == 0 ? build(v, n) : NULL;
    free(v);
    return out;
}

/* The filter of finding finding_id's flows (all inputs).  Caller frees;
 * NULL when the finding does not exist or on error. */
char *rpt_display_filter(sqlite3 *db, int64_t finding_id)
{
    return finding_filter(db, finding_id, 0, 0);
}

/* The filter of finding finding_id's flows in input input_id.  Caller
 * frees; NULL when the finding does not exist or on error. */
char *rpt_display_filter_input(sqlite3 *db, int64_t finding_id,
                               int64_t input_id)
{
    return finding_filter(db, finding_id, 1, input_id);
}

/* The filter of the given flows.  Every id must name a flow (else NULL);
 * caller frees.  Duplicate ids give one clause. */
char *rpt_display_filter_flows(sqlite3 *db, const int64_t *flow_ids, size_t n)
{
    if (!db || (n && !flow_ids))
        return NULL;
    sqlite3_stmt *q = NULL;
    df_flow *v = NULL;
    size_t got = 0, cap = 0;
    char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (sqlite3_prepare_v2(db,
                               "SELECT " FLOW_COLS " FROM flows f "
                               "WHERE f.id = ?1",
                               -1, &q, NULL) != SQLITE_OK) {
            sqlite3_finalize(q);
            goto done;
        }
        sqlite3_bind_int64(q, 1, flow_ids[i]);
        size_t before = got;
        if (collect(q, &v, &got, &cap) != 0 || got != before + 1)
            goto done; /* unreadable, or no such flow */
    }
    out = build(v, got);
done:
    free(v);
    return out;
}
