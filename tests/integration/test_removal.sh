#!/usr/bin/env bash
# test_removal.sh - an agency removed from the hub by a new ISA version
# (issue #12, D1 and D5; PROTOCOL.md 14.8).
#
#   police, housing and health; every party must sign (next_signers all).
#   Police proposes version 2 without health; police and housing sign. Then
#   police and housing are paused (SIGSTOP) while health signs last: health
#   adopts version 2 at once and is removed by it, but its own signature
#   must still reach the others. Police and housing resume: both adopt
#   version 2, with the same hash. Health serves them what they lacked,
#   says why it stops, and exits with status 4 (lfhd --help). The remaining
#   hub goes on replicating.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "health"; kind = "special"; receive = "lead"; agencies = [ "health" ]; retention_days = 10; }
);'
ISA_CATEGORIES_V2='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

AG=(police housing health)
isa_hub_setup "${AG[@]}"
# police reaches health by an endpoint of its own (lfhd.conf's [peer] override)
printf '\n[peer health]\nendpoint = tcp://127.0.0.1:%s\n' "${NODE_PORT[health]}" \
	>>"$W/police/lfhd.conf"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "three nodes started"
c=$(new_referral police housing,health "Noise from flat 3") || bail "referral"
wait_until 20 has_case health "$c" || bail "the case reaches health"
lfh_at police admin backup "$W/backup" >/dev/null || bail "police's backup (health still a party)"

hash_at() { lfh_at "$1" isa show --json | json_get '[0].hash'; }
version_at() { lfh_at "$1" isa show --json | json_get '[0].version'; }
v1=$(hash_at police)
[[ $v1 =~ ^[0-9a-f]{64}$ ]] || bail "isa show hash" "$v1"
ISA_CATEGORIES=$ISA_CATEGORIES_V2 write_isa "$W/v2.isa" 2 "$v1" police housing
out=$(lfh_at police isa propose "$W/v2.isa" 2>&1) || bail "police proposes version 2" "$out"
for n in police housing; do
	out=$(lfh_at "$n" isa sign "$W/v2.isa" 2>&1) ||
		{ wait_until 15 lfh_at "$n" isa sign "$W/v2.isa" >/dev/null 2>&1 ||
			tap_fail "$n signs version 2" "$out"; }
done
two_signatures_at_health() {
	local s
	s=$(lfh_at health isa show --json | json_get '[1].signed_by') || return 1
	[[ $s == *police* && $s == *housing* ]]
}
wait_until 20 two_signatures_at_health || bail "health holds the proposal signed by police and housing"
tap_ok "version 2 (without health) is signed by police and housing; health holds it"

# ---- health signs its own removal last, while the others are paused
kill -STOP "${NODE_PID[police]}" "${NODE_PID[housing]}"
out=$(lfh_at health isa sign "$W/v2.isa" 2>&1)
rc=$?
kill -CONT "${NODE_PID[police]}" "${NODE_PID[housing]}"
check_eq "health signs version 2 (its own removal)" 0 "$rc"
v2_at() { [ "$(version_at "$1")" = 2 ]; }
for n in police housing; do
	if wait_until 30 v2_at "$n"; then
		tap_ok "$n adopts version 2: health's signature reached it"
	else
		tap_fail "$n adopts version 2: health's signature reached it" \
			"$(lfh_at "$n" isa show 2>&1 | head -20)"
	fi
done
check_eq "police and housing show the same hash for version 2" "$(hash_at police)" \
	"$(hash_at housing)"

# ---- health stops by itself, saying why, with status 4
health_gone() { ! pid_alive "${NODE_PID[health]}"; }
if wait_until 90 health_gone; then
	wait "${NODE_PID[health]}"
	rc=$?
	unset "NODE_PID[health]"
	check_eq "health exits with status 4 (removed from the hub)" 4 "$rc"
else
	tap_fail "health stops once its peers have what it wrote" "$(tail -5 "$W/health/lfhd.log")"
	node_stop health
fi
check "health's log says it was removed and why it stops" \
	grep -q "was removed from hub .* stopping (exit status 4)" "$W/health/lfhd.log"

# ---- the rest of the hub goes on
c2=$(new_referral police housing "After the removal") || tap_fail "police refers after the removal"
if wait_until 20 has_case housing "$c2"; then
	tap_ok "police and housing go on replicating"
else
	tap_fail "police and housing go on replicating"
fi
# ---- police's [peer health] section names an agency the hub removed: ignored, never fatal
kill -HUP "${NODE_PID[police]}"
reloaded() { grep -q "\[peer health\]: health is no longer a party of the hub" "$W/police/lfhd.log"; }
wait_until 10 reloaded && tap_ok "police reloads its configuration, saying to remove [peer health]" ||
	tap_fail "police reloads its configuration, saying to remove [peer health]" \
		"$(tail -3 "$W/police/lfhd.log")"
node_stop police
if node_start police; then
	tap_ok "police starts again with [peer health] still in lfhd.conf"
else
	tap_fail "police starts again with [peer health] still in lfhd.conf" \
		"$(tail -3 "$W/police/lfhd.log")"
fi
c3=$(new_referral police housing "After the restart") || tap_fail "police refers after its restart"
wait_until 20 has_case housing "$c3" && tap_ok "... and replicates" || tap_fail "... and replicates"
# ---- police restored from its backup of before the removal: its recovery waits for health,
# which never answers (it left); the administrator says so, and recovery ends
node_stop police
rm -rf "$W/police/data" "$W/police/keys"
mkdir -m 700 "$W/police/data"
install -m 0600 "$W/backup/data/data.mdb" "$W/police/data/data.mdb"
cp -a "$W/backup/keys" "$W/police/keys"
node_start police || bail "start police on the backup"
waits_for_health() { lfh_at police status | grep -q "waiting for health (one the hub has removed"; }
wait_until 20 waits_for_health && tap_ok "the restored police recovers, saying it waits for health" ||
	tap_fail "the restored police recovers, saying it waits for health" "$(lfh_at police status)"
out=$(lfh_at police admin recovery skip housing 2>&1)
[[ $out == *"housing has answered already"* ]] && tap_ok "skipping a peer that answered is refused" ||
	tap_fail "skipping a peer that answered is refused" "$out"
out=$(lfh_at police admin recovery skip health 2>&1) ||
	tap_fail "lfh admin recovery skip health" "$out"
not_recovering() { [ "$(status_field police recovering)" = 0 ]; }
wait_until 20 not_recovering && tap_ok "... and police's recovery ends" ||
	tap_fail "... and police's recovery ends" "$(lfh_at police status)"
check "the audit log records the skip" grep -q '"cmd":"recovery_skip"' \
	<<<"$(lfh_at police audit --json)"
out=$(lfh_at police admin recovery skip health 2>&1) &&
	tap_fail "skip once recovery is over is refused" "$out"
check "... saying the node is not recovering" grep -q "not recovering" <<<"$out"
c4=$(new_referral police housing "After the restore") || tap_fail "police refers after its restore"
wait_until 20 has_case housing "$c4" && tap_ok "... and replicates again" ||
	tap_fail "... and replicates again"
for n in police housing; do
	node_stop "$n"
done
tap_done
