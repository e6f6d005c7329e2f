#!/bin/bash
# bench/run.sh: hiveaudit's benchmark, end to end (see bench/README.md).
#
#   bench/run.sh [--out DIR] [--hosts N] [--scale "N1 N2"] [--runs N] [--steps "..."]
#
# Steps, in order (default: all):
#   build    Release build in build-bench/
#   gen      the fleets: DIR/real (N realistic hosts, about 72 MB each) and
#            DIR/small-N2 (small hosts, about 2 MB each); DIR/small-N1 holds
#            hard links to the first N1 hosts of it (no extra disk)
#   warm     scan and floor on DIR/real with a warm page cache, interleaved
#            run by run; hosts/s, MB/s and the scan / floor ratio
#   cold     the same after dropping the page cache (needs root and a
#            writable /proc/sys/vm/drop_caches), with bytes read from disk
#   scale    scans of DIR/small-N1 and DIR/small-N2: time per host, the
#            parent's peak RSS, store size per host, report time
#   shards   the largest small fleet as 4 shards (scan --shard K/4, one after
#            another) and a merge: each shard's time, the merge's time and
#            peak RSS, the merged store's size, and whether its reports equal
#            the single run's (from "scale")
#   profile  callgrind on a one-host scan with -j1
#   cost     on DIR/real, what evidence costs (issue 16), each pair run
#            alternately: scan --hash none -j 1 against bench/peer.py (Python 3
#            and hivex reading the same values, checked against the store);
#            the default scan -j 2 against the floor with SHA-256
#            (hivefloor -s -j 2); a rerun of the unchanged fleet against a
#            first scan.  PYTHON (default /usr/bin/python3) runs the peer.
# Results are appended to DIR/results.txt (and printed).  The fleets are
# kept: a second run skips "gen" when the fleet is already there.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
hosts=200
scale="1000 10000"
runs=3
steps="build gen warm cold scale shards profile cost"

while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--hosts) hosts=$2; shift 2 ;;
	--scale) scale=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--steps) steps=$2; shift 2 ;;
	-h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done

build="$root/build-bench"
ha="$build/hiveaudit"
bin="$build/bench"
mkdir -p "$out"
out=$(cd "$out" && pwd)
results="$out/results.txt"
real="$out/real"
small_max=0
for n in $scale; do [ "$n" -gt "$small_max" ] && small_max=$n; done

say() { echo "$*" | tee -a "$results"; }
has() { case " $steps " in *" $1 "*) return 0 ;; esac; return 1; }
now() { date +%s.%N; }
# calc EXPR [DECIMALS]: arithmetic with awk (no bc needed).
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
# Median of the numbers on stdin.
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
fleet_bytes() { awk -F'\t' 'NR>1 {s+=$4} END {printf "%.0f\n", s}' "$1/fleet.tsv"; }
fleet_hosts() { awk -F'\t' 'NR>1 {h[$1]=1} END {print length(h)}' "$1/fleet.tsv"; }
warm_cache() { find "$1" -type f -name 'S*' -exec cat {} + >/dev/null; }
can_drop() { [ "$(id -u)" = 0 ] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }

# /usr/bin/time's wall, user and system seconds of a command (children
# included), as "wall user sys" in $timing.
timed() {
	local f
	f=$(mktemp)
	/usr/bin/time -f '%e %U %S' -o "$f" "$@" >/dev/null 2>>"$out/stderr.log" || true
	timing=$(tail -1 "$f")
	rm -f "$f"
}

say ""
say "== hiveaudit benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	say "   commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!bench' || echo ' with uncommitted changes outside bench/'),$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
else
	say "   not a git checkout,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
fi

if has build; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$out/build.log" 2>&1
	cmake --build "$build" -j"$(nproc)" >>"$out/build.log" 2>&1
	say "build: Release in $build"
fi

if has gen; then
	df -h "$out" | tail -1 | awk '{print "disk before generating: " $4 " free"}'
	if [ ! -s "$real/fleet.tsv" ] || [ "$(fleet_hosts "$real")" != "$hosts" ]; then
		rm -rf "$real"
		t0=$(now)
		"$bin/benchfleet" --hosts "$hosts" --seed 1 --certs "$root/samples/certs" "$real"
		say "gen: $hosts realistic hosts in $(calc "$(now) - $t0" 0) s"
	fi
	big="$out/small-$small_max"
	if [ ! -s "$big/fleet.tsv" ] || [ "$(fleet_hosts "$big")" != "$small_max" ]; then
		rm -rf "$big"
		t0=$(now)
		"$bin/benchfleet" --small --hosts "$small_max" --seed 2 --certs "$root/samples/certs" "$big"
		say "gen: $small_max small hosts in $(calc "$(now) - $t0" 0) s"
	fi
	for n in $scale; do
		[ "$n" = "$small_max" ] && continue
		d="$out/small-$n"
		rm -rf "$d"
		mkdir -p "$d"
		# The first n hosts, as hard links: the same bytes, no disk.
		for h in $(awk -F'\t' -v n="$n" 'NR>1 && !s[$1]++ {if (++c <= n) print $1}' "$big/fleet.tsv"); do
			cp -al "$big/$h" "$d/$h"
		done
		awk -F'\t' -v n="$n" 'NR == 1 {print; next} !($1 in s) {s[$1] = 1; c++} c <= n' \
			"$big/fleet.tsv" >"$d/fleet.tsv"
	done
	say "fleets: $real $(fleet_hosts "$real") hosts, $(fleet_bytes "$real") bytes; $(for n in $scale; do printf '%s ' "small-$n: $(fleet_hosts "$out/small-$n") hosts, $(fleet_bytes "$out/small-$n") bytes;"; done)"
fi

if has warm; then
	nh=$(fleet_hosts "$real")
	bytes=$(fleet_bytes "$real")
	warm_cache "$real"
	: >"$out/warm.tsv"
	say "warm: load $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
	for r in $(seq "$runs"); do
		timed "$bin/hivefloor" "$real"
		read -r fw fu fs <<<"$timing"
		rm -rf "$out/scan-warm"
		timed "$ha" scan -q --as-of 2026-01-01 --out "$out/scan-warm" "$real"
		read -r sw su ss <<<"$timing"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$fw" "$fu" "$fs" "$sw" "$su" "$ss" >>"$out/warm.tsv"
		say "warm run $r: floor $fw s (cpu $(calc "$fu + $fs") s), scan $sw s (cpu $(calc "$su + $ss") s), ratio $(calc "$sw / $fw")"
	done
	fm=$(cut -f1 "$out/warm.tsv" | median)
	sm=$(cut -f4 "$out/warm.tsv" | median)
	rm_=$(awk -F'\t' '{print $4 / $1}' "$out/warm.tsv" | median)
	fc=$(awk -F'\t' '{print $2 + $3}' "$out/warm.tsv" | median)
	sc=$(awk -F'\t' '{print $5 + $6}' "$out/warm.tsv" | median)
	say "warm: $nh hosts, $(calc "$bytes / 1e6" 0) MB of hives; median of $runs: scan $sm s = $(calc "$nh / $sm") hosts/s, $(calc "$bytes / 1e6 / $sm" 0) MB/s; floor $fm s = $(calc "$bytes / 1e6 / $fm" 0) MB/s; scan / floor $(calc "$rm_") (median of the paired ratios)"
	say "warm: cpu (user + sys, children included) scan $sc s = $(calc "$sc * 1000 / $nh" 1) ms/host, floor $fc s = $(calc "$fc * 1000 / $nh" 1) ms/host, ratio $(calc "$sc / $fc"); load $(cut -d' ' -f1-3 /proc/loadavg) after"
	"$ha" report --db "$out/scan-warm/audit.db" --out "$out/report-check" >/dev/null 2>&1 || true
	say "warm: verdicts $(awk -F, 'NR>1 {gsub(/"/,"",$3); v[$3]++} END {for (k in v) printf "%s=%d ", k, v[k]}' "$out/scan-warm/hosts.csv")"
fi

if has cold; then
	nh=$(fleet_hosts "$real")
	bytes=$(fleet_bytes "$real")
	if can_drop; then
		rm -rf "$out/scan-cold"
		sync
		echo 3 >/proc/sys/vm/drop_caches
		"$bin/exitstat" -o "$out/cold.txt" "$ha" scan -q --as-of 2026-01-01 --out "$out/scan-cold" "$real" >/dev/null || true
		rd=$(tail -1 "$out/cold.txt" | sed 's/.*by it and its children \([0-9]*\) bytes.*/\1/')
		wall=$(tail -1 "$out/cold.txt" | sed 's/.*wall \([0-9.]*\) s.*/\1/')
		say "cold scan: $wall s = $(calc "$nh / $wall") hosts/s; read from disk $rd bytes = $(calc "$rd / $bytes" 3) x the hive bytes ($(calc "$rd / $nh" 0) per host; the hives are $(calc "$bytes / $nh" 0) per host)"
		sync
		echo 3 >/proc/sys/vm/drop_caches
		"$bin/exitstat" -o "$out/cold.txt" "$bin/hivefloor" "$real" >/dev/null || true
		rd=$(tail -1 "$out/cold.txt" | sed 's/.*by it and its children \([0-9]*\) bytes.*/\1/')
		wall=$(tail -1 "$out/cold.txt" | sed 's/.*wall \([0-9.]*\) s.*/\1/')
		say "cold floor: $wall s; read from disk $rd bytes = $(calc "$rd / $bytes" 3) x the hive bytes"
	else
		say "cold: not permitted here (dropping the page cache needs root and a writable /proc/sys/vm/drop_caches)"
	fi
fi

if has scale; then
	for n in $scale; do
		d="$out/small-$n"
		o="$out/scan-small-$n"
		bytes=$(fleet_bytes "$d")
		warm_cache "$d"
		rm -rf "$o" "$o-report"
		load=$(cut -d' ' -f1 /proc/loadavg)
		timed "$bin/exitstat" -o "$out/scale-$n.txt" "$ha" scan -q --as-of 2026-01-01 --out "$o" "$d"
		read -r wall su ss <<<"$timing"
		hwm=$(tail -1 "$out/scale-$n.txt" | sed 's/.*(VmHWM) \([0-9]*\) kB.*/\1/')
		db=$(stat -c %s "$o/audit.db")
		timed "$ha" report --db "$o/audit.db" --out "$o-report"
		read -r rw ru rs <<<"$timing"
		say "scale $n (load $load): scan, store and reports $wall s = $(calc "$wall * 1000 / $n" 1) ms/host, cpu $(calc "$su + $ss" 1) s = $(calc "($su + $ss) * 1000 / $n" 1) ms/host ($(calc "$bytes / 1e6" 0) MB of hives); parent peak RSS $(calc "$hwm / 1024" 1) MiB; store $(calc "$db / 1048576" 1) MiB = $(calc "$db / $n" 0) bytes/host; the reports alone, again from the store: $rw s (cpu $(calc "$ru + $rs") s)"
	done
fi

if has shards; then
	n=$small_max
	d="$out/small-$n"
	warm_cache "$d"
	total=0 slowest=0
	for k in 1 2 3 4; do
		o="$out/shard-$k-of-4"
		rm -rf "$o"
		timed "$bin/exitstat" -o "$out/shard-$k.txt" "$ha" scan -q --as-of 2026-01-01 --shard "$k/4" --out "$o" "$d"
		read -r wall su ss <<<"$timing"
		hwm=$(tail -1 "$out/shard-$k.txt" | sed 's/.*(VmHWM) \([0-9]*\) kB.*/\1/')
		nh=$(awk -F, 'NR>1' "$o/hosts.csv" | wc -l)
		total=$(calc "$total + $wall")
		slowest=$(calc "($wall > $slowest) ? $wall : $slowest")
		say "shards $n: shard $k/4 $nh hosts in $wall s (cpu $(calc "$su + $ss" 1) s), parent peak RSS $(calc "$hwm / 1024" 1) MiB, store $(calc "$(stat -c %s "$o/audit.db") / 1048576" 1) MiB"
	done
	m="$out/shards-merged"
	rm -rf "$m"
	timed "$bin/exitstat" -o "$out/merge.txt" "$ha" merge -q --out "$m" "$out"/shard-[1-4]-of-4/audit.db
	read -r wall su ss <<<"$timing"
	hwm=$(tail -1 "$out/merge.txt" | sed 's/.*(VmHWM) \([0-9]*\) kB.*/\1/')
	db=$(stat -c %s "$m/audit.db")
	same="not compared (run the scale step first)"
	if [ -s "$out/scan-small-$n/findings.csv" ]; then
		if cmp -s "$out/scan-small-$n/findings.csv" "$m/findings.csv" && cmp -s "$out/scan-small-$n/hosts.csv" "$m/hosts.csv"; then
			same="identical to the single run's"
		else
			same="DIFFERENT from the single run's"
		fi
	fi
	say "shards $n: 4 shards one after another $total s (the slowest $slowest s: the wall time on 4 machines, plus the merge); merge and reports $wall s (cpu $(calc "$su + $ss" 1) s), merge peak RSS $(calc "$hwm / 1024" 1) MiB; merged store $(calc "$db / 1048576" 1) MiB = $(calc "$db / $n" 0) bytes/host; CSV reports $same"
fi

if has profile; then
	if command -v valgrind >/dev/null; then
		h=$(find "$real" -mindepth 1 -maxdepth 1 -type d | sort | head -1)
		rm -rf "$out/profile" "$out/scan-profile"
		mkdir -p "$out/profile"
		valgrind --tool=callgrind --callgrind-out-file="$out/profile/callgrind.%p" \
			"$ha" scan -q -j1 --as-of 2026-01-01 --out "$out/scan-profile" "$h" \
			>/dev/null 2>"$out/profile/valgrind.log" || true
		say "profile: callgrind on one host ($h), -j1; instructions per process:"
		# One file per process: the parent and the host's worker.
		for f in $(ls -S "$out/profile"/callgrind.*); do
			say "  $(basename "$f"): $(grep -m1 '^summary:' "$f" | cut -d' ' -f2) Ir, top functions by own cost:"
			callgrind_annotate --threshold=99 "$f" >"$f.txt" 2>/dev/null || true
			awk '/file:function/ {go = 1; next} go && NF && !/^-/ && n < 8 {print "    " $0; n++}' \
				"$f.txt" | tee -a "$results"
		done
	else
		say "profile: valgrind is not installed"
	fi
fi
if has cost; then
	nh=$(fleet_hosts "$real")
	bytes=$(fleet_bytes "$real")
	py=${PYTHON:-/usr/bin/python3}
	warm_cache "$real"
	: >"$out/cost.tsv"
	say "cost: $nh hosts, $(calc "$bytes / 1e6" 0) MB of hives; load $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
	for r in $(seq "$runs"); do
		rm -rf "$out/scan-nohash"
		timed "$ha" scan -q --hash none -j 1 --as-of 2026-01-01 --out "$out/scan-nohash" "$real"
		read -r nw _ _ <<<"$timing"
		timed "$py" "$root/bench/peer.py" "$real"
		read -r pw _ _ <<<"$timing"
		timed "$bin/hivefloor" -s -j 2 "$real"
		read -r fw _ _ <<<"$timing"
		rm -rf "$out/scan-j2"
		timed "$ha" scan -q -j 2 --as-of 2026-01-01 --out "$out/scan-j2" "$real"
		read -r sw _ _ <<<"$timing"
		timed "$ha" scan -q -j 2 --as-of 2026-01-01 --out "$out/scan-j2" "$real"
		read -r rw _ _ <<<"$timing"
		printf '%s\t%s\t%s\t%s\t%s\n' "$nw" "$pw" "$fw" "$sw" "$rw" >>"$out/cost.tsv"
		say "cost run $r: --hash none -j 1 $nw s, peer.py $pw s; floor with SHA-256 -j 2 $fw s, scan -j 2 $sw s; rerun $rw s"
	done
	say "cost: $("$py" "$root/bench/peer.py" --check "$out/scan-nohash/audit.db" "$real" | tail -1)"
	nm=$(cut -f1 "$out/cost.tsv" | median)
	pm=$(cut -f2 "$out/cost.tsv" | median)
	fm=$(cut -f3 "$out/cost.tsv" | median)
	sm=$(cut -f4 "$out/cost.tsv" | median)
	rm_=$(cut -f5 "$out/cost.tsv" | median)
	say "cost: median of $runs: peer.py $pm s / scan --hash none -j 1 $nm s = $(calc "$pm / $nm")x (target >= 2x); scan -j 2 $sm s / floor with SHA-256 -j 2 $fm s = $(calc "$sm / $fm")x (target <= 1.1x); rerun $rm_ s / first scan $sm s = $(calc "$rm_ / $sm")x (target <= 0.2x); paired: $(awk -F'\t' '{printf "%.2f/%.2f/%.2f ", $2 / $1, $4 / $3, $5 / $4}' "$out/cost.tsv")(peer/none, scan/floor, rerun/first)"
	say "cost: load $(cut -d' ' -f1-3 /proc/loadavg) after"
fi
say "results in $results"
