#!/bin/sh
# tests/bench/run.sh - run the lfhub benchmarks (figures and ratios, no
# pass/fail): B=build sh tests/bench/run.sh   (what `make bench` does)
#
# Environment: B (build dir, default build), BENCH_EVENTS (default 100000),
# BENCH_SINGLE, BENCH_TIMEOUT, BENCH_KEEP (see tests/bench/bench.c),
# BENCH_IMPORT_CASES (tests/bench/import.sh: the import rate, default 3000
# cases; then again with BENCH_IMPORT_CASES_LARGE, default 10000),
# BENCH_IMPORT_WRITES_CASES (tests/bench/import_writes.sh: writes during an
# import of that many cases, default 10000),
# BENCH_LIST_SIZES (tests/bench/listing.sh: listing and filing at scale),
# BENCH_SPREAD_NOTES (tests/bench/spread.sh: write -> available at the 5
# other nodes of a 6-node hub, p50/p99; default 500),
# BENCH_COMPARE=1 (also tests/bench/compare.sh: the catch-up beside
# hypercore and PouchDB, installed from npm outside the repo; default off, so
# make bench needs no network; BENCH_COMPARE_N and the others: see there).
set -e
cd "$(dirname "$0")/../.."
B=${B:-build}
case $B in
/*) ;;
*) B=$(pwd)/$B ;;
esac
export B
if [ ! -x "$B/bench/bench" ] || [ ! -x "$B/lfhd" ]; then
	echo "bench: $B/bench/bench or $B/lfhd missing (run make)" >&2
	exit 1
fi
rc=0
"$B/bench/bench" || rc=1
bash tests/bench/import.sh || rc=1
# the same into a store that grows to 10,000 cases: the rate falls as it grows
BENCH_IMPORT_CASES=${BENCH_IMPORT_CASES_LARGE:-10000} bash tests/bench/import.sh || rc=1
# and a caseworker's writes while such an import runs: how long each waits
bash tests/bench/import_writes.sh || rc=1
bash tests/bench/listing.sh || rc=1
bash tests/bench/spread.sh || rc=1
if [ "${BENCH_COMPARE:-0}" = 1 ]; then
	bash tests/bench/compare.sh || rc=1
fi
exit $rc
