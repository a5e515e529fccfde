/* test_tls_mem.c - unit tests for the ownership and size of the TLS facts
 * (dissect/tls.h "Ownership of the facts"): exact-size blocks, bounds and
 * truncation kept from the fixed arrays they replaced, never-NULL strings,
 * pointers stable until dis_tls_free, handshake buffers held only while a
 * message is incomplete.  RFC 8446 section 4 (hellos, HelloRetryRequest),
 * JA3 (Salesforce), JA4 (FoxIO JA4 specification).
 *
 * Run under the ASan build as well: the pointer-stability and partial-
 * handshake tests then also prove nothing is read after free or leaked.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>

#include <openssl/evp.h>

#include "tls_build.h"
#include "tu.h"

static void md_hex(const EVP_MD *md, const void *p, size_t n, char *dst)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int k = 0;
    dst[0] = '\0';
    if (EVP_Digest(p, n, out, &k, md, NULL))
        for (unsigned i = 0; i < k; i++)
            snprintf(dst + 2 * i, 3, "%02x", out[i]);
}

/* Bytes a string takes in a fact block: none when empty. */
static size_t text(const char *s)
{
    return s[0] ? strlen(s) + 1 : 0;
}

/* What the hello blocks of in must hold, derived from the facts alone. */
static size_t hello_bytes(const dis_tls_info *in)
{
    size_t k = text(in->sni) + text(in->ja3_raw) + text(in->ja4_raw) +
               text(in->ja3s_raw) + text(in->server_alpn);
    k += (size_t)in->n_alpn * sizeof(char *);
    for (int i = 0; i < in->n_alpn; i++)
        k += text(in->alpn[i]);
    k += 2u * ((size_t)in->ciphers.n + in->extensions.n + in->groups.n +
               in->sig_algs.n + in->key_share_groups.n +
               in->sh_extensions.n);
    return k;
}

/* A ClientHello with n ciphers 0x1000.. (none GREASE), SNI, groups,
 * ec_point_formats; no ALPN, no supported_versions. */
static void many_ciphers_ch(buf *msg, int n)
{
    static buf e;
    static uint16_t cs[1000];
    const uint16_t groups[] = { 29, 23, 24 };
    const uint8_t fmt[] = { 1, 0 };
    for (int i = 0; i < n; i++)
        cs[i] = (uint16_t)(0x1000 + i);
    e.n = msg->n = 0;
    ext_sni(&e, "many.example");
    ext_list16(&e, 10, groups, 3, 0);
    ext_raw(&e, 11, fmt, sizeof(fmt));
    client_hello(msg, 0x0303, cs, n, &e);
}

/* The JA3 string and JA4_r string of many_ciphers_ch(n), built here from
 * the definitions (JA4: ciphers sorted as 4-digit hex, extensions without
 * SNI, sorted, no signature algorithms). */
static void many_ciphers_expect(int n, char *ja3, size_t ja3len, char *ja4,
                                size_t ja4len, char *ja4r, size_t ja4rlen)
{
    static char cl[8000];
    size_t k = 0;
    k += (size_t)snprintf(ja3 + k, ja3len - k, "771,");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(ja3 + k, ja3len - k, "%s%d", i ? "-" : "",
                              0x1000 + i);
    snprintf(ja3 + k, ja3len - k, ",0-10-11,29-23-24,0");
    k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(cl + k, sizeof(cl) - k, "%s%04x", i ? "," : "",
                              0x1000 + i);
    char hc[65], hx[65], a[16];
    md_hex(EVP_sha256(), cl, strlen(cl), hc);
    md_hex(EVP_sha256(), "000a,000b", 9, hx);
    snprintf(a, sizeof(a), "t12d%02d0300", n > 99 ? 99 : n);
    snprintf(ja4, ja4len, "%s_%.12s_%.12s", a, hc, hx);
    snprintf(ja4r, ja4rlen, "%s_%s_000a,000b", a, cl);
}

/* ---- tests ------------------------------------------------------------ */

TU_TEST(fresh_handle_is_small_and_empty)
{
    dis_tls *t = dis_tls_new();
    const dis_tls_info *in = dis_tls_get(t);
    /* Issue #9: the fixed per-flow state was 7,768 bytes. */
    TU_CHECK(dis_tls_mem(t) < 1024);
    TU_CHECK_INT(dis_tls_hello_mem(t), 0);
    TU_CHECK_STR(in->sni, "");
    TU_CHECK_STR(in->ja3_raw, "");
    TU_CHECK_STR(in->ja3s_raw, "");
    TU_CHECK_STR(in->ja4_raw, "");
    TU_CHECK_STR(in->server_alpn, "");
    TU_CHECK(in->alpn != NULL);
    TU_CHECK(in->ciphers.v != NULL && in->extensions.v != NULL &&
             in->groups.v != NULL && in->sig_algs.v != NULL &&
             in->key_share_groups.v != NULL && in->sh_extensions.v != NULL);
    TU_CHECK_INT(in->ciphers.n + in->ciphers.total, 0);
    /* A direction's state exists only while it runs. */
    const size_t base = dis_tls_mem(t);
    static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
    dis_tls_tcp_segment(t, 1, 77, 1, NULL, 0, 1);
    TU_CHECK(dis_tls_mem(t) > base);
    dis_tls_tcp_segment(t, 1, 78, 0, junk, sizeof(junk) - 1, 2);  /* not TLS */
    TU_CHECK_INT(dis_tls_mem(t), base);
    TU_CHECK(!dis_tls_done(t));
    dis_tls_free(t);
}

TU_TEST(no_sni_no_alpn_read_empty)
{
    static buf m, s;
    const uint16_t cs[] = { 0xc02f, 0x009c };
    m.n = s.n = 0;
    client_hello(&m, 0x0303, cs, 2, NULL);
    server_hello(&s, 0x0303, 0xc02f, NULL);
    dis_tls *t = dis_tls_new();
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    dis_tls_handshake(t, 1, s.b, s.n, 2);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->ch_complete, 1);
    TU_CHECK(in->sni != NULL && in->server_alpn != NULL);
    TU_CHECK_STR(in->sni, "");
    TU_CHECK_STR(in->server_alpn, "");
    TU_CHECK_INT(in->n_alpn, 0);
    TU_CHECK(in->alpn != NULL);
    TU_CHECK_INT(in->extensions.n, 0);
    TU_CHECK(in->extensions.v != NULL);
    /* JA3 with no extensions block: "ver,ciphers,". */
    TU_CHECK_STR(in->ja3_raw, "771,49199-156,");
    TU_CHECK_STR(in->ja3s_raw, "771,49199,");
    TU_CHECK_INT(in->ciphers.n, 2);
    TU_CHECK_INT(in->ciphers.v[1], 0x009c);
    TU_CHECK_INT(dis_tls_hello_mem(t), hello_bytes(in));
    dis_tls_free(t);
}

TU_TEST(ciphers_over_the_list_bound)
{
    static buf m;
    static char ja3s[8000], ja4[64], ja4r[8000];
    char md5[33];
    many_ciphers_ch(&m, 200);
    many_ciphers_expect(200, ja3s, sizeof(ja3s), ja4, sizeof(ja4), ja4r,
                        sizeof(ja4r));
    md_hex(EVP_md5(), ja3s, strlen(ja3s), md5);
    dis_tls *t = dis_tls_new();
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->ch_complete, 1);
    TU_CHECK_INT(in->ciphers.n, DIS_TLS_MAX_LIST);  /* kept */
    TU_CHECK_INT(in->ciphers.total, 200);           /* on the wire */
    TU_CHECK_INT(in->ciphers.v[0], 0x1000);
    TU_CHECK_INT(in->ciphers.v[DIS_TLS_MAX_LIST - 1],
                 0x1000 + DIS_TLS_MAX_LIST - 1);
    TU_CHECK_STR(in->sni, "many.example");
    TU_CHECK_STR(in->ja3_raw, ja3s);                /* all 200 ciphers */
    TU_CHECK_STR(in->ja3, md5);
    TU_CHECK_STR(in->ja4, ja4);
    TU_CHECK_STR(in->ja4_raw, ja4r);
    /* Exactly what the facts need: 128 codes, not 200, and the text. */
    TU_CHECK_INT(dis_tls_hello_mem(t), hello_bytes(in));
    dis_tls_free(t);
}

TU_TEST(long_fingerprint_strings_cut_as_before)
{
    static buf m;
    static char ja3s[8000], ja4[64], ja4r[8000];
    char md5[33];
    many_ciphers_ch(&m, 700);
    many_ciphers_expect(700, ja3s, sizeof(ja3s), ja4, sizeof(ja4), ja4r,
                        sizeof(ja4r));
    md_hex(EVP_md5(), ja3s, strlen(ja3s), md5);
    TU_CHECK(strlen(ja3s) >= DIS_TLS_JA3_RAW_MAX);
    TU_CHECK(strlen(ja4r) >= DIS_TLS_JA4_RAW_MAX);
    dis_tls *t = dis_tls_new();
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->ciphers.total, 700);
    /* The hash covers the whole string; the string kept is cut to the
     * bound, NUL included. */
    TU_CHECK_STR(in->ja3, md5);
    TU_CHECK_INT(strlen(in->ja3_raw), DIS_TLS_JA3_RAW_MAX - 1);
    TU_CHECK(strncmp(in->ja3_raw, ja3s, DIS_TLS_JA3_RAW_MAX - 1) == 0);
    TU_CHECK_STR(in->ja4, ja4);
    TU_CHECK_INT(strlen(in->ja4_raw), DIS_TLS_JA4_RAW_MAX - 1);
    TU_CHECK(strncmp(in->ja4_raw, ja4r, DIS_TLS_JA4_RAW_MAX - 1) == 0);
    TU_CHECK_INT(dis_tls_hello_mem(t), hello_bytes(in));
    dis_tls_free(t);
}

TU_TEST(long_sni_and_alpn_cut_as_before)
{
    static buf e, m;
    static char host[400], name[200];
    memset(host, 'h', 300);
    host[300] = '\0';
    memset(name, 'a', 100);
    name[100] = '\0';
    const char *const names[] = { name, "h2" };
    const uint16_t cs[] = { 0x1301 };
    e.n = m.n = 0;
    ext_sni(&e, host);
    ext_alpn(&e, names, 2);
    client_hello(&m, 0x0303, cs, 1, &e);
    dis_tls *t = dis_tls_new();
    dis_tls_handshake(t, 0, m.b, m.n, 1);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(strlen(in->sni), DIS_TLS_SNI_MAX - 1);
    TU_CHECK(strspn(in->sni, "h") == DIS_TLS_SNI_MAX - 1);
    TU_CHECK_INT(in->n_alpn, 2);
    TU_CHECK_INT(strlen(in->alpn[0]), DIS_TLS_ALPN_MAX - 1);
    TU_CHECK_STR(in->alpn[1], "h2");
    TU_CHECK_INT(dis_tls_hello_mem(t), hello_bytes(in));
    dis_tls_free(t);
}

/* RFC 8446 4.1.3: the HRR's Random is SHA-256("HelloRetryRequest"). */
static void sh_with_alpn(buf *o, int hrr, const char *alpn)
{
    static buf e;
    uint8_t rnd[32];
    unsigned int k = 0;
    const char *const names[] = { alpn };
    EVP_Digest("HelloRetryRequest", 17, rnd, &k, EVP_sha256(), NULL);
    e.n = o->n = 0;
    put16(&e, 43);
    put16(&e, 2);
    put16(&e, 0x0304);
    ext_alpn(&e, names, 1);
    server_hello_rnd(o, 0x0303, 0x1301, hrr ? rnd : NULL, &e);
}

TU_TEST(pointers_stay_valid_after_hello_retry)
{
    static buf ch, hrr, sh, e;
    const uint16_t tls13[] = { 0x0304 }, cs[] = { 0x1301 };
    e.n = ch.n = 0;
    ext_list16(&e, 43, tls13, 1, 1);
    client_hello(&ch, 0x0303, cs, 1, &e);
    sh_with_alpn(&hrr, 1, "retry-alpn");
    sh_with_alpn(&sh, 0, "final-alpn");
    dis_tls *t = dis_tls_new();
    dis_tls_handshake(t, 0, ch.b, ch.n, 1);
    dis_tls_handshake(t, 1, hrr.b, hrr.n, 2);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->hrr, 1);
    const char *old_alpn = in->server_alpn, *old_raw = in->ja3s_raw;
    const uint16_t *old_exts = in->sh_extensions.v;
    TU_CHECK_STR(old_alpn, "retry-alpn");
    TU_CHECK_STR(old_raw, "771,4865,43-16");
    size_t after_hrr = dis_tls_hello_mem(t);
    dis_tls_handshake(t, 1, sh.b, sh.n, 3);
    TU_CHECK_STR(in->server_alpn, "final-alpn");
    TU_CHECK_INT(in->sh_frame, 3);
    /* The HRR's block is kept, not freed: what was read stays readable
     * (ASan would report a use after free here) and unchanged. */
    TU_CHECK_STR(old_alpn, "retry-alpn");
    TU_CHECK_STR(old_raw, "771,4865,43-16");
    TU_CHECK_INT(old_exts[1], 16);
    TU_CHECK(in->server_alpn != old_alpn);
    TU_CHECK(dis_tls_hello_mem(t) > after_hrr);
    dis_tls_free(t);
}

TU_TEST(handshake_buffer_held_only_mid_message)
{
    static buf e, m, st;
    const uint16_t tls13[] = { 0x0304, 0x0303 }, cs[] = { 0x1301, 0xc02f };
    uint64_t fr = 0;
    e.n = m.n = st.n = 0;
    ext_sni(&e, "open.example");
    ext_list16(&e, 43, tls13, 2, 1);
    client_hello(&m, 0x0303, cs, 2, &e);
    record(&st, 22, m.b, m.n);
    /* The reference: a direction that saw only its SYN (its parser state,
     * no buffer). */
    dis_tls *fresh = dis_tls_new();
    dis_tls_tcp_segment(fresh, 0, 1000, 1, NULL, 0, ++fr);
    /* Whole ClientHello in one segment: the direction stays open (a TLS
     * 1.3 client may still send a second ClientHello), but holds no
     * buffer. */
    dis_tls *t = dis_tls_new();
    feed(t, 0, 1000, st.b, st.n, 1460, &fr);
    TU_CHECK_INT(dis_tls_get(t)->ch_complete, 1);
    TU_CHECK(!dis_tls_done(t));
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));
    dis_tls_free(t);
    /* Split: the first part waits in the buffer, the rest frees it. */
    t = dis_tls_new();
    dis_tls_tcp_segment(t, 0, 1000, 1, NULL, 0, ++fr);
    dis_tls_tcp_segment(t, 0, 1001, 0, st.b, 30, ++fr);
    TU_CHECK(dis_tls_mem(t) > dis_tls_mem(fresh));
    dis_tls_tcp_segment(t, 0, 1031, 0, st.b + 30, st.n - 30, ++fr);
    TU_CHECK_INT(dis_tls_get(t)->ch_complete, 1);
    TU_CHECK_STR(dis_tls_get(t)->sni, "open.example");
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));
    dis_tls_free(t);
    dis_tls_free(fresh);
}

/* A message that comes in pieces is buffered in one block the size of the
 * whole message once its header is in (not grown by doubling), and the
 * block goes when the message is complete. */
TU_TEST(split_message_buffer_sized_from_header)
{
    static buf e, m, st;
    static uint8_t pad[9000];
    const uint16_t cs[] = { 0xc02f };
    uint64_t fr = 0;
    e.n = m.n = st.n = 0;
    ext_sni(&e, "big.example");
    ext_raw(&e, 21, pad, sizeof(pad));              /* padding (RFC 7685) */
    client_hello(&m, 0x0303, cs, 1, &e);
    record(&st, 22, m.b, m.n);
    TU_CHECK(m.n > 9000);
    dis_tls *fresh = dis_tls_new();
    dis_tls_tcp_segment(fresh, 0, 1000, 1, NULL, 0, ++fr);
    dis_tls *t = dis_tls_new();
    dis_tls_tcp_segment(t, 0, 1000, 1, NULL, 0, ++fr);
    /* 5-byte record header and 100 bytes of the message (its header). */
    dis_tls_tcp_segment(t, 0, 1001, 0, st.b, 105, ++fr);
    size_t one = dis_tls_mem(t) - dis_tls_mem(fresh);
    size_t off = 105;
    for (; off + 1000 < st.n; off += 1000) {
        dis_tls_tcp_segment(t, 0, 1001 + (uint32_t)off, 0, st.b + off, 1000,
                            ++fr);
        TU_CHECK_INT(dis_tls_mem(t) - dis_tls_mem(fresh), one);
    }
    dis_tls_tcp_segment(t, 0, 1001 + (uint32_t)off, 0, st.b + off,
                        st.n - off, ++fr);        /* the rest */
    TU_CHECK_INT(dis_tls_get(t)->ch_complete, 1);
    TU_CHECK_STR(dis_tls_get(t)->sni, "big.example");
    TU_CHECK_INT(dis_tls_mem(t), dis_tls_mem(fresh));
    dis_tls_free(t);
    dis_tls_free(fresh);
    /* The held block is the message (m.n bytes with its header), nothing
     * more (the reassembler holds no bytes: segments come in order). */
    TU_CHECK_INT(one, m.n);
}

TU_TEST(free_after_partial_handshake)
{
    static buf e, m, st, sv, shm, cert;
    const uint16_t cs[] = { 0xc02f };
    uint64_t fr = 0;
    e.n = m.n = st.n = sv.n = shm.n = cert.n = 0;
    ext_sni(&e, "partial.example");
    client_hello(&m, 0x0303, cs, 1, &e);
    record(&st, 22, m.b, m.n);
    server_hello(&shm, 0x0303, 0xc02f, NULL);
    /* A Certificate message announcing 3000 bytes, of which 100 come. */
    put8(&cert, 11);
    put24(&cert, 3000);
    put24(&cert, 2997);
    put24(&cert, 2994);
    for (int i = 0; i < 90; i++)
        put8(&cert, 0x30);
    record(&sv, 22, shm.b, shm.n);
    put8(&sv, 22);
    put16(&sv, 0x0303);
    put16(&sv, 3004);
    putn(&sv, cert.b, cert.n);
    dis_tls *fresh = dis_tls_new();
    dis_tls *t = dis_tls_new();
    feed(t, 0, 1000, st.b, st.n, 1460, &fr);
    feed(t, 1, 5000, sv.b, sv.n, 1460, &fr);
    /* and an out-of-order segment held by the reassembler */
    dis_tls_tcp_segment(t, 1, 5001 + (uint32_t)sv.n + 500, 0, cert.b, 50,
                        ++fr);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_STR(in->sni, "partial.example");
    TU_CHECK_INT(in->server_hello, 1);
    TU_CHECK_INT(in->certs_seen, 0);
    TU_CHECK(!dis_tls_done(t));
    TU_CHECK(dis_tls_mem(t) > dis_tls_mem(fresh) + 100);
    TU_CHECK(dis_tls_hello_mem(t) > 0);
    dis_tls_free(t);        /* LeakSanitizer checks the rest at exit */
    dis_tls_free(fresh);
}

TU_TEST(alerts_allocated_at_the_first)
{
    dis_tls *t = dis_tls_new();
    const dis_tls_info *in = dis_tls_get(t);
    const size_t base = dis_tls_mem(t);
    TU_CHECK(in->alerts == NULL);
    TU_CHECK_INT(in->n_alerts, 0);
    dis_tls_alert(t, 1, 2, 40, 7);          /* fatal handshake_failure */
    TU_CHECK(in->alerts != NULL);
    const dis_tls_alert_rec *first = in->alerts;
    TU_CHECK_INT(dis_tls_mem(t),
                 base + DIS_TLS_MAX_ALERTS * sizeof(dis_tls_alert_rec));
    for (int i = 0; i < DIS_TLS_MAX_ALERTS; i++)
        dis_tls_alert(t, 0, 1, 0, 8 + (uint64_t)i);     /* close_notify */
    TU_CHECK_INT(in->n_alerts, DIS_TLS_MAX_ALERTS);
    TU_CHECK_INT(in->alerts_dropped, 1);
    TU_CHECK(in->alerts == first);          /* never moves */
    TU_CHECK_INT(first[0].frame, 7);
    TU_CHECK_INT(first[0].desc, 40);
    TU_CHECK_INT(first[0].dir, 1);
    TU_CHECK_INT(in->alerts[DIS_TLS_MAX_ALERTS - 1].frame,
                 8 + DIS_TLS_MAX_ALERTS - 2);
    dis_tls_free(t);
}

/* A real chain: pcaps/tls_long_cert.pcap (TLS 1.2, two certificates, the
 * leaf with 55 subjectAltNames; test_tls_cert.c checks the values against
 * OpenSSL).  Its blocks hold exactly the facts. */
TU_TEST(fixture_blocks_exact)
{
    dis_tls *fresh = dis_tls_new();
    dis_tls *t = dis_tls_new();
    TU_CHECK(feed_pcap(t, "pcaps/tls_long_cert.pcap", 443) > 0);
    const dis_tls_info *in = dis_tls_get(t);
    TU_CHECK_INT(in->n_certs, 2);
    TU_CHECK(dis_tls_done(t));
    size_t want = (size_t)in->n_certs * sizeof(dis_tls_cert);
    for (int i = 0; i < in->n_certs; i++) {
        const dis_tls_cert *c = &in->certs[i];
        want += text(c->subject) + text(c->issuer) + text(c->serial) +
                text(c->not_before) + text(c->not_after) +
                text(c->sig_alg) + text(c->key);
        want += (size_t)c->n_san * sizeof(char *);
        for (int j = 0; j < c->n_san; j++)
            want += text(c->san[j]);
    }
    TU_CHECK_INT(in->certs[0].n_san, 55);
    TU_CHECK_INT(dis_tls_mem(t) - dis_tls_mem(fresh), want);
    TU_CHECK(in->ja3_raw[0] != '\0' && in->ja3s_raw[0] != '\0');
    TU_CHECK_INT(dis_tls_hello_mem(t), hello_bytes(in));
    dis_tls_free(t);
    dis_tls_free(fresh);
}

int main(void)
{
    TU_RUN(fresh_handle_is_small_and_empty);
    TU_RUN(no_sni_no_alpn_read_empty);
    TU_RUN(ciphers_over_the_list_bound);
    TU_RUN(long_fingerprint_strings_cut_as_before);
    TU_RUN(long_sni_and_alpn_cut_as_before);
    TU_RUN(pointers_stay_valid_after_hello_retry);
    TU_RUN(handshake_buffer_held_only_mid_message);
    TU_RUN(split_message_buffer_sized_from_header);
    TU_RUN(free_after_partial_handshake);
    TU_RUN(alerts_allocated_at_the_first);
    TU_RUN(fixture_blocks_exact);
    return tu_finish();
}
