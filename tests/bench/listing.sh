#!/usr/bin/env bash
# tests/bench/listing.sh - listing and filing latency at scale (issue #13):
# for each N in BENCH_LIST_SIZES (default "1000 10000 100000"), a fresh
# store of police's real lfhd (two-agency ISA hub, housing not running, as
# import.sh) is loaded with N generated cases through `lfh import` (a case
# row and one or two notes per case; subjects and locations repeat, so
# re-referral linking has matches), then, through the real CLI:
#   lfh case list --json       checked complete: one JSON array of exactly N
#                              cases, each once, in case id order
#   lfh case search WORD       a word in 5 of the cases (5 found)
#   lfh due --json             checked complete: a first meeting due for
#                              each of the N cases
#   lfh report performance --json
#   lfh referral new           filing one referral (re-referral of a loaded
#                              case): median of 5
# wall ms, median of 3 runs (a single run once one takes over 5 s), and the
# node's peak RSS (VmHWM) after each size. Then ratios between the largest
# size and the smallest. Figures only: nothing is timed against a limit;
# the exit status is 1 only if something could not be measured or a listing
# was incomplete or out of order. Run by tests/bench/run.sh (make bench).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh" >/dev/null
sizes=${BENCH_LIST_SIZES:-1000 10000 100000}
[ "${BENCH_KEEP:-0}" != 1 ] || LFH_KEEP=1 # keep the work dir (as bench.c's)
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
rc=0
fail() { # fail N WHAT
	printf '  listing  N=%-7s FAILED (%s)\n' "$1" "$2"
	rc=1
}
# A fresh hub for each size, in its own dir under the work dir (a node's
# key dir remembers the store it last ran with: a new store with the same
# keys would be a new incarnation, which writes nothing until peers answer).
W0=$W
trap '_lib_cleanup; [ "${LFH_KEEP:-0}" = 1 ] || rm -rf "$W0"' EXIT
hub() { # hub N: W=$W0/N, police's config there (log_level warn, a large map)
	W=$W0/$1
	HUB_AGENCIES=()
	mkdir -p "$W" || return 1
	{
		isa_hub_setup police housing
		sed -i -e 's/^log_level = .*/log_level = warn/' \
			-e 's/^map_size_mb = .*/map_size_mb = 16384/' "$W/police/lfhd.conf"
	} >/dev/null 2>&1
}

# Dates of the last 11 months (a case a day in turn), so that a referral
# filed now is within 12 months of the loaded cases with its subject.
dates=""
for k in $(seq 1 330); do
	dates="$dates $(date -u -d "-$k days" +%F)"
done

# gen N: lfh import JSON Lines of N cases: a case row, a note, and for every
# other case a second note. Subjects repeat every 7 cases, locations every
# 11 (so a subject or location is shared by ~N/7 or ~N/11 cases); the word
# "Zanzibar" is in the summary of 5 cases.
gen() {
	awk -v n="$1" -v dates="$dates" 'BEGIN {
		nd = split(dates, d, " ")
		step = int(n / 5)
		for (i = 1; i <= n; i++) {
			on = d[(i % nd) + 1]
			c = "L-" i
			s = (i % step == 1) ? "Zanzibar music " i : "Noise and nuisance " i
			printf "{\"kind\":\"case\",\"ext_id\":\"%s\",\"summary\":\"%s\",\"location\":\"%d Mill Lane\",\"category\":\"noise\",\"risk\":\"standard\",\"to\":[\"housing\"],\"subject\":\"Household %d\",\"on\":\"%s\",\"by\":\"PC Bench\"}\n", c, s, int(i / 11), int(i / 7), on
			printf "{\"kind\":\"note\",\"case\":\"%s\",\"text\":\"Visited the address (case %d)\",\"on\":\"%s\",\"by\":\"PC Bench\"}\n", c, i, on
			if (i % 2 == 0)
				printf "{\"kind\":\"note\",\"case\":\"%s\",\"text\":\"Calls continue (case %d)\",\"on\":\"%s\",\"by\":\"Officer Two\"}\n", c, i, on
		}
	}'
}

# ms CMD...: run CMD (stdout to $W/out), set MS (US) to its wall time in
# ms (microseconds).
# Returns CMD's status.
ms() {
	local t0 t1 r
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >"$W/out" 2>"$W/err"
	r=$?
	t1=${EPOCHREALTIME/[.,]/}
	US=$((t1 - t0))
	MS=$((US / 1000))
	return "$r"
}

# median_ms RUNS CMD...: MED = median wall ms of up to RUNS runs of CMD (only
# one if the first takes over 5 s); $W/out holds the last run's output.
median_ms() {
	local runs=$1 i t=()
	shift
	for ((i = 0; i < runs; i++)); do
		ms "$@" || return 1
		t+=("$MS")
		[ "$MS" -gt 5000 ] && break
	done
	MED=$(printf '%s\n' "${t[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
}

# ids: the case ids ("case") of a JSON array on stdin, in its order; jq,
# else python3, else a grep (the ids are 32 hex digits). Also checks that
# the document is one JSON array (jq and python3 only).
ids() {
	if command -v jq >/dev/null 2>&1; then
		jq -r 'if type == "array" then .[].case else error("not an array") end'
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list)
print("\n".join(x["case"] for x in d))'
	else
		grep -o '"case":"[0-9a-f]*"' | cut -d'"' -f4
	fi
}

hwm() { # hwm PID: the process's peak RSS (VmHWM) in MB, or ?
	awk '/^VmHWM:/ { printf "%.0f", $2 / 1024; f = 1 } END { if (!f) printf "?" }' \
		"/proc/$1/status" 2>/dev/null || printf '?'
}

stop_police() { [ -z "${NODE_PID[police]:-}" ] || node_stop police >/dev/null 2>&1; }

secs() { awk -v m="$1" 'BEGIN { printf "%.2f s", m / 1000 }'; }

declare -A FILE_MS=() LIST_MS=() # filing in microseconds, case list in ms
first="" last=""
for n in $sizes; do
	# a fresh hub for each size; the last one's store removed
	stop_police || fail "$n" "police's lfhd did not stop cleanly"
	[ "$W" = "$W0" ] || [ "${LFH_KEEP:-0}" = 1 ] || rm -rf "$W"
	hub "$n" || {
		fail "$n" "hub setup"
		continue
	}
	node_start police >/dev/null 2>&1 || {
		fail "$n" "police's lfhd did not start"
		continue
	}
	pid=${NODE_PID[police]}
	gen "$n" >"$W/history.jsonl"
	if ! ms lfh_at police import --json "$W/history.jsonl"; then
		fail "$n" "import: $(head -c 200 "$W/err")"
		continue
	fi
	load_ms=$MS
	rows=$(json_get .imported <"$W/out")
	hwm_load=$(hwm "$pid")

	# case list: complete, each case once, in case id order
	if ! median_ms 3 lfh_at police case list --json; then
		fail "$n" "case list: $(head -c 200 "$W/err")"
		continue
	fi
	list_ms=$MED
	if ! ids <"$W/out" >"$W/ids" 2>"$W/err"; then
		fail "$n" "case list --json is not one JSON array of cases"
		continue
	fi
	listed=$(wc -l <"$W/ids")
	if [ "$listed" -ne "$n" ]; then
		fail "$n" "case list: $listed cases, expected $n"
	elif ! LC_ALL=C sort -c -u "$W/ids" 2>/dev/null; then
		fail "$n" "case list: not in case id order, or a case twice"
	fi

	if ! median_ms 3 lfh_at police case search Zanzibar; then
		fail "$n" "case search: $(head -c 200 "$W/err")"
		continue
	fi
	search_ms=$MED
	found=$(grep -c Zanzibar "$W/out")
	[ "$found" -eq 5 ] || fail "$n" "case search: $found found, expected 5"

	if ! median_ms 3 lfh_at police due --json; then
		fail "$n" "due: $(head -c 200 "$W/err")"
		continue
	fi
	due_ms=$MED
	due_cases=$(ids <"$W/out" 2>/dev/null | sort -u | wc -l)
	[ "$due_cases" -eq "$n" ] || fail "$n" "due: items for $due_cases cases, expected $n"

	if ! median_ms 3 lfh_at police report performance --json; then
		fail "$n" "report performance: $(head -c 200 "$W/err")"
		continue
	fi
	report_ms=$MED

	# filing: re-referrals of loaded cases (a subject or a location in use)
	t=()
	for i in 1 2 3 4 5; do
		if ! ms lfh_at police referral new --summary "Bench referral $i" \
			--location "$((i * 3)) Mill Lane" --category noise --risk standard \
			--to housing --subject "Household $((i * 5))" --json; then
			fail "$n" "referral new: $(head -c 200 "$W/err")"
			continue 2
		fi
		t+=("$US")
	done
	file_us=$(printf '%s\n' "${t[@]}" | sort -n | sed -n 3p)
	# the last one was linked to a loaded case with its subject or location
	c=$(json_get .case <"$W/out")
	lfh_at police case show "$c" --json 2>/dev/null | grep -q '"rereferral_of":"[0-9a-f]' ||
		fail "$n" "referral new: not linked as a re-referral"

	printf '  listing  N=%-7s load %s (%s rows)  case list %s (complete: %s)  search %s  due %s  report %s  referral new %s ms  peak RSS %s MB (%s MB after the load)\n' \
		"$n" "$(secs "$load_ms")" "$rows" "$(secs "$list_ms")" "$listed" "$(secs "$search_ms")" \
		"$(secs "$due_ms")" "$(secs "$report_ms")" "$(awk -v u="$file_us" 'BEGIN { printf "%.1f", u / 1000 }')" \
		"$(hwm "$pid")" "$hwm_load"
	FILE_MS[$n]=$file_us
	LIST_MS[$n]=$list_ms
	[ -n "$first" ] || first=$n
	last=$n
done
stop_police || fail - "police's lfhd did not stop cleanly"

if [ -n "$first" ] && [ "$first" != "$last" ]; then
	awk -v a="${FILE_MS[$last]}" -v b="${FILE_MS[$first]}" -v l="$last" -v f="$first" \
		'BEGIN { q = (b > 0 ? a / b : 0)
			printf "  target filing at %s within 2x of %s: %s (%.2fx)\n", l, f,
				(q <= 2 ? "met" : "not met"), q }'
	awk -v a="${LIST_MS[$last]}" -v b="${LIST_MS[$first]}" -v l="$last" -v f="$first" \
		'BEGIN { printf "  case list per case %s/%s: %.2fx (1x = linear)\n", l, f,
			(b > 0 ? (a / l) / (b / f) : 0) }'
fi
exit $rc
