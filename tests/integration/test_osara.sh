#!/usr/bin/env bash
# test_osara.sh - OSARA case work across a five-agency ISA hub, driven only
# through the lfh CLI, replaying the hub's published case studies
# (/work/shared/seeds/case-studies.txt).
#
#   police, council (hub coordinator, Environmental Health), housing (Housing
#   Options), recovery (Recovery Steps), probation; ISA categories referral,
#   meeting-notes and actions all go to the case's participants.
#   1. case study 1 (substance misuser, CBO, housing): housing refers; risk,
#      objective, scanning, meeting, actions for five agencies (one of them an
#      outside organisation, Cumbria Gateway), updates written by each tasked
#      agency at its own node, assessment, closure proposal, closure review,
#      close. Every participant then holds the same events, computes a
#      byte-identical `case state --json` (stage closed, same lead, same
#      actions and statuses), and its timeline says who did each step;
#   2b. case study 3 (police referral, support refused, CBO, closure order)
#   2. case study 2 (Environmental Health referral, warrant, arrest,
#      possession, injunction) across council, police and housing;
#   3. invalid transitions are refused with a clear error and write nothing;
#   4. partition: police is down while housing and council write to case 2
#      concurrently; police comes back and writes too; all three converge to
#      the same events and a byte-identical state;
#   5. `lfh due` at the lead and `lfh actions --mine` at the tasked agency.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2119
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police council housing recovery probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "five nodes started from one genesis ISA (police, council, housing, recovery, probation)"

# Caseworkers (lfh --as).
PC="PC Dawson"           # police neighbourhood officer
DS="DS Khan"             # police drugs intelligence
HUB="Colin Coordinator"  # council: local focus hub coordinator
EH="Erin EHO"            # council: Environmental Health
HO="Hana Options"        # housing: Housing Options Team
HA="Harry Tenancy"       # housing: housing association tenancy officer
RS="Rita Recovery Steps" # recovery
PO="Paul Probation"      # probation

# ---------------------------------------------------------------- helpers

declare -A EXPECT=() # case -> "event|author|type|by" lines of the steps written
LAST_EVENT=""
LAST_ACTION=""

# _expect CASE EVENT AUTHOR TYPE BY: remember who wrote a step.
_expect() {
	EXPECT[$1]+="$2|$3|$4|$5"$'\n'
}

# step NODE WHO VERB CASE ARGS...: `lfh --as WHO case VERB CASE ARGS --json`
# at NODE, as one TAP line; sets LAST_EVENT (and LAST_ACTION for an action).
step() {
	local node=$1 who=$2 verb=$3 c=$4 out type
	shift 4
	LAST_EVENT=""
	LAST_ACTION=""
	if ! out=$(lfh_at "$node" --as "$who" case "$verb" "$c" "$@" --json 2>&1); then
		tap_fail "$node ($who): case $verb" "$out"
		return 1
	fi
	LAST_EVENT=$(_json_scalar "$out" event)
	LAST_ACTION=$(_json_scalar "$out" action)
	case $verb in
	scan) type=scanning ;;
	update) type=action-update ;;
	assess) type=assessment ;;
	propose-close) type=close-propose ;;
	*) type=$verb ;;
	esac
	if [[ ! $LAST_EVENT =~ ^[0-9a-f]{64}$ ]] || { [ "$verb" = action ] && [[ ! $LAST_ACTION =~ ^[0-9a-f]{8}$ ]]; }; then
		tap_fail "$node ($who): case $verb" "unexpected answer: $out"
		return 1
	fi
	_expect "$c" "$LAST_EVENT" "$node" "$type" "$who"
	tap_ok "$node ($who): case $verb"
}

# refer NODE WHO TO SUMMARY LOCATION RISK: file a referral; prints the case id.
refer() {
	local out
	out=$(lfh_at "$1" --as "$2" referral new --to "$3" --summary "$4" --location "$5" \
		--category asb --risk "$6" --json 2>&1) || {
		echo "$out" >&2
		return 1
	}
	REF_CASE=$(_json_scalar "$out" case)
	REF_EVENT=$(_json_scalar "$out" event)
}

# state_field NODE CASE FIELD: a field of the case's state at NODE.
state_field() {
	local s
	s=$(lfh_at "$1" case state "$2" --json 2>/dev/null) || return 1
	_json_scalar "$s" "$3"
}
stage_is() { [ "$(state_field "$1" "$2" stage)" = "$3" ]; }

# actions_from: "id|agency|power|status|tasked_by" per action of the
# `case state --json` on stdin, sorted.
actions_from() {
	json_flat | awk '
		{ eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
		  if (k !~ /^\[[0-9]+\]\./) next
		  i = substr(k, 2, index(k, "]") - 2) + 0; f = substr(k, index(k, "].") + 2)
		  if (i > 0) { a[i, f] = v; if (i > m) m = i } }
		END { for (i = 1; i <= m; i++)
			print a[i, "action"] "|" a[i, "agency"] "|" a[i, "power"] "|" a[i, "status"] "|" a[i, "tasked_by"] }' |
		sort
}
# actions_of NODE CASE: the same, at NODE.
actions_of() {
	lfh_at "$1" case state "$2" --json 2>/dev/null | actions_from
}
# fields_of JSON FIELD...: the FIELDs of the first object of JSON, space-separated.
fields_of() {
	local j=$1 f vals=()
	shift
	for f in "$@"; do vals+=("$(_json_scalar "$j" "$f")"); done
	echo "${vals[*]}"
}
# action_status NODE CASE ID
action_status() {
	actions_of "$1" "$2" | awk -F'|' -v id="$3" '$1 == id { print $4; f = 1 } END { exit !f }'
}
has_action() { action_status "$1" "$2" "$3" >/dev/null; }
action_is() { [ "$(action_status "$1" "$2" "$3")" = "$4" ]; }

# case_events NODE CASE: "event|author|type|by" of every event of CASE held
# at NODE (sharing-key events included), sorted.
case_events() {
	lfh_at "$1" case show "$2" --json 2>/dev/null | json_flat | awk '
		{ eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
		  if (k !~ /^\[[0-9]+\]\./) next
		  i = substr(k, 2, index(k, "]") - 2) + 0; f = substr(k, index(k, "].") + 2)
		  if (i > 0) { a[i, f] = v; if (i > m) m = i } }
		END { for (i = 1; i <= m; i++)
			print a[i, "event"] "|" a[i, "author"] "|" a[i, "type"] "|" a[i, "by"] }' |
		sort
}
# case_len NODE CASE: length of `case show --json` (summary + events).
case_len() {
	lfh_at "$1" case show "$2" --json 2>/dev/null | json_get '#'
}

# converged CASE NODE...: every NODE holds exactly the union of the events
# the NODEs hold, and `case state --json` is byte-identical at all of them.
converged() {
	local c=$1 n all ref s
	local -A ids=()
	shift
	for n in "$@"; do
		ids[$n]=$(case_events "$n" "$c" | cut -d'|' -f1)
	done
	all=$(for n in "$@"; do printf '%s\n' "${ids[$n]}"; done | sort -u)
	[ -n "$all" ] || return 1
	for n in "$@"; do
		[ "${ids[$n]}" = "$all" ] || return 1
	done
	ref=$(lfh_at "$1" case state "$c" --json 2>/dev/null) || return 1
	for n in "${@:2}"; do
		s=$(lfh_at "$n" case state "$c" --json 2>/dev/null) || return 1
		[ "$s" = "$ref" ] || return 1
	done
}

# check_converged NAME CASE NODE...: wait (bounded) for convergence, then one
# TAP line per check: same events (and case show length), identical state.
check_converged() {
	local name=$1 c=$2 n ref s
	local -A evs=() len=() sts=()
	shift 2
	wait_until 30 converged "$c" "$@" || true
	for n in "$@"; do
		evs[$n]=$(case_events "$n" "$c" | cut -d'|' -f1)
		len[$n]=$(case_len "$n" "$c")
		sts[$n]=$(lfh_at "$n" case state "$c" --json 2>&1)
	done
	for n in "${@:2}"; do
		if [ "${evs[$n]}" = "${evs[$1]}" ] && [ "${len[$n]}" = "${len[$1]}" ]; then
			tap_ok "$name: $n holds the same $((${len[$n]} - 1)) events of the case as $1"
		else
			tap_fail "$name: $n holds the same events of the case as $1" \
				"$1 (case show length ${len[$1]}):
${evs[$1]}
$n (case show length ${len[$n]}):
${evs[$n]}"
		fi
		if [ "${sts[$n]}" = "${sts[$1]}" ]; then
			tap_ok "$name: case state --json at $n is byte-identical to $1's"
		else
			tap_fail "$name: case state --json at $n is byte-identical to $1's" \
				"$1: ${sts[$1]}
$n: ${sts[$n]}"
		fi
	done
}

# ================================================================ 1. case study 1
P1=(housing police recovery probation council)
refer housing "$HO" police,recovery,probation,council \
	"ASB and drug activity at the resident's new one-bedroom flat; 11 offences this year; CBO in force" \
	"Flat 3, Lowther Street, Workington" high || bail "housing refers case study 1"
c1=$REF_CASE
[[ $c1 =~ ^[0-9a-f]{32}$ ]] || bail "case id of case study 1" "$c1"
_expect "$c1" "$REF_EVENT" housing referral "$HO"
tap_ok "housing ($HO) refers case study 1 to police, recovery, probation and council"

step housing "$HO" risk "$c1" --score 24 --level high \
	--answers 'offences_this_year=11;cbo_in_force=yes;children_in_care=yes;previous_tenancy_lost=yes'
step housing "$HO" objective "$c1" \
	--text "Stop the ASB at the new address and keep the resident housed"
wait_until 20 stage_is council "$c1" assessed || tap_fail "the risk assessment reaches council"
step council "$HUB" scan "$c1" \
	--text "11 offences in the year; CBO against shoplifting; previous 3-bed tenancy lost to ASB and drug activity"
step council "$HUB" meeting "$c1" --date 2024-05-14 \
	--attendees "housing,police,recovery,probation,Cumbria Gateway" \
	--victim "Neighbours at the new address; local businesses (shoplifting)" \
	--offender "The resident: substance misuse, risk-taking behaviour" \
	--location "One-bedroom flat, Lowther Street" \
	--responses "Regular meetings with the resident to make the boundaries clear; one shared account to prevent manipulation of single agencies; support around domestic abuse"
step council "$HUB" action "$c1" --agency police --power cbo \
	--text "Enforce the CBO conditions; record every call to the address" --due 2024-09-30
a1_police=$LAST_ACTION
step council "$HUB" action "$c1" --agency recovery --power support-referral \
	--text "Recovery Steps programme" --due 2024-10-31
a1_recovery=$LAST_ACTION
step council "$HUB" action "$c1" --agency probation --power other \
	--text "Supervise the order; share compliance with the hub" --due 2024-10-31
a1_probation=$LAST_ACTION
wait_until 20 stage_is housing "$c1" response || tap_fail "the meeting and first actions reach housing"
step housing "$HO" action "$c1" --agency housing --power tenancy-warning \
	--text "Explain the risk of losing the home and of not being eligible to be rehoused" --due 2024-06-30
a1_housing=$LAST_ACTION
step housing "$HO" action "$c1" --agency "Cumbria Gateway" --power signposting \
	--text "Relationships and resilience; domestic abuse support" --due 2024-10-31
a1_gateway=$LAST_ACTION

# Each tasked agency updates its own action at its own node.
wait_until 20 has_action police "$c1" "$a1_police" || tap_fail "police receives its action"
step police "$PC" update "$c1" --action "$a1_police" --status "done" \
	--text "No further calls to the police since the meetings began"
wait_until 20 has_action recovery "$c1" "$a1_recovery" || tap_fail "recovery receives its action"
step recovery "$RS" update "$c1" --action "$a1_recovery" --status open \
	--text "Engaging with the Recovery Steps programme"
step recovery "$RS" update "$c1" --action "$a1_recovery" --status "done" \
	--text "Recovery Steps programme completed"
wait_until 20 has_action probation "$c1" "$a1_probation" || tap_fail "probation receives its action"
wait_until 20 action_is probation "$c1" "$a1_recovery" "done" || tap_fail "probation sees Recovery Steps completed"
step probation "$PO" update "$c1" --action "$a1_probation" --status "done" \
	--text "Requirements satisfied by completing Recovery Steps"
step housing "$HO" update "$c1" --action "$a1_housing" --status "done" \
	--text "Enforcement action paused due to good behaviour"
wait_until 20 has_action council "$c1" "$a1_gateway" || tap_fail "council receives the Cumbria Gateway action"
step council "$HUB" update "$c1" --action "$a1_gateway" --status "done" \
	--text "Cumbria Gateway: relationships and resilience built; hopeful to restart access with the children"

all_done() {
	local a
	for a in "$a1_police" "$a1_recovery" "$a1_probation" "$a1_housing" "$a1_gateway"; do
		action_is "$1" "$c1" "$a" "done" || return 1
	done
}
wait_until 20 all_done housing || tap_fail "every update reaches housing (the lead)"
step housing "$HO" assess "$c1" --plan-done yes --problem-stopped yes \
	--text "No further calls to the police; enforcement paused; Recovery Steps completed; probation satisfied"
step housing "$HO" propose-close "$c1" --reason "Problem stopped and support in place"
wait_until 20 stage_is council "$c1" closure_proposed || tap_fail "the closure proposal reaches council"
step council "$HUB" review "$c1" --kind closure --outcome close --text "Closure agreed at the hub meeting"
closure_reviewed() { [ "$(state_field housing "$c1" reviews)" = 1 ]; }
wait_until 20 closure_reviewed || tap_fail "the closure review reaches housing"
step housing "$HO" close "$c1" --reason "No further calls; resident housed and supported"

check_converged "case study 1" "$c1" "${P1[@]}"
exp_actions=$(printf '%s\n' \
	"$a1_police|police|cbo|done|council" \
	"$a1_recovery|recovery|support-referral|done|council" \
	"$a1_probation|probation|other|done|council" \
	"$a1_housing|housing|tenancy-warning|done|housing" \
	"$a1_gateway|Cumbria Gateway|signposting|done|housing" | sort)
exp_steps=$(printf '%s' "${EXPECT[$c1]}" | sort)
for n in "${P1[@]}"; do
	st=$(lfh_at "$n" case state "$c1" --json 2>&1)
	check_eq "case study 1 at $n: stage closed, lead housing" "closed housing" "$(fields_of "$st" stage lead)"
	check_eq "case study 1 at $n: risk high (score 24), problem stopped yes, 1 closure review, nothing ignored" \
		"high 24 yes 1 0 0" "$(fields_of "$st" risk risk_score problem_stopped reviews ignored unreadable)"
	check_eq "case study 1 at $n: the same five actions, all done" "$exp_actions" \
		"$(printf '%s' "$st" | actions_from)"
	check_eq "case study 1 at $n: the timeline names the agency and caseworker of every step" \
		"$(printf '%s\n' "$exp_steps" | cut -d'|' -f1,2,4)" \
		"$(case_events "$n" "$c1" | awk -F'|' '$3 != "key"' | cut -d'|' -f1,2,4)"
	show=$(lfh_at "$n" case show "$c1" 2>&1)
	miss=""
	for who in "$HO" "$HUB" "$PC" "$RS" "$PO"; do
		[[ $show == *"by $who"* ]] || miss="$miss '$who'"
	done
	check_eq "case study 1 at $n: human case show lists every caseworker" "" "$miss"
done
# `case show` names each OSARA step's type (risk, meeting, action, ...).
check_eq "case show --json gives each OSARA step its type name (not 'unknown')" \
	"$exp_steps" "$(case_events housing "$c1" | awk -F'|' '$3 != "key"')"

# ================================================================ 2. case study 2
P2=(council police housing)
refer council "$EH" police,housing \
	"Housing association property: ASB, disorder and noise nuisance causing unrest in the community" \
	"12 Harbour View, Whitehaven" medium || bail "council (Environmental Health) refers case study 2"
c2=$REF_CASE
_expect "$c2" "$REF_EVENT" council referral "$EH"
tap_ok "council ($EH, Environmental Health) refers case study 2 to police and housing"
step council "$EH" risk "$c2" --score 15 --level medium --answers 'complaints=many;noise=yes;disorder=yes'
step council "$EH" scan "$c2" --text "Intelligence sharing: drug dealing at the address, connected to another property"
wait_until 20 stage_is police "$c2" scanning || tap_fail "the scanning reaches police"
step police "$DS" meeting "$c2" --date 2025-02-03 --attendees council,police,housing \
	--victim "Residents of Harbour View" --offender "Tenant and visitors dealing drugs" \
	--location "12 Harbour View and the linked property" \
	--responses "Drugs warrant and search; possession proceedings; injunction"
step police "$DS" action "$c2" --agency police --power warrant \
	--text "Obtain and execute a drugs warrant" --due 2025-02-28
a2_warrant=$LAST_ACTION
step police "$DS" action "$c2" --agency police --power arrest \
	--text "Arrest if drugs are found; charge possession with intent to supply" --due 2025-03-31
a2_arrest=$LAST_ACTION
wait_until 20 stage_is housing "$c2" response || tap_fail "police's actions reach housing"
step housing "$HA" action "$c2" --agency housing --power possession \
	--text "Seek mandatory possession on the grounds of the offence" --due 2025-09-30
a2_possession=$LAST_ACTION
step housing "$HA" action "$c2" --agency housing --power injunction \
	--text "Injunction to prevent problematic persons visiting the locality" --due 2099-12-31
a2_injunction=$LAST_ACTION
step police "$DS" update "$c2" --action "$a2_warrant" --status "done" \
	--text "Warrant executed: house searched, drugs found"
check_converged "case study 2" "$c2" "${P2[@]}"
exp2=$(printf '%s\n' \
	"$a2_warrant|police|warrant|done|police" \
	"$a2_arrest|police|arrest|open|police" \
	"$a2_possession|housing|possession|open|housing" \
	"$a2_injunction|housing|injunction|open|housing" | sort)
for n in "${P2[@]}"; do
	st=$(lfh_at "$n" case state "$c2" --json 2>&1)
	check_eq "case study 2 at $n: stage response, lead council" "response council" \
		"$(fields_of "$st" stage lead)"
	check_eq "case study 2 at $n: warrant done; arrest, possession, injunction open" "$exp2" \
		"$(printf '%s' "$st" | actions_from)"
done
check_eq "recovery and probation hold nothing of case study 2" "" \
	"$(case_events recovery "$c2")$(case_events probation "$c2")"

# ================================================================ 2b. case study 3
# Police refer a resident harassing neighbours (alcohol dependent, possible
# mental ill health, semi-supported tenancy): support is offered and refused,
# then a CBO, a closure notice and a closure order bring relief.
P3=(police recovery council housing)
refer police "$PC" recovery,council,housing \
	"Repeated crimes and ASB by a resident towards neighbours; neighbours afraid to leave home" \
	"Semi-supported flat 5, Queen Street, Maryport" high || bail "police refer case study 3"
c3b=$REF_CASE
_expect "$c3b" "$REF_EVENT" police referral "$PC"
tap_ok "police ($PC) refer case study 3 to recovery, council and housing"
step police "$PC" risk "$c3b" --score 26 --level high --answers 'harassment=yes;alcohol=yes;mental_health=suspected'
step police "$PC" objective "$c3b" --text "Neighbours able to leave their homes safely; the resident engaged with support or enforcement taken"
objective_at() { [ -n "$(state_field "$1" "$2" objective)" ]; }
wait_until 20 objective_at council "$c3b" || tap_fail "the risk assessment and objective reach council"
step council "$HUB" scan "$c3b" --text "Multiple crimes and ASB towards neighbours; safeguarding incidents to be recorded by all officers"
wait_until 20 stage_is police "$c3b" scanning || tap_fail "the scanning reaches police"
step police "$PC" meeting "$c3b" --date 2025-03-10 --attendees police,recovery,council,housing \
	--victim "Neighbours in Queen Street" --offender "The resident" \
	--location "Semi-supported flat 5, Queen Street" \
	--responses "Support offers (mental health, homelessness, Recovery Steps, social services); CBO; closure notice and order if behaviour continues"
step police "$PC" action "$c3b" --agency recovery --power support-referral \
	--text "Offer Recovery Steps alcohol support" --due 2025-03-31
a3_recovery=$LAST_ACTION
step police "$PC" action "$c3b" --agency "The Well" --power signposting \
	--text "Signpost to The Well for peer support" --due 2025-03-31
a3_well=$LAST_ACTION
step police "$PC" action "$c3b" --agency police --power cbo \
	--text "Apply for a criminal behaviour order at court" --due 2025-05-31
a3_cbo=$LAST_ACTION
step police "$PC" action "$c3b" --agency police --power closure-order \
	--text "Closure notice, then closure order application with the hub's evidence" --due 2025-07-31
a3_closure=$LAST_ACTION
wait_until 20 sh -c "'$LFH' -c '$W/recovery/lfhd.conf' case state $c3b | grep -q $a3_recovery" ||
	tap_fail "the actions reach recovery"
step recovery "$RS" update "$c3b" --action "$a3_recovery" --status cancelled \
	--text "Offered three times; the resident refused to engage"
step police "$PC" update "$c3b" --action "$a3_well" --status cancelled --text "Refused"
step police "$PC" update "$c3b" --action "$a3_cbo" --status done --text "CBO granted after harassment convictions"
step police "$PC" update "$c3b" --action "$a3_closure" --status done --text "Closure order granted"
wait_until 20 sh -c "'$LFH' -c '$W/police/lfhd.conf' case state $c3b --json | grep -q 'cancelled'" || true
wait_until 20 sh -c "[ \$('$LFH' -c '$W/police/lfhd.conf' case state $c3b --json | grep -o '\"status\":\"open\"' | wc -l) = 0 ]" || true
step police "$PC" assess "$c3b" --plan-done partly --problem-stopped yes \
	--text "Community given immediate relief; support refused, enforcement succeeded"
step police "$PC" propose-close "$c3b" --reason "Closure order in force; no further incidents"
wait_until 20 stage_is council "$c3b" closure_proposed || tap_fail "the closure proposal reaches council"
step council "$HUB" review "$c3b" --kind closure --outcome close --text "Agreed at the hub"
wait_until 20 sh -c "'$LFH' -c '$W/police/lfhd.conf' case show $c3b | grep -q 'Agreed at the hub'" || true
out=$(lfh_at police --as "$PC" case close "$c3b" --reason "Problem solved" 2>&1) &&
	tap_ok "police close case study 3" || tap_fail "police close case study 3" "$out"
check_converged "case study 3" "$c3b" "${P3[@]}"
exp3=$(printf '%s\n' \
	"$a3_recovery|recovery|support-referral|cancelled|police" \
	"$a3_well|The Well|signposting|cancelled|police" \
	"$a3_cbo|police|cbo|done|police" \
	"$a3_closure|police|closure-order|done|police" | sort)
for n in "${P3[@]}"; do
	st=$(lfh_at "$n" case state "$c3b" --json 2>&1)
	check_eq "case study 3 at $n: stage closed, lead police" "closed police" "$(fields_of "$st" stage lead)"
	check_eq "case study 3 at $n: participants" "council,housing,police,recovery" \
		"$(_json_scalar "$st" participants | tr ',' '\n' | sort | paste -sd, -)"
	check_eq "case study 3 at $n: support refused, CBO and closure order done" "$exp3" \
		"$(printf '%s' "$st" | actions_from)"
done

# ================================================================ 3. invalid transitions
refer police "$PC" housing,council \
	"Repeated harassment of neighbours by a resident of semi-supported accommodation" \
	"Block B, Solway Court" high || bail "police refers case study 3"
c3=$REF_CASE
tap_ok "police ($PC) refers case study 3 to housing and council"
RCASE=$c3

# refused NAME NODE MESSAGE VERB ARGS...: `lfh case VERB $RCASE ARGS` at NODE fails
# (non-zero exit), says MESSAGE on stderr, and changes nothing at NODE.
refused() {
	local name=$1 node=$2 msg=$3 verb=$4 ev0 ev1 st0 st1 rc err
	shift 4
	ev0=$(node_events "$node")
	st0=$(lfh_at "$node" case state "$RCASE" --json 2>&1)
	lfh_at "$node" --as "$PC" case "$verb" "$RCASE" "$@" >"$W/refused.out" 2>"$W/refused.err"
	rc=$?
	err=$(<"$W/refused.err")
	ev1=$(node_events "$node")
	st1=$(lfh_at "$node" case state "$RCASE" --json 2>&1)
	if [ "$rc" -ne 0 ] && [[ $err == *"$msg"* ]] && [ "$ev0" = "$ev1" ] && [ "$st0" = "$st1" ]; then
		tap_ok "refused: $name"
	else
		tap_fail "refused: $name" "exit $rc; stderr: $err
stdout: $(<"$W/refused.out")
events $ev0 -> $ev1; state changed: $([ "$st0" = "$st1" ] && echo no || echo yes)"
	fi
}

refused "scanning before the risk assessment" police \
	"the referral must be risk-assessed before scanning" scan --text "too early"
refused "a risk level that differs from the score without an override" police \
	"an override reason is required" risk --score 5 --level high --answers 'harassment=yes'
refused "risk answers that are not question=answer pairs" police \
	"answers must be question=answer pairs" risk --score 22 --level high --answers 'lots'
check "without a questionnaire, a score alone is taken (no answers made up to pass)" \
	lfh_at police --as "$PC" case risk "$c3" --score 5
check "... its record says there was no questionnaire" grep -q '"answers":"questionnaire=none"' \
	<<<"$(lfh_at police case show "$c3" --json)"
check "police: risk 5 overridden to high with a reason" lfh_at police --as "$PC" case risk "$c3" \
	--score 5 --level high --answers 'harassment=yes;mental_health=concern' \
	--override "Neighbours afraid to leave their homes"
refused "a case meeting before the initial scanning" police \
	"cannot hold a case meeting before the initial scanning" meeting --date 2025-03-01 \
	--attendees police,housing --victim Neighbours --offender Resident --location "Block B" --responses "CBO"
check "police: scan" lfh_at police --as "$PC" case scan "$c3" --text "Multiple crimes and ASB towards neighbours"
refused "an action before a case meeting" police \
	"cannot task an action before a case meeting" action --agency police --power cbo \
	--text "Apply for a CBO" --due 2025-06-30
refused "a meeting on a date that does not exist" police \
	"date must be a valid date YYYY-MM-DD" meeting --date 2025-02-30 \
	--attendees police,housing --victim Neighbours --offender Resident --location "Block B" --responses "CBO"
check "police: meeting" lfh_at police --as "$PC" case meeting "$c3" --date 2025-03-01 \
	--attendees police,housing,council --victim Neighbours --offender Resident --location "Block B" \
	--responses "Brief all neighbourhood officers; CBO; closure notice"
refused "an assessment before any action" police \
	"cannot assess the response before any action has been tasked" assess --plan-done no \
	--problem-stopped no --text "nothing yet"
refused "a power not in the controlled list" police \
	"power 'curfew' is not in the controlled list" action --agency police --power curfew \
	--text "Curfew" --due 2025-06-30
refused "an action due on a bad date" police \
	"due must be a valid date YYYY-MM-DD" action --agency police --power cbo \
	--text "Apply for a CBO" --due 2025-13-01
out=$(lfh_at police --as "$PC" case action "$c3" --agency police --power cbo \
	--text "Apply for a criminal behaviour order" --due 2099-06-30 --json 2>&1) ||
	tap_fail "police: action" "$out"
a3_cbo=$(_json_scalar "$out" action)
refused "an update of an unknown action id" police \
	"no action deadbeef on this case" update --action deadbeef --status "done" --text "x"
refused "an update with an unknown status" police \
	"status must be open, paused, done, cancelled, refused or carried" update --action "$a3_cbo" --status finished --text "x"
refused "closing a case whose closure was never proposed" police \
	"cannot close: closure has not been proposed" close --reason "too early"
refused "a closure review without a closure proposal" police \
	"a closure review needs a closure proposal" review --kind closure --outcome close --text "x"
refused "a closure proposal before the assessment" police \
	"cannot propose closure before the response has been assessed" propose-close --reason "x"
check "police: assess" lfh_at police --as "$PC" case assess "$c3" --plan-done partly \
	--problem-stopped partly --text "Resident refuses to engage"
check "police: propose closure" lfh_at police --as "$PC" case propose-close "$c3" --reason "CBO granted"
refused "closing without a closure review" police \
	"cannot close: no closure review with outcome close" close --reason "CBO granted"
wait_until 20 stage_is council "$c3" closure_proposed || tap_fail "the closure proposal reaches council"
check "council reviews the closure: continue (a closure notice is still needed)" \
	lfh_at council --as "$HUB" case review "$c3" --kind closure --outcome continue \
	--text "Closure notice of the property still to be applied for"
wait_until 20 stage_is police "$c3" assessment ||
	tap_fail "the 'continue' review reaches police and cancels the closure proposal"
refused "closing after a closure review with outcome continue" police \
	"cannot close: closure has not been proposed" close
RCASE=$c1
refused "an action update on a closed case" housing \
	"the case is closed: it takes no new work until the lead reopens it" update \
	--action "$a1_housing" --status open --text "reopen"
refused "a monthly review on a closed case" council \
	"the case is closed" review --kind monthly --outcome continue --text "x"
RCASE=$c3
out=$(lfh_at police case action "$c3" --agency police --power cbo --text x 2>&1)
rc=$?
if [ "$rc" -eq 2 ] && [[ $out == *"missing --due"* ]]; then
	tap_ok "a step missing a required flag is refused by the CLI (exit 2)"
else
	tap_fail "a step missing a required flag is refused by the CLI (exit 2)" "exit $rc: $out"
fi

# A caseworker name of 64 characters: lfhd accepts it on a referral (its "by"
# limit is 64) but the OSARA rules allow at most 63, so the referral would be
# ignored and the case stuck at stage none. Either outcome is fine but that one.
long_by=$(printf 'x%.0s' {1..64})
if out=$(lfh_at police --as "$long_by" referral new --to council --summary "Long caseworker name" \
	--location "Solway Court" --category asb --risk standard --json 2>&1); then
	c4=$(_json_scalar "$out" case)
	check_eq "a referral by a 64-character caseworker name that lfhd accepts starts the case (stage referred)" \
		"referred 0" "$(fields_of "$(lfh_at police case state "$c4" --json 2>&1)" stage ignored)"
else
	tap_ok "a referral by a 64-character caseworker name is refused: $out"
fi

# ================================================================ 4. partition
node_stop police
lfh_at housing --as "$HA" case update "$c2" --action "$a2_possession" --status "done" \
	--text "Mandatory possession granted on the grounds of the offence" >"$W/p1.out" 2>&1 &
p1=$!
lfh_at council --as "$HUB" case review "$c2" --kind monthly --outcome continue \
	--text "Possession granted; injunction still to be obtained" >"$W/p2.out" 2>&1 &
p2=$!
if wait "$p1"; then
	tap_ok "police down: housing updates the possession action"
else
	tap_fail "police down: housing updates the possession action" "$(<"$W/p1.out")"
fi
if wait "$p2"; then
	tap_ok "police down: council adds a monthly review at the same time"
else
	tap_fail "police down: council adds a monthly review at the same time" "$(<"$W/p2.out")"
fi
if wait_until 20 converged "$c2" council housing; then
	tap_ok "council and housing converge while police is down"
else
	tap_fail "council and housing converge while police is down"
fi
node_start police || bail "restart police"
step police "$DS" update "$c2" --action "$a2_arrest" --status "done" \
	--text "Arrested after drugs were found; imprisoned for possession with intent to supply"
check_converged "partition healed" "$c2" "${P2[@]}"
exp2=$(printf '%s\n' \
	"$a2_warrant|police|warrant|done|police" \
	"$a2_arrest|police|arrest|done|police" \
	"$a2_possession|housing|possession|done|housing" \
	"$a2_injunction|housing|injunction|open|housing" | sort)
for n in "${P2[@]}"; do
	st=$(lfh_at "$n" case state "$c2" --json 2>&1)
	check_eq "after the partition at $n: stage response, lead council, 1 monthly review, nothing ignored" \
		"response council 1 0" "$(fields_of "$st" stage lead reviews ignored)"
	check_eq "after the partition at $n: warrant, arrest, possession done; injunction open" "$exp2" \
		"$(printf '%s' "$st" | actions_from)"
done

# ================================================================ 5. due and my actions
# due_rows NODE ARGS...: "case|kind|ref|agency|status" per item of `lfh ARGS --json`.
due_rows() {
	local n=$1
	shift
	lfh_at "$n" "$@" --json 2>/dev/null | json_flat | awk '
		{ eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
		  if (k !~ /^\[[0-9]+\]\./) next
		  i = substr(k, 2, index(k, "]") - 2) + 0; f = substr(k, index(k, "].") + 2)
		  a[i, f] = v; if (i + 1 > m) m = i + 1 }
		END { for (i = 0; i < m; i++)
			print a[i, "case"] "|" a[i, "kind"] "|" a[i, "ref"] "|" a[i, "agency"] "|" a[i, "status"] }'
}
due=$(due_rows council due)
check_eq "due at council (lead of case 2) lists the open injunction, on target" \
	"$c2|action|$a2_injunction|housing|on-target" "$(printf '%s\n' "$due" | grep "^$c2|action|")"
check_eq "due at council: every item has a status" "" \
	"$(printf '%s\n' "$due" | awk -F'|' '$5 !~ /^(on-target|warning|overdue)$/')"
check_eq "due at council: nothing of the closed case study 1" "" "$(printf '%s\n' "$due" | grep "^$c1")"
check_eq "due at council: case 2's monthly review is listed for the lead" "$c2|review||council" \
	"$(printf '%s\n' "$due" | grep "^$c2|review|" | cut -d'|' -f1-4)"
check_eq "actions --mine at housing lists its injunction action" \
	"$c2|action|$a2_injunction|housing|on-target" "$(due_rows housing actions --mine)"
check_eq "actions --mine at police lists its open CBO action (and not its done ones)" \
	"$c3|action|$a3_cbo|police|on-target" "$(due_rows police actions --mine)"
check_eq "actions --mine at recovery: nothing open" "" "$(due_rows recovery actions --mine)"

# ================================================================ 6. search
found=$(lfh_at police case search "lowther street" --json | json_all case)
check_eq "case search finds case study 1 by its location (any case) at police" "$c1" "$found"
found=$(lfh_at recovery case search "Cumbria Gateway" --json | json_all case | grep -c "$c1")
check_eq "case search matches text the node can read (an action's agency)" 1 "$found"
check_eq "case search finds nothing of case study 2 at recovery (not held)" "" \
	"$(lfh_at recovery case search "noise nuisance" --json | json_all case)"
out=$(lfh_at police case search x 2>&1)
[ $? -ne 0 ] && [[ $out == *"at least 2 characters"* ]] &&
	tap_ok "a one-character search is refused with a clear error" ||
	tap_fail "a one-character search is refused with a clear error" "$out"

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
