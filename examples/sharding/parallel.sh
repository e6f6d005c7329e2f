#!/bin/sh
# parallel.sh: one collection audited as N shards by GNU parallel, then merged.
#
#   examples/sharding/parallel.sh N COLLECTION OUT [parallel options...]
#
# Locally:      parallel.sh 4 /cases/fleet /cases/out
# Over ssh:     parallel.sh 8 /share/fleet /share/out -S node1,node2,node3
#               (COLLECTION and OUT on a share every node mounts at the same
#               path, hiveaudit installed on each node)
#
# Each shard writes OUT/shard-K/; the merge writes OUT/merged/ (audit.db,
# findings.csv, hosts.csv, report.html).  Exit status as hiveaudit scan's:
# 0 no FAIL, 1 some FAIL, 2 or 3 something went wrong (a shard's stderr is
# in OUT/shard-K/scan.log).  HIVEAUDIT names the program (default: the one
# on PATH).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: $0 N COLLECTION OUT [parallel options...]" >&2
	exit 2
fi
n=$1 collection=$2 out=$3
shift 3
hiveaudit=${HIVEAUDIT:-hiveaudit}
as_of=${AS_OF:-$(date -u +%Y-%m-%d)}   # one audit date for every shard
mkdir -p "$out"

# scan exits 1 when it found a FAIL: that is a finished shard, not a failed
# job, so only 2 and above count as failures for parallel.
seq 1 "$n" | parallel --halt soon,fail=1 "$@" \
	"mkdir -p '$out/shard-{}' && { '$hiveaudit' scan --quiet --as-of '$as_of' --shard {}/$n \
	  --out '$out/shard-{}' '$collection' 2>'$out/shard-{}/scan.log'; s=\$?; [ \$s -le 1 ]; }"

stores=""
k=1
while [ "$k" -le "$n" ]; do
	stores="$stores $out/shard-$k/audit.db"
	k=$((k + 1))
done
# shellcheck disable=SC2086
exec "$hiveaudit" merge --out "$out/merged" $stores
