/* test_cleartext.c - dissect/cleartext.c: HTTP requests framed per RFC 9112
 * from the client's byte stream in TCP order, payload prefixes, caps, the
 * nDPI encrypted-protocol list, and the stored rows of real fixtures against
 * tshark's "Follow TCP stream" (client side).
 */
#define _DEFAULT_SOURCE
#include "tu.h"

#include "dissect/cleartext.h"
#include "dissect/flow.h"
#include "dissect/tls.h"
#include "capture/cli.h"

#include <ndpi/ndpi_api.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

static dis_flow *tcp_flow(uint32_t isn)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        return NULL;
    f->ipver = 4;
    f->l4 = 6;
    f->isn_valid[0] = 1;
    f->isn[0] = isn;
    return f;
}

/* Client segment: seq is relative to the ISN (1 = first data byte). */
static int seg(dis_flow *f, uint64_t frame, uint32_t rel, const char *data,
               size_t n)
{
    dis_pkt p;
    memset(&p, 0, sizeof(p));
    p.frame = frame;
    p.ts_us = 1600000000000000LL + (int64_t)frame;
    p.l4 = f->l4;
    p.seq = f->isn[0] + rel;
    p.tcp_flags = 0x10;
    p.payload = (const uint8_t *)data;
    p.payload_len = n;
    return dis_clear_packet(f, &p, 0);
}

static int seg_s(dis_flow *f, uint64_t frame, uint32_t rel, const char *s)
{
    return seg(f, frame, rel, s, strlen(s));
}

static int chunks(dis_flow *f, dis_clear_chunk *c, int max)
{
    return dis_clear_chunks(f, c, max);
}

static int chunk_is(const dis_clear_chunk *c, const char *s)
{
    return c->len == strlen(s) && !memcmp(c->data, s, c->len);
}

#define R1 "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"
#define R2 "POST /b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\n0123456789"
#define R3 "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"

TU_TEST(http_requests_framed_in_order)
{
    dis_flow *f = tcp_flow(1000);
    if (!f)
        return;
    const char *all = R1 R2 R3;
    size_t n = strlen(all), a = strlen(R1) + 20, b = strlen(R1 R2) + 7;
    /* Pipelined, split at odd places; the middle piece arrives after the
     * last one (out of order) and the first is retransmitted. */
    TU_CHECK_INT(seg(f, 3, 1, all, a), 0);
    TU_CHECK_INT(seg(f, 4, 1 + (uint32_t)b, all + b, n - b), 0);
    TU_CHECK_INT(seg(f, 5, 1, "XXXXXXXXXX", 10), 0);   /* overlapping junk */
    TU_CHECK_INT(seg(f, 6, 1 + (uint32_t)a, all + a, b - a), 0);
    dis_clear_chunk c[8];
    int k = chunks(f, c, 8);
    TU_CHECK_INT(k, 3);
    if (k == 3) {
        TU_CHECK(chunk_is(&c[0], R1));
        TU_CHECK(chunk_is(&c[1], R2));
        TU_CHECK(chunk_is(&c[2], R3));
        TU_CHECK_STR(c[0].kind, "http_request");
        TU_CHECK_INT(c[0].frame, 3);
        TU_CHECK_INT(c[0].last_frame, 3);
        TU_CHECK_INT(c[1].frame, 3);          /* its head started in 3 */
        TU_CHECK_INT(c[1].last_frame, 6);     /* available once 6 came */
        TU_CHECK_INT(c[2].frame, 6);
        TU_CHECK_INT(c[2].last_frame, 6);
        TU_CHECK_INT(c[0].truncated + c[1].truncated + c[2].truncated, 0);
    }
    dis_flow_free(f);
}

TU_TEST(not_http_after_a_request_joins_previous_row)
{
    dis_flow *f = tcp_flow(7);
    if (!f)
        return;
    TU_CHECK_INT(seg_s(f, 1, 1, R1 "\r\n" "garbage that is no request"), 0);
    TU_CHECK_INT(seg_s(f, 2, 1 + (uint32_t)strlen(R1 "\r\ngarbage that is no request"), R1), 0);
    dis_clear_chunk c[4];
    int k = chunks(f, c, 4);
    TU_CHECK_INT(k, 1);   /* framing lost: everything after stays in row 1 */
    if (k == 1)
        TU_CHECK(chunk_is(&c[0], R1 "\r\ngarbage that is no request" R1));
    dis_flow_free(f);
}

TU_TEST(connect_tunnel_not_kept)
{
    dis_flow *f = tcp_flow(7);
    if (!f)
        return;
    const char *h = "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n";
    TU_CHECK_INT(seg_s(f, 1, 1, h), 0);
    TU_CHECK_INT(seg(f, 2, 1 + (uint32_t)strlen(h), "\x16\x03\x01\x00\x05hello", 10), 0);
    dis_clear_chunk c[4];
    int k = chunks(f, c, 4);
    TU_CHECK_INT(k, 1);
    if (k == 1)
        TU_CHECK(chunk_is(&c[0], h));
    dis_flow_free(f);
}

TU_TEST(row_and_flow_caps)
{
    dis_flow *f = tcp_flow(1);
    char *body = malloc(20000);
    char head[128];
    if (!f || !body) {
        free(body);
        dis_flow_free(f);
        return;
    }
    memset(body, 'x', 20000);
    int hl = snprintf(head, sizeof(head),
                      "POST /u HTTP/1.1\r\nContent-Length: 20000\r\n\r\n");
    uint32_t rel = 1;
    uint64_t fr = 1;
    /* Five uploads of 20000 bytes: rows of 16 KiB, truncated; the fifth
     * does not fit in the 64 KiB of the flow. */
    for (int i = 0; i < 5; i++) {
        seg(f, fr++, rel, head, (size_t)hl);
        rel += (uint32_t)hl;
        for (size_t o = 0; o < 20000; o += 1000) {
            seg(f, fr++, rel, body, 1000);
            rel += 1000;
        }
    }
    dis_clear_chunk c[8];
    int k = chunks(f, c, 8);
    TU_CHECK_INT(k, 4);
    size_t total = 0;
    for (int i = 0; i < k; i++) {
        TU_CHECK_INT(c[i].len, DIS_CLEAR_ROW_MAX);
        TU_CHECK_INT(c[i].truncated, 1);
        TU_CHECK(c[i].len >= (size_t)hl && !memcmp(c[i].data, head, (size_t)hl));
        total += c[i].len;
    }
    TU_CHECK(total <= DIS_CLEAR_FLOW_MAX);
    free(body);
    dis_flow_free(f);
}

TU_TEST(payload_prefix_udp_and_tcp)
{
    dis_flow *f = dis_flow_new();
    char d[1500];
    if (!f)
        return;
    f->l4 = 17;
    f->quic_no = 1;
    memset(d, 'u', sizeof(d));
    for (int i = 0; i < 4; i++) {   /* 6000 bytes: 4096 kept */
        dis_pkt p;
        memset(&p, 0, sizeof(p));
        p.frame = (uint64_t)(10 + i);
        p.l4 = 17;
        p.payload = (const uint8_t *)d;
        p.payload_len = sizeof(d);
        TU_CHECK_INT(dis_clear_packet(f, &p, i == 2), 0);  /* 3rd: server */
    }
    dis_clear_chunk c[2];
    int k = chunks(f, c, 2);
    TU_CHECK_INT(k, 1);
    if (k == 1) {
        TU_CHECK_STR(c[0].kind, "payload");
        TU_CHECK_INT(c[0].len, DIS_CLEAR_PAYLOAD_MAX);
        TU_CHECK_INT(c[0].truncated, 1);
        TU_CHECK_INT(c[0].frame, 10);
        TU_CHECK_INT(c[0].last_frame, 13);
    }
    /* nDPI names an encrypted protocol: nothing. */
    f->app_proto = "WireGuard";
    TU_CHECK_INT(chunks(f, c, 2), 0);
    /* HTTP.Google is cleartext, TLS.Google is not. */
    f->app_proto = "Google";
    f->master_proto = "HTTP";
    TU_CHECK_INT(chunks(f, c, 2), 1);
    f->master_proto = "TLS";
    TU_CHECK_INT(chunks(f, c, 2), 0);
    dis_flow_free(f);

    /* TCP, not HTTP: the first 4 KiB in sequence order. */
    f = tcp_flow(50);
    if (!f)
        return;
    seg_s(f, 2, 7, "world");
    seg_s(f, 1, 1, "hello ");
    k = chunks(f, c, 2);
    TU_CHECK_INT(k, 1);
    if (k == 1) {
        TU_CHECK(chunk_is(&c[0], "hello world"));
        TU_CHECK_STR(c[0].kind, "payload");
        TU_CHECK_INT(c[0].truncated, 0);
    }
    dis_flow_free(f);
}

TU_TEST(tls_flow_keeps_nothing)
{
    dis_flow *f = tcp_flow(1);
    if (!f)
        return;
    seg_s(f, 1, 1, "xyz abc");
    f->tls = dis_tls_new();
    dis_clear_chunk c[2];
    TU_CHECK_INT(chunks(f, c, 2), 0);
    seg_s(f, 2, 8, "more");     /* and the state is dropped */
    TU_CHECK(f->clear == NULL);
    dis_flow_free(f);
}

/* The embedded list equals what the installed nDPI says. */
TU_TEST(encrypted_list_matches_ndpi)
{
    struct ndpi_detection_module_struct *m =
        ndpi_init_detection_module(ndpi_no_prefs);
    if (!m) {
        TU_FAILF("nDPI init failed");
        return;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m, &all);
    ndpi_finalize_initialization(m);
    u_int n = ndpi_get_num_supported_protocols(m), enc = 0;
    for (u_int i = 0; i < n; i++) {
        ndpi_protocol p;
        memset(&p, 0, sizeof(p));
        p.app_protocol = (u_int16_t)i;
        const char *name = ndpi_get_proto_name(m, (u_int16_t)i);
        int want = ndpi_is_encrypted_proto(m, p) != 0;
        enc += (u_int)want;
        if (dis_clear_encrypted_name(name) != want)
            TU_FAILF("%s: nDPI says %d", name, want);
    }
    TU_CHECK(enc > 50);
    TU_CHECK(dis_clear_encrypted_name("TLS") && dis_clear_encrypted_name("QUIC") &&
             !dis_clear_encrypted_name("HTTP") && !dis_clear_encrypted_name("Unknown"));
    ndpi_exit_detection_module(m);
}

/* ---- fixtures against tshark ------------------------------------------ */

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Client bytes of TCP stream `stream` of file, as tshark follows it (lines
 * not indented by a tab are Node 0's), and Node 0's port. */
static size_t tshark_client(const char *file, int stream, uint8_t *out,
                            size_t cap, int *port)
{
    char cmd[512], line[1 << 16];
    snprintf(cmd, sizeof(cmd),
             "tshark -r '%s' -q -z follow,tcp,raw,%d 2>/dev/null", file,
             stream);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    *port = -1;
    if (!p)
        return 0;
    int in_data = 0;
    while (fgets(line, sizeof(line), p)) {
        if (!strncmp(line, "Node 0: ", 8)) {
            char *c = strrchr(line, ':');
            *port = c ? atoi(c + 1) : -1;
            continue;
        }
        if (!strncmp(line, "Node 1: ", 8)) {
            in_data = 1;
            continue;
        }
        if (!in_data || line[0] == '\t' || line[0] == '=')
            continue;
        for (char *c = line; hexval(c[0]) >= 0 && hexval(c[1]) >= 0; c += 2)
            if (n < cap)
                out[n++] = (uint8_t)(hexval(c[0]) * 16 + hexval(c[1]));
    }
    pclose(p);
    return n;
}

static const char *const FIXTURES[] = {
    "pcaps/http.pcapng", "pcaps/hls.pcapng",
    "pcaps/http_origin_different_than_host.pcap", "pcaps/iphone.pcap",
};

TU_TEST(fixture_rows_equal_tshark_follow)
{
    char db[128];
    snprintf(db, sizeof(db), "%s/fx.db", tmpdir);
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"analyze";
    argv[argc++] = (char *)"-q";
    argv[argc++] = (char *)"--rules";
    argv[argc++] = (char *)"rules";
    argv[argc++] = (char *)"-o";
    argv[argc++] = db;
    for (size_t i = 0; i < sizeof(FIXTURES) / sizeof(FIXTURES[0]); i++)
        argv[argc++] = (char *)FIXTURES[i];
    argv[argc] = NULL;
    fflush(stdout);
    TU_CHECK_INT(cap_cmd_analyze(argc, argv), 0);
    sqlite3 *d = NULL;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        TU_FAILF("cannot open %s", db);
        return;
    }
    /* Every flow with http_request rows, in every fixture: the rows in
     * order are the client's stream (prefix up to the flow cap). */
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(d,
        "SELECT i.path, f.src_port, f.id FROM flows f JOIN inputs i ON "
        "i.id = f.input_id WHERE EXISTS (SELECT 1 FROM cleartext c WHERE "
        "c.flow_id = f.id AND c.kind = 'http_request') ORDER BY f.id",
        -1, &q, NULL);
    static uint8_t want[DIS_CLEAR_FLOW_MAX], got[DIS_CLEAR_FLOW_MAX];
    int checked = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(q, 0);
        int sport = sqlite3_column_int(q, 1);
        int64_t fid = sqlite3_column_int64(q, 2);
        /* Find the tshark stream whose Node 0 has our client port. */
        size_t wn = 0;
        int port = -1, found = 0;
        for (int s = 0; s < 64 && !found; s++) {
            wn = tshark_client(path, s, want, sizeof(want), &port);
            if (port < 0)
                break;
            found = port == sport;
        }
        if (!found) {
            TU_FAILF("%s: no tshark stream from port %d", path, sport);
            continue;
        }
        size_t gn = 0;
        sqlite3_stmt *r = NULL;
        sqlite3_prepare_v2(d, "SELECT data FROM cleartext WHERE flow_id = ?1 "
                              "ORDER BY id", -1, &r, NULL);
        sqlite3_bind_int64(r, 1, fid);
        while (r && sqlite3_step(r) == SQLITE_ROW) {
            size_t l = (size_t)sqlite3_column_bytes(r, 0);
            if (gn + l <= sizeof(got))
                memcpy(got + gn, sqlite3_column_blob(r, 0), l);
            gn += l;
        }
        sqlite3_finalize(r);
        if (gn == 0 || gn > wn || memcmp(got, want, gn) != 0 ||
            (wn <= DIS_CLEAR_ROW_MAX && gn != wn))
            TU_FAILF("%s port %d: %zu stored bytes, tshark follows %zu, "
                     "not a prefix / not equal", path, sport, gn, wn);
        checked++;
    }
    sqlite3_finalize(q);
    TU_CHECK(checked >= 4);   /* http, hls, origin, iphone: one each */
    /* And the TLS flows of iphone.pcap left no row. */
    char b[64] = "";
    sqlite3_prepare_v2(d, "SELECT count(*) FROM cleartext c JOIN tls t ON "
                          "t.flow_id = c.flow_id", -1, &q, NULL);
    if (q && sqlite3_step(q) == SQLITE_ROW)
        snprintf(b, sizeof(b), "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    TU_CHECK_STR(b, "0");
    sqlite3_close(d);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/meetaudit-clear.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL cleartext: cannot create a temporary directory\n");
        return 1;
    }
    TU_RUN(http_requests_framed_in_order);
    TU_RUN(not_http_after_a_request_joins_previous_row);
    TU_RUN(connect_tunnel_not_kept);
    TU_RUN(row_and_flow_caps);
    TU_RUN(payload_prefix_udp_and_tcp);
    TU_RUN(tls_flow_keeps_nothing);
    TU_RUN(encrypted_list_matches_ndpi);
    if (system("tshark -v >/dev/null 2>&1") != 0)
        printf("SKIP fixture_rows_equal_tshark_follow: tshark not installed\n");
    else
        TU_RUN(fixture_rows_equal_tshark_follow);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return tu_finish();
}
