/* test_ja4.c - known-answer tests for JA4 (dissect/tls_hello.c).
 *
 * The expected values are the published examples of FoxIO's JA4
 * specification, technical_details/JA4.md in github.com/FoxIO-LLC/ja4
 * (commit d8f731ce0f194896f03261f333040cd8a80a2345, BSD-3-Clause):
 *   - cipher list "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,
 *     c02f,c030,cca8,cca9" -> 8daaf6152771;
 *   - extensions (0000 and 0010 removed, sorted) "0005,000a,000b,000d,0012,
 *     0015,0017,001b,0023,002b,002d,0033,4469,ff01" + "_" + signature
 *     algorithms in wire order "0403,0804,0401,0503,0805,0501,0806,0601" ->
 *     e5627efa2ab19723084c1033a96c694a45826ab5a460d2d3fd5ffcfe97161c95;
 *   - the same extensions without signature algorithms (no "_") ->
 *     6d807ffa2a79;
 *   - JA4 = t13d1516h2_8daaf6152771_e5627efa2ab1 and its JA4_r;
 *   - ALPN rules: "h2" -> h2, "http/1.1" -> h1, none/empty -> 00, a single
 *     character counts as first and last, and when the first or last byte
 *     is not alphanumeric the first and last hex digits: 0xAB -> ab,
 *     0xAB 0xCD -> ad, 0x30 0xAB -> 3b, 0x30 0x31 0xAB 0xCD -> 3d,
 *     0x30 0xAB 0xCD 0x31 -> 01;
 *   - version: highest supported_versions value (GREASE ignored), else the
 *     legacy version; d1/d2/d3 for DTLS; an empty list hashes to
 *     000000000000; counts capped at 99; GREASE never counted.
 * Fixture checks: JA4 of the ClientHellos in pcaps/tls_ech.pcapng and
 * pcaps/tls_long_cert.pcap as nDPI's test suite publishes them for the same
 * captures (ntop/nDPI tests/cfgs/default/result/tls_ech.pcapng.out and
 * tls_long_cert.pcap.out: "JA4: t13d1516h2_8daaf6152771_02713d6af862" and
 * "JA4: t13d1615h2_46e7e9700bed_45f260be83e2"), an implementation
 * independent of ours.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>

#include <openssl/evp.h>

#include "tls_build.h"
#include "tu.h"

static void sha256_hex(const char *s, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int k = 0;
    out[0] = '\0';
    if (!EVP_Digest(s, strlen(s), md, &k, EVP_sha256(), NULL))
        return;
    for (unsigned i = 0; i < k; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The spec's example hello, plus GREASE in the ciphers, the extensions,
 * the supported versions and the signature algorithms (all to be
 * ignored).  Options: with_sni, sig = 0 (none: empty list), alpn list. */
static const uint16_t spec_ciphers[] = {
    0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035
};
static const uint16_t spec_sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
                                      0x0805, 0x0501, 0x5a5a, 0x0806,
                                      0x0601 };

static void spec_hello(buf *msg, int with_sni, int with_sigs,
                       const char *const *alpn, int nalpn)
{
    static buf e;
    const uint8_t cc[] = { 2, 0, 2 }, alps[] = { 0, 3, 2, 'h', '2' },
                  psk[] = { 1, 1 }, st[] = { 1, 0, 0, 0, 0 }, ri[] = { 0 },
                  pf[] = { 1, 0 }, pad[16] = { 0 };
    const uint16_t ks[] = { 0x1d }, vs[] = { 0xfafa, 0x0304, 0x0303 },
                   gr[] = { 0x3a3a, 0x1d, 0x17, 0x18 };
    e.n = 0;
    msg->n = 0;
    ext_raw(&e, 0x0a0a, NULL, 0);                /* GREASE */
    ext_raw(&e, 0x001b, cc, sizeof(cc));
    if (with_sni)
        ext_sni(&e, "example.com");
    ext_key_share(&e, ks, 1);                    /* 0033 */
    if (alpn)
        ext_alpn(&e, alpn, nalpn);               /* 0010 */
    ext_raw(&e, 0x4469, alps, sizeof(alps));
    ext_raw(&e, 0x0017, NULL, 0);
    ext_raw(&e, 0x002d, psk, sizeof(psk));
    ext_list16(&e, 0x000d, spec_sigs, with_sigs ? 9 : 0, 0);
    ext_raw(&e, 0x0005, st, sizeof(st));
    ext_raw(&e, 0x0023, NULL, 0);
    ext_raw(&e, 0x0012, NULL, 0);
    ext_list16(&e, 0x002b, vs, 3, 1);
    ext_raw(&e, 0xff01, ri, sizeof(ri));
    ext_raw(&e, 0x000b, pf, sizeof(pf));
    ext_list16(&e, 0x000a, gr, 4, 0);
    ext_raw(&e, 0x0015, pad, sizeof(pad));
    ext_raw(&e, 0x1a1a, ri, sizeof(ri));         /* GREASE */
    client_hello_sid(msg, 0x0303, spec_ciphers, 16, 32, &e);
}

/* JA4 of one ClientHello message given through the handshake entry. */
static const dis_tls_info *ja4_of(dis_tls **t, int transport, const buf *m)
{
    *t = dis_tls_new();
    if (!*t)
        return NULL;
    dis_tls_set_transport(*t, transport);
    dis_tls_handshake(*t, 0, m->b, m->n, 1);
    return dis_tls_get(*t);
}

static const char *const h2_h11[] = { "h2", "http/1.1" };

TU_TEST(ja4_spec_hashes)
{
    char h[65];
    sha256_hex("002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
               "c02f,c030,cca8,cca9", h);
    TU_CHECK(strncmp(h, "8daaf6152771", 12) == 0);
    sha256_hex("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,"
               "0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601", h);
    TU_CHECK_STR(h, "e5627efa2ab19723084c1033a96c694a45826ab5a460d2d3fd5ffc"
                    "fe97161c95");
    sha256_hex("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,"
               "0033,4469,ff01", h);
    TU_CHECK(strncmp(h, "6d807ffa2a79", 12) == 0);
}

TU_TEST(ja4_spec_example)
{
    static buf m;
    dis_tls *t;
    spec_hello(&m, 1, 1, h2_h11, 2);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK(in != NULL);
    if (!in)
        return;
    TU_CHECK_INT(in->ch_complete, 1);
    TU_CHECK_STR(in->ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    TU_CHECK_STR(in->ja4_raw,
                 "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,"
                 "c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,"
                 "0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,"
                 "0805,0501,0806,0601");
    TU_CHECK_INT(in->grease, 1);
    /* The evidence lists keep the wire order, GREASE included. */
    TU_CHECK_INT(in->ciphers.n, 16);
    TU_CHECK_INT(in->ciphers.v[0], 0x2a2a);
    TU_CHECK_INT(in->extensions.n, 18);
    TU_CHECK_INT(in->extensions.v[1], 0x001b);
    TU_CHECK_INT(in->sig_algs.n, 9);
    TU_CHECK_INT(in->key_share_groups.v[0], 0x1d);
    TU_CHECK_INT(in->session_id_len, 32);
    TU_CHECK_INT(in->resumption, 0);    /* 1.3 offered: the id is compat */
    dis_tls_free(t);
}

TU_TEST(ja4_no_signature_algorithms)
{
    static buf m;
    dis_tls *t;
    spec_hello(&m, 1, 0, h2_h11, 2);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK_STR(in->ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
    TU_CHECK_STR(in->ja4_raw + strlen(in->ja4_raw) - 10, ",4469,ff01");
    dis_tls_free(t);
}

TU_TEST(ja4_no_sni_is_i_and_c_unchanged)
{
    static buf m;
    dis_tls *t;
    spec_hello(&m, 0, 1, h2_h11, 2);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    /* One extension fewer counted; SNI never hashed, so c is the same. */
    TU_CHECK_STR(in->ja4, "t13i1515h2_8daaf6152771_e5627efa2ab1");
    dis_tls_free(t);
}

static void alpn_case(const uint8_t *v, size_t n, const char *want)
{
    static buf m;
    dis_tls *t;
    const uint8_t *names[2] = { v, (const uint8_t *)"h2" };
    size_t lens[2] = { n, 2 };
    static buf e;
    const uint16_t cs[] = { 0x1301 };
    e.n = m.n = 0;
    ext_alpn_bin(&e, names, lens, 2);
    client_hello(&m, 0x0303, cs, 1, &e);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    char got[3] = { 0 };
    if (strlen(in->ja4) >= 10)
        memcpy(got, in->ja4 + 8, 2);
    if (strcmp(got, want) != 0)
        TU_FAILF("ALPN of %zu bytes (first 0x%02x): \"%s\", expected \"%s\"",
                 n, n ? v[0] : 0, got, want);
    dis_tls_free(t);
}

TU_TEST(ja4_alpn_rules)
{
    alpn_case((const uint8_t *)"h2", 2, "h2");
    alpn_case((const uint8_t *)"http/1.1", 8, "h1");
    alpn_case((const uint8_t *)"a", 1, "aa");
    alpn_case((const uint8_t *)"", 0, "00");
    alpn_case((const uint8_t *)"\xab", 1, "ab");
    alpn_case((const uint8_t *)"\xab\xcd", 2, "ad");
    alpn_case((const uint8_t *)"\x30\xab", 2, "3b");
    alpn_case((const uint8_t *)"\x30\x31\xab\xcd", 4, "3d");
    alpn_case((const uint8_t *)"\x30\xab\xcd\x31", 4, "01");
    /* No ALPN extension at all. */
    static buf m;
    dis_tls *t;
    spec_hello(&m, 1, 1, NULL, 0);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK_STR(in->ja4, "t13d151500_8daaf6152771_e5627efa2ab1");
    dis_tls_free(t);
}

TU_TEST(ja4_empty_lists_are_zeros)
{
    static buf m;
    dis_tls *t;
    m.n = 0;
    client_hello(&m, 0x0303, NULL, 0, NULL);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK_STR(in->ja4, "t12i000000_000000000000_000000000000");
    TU_CHECK_STR(in->ja4_raw, "t12i000000__");
    dis_tls_free(t);
    /* Only SNI and ALPN: counted, but the hashed list is empty. */
    static buf e;
    const uint16_t cs[] = { 0x0a0a };           /* GREASE only */
    e.n = m.n = 0;
    ext_sni(&e, "x.example");
    ext_alpn(&e, h2_h11, 1);
    client_hello(&m, 0x0301, cs, 1, &e);
    in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK_STR(in->ja4, "t10d0002h2_000000000000_000000000000");
    dis_tls_free(t);
}

static void version_case(int transport, unsigned legacy, const uint16_t *vs,
                         int nvs, const char *want_prefix)
{
    static buf m, e;
    dis_tls *t;
    const uint16_t cs[] = { 0x1301 };
    e.n = m.n = 0;
    if (nvs)
        ext_list16(&e, 0x002b, vs, nvs, 1);
    client_hello(&m, legacy, cs, 1, nvs ? &e : NULL);
    const dis_tls_info *in = ja4_of(&t, transport, &m);
    if (strncmp(in->ja4, want_prefix, strlen(want_prefix)) != 0)
        TU_FAILF("legacy 0x%04x, %d versions: ja4 \"%s\", expected prefix "
                 "\"%s\"", legacy, nvs, in->ja4, want_prefix);
    dis_tls_free(t);
}

TU_TEST(ja4_version_rules)
{
    const uint16_t v13[] = { 0x4a4a, 0x0303, 0x0304 };
    const uint16_t v12[] = { 0x0302, 0x0303, 0xdada };
    const uint16_t d13[] = { 0xfefd, 0xfefc };
    const uint16_t grease_only[] = { 0x0a0a };
    version_case(DIS_TLS_OVER_TCP, 0x0303, v13, 3, "t13i");
    version_case(DIS_TLS_OVER_TCP, 0x0301, v12, 3, "t12i");
    version_case(DIS_TLS_OVER_TCP, 0x0303, grease_only, 1, "t12i");
    version_case(DIS_TLS_OVER_TCP, 0x0301, NULL, 0, "t10i");
    version_case(DIS_TLS_OVER_TCP, 0x0300, NULL, 0, "ts3i");
    version_case(DIS_TLS_OVER_TCP, 0x0002, NULL, 0, "ts2i");
    version_case(DIS_TLS_OVER_TCP, 0x7f1c, NULL, 0, "t00i");
    version_case(DIS_TLS_OVER_QUIC, 0x0303, v13, 3, "q13i");
    /* DTLS: 0xfefc (1.3) is the highest although numerically lower. */
    version_case(DIS_TLS_OVER_DTLS, 0xfefd, d13, 2, "dd3i");
    version_case(DIS_TLS_OVER_DTLS, 0xfefd, NULL, 0, "dd2i");
    version_case(DIS_TLS_OVER_DTLS, 0xfeff, NULL, 0, "dd1i");
}

TU_TEST(ja4_counts_capped_at_99)
{
    static buf m, e;
    static uint16_t cs[150];
    dis_tls *t;
    for (int i = 0; i < 150; i++)
        cs[i] = (uint16_t)(0x0100 + i);
    e.n = m.n = 0;
    for (int i = 0; i < 120; i++)
        ext_raw(&e, 0x3000u + (unsigned)i, NULL, 0);
    client_hello(&m, 0x0303, cs, 150, &e);
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, &m);
    TU_CHECK(strncmp(in->ja4, "t12i999900_", 11) == 0);
    TU_CHECK_INT(in->ciphers.total, 150);
    TU_CHECK_INT(in->ciphers.n, 150 < DIS_TLS_MAX_LIST ? 150 : DIS_TLS_MAX_LIST);
    dis_tls_free(t);
}

TU_TEST(ja4_malformed_hello_has_none)
{
    static buf m;
    dis_tls *t;
    spec_hello(&m, 1, 1, h2_h11, 2);
    /* Cut inside the extensions: the handshake header still claims all. */
    buf *cut = calloc(1, sizeof(*cut));
    if (!cut)
        return;
    memcpy(cut->b, m.b, m.n - 40);
    cut->n = m.n - 40;
    const dis_tls_info *in = ja4_of(&t, DIS_TLS_OVER_TCP, cut);
    TU_CHECK_INT(in->client_hello, 1);
    TU_CHECK_INT(in->ch_complete, 0);
    TU_CHECK_STR(in->sni, "example.com");
    TU_CHECK_STR(in->ja4, "");
    TU_CHECK_STR(in->ja4_raw, "");
    TU_CHECK_STR(in->ja3, "");
    dis_tls_free(t);
    free(cut);
}

static void fixture_case(const char *path, uint16_t port, const char *want)
{
    dis_tls *t = dis_tls_new();
    int n = feed_pcap(t, path, port);
    TU_CHECK(n > 0);
    TU_CHECK_STR(dis_tls_get(t)->ja4, want);
    dis_tls_free(t);
}

TU_TEST(ja4_fixtures_match_ndpi_published)
{
    fixture_case("pcaps/tls_ech.pcapng", 443,
                 "t13d1516h2_8daaf6152771_02713d6af862");
    fixture_case("pcaps/tls_long_cert.pcap", 443,
                 "t13d1615h2_46e7e9700bed_45f260be83e2");
}

int main(void)
{
    TU_RUN(ja4_spec_hashes);
    TU_RUN(ja4_spec_example);
    TU_RUN(ja4_no_signature_algorithms);
    TU_RUN(ja4_no_sni_is_i_and_c_unchanged);
    TU_RUN(ja4_alpn_rules);
    TU_RUN(ja4_empty_lists_are_zeros);
    TU_RUN(ja4_version_rules);
    TU_RUN(ja4_counts_capped_at_99);
    TU_RUN(ja4_malformed_hello_has_none);
    TU_RUN(ja4_fixtures_match_ndpi_published);
    return tu_finish();
}
