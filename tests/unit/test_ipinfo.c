/* test_ipinfo.c - unit tests for report/ipinfo.c (+ ipinfo_csv.c,
 * datadir.c): ASN CSV parsing and lookups on fixture files written here,
 * overlap resolution, bounds, the absent and unusable paths, and - when
 * `make data` has run - the real ip-location-db files (ASN and MMDB). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../report/datadir.h"
#include "../../report/ipinfo.h"
#include "tu.h"

/* ---- fixtures ---------------------------------------------------------- */

static char g_dir[64];

static const char *const FIXTURE_FILES[] = {
    "asn-ipv4-num.csv", "asn-ipv4.csv", "asn-ipv6.csv", "asn-ipv6-num.csv",
    "geo-whois-asn-country.mmdb", "VERSIONS",
};

static void clean_dir(void)
{
    char p[128];
    for (size_t i = 0; i < sizeof(FIXTURE_FILES) / sizeof(FIXTURE_FILES[0]);
         i++) {
        snprintf(p, sizeof(p), "%s/%s", g_dir, FIXTURE_FILES[i]);
        unlink(p);
    }
}

/* A fresh empty temporary directory in g_dir. */
static int new_dir(void)
{
    if (g_dir[0]) {
        clean_dir();
        rmdir(g_dir);
    }
    snprintf(g_dir, sizeof(g_dir), "/tmp/meetaudit-ipinfo.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int write_file(const char *name, const char *text)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Look up a textual address; returns rpt_ipinfo_asn()'s result. */
static int asn_of(const rpt_ipinfo *h, const char *ip, uint32_t *asn,
                  const char **org)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return rpt_ipinfo_asn(h, 4, a, asn, org);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return rpt_ipinfo_asn(h, 6, a, asn, org);
    return -99;
}

static int cc_of(const rpt_ipinfo *h, const char *ip, char cc[3])
{
    uint8_t a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return rpt_ipinfo_country(h, 4, a, cc);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return rpt_ipinfo_country(h, 6, a, cc);
    return -99;
}

#define CHECK_ASN(h, ip, want_rc, want_asn, want_org)                       \
    do {                                                                    \
        uint32_t asn_ = 12345;                                              \
        const char *org_ = "x";                                             \
        TU_CHECK_INT(asn_of(h, ip, &asn_, &org_), want_rc);                 \
        TU_CHECK_INT(asn_, want_asn);                                       \
        if (want_org)                                                       \
            TU_CHECK_STR(org_, (const char *)(want_org));                   \
        else                                                                \
            TU_CHECK(org_ == NULL);                                         \
    } while (0)

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* The real-format IPv4 file: 7 good rows, 4 malformed (lines 5-8). */
static const char V4_CSV[] =
    "16777216,16777471,13335,\"Cloudflare, Inc.\"\n"       /* 1.0.0.0/24 */
    "16778240,16779263,38803,Gtelecom Pty Ltd\n"          /* 1.0.4.0/22 */
    "35309568,35313663,201907,\"LLC \"\"SPUTNIK\"\"\"\n"  /* 2.26.200.0 */
    "134744064,134744319,15169,Google LLC\n"              /* 8.8.8.0/24 */
    "2001:db8::,2001:db8::ff,64496,\"an IPv6 row\"\n"     /* malformed */
    "16777472,16777216,64497,\"start after end\"\n"       /* malformed */
    "16779264,16779519,64498,\"unterminated\n"           /* malformed */
    "16779520,16779775,4294967296,Too big an ASN\n"       /* malformed */
    "16779776,16780031,64499,\"Cloudflare, Inc.\"\n"      /* 1.0.10.0/24 */
    "167772160,184549375,64500,Private\n"                 /* 10.0.0.0/8 */
    "184549376,184549631,0,Not routed\n";                 /* 11.0.0.0/24 */

/* ---- tests ------------------------------------------------------------- */

TU_TEST(absent_data)
{
    char err[256];
    TU_CHECK(new_dir() == 0);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_ipinfo_have(h), 0);
    const char *st = rpt_ipinfo_status(h);
    TU_CHECK(contains(st, "ASN data: not installed"));
    TU_CHECK(contains(st, "Country data: not installed"));
    TU_CHECK(contains(st, "run `make data`"));
    TU_CHECK(contains(st, g_dir));
    CHECK_ASN(h, "8.8.8.8", 0, 0, NULL);
    CHECK_ASN(h, "2001:4860:4860::8888", 0, 0, NULL);
    char cc[3] = "XX";
    TU_CHECK_INT(cc_of(h, "8.8.8.8", cc), 0);
    TU_CHECK_STR(cc, "");
    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    TU_CHECK_INT(s.v4_ranges + s.v6_ranges + s.malformed + s.bytes, 0);
    rpt_ipinfo_free(h);

    /* A directory that does not exist at all is the same. */
    h = rpt_ipinfo_open("/nonexistent/meetaudit-data", err, sizeof(err));
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_ipinfo_have(h), 0);
    TU_CHECK(contains(rpt_ipinfo_status(h),
                      "no /nonexistent/meetaudit-data/asn-ipv4-num.csv"));
    rpt_ipinfo_free(h);
}

TU_TEST(null_handle_and_bad_args)
{
    uint8_t a[16] = { 8, 8, 8, 8 };
    uint32_t asn = 7;
    const char *org = "x";
    char cc[3] = "XX";
    TU_CHECK_INT(rpt_ipinfo_asn(NULL, 4, a, &asn, &org), 0);
    TU_CHECK_INT(asn, 0);
    TU_CHECK(org == NULL);
    TU_CHECK_INT(rpt_ipinfo_asn(NULL, 5, a, &asn, &org), -1);
    TU_CHECK_INT(rpt_ipinfo_asn(NULL, 4, NULL, &asn, &org), -1);
    TU_CHECK_INT(rpt_ipinfo_country(NULL, 4, a, cc), 0);
    TU_CHECK_STR(cc, "");
    TU_CHECK_INT(rpt_ipinfo_country(NULL, 0, a, cc), -1);
    TU_CHECK_INT(rpt_ipinfo_have(NULL), 0);
    TU_CHECK(contains(rpt_ipinfo_status(NULL), "not loaded"));
    rpt_ipinfo_free(NULL);
}

TU_TEST(csv_v4_fixture)
{
    char err[256];
    TU_CHECK(new_dir() == 0);
    TU_CHECK(write_file("asn-ipv4-num.csv", V4_CSV) == 0);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK_INT(rpt_ipinfo_have(h), RPT_IPINFO_ASN4);
    CHECK_ASN(h, "1.0.0.0", 1, 13335, "Cloudflare, Inc.");
    CHECK_ASN(h, "1.0.0.255", 1, 13335, "Cloudflare, Inc.");
    CHECK_ASN(h, "1.0.1.0", 0, 0, NULL); /* gap between rows */
    CHECK_ASN(h, "1.0.4.0", 1, 38803, "Gtelecom Pty Ltd");
    CHECK_ASN(h, "1.0.7.255", 1, 38803, "Gtelecom Pty Ltd");
    CHECK_ASN(h, "2.26.210.1", 1, 201907, "LLC \"SPUTNIK\"");
    CHECK_ASN(h, "8.8.8.8", 1, 15169, "Google LLC");
    CHECK_ASN(h, "0.255.255.255", 0, 0, NULL); /* before the first row */
    CHECK_ASN(h, "200.1.1.1", 0, 0, NULL);     /* after the last row */
    /* Malformed rows (lines 7 and 8: 1.0.8.0/24, 1.0.9.0/24) were not
     * loaded; the rows around them were. */
    CHECK_ASN(h, "1.0.7.0", 1, 38803, "Gtelecom Pty Ltd");
    CHECK_ASN(h, "1.0.8.1", 0, 0, NULL);
    CHECK_ASN(h, "1.0.9.1", 0, 0, NULL);
    CHECK_ASN(h, "1.0.10.1", 1, 64499, "Cloudflare, Inc.");
    /* Private addresses are never looked up; AS 0 is unknown. */
    CHECK_ASN(h, "10.1.2.3", 0, 0, NULL);
    CHECK_ASN(h, "11.0.0.1", 0, 0, NULL);
    /* IPv4-mapped IPv6 goes to the IPv4 table; plain IPv6 has no table. */
    CHECK_ASN(h, "::ffff:8.8.4.4", 0, 0, NULL);
    CHECK_ASN(h, "::ffff:8.8.8.1", 1, 15169, "Google LLC");
    CHECK_ASN(h, "2001:4860::1", 0, 0, NULL);
    /* Equal names are interned once. */
    const char *o1 = NULL, *o2 = NULL;
    uint32_t asn;
    asn_of(h, "1.0.0.1", &asn, &o1);
    asn_of(h, "1.0.10.1", &asn, &o2);
    TU_CHECK(o1 != NULL && o1 == o2);

    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    TU_CHECK_INT(s.v4_ranges, 7);
    TU_CHECK_INT(s.v6_ranges, 0);
    TU_CHECK_INT(s.malformed, 4);
    TU_CHECK_INT(s.overlaps, 0);
    TU_CHECK_INT(s.orgs, 6);
    TU_CHECK_INT(s.bytes, 7 * 16 + sizeof("Cloudflare, Inc.") +
                              sizeof("Gtelecom Pty Ltd") +
                              sizeof("LLC \"SPUTNIK\"") + sizeof("Google LLC") +
                              sizeof("Private") + sizeof("Not routed"));
    const char *st = rpt_ipinfo_status(h);
    TU_CHECK(contains(st, "7 IPv4 + 0 IPv6 ranges"));
    TU_CHECK(contains(st, "IPv4: 4 malformed lines skipped, first "
                          "asn-ipv4-num.csv:5"));
    TU_CHECK(contains(st, "IPv6: not installed"));
    TU_CHECK(contains(st, "version unknown")); /* no VERSIONS file */
    rpt_ipinfo_free(h);
}

TU_TEST(csv_v6_fixture_and_versions)
{
    char err[256];
    TU_CHECK(new_dir() == 0);
    TU_CHECK(write_file("asn-ipv4-num.csv",
                        "16777216,16777471,13335,\"Cloudflare, Inc.\"\n") == 0);
    TU_CHECK(write_file(
                 "asn-ipv6.csv",
                 "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,"
                 "Google LLC\n"
                 "2001:zz::,2001:zz::ff,64500,Not hex\n"
                 "2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,"
                 "\"Cloudflare, Inc.\"\n"
                 "2a00:1450::,2a00:1450::ffff,15169,Google LLC,extra\n") == 0);
    TU_CHECK(write_file("VERSIONS",
                        "# comment\n"
                        "@ip-location-db/asn 9.9.1 asn-ipv4-num.csv abc\n"
                        "@ip-location-db/asn 9.9.1 asn-ipv6.csv def\n") == 0);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK_INT(rpt_ipinfo_have(h), RPT_IPINFO_ASN4 | RPT_IPINFO_ASN6);
    CHECK_ASN(h, "2001:4860:4860::8888", 1, 15169, "Google LLC");
    CHECK_ASN(h, "2001:4860::", 1, 15169, "Google LLC");
    CHECK_ASN(h, "2001:4861::", 0, 0, NULL);
    CHECK_ASN(h, "2606:4700:4700::1111", 1, 13335, "Cloudflare, Inc.");
    CHECK_ASN(h, "2a00:1450::1", 0, 0, NULL); /* its line had 5 fields */
    CHECK_ASN(h, "1.0.0.1", 1, 13335, "Cloudflare, Inc.");
    CHECK_ASN(h, "fe80::1", 0, 0, NULL);
    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    TU_CHECK_INT(s.v6_ranges, 2);
    TU_CHECK_INT(s.malformed, 2);
    TU_CHECK_INT(s.orgs, 2); /* shared between the two files */
    const char *st = rpt_ipinfo_status(h);
    TU_CHECK(contains(st, "(@ip-location-db/asn 9.9.1; 1 IPv4 + 2 IPv6"));
    TU_CHECK(contains(st, "IPv6: 2 malformed lines skipped, first "
                          "asn-ipv6.csv:2"));
    rpt_ipinfo_free(h);
}

/* Nested, partially overlapping and unsorted rows (the published IPv4 file
 * has one partial overlap). */
TU_TEST(csv_overlaps_resolved)
{
    char err[256];
    TU_CHECK(new_dir() == 0);
    TU_CHECK(write_file("asn-ipv4.csv",
                        "11.0.0.0,11.255.255.255,1,Outer\n"
                        "11.1.0.0,11.1.255.255,2,Inner\n"
                        "11.1.128.0,11.2.0.255,3,Partial\n"
                        "11.9.0.0,11.9.255.255,7,Wider\n"
                        "11.9.0.0,11.9.0.255,5,\n"
                        "9.0.0.0,9.0.0.255,4,Unsorted\n") == 0);
    TU_CHECK(write_file("asn-ipv6-num.csv",
                        /* 2000::/3 */
                        "42535295865117307932921825928971026432,"
                        "340282366920938463463374607431768211455,5,Wide\n"
                        /* 2001:200::/32, the example in the README */
                        "42540528726795050063891204319802818560,"
                        "42540528806023212578155541913346768895,2500,"
                        "WIDE Project\n"
                        /* 2^128: overflow */
                        "340282366920938463463374607431768211456,"
                        "340282366920938463463374607431768211456,6,Big\n")
             == 0);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    CHECK_ASN(h, "11.0.0.1", 1, 1, "Outer");
    CHECK_ASN(h, "11.0.255.255", 1, 1, "Outer");
    CHECK_ASN(h, "11.1.0.0", 1, 2, "Inner");
    CHECK_ASN(h, "11.1.127.255", 1, 2, "Inner");
    CHECK_ASN(h, "11.1.128.0", 1, 3, "Partial");
    CHECK_ASN(h, "11.2.0.255", 1, 3, "Partial");
    CHECK_ASN(h, "11.2.1.0", 1, 1, "Outer");
    CHECK_ASN(h, "11.9.0.1", 1, 5, NULL); /* equal starts: the narrower */
    CHECK_ASN(h, "11.9.1.0", 1, 7, "Wider");
    CHECK_ASN(h, "11.9.255.255", 1, 7, "Wider");
    CHECK_ASN(h, "11.10.0.0", 1, 1, "Outer");
    CHECK_ASN(h, "11.255.255.255", 1, 1, "Outer");
    CHECK_ASN(h, "9.0.0.255", 1, 4, "Unsorted");
    CHECK_ASN(h, "12.0.0.0", 0, 0, NULL);
    CHECK_ASN(h, "2001:200::1", 1, 2500, "WIDE Project");
    CHECK_ASN(h, "2001:200:ffff:ffff:ffff:ffff:ffff:ffff", 1, 2500,
              "WIDE Project");
    CHECK_ASN(h, "2001:201::", 1, 5, "Wide");
    CHECK_ASN(h, "2000::1", 1, 5, "Wide");
    CHECK_ASN(h, "3fff:ffff::1", 1, 5, "Wide");
    CHECK_ASN(h, "1fff:ffff::1", 0, 0, NULL);
    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    /* IPv4 pieces: 9/24, Outer, Inner, Partial, Outer, 11.9.0/24,
     * Wider, Outer. */
    TU_CHECK_INT(s.v4_ranges, 8);
    /* IPv6 pieces: Wide, WIDE Project, Wide. */
    TU_CHECK_INT(s.v6_ranges, 3);
    TU_CHECK_INT(s.overlaps, 5);
    TU_CHECK_INT(s.malformed, 1);
    TU_CHECK(contains(rpt_ipinfo_status(h), "asn-ipv4.csv, "));
    TU_CHECK(contains(rpt_ipinfo_status(h), "asn-ipv6-num.csv"));
    TU_CHECK(contains(rpt_ipinfo_status(h),
                      "IPv4: 4 overlapping ranges resolved"));
    rpt_ipinfo_free(h);
}

TU_TEST(csv_line_endings_and_long_lines)
{
    char err[256], big[3000];
    TU_CHECK(new_dir() == 0);
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    char *text = malloc(sizeof(big) + 256);
    TU_CHECK(text != NULL);
    if (!text)
        return;
    snprintf(text, sizeof(big) + 256,
             "16777216,16777471,13335,\"Cloudflare, Inc.\"\r\n"
             "\r\n"
             "16778240,16779263,1,%s\n"
             "16779264,16779519,2,After the long line\r\n"
             "16779520,16779775,3,\"x\"y\n"
             "16779776,16780031,4,\"no newline at the end\"", big);
    TU_CHECK(write_file("asn-ipv4-num.csv", text) == 0);
    free(text);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    CHECK_ASN(h, "1.0.0.1", 1, 13335, "Cloudflare, Inc.");
    CHECK_ASN(h, "1.0.4.1", 0, 0, NULL);
    CHECK_ASN(h, "1.0.8.1", 1, 2, "After the long line");
    CHECK_ASN(h, "1.0.9.1", 0, 0, NULL);
    CHECK_ASN(h, "1.0.10.1", 1, 4, "no newline at the end");
    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    TU_CHECK_INT(s.malformed, 2);
    TU_CHECK(contains(rpt_ipinfo_status(h), "first asn-ipv4-num.csv:3"));
    rpt_ipinfo_free(h);
}

TU_TEST(corrupt_mmdb_is_unusable)
{
    char err[256], cc[3] = "XX";
    TU_CHECK(new_dir() == 0);
    TU_CHECK(write_file("geo-whois-asn-country.mmdb",
                        "this is not a MaxMind DB file\n") == 0);
    rpt_ipinfo *h = rpt_ipinfo_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK_INT(rpt_ipinfo_have(h), 0);
    TU_CHECK(contains(rpt_ipinfo_status(h), "Country data: "));
    TU_CHECK(contains(rpt_ipinfo_status(h), "unusable"));
    TU_CHECK_INT(cc_of(h, "8.8.8.8", cc), 0);
    TU_CHECK_STR(cc, "");
    rpt_ipinfo_free(h);
}

TU_TEST(datadir_lookup)
{
    char buf[256], pkg[64], ver[32], saved[512] = "";
    const char *env = getenv("MEETAUDIT_DATA");
    if (env)
        snprintf(saved, sizeof(saved), "%s", env);
    TU_CHECK_INT(rpt_data_dir("/x/y//", buf, sizeof(buf)), 0);
    TU_CHECK_STR(buf, "/x/y");
    setenv("MEETAUDIT_DATA", "/from/env", 1);
    TU_CHECK_INT(rpt_data_dir(NULL, buf, sizeof(buf)), 0);
    TU_CHECK_STR(buf, "/from/env");
    TU_CHECK_INT(rpt_data_dir("/explicit", buf, sizeof(buf)), 0);
    TU_CHECK_STR(buf, "/explicit");
    unsetenv("MEETAUDIT_DATA");
    TU_CHECK_INT(rpt_data_dir(NULL, buf, sizeof(buf)), 0);
    TU_CHECK(strlen(buf) > 5 && strcmp(buf + strlen(buf) - 5, "/data") == 0);
    TU_CHECK_INT(rpt_data_dir("/a/long/directory", buf, 5), -1);
    TU_CHECK_STR(buf, "");
    if (env)
        setenv("MEETAUDIT_DATA", saved, 1);

    TU_CHECK(new_dir() == 0);
    TU_CHECK_INT(rpt_data_version(g_dir, "trackerdb.db", pkg, sizeof(pkg),
                                  ver, sizeof(ver)), -1);
    TU_CHECK(write_file("VERSIONS",
                        "# package version file sha256\n"
                        "@ghostery/trackerdb 1.0.945 trackerdb.db 3c5a\n"
                        "@ip-location-db/asn 2.3.1 asn-ipv6.csv c912\n") == 0);
    TU_CHECK_INT(rpt_data_version(g_dir, "trackerdb.db", pkg, sizeof(pkg),
                                  ver, sizeof(ver)), 0);
    TU_CHECK_STR(pkg, "@ghostery/trackerdb");
    TU_CHECK_STR(ver, "1.0.945");
    TU_CHECK_INT(rpt_data_version(g_dir, "asn-ipv6.csv", pkg, 8, ver,
                                  sizeof(ver)), 0);
    TU_CHECK_STR(pkg, "@ip-loc"); /* truncated to its buffer */
    TU_CHECK_STR(ver, "2.3.1");
    TU_CHECK_INT(rpt_data_version(g_dir, "asn-ipv6", pkg, sizeof(pkg), ver,
                                  sizeof(ver)), -1);
    TU_CHECK_STR(ver, "");
}

/* ---- the real files, when `make data` has run -------------------------- */

static const char *real_dir(void)
{
    const char *d = getenv("MEETAUDIT_DATA");
    return d && *d ? d : "data";
}

static int have_real(const char *file)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/%s", real_dir(), file);
    return stat(p, &sb) == 0;
}

TU_TEST(real_asn)
{
    char err[256];
    rpt_ipinfo *h = rpt_ipinfo_open(real_dir(), err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK(rpt_ipinfo_have(h) & RPT_IPINFO_ASN4);
    TU_CHECK(rpt_ipinfo_have(h) & RPT_IPINFO_ASN6);
    CHECK_ASN(h, "8.8.8.8", 1, 15169, "Google LLC");
    uint32_t asn = 0;
    TU_CHECK_INT(asn_of(h, "1.1.1.1", &asn, NULL), 1);
    TU_CHECK_INT(asn, 13335);
    CHECK_ASN(h, "2001:4860:4860::8888", 1, 15169, "Google LLC");
    TU_CHECK_INT(asn_of(h, "2606:4700:4700::1111", &asn, NULL), 1);
    TU_CHECK_INT(asn, 13335);
    CHECK_ASN(h, "192.168.1.1", 0, 0, NULL);
    rpt_ipinfo_stats s;
    rpt_ipinfo_get_stats(h, &s);
    TU_CHECK(s.v4_ranges > 100000 && s.v6_ranges > 10000);
    TU_CHECK(s.bytes < 64u * 1024 * 1024);
    TU_CHECK(!contains(rpt_ipinfo_status(h), "ASN data: not installed"));
    rpt_ipinfo_free(h);
}

TU_TEST(real_country)
{
    char err[256], cc[3];
    rpt_ipinfo *h = rpt_ipinfo_open(real_dir(), err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK(rpt_ipinfo_have(h) & RPT_IPINFO_COUNTRY);
    TU_CHECK_INT(cc_of(h, "8.8.8.8", cc), 1);
    TU_CHECK_STR(cc, "US");
    TU_CHECK_INT(cc_of(h, "::ffff:8.8.8.8", cc), 1);
    TU_CHECK_STR(cc, "US");
    TU_CHECK_INT(cc_of(h, "2001:4860:4860::8888", cc), 1);
    TU_CHECK(cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z');
    /* The file places 192.168.1.1 (in "AU" in 2026-06): we never ask. */
    TU_CHECK_INT(cc_of(h, "192.168.1.1", cc), 0);
    TU_CHECK_STR(cc, "");
    TU_CHECK(contains(rpt_ipinfo_status(h), "Country data: "));
    TU_CHECK(contains(rpt_ipinfo_status(h), "built "));
    rpt_ipinfo_free(h);
}

int main(void)
{
    TU_RUN(absent_data);
    TU_RUN(null_handle_and_bad_args);
    TU_RUN(csv_v4_fixture);
    TU_RUN(csv_v6_fixture_and_versions);
    TU_RUN(csv_overlaps_resolved);
    TU_RUN(csv_line_endings_and_long_lines);
    TU_RUN(corrupt_mmdb_is_unusable);
    TU_RUN(datadir_lookup);
    if (have_real("asn-ipv4-num.csv"))
        TU_RUN(real_asn);
    else
        printf("SKIP real_asn: %s/asn-ipv4-num.csv not installed (run "
               "`make data`)\n", real_dir());
    if (have_real("geo-whois-asn-country.mmdb"))
        TU_RUN(real_country);
    else
        printf("SKIP real_country: %s/geo-whois-asn-country.mmdb not "
               "installed (run `make data`; an MMDB cannot be written "
               "without a writer library)\n", real_dir());
    if (g_dir[0]) {
        clean_dir();
        rmdir(g_dir);
    }
    return tu_finish();
}
