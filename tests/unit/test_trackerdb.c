/* test_trackerdb.c - unit tests for report/trackerdb.c: a fixture database
 * with Ghostery's schema built here, host-name walking, the category
 * mapping, the absent and unusable paths, and - when `make data` has run -
 * the real Ghostery database. */
#define _DEFAULT_SOURCE
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../report/entities.h"
#include "../../report/trackerdb.h"
#include "tu.h"

static char g_dir[64];

static void clean_dir(void)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", g_dir, RPT_TRACKERDB_FILE);
    unlink(p);
}

static int new_dir(void)
{
    if (g_dir[0]) {
        clean_dir();
        rmdir(g_dir);
    }
    snprintf(g_dir, sizeof(g_dir), "/tmp/meetaudit-trackerdb.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

/* Ghostery trackerdb 1.0.945's schema, as `sqlite3 trackerdb.db .schema`
 * prints it. */
static const char SCHEMA[] =
    "CREATE TABLE categories(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT UNIQUE\n"
    ");\n"
    "CREATE TABLE companies (\n"
    "  id TEXT NOT NULL UNIQUE,\n"
    "  name TEXT NOT NULL,\n"
    "  description TEXT,\n"
    "  privacy_url TEXT,\n"
    "  website_url TEXT,\n"
    "  ghostery_id TEXT,\n"
    "  country VARCHAR (2),\n"
    "  privacy_contact TEXT,\n"
    "  notes TEXT\n"
    ");\n"
    "CREATE TABLE tracker_domains (\n"
    "  tracker TEXT NOT NULL,\n"
    "  domain TEXT UNIQUE NOT NULL,\n"
    "  notes TEXT,\n"
    "  FOREIGN KEY (tracker) REFERENCES trackers (id)\n"
    ");\n"
    "CREATE TABLE trackers (\n"
    "  id TEXT NOT NULL UNIQUE,\n"
    "  name TEXT NOT NULL,\n"
    "  category_id INTEGER,\n"
    "  website_url TEXT,\n"
    "  company_id TEXT,\n"
    "  ghostery_id TEXT,\n"
    "  notes TEXT,\n"
    "  alias TEXT REFERENCES trackers (id),\n"
    "  FOREIGN KEY (category_id) REFERENCES categories (id),\n"
    "  FOREIGN KEY (company_id) REFERENCES companies (id)\n"
    ");\n"
    "CREATE UNIQUE INDEX tracker_domain_pair ON tracker_domains (tracker, "
    "domain);\n";

/* Real category rows, real trackers (values as in 1.0.945) and a few made
 * up to reach the edge cases. */
static const char ROWS[] =
    "INSERT INTO categories VALUES (1,'advertising'),(2,'audio_video_player'),"
    "(3,'consent'),(4,'customer_interaction'),(5,'extensions'),(6,'hosting'),"
    "(7,'misc'),(8,'pornvertising'),(9,'site_analytics'),"
    "(10,'social_media'),(11,'utilities'),(12,'future_category');\n"
    "INSERT INTO companies(id,name,country) VALUES ('google','Google','US'),"
    "('microsoft','Microsoft','US'),('acme','Acme, Inc.',NULL),"
    "('badcc','Bad Country','USA');\n"
    "INSERT INTO trackers(id,name,category_id,company_id) VALUES "
    "('google_analytics','Google Analytics',9,'google'),"
    "('doubleclick','Google Marketing Platform',1,'google'),"
    "('bing_ads','Microsoft Advertising',1,'microsoft'),"
    "('microsoft','Microsoft Services',7,'microsoft'),"
    "('lonely','Lonely Tracker',4,NULL),"
    "('acme_cdn','Acme CDN',6,'acme'),"
    "('nocat','No Category',99,'acme'),"
    "('future','Future',12,'badcc'),"
    "('dangling','Dangling Company',10,'nobody');\n"
    "INSERT INTO tracker_domains(tracker,domain) VALUES "
    "('google_analytics','google-analytics.com'),"
    "('doubleclick','doubleclick.net'),"
    "('bing_ads','ads.microsoft.com'),"
    "('microsoft','microsoft.com'),"
    "('lonely','lonely.example'),"
    "('acme_cdn','cdn.example.net'),"
    "('nocat','nocat.example'),"
    "('future','future.example'),"
    "('dangling','dangling.example');\n";

static int make_db(const char *sql)
{
    char p[128];
    sqlite3 *db = NULL;
    snprintf(p, sizeof(p), "%s/%s", g_dir, RPT_TRACKERDB_FILE);
    int rc = sqlite3_open(p, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static rpt_trackerdb *open_fixture(void)
{
    char err[256];
    if (new_dir() < 0 || make_db(SCHEMA) < 0 || make_db(ROWS) < 0)
        return NULL;
    return rpt_trackerdb_open(g_dir, err, sizeof(err));
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

#define CAT(c) RPT_CAT_BIT(RPT_CAT_##c)

TU_TEST(absent_data)
{
    char err[256];
    rpt_tracker t;
    TU_CHECK(new_dir() == 0);
    rpt_trackerdb *h = rpt_trackerdb_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_trackerdb_available(h), 0);
    TU_CHECK(contains(rpt_trackerdb_status(h),
                      "Tracker data: not installed"));
    TU_CHECK(contains(rpt_trackerdb_status(h), "run `make data`"));
    memset(&t, 'x', sizeof(t));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "www.google-analytics.com", &t), 0);
    TU_CHECK_STR(t.tracker, "");
    TU_CHECK_INT(t.categories, 0);
    rpt_trackerdb_free(h);
    TU_CHECK_INT(rpt_trackerdb_lookup(NULL, "www.google-analytics.com", &t),
                 0);
    TU_CHECK_INT(rpt_trackerdb_available(NULL), 0);
    rpt_trackerdb_free(NULL);
}

TU_TEST(fixture_lookups)
{
    rpt_tracker t;
    rpt_trackerdb *h = open_fixture();
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK_INT(rpt_trackerdb_available(h), 1);
    TU_CHECK(contains(rpt_trackerdb_status(h), "; 9 domains; "));
    TU_CHECK(contains(rpt_trackerdb_status(h), "non-commercial"));

    TU_CHECK_INT(rpt_trackerdb_lookup(h, "www.google-analytics.com", &t), 1);
    TU_CHECK_STR(t.domain, "google-analytics.com");
    TU_CHECK_STR(t.tracker_id, "google_analytics");
    TU_CHECK_STR(t.tracker, "Google Analytics");
    TU_CHECK_STR(t.category, "site_analytics");
    TU_CHECK_INT(t.categories, CAT(ANALYTICS));
    TU_CHECK_STR(t.company_id, "google");
    TU_CHECK_STR(t.company, "Google");
    TU_CHECK_STR(t.country, "US");

    /* The host itself; case, trailing dot and port are ignored. */
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "DoubleClick.NET.:443", &t), 1);
    TU_CHECK_STR(t.tracker_id, "doubleclick");
    TU_CHECK_INT(t.categories, CAT(ADVERTISING));

    /* Longest domain wins over its parent. */
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "x.ads.microsoft.com", &t), 1);
    TU_CHECK_STR(t.domain, "ads.microsoft.com");
    TU_CHECK_STR(t.tracker_id, "bing_ads");
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "mobile.pipe.aria.microsoft.com",
                                      &t), 1);
    TU_CHECK_STR(t.domain, "microsoft.com");
    TU_CHECK_STR(t.category, "misc");
    TU_CHECK_INT(t.categories, CAT(UNKNOWN));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "xads.microsoft.com", &t), 1);
    TU_CHECK_STR(t.domain, "microsoft.com");

    /* Label boundaries: a suffix that is not a parent never matches. */
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "notmicrosoft.com", &t), 0);
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "microsoft.com.evil.org", &t), 0);
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "com", &t), 0);

    /* Hosting maps to cloud + cdn; a company without a country. */
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "img.cdn.example.net", &t), 1);
    TU_CHECK_INT(t.categories, CAT(CLOUD) | CAT(CDN));
    TU_CHECK_STR(t.company, "Acme, Inc.");
    TU_CHECK_STR(t.country, "");

    /* No company; a category id with no row; a category we do not map; a
     * company id that names no company; a malformed country. */
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "lonely.example", &t), 1);
    TU_CHECK_INT(t.categories, CAT(CUSTOMER_SUPPORT));
    TU_CHECK_STR(t.company_id, "");
    TU_CHECK_STR(t.company, "");
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "a.nocat.example", &t), 1);
    TU_CHECK_STR(t.category, "");
    TU_CHECK_INT(t.categories, CAT(UNKNOWN));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "future.example", &t), 1);
    TU_CHECK_STR(t.category, "future_category");
    TU_CHECK_INT(t.categories, CAT(UNKNOWN));
    TU_CHECK_STR(t.company, "Bad Country");
    TU_CHECK_STR(t.country, "");
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "dangling.example", &t), 1);
    TU_CHECK_INT(t.categories, CAT(SOCIAL_MEDIA));
    TU_CHECK_STR(t.company_id, "");

    /* Not host names. */
    static const char *const bad[] = {
        "", ".", "8.8.8.8", "8.8.8.8:443", "2001:db8::1", "[2001:db8::1]:443",
        "a..microsoft.com", ".microsoft.com", "microsoft.com:https",
        "micro soft.com", "ads.microsoft.com/x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&t, 'x', sizeof(t));
        if (rpt_trackerdb_lookup(h, bad[i], &t) != 0 || t.domain[0])
            TU_FAILF("\"%s\" matched", bad[i]);
    }
    char longname[400];
    memset(longname, 'a', sizeof(longname));
    memcpy(longname + sizeof(longname) - 15, ".microsoft.com", 15);
    TU_CHECK_INT(rpt_trackerdb_lookup(h, longname, &t), 0);
    TU_CHECK_INT(rpt_trackerdb_lookup(h, NULL, &t), 0);
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "microsoft.com", NULL), 0);
    rpt_trackerdb_free(h);
}

TU_TEST(category_mapping)
{
    TU_CHECK_INT(rpt_trackerdb_map_category("advertising"), CAT(ADVERTISING));
    TU_CHECK_INT(rpt_trackerdb_map_category("pornvertising"),
                 CAT(ADVERTISING));
    TU_CHECK_INT(rpt_trackerdb_map_category("site_analytics"),
                 CAT(ANALYTICS));
    TU_CHECK_INT(rpt_trackerdb_map_category("social_media"),
                 CAT(SOCIAL_MEDIA));
    TU_CHECK_INT(rpt_trackerdb_map_category("customer_interaction"),
                 CAT(CUSTOMER_SUPPORT));
    TU_CHECK_INT(rpt_trackerdb_map_category("hosting"), CAT(CLOUD) | CAT(CDN));
    static const char *const unmapped[] = { "audio_video_player", "consent",
                                            "extensions", "misc",
                                            "utilities" };
    for (size_t i = 0; i < 5; i++)
        TU_CHECK_INT(rpt_trackerdb_map_category(unmapped[i]), CAT(UNKNOWN));
    TU_CHECK_INT(rpt_trackerdb_map_category("future_category"), 0);
    TU_CHECK_INT(rpt_trackerdb_map_category("Advertising"), 0);
    TU_CHECK_INT(rpt_trackerdb_map_category(NULL), 0);
}

TU_TEST(unusable_files)
{
    char err[256], p[128];
    rpt_tracker t;
    TU_CHECK(new_dir() == 0);
    snprintf(p, sizeof(p), "%s/%s", g_dir, RPT_TRACKERDB_FILE);
    FILE *f = fopen(p, "w");
    TU_CHECK(f != NULL);
    if (!f)
        return;
    fputs("this is not an SQLite database, just text\n", f);
    fclose(f);
    rpt_trackerdb *h = rpt_trackerdb_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_trackerdb_available(h), 0);
    TU_CHECK(contains(rpt_trackerdb_status(h), "unusable"));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "microsoft.com", &t), 0);
    rpt_trackerdb_free(h);

    /* An SQLite file with another schema. */
    TU_CHECK(new_dir() == 0);
    TU_CHECK(make_db("CREATE TABLE domains(name TEXT);") == 0);
    h = rpt_trackerdb_open(g_dir, err, sizeof(err));
    TU_CHECK(h != NULL);
    TU_CHECK_INT(rpt_trackerdb_available(h), 0);
    TU_CHECK(contains(rpt_trackerdb_status(h), "no such table"));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "microsoft.com", &t), 0);
    rpt_trackerdb_free(h);
}

/* ---- the real database, when `make data` has run ------------------------ */

static const char *real_dir(void)
{
    const char *d = getenv("MEETAUDIT_DATA");
    return d && *d ? d : "data";
}

TU_TEST(real_trackerdb)
{
    char err[256], p[512];
    rpt_tracker t;
    rpt_trackerdb *h = rpt_trackerdb_open(real_dir(), err, sizeof(err));
    TU_CHECK(h != NULL);
    if (!h)
        return;
    TU_CHECK_INT(rpt_trackerdb_available(h), 1);
    TU_CHECK(contains(rpt_trackerdb_status(h), "CC-BY-NC-SA-4.0"));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "www.googletagmanager.com", &t), 1);
    TU_CHECK_STR(t.company_id, "google");
    TU_CHECK_STR(t.company, "Google");
    TU_CHECK_STR(t.country, "US");
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "ssl.google-analytics.com", &t), 1);
    TU_CHECK_STR(t.tracker_id, "google_analytics");
    TU_CHECK_STR(t.category, "site_analytics");
    TU_CHECK_INT(t.categories, CAT(ANALYTICS));
    TU_CHECK_INT(rpt_trackerdb_lookup(h, "d1234.cloudfront.net", &t), 1);
    TU_CHECK(t.categories & CAT(CDN));
    rpt_trackerdb_free(h);

    /* Every category of the real database is in our mapping table. */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int n = 0;
    /* immutable=1, as trackerdb.c opens it: no -wal/-shm in data/ (the
     * data directory path has no characters a URI would need escaped). */
    snprintf(p, sizeof(p), "file:%s/%s?immutable=1", real_dir(),
             RPT_TRACKERDB_FILE);
    TU_CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                             NULL) == SQLITE_OK);
    TU_CHECK(sqlite3_prepare_v2(db, "SELECT name FROM categories", -1, &q,
                                NULL) == SQLITE_OK);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        n++;
        if (rpt_trackerdb_map_category(name) == 0)
            TU_FAILF("Ghostery category \"%s\" is not mapped",
                     name ? name : "(null)");
    }
    TU_CHECK(n >= 11);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

int main(void)
{
    struct stat sb;
    char p[512];
    TU_RUN(absent_data);
    TU_RUN(fixture_lookups);
    TU_RUN(category_mapping);
    TU_RUN(unusable_files);
    snprintf(p, sizeof(p), "%s/%s", real_dir(), RPT_TRACKERDB_FILE);
    if (stat(p, &sb) == 0)
        TU_RUN(real_trackerdb);
    else
        printf("SKIP real_trackerdb: %s not installed (run `make data`)\n",
               p);
    if (g_dir[0]) {
        clean_dir();
        rmdir(g_dir);
    }
    return tu_finish();
}
