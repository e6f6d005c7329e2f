#!/bin/sh
# bootstrap.sh: installs the Debian packages hiveaudit needs to build and
# test.  A no-op when they are all present.
#
#   ./bootstrap.sh          build and test dependencies
#   ./bootstrap.sh --ci     also what CI uses: clang (fuzz targets, clang-format,
#                           clang-tidy),
#                           chromium (the headless browser test of the report),
#                           GNU parallel (the sharding recipe's test), and the
#                           tools the container tests build their archives and
#                           disk images with
#   ./bootstrap.sh --bench  also what bench/run.sh's cost step uses: the
#                           Python 3 hivex binding (bench/peer.py)
set -eu

packages="build-essential cmake pkg-config libhivex-dev libsqlite3-dev libyaml-dev libssl-dev
libjansson-dev libarchive-dev libtsk-dev xz-utils ca-certificates"
if [ "${1:-}" = "--ci" ]; then
	packages="$packages clang libclang-rt-dev clang-format clang-tidy chromium sqlite3 parallel zip libarchive-tools ntfs-3g
qemu-utils ewf-tools fdisk p7zip-full"
fi
if [ "${1:-}" = "--bench" ]; then
	packages="$packages python3 python3-hivex"
fi

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi

echo "bootstrap: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "bootstrap: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
