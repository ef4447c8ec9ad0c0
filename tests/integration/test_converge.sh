#!/usr/bin/env bash
# test_converge.sh - seeded convergence: whatever the order events arrive in,
# every node that takes part in a case derives the same case state.
#
#   police, council, housing, health, probation under one ISA. For each seed
#   (SEEDS, default "1 2 3"; `make torture` runs many), a random schedule of
#   OPS (default 60) operations through lfh, each at a node that may do it:
#   referrals to random agencies, invitations and removals by the lead,
#   notes in every category by participants, OSARA objectives, and the lead
#   taking a case step by step to its closure (risk, scanning, meeting,
#   action, the action done, assessment, closure proposal, closure review,
#   close);
#   and between them nodes are stopped, killed with SIGKILL or restarted, so
#   events travel late, through relays and out of order. At the end every
#   node runs, and for every case every participant shows the same lead,
#   participants and stage (closed included), within a bounded time after
#   the last restart (printed); no node refused an event for breaking a rule (a
#   backfilled event reaching an agency that has left the case since is the
#   one refusal an honest hub sees). A seed that fails is named in the
#   failure, to be replayed with SEEDS=N.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "health"; kind = "special"; receive = "lead"; agencies = [ "health" ]; retention_days = 10; },
  { name = "housing"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

SEEDS=${SEEDS:-"1 2 3"}
OPS=${OPS:-60}
AG=(police council housing health probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "five nodes started"

# The model: what the test knows each case to be (the writers' view).
declare -A LEAD PARTS CLOSING ACTION # case -> lead, " a b c ", closure steps taken, its action
CASES=()

pick() { # pick WORD...: one of the words into PICK, by $RANDOM (no subshell: the seed holds)
	local a=("$@")
	PICK=${a[$((RANDOM % ${#a[@]}))]}
}
running() { node_running "$1"; }
run_at() { # run_at NODE ARGS...: lfh at NODE if it runs; 0 on success
	running "$1" || return 1
	lfh_at "$@" >/dev/null 2>&1
}

op_referral() {
	local by to c
	pick "${AG[@]}"
	by=$PICK
	running "$by" || return 0
	pick council housing health police
	to=$PICK
	[ "$to" = "$by" ] && return 0
	c=$(new_referral "$by" "$to" "Converge $seed $i") || return 0
	CASES+=("$c")
	LEAD[$c]=$by
	PARTS[$c]=" $by $to "
}
op_invite() {
	local c a
	[ ${#CASES[@]} -gt 0 ] || return 0
	pick "${CASES[@]}"
	c=$PICK
	pick "${AG[@]}"
	a=$PICK
	[[ ${PARTS[$c]} == *" $a "* ]] && return 0
	run_at "${LEAD[$c]}" case invite "$c" "$a" && PARTS[$c]="${PARTS[$c]}$a "
}
op_remove() {
	local c a
	[ ${#CASES[@]} -gt 0 ] || return 0
	pick "${CASES[@]}"
	c=$PICK
	pick "${AG[@]}"
	a=$PICK
	[ "$a" = "${LEAD[$c]}" ] && return 0
	[[ ${PARTS[$c]} == *" $a "* ]] || return 0
	run_at "${LEAD[$c]}" case remove "$c" "$a" --reason "seed $seed" &&
		PARTS[$c]=${PARTS[$c]/ $a / }
}
op_note() {
	local c a cat
	[ ${#CASES[@]} -gt 0 ] || return 0
	pick "${CASES[@]}"
	c=$PICK
	pick ${PARTS[$c]}
	a=$PICK
	pick referral housing health
	cat=$PICK
	run_at "$a" case note "$c" --category "$cat" --text "note $seed $i by $a" || true
}
op_step() {
	local c a
	[ ${#CASES[@]} -gt 0 ] || return 0
	pick "${CASES[@]}"
	c=$PICK
	pick ${PARTS[$c]}
	a=$PICK
	run_at "$a" case objective "$c" --text "objective $seed $i" || true
}
# The lead of the oldest case still open takes its next step towards
# closure (osara.h's order), so that some cases close in every seed.
op_close() {
	local c="" k ok x
	for x in "${CASES[@]}"; do
		[ "${CLOSING[$x]:-0}" -lt 9 ] && { c=$x; break; }
	done
	[ -n "$c" ] || return 0
	k=${CLOSING[$c]:-0}
	case $k in
	0) run_at "${LEAD[$c]}" case risk "$c" --score 5 --level standard --answers 'repeat=no' ;;
	1) run_at "${LEAD[$c]}" case scan "$c" --text "scanned $seed" ;;
	2) run_at "${LEAD[$c]}" case meeting "$c" --date 2026-01-05 --attendees "${LEAD[$c]}" \
		--victim Neighbours --offender Resident --location "Flat 3" --responses Warning ;;
	3) running "${LEAD[$c]}" && x=$(lfh_at "${LEAD[$c]}" case action "$c" --agency "${LEAD[$c]}" \
		--power other --text "Visit" --due 2026-02-01 --json 2>/dev/null) &&
		[[ $x =~ \"action\":\"([0-9a-f]{8})\" ]] && ACTION[$c]=${BASH_REMATCH[1]} ;;
	4) run_at "${LEAD[$c]}" case update "$c" --action "${ACTION[$c]}" --status done --text Done ;;
	5) run_at "${LEAD[$c]}" case assess "$c" --plan-done yes --problem-stopped yes --text Quiet ;;
	6) run_at "${LEAD[$c]}" case propose-close "$c" --reason Resolved ;;
	7) run_at "${LEAD[$c]}" case review "$c" --kind closure --outcome close --text Agreed ;;
	8) run_at "${LEAD[$c]}" case close "$c" --reason Resolved ;;
	*) return 0 ;;
	esac
	ok=$?
	[ "$ok" -eq 0 ] && CLOSING[$c]=$((k + 1))
	return 0
}
op_outage() {
	local n
	pick council housing health probation
	n=$PICK
	if running "$n"; then
		if [ $((RANDOM % 2)) -eq 0 ]; then node_kill "$n"; else node_stop "$n"; fi
	else
		node_start "$n" || true
	fi
}

# case_view NODE CASE: lead, participants and stage as NODE derives them.
case_view() {
	lfh_at "$1" case state "$2" --json 2>/dev/null | json_flat |
		grep -E '^\[0\]\.(lead|participants|stage)=' | sort
}
agree() { # agree CASE: every participant derives the same view
	local c=$1 a first="" v
	for a in ${PARTS[$c]}; do
		v=$(case_view "$a" "$c")
		[ -n "$v" ] || return 1
		if [ -z "$first" ]; then first=$v; elif [ "$v" != "$first" ]; then return 1; fi
	done
}
all_agree() {
	local c
	for c in "${CASES[@]}"; do
		agree "$c" || return 1
	done
}
describe() {
	local c a
	for c in "${CASES[@]}"; do
		agree "$c" && continue
		echo "case $c lead ${LEAD[$c]} participants${PARTS[$c]}"
		for a in ${PARTS[$c]}; do
			echo "  $a: $(case_view "$a" "$c" | tr '\n' ' ')"
		done
	done
}

for seed in $SEEDS; do
	RANDOM=$seed
	CASES=()
	CLOSING=()
	ACTION=()
	for ((i = 0; i < OPS; i++)); do
		case $((RANDOM % 12)) in
		0 | 1) op_referral ;;
		2) op_invite ;;
		3) op_remove ;;
		4 | 5 | 6) op_note ;;
		7) op_step ;;
		8 | 9) op_close ;;
		*) op_outage ;;
		esac
	done
	for n in "${AG[@]}"; do
		running "$n" || node_start "$n" || bail "restart $n (seed $seed)"
	done
	_now
	healed=$NOW
	if wait_until 60 all_agree; then
		_now
		closed=0
		for c in "${CASES[@]}"; do [ "${CLOSING[$c]:-0}" -ge 9 ] && closed=$((closed + 1)); done
		echo "# seed $seed: converged $(((NOW - healed) / 1000)) s after the last restart"
		tap_ok "seed $seed: ${#CASES[@]} cases ($closed closed), every participant derives the same case state"
	else
		tap_fail "seed $seed: every participant derives the same case state (replay: SEEDS=$seed)" \
			"$(describe)"
	fi
	# a refusal of what was backfilled to an agency that left the case since is expected
	for n in "${AG[@]}"; do
		bad=$(grep 'rejected event' "$W/$n/lfhd.log" | grep -vc 'is not addressed to us')
		check_eq "seed $seed: $n refused nothing an honest hub writes" 0 "$bad"
	done
done

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
