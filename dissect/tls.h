/* tls.h - our own TLS handshake dissector over bounded TCP reassembly, and
 * the shared handshake parser behind QUIC and DTLS.
 * RFC 8446 (TLS 1.3: supported_versions, key_share, HelloRetryRequest,
 * alerts), RFC 5246 (TLS 1.2), RFC 6347 / RFC 9147 (DTLS version codes),
 * RFC 6066 (SNI), RFC 7301 (ALPN), RFC 8701 (GREASE), RFC 5280 (X.509),
 * draft-ietf-tls-esni (ECH 0xfe0d, ESNI 0xffce); JA3/JA3S as defined by
 * Salesforce, JA4 as defined by FoxIO's public JA4 specification.
 *
 * One dis_tls per flow, created by whoever decided the flow may carry a TLS
 * handshake and freed with the flow.  Over TCP it reassembles both
 * directions itself (dis_tls_tcp_segment); QUIC and DTLS hand it complete
 * handshake messages (dis_tls_handshake).  Reassembly buffers live only
 * until the handshake is over (ChangeCipherSpec of TLS <= 1.2 /
 * application data / 64 KiB per direction), and a handshake buffer only
 * while it holds part of a message; the extracted facts (dis_tls_info)
 * live as long as the handle.
 *
 * Ownership of the facts: every string and list of dis_tls_info and
 * dis_tls_cert lives in heap blocks owned by the handle, sized exactly for
 * what the flow carried (one block per ClientHello, per ServerHello, per
 * certificate chain).  A string field is never NULL: an absent value is a
 * static "".  A list's v is never NULL (a static empty array when n == 0).
 * Every pointer read from dis_tls_get() stays valid, unchanged, until
 * dis_tls_free(): a ServerHello after a HelloRetryRequest gets a block of
 * its own rather than overwriting the HRR's.  Strings are cut to the
 * DIS_TLS_*_MAX bounds below (NUL included), as when they were arrays.
 *
 * Memory bound per handle: sizeof(dis_tls) + per TCP direction, while its
 * handshake runs, its parser state (a few hundred bytes), at most
 * DIS_TLS_DIR_LIMIT of handshake buffer and DIS_TCPREASM_DEFAULT_LIMIT of
 * out-of-order segments, plus the certificate
 * facts (at most DIS_TLS_MAX_CERTS entries, each with at most
 * DIS_TLS_SAN_BYTES of subjectAltName text) - dis_tls_mem() reports these
 * - plus the hello facts, at most a few KiB (the bounds below; reported by
 * dis_tls_hello_mem()).
 */
#ifndef MEETAUDIT_TLS_H
#define MEETAUDIT_TLS_H

#include <stddef.h>
#include <stdint.h>

#define DIS_TLS_MAX_CERTS 16      /* certificates kept per chain */
#define DIS_TLS_MAX_ALPN 8        /* ALPN names kept (client offer) */
#define DIS_TLS_MAX_VERSIONS 8    /* supported_versions entries kept */
#define DIS_TLS_MAX_LIST 128      /* codes kept per ClientHello list */
#define DIS_TLS_MAX_ALERTS 8      /* alerts kept per flow */
#define DIS_TLS_MAX_SAN 256       /* subjectAltName entries kept per cert */
#define DIS_TLS_SAN_BYTES 16384u  /* bound on one cert's SAN text */
#define DIS_TLS_DIR_LIMIT (64u * 1024u) /* stream examined per direction */

/* Bounds of the text facts, terminating NUL included: longer values are cut
 * to size - 1 bytes. */
#define DIS_TLS_SNI_MAX 256       /* dis_tls_info.sni */
#define DIS_TLS_ALPN_MAX 64       /* one ALPN name, client or server */
#define DIS_TLS_JA3_RAW_MAX 2048  /* ja3_raw */
#define DIS_TLS_JA3S_RAW_MAX 1024 /* ja3s_raw */
#define DIS_TLS_JA4_RAW_MAX 1536  /* ja4_raw */
#define DIS_TLS_NAME_MAX 512      /* certificate subject, issuer */
#define DIS_TLS_SERIAL_MAX 132    /* certificate serial */
#define DIS_TLS_TIME_MAX 24       /* certificate not_before, not_after */
#define DIS_TLS_SIG_ALG_MAX 64    /* certificate sig_alg */
#define DIS_TLS_KEY_MAX 48        /* certificate key */

/* One X.509 certificate of the server's chain, as OpenSSL decoded it.  The
 * strings are never NULL ("" when absent); they and the SAN array live in
 * the chain's block, owned by the handle. */
typedef struct dis_tls_cert {
    const char *subject;    /* RFC 2253 form, e.g. "CN=a.example,O=Ex";
                               < DIS_TLS_NAME_MAX bytes */
    const char *issuer;
    char sha1[41];          /* lower-case hex of the DER certificate */
    char sha256[65];
    int decoded;            /* 1 when d2i_X509 accepted the DER; the
                               fields below are empty/0 otherwise */
    uint32_t der_len;
    const char *serial;     /* lower-case hex of whole bytes, as
                               `openssl x509 -serial` prints it ("01");
                               "-" first when negative; cut at 65 bytes */
    const char *not_before; /* RFC 3339 UTC "2015-10-10T15:55:47Z" */
    const char *not_after;
    const char *sig_alg;    /* "sha256WithRSAEncryption", or the OID */
    const char *key;        /* "RSA 2048", "EC P-256", "ED25519 256" */
    int self_signed;        /* subject == issuer and the signature verifies
                               with the certificate's own key */
    int n_san;              /* DNS and IP subjectAltNames, in order */
    const char *const *san; /* n_san strings (in the chain's block, owned
                               by the handle); NULL when n_san == 0 */
} dis_tls_cert;

/* A list of 16-bit codes in wire order (GREASE values included). */
typedef struct dis_tls_list {
    const uint16_t *v;      /* n entries, owned by the handle; never NULL */
    uint16_t n;             /* entries kept in v (<= DIS_TLS_MAX_LIST) */
    uint16_t total;         /* entries on the wire (may exceed n) */
} dis_tls_list;

/* An alert seen in the clear. */
typedef struct dis_tls_alert_rec {
    uint64_t frame;
    uint8_t dir;            /* 0 sent by the client, 1 by the server */
    uint8_t level;          /* 1 warning, 2 fatal */
    uint8_t desc;           /* RFC 8446 section 6 AlertDescription */
} dis_tls_alert_rec;

typedef struct dis_tls_info {
    int client_hello;               /* 1 once a ClientHello was parsed */
    int server_hello;               /* 1 once a ServerHello (or only a
                                       HelloRetryRequest) was parsed */
    uint64_t ch_frame, sh_frame;    /* frame numbers where they completed */
    const char *sni;                /* server_name (host_name), "" if absent;
                                       with ECH this is the outer SNI */
    uint16_t client_legacy_version; /* ClientHello.legacy_version */
    uint16_t version;               /* negotiated: supported_versions ext of
                                       the ServerHello, else its legacy field;
                                       0 if no ServerHello */
    uint16_t cipher;                /* ServerHello cipher suite */
    int has_cipher;
    const char *const *alpn;        /* client's ALPN offer, in order: n_alpn
                                       strings; never NULL */
    int n_alpn;
    char ja3[33], ja3s[33];         /* MD5 hex, "" if not computed */
    const char *ja3_raw, *ja3s_raw; /* the strings hashed, "" if none */
    const dis_tls_cert *certs;      /* server chain in wire order, n_certs
                                       entries; read-only, valid while the
                                       handle lives (possibly shared with
                                       other handles, tls_cert.c) */
    int n_certs;
    /* the ClientHello supported_versions offer, GREASE removed, in wire
       order (first DIS_TLS_MAX_VERSIONS kept) */
    uint16_t client_versions[DIS_TLS_MAX_VERSIONS];
    int n_client_versions;

    /* ---- ClientHello (the first one; see ch2 for the one after HRR) -- */
    int transport;                  /* DIS_TLS_OVER_TCP/QUIC/DTLS */
    char ja4[40];                   /* "t13d1516h2_8daaf6152771_e5627efa2ab1"
                                       or "" if not computed */
    const char *ja4_raw;            /* JA4_r: sorted hex lists, "" if none
                                       (truncated if longer) */
    int ch_complete;                /* the first ClientHello parsed whole
                                       (fingerprints exist only then) */
    dis_tls_list ciphers;           /* cipher_suites */
    dis_tls_list extensions;        /* extension types */
    dis_tls_list groups;            /* supported_groups */
    dis_tls_list sig_algs;          /* signature_algorithms */
    dis_tls_list key_share_groups;  /* groups of the key_share entries */
    int has_supported_versions;     /* the extension was present */
    int ech;                        /* 0, or the extension offered: 0xfe0d
                                       (ECH) or 0xffce (ESNI) */
    int session_id_len;             /* legacy_session_id length */
    int session_ticket;             /* non-empty session_ticket ext (35) */
    int psk;                        /* pre_shared_key ext (41) present */
    int resumption;                 /* session_ticket, psk, or a session_id
                                       from a client that does not offer
                                       TLS 1.3 (a 1.3 client always sends
                                       one, RFC 8446 D.4) */
    int grease;                     /* a GREASE value anywhere in it */
    int ch2;                        /* a second ClientHello after HRR */
    uint64_t ch2_frame;

    /* ---- ServerHello ------------------------------------------------- */
    int hrr;                        /* a HelloRetryRequest was seen */
    uint64_t hrr_frame;
    uint16_t hrr_group;             /* its key_share selected_group, or 0 */
    dis_tls_list sh_extensions;     /* extension types of the ServerHello */
    const char *server_alpn;        /* ALPN the server selected, or "" */

    /* ---- Certificate -------------------------------------------------- */
    int certs_seen;                 /* a server Certificate was parsed */
    uint64_t cert_frame;            /* frame that completed it */
    int64_t cert_ts_us;             /* its capture time (0 if unknown) */
    int cert_valid_at_capture;      /* leaf notBefore <= cert_ts <= notAfter:
                                       1 / 0, -1 unknown */
    int sni_matches_cert;           /* X509_check_host (or _ip) of the leaf
                                       with the SNI: 1 / 0, -1 unknown */

    /* ---- Alerts seen in the clear -------------------------------------- */
    const dis_tls_alert_rec *alerts;/* n_alerts entries, owned by the
                                       handle; NULL while there are none */
    int n_alerts;                   /* kept */
    int alerts_dropped;             /* seen beyond DIS_TLS_MAX_ALERTS */
} dis_tls_info;

typedef struct dis_tls dis_tls;

/* Create per-flow TLS state.  Returns NULL on allocation failure.  The caller
 * owns the handle and frees it with dis_tls_free() (NULL is accepted), which
 * frees every buffer and fact block with it. */
dis_tls *dis_tls_new(void);
void dis_tls_free(dis_tls *t);

/* Feed one TCP segment.  dir 0 = client to server, 1 = server to client.
 * seq is the segment's TCP sequence number (host order); syn non-zero when
 * the SYN flag is set (the payload then starts at seq+1).  payload/len are
 * borrowed for the call only.  frame is the 1-based frame number. */
void dis_tls_tcp_segment(dis_tls *t, int dir, uint32_t seq, int syn,
                         const uint8_t *payload, size_t len, uint64_t frame);

/* The capture time (microseconds since the epoch) of the packet about to be
 * fed; certificate validity is judged at the time of the packet that
 * completes the Certificate message.  Call before each packet; without it
 * cert_valid_at_capture stays unknown. */
void dis_tls_set_time(dis_tls *t, int64_t ts_usec);

/* Transport of the handshake, for JA4's first character and version names:
 * 't' TLS over TCP (the default), 'q' QUIC, 'd' DTLS.  Call it before the
 * first message is fed (the ClientHello's JA4 is computed when it is
 * parsed); other values are ignored. */
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

/* Non-zero when nothing more will be learnt from this flow.  Over TCP: both
 * directions finished their handshake or gave up (their reassembly memory
 * is freed then).  Over QUIC: a ClientHello and a ServerHello were parsed.
 * Over DTLS: that, and the certificate phase is over (chain parsed, or
 * DTLS 1.3 where it is encrypted).  The handle holds no buffers for QUIC
 * and DTLS. */
int dis_tls_done(const dis_tls *t);

/* The facts extracted so far; the pointer, and every pointer in it, is
 * owned by t and valid until dis_tls_free(t). */
const dis_tls_info *dis_tls_get(const dis_tls *t);

/* Whether the server's certificates could be seen: 1 a chain was parsed,
 * 0 the negotiated version encrypts them (TLS 1.3, DTLS 1.3, QUIC), -1
 * unknown (no ServerHello, or no Certificate message in clear). */
int dis_tls_certs_visible(const dis_tls_info *in);

/* Bytes of heap the handle holds now (struct, buffers, certificate facts,
 * alerts);
 * for tests of the memory bound.  The hello facts are not counted here (a
 * finished handshake holds what a fresh handle holds plus its chain). */
size_t dis_tls_mem(const dis_tls *t);

/* Bytes of heap held by the hello facts (the ClientHello and ServerHello
 * blocks: strings and lists of dis_tls_info). */
size_t dis_tls_hello_mem(const dis_tls *t);

/* "TLSv1.2", "SSLv3", "DTLSv1.2" etc. for a version code, or "0x%04x", into
 * buf.  Returns buf. */
const char *dis_tls_version_name(uint16_t v, char *buf, size_t buflen);

/* Digests of OpenSSL's default provider, fetched once per process and
 * shared by every thread (OpenSSL's EVP_sha256()-style handles make each
 * EVP_Digest() call look the implementation up again: on short inputs
 * about 0.7 of the 1 us a call takes here).  Never freed (reachable until
 * exit).  When a fetch fails, OpenSSL's own handle is returned instead, so
 * a digest the provider lacks fails exactly as it did before. */
typedef enum dis_md_id { DIS_MD_MD5, DIS_MD_SHA1, DIS_MD_SHA256 } dis_md_id;
const struct evp_md_st *dis_md(dis_md_id id);

/* The digest id of p[0..n) into out (EVP_MAX_MD_SIZE bytes; *olen set to
 * its length), through a context this thread keeps for id (see tls.c).
 * 0, or -1 when OpenSSL fails. */
int dis_digest(dis_md_id id, const void *p, size_t n, unsigned char *out,
               unsigned int *olen);

/* Lower-case hex of n bytes into dst (2n+1 bytes): fingerprints, and the
 * SHA-256 of an input (capture/pcapin.c). */
void dis_tls_hex(char *dst, const unsigned char *src, size_t n);

/* v in decimal (JA3, the stored code lists) or as 4 lower-case hex digits
 * (JA4) into out (at least 5 bytes, not terminated); returns the length.
 * Written out rather than with snprintf, which was a twentieth of the
 * whole analysis when every list entry went through it. */
size_t dis_tls_fmt_u16(char *out, uint16_t v, int hex);

/* IANA cipher suite name ("TLS_AES_128_GCM_SHA256") or "0x%04x" into buf. */
const char *dis_tls_cipher_name(uint16_t c, char *buf, size_t buflen);

/* Alert names: "warning"/"fatal" (else the number) and the RFC 8446 / RFC
 * 5246 description name ("handshake_failure"; else the number), into buf.
 * Return buf. */
const char *dis_tls_alert_level_name(uint8_t level, char *buf, size_t buflen);
const char *dis_tls_alert_desc_name(uint8_t desc, char *buf, size_t buflen);

#endif
