/* test_pii.c - report/pii.c: the generic detectors (e-mail, advertising and
 * device ids, IMEI with its Luhn check, E.164 phone numbers, MAC addresses)
 * over real-shaped buffers (form bodies, JSON, query strings), and canaries
 * in plain, URL-encoded, base64 (every alignment) and hashed forms, with the
 * hashes computed here through OpenSSL and checked against published
 * vectors (RFC 1321, FIPS 180-2 examples).
 */
#define _DEFAULT_SOURCE
#include "tu.h"

#include "report/pii.h"

#include <openssl/evp.h>
#include <stdlib.h>

#define MAXH 64
static rpt_pii_hit H[MAXH];

static size_t scan(const rpt_pii *p, const char *s)
{
    return rpt_pii_scan(p, (const uint8_t *)s, strlen(s), H, MAXH);
}

/* Index of the first hit of type/encoding, or -1. */
static int find(size_t n, const char *type, const char *enc)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(H[i].type, type) && (!enc || !strcmp(H[i].encoding, enc)))
            return (int)i;
    return -1;
}

static int count(size_t n, const char *type)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += !strcmp(H[i].type, type);
    return c;
}

/* The bytes a hit covers, as a string. */
static const char *covered(const char *buf, int i)
{
    static char out[256];
    if (i < 0)
        return "(no hit)";
    snprintf(out, sizeof(out), "%.*s", (int)H[i].len, buf + H[i].offset);
    return out;
}

static void hexdigest(const EVP_MD *md, const char *s, char *out, int upper)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), d, &n, md, NULL);
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, upper ? "%02X" : "%02x", d[i]);
}

static void b64(const char *s, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
                    (int)strlen(s));
}

TU_TEST(published_hash_vectors)
{
    char h[160];
    hexdigest(EVP_md5(), "abc", h, 0);          /* RFC 1321 A.5 */
    TU_CHECK_STR(h, "900150983cd24fb0d6963f7d28e17f72");
    hexdigest(EVP_sha1(), "abc", h, 0);         /* FIPS 180-2 B.1 */
    TU_CHECK_STR(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    hexdigest(EVP_sha256(), "abc", h, 0);       /* FIPS 180-2 B.1 */
    TU_CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TU_TEST(email_plain_and_url)
{
    const char *b = "POST /track HTTP/1.1\r\n\r\nname=Ann&email=ann.lee%40mail.example.org&x=1";
    size_t n = scan(NULL, b);
    int i = find(n, "email", "url");
    TU_CHECK_STR(covered(b, i), "ann.lee%40mail.example.org");
    if (i >= 0)   /* masked in the excerpt */
        TU_CHECK(strstr(H[i].excerpt, "email=*****") && !strstr(H[i].excerpt, "ann.lee"));
    b = "{\"user\":{\"mail\":\"Bob_Smith+tag@example.co.uk\"}}";
    n = scan(NULL, b);
    TU_CHECK_STR(covered(b, find(n, "email", "plain")), "Bob_Smith+tag@example.co.uk");
    /* Not addresses: retina image names, a one-letter TLD, no domain. */
    TU_CHECK_INT(scan(NULL, "<img src=\"logo@2x.png\"> a@b.c x@ @y.com user@localhost"), 0);
}

TU_TEST(ad_ids_need_key_context)
{
    const char *u = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    char b[512];
    snprintf(b, sizeof(b), "{\"idfa\":\"%s\",\"x\":1}", u);
    size_t n = scan(NULL, b);
    TU_CHECK_INT(n, 1);
    TU_CHECK_STR(covered(b, find(n, "ad_id", "plain")), u);
    snprintf(b, sizeof(b), "a=1&advertising_id=%s&b=2", u);       /* form */
    n = scan(NULL, b);
    TU_CHECK_STR(covered(b, find(n, "ad_id", NULL)), u);
    snprintf(b, sizeof(b), "GET /e?gaid=%s HTTP/1.1", u);          /* query */
    n = scan(NULL, b);
    TU_CHECK_STR(covered(b, find(n, "ad_id", NULL)), u);
    snprintf(b, sizeof(b), "d=%%7B%%22advertiserId%%22%%3A%%22%s%%22%%7D", u);
    n = scan(NULL, b);   /* URL-encoded JSON, camelCase key */
    TU_CHECK_STR(covered(b, find(n, "ad_id", "url")), u);
    snprintf(b, sizeof(b), "{\"device_id\": \"%s\"}", u);
    n = scan(NULL, b);
    TU_CHECK_STR(covered(b, find(n, "device_key", NULL)), u);
    /* Negative: a UUID without key context, a UUID under another key, the
     * nil IDFA of limited ad tracking. */
    snprintf(b, sizeof(b), "{\"request_id\":\"%s\",\"trace\":\"%s\"}", u, u);
    TU_CHECK_INT(scan(NULL, b), 0);
    TU_CHECK_INT(scan(NULL, "idfa=00000000-0000-0000-0000-000000000000"), 0);
    TU_CHECK_INT(scan(NULL, "idfa=6D92078A-8246-4BA4-AE5B-76104861E7D"), 0);
}

TU_TEST(imei_luhn)
{
    /* 49015420323751 + Luhn digit 8 (3GPP TS 23.003 style example). */
    const char *b = "{\"imei\":\"490154203237518\"}";
    size_t n = scan(NULL, b);
    TU_CHECK_INT(n, 1);
    TU_CHECK_STR(covered(b, find(n, "imei", NULL)), "490154203237518");
    n = scan(NULL, "dev 356938035643809 ok");                    /* standalone */
    TU_CHECK_INT(count(n, "imei"), 1);
    /* Negative: the check digit is wrong; 16 digits; all one digit. */
    TU_CHECK_INT(scan(NULL, "imei=490154203237519"), 0);
    TU_CHECK_INT(scan(NULL, "n 4901542032375180 n"), 0);
    TU_CHECK_INT(scan(NULL, "n 000000000000000 n"), 0);
}

TU_TEST(phone_e164_in_key_context)
{
    const char *b = "msisdn=%2B447911123456&phone=+14155552671&tel=0800123456";
    size_t n = scan(NULL, b);
    TU_CHECK_INT(count(n, "phone"), 2);
    TU_CHECK_STR(covered(b, find(n, "phone", "url")), "%2B447911123456");
    TU_CHECK_STR(covered(b, find(n, "phone", "plain")), "+14155552671");
    /* Without key context, or too long for E.164: nothing. */
    TU_CHECK_INT(scan(NULL, "call +14155552671 now"), 0);
    TU_CHECK_INT(scan(NULL, "phone=+1234567890123456"), 0);
}

TU_TEST(device_keys_and_mac)
{
    const char *b = "hwid=A1B2C3D4E5F60718&mac_address=3c:22:fb:12:34:56";
    size_t n = scan(NULL, b);
    TU_CHECK_INT(count(n, "device_key"), 2);
    TU_CHECK_STR(covered(b, find(n, "device_key", NULL)), "A1B2C3D4E5F60718");
    n = scan(NULL, "{\"bssid\":\"00-1A-2B-3C-4D-5E\"}");
    TU_CHECK_INT(count(n, "device_key"), 1);
    /* Broadcast, all-zero, an IPv6 address and a clock are not MACs; a
     * device key needs a digit and 8 characters. */
    TU_CHECK_INT(scan(NULL, "ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 fe80::1:2:3:4 12:34:56"), 0);
    TU_CHECK_INT(scan(NULL, "device_id=unknown&hwid=abc1"), 0);
}

static rpt_pii *canaries(void)
{
    const char *names[] = { "email", "empty", "token" };
    const char *values[] = { "Jane.Doe@Example.com", "", "s3cret tok" };
    return rpt_pii_create(names, values, 3);
}

TU_TEST(canary_plain_and_url)
{
    rpt_pii *p = canaries();
    TU_CHECK(p != NULL);
    if (!p)
        return;
    const char *b = "u=JANE.DOE@EXAMPLE.COM";   /* e-mail: any case */
    size_t n = scan(p, b);
    int i = find(n, "canary:email", "plain");
    TU_CHECK_STR(covered(b, i), "JANE.DOE@EXAMPLE.COM");
    if (i >= 0)   /* canary values are shown */
        TU_CHECK(strstr(H[i].excerpt, "JANE.DOE@EXAMPLE.COM") != NULL);
    b = "e=jane.doe%40example.com&t=s3cret+tok&t2=s3cret%20tok";
    n = scan(p, b);
    TU_CHECK_STR(covered(b, find(n, "canary:email", "url")), "jane.doe%40example.com");
    TU_CHECK_INT(count(n, "canary:token"), 2);
    /* The token is case-sensitive (not an e-mail). */
    TU_CHECK_INT(count(scan(p, "S3CRET TOK"), "canary:token"), 0);
    rpt_pii_free(p);
}

/* Two canaries with one value: at one offset the hits come in canary order,
 * each's plain form before its URL form, and both forms are found whether
 * they start with the value's first byte or with '%' / '+' (canaries are
 * looked for in one walk that skips bytes no form begins with). */
TU_TEST(canary_order_at_one_offset)
{
    const char *names[] = { "first", "second" };
    const char *values[] = { "secret x", "secret x" };
    rpt_pii *p = rpt_pii_create(names, values, 2);
    TU_CHECK(p != NULL);
    if (!p)
        return;
    const char *b = "..secret x..secret+x..%73ecret%20x..";
    size_t n = scan(p, b);
    char got[512] = "";
    size_t o = 0;
    for (size_t i = 0; i < n && o < sizeof(got); i++)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "%s/%s@%zu ",
                              H[i].type, H[i].encoding, H[i].offset);
    TU_CHECK_STR(got, "canary:first/plain@2 canary:second/plain@2 "
                      "canary:first/url@12 canary:second/url@12 "
                      "canary:first/url@22 canary:second/url@22 ");
    rpt_pii_free(p);
}

TU_TEST(canary_hashes_every_form)
{
    rpt_pii *p = canaries();
    if (!p)
        return;
    const EVP_MD *md[3] = { EVP_md5(), EVP_sha1(), EVP_sha256() };
    const char *enc[3] = { "md5", "sha1", "sha256" };
    /* Of the value and of its lower-cased form (SDKs normalise e-mails
     * before hashing), in lower and upper case hex. */
    const char *forms[2] = { "Jane.Doe@Example.com", "jane.doe@example.com" };
    for (int m = 0; m < 3; m++)
        for (int f = 0; f < 2; f++)
            for (int up = 0; up < 2; up++) {
                char h[160], b[256];
                hexdigest(md[m], forms[f], h, up);
                snprintf(b, sizeof(b), "{\"em\":\"%s\",\"v\":2}", h);
                size_t n = scan(p, b);
                int i = find(n, "canary:email", enc[m]);
                if (i < 0 || H[i].offset != 7 || H[i].len != strlen(h))
                    TU_FAILF("%s of %s (%s) not found", enc[m], forms[f],
                             up ? "upper" : "lower");
            }
    /* A different e-mail's hash does not match. */
    char h[160], b[256];
    hexdigest(EVP_sha256(), "john.doe@example.com", h, 0);
    snprintf(b, sizeof(b), "em=%s", h);
    TU_CHECK_INT(scan(p, b), 0);
    rpt_pii_free(p);
}

TU_TEST(canary_base64_three_alignments)
{
    rpt_pii *p = canaries();
    if (!p)
        return;
    /* The value at offsets 0, 1, 2 of a longer base64 text, and base64url. */
    const char *pre[3] = { "", "x", "xy" };
    for (int k = 0; k < 3; k++) {
        char plain[128], enc[256], b[300];
        snprintf(plain, sizeof(plain), "%s{\"u\":\"Jane.Doe@Example.com\"}", pre[k]);
        b64(plain, enc);
        snprintf(b, sizeof(b), "payload=%s", enc);
        size_t n = scan(p, b);
        if (find(n, "canary:email", "base64") < 0)
            TU_FAILF("base64 at alignment %d not found in %s", k, b);
    }
    char enc[256];
    b64("\xfb\xffjane.doe@example.com\xfb\xff", enc);  /* "+" and "/" in it */
    for (char *c = enc; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    size_t n = scan(p, enc);
    TU_CHECK(find(n, "canary:email", "base64") >= 0);
    b64("jane.doe@example.net", enc);         /* another address */
    TU_CHECK_INT(count(scan(p, enc), "canary:email"), 0);
    rpt_pii_free(p);
}

TU_TEST(hits_sorted_bounded_and_never_past_len)
{
    /* Sorted by offset, at most max, the first ones kept. */
    const char *b = "b@example.com imei=490154203237518 a@example.org";
    rpt_pii_hit two[2];
    size_t n = rpt_pii_scan(NULL, (const uint8_t *)b, strlen(b), two, 2);
    TU_CHECK_INT(n, 2);
    TU_CHECK(two[0].offset == 0 && two[1].offset == 19);
    TU_CHECK_STR(two[0].type, "email");
    TU_CHECK_STR(two[1].type, "imei");
    /* A buffer cut inside a value: exactly len bytes on the heap, so ASan
     * catches any read past it; the cut value is no hit. */
    const char *src = "imei=49015420323751";
    size_t len = strlen(src);
    uint8_t *heap = malloc(len);
    if (!heap)
        return;
    memcpy(heap, src, len);
    TU_CHECK_INT(rpt_pii_scan(NULL, heap, len, H, MAXH), 0);
    memcpy(heap, "x@example.c", 11);
    TU_CHECK_INT(rpt_pii_scan(NULL, heap, 11, H, MAXH), 0);
    free(heap);
    TU_CHECK_INT(rpt_pii_scan(NULL, NULL, 0, H, MAXH), 0);
    /* 1 MiB of '@' and digits: bounded work, no hit. */
    size_t big = 1 << 20;
    char *junk = malloc(big);
    if (!junk)
        return;
    for (size_t i = 0; i < big; i++)
        junk[i] = "@1.%a"[i % 5];
    rpt_pii *p = canaries();
    TU_CHECK_INT(rpt_pii_scan(p, (const uint8_t *)junk, big, H, MAXH), 0);
    rpt_pii_free(p);
    free(junk);
}

int main(void)
{
    TU_RUN(published_hash_vectors);
    TU_RUN(email_plain_and_url);
    TU_RUN(ad_ids_need_key_context);
    TU_RUN(imei_luhn);
    TU_RUN(phone_e164_in_key_context);
    TU_RUN(device_keys_and_mac);
    TU_RUN(canary_plain_and_url);
    TU_RUN(canary_order_at_one_offset);
    TU_RUN(canary_hashes_every_form);
    TU_RUN(canary_base64_three_alignments);
    TU_RUN(hits_sorted_bounded_and_never_past_len);
    return tu_finish();
}
