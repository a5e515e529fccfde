/* test_entities.c - unit tests for report/entities*.c: the real
 * rules/entities.yaml (lookups by host, IP, ASN; families), the validator's
 * exact "file:line:column: message" lines on small bad files, and
 * registrable domains by the Public Suffix List (libpsl).
 *
 * Run from the repository root (tests/run.sh does): the map is read from
 * rules/entities.yaml.  Bad files are written to a private temporary
 * directory that is removed at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../report/entities.h"
#include "tu.h"

static rpt_entities *g_map;
static char g_err[1024];
static char g_dir[64];

/* ---- helpers ------------------------------------------------------------ */

static const char *host_org(const char *host)
{
    rpt_entity_match m = rpt_entities_by_host(g_map, host);
    return m.org ? rpt_org_id(m.org) : "(none)";
}

static const char *root_of(const char *host)
{
    rpt_entity_match m = rpt_entities_by_host(g_map, host);
    return m.org ? rpt_org_id(rpt_entities_root(g_map, m.org)) : "(none)";
}

static rpt_entity_match ip_match(const char *text)
{
    unsigned char a[16];
    int v6 = strchr(text, ':') != NULL;
    rpt_entity_match none = {0};
    if (inet_pton(v6 ? AF_INET6 : AF_INET, text, a) != 1)
        return none;
    return rpt_entities_by_ip(g_map, v6 ? 6 : 4, a);
}

static const char *ip_org(const char *text)
{
    rpt_entity_match m = ip_match(text);
    return m.org ? rpt_org_id(m.org) : "(none)";
}

static char g_path[128];

/* Write body to g_dir/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *body)
{
    snprintf(g_path, sizeof(g_path), "%s/%s", g_dir, name);
    FILE *f = fopen(g_path, "wb");
    if (!f)
        return g_path;
    fputs(body, f);
    fclose(f);
    return g_path;
}

/* Every problem of one load, joined with newlines. */
typedef struct collect {
    char buf[8192];
    size_t n;
    int calls;
} collect;

static void collect_fn(void *ctx, const char *msg)
{
    collect *c = ctx;
    c->calls++;
    int w = snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "%s\n", msg);
    if (w > 0 && (size_t)w < sizeof(c->buf) - c->n)
        c->n += (size_t)w;
}

/* Load a bad file: it must fail, with expect (after "DIR/") as the first
 * problem.  Returns the number of problems. */
static int expect_first(const char *name, const char *body, const char *expect)
{
    char want[1024], err[1024];
    rpt_entities *h = (rpt_entities *)1;
    const char *p = write_file(name, body);
    snprintf(want, sizeof(want), "%s/%s", g_dir, expect);
    int rc = rpt_entities_load(p, &h, err, sizeof(err));
    TU_CHECK_INT(rc, -1);
    TU_CHECK(h == NULL);
    TU_CHECK_STR(err, want);
    collect c = {.n = 0};
    int n = rpt_entities_load_diag(p, NULL, collect_fn, &c);
    TU_CHECK_INT(c.calls, n);
    return n;
}

#define HEAD "version: 1\norganisations:\n"
#define ORG(id)                                                                \
    "  - id: " id "\n    name: N\n    country: US\n    categories: [cloud]\n"  \
    "    source: test\n"

/* ---- the real map ---------------------------------------------------------
 */

TU_TEST(real_file_loads)
{
    TU_CHECK(g_map != NULL);
    TU_CHECK_STR(g_err, "");
    TU_CHECK(rpt_entities_count(g_map) >= 200);
    /* Every organisation names its source and a valid country. */
    for (size_t i = 0; i < rpt_entities_count(g_map); i++) {
        const rpt_org *o = rpt_entities_at(g_map, i);
        TU_CHECK(rpt_org_source(o) && rpt_org_source(o)[0]);
        TU_CHECK(rpt_country_valid(rpt_org_country(o)));
        TU_CHECK(rpt_org_categories(o) != 0);
        TU_CHECK(rpt_org_line(o) > 2);
    }
    TU_CHECK(rpt_entities_at(g_map, rpt_entities_count(g_map)) == NULL);
}

TU_TEST(googletagmanager_is_google)
{
    rpt_entity_match m =
        rpt_entities_by_host(g_map, "www.googletagmanager.com");
    TU_CHECK_STR(host_org("www.googletagmanager.com"), "google");
    TU_CHECK_INT(m.by_pattern, 1);
    TU_CHECK(m.categories & RPT_CAT_BIT(RPT_CAT_ANALYTICS));
    TU_CHECK_STR(m.matched, "googletagmanager.com");
    m = rpt_entities_by_host(g_map, "www.google-analytics.com");
    TU_CHECK_STR(rpt_org_id(m.org), "google");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_ANALYTICS));
    m = rpt_entities_by_host(g_map, "stats.g.doubleclick.net");
    TU_CHECK_STR(rpt_org_id(m.org), "doubleclick");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_ADVERTISING));
    TU_CHECK_STR(root_of("stats.g.doubleclick.net"), "alphabet");
    /* meet.google.com: Google's own service, by pattern. */
    m = rpt_entities_by_host(g_map, "meet.google.com");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_FIRST_PARTY_SERVICE));
}

TU_TEST(hockeyapp_under_microsoft)
{
    TU_CHECK_STR(host_org("gate.hockeyapp.net"), "hockeyapp");
    TU_CHECK_STR(root_of("gate.hockeyapp.net"), "microsoft");
    const rpt_org *o = rpt_entities_get(g_map, "hockeyapp");
    TU_CHECK_STR(rpt_org_parent(o), "microsoft");
    TU_CHECK(rpt_org_categories(o) & RPT_CAT_BIT(RPT_CAT_CRASH_REPORTING));
}

TU_TEST(aria_telemetry_in_microsoft_family)
{
    rpt_entity_match m =
        rpt_entities_by_host(g_map, "mobile.pipe.aria.microsoft.com");
    TU_CHECK(m.org != NULL);
    TU_CHECK_STR(rpt_org_id(m.org), "aria");
    TU_CHECK_STR(m.matched, "aria.microsoft.com");
    TU_CHECK(m.categories & RPT_CAT_BIT(RPT_CAT_TELEMETRY));
    TU_CHECK(rpt_entities_family(g_map, rpt_org_id(m.org), "microsoft"));
    /* *.events.data.microsoft.com: strict subdomains only. */
    m = rpt_entities_by_host(g_map, "v10.events.data.microsoft.com");
    TU_CHECK_STR(rpt_org_id(m.org), "microsoft");
    TU_CHECK_INT(m.by_pattern, 1);
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_TELEMETRY));
    TU_CHECK_STR(m.matched, "*.events.data.microsoft.com");
    m = rpt_entities_by_host(g_map, "events.data.microsoft.com");
    TU_CHECK_INT(m.by_pattern, 0);
    TU_CHECK_STR(m.matched, "microsoft.com");
    TU_CHECK(!(m.categories & RPT_CAT_BIT(RPT_CAT_TELEMETRY)));
    /* "x.y" patterns cover the name itself and its subdomains. */
    m = rpt_entities_by_host(g_map, "download.windowsupdate.com");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_OS_SERVICES));
    m = rpt_entities_by_host(g_map, "windowsupdate.com");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_OS_SERVICES));
}

TU_TEST(zoom_hosts)
{
    TU_CHECK_STR(host_org("zoom.us"), "zoom");
    TU_CHECK_STR(host_org("us04web.zoom.us"), "zoom");
    TU_CHECK_STR(host_org("log.zoom.us"), "zoom");
    TU_CHECK_STR(host_org("zoom.com"), "zoom");
    /* Not a label boundary, and a suffix of somebody else's name. */
    TU_CHECK_STR(host_org("myzoom.us"), "(none)");
    TU_CHECK_STR(host_org("zoom.us.example.net"), "(none)");
    TU_CHECK(rpt_entities_family(g_map, "zoom", "keybase"));
    TU_CHECK(!rpt_entities_family(g_map, "zoom", "google"));
}

TU_TEST(dropbox_not_microsoft)
{
    TU_CHECK_STR(host_org("www.dropbox.com"), "dropbox");
    TU_CHECK_STR(host_org("dl.dropboxusercontent.com"), "dropbox");
    TU_CHECK_STR(host_org("client.dropbox.com"), "dropbox");
    TU_CHECK_STR(root_of("www.dropbox.com"), "dropbox");
    TU_CHECK(!rpt_entities_family(g_map, "dropbox", "microsoft"));
    TU_CHECK(!rpt_entities_family(g_map, "dropbox", "hockeyapp"));
}

TU_TEST(host_normalisation)
{
    TU_CHECK_STR(host_org("WWW.DropBox.COM"), "dropbox");
    TU_CHECK_STR(host_org("www.dropbox.com."), "dropbox");
    TU_CHECK_STR(host_org("www.dropbox.com:443"), "dropbox");
    TU_CHECK_STR(host_org("www.dropbox.com.:8443"), "dropbox");
    TU_CHECK_STR(host_org("www.dropbox.com:"), "(none)");
    TU_CHECK_STR(host_org("www.dropbox.com:http"), "(none)");
    TU_CHECK_STR(host_org("www.dropbox.com.."), "(none)");
    TU_CHECK_STR(host_org(".dropbox.com"), "(none)");
    TU_CHECK_STR(host_org("www..dropbox.com"), "(none)");
    TU_CHECK_STR(host_org("www dropbox.com"), "(none)");
    TU_CHECK_STR(host_org(""), "(none)");
    TU_CHECK_STR(host_org(NULL), "(none)");
    /* IP literals never match by name. */
    TU_CHECK_STR(host_org("170.114.10.1"), "(none)");
    TU_CHECK_STR(host_org("[2603:1063::1]:443"), "(none)");
    TU_CHECK_STR(host_org("2603:1063::1"), "(none)");
    char big[300];
    memset(big, 'a', sizeof(big));
    memcpy(big + sizeof(big) - 12, ".dropbox.com", 12);
    big[sizeof(big) - 1] = 0;
    TU_CHECK_STR(host_org(big), "(none)");
}

TU_TEST(ip_prefixes)
{
    /* policy-facts.md s.1: 170.114.0.0/16 and 3.7.35.0/25 (Zoom). */
    TU_CHECK_STR(ip_org("170.114.52.2"), "zoom");
    TU_CHECK_STR(ip_org("3.7.35.127"), "zoom");
    TU_CHECK_STR(ip_org("3.7.35.128"), "(none)");
    rpt_entity_match m = ip_match("170.114.0.0");
    TU_CHECK_STR(m.matched, "170.114.0.0/16");
    /* Webex, Microsoft (Teams), Google (Meet). */
    TU_CHECK_STR(ip_org("62.109.200.1"), "webex");
    TU_CHECK_STR(ip_org("13.107.64.1"), "microsoft");
    TU_CHECK_STR(ip_org("13.107.128.1"), "(none)");
    TU_CHECK_STR(ip_org("74.125.250.7"), "google");
    TU_CHECK_STR(ip_org("74.125.247.128"), "google");
    TU_CHECK_STR(ip_org("74.125.247.129"), "(none)");
    TU_CHECK_STR(ip_org("192.0.2.1"), "(none)");
    TU_CHECK_STR(ip_org("0.0.0.0"), "(none)");
    TU_CHECK_STR(ip_org("255.255.255.255"), "(none)");
}

TU_TEST(ipv6_prefixes)
{
    rpt_entity_match m = ip_match("2603:1063:3ff::1");
    TU_CHECK_STR(ip_org("2603:1063:3ff::1"), "microsoft");
    TU_CHECK_STR(m.matched, "2603:1063::/38");
    TU_CHECK_STR(ip_org("2603:1063::"), "microsoft");
    /* /38: 2603:1063:0400:: and 2603:1063:1234:: are outside. */
    TU_CHECK_STR(ip_org("2603:1063:1234::1"), "(none)");
    TU_CHECK_STR(ip_org("2603:1063:400::1"), "(none)");
    TU_CHECK_STR(ip_org("2620:1ec:7f::1"), "microsoft");
    TU_CHECK_STR(ip_org("2620:1ec:80::1"), "(none)");
    TU_CHECK_STR(ip_org("2607:fcf0:1::5"), "webex");
    TU_CHECK_STR(ip_org("2001:4860:4864:5::99"), "google");
    TU_CHECK_STR(ip_org("2001:4860:4864:4:8000::"), "google");
    TU_CHECK_STR(ip_org("2001:4860:4864:4:8000::1"), "(none)");
    TU_CHECK_STR(ip_org("2001:db8::1"), "(none)");
    TU_CHECK_STR(ip_org("::"), "(none)");
    TU_CHECK(rpt_entities_by_ip(g_map, 5, "abcd").org == NULL);
    TU_CHECK(rpt_entities_by_ip(g_map, 4, NULL).org == NULL);
}

TU_TEST(asns)
{
    rpt_entity_match m = rpt_entities_by_asn(g_map, 8075);
    TU_CHECK_STR(rpt_org_id(m.org), "microsoft");
    TU_CHECK_STR(m.matched, "AS8075");
    TU_CHECK_STR(rpt_org_id(rpt_entities_by_asn(g_map, 15169).org), "google");
    TU_CHECK_STR(rpt_org_id(rpt_entities_by_asn(g_map, 16509).org), "aws");
    TU_CHECK(rpt_entities_by_asn(g_map, 64512).org == NULL);
    TU_CHECK(rpt_entities_by_asn(g_map, 0).org == NULL);
}

TU_TEST(families)
{
    static const char *const ms[] = {"hockeyapp", "aria", "skype", "linkedin",
                                     "github",    "npm",  "azure", "xandr"};
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
        TU_CHECK(rpt_entities_family(g_map, ms[i], "microsoft"));
        TU_CHECK_STR(rpt_org_id(rpt_entities_root(
                         g_map, rpt_entities_get(g_map, ms[i]))),
                     "microsoft");
    }
    static const char *const goog[] = {"youtube", "doubleclick", "firebase",
                                       "crashlytics", "admob"};
    for (size_t i = 0; i < sizeof(goog) / sizeof(goog[0]); i++)
        TU_CHECK(rpt_entities_family(g_map, goog[i], "google"));
    TU_CHECK(rpt_entities_family(g_map, "instagram", "whatsapp"));
    TU_CHECK(rpt_entities_family(g_map, "facebook", "meta"));
    TU_CHECK_STR(rpt_org_id(rpt_entities_root(
                     g_map, rpt_entities_get(g_map, "crittercism"))),
                 "broadcom");
    TU_CHECK(rpt_entities_family(g_map, "appdynamics", "webex"));
    TU_CHECK(!rpt_entities_family(g_map, "appdynamics", "microsoft"));
    TU_CHECK(!rpt_entities_family(g_map, "facebook", "google"));
    TU_CHECK(!rpt_entities_family(g_map, "nonexistent", "nonexistent"));
    TU_CHECK(!rpt_entities_family(g_map, "google", NULL));
    TU_CHECK(rpt_entities_get(g_map, "nonexistent") == NULL);
    TU_CHECK(rpt_entities_root(g_map, NULL) == NULL);
    TU_CHECK_STR(rpt_org_name(rpt_entities_get(g_map, "zoom")),
                 "Zoom Video Communications, Inc.");
    TU_CHECK(rpt_org_parent(rpt_entities_get(g_map, "zoom")) == NULL);
}

TU_TEST(categories_and_countries)
{
    char b[256];
    TU_CHECK_STR(rpt_category_name(RPT_CAT_CRASH_REPORTING), "crash_reporting");
    TU_CHECK(rpt_category_name(RPT_CAT_COUNT) == NULL);
    TU_CHECK(rpt_category_name(-1) == NULL);
    for (int i = 0; i < RPT_CAT_COUNT; i++)
        TU_CHECK_INT(rpt_category_index(rpt_category_name(i)), i);
    TU_CHECK_INT(rpt_category_index("adverts"), -1);
    TU_CHECK_INT(rpt_category_index(NULL), -1);
    uint32_t m =
        RPT_CAT_BIT(RPT_CAT_TELEMETRY) | RPT_CAT_BIT(RPT_CAT_ADVERTISING);
    TU_CHECK_INT(rpt_categories_str(m, b, sizeof(b)), 21);
    TU_CHECK_STR(b, "advertising,telemetry");
    TU_CHECK_INT(rpt_categories_str(m, b, 8), 21);
    TU_CHECK_STR(b, "adverti");
    TU_CHECK_INT(rpt_categories_str(0, b, sizeof(b)), 0);
    TU_CHECK_STR(b, "");
    TU_CHECK(rpt_country_valid("GB"));
    TU_CHECK(rpt_country_valid("US"));
    TU_CHECK(rpt_country_valid("ZW"));
    TU_CHECK(!rpt_country_valid("UK"));
    TU_CHECK(!rpt_country_valid("us"));
    TU_CHECK(!rpt_country_valid("USA"));
    TU_CHECK(!rpt_country_valid(""));
    TU_CHECK(!rpt_country_valid(NULL));
}

/* ---- the validator ---------------------------------------------------------
 */

TU_TEST(valid_small_file)
{
    rpt_entities *h = NULL;
    char err[512];
    const char *p = write_file(
        "ok.yaml",
        HEAD ORG("a") "    domains: [example.com]\n"
                      "    prefixes: [192.0.2.0/24, "
                      "\"2001:db8::/32\"]\n"
                      "    asns: [65551, 4199999999]\n" ORG(
                          "b") "    parent: a\n    hosts:\n"
                               "      x.sub.example.net: [telemetry]\n"
                               "    domains: [sub.example.com, "
                               "example.net]\n"
                               "    prefixes: [192.0.3.0/24]\n");
    TU_CHECK_INT(rpt_entities_load(p, &h, err, sizeof(err)), -1);
    /* 65551 is reserved (RFC 5398); the message names it. */
    char want[256];
    snprintf(want, sizeof(want), "%s:10:12: ASN 65551 is reserved or private",
             p);
    TU_CHECK_STR(err, want);
    p = write_file(
        "ok.yaml",
        HEAD ORG("a") "    domains: [example.com]\n"
                      "    prefixes: [192.0.2.0/24, "
                      "\"2001:db8::/32\"]\n"
                      "    asns: [64495, 4199999999]\n" ORG(
                          "b") "    parent: a\n    hosts:\n"
                               "      x.sub.example.net: [telemetry]\n"
                               "    domains: [sub.example.com, "
                               "example.net]\n"
                               "    prefixes: [192.0.3.0/24]\n");
    TU_CHECK_INT(rpt_entities_load(p, &h, err, sizeof(err)), 0);
    TU_CHECK_STR(err, "");
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_entities_count(h), 2);
    rpt_entity_match m = rpt_entities_by_host(h, "a.sub.example.com");
    TU_CHECK_STR(rpt_org_id(m.org), "b");
    TU_CHECK_STR(rpt_org_id(rpt_entities_by_host(h, "example.com").org), "a");
    m = rpt_entities_by_host(h, "y.x.sub.example.net");
    TU_CHECK_INT(m.categories, RPT_CAT_BIT(RPT_CAT_TELEMETRY));
    TU_CHECK_INT(rpt_entities_by_host(h, "sub.example.net").by_pattern, 0);
    TU_CHECK(rpt_entities_family(h, "a", "b"));
    TU_CHECK_STR(rpt_org_id(rpt_entities_by_asn(h, 4199999999u).org), "a");
    TU_CHECK_INT(rpt_org_line(rpt_entities_get(h, "b")), 11);
    rpt_entities_free(h);
}

TU_TEST(bad_duplicate_org_id)
{
    TU_CHECK_INT(expect_first("dupid.yaml", HEAD ORG("a") ORG("a"),
                              "dupid.yaml:8:9: duplicate organisation id 'a' "
                              "(first at line 3)"),
                 1);
}

TU_TEST(bad_domain_claimed_twice)
{
    TU_CHECK_INT(
        expect_first("dupdom.yaml",
                     HEAD ORG("a") "    domains: [example.com]\n" ORG(
                         "b") "    domains: [foo.org, example.com]\n",
                     "dupdom.yaml:14:24: domain 'example.com' is already "
                     "claimed by 'a' (line 8)"),
        1);
    TU_CHECK_INT(expect_first("dupdom2.yaml",
                              HEAD ORG("a") "    domains: [a.com, a.com]\n",
                              "dupdom2.yaml:8:22: duplicate domain 'a.com' "
                              "(line 8)"),
                 1);
}

TU_TEST(bad_overlapping_prefixes)
{
    TU_CHECK_INT(expect_first("overlap.yaml",
                              HEAD ORG("a") "    prefixes: [10.0.0.0/8]\n" ORG(
                                  "b") "    prefixes: [\"2001:db8::/32\", "
                                       "10.1.0.0/16]\n",
                              "overlap.yaml:14:33: prefix '10.1.0.0/16' of 'b' "
                              "overlaps '10.0.0.0/8' of 'a' (line 8)"),
                 1);
    /* IPv6, the later line reported even when it is the larger prefix. */
    expect_first("overlap6.yaml",
                 HEAD ORG("a") "    prefixes: [\"2001:db8:1::/48\"]\n" ORG(
                     "b") "    prefixes: [\"2001:db8::/32\"]\n",
                 "overlap6.yaml:14:16: prefix '2001:db8::/32' of 'b' overlaps "
                 "'2001:db8:1::/48' of 'a' (line 8)");
    /* Nested prefixes of one organisation are fine. */
    rpt_entities *h = NULL;
    const char *p =
        write_file("nested.yaml", HEAD ORG("a") "    prefixes: [10.0.0.0/8, "
                                                "10.1.0.0/16, 10.1.2.0/24]\n");
    TU_CHECK_INT(rpt_entities_load(p, &h, g_err, sizeof(g_err)), 0);
    g_err[0] = 0;
    unsigned char a4[4] = {10, 1, 2, 3};
    TU_CHECK_STR(rpt_entities_by_ip(h, 4, a4).matched, "10.1.2.0/24");
    a4[2] = 3;
    TU_CHECK_STR(rpt_entities_by_ip(h, 4, a4).matched, "10.1.0.0/16");
    a4[1] = 2;
    TU_CHECK_STR(rpt_entities_by_ip(h, 4, a4).matched, "10.0.0.0/8");
    rpt_entities_free(h);
}

TU_TEST(bad_category_country_parent)
{
    expect_first("cat.yaml",
                 HEAD "  - id: a\n    name: A\n    country: US\n"
                      "    categories: [cloud, adverts]\n    source: t\n",
                 "cat.yaml:6:25: unknown category 'adverts'");
    expect_first("cc.yaml",
                 HEAD "  - id: a\n    name: A\n    country: UK\n"
                      "    categories: [cloud]\n    source: t\n",
                 "cc.yaml:5:14: 'UK' is not an ISO 3166-1 alpha-2 country "
                 "code (the United Kingdom is GB)");
    expect_first("parent.yaml", HEAD ORG("a") "    parent: nobody\n",
                 "parent.yaml:8:13: unknown parent 'nobody'");
    expect_first("missing.yaml", HEAD "  - id: a\n    name: A\n",
                 "missing.yaml:3:5: organisation 'a' has no 'country'");
    /* An organisation without an id, and a parent lookup while the id
     * index has fewer entries than organisations (once read a NULL). */
    TU_CHECK_INT(expect_first("noid.yaml",
                              HEAD "  - name: A\n    country: US\n"
                                   "    categories: [cloud]\n"
                                   "    source: t\n" ORG("b")
                                   "    parent: zz\n" ORG("c")
                                   "    parent: b\n",
                              "noid.yaml:3:5: organisation has no 'id'"),
                 2);
    expect_first("key.yaml", HEAD ORG("a") "    domain: [a.com]\n",
                 "key.yaml:8:5: unknown key 'domain'");
    expect_first("type.yaml", HEAD ORG("a") "    domains: a.com\n",
                 "type.yaml:8:14: 'domains' must be a list, not a string");
}

TU_TEST(bad_parent_cycle)
{
    TU_CHECK_INT(
        expect_first(
            "cycle.yaml",
            HEAD ORG("a") "    parent: c\n" ORG("b") "    parent: a\n" ORG(
                "c") "    parent: b\n" ORG("d") "    parent: d\n",
            "cycle.yaml:8:13: parent cycle: a -> c -> b -> a"),
        2);
    collect c = {.n = 0};
    char want[512];
    rpt_entities_load_diag(g_path, NULL, collect_fn, &c);
    snprintf(want, sizeof(want),
             "%s:8:13: parent cycle: a -> c -> b -> a\n"
             "%s:26:13: parent cycle: d -> d\n",
             g_path, g_path);
    TU_CHECK_STR(c.buf, want);
}

TU_TEST(bad_cidr)
{
    int n = expect_first(
        "cidr.yaml",
        HEAD ORG("a") "    prefixes: [10.0.0.1/8, 300.1.2.3/8, "
                      "\"2001:db8::/129\", bogus, 10.0.0.0]\n",
        "cidr.yaml:8:16: host bits set in prefix '10.0.0.1/8' (the network "
        "is 10.0.0.0/8)");
    TU_CHECK_INT(n, 5);
    collect c = {.n = 0};
    rpt_entities_load_diag(g_path, NULL, collect_fn, &c);
    TU_CHECK(strstr(c.buf, "cidr.yaml:8:28: invalid prefix '300.1.2.3/8'"));
    TU_CHECK(strstr(c.buf, "cidr.yaml:8:41: prefix length out of range in "
                           "'2001:db8::/129' (at most 128)"));
    TU_CHECK(strstr(c.buf, "cidr.yaml:8:66: invalid prefix '10.0.0.0'"));
}

TU_TEST(bad_asn_and_pattern)
{
    expect_first("asn.yaml",
                 HEAD ORG("a") "    asns: [13335]\n" ORG(
                     "b") "    asns: [\"1\", 13335]\n",
                 "asn.yaml:14:12: invalid ASN '1' (expected an unquoted "
                 "number such as 16509)");
    collect c = {.n = 0};
    rpt_entities_load_diag(g_path, NULL, collect_fn, &c);
    TU_CHECK(strstr(c.buf, "asn.yaml:14:17: AS13335 is already claimed by "
                           "'a' (line 8)\n"));
    expect_first("pat.yaml",
                 HEAD ORG("a") "    domains: [a.com]\n" ORG(
                     "b") "    domains: [x.a.com]\n"
                          "    hosts: {\"*.y.a.com\": [cdn], b.a.com: "
                          "[cdn]}\n",
                 "pat.yaml:15:13: host pattern '*.y.a.com' is under domain "
                 "'a.com' of 'a' (line 8), so it would never apply");
    expect_first("pat3.yaml",
                 HEAD ORG("a") "    domains: [a.com]\n"
                               "    hosts: {\"*.b.com\": [cdn]}\n",
                 "pat3.yaml:9:13: host pattern '*.b.com' is not under any "
                 "domain of 'a'");
    expect_first("pat2.yaml",
                 HEAD ORG("a") "    domains: [a.com]\n    hosts: {x.a.com: "
                               "[cdn]}\n" ORG("b") "    domains: [x.a.com]\n",
                 "pat2.yaml:9:13: host pattern 'x.a.com' is under domain "
                 "'x.a.com' of 'b' (line 15), so it would never apply");
    expect_first("asn0.yaml", HEAD ORG("a") "    asns: [0, 23456]\n",
                 "asn0.yaml:8:12: ASN 0 is reserved or private");
    expect_first("asn2.yaml", HEAD ORG("a") "    asns: [4294967296]\n",
                 "asn2.yaml:8:12: invalid ASN '4294967296' (expected an "
                 "unquoted number such as 16509)");
    expect_first("dom.yaml", HEAD ORG("a") "    domains: [co.uk]\n",
                 "dom.yaml:8:15: domain 'co.uk' is a public suffix");
}

TU_TEST(bad_syntax)
{
    expect_first("syntax.yaml", HEAD "  - id: a\n    name: [A\n",
                 "syntax.yaml:5:1: syntax error: did not find expected ',' "
                 "or ']' (while parsing a flow sequence at line 4, column "
                 "11)");
    expect_first("alias.yaml", HEAD "  - id: a\n    name: *x\n",
                 "alias.yaml:4:11: aliases (*x) are not supported");
    expect_first("utf8.yaml", HEAD "  - id: a\n    name: A\xff\n",
                 "utf8.yaml:4:12: syntax error: invalid leading UTF-8 octet");
    expect_first("nul.yaml", HEAD "  - id: a\n    name: \"A\\0B\"\n",
                 "nul.yaml:4:11: NUL character in a string");
    expect_first("empty.yaml", "",
                 "empty.yaml:1:1: empty file (expected 'version: 1' and "
                 "'organisations:')");
    expect_first("docs.yaml", HEAD "---\nversion: 1\n",
                 "docs.yaml:3:1: more than one YAML document in the file");
    expect_first("deep.yaml", "a: [[[[[[[[[1]]]]]]]]]\n",
                 "deep.yaml:1:11: nested deeper than 8 levels");
    expect_first("version.yaml", "version: 2\norganisations: []\n",
                 "version.yaml:1:10: unsupported version '2' (this meetaudit "
                 "reads version 1)");
}

TU_TEST(bad_io)
{
    char want[256], err[256];
    rpt_entities *h = NULL;
    snprintf(want, sizeof(want), "%s/absent.yaml", g_dir);
    TU_CHECK_INT(rpt_entities_load(want, &h, err, sizeof(err)), -1);
    strcat(want, ": No such file or directory");
    TU_CHECK_STR(err, want);
    /* Larger than RPT_ENT_MAX_FILE. */
    snprintf(g_path, sizeof(g_path), "%s/big.yaml", g_dir);
    FILE *f = fopen(g_path, "wb");
    TU_CHECK(f != NULL);
    if (!f)
        return;
    char line[64];
    memset(line, 'x', sizeof(line));
    line[0] = '#';
    line[63] = '\n';
    for (size_t i = 0; i <= RPT_ENT_MAX_FILE / 64; i++)
        fwrite(line, 1, sizeof(line), f);
    fclose(f);
    TU_CHECK_INT(rpt_entities_load(g_path, &h, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: larger than the limit of %u bytes",
             g_path, (unsigned)RPT_ENT_MAX_FILE);
    TU_CHECK_STR(err, want);
    /* A directory is not a rules file. */
    TU_CHECK_INT(rpt_entities_load(g_dir, &h, err, sizeof(err)), -1);
    TU_CHECK(strstr(err, "not a regular file") != NULL);
}

TU_TEST(problems_capped_at_100)
{
    char body[20000] = HEAD ORG("a") "    domains: [";
    for (int i = 0; i < 150; i++)
        strcat(body, i ? ", Bad.com" : "Bad.com");
    strcat(body, "]\n");
    collect c = {.n = 0};
    int n = rpt_entities_load_diag(write_file("many.yaml", body), NULL,
                                   collect_fn, &c);
    TU_CHECK_INT(n, 150);
    TU_CHECK_INT(c.calls, 100);
}

/* ---- registrable domains (Public Suffix List) ------------------------------
 */

static const char *reg(const char *host)
{
    static char out[256];
    if (rpt_registrable_domain(host, out, sizeof(out)) < 0) {
        TU_CHECK_STR(out, "");
        return "(none)";
    }
    return out;
}

TU_TEST(psl_edge_cases)
{
    TU_CHECK_STR(reg("a.b.example.co.uk"), "example.co.uk");
    TU_CHECK_STR(reg("example.co.uk"), "example.co.uk");
    TU_CHECK_STR(reg("co.uk"), "(none)");
    TU_CHECK_STR(reg("user.github.io"), "user.github.io");
    TU_CHECK_STR(reg("a.user.github.io"), "user.github.io");
    TU_CHECK_STR(reg("github.io"), "(none)");
    TU_CHECK_STR(reg("www.google.com"), "google.com");
    TU_CHECK_STR(reg("com"), "(none)");
    TU_CHECK_STR(reg("192.0.2.1"), "(none)");
    TU_CHECK_STR(reg("2001:db8::1"), "(none)");
    TU_CHECK_STR(reg("[2001:db8::1]:443"), "(none)");
    TU_CHECK_STR(reg("localhost"), "(none)");
    TU_CHECK_STR(reg("printer.lan"), "(none)");
    TU_CHECK_STR(reg("host.local"), "(none)");
    TU_CHECK_STR(reg("www.example.xn--p1ai"), "example.xn--p1ai");
    TU_CHECK_STR(reg("xn--p1ai"), "(none)");
    TU_CHECK_STR(reg("www.xn--bcher-kva.de"), "xn--bcher-kva.de");
    TU_CHECK_STR(reg("WWW.Example.COM."), "example.com");
    TU_CHECK_STR(reg("www.example.com.:443"), "example.com");
    TU_CHECK_STR(reg("d1.cloudfront.net"), "d1.cloudfront.net");
    TU_CHECK_STR(reg(""), "(none)");
    TU_CHECK_STR(reg(NULL), "(none)");
    char small[8];
    TU_CHECK_INT(
        rpt_registrable_domain("www.example.com", small, sizeof(small)), -1);
    TU_CHECK_STR(small, "");
}

int main(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/meetaudit-ent.XXXXXX");
    if (!mkdtemp(g_dir)) {
        printf("FAIL setup: mkdtemp failed\n");
        return 1;
    }
    if (rpt_entities_load("rules/entities.yaml", &g_map, g_err, sizeof(g_err)) <
        0)
        printf("    %s\n", g_err);
    TU_RUN(real_file_loads);
    TU_RUN(googletagmanager_is_google);
    TU_RUN(hockeyapp_under_microsoft);
    TU_RUN(aria_telemetry_in_microsoft_family);
    TU_RUN(zoom_hosts);
    TU_RUN(dropbox_not_microsoft);
    TU_RUN(host_normalisation);
    TU_RUN(ip_prefixes);
    TU_RUN(ipv6_prefixes);
    TU_RUN(asns);
    TU_RUN(families);
    TU_RUN(categories_and_countries);
    TU_RUN(valid_small_file);
    TU_RUN(bad_duplicate_org_id);
    TU_RUN(bad_domain_claimed_twice);
    TU_RUN(bad_overlapping_prefixes);
    TU_RUN(bad_category_country_parent);
    TU_RUN(bad_parent_cycle);
    TU_RUN(bad_cidr);
    TU_RUN(bad_asn_and_pattern);
    TU_RUN(bad_syntax);
    TU_RUN(bad_io);
    TU_RUN(problems_capped_at_100);
    TU_RUN(psl_edge_cases);
    rpt_entities_free(g_map);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", g_dir);
    return tu_finish();
}
