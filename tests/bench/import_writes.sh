#!/usr/bin/env bash
# tests/bench/import_writes.sh - a caseworker's writes while lfh import runs
# (issue #13): police's lfhd of a two-agency ISA hub imports a generated
# history of BENCH_IMPORT_WRITES_CASES cases (default 10000; batches of the
# default 4000 rows), and meanwhile a caseworker files referrals one after
# the other with `lfh referral new`. Prints how long each waited for its
# answer (p50, p90, max) beside the same write on the idle node. An import
# batch holds its write round while it runs; the writes waiting then get a
# round of their own before the next batch (node/control/control.c), so one
# waits for the batch running at most. Each write starts when the one before
# is answered, so most start as a batch starts: p50 is close to a whole
# batch. The exit status is 1 only if it could not be measured. Run by
# tests/bench/run.sh (make bench).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh" >/dev/null
# shellcheck source=tests/bench/import_lib.sh
. "$(dirname "$0")/import_lib.sh"
cases=${BENCH_IMPORT_WRITES_CASES:-10000}
label="writes during an import"
fail() {
	printf '  %-33s %12s  (%s)\n' "$label" FAILED "$1"
	exit 1
}
import_hub "$cases"
ms_now() { echo $(($(date +%s%N) / 1000000)); }
# one referral, timed: its milliseconds appended to file $1
timed_write() {
	local t0 t1
	t0=$(ms_now)
	referral_quick police housing "$2" "$W/cases" >/dev/null 2>&1 || return 1
	t1=$(ms_now)
	echo $((t1 - t0)) >>"$1"
}
: >"$W/cases"
: >"$W/idle"
: >"$W/busy"
for i in 1 2 3 4 5; do timed_write "$W/idle" "idle $i" || fail "a referral on the idle node"; done
lfh_at police import --json "$W/history.jsonl" >"$W/import.json" 2>"$W/import.err" &
imp=$!
# the first batch is being built and sent: wait until the import has written something
events_over() { local e; e=$(node_events police 2>/dev/null) && [ "${e:-0}" -gt "$1" ]; }
base=$(node_events police)
wait_until 60 events_over "$((base + 100))" || fail "the import did not start"
n=0
while kill -0 "$imp" 2>/dev/null; do
	timed_write "$W/busy" "during $n" || fail "a referral during the import"
	n=$((n + 1))
done
wait "$imp" || fail "$(head -c 200 "$W/import.err")"
rate=$(json_get .events_per_second <"$W/import.json")
stats() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR) printf "p50 %d ms, p90 %d ms, max %d ms (%d writes)", a[int((NR + 1) / 2)], a[int((NR * 9 + 9) / 10)], a[NR], NR }'; }
[ -s "$W/busy" ] || fail "no write ran during the import"
printf '  %-33s %s; on the idle node %s; the import ran at %.0f events/s (%s cases)\n' \
	"$label" "$(stats "$W/busy")" "$(stats "$W/idle")" "$rate" "$cases"
{ node_stop police; } >/dev/null 2>&1
exit 0
