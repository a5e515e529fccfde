/* test_attrib.c - unit tests for report/attrib*.c (organisation and party
 * of a flow's far end) and report/endpoints_cmd.c, with the real
 * rules/entities.yaml and rules/services, and end to end on the fixtures
 * pcaps/zoom.pcap and pcaps/teams.pcap.
 *
 * Run from the repository root (tests/run.sh does).  Most cases use no
 * downloaded data (a data directory that does not exist), so they hold on
 * any machine; cases that need data/ (`make data`) say SKIP without it.
 * The end-to-end case runs $MEETAUDIT (default ./meetaudit) `analyze` into
 * a private temporary directory; `endpoints` runs through the binary when
 * it has the command, else in-process (rpt_cmd_endpoints).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../capture/cli.h"
#include "../../report/attrib.h"
#include "../../report/services.h"
#include <sqlite3.h>
#include "tu.h"

int rpt_cmd_endpoints(int argc, char **argv);

static rpt_attrib_src *g_src;      /* no data */
static rpt_attrib_src *g_data;     /* data/ when installed, else NULL */
static rule_services *g_rules;
static rpt_service_view g_zoom, g_meet, g_teams;
static char g_err[1024];

/* ---- helpers ------------------------------------------------------------ */

typedef struct flow {
    const char *cli, *srv;
    unsigned cport, sport;
    int ipproto;
    const char *app, *master;
    const char *names[4], *sources[4];
    int n;
} flow;

static int ipver_of(const char *t)
{
    return strchr(t, ':') ? 6 : 4;
}

/* Attribute f (client/server text addresses) with src; fills who and
 * returns the party for svc (or -1 when svc is NULL). */
static int run(rpt_attrib_src *src, const flow *f, const rpt_service_view *svc,
               rpt_who *w)
{
    uint8_t c[16] = {0}, s[16] = {0};
    int v = ipver_of(f->srv);
    if (inet_pton(v == 6 ? AF_INET6 : AF_INET, f->cli, c) != 1 ||
        inet_pton(v == 6 ? AF_INET6 : AF_INET, f->srv, s) != 1)
        return -99;
    rpt_flow_view fv = {
        .ipver = v, .ipproto = f->ipproto ? f->ipproto : 6, .cli_ip = c,
        .srv_ip = s, .cli_port = f->cport ? f->cport : 50000,
        .srv_port = f->sport ? f->sport : 443, .app_proto = f->app,
        .master_proto = f->master, .names = f->names,
        .sources = f->sources, .n_names = f->n,
    };
    const uint8_t *rip;
    rpt_flow_remote(&fv, &rip, NULL);
    rpt_attrib_who(src, f->names, f->sources, f->n, v, rip, w);
    return svc ? rpt_party(src, svc, &fv, w) : -1;
}

static const char *party(rpt_attrib_src *src, const flow *f,
                         const rpt_service_view *svc)
{
    rpt_who w;
    return rpt_party_name(run(src, f, svc, &w));
}

/* ---- sources ------------------------------------------------------------- */

TU_TEST(open_and_status)
{
    TU_CHECK(g_src != NULL);
    const char *st = rpt_attrib_status(g_src);
    TU_CHECK(strstr(st, "attribution: our map ") == st);
    TU_CHECK(strstr(st, "Tracker data: not installed") != NULL);
    TU_CHECK(strstr(st, "ASN data: not installed") != NULL);
    TU_CHECK(rpt_entities_count(rpt_attrib_entities(g_src)) >= 300);
    TU_CHECK(!rpt_attrib_have_trackers(g_src));
    TU_CHECK(!rpt_attrib_have_asn(g_src));
    rpt_attrib_src *bad = rpt_attrib_open("/nonexistent-rules", "/nonexist",
                                          g_err, sizeof(g_err));
    TU_CHECK(bad == NULL);
    TU_CHECK(strstr(g_err, "/nonexistent-rules/entities.yaml") != NULL);
    rpt_attrib_free(NULL);
}

TU_TEST(party_names_and_scopes)
{
    static const char *const N[] = { "unknown", "first", "support", "peer",
                                     "third", "local" };
    for (int i = 0; i < RPT_PARTY_COUNT; i++) {
        TU_CHECK_STR(rpt_party_name(i), N[i]);
        TU_CHECK_INT(rpt_party_index(N[i]), i);
    }
    TU_CHECK(rpt_party_name(RPT_PARTY_COUNT) == NULL);
    TU_CHECK_INT(rpt_party_index("second"), -1);
    static const struct { const char *ip; int scope; } S[] = {
        { "192.168.1.1", RPT_SCOPE_PRIVATE },
        { "10.140.117.35", RPT_SCOPE_PRIVATE },
        { "172.31.255.255", RPT_SCOPE_PRIVATE },
        { "172.32.0.1", RPT_SCOPE_PUBLIC },
        { "224.0.0.251", RPT_SCOPE_MULTICAST },
        { "239.255.255.250", RPT_SCOPE_MULTICAST },
        { "255.255.255.255", RPT_SCOPE_BROADCAST },
        { "0.0.0.0", RPT_SCOPE_UNSPECIFIED },
        { "127.0.0.1", RPT_SCOPE_LOOPBACK },
        { "169.254.3.4", RPT_SCOPE_LINK_LOCAL },
        { "100.64.0.1", RPT_SCOPE_RESERVED },
        { "198.51.100.7", RPT_SCOPE_RESERVED },
        { "52.114.77.33", RPT_SCOPE_PUBLIC },
        { "::1", RPT_SCOPE_LOOPBACK },
        { "::", RPT_SCOPE_UNSPECIFIED },
        { "fe80::1", RPT_SCOPE_LINK_LOCAL },
        { "fd12:3456::1", RPT_SCOPE_PRIVATE },
        { "ff02::fb", RPT_SCOPE_MULTICAST },
        { "2001:db8::1", RPT_SCOPE_RESERVED },
        { "::ffff:192.168.0.1", RPT_SCOPE_PRIVATE },
        { "::ffff:8.8.8.8", RPT_SCOPE_PUBLIC },
        { "2603:1063::1", RPT_SCOPE_PUBLIC },
    };
    for (size_t i = 0; i < sizeof(S) / sizeof(S[0]); i++) {
        uint8_t a[16];
        int v = ipver_of(S[i].ip);
        TU_CHECK(inet_pton(v == 6 ? AF_INET6 : AF_INET, S[i].ip, a) == 1);
        if (rpt_addr_scope(v, a) != S[i].scope)
            TU_FAILF("%s: scope %d, expected %d", S[i].ip,
                     rpt_addr_scope(v, a), S[i].scope);
    }
    TU_CHECK(rpt_name_is_ip_literal("52.114.250.152"));
    TU_CHECK(rpt_name_is_ip_literal("52.114.250.152:443"));
    TU_CHECK(rpt_name_is_ip_literal("[2603:1063::1]:443"));
    TU_CHECK(rpt_name_is_ip_literal("2603:1063::1"));
    TU_CHECK(!rpt_name_is_ip_literal("zoom.us"));
    TU_CHECK(!rpt_name_is_ip_literal("1.2.3.4.example.com"));
    TU_CHECK(rpt_ndpi_is_media("Zoom", "STUN"));
    TU_CHECK(rpt_ndpi_is_media("RTP", NULL));
    TU_CHECK(!rpt_ndpi_is_media("Zoom", "TLS"));
}

/* ---- organisations -------------------------------------------------------- */

TU_TEST(googletagmanager_is_google_third_for_zoom)
{
    flow f = { "192.168.1.117", "172.217.21.72", 54854, 443, 6, "GoogleServices",
               "TLS", { "www.googletagmanager.com" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_zoom, &w)), "third");
    TU_CHECK_STR(w.org_id, "google");
    TU_CHECK_STR(w.org, "Google LLC");
    TU_CHECK_STR(w.parent_org, "Alphabet Inc.");
    TU_CHECK_STR(w.org_by, "name");
    TU_CHECK_STR(w.domain, "googletagmanager.com");
    TU_CHECK_STR(w.name_source, "sni");
    TU_CHECK_INT(w.categories, RPT_CAT_BIT(RPT_CAT_ANALYTICS) |
                                   RPT_CAT_BIT(RPT_CAT_ADVERTISING));
    TU_CHECK_INT(w.asn, 0); /* no data */
    TU_CHECK_STR(w.country, "");
    /* The same flow is first party for Meet (Google's own). */
    TU_CHECK_STR(party(g_src, &f, &g_meet), "first");
}

TU_TEST(zoom_names_first_for_zoom_third_for_teams)
{
    flow f = { "192.168.1.117", "109.94.160.99", 54871, 443, 6, "Zoom", "TLS",
               { "zoomfrn99mmr.zoom.us" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_zoom, &w)), "first");
    TU_CHECK_STR(w.org_id, "zoom");
    TU_CHECK_STR(w.domain, "zoom.us");
    TU_CHECK_STR(party(g_src, &f, &g_teams), "third");
    /* A Zoom address (our map's Zoom prefixes) without any name. */
    flow a = { "192.168.1.117", "170.114.10.20", 50123, 443, 6, "TLS", NULL,
               { NULL }, { NULL }, 0 };
    TU_CHECK_STR(rpt_party_name(run(g_src, &a, &g_zoom, &w)), "first");
    TU_CHECK_STR(w.org_by, "ip");
    TU_CHECK_STR(w.name, "");
    TU_CHECK_INT(w.name_idx, -1);
}

TU_TEST(zoom_name_on_cloud_is_support)
{
    /* Our map's Cloudflare prefixes: no data needed. */
    flow f = { "192.168.1.117", "104.16.1.1", 50123, 443, 6, "TLS", NULL,
               { "zoom.us" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_zoom, &w)), "support");
    TU_CHECK_STR(w.org_id, "zoom");
    TU_CHECK(w.addr_org != NULL);
    TU_CHECK_STR(rpt_org_id(w.addr_org), "cloudflare");
    TU_CHECK_STR(w.addr_org_by, "ip");
    /* The same address without a name: Cloudflare hosts someone we cannot
     * name, so not a third party. */
    flow n = f;
    n.n = 0;
    TU_CHECK_STR(rpt_party_name(run(g_src, &n, &g_zoom, &w)), "unknown");
    TU_CHECK_STR(w.org_id, "cloudflare");
    TU_CHECK(w.hoster);
}

TU_TEST(zoom_name_on_aws_is_support_with_data)
{
    flow f = { "192.168.1.117", "52.202.62.238", 54864, 443, 6, "Zoom", "TLS",
               { "log.zoom.us" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_data, &f, &g_zoom, &w)), "support");
    TU_CHECK_STR(w.org_id, "zoom");
    TU_CHECK_INT(w.asn, 14618);
    TU_CHECK_STR(w.addr_org_by, "asn");
    TU_CHECK_STR(rpt_org_id(w.addr_org), "aws");
    TU_CHECK_STR(w.country, "US");
    /* Without the data the same flow is first party. */
    TU_CHECK_STR(party(g_src, &f, &g_zoom), "first");
}

TU_TEST(microsoft_family_first_for_teams_third_for_zoom)
{
    flow h = { "192.168.1.6", "40.79.138.41", 60564, 443, 6, "Azure", "TLS",
               { "gate.hockeyapp.net" }, { "sni" }, 1 };
    flow a = { "192.168.1.6", "52.114.77.33", 60532, 443, 6, "Microsoft",
               "TLS", { "mobile.pipe.aria.microsoft.com" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &h, &g_teams, &w)), "first");
    TU_CHECK_STR(w.org_id, "hockeyapp");
    TU_CHECK_STR(w.parent_org, "Microsoft Corporation");
    TU_CHECK(w.categories & RPT_CAT_BIT(RPT_CAT_CRASH_REPORTING));
    TU_CHECK_STR(party(g_src, &h, &g_zoom), "third");
    TU_CHECK_STR(rpt_party_name(run(g_src, &a, &g_teams, &w)), "first");
    TU_CHECK_STR(w.org_id, "aria");
    TU_CHECK_STR(w.parent_org, "Microsoft Corporation");
    TU_CHECK(w.categories & RPT_CAT_BIT(RPT_CAT_TELEMETRY));
    TU_CHECK_STR(rpt_org_id(w.addr_org), "microsoft"); /* 52.112.0.0/14 */
    TU_CHECK_STR(party(g_src, &a, &g_zoom), "third");
}

TU_TEST(dropbox_third_for_teams)
{
    flow f = { "192.168.1.6", "162.125.19.131", 60344, 443, 6, "Dropbox",
               "TLS", { "client.dropbox.com" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_teams, &w)), "third");
    TU_CHECK_STR(w.org_id, "dropbox");
    TU_CHECK_STR(party(g_src, &f, &g_zoom), "third");
    /* Dropbox's LAN sync broadcast is local. */
    flow b = { "192.168.1.6", "192.168.1.255", 17500, 17500, 17, "Dropbox",
               NULL, { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &b, &g_teams), "local");
}

TU_TEST(local_addresses_and_dns)
{
    static const char *const L[] = { "192.168.1.1", "224.0.0.251",
                                     "255.255.255.255", "239.255.255.250",
                                     "fe80::1", "ff02::fb" };
    for (size_t i = 0; i < sizeof(L) / sizeof(L[0]); i++) {
        flow f = { ipver_of(L[i]) == 6 ? "fe80::2" : "192.168.1.117", L[i],
                   5353, 5353, 17, "MDNS", NULL, { "zoom.us" }, { "dns" }, 1 };
        if (strcmp(party(g_src, &f, &g_zoom), "local"))
            TU_FAILF("%s: %s, expected local", L[i],
                     party(g_src, &f, &g_zoom));
    }
    /* DNS to a public resolver is the device's choice: local, while the
     * organisation is still reported. */
    flow d = { "192.168.1.117", "8.8.8.8", 53001, 53, 17, "DNS", NULL,
               { NULL }, { NULL }, 0 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &d, &g_zoom, &w)), "local");
    TU_CHECK_STR(w.org_id, "google");
    TU_CHECK_STR(w.org_by, "ip");
}

TU_TEST(dns_chain_asked_name_decides)
{
    /* The asked name is Zoom's, the CNAME target Adobe's analytics. */
    flow f = { "192.168.1.117", "63.140.62.17", 50200, 443, 6, "TLS", NULL,
               { "metrics.zoom.us", "zoom.us.sc.omtrdc.net" },
               { "dns", "cname" }, 2 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_zoom, &w)), "first");
    TU_CHECK_STR(w.org_id, "zoom");
    TU_CHECK_STR(w.name, "metrics.zoom.us");
    TU_CHECK_STR(w.cname, "zoom.us.sc.omtrdc.net");
    TU_CHECK(w.cname_org != NULL);
    TU_CHECK_STR(rpt_org_id(w.cname_org), "adobe");
    TU_CHECK(w.cname_categories & RPT_CAT_BIT(RPT_CAT_ANALYTICS));
    /* The same chain stored as two "dns" entries. */
    flow g = f;
    g.sources[1] = "dns";
    TU_CHECK_STR(rpt_party_name(run(g_src, &g, &g_zoom, &w)), "first");
    TU_CHECK_STR(w.org_id, "zoom");
    TU_CHECK_STR(w.cname, "zoom.us.sc.omtrdc.net");
    /* A vanity name that leads to the service: the chain does not decide
     * the organisation, but the service's own name makes it first. */
    flow v = { "192.168.1.117", "151.11.50.139", 50201, 443, 6, "TLS", NULL,
               { "meet.example-customer.org", "example-customer.zoom.us" },
               { "dns", "cname" }, 2 };
    TU_CHECK_STR(rpt_party_name(run(g_src, &v, &g_zoom, &w)), "first");
    TU_CHECK(w.org_by == NULL);
    TU_CHECK_STR(w.name, "meet.example-customer.org");
    TU_CHECK_STR(w.cname, "example-customer.zoom.us");
    /* A known third party asked for first: the SNI-like best name wins. */
    flow t = { "192.168.1.117", "151.11.50.139", 50202, 443, 6, "TLS", NULL,
               { "www.googletagmanager.com", "x.zoom.us" },
               { "dns", "cname" }, 2 };
    TU_CHECK_STR(party(g_src, &t, &g_zoom), "third");
}

TU_TEST(ipv6)
{
    flow f = { "2a01:e0a:1::2", "2603:1063::1", 50010, 3478, 17, "STUN",
               NULL, { NULL }, { NULL }, 0 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_teams, &w)), "first");
    TU_CHECK_STR(w.org_id, "microsoft");
    TU_CHECK_STR(w.org_by, "ip");
    TU_CHECK_STR(party(g_src, &f, &g_zoom), "third");
    flow n = { "2a01:e0a:1::2", "2620:1ec:42::132", 50011, 443, 6, "TLS",
               NULL, { "teams.microsoft.com" }, { "sni" }, 1 };
    TU_CHECK_STR(rpt_party_name(run(g_src, &n, &g_teams, &w)), "first");
    TU_CHECK_STR(w.domain, "microsoft.com");
    flow m = { "2a01:e0a:1::2", "2001:4860:4864:5::10", 50012, 19305, 17,
               "FacebookVoip", "STUN", { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &m, &g_meet), "first");
}

TU_TEST(stun_peer_and_service_stun)
{
    /* STUN with another participant's public address (teams.pcap 83,
     * stored with the peer as client). */
    flow p = { "93.71.110.205", "192.168.1.6", 16332, 50016, 17, "SkypeCall",
               "STUN", { NULL }, { NULL }, 0 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &p, &g_teams, &w)), "peer");
    TU_CHECK(w.org_by == NULL);
    flow q = { "192.168.1.6", "93.71.110.205", 50016, 16332, 17, "SkypeCall",
               "STUN", { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &q, &g_teams), "peer");
    TU_CHECK_STR(party(g_src, &q, &g_zoom), "peer");
    /* Two Teams clients: both ports in the client media range. */
    flow c = { "192.168.1.6", "93.71.110.205", 50016, 50020, 17, NULL, NULL,
               { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &c, &g_teams), "peer");
    /* Zoom's STUN servers: nDPI names Zoom on Zoom's port 3478; a plain
     * STUN label on Zoom's own port 8801 (stun_zoom.pcapng). */
    flow z = { "192.168.1.117", "162.255.37.14", 23903, 3478, 17, "Zoom",
               "STUN", { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &z, &g_zoom), "first");
    flow s = { "192.168.43.169", "134.224.90.111", 48854, 8801, 17, "STUN",
               NULL, { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &s, &g_zoom), "first");
    /* STUN on a port many services share, nothing else known: unknown. */
    flow u = { "192.168.1.117", "134.224.90.111", 48855, 3478, 17, "STUN",
               NULL, { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &u, &g_zoom), "unknown");
}

TU_TEST(unknown_name_is_unknown)
{
    flow f = { "192.168.1.6", "151.11.50.139", 54750, 2222, 6, "Unknown",
               NULL, { "host17.example-unlisted.net" }, { "dns" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_src, &f, &g_zoom, &w)), "unknown");
    TU_CHECK(w.org_by == NULL);
    TU_CHECK_STR(w.org, "");
    TU_CHECK_STR(w.domain, "example-unlisted.net");
    TU_CHECK_STR(party(g_src, &f, &g_teams), "unknown");
    /* No name, no organisation, no media: unknown. */
    flow n = { "192.168.1.6", "93.62.150.157", 60512, 443, 6, "TLS", NULL,
               { NULL }, { NULL }, 0 };
    TU_CHECK_STR(party(g_src, &n, &g_teams), "unknown");
    /* An SNI that is an IP literal is no name (teams.pcap flow 63). */
    flow l = { "192.168.1.6", "52.114.250.152", 50014, 443, 6, "Teams", "TLS",
               { "52.114.250.152" }, { "sni" }, 1 };
    TU_CHECK_STR(rpt_party_name(run(g_src, &l, &g_teams, &w)), "first");
    TU_CHECK_STR(w.name, "");
    TU_CHECK_STR(w.org_by, "ip");
}

TU_TEST(ghostery_fills_names_our_map_lacks)
{
    flow f = { "192.168.1.6", "151.11.50.139", 50300, 443, 6, "TLS", NULL,
               { "ads.creative-serving.com" }, { "sni" }, 1 };
    rpt_who w;
    TU_CHECK_STR(rpt_party_name(run(g_data, &f, &g_zoom, &w)), "third");
    TU_CHECK_STR(w.org_by, "ghostery");
    TU_CHECK(w.org_ref == NULL);
    TU_CHECK_STR(w.org_id, "ghostery:platform161");
    TU_CHECK_STR(w.tracker, "Platform161");
    TU_CHECK(w.categories & RPT_CAT_BIT(RPT_CAT_ADVERTISING));
    /* Our map wins where it knows the name; Ghostery's tracker is kept. */
    flow g = { "192.168.1.6", "172.217.21.72", 50301, 443, 6, "TLS", NULL,
               { "www.googletagmanager.com" }, { "sni" }, 1 };
    TU_CHECK_STR(rpt_party_name(run(g_data, &g, &g_zoom, &w)), "third");
    TU_CHECK_STR(w.org_by, "name");
    TU_CHECK_STR(w.tracker, "Google Tag");
}

/* ---- end to end ------------------------------------------------------------ */

static char g_tmp[64];
static const char *g_bin;
static int g_bin_has_endpoints;

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Run `endpoints ARGS` writing stdout to out; 0 on exit status 0. */
static int endpoints(const char *args_service, const char *db,
                     const char *out)
{
    char cmd[1024];
    if (g_bin_has_endpoints) {
        snprintf(cmd, sizeof(cmd),
                 "%s endpoints --json --service %s --rules rules %s >%s "
                 "2>/dev/null",
                 g_bin, args_service, db, out);
        return sh(cmd);
    }
    char *argv[] = { "endpoints", "--json", "--service",
                     (char *)args_service, "--rules", "rules", (char *)db,
                     NULL };
    fflush(stdout);
    int saved = dup(1);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0)
        return -1;
    dup2(fd, 1);
    close(fd);
    int rc = rpt_cmd_endpoints(7, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return rc;
}

/* The first line of file containing all of the given needles (NULL-ended);
 * copied into buf.  Returns 1 when found. */
static int find_line(const char *file, char *buf, size_t len,
                     const char *const *needles)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    while (fgets(buf, (int)len, f)) {
        int ok = 1;
        for (int i = 0; needles[i] && ok; i++)
            ok = strstr(buf, needles[i]) != NULL;
        if (ok) {
            fclose(f);
            return 1;
        }
    }
    fclose(f);
    return 0;
}

#define FIND(file, ...)                                                     \
    find_line(file, line, sizeof(line), (const char *const[]){__VA_ARGS__, NULL})

TU_TEST(endpoints_zoom_pcap)
{
    char db[128], out[128], cmd[512], line[8192];
    snprintf(db, sizeof(db), "%s/zoom.db", g_tmp);
    snprintf(out, sizeof(out), "%s/zoom.jsonl", g_tmp);
    snprintf(cmd, sizeof(cmd), "%s analyze -q -o %s pcaps/zoom.pcap", g_bin,
             db);
    TU_CHECK_INT(sh(cmd), 0);
    TU_CHECK_INT(endpoints("zoom", db, out), 0);
    TU_CHECK(FIND(out, "\"org\":\"Google LLC\"", "\"parent_org\":\"Alphabet Inc.\"",
                  "\"hostname\":\"www.googletagmanager.com\"",
                  "\"party\":\"third\""));
    TU_CHECK(FIND(out, "\"hostname\":\"www.googletagmanager.com\"",
                  "\"categories\":[\"advertising\",\"analytics\"]",
                  "\"flows\":1", "\"protocols\":[\"TLS.GoogleServices\"]"));
    /* Every *.zoom.us row is Zoom's, first or support party. */
    static const char *const Z[] = { "log.zoom.us", "zoom.us", "www3.zoom.us",
                                     "zoomam105zc.zoom.us",
                                     "zoomfrn99mmr.zoom.us" };
    for (size_t i = 0; i < sizeof(Z) / sizeof(Z[0]); i++) {
        char h[96];
        snprintf(h, sizeof(h), "\"hostname\":\"%s\"", Z[i]);
        if (!FIND(out, h, "\"org\":\"Zoom Video Communications, Inc.\""))
            TU_FAILF("no Zoom row for %s", Z[i]);
        else if (!strstr(line, "\"party\":\"first\"") &&
                 !strstr(line, "\"party\":\"support\""))
            TU_FAILF("%s is not first/support: %s", Z[i], line);
    }
    /* DNS-only names: `flows --json` names some flows from DNS only, and
     * those flows count in the endpoints row of that name. */
    char flows[128];
    snprintf(flows, sizeof(flows), "%s/zoom.flows", g_tmp);
    snprintf(cmd, sizeof(cmd), "%s flows --json %s >%s", g_bin, db, flows);
    TU_CHECK_INT(sh(cmd), 0);
    TU_CHECK(FIND(flows, "\"hostname\":\"zoomfrn99mmr.zoom.us\"",
                  "\"hostname_source\":\"dns\"", "\"proto\":\"udp\""));
    TU_CHECK(FIND(out, "\"hostname\":\"zoomfrn99mmr.zoom.us\"",
                  "\"flows\":4", "\"TLS.Zoom\"", "\"Zoom\""));
    /* Multicast DNS and the LAN resolver are local. */
    TU_CHECK(FIND(out, "\"party\":\"local\"", "\"MDNS\""));
    TU_CHECK(FIND(out, "\"party\":\"local\"", "\"DNS.Zoom\""));
    if (g_data && rpt_attrib_have_asn(g_data) && !g_bin_has_endpoints)
        printf("# (in-process endpoints use MEETAUDIT_DATA)\n");
    if (g_data && rpt_attrib_have_asn(g_data))
        TU_CHECK(FIND(out, "\"hostname\":\"log.zoom.us\"",
                      "\"party\":\"support\"", "\"asn\":14618"));
    /* A third party must be a named organisation. */
    FILE *fp = fopen(out, "r");
    TU_CHECK(fp != NULL);
    while (fp && fgets(line, sizeof(line), fp))
        if (strstr(line, "\"party\":\"third\"") &&
            (strstr(line, "\"org\":null") || strstr(line, "(AS registry)")))
            TU_FAILF("third party without an organisation: %s", line);
    if (fp)
        fclose(fp);
}

TU_TEST(endpoints_teams_pcap)
{
    char db[128], out[128], outz[128], cmd[512], line[8192];
    snprintf(db, sizeof(db), "%s/teams.db", g_tmp);
    snprintf(out, sizeof(out), "%s/teams.jsonl", g_tmp);
    snprintf(outz, sizeof(outz), "%s/teams-zoom.jsonl", g_tmp);
    snprintf(cmd, sizeof(cmd), "%s analyze -q -o %s pcaps/teams.pcap", g_bin,
             db);
    TU_CHECK_INT(sh(cmd), 0);
    TU_CHECK_INT(endpoints("teams", db, out), 0);
    TU_CHECK_INT(endpoints("zoom", db, outz), 0);
    TU_CHECK(FIND(out, "\"hostname\":\"gate.hockeyapp.net\"",
                  "\"parent_org\":\"Microsoft Corporation\"",
                  "\"party\":\"first\"", "\"flows\":2"));
    TU_CHECK(FIND(out, "\"org\":\"Aria (Microsoft telemetry pipeline)\"",
                  "\"hostname\":\"mobile.pipe.aria.microsoft.com\"",
                  "\"parent_org\":\"Microsoft Corporation\"",
                  "\"party\":\"first\"", "\"categories\":[\"telemetry\"]",
                  "\"flows\":9"));
    TU_CHECK(FIND(outz, "\"hostname\":\"gate.hockeyapp.net\"",
                  "\"party\":\"third\""));
    TU_CHECK(FIND(outz, "\"hostname\":\"mobile.pipe.aria.microsoft.com\"",
                  "\"party\":\"third\""));
    /* The peer's public address learnt through STUN. */
    TU_CHECK(FIND(out, "\"party\":\"peer\"", "\"STUN.SkypeCall\""));
    /* The Dropbox flow (162.125.19.131, no name; nDPI matched it by IP):
     * third party when our map knows Dropbox's AS and the AS data is
     * installed; never first or support. */
    TU_CHECK(FIND(out, "\"TLS.Dropbox\""));
    TU_CHECK(strstr(line, "\"party\":\"first\"") == NULL &&
             strstr(line, "\"party\":\"support\"") == NULL);
    rpt_entity_match dm =
        rpt_entities_by_asn(rpt_attrib_entities(g_src), 19679);
    if (dm.org && g_data && rpt_attrib_have_asn(g_data)) {
        TU_CHECK(strstr(line, "\"party\":\"third\"") != NULL);
        TU_CHECK(strstr(line, "\"org\":\"Dropbox, Inc.\"") != NULL);
    } else if (!strstr(line, "\"party\":\"third\"")) {
        printf("# teams.pcap Dropbox flow (no name) is third party only "
               "when rules/entities.yaml lists AS19679 and data/ has the "
               "ASN data: %s", line);
    }
    TU_CHECK(FIND(out, "\"party\":\"local\"", "\"Dropbox\""));
}

/* The candidate names of the flow_names table the store will have (flow_id,
 * idx, name, source, frame): used when present, flows.hostname otherwise. */
TU_TEST(endpoints_use_flow_names)
{
    char db[128], out[128], cmd[512], line[8192];
    snprintf(db, sizeof(db), "%s/names.db", g_tmp);
    snprintf(out, sizeof(out), "%s/names.jsonl", g_tmp);
    snprintf(cmd, sizeof(cmd), "%s analyze -q -o %s pcaps/zoom.pcap", g_bin,
             db);
    TU_CHECK_INT(sh(cmd), 0);
    sqlite3 *h = NULL;
    TU_CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(
        h,
        /* analyze wrote flow_names; replace them with names we choose */
        "DELETE FROM flow_names;"
        /* the CloudFront flow without any name gets a DNS name */
        "INSERT INTO flow_names(flow_id, input_id, idx, name, source, frame)"
        " SELECT id, input_id, 0, 'assets.zoom.us', 'dns', "
        " first_frame FROM flows WHERE dest_ip = '13.225.84.182';"
        /* the tag manager flow: its SNI, then a CNAME-chain name */
        "INSERT INTO flow_names(flow_id, input_id, idx, name, source, frame)"
        " SELECT id, input_id, 0, hostname, 'sni', first_frame "
        " FROM flows WHERE hostname = 'www.googletagmanager.com';"
        "INSERT INTO flow_names(flow_id, input_id, idx, name, source, frame)"
        " SELECT id, input_id, 1, 'www-googletagmanager.l."
        "google.com', 'cname', first_frame FROM flows WHERE hostname = "
        "'www.googletagmanager.com';",
        NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        TU_FAILF("sqlite: %s", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
    TU_CHECK_INT(endpoints("zoom", db, out), 0);
    TU_CHECK(FIND(out, "\"hostname\":\"assets.zoom.us\"",
                  "\"org\":\"Zoom Video Communications, Inc.\"",
                  "\"protocols\":[\"TLS\"]"));
    TU_CHECK(strstr(line, "\"party\":\"first\"") ||
             strstr(line, "\"party\":\"support\""));
    TU_CHECK(FIND(out, "\"hostname\":\"www.googletagmanager.com\"",
                  "\"hostnames\":[\"www.googletagmanager.com\","
                  "\"www-googletagmanager.l.google.com\"]",
                  "\"party\":\"third\""));
    /* Flows without flow_names rows keep flows.hostname. */
    TU_CHECK(FIND(out, "\"hostname\":\"log.zoom.us\""));
}

/* ---- main ---------------------------------------------------------------- */

static int load_views(void)
{
    rpt_entities *ents = NULL;
    if (rpt_entities_load("rules/entities.yaml", &ents, g_err,
                          sizeof(g_err)) != 0)
        return -1;
    int n = rule_services_load_dir("rules/services", ents, &g_rules, NULL,
                                   NULL);
    rpt_entities_free(ents);
    if (n != 0)
        return -1;
    rpt_service_view_from_rule(rule_services_get(g_rules, "zoom"), &g_zoom);
    rpt_service_view_from_rule(rule_services_get(g_rules, "meet"), &g_meet);
    rpt_service_view_from_rule(rule_services_get(g_rules, "teams"), &g_teams);
    return g_zoom.operator_id && g_meet.operator_id && g_teams.operator_id
               ? 0
               : -1;
}

TU_TEST(builtin_views_match_rules)
{
    static const char *const ids[] = { "zoom", "meet", "webex", "teams" };
    for (int i = 0; i < 4; i++) {
        const rpt_service_view *b = rpt_service_view_builtin(ids[i]);
        const rule_service *r = rule_services_get(g_rules, ids[i]);
        TU_CHECK(b != NULL && r != NULL);
        if (b && r)
            TU_CHECK_STR(b->operator_id, rule_service_operator(r));
        if (b)
            TU_CHECK(rpt_entities_get(rpt_attrib_entities(g_src),
                                      b->operator_id) != NULL);
    }
    TU_CHECK(rpt_service_view_builtin("skype") == NULL);
    /* The built-in Zoom view gives the same answers on the basics. */
    const rpt_service_view *bz = rpt_service_view_builtin("zoom");
    flow f = { "192.168.1.117", "109.94.160.99", 54871, 443, 6, "Zoom", "TLS",
               { "zoomfrn99mmr.zoom.us" }, { "sni" }, 1 };
    TU_CHECK_STR(party(g_src, &f, bz), "first");
}

int main(void)
{
    g_src = rpt_attrib_open("rules", "/nonexistent-data", g_err,
                            sizeof(g_err));
    if (!g_src || load_views() != 0) {
        printf("FAIL setup: cannot load rules/ (%s); run from the "
               "repository root\n", g_err);
        return 1;
    }
    struct stat sb;
    const char *dd = getenv("MEETAUDIT_DATA");
    if (!dd || !*dd)
        dd = "data";
    if (stat(dd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        setenv("MEETAUDIT_DATA", dd, 1); /* same data for the binary */
        g_data = rpt_attrib_open("rules", dd, g_err, sizeof(g_err));
    } else {
        setenv("MEETAUDIT_DATA", "/nonexistent-data", 1);
    }

    TU_RUN(open_and_status);
    TU_RUN(party_names_and_scopes);
    TU_RUN(builtin_views_match_rules);
    TU_RUN(googletagmanager_is_google_third_for_zoom);
    TU_RUN(zoom_names_first_for_zoom_third_for_teams);
    TU_RUN(zoom_name_on_cloud_is_support);
    if (g_data && rpt_attrib_have_asn(g_data))
        TU_RUN(zoom_name_on_aws_is_support_with_data);
    else
        printf("SKIP zoom_name_on_aws_is_support_with_data: no ASN data in "
               "%s (run `make data`)\n", dd);
    TU_RUN(microsoft_family_first_for_teams_third_for_zoom);
    TU_RUN(dropbox_third_for_teams);
    TU_RUN(local_addresses_and_dns);
    TU_RUN(dns_chain_asked_name_decides);
    TU_RUN(ipv6);
    TU_RUN(stun_peer_and_service_stun);
    TU_RUN(unknown_name_is_unknown);
    if (g_data && rpt_attrib_have_trackers(g_data))
        TU_RUN(ghostery_fills_names_our_map_lacks);
    else
        printf("SKIP ghostery_fills_names_our_map_lacks: no trackerdb.db in "
               "%s (run `make data`)\n", dd);

    g_bin = getenv("MEETAUDIT");
    if (!g_bin || !*g_bin)
        g_bin = "./meetaudit";
    int tmpl = tu_tmp_template(g_tmp, sizeof(g_tmp), "attrib");
    if (access(g_bin, X_OK) != 0) {
        printf("SKIP endpoints_zoom_pcap: %s not built\n", g_bin);
        printf("SKIP endpoints_teams_pcap: %s not built\n", g_bin);
        printf("SKIP endpoints_use_flow_names: %s not built\n", g_bin);
    } else if (tmpl != 0 || !mkdtemp(g_tmp)) {
        printf("FAIL endpoints: cannot create %s\n", g_tmp);
        tu_fail_count++;
    } else {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "%s endpoints --help >/dev/null 2>&1",
                 g_bin);
        g_bin_has_endpoints = sh(cmd) == 0;
        if (!g_bin_has_endpoints)
            printf("# %s has no endpoints command yet: running it "
                   "in-process\n", g_bin);
        TU_RUN(endpoints_zoom_pcap);
        TU_RUN(endpoints_teams_pcap);
        TU_RUN(endpoints_use_flow_names);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
        (void)sh(cmd);
    }
    rule_services_free(g_rules);
    rpt_attrib_free(g_src);
    rpt_attrib_free(g_data);
    return tu_finish();
}
