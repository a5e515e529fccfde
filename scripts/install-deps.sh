#!/usr/bin/env bash
# Install the Debian 12 packages meetaudit needs to build and test, if any
# are missing.  Used by `make demo`, `make deps` and .ci/run.
set -euo pipefail

BUILD_PKGS="build-essential pkg-config libpcap-dev libndpi-dev libssl-dev
libsqlite3-dev libyaml-dev libpsl-dev publicsuffix libmaxminddb-dev"
TEST_PKGS="tshark wireshark-common tcpreplay clang libclang-rt-14-dev
python3 sqlite3 libndpi-bin iproute2 time libcap2-bin mmdb-bin"
TEST_PKGS="$TEST_PKGS chromium"  # tests/chromium.sh renders the HTML report headless

missing=()
for p in $BUILD_PKGS $TEST_PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
# npm fetches the optional enrichment data (make data); Debian's npm when
# the machine has none of its own.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "install-deps: need root to run: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# The enrichment data is optional: without it meetaudit still runs (ASN,
# country and tracker fields stay null and it says so), so a registry
# outage is a warning here, not a failure.
cd "$(dirname "$0")/.."
if ! bash scripts/fetch-data.sh; then
  echo "install-deps: warning: enrichment data not fetched; meetaudit runs without it (see README, Data sources)" >&2
fi
