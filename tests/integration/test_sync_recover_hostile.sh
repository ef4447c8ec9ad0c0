#!/usr/bin/env bash
# A peer answering every RECOVER (PROTOCOL.md 9.9, 13.1) with an envelope
# that is no event of ours (here a junk byte) must not keep a restored node
# in recovery for ever: an answer that takes us no further ends recovery
# with that peer, with a warning, and the node writes again.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
EVIL=$B/tools/evilpeer
require_bins "$EVIL"
AG=(police council probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do node_start "$n" || bail "start $n"; done
c=$(new_referral police probation "Before the restore") || bail "referral"
wait_until 20 has_case probation "$c" || bail "the case reaches probation"
node_stop police
node_stop council
rm -f "$W"/police/keys/node-*.state # its store may be behind what it wrote: it recovers

"$EVIL" --keys "$W/council/keys" --listen "$(endpoint_of council)" recover 60 >"$W/evil.out" 2>&1 &
evil=$!
node_start police || bail "start police"
writes() {
	lfh_at police referral new --summary x --location y --category asb --description z \
		--risk standard --to probation
}
if wait_until 20 writes; then
	tap_ok "police writes again after recovering, though council answers RECOVER with junk"
else
	tap_fail "police writes again after recovering, though council answers RECOVER with junk" \
		"$(writes 2>&1)"
fi
check "police says why it is done with council" \
	grep -q "recovery: council answered RECOVER from seq 1 with 1 envelopes but no event of ours" \
	"$W/police/lfhd.log"
check "police recovered its case from probation" has_case police "$c"
kill -TERM "$evil"
wait_until 10 _pid_gone "$evil" || bail "evilpeer ends"
wait "$evil"
echo "# evilpeer: $(cat "$W/evil.out")"
r=$(awk '{print $6}' "$W/evil.out")
if [ -n "$r" ] && [ "$r" -lt 20 ]; then
	tap_ok "police asked council a few times, not in a loop (${r} RECOVERs)"
else
	tap_fail "police asked council a few times, not in a loop" "${r:-?} RECOVERs"
fi
node_stop police
node_stop probation
tap_done
