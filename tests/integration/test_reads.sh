#!/usr/bin/env bash
# test_reads.sh - a slow listing does not hold up writes (issue #13; PROTOCOL.md
# 10, "Rounds"): police holds READS_CASES cases (loaded with `lfh import`, so
# that `lfh report performance` takes a good part of a second); while a loop
# runs that report back to back, a caseworker files READS_NOTES notes one
# after the other. Each note is acknowledged at normal latency: the median
# acknowledgement takes less than half the report's median duration (a
# ratio: before reads left the write round, a note waited for the report
# running and often the next one too). Every report and every note is in the
# audit log, once; a read's answer and its failure are as before (a report
# of the same store gives the same figures; an unknown case is refused with
# the same message, and audited as refused).
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
CASES=${READS_CASES:-8000}
NOTES=${READS_NOTES:-20}

isa_hub_setup police housing
node_start police || bail "start police"

# CASES generated cases (a case row and a note each) through lfh import
awk -v n="$CASES" -v on="$(date -u -d '-30 days' +%F)" 'BEGIN {
	for (i = 1; i <= n; i++) {
		printf "{\"kind\":\"case\",\"ext_id\":\"R-%d\",\"summary\":\"Noise %d\",\"location\":\"%d Mill Lane\",\"category\":\"noise\",\"risk\":\"standard\",\"to\":[\"housing\"],\"subject\":\"Household %d\",\"on\":\"%s\",\"by\":\"PC Load\"}\n", i, i, i % 97, i % 89, on
		printf "{\"kind\":\"note\",\"case\":\"R-%d\",\"text\":\"Visited (case %d)\",\"on\":\"%s\",\"by\":\"PC Load\"}\n", i, i, on
	}
}' >"$W/history.jsonl"
out=$(lfh_at police import --json "$W/history.jsonl" 2>&1) || bail "import $CASES cases" "$out"
check_eq "police holds $CASES imported cases (and a note each)" $((2 * CASES)) "$(json_get .imported <<<"$out")"
out=$(lfh_at police case list --json 2>&1) || bail "case list" "$out"
case_id=$(grep -o -m 1 '"case":"[0-9a-f]*"' <<<"$out" | head -n 1 | cut -d'"' -f4)
[[ $case_id =~ ^[0-9a-f]{32}$ ]] || bail "a case to write notes to" "got '$case_id'"

us() { # us VAR CMD...: run CMD (output to $W/us.out), VAR = its wall time in microseconds
	local __v=$1 t0 t1 r
	shift
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >"$W/us.out" 2>&1
	r=$?
	t1=${EPOCHREALTIME/[.,]/}
	printf -v "$__v" '%s' $((t1 - t0))
	return "$r"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }

# a report alone, twice: its figures, and its duration with nothing else going on
us t lfh_at police report performance --json || bail "report performance" "$(cat "$W/us.out")"
cp "$W/us.out" "$W/report.alone"
us t lfh_at police report performance --json || bail "report performance" "$(cat "$W/us.out")"
echo "# report performance alone, $CASES cases: $((t / 1000)) ms"

# reports back to back until told to stop; each one's start and end (us) to a file
: >"$W/report.us"
report_loop() {
	local t0 t1
	while [ ! -e "$W/stop" ]; do
		t0=${EPOCHREALTIME/[.,]/}
		"$LFH" -c "$W/police/lfhd.conf" report performance --json >"$W/report.last" 2>&1 || {
			echo "failed" >>"$W/report.us"
			return 1
		}
		t1=${EPOCHREALTIME/[.,]/}
		echo "$t0 $t1" >>"$W/report.us"
	done
}
report_loop &
loop_pid=$!
# the notes start once a report is under way: the first one answered, the next begun
reports_done() { count_lines "$W/report.us"; [ "$LINES_N" -ge "$1" ]; }
wait_until 60 reports_done 1 || bail "the report loop runs" "$(cat "$W/report.us")"

: >"$W/note.us"
nfail=0
for i in $(seq 1 "$NOTES"); do
	t0=${EPOCHREALTIME/[.,]/}
	if us t lfh_at police case note "$case_id" --text "Note $i while reports run"; then
		echo "$t0 $((t0 + t))" >>"$W/note.us"
	else
		nfail=$((nfail + 1))
		echo "# note $i: $(cat "$W/us.out")"
	fi
done
touch "$W/stop"
wait_until 60 _pid_gone "$loop_pid" || kill "$loop_pid" 2>/dev/null
wait "$loop_pid"
loop_rc=$?
check_eq "every note was acknowledged" 0 "$nfail"
check_eq "every report in the loop was answered" 0 "$loop_rc"
count_lines "$W/report.us"
reports=$LINES_N
# the notes ran while reports did: most of them began while a report was in flight
overlapped=$(awk 'NR == FNR { s[NR] = $1; e[NR] = $2; n = NR; next }
	{ for (i = 1; i <= n; i++) if ($1 >= s[i] && $1 < e[i]) { k++; break } }
	END { print k + 0 }' "$W/report.us" "$W/note.us")
check "most notes were filed while a report ran ($overlapped of $NOTES)" \
	[ $((2 * overlapped)) -ge "$NOTES" ]

report_med=$(awk '{ print $2 - $1 }' "$W/report.us" | median)
note_med=$(awk '{ print $2 - $1 }' "$W/note.us" | median)
note_max=$(awk '{ print $2 - $1 }' "$W/note.us" | sort -n | tail -n 1)
echo "# $reports reports back to back: median $((report_med / 1000)) ms;" \
	"$NOTES notes meanwhile: median $((note_med / 1000)) ms, max $((note_max / 1000)) ms"
if [ "$note_med" -gt 0 ] && [ $((2 * note_med)) -lt "$report_med" ]; then
	tap_ok "a note's median acknowledgement is under half a report's duration"
else
	tap_fail "a note's median acknowledgement is under half a report's duration" \
		"notes median ${note_med} us, reports median ${report_med} us"
fi

# the answers of a read are as before: the same report of the same store
# (the notes changed no figure of it; the note row says how many cases came
# from their summaries, which a note drops for a moment), an unknown case
# refused as it was
figures() { sed 's/,{"key":"summaries","section":"note","value":"[^"]*"}//' "$1"; }
check_eq "a report while writes go on gives the figures of one alone" \
	"$(figures "$W/report.alone")" "$(figures "$W/report.last")"
if out=$(lfh_at police case show 00000000deadbeef 2>&1); then
	tap_fail "an unknown case is refused" "$out"
else
	check_eq "an unknown case is refused, saying why" \
		"lfh: no such case 00000000deadbeef at this node" "$out"
fi

# every read and write is in the audit log, once
aj=$(lfh_at police audit --json --limit 10000) || bail "lfh audit" "$aj"
cmds=$(json_all cmd <<<"$aj")
check_eq "every report is in the audit log, once" $((reports + 2)) \
	"$(grep -c '^report_performance$' <<<"$cmds")"
check_eq "every note is in the audit log, once" "$NOTES" "$(grep -c '^note_add$' <<<"$cmds")"
last=$(json_flat <<<"$aj" | awk -F= '/^\[[0-9]+\]\.cmd=/ { c = $2 } /^\[[0-9]+\]\.ok=/ { o = $2 }
	END { print c "|" o }')
check_eq "the refused read is audited as refused" "case_show|0" "$last"
node_stop police
tap_done
