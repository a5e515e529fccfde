/* decode.h - link, IP and transport header decoding into a dis_pkt.
 *
 * dis_decode() reads one captured frame through the bounded reader and fills a
 * dis_pkt whose pointers all point into the caller's frame buffer: the frame
 * must outlive the dis_pkt.  Nothing is allocated.
 */
#ifndef MEETAUDIT_DECODE_H
#define MEETAUDIT_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum dis_decode_rc {
    DIS_OK = 0,            /* IP packet decoded (ports may be absent) */
    DIS_NOT_IP = 1,        /* a frame we understand that carries no IP (ARP...) */
    DIS_LINK_UNSUPPORTED = 2, /* link type we do not decode */
    DIS_MALFORMED = 3,     /* headers inconsistent or cut short by snaplen */
};

enum dis_frag { DIS_FRAG_NONE = 0, DIS_FRAG_FIRST = 1, DIS_FRAG_LATER = 2 };

typedef struct dis_pkt {
    uint64_t frame;            /* 1-based, per input file */
    int64_t ts_us;             /* capture time, microseconds since epoch */
    uint32_t caplen, wirelen;
    uint16_t vlan;             /* outermost 802.1Q VLAN id, 0 if none */
    uint8_t ipver;             /* 4 or 6 */
    uint8_t l4;                /* IP protocol number of the transport */
    uint8_t src[16], dst[16];  /* IPv4 addresses use the first 4 bytes */
    uint16_t sport, dport;     /* 0 when the transport has no ports */
    int has_ports;
    uint32_t ip_len;           /* IP datagram length from its header */
    const uint8_t *ip;         /* IP header start (handed to nDPI) */
    size_t ip_caplen;          /* captured bytes from ip (<= frame end) */
    const uint8_t *payload;    /* transport payload (captured part) */
    size_t payload_len;
    uint8_t tcp_flags;
    uint32_t seq, ack;
    uint8_t icmp_type, icmp_code;
    uint8_t frag;              /* enum dis_frag */
    uint32_t frag_id;          /* IPv4 id or IPv6 fragment identification */
} dis_pkt;

#define DIS_TH_FIN 0x01
#define DIS_TH_SYN 0x02
#define DIS_TH_RST 0x04
#define DIS_TH_PSH 0x08
#define DIS_TH_ACK 0x10

/* Decode one frame of libpcap link type dlt.  Returns an enum dis_decode_rc;
 * on DIS_OK *p is filled (frame/ts are left for the caller to set). */
int dis_decode(int dlt, const uint8_t *data, size_t caplen, dis_pkt *p);

/* Non-zero when dis_decode() understands link type dlt. */
int dis_link_supported(int dlt);

/* Format an address of the given IP version into buf (INET6_ADDRSTRLEN+). */
const char *dis_addr_str(int ipver, const uint8_t *a, char *buf, size_t len);

/* "tcp", "udp", "icmp", "icmpv6", "sctp", ... or the number, into buf. */
const char *dis_l4_name(uint8_t l4, char *buf, size_t len);

#endif
