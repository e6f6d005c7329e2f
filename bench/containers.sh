#!/bin/bash
# bench/containers.sh: the cost of reading hosts from collection containers
# against the same hosts as folders, and the time to find the hives in a
# large sparse disk image (see bench/README.md, "Containers").
#
#   bench/containers.sh [--build DIR] [--out DIR] [--hosts N] [--runs N] [--image-gb N]
#
# Builds (once; kept in OUT) N realistic hosts with benchfleet, a zip of
# them (Info-ZIP, default level, host folders at the root, as a zipped fleet
# or a KAPE --zip holds them), one VHDX per host (an NTFS volume made from
# tests/data/ntfs-skeleton.img.xz, enlarged with ntfsresize, hives copied
# with ntfscp: no mounting), and a sparse raw disk of N GB (GPT, one NTFS
# volume with one host).  Then scans each --runs times, interleaved, from an
# empty output folder each time, and appends the figures to OUT/results.txt.
# Needs zip, ntfs-3g, qemu-utils and fdisk (bootstrap.sh --ci).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
out="$root/bench/out"
hosts=20
runs=2
gb=20
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--hosts) hosts=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--image-gb) gb=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "containers.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
for t in zip ntfscp ntfsresize qemu-img sfdisk xz; do
	command -v $t >/dev/null || { echo "containers.sh: needs $t (bootstrap.sh --ci)" >&2; exit 2; }
done
ha="$build/hiveaudit"
mkdir -p "$out"
out=$(cd "$out" && pwd)
results="$out/results.txt"
fleet="$out/c-real-$hosts"
skel="$root/tests/data/ntfs-skeleton.img.xz"

say() { echo "$*" | tee -a "$results"; }

# An NTFS volume file of SIZE holding host folder DIR's hives.
mkvol() { # DIR FILE SIZE
	xz -dc "$skel" > "$2"
	truncate -s "$3" "$2"
	ntfsresize -f -f -P "$2" > /dev/null
	for f in "$1"/*; do ntfscp -f -q "$2" "$f" "/Windows/System32/config/$(basename "$f")" 2> /dev/null; done
}

if [ ! -d "$fleet" ]; then
	"$build/bench/benchfleet" --hosts "$hosts" --certs "$root/samples/certs" "$fleet.tmp" > /dev/null
	mv "$fleet.tmp" "$fleet"
fi
if [ ! -f "$fleet.zip" ]; then
	t0=$(date +%s.%N)
	(cd "$fleet" && zip -q -r "$fleet.zip.tmp" host*)
	mv "$fleet.zip.tmp" "$fleet.zip"
	say "containers: zip of $hosts hosts built in $(echo "$(date +%s.%N) - $t0" | bc) s"
fi
if [ ! -d "$fleet-vhdx" ]; then
	mkdir -p "$fleet-vhdx.tmp"
	for h in "$fleet"/host*; do
		mkvol "$h" "$fleet-vhdx.tmp/vol.raw" 200M
		qemu-img convert -f raw -O vhdx "$fleet-vhdx.tmp/vol.raw" "$fleet-vhdx.tmp/$(basename "$h").vhdx"
	done
	rm "$fleet-vhdx.tmp/vol.raw"
	mv "$fleet-vhdx.tmp" "$fleet-vhdx"
fi
img="$out/c-sparse-${gb}g.raw"
if [ ! -f "$img" ]; then
	first=$(ls -d "$fleet"/host* | head -1)
	truncate -s "${gb}G" "$img.tmp"
	printf 'label: gpt\nstart=2048, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' | sfdisk -q "$img.tmp"
	mkvol "$first" "$out/c-vol.raw" "$((gb * 1024 - 2))M"
	dd if="$out/c-vol.raw" of="$img.tmp" bs=1M seek=1 conv=sparse,notrunc status=none
	rm "$out/c-vol.raw"
	mv "$img.tmp" "$img"
fi

# Wall seconds of one scan from an empty output folder.
scan() { # LABEL PATH
	rm -rf "$out/c-scan"
	local t0 t1
	t0=$(date +%s.%N)
	"$ha" scan -q --out "$out/c-scan" --as-of 2026-01-01 "$2" > /dev/null || [ $? -eq 1 ]
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

say "containers: $(date -u +%FT%TZ) $hosts realistic hosts, $(du -sh "$fleet" | cut -f1) of hives; zip $(du -h "$fleet.zip" | cut -f1); VHDX $(du -sh "$fleet-vhdx" | cut -f1); load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$runs"); do
	f=$(scan folder "$fleet")
	z=$(scan zip "$fleet.zip")
	v=$(scan vhdx "$fleet-vhdx")
	say "containers: run $r: folders $f s, zip $z s ($(echo "scale=2; $z / $f" | bc)x), VHDX $v s ($(echo "scale=2; $v / $f" | bc)x)"
done
for r in $(seq "$runs"); do
	rm -rf "$out/c-scan"
	t0=$(date +%s.%N)
	"$ha" scan -q --out "$out/c-scan" --as-of 2026-01-01 "$img" > /dev/null || [ $? -eq 1 ]
	t1=$(date +%s.%N)
	hostsfound=$(tail -n +2 "$out/c-scan/hosts.csv" | wc -l)
	say "containers: run $r: ${gb} GB sparse raw image ($(du -h "$img" | cut -f1) on disk): $hostsfound host, scan $(echo "$t1 - $t0" | bc) s"
done
