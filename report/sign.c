/* sign.c - Ed25519 signatures over a report, its manifest and the hashes
 * of its inputs (Ed25519: RFC 8032, through OpenSSL 3 EVP; SHA-256: FIPS
 * 180-4; base64: RFC 4648 section 4, OpenSSL's EVP_EncodeBlock).
 *
 * Invariants
 * ----------
 * - The signature file is REPORT.sig, text, one field per line, LF ends:
 *     meetaudit-signature 1
 *     report NAME                 the report's file name (no directories)
 *     report-sha256 HEX           64 lower-case hex digits
 *     manifest-sha256 HEX         of the manifest text given by the caller
 *     input HEX PATH              one per input of the evidence database,
 *                                 by input id; PATH as stored (inputs.path)
 *     public-key BASE64           the raw 32-byte Ed25519 public key
 *     signature BASE64            64-byte Ed25519 signature
 *   The signature covers every byte before the "signature " line (from
 *   "meetaudit-signature" to the newline ending "public-key"), so no line
 *   can be changed, added, dropped or reordered.  Ed25519 is used pure (no
 *   pre-hash: EVP_DigestSign with a NULL digest).  Paths holding a newline
 *   cannot be written and are refused.
 * - Signing replaces an existing REPORT.sig (it belongs to the report just
 *   written): written to a temporary file in the same directory, then
 *   renamed over it, so a reader never sees half a file.
 * - Verification trusts only the public key it is given: the key in the
 *   file must equal it (else "signed with another key"), and the signature
 *   is checked with the given key.  Then the report's SHA-256, then each
 *   input (PATH as written; a relative PATH not found from the current
 *   directory is tried beside the signature file).  Every check is
 *   printed; the first failure is returned in err.  The manifest hash is
 *   signed but not re-checked (the manifest is part of the report).
 * - Nothing is kept between calls; every OpenSSL object is freed on every
 *   path (goto fail).
 */
#define _DEFAULT_SOURCE
#include "sign.h"
#include "strbuf.h"

#include "../capture/pcapin.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_MAGIC "meetaudit-signature 1"
#define SIG_MAX_FILE (4u << 20) /* a .sig larger than this is refused */


static void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static EVP_PKEY *read_key(const char *path, int private, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                          : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    if (!k) {
        snprintf(err, errlen,
                 "%s: not a PEM %s key (make one with `openssl genpkey "
                 "-algorithm ed25519 -out KEY.pem`%s)",
                 path, private ? "private" : "public",
                 private ? "" : ", then `openssl pkey -in KEY.pem -pubout "
                                "-out KEY.pub`");
        return NULL;
    }
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        snprintf(err, errlen, "%s: not an Ed25519 key", path);
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

/* The raw public key of k in base64 (45 bytes with NUL). */
static int pub_b64(EVP_PKEY *k, char out[64])
{
    unsigned char raw[32];
    size_t len = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != 32)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, raw, 32);
    return 0;
}

/* ---- signing -------------------------------------------------------- */

static int add_inputs(rpt_sbuf *b, const char *db_path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int ret = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT path, sha256 FROM inputs ORDER BY id", -1,
                           &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", db_path,
                 db ? sqlite3_errmsg(db) : "cannot open");
        goto done;
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(q, 0);
        const char *sha = (const char *)sqlite3_column_text(q, 1);
        if (!path || !sha || strlen(sha) != 64 ||
            strspn(sha, "0123456789abcdef") != 64) {
            snprintf(err, errlen, "%s: an input has no SHA-256 (still "
                                  "being analysed?)", db_path);
            goto done;
        }
        if (strchr(path, '\n') || strchr(path, '\r')) {
            snprintf(err, errlen, "%s: an input path holds a line break",
                     db_path);
            goto done;
        }
        rpt_sb_printf(b, "input %s %s\n", sha, path);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
        goto done;
    }
    ret = 0;
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ret;
}

/* Sign a report (sign.h). */
int rpt_sign_report(const char *report_path, const char *manifest_json,
                    const char *db_path, const char *key_path, char *err,
                    size_t errlen)
{
    rpt_sbuf b = { 0 };
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *ctx = NULL;
    char sigpath[PATH_MAX], tmp[PATH_MAX + 16];
    int fd = -1, ret = -1;
    tmp[0] = 0;
    if (!report_path || !db_path || !key_path) {
        snprintf(err, errlen, "missing argument");
        return -1;
    }
    if (snprintf(sigpath, sizeof(sigpath), "%s.sig", report_path) >=
        (int)sizeof(sigpath)) {
        snprintf(err, errlen, "%s: path too long", report_path);
        return -1;
    }
    if (strchr(report_path, '\n')) {
        snprintf(err, errlen, "report path holds a line break");
        return -1;
    }
    if (!(k = read_key(key_path, 1, err, errlen)))
        goto done;
    char rhex[65], mhex[65], pk[64];
    int64_t size;
    char e2[256];
    if (cap_sha256_file(report_path, rhex, &size, e2, sizeof(e2)) != 0) {
        snprintf(err, errlen, "%s: %s", report_path, e2);
        goto done;
    }
    const char *m = manifest_json ? manifest_json : "";
    sha256_hex(m, strlen(m), mhex);
    if (pub_b64(k, pk) != 0) {
        snprintf(err, errlen, "%s: cannot read the public key", key_path);
        goto done;
    }
    rpt_sb_printf(&b, SIG_MAGIC "\nreport %s\nreport-sha256 %s\nmanifest-sha256 "
               "%s\n", base_name(report_path), rhex, mhex);
    if (add_inputs(&b, db_path, err, errlen) != 0)
        goto done;
    rpt_sb_printf(&b, "public-key %s\n", pk);
    if (b.err) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    unsigned char sig[64];
    size_t siglen = sizeof(sig);
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)b.s,
                       b.len) != 1 ||
        siglen != 64) {
        snprintf(err, errlen, "Ed25519 signing failed");
        ERR_clear_error();
        goto done;
    }
    char sb64[128];
    EVP_EncodeBlock((unsigned char *)sb64, sig, 64);
    rpt_sb_printf(&b, "signature %s\n", sb64);
    if (b.err) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* mkstemp() template: a cut-short path would lose the XXXXXX. */
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", sigpath) >= (int)sizeof(tmp)) {
        snprintf(err, errlen, "%s: path too long", sigpath);
        tmp[0] = 0;
        goto done;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", sigpath, strerror(errno));
        tmp[0] = 0;
        goto done;
    }
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.s + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, sigpath) != 0) {
        snprintf(err, errlen, "%s: %s", sigpath, strerror(errno));
        goto done;
    }
    tmp[0] = 0;
    ret = 0;
done:
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    free(b.s);
    return ret;
}

/* ---- verification ------------------------------------------------------ */

typedef struct vstate {
    FILE *out;
    char *err;
    size_t errlen;
    int failed;
} vstate;

static void v_ok(vstate *v, const char *fmt, ...)
{
    if (!v->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ok      ", v->out);
    vfprintf(v->out, fmt, ap);
    fputc('\n', v->out);
    va_end(ap);
}

static void v_fail(vstate *v, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (v->out)
        fprintf(v->out, "FAILED  %s\n", msg);
    if (!v->failed && v->errlen)
        snprintf(v->err, v->errlen, "%s", msg);
    v->failed = 1;
}

/* Read a whole (small) file; NUL-terminated.  NULL with err set. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SIG_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, SIG_MAX_FILE + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > SIG_MAX_FILE) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf ? "out of memory"
                      : bad ? "read error" : "too large for a signature file");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int is_hex64(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Decode base64 text of exactly want bytes. */
static int b64_exact(const char *text, unsigned char *out, size_t want)
{
    size_t tl = strlen(text);
    unsigned char tmp[128];
    if (tl == 0 || tl % 4 || tl > sizeof(tmp) / 3 * 4)
        return -1;
    int n = EVP_DecodeBlock(tmp, (const unsigned char *)text, (int)tl);
    if (n < 0)
        return -1;
    size_t pad = (text[tl - 1] == '=') + (tl > 1 && text[tl - 2] == '=');
    if ((size_t)n - pad != want)
        return -1;
    memcpy(out, tmp, want);
    return 0;
}

/* An input file given relative to the current directory, else beside the
 * signature file.  Writes the path tried into buf. */
static int input_hash(const char *path, const char *sig_path, char *buf,
                      size_t len, char hex[65], char *why, size_t wlen)
{
    int64_t size;
    snprintf(buf, len, "%s", path);
    if (cap_sha256_file(buf, hex, &size, why, wlen) == 0)
        return 0;
    const char *slash = strrchr(sig_path, '/');
    if (path[0] != '/' && slash &&
        snprintf(buf, len, "%.*s/%s", (int)(slash - sig_path), sig_path,
                 path) < (int)len) {
        char w2[256];
        if (cap_sha256_file(buf, hex, &size, w2, sizeof(w2)) == 0)
            return 0;
    }
    snprintf(buf, len, "%s", path);
    return -1;
}

/* Verify a report (sign.h). */
int rpt_verify_report(const char *report_path, const char *sig_path,
                      const char *pub_path, FILE *out, char *err,
                      size_t errlen)
{
    vstate v = { .out = out, .err = err, .errlen = errlen };
    char sp[PATH_MAX];
    char *text = NULL;
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *ctx = NULL;
    size_t len = 0;
    if (errlen)
        err[0] = 0;
    if (!report_path || !pub_path) {
        snprintf(err, errlen, "missing argument");
        return 1;
    }
    if (!sig_path) {
        snprintf(sp, sizeof(sp), "%s.sig", report_path);
        sig_path = sp;
    }
    char e2[PATH_MAX + 512];
    if (!(k = read_key(pub_path, 0, e2, sizeof(e2)))) {
        v_fail(&v, "%s", e2);
        goto done;
    }
    if (!(text = slurp(sig_path, &len, e2, sizeof(e2)))) {
        v_fail(&v, "signature file %s", e2);
        goto done;
    }
    /* the signed part ends where the last line, "signature ...", begins */
    char *sigline = NULL;
    for (char *p = text; (p = strstr(p, "\nsignature ")) != NULL; p++)
        sigline = p + 1;
    if (strncmp(text, SIG_MAGIC "\n", strlen(SIG_MAGIC) + 1) != 0 ||
        !sigline || strlen(text) != len) {
        v_fail(&v, "%s: not a meetaudit signature file (version 1)",
               sig_path);
        goto done;
    }
    size_t signed_len = (size_t)(sigline - text);
    char *nl = strchr(sigline, '\n');
    if (!nl || nl[1] != 0) {
        v_fail(&v, "%s: the signature line must be the last line",
               sig_path);
        goto done;
    }
    *nl = 0;
    unsigned char sig[64];
    if (b64_exact(sigline + strlen("signature "), sig, 64) != 0) {
        v_fail(&v, "%s: the signature line is not 64 bytes of base64",
               sig_path);
        goto done;
    }

    /* fields of the signed part */
    char report_sha[65] = "", pk_file[64] = "", name[256] = "";
    char *save = NULL;
    char *body = malloc(signed_len + 1);
    if (!body) {
        v_fail(&v, "out of memory");
        goto done;
    }
    memcpy(body, text, signed_len);
    body[signed_len] = 0;
    int bad = 0, n_inputs = 0;
    for (char *line = strtok_r(body, "\n", &save); line && !bad;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "report-sha256 ", 14) && is_hex64(line + 14))
            snprintf(report_sha, sizeof(report_sha), "%s", line + 14);
        else if (!strncmp(line, "public-key ", 11) && strlen(line) < 75)
            snprintf(pk_file, sizeof(pk_file), "%s", line + 11);
        else if (!strncmp(line, "report ", 7))
            snprintf(name, sizeof(name), "%.255s", line + 7);
        else if (!strncmp(line, "input ", 6))
            n_inputs++;
        else if (strcmp(line, SIG_MAGIC) &&
                 strncmp(line, "manifest-sha256 ", 16))
            bad = 1;
    }
    if (bad || !report_sha[0] || !pk_file[0]) {
        free(body);
        v_fail(&v, "%s: malformed signature file", sig_path);
        goto done;
    }

    /* the key, then the signature */
    char pk_given[64];
    if (pub_b64(k, pk_given) != 0 || strcmp(pk_given, pk_file) != 0) {
        v_fail(&v, "%s was signed with another key (public key %s), not "
                   "with %s",
               sig_path, pk_file, pub_path);
    } else {
        ctx = EVP_MD_CTX_new();
        int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
                 EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)text,
                                  signed_len) == 1;
        ERR_clear_error();
        if (ok)
            v_ok(&v, "signature: Ed25519 by public key %s", pk_given);
        else
            v_fail(&v, "%s: the Ed25519 signature does not verify: the "
                       "signature file was changed after signing",
                   sig_path);
    }

    /* the report */
    char hex[65];
    int64_t size;
    if (cap_sha256_file(report_path, hex, &size, e2, sizeof(e2)) != 0)
        v_fail(&v, "report %s: %s", report_path, e2);
    else if (strcmp(hex, report_sha) != 0)
        v_fail(&v, "report %s: SHA-256 %s, signed %s: the report was "
                   "changed after signing",
               report_path, hex, report_sha);
    else
        v_ok(&v, "report %s: SHA-256 %s", report_path, hex);
    if (name[0] && strcmp(name, base_name(report_path)) != 0 && out)
        fprintf(out, "note    the report was signed as %s\n", name);

    /* the inputs */
    save = NULL;
    memcpy(body, text, signed_len);
    body[signed_len] = 0;
    for (char *line = strtok_r(body, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "input ", 6) != 0)
            continue;
        char want[65];
        const char *path = line + 6 + 65;
        if (strlen(line) < 6 + 65 + 1 || line[6 + 64] != ' ') {
            v_fail(&v, "%s: malformed input line", sig_path);
            continue;
        }
        memcpy(want, line + 6, 64);
        want[64] = 0;
        char used[PATH_MAX], why[256];
        if (input_hash(path, sig_path, used, sizeof(used), hex, why,
                       sizeof(why)) != 0)
            v_fail(&v, "input %s: missing or unreadable (%s)", path, why);
        else if (strcmp(hex, want) != 0)
            v_fail(&v, "input %s: SHA-256 %s, signed %s: the input file "
                       "changed",
                   used, hex, want);
        else
            v_ok(&v, "input %s: SHA-256 %s", used, hex);
    }
    free(body);
    if (!n_inputs && out)
        fprintf(out, "note    the signature lists no input\n");
done:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    free(text);
    return v.failed ? 1 : 0;
}
