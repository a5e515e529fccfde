/* test_tls.c - unit tests for dissect/tls.c and tls_hello.c: record and
 * handshake reassembly over TCP, ClientHello/ServerHello facts, JA3/JA3S,
 * HelloRetryRequest (RFC 8446 4.1.3-4.1.4, D.4), ECH, alerts, the
 * QUIC/DTLS message entry, memory bounds.  Certificates: test_tls_cert.c;
 * JA4 known answers: test_ja4.c. */
#define _DEFAULT_SOURCE
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../dissect/tcpreasm.h"
#include "tls_build.h"
#include "tu.h"

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
    record(&cl, 20, ccs, 1);    /* TLS 1.3 dummy CCS (RFC 8446 D.4): */
    record(&cl, 23, ccs, 1);    /* the direction ends at application data */
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
            TU_CHECK(strlen(in->sni) < DIS_TLS_SNI_MAX);
            TU_CHECK(in->n_alpn <= DIS_TLS_MAX_ALPN);
            parsed += in->client_hello;
            dis_tls_free(t);
        }
    }
    TU_CHECK(parsed > 100);     /* most corruptions still parse */
}

/* ---- HelloRetryRequest ------------------------------------------------ */

/* RFC 8446 4.1.3: the HRR's Random is SHA-256("HelloRetryRequest"). */
static void hrr_random(uint8_t out[32])
{
    unsigned int k = 0;
    EVP_Digest("HelloRetryRequest", 17, out, &k, EVP_sha256(), NULL);
}

/* ServerHello extensions: supported_versions 0x0304 and, for an HRR, a
 * key_share naming the selected group (else a 32-byte share). */
static void sh13_exts(buf *e, int hrr, unsigned group)
{
    e->n = 0;
    put16(e, 43);
    put16(e, 2);
    put16(e, 0x0304);
    put16(e, 51);
    if (hrr) {
        put16(e, 2);
        put16(e, group);
    } else {
        put16(e, 36);
        put16(e, group);
        put16(e, 32);
        for (int i = 0; i < 32; i++)
            put8(e, i);
    }
}

TU_TEST(hello_retry_request)
{
    static buf e, ch1, ch2, hrr, sh, cl, sv, ref;
    const uint16_t ks1[] = { 0x001d }, ks2[] = { 0x0017 };
    const uint8_t one[] = { 1 };
    uint8_t rnd[32];
    uint64_t fr = 0;

    /* First ClientHello: no SNI, key share x25519 only. */
    e.n = ch1.n = 0;
    ext_list16(&e, 43, tls13, 2, 1);
    ext_list16(&e, 10, groups, 3, 0);
    ext_key_share(&e, ks1, 1);
    client_hello(&ch1, 0x0303, ciphers, 4, &e);
    /* Second ClientHello: SNI now, key share secp256r1. */
    e.n = ch2.n = 0;
    ext_sni(&e, "retry.example");
    ext_list16(&e, 43, tls13, 2, 1);
    ext_list16(&e, 10, groups, 3, 0);
    ext_key_share(&e, ks2, 1);
    client_hello(&ch2, 0x0303, ciphers, 4, &e);
    hrr_random(rnd);
    sh13_exts(&e, 1, 0x0017);
    hrr.n = 0;
    server_hello_rnd(&hrr, 0x0303, 0x1302, rnd, &e);
    sh13_exts(&e, 0, 0x0017);
    sh.n = 0;
    server_hello(&sh, 0x0303, 0x1301, &e);

    /* Wire order: CH1; HRR, CCS; CCS, CH2; SH, CCS, appdata; appdata. */
    cl.n = sv.n = 0;
    record(&cl, 22, ch1.b, ch1.n);
    record(&sv, 22, hrr.b, hrr.n);
    record(&sv, 20, one, 1);
    record(&cl, 20, one, 1);
    size_t cl2 = cl.n;
    record(&cl, 22, ch2.b, ch2.n);
    size_t sv2 = sv.n;
    record(&sv, 22, sh.b, sh.n);
    record(&sv, 20, one, 1);
    record(&sv, 23, one, 1);
    record(&cl, 23, one, 1);

    dis_tls *t = dis_tls_new();
    dis_tls_tcp_segment(t, 0, 100, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 500, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 0, 101, 0, cl.b, cl2 - 6, ++fr);   /* CH1: 3 */
    dis_tls_tcp_segment(t, 1, 501, 0, sv.b, sv2, ++fr);        /* HRR: 4 */
    dis_tls_tcp_segment(t, 0, 101 + (uint32_t)cl2 - 6, 0, cl.b + cl2 - 6,
                        cl.n - 6 - (cl2 - 6), ++fr);           /* CH2: 5 */
    dis_tls_tcp_segment(t, 1, 501 + (uint32_t)sv2, 0, sv.b + sv2,
                        sv.n - sv2, ++fr);                     /* SH: 6 */
    dis_tls_tcp_segment(t, 0, 101 + (uint32_t)cl.n - 6, 0, cl.b + cl.n - 6,
                        6, ++fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->hrr, 1);
    TU_CHECK_INT(in->hrr_frame, 4);
    TU_CHECK_INT(in->hrr_group, 0x0017);
    TU_CHECK_INT(in->ch2, 1);
    TU_CHECK_INT(in->ch2_frame, 5);
    TU_CHECK_INT(in->ch_frame, 3);
    TU_CHECK_STR(in->sni, "retry.example");        /* from the second */
    TU_CHECK_INT(in->key_share_groups.n, 1);        /* the first's facts */
    TU_CHECK_INT(in->key_share_groups.v[0], 0x001d);
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->sh_frame, 6);
    TU_CHECK_INT(in->version, 0x0304);
    TU_CHECK_INT(in->cipher, 0x1301);               /* the real one */
    TU_CHECK(dis_tls_done(t));
    dis_tls *fresh = dis_tls_new();
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));   /* buffers freed */
    dis_tls_free(fresh);

    /* The fingerprint is the first ClientHello's, alone. */
    ref.n = 0;
    record(&ref, 22, ch1.b, ch1.n);
    dis_tls *r = dis_tls_new();
    fr = 0;
    feed(r, 0, 1, ref.b, ref.n, 1460, &fr);
    TU_CHECK(dis_tls_get(r)->ja3[0] != '\0');
    TU_CHECK_STR(in->ja3, dis_tls_get(r)->ja3);
    TU_CHECK_STR(in->ja4, dis_tls_get(r)->ja4);
    TU_CHECK(strncmp(in->ja4, "t13i", 4) == 0);
    dis_tls_free(r);
    dis_tls_free(t);
}

TU_TEST(tls12_ccs_ends_the_clear_handshake)
{
    static buf cl, msg;
    const uint8_t one[] = { 1 };
    /* An encrypted Finished looks like the start of a long message. */
    const uint8_t fin[] = { 0x14, 0x00, 0x03, 0xe8, 9, 9, 9, 9, 9, 9 };
    uint64_t fr = 0;
    /* A TLS 1.2-only client: after its CCS comes an encrypted Finished in
     * a handshake record; the direction must have stopped at the CCS (had
     * it gone on, the Finished would sit in a handshake buffer). */
    cl.n = msg.n = 0;
    client_hello(&msg, 0x0303, ciphers, 4, NULL);
    record(&cl, 22, msg.b, msg.n);
    record(&cl, 20, one, 1);
    record(&cl, 22, fin, sizeof(fin));
    dis_tls *t = dis_tls_new(), *fresh = dis_tls_new();
    feed(t, 0, 1, cl.b, cl.n, 1460, &fr);
    TU_CHECK_INT(dis_tls_get(t)->ch_frame, 2);
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));
    /* The same bytes from a client offering TLS 1.3 (before any
     * ServerHello) keep the direction open: the CCS may be the dummy. */
    static buf e;
    e.n = msg.n = cl.n = 0;
    ext_list16(&e, 43, tls13, 2, 1);
    client_hello(&msg, 0x0303, ciphers, 4, &e);
    record(&cl, 22, msg.b, msg.n);
    record(&cl, 20, one, 1);
    record(&cl, 22, fin, sizeof(fin));
    dis_tls *u = dis_tls_new();
    feed(u, 0, 1, cl.b, cl.n, 1460, &fr);
    TU_CHECK(dis_tls_mem(u) > dis_tls_mem(fresh));
    dis_tls_free(u);
    dis_tls_free(fresh);
    dis_tls_free(t);
}

/* ---- ECH, resumption ---------------------------------------------------- */

TU_TEST(ech_fixture_outer_sni)
{
    dis_tls *t = dis_tls_new();
    TU_CHECK(feed_pcap(t, "pcaps/tls_ech.pcapng", 443) > 0);
    const dis_tls_info *in = dis_tls_get(t);
    /* tshark -V: "Extension: Unknown type 65037 (len=250)", server_name
     * performance.radar.cloudflare.com, session_ticket (len=0), Session
     * ID Length: 32, supported versions GREASE, 0x0304, 0x0303. */
    TU_CHECK_INT(in->ech, 0xfe0d);
    TU_CHECK_STR(in->sni, "performance.radar.cloudflare.com");
    TU_CHECK_INT(in->grease, 1);
    TU_CHECK_INT(in->session_id_len, 32);
    TU_CHECK_INT(in->session_ticket, 0);
    TU_CHECK_INT(in->psk, 0);
    TU_CHECK_INT(in->resumption, 0);
    TU_CHECK_INT(in->n_client_versions, 2);
    TU_CHECK_INT(in->ciphers.n, 16);
    TU_CHECK_INT(in->extensions.n, 18);
    TU_CHECK_INT(in->sig_algs.n, 8);
    TU_CHECK_INT(in->sig_algs.v[0], 0x0403);
    TU_CHECK_INT(in->version, 0x0304);
    TU_CHECK_INT(in->hrr, 0);
    TU_CHECK_INT(dis_tls_certs_visible(in), 0);
    TU_CHECK_INT(in->n_certs, 0);
    TU_CHECK(dis_tls_done(t));
    dis_tls *fresh = dis_tls_new();
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));
    dis_tls_free(fresh);
    dis_tls_free(t);

    /* The ESNI draft's code point counts too. */
    static buf e, m;
    e.n = m.n = 0;
    ext_sni(&e, "cover.example");
    ext_raw(&e, 0xffce, "\x00\x01", 2);
    client_hello(&m, 0x0303, ciphers, 4, &e);
    t = dis_tls_new();
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    TU_CHECK_INT(dis_tls_get(t)->ech, 0xffce);
    dis_tls_free(t);
}

TU_TEST(resumption_offers)
{
    static buf e, m;
    const uint8_t tick[] = { 1, 2, 3, 4 };
    const uint16_t v12[] = { 0x0303 };
    struct { int sid, ticket, psk, v13, want; } c[] = {
        { 0, 0, 0, 0, 0 }, { 32, 0, 0, 0, 1 }, { 32, 0, 0, 1, 0 },
        { 0, 1, 0, 1, 1 }, { 0, 0, 1, 1, 1 },
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        e.n = m.n = 0;
        ext_list16(&e, 43, c[i].v13 ? tls13 : v12, c[i].v13 ? 2 : 1, 1);
        ext_raw(&e, 35, tick, c[i].ticket ? sizeof(tick) : 0);
        if (c[i].psk)
            ext_raw(&e, 41, tick, sizeof(tick));
        client_hello_sid(&m, 0x0303, ciphers, 4, c[i].sid, &e);
        dis_tls *t = dis_tls_new();
        dis_tls_handshake(t, 0, m.b, m.n, 1);
        const dis_tls_info *in = dis_tls_get(t);
        if (in->resumption != c[i].want)
            TU_FAILF("case %zu: resumption %d, expected %d", i,
                     in->resumption, c[i].want);
        TU_CHECK_INT(in->session_ticket, c[i].ticket);
        TU_CHECK_INT(in->psk, c[i].psk);
        dis_tls_free(t);
    }
}

/* ---- alerts ------------------------------------------------------------- */

TU_TEST(alerts_in_clear)
{
    static buf cl, sv, msg;
    const uint8_t fatal[] = { 2, 40 }, two[] = { 1, 0, 2, 70 };
    uint8_t enc[26];
    uint64_t fr = 0;
    char b[48];
    memset(enc, 0x77, sizeof(enc));
    cl.n = sv.n = msg.n = 0;
    sample_ch(&msg, "alert.example");
    record(&cl, 22, msg.b, msg.n);
    record(&sv, 21, enc, sizeof(enc));      /* too long: encrypted */
    record(&sv, 21, fatal, sizeof(fatal));
    record(&sv, 21, two, sizeof(two));      /* two alerts, one record */
    dis_tls *t = dis_tls_new();
    feed(t, 0, 1, cl.b, cl.n, 1460, &fr);
    const uint64_t sv_syn = fr + 1;         /* then one frame per byte */
    feed(t, 1, 1, sv.b, sv.n, 1, &fr);      /* one byte per segment */
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->n_alerts, 3);
    TU_CHECK_INT(in->alerts[0].dir, 1);
    TU_CHECK_INT(in->alerts[0].level, 2);
    TU_CHECK_INT(in->alerts[0].desc, 40);
    /* Completed by the second body byte of the second record. */
    TU_CHECK_INT(in->alerts[0].frame, sv_syn + sizeof(enc) + 5 + 5 + 2);
    TU_CHECK_INT(in->alerts[1].desc, 0);
    TU_CHECK_INT(in->alerts[2].desc, 70);
    TU_CHECK_STR(dis_tls_alert_desc_name(40, b, sizeof(b)), "handshake_failure");
    TU_CHECK_STR(dis_tls_alert_desc_name(70, b, sizeof(b)), "protocol_version");
    TU_CHECK_STR(dis_tls_alert_desc_name(121, b, sizeof(b)), "ech_required");
    TU_CHECK_STR(dis_tls_alert_desc_name(199, b, sizeof(b)), "199");
    TU_CHECK_STR(dis_tls_alert_level_name(2, b, sizeof(b)), "fatal");
    TU_CHECK_STR(dis_tls_alert_level_name(1, b, sizeof(b)), "warning");
    TU_CHECK_STR(dis_tls_alert_level_name(9, b, sizeof(b)), "9");
    for (int i = 0; i < DIS_TLS_MAX_ALERTS + 3; i++)
        dis_tls_alert(t, 0, 1, 0, 100 + (uint64_t)i);
    TU_CHECK_INT(in->n_alerts, DIS_TLS_MAX_ALERTS);
    TU_CHECK_INT(in->alerts_dropped, 6);
    TU_CHECK_INT(in->alerts[3].frame, 100);
    dis_tls_free(t);
}

/* ---- QUIC entry ----------------------------------------------------------- */

TU_TEST(quic_messages_and_done)
{
    static buf m, e;
    dis_tls *t = dis_tls_new();
    dis_tls_set_transport(t, DIS_TLS_OVER_QUIC);
    dis_tls_set_transport(t, 'x');                   /* ignored */
    sample_ch(&m, "quic.example");
    /* A message given short: facts to the cut, no fingerprint; the whole
     * one later is not parsed again (the first ClientHello counts). */
    dis_tls_handshake(t, 0, m.b, 60, 7);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_INT(in->ch_complete, 0);
    TU_CHECK_STR(in->ja4, "");
    dis_tls_free(t);

    t = dis_tls_new();
    dis_tls_set_transport(t, DIS_TLS_OVER_QUIC);
    dis_tls_handshake(t, 0, m.b, m.n, 7);
    in = dis_tls_get(t);
    TU_CHECK_INT(in->transport, 'q');
    TU_CHECK_INT(in->ch_frame, 7);
    TU_CHECK_STR(in->sni, "quic.example");
    TU_CHECK(strncmp(in->ja4, "q13d0406h2_", 11) == 0);
    TU_CHECK(!dis_tls_done(t));
    sh13_exts(&e, 0, 0x001d);
    m.n = 0;
    server_hello(&m, 0x0303, 0x1301, &e);
    dis_tls_handshake(t, 1, m.b, m.n, 8);
    TU_CHECK_INT(in->version, 0x0304);
    TU_CHECK_INT(in->sh_extensions.n, 2);
    TU_CHECK(dis_tls_done(t));
    TU_CHECK_INT(dis_tls_certs_visible(in), 0);
    /* Junk through the message entry: no crash, nothing learnt. */
    dis_tls_handshake(t, 1, (const uint8_t *)"\x02", 1, 9);
    dis_tls_handshake(t, 2, m.b, m.n, 9);
    dis_tls_handshake(NULL, 0, m.b, m.n, 9);
    dis_tls_free(t);
}

/* ---- memory --------------------------------------------------------------- */

TU_TEST(memory_10000_half_open)
{
    enum { N = 10000 };
    static buf msg, st;
    uint64_t fr = 0;
    sample_ch(&msg, "half.open.example");
    st.n = 0;
    record(&st, 22, msg.b, msg.n);
    dis_tls **t = calloc(N, sizeof(*t));
    TU_CHECK(t != NULL);
    if (!t)
        return;
    dis_tls *probe = dis_tls_new();
    const size_t base = dis_tls_mem(probe);
    dis_tls_free(probe);
    /* Per direction while the handshake runs: the handshake buffer and the
     * out-of-order bound; both directions. */
    const size_t bound = base + 2 * (DIS_TLS_DIR_LIMIT +
                                     DIS_TCPREASM_DEFAULT_LIMIT);
    size_t total = 0, worst = 0;
    for (int i = 0; i < N; i++) {
        t[i] = dis_tls_new();
        if (!t[i])
            break;
        /* SYN, then the first 40 bytes of the ClientHello; half of the
         * flows also get a segment beyond a gap (held out of order). */
        dis_tls_tcp_segment(t[i], 0, 1000, 1, NULL, 0, ++fr);
        dis_tls_tcp_segment(t[i], 0, 1001, 0, st.b, 40, ++fr);
        if (i % 2)
            dis_tls_tcp_segment(t[i], 0, 1001 + 60, 0, st.b + 60, 20, ++fr);
        size_t m = dis_tls_mem(t[i]);
        total += m;
        if (m > worst)
            worst = m;
    }
    TU_CHECK(worst <= bound);
    TU_CHECK(worst < base + 4096);      /* what a half-open flow really holds */
    TU_CHECK(total <= (size_t)N * (base + 4096));
    /* Completing the handshakes frees every buffer. */
    static buf rest, sv, shm;
    const uint8_t one[] = { 1 };
    rest.n = sv.n = shm.n = 0;
    record(&rest, 20, one, 1);
    server_hello(&shm, 0x0303, 0xc02f, NULL);
    record(&sv, 22, shm.b, shm.n);
    record(&sv, 20, one, 1);
    int freed = 1;
    for (int i = 0; i < N && t[i]; i++) {
        dis_tls_tcp_segment(t[i], 0, 1041, 0, st.b + 40, st.n - 40, ++fr);
        dis_tls_tcp_segment(t[i], 1, 7, 0, sv.b, sv.n, ++fr);
        dis_tls_tcp_segment(t[i], 0, 1001 + (uint32_t)st.n, 0, rest.b, rest.n,
                            ++fr);
        if (!dis_tls_done(t[i]) || dis_tls_mem(t[i]) != base ||
            !dis_tls_get(t[i])->ch_complete)
            freed = 0;
        dis_tls_free(t[i]);
    }
    TU_CHECK(freed);
    free(t);

    /* A hostile direction: out-of-order data up to the reassembly bound,
     * then it is given up and its memory returned. */
    dis_tls *h = dis_tls_new();
    static uint8_t junk[1400];
    dis_tls_tcp_segment(h, 0, 1, 1, NULL, 0, 1);
    for (uint32_t k = 0; k < 100; k++) {
        dis_tls_tcp_segment(h, 0, 5000 + k * 2000, 0, junk, sizeof(junk), 2);
        TU_CHECK(dis_tls_mem(h) <= bound);
    }
    TU_CHECK_INT(dis_tls_mem(h), base);
    dis_tls_free(h);
}

TU_TEST(later_syn_ack_with_other_isn)
{
    static buf st, msg;
    uint64_t fr = 0;
    msg.n = st.n = 0;
    server_hello(&msg, 0x0303, 0xc02f, NULL);
    record(&st, 22, msg.b, msg.n);
    /* As in the corpus capture tls_multiple_synack_different_seq.pcapng:
     * SYN-ACKs with ISNs 238755595 and 2829651200; data follows the last. */
    dis_tls *t = dis_tls_new();
    dis_tls_tcp_segment(t, 1, 238755595u, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 238755595u, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 2829651200u, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 2829651201u, 0, st.b, st.n, ++fr);
    TU_CHECK_INT(dis_tls_get(t)->server_hello, 1);
    TU_CHECK_INT(dis_tls_get(t)->sh_frame, 4);
    dis_tls_free(t);
    /* Only the first SYN-ACK known (the flow table replays the first ISN),
     * data "behind" it: restart from the data. */
    t = dis_tls_new();
    dis_tls_tcp_segment(t, 1, 238755595u, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 2829651201u, 0, st.b, st.n, ++fr);
    TU_CHECK_INT(dis_tls_get(t)->server_hello, 1);
    /* Once bytes were delivered, old data stays old (a retransmission). */
    dis_tls_free(t);
    t = dis_tls_new();
    static buf two;
    two.n = 0;
    record(&two, 22, msg.b, 10);
    dis_tls_tcp_segment(t, 1, 1000, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 1, 1001, 0, two.b, two.n, ++fr);
    dis_tls_tcp_segment(t, 1, 900, 0, st.b, st.n, ++fr);
    TU_CHECK_INT(dis_tls_get(t)->server_hello, 0);
    dis_tls_free(t);
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
    TU_RUN(hello_retry_request);
    TU_RUN(tls12_ccs_ends_the_clear_handshake);
    TU_RUN(ech_fixture_outer_sni);
    TU_RUN(resumption_offers);
    TU_RUN(alerts_in_clear);
    TU_RUN(quic_messages_and_done);
    TU_RUN(memory_10000_half_open);
    TU_RUN(later_syn_ack_with_other_isn);
    TU_RUN(names);
    return tu_finish();
}
