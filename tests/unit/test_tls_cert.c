/* test_tls_cert.c - unit tests for dissect/tls_cert.c: the server chain's
 * X.509 facts, validity at capture time, SNI match, bounds.
 *
 * Fixture expectations were taken from OpenSSL and tshark 4.0.17, not from
 * our code:
 *   tshark -r pcaps/selfsigned.pcap -T fields -e tls.handshake.certificate \
 *       -Y tls.handshake.certificate | xxd -r -p > ss.der
 *   openssl x509 -inform der -in ss.der -noout -text -serial \
 *       -subject -issuer -nameopt RFC2253 -dates -fingerprint -sha256
 * (and the same, certificate by certificate, for pcaps/tls_long_cert.pcap,
 * whose leaf also gives `-ext subjectAltName`); frame numbers and times are
 * tshark's frame.number / frame.time_epoch of the frame carrying the
 * Certificate message.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_build.h"
#include "tu.h"

#define T0 1700000000L          /* notBefore of the made certificates */

static void md_hex(const EVP_MD *md, const void *p, size_t n, char *dst)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int k = 0;
    dst[0] = '\0';
    if (EVP_Digest(p, n, out, &k, md, NULL))
        for (unsigned i = 0; i < k; i++)
            snprintf(dst + 2 * i, 3, "%02x", out[i]);
}

/* A certificate valid [T0, T0 + 1 day], nsan DNS names "h<i>.<cn>" and,
 * when ip is given, an IP SAN. */
static X509 *make_cert(const char *cn, const char *issuer_cn, EVP_PKEY *key,
                       EVP_PKEY *signer, int nsan, long serial,
                       const char *ip)
{
    X509 *x = X509_new();
    X509_NAME *iss = X509_NAME_new();
    char *san = malloc((size_t)nsan * 40 + 64);
    X509_EXTENSION *ext = NULL;
    if (!x || !iss || !san)
        goto fail;
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)T0);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(T0 + 86400L));
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
    san[0] = '\0';
    for (int i = 0; i < nsan; i++)
        k += (size_t)snprintf(san + k, 40, "%sDNS:h%d.%s", i ? "," : "", i, cn);
    if (ip)
        snprintf(san + k, 60, "%sIP:%s", k ? "," : "", ip);
    if (san[0]) {
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
        if (!ext || !X509_add_ext(x, ext, -1))
            goto fail;
    }
    if (!X509_sign(x, signer, EVP_sha256()))
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

/* DER of x into der (cap bytes); its length, 0 on failure.  Frees x. */
static int to_der(X509 *x, uint8_t *der, int cap)
{
    int n = x ? i2d_X509(x, NULL) : 0;
    if (n <= 0 || n > cap) {
        X509_free(x);
        return 0;
    }
    unsigned char *q = der;
    i2d_X509(x, &q);
    X509_free(x);
    return n;
}

/* Certificate message (TLS 1.2 layout) of k DER certificates. */
static void cert_msg(buf *m, uint8_t (*der)[8000], const int *len, int k)
{
    m->n = 0;
    put8(m, 11);
    put24(m, 0);
    put24(m, 0);
    for (int i = 0; i < k; i++) {
        put24(m, (unsigned)len[i]);
        putn(m, der[i], (size_t)len[i]);
    }
    fix24(m, 4);
    fix24(m, 1);
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
        dlen[i] = to_der(make_cert(cn[i], iss[i], k[i], k[i < 2 ? i + 1 : 2],
                                   230, i + 1, NULL),
                         der[i], (int)sizeof(der[i]));
        TU_CHECK(dlen[i] > 0);
        if (dlen[i] <= 0)
            return;
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
    dis_tls_set_time(t, (int64_t)(T0 + 500) * 1000000);
    dis_tls_tcp_segment(t, 1, 77, 1, NULL, 0, ++fr);
    for (size_t j = 0; j < nseg; j++) {
        size_t i = (j % 2 == 0 && j + 1 < nseg) ? j + 1 : (j % 2 ? j - 1 : j);
        size_t off = i * seg, len = st.n - off < seg ? st.n - off : seg;
        dis_tls_tcp_segment(t, 1, 78 + (uint32_t)off, 0, st.b + off, len, ++fr);
    }
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->n_certs, 4);
    if (in->n_certs != 4)
        goto out;
    TU_CHECK_STR(in->certs[0].subject, "CN=leaf.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[0].issuer, "CN=ca.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[2].subject, "CN=root.meet.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_STR(in->certs[2].issuer, in->certs[2].subject);
    for (int i = 0; i < 3; i++) {
        char h1[41], h2[65], ser[4];
        const dis_tls_cert *c = &in->certs[i];
        md_hex(EVP_sha1(), der[i], (size_t)dlen[i], h1);
        md_hex(EVP_sha256(), der[i], (size_t)dlen[i], h2);
        TU_CHECK_STR(c->sha1, h1);
        TU_CHECK_STR(c->sha256, h2);
        snprintf(ser, sizeof(ser), "%02d", i + 1);   /* openssl: "01" */
        TU_CHECK_STR(c->serial, ser);
        TU_CHECK_INT(c->decoded, 1);
        TU_CHECK_INT(c->der_len, dlen[i]);
        TU_CHECK_STR(c->key, "EC P-256");
        TU_CHECK_STR(c->sig_alg, "ecdsa-with-SHA256");
        TU_CHECK_STR(c->not_before, "2023-11-14T22:13:20Z");
        TU_CHECK_STR(c->not_after, "2023-11-15T22:13:20Z");
        TU_CHECK_INT(c->n_san, 230);
        TU_CHECK_INT(c->self_signed, i == 2);
    }
    TU_CHECK_STR(in->certs[0].san[0], "h0.leaf.meet.example");
    TU_CHECK_STR(in->certs[0].san[229], "h229.leaf.meet.example");
    char hj[41];
    md_hex(EVP_sha1(), junk, sizeof(junk), hj);
    TU_CHECK_STR(in->certs[3].subject, "");
    TU_CHECK_INT(in->certs[3].decoded, 0);
    TU_CHECK_STR(in->certs[3].sha1, hj);
    TU_CHECK_INT(in->cert_valid_at_capture, 1);
    TU_CHECK_INT(in->sni_matches_cert, -1);     /* no ClientHello, no SNI */
    TU_CHECK_INT(dis_tls_certs_visible(in), 1);
    TU_CHECK(!dis_tls_done(t));
out:
    dis_tls_free(t);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(k[i]);
}

/* One handshake: ClientHello with sni (or none), ServerHello TLS 1.2, the
 * leaf; capture time ts (seconds, or -1 for none).  Returns the handle. */
static dis_tls *leaf_flow_us(const uint8_t *der, int len, const char *sni,
                             int have_ts, int64_t ts_us)
{
    static buf e, m;
    static uint8_t d1[1][8000];
    const uint16_t cs[] = { 0xc02f };
    dis_tls *t = dis_tls_new();
    if (!t)
        return NULL;
    if (have_ts)
        dis_tls_set_time(t, ts_us);
    e.n = m.n = 0;
    if (sni)
        ext_sni(&e, sni);
    client_hello(&m, 0x0303, cs, 1, &e);
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    m.n = 0;
    server_hello(&m, 0x0303, 0xc02f, NULL);
    dis_tls_handshake(t, 1, m.b, m.n, 2);
    memcpy(d1[0], der, (size_t)len);
    cert_msg(&m, d1, &len, 1);
    dis_tls_handshake(t, 1, m.b, m.n, 3);
    return t;
}

static dis_tls *leaf_flow(const uint8_t *der, int len, const char *sni,
                          long ts)
{
    return leaf_flow_us(der, len, sni, ts >= 0, (int64_t)ts * 1000000);
}

TU_TEST(validity_and_sni_verdicts)
{
    static uint8_t der[8000];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    TU_CHECK(k != NULL);
    if (!k)
        return;
    int n = to_der(make_cert("leaf.example", "ca.example", k, k, 3, 9,
                             "192.0.2.7"),
                   der, (int)sizeof(der));
    TU_CHECK(n > 0);
    struct { const char *sni; long ts; int valid, match; } c[] = {
        { "h1.leaf.example", T0 + 10, 1, 1 },
        { "H2.LEAF.EXAMPLE", T0, 1, 1 },                /* case, boundary */
        { "other.example", T0 + 86400, 1, 0 },          /* upper boundary */
        { "leaf.example", T0 - 1, 0, 0 },  /* CN ignored when SANs exist */
        { "192.0.2.7", T0 + 86401, 0, 1 },              /* IP SAN */
        { "192.0.2.8", T0 + 5, 1, 0 },
        { NULL, -1, -1, -1 },                           /* unknown both */
    };
    /* Every flow has the same list: the first decodes it, the others get
     * the remembered chain and leaf.  Each case runs twice in a row: the
     * second flow's SNI answer comes from the slot's memo of names. */
    for (size_t i = 0; n > 0 && i < sizeof(c) / sizeof(c[0]); i++)
    for (int pass = 0; pass < 2; pass++) {
        dis_tls *t = leaf_flow(der, n, c[i].sni, c[i].ts);
        const dis_tls_info *in = dis_tls_get(t);
        if (in->cert_valid_at_capture != c[i].valid ||
            in->sni_matches_cert != c[i].match)
            TU_FAILF("pass %d case %zu (%s at %ld): valid %d match %d, "
                     "expected %d %d", pass, i, c[i].sni ? c[i].sni : "-",
                     c[i].ts, in->cert_valid_at_capture,
                     in->sni_matches_cert, c[i].valid, c[i].match);
        TU_CHECK_INT(in->cert_frame, 3);
        TU_CHECK_INT(in->certs[0].n_san, 4);
        TU_CHECK_STR(in->certs[0].san[3], "192.0.2.7");
        TU_CHECK_INT(in->certs[0].self_signed, 0);  /* names differ */
        dis_tls_free(t);
    }
    /* Extreme capture times (UBSan watches the arithmetic): outside what
     * OpenSSL can compare, the verdict stays unknown. */
    dis_tls *t = leaf_flow_us(der, n, NULL, 1, INT64_MIN);
    TU_CHECK_INT(dis_tls_get(t)->cert_valid_at_capture, -1);
    dis_tls_free(t);
    t = leaf_flow_us(der, n, NULL, 1, INT64_MAX);
    TU_CHECK_INT(dis_tls_get(t)->cert_valid_at_capture, -1);
    dis_tls_free(t);
    t = leaf_flow_us(der, n, NULL, 1, (int64_t)(T0 + 1) * 1000000 - 1);
    TU_CHECK_INT(dis_tls_get(t)->cert_valid_at_capture, 1); /* floor */
    dis_tls_free(t);
    EVP_PKEY_free(k);
}

TU_TEST(fixture_selfsigned_matches_openssl)
{
    dis_tls *t = dis_tls_new();
    TU_CHECK(feed_pcap(t, "pcaps/selfsigned.pcap", 3001) > 0);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->n_certs, 1);
    if (in->n_certs != 1)
        goto out;
    const dis_tls_cert *c = &in->certs[0];
    TU_CHECK_STR(c->subject, "O=ntop.org,ST=Some-State,C=IT");
    TU_CHECK_STR(c->issuer, "O=ntop.org,ST=Some-State,C=IT");
    TU_CHECK_STR(c->serial, "916a4cd167871602");
    TU_CHECK_STR(c->not_before, "2015-10-10T15:55:47Z");
    TU_CHECK_STR(c->not_after, "2016-10-09T15:55:47Z");
    TU_CHECK_STR(c->sig_alg, "sha256WithRSAEncryption");
    TU_CHECK_STR(c->key, "RSA 2048");
    TU_CHECK_STR(c->sha256, "58fa7dc6016440672850f6b5d0f036db44517e189580d0da50983ab054d1039a");
    TU_CHECK_STR(c->sha1, "afcc9849f2000e0521186c775f2acf10446ed88b");
    TU_CHECK_INT(c->self_signed, 1);
    TU_CHECK_INT(c->n_san, 0);
    TU_CHECK_INT(in->cert_frame, 7);
    TU_CHECK_INT(in->cert_ts_us, 1588921646482756LL);
    TU_CHECK_INT(in->cert_valid_at_capture, 0);     /* 2020 > 2016 */
    TU_CHECK_INT(in->sni_matches_cert, 0);          /* "localhost" */
    TU_CHECK_STR(in->sni, "localhost");
    TU_CHECK(dis_tls_done(t));
out:
    dis_tls_free(t);
}

TU_TEST(fixture_long_chain_matches_openssl)
{
    dis_tls *t = dis_tls_new();
    TU_CHECK(feed_pcap(t, "pcaps/tls_long_cert.pcap", 443) > 0);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->n_certs, 2);
    if (in->n_certs != 2)
        goto out;
    const dis_tls_cert *c = &in->certs[0];
    TU_CHECK_STR(c->subject, "CN=www.repstatic.it,O=GEDI Digital S.r.l.,L=Roma,ST=Roma,C=IT");
    TU_CHECK_STR(c->issuer, "CN=GeoTrust RSA CA 2018,OU=www.digicert.com,O=DigiCert Inc,C=US");
    TU_CHECK_STR(c->serial, "07ac6d74693e98b1a1f69ac34d5bf1dc");
    TU_CHECK_STR(c->not_before, "2019-03-07T00:00:00Z");
    TU_CHECK_STR(c->not_after, "2020-05-05T12:00:00Z");
    TU_CHECK_STR(c->sha256, "590822cb86fa9959d7f3c69ec88ca4f7bd67788134a7673f1fae7c29e4b15926");
    TU_CHECK_STR(c->key, "RSA 2048");
    TU_CHECK_INT(c->n_san, 55);
    TU_CHECK_STR(c->san[0], "www.repstatic.it");
    TU_CHECK_STR(c->san[3], "www.repubblica.it");
    TU_CHECK_STR(c->san[54], "cdn.flv.kataweb.it");
    TU_CHECK_INT(c->self_signed, 0);
    c = &in->certs[1];
    TU_CHECK_STR(c->subject, "CN=GeoTrust RSA CA 2018,OU=www.digicert.com,O=DigiCert Inc,C=US");
    TU_CHECK_STR(c->issuer, "CN=DigiCert Global Root CA,OU=www.digicert.com,O=DigiCert Inc,C=US");
    TU_CHECK_STR(c->serial, "0546fe1823f7e1941da39fce14c46173");
    TU_CHECK_STR(c->not_after, "2027-11-06T12:23:45Z");
    TU_CHECK_STR(c->sha256, "8cc34e11c167045824ade61c4907a6440edb2c4398e99c112a859d661f8e2bc7");
    TU_CHECK_INT(in->cert_frame, 9);
    TU_CHECK_INT(in->cert_valid_at_capture, 1);     /* March 2019 */
    TU_CHECK_INT(in->sni_matches_cert, 1);          /* www.repubblica.it */
    TU_CHECK_INT(dis_tls_certs_visible(in), 1);
    TU_CHECK(dis_tls_done(t));
out:
    dis_tls_free(t);
}

TU_TEST(chain_length_bounded)
{
    static uint8_t der[20][8000];
    static int len[20];
    static buf m;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        return;
    len[0] = to_der(make_cert("x.example", "x.example", k, k, 0, 1, NULL),
                    der[0], (int)sizeof(der[0]));
    for (int i = 1; i < 20; i++) {
        memcpy(der[i], der[0], (size_t)len[0]);
        len[i] = len[0];
    }
    cert_msg(&m, der, len, 20);
    dis_tls *t = dis_tls_new();
    size_t base = dis_tls_mem(t);
    dis_tls_handshake(t, 1, m.b, m.n, 5);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->n_certs, DIS_TLS_MAX_CERTS);
    TU_CHECK_INT(in->certs[15].self_signed, 1);
    TU_CHECK(dis_tls_mem(t) > base);
    /* Each entry: the struct and its text (no SANs here), within the
     * bounds of the text fields. */
    TU_CHECK(dis_tls_mem(t) <=
             base + DIS_TLS_MAX_CERTS *
                        (sizeof(dis_tls_cert) + 2 * DIS_TLS_NAME_MAX +
                         DIS_TLS_SERIAL_MAX + 2 * DIS_TLS_TIME_MAX +
                         DIS_TLS_SIG_ALG_MAX + DIS_TLS_KEY_MAX));
    /* A second Certificate message is ignored. */
    dis_tls_handshake(t, 1, m.b, m.n, 6);
    TU_CHECK_INT(in->cert_frame, 5);
    dis_tls_free(t);
    EVP_PKEY_free(k);
}

TU_TEST(tls13_and_quic_certificates_not_visible)
{
    static buf m, e;
    static uint8_t der[1][8000];
    int len;
    const uint16_t sv[] = { 0x0304 };
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        return;
    len = to_der(make_cert("y.example", "y.example", k, k, 0, 1, NULL), der[0],
                 (int)sizeof(der[0]));
    dis_tls *t = dis_tls_new();
    e.n = m.n = 0;
    put16(&e, 43);                  /* ServerHello form: one version */
    put16(&e, 2);
    put16(&e, sv[0]);
    server_hello(&m, 0x0303, 0x1301, &e);
    dis_tls_handshake(t, 1, m.b, m.n, 1);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->version, 0x0304);
    cert_msg(&m, der, &len, 1);
    dis_tls_handshake(t, 1, m.b, m.n, 2);
    TU_CHECK_INT(in->n_certs, 0);
    TU_CHECK_INT(dis_tls_certs_visible(in), 0);
    dis_tls_free(t);

    t = dis_tls_new();
    dis_tls_set_transport(t, DIS_TLS_OVER_QUIC);
    TU_CHECK_INT(dis_tls_certs_visible(dis_tls_get(t)), 0);
    dis_tls_free(t);
    t = dis_tls_new();
    TU_CHECK_INT(dis_tls_certs_visible(dis_tls_get(t)), -1);
    dis_tls_free(t);
    EVP_PKEY_free(k);
}

TU_TEST(dtls_messages_reach_the_same_parser)
{
    static buf m, e;
    static uint8_t der[1][8000];
    int len;
    const uint16_t cs[] = { 0xc02b, 0xc02f };
    char v[16];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        return;
    len = to_der(make_cert("webrtc", "webrtc", k, k, 0, 77, NULL), der[0],
                 (int)sizeof(der[0]));
    dis_tls *t = dis_tls_new();
    dis_tls_set_transport(t, DIS_TLS_OVER_DTLS);
    dis_tls_set_time(t, (int64_t)(T0 + 60) * 1000000);
    e.n = m.n = 0;
    ext_raw(&e, 23, NULL, 0);
    client_hello(&m, 0xfefd, cs, 2, &e);
    dis_tls_handshake(t, 0, m.b, m.n, 3);
    m.n = 0;
    server_hello(&m, 0xfefd, 0xc02b, NULL);
    dis_tls_handshake(t, 1, m.b, m.n, 4);
    TU_CHECK(!dis_tls_done(t));
    cert_msg(&m, der, &len, 1);
    dis_tls_handshake(t, 1, m.b, m.n, 4);
    dis_tls_alert(t, 0, 2, 42, 6);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_STR(dis_tls_version_name(in->version, v, sizeof(v)), "DTLSv1.2");
    TU_CHECK_STR(dis_tls_version_name(0xfeff, v, sizeof(v)), "DTLSv1.0");
    TU_CHECK_STR(dis_tls_version_name(0xfefc, v, sizeof(v)), "DTLSv1.3");
    TU_CHECK_INT(in->n_certs, 1);
    TU_CHECK_STR(in->certs[0].subject, "CN=webrtc,O=Meetaudit Test,C=ZZ");
    TU_CHECK_INT(in->certs[0].self_signed, 1);
    TU_CHECK_INT(in->cert_valid_at_capture, 1);
    TU_CHECK(strncmp(in->ja4, "dd2i0201", 8) == 0);
    TU_CHECK_INT(in->n_alerts, 1);
    TU_CHECK_INT(in->alerts[0].desc, 42);
    TU_CHECK_INT(in->alerts[0].frame, 6);
    TU_CHECK(dis_tls_done(t));
    dis_tls_free(t);
    EVP_PKEY_free(k);
}

/* The same chain in a second flow (the certificate_list remembered byte
 * for byte) gives the same facts as the first, in the very block the first
 * flow has (shared, reference-counted: it outlives the first flow), and
 * verdicts of its own. */
TU_TEST(same_chain_twice_same_facts)
{
    dis_tls *a = dis_tls_new(), *b = dis_tls_new();
    TU_CHECK(feed_pcap(a, "pcaps/tls_long_cert.pcap", 443) > 0);
    TU_CHECK(feed_pcap(b, "pcaps/tls_long_cert.pcap", 443) > 0);
    const dis_tls_info *x = dis_tls_get(a), *y = dis_tls_get(b);
    TU_CHECK_INT(x->n_certs, 2);
    TU_CHECK_INT(y->n_certs, 2);
    TU_CHECK(x->certs == y->certs);
    for (int i = 0; i < x->n_certs && i < y->n_certs; i++) {
        const dis_tls_cert *p = &x->certs[i], *q = &y->certs[i];
        TU_CHECK_STR(q->subject, p->subject);
        TU_CHECK_STR(q->issuer, p->issuer);
        TU_CHECK_STR(q->sha1, p->sha1);
        TU_CHECK_STR(q->sha256, p->sha256);
        TU_CHECK_STR(q->serial, p->serial);
        TU_CHECK_STR(q->not_before, p->not_before);
        TU_CHECK_STR(q->not_after, p->not_after);
        TU_CHECK_STR(q->sig_alg, p->sig_alg);
        TU_CHECK_STR(q->key, p->key);
        TU_CHECK_INT(q->decoded, p->decoded);
        TU_CHECK_INT(q->der_len, p->der_len);
        TU_CHECK_INT(q->self_signed, p->self_signed);
        TU_CHECK_INT(q->n_san, p->n_san);
        TU_CHECK(q->san == p->san);                     /* shared */
        for (int k = 0; k < p->n_san && k < q->n_san; k++)
            TU_CHECK_STR(q->san[k], p->san[k]);
    }
    /* fixture_long_chain_matches_openssl decoded this chain first: these
     * are the remembered facts, checked against OpenSSL's output again. */
    if (y->n_certs == 2) {
        TU_CHECK_STR(y->certs[0].serial, "07ac6d74693e98b1a1f69ac34d5bf1dc");
        TU_CHECK_STR(y->certs[0].key, "RSA 2048");
        TU_CHECK_STR(y->certs[0].not_after, "2020-05-05T12:00:00Z");
        TU_CHECK_STR(y->certs[1].sha256, "8cc34e11c167045824ade61c4907a6440edb2c4398e99c112a859d661f8e2bc7");
    }
    TU_CHECK_INT(y->cert_valid_at_capture, 1);
    TU_CHECK_INT(y->sni_matches_cert, 1);
    TU_CHECK_INT((long long)dis_tls_mem(b), (long long)dis_tls_mem(a));
    dis_tls_free(a);    /* b keeps its facts */
    if (y->n_certs == 2 && y->certs[0].n_san == 55)
        TU_CHECK_STR(y->certs[0].san[54], "cdn.flv.kataweb.it");
    if (y->n_certs == 2)
        TU_CHECK_STR(y->certs[1].subject, "CN=GeoTrust RSA CA 2018,OU=www.digicert.com,O=DigiCert Inc,C=US");
    dis_tls_free(b);
}

/* Two lists of the same length and the same bytes at both ends (the slot
 * a list is remembered in) but one byte apart in the middle: the second is
 * decoded on its own (other hashes), takes the slot, and the first flow's
 * chain, shared with the slot until then, stays whole. */
TU_TEST(chain_one_byte_apart_not_shared)
{
    static uint8_t der[8000], der2[8000];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    TU_CHECK(k != NULL);
    if (!k)
        return;
    int n = to_der(make_cert("apart.example", "ca.example", k, k, 3, 9,
                             NULL),
                   der, (int)sizeof(der));
    TU_CHECK(n > 200);
    if (n <= 200) {
        EVP_PKEY_free(k);
        return;
    }
    memcpy(der2, der, (size_t)n);
    der2[n / 2] ^= 0x01;
    dis_tls *a = leaf_flow(der, n, "h1.apart.example", T0 + 10);
    dis_tls *b = leaf_flow(der, n, "h1.apart.example", T0 + 10);
    dis_tls *c = leaf_flow(der2, n, "h1.apart.example", T0 + 10);
    const dis_tls_info *x = dis_tls_get(a), *y = dis_tls_get(b),
                       *z = dis_tls_get(c);
    TU_CHECK(x->certs == y->certs);
    TU_CHECK(z->certs != NULL && z->certs != x->certs);
    char want[65];
    md_hex(EVP_sha256(), der2, (size_t)n, want);
    TU_CHECK_STR(z->certs[0].sha256, want);
    md_hex(EVP_sha256(), der, (size_t)n, want);
    TU_CHECK_STR(x->certs[0].sha256, want);
    dis_tls_free(c);
    dis_tls_free(a);
    TU_CHECK_STR(y->certs[0].sha256, want);     /* b's reference holds */
    TU_CHECK_STR(y->certs[0].subject,
                 "CN=apart.example,O=Meetaudit Test,C=ZZ");
    TU_CHECK_INT(y->sni_matches_cert, 1);
    dis_tls_free(b);
    EVP_PKEY_free(k);
}

int main(void)
{
    TU_RUN(certificate_chain_15k);
    TU_RUN(validity_and_sni_verdicts);
    TU_RUN(fixture_selfsigned_matches_openssl);
    TU_RUN(fixture_long_chain_matches_openssl);
    TU_RUN(chain_length_bounded);
    TU_RUN(tls13_and_quic_certificates_not_visible);
    TU_RUN(dtls_messages_reach_the_same_parser);
    TU_RUN(same_chain_twice_same_facts);
    TU_RUN(chain_one_byte_apart_not_shared);
    return tu_finish();
}
