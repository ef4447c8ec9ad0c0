#!/usr/bin/env bash
# test_court.sh - a case record that holds up in court (issue #17), on a live
# four-agency hub (police, housing, health, probation), through the lfh CLI:
#
#   1. when it happened: incidents entered out of order (--on) read in "on"
#      order at every node that holds them, with both dates; an entry dated
#      next week is refused;
#   2. outcomes: four support offers refused, counted in the performance
#      report and shown as refused; an action paused until a later date is
#      not due; one paused until a date now past is overdue;
#   3. tasking follows participation: tasking health (not in the case) is
#      refused with "invite health first"; --invite does both; a signposted
#      organisation is followed up by the lead; the same tasking forged by a
#      member (tests/tools/hostile task-outsider) is flagged at every node
#      that reads it and appears in no one's actions;
#   4. closure accounts for every action: the closure review lists what is
#      still open or paused, close is refused naming them, and accepted once
#      each is done, cancelled, refused or carried over;
#   5. teams: police has teams; entries record them; the performance report
#      splits by team; a team the node does not have is refused;
#   6. plain agreements: `lfh isa show` says a named category reaches its
#      agencies even in cases they take no part in (golden line).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
HOSTILE=$B/tools/hostile
[ -x "$HOSTILE" ] || bail "missing $HOSTILE (run make)"

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "criminal-intel"; kind = "criminal"; receive = "named"; agencies = [ "police", "probation" ]; retention_days = 20; }
);'
AG=(police housing health probation)
isa_hub_setup "${AG[@]}"
echo "teams = response, neighbourhood" >>"$W/police/lfhd.conf"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a four-agency hub is running; police has two teams"

# ---- 6. plain agreements (golden line)
want="  - criminal-intel (criminal offence data): only police (police agency) and probation (probation agency) receive it, even in cases they take no part in; kept 20 days after the case closes."
got=$(lfh_at police isa show | grep -F -- "- criminal-intel")
check_eq "isa show: a named category reaches its agencies even outside their cases" "$want" "$got"

# ---- 1. when it happened (times shown in Europe/London: GMT in March)
export LFH_TZ=Europe/London
c=$(LFH_TEAM=neighbourhood new_referral police housing "Harassment of the tenant at flat 3") ||
	bail "referral"
wait_until 20 has_case housing "$c" || bail "the case reaches housing"
lfh_at police case note "$c" --text "Second incident: door kicked" --on 2026-03-05T22:15 \
	>/dev/null || tap_fail "a note dated 5 March, 22:15"
lfh_at police case note "$c" --text "First incident: threats shouted" --on 2026-03-03 \
	>/dev/null || tap_fail "a note dated 3 March, written after it"
next_week=$(date -u -d '+7 days' +%F)
out=$(lfh_at police case note "$c" --text "dated ahead" --on "$next_week" 2>&1) &&
	tap_fail "a note dated next week is refused" "$out"
check "a note dated next week is refused (\"is in the future\")" \
	grep -q "is in the future" <<<"$out"
out=$(lfh_at police case note "$c" --text "x" --on "last tuesday" 2>&1) &&
	tap_fail "--on 'last tuesday' is refused" "$out"
check "--on 'last tuesday' is refused naming the forms" grep -q "expected a date YYYY-MM-DD" <<<"$out"
in_on_order() { # in_on_order NODE: the first incident is listed before the second, with both dates
	local s
	s=$(lfh_at "$1" case show "$c") || return 1
	[[ $s == *"2026-03-03 "*"First incident"*"(recorded "*"Second incident"* ]] &&
		[[ $s == *"2026-03-05 22:15 "* ]]
}
for n in police housing; do
	wait_until 20 in_on_order "$n" || tap_fail "$n: incidents in 'on' order, with when recorded" \
		"$(lfh_at "$n" case show "$c" 2>&1)"
done
tap_ok "incidents written out of order read in 'on' order at police and housing, both dates shown"

# ---- the case to the response stage
lfh_at police case risk "$c" --score 12 --answers "repeat=yes" >/dev/null || bail "risk"
lfh_at police case scan "$c" --text "6 calls in 2 months" >/dev/null || bail "scan"
lfh_at police case meeting "$c" --date 2026-03-10 --attendees police,housing \
	--victim "Tenant of flat 3" --offender "Neighbour at flat 4" --location "Flat 3" \
	--responses "Support offers; warning" >/dev/null || bail "meeting"
chrono=$(lfh_at police case chronology "$c")
check "the chronology gives the meeting's analysis and agreed responses" grep -q \
	"victim: Tenant of flat 3; offender: Neighbour at flat 4; location: Flat 3; responses agreed: Support offers; warning" \
	<<<"$chrono"
lfh_at police case chronology "$c" --html --out "$W/court.html" 2>/dev/null
check "... in the HTML too" grep -q "responses agreed: Support offers; warning" "$W/court.html"

# ---- 3. tasking follows participation
out=$(lfh_at police case action "$c" --agency health --power support-referral \
	--text "Mental-health assessment" --due 2099-01-01 2>&1) &&
	tap_fail "tasking health, not in the case, is refused" "$out"
check "tasking an agency not in the case is refused: invite it first" \
	grep -q "health does not take part in the case: invite health first" <<<"$out"
out=$(lfh_at police case action "$c" --agency health --invite --power support-referral \
	--text "Mental-health assessment" --due 2099-01-01 2>&1) ||
	tap_fail "--invite invites health and tasks it" "$out"
check "--invite invites health, then tasks it" grep -q "invited health" <<<"$out"
health_has_it() { lfh_at health actions --mine --json | grep -q "Mental-health assessment"; }
wait_until 20 health_has_it || tap_fail "health sees the action tasked to it"
out=$(lfh_at police case action "$c" --signpost "Victim Support Cumbria" --power signposting \
	--text "Refer the tenant" --due 2099-01-01 --json) || tap_fail "a signposted action" "$out"
a_sign=$(_json_scalar "$out" action)
sign_row=$(lfh_at police case state "$c" --json | json_flat | grep -F "=$a_sign" | head -n1)
idx=${sign_row%%]*}
check_eq "a signposted action is followed up by the lead" "police" \
	"$(lfh_at police case state "$c" --json | json_get "$idx].agency")"
check_eq "... and names the organisation" "Victim Support Cumbria" \
	"$(lfh_at police case state "$c" --json | json_get "$idx].signpost")"

# ---- 2. outcomes: four offers refused, by the tenant
declare -a OFFER
for i in 1 2 3 4; do
	out=$(LFH_TEAM=response lfh_at police case action "$c" --agency housing \
		--power support-referral --text "Support offer $i" --due 2026-04-0$i --json) ||
		bail "offer $i"
	OFFER[$i]=$(_json_scalar "$out" action)
done
for i in 1 2 3 4; do
	lfh_at housing case update "$c" --action "${OFFER[$i]}" --status refused --who "the tenant" \
		--on "2026-04-0$i" --text "Declined support at visit $i" >/dev/null 2>&1 ||
		{ wait_until 20 lfh_at housing case update "$c" --action "${OFFER[$i]}" --status refused \
			--who "the tenant" --on "2026-04-0$i" --text "Declined support at visit $i" ||
			tap_fail "housing records offer $i refused"; }
done
refused_at() {
	[ "$(lfh_at "$1" case state "$c" --json | json_all status | grep -c '^refused$')" = 4 ]
}
wait_until 20 refused_at police || tap_fail "police holds four refused offers"
state=$(lfh_at police case state "$c")
check "case state shows each as offered and refused, by whom" \
	grep -q "offered and refused by the tenant on 2026-04-01" <<<"$state"
show=$(lfh_at police case show "$c")
check_eq "case show lists the four refusals as such, each on the day it happened" 4 \
	"$(grep -c "^  2026-04-0[1-4] .*offered and refused by the tenant: Declined support" <<<"$show")"
report=$(lfh_at police report performance --json)
row() { printf '%s\n' "$report" | json_flat | awk -v s="$1" -v k="$2" '
	/\.section=/ { split($0, a, "="); sec[substr(a[1], 1, index(a[1], "]"))] = a[2] }
	/\.key=/ { split($0, a, "="); key[substr(a[1], 1, index(a[1], "]"))] = substr($0, index($0, "=") + 1) }
	/\.value=/ { p = substr($0, 1, index($0, "]")); if (sec[p] == s && key[p] == k) print substr($0, index($0, "=") + 1) }'; }
check_eq "performance report: four offers refused" "4" "$(row offers refused)"
check_eq "performance report: housing's support referrals, made 4 and refused 4" \
	"made 4, accepted 0, refused 4 (not engaged 0)" "$(row offers_by_agency_power "housing support-referral")"
check_eq "performance report: the response team tasked the four offers" \
	"made 4, accepted 0, refused 4 (not engaged 0)" "$(row team_offers "police/response")"
check "performance report: entries by team (police/neighbourhood wrote the referral)" \
	[ -n "$(row team_entries "police/neighbourhood")" ]
out=$(LFH_TEAM=traffic lfh_at police case note "$c" --text "x" 2>&1) &&
	tap_fail "a team police does not have is refused" "$out"
check "a team the node does not have is refused" grep -q "not one of this agency's teams" <<<"$out"

# paused: until a later date, not due; until a date now past, overdue
out=$(lfh_at police case action "$c" --agency police --power cpw --text "Warning letter" \
	--due 2026-04-20 --json) || bail "paused action"
a_later=$(_json_scalar "$out" action)
out=$(lfh_at police case action "$c" --agency police --power cpn --text "Notice" \
	--due 2026-04-21 --json) || bail "second paused action"
a_past=$(_json_scalar "$out" action)
lfh_at police case update "$c" --action "$a_later" --status paused --resume 2099-06-01 \
	--text "Enforcement paused for good behaviour" >/dev/null || tap_fail "pause until 2099"
lfh_at police case update "$c" --action "$a_past" --status paused --resume 2026-05-01 \
	--text "Paused for a month" >/dev/null || tap_fail "pause until 1 May 2026"
out=$(lfh_at police case update "$c" --action "$a_past" --status paused --text "x" 2>&1) &&
	tap_fail "a pause without a resume date is refused" "$out"
due=$(lfh_at police due --json)
check "an action paused until a later date is not due (not overdue though its due date passed)" \
	[ -z "$(grep -o "\"ref\":\"$a_later\"" <<<"$due")" ]
past_row=$(printf '%s\n' "$due" | json_flat | grep -F "=$a_past" | head -n1)
check_eq "an action paused until a date now past is overdue again" "overdue" \
	"$(printf '%s\n' "$due" | json_get "${past_row%%]*}].status")"

# ---- 3b. the same tasking, forged by a member: flagged wherever it is read
node_stop housing
forged=$("$HOSTILE" -c "$(conf_of housing)" task-outsider "$c" probation 2>&1) ||
	tap_fail "the hostile tool writes task-outsider" "$forged"
node_start housing || bail "restart housing"
forged_id=${forged%% *}
holds_forged() { lfh_at "$1" case show "$c" --json | grep -q "$forged_id"; }
for n in police health; do
	wait_until 20 holds_forged "$n" || tap_fail "$n receives housing's forged action"
done
for n in police housing health; do
	st=$(lfh_at "$n" case state "$c" --json)
	check "$n: the forged tasking of probation is no action of the case" \
		[ -z "$(grep -o '"action":"0badf00d"' <<<"$st")" ]
	check_eq "$n: it is flagged as out of the rules" "1" "$(printf '%s\n' "$st" | json_get '[0].ignored')"
done
check "probation, never in the case, holds no action of it" \
	[ -z "$(lfh_at probation actions --mine --json | grep -o 0badf00d)" ]

# ---- 4. closure accounts for every action
long=$(head -c 7000 /dev/zero | tr '\0' 'x')
lfh_at police case assess "$c" --plan-done partly --problem-stopped partly --text "Calmer $long END" \
	>/dev/null || bail "assess"
check "case show prints a long assessment whole (7,000 bytes)" grep -q "Calmer $long END" \
	<<<"$(lfh_at police case show "$c")"
check "... and so does the chronology" grep -q "Calmer $long END" \
	<<<"$(lfh_at police case chronology "$c")"
lfh_at police case propose-close "$c" --reason "Tenant rehoused" >/dev/null || bail "propose-close"
out=$(lfh_at police case review "$c" --kind closure --outcome close --text "Agreed") ||
	bail "closure review"
check "the closure review lists the actions still open or paused" \
	grep -q "still to account for before the case may close" <<<"$out"
check "... the paused one among them" grep -q "$a_later  paused" <<<"$out"
out=$(lfh_at police case close "$c" --reason "Rehoused" 2>&1) &&
	tap_fail "close is refused while actions are open or paused" "$out"
check "close is refused, naming what remains" grep -q "still open or paused: " <<<"$out"
open_ids=$(lfh_at police case state "$c" --json | json_flat | awk -F= '
	/\]\.action=/ { id = $2 } /\]\.status=/ { if ($2 == "open" || $2 == "paused") print id }')
k=0
for a in $open_ids; do
	case $((k % 3)) in
	0) st=done ;;
	1) st=cancelled ;;
	*) st=carried ;;
	esac
	k=$((k + 1))
	settle() { lfh_at police case update "$c" --action "$1" --status "$2" --text "accounted for" >/dev/null 2>&1; }
	# an action tasked to another agency: its own update may still be on its way
	wait_until 20 settle "$a" "$st" || tap_fail "police records $a as $st"
done
lfh_at police case close "$c" --reason "Rehoused" >/dev/null || tap_fail "close once every action is accounted for"
closed_at() { [ "$(lfh_at "$1" case state "$c" --json | json_get '[0].stage')" = closed ]; }
for n in police housing health; do
	wait_until 20 closed_at "$n" || tap_fail "$n: the case is closed"
done
tap_ok "the case closed once every action was accounted for, at every participant"
# when it closed: the lead's CLOSE, the same at every node, in the pack's zone
closed_of() { lfh_at "$1" case show "$c" --json | json_get '[0].closed_ms'; }
check "case show gives when the case closed (closed_ms)" test -n "$(closed_of police)"
check_eq "the closing time is the lead's, the same at police and health" "$(closed_of police)" \
	"$(closed_of health)"
want=$(LFH_TZ=Europe/London TZ=Europe/London date -d "@$(($(closed_of police) / 1000))" '+%Y-%m-%d %H:%M')
check "the chronology's Closed row is in local time" grep -q "<th>Closed</th><td>$want</td>" \
	<<<"$(lfh_at health case chronology "$c" --html)"

tap_done
