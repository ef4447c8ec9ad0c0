#!/usr/bin/env bash
# test_keys_late_grant.sh - a sharing key sealed to an older generation of
# the recipient than its previous one still opens (PROTOCOL.md 6.4, 15.5),
# with two nodes, police and council:
#
#   council is offline while police rotates its keys twice (generation 3);
#   police stops, council comes back and, knowing only police's generation
#   1, writes a note on police's case: its KEY event seals the key to
#   police's generation 1. Police starts again: it opens the grant with
#   generation 1 (its key_dir still holds it), reads the note, and nothing
#   was refused or is missing.
#
# Before the fix, police tried only its current and previous generations:
# the KEY was stored but its key lost for good ("sealed key does not open"),
# the note stayed unreadable, and lfh status said OK.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

if [ "${LFH_VALGRIND:-0}" = 1 ]; then WS=4; else WS=1; fi
T20=$((20 * WS))

AG=(police council)
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
c1=$(new_referral police council "Arson at the Harbour View flats") || bail "police files a referral"
wait_until "$T20" has_case council "$c1" || bail "council holds the case"
tap_ok "police's referral reaches council"

# ---- council offline through two rotations of police's keys
node_stop council
for g in 2 3; do
	out=$(lfh_at police admin keys rotate --grace 1s 2>&1) || bail "police rotates to generation $g" "$out"
done
check_eq "police signs with generation 3" 3 "$(status_field police key_generation)"
node_stop police

# ---- council, knowing police's generation 1 only, writes on the case
node_start council || bail "restart council"
if keygen_is council police 2 state current; then
	tap_fail "council does not know police's generation 2 yet"
else
	tap_ok "council does not know police's generation 2 yet"
fi
check "council writes a note on police's case" \
	lfh_at council case note "$c1" --text "Council note while police was away"

# ---- police back: the grant sealed to its generation 1 opens
node_start police || bail "restart police"
wait_until "$T20" keygen_is council police 3 state current || tap_fail "council learns police's generation 3"
police_reads_note() {
	lfh_at police case show "$c1" --json | grep -q 'Council note while police was away'
}
if wait_until "$T20" police_reads_note; then
	tap_ok "police reads council's note: the key sealed to its generation 1 opened"
else
	tap_fail "police reads council's note: the key sealed to its generation 1 opened" \
		"$(grep -iE 'does not open|opens with none|rejected' "$W/police/lfhd.log" | tail -n 5)"
fi
check_eq "police refused nothing of council's" 0 "$(peer_field police council rejected)"
check_eq "nothing of council's is missing at police" 0 "$(peer_field police council missing)"
if grep -qiE 'does not open|opens with none' "$W/police/lfhd.log"; then
	tap_fail "police's log has no grant it could not open" \
		"$(grep -iE 'does not open|opens with none' "$W/police/lfhd.log" | head -n 3)"
else
	tap_ok "police's log has no grant it could not open"
fi

for n in "${AG[@]}"; do node_stop "$n"; done
tap_done
