#!/usr/bin/env bash
# test_summary.sh - `due`, `case list` and the reports read each case from
# the summary its node keeps of it (issue #13: they read maintained
# aggregates, not every case), and say the same as when every case is read
# from its events (--recompute), at the node that wrote the case and at one
# that received it:
#   - a case closed with a meeting (a victim), actions done and refused (not
#     engaged), entries of two teams; an open case; a case closed and then
#     reopened, with open actions;
#   - every case gets a summary within seconds of its last event; reports,
#     due and the case list (with filters) are equal with and without
#     summaries, and the report's note says how many cases came from one;
#   - a late event of the closed case (an amendment) drops its summary; the
#     node's maintenance pass keeps a new one;
#   - at the end of retention the closed case is shredded: its summary goes
#     with it, and every view still agrees.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

export LFH_TEST_CLOCK_FILE=$W/clock
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing)
isa_hub_setup "${AG[@]}"
echo "teams = response, neighbourhood" >>"$W/police/lfhd.conf"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "police (two teams) and housing are running"

# close_case C: the OSARA steps to a closure, with a meeting, an action done and one refused
close_case() {
	local c=$1 out a1 a2 step
	for step in "risk --score 22 --level high --answers 'repeat=yes;vulnerable=yes'" \
		"scan --text 'Eleven calls in three months'" \
		"meeting --date 2026-12-01 --attendees police,housing --victim 'Mrs Ann Example' --offender Tenant --location 'Flat 2' --responses 'Warning'"; do
		out=$(eval "LFH_TEAM=response lfh_at police case $step" "$c" 2>&1) || tap_fail "case $step" "$out"
	done
	a1=$(LFH_TEAM=neighbourhood lfh_at police case action "$c" --agency housing \
		--power tenancy-warning --text "Serve warning" --due 2026-12-08 --json | json_field action)
	a2=$(LFH_TEAM=response lfh_at police case action "$c" --agency police --power support-referral \
		--text "Offer support" --due 2026-12-09 --json | json_field action)
	wait_until 20 sh -c "'$LFH' -c '$W/housing/lfhd.conf' case state $c | grep -q $a1" ||
		tap_fail "housing holds the action"
	out=$(lfh_at housing case update "$c" --action "$a1" --status done --text "Served" 2>&1) ||
		tap_fail "housing's update" "$out"
	wait_until 20 sh -c "'$LFH' -c '$W/police/lfhd.conf' case state $c --json | grep -q '\"status\":\"done\"'" ||
		tap_fail "police holds housing's update"
	for step in "update --action $a2 --status refused --refusal not-engaged --who Tenant --text 'Did not engage'" \
		"assess --plan-done yes --problem-stopped yes --text 'No calls since'" \
		"propose-close --reason 'Problem resolved'" \
		"review --kind closure --outcome close --text 'Agreed at the hub'" \
		"close --reason 'No further reports'"; do
		out=$(eval "LFH_TEAM=response lfh_at police case $step" "$c" 2>&1) || tap_fail "case $step" "$out"
	done
}

a=$(LFH_TEAM=neighbourhood new_referral police housing "Noise at flat 2") || bail "referral a"
b=$(new_referral police housing "Open case at flat 5") || bail "referral b"
r=$(new_referral police housing "Closed then reopened at flat 7") || bail "referral r"
for c in "$a" "$b" "$r"; do wait_until 20 has_case housing "$c" || bail "housing holds $c"; done
close_case "$a"
close_case "$r"
# the open case b: up to an action of housing's, overdue (the date is past)
for step in "risk --score 12 --level medium --answers 'repeat=yes'" "scan --text 'Two calls'" \
	"meeting --date 2026-12-02 --attendees police,housing --victim 'Mr B' --offender Tenant --location 'Flat 5' --responses 'Visit'" \
	"action --agency housing --power tenancy-warning --text 'Visit the tenant' --due 2026-12-03 --for-team east"; do
	out=$(eval "LFH_TEAM=response lfh_at police case $step" "$b" 2>&1) || tap_fail "case $step" "$out"
done
lfh_at police case reopen "$r" --reason "New reports" >/dev/null || tap_fail "police reopens a case"
closed_at() { lfh_at "$1" case state "$a" | grep -q "stage     closed"; }
reopened_at() { lfh_at "$1" case state "$r" --json | grep -q '"reopened":1\|"stage":"assessment"'; }
for n in "${AG[@]}"; do
	wait_until 20 closed_at "$n" || tap_fail "$n: case a is closed"
	wait_until 20 reopened_at "$n" || tap_fail "$n: case r is reopened"
done

month=$(date -u +%Y-%m)
# same_views NODE WHEN: each report, due and case list equals its --recompute, the note row aside
same_views() {
	local n=$1 when=$2 kind args plain full
	for kind in performance tactical; do
		args=$([ "$kind" = tactical ] && echo "--month $month")
		# shellcheck disable=SC2086
		plain=$(lfh_at "$n" report "$kind" $args --csv | grep -v '^note,summaries,')
		# shellcheck disable=SC2086
		full=$(lfh_at "$n" report "$kind" $args --recompute --csv)
		check_eq "$n, $when: report $kind from summaries = from every event" "$full" "$plain"
	done
	for args in "due" "due --mine" "case list" "case list --open" "case list --overdue" \
		"case list --mine" "case list --stage closed" "case list --risk high"; do
		# shellcheck disable=SC2086
		plain=$(lfh_at "$n" $args --json)
		# shellcheck disable=SC2086
		full=$(lfh_at "$n" $args --recompute --json)
		check_eq "$n, $when: $args from summaries = from every event" "$full" "$plain"
	done
}
# summaries_at NODE K: the report read K cases from their summaries
summaries_at() {
	lfh_at "$1" report performance --csv | grep -q "^note,summaries,\"\\?$2 cases read from the summary"
}
for n in "${AG[@]}"; do
	if wait_until 20 summaries_at "$n" 3; then
		tap_ok "$n: every case (open, closed, reopened) is read from its summary"
	else
		tap_fail "$n: every case (open, closed, reopened) is read from its summary" \
			"$(lfh_at "$n" report performance --csv | grep '^note,summaries,')"
	fi
	same_views "$n" "cases summarized"
	check "$n: some action is due in the views compared" \
		grep -q '"kind":"action"' <<<"$(lfh_at "$n" due --json)"
	check "$n: --recompute reads none from a summary" \
		test -z "$(lfh_at "$n" report performance --recompute --csv | grep '^note,summaries,')"
done
perf=$(lfh_at police report performance --csv)
# (two cases, a from its summary and r from its events, each an offer not engaged with)
grep -q 'police support-referral,"made 2, accepted 0, refused 2 (not engaged 2)"' <<<"$perf" &&
	tap_ok "the report counts the offers not engaged with" ||
	tap_fail "the report counts the offers not engaged with" "$(grep -i offer <<<"$perf")"
check "the report counts entries by team" \
	grep -q "team_entries,police/neighbourhood," <<<"$(lfh_at police report performance --csv)"

# a late event of the closed case (an amendment of its referral) drops its summary at
# both nodes; the node's maintenance pass keeps a new one a few seconds later
ref_ev=$(lfh_at police case show "$a" --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
	/\]\.type=referral$/ { want = i } END { print e[want] }')
lfh_at police case amend "$a" "$ref_ev" --text "Noise at flat 2, nights only" >/dev/null ||
	tap_fail "police amends case a's referral"
amended_at() { lfh_at "$1" case show "$a" | grep -q "nights only"; }
for n in "${AG[@]}"; do
	wait_until 20 amended_at "$n" || tap_fail "$n holds the amendment"
	if wait_until 20 summaries_at "$n" 3; then
		tap_ok "$n: the closed case has a summary again after a late event"
	else
		tap_fail "$n: the closed case has a summary again after a late event"
	fi
	same_views "$n" "after a late event"
done

# 31 days on: case a's retention has ended; it is shredded, and its summary with it
echo $(($(date +%s) * 1000 + 31 * 86400000)) >"$W/clock"
shredded_at() { lfh_at "$1" case show "$a" 2>/dev/null | grep -q "shredded"; }
for n in "${AG[@]}"; do
	wait_until 30 shredded_at "$n" || tap_fail "$n: case a is shredded"
	if wait_until 20 summaries_at "$n" 2; then
		tap_ok "$n: no summary of the shredded case (the two others keep theirs)"
	else
		tap_fail "$n: no summary of the shredded case (the two others keep theirs)" \
			"$(lfh_at "$n" report performance --csv | grep '^note,summaries,')"
	fi
	same_views "$n" "shredded"
done

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
