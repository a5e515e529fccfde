/* test_store_tls.c - unit tests for report/store_tls.c: the TLS tables of
 * the evidence store (schema version 2), the rows a real handshake
 * produces (traceable to frames), NULL for what was not observed, and the
 * in-place upgrade of a version-1 database.
 *
 * The handshake is the one in pcaps/selfsigned.pcap (values cross-checked
 * against tshark/openssl in test_tls_cert.c): ClientHello in frame 5,
 * ServerHello + Certificate in frame 7.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "../../dissect/flow.h"
#include "../../report/store.h"
#include "tls_build.h"
#include "tu.h"
#include "sqlq.h"

static char tmpdir[128];

/* A TCP flow carrying the selfsigned.pcap handshake. */
static dis_flow *tls_flow(void)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        return NULL;
    f->ipver = 4;
    f->l4 = 6;
    f->cli_ip[0] = 127;
    f->cli_ip[3] = 1;
    f->srv_ip[0] = 127;
    f->srv_ip[3] = 1;
    f->cli_port = 51607;
    f->srv_port = 3001;
    f->d[0].pkts = 10;
    f->d[0].first_frame = 1;
    f->d[0].last_frame = 20;
    f->tls = dis_tls_new();
    if (!f->tls || feed_pcap(f->tls, "pcaps/selfsigned.pcap", 3001) <= 0) {
        dis_tls_free(f->tls);
        free(f);
        return NULL;
    }
    /* One alert as DTLS would report it, to fill tls_alerts. */
    dis_tls_alert(f->tls, 1, 2, 42, 19);
    return f;
}

TU_TEST(tls_rows_traceable)
{
    char p[300], b[2048], err[256] = "";
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/rows.db", tmpdir);
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    dis_flow *f = tls_flow();
    TU_CHECK(s && f);
    if (!s || !f)
        goto out;
    TU_CHECK_INT(store_one(s, "aa", f), 0);
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'",
                    b, sizeof(b)), "3");
    TU_CHECK_STR(q1(db, "SELECT ch_frame || ' ' || sh_frame || ' ' || "
                        "cert_frame || ' ' || cert_ts_us || ' ' || transport "
                        "FROM tls", b, sizeof(b)),
                 "5 7 7 1588921646482756 tcp");
    TU_CHECK_STR(q1(db, "SELECT ja4 FROM tls", b, sizeof(b)),
                 "t12d6707h2_2955a3196ffa_c83f907a73d3");
    TU_CHECK_STR(q1(db, "SELECT alpn || client_versions FROM tls", b,
                    sizeof(b)), "[\"h2\",\"http/1.1\"][]");
    TU_CHECK_STR(q1(db, "SELECT json_array_length(ciphers) || ' ' || "
                        "json_extract(ciphers, '$[0]') FROM tls", b,
                    sizeof(b)), "67 52244");    /* tshark: 0xcc14 first */
    /* Not observed: no HRR group, no ECH, no ServerHello ALPN... */
    TU_CHECK_STR(q1(db, "SELECT quote(hrr_group) || quote(ch2_frame) || "
                        "hrr || ech || certs_visible || cert_valid_at_capture"
                        " || sni_matches_cert FROM tls", b, sizeof(b)),
                 "NULLNULL00100");
    TU_CHECK_STR(q1(db, "SELECT idx || ' ' || serial || ' ' || key || ' ' ||"
                        " self_signed || ' ' || decoded || ' ' || frame || "
                        "' ' || san || ' ' || der_len FROM tls_certs", b,
                    sizeof(b)),
                 "0 916a4cd167871602 RSA 2048 1 1 7 [] 833");
    TU_CHECK_STR(q1(db, "SELECT frame || ' ' || sender || ' ' || level || "
                        "' ' || description || ' ' || description_name FROM "
                        "tls_alerts", b, sizeof(b)),
                 "19 server 2 42 bad_certificate");
    /* Analysing the same input again after an interruption replaces the
     * TLS rows instead of duplicating them. */
    sqlite3_exec(db, "UPDATE inputs SET status='analysing'", NULL, NULL, NULL);
    TU_CHECK_INT(store_one(s, "aa", f), 0);
    TU_CHECK_STR(q1(db, "SELECT (SELECT count(*) FROM tls) || (SELECT "
                        "count(*) FROM tls_certs) || (SELECT count(*) FROM "
                        "tls_alerts) || (SELECT count(*) FROM flows)", b,
                    sizeof(b)), "1111");
    TU_CHECK_STR(q1(db, "PRAGMA foreign_key_check", b, sizeof(b)), "");
out:
    if (f) {
        dis_tls_free(f->tls);
        free(f);
    }
    rpt_store_close(s);
}

/* A store at tmpdir/name into *s and an IPv4 TCP flow of one packet with
 * an empty TLS state; NULL (a failed check) when either cannot be made.
 * The caller frees the flow's TLS state and the flow, and closes *s. */
static dis_flow *store_and_tls_flow(const char *name, rpt_store **s)
{
    char p[300], err[256] = "";
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    TU_CHECK_INT(rpt_store_open(p, s, err, sizeof(err)), 0);
    dis_flow *f = dis_flow_new();
    if (f)
        f->tls = dis_tls_new();
    TU_CHECK(*s && f && f->tls);
    if (!*s || !f || !f->tls) {
        if (f)
            dis_tls_free(f->tls);
        free(f);
        return NULL;
    }
    f->ipver = 4;
    f->l4 = 6;
    f->d[0].pkts = 1;
    return f;
}

TU_TEST(no_hello_no_row)
{
    char b[64];
    rpt_store *s = NULL;
    dis_flow *f = store_and_tls_flow("empty.db", &s);
    if (!f)
        goto out;
    /* TLS-looking flow, nothing parsed */
    TU_CHECK_INT(store_one(s, "bb", f), 0);
    TU_CHECK_STR(q1(rpt_store_db(s), "SELECT count(*) FROM tls", b, sizeof(b)),
                 "0");
    dis_tls_free(f->tls);
out:
    free(f);
    rpt_store_close(s);
}

/* The JSON arrays are written in place (store_tls.c): a quote and a
 * backslash in an ALPN value are escaped, the list of codes keeps wire
 * order, GREASE and the extremes 0 and 65535, and both are valid JSON. */
TU_TEST(json_arrays_escaped_and_whole)
{
    char b[512];
    rpt_store *s = NULL;
    static const uint16_t cs[] = { 0, 0x0a0a, 65535, 4865, 10, 100 };
    static const char *const alpn[] = { "a\"b\\c", "h2" };
    buf ex = { .n = 0 }, ch = { .n = 0 }, rec = { .n = 0 };
    uint64_t frame = 0;
    dis_flow *f = store_and_tls_flow("json.db", &s);
    if (!f)
        goto out;
    ext_alpn(&ex, alpn, 2);
    client_hello(&ch, 0x0303, cs, 6, &ex);
    record(&rec, 22, ch.b, ch.n);
    feed(f->tls, 0, 1000, rec.b, rec.n, 7, &frame);
    TU_CHECK_INT(store_one(s, "cc", f), 0);
    sqlite3 *db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT alpn FROM tls", b, sizeof(b)),
                 "[\"a\\\"b\\\\c\",\"h2\"]");
    TU_CHECK_STR(q1(db, "SELECT ciphers FROM tls", b, sizeof(b)),
                 "[0,2570,65535,4865,10,100]");
    TU_CHECK_STR(q1(db, "SELECT json_valid(alpn) || json_valid(ciphers) || "
                        "json_extract(alpn, '$[0]') FROM tls", b, sizeof(b)),
                 "11a\"b\\c");
    dis_tls_free(f->tls);
out:
    free(f);
    rpt_store_close(s);
}

/* The version-1 layout of the TLS tables (git history, schema v1). */
static const char V1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "INSERT INTO meta VALUES('schema_version','1');"
    "CREATE TABLE tls(flow_id INTEGER PRIMARY KEY, sni TEXT, version TEXT,"
    " cipher TEXT, alpn TEXT, ja3 TEXT, ja3_raw TEXT, ja3s TEXT,"
    " ja3s_raw TEXT, client_version TEXT, ch_frame INTEGER,"
    " sh_frame INTEGER);"
    "INSERT INTO tls(flow_id, sni) VALUES(77, 'old.example');"
    "CREATE TABLE tls_certs(flow_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " subject TEXT, issuer TEXT, sha1 TEXT, sha256 TEXT,"
    " PRIMARY KEY(flow_id, idx));";

TU_TEST(version1_upgraded_in_place)
{
    char p[300], b[256], err[256] = "";
    sqlite3 *db = NULL;
    rpt_store *s = NULL;
    snprintf(p, sizeof(p), "%s/v1.db", tmpdir);
    TU_CHECK_INT(sqlite3_open(p, &db), SQLITE_OK);
    TU_CHECK_INT(sqlite3_exec(db, V1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* Read-only: refused, with the way out in the message. */
    TU_CHECK(rpt_store_open_ro(p, &s, err, sizeof(err)) != 0);
    TU_CHECK(strstr(err, "schema version 1") && strstr(err, "upgrade"));
    s = NULL;
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    if (!s)
        return;
    db = rpt_store_db(s);
    TU_CHECK_STR(q1(db, "SELECT value FROM meta WHERE key='schema_version'",
                    b, sizeof(b)), "3");
    TU_CHECK_STR(q1(db, "SELECT sni || ' ' || quote(ja4) || ' ' || "
                        "quote(certs_visible) FROM tls WHERE flow_id=77", b,
                    sizeof(b)), "old.example NULL NULL");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM pragma_table_info('tls_certs')"
                        " WHERE name IN ('serial','san','frame')", b,
                    sizeof(b)), "3");
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM tls_alerts", b, sizeof(b)), "0");
    /* Version 1 goes straight to 3: the version-3 tables exist. */
    TU_CHECK_STR(q1(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                        "('cleartext','ndpi_tls','cleartext_flow')", b,
                    sizeof(b)), "3");
    rpt_store_close(s);
    /* Opening again does not upgrade twice. */
    s = NULL;
    TU_CHECK_INT(rpt_store_open(p, &s, err, sizeof(err)), 0);
    rpt_store_close(s);
    s = NULL;
    TU_CHECK_INT(rpt_store_open_ro(p, &s, err, sizeof(err)), 0);
    rpt_store_close(s);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/meetaudit-store-tls.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL store_tls: cannot create a temporary directory\n");
        return 1;
    }
    TU_RUN(tls_rows_traceable);
    TU_RUN(no_hello_no_row);
    TU_RUN(json_arrays_escaped_and_whole);
    TU_RUN(version1_upgraded_in_place);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return tu_finish();
}
