#!/usr/bin/env bash
# test_keys_expire.sh - a node whose own key generation has ended writes
# nothing (PROTOCOL.md 15.5), with two nodes, police and council:
#
#   1. police rotates to a generation valid for 4 seconds; once it has
#      expired, lfh status is CRITICAL naming it, and a caseworker's note is
#      refused (LFH_EKEYID) saying which generation expired when and that an
#      admin must run `lfh admin keys rotate`; nothing is stored;
#   2. after `lfh admin keys rotate` the same note is written and reaches
#      council; council refused nothing of police's all along.
#
# Before the fix, the note was acknowledged (exit 0) and every peer refused
# it for ever (EKEYID): the caseworker's record was lost unseen.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

if [ "${LFH_VALGRIND:-0}" = 1 ]; then WS=4; else WS=1; fi
T10=$((10 * WS)) T20=$((20 * WS))

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

# ================================================================ 1. expired: refused
out=$(lfh_at police admin keys rotate --valid-for "$((4 * WS))s" --grace 1s 2>&1) ||
	bail "police rotates to a short-lived generation" "$out"
# known at council in any state: on a slow machine it may have expired already
keygen_known() { keygen_field council police 2 state >/dev/null 2>&1; }
wait_until "$T20" keygen_known || bail "council learns police's generation 2"
tap_ok "police rotates to generation 2, valid for a few seconds; council learns it"

police_expired() { lfh_at police status 2>/dev/null | head -n 1 | grep -q 'CRITICAL.*generation 2 expired'; }
if wait_until "$T10" police_expired; then
	tap_ok "police's status is CRITICAL once generation 2 has expired"
else
	tap_fail "police's status is CRITICAL once generation 2 has expired" \
		"$(lfh_at police status 2>&1 | head -n 3)"
fi
st=$(status_field police key_warning)
if [[ $st == *"generation 2 expired at "*"writes nothing"*"lfh admin keys rotate"* ]]; then
	tap_ok "status --json key_warning says it writes nothing until lfh admin keys rotate"
else
	tap_fail "status --json key_warning says it writes nothing until lfh admin keys rotate" "$st"
fi

out=$(lfh_at police case note "$c1" --text "note after expiry" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [[ $out == *"key generation 2 expired at "* ]] &&
	[[ $out == *"lfh admin keys rotate"* ]]; then
	tap_ok "a note written under the expired generation is refused, saying what to do"
else
	tap_fail "a note written under the expired generation is refused, saying what to do" \
		"exit $rc: $out"
fi
if lfh_at police case show "$c1" --json | grep -q 'note after expiry'; then
	tap_fail "the refused note is not stored at police"
else
	tap_ok "the refused note is not stored at police"
fi

# ================================================================ 2. rotate: writes again
out=$(lfh_at police admin keys rotate --grace 1s 2>&1) || bail "police rotates again" "$out"
wait_until "$T20" keygen_is council police 3 state current ||
	bail "council learns police's generation 3"
tap_ok "an admin rotates: generation 3"
check "the note is written under generation 3" \
	lfh_at police case note "$c1" --text "note after rotation"
council_has_note() { lfh_at council case show "$c1" --json | grep -q 'note after rotation'; }
if wait_until "$T20" council_has_note; then
	tap_ok "council receives the note"
else
	tap_fail "council receives the note" "$(grep -i 'rejected' "$W/council/lfhd.log" | tail -n 3)"
fi
check_eq "council refused nothing of police's" 0 "$(rejected_total council)"
if lfh_at police status 2>/dev/null | head -n 1 | grep -q 'expired'; then
	tap_fail "police's status no longer says its key expired" "$(lfh_at police status 2>&1 | head -n 1)"
else
	tap_ok "police's status no longer says its key expired"
fi

for n in "${AG[@]}"; do node_stop "$n"; done
tap_done
