#!/usr/bin/env python3
"""flood.py - a capture with N distinct 5-tuples, for the flow-table bound test.

Usage: flood.py N OUT.pcap [--spacing-us US] [--offset K]

Writes a classic little-endian Ethernet pcap with N frames, each the first
and only packet of its own flow: even-numbered ones a TCP SYN (54 bytes),
odd-numbered ones a UDP datagram with 8 payload bytes (50 bytes).  Flow i
goes from 10.(i>>16).(i>>8).(i) port 1024+(i mod 60000) to 192.0.2.1 /
198.51.100.1 port 443 / 3478 depending on i, so all N 5-tuples differ.
Frames are --spacing-us apart (default 1 us: the whole flood is inside
every idle timeout, the worst case for the flow table).  --offset K numbers
the flows from K (K + N <= 2^24), so two captures with offsets that do not
overlap share no flow and have different contents.  Generation streams
chunks of 8192 frames and takes a few seconds for a million.
"""
import argparse
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--spacing-us", type=int, default=1)
    ap.add_argument("--offset", type=int, default=0)
    a = ap.parse_args()
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    # IPv4 header templates (checksum left 0: nothing verifies it).
    tcp_ip = bytearray(eth + bytes.fromhex("45000028000040004006000000000000c0000201"))
    tcp_ip += bytes.fromhex("0000" "01bb" "00000001" "00000000" "5002ffff" "00000000")
    udp_ip = bytearray(eth + bytes.fromhex("45000024000040004011000000000000c6336401"))
    udp_ip += bytes.fromhex("0000" "0d96" "0010" "0000") + b"\x80\x00\x00\x01flud"
    rec_tcp, rec_udp = 16 + len(tcp_ip), 16 + len(udp_ip)
    t0 = 1600000000 * 1000000
    with open(a.out, "wb") as fp:
        fp.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        i, chunk = 0, 8192
        while i < a.n:
            m = min(chunk, a.n - i)
            npairs = m
            size = sum(rec_tcp if (i + k + a.offset) % 2 == 0 else rec_udp
                       for k in range(m))
            buf = bytearray(size)
            off = 0
            for k in range(npairs):
                j = i + k + a.offset
                ts = t0 + j * a.spacing_us
                tmpl, rl = (tcp_ip, rec_tcp) if j % 2 == 0 else (udp_ip, rec_udp)
                struct.pack_into("<IIII", buf, off, ts // 1000000, ts % 1000000,
                                 rl - 16, rl - 16)
                buf[off + 16:off + rl] = tmpl
                # source address 10.x.y.z and source port
                struct.pack_into(">BBBB", buf, off + 16 + 26, 10, (j >> 16) & 255,
                                 (j >> 8) & 255, j & 255)
                struct.pack_into(">H", buf, off + 16 + 34, 1024 + j % 60000)
                off += rl
            fp.write(buf)
            i += m
    return 0


if __name__ == "__main__":
    sys.exit(main())
