/* store_tls.c - the TLS tables of the evidence store: tls (one row per flow
 * with a handshake), tls_certs (the server's chain), tls_alerts.
 * Schema version 2.  RFC 8259 (the JSON arrays kept in list columns).
 *
 * Invariants
 * ----------
 * - Only prepared statements with bound parameters; list columns hold JSON
 *   arrays built here from values the dissector already reduced to
 *   printable ASCII (strings) or integers (codes), with '"' and '\'
 *   escaped, so they are always valid JSON.
 * - NULL means "not observed": ClientHello columns are NULL without a
 *   ClientHello, ServerHello columns without a ServerHello, verdicts
 *   (certs_visible, cert_valid_at_capture, sni_matches_cert) when unknown.
 *   An empty list that was observed is "[]".
 * - Every row is traceable to frames: the hellos, the HelloRetryRequest,
 *   the second ClientHello, the Certificate message (on the tls row and on
 *   every tls_certs row) and each alert carry the frame that completed
 *   them.
 */
#include "store_tls.h"
#include "strbuf.h"
#include "dbutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char RPT_TLS_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS tls("
    " flow_id INTEGER PRIMARY KEY REFERENCES flows(id), sni TEXT,"
    " version TEXT, cipher TEXT, alpn TEXT, ja3 TEXT, ja3_raw TEXT,"
    " ja3s TEXT, ja3s_raw TEXT, client_version TEXT, ch_frame INTEGER,"
    " sh_frame INTEGER, transport TEXT, ja4 TEXT, ja4_raw TEXT, ech INTEGER,"
    " client_versions TEXT, ciphers TEXT, extensions TEXT, groups TEXT,"
    " sig_algs TEXT, key_share_groups TEXT, session_id_len INTEGER,"
    " session_ticket INTEGER, psk INTEGER, resumption INTEGER,"
    " grease INTEGER, ch_complete INTEGER, ch2_frame INTEGER, hrr INTEGER,"
    " hrr_frame INTEGER, hrr_group INTEGER, sh_extensions TEXT,"
    " server_alpn TEXT, certs_visible INTEGER, cert_frame INTEGER,"
    " cert_ts_us INTEGER, cert_valid_at_capture INTEGER,"
    " sni_matches_cert INTEGER, alerts_dropped INTEGER);"
    "CREATE TABLE IF NOT EXISTS tls_certs("
    " flow_id INTEGER NOT NULL REFERENCES flows(id), idx INTEGER NOT NULL,"
    " subject TEXT, issuer TEXT, sha1 TEXT, sha256 TEXT, serial TEXT,"
    " san TEXT, not_before TEXT, not_after TEXT, sig_alg TEXT, key TEXT,"
    " self_signed INTEGER, der_len INTEGER, decoded INTEGER, frame INTEGER,"
    " PRIMARY KEY(flow_id, idx));"
    "CREATE TABLE IF NOT EXISTS tls_alerts("
    " id INTEGER PRIMARY KEY, flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " frame INTEGER, sender TEXT, level INTEGER, description INTEGER,"
    " level_name TEXT, description_name TEXT);"
    "CREATE INDEX IF NOT EXISTS tls_alerts_flow ON tls_alerts(flow_id);"
    /* nDPI's own JA3/JA3S, kept beside ours so that a disagreement can be
     * shown (tests/oracle.py); a row only when nDPI computed one. */
    "CREATE TABLE IF NOT EXISTS ndpi_tls("
    " flow_id INTEGER PRIMARY KEY REFERENCES flows(id), ja3_client TEXT,"
    " ja3_server TEXT);";

/* Columns version 2 added to the version-1 tables. */
/* Version 1 -> 2: the columns version 2 added (a constant script). */
static const char V2_MIGRATION[] =
    "ALTER TABLE tls ADD COLUMN transport TEXT;"
    "ALTER TABLE tls ADD COLUMN ja4 TEXT;"
    "ALTER TABLE tls ADD COLUMN ja4_raw TEXT;"
    "ALTER TABLE tls ADD COLUMN ech INTEGER;"
    "ALTER TABLE tls ADD COLUMN client_versions TEXT;"
    "ALTER TABLE tls ADD COLUMN ciphers TEXT;"
    "ALTER TABLE tls ADD COLUMN extensions TEXT;"
    "ALTER TABLE tls ADD COLUMN groups TEXT;"
    "ALTER TABLE tls ADD COLUMN sig_algs TEXT;"
    "ALTER TABLE tls ADD COLUMN key_share_groups TEXT;"
    "ALTER TABLE tls ADD COLUMN session_id_len INTEGER;"
    "ALTER TABLE tls ADD COLUMN session_ticket INTEGER;"
    "ALTER TABLE tls ADD COLUMN psk INTEGER;"
    "ALTER TABLE tls ADD COLUMN resumption INTEGER;"
    "ALTER TABLE tls ADD COLUMN grease INTEGER;"
    "ALTER TABLE tls ADD COLUMN ch_complete INTEGER;"
    "ALTER TABLE tls ADD COLUMN ch2_frame INTEGER;"
    "ALTER TABLE tls ADD COLUMN hrr INTEGER;"
    "ALTER TABLE tls ADD COLUMN hrr_frame INTEGER;"
    "ALTER TABLE tls ADD COLUMN hrr_group INTEGER;"
    "ALTER TABLE tls ADD COLUMN sh_extensions TEXT;"
    "ALTER TABLE tls ADD COLUMN server_alpn TEXT;"
    "ALTER TABLE tls ADD COLUMN certs_visible INTEGER;"
    "ALTER TABLE tls ADD COLUMN cert_frame INTEGER;"
    "ALTER TABLE tls ADD COLUMN cert_ts_us INTEGER;"
    "ALTER TABLE tls ADD COLUMN cert_valid_at_capture INTEGER;"
    "ALTER TABLE tls ADD COLUMN sni_matches_cert INTEGER;"
    "ALTER TABLE tls ADD COLUMN alerts_dropped INTEGER;"
    "ALTER TABLE tls_certs ADD COLUMN serial TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN san TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN not_before TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN not_after TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN sig_alg TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN key TEXT;"
    "ALTER TABLE tls_certs ADD COLUMN self_signed INTEGER;"
    "ALTER TABLE tls_certs ADD COLUMN der_len INTEGER;"
    "ALTER TABLE tls_certs ADD COLUMN decoded INTEGER;"
    "ALTER TABLE tls_certs ADD COLUMN frame INTEGER;";

static const char SQL_INS_TLS[] =
    "INSERT INTO tls(flow_id, sni, version, cipher, alpn, ja3, ja3_raw, ja3s,"
    " ja3s_raw, client_version, ch_frame, sh_frame, transport, ja4, ja4_raw,"
    " ech, client_versions, ciphers, extensions, groups, sig_algs,"
    " key_share_groups, session_id_len, session_ticket, psk, resumption,"
    " grease, ch_complete, ch2_frame, hrr, hrr_frame, hrr_group,"
    " sh_extensions, server_alpn, certs_visible, cert_frame, cert_ts_us,"
    " cert_valid_at_capture, sni_matches_cert, alerts_dropped) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
    "?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,"
    "?36,?37,?38,?39,?40)";
static const char SQL_INS_CERT[] =
    "INSERT INTO tls_certs(flow_id, idx, subject, issuer, sha1, sha256,"
    " serial, san, not_before, not_after, sig_alg, key, self_signed,"
    " der_len, decoded, frame) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)";
static const char SQL_INS_ALERT[] =
    "INSERT INTO tls_alerts(flow_id, frame, sender, level, description,"
    " level_name, description_name) VALUES(?1,?2,?3,?4,?5,?6,?7)";
static const char SQL_DEL_ALERTS[] =
    "DELETE FROM tls_alerts WHERE flow_id IN "
    "(SELECT id FROM flows WHERE input_id = ?1)";
static const char SQL_DEL_CERTS[] =
    "DELETE FROM tls_certs WHERE flow_id IN "
    "(SELECT id FROM flows WHERE input_id = ?1)";
static const char SQL_INS_NDPI[] =
    "INSERT INTO ndpi_tls(flow_id, ja3_client, ja3_server) VALUES(?1,?2,?3)";
static const char SQL_DEL_NDPI[] =
    "DELETE FROM ndpi_tls WHERE flow_id IN "
    "(SELECT id FROM flows WHERE input_id = ?1)";
static const char SQL_DEL_TLS[] =
    "DELETE FROM tls WHERE flow_id IN "
    "(SELECT id FROM flows WHERE input_id = ?1)";

int rpt_tls_migrate_v1(sqlite3 *db)
{
    return sqlite3_exec(db, V2_MIGRATION, NULL, NULL, NULL);
}

int rpt_tls_prepare(sqlite3 *db, rpt_tls_stmts *st)
{
    struct { sqlite3_stmt **q; const char *sql; } all[] = {
        { &st->ins_tls, SQL_INS_TLS },       { &st->ins_cert, SQL_INS_CERT },
        { &st->ins_alert, SQL_INS_ALERT },   { &st->del_alerts, SQL_DEL_ALERTS },
        { &st->del_certs, SQL_DEL_CERTS },   { &st->del_tls, SQL_DEL_TLS },
        { &st->ins_ndpi, SQL_INS_NDPI },     { &st->del_ndpi, SQL_DEL_NDPI },
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int rc = sqlite3_prepare_v3(db, all[i].sql, -1,
                                    SQLITE_PREPARE_PERSISTENT, all[i].q,
                                    NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void rpt_tls_finalize(rpt_tls_stmts *st)
{
    sqlite3_finalize(st->ins_tls);
    sqlite3_finalize(st->ins_cert);
    sqlite3_finalize(st->ins_alert);
    sqlite3_finalize(st->del_alerts);
    sqlite3_finalize(st->del_certs);
    sqlite3_finalize(st->del_tls);
    sqlite3_finalize(st->ins_ndpi);
    sqlite3_finalize(st->del_ndpi);
    memset(st, 0, sizeof(*st));
}


int rpt_tls_delete_input(rpt_tls_stmts *st, int64_t input_id)
{
    sqlite3_stmt *del[] = { st->del_alerts, st->del_certs, st->del_tls,
                            st->del_ndpi };
    int rc = SQLITE_OK;
    for (size_t i = 0; i < sizeof(del) / sizeof(del[0]) && !rc; i++) {
        sqlite3_bind_int64(del[i], 1, input_id);
        rc = rpt_db_step_done(del[i]);
    }
    return rc;
}

/* ---- JSON arrays ------------------------------------------------------- */

/* A JSON array being written (rpt_sbuf, strbuf.h) and its element count
 * (for the commas). */
typedef struct jbuf {
    rpt_sbuf s;
    int n;
} jbuf;

static void jb_add(jbuf *b, const char *s, size_t n)
{
    rpt_sb_add(&b->s, s, n);
}

static void jb_open(jbuf *b)
{
    memset(b, 0, sizeof(*b));
    jb_add(b, "[", 1);
}

static void jb_sep(jbuf *b)
{
    if (b->n++)
        jb_add(b, ",", 1);
}

/* s as a JSON string: '"' and '\\' escaped, bytes outside printable ASCII
 * as '?'.  Room for the worst case (every byte escaped) is taken once. */
static void jb_str(jbuf *b, const char *s)
{
    jb_sep(b);
    char *o = rpt_sb_room(&b->s, 2 * strlen(s) + 2);
    if (!o)
        return;
    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else {
            *o++ = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
        }
    }
    *o++ = '"';
    rpt_sb_wrote(&b->s, o);
}

/* Close the array and write it down (nothing, so NULL, on allocation
 * failure); frees b. */
static void jb_put(jbuf *b, rpt_rows *r, int i)
{
    jb_add(b, "]", 1);
    if (!b->s.err && b->s.s)
        rpt_rows_textn(r, i, b->s.s, b->s.len);
    rpt_sb_free(&b->s);
    b->n = 0;
}

/* A code list as a JSON array of decimals, written in place: room for
 * the longest entry (",65535") is taken once for the whole list. */
static void put_list(rpt_rows *r, int i, const dis_tls_list *l)
{
    jbuf b;
    jb_open(&b);
    char *o = l->n > 0 ? rpt_sb_room(&b.s, (size_t)l->n * 6) : NULL;
    if (o) {
        for (int k = 0; k < l->n; k++) {
            if (k)
                *o++ = ',';
            o += dis_tls_fmt_u16(o, l->v[k], 0);
        }
        rpt_sb_wrote(&b.s, o);
    }
    jb_put(&b, r, i);
}

/* ---- rows ---------------------------------------------------------------- */

/* Empty text is stored as NULL. */
/* -1 unknown -> NULL, else 0/1. */
static void put_tri(rpt_rows *r, int i, int v)
{
    if (v >= 0)
        rpt_rows_int(r, i, v);
}

static void put_frame(rpt_rows *r, int i, int have, uint64_t frame)
{
    if (have)
        rpt_rows_int(r, i, (int64_t)frame);
}

static void render_tls(rpt_rows *r, const dis_tls_info *ti)
{
    char vbuf[16], cvbuf[16], cbuf[64];
    const int ch = ti->client_hello, sh = ti->server_hello;
    jbuf b;

    rpt_rows_row(r, RPT_ROW_TLS);
    rpt_rows_flow_id(r, 1);
    rpt_rows_text_nz(r, 2, ti->sni);
    rpt_rows_text_nz(r, 3,
                     sh && ti->version
                         ? dis_tls_version_name(ti->version, vbuf, sizeof(vbuf))
                         : NULL);
    rpt_rows_text_nz(r, 4,
                     ti->has_cipher
                         ? dis_tls_cipher_name(ti->cipher, cbuf, sizeof(cbuf))
                         : NULL);
    if (ch) {
        jb_open(&b);
        for (int i = 0; i < ti->n_alpn; i++)
            jb_str(&b, ti->alpn[i]);
        jb_put(&b, r, 5);
    }
    rpt_rows_text_nz(r, 6, ti->ja3);
    rpt_rows_text_nz(r, 7, ti->ja3_raw);
    rpt_rows_text_nz(r, 8, ti->ja3s);
    rpt_rows_text_nz(r, 9, ti->ja3s_raw);
    rpt_rows_text_nz(r, 10,
                     ch ? dis_tls_version_name(ti->client_legacy_version,
                                               cvbuf, sizeof(cvbuf))
                        : NULL);
    put_frame(r, 11, ch, ti->ch_frame);
    put_frame(r, 12, sh, ti->sh_frame);
    rpt_rows_text_nz(r, 13,
                     ti->transport == DIS_TLS_OVER_QUIC   ? "quic"
                     : ti->transport == DIS_TLS_OVER_DTLS ? "dtls"
                                                          : "tcp");
    rpt_rows_text_nz(r, 14, ti->ja4);
    rpt_rows_text_nz(r, 15, ti->ja4_raw);
    if (ch) {
        rpt_rows_int(r, 16, ti->ech);
        jb_open(&b);
        for (int i = 0; i < ti->n_client_versions; i++)
            jb_str(&b, dis_tls_version_name(ti->client_versions[i], vbuf,
                                            sizeof(vbuf)));
        jb_put(&b, r, 17);
        put_list(r, 18, &ti->ciphers);
        put_list(r, 19, &ti->extensions);
        put_list(r, 20, &ti->groups);
        put_list(r, 21, &ti->sig_algs);
        put_list(r, 22, &ti->key_share_groups);
        rpt_rows_int(r, 23, ti->session_id_len);
        rpt_rows_int(r, 24, ti->session_ticket);
        rpt_rows_int(r, 25, ti->psk);
        rpt_rows_int(r, 26, ti->resumption);
        rpt_rows_int(r, 27, ti->grease);
        rpt_rows_int(r, 28, ti->ch_complete);
    }
    put_frame(r, 29, ti->ch2, ti->ch2_frame);
    if (sh)
        rpt_rows_int(r, 30, ti->hrr);
    put_frame(r, 31, ti->hrr, ti->hrr_frame);
    if (ti->hrr && ti->hrr_group)
        rpt_rows_int(r, 32, ti->hrr_group);
    if (sh)
        put_list(r, 33, &ti->sh_extensions);
    rpt_rows_text_nz(r, 34, ti->server_alpn);
    put_tri(r, 35, dis_tls_certs_visible(ti));
    put_frame(r, 36, ti->certs_seen, ti->cert_frame);
    if (ti->certs_seen && ti->cert_ts_us)
        rpt_rows_int(r, 37, ti->cert_ts_us);
    put_tri(r, 38, ti->cert_valid_at_capture);
    put_tri(r, 39, ti->sni_matches_cert);
    rpt_rows_int(r, 40, ti->alerts_dropped);
}

static void render_cert(rpt_rows *r, int idx, const dis_tls_cert *c,
                        uint64_t frame)
{
    rpt_rows_row(r, RPT_ROW_CERT);
    rpt_rows_flow_id(r, 1);
    rpt_rows_int(r, 2, idx);
    rpt_rows_text_nz(r, 3, c->subject);
    rpt_rows_text_nz(r, 4, c->issuer);
    rpt_rows_text_nz(r, 5, c->sha1);
    rpt_rows_text_nz(r, 6, c->sha256);
    if (c->decoded) {
        jbuf b;
        rpt_rows_text_nz(r, 7, c->serial);
        jb_open(&b);
        for (int i = 0; i < c->n_san; i++)
            jb_str(&b, c->san[i]);
        jb_put(&b, r, 8);
        rpt_rows_text_nz(r, 9, c->not_before);
        rpt_rows_text_nz(r, 10, c->not_after);
        rpt_rows_text_nz(r, 11, c->sig_alg);
        rpt_rows_text_nz(r, 12, c->key);
        rpt_rows_int(r, 13, c->self_signed);
    }
    rpt_rows_int(r, 14, (int64_t)c->der_len);
    rpt_rows_int(r, 15, c->decoded);
    rpt_rows_int(r, 16, (int64_t)frame);
}

static void render_alert(rpt_rows *r, const dis_tls_alert_rec *a)
{
    char lb[16], db[48];
    rpt_rows_row(r, RPT_ROW_ALERT);
    rpt_rows_flow_id(r, 1);
    rpt_rows_int(r, 2, (int64_t)a->frame);
    rpt_rows_text_nz(r, 3, a->dir ? "server" : "client");
    rpt_rows_int(r, 4, a->level);
    rpt_rows_int(r, 5, a->desc);
    rpt_rows_text_nz(r, 6, dis_tls_alert_level_name(a->level, lb, sizeof(lb)));
    rpt_rows_text_nz(r, 7, dis_tls_alert_desc_name(a->desc, db, sizeof(db)));
}

void rpt_tls_render(rpt_rows *r, const dis_tls_info *ti)
{
    if (!ti || !(ti->client_hello || ti->server_hello || ti->certs_seen ||
                 ti->n_alerts))
        return;
    render_tls(r, ti);
    for (int i = 0; i < ti->n_certs; i++)
        render_cert(r, i, &ti->certs[i], ti->cert_frame);
    for (int i = 0; i < ti->n_alerts; i++)
        render_alert(r, &ti->alerts[i]);
}

void rpt_tls_render_ndpi(rpt_rows *r, const char *ja3, const char *ja3s)
{
    if ((!ja3 || !*ja3) && (!ja3s || !*ja3s))
        return;
    rpt_rows_row(r, RPT_ROW_NDPI);
    rpt_rows_flow_id(r, 1);
    if (ja3 && *ja3)
        rpt_rows_text(r, 2, ja3);
    if (ja3s && *ja3s)
        rpt_rows_text(r, 3, ja3s);
}

sqlite3_stmt *rpt_tls_stmt(const rpt_tls_stmts *st, int kind)
{
    switch (kind) {
    case RPT_ROW_TLS:
        return st->ins_tls;
    case RPT_ROW_CERT:
        return st->ins_cert;
    case RPT_ROW_ALERT:
        return st->ins_alert;
    case RPT_ROW_NDPI:
        return st->ins_ndpi;
    default:
        return NULL;
    }
}
