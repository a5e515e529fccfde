/* test_services.c - unit tests for report/services*.c: the four real rule
 * files in rules/services/ (quotes checked against the fact sheet), the
 * recognisers on hosts, addresses and ports from the fact sheet, and the
 * exact "file:line:column: message" of every kind of rule error. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../report/services.h"
#include "tu.h"

#define RULES_DIR "rules/services"
#define ENTITIES "rules/entities.yaml"
#define FACTS "../shared/policy-facts.md"

/* ---- helpers ------------------------------------------------------------ */

typedef struct diaglog {
    int n;
    char m[64][600];
} diaglog;

static void logdiag(void *ctx, const char *msg)
{
    diaglog *d = ctx;
    if (d->n < 64)
        snprintf(d->m[d->n], sizeof(d->m[0]), "%s", msg);
    d->n++;
}

static char tmpdir[256];

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        TU_FAILF("cannot write %s", path);
        return;
    }
    fwrite(text, 1, len, f);
    fclose(f);
}

/* Load text as <tmpdir>/<name> and compare its problems, in order, with
 * expected (NULL-terminated; each without the leading "path:").  When the
 * file is clean the service must be in the set. */
static void expect(const char *name, const char *text,
                   const rpt_entities *ents, const char *const *expected)
{
    char path[512], want[700];
    diaglog d = { 0 };
    int n = 0;
    tmp_path(path, sizeof(path), name);
    write_file(path, text, strlen(text));
    rule_services *s = rule_services_create();
    TU_CHECK(s != NULL);
    if (!s)
        return;
    int got = rule_services_load_file(s, path, ents, logdiag, &d);
    while (expected[n])
        n++;
    TU_CHECK_INT(got, n);
    TU_CHECK_INT(d.n, n);
    for (int i = 0; i < n && i < d.n && i < 64; i++) {
        snprintf(want, sizeof(want), "%s:%s", path, expected[i]);
        TU_CHECK_STR(d.m[i], want);
    }
    TU_CHECK_INT(rule_services_count(s), n ? 0 : 1);
    rule_services_free(s);
    unlink(path);
}

static rule_services *load_real(diaglog *d, int *problems)
{
    rule_services *s = NULL;
    *problems = rule_services_load_dir(RULES_DIR, NULL, &s, logdiag, d);
    return s;
}

static void check_claim(const rule_service *v, const char *id,
                        rule_topic topic, rule_status st, rule_assert kind,
                        const char *doc, const char *quote)
{
    const rule_claim *c = rule_service_claim_get(v, id);
    if (!c) {
        TU_FAILF("no claim %s in %s", id, rule_service_id(v));
        return;
    }
    TU_CHECK_STR(rule_claim_quote(c), quote);
    TU_CHECK_INT(rule_claim_topic(c), topic);
    TU_CHECK_INT(rule_claim_status(c), st);
    TU_CHECK_INT(rule_claim_assert(c), kind);
    TU_CHECK(rule_claim_source(c) != NULL);
    if (rule_claim_source(c))
        TU_CHECK_STR(rule_doc_id(rule_claim_source(c)), doc);
    TU_CHECK(rule_claim_service(c) == v);
}

/* ---- the real files ----------------------------------------------------- */

TU_TEST(real_files_load)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    TU_CHECK_INT(problems, 0);
    if (d.n)
        TU_FAILF("first problem: %s", d.m[0]);
    TU_CHECK_INT(rule_services_count(s), 4);
    static const char *const ops[][2] = { { "zoom", "zoom" },
                                          { "meet", "google" },
                                          { "webex", "cisco" },
                                          { "teams", "microsoft" } };
    for (int i = 0; i < 4; i++) {
        const rule_service *v = rule_services_get(s, ops[i][0]);
        TU_CHECK(v != NULL);
        if (!v)
            continue;
        TU_CHECK_STR(rule_service_operator(v), ops[i][1]);
        TU_CHECK(rule_service_claim_count(v) >= 10);
        TU_CHECK(rule_service_doc_count(v) >= 4);
    }
    TU_CHECK(rule_services_get(s, "skype") == NULL);
    rule_services_free(s);
}

TU_TEST(real_files_against_entities)
{
    rpt_entities *e = NULL;
    char err[512];
    diaglog d = { 0 };
    rule_services *s = NULL;
    if (rpt_entities_load(ENTITIES, &e, err, sizeof(err)) != 0) {
        TU_FAILF("%s", err);
        return;
    }
    int problems = rule_services_load_dir(RULES_DIR, e, &s, logdiag, &d);
    TU_CHECK_INT(problems, 0);
    for (int i = 0; i < d.n && i < 64; i++)
        TU_FAILF("%s", d.m[i]);
    TU_CHECK_INT(rule_services_count(s), 4);
    rule_services_free(s);
    rpt_entities_free(e);
}

TU_TEST(zoom_claims)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *v = rule_services_get(s, "zoom");
    TU_CHECK(v != NULL);
    if (!v) {
        rule_services_free(s);
        return;
    }
    TU_CHECK_STR(rule_service_name(v), "Zoom");
    check_claim(v, "ai-training-2023-08-11", RULE_TOPIC_ML_AI_HUMAN_REVIEW,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DENIES,
                "zoom-tos-2023-08-11",
                "Zoom does not use any of your audio, video, chat, screen "
                "sharing, attachments or other communications-like Customer "
                "Content (such as poll results, whiteboard and reactions) to "
                "train Zoom or third-party artificial intelligence models.");
    check_claim(v, "no-sale-but-ads", RULE_TOPIC_DATA_SALE_SHARING,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DISCLOSES,
                "zoom-privacy-2022-12-30",
                "We do not sell your personal data in the conventional sense. "
                "However, like many companies, we may use advertising and "
                "analytics services...");
    check_claim(v, "china-dc-opted-out", RULE_TOPIC_DATA_LOCATION,
                RULE_STATUS_VERBATIM, RULE_ASSERT_LOCATION,
                "zoom-datacenter-kb",
                "Zoom's mainland China data center is not used for "
                "edge-routing of data and is opted-out by default.");
    check_claim(v, "ai-training-blog-2023-08-07",
                RULE_TOPIC_ML_AI_HUMAN_REVIEW, RULE_STATUS_SECONDARY,
                RULE_ASSERT_DENIES, "zoom-blog-ai-2023-08-07",
                "We've updated our terms of service (in section 10.4) to "
                "further confirm that we will not use audio, video, or chat "
                "customer content to train our artificial intelligence "
                "models without your consent.");

    const rule_claim *c = rule_service_claim_get(v, "ai-training-2023-08-11");
    if (c) {
        TU_CHECK_STR(rule_claim_source_section(c), "10.2");
        TU_CHECK_INT(rule_claim_categories(c), RPT_CAT_BIT(RPT_CAT_AI_SERVICE));
        TU_CHECK_STR(rule_doc_date(rule_claim_source(c)), "2023-08-11");
        TU_CHECK_STR(rule_doc_url(rule_claim_source(c)),
                     "https://explore.zoom.us/en/terms");
    }
    c = rule_service_claim_get(v, "china-dc-opted-out");
    if (c) {
        const char *const *cc;
        int excl = -1;
        TU_CHECK_INT(rule_claim_countries(c, &cc, &excl), 1);
        TU_CHECK_STR(cc[0], "CN");
        TU_CHECK_INT(excl, 1);
    }
    c = rule_service_claim_get(v, "no-sale-but-ads");
    if (c) {
        TU_CHECK_INT(rule_claim_categories(c),
                     RPT_CAT_BIT(RPT_CAT_ADVERTISING) |
                         RPT_CAT_BIT(RPT_CAT_ANALYTICS));
        TU_CHECK_INT(rule_claim_orgs(c, NULL), 0);
    }
    c = rule_service_claim_get(v, "e2ee-aes-gcm");
    if (c) {
        TU_CHECK_INT(rule_claim_status(c), RULE_STATUS_SECONDARY);
        TU_CHECK_INT(rule_claim_min_tls(c), 0x0303);
        TU_CHECK_INT(rule_claim_cleartext(c), RULE_CLEARTEXT_FORBIDDEN);
    }
    rule_services_free(s);
}

TU_TEST(meet_claims)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *v = rule_services_get(s, "meet");
    TU_CHECK(v != NULL);
    if (!v) {
        rule_services_free(s);
        return;
    }
    check_claim(v, "no-ads-no-sale", RULE_TOPIC_DATA_SALE_SHARING,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DENIES,
                "gws-meet-security-privacy",
                "Google does not use customer data for advertising or sell "
                "customer data to third parties.");
    check_claim(v, "encrypted-in-transit", RULE_TOPIC_TRANSPORT_SECURITY,
                RULE_STATUS_VERBATIM, RULE_ASSERT_TRANSPORT,
                "gws-meet-security-privacy",
                "Customer data is encrypted in transit and customer "
                "recordings stored in Google Drive are encrypted at rest by "
                "default.");
    check_claim(v, "genai-training-2025-01-17", RULE_TOPIC_ML_AI_HUMAN_REVIEW,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DENIES,
                "gws-genai-privacy-2025-01-17",
                "Your content is not human reviewed or used for Generative AI "
                "model training outside your domain without permission.");
    check_claim(v, "client-side-encryption", RULE_TOPIC_TRANSPORT_SECURITY,
                RULE_STATUS_SECONDARY, RULE_ASSERT_TRANSPORT,
                "workspace-cse-blog",
                "this guarantees that Google cannot access audio and video "
                "content under any circumstances");
    const rule_claim *c = rule_service_claim_get(v, "encrypted-in-transit");
    if (c) {
        TU_CHECK_INT(rule_claim_min_tls(c), 0);
        TU_CHECK_INT(rule_claim_cleartext(c), RULE_CLEARTEXT_FORBIDDEN);
    }
    rule_services_free(s);
}

TU_TEST(webex_claims)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *v = rule_services_get(s, "webex");
    TU_CHECK(v != NULL);
    if (!v) {
        rule_services_free(s);
        return;
    }
    check_claim(v, "media-decrypted-at-firewall",
                RULE_TOPIC_TRANSPORT_SECURITY, RULE_STATUS_VERBATIM,
                RULE_ASSERT_TRANSPORT, "webex-e2ee-hf0owp",
                "Media streams flowing from a client to Webex servers are "
                "decrypted after they cross the Webex firewall.");
    check_claim(v, "third-party-diagnostics", RULE_TOPIC_THIRD_PARTY_ACCESS,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DISCLOSES,
                "webex-network-requirements",
                "Webex uses third parties for diagnostic and troubleshooting "
                "data collection; and the collection of crash and usage "
                "metrics.");
    check_claim(v, "never-rent-or-sell", RULE_TOPIC_DATA_SALE_SHARING,
                RULE_STATUS_SECONDARY, RULE_ASSERT_DENIES,
                "cisco-statement-to-cr-2020",
                "privacy is a basic human right, and we never rent or sell "
                "our customers' information.");
    const rule_claim *c = rule_service_claim_get(v, "cdns");
    if (c) {
        const char *const *ids;
        TU_CHECK_INT(rule_claim_orgs(c, &ids), 3);
        TU_CHECK_STR(ids[0], "aws");
        TU_CHECK_STR(ids[2], "fastly");
        TU_CHECK_INT(rule_claim_categories(c), RPT_CAT_BIT(RPT_CAT_CDN));
    }
    const rule_doc *doc = rule_service_doc_get(v, "webex-network-requirements");
    TU_CHECK(doc != NULL);
    if (doc) {
        TU_CHECK_STR(rule_doc_date(doc), "2026-03-16");
        TU_CHECK_STR(rule_doc_retrieved(doc), "2026-09-01");
    }
    rule_services_free(s);
}

TU_TEST(teams_claims)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *v = rule_services_get(s, "teams");
    TU_CHECK(v != NULL);
    if (!v) {
        rule_services_free(s);
        return;
    }
    check_claim(v, "no-targeted-ads-consumer", RULE_TOPIC_DATA_SALE_SHARING,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DENIES, "msa-consumer",
                "We do not use what you say in email, chat, video calls or "
                "voice mail, or your documents, photos or other personal "
                "files to target advertising to you.");
    check_claim(v, "telemetry", RULE_TOPIC_FIRST_PARTY_DATA_COLLECTION,
                RULE_STATUS_VERBATIM, RULE_ASSERT_DISCLOSES, "teams-privacy",
                "Microsoft also collects various telemetry data related to "
                "service usage.");
    check_claim(v, "tls-and-srtp", RULE_TOPIC_TRANSPORT_SECURITY,
                RULE_STATUS_VERBATIM, RULE_ASSERT_TRANSPORT, "m365-encryption",
                "Teams uses TLS and MTLS to encrypt instant messages. Media "
                "traffic is encrypted using Secure RTP (SRTP).");
    check_claim(v, "no-profiling-enterprise", RULE_TOPIC_DATA_SALE_SHARING,
                RULE_STATUS_SECONDARY, RULE_ASSERT_DENIES, "pulse-2020",
                "Microsoft does not use customer data or personal data to "
                "profile users, advertise, or similar commercial purposes");
    const rule_claim *c = rule_service_claim_get(v, "telemetry");
    if (c) {
        const char *const *ids;
        TU_CHECK_INT(rule_claim_orgs(c, &ids), 1);
        TU_CHECK_STR(ids[0], "microsoft");
        TU_CHECK_INT(rule_claim_categories(c), RPT_CAT_BIT(RPT_CAT_TELEMETRY));
    }
    rule_services_free(s);
}

/* Every quote of every claim occurs character for character in the fact
 * sheet (verbatim ones are policy text; the others its secondary text). */
TU_TEST(quotes_in_fact_sheet)
{
    FILE *f = fopen(FACTS, "rb");
    static char facts[200000];
    size_t n = f ? fread(facts, 1, sizeof(facts) - 1, f) : 0;
    if (f)
        fclose(f);
    facts[n] = 0;
    TU_CHECK(n > 1000);
    diaglog d = { 0 };
    int problems, checked = 0;
    rule_services *s = load_real(&d, &problems);
    for (size_t i = 0; i < rule_services_count(s); i++) {
        const rule_service *v = rule_services_at(s, i);
        for (size_t j = 0; j < rule_service_claim_count(v); j++) {
            const rule_claim *c = rule_service_claim_at(v, j);
            checked++;
            if (!strstr(facts, rule_claim_quote(c)))
                TU_FAILF("%s/%s: quote not in the fact sheet",
                         rule_service_id(v), rule_claim_id(c));
        }
    }
    TU_CHECK(checked >= 40);
    rule_services_free(s);
}

/* ---- recognisers -------------------------------------------------------- */

TU_TEST(recognise_hosts)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *z = rule_services_get(s, "zoom");
    const rule_service *m = rule_services_get(s, "meet");
    const rule_service *t = rule_services_get(s, "teams");
    const rule_service *w = rule_services_get(s, "webex");
    TU_CHECK(z && m && t && w);
    if (!z || !m || !t || !w) {
        rule_services_free(s);
        return;
    }
    TU_CHECK_STR(rule_service_recognises_host(z, "log.zoom.us"), "zoom.us");
    TU_CHECK_STR(rule_service_recognises_host(z, "zoom.us"), "zoom.us");
    TU_CHECK_STR(rule_service_recognises_host(z, "US04WEB.Zoom.US."),
                 "zoom.us");
    TU_CHECK_STR(rule_service_recognises_host(z, "zoom.com:443"), "zoom.com");
    TU_CHECK(rule_service_recognises_host(z, "notzoom.us") == NULL);
    TU_CHECK(rule_service_recognises_host(z, "zoom.us.example.com") == NULL);
    TU_CHECK(rule_service_recognises_host(z, "170.114.0.1") == NULL);
    TU_CHECK(rule_service_recognises_host(z, "zoom.us:x") == NULL);
    TU_CHECK(rule_service_recognises_host(z, "") == NULL);
    TU_CHECK_STR(rule_service_recognises_host(m, "stream.meet.google.com"),
                 "meet.google.com");
    TU_CHECK_STR(rule_service_recognises_host(m, "meetings.googleapis.com"),
                 "meetings.googleapis.com");
    TU_CHECK(rule_service_recognises_host(m, "www.google.com") == NULL);
    /* "*.lync.com" covers subdomains only; teams.microsoft.com itself too */
    TU_CHECK_STR(rule_service_recognises_host(t, "webdir.online.lync.com"),
                 "*.lync.com");
    TU_CHECK(rule_service_recognises_host(t, "lync.com") == NULL);
    TU_CHECK_STR(rule_service_recognises_host(t, "teams.microsoft.com"),
                 "teams.microsoft.com");
    TU_CHECK_STR(rule_service_recognises_host(t, "x.broadcast.skype.com"),
                 "*.skype.com");
    TU_CHECK(rule_service_recognises_host(t, "www.microsoft.com") == NULL);
    TU_CHECK_STR(rule_service_recognises_host(w, "akamaicdn.webex.com"),
                 "webex.com");
    TU_CHECK(rule_service_recognises_host(w, "x.rackcdn.com") == NULL);
    rule_services_free(s);
}

TU_TEST(recognise_addresses)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *z = rule_services_get(s, "zoom");
    const rule_service *m = rule_services_get(s, "meet");
    const rule_service *t = rule_services_get(s, "teams");
    const rule_service *w = rule_services_get(s, "webex");
    TU_CHECK(z && m && t && w);
    if (!z || !m || !t || !w) {
        rule_services_free(s);
        return;
    }
    TU_CHECK_STR(rule_service_recognises_ip_str(z, "170.114.10.5"),
                 "170.114.0.0/16");
    TU_CHECK_STR(rule_service_recognises_ip_str(z, "3.7.35.127"),
                 "3.7.35.0/25");
    TU_CHECK(rule_service_recognises_ip_str(z, "3.7.35.128") == NULL);
    const uint8_t a4[4] = { 206, 247, 1, 2 };
    TU_CHECK_STR(rule_service_recognises_ip(z, 4, a4), "206.247.0.0/16");
    const uint8_t a6[16] = { 0 };
    TU_CHECK(rule_service_recognises_ip(z, 6, a6) == NULL);
    TU_CHECK(rule_service_recognises_ip(z, 5, a4) == NULL);
    /* longest prefix: 52.122.0.0/15 inside 52.120.0.0/14 */
    TU_CHECK_STR(rule_service_recognises_ip_str(t, "52.122.5.5"),
                 "52.122.0.0/15");
    TU_CHECK_STR(rule_service_recognises_ip_str(t, "52.113.1.1"),
                 "52.112.0.0/14");
    TU_CHECK_STR(rule_service_recognises_ip_str(t, "52.238.119.141"),
                 "52.238.119.141/32");
    TU_CHECK(rule_service_recognises_ip_str(t, "52.238.119.142") == NULL);
    TU_CHECK_STR(rule_service_recognises_ip_str(t, "2603:1063:3ff::1"),
                 "2603:1063::/38");
    TU_CHECK(rule_service_recognises_ip_str(t, "2603:1063:400::1") == NULL);
    TU_CHECK_STR(rule_service_recognises_ip_str(m, "2001:4860:4864:4:8000::"),
                 "2001:4860:4864:4:8000::/128");
    TU_CHECK(rule_service_recognises_ip_str(m, "2001:4860:4864:4:8000::1") ==
             NULL);
    TU_CHECK_STR(rule_service_recognises_ip_str(m, "74.125.250.129"),
                 "74.125.250.0/24");
    TU_CHECK_STR(rule_service_recognises_ip_str(w, "2a00:a640::5"),
                 "2a00:a640::/34");
    TU_CHECK(rule_service_recognises_ip_str(w, "66.114.160.1") == NULL);
    TU_CHECK(rule_service_recognises_ip_str(w, "not an address") == NULL);
    rule_services_free(s);
}

TU_TEST(recognise_ports_and_ndpi)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *z = rule_services_get(s, "zoom");
    const rule_service *m = rule_services_get(s, "meet");
    const rule_service *t = rule_services_get(s, "teams");
    const rule_service *w = rule_services_get(s, "webex");
    TU_CHECK(z && m && t && w);
    if (!z || !m || !t || !w) {
        rule_services_free(s);
        return;
    }
    TU_CHECK_STR(rule_service_recognises_port(z, 17, 8801), "udp:8801-8810");
    TU_CHECK_STR(rule_service_recognises_port(z, 17, 8810), "udp:8801-8810");
    TU_CHECK(rule_service_recognises_port(z, 17, 8811) == NULL);
    TU_CHECK_STR(rule_service_recognises_port(z, 6, 8802), "tcp:8801-8802");
    TU_CHECK(rule_service_recognises_port(z, 6, 8803) == NULL);
    TU_CHECK(rule_service_recognises_port(z, 6, 443) == NULL);
    TU_CHECK_STR(rule_service_recognises_port(m, 17, 19305),
                 "udp:19302-19309");
    TU_CHECK_STR(rule_service_recognises_port(t, 17, 50059),
                 "udp:50000-50059");
    TU_CHECK(rule_service_recognises_port(t, 17, 50060) == NULL);
    TU_CHECK_STR(rule_service_recognises_port(w, 17, 9000), "udp:9000");
    TU_CHECK(rule_service_recognises_port(w, 6, 9000) == NULL);

    TU_CHECK_STR(rule_service_recognises_ndpi(z, "TLS.Zoom"), "Zoom");
    TU_CHECK_STR(rule_service_recognises_ndpi(z, "zoom"), "Zoom");
    TU_CHECK(rule_service_recognises_ndpi(z, "TLS") == NULL);
    TU_CHECK(rule_service_recognises_ndpi(z, "ZoomX") == NULL);
    TU_CHECK_STR(rule_service_recognises_ndpi(t, "STUN.Skype_Teams"),
                 "Skype_Teams");
    TU_CHECK_STR(rule_service_recognises_ndpi(m, "QUIC.GoogleMeet"),
                 "GoogleMeet");
    TU_CHECK(rule_service_recognises_ndpi(m, "Google") == NULL);

    const char *const *items;
    TU_CHECK_INT(rule_service_ports(z, &items), 3);
    TU_CHECK_STR(items[2], "udp:3478-3479");
    TU_CHECK_INT(rule_service_ndpi(t, &items), 2);
    TU_CHECK_STR(items[1], "Skype_Teams");
    rule_services_free(s);
}

TU_TEST(claim_conditions)
{
    diaglog d = { 0 };
    int problems;
    rule_services *s = load_real(&d, &problems);
    const rule_service *z = rule_services_get(s, "zoom");
    const rule_claim *ai =
        z ? rule_service_claim_get(z, "ai-training-2023-08-11") : NULL;
    const rule_claim *plain = z ? rule_service_claim_get(z, "no-sale-but-ads")
                                : NULL;
    TU_CHECK(ai && plain);
    if (ai && plain) {
        const char *const k1[] = { "role", "ai_features" };
        const char *const v1[] = { "host", "off" };
        const char *const v2[] = { "host", "on" };
        const char *const *wk, *const *wv;
        TU_CHECK_INT(rule_claim_when(ai, &wk, &wv), 1);
        TU_CHECK_STR(wk[0], "ai_features");
        TU_CHECK_STR(wv[0], "off");
        TU_CHECK(rule_claim_applies(ai, k1, v1, 2));
        TU_CHECK(!rule_claim_applies(ai, k1, v2, 2));
        TU_CHECK(!rule_claim_applies(ai, k1, v1, 1));
        TU_CHECK(!rule_claim_applies(ai, NULL, NULL, 0));
        TU_CHECK(rule_claim_applies(plain, NULL, NULL, 0));
        TU_CHECK_INT(rule_claim_when(plain, NULL, NULL), 0);
    }
    rule_services_free(s);
}

TU_TEST(names)
{
    TU_CHECK_STR(rule_topic_name(RULE_TOPIC_THIRD_PARTY_ACCESS),
                 "third_party_access");
    TU_CHECK_STR(rule_topic_title(RULE_TOPIC_THIRD_PARTY_ACCESS),
                 "Third Party Access");
    TU_CHECK_INT(rule_topic_index("data_location"), RULE_TOPIC_DATA_LOCATION);
    TU_CHECK_INT(rule_topic_index("encryption"), -1);
    TU_CHECK(rule_topic_name(RULE_TOPIC_COUNT) == NULL);
    TU_CHECK_STR(rule_status_name(RULE_STATUS_SECONDARY), "secondary");
    TU_CHECK_STR(rule_assert_name(RULE_ASSERT_LOCATION), "location");
    TU_CHECK(rule_assert_name((rule_assert)9) == NULL);
}

/* ---- rule errors -------------------------------------------------------- */

/* One document line. */
#define DOC1                                                                \
    "  - {id: d1, title: T, url: unknown, date: undated, "                  \
    "retrieved: unknown}\n"
/* Lines 1-7; claims start on line 8, the first claim on line 9. */
#define HEAD                                                                \
    "service: zoom\n"                                                       \
    "name: Zoom\n"                                                          \
    "operator: zoom\n"                                                      \
    "recognise:\n"                                                          \
    "  domains: [zoom.us]\n"                                                \
    "documents:\n"                                                          \
    DOC1
/* Lines 9-14 when it follows HEAD "claims:\n". */
#define CLAIM(id)                                                           \
    "  - id: " id "\n"                                                      \
    "    topic: third_party_access\n"                                       \
    "    quote: \"Some text.\"\n"                                           \
    "    source: {document: d1}\n"                                          \
    "    status: verbatim\n"                                                \
    "    discloses: {categories: [cloud]}\n"

#define NONE ((const char *const[]){ NULL })
#define MSGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TU_TEST(err_valid_minimal)
{
    expect("zoom.yaml", HEAD "claims:\n" CLAIM("c1") CLAIM("c2"), NULL, NONE);
}

TU_TEST(err_unknown_and_missing_keys)
{
    expect("zoom.yaml",
           HEAD "claims:\n"
                "  - id: c1\n"
                "    topic: third_party_access\n"
                "    qoute: \"Some text.\"\n"
                "    source: {document: d1, page: 3}\n"
                "    status: verbatim\n"
                "    discloses: {categories: [cloud]}\n"
                "colour: red\n",
           NULL,
           MSGS("9:5: missing key \"quote\" in claim",
                "11:5: unknown key \"qoute\" in claim",
                "12:28: unknown key \"page\" in source",
                "15:1: unknown key \"colour\" in the service file"));
    expect("zoom.yaml",
           "service: zoom\nname: Zoom\nrecognise: {domains: [zoom.us]}\n"
           "documents:\n  - {id: d1, title: T, url: unknown, date: undated}\n"
           "claims:\n" CLAIM("c1"),
           NULL,
           MSGS("1:1: missing key \"operator\" in the service file",
                "5:5: missing key \"retrieved\" in document"));
}

TU_TEST(err_duplicates)
{
    expect("zoom.yaml",
           HEAD "claims:\n" CLAIM("c1") CLAIM("c2") CLAIM("c1"), NULL,
           MSGS("21:9: duplicate claim id \"c1\" (first on line 9)"));
    expect("zoom.yaml",
           HEAD "claims:\n"
                "  - id: c1\n"
                "    topic: third_party_access\n"
                "    topic: data_location\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    discloses: {categories: [cloud]}\n",
           NULL, MSGS("11:5: duplicate key \"topic\""));
    expect("zoom.yaml",
           HEAD "  - {id: d1, title: U, url: unknown, date: 2020, "
                "retrieved: unknown}\nclaims:\n" CLAIM("c1"),
           NULL, MSGS("8:10: duplicate document id \"d1\" (first on line 7)"));
}

TU_TEST(err_unknown_names)
{
    expect("zoom.yaml",
           HEAD "claims:\n"
                "  - id: c1\n"
                "    topic: encryption\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d2}\n"
                "    status: verified\n"
                "    discloses: {categories: [cloud, ads]}\n",
           NULL,
           MSGS("10:12: unknown topic \"encryption\"",
                "12:24: source document \"d2\" is not in documents",
                "13:13: unknown status \"verified\" (verbatim, secondary or "
                "unverified)",
                "14:37: unknown category \"ads\""));
    expect("webex.yaml", HEAD "claims:\n" CLAIM("c1"), NULL,
           MSGS("1:10: service \"zoom\" does not match the file name "
                "\"webex.yaml\""));
    expect("skype.yaml",
           "service: skype\nname: Skype\noperator: microsoft\n"
           "recognise: {ndpi: [Skype_Teams]}\n"
           "documents:\n"
           DOC1
           "claims:\n" CLAIM("c1"),
           NULL,
           MSGS("1:10: unknown service \"skype\" (zoom, meet, webex or "
                "teams)"));
}

TU_TEST(err_organisations)
{
    const char *text =
        HEAD "claims:\n"
             "  - id: c1\n"
             "    topic: third_party_access\n"
             "    quote: \"Some text.\"\n"
             "    source: {document: d1}\n"
             "    status: verbatim\n"
             "    denies: {organisations: [doubleclick, Bad_Id]}\n";
    /* without a map only the id syntax is checked */
    expect("zoom.yaml", text, NULL,
           MSGS("14:43: bad organisation id \"Bad_Id\""));
    /* an empty map knows no organisation at all */
    rpt_entities *e = rpt_entities_create();
    TU_CHECK(e != NULL);
    if (e)
        expect("zoom.yaml", text, e,
               MSGS("3:11: unknown organisation \"zoom\"",
                    "14:30: unknown organisation \"doubleclick\"",
                    "14:43: bad organisation id \"Bad_Id\""));
    rpt_entities_free(e);
}

TU_TEST(err_countries)
{
    expect("zoom.yaml",
           HEAD "claims:\n"
                "  - id: c1\n"
                "    topic: data_location\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    location: {not_countries: [CN, UK, cn, CHN]}\n"
                "  - id: c2\n"
                "    topic: data_location\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    location: {countries: [US], not_countries: [CN]}\n"
                "  - id: c3\n"
                "    topic: data_location\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    location: {countries: []}\n",
           NULL,
           MSGS("14:36: bad country code \"UK\" (ISO 3166-1 alpha-2)",
                "14:40: bad country code \"cn\" (ISO 3166-1 alpha-2)",
                "14:44: bad country code \"CHN\" (ISO 3166-1 alpha-2)",
                "20:48: location takes countries or not_countries, not both",
                "26:15: location names no countries"));
}

TU_TEST(err_prefixes_and_ports)
{
    expect("zoom.yaml",
           "service: zoom\nname: Zoom\noperator: zoom\n"
           "recognise:\n"
           "  prefixes: [10.0.0.0/33, 10.0.0.1/8, 1.2.3.0/24, 300.1.1.0/24]\n"
           "  prefixes6: [\"2001:db8::/129\"]\n"
           "  ports:\n"
           "    - {proto: udp, ports: \"8810-8801\"}\n"
           "    - {proto: udp, ports: \"0\"}\n"
           "    - {proto: tcp, ports: \"70000\"}\n"
           "    - {proto: tcp, ports: \"80-\"}\n"
           "    - {proto: sctp, ports: \"80\"}\n"
           "    - {proto: tcp, ports: \"8801-8802\"}\n"
           "documents:\n"
           DOC1
           "claims:\n" CLAIM("c1"),
           NULL,
           MSGS("5:14: bad IP prefix \"10.0.0.0/33\"",
                "5:27: bad IP prefix \"10.0.0.1/8\" (host bits set)",
                "5:51: bad IP prefix \"300.1.1.0/24\"",
                "6:3: unknown key \"prefixes6\" in recognise",
                "8:27: bad port range \"8810-8801\"",
                "9:27: bad port range \"0\"",
                "10:27: bad port range \"70000\"",
                "11:27: bad port range \"80-\"",
                "12:15: unknown protocol \"sctp\" (tcp or udp)"));
    expect("zoom.yaml",
           "service: zoom\nname: Zoom\noperator: zoom\n"
           "recognise:\n"
           "  ndpi: []\n"
           "  ports: [{proto: udp, ports: \"8801\"}]\n"
           "documents:\n"
           DOC1
           "claims:\n" CLAIM("c1"),
           NULL,
           MSGS("5:3: recognise names no nDPI protocol, domain or prefix"));
}

TU_TEST(err_quotes_and_assertions)
{
    expect("zoom.yaml",
           HEAD "claims:\n"
                "  - id: c1\n"
                "    topic: third_party_access\n"
                "    quote: \"\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    discloses: {categories: [cloud]}\n"
                "  - id: c2\n"
                "    topic: third_party_access\n"
                "    quote: \"  \"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    discloses: {categories: [cloud]}\n"
                "    denies: {categories: [advertising]}\n"
                "  - id: c3\n"
                "    topic: third_party_access\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "  - id: c4\n"
                "    topic: transport_security\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    transport: {min_tls: \"1.4\", cleartext: never}\n"
                "  - id: c5\n"
                "    topic: transport_security\n"
                "    quote: \"Some text.\"\n"
                "    source: {document: d1}\n"
                "    status: verbatim\n"
                "    transport: {}\n"
                "    when: {context: {}}\n",
           NULL,
           MSGS("11:12: empty quote",
                "17:12: empty quote",
                "21:5: more than one assertion in claim \"c2\" "
                "(\"discloses\" and \"denies\")",
                "22:5: no assertion in claim \"c3\" (discloses, denies, "
                "transport or location)",
                "32:26: unknown TLS version \"1.4\" (1.0, 1.1, 1.2 or 1.3)",
                "32:44: unknown cleartext value \"never\" (forbidden or "
                "allowed)",
                "38:16: transport states neither min_tls nor cleartext",
                "39:21: empty context"));
}

TU_TEST(err_types_dates_urls)
{
    expect("zoom.yaml",
           "service: [zoom]\nname: \"\"\noperator: zoom\n"
           "recognise: {domains: zoom.us}\n"
           "documents:\n"
           "  - {id: d1, title: T, url: \"ftp://x\", date: 2023-13-01, "
           "retrieved: yesterday}\n"
           "claims:\n  - just a string\n",
           NULL,
           MSGS("1:10: expected a string for \"service\", found a list",
                "2:7: empty value for \"name\"",
                "4:22: expected a list for \"domains\", found a string",
                "6:29: bad URL \"ftp://x\" (http://, https:// or unknown)",
                "6:46: bad date \"2023-13-01\" (YYYY-MM-DD, YYYY-MM, YYYY or "
                "undated)",
                "6:69: bad date \"yesterday\" (YYYY-MM-DD, YYYY-MM, YYYY or "
                "unknown)",
                "8:5: expected a mapping for \"claims\", found a string"));
}

/* Claims before documents: detection order differs from line order. */
TU_TEST(err_sorted_by_line)
{
    expect("zoom.yaml",
           "service: zoom\nname: Zoom\noperator: zoom\n"
           "recognise: {ndpi: [Zoom]}\n"
           "claims:\n"
           "  - id: c1\n"
           "    topic: nope\n"
           "    quote: \"Some text.\"\n"
           "    source: {document: d1}\n"
           "    status: verbatim\n"
           "    discloses: {categories: [cloud]}\n"
           "documents:\n"
           "  - {id: d1, title: T, url: unknown, date: 99, "
           "retrieved: unknown}\n",
           NULL,
           MSGS("7:12: unknown topic \"nope\"",
                "13:44: bad date \"99\" (YYYY-MM-DD, YYYY-MM, YYYY or "
                "undated)"));
}

TU_TEST(err_yaml_level)
{
    expect("zoom.yaml", "service: zoom\nname: [a\n", NULL,
           MSGS("3:1: YAML syntax error: did not find expected ',' or ']' "
                "while parsing a flow sequence"));
    expect("zoom.yaml", "service: &s zoom\nname: *s\n", NULL,
           MSGS("2:7: aliases are not allowed"));
    expect("zoom.yaml", "service: zoom\nx: [[[[[[[[1]]]]]]]]\n", NULL,
           MSGS("2:11: nesting deeper than 8 levels"));
    expect("zoom.yaml", "service: zoom\n---\nservice: meet\n", NULL,
           MSGS("2:1: more than one YAML document"));
    expect("zoom.yaml", "- service\n", NULL,
           MSGS("1:1: expected a mapping at the top level, found a list"));
    expect("zoom.yaml", "# nothing\n", NULL, MSGS("1:1: empty file"));
    expect("zoom.yaml", "service: \"zo\\0om\"\n", NULL,
           MSGS("1:10: NUL character in a string"));
    expect("zoom.yaml", "service: zoom\nname: \xff\n", NULL,
           MSGS("2:7: unreadable text: invalid leading UTF-8 octet"));
    expect("zoom.yaml", "? [service]\n: zoom\n", NULL,
           MSGS("1:3: mapping keys must be strings"));
}

TU_TEST(err_file_limits)
{
    char path[512], want[600];
    size_t big = RULE_SVC_MAX_FILE + 1;
    char *text = malloc(big);
    diaglog d = { 0 };
    TU_CHECK(text != NULL);
    if (!text)
        return;
    memset(text, '#', big);
    tmp_path(path, sizeof(path), "zoom.yaml");
    write_file(path, text, big);
    free(text);
    rule_services *s = rule_services_create();
    TU_CHECK_INT(rule_services_load_file(s, path, NULL, logdiag, &d), 1);
    snprintf(want, sizeof(want), "%s: too large (1048577 bytes, limit 1048576)",
             path);
    TU_CHECK_STR(d.m[0], want);
    unlink(path);

    /* 10001 items in one list */
    size_t cap = 200000, n = 0;
    text = malloc(cap);
    TU_CHECK(text != NULL);
    if (text) {
        n += (size_t)snprintf(text + n, cap - n, "service: zoom\nx: [");
        for (int i = 0; i <= RULE_SVC_MAX_ITEMS; i++)
            n += (size_t)snprintf(text + n, cap - n, "%s1", i ? "," : "");
        snprintf(text + n, cap - n, "]\n");
        d.n = 0;
        write_file(path, text, strlen(text));
        TU_CHECK_INT(rule_services_load_file(s, path, NULL, logdiag, &d), 1);
        /* item 10001 starts at column 5 + 2 * 10000 */
        snprintf(want, sizeof(want),
                 "%s:2:20005: more than 10000 items in one list", path);
        TU_CHECK_STR(d.m[0], want);
        free(text);
        unlink(path);
    }

    d.n = 0;
    tmp_path(path, sizeof(path), "missing.yaml");
    TU_CHECK_INT(rule_services_load_file(s, path, NULL, logdiag, &d), 1);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
             path);
    TU_CHECK_STR(d.m[0], want);
    TU_CHECK_INT(rule_services_count(s), 0);
    rule_services_free(s);
}

TU_TEST(err_directories)
{
    diaglog d = { 0 };
    rule_services *s = (rule_services *)1;
    char want[600], path[512];

    /* no *.yaml files */
    TU_CHECK_INT(rule_services_load_dir(tmpdir, NULL, &s, logdiag, &d), 1);
    TU_CHECK(s == NULL);
    snprintf(want, sizeof(want), "%s: no service rule files (*.yaml)", tmpdir);
    TU_CHECK_STR(d.m[0], want);

    /* one good, one bad file: problems counted, no set */
    tmp_path(path, sizeof(path), "meet.yaml");
    write_file(path, "service: meet\n", 14);
    char good[512];
    tmp_path(good, sizeof(good), "zoom.yaml");
    const char *ok = HEAD "claims:\n" CLAIM("c1");
    write_file(good, ok, strlen(ok));
    d.n = 0;
    s = (rule_services *)1;
    TU_CHECK_INT(rule_services_load_dir(tmpdir, NULL, &s, logdiag, &d), 5);
    TU_CHECK(s == NULL);
    snprintf(want, sizeof(want),
             "%s:1:1: missing key \"name\" in the service file", path);
    TU_CHECK_STR(d.m[0], want);
    unlink(path);

    /* now only the good one; out == NULL validates only */
    d.n = 0;
    TU_CHECK_INT(rule_services_load_dir(tmpdir, NULL, NULL, logdiag, &d), 0);
    TU_CHECK_INT(rule_services_load_dir(tmpdir, NULL, &s, NULL, NULL), 0);
    TU_CHECK_INT(rule_services_count(s), 1);
    /* the same service twice in one set */
    d.n = 0;
    TU_CHECK_INT(rule_services_load_file(s, good, NULL, logdiag, &d), 1);
    snprintf(want, sizeof(want), "%s:1:10: service \"zoom\" is already loaded",
             good);
    TU_CHECK_STR(d.m[0], want);
    rule_services_free(s);
    unlink(good);

    d.n = 0;
    TU_CHECK_INT(rule_services_load_dir("/nonexistent/rules", NULL, &s,
                                        logdiag, &d), 1);
    TU_CHECK_STR(d.m[0], "/nonexistent/rules: No such file or directory");
}

/* Every allocation of a full load fails once in turn: each run must either
 * succeed or report "out of memory", and leak nothing (ASan checks). */
TU_TEST(alloc_failures)
{
    int succeeded = 0, oom_seen = 0;
    long n;
    for (n = 1; n < 100000 && !succeeded; n++) {
        diaglog d = { 0 };
        rule_services *s = NULL;
        rule_services_fail_alloc_at(n);
        int p = rule_services_load_dir(RULES_DIR, NULL, &s, logdiag, &d);
        rule_services_fail_alloc_at(0);
        if (p == 0) {
            succeeded = 1;
            TU_CHECK_INT(rule_services_count(s), 4);
        } else {
            TU_CHECK(s == NULL);
            for (int i = 0; i < d.n && i < 64; i++)
                oom_seen |= strstr(d.m[i], "out of memory") != NULL;
        }
        rule_services_free(s);
    }
    TU_CHECK(succeeded);
    TU_CHECK(oom_seen);
    TU_CHECK(n > 50); /* many allocations were exercised */
}

static int have(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int main(void)
{
    if (tu_tmp_template(tmpdir, sizeof(tmpdir), "svc") != 0 ||
        !mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp %s\n", tmpdir);
        return 1;
    }
    TU_RUN(real_files_load);
    if (have(ENTITIES))
        TU_RUN(real_files_against_entities);
    else
        printf("SKIP real_files_against_entities: no %s\n", ENTITIES);
    TU_RUN(zoom_claims);
    TU_RUN(meet_claims);
    TU_RUN(webex_claims);
    TU_RUN(teams_claims);
    if (have(FACTS))
        TU_RUN(quotes_in_fact_sheet);
    else
        printf("SKIP quotes_in_fact_sheet: no %s\n", FACTS);
    TU_RUN(recognise_hosts);
    TU_RUN(recognise_addresses);
    TU_RUN(recognise_ports_and_ndpi);
    TU_RUN(claim_conditions);
    TU_RUN(names);
    TU_RUN(err_valid_minimal);
    TU_RUN(err_unknown_and_missing_keys);
    TU_RUN(err_duplicates);
    TU_RUN(err_unknown_names);
    TU_RUN(err_organisations);
    TU_RUN(err_countries);
    TU_RUN(err_prefixes_and_ports);
    TU_RUN(err_quotes_and_assertions);
    TU_RUN(err_types_dates_urls);
    TU_RUN(err_sorted_by_line);
    TU_RUN(err_yaml_level);
    TU_RUN(err_file_limits);
    TU_RUN(err_directories);
    TU_RUN(alloc_failures);
    rmdir(tmpdir);
    return tu_finish();
}
