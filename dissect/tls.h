/* tls.h - our own TLS handshake dissector over bounded TCP reassembly.
 * RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 6066 (SNI), RFC 7301 (ALPN),
 * RFC 8701 (GREASE); JA3/JA3S as defined by Salesforce.
 *
 * One dis_tls per TCP flow, created by the flow table when a flow may carry
 * TLS and freed with the flow.  Reassembly buffers live only until the
 * handshake is over (ChangeCipherSpec / application data / 64 KiB per
 * direction); the extracted facts (dis_tls_info) live as long as the handle.
 */
#ifndef MEETAUDIT_TLS_H
#define MEETAUDIT_TLS_H

#include <stddef.h>
#include <stdint.h>

#define DIS_TLS_MAX_CERTS 10
#define DIS_TLS_MAX_ALPN 8
#define DIS_TLS_MAX_VERSIONS 8

typedef struct dis_tls_cert {
    char subject[512];      /* RFC 2253 form, e.g. "CN=a.example,O=Ex" */
    char issuer[512];
    char sha1[41];          /* lower-case hex of the DER certificate */
    char sha256[65];
} dis_tls_cert;

typedef struct dis_tls_info {
    int client_hello;               /* 1 once a ClientHello was parsed */
    int server_hello;               /* 1 once a ServerHello was parsed */
    uint64_t ch_frame, sh_frame;    /* frame numbers where they completed */
    char sni[256];                  /* server_name (host_name), "" if absent */
    uint16_t client_legacy_version; /* ClientHello.legacy_version */
    uint16_t version;               /* negotiated: supported_versions ext of
                                       the ServerHello, else its legacy field;
                                       0 if no ServerHello */
    uint16_t cipher;                /* ServerHello cipher suite */
    int has_cipher;
    char alpn[DIS_TLS_MAX_ALPN][64];/* client's ALPN offer, in order */
    int n_alpn;
    char ja3[33], ja3s[33];         /* MD5 hex, "" if not computed */
    char ja3_raw[2048], ja3s_raw[1024];
    dis_tls_cert certs[DIS_TLS_MAX_CERTS]; /* server chain in wire order */
    int n_certs;
    /* appended: the ClientHello supported_versions offer, GREASE removed,
       in wire order (first DIS_TLS_MAX_VERSIONS kept) */
    uint16_t client_versions[DIS_TLS_MAX_VERSIONS];
    int n_client_versions;
} dis_tls_info;

typedef struct dis_tls dis_tls;

/* Create per-flow TLS state.  Returns NULL on allocation failure.  The caller
 * owns the handle and frees it with dis_tls_free(). */
dis_tls *dis_tls_new(void);
void dis_tls_free(dis_tls *t);

/* Feed one TCP segment.  dir 0 = client to server, 1 = server to client.
 * seq is the segment's TCP sequence number (host order); syn non-zero when
 * the SYN flag is set (the payload then starts at seq+1).  payload/len are
 * borrowed for the call only.  frame is the 1-based frame number. */
void dis_tls_tcp_segment(dis_tls *t, int dir, uint32_t seq, int syn,
                         const uint8_t *payload, size_t len, uint64_t frame);

/* Transport of the handshake, for JA4's first character and version names:
 * 't' TLS over TCP (the default), 'q' QUIC, 'd' DTLS. */
enum { DIS_TLS_OVER_TCP = 't', DIS_TLS_OVER_QUIC = 'q', DIS_TLS_OVER_DTLS = 'd' };
void dis_tls_set_transport(dis_tls *t, int transport);

/* Feed one complete handshake message in TLS framing: msg_type(1),
 * length(3), body(length).  This is how QUIC (the CRYPTO stream of Initial
 * packets) and DTLS (messages after fragment reassembly, the DTLS header
 * rewritten to this form) reach the same parser as TCP.  dir 0 = client to
 * server; frame is the frame that completed the message; msg/len borrowed
 * for the call. */
void dis_tls_handshake(dis_tls *t, int dir, const uint8_t *msg, size_t len,
                       uint64_t frame);

/* An alert seen in the clear (level 1 warning / 2 fatal, description per
 * RFC 8446 6), from DTLS; TCP alerts are found by the record parser. */
void dis_tls_alert(dis_tls *t, int dir, uint8_t level, uint8_t desc,
                   uint64_t frame);

/* Non-zero when nothing more will be learnt from this flow (both directions
 * finished their handshake or gave up); reassembly memory is freed then. */
int dis_tls_done(const dis_tls *t);

/* The facts extracted so far; the pointer is owned by t. */
const dis_tls_info *dis_tls_get(const dis_tls *t);

/* "TLSv1.2" etc. for a version code, "SSLv3", or "0x%04x" into buf.  Returns
 * buf. */
const char *dis_tls_version_name(uint16_t v, char *buf, size_t buflen);

/* IANA cipher suite name ("TLS_AES_128_GCM_SHA256") or "0x%04x" into buf. */
const char *dis_tls_cipher_name(uint16_t c, char *buf, size_t buflen);

#endif
