#!/usr/bin/env python3
"""topcap.py - turn a fuzz_pipeline input into a capture file for meetaudit.

Usage: topcap.py PIPELINE-INPUT OUT.pcapng

The pipeline harness input (see tests/fuzz/fuzz_pipeline.c) is: link index
(1), options (1), then records len(2, BE) dt(1) frame.  The output is a
pcapng file (64-bit microsecond timestamps, so the harness's far-future
start time can be written) with the same frames, the same clock (+ dt
seconds per frame) and the file link type that libpcap maps to the
harness's LINKS[index], so a regression input found by the harness can be
replayed through the real `meetaudit analyze`.  The harness's negative start
time cannot be written in pcapng; such inputs start at 0 instead.  The flow
cap of the options byte is printed on stdout as the --max-flows value.
"""
import struct
import sys

# LINKS[] of fuzz_pipeline.c as capture-file link types (LINKTYPE_*).
LINKTYPES = [1, 101, 101, 101, 228, 229, 113, 276, 0, 108, 9, 50, 51, 104, 105]
MAXF = [1, 2, 3, 8, 64, 1024, 100000, 1000000]
T0 = [1600000000 * 10 ** 6, 10 ** 18 - 255 * 4096 * 10 ** 6, 0, 0]


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def main():
    data = open(sys.argv[1], "rb").read()
    if len(data) < 2:
        sys.exit("topcap: input shorter than its 2-byte header")
    link = LINKTYPES[data[0] % len(LINKTYPES)]
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", link, 0, 262144))]
    ts, off, n = T0[(data[1] >> 4) & 3], 2, 0
    while off + 3 <= len(data) and n < 4096:
        ln, dt = struct.unpack(">HB", data[off:off + 3])
        frame = data[off + 3:off + 3 + ln]
        off += 3 + ln
        ts += dt * 10 ** 6
        n += 1
        out.append(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF,
                                        len(frame), len(frame)) + frame))
    open(sys.argv[2], "wb").write(b"".join(out))
    print(MAXF[data[1] & 7])


if __name__ == "__main__":
    main()
