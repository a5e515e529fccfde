/* rawloop.c - the benchmark's floor: read every record of capture files with
 * libpcap and do nothing else (issue #9).
 *
 * Usage: rawloop FILE...
 * Prints "packets N bytes B" (captured bytes) on stdout; exit 1 when a file
 * cannot be opened or read (a truncated last record is counted as an end).
 *
 * Invariants: no allocation per packet; every byte libpcap hands over is
 * touched once (summed into a checksum that is printed) so that the loop
 * pays for bringing the packet into the cache, as a real reader does.  The
 * file is read through a stdio buffer of RAW_BUF bytes, as meetaudit's
 * reader does (capture/pcapin.c): with stdio's default (4 KiB) the loop
 * made a read() per few packets and took twice as long on our VM, a floor
 * above what meetaudit itself pays for reading.
 * Not part of the meetaudit binary: built by `make bench` only.
 */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RAW_BUF (256u * 1024u) /* as CAP_READ_BUF in capture/pcapin.c */

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    uint64_t pkts = 0, bytes = 0, sum = 0;
    int ret = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: rawloop FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            ret = 1;
            continue;
        }
        char *vb = malloc(RAW_BUF);
        if (vb)
            setvbuf(fp, vb, _IOFBF, RAW_BUF);
        pcap_t *p = pcap_fopen_offline(fp, err); /* owns fp from now on */
        if (!p) {
            fprintf(stderr, "rawloop: %s: %s\n", argv[i], err);
            fclose(fp);
            free(vb);
            ret = 1;
            continue;
        }
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc;
        while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
            pkts++;
            bytes += h->caplen;
            for (uint32_t k = 0; k < h->caplen; k += 64)
                sum += d[k];
        }
        if (rc == PCAP_ERROR) {
            fprintf(stderr, "rawloop: %s: %s\n", argv[i], pcap_geterr(p));
            ret = 1;
        }
        pcap_close(p);
        free(vb); /* after pcap_close() closed fp */
    }
    printf("packets %llu bytes %llu touch %llu\n", (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)sum);
    return ret;
}
