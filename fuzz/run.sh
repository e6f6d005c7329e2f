#!/bin/sh
# run.sh: runs the libFuzzer targets, one after the other, each for a given
# time, and prints what each did (executions, coverage, findings).
#
#   fuzz/run.sh [--smoke] [--keep-going] BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR is a build configured with CC=clang -DHA_FUZZ=ON; TARGET is one
# of baseblock certblob text rules snapshot value readhost replay regtext
# (default: all).
# Inputs found go to BUILD_DIR/fuzz/work/TARGET (seeded from
# fuzz/corpus/TARGET, which is never written), crashes to
# BUILD_DIR/fuzz/artifacts/TARGET/, logs to BUILD_DIR/fuzz/logs/.
#
#   --smoke       a fresh work folder each time (what CTest runs)
#   --keep-going  libFuzzer's fork mode: go on after a crash, a timeout or
#                 running out of memory, keeping each input (long runs of
#                 readhost, which finds hivex's own faults)
# HA_FUZZ_EXTRA_<TARGET> (a folder) adds seeds that are not in the
# repository, e.g. HA_FUZZ_EXTRA_readhost=/tmp/hives.
# The targets run under nice: the machine is shared.
set -eu

smoke=0
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1; shift ;;
	--keep-going) keep=1; shift ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-baseblock certblob text rules snapshot value readhost replay regtext waivers layout veloname image}

status=0
printf '%-10s %6s %12s %7s %8s %7s %s\n' target time execs cov ft corpus findings
for t in $targets; do
	bin=$build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin not built (configure with CC=clang -DHA_FUZZ=ON)" >&2
		status=1
		continue
	fi
	if [ $smoke = 1 ]; then
		work=$build/fuzz/smoke/$t
		rm -rf "$work"
	else
		work=$build/fuzz/work/$t
	fi
	art=$build/fuzz/artifacts/$t
	logs=$build/fuzz/logs
	mkdir -p "$work" "$art" "$logs"
	log=$logs/$t.log
	extra=$(eval "echo \${HA_FUZZ_EXTRA_$t:-}")
	case $t in
	readhost) maxlen=65536 ;;
	replay) maxlen=1048576 ;;
	rules | snapshot) maxlen=32768 ;;
	*) maxlen=8192 ;;
	esac
	set -- -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=$maxlen \
		-print_final_stats=1 -artifact_prefix="$art/"
	if [ $keep = 1 ]; then
		set -- "$@" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
	fi
	# libtsk frees nothing when libvhdi or libvmdk refuse an image (seen
	# with 9 bytes, "conectix" and a 1): a leak in a process that exits right
	# after (a listing child or a worker), so the image target does not
	# count leaks; crashes, hangs and broken invariants still stop it.
	leaks=1
	if [ "$t" = image ]; then
		set -- "$@" -detect_leaks=0
		leaks=0
	fi
	before=$(ls "$art" | wc -l)
	start=$(date +%s)
	rc=0
	# shellcheck disable=SC2086
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=$leaks" \
		nice -n 10 "$bin" "$@" "$work" "$here/corpus/$t" $extra >"$log" 2>&1 || rc=$?
	took=$(($(date +%s) - start))
	# The last status line ("#N ... cov: C ft: F corp: K/...") has the totals.
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	execs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | sed 's/.*: *//')
	[ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	found=$(($(ls "$art" | wc -l) - before))
	printf '%-10s %5ss %12s %7s %8s %7s %s\n' "$t" "$took" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$found new in $art"
	if [ $rc -ne 0 ]; then
		echo "run.sh: fuzz_$t exited with $rc; see $log" >&2
		grep -E 'ERROR:|SUMMARY:|invariant broken|Test unit written' "$log" | head -n 5 >&2 || true
		status=1
	fi
done
exit $status
