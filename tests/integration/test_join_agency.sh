#!/usr/bin/env bash
# test_join_agency.sh - the hub's lifecycle live (issue #12; PROTOCOL.md 14.8):
# a new agency joins, takes part, signs; then a party is removed.
#
#   police, housing, council and health run a hub; police refers a case to
#   housing. Version 2 adds probation: proposed by police, signed by all
#   four, in force at each with one hash. Probation's node starts from the genesis
#   agreement alone (its config names hub.isa, which does not name it): it
#   waits, writing nothing, learns version 2 and its signatures from the
#   parties, adopts it (the same hash), and is invited to the case: it
#   reads the referral. Version 3 removes council: probation signs it too
#   (every party of version 2 must), and police, housing, health and
#   probation show one hash for version 3; council stops with status 4.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

AG=(police housing council health)
isa_hub_setup "${AG[@]}"
# probation: keys, a port and a config naming the genesis agreement, which lacks it
agency_init probation || bail "keys for probation"
{
	echo "[node]"
	echo "agency = probation"
	echo "isa = $W/hub.isa"
	echo "data_dir = $W/probation/data"
	echo "key_dir = $W/probation/keys"
	echo "listen = tcp://127.0.0.1:${NODE_PORT[probation]}"
	echo "control = ipc://$W/probation/control.sock"
	echo "log_level = debug"
	echo "map_size_mb = 256"
} >"$W/probation/lfhd.conf"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "police, housing, council and health run the hub"
c=$(new_referral police housing "Burglary series, Ewanrigg") || bail "referral"
wait_until 20 has_case housing "$c" || bail "the case reaches housing"

hash_at() { lfh_at "$1" isa show --json 2>/dev/null | json_get '[0].hash'; }
version_at() { lfh_at "$1" isa show --json 2>/dev/null | json_get '[0].version'; }
at_version() { [ "$(version_at "$1")" = "$2" ]; }
sign_all() { # sign_all FILE NODE...: every node signs (after the proposal reaches it)
	local f=$1 n out
	shift
	for n in "$@"; do
		out=$(lfh_at "$n" isa sign "$f" 2>&1) ||
			{ wait_until 20 lfh_at "$n" isa sign "$f" >/dev/null 2>&1 ||
				tap_fail "$n signs $(basename "$f")" "$out"; }
	done
}
same_hash() { # same_hash VERSION NODE...: every node has VERSION in force, one hash
	local v=$1 first="" n h
	shift
	for n in "$@"; do
		at_version "$n" "$v" || return 1
		h=$(hash_at "$n")
		[ -n "$first" ] || first=$h
		[ "$h" = "$first" ] || return 1
	done
}

# ---- version 2 adds probation
write_isa "$W/v2.isa" 2 "$(hash_at police)" police housing council health probation
out=$(lfh_at police isa propose "$W/v2.isa" 2>&1) || bail "police proposes version 2" "$out"
sign_all "$W/v2.isa" police housing council health
if wait_until 30 same_hash 2 police housing council health; then
	tap_ok "version 2 (adds probation) is in force at the four nodes, one hash"
else
	tap_fail "version 2 is in force at the four nodes, one hash" \
		"$(for n in "${AG[@]}"; do echo "$n: $(version_at "$n") $(hash_at "$n")"; done)"
fi

# ---- probation starts from the genesis agreement and joins
out=$("$LFHD" -c "$W/probation/lfhd.conf" --check 2>&1) &&
	check "lfhd --check passes for probation and says it will wait" \
		grep -q "will wait for the version that adds it" <<<"$out" ||
	tap_fail "lfhd --check passes for probation" "$out"
node_start probation || bail "probation starts from the genesis agreement"
check "probation's node says it waits for the version that adds it" \
	grep -q "waiting to learn from the parties the version that adds it" "$W/probation/lfhd.log"
if wait_until 30 same_hash 2 police probation; then
	tap_ok "probation learns version 2 from the parties and adopts it: the same hash"
else
	tap_fail "probation adopts version 2 with the same hash" \
		"probation: $(version_at probation) $(hash_at probation); police: $(hash_at police)
$(grep -i "isa\|adopt\|refus\|reject" "$W/probation/lfhd.log" | tail -8)"
fi
check "probation's log says it is a party now" grep -q "makes this agency (probation) a party" \
	"$W/probation/lfhd.log"
out=$(lfh_at police case invite "$c" probation 2>&1) || tap_fail "police invites probation" "$out"
if wait_until 20 has_case probation "$c"; then
	tap_ok "probation, invited to the case, reads it"
else
	tap_fail "probation, invited to the case, reads it"
fi
out=$(lfh_at probation case note "$c" --text "Known to probation: on licence" 2>&1) &&
	tap_ok "probation writes in the case" || tap_fail "probation writes in the case" "$out"
note_at_police() { lfh_at police case show "$c" | grep -q "on licence"; }
wait_until 20 note_at_police && tap_ok "probation's note reaches police" ||
	tap_fail "probation's note reaches police"

# ---- version 3 removes council; probation signs it too
write_isa "$W/v3.isa" 3 "$(hash_at police)" police housing health probation
out=$(lfh_at police isa propose "$W/v3.isa" 2>&1) || bail "police proposes version 3" "$out"
adopt=$(lfh_at police isa adopt 2>&1)
check "lfh isa adopt names who has not signed yet" grep -q "not yet signed by" <<<"$adopt"
sign_all "$W/v3.isa" police housing health probation council
if wait_until 30 same_hash 3 police housing health probation; then
	tap_ok "version 3 (without council, signed by probation too) is in force, one hash"
else
	tap_fail "version 3 is in force at police, housing and probation, one hash" \
		"$(for n in police housing health probation; do echo "$n: $(version_at "$n") $(hash_at "$n")"; done)"
fi
council_gone() { ! pid_alive "${NODE_PID[council]}"; }
if wait_until 90 council_gone; then
	wait "${NODE_PID[council]}"
	rc=$?
	unset "NODE_PID[council]"
	check_eq "council, removed, stops with status 4" 4 "$rc"
else
	tap_fail "council, removed, stops" "$(tail -5 "$W/council/lfhd.log")"
	node_stop council
fi
for n in police housing health probation; do
	node_stop "$n"
done
tap_done
