#!/usr/bin/env bash
# test_lead.sh - a change of lead agency through the lfh CLI, on a live
# three-agency hub (police, housing, probation):
#
#   1. police refers a case to housing; housing proposes itself as lead and
#      police agrees, giving the proposal by the 8 digits lfh case show
#      prints (the whole 64 were needed);
#   2. every participant then holds housing as the lead, and housing may
#      invite no one: probation, not taking part, could not verify the change
#      (it reads it only once it takes part) and would never get the case,
#      while every other node counted it in. The invitation is refused,
#      saying so, and nothing is written;
#   3. an action police tasked to housing has its outcome recorded by
#      housing (a participant neither tasked nor tasking nor leading is
#      refused: test_osara_rules).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
isa_hub_setup police housing probation
for n in police housing probation; do
	node_start "$n" || bail "start $n"
done
tap_ok "a three-agency hub is running"

c=$(lfh_at police referral new --summary "ASB at the flat" --location "1 A Street" --category noise \
	--risk high --to housing --json | json_field case) || bail "a referral"
wait_until 20 has_case housing "$c" || bail "housing holds the case"

# ---- 1. the change, agreed by the short id case show prints
p=$(lfh_at housing case propose-lead "$c" --lead housing --json | json_field event) ||
	bail "housing proposes itself"
has_proposal() { lfh_at police case show "$c" --json | grep -q "\"event\":\"$p\""; }
wait_until 20 has_proposal || bail "police holds the proposal"
short=$(lfh_at police case show "$c" | grep -o "ev ${p:0:8}" | head -n1)
check_eq "lfh case show prints the proposal by its first 8 digits" "ev ${p:0:8}" "$short"
out=$(lfh_at police case agree-lead "$c" --proposal "${p:0:8}" 2>&1)
check_eq "agree-lead takes those 8 digits (exit 0)" 0 "$?"
lead_is() { lfh_at "$1" case state "$c" --json | grep -q '"lead":"housing"'; }
for n in police housing; do
	if wait_until 20 lead_is "$n"; then
		tap_ok "$n: housing leads the case"
	else
		tap_fail "$n: housing leads the case" "$(lfh_at "$n" case state "$c" 2>&1)"
	fi
done

chrono=$(lfh_at police case chronology "$c")
check "the court chronology says what the lead entries are: the proposal" grep -q \
	"proposes housing as the lead agency" <<<"$chrono"
check "... and the agreement, naming the proposal" grep -q "agrees to the lead proposal ${p:0:8}" \
	<<<"$chrono"

# ---- 2. an invitation after the change: refused, saying why, nothing written
before=$(node_events housing)
out=$(lfh_at housing case invite "$c" probation 2>&1)
check_eq "housing's invitation of probation after the change is refused (exit 1)" 1 "$?"
check "... saying probation could not verify the change, and what to do" grep -q \
	"housing leads since a lead change, which probation cannot verify before taking part.*refer a new case to it" \
	<<<"$out"
check_eq "... and nothing is written" "$before" "$(node_events housing)"
check "police does not count probation in the case" bash -c \
	'! lfh_at police case state "$1" --json | grep -q "probation"' _ "$c"

# ---- 3. who records an action's outcome
holds_step() { lfh_at "$1" case show "$c" --json | grep -q "\"type\":\"$2\""; }
lfh_at police case risk "$c" --score 22 >/dev/null || bail "risk"
wait_until 20 holds_step housing risk || bail "housing holds the risk assessment"
lfh_at housing case scan "$c" --text "Repeat calls" >/dev/null || bail "scan"
lfh_at housing case meeting "$c" --date "$(date -u +%F)" --attendees police,housing --victim V \
	--offender O --location L --responses R >/dev/null || bail "meeting"
wait_until 20 holds_step police meeting || bail "police holds the case meeting"
a=$(lfh_at police case action "$c" --agency housing --power tenancy-warning --text "Warn" \
	--due 2099-01-01 --json | json_field action) || bail "police tasks housing"
has_action() { lfh_at housing case state "$c" --json | grep -q "\"action\":\"$a\""; }
wait_until 20 has_action || bail "housing holds the action"
check "housing, tasked with it, records its outcome" lfh_at housing case update "$c" --action "$a" \
	--status done --text "Served"

for n in police housing probation; do
	node_stop "$n"
done
tap_done
