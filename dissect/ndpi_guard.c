/* ndpi_guard.c - keeps from nDPI 4.2 the packets known to crash it.
 * RFC 6347 section 4.1 (DTLS record layer), 4.2.2 (handshake header);
 * RFC 5246 section 7.4.2 (Certificate); RFC 5280 (the subject, decoded by
 * OpenSSL).
 *
 * Invariants
 * ----------
 * - This is the only file that looks inside nDPI's detection module
 *   (NDPI_LIB_COMPILATION: the installed ndpi_typedefs.h and ndpi_config.h
 *   describe exactly the installed libndpi, Debian's 4.2); everything else
 *   uses nDPI's API.
 * - Packet bytes are read through dis_rd (rd.h) only.
 * - A guard errs on the side of withholding, and never on a real capture
 *   of the fixtures or the nDPI corpus (each guard's comment says why).
 *
 * The one guard so far:
 */
#define _DEFAULT_SOURCE
#define NDPI_LIB_COMPILATION
#include "ndpi_guard.h"
#include "rd.h"

#include <ndpi/ndpi_api.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* When a DTLS Certificate message reaches nDPI 4.2's
 * certificate parser on an IPv4 flow whose sub-protocol is still unknown,
 * and the certificate's subject matches one of nDPI's certificate subject
 * patterns (its tls_cert_subject_automa), nDPI reads the source port
 * through the TCP header pointer, which is NULL for UDP: a crash on one
 * hostile datagram (ndpiReader 4.2 crashes on it too; fixed upstream after
 * 4.2, nDPI pull request #1450, "DTLS: fix access to certificate cache").
 * Such a datagram is not given to nDPI: our own DTLS dissector still reads
 * it, and the flow's nDPI verdict is what nDPI concluded without it.
 *
 * The test errs on the side of withholding: the first certificate of every
 * Certificate message in the datagram is decoded with OpenSSL; its subject
 * is offered to nDPI's own automaton both whole (nDPI's "C=.., O=.., CN=.."
 * form, RDNs in wire order) and one attribute at a time; a certificate whose
 * bytes are all there but that OpenSSL rejects counts as a match (nDPI's
 * parser is not strict).  Real WebRTC certificates ("CN=WebRTC") match
 * nothing, so real captures are not affected (checked on the fixtures and
 * the nDPI corpus). */
static const char *rdn_label(int nid)
{
    switch (nid) {
    case NID_countryName: return "C";
    case NID_stateOrProvinceName: return "ST";
    case NID_localityName: return "L";
    case NID_organizationName: return "O";
    case NID_organizationalUnitName: return "OU";
    case NID_commonName: return "CN";
    default: return NULL;
    }
}

static int subject_matches(struct ndpi_detection_module_struct *m,
                           const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    if (!x)
        return 1;
    const X509_NAME *nm = X509_get_subject_name(x);
    char whole[1024], one[300];
    size_t wl = 0;
    int hit = 0;
    whole[0] = 0;
    for (int i = 0; nm && i < X509_NAME_entry_count(nm) && !hit; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
        const char *lab = rdn_label(
            OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
        if (!lab || !v)
            continue;
        int vl = ASN1_STRING_length(v);
        const unsigned char *vd = ASN1_STRING_get0_data(v);
        int w = snprintf(one, sizeof(one), "%s=%.*s", lab,
                         vl > 255 ? 255 : vl, (const char *)vd);
        if (w <= 0)
            continue;
        size_t ol = strnlen(one, sizeof(one));
        uint32_t val;
        if (ndpi_match_string_value(m->tls_cert_subject_automa.ac_automa,
                                    one, (u_int)ol, &val) == 0)
            hit = 1;
        int ww = snprintf(whole + wl, sizeof(whole) - wl, "%s%s",
                          wl ? ", " : "", one);
        if (ww > 0 && (size_t)ww < sizeof(whole) - wl)
            wl += (size_t)ww;
    }
    uint32_t val;
    if (!hit && wl &&
        ndpi_match_string_value(m->tls_cert_subject_automa.ac_automa,
                                whole, (u_int)wl, &val) == 0)
        hit = 1;
    X509_free(x);
    return hit;
}

int dis_ndpi_dtls_cert_hazard(struct ndpi_detection_module_struct *m,
                              const struct ndpi_flow_struct *nf,
                              const dis_pkt *p)
{
    if (p->ipver != 4 || p->l4 != 17 || p->payload_len < 13 ||
        nf->detected_protocol_stack[1] != NDPI_PROTOCOL_UNKNOWN)
        return 0;
    dis_rd r;
    dis_rd_init(&r, p->payload, p->payload_len);
    while (dis_rd_left(&r) >= 13) {
        uint8_t ctype = dis_rd_u8(&r);
        uint8_t major = dis_rd_u8(&r);
        dis_rd_skip(&r, 1 + 8);          /* minor version, epoch, seq */
        uint16_t len = dis_rd_be16(&r);
        if (!dis_rd_ok(&r) || major != 0xfe)
            return 0;
        size_t take = len < dis_rd_left(&r) ? len : dis_rd_left(&r);
        dis_rd rec = dis_rd_sub(&r, take);
        if (ctype != 22)
            continue;
        while (dis_rd_left(&rec) >= 12) {
            uint8_t htype = dis_rd_u8(&rec);
            dis_rd_skip(&rec, 3 + 2 + 3);    /* length, seq, frag offset */
            uint32_t flen = dis_rd_be24(&rec);
            size_t have = flen < dis_rd_left(&rec) ? flen
                                                   : dis_rd_left(&rec);
            dis_rd body = dis_rd_sub(&rec, have);
            if (!dis_rd_ok(&rec))
                break;
            if (htype != 11)
                continue;
            dis_rd_skip(&body, 3);           /* certificate_list length */
            uint32_t clen = dis_rd_be24(&body);
            const uint8_t *der = dis_rd_ptr(&body, clen);
            if (dis_rd_ok(&body) && der && clen && subject_matches(m, der, clen))
                return 1;
        }
    }
    return 0;
}
