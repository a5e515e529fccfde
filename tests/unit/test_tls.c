/* test_tls.c - unit tests for dissect/tls.c: record/handshake reassembly,
 * ClientHello/ServerHello facts, JA3/JA3S, certificate chains, bounds. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../dissect/tls.h"
#include "tu.h"

/* ---- byte builders ---------------------------------------------------- */

typedef struct buf {
    uint8_t b[80000];
    size_t n;
} buf;

static void put8(buf *o, unsigned v) { if (o->n < sizeof(o->b)) o->b[o->n++] = (uint8_t)v; }
static void put16(buf *o, unsigned v) { put8(o, v >> 8); put8(o, v); }
static void put24(buf *o, unsigned v) { put8(o, v >> 16); put16(o, v); }
static void putn(buf *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, ((const uint8_t *)p)[i]);
}

/* Patch a 16- or 24-bit length at off to cover everything after it. */
static void fix16(buf *o, size_t off) { size_t l = o->n - off - 2; o->b[off] = (uint8_t)(l >> 8); o->b[off + 1] = (uint8_t)l; }
static void fix24(buf *o, size_t off)
{
    size_t l = o->n - off - 3;
    o->b[off] = (uint8_t)(l >> 16);
    o->b[off + 1] = (uint8_t)(l >> 8);
    o->b[off + 2] = (uint8_t)l;
}

static void ext_raw(buf *e, unsigned type, const void *p, size_t n)
{
    put16(e, type);
    put16(e, (unsigned)n);
    putn(e, p, n);
}

static void ext_sni(buf *e, const char *host)
{
    size_t n = strlen(host);
    put16(e, 0);
    put16(e, (unsigned)n + 5);
    put16(e, (unsigned)n + 3);
    put8(e, 0);
    put16(e, (unsigned)n);
    putn(e, host, n);
}

static void ext_alpn(buf *e, const char *const *names, int k)
{
    size_t at;
    put16(e, 16);
    at = e->n;
    put16(e, 0);
    put16(e, 0);
    for (int i = 0; i < k; i++) {
        put8(e, (unsigned)strlen(names[i]));
        putn(e, names[i], strlen(names[i]));
    }
    fix16(e, at);
    fix16(e, at + 2);
}

/* A 16-bit list extension: supported_groups (16-bit length) or
 * supported_versions (8-bit length). */
static void ext_list16(buf *e, unsigned type, const uint16_t *v, int k,
                       int len8)
{
    put16(e, type);
    put16(e, (unsigned)(2 * k + (len8 ? 1 : 2)));
    if (len8)
        put8(e, (unsigned)(2 * k));
    else
        put16(e, (unsigned)(2 * k));
    for (int i = 0; i < k; i++)
        put16(e, v[i]);
}

/* ClientHello handshake message; exts == NULL means no extensions block. */
static void client_hello(buf *o, unsigned ver, const uint16_t *cs, int ncs,
                         const buf *exts)
{
    size_t at;
    put8(o, 1);
    at = o->n;
    put24(o, 0);
    put16(o, ver);
    for (int i = 0; i < 32; i++)
        put8(o, i);
    put8(o, 0);                         /* session id */
    put16(o, (unsigned)(2 * ncs));
    for (int i = 0; i < ncs; i++)
        put16(o, cs[i]);
    put8(o, 1);
    put8(o, 0);                         /* null compression */
    if (exts) {
        put16(o, (unsigned)exts->n);
        putn(o, exts->b, exts->n);
    }
    fix24(o, at);
}

static void server_hello(buf *o, unsigned ver, unsigned cipher,
                         const buf *exts)
{
    size_t at;
    put8(o, 2);
    at = o->n;
    put24(o, 0);
    put16(o, ver);
    for (int i = 0; i < 32; i++)
        put8(o, 0x40 + i);
    put8(o, 0);
    put16(o, cipher);
    put8(o, 0);
    if (exts) {
        put16(o, (unsigned)exts->n);
        putn(o, exts->b, exts->n);
    }
    fix24(o, at);
}

/* Append one TLS record of the given type holding p[0..n). */
static void record(buf *o, unsigned type, const uint8_t *p, size_t n)
{
    put8(o, type);
    put16(o, 0x0303);
    put16(o, (unsigned)n);
    putn(o, p, n);
}

/* Feed a whole direction: a SYN at isn, then segments of seg bytes. */
static void feed(dis_tls *t, int dir, uint32_t isn, const uint8_t *p,
                 size_t n, size_t seg, uint64_t *frame)
{
    dis_tls_tcp_segment(t, dir, isn, 1, NULL, 0, ++*frame);
    for (size_t off = 0; off < n; off += seg) {
        size_t k = n - off < seg ? n - off : seg;
        dis_tls_tcp_segment(t, dir, isn + 1 + (uint32_t)off, 0, p + off, k,
                            ++*frame);
    }
}

static void hexify(char *dst, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(dst + 2 * i, 3, "%02x", p[i]);
}

static void md_hex(const EVP_MD *md, const void *p, size_t n, char *dst)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int k = 0;
    dst[0] = '\0';
    if (EVP_Digest(p, n, out, &k, md, NULL))
        hexify(dst, out, k);
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* ---- fixtures --------------------------------------------------------- */

static const uint16_t ciphers[] = { 0x1301, 0x1302, 0xc02b, 0xc02f };
static const char *const alpn2[] = { "h2", "http/1.1" };
static const uint16_t groups[] = { 29, 23, 24 };
static const uint16_t tls13[] = { 0x0304, 0x0303 };

/* A ClientHello message with SNI, ALPN, groups, formats, versions. */
static void sample_ch(buf *msg, const char *host)
{
    static buf e;
    const uint8_t fmt[] = { 1, 0 };
    e.n = 0;
    msg->n = 0;
    ext_sni(&e, host);
    ext_raw(&e, 23, NULL, 0);
    ext_alpn(&e, alpn2, 2);
    ext_list16(&e, 10, groups, 3, 0);
    ext_raw(&e, 11, fmt, sizeof(fmt));
    ext_list16(&e, 43, tls13, 2, 1);
    client_hello(msg, 0x0303, ciphers, 4, &e);
}

static const char sample_ja3[] =
    "771,4865-4866-49195-49199,0-23-16-10-11-43,29-23-24,0";

/* Real ClientHello and ServerHello records from the corpus capture
 * /work/shared/pcaps/corpus/443-safari.pcap, frames 4 and 6 (TCP payload;
 * for frame 6 only its first record, the ServerHello).  Expected values as
 * tshark 4.0.17 prints them: tls.handshake.ja3 / ja3_full and
 * tls.handshake.ja3s / ja3s_full. */
static const char safari_ch_hex[] =
    "16030100e4010000e00303b753d483c3a76617db4892f2b8b36ccbbc8cdeb8b7bae52c"
    "d1940597423292be000028c02cc02bc024c023c00ac009cca9c030c02fc028c027c014"
    "c013cca8009d009c003d003c0035002f0100008fff0100010000000011000f00000c77"
    "77772e6e746f702e6f726700170000000d001400120403080404010503080505010806"
    "06010201000500050100000000337400000012000000100030002e0268320568322d31"
    "360568322d31350568322d313408737064792f332e3106737064792f3308687474702f"
    "312e31000b00020100000a000a0008001d001700180019";
static const char safari_sh_hex[] =
    "160303006a0200006603038aa6c89ca6e7772e6938d81aefc7e10e6f353bb1ef4c122d"
    "1444c8cd4f3156092082a5418993b6431f479ce7c5cb61eef4bf60b53fdd7c3dac11c2"
    "80a6fe55ee60cca800001eff0100010000000000000b00040300010200100005000302"
    "68320017000016";
static const char safari_ja3[] = "a69708a64f853c3bcc214c2c5faf84f3";
static const char safari_ja3_full[] =
    "771,49196-49195-49188-49187-49162-49161-52393-49200-49199-49192-49191-"
    "49172-49171-52392-157-156-61-60-53-47,65281-0-23-13-5-13172-18-16-11-"
    "10,29-23-24-25,0";
static const char safari_ja3s[] = "f9fcb52580329fb6a9b61d7542087b90";
static const char safari_ja3s_full[] = "771,52392,65281-0-11-16-23";

/* ---- tests ------------------------------------------------------------ */

TU_TEST(ja3_known_answer_safari)
{
    static uint8_t ch[512], sh[512];
    size_t nch = unhex(safari_ch_hex, ch, sizeof(ch));
    /* The SH hex ends with the first byte of the next record's header. */
    size_t nsh = unhex(safari_sh_hex, sh, sizeof(sh));
    uint64_t fr = 0;
    char tmp[64];
    dis_tls *t = dis_tls_new();
    TU_CHECK_INT(nch, 233);
    feed(t, 0, 3000000000u, ch, nch, 1460, &fr);
    feed(t, 1, 12345, sh, nsh, 1460, &fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_STR(in->sni, "www.ntop.org");
    TU_CHECK_STR(in->ja3_raw, safari_ja3_full);
    TU_CHECK_STR(in->ja3, safari_ja3);
    TU_CHECK_INT(in->n_alpn, 7);
    TU_CHECK_STR(in->alpn[0], "h2");
    TU_CHECK_STR(in->alpn[4], "spdy/3.1");
    TU_CHECK_STR(in->alpn[6], "http/1.1");
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->sh_frame, 4);
    TU_CHECK_STR(in->ja3s_raw, safari_ja3s_full);
    TU_CHECK_STR(in->ja3s, safari_ja3s);
    TU_CHECK_INT(in->version, 0x0303);
    TU_CHECK_STR(dis_tls_cipher_name(in->cipher, tmp, sizeof(tmp)),
                 "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    dis_tls_free(t);
}

TU_TEST(record_header_split)
{
    static uint8_t ch[512];
    size_t n = unhex(safari_ch_hex, ch, sizeof(ch));
    for (size_t cut = 1; cut < 5; cut++) {
        dis_tls *t = dis_tls_new();
        dis_tls_tcp_segment(t, 0, 99, 0, ch, cut, 1);
        dis_tls_tcp_segment(t, 0, 99 + (uint32_t)cut, 0, ch + cut, n - cut, 2);
        const dis_tls_info *in = dis_tls_get(t);
        TU_CHECK_INT(in->client_hello, 1);
        TU_CHECK_INT(in->ch_frame, 2);
        TU_CHECK_STR(in->ja3, safari_ja3);
        dis_tls_free(t);
    }
}

TU_TEST(client_hello_three_segments)
{
    static buf msg, st;
    uint64_t fr = 0;
    dis_tls *t = dis_tls_new();
    sample_ch(&msg, "meet.example.com");
    st.n = 0;
    record(&st, 22, msg.b, msg.n);
    size_t a = st.n / 3, b = 2 * st.n / 3;
    dis_tls_tcp_segment(t, 0, 0xffffff00u, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 0, 0xffffff01u, 0, st.b, a, ++fr);
    /* Third segment before the second: held out of order. */
    dis_tls_tcp_segment(t, 0, 0xffffff01u + (uint32_t)b, 0, st.b + b,
                        st.n - b, ++fr);
    TU_CHECK_INT(dis_tls_get(t)->client_hello, 0);
    dis_tls_tcp_segment(t, 0, 0xffffff01u + (uint32_t)a, 0, st.b + a, b - a,
                        ++fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_INT(in->ch_frame, 4);
    TU_CHECK_STR(in->sni, "meet.example.com");
    TU_CHECK_INT(in->client_legacy_version, 0x0303);
    TU_CHECK_INT(in->n_alpn, 2);
    TU_CHECK_STR(in->alpn[1], "http/1.1");
    TU_CHECK_INT(in->n_client_versions, 2);
    TU_CHECK_INT(in->client_versions[0], 0x0304);
    TU_CHECK_STR(in->ja3_raw, sample_ja3);
    char want[33];
    md_hex(EVP_md5(), sample_ja3, strlen(sample_ja3), want);
    TU_CHECK_STR(in->ja3, want);
    TU_CHECK(!dis_tls_done(t));
    dis_tls_free(t);
}

TU_TEST(handshake_spans_two_records)
{
    static buf msg, st;
    uint64_t fr = 0;
    dis_tls *t = dis_tls_new();
    sample_ch(&msg, "split.example");
    st.n = 0;
    record(&st, 22, msg.b, 7);              /* type, length, 3 bytes */
    record(&st, 22, msg.b + 7, msg.n - 7);
    feed(t, 0, 1, st.b, st.n, 40, &fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_STR(in->sni, "split.example");
    TU_CHECK_STR(in->ja3_raw, sample_ja3);
    dis_tls_free(t);
}

TU_TEST(grease_removed)
{
    static buf e, msg, st;
    const uint16_t cs[] = { 0x0a0a, 0x1301, 0x1a2a, 0xc02f };
    const uint16_t gr[] = { 0x3a3a, 29, 23 };
    const uint16_t vs[] = { 0x4a4a, 0x0304, 0x0303 };
    const uint8_t fmt[] = { 1, 0 }, one[] = { 0 };
    uint64_t fr = 0;
    e.n = msg.n = st.n = 0;
    ext_raw(&e, 0x2a2a, NULL, 0);
    ext_sni(&e, "g.example");
    ext_list16(&e, 10, gr, 3, 0);
    ext_raw(&e, 11, fmt, sizeof(fmt));
    ext_list16(&e, 43, vs, 3, 1);
    ext_raw(&e, 0xfafa, one, sizeof(one));
    client_hello(&msg, 0x0303, cs, 4, &e);
    record(&st, 22, msg.b, msg.n);
    dis_tls *t = dis_tls_new();
    feed(t, 0, 7, st.b, st.n, 1460, &fr);
    const dis_tls_info *in = dis_tls_get(t);
    /* 0x1a2a is not an RFC 8701 value (its two bytes differ): kept. */
    const char *want = "771,4865-6698-49199,0-10-11-43,29-23,0";
    char h[33];
    md_hex(EVP_md5(), want, strlen(want), h);
    TU_CHECK_STR(in->ja3_raw, want);
    TU_CHECK_STR(in->ja3, h);
    TU_CHECK_INT(in->n_client_versions, 2);
    TU_CHECK_INT(in->client_versions[0], 0x0304);
    dis_tls_free(t);
}

TU_TEST(no_extensions_block)
{
    static buf msg, st;
    const uint16_t cs[] = { 4, 5, 10 };
    uint64_t fr = 0;
    msg.n = st.n = 0;
    client_hello(&msg, 0x0301, cs, 3, NULL);
    record(&st, 22, msg.b, msg.n);
    dis_tls *t = dis_tls_new();
    feed(t, 0, 7, st.b, st.n, 1460, &fr);
    /* tshark's layout: no trailing fields when there is no block. */
    TU_CHECK_STR(dis_tls_get(t)->ja3_raw, "769,4-5-10,");
    dis_tls_free(t);
}

TU_TEST(server_hello_tls13_and_done)
{
    static buf e, msg, st, cl;
    const uint16_t sv[] = { 0x0304 };
    const uint8_t ccs[] = { 1 };
    uint64_t fr = 0;
    e.n = msg.n = st.n = cl.n = 0;
    ext_list16(&e, 51, sv, 0, 0);           /* key_share-ish, empty */
    put16(&e, 43);
    put16(&e, 2);
    put16(&e, 0x0304);
    server_hello(&msg, 0x0303, 0x1302, &e);
    record(&st, 22, msg.b, msg.n);
    record(&st, 20, ccs, 1);
    record(&st, 23, ccs, 1);

    dis_tls *t = dis_tls_new();
    static buf chm;
    sample_ch(&chm, "x.example");
    record(&cl, 22, chm.b, chm.n);
    record(&cl, 20, ccs, 1);
    feed(t, 0, 1, cl.b, cl.n, 1460, &fr);
    TU_CHECK(!dis_tls_done(t));
    feed(t, 1, 1, st.b, st.n, 1460, &fr);
    const dis_tls_info *in = dis_tls_get(t);
    char v[16], c[64];
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->version, 0x0304);
    TU_CHECK_STR(dis_tls_version_name(in->version, v, sizeof(v)), "TLSv1.3");
    TU_CHECK_STR(dis_tls_cipher_name(in->cipher, c, sizeof(c)),
                 "TLS_AES_256_GCM_SHA384");
    TU_CHECK_STR(in->ja3s_raw, "771,4866,51-43");
    TU_CHECK(dis_tls_done(t));
    /* Later segments are ignored. */
    dis_tls_tcp_segment(t, 0, 1 + (uint32_t)cl.n + 1, 0, st.b, st.n, 99);
    TU_CHECK_INT(in->ch_frame, 2);
    dis_tls_free(t);
}

TU_TEST(not_tls_stops)
{
    const char *http = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    dis_tls *t = dis_tls_new();
    dis_tls_tcp_segment(t, 0, 5, 0, (const uint8_t *)http, strlen(http), 1);
    dis_tls_tcp_segment(t, 1, 9, 0, (const uint8_t *)"HTTP/1.1 200", 12, 2);
    TU_CHECK(dis_tls_done(t));
    TU_CHECK_INT(dis_tls_get(t)->client_hello, 0);
    dis_tls_free(t);
}

TU_TEST(direction_stops_at_64k)
{
    static buf st, body;
    uint64_t fr = 0;
    dis_tls *t = dis_tls_new();
    body.n = 0;
    put8(&body, 99);                        /* unknown handshake type */
    put24(&body, 12000);
    for (int i = 0; i < 12000; i++)
        put8(&body, i);
    st.n = 0;
    for (int i = 0; i < 6; i++)             /* 6 * 12004 bytes > 64 KiB */
        record(&st, 22, body.b, body.n);
    feed(t, 1, 1, st.b, st.n, 1400, &fr);
    dis_tls_tcp_segment(t, 0, 1, 0, (const uint8_t *)"\x15\x03\x03\x00\x02", 5, ++fr);
    TU_CHECK(!dis_tls_done(t));             /* client still open */
    const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };
    dis_tls_tcp_segment(t, 0, 6, 0, ccs, 2, ++fr); /* alert body ignored */
    dis_tls_tcp_segment(t, 0, 8, 0, ccs, sizeof(ccs), ++fr);
    TU_CHECK(dis_tls_done(t));
    dis_tls_free(t);
}

TU_TEST(truncated_handshake)
{
    static buf e, msg, st;
    uint64_t fr = 0;
    e.n = msg.n = st.n = 0;
    ext_sni(&e, "cut.example");
    put16(&e, 10);                          /* groups: claims 40 bytes */
    put16(&e, 40);
    put16(&e, 38);
    put16(&e, 29);
    client_hello(&msg, 0x0303, ciphers, 4, &e);
    record(&st, 22, msg.b, msg.n);
    dis_tls *t = dis_tls_new();
    feed(t, 0, 1, st.b, st.n, 50, &fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_STR(in->sni, "cut.example");
    TU_CHECK_STR(in->ja3, "");              /* malformed: no fingerprint */
    TU_CHECK_STR(in->ja3_raw, "");

    /* A ServerHello cut short inside the message: nothing claimed. */
    msg.n = st.n = 0;
    server_hello(&msg, 0x0303, 0xc02f, NULL);
    msg.b[3] = 200;                         /* length says more follows */
    record(&st, 22, msg.b, msg.n);
    st.b[4] = 204;
    feed(t, 1, 1, st.b, st.n, 20, &fr);
    TU_CHECK_INT(in->server_hello, 0);
    TU_CHECK_INT(in->has_cipher, 0);
    TU_CHECK_STR(in->ja3s, "");
    dis_tls_free(t);
}

TU_TEST(hostile_bytes_no_crash)
{
    /* Every single-byte corruption and every truncation of a real
     * ClientHello: must not crash (ASan/UBSan watch) and must keep the SNI
     * buffer a clean C string. */
    static uint8_t ch[512], bad[512];
    size_t n = unhex(safari_ch_hex, ch, sizeof(ch));
    int parsed = 0;
    for (size_t i = 0; i < n; i++) {
        for (int mode = 0; mode < 2; mode++) {
            memcpy(bad, ch, n);
            size_t len = n;
            if (mode == 0)
                bad[i] ^= 0xff;
            else
                len = i;
            dis_tls *t = dis_tls_new();
            dis_tls_tcp_segment(t, 0, 1, 0, bad, len, 1);
            const dis_tls_info *in = dis_tls_get(t);
            TU_CHECK(strlen(in->sni) < sizeof(in->sni));
            TU_CHECK(in->n_alpn <= DIS_TLS_MAX_ALPN);
            parsed += in->client_hello;
            dis_tls_free(t);
        }
    }
    TU_CHECK(parsed > 100);     /* most corruptions still parse */
}

/* ---- certificate chain ------------------------------------------------ */

static X509 *make_cert(const char *cn, const char *issuer_cn, EVP_PKEY *key,
                       EVP_PKEY *signer, int nsan, long serial)
{
    X509 *x = X509_new();
    X509_NAME *iss = X509_NAME_new();
    char *san = malloc((size_t)nsan * 40 + 1);
    X509_EXTENSION *ext = NULL;
    if (!x || !iss || !san)
        goto fail;
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L);
    X509_set_pubkey(x, key);
    X509_NAME *sub = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(sub, "C", MBSTRING_ASC, (const unsigned char *)"ZZ", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sub, "O", MBSTRING_ASC, (const unsigned char *)"Meetaudit Test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sub, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(iss, "C", MBSTRING_ASC, (const unsigned char *)"ZZ", -1, -1, 0);
    X509_NAME_add_entry_by_txt(iss, "O", MBSTRING_ASC, (const unsigned char *)"Meetaudit Test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1, -1, 0);
    X509_set_issuer_name(x, iss);
    size_t k = 0;
    for (int i = 0; i < nsan; i++)
        k += (size_t)snprintf(san + k, 40, "%sDNS:h%d.%s", i ? "," : "", i, cn);
    ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
    if (!ext || !X509_add_ext(x, ext, -1) || !X509_sign(x, signer, EVP_sha256()))
        goto fail;
    X509_EXTENSION_free(ext);
    X509_NAME_free(iss);
    free(san);
    return x;
fail:
    X509_EXTENSION_free(ext);
    X509_NAME_free(iss);
    free(san);
    X509_free(x);
    return NULL;
}

TU_TEST(certificate_chain_15k)
{
    static buf cert, st, shm;
    static uint8_t der[3][8000];
    int dlen[3] = {0};
    const char *cn[3] = { "leaf.meet.example", "ca.meet.example", "root.meet.example" };
    const char *iss[3] = { "ca.meet.example", "root.meet.example", "root.meet.example" };
    const uint8_t junk[16] = { 0x30, 0x82, 0x7f, 0xff, 1, 2, 3 };
    EVP_PKEY *k[3];
    for (int i = 0; i < 3; i++)
        k[i] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    TU_CHECK(k[0] && k[1] && k[2]);
    if (!k[0] || !k[1] || !k[2])
        return;
    for (int i = 0; i < 3; i++) {
        X509 *x = make_cert(cn[i], iss[i], k[i], k[i < 2 ? i + 1 : 2], 230, i + 1);
        TU_CHECK(x != NULL);
        if (!x)
            return;
        unsigned char *q = der[i];
        dlen[i] = i2d_X509(x, NULL);
        TU_CHECK(dlen[i] > 0 && dlen[i] <= (int)sizeof(der[i]));
        if (dlen[i] <= 0 || dlen[i] > (int)sizeof(der[i]))
            return;
        i2d_X509(x, &q);
        X509_free(x);
    }
    /* Certificate message: three DER certs then one undecodable entry. */
    cert.n = 0;
    put8(&cert, 11);
    put24(&cert, 0);
    put24(&cert, 0);
    for (int i = 0; i < 3; i++) {
        put24(&cert, (unsigned)dlen[i]);
        putn(&cert, der[i], (size_t)dlen[i]);
    }
    put24(&cert, sizeof(junk));
    putn(&cert, junk, sizeof(junk));
    fix24(&cert, 4);
    fix24(&cert, 1);
    TU_CHECK(cert.n > 15000);

    shm.n = st.n = 0;
    server_hello(&shm, 0x0303, 0xc02b, NULL);
    put8(&shm, 14);                         /* ServerHelloDone */
    put24(&shm, 0);
    record(&st, 22, shm.b, shm.n - 4);      /* ServerHello */
    record(&st, 22, cert.b, 9000);          /* Certificate, two records */
    record(&st, 22, cert.b + 9000, cert.n - 9000);
    record(&st, 22, shm.b + shm.n - 4, 4);  /* ServerHelloDone */

    /* 1448-byte segments, each odd pair swapped (out of order). */
    dis_tls *t = dis_tls_new();
    uint64_t fr = 0;
    const size_t seg = 1448;
    size_t nseg = (st.n + seg - 1) / seg;
    dis_tls_tcp_segment(t, 1, 77, 1, NULL, 0, ++fr);
    for (size_t j = 0; j < nseg; j++) {
        size_t i = (j % 2 == 0 && j + 1 < nseg) ? j + 1 : (j % 2 ? j - 1 : j);
        size_t off = i * seg, len = st.n - off < seg ? st.n - off : seg;
        dis_tls_tcp_segment(t, 1, 78 + (uint32_t)off, 0, st.b + off, len, ++fr);
    }
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->n_certs, 4);
    TU_CHECK_STR(in->certs[0].subject, "CN=leaf.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[0].issuer, "CN=ca.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[2].subject, "CN=root.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[2].issuer, in->certs[2].subject);
    for (int i = 0; i < 3; i++) {
        char h1[41], h2[65];
        md_hex(EVP_sha1(), der[i], (size_t)dlen[i], h1);
        md_hex(EVP_sha256(), der[i], (size_t)dlen[i], h2);
        TU_CHECK_STR(in->certs[i].sha1, h1);
        TU_CHECK_STR(in->certs[i].sha256, h2);
    }
    char hj[41];
    md_hex(EVP_sha1(), junk, sizeof(junk), hj);
    TU_CHECK_STR(in->certs[3].subject, "");
    TU_CHECK_STR(in->certs[3].sha1, hj);
    TU_CHECK(!dis_tls_done(t));
    dis_tls_free(t);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(k[i]);
}

TU_TEST(names)
{
    char b[64];
    TU_CHECK_STR(dis_tls_version_name(0x0300, b, sizeof(b)), "SSLv3");
    TU_CHECK_STR(dis_tls_version_name(0x0301, b, sizeof(b)), "TLSv1.0");
    TU_CHECK_STR(dis_tls_version_name(0x0302, b, sizeof(b)), "TLSv1.1");
    TU_CHECK_STR(dis_tls_version_name(0x0303, b, sizeof(b)), "TLSv1.2");
    TU_CHECK_STR(dis_tls_version_name(0x7f1c, b, sizeof(b)), "0x7f1c");
    TU_CHECK_STR(dis_tls_version_name(0x2a2a, b, sizeof(b)), "0x2a2a");
    TU_CHECK_STR(dis_tls_cipher_name(0x1301, b, sizeof(b)), "TLS_AES_128_GCM_SHA256");
    TU_CHECK_STR(dis_tls_cipher_name(0xc02f, b, sizeof(b)),
                 "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    TU_CHECK_STR(dis_tls_cipher_name(0x002f, b, sizeof(b)), "TLS_RSA_WITH_AES_128_CBC_SHA");
    TU_CHECK_STR(dis_tls_cipher_name(0xfafa, b, sizeof(b)), "0xfafa");
    TU_CHECK_STR(dis_tls_cipher_name(0x0000, b, sizeof(b)), "0x0000");
}

int main(void)
{
    TU_RUN(ja3_known_answer_safari);
    TU_RUN(record_header_split);
    TU_RUN(client_hello_three_segments);
    TU_RUN(handshake_spans_two_records);
    TU_RUN(grease_removed);
    TU_RUN(no_extensions_block);
    TU_RUN(server_hello_tls13_and_done);
    TU_RUN(not_tls_stops);
    TU_RUN(direction_stops_at_64k);
    TU_RUN(truncated_handshake);
    TU_RUN(hostile_bytes_no_crash);
    TU_RUN(certificate_chain_15k);
    TU_RUN(names);
    return tu_finish();
}
