#!/usr/bin/env bash
# `make demo`: analyse the bundled fixtures into demo/evidence.db and print a
# short summary; then audit pcaps/zoom.pcap against Zoom's rules and write the
# evidence report demo/report.html and demo/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
rm -f demo/evidence.db demo/evidence.db-wal demo/evidence.db-shm
./meetaudit analyze -o demo/evidence.db pcaps/*.pcap pcaps/*.pcapng
echo
echo "== flows per application (nDPI label), from demo/evidence.db =="
./meetaudit flows --json demo/evidence.db | python3 -c '
import json, sys, collections
c = collections.Counter(); b = collections.Counter()
for line in sys.stdin:
    f = json.loads(line)
    k = f["app_proto"] if not f["master_proto"] else f["master_proto"] + "." + f["app_proto"]
    c[k] += 1; b[k] += f["bytes_toserver"] + f["bytes_toclient"]
for k, n in c.most_common(15):
    print(f"{n:6d} flows {b[k]:10d} bytes  {k}")
'
echo
echo "Full list: ./meetaudit flows demo/evidence.db   (JSON: add --json)"
echo
echo "== audit of pcaps/zoom.pcap against rules/services/zoom.yaml (demo/zoom.db) =="
rm -f demo/zoom.db demo/zoom.db-wal demo/zoom.db-shm demo/report.html demo/report.md
./meetaudit audit -q --service zoom -o demo/zoom.db pcaps/zoom.pcap
./meetaudit report -o demo/report.html demo/zoom.db
./meetaudit report -o demo/report.md demo/zoom.db
echo
echo "== report summary (demo/report.html, demo/report.md) =="
./meetaudit report --format json demo/zoom.db | python3 -c 'import json, sys; print(json.load(sys.stdin)["summary"]["text"])'

