#!/usr/bin/env bash
# tests/bench/spread.sh - write -> available at all 5 other nodes (issue #13):
# a hub of six real lfhd (no ISA: every agency a peer of every other); police
# files a referral to the five others, then BENCH_SPREAD_NOTES (default 500)
# notes on it through `lfh case note`, one after the other, twice: back to
# back (as fast as lfh goes), then paced, one every BENCH_SPREAD_GAP_MS
# (default 50 ms: 20 notes a second, a busy hub's caseworkers together).
# For each note: when lfh started (it sends the note) and when each of the
# five other nodes had stored it, from their logs (debug lines "stored N new
# events", wall-clock ms: the n-th event a node stored after the phase began
# is the n-th note, police writing nothing else meanwhile), so nothing polls
# the nodes. Printed per phase: p50/p99/max of the acknowledgement (lfh's
# wall time), of write -> stored at all five (each note's slowest node) and
# of write -> stored at the first. Figures only: nothing is timed against a
# limit; exit 1 only if something could not be measured. Run by
# tests/bench/run.sh (make bench).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh" >/dev/null
NOTES=${BENCH_SPREAD_NOTES:-500}
GAP_MS=${BENCH_SPREAD_GAP_MS:-50}
[ "${BENCH_KEEP:-0}" != 1 ] || LFH_KEEP=1
AG=(police housing health social school fire)
fail() {
	echo "  spread   FAILED ($1)"
	exit 1
}

hub_setup "${AG[@]}" >/dev/null 2>&1 || fail "hub setup"
for n in "${AG[@]}"; do
	node_start "$n" >/dev/null 2>&1 || fail "$n's lfhd did not start"
done
others=$(IFS=,; echo "${AG[*]:1}")
c=$(new_referral police "$others" "Spread bench") || fail "referral"

# all_hold: wait until every other node holds what police holds
all_hold() {
	local total n
	total=$(node_events police) || fail "police's status"
	for n in "${AG[@]:1}"; do
		wait_until 60 events_are "$n" "$total" ||
			fail "$n holds $(node_events "$n") of $total events after 60 s"
	done
}

# stored_ms NODE FROM_MS: the wall ms at which NODE stored each event from FROM_MS on, one a line
stored_ms() {
	awk -v from="$2" '
	function days(y, m, d) { # days since 1970-01-01 of a civil date
		y -= m <= 2; era = int(y / 400); yoe = y - era * 400
		doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
		return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
	}
	$0 ~ /stored [0-9]+ new events/ {
		d = days(substr($1, 1, 4) + 0, substr($1, 6, 2) + 0, substr($1, 9, 2) + 0)
		s = substr($1, 12, 2) * 3600 + substr($1, 15, 2) * 60 + substr($1, 18, 2)
		ms = (d * 86400 + s) * 1000 + substr($1, 21, 3)
		if (ms < from) next
		match($0, /stored [0-9]+ new/)
		k = substr($0, RSTART + 7, RLENGTH - 11) + 0
		for (j = 0; j < k; j++) printf "%.0f\n", ms
	}' "$W/$1/lfhd.log"
}

pct() { # pct COLUMN: p50 p99 max of that column of $W/lat
	awk -v c="$1" '{ print $c }' "$W/lat" | sort -n | awk '{ a[NR] = $1 }
		END { printf "p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms", a[int((NR + 1) / 2)],
			a[int(NR * 0.99 + 0.999)], a[NR] }'
}

# phase LABEL GAP_MS: NOTES notes, one started every GAP_MS (0: back to back); print the figures
phase() {
	local label=$1 gap_us=$(($2 * 1000)) i t0 t1 next t_start wait_us n files=()
	all_hold
	t_start=${EPOCHREALTIME/[.,]/}
	next=$t_start
	: >"$W/notes"
	for ((i = 1; i <= NOTES; i++)); do
		t0=${EPOCHREALTIME/[.,]/}
		if [ "$t0" -lt "$next" ]; then # pace: nap until the next note is due
			wait_us=$((next - t0))
			read -r -t "$((wait_us / 1000000)).$(printf '%06d' $((wait_us % 1000000)))" \
				-u "$_NAP_FD" _ 2>/dev/null
			t0=${EPOCHREALTIME/[.,]/}
		fi
		next=$((t0 + gap_us))
		"$LFH" -c "$W/police/lfhd.conf" case note "$c" --text "Spread note $i" >/dev/null 2>&1 ||
			fail "note $i"
		t1=${EPOCHREALTIME/[.,]/}
		echo "$t0 $t1" >>"$W/notes"
	done
	all_hold
	for n in "${AG[@]:1}"; do
		stored_ms "$n" $((t_start / 1000)) >"$W/stored.$n"
		count_lines "$W/stored.$n"
		[ "$LINES_N" -ge "$NOTES" ] ||
			fail "$n's log shows $LINES_N stored events of $NOTES (log_level debug?)"
		files+=("$W/stored.$n")
	done
	# per note: ack ms, -> stored at all ms, -> stored at the first ms
	paste -d' ' "$W/notes" "${files[@]}" | head -n "$NOTES" | awk '{
		send = $1 / 1000; ack = ($2 - $1) / 1000; lo = hi = $3
		for (i = 4; i <= NF; i++) { if ($i > hi) hi = $i; if ($i < lo) lo = $i }
		printf "%.3f %.3f %.3f\n", ack, hi - send, lo - send
	}' >"$W/lat"
	echo "  spread   6 nodes, police files $NOTES notes to the 5 others, $label" \
		"($(((${EPOCHREALTIME/[.,]/} - t_start) / 1000)) ms in all):"
	echo "           acknowledged (lfh case note)     $(pct 1)"
	echo "           write -> stored at all 5 others  $(pct 2)"
	echo "           write -> stored at the first     $(pct 3)"
}

phase "back to back" 0
phase "one every $GAP_MS ms" "$GAP_MS"
dropped=$(grep -h "requests from .* in one second" "$W"/*/lfhd.log | wc -l)
[ "$dropped" -eq 0 ] || echo "           ($dropped log lines 'N requests from PEER in one second: M not served':" \
	"peers' PULLs over sync.c's REQUESTS_PER_SECOND were dropped and retried after a timeout)"
for n in "${AG[@]}"; do
	node_stop "$n" >/dev/null 2>&1
done
exit 0
