#!/usr/bin/env bash
# test_replication.sh - selective replication between three agencies, and an
# unknown agency ("rogue") refused at the transport.
#
#   police  -> housing           : housing gets it, council gets nothing at all
#   housing -> police,council    : both get it
#   police  -> council           : proves council pulled from police after the
#                                  first referral, and still lacks it
#   rogue (own keys, lists police as peer; police does not list rogue):
#     gets nothing; a raw PULL with rogue's keys gets no reply, with
#     council's keys gets one.
#   a burst of 150 notes: housing never asks police for news faster than
#     police serves a peer (no request dropped).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

hub_setup police council housing
agency_init rogue || bail "rogue keys"
write_conf rogue police

for n in police council housing rogue; do
	node_start "$n" || bail "start $n"
done
tap_ok "four nodes started"
check_eq "control socket is private by default (0600)" 600 "$(stat -c %a "$W/police/control.sock")"

is_case_id() { [[ $1 =~ ^[0-9a-f]{32}$ ]]; }

# ---- 1. police refers to housing only
S1="Case one: drug dealing at the Ewanrigg garages"
c1=$(new_referral police housing "$S1")
is_case_id "$c1" || bail "police files a referral to housing" "got '$c1'"
tap_ok "police files a referral to housing"
check "police shows its own case" has_case police "$c1"

if wait_until 15 has_case housing "$c1"; then
	tap_ok "housing receives police's referral"
else
	tap_fail "housing receives police's referral"
fi
show=$(lfh_at housing case show "$c1" --json)
check_eq "summary decrypted at housing" "$S1" "$(printf '%s' "$show" | json_get '[0].summary')"
check_eq "lead agency is police" police "$(printf '%s' "$show" | json_get '[0].lead')"
check_eq "case id in case show" "$c1" "$(printf '%s' "$show" | json_get '[0].case')"

E1=$(node_events police)
if wait_until 10 events_are housing "$E1"; then
	tap_ok "housing holds the same events as police ($E1)"
else
	tap_fail "housing holds the same events as police" "police $E1, housing $(node_events housing)"
fi

check_eq "council holds no events, not even the key event" 0 "$(node_events council)"
out=$(lfh_at council case show "$c1" 2>&1)
rc=$?
check_eq "council: case show fails with status 1" 1 "$rc"
if [[ $out == *"no such case"* ]]; then
	tap_ok "council: 'no such case' message"
else
	tap_fail "council: 'no such case' message" "$out"
fi

# ---- 2. housing refers to police and council
S2="Case two: noise nuisance, flat 4 Solway Court"
before=$(node_events housing)
c2=$(new_referral housing police,council "$S2")
is_case_id "$c2" || bail "housing files a referral to police,council" "got '$c2'"
tap_ok "housing files a referral to police,council"
E2=$(($(node_events housing) - before))
for n in police council; do
	if wait_until 15 has_case "$n" "$c2"; then
		tap_ok "$n receives housing's referral"
	else
		tap_fail "$n receives housing's referral"
	fi
done
check_eq "summary decrypted at council" "$S2" "$(lfh_at council case show "$c2" --json | json_get '[0].summary')"
check_eq "lead agency is housing" housing "$(lfh_at police case show "$c2" --json | json_get '[0].lead')"

# ---- 3. police refers to council: council has certainly pulled from police
# after case one was written (pulls are in the server's local order).
before=$(node_events police)
c3=$(new_referral police council "Case three: criminal damage, Netherton bus shelter")
is_case_id "$c3" || bail "police files a referral to council" "got '$c3'"
tap_ok "police files a referral to council"
E3=$(($(node_events police) - before))
if wait_until 15 has_case council "$c3"; then
	tap_ok "council receives police's referral"
else
	tap_fail "council receives police's referral"
fi
if has_case council "$c1"; then
	tap_fail "council still lacks case one"
else
	tap_ok "council still lacks case one"
fi

# ---- convergence: exactly the expected events and cases everywhere
want_police=$((E1 + E2 + E3))
want_housing=$((E1 + E2))
want_council=$((E2 + E3))
wait_until 15 events_are police "$want_police"
wait_until 15 events_are housing "$want_housing"
wait_until 15 events_are council "$want_council"
check_eq "police holds $want_police events" "$want_police" "$(node_events police)"
check_eq "housing holds $want_housing events" "$want_housing" "$(node_events housing)"
check_eq "council holds $want_council events" "$want_council" "$(node_events council)"

check_eq "police's cases" "$(printf '%s\n' "$c1" "$c2" "$c3" | sort)" "$(case_ids police)"
check_eq "housing's cases" "$(printf '%s\n' "$c1" "$c2" | sort)" "$(case_ids housing)"
check_eq "council's cases" "$(printf '%s\n' "$c2" "$c3" | sort)" "$(case_ids council)"
for n in police council housing; do
	check_eq "$n: no equivocation evidence" 0 "$(status_field "$n" evidence)"
done

# ---- the rogue agency
check_eq "rogue holds no events" 0 "$(node_events rogue)"
check_eq "rogue holds no cases" 0 "$(case_count rogue)"
check_eq "rogue is not connected to police" 0 "$(peer_field rogue police connected)"

rogue_out=$("$RAWPEER" --keys "$W/rogue/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 3000 pull 2>&1)
rc=$?
if [ "$rc" -eq 3 ] && [[ $rogue_out == *"no reply"* ]]; then
	tap_ok "raw PULL with rogue's keys gets no reply"
else
	tap_fail "raw PULL with rogue's keys gets no reply" "exit $rc: $rogue_out"
fi

if grep -Eqi 'refus|unknown|denied|reject' "$W/police/lfhd.log"; then
	tap_ok "police logs the refused rogue key"
else
	tap_fail "police logs the refused rogue key"
fi

council_out=$("$RAWPEER" --keys "$W/council/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 5000 pull 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [[ $council_out == *"reply type=2 "* ]]; then
	tap_ok "raw PULL with council's keys gets a BATCH"
else
	tap_fail "raw PULL with council's keys gets a BATCH" "exit $rc: $council_out"
fi
# police holds for council: case three (its own) and case two (relayed), not case one
check_eq "the BATCH holds exactly council's events at police" "events=$want_council" \
	"$(printf '%s\n' "$council_out" | grep -o 'events=[0-9]*' | head -n 1)"

# ---- 5. a burst of writes: peers ask for news at a pace the writer serves
# Each note NOTIFYs housing, which pulls; however fast police writes, housing
# must never ask more often than police serves a peer (64 requests a second),
# or police drops its PULLs and housing waits out a 5 s timeout for news.
: >"$W/burst.acks"
for i in $(seq 1 150); do
	"$LFH" -c "$W/police/lfhd.conf" case note "$c1" --text "burst $i" >/dev/null &&
		echo "$i" >>"$W/burst.acks"
done
check_eq "police acknowledges 150 notes written back to back" 150 "$(wc -l <"$W/burst.acks")"
has_last_note() { lfh_at housing case show "$c1" 2>/dev/null | grep -q "burst 150"; }
wait_until 30 has_last_note || tap_fail "housing receives the burst's last note"
check_eq "police never dropped housing's requests during the burst" "" \
	"$(grep 'requests from housing in one second' "$W/police/lfhd.log")"

for n in police council housing rogue; do
	node_stop "$n"
done
tap_done
