/* test_sign.c - unit tests for report/sign.c: Ed25519 (RFC 8032) report
 * signatures, with keys made by the openssl command line
 * (`openssl genpkey -algorithm ed25519`, as README tells users).
 *
 * Known answers (sha256sum, GNU coreutils 9.1):
 *   pcaps/zoom.pcap              952f9aa0...30d87d8b54 (below in full)
 *   the report text "# report\nhello\n"
 *                                6790c5f3...2601f5ed
 *   the manifest "{}"            44136fa3...1caaff8a
 * The signature is also checked here with OpenSSL directly over the bytes
 * before the "signature " line (tests/sign.sh checks it once more with
 * `openssl pkeyutl -verify -rawin`).
 *
 * With MEETAUDIT_SIGN_KEEP=DIR the signed files of the round trip are left
 * in DIR (report.md, report.md.sig, in.pcap, key.pem, key.pub, other.pub,
 * evidence.db) for tests/sign.sh, which runs `meetaudit verify` on them.
 */
#define _DEFAULT_SOURCE
#include "tu.h"

#include "report/sign.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZOOM_SHA "952f9aa09c529e6f29b2b6e5a5d551fbc9f450c834ecf0e94fa2a030d87d8b54"
#define REPORT_TEXT "# report\nhello\n"
#define REPORT_SHA "6790c5f346294d0361b818bb425f5f13b55b124bcd0eae1343d8ffd22601f5ed"
#define MANIFEST_SHA "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

static char dir[512];
static int have_openssl;

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static int write_file(const char *name, const char *data, size_t len)
{
    char p[600];
    path_of(p, sizeof(p), name);
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

static char *read_file(const char *name, size_t *len)
{
    char p[600];
    path_of(p, sizeof(p), name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    size_t n = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (b)
        b[n] = 0;
    if (len)
        *len = n;
    return b;
}

static int copy_file(const char *from, const char *name)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return -1;
    char p[600];
    path_of(p, sizeof(p), name);
    FILE *o = fopen(p, "wb");
    char buf[65536];
    size_t n;
    int rc = o ? 0 : -1;
    while (o && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (fwrite(buf, 1, n, o) != n)
            rc = -1;
    fclose(f);
    if (o && fclose(o) != 0)
        rc = -1;
    return rc;
}

/* Make key NAME.pem (and NAME.pub) in dir with the openssl command. */
static int make_key(const char *name, const char *alg)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey %s -out '%s/%s.pem' 2>/dev/null && "
             "openssl pkey -in '%s/%s.pem' -pubout -out '%s/%s.pub' "
             "2>/dev/null",
             alg, dir, name, dir, name, dir, name);
    return system(cmd) == 0 ? 0 : -1;
}

/* The evidence database: only the inputs table matters to signing. */
static int make_db(void)
{
    char p[600], in[600];
    path_of(p, sizeof(p), "evidence.db");
    path_of(in, sizeof(in), "in.pcap");
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_open(p, &db) == SQLITE_OK &&
             sqlite3_exec(db,
                          "CREATE TABLE inputs(id INTEGER PRIMARY KEY, path "
                          "TEXT NOT NULL, name TEXT, sha256 TEXT NOT NULL)",
                          NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db,
                                "INSERT INTO inputs(path, name, sha256) "
                                "VALUES(?1, 'in.pcap', ?2)",
                                -1, &q, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(q, 1, in, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, ZOOM_SHA, -1, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_DONE;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ok ? 0 : -1;
}

/* Fresh report, input and signature. */
static int sign_fresh(char *err, size_t errlen)
{
    char rep[600], dbp[600], key[600];
    path_of(rep, sizeof(rep), "report.md");
    path_of(dbp, sizeof(dbp), "evidence.db");
    path_of(key, sizeof(key), "key.pem");
    if (write_file("report.md", REPORT_TEXT, strlen(REPORT_TEXT)) != 0 ||
        copy_file("pcaps/zoom.pcap", "in.pcap") != 0)
        return -1;
    return rpt_sign_report(rep, "{}", dbp, key, err, errlen);
}

static int verify(const char *pub, char *err, size_t errlen)
{
    char rep[600], key[600];
    path_of(rep, sizeof(rep), "report.md");
    path_of(key, sizeof(key), pub);
    FILE *devnull = fopen("/dev/null", "w");
    int rc = rpt_verify_report(rep, NULL, key, devnull, err, errlen);
    if (devnull)
        fclose(devnull);
    return rc;
}

/* Run a case, or print SKIP when the openssl command made no keys. */
#define RUN(name)                                                           \
    do {                                                                    \
        if (have_openssl)                                                   \
            TU_RUN(name);                                                   \
        else                                                                \
            printf("SKIP %s: the openssl command cannot make keys\n",      \
                   #name);                                                  \
    } while (0)

TU_TEST(sign_round_trip)
{
    char err[1024] = "";
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    size_t len;
    char *t = read_file("report.md.sig", &len);
    TU_CHECK(t != NULL);
    if (!t)
        return;
    char in[600], want[2048];
    path_of(in, sizeof(in), "in.pcap");
    snprintf(want, sizeof(want),
             "meetaudit-signature 1\nreport report.md\nreport-sha256 "
             REPORT_SHA "\nmanifest-sha256 " MANIFEST_SHA "\ninput " ZOOM_SHA
             " %s\npublic-key ",
             in);
    TU_CHECK(strncmp(t, want, strlen(want)) == 0);
    /* the signature, checked with OpenSSL directly */
    char *sl = strstr(t, "\nsignature ");
    TU_CHECK(sl != NULL);
    char pub[600];
    path_of(pub, sizeof(pub), "key.pub");
    FILE *f = fopen(pub, "r");
    EVP_PKEY *k = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    TU_CHECK(k != NULL);
    if (sl && k) {
        unsigned char sig[80];
        char *b64 = sl + strlen("\nsignature ");
        char *nl = strchr(b64, '\n');
        TU_CHECK(nl && nl[1] == 0 && nl - b64 == 88);
        int n = nl ? EVP_DecodeBlock(sig, (unsigned char *)b64,
                                     (int)(nl - b64))
                   : -1;
        TU_CHECK_INT(n, 66); /* 64 bytes + 2 padding */
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        TU_CHECK(c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
                 EVP_DigestVerify(c, sig, 64, (unsigned char *)t,
                                  (size_t)(sl + 1 - t)) == 1);
        /* one bit less signed text must not verify */
        TU_CHECK(c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
                 EVP_DigestVerify(c, sig, 64, (unsigned char *)t,
                                  (size_t)(sl - t)) != 1);
        EVP_MD_CTX_free(c);
    }
    EVP_PKEY_free(k);
    free(t);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 0);
    TU_CHECK_STR(err, "");
    /* signing again replaces the .sig (Ed25519 is deterministic) */
    char *t1 = read_file("report.md.sig", NULL);
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    char *t2 = read_file("report.md.sig", NULL);
    TU_CHECK(t1 && t2 && !strcmp(t1, t2));
    free(t1);
    free(t2);
}

static int contains(const char *s, const char *sub)
{
    return s && strstr(s, sub) != NULL;
}

TU_TEST(tampered_report)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    TU_CHECK_INT(write_file("report.md", "# report\nhellO\n", 15), 0);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "the report was changed after signing"));
}

TU_TEST(tampered_sig_line)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    size_t len;
    char *t = read_file("report.md.sig", &len);
    char *m = t ? strstr(t, "manifest-sha256 4413") : NULL;
    TU_CHECK(m != NULL);
    if (!m) {
        free(t);
        return;
    }
    m[strlen("manifest-sha256 ")] = '5'; /* 4413... -> 5413... */
    TU_CHECK_INT(write_file("report.md.sig", t, len), 0);
    free(t);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "signature does not verify"));
}

TU_TEST(wrong_key)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    TU_CHECK_INT(verify("other.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "signed with another key"));
}

TU_TEST(changed_input)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    char in[600];
    path_of(in, sizeof(in), "in.pcap");
    FILE *f = fopen(in, "ab");
    TU_CHECK(f && fputc(0, f) == 0);
    if (f)
        fclose(f);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "the input file changed"));
}

TU_TEST(missing_input)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    char in[600];
    path_of(in, sizeof(in), "in.pcap");
    TU_CHECK_INT(unlink(in), 0);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "missing or unreadable"));
    TU_CHECK(contains(err, "in.pcap"));
}

TU_TEST(refuses_bad_keys)
{
    char err[1024], rep[600], dbp[600], key[600];
    path_of(rep, sizeof(rep), "report.md");
    path_of(dbp, sizeof(dbp), "evidence.db");
    path_of(key, sizeof(key), "ec.pem");
    TU_CHECK_INT(write_file("report.md", REPORT_TEXT, strlen(REPORT_TEXT)),
                 0);
    TU_CHECK_INT(rpt_sign_report(rep, "{}", dbp, key, err, sizeof(err)),
                 -1);
    TU_CHECK(contains(err, "not an Ed25519 key"));
    path_of(key, sizeof(key), "key.pub"); /* a public key cannot sign */
    TU_CHECK_INT(rpt_sign_report(rep, "{}", dbp, key, err, sizeof(err)),
                 -1);
    TU_CHECK(contains(err, "not a PEM private key"));
    path_of(key, sizeof(key), "nonexistent.pem");
    TU_CHECK_INT(rpt_sign_report(rep, "{}", dbp, key, err, sizeof(err)),
                 -1);
    TU_CHECK(contains(err, "No such file"));
}

TU_TEST(malformed_sig_file)
{
    char err[1024];
    TU_CHECK_INT(sign_fresh(err, sizeof(err)), 0);
    size_t len;
    char *t = read_file("report.md.sig", &len);
    TU_CHECK(t != NULL);
    if (!t)
        return;
    /* a line after the signature */
    char *t2 = malloc(len + 16);
    memcpy(t2, t, len);
    memcpy(t2 + len, "extra 1\n", 8);
    TU_CHECK_INT(write_file("report.md.sig", t2, len + 8), 0);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "must be the last line"));
    /* not a signature file */
    TU_CHECK_INT(write_file("report.md.sig", "hello\n", 6), 0);
    TU_CHECK_INT(verify("key.pub", err, sizeof(err)), 1);
    TU_CHECK(contains(err, "not a meetaudit signature file"));
    free(t2);
    free(t);
}

int main(void)
{
    const char *keep = getenv("MEETAUDIT_SIGN_KEEP");
    if (keep && *keep)
        snprintf(dir, sizeof(dir), "%s", keep);
    else {
        if (tu_tmp_template(dir, sizeof(dir), "sign") != 0 ||
            !mkdtemp(dir)) {
            printf("FAIL setup: mkdtemp\n");
            return 1;
        }
    }
    have_openssl = make_key("key", "-algorithm ed25519") == 0 &&
                   make_key("other", "-algorithm ed25519") == 0 &&
                   make_key("ec", "-algorithm EC -pkeyopt "
                                  "ec_paramgen_curve:P-256") == 0;
    if (have_openssl && make_db() != 0) {
        printf("FAIL setup: cannot create the test database\n");
        return 1;
    }
    RUN(sign_round_trip);
    RUN(tampered_report);
    RUN(tampered_sig_line);
    RUN(wrong_key);
    RUN(changed_input);
    RUN(missing_input);
    RUN(refuses_bad_keys);
    RUN(malformed_sig_file);
    if (keep && *keep) {
        /* leave a good signed set for tests/sign.sh */
        char err[1024];
        if (have_openssl && sign_fresh(err, sizeof(err)) != 0)
            printf("FAIL keep: %s\n", err);
    } else {
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            printf("    (could not remove %s)\n", dir);
    }
    return tu_finish();
}
