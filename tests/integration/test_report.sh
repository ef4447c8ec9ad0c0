#!/usr/bin/env bash
# test_report.sh - `lfh report performance` and `lfh report tactical`: the
# performance framework and the monthly tactical picture, computed by each
# node over the cases it holds (control commands report_performance and
# report_tactical), and the re-referral link made when a referral is filed.
#
#   ISA hub police, housing, council (referral, actions and meeting-notes go
#   to the case's participants). 30 distinct subjects S01..S30, each at its
#   own location, referred once: S01-S24 by police (to housing,council),
#   S25-S30 by housing (to police,council). Then police files 3 re-referrals
#   (to council only):
#     R1 subject " subject 01 " at "1 TEST STREET, TOWN" -> S01 (both match)
#     R2 subject "SUBJECT 25" at a new place            -> S25 (subject; housing's case)
#     R3 no subject at "3 Test Street, Town "           -> S03 (location)
#   Risk at referral: i%3 = 1 standard, 2 medium, 0 high; R1 standard, R2
#   medium, R3 high. Category: S01-S10 and R* noise, S11-S20 drugs, S21-S30
#   youth-asb. OSARA at police: S01 risk -> high, scan, meeting (victim "Mrs
#   Jones"), actions cbo (open), tenancy-warning (due 2020-01-01: overdue),
#   mediation (cancelled); S02 risk -> standard, scan, meeting (victim
#   "mrs jones"), action cbo.
#
# Expected at police (33 referrals, all this month):
#   risk (current) standard 11-1+1 = 11, medium 11-1 = 10, high 11+1 = 12;
#   agency police 27, housing 6; category noise 13, drugs 10, youth-asb 10;
#   powers cbo 2, tenancy-warning 1 (cancelled mediation not counted);
#   actions open 3, overdue 1;
#   re-referral: assessed = all 33 readable referrals in the window
#   (re-referrals included), repeated 3 -> rate 9.1%, positive outcome 90.9%;
#   first referrals (not themselves re-referrals) 30, repeated 3 -> 10.0% /
#   90.0% ("over 90% did not repeat"); not_yet_12_months 30.
#   tactical: hot spots "1 Test Street, Town" 2, "3 Test Street, Town" 2;
#   repeat subjects "Subject 01" 2, "Subject 25" 2; victim "Mrs Jones" 2;
#   12 new high-risk cases.
# housing holds 30 of the cases (not the re-referrals): total 30, repeated 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 400; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 400; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 400; }
);'
isa_hub_setup police housing council
for n in police housing council; do
	node_start "$n" || bail "start $n"
done
tap_ok "three nodes started from one genesis ISA"

MONTH=$(date -u +%Y-%m)
TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d yesterday +%F)

# refer NODE TO I SUBJECT LOCATION RISK CATEGORY: one lfh process; sets REF_OUT.
refer() {
	local subj=()
	[ -z "$4" ] || subj=(--subject "$4")
	REF_OUT=$("$LFH" -c "$W/$1/lfhd.conf" --as "Officer $1" referral new \
		--summary "Referral $3" --location "$5" --category "$7" --risk "$6" --to "$2" \
		"${subj[@]}" --json 2>&1)
}

risk_of() { case $(($1 % 3)) in 1) echo standard ;; 2) echo medium ;; *) echo high ;; esac; }
cat_of() { if [ "$1" -le 10 ]; then echo noise; elif [ "$1" -le 20 ]; then echo drugs; else echo youth-asb; fi; }

declare -A CASE=()
bad=""
for i in $(seq 1 30); do
	ii=$(printf %02d "$i")
	if [ "$i" -le 24 ]; then node=police to=housing,council; else node=housing to=police,council; fi
	refer "$node" "$to" "$ii" "Subject $ii" "$i Test Street, Town" "$(risk_of "$i")" "$(cat_of "$i")"
	if [[ $REF_OUT =~ \"case\":\"([0-9a-f]{32})\" ]]; then
		CASE[S$ii]=${BASH_REMATCH[1]}
		[[ $REF_OUT != *rereferral_of* ]] || bad="$bad S$ii linked: $REF_OUT"
	else
		bad="$bad S$ii: $REF_OUT"
	fi
done
if [ -z "$bad" ]; then
	tap_ok "30 first referrals filed, none linked as a re-referral"
else
	bail "30 first referrals filed, none linked as a re-referral" "$bad"
fi
wait_until 30 cases_are police 30 || bail "police holds housing's referrals" "$(case_count police)"
tap_ok "police holds all 30 first referrals"

# re-referrals at police
rr() { # NAME EXPECTED-ORIGINAL ARGS-for-refer...
	local name=$1 want=$2 got
	shift 2
	refer "$@"
	if [[ $REF_OUT =~ \"case\":\"([0-9a-f]{32})\" ]]; then
		CASE[$name]=${BASH_REMATCH[1]}
	fi
	got=$(_json_scalar "$REF_OUT" rereferral_of)
	check_eq "$name is a re-referral of $want" "${CASE[$want]}" "$got"
}
rr R1 S01 police council R1 " subject 01 " "1 TEST STREET, TOWN" standard noise
rr R2 S25 police council R2 "SUBJECT 25" "Riverside Park, Town" medium noise
rr R3 S03 police council R3 "" "3 Test Street, Town " high noise

# the link is in the referral itself (every holder sees it)
out=$(lfh_at police case show "${CASE[R3]}" --json 2>&1)
if [[ $out == *"\"rereferral_of\":\"${CASE[S03]}\""* ]]; then
	tap_ok "the referral event carries rereferral_of"
else
	tap_fail "the referral event carries rereferral_of" "$out"
fi

# ---- OSARA at police: S01 and S02
step() { # CASE VERB ARGS...: prints the action id, if any
	local out
	out=$(lfh_at police --as "Hub Coordinator" case "$2" "${CASE[$1]}" "${@:3}" --json 2>&1) ||
		{ echo "FAIL $1 $2: $out" >&2; return 1; }
	_json_scalar "$out" action || true
}
osara_ok=1
{
	step S01 risk --score 22 --level high --answers "repeat=yes;vulnerable=yes" &&
		step S01 scan --text "Calls every night" &&
		step S01 meeting --date "$TODAY" --attendees police,housing --victim "Mrs Jones" \
			--offender "Tenant" --location "1 Test Street" --responses "CBO; warning" &&
		step S01 action --agency police --power cbo --text "Apply for a CBO" --due 2099-01-01 &&
		step S01 action --agency housing --power tenancy-warning --text "Serve a warning" \
			--due 2020-01-01 &&
		a=$(step S01 action --agency council --power mediation --text "Mediate" --due 2099-01-01) &&
		step S01 update --action "$a" --status cancelled --text "Refused by both parties" &&
		step S02 risk --score 5 --level standard --answers "repeat=no" &&
		step S02 scan --text "Occasional noise" &&
		step S02 meeting --date "$TODAY" --attendees police --victim " mrs jones" \
			--offender "Youths" --location "2 Test Street" --responses "CBO" &&
		step S02 action --agency police --power cbo --text "Apply for a CBO" --due 2099-01-01
} >/dev/null 2>"$W/osara.err" || osara_ok=0
if [ "$osara_ok" = 1 ]; then
	tap_ok "OSARA steps recorded at police (risk, scan, meeting, actions, update)"
else
	tap_fail "OSARA steps recorded at police (risk, scan, meeting, actions, update)" \
		"$(cat "$W/osara.err")"
fi

# rows SECTION|KEY|VALUE of a report's --json
rows() {
	local j=$1 s k v i
	mapfile -t s < <(printf '%s\n' "$j" | json_all section)
	mapfile -t k < <(printf '%s\n' "$j" | json_all key)
	mapfile -t v < <(printf '%s\n' "$j" | json_all value)
	for i in "${!s[@]}"; do
		printf '%s|%s|%s\n' "${s[$i]}" "${k[$i]}" "${v[$i]}"
	done
}
# expect_rows NAME ROWS WANTED-LINES: every wanted line is present
expect_rows() {
	local name=$1 have=$2 want=$3 missing="" l
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		grep -qxF -- "$l" <<<"$have" || missing="$missing"$'\n'"missing: $l"
	done <<<"$want"
	if [ -z "$missing" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "$missing
$have"
	fi
}
section() { grep "^$2|" <<<"$1"; }

# ---- performance at police
pj=$(lfh_at police report performance --json) || bail "lfh report performance --json" "$pj"
P=$(rows "$pj")
expect_rows "performance: total and re-referrals" "$P" "referrals|total|33
referrals|rereferrals|3"
check_eq "performance: risk by current level" "risk|standard|11
risk|medium|10
risk|high|12" "$(section "$P" risk)"
check_eq "performance: by originating agency" "agency|police|27
agency|housing|6" "$(section "$P" agency)"
check_eq "performance: by ASB category" "category|noise|13
category|drugs|10
category|youth-asb|10" "$(section "$P" category)"
check_eq "performance: powers used (cancelled not counted)" "power|cbo|2
power|tenancy-warning|1" "$(section "$P" power)"
check_eq "performance: re-referral figures" "rereferral|assessed|33
rereferral|repeated_within_12_months|3
rereferral|rate_pct|9.1
rereferral|positive_outcome_pct|90.9
rereferral|first_referrals|30
rereferral|first_repeated|3
rereferral|first_rate_pct|10.0
rereferral|first_positive_outcome_pct|90.0
rereferral|not_yet_12_months|30" "$(section "$P" rereferral)"
check_eq "performance: open and overdue actions" "actions|open|3
actions|overdue|1" "$(section "$P" actions)"
expect_rows "performance: window and notes" "$P" "window|from|any
window|to|any"
if section "$P" note | grep -q "^note|scope|cases held at this node (police)" &&
	section "$P" note | grep -q "^note|rereferral|.*repeated / assessed"; then
	tap_ok "performance: notes say the scope and the denominator"
else
	tap_fail "performance: notes say the scope and the denominator" "$(section "$P" note)"
fi

# the window
W1=$(rows "$(lfh_at police report performance --from "$TODAY" --to "$TODAY" --json)")
expect_rows "--from/--to today: all 33" "$W1" "window|from|$TODAY
window|to|$TODAY
referrals|total|33
rereferral|rate_pct|9.1"
W2=$(rows "$(lfh_at police report performance --to "$YESTERDAY" --json)")
expect_rows "--to yesterday: nothing, rates n/a" "$W2" "referrals|total|0
risk|high|0
rereferral|assessed|0
rereferral|rate_pct|n/a
actions|open|0"

# CSV and table
csv=$(lfh_at police report performance --csv)
check_eq "--csv header" "section,key,value" "$(head -n 1 <<<"$csv")"
# (but for the note of how many cases were read from summaries: the node's
# summarize pass may have run between the two requests)
check_eq "--csv: one row per JSON row" "$(grep -vc '^note|summaries|' <<<"$P")" \
	"$(($(grep -vc '^note,summaries,' <<<"$csv") - 1))"
if grep -qxF "rereferral,positive_outcome_pct,90.9" <<<"$csv" &&
	grep -qxF "agency,police,27" <<<"$csv" && grep -q '^note,rereferral,".*"$' <<<"$csv"; then
	tap_ok "--csv rows (quoted where a value holds a comma)"
else
	tap_fail "--csv rows (quoted where a value holds a comma)" "$csv"
fi
tbl=$(lfh_at police report performance)
if [[ $tbl == *"Referrals"*"total"*"33"*"By originating agency"*"police"*"27"*"Re-referrals within 12 months"*"positive_outcome_pct"*"90.9"* ]]; then
	tap_ok "default output: sections with headings"
else
	tap_fail "default output: sections with headings" "$tbl"
fi

# ---- tactical at police
tj=$(lfh_at police report tactical --month "$MONTH" --json) || bail "lfh report tactical" "$tj"
T=$(rows "$tj")
expect_rows "tactical: month and totals" "$T" "month|month|$MONTH
referrals|total|33
referrals|high_risk|12"
check_eq "tactical: hot-spot locations, most first" "hotspot|1 Test Street, Town|2
hotspot|3 Test Street, Town|2" "$(section "$T" hotspot)"
check_eq "tactical: repeat subjects" "subject|Subject 01|2
subject|Subject 25|2" "$(section "$T" subject)"
check_eq "tactical: recurring victims" "victim|Mrs Jones|2" "$(section "$T" victim)"
hr=$(section "$T" high_risk)
if [ "$(grep -c . <<<"$hr")" = 12 ] && grep -q "^high_risk|${CASE[S01]}|Referral 01\$" <<<"$hr" &&
	grep -q "^high_risk|${CASE[R3]}|Referral R3\$" <<<"$hr" && ! grep -q "${CASE[S02]}" <<<"$hr"; then
	tap_ok "tactical: the 12 new high-risk cases (current level)"
else
	tap_fail "tactical: the 12 new high-risk cases (current level)" "$hr"
fi
tt=$(lfh_at police report tactical --month 2020-01)
if [[ $tt == *"Hot-spot locations"*"none"*"New high-risk cases"*"none"* ]]; then
	tap_ok "tactical: an empty month says none"
else
	tap_fail "tactical: an empty month says none" "$tt"
fi
check_eq "tactical --csv header" "section,key,value" \
	"$(lfh_at police report tactical --month "$MONTH" --csv | head -n 1)"

# ---- each node reports over what it holds
wait_until 30 cases_are housing 30 || tap_fail "housing holds the 30 first referrals"
H=$(rows "$(lfh_at housing report performance --json)")
expect_rows "housing: its 30 cases, none repeated (it holds no re-referral)" "$H" "referrals|total|30
rereferral|repeated_within_12_months|0
rereferral|positive_outcome_pct|100.0"

# ---- bad arguments: exit 2, one line
bad_arg() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(lfh_at police report "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == "lfh: "*"$want"* ]] && [ "$(wc -l <<<"$out")" -eq 1 ]; then
		tap_ok "$name: exit 2"
	else
		tap_fail "$name: exit 2" "exit $rc: $out"
	fi
}
bad_arg "bad --from" "--from" performance --from 2026-13-01
bad_arg "--from not a date" "YYYY-MM-DD" performance --from yesterday
bad_arg "--to 30 February" "--to" performance --to 2026-02-30
bad_arg "--from after --to" "--from is after --to" performance --from 2026-03-02 --to 2026-03-01
bad_arg "bad --month" "--month" tactical --month 2026-13
bad_arg "--month a day" "--month" tactical --month 2026-03-01
bad_arg "--month missing" "--month" tactical
bad_arg "--month on performance" "unknown option" performance --month 2026-03
bad_arg "--json and --csv" "choose one" performance --json --csv
bad_arg "unknown report" "which report" weekly
if out=$(lfh_at police report --help) && [[ $out == *"usage: lfh report performance"*"tactical"* ]]; then
	tap_ok "lfh report --help"
else
	tap_fail "lfh report --help" "$out"
fi

# ---- a case is dated by when it was referred (an imported history's "on"), not when recorded
then=$(date -u -d '-60 days' +%F)
lfh_at police referral new --summary "Referred two months ago" --location "Old Street" \
	--category asb --risk medium --to housing --on "$then" >/dev/null || tap_fail "a back-dated referral"
old=$(rows "$(lfh_at police report performance --from "$then" --to "$then" --json)")
expect_rows "performance on the day it was referred: that case" "$old" "referrals|total|1
risk|medium|1"
expect_rows "performance today: not counted again" \
	"$(rows "$(lfh_at police report performance --from "$TODAY" --to "$TODAY" --json)")" "referrals|total|33"
expect_rows "tactical of its month: counted there, though recorded after the month's end" \
	"$(rows "$(lfh_at police report tactical --month "${then%-*}" --json)")" "month|month|${then%-*}
referrals|total|1"

for n in police housing council; do
	node_stop "$n"
done
tap_done
