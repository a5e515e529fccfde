/* packets.h - find the frames of stored flows again in their input file and
 * copy them into a new pcap file (libpcap savefile format).
 *
 * A rpt_pkt_sel is one pass over one input: rpt_pkt_select() re-reads the
 * file through the same decoder and flow table as `analyze` and records
 * the frame numbers of the wanted flows; rpt_pkt_write() reads the file
 * again and appends exactly those frames, untouched (original timestamps,
 * captured and wire lengths), to an open pcap dumper.
 *
 * Ownership: keys are the caller's and only read; a rpt_pkt_sel owns its
 * frame list and is freed with rpt_pkt_sel_free().  Paths are only read.
 */
#ifndef MEETAUDIT_PACKETS_H
#define MEETAUDIT_PACKETS_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

/* One stored flow to find (as in table flows: addresses, ports (0 when
 * NULL), VLAN, frame range).  dns_frames: NULL to take every frame of the
 * flow; else the DNS response frames wanted (n_dns of them, any order),
 * each taken with the query of the same DNS id that preceded it in the
 * flow. */
typedef struct rpt_pkt_key {
    int ipver, l4;
    unsigned vlan;
    uint8_t a[16], b[16];
    unsigned ap, bp;
    uint64_t first, last;
    const uint64_t *dns_frames;
    size_t n_dns;
} rpt_pkt_key;

typedef struct rpt_pkt_sel {
    uint64_t *frames;    /* sorted, distinct */
    size_t n, cap;
    int linktype;        /* the file's, from libpcap */
    int snaplen;         /* the file's (pcap_snapshot) */
    uint64_t records;    /* records in the file */
} rpt_pkt_sel;

/* Parse a flows row's text into *k (ipver 4/6, proto name as stored,
 * addresses as text).  0, or -1 when something does not parse. */
int rpt_pkt_key_parse(rpt_pkt_key *k, int ipver, const char *proto,
                      unsigned vlan, const char *src, unsigned sport,
                      const char *dst, unsigned dport, uint64_t first,
                      uint64_t last);

/* Read the capture at path and fill *sel with the frames of the n keys;
 * counts (may be NULL) receives per key the number of frames taken.  *sel
 * is zeroed first.  0, or -1 with a message in err. */
int rpt_pkt_select(const char *path, const rpt_pkt_key *keys, size_t n,
                   rpt_pkt_sel *sel, uint64_t *counts, char *err,
                   size_t errlen);

/* Append the frames of sel, read again from path, to d (opened for the
 * same link type).  0, or -1 with a message in err (also when the file no
 * longer holds them). */
int rpt_pkt_write(const char *path, const rpt_pkt_sel *sel, pcap_dumper_t *d,
                  char *err, size_t errlen);

void rpt_pkt_sel_free(rpt_pkt_sel *sel);

#endif
