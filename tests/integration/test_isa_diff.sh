#!/usr/bin/env bash
# test_isa_diff.sh - `lfh isa diff` and `lfh isa adopt` (PROTOCOL.md 14.8),
# and --help of the isa and admin subcommands.
#
#   police, housing and health; every party must sign (next_signers all).
#   Version 2 removes health and keeps referrals 60 days instead of 30:
#   `isa diff` names both, offline (two files) and against the version in
#   force at police's node; a version 3 that skips a number does not follow.
#   Police proposes version 2 and signs it: `isa adopt` says who has signed
#   (police), who has not yet (health and housing), and that it cannot take
#   effect yet. Then police withdraws it (housing may not): housing learns
#   it, refuses to sign it, and `isa adopt` says withdrawn.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "health"; kind = "special"; receive = "lead"; agencies = [ "health" ]; retention_days = 10; }
);'
ISA_CATEGORIES_V2='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 60; },
  { name = "health"; kind = "special"; receive = "lead"; retention_days = 10; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

# ---- --help of each subcommand: exit 0, its own usage
for sub in adopt propose explain sign diff; do
	out=$("$LFH" isa "$sub" --help 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [[ $out == "usage: lfh isa $sub"* ]]; then
		tap_ok "lfh isa $sub --help prints its usage and exits 0"
	else
		tap_fail "lfh isa $sub --help prints its usage and exits 0" "exit $rc: $out"
	fi
done
out=$("$LFH" admin backup --help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [[ $out == "usage: lfh admin backup DIR"* && $out != *"user add"* ]]; then
	tap_ok "lfh admin backup --help prints the backup usage"
else
	tap_fail "lfh admin backup --help prints the backup usage" "exit $rc: $out"
fi
out=$("$LFH" admin --help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [[ $out == "usage: lfh admin user add"* ]]; then
	tap_ok "lfh admin --help still prints the admin usage"
else
	tap_fail "lfh admin --help still prints the admin usage" "exit $rc: $out"
fi

# long_purposes FILE: twelve purposes of about 900 bytes each, so the encoding
# the node sends (in hex) spans several fields (encoding, encoding_01, ...).
long_purposes() {
	local i line="purposes = [" sep="" text
	text=$(printf 'Reduce repeat anti-social behaviour through problem solving. %.0s' {1..14})
	for i in $(seq 1 12); do
		line="$line$sep \"$i. $text\""
		sep=","
	done
	line="$line ];"
	awk -v l="$line" '/^purposes = / { print l; next } { print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

AG=(police housing health)
isa_hub_setup "${AG[@]}"
long_purposes "$W/hub.isa"
v1=$("$LFH" isa check "$W/hub.isa" | sed -n 's/.*; hash \([0-9a-f]\{64\}\)$/\1/p')
[[ $v1 =~ ^[0-9a-f]{64}$ ]] || bail "isa check gives the hash of version 1" "$("$LFH" isa check "$W/hub.isa" 2>&1)"
ISA_CATEGORIES=$ISA_CATEGORIES_V2 write_isa "$W/v2.isa" 2 "$v1" police housing
ISA_CATEGORIES=$ISA_CATEGORIES_V2 write_isa "$W/v3.isa" 3 "$v1" police housing
long_purposes "$W/v2.isa"
long_purposes "$W/v3.isa"

# ---- diff of two files, offline
out=$("$LFH" isa diff "$W/hub.isa" "$W/v2.isa" 2>&1) || tap_fail "isa diff OLD NEW" "$out"
check_eq "isa diff names the removed party" 1 \
	"$(grep -c '^  - health removed: health agency (health) is no longer a party$' <<<"$out")"
check_eq "isa diff names the changed retention" 1 \
	"$(grep -c '^  - referral: retention 30 days becomes 60 days' <<<"$out")"
check_eq "isa diff names the named agency no longer named" 1 \
	"$(grep -c '^  - health: health is no longer one of its named agencies$' <<<"$out")"
check_eq "isa diff says version 2 follows version 1" 1 "$(grep -c '^NEW follows OLD' <<<"$out")"
json=$("$LFH" isa diff "$W/hub.isa" "$W/v2.isa" --json 2>&1)
check_eq "isa diff --json: follows" true "$(json_get '.follows' <<<"$json")"
flat=$(json_flat <<<"$json")
if grep -q '^\.changes\[[0-9]*\]\.change=party_removed$' <<<"$flat" &&
	grep -q '^\.changes\[[0-9]*\]\.new=60$' <<<"$flat"; then
	tap_ok "isa diff --json lists the removed party and the new retention"
else
	tap_fail "isa diff --json lists the removed party and the new retention" "$json"
fi
if command -v python3 >/dev/null 2>&1; then
	check "isa diff --json is valid JSON" python3 -c 'import json, sys; json.loads(sys.argv[1])' "$json"
fi
out=$("$LFH" isa diff "$W/hub.isa" "$W/v3.isa" 2>&1)
if [[ $out == *"NEW does not follow OLD: its version is 3, not 2"* ]]; then
	tap_ok "isa diff says clearly when NEW does not follow OLD"
else
	tap_fail "isa diff says clearly when NEW does not follow OLD" "$out"
fi
out=$("$LFH" isa diff 2>&1)
check_eq "isa diff without files is a usage error" 2 "$?"

# ---- a version a hub cannot run on: refused by isa check and by isa propose
ISA_CATEGORIES='categories = (
  { name = "notes"; kind = "personal"; receive = "participants"; retention_days = 30; }
);' write_isa "$W/noref.isa" 2 "$v1" police housing
out=$("$LFH" isa check "$W/noref.isa" 2>&1)
check_eq "isa check: a version without a 'referral' category fails" 1 "$?"
check "... naming what is missing" grep -q "categories: no 'referral'" <<<"$out"
ISA_CATEGORIES=$ISA_CATEGORIES_V2 write_isa "$W/noport.isa" 2 "$v1" police housing
sed -i 's|tcp://127.0.0.1:[0-9]*"; keys = "\([^"]*\)/police.pub"|tcp://127.0.0.1"; keys = "\1/police.pub"|' \
	"$W/noport.isa"
out=$("$LFH" isa check "$W/noport.isa" 2>&1)
check_eq "isa check: a party endpoint without a port fails" 1 "$?"
check "... naming the party" grep -q "parties\[police\].endpoint: 'tcp://127.0.0.1' is not tcp://HOST:PORT" \
	<<<"$out"

# ---- diff against the version in force at the node
node_start police || bail "start police"
out=$(lfh_at police isa propose "$W/noref.isa" 2>&1) &&
	tap_fail "isa propose refuses a version without a 'referral' category" "$out"
check "isa propose refuses a version without a 'referral' category" \
	grep -q "categories: no 'referral'" <<<"$out"
check_eq "the node sends the ISA in force in more than one encoding field" 1 \
	"$(lfh_at police isa show --json | json_flat | grep -c '^\[0\]\.encoding_01=')"
out=$(lfh_at police isa diff "$W/v2.isa" 2>&1) || tap_fail "isa diff NEW (the node's version)" "$out"
if [[ $out == "OLD: the version in force at the node: version 1 of hub $HUB_NAME, hash $v1"* &&
	$out == *"NEW follows OLD"* && $out == *"  - health removed: "* &&
	$out == *"  - referral: retention 30 days becomes 60 days"* && $out == *$'\n3 changes:\n'* ]]; then
	tap_ok "isa diff NEW compares with the version in force at the node"
else
	tap_fail "isa diff NEW compares with the version in force at the node" "$out"
fi

# ---- adopt: who has signed, who has not yet
out=$(lfh_at police isa adopt 2>&1)
if [[ $out == *"No proposal is pending here"* &&
	$out == *"signed by every party: health, housing and police"* ]]; then
	tap_ok "isa adopt: no proposal yet, and who must sign the next version"
else
	tap_fail "isa adopt: no proposal yet, and who must sign the next version" "$out"
fi
out=$(lfh_at police isa propose "$W/v2.isa" 2>&1) || tap_fail "police proposes version 2" "$out"
out=$(lfh_at police isa sign "$W/v2.isa" 2>&1) || tap_fail "police signs version 2" "$out"
out=$(lfh_at police isa adopt 2>&1)
if [[ $out == *"Proposed version 2"* && $out == *"signed by:         police"* &&
	$out == *"not yet signed by: health and housing"* &&
	$out == *"cannot take effect yet: waiting for health and housing"* ]]; then
	tap_ok "isa adopt names who has signed, who has not yet, and that it cannot take effect"
else
	tap_fail "isa adopt names who has signed, who has not yet, and that it cannot take effect" "$out"
fi
json=$(lfh_at police isa adopt --json 2>&1)
check_eq "isa adopt --json: missing" "health,housing" "$(json_get '[1].missing' <<<"$json")"
check_eq "isa adopt --json: follows" 1 "$(json_get '[1].follows' <<<"$json")"
check_eq "version 1 stays in force" 1 "$(json_get '[0].version' <<<"$json")"

# ---- a rival proposal of version 2: a party that signed one does not sign the other
ISA_REVIEW=$(date -u -d '+40 days' +%F) ISA_CATEGORIES=$ISA_CATEGORIES_V2 \
	write_isa "$W/v2b.isa" 2 "$v1" police housing
out=$(lfh_at police isa propose "$W/v2b.isa" 2>&1) || tap_fail "police proposes a rival version 2" "$out"
if out=$(lfh_at police isa sign "$W/v2b.isa" 2>&1); then
	tap_fail "police, which signed version 2, does not sign a rival of it" "$out"
else
	check "police, which signed version 2, does not sign a rival of it, and is told why" \
		grep -q "signed another proposal of version 2 already" <<<"$out"
fi

# ---- its proposer withdraws version 2: no node signs it any more
node_start housing || bail "start housing"
proposal_at() { [ "$(lfh_at "$1" isa adopt --json 2>/dev/null | json_get '[1].version')" = 2 ]; }
wait_until 20 proposal_at housing || tap_fail "the proposal reaches housing"
if out=$(lfh_at housing isa withdraw "$W/v2.isa" 2>&1); then
	tap_fail "housing may not withdraw police's proposal" "$out"
else
	check "housing may not withdraw police's proposal, and is told why" \
		grep -q "only its proposer withdraws a proposal" <<<"$out"
fi
out=$(lfh_at police isa withdraw "$W/v2.isa" 2>&1) && tap_ok "police withdraws its proposal" ||
	tap_fail "police withdraws its proposal" "$out"
# (with the rival, two proposals are pending: either may be listed first)
withdrawn_at() { lfh_at "$1" isa adopt --json 2>/dev/null | grep -q '"withdrawn":1'; }
wait_until 20 withdrawn_at housing && tap_ok "housing learns the proposal was withdrawn" ||
	tap_fail "housing learns the proposal was withdrawn"
if out=$(lfh_at housing isa sign "$W/v2.isa" 2>&1); then
	tap_fail "housing refuses to sign a withdrawn proposal" "$out"
else
	check "housing refuses to sign a withdrawn proposal, saying who withdrew it" \
		grep -q "withdrawn by its proposer (police)" <<<"$out"
fi
check "isa adopt says the proposal is withdrawn" grep -q "WITHDRAWN by its proposer police" \
	<<<"$(lfh_at housing isa adopt 2>&1)"
if out=$(lfh_at police isa withdraw "$W/v2.isa" 2>&1); then
	tap_fail "a second withdrawal is refused" "$out"
else
	check "a second withdrawal is refused" grep -q "withdrawn already" <<<"$out"
fi
check_eq "version 1 stays in force at housing" 1 \
	"$(lfh_at housing isa show --json | json_get '[0].version')"
out=$(lfh_at police isa sign "$W/v2b.isa" 2>&1) &&
	tap_ok "once its rival is withdrawn, police signs the other version 2" ||
	tap_fail "once its rival is withdrawn, police signs the other version 2" "$out"
node_stop housing

node_stop police
tap_done
