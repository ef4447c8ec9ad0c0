#!/usr/bin/env bash
# tests/bench/import.sh - the import rate (lfh import, issue #13 item 4):
# a generated history (tests/tools/gen_history.sh: BENCH_IMPORT_CASES cases,
# default 3000, 7 rows each: 21000 rows, 33000 events with the key events)
# imported into police's lfhd of a two-agency ISA hub (housing not running,
# so replication takes no CPU), through the lfh CLI, batches of 1000 rows.
# Prints one figure line; the exit status is 1 only if it could not be
# measured. Run by tests/bench/run.sh (make bench).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh" >/dev/null
cases=${BENCH_IMPORT_CASES:-3000}
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
fail() {
	printf '  %-33s %12s  (%s)\n' "import (lfh import)" FAILED "$1"
	exit 1
}
{
	isa_hub_setup police housing
	sed -i 's/^log_level = .*/log_level = warn/' "$W/police/lfhd.conf"
	node_start police
} >/dev/null 2>&1 || fail "police's lfhd did not start"
sh "$(dirname "$0")/../tools/gen_history.sh" "$cases" >"$W/history.jsonl" || fail "generating"
lfh_at police import --json "$W/history.jsonl" >"$W/import.json" 2>"$W/import.err" ||
	fail "$(head -c 200 "$W/import.err")"
rows=$(json_get .imported <"$W/import.json")
events=$(json_get .events <"$W/import.json")
secs=$(json_get .seconds <"$W/import.json")
rate=$(json_get .events_per_second <"$W/import.json")
printf '  %-33s %12.0f events/s  (%s rows, %s events in %.2f s; %.0f rows/s)\n' \
	"import (lfh import, 1000 rows/txn)" "$rate" "$rows" "$events" "$secs" \
	"$(awk -v r="$rows" -v s="$secs" 'BEGIN { print (s > 0 ? r / s : 0) }')"
{ node_stop police; } >/dev/null 2>&1
exit 0
