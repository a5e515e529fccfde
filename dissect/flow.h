/* flow.h - the bidirectional flow table and the per-flow record.
 *
 * A dis_flowtab owns every dis_flow it holds.  Flows leave the table through
 * the sink callback (when they end, idle out, are evicted by the flow cap, or
 * at dis_flowtab_flush_all); the sink may read the flow but must copy what it
 * keeps: the table frees the flow when the callback returns.
 *
 * Strings of a dis_flow
 * ---------------------
 * - app_proto, master_proto, category and confidence are never NULL: "" until
 *   dis_classify_finish() (or whenever nDPI gave no name), then nDPI's own
 *   names.  Those point into nDPI: protocol names are owned by the
 *   classifier's detection module (its protocols file included), category
 *   names by the module or libndpi's static table, confidence names are
 *   string literals.  The flow does not own them, so the dis_classifier that
 *   named a flow must outlive every use of the flow's names: free the
 *   classifier only after the last flow it classified has been written and
 *   freed (sinks, writer threads and dis_flowtab_free included).
 * - quic_sni and ndpi_host are never NULL either: the shared "" or a heap
 *   copy owned by the flow, set only through dis_flow_set_str() and freed by
 *   dis_flow_free().
 * - DNS strings (dis_flow_dns.query, each dis_dns_ans's query/name/data) are
 *   exact-size heap copies owned by the flow, at most DIS_DNS_NAME_MAX - 1
 *   bytes each, as the fixed buffers they replace were.
 * A dis_flow therefore has to be made by dis_flow_new() (never calloc) and
 * freed by dis_flow_free().
 */
#ifndef MEETAUDIT_FLOW_H
#define MEETAUDIT_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "dns.h"
#include "http.h"
#include "tls.h"

struct dis_classifier;

/* Per-direction counters.  Index 0 = client to server, 1 = server to client. */
typedef struct dis_dir {
    uint64_t pkts, bytes;          /* bytes = IP datagram lengths */
    uint64_t first_frame, last_frame;
    int64_t first_ts, last_ts;
} dis_dir;

/* One DNS answer record kept with the frame that carried it.  query, name
 * and data are never NULL: query starts one exact-size heap block
 * "query\0name\0data\0" owned by the answer (freed with the flow), name and
 * data point into that block. */
typedef struct dis_dns_ans {
    uint64_t frame;
    int64_t ts_us;
    char *query;                   /* the block; question of the message */
    const char *name;              /* owner name of the record */
    const char *data;              /* address or target name */
    uint32_t ttl;
    uint16_t qtype, rtype;
    uint8_t rcode;
} dis_dns_ans;

#define DIS_FLOW_MAX_DNS_ANS 256
#define DIS_FLOW_MAX_HTTP 16

typedef struct dis_flow_dns {
    char *query;                   /* first question of the flow: heap, owned
                                      by the flow, NULL until have_query */
    dis_dns_ans *ans;              /* n_ans entries, owned by the flow */
    int have_query;                /* a question was seen */
    int have_rcode;
    int n_ans;
    int ans_dropped;
    int cap_ans;
    uint16_t qtype;
    uint8_t rcode;                 /* rcode of the first response */
} dis_flow_dns;

typedef struct dis_http_txn {
    uint64_t frame;
    int64_t ts_us;
    dis_http_req req;
    int have_resp;
    uint64_t resp_frame;
    dis_http_resp resp;
} dis_http_txn;

/* The CNAME chain a DNS answer gave for an address: n names back to back,
 * each NUL-terminated, from the name the client asked for, through every
 * CNAME target, to the owner of the A/AAAA record.  Heap-allocated in one
 * block (the struct followed by the names) and owned by the flow. */
#define DIS_DNS_CHAIN_MAX 8
typedef struct dis_name_chain {
    uint64_t frame;       /* frame of the DNS answer */
    int64_t ts_us;        /* its timestamp */
    int n;                /* names, 1..DIS_DNS_CHAIN_MAX */
    size_t len;           /* bytes in names[] */
    char names[];         /* "asked\0cname1\0...\0owner\0" */
} dis_name_chain;

/* The i-th name of a chain (0 = asked for), NULL past the end. */
const char *dis_name_chain_at(const dis_name_chain *c, int i);

typedef struct dis_flow {
    /* 8-byte fields first, then 4-, 2- and 1-byte ones: no padding inside
     * the record (480 bytes on LP64, a few of them tail padding). */
    struct dis_flow *hnext;               /* hash chain */
    uint32_t hash;                        /* beside hnext: a chain walk
                                             reads one cache line a flow */
    int list;                             /* which idle list it is on */
    struct dis_flow *prev, *next;         /* idle list, oldest first */
    uint64_t seq;                         /* creation order in its input */
    dis_dir d[2];
    int64_t last_ts;
    const char *end_reason;               /* "fin","rst","idle","evict","eof" */

    /* Classification (nDPI); names filled by dis_classify_finish(), never
     * NULL (see "Strings of a dis_flow" above). */
    void *ndpi;                           /* struct ndpi_flow_struct */
    uint64_t risk;                        /* nDPI risk bitmask */
    const char *app_proto, *master_proto; /* owned by nDPI's module */
    const char *category, *confidence;    /* owned by nDPI */
    const char *quic_sni;                 /* from nDPI's QUIC dissection */
    const char *ndpi_host;                /* nDPI's host_server_name */

    /* Our own dissectors; each NULL until the flow carries that protocol. */
    dis_tls *tls;                         /* TLS over TCP, or the QUIC/DTLS
                                             handshake (transport set) */
    struct dis_quic *quic;                /* UDP flows that may be QUIC */
    size_t quic_fed[2];                   /* CRYPTO bytes handed to tls */
    struct dis_dtls *dtls;                /* UDP flows that carried DTLS */
    dis_flow_dns *dns;
    dis_http_txn *http;                   /* n_http entries */
    uint64_t payload_pkts[2];
    uint64_t isn_frame[2];

    /* Names known for each address at flow start from earlier DNS answers
     * ([0] client address, [1] server address); NULL when none. */
    dis_name_chain *dns_names[2];

    /* Cleartext the client sent (cleartext.h): HTTP requests or the first
     * payload bytes; NULL until a client payload of a flow that may be
     * cleartext, freed early when the flow turns out to be encrypted. */
    struct dis_clear *clear;

    int ndpi_done;
    uint32_t ndpi_pkts;
    uint32_t ndpi_withheld;               /* datagrams kept from nDPI (its
                                             DTLS crash guard, classify.c) */
    uint32_t ndpi_after_tls;              /* packets nDPI got after our TLS
                                             dissector finished (classify.c) */
    int n_http;
    int http_state;                       /* 0 unknown, 1 http, -1 not http */
    uint32_t isn[2];                      /* SYN sequence numbers */

    uint16_t vlan;
    uint16_t cli_port, srv_port;

    uint8_t ipver, l4;
    uint8_t cli_ip[16], srv_ip[16];
    uint8_t icmp_type, icmp_code;         /* first ICMP message seen */
    uint8_t fin[2], rst, syn_seen;
    uint8_t quic_no;                      /* 1: first datagram was no QUIC */
    uint8_t dtls_over;                    /* DTLS handshake finished */
    int8_t dtls_swap;                     /* -1 unknown, 0/1: the handshake's
                                             client is our server side */
    uint8_t isn_valid[2];
    char ndpi_ja3[33], ndpi_ja3s[33];     /* nDPI's own JA3/JA3S (hex) or "" */
} dis_flow;

typedef struct dis_flowtab dis_flowtab;

/* Called for every flow leaving the table.  Return non-zero to signal a sink
 * error (remembered and returned by later table calls). */
typedef int (*dis_flow_sink)(void *ctx, dis_flow *f);

typedef struct dis_flow_opts {
    int64_t tcp_idle_us;      /* idle timeout for open TCP flows */
    int64_t tcp_closed_us;    /* after FIN both ways or RST */
    int64_t udp_idle_us;      /* UDP and everything else */
    size_t max_flows;         /* cap; oldest idle flows flushed early */
} dis_flow_opts;

/* Defaults: TCP 300 s, closed TCP 10 s, UDP 60 s, 1,000,000 flows. */
void dis_flow_opts_default(dis_flow_opts *o);

/* Create a table.  cls may be NULL (no nDPI classification).  The table does
 * not own cls or ctx.  NULL on allocation failure. */
dis_flowtab *dis_flowtab_new(const dis_flow_opts *o,
                             struct dis_classifier *cls,
                             dis_flow_sink sink, void *ctx);

/* From now on the sink owns every flow it is handed, even when it returns
 * an error: it must free each with dis_flow_free(), possibly later and on
 * another thread (by then the flow is out of the table, its nDPI state is
 * released, and nothing in the table points at it).  Without this call the
 * table frees each flow when the sink returns. */
void dis_flowtab_sink_owns(dis_flowtab *t);

/* Account one decoded packet (rc DIS_OK from dis_decode).  Returns 0, or the
 * sink's error / -1 on allocation failure. */
int dis_flowtab_packet(dis_flowtab *t, const dis_pkt *p);

/* The flow the last dis_flowtab_packet() call accounted its packet to, or
 * NULL (that call made no flow or failed, or the flow has left the table
 * since).  Owned by the table; valid until the next call on t. */
const dis_flow *dis_flowtab_last(const dis_flowtab *t);
#define DIS_FLOWTAB_HAS_LAST 1

/* Flush every flow (end of input), oldest first.  Returns 0 or an error. */
int dis_flowtab_flush_all(dis_flowtab *t, const char *reason);

/* Counters for the input row. */
typedef struct dis_flow_stats {
    uint64_t flows;             /* flows created */
    uint64_t evicted;           /* flushed early because of max_flows */
    uint64_t frag_unattributed; /* later fragments with no first fragment */
    uint64_t no_ports;          /* IP packets without a port-bearing header */
    uint64_t ndpi_withheld;     /* datagrams not given to nDPI (classify.c's
                                   guard against an nDPI 4.2 crash) */
} dis_flow_stats;

void dis_flowtab_stats(const dis_flowtab *t, dis_flow_stats *out);

/* Free the table and any flows still in it (without calling the sink). */
void dis_flowtab_free(dis_flowtab *t);

/* A zeroed flow whose strings are all "" (see "Strings of a dis_flow").
 * Caller owns it and frees it with dis_flow_free().  NULL when out of
 * memory. */
dis_flow *dis_flow_new(void);

/* Set one of f's owned strings (&f->quic_sni or &f->ndpi_host) to a heap
 * copy of src cut to at most max - 1 bytes, or to the shared "" when src is
 * NULL or empty; the previous copy is freed.  Returns 0, or -1 when out of
 * memory (the string is then ""). */
int dis_flow_set_str(const char **slot, const char *src, size_t max);

/* Free the per-flow parts of f (TLS/DNS/HTTP/cleartext state, nDPI flow,
 * owned strings) and f.  f may be NULL. */
void dis_flow_free(dis_flow *f);

#endif
