/* test_audit_run.c - the audit engine end to end (report/audit.c and
 * friends): pcaps/zoom.pcap and pcaps/teams.pcap are analysed with the
 * real pipeline (cap_analyze_files) and audited with the real rules; the
 * stored findings, clients, rules hashes and the transaction are checked.
 * Runs from the repository root, like every unit test. */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../capture/analyze.h"
#include "../../report/audit.h"
#include "tu.h"

static char g_dir[256], g_zoom[300], g_teams[300], g_data[300];

static int64_t q_int(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    else
        printf("    sql failed: %s: %s\n", sql, h ? sqlite3_errmsg(h) : "");
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static void q_text(const char *db, const char *sql, char *out, size_t len)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    out[0] = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(h);
}

static int run(const char *db, const char *service, const char *client,
               const char *baseline, const char *ctx_k, const char *ctx_v,
               int64_t *id, char *err, size_t errlen)
{
    const char *clients[1] = { client };
    const char *ck[1] = { ctx_k }, *cv[1] = { ctx_v };
    rpt_audit_opts o = {
        .service = service, .rules_dir = "rules", .clients = clients,
        .n_clients = client ? 1 : 0, .baseline_db = baseline,
        .baseline_path = baseline, .ctx_keys = ck, .ctx_values = cv,
        .n_ctx = ctx_k ? 1 : 0,
    };
    return rpt_audit_run(db, &o, id, err, errlen);
}

TU_TEST(setup)
{
    TU_CHECK_INT(tu_tmp_template(g_dir, sizeof(g_dir), "audit_run"), 0);
    TU_CHECK(mkdtemp(g_dir) != NULL);
    snprintf(g_zoom, sizeof(g_zoom), "%s/zoom.db", g_dir);
    snprintf(g_teams, sizeof(g_teams), "%s/teams.db", g_dir);
    snprintf(g_data, sizeof(g_data), "%s/data", g_dir);
    TU_CHECK_INT(mkdir(g_data, 0700), 0);
    char csv[400];
    snprintf(csv, sizeof(csv), "%s/asn-ipv4-num.csv", g_data);
    FILE *f = fopen(csv, "w");
    TU_CHECK(f != NULL);
    if (f) {
        /* the one range of pcaps/teams.pcap's Dropbox server 162.125.19.131 */
        fputs("2726100992,2726166527,19679,\"Dropbox, Inc.\"\n", f);
        fclose(f);
    }
    setenv("MEETAUDIT_DATA", "/nonexistent/meetaudit-data", 1);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    const char *z[] = { "pcaps/zoom.pcap" }, *t[] = { "pcaps/teams.pcap" };
    int64_t id = 0;
    TU_CHECK_INT(cap_analyze_files(g_zoom, "rules", z, 1, 1, &id), 0);
    TU_CHECK(id > 0);
    TU_CHECK_INT(cap_analyze_files(g_teams, "rules", t, 1, 1, NULL), 0);
}

TU_TEST(zoom_findings)
{
    char err[512], s[512];
    int64_t id = 0;
    TU_CHECK_INT(run(g_zoom, "zoom", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    TU_CHECK_INT(id, 1);
    /* Google Tag Manager: a third party, not clear (ambiguous) */
    q_text(g_zoom,
           "SELECT verdict FROM findings WHERE run_id=1 AND "
           "finding_key='third_party|google'",
           s, sizeof(s));
    TU_CHECK_STR(s, "ambiguous");
    TU_CHECK_INT(q_int(g_zoom,
                       "SELECT count(*) FROM findings f JOIN finding_names n "
                       "ON n.finding_id=f.id WHERE f.kind='third_party' AND "
                       "n.hostname='www.googletagmanager.com'"),
                 1);
    /* the TLS 1.0 flow breaks e2ee-aes-gcm */
    q_text(g_zoom,
           "SELECT verdict || '|' || severity || '|' || claim_id FROM "
           "findings WHERE run_id=1 AND kind='transport' AND "
           "subtype='tls_below_min'",
           s, sizeof(s));
    TU_CHECK_STR(s, "contradicted|high|e2ee-aes-gcm");
    TU_CHECK_INT(q_int(g_zoom,
                       "SELECT ff.flow_id FROM findings f JOIN finding_flows "
                       "ff ON ff.finding_id=f.id WHERE f.subtype="
                       "'tls_below_min'"),
                 7);
    /* evidence: the flow's first frame (its ClientHello), with the input */
    TU_CHECK_INT(q_int(g_zoom,
                       "SELECT count(*) FROM finding_evidence e JOIN "
                       "findings f ON f.id=e.finding_id JOIN inputs i ON "
                       "i.id=e.input_id WHERE f.subtype='tls_below_min' AND "
                       "e.frame=1 AND length(i.sha256)=64"),
                 1);
    /* *.zoom.us raises nothing */
    TU_CHECK_INT(q_int(g_zoom,
                       "SELECT count(*) FROM finding_names WHERE hostname "
                       "LIKE '%zoom.us'"),
                 0);
    TU_CHECK_INT(q_int(g_zoom, "SELECT count(*) FROM findings WHERE "
                               "org_id='zoom'"),
                 0);
    /* honesty: no baseline, "observed during the session" */
    TU_CHECK_INT(q_int(g_zoom,
                       "SELECT count(*) FROM findings WHERE kind="
                       "'third_party' AND (attribution<>'session' OR reason "
                       "NOT LIKE '%observed during the session%')"),
                 0);
    /* the run's records */
    q_text(g_zoom, "SELECT created_at FROM audit_runs WHERE id=1", s,
           sizeof(s));
    TU_CHECK_STR(s, "2023-11-14T22:13:20Z");
    q_text(g_zoom,
           "SELECT how FROM audit_clients WHERE run_id=1 AND "
           "ip='192.168.1.117'",
           s, sizeof(s));
    TU_CHECK_STR(s, "auto");
    TU_CHECK_INT(q_int(g_zoom, "SELECT count(*) FROM audit_rules WHERE "
                               "run_id=1 AND length(sha256)=64"),
                 5);
    TU_CHECK_INT(q_int(g_zoom, "SELECT count(*) FROM audit_inputs WHERE "
                               "run_id=1"),
                 1);
    /* counterparties of the client's flows, for diff */
    TU_CHECK_INT(q_int(g_zoom, "SELECT flows FROM audit_counterparties "
                               "WHERE run_id=1 AND ckey='zoom' AND "
                               "party='first'"),
                 11);
    TU_CHECK_INT(q_int(g_zoom, "SELECT count(*) FROM audit_counterparties "
                               "WHERE run_id=1 AND party='local'"),
                 0);
}

TU_TEST(teams_findings)
{
    char err[512], s[512];
    int64_t id = 0;
    setenv("MEETAUDIT_DATA", g_data, 1);
    TU_CHECK_INT(run(g_teams, "teams", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    setenv("MEETAUDIT_DATA", "/nonexistent/meetaudit-data", 1);
    q_text(g_teams,
           "SELECT reason FROM findings WHERE finding_key="
           "'third_party|dropbox'",
           s, sizeof(s));
    TU_CHECK(strstr(s, "Dropbox") != NULL);
    TU_CHECK(strstr(s, "observed during the session") != NULL);
    TU_CHECK(strstr(s, "sent by the app") == NULL);
    /* Microsoft and its family (Aria telemetry, HockeyApp, Skype) are
     * first party: no third-party finding */
    TU_CHECK_INT(q_int(g_teams,
                       "SELECT count(*) FROM findings WHERE kind="
                       "'third_party' AND org_id IN ('microsoft', 'aria', "
                       "'hockeyapp', 'skype')"),
                 0);
    TU_CHECK_INT(q_int(g_teams,
                       "SELECT count(*) FROM findings f JOIN finding_names n "
                       "ON n.finding_id=f.id WHERE f.kind='third_party' AND "
                       "n.hostname LIKE '%microsoft.com'"),
                 0);
}

TU_TEST(teams_without_asn_data_has_no_dropbox)
{
    /* without the AS of its address, the Dropbox flow is not attributed:
     * the finding above really needs the data */
    char err[512];
    int64_t id = 0;
    TU_CHECK_INT(run(g_teams, "teams", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM findings WHERE run_id=%lld AND "
             "finding_key='third_party|dropbox'",
             (long long)id);
    TU_CHECK_INT(q_int(g_teams, sql), 0);
}

TU_TEST(auto_service_and_errors)
{
    char err[512], s[256];
    int64_t id = 0;
    TU_CHECK_INT(run(g_zoom, "auto", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT service || '|' || service_how FROM audit_runs WHERE "
             "id=%lld",
             (long long)id);
    q_text(g_zoom, sql, s, sizeof(s));
    TU_CHECK_STR(s, "zoom|auto");
    int64_t before = q_int(g_zoom, "SELECT count(*) FROM findings");
    /* no Webex flow in zoom.pcap: no client, a hint at --client */
    err[0] = 0;
    TU_CHECK_INT(run(g_zoom, "webex", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 1);
    TU_CHECK(strstr(err, "--client") != NULL);
    TU_CHECK_INT(run(g_zoom, "zoom", "not-an-ip", NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 1);
    TU_CHECK_INT(run(g_zoom, "skype", NULL, NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 1);
    /* failed runs write nothing */
    TU_CHECK_INT(q_int(g_zoom, "SELECT count(*) FROM findings"), before);
    /* a client that sent nothing: a run without findings */
    TU_CHECK_INT(run(g_zoom, "zoom", "192.0.2.1", NULL, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM findings WHERE run_id=%lld",
             (long long)id);
    TU_CHECK_INT(q_int(g_zoom, sql), 0);
    TU_CHECK(run(g_dir, "zoom", NULL, NULL, NULL, NULL, &id, err,
                 sizeof(err)) != 0);
}

TU_TEST(baseline_makes_background)
{
    /* the same capture as its own baseline: every counterparty is
     * background, severity info, not charged */
    char err[512];
    int64_t id = 0;
    TU_CHECK_INT(run(g_zoom, "zoom", NULL, g_zoom, NULL, NULL, &id, err,
                     sizeof(err)),
                 0);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM findings WHERE run_id=%lld AND "
             "kind='third_party' AND scope='background' AND "
             "attribution='background' AND severity='info'",
             (long long)id);
    TU_CHECK_INT(q_int(g_zoom, sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM findings WHERE run_id=%lld AND "
             "scope='session'",
             (long long)id);
    TU_CHECK_INT(q_int(g_zoom, sql), 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_background WHERE run_id=%lld AND "
             "org_id='google'",
             (long long)id);
    TU_CHECK_INT(q_int(g_zoom, sql), 1);
}

TU_TEST(context_is_recorded)
{
    char err[512], s[256];
    int64_t id = 0;
    TU_CHECK_INT(run(g_zoom, "zoom", NULL, NULL, "role", "participant", &id,
                     err, sizeof(err)),
                 0);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT option || ':' || name || '=' || value FROM "
             "audit_options WHERE run_id=%lld AND option='context'",
             (long long)id);
    q_text(g_zoom, sql, s, sizeof(s));
    TU_CHECK_STR(s, "context:role=participant");
}

TU_TEST(summary)
{
    char err[512];
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    TU_CHECK_INT(rpt_audit_summary(g_zoom, 1, m, err, sizeof(err)), 0);
    fclose(m);
    TU_CHECK(buf && strstr(buf, "audit run 1: Zoom (zoom)\n"));
    TU_CHECK(buf && strstr(buf, "contradicted 1, ambiguous 1"));
    TU_CHECK(buf && strstr(buf, "observed during the session"));
    free(buf);
    TU_CHECK(rpt_audit_summary(g_zoom, 999, stdout, err, sizeof(err)) != 0);
}

int main(void)
{
    TU_RUN(setup);
    TU_RUN(zoom_findings);
    TU_RUN(teams_findings);
    TU_RUN(teams_without_asn_data_has_no_dropbox);
    TU_RUN(auto_service_and_errors);
    TU_RUN(baseline_makes_background);
    TU_RUN(context_is_recorded);
    TU_RUN(summary);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", g_dir);
    return tu_finish();
}
