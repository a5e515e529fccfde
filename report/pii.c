/* pii.c - personal-data detectors over cleartext bytes (see pii.h).
 * RFC 5322 section 3.4.1 (addr-spec; we accept its common dot-atom subset),
 * RFC 3986 section 2.1 (percent-encoding), WHATWG URL "application/
 * x-www-form-urlencoded" ('+' for space), RFC 4648 sections 4 and 5
 * (base64 and base64url), RFC 9562 section 4 (UUID text form), ITU-T E.164
 * (at most 15 digits after '+'), ISO/IEC 7812-1 annex B (Luhn check digit,
 * which 3GPP TS 23.003 section 6.2.1 uses for the IMEI), IEEE 802 MAC
 * addresses in their colon / hyphen text forms.
 *
 * Invariants
 * ----------
 * - The scanned bytes are hostile.  Every byte is read through byte_at(),
 *   which goes through dis_rd_peek_u8() (dissect/rd.h) and returns -1 past
 *   the end, so no code path can index past len whatever it computes.
 * - Work is bounded: every detector walks the buffer once and looks at most
 *   a constant number of bytes around each position (a 64-byte local part,
 *   a 253-byte domain, a 40-byte key, a 128-byte value, a canary pattern of
 *   at most PAT_MAX bytes), so a scan is O(len * (1 + canary patterns));
 *   canaries are looked for in one walk, where an offset whose byte begins
 *   no canary form (a table made by rpt_pii_create) costs one lookup.
 * - Nothing is allocated during a scan.  rpt_pii_create() precomputes every
 *   encoded form of every canary (base64 middles of the three alignments,
 *   MD5 / SHA-1 / SHA-256 hex through OpenSSL EVP, for the value and its
 *   lower-cased form); URL-encoded forms are matched by a decoder-matcher
 *   instead, so %40 / %40 in either hex case / '+' for space all match.
 * - Hits are kept sorted by offset in the caller's array; a hit already
 *   there with the same type, encoding and offset is not added twice; when
 *   the array is full, later offsets are dropped, so the first max hits by
 *   offset are what the caller gets.
 * - Generic values are masked in excerpts ('*' per byte, at most 24);
 *   canary values are the tester's own and are shown.
 *
 * Key context: a key is an identifier run ([A-Za-z0-9_-]) compared after
 * lower-casing and dropping '_' and '-' (so advertising_id, advertisingId
 * and ADVERTISING-ID are one key), followed by an optional closing quote
 * (", ', \" or %22), optional blanks, ':' or '=' (or %3A / %3D), optional
 * blanks and an optional opening quote.  That covers JSON, form bodies,
 * query strings and URL-encoded JSON.
 */
#define _DEFAULT_SOURCE
#include "pii.h"

#include "../dissect/rd.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 40      /* canary names are cut to this */
#define VALUE_MAX 256        /* longer canary values are cut */
#define PAT_MAX 512          /* base64 of VALUE_MAX + padding fits */

enum { ENC_PLAIN, ENC_URL, ENC_B64, ENC_MD5, ENC_SHA1, ENC_SHA256 };
static const char *const ENC_NAME[] = { "plain", "url", "base64",
                                        "md5", "sha1", "sha256" };

enum { FOLD_NONE, FOLD_CASE, FOLD_B64 };

typedef struct pat {
    uint8_t s[PAT_MAX];
    size_t n;
    uint8_t enc, fold;
} pat;

typedef struct canary {
    char name[NAME_MAX_LEN + 1];
    uint8_t v[VALUE_MAX];
    size_t n;
    int ci;              /* e-mail-like: case-insensitive plain/url match */
    size_t npat;
    pat *pats;           /* owned */
} canary;

struct rpt_pii {
    size_t n;
    canary *c;           /* owned */
    uint8_t start[256];  /* non-zero: some canary form may begin with it */
};

/* ---- bounds-checked access ------------------------------------------ */

typedef struct scan {
    dis_rd r;            /* over the whole buffer, cursor at 0 */
    size_t len;
    rpt_pii_hit *hits;
    size_t max, n;
} scan;

static int byte_at(const scan *s, size_t i)
{
    uint8_t c;
    return dis_rd_peek_u8(&s->r, i, &c) ? c : -1;
}

static int is_alpha(int c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int is_hex(int c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int hexval(int c)
{
    return is_digit(c) ? c - '0' : is_hex(c) ? (c | 32) - 'a' + 10 : -1;
}

/* %XX at i decoding to byte b (either hex case). */
static int pct_is(const scan *s, size_t i, int b)
{
    int h = hexval(byte_at(s, i + 1)), l = hexval(byte_at(s, i + 2));
    return byte_at(s, i) == '%' && h >= 0 && l >= 0 && h * 16 + l == b;
}

/* ---- hits ------------------------------------------------------------ */

static void excerpt(const scan *s, size_t off, size_t len, int mask,
                    char *out, size_t cap)
{
    size_t o = 0, from = off > 24 ? off - 24 : 0;
    for (size_t i = from; i < off + len + 24 && o + 1 < cap; i++) {
        int c = byte_at(s, i);
        if (c < 0)
            break;
        if (i >= off && i < off + len) {
            if (mask && i - off >= 24)
                continue;
            if (mask)
                c = '*';
            else if (i - off >= 40) {
                if (i - off == 40 && o + 4 < cap) {
                    memcpy(out + o, "...", 3);
                    o += 3;
                }
                continue;
            }
        }
        out[o++] = (char)(c >= 0x20 && c < 0x7f ? c : '.');
    }
    out[o] = 0;
}

static void add_hit(scan *s, const char *type, int enc, size_t off,
                    size_t len, int mask)
{
    size_t pos = s->n;
    while (pos > 0 && s->hits[pos - 1].offset > off)
        pos--;
    for (size_t i = pos; i > 0 && s->hits[i - 1].offset == off; i--)
        if (!strcmp(s->hits[i - 1].type, type) &&
            !strcmp(s->hits[i - 1].encoding, ENC_NAME[enc]))
            return;
    if (pos >= s->max)
        return;
    size_t keep = s->n < s->max ? s->n : s->max - 1;
    memmove(&s->hits[pos + 1], &s->hits[pos],
            (keep - pos) * sizeof(s->hits[0]));
    if (s->n < s->max)
        s->n++;
    rpt_pii_hit *h = &s->hits[pos];
    memset(h, 0, sizeof(*h));
    snprintf(h->type, sizeof(h->type), "%s", type);
    snprintf(h->encoding, sizeof(h->encoding), "%s", ENC_NAME[enc]);
    h->offset = off;
    h->len = len;
    excerpt(s, off, len, mask, h->excerpt, sizeof(h->excerpt));
}

/* ---- e-mail addresses ------------------------------------------------ */

static int local_char(int c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
}

static int dom_char(int c) { return is_alnum(c) || c == '.' || c == '-'; }

/* Top-level labels that are file extensions ("icon@2x.png"). */
static int file_ext(const scan *s, size_t at, size_t n)
{
    static const char *const ext[] = { "png", "jpg", "jpeg", "gif", "svg",
        "webp", "ico", "css", "js", "json", "html", "htm", "xml", "txt",
        "pdf", "mp3", "mp4", "woff", "woff2", "ttf", "bmp" };
    for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++) {
        size_t l = strlen(ext[k]);
        size_t i = 0;
        while (i < l && i < n && lower(byte_at(s, at + i)) == ext[k][i])
            i++;
        if (i == l && l == n)
            return 1;
    }
    return 0;
}

/* An address whose '@' is at i (sep bytes: 1 for '@', 3 for %40). */
static void email_at(scan *s, size_t i, size_t sep)
{
    size_t a = i, k = 0;
    while (a > 0 && k < 64 && local_char(byte_at(s, a - 1))) {
        a--;
        k++;
    }
    /* URL-encoded text: drop escapes that open the run ("%22john"). */
    while (a + 3 <= i && byte_at(s, a) == '%' && is_hex(byte_at(s, a + 1)) &&
           is_hex(byte_at(s, a + 2)))
        a += 3;
    while (a < i && byte_at(s, a) == '.')
        a++;
    if (a >= i || byte_at(s, i - 1) == '.')
        return;
    size_t d = i + sep, e = d;
    while (e - d < 253 && dom_char(byte_at(s, e)))
        e++;
    while (e > d && (byte_at(s, e - 1) == '.' || byte_at(s, e - 1) == '-'))
        e--;
    if (e <= d || !is_alnum(byte_at(s, d)))
        return;
    size_t last = e, dots = 0;
    for (size_t j = d; j < e; j++)
        if (byte_at(s, j) == '.') {
            if (byte_at(s, j + 1) == '.' || j + 1 == e)
                return;
            dots++;
            last = j + 1;
        }
    if (!dots || e - last < 2 || e - last > 24)
        return;
    for (size_t j = last; j < e; j++)
        if (!is_alpha(byte_at(s, j)))
            return;
    if (file_ext(s, last, e - last))
        return;
    add_hit(s, "email", sep == 1 ? ENC_PLAIN : ENC_URL, a, e - a, 1);
}

static void scan_email(scan *s)
{
    for (size_t i = 0; i < s->len; i++) {
        int c = byte_at(s, i);
        if (c == '@')
            email_at(s, i, 1);
        else if (c == '%' && pct_is(s, i, '@'))
            email_at(s, i, 3);
    }
}

/* ---- values ---------------------------------------------------------- */

/* Length of a UUID (8-4-4-4-12 hex) at i, or 0; the nil UUID (an IDFA
 * with tracking limited) is no identifier and gives 0 too. */
static size_t uuid_at(const scan *s, size_t i)
{
    static const size_t dash[] = { 8, 13, 18, 23 };
    int nonzero = 0;
    for (size_t k = 0, dk = 0; k < 36; k++) {
        int c = byte_at(s, i + k);
        if (dk < 4 && k == dash[dk]) {
            if (c != '-')
                return 0;
            dk++;
        } else if (!is_hex(c)) {
            return 0;
        } else if (c != '0') {
            nonzero = 1;
        }
    }
    return nonzero && !is_hex(byte_at(s, i + 36)) ? 36 : 0;
}

/* Length of a MAC address (six hex pairs, one separator ':' or '-') at i
 * that is not part of a longer hex/separator run, or 0.  All-zero and
 * broadcast are not identifiers. */
static size_t mac_at(const scan *s, size_t i)
{
    int sep = byte_at(s, i + 2);
    if (sep != ':' && sep != '-')
        return 0;
    int zero = 1, ff = 1;
    for (size_t g = 0; g < 6; g++) {
        int h = byte_at(s, i + 3 * g), l = byte_at(s, i + 3 * g + 1);
        if (!is_hex(h) || !is_hex(l))
            return 0;
        if (g < 5 && byte_at(s, i + 3 * g + 2) != sep)
            return 0;
        zero &= h == '0' && l == '0';
        ff &= (h | 32) == 'f' && (l | 32) == 'f';
    }
    int after = byte_at(s, i + 17);
    if (is_hex(after) || after == ':' || after == '-' || zero || ff)
        return 0;
    if (i > 0) {
        int before = byte_at(s, i - 1);
        if (is_hex(before) || before == ':' || before == '-')
            return 0;
    }
    return 17;
}

/* 15 digits at i (not more) passing the Luhn check, not all one digit. */
static int imei_at(const scan *s, size_t i)
{
    int sum = 0, same = 1;
    for (size_t k = 0; k < 15; k++) {
        int c = byte_at(s, i + k);
        if (!is_digit(c))
            return 0;
        int v = c - '0';
        if (k % 2 == 1) {            /* double every second digit */
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
        same &= c == byte_at(s, i);
    }
    return !is_digit(byte_at(s, i + 15)) && sum % 10 == 0 && !same;
}

/* ---- key context ----------------------------------------------------- */

enum { K_NONE, K_AD, K_DEVICE, K_MAC, K_IMEI, K_PHONE };

static int key_class(const char *k)
{
    static const struct { const char *k; int cls; } keys[] = {
        { "idfa", K_AD }, { "gaid", K_AD }, { "adid", K_AD },
        { "aaid", K_AD }, { "advertiserid", K_AD },
        { "advertisingid", K_AD }, { "googleadid", K_AD },
        { "deviceid", K_DEVICE }, { "hwid", K_DEVICE },
        { "hardwareid", K_DEVICE }, { "udid", K_DEVICE },
        { "androidid", K_DEVICE }, { "idfv", K_DEVICE },
        { "mac", K_MAC }, { "macaddr", K_MAC }, { "macaddress", K_MAC },
        { "wifimac", K_MAC }, { "bssid", K_MAC },
        { "imei", K_IMEI }, { "deviceimei", K_IMEI },
        { "phone", K_PHONE }, { "phonenumber", K_PHONE },
        { "msisdn", K_PHONE }, { "tel", K_PHONE }, { "telephone", K_PHONE },
        { "mobile", K_PHONE }, { "mobilenumber", K_PHONE },
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(k, keys[i].k))
            return keys[i].cls;
    return K_NONE;
}

static int key_char(int c) { return is_alnum(c) || c == '_' || c == '-'; }

/* Skip an optional quote at *i: ", ', \" or %22. */
static void skip_quote(const scan *s, size_t *i, int *url)
{
    int c = byte_at(s, *i);
    if (c == '"' || c == '\'')
        *i += 1;
    else if (c == '\\' && byte_at(s, *i + 1) == '"')
        *i += 2;
    else if (pct_is(s, *i, '"') || pct_is(s, *i, '\''))
        *i += 3, *url = 1;
}

static void skip_blanks(const scan *s, size_t *i, int *url)
{
    for (int k = 0; k < 8; k++) {
        int c = byte_at(s, *i);
        if (c == ' ' || c == '\t')
            *i += 1;
        else if (pct_is(s, *i, ' '))
            *i += 3, *url = 1;
        else
            return;
    }
}

/* After a key ending at i: the separator; returns the value's offset or
 * (size_t)-1 when there is none.  *url is set when the separator was
 * URL-encoded (URL-encoded JSON in a query string). */
static size_t value_start(const scan *s, size_t i, int *url)
{
    *url = 0;
    skip_quote(s, &i, url);
    skip_blanks(s, &i, url);
    int c = byte_at(s, i);
    if (c == ':' || c == '=')
        i++;
    else if (pct_is(s, i, ':') || pct_is(s, i, '='))
        i += 3, *url = 1;
    else
        return (size_t)-1;
    skip_blanks(s, &i, url);
    skip_quote(s, &i, url);
    return i;
}

static void key_value(scan *s, int cls, size_t v, int url)
{
    size_t n;
    int enc = url ? ENC_URL : ENC_PLAIN;
    if (cls == K_IMEI) {
        if (imei_at(s, v) && !is_digit(byte_at(s, v - 1)))
            add_hit(s, "imei", enc, v, 15, 1);
        return;
    }
    if (cls == K_PHONE) {
        size_t d = v;
        if (byte_at(s, d) == '+')
            d++;
        else if (pct_is(s, d, '+'))
            d += 3;
        else
            return;
        size_t k = 0;
        while (k < 16 && is_digit(byte_at(s, d + k)))
            k++;
        /* E.164: a country code (never starting with 0) and at most 15
         * digits; shorter than 8 is no subscriber number. */
        if (k >= 8 && k <= 15 && byte_at(s, d) != '0' &&
            !is_alnum(byte_at(s, d + k)))
            add_hit(s, "phone", d - v == 1 ? enc : ENC_URL, v,
                    d + k - v, 1);
        return;
    }
    if (cls == K_MAC) {
        if ((n = mac_at(s, v)) > 0)
            add_hit(s, "device_key", enc, v, n, 1);
        return;
    }
    if ((n = uuid_at(s, v)) > 0) {
        add_hit(s, cls == K_AD ? "ad_id" : "device_key", enc, v, n, 1);
        return;
    }
    if (cls != K_DEVICE)
        return;
    if ((n = mac_at(s, v)) > 0) {
        add_hit(s, "device_key", enc, v, n, 1);
        return;
    }
    /* Other device ids (an Android ID is 16 hex digits): at least 8
     * characters of [A-Za-z0-9-], one of them a digit. */
    int digit = 0;
    for (n = 0; n < 128 && (is_alnum(byte_at(s, v + n)) ||
                            byte_at(s, v + n) == '-'); n++)
        digit |= is_digit(byte_at(s, v + n));
    if (n >= 8 && n < 128 && digit)
        add_hit(s, "device_key", enc, v, n, 1);
}

/* Where a key may start: a letter not inside an identifier, or right
 * after a %XX escape ("%22idfa", "%2Cidfa"). */
static int key_start(const scan *s, size_t i)
{
    if (!is_alpha(byte_at(s, i)))
        return 0;
    if (i == 0 || !key_char(byte_at(s, i - 1)))
        return 1;
    return i >= 3 && byte_at(s, i - 3) == '%' && is_hex(byte_at(s, i - 2)) &&
           is_hex(byte_at(s, i - 1));
}

static void scan_keys(scan *s)
{
    size_t i = 0;
    while (i < s->len) {
        if (!key_start(s, i)) {
            i++;
            continue;
        }
        char k[NAME_MAX_LEN + 1];
        size_t kn = 0, runlen = 0;
        for (int c; key_char(c = byte_at(s, i)); i++, runlen++)
            if (c != '_' && c != '-' && kn < NAME_MAX_LEN)
                k[kn++] = (char)lower(c);
        k[kn] = 0;
        int cls = runlen <= NAME_MAX_LEN ? key_class(k) : K_NONE;
        if (cls == K_NONE)
            continue;
        int url;
        size_t v = value_start(s, i, &url);
        if (v != (size_t)-1)
            key_value(s, cls, v, url);
    }
}

/* ---- standalone values ----------------------------------------------- */

static void scan_standalone(scan *s)
{
    for (size_t i = 0; i < s->len; i++) {
        int c = byte_at(s, i);
        int prev = i ? byte_at(s, i - 1) : -1;
        if (is_digit(c) && !is_alnum(prev) && prev != '.' && prev != '+' &&
            imei_at(s, i)) {
            int next = byte_at(s, i + 15);
            if (!is_alpha(next) && next != '.')
                add_hit(s, "imei", ENC_PLAIN, i, 15, 1);
        }
        size_t n;
        if (is_hex(c) && (n = mac_at(s, i)) > 0)
            add_hit(s, "device_key", ENC_PLAIN, i, n, 1);
    }
}

/* ---- canaries -------------------------------------------------------- */

static int fold_eq(int fold, int a, int b)
{
    if (fold == FOLD_CASE)
        return lower(a) == lower(b);
    if (fold == FOLD_B64) {
        if (a == '-')
            a = '+';
        else if (a == '_')
            a = '/';
        return a == b;
    }
    return a == b;
}

/* Pattern p of canary c at offset i. */
static void match_at(scan *s, const canary *c, const pat *p, size_t i)
{
    if (!p->n || p->n > s->len - i)
        return;
    size_t k = 0;
    while (k < p->n && fold_eq(p->fold, byte_at(s, i + k), p->s[k]))
        k++;
    if (k == p->n) {
        char type[48];
        snprintf(type, sizeof(type), "canary:%s", c->name);
        add_hit(s, type, p->enc, i, p->n, 0);
    }
}

/* Byte b may begin canary c's URL-encoded form (see url_match). */
static int url_start(const canary *c, int b)
{
    return b == '%' || b == '+' ||
           (c->ci ? lower(b) == lower(c->v[0]) : b == c->v[0]);
}

/* The value URL-encoded at i: each value byte either itself (when
 * unreserved, or any byte but '%' and '+' for lenient encoders), %XX, or '+'
 * for a space; at least one escape used (else it is the plain form).
 * Returns the encoded length or 0. */
static size_t url_match(const scan *s, const canary *c, size_t i)
{
    size_t o = i;
    int escaped = 0;
    for (size_t k = 0; k < c->n; k++) {
        int want = c->v[k], got = byte_at(s, o);
        if (got < 0)
            return 0;
        if (got == '%' && hexval(byte_at(s, o + 1)) >= 0 &&
            hexval(byte_at(s, o + 2)) >= 0) {
            int b = hexval(byte_at(s, o + 1)) * 16 + hexval(byte_at(s, o + 2));
            if (c->ci ? lower(b) != lower(want) : b != want)
                return 0;
            o += 3;
            escaped = 1;
        } else if (got == '+' && want == ' ') {
            o++;
            escaped = 1;
        } else if (got != '%' && got != '+' &&
                   (c->ci ? lower(got) == lower(want) : got == want)) {
            o++;
        } else {
            return 0;
        }
    }
    return escaped ? o - i : 0;
}

/* One walk over the buffer for every form of every canary: a byte that
 * begins none of them (p->start) costs one table lookup.  At each offset
 * the canaries are tried in order, each's patterns then its URL form, so
 * hits at one offset arrive in the order of a walk per pattern. */
static void scan_canaries(scan *s, const rpt_pii *p)
{
    if (!p || !p->n)
        return;
    for (size_t i = 0; i < s->len; i++) {
        int b = byte_at(s, i);
        if (b < 0 || !p->start[b])
            continue;
        for (size_t ci = 0; ci < p->n; ci++) {
            const canary *c = &p->c[ci];
            for (size_t k = 0; k < c->npat; k++)
                match_at(s, c, &c->pats[k], i);
            if (!url_start(c, b))
                continue;
            size_t n = url_match(s, c, i);
            if (n) {
                char type[48];
                snprintf(type, sizeof(type), "canary:%s", c->name);
                add_hit(s, type, ENC_URL, i, n, 0);
            }
        }
    }
}

/* The bytes any form of canary c may begin with, into start[]. */
static void mark_starts(const canary *c, uint8_t start[256])
{
    for (int b = 0; b < 256; b++) {
        if (url_start(c, b))
            start[b] = 1;
        for (size_t k = 0; k < c->npat; k++)
            if (c->pats[k].n && fold_eq(c->pats[k].fold, b, c->pats[k].s[0]))
                start[b] = 1;
    }
}

/* ---- compile --------------------------------------------------------- */

static int add_pat(canary *c, size_t cap, const uint8_t *s, size_t n,
                   int enc, int fold)
{
    if (!n || n > PAT_MAX || c->npat >= cap)
        return 0;
    for (size_t i = 0; i < c->npat; i++)   /* the lower-cased form may */
        if (c->pats[i].n == n && c->pats[i].enc == enc &&  /* be the same */
            !memcmp(c->pats[i].s, s, n))
            return 0;
    pat *p = &c->pats[c->npat++];
    memcpy(p->s, s, n);
    p->n = n;
    p->enc = (uint8_t)enc;
    p->fold = (uint8_t)fold;
    return 0;
}

/* The base64 characters of v that do not depend on the bytes around it,
 * for v starting k bytes (0..2) into a 3-byte group. */
static int add_b64(canary *c, size_t cap, const uint8_t *v, size_t n, int k)
{
    uint8_t in[VALUE_MAX + 4] = { 0 };
    unsigned char out[PAT_MAX + 8];
    memcpy(in + k, v, n);
    size_t total = (size_t)k + n + 2;
    total -= total % 3;
    if (total < (size_t)k + n)
        total += 3;
    int w = EVP_EncodeBlock(out, in, (int)total);
    if (w < 0)
        return -1;
    size_t from = ((size_t)k * 8 + 5) / 6;       /* first char all value */
    size_t to = ((size_t)k + n) * 8 / 6;         /* after the last one */
    if (to <= from || to - from < 6)
        return 0;                                /* too short to mean it */
    return add_pat(c, cap, out + from, to - from, ENC_B64, FOLD_B64);
}

static int add_hashes(canary *c, size_t cap, const uint8_t *v, size_t n)
{
    const EVP_MD *md[3] = { EVP_md5(), EVP_sha1(), EVP_sha256() };
    const int enc[3] = { ENC_MD5, ENC_SHA1, ENC_SHA256 };
    for (int h = 0; h < 3; h++) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dl = 0;
        uint8_t hex[2 * EVP_MAX_MD_SIZE];
        if (!md[h] || !EVP_Digest(v, n, d, &dl, md[h], NULL))
            return -1;
        for (unsigned i = 0; i < dl; i++) {
            hex[2 * i] = (uint8_t)"0123456789abcdef"[d[i] >> 4];
            hex[2 * i + 1] = (uint8_t)"0123456789abcdef"[d[i] & 15];
        }
        add_pat(c, cap, hex, 2 * (size_t)dl, enc[h], FOLD_CASE);
    }
    return 0;
}

#define PATS_PER_CANARY 16

static int compile(canary *c, const char *name, const char *value)
{
    snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
    size_t n = strlen(value);
    if (n > VALUE_MAX)
        n = VALUE_MAX;
    memcpy(c->v, value, n);
    c->n = n;
    c->ci = memchr(c->v, '@', n) != NULL;
    c->pats = calloc(PATS_PER_CANARY, sizeof(*c->pats));
    if (!c->pats)
        return -1;
    uint8_t lo[VALUE_MAX];
    for (size_t i = 0; i < n; i++)
        lo[i] = (uint8_t)lower(c->v[i]);
    add_pat(c, PATS_PER_CANARY, c->v, n, ENC_PLAIN,
            c->ci ? FOLD_CASE : FOLD_NONE);
    for (int k = 0; k < 3; k++)
        if (add_b64(c, PATS_PER_CANARY, c->v, n, k) < 0 ||
            add_b64(c, PATS_PER_CANARY, lo, n, k) < 0)
            return -1;
    if (add_hashes(c, PATS_PER_CANARY, c->v, n) < 0 ||
        add_hashes(c, PATS_PER_CANARY, lo, n) < 0)
        return -1;
    return 0;
}

rpt_pii *rpt_pii_create(const char *const *names, const char *const *values,
                        size_t n)
{
    rpt_pii *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (n) {
        p->c = calloc(n, sizeof(*p->c));
        if (!p->c)
            goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (!values || !values[i] || !values[i][0])
            continue;
        if (compile(&p->c[p->n], names ? names[i] : "", values[i]) < 0) {
            p->n++;                  /* so its pats are freed */
            goto fail;
        }
        mark_starts(&p->c[p->n], p->start);
        p->n++;
    }
    return p;
fail:
    rpt_pii_free(p);
    return NULL;
}

void rpt_pii_free(rpt_pii *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->c[i].pats);
    free(p->c);
    free(p);
}

size_t rpt_pii_scan(const rpt_pii *p, const uint8_t *buf, size_t len,
                    rpt_pii_hit *hits, size_t max)
{
    if (!hits || !max || !buf || !len)
        return 0;
    scan s;
    memset(&s, 0, sizeof(s));
    dis_rd_init(&s.r, buf, len);
    s.len = len;
    s.hits = hits;
    s.max = max;
    scan_email(&s);
    scan_keys(&s);
    scan_standalone(&s);
    scan_canaries(&s, p);
    return s.n;
}
