#!/usr/bin/env bash
# test_keys_recover.sh - a replaced store recovers after key rotations
# (PROTOCOL.md 13.1, 15.5), with two nodes, police and council:
#
#   police files a referral, rotates its keys twice (generation 3) and
#   writes a note under generation 3; then its disk is replaced: the store
#   is gone, the key directory kept. Started again, police takes its
#   generations 2 and 3 from its key directory (their certificates, checked
#   against its root key in the ISA), connects with generation 3's
#   transport key, which council admits, and recovers: it reads its own
#   referral (its key sealed to its own generation 1) and note again, knows
#   its generations with their CERT events stored, writes a new note that
#   reaches council with a fresh seq (no equivocation), and a second restart
#   publishes nothing more.
#
# Before the fix, police knew only generation 1 (from the ISA) with an
# empty store, connected with its generation-1 CURVE key, which council
# refuses after the rotation, and stayed in recovery for ever.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

if [ "${LFH_VALGRIND:-0}" = 1 ]; then WS=4; else WS=1; fi
T20=$((20 * WS)) T30=$((30 * WS))

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

# ---- two rotations, a note under generation 3
for g in 2 3; do
	out=$(lfh_at police admin keys rotate --grace 1s 2>&1) || bail "police rotates to generation $g" "$out"
done
wait_until "$T20" keygen_is council police 3 state current ||
	bail "council learns police's generation 3"
# once generation 3's grace (1s) has passed, council admits only its transport key
wait_until "$T20" keygen_is council police 3 transport yes ||
	bail "generation 3 is police's transport key at council"
tap_ok "police rotates twice; council takes generation 3 as police's transport key"
check "police writes a note under generation 3" \
	lfh_at police case note "$c1" --text "Fire service visit booked"
council_reads() { lfh_at council case show "$c1" --json | grep -q "$1"; }
wait_until "$T20" council_reads 'Fire service visit booked' || bail "council receives the note"
SEQ_BEFORE=$(status_field police authored)

# ---- police's disk is replaced: empty store, key directory kept
node_stop police
rm -rf "$W/police/data"
node_start police || bail "police starts on an empty store"
if grep -q 'our generation 3 taken from key_dir' "$W/police/lfhd.log"; then
	tap_ok "police takes its generations from its key directory"
else
	tap_fail "police takes its generations from its key directory" \
		"$(grep -i 'keys:' "$W/police/lfhd.log" | tail -n 5)"
fi
recovered() { [ "$(status_field police recovering)" = 0 ]; }
if wait_until "$T30" recovered; then
	tap_ok "police recovers from council"
else
	tap_fail "police recovers from council" "$(lfh_at police status 2>&1 | head -n 5)
$(grep -iE 'refus|unreachable|ZAP|denied' "$W/council/lfhd.log" | tail -n 5)"
fi

police_reads() { lfh_at police case show "$c1" --json | grep -q "$1"; }
if wait_until "$T20" police_reads '"summary":"Arson at the Harbour View flats"'; then
	tap_ok "police reads its own referral again (its key sealed to its generation 1)"
else
	tap_fail "police reads its own referral again (its key sealed to its generation 1)" \
		"$(grep -iE 'opens with none|rejected' "$W/police/lfhd.log" | head -n 5)"
fi
check "police reads its own note written under generation 3" police_reads 'Fire service visit booked'
check_eq "police signs with generation 3" 3 "$(status_field police key_generation)"
check "police knows its generation 3 as current" keygen_is police police 3 state current

# ---- writing on: a fresh seq, council takes it
check "police writes a note after recovery" \
	lfh_at police case note "$c1" --text "Written after the disk was replaced"
if wait_until "$T20" council_reads 'Written after the disk was replaced'; then
	tap_ok "council receives it"
else
	tap_fail "council receives it" "$(grep -i 'rejected' "$W/council/lfhd.log" | tail -n 3)"
fi
SEQ_AFTER=$(status_field police authored)
if [ -n "$SEQ_BEFORE" ] && [ -n "$SEQ_AFTER" ] && [ "$SEQ_AFTER" -gt "$SEQ_BEFORE" ]; then
	tap_ok "police's seq goes on above what it wrote before ($SEQ_BEFORE -> $SEQ_AFTER)"
else
	tap_fail "police's seq goes on above what it wrote before" "before '$SEQ_BEFORE', after '$SEQ_AFTER'"
fi
check_eq "council holds no equivocation evidence" 0 "$(status_field council evidence)"
check_eq "council refused nothing of police's" 0 "$(rejected_total council)"

# ---- a second start on the recovered store publishes nothing more
EVENTS=$(node_events police)
node_stop police
node_start police || bail "police starts again"
if grep -q 'publishing the certificate' "$W/police/lfhd.log"; then
	tap_fail "police publishes no certificate again" "$(grep 'publishing' "$W/police/lfhd.log")"
else
	tap_ok "police publishes no certificate again"
fi
check_eq "police holds the same events after a restart" "$EVENTS" "$(node_events police)"

for n in "${AG[@]}"; do node_stop "$n"; done
tap_done
