#!/usr/bin/env bash
# A peer that answers every PULL at once with an empty BATCH saying "more"
# (PROTOCOL.md 9.4) must not freeze our catch-up from the honest peers: a
# streamer whose answers store nothing is dropped, a "more" that stored
# nothing is pulled again only after a back-off, and a peer put off for the
# streamer waits a few seconds at most.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
EVIL=$B/tools/evilpeer
require_bins "$EVIL"
N=${N:-100}
AG=(police council probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do node_start "$n" || bail "start $n"; done
node_stop police
node_stop council
for i in $(seq 1 "$N"); do
	referral_quick probation police "Backlog $i" "$W/cases" || bail "referral $i"
done
tap_ok "probation wrote $N referrals to police while police was down"

"$EVIL" --keys "$W/council/keys" --listen "$(endpoint_of council)" stream 60 >"$W/evil.out" 2>&1 &
evil=$!
_now
t0=$NOW
node_start police || bail "start police"
if wait_until 20 cases_at_least police "$N"; then
	tap_ok "police catches up from probation while council streams nothing"
else
	tap_fail "police catches up from probation while council streams nothing" \
		"holds $(case_count police) of $N cases"
fi
# police pulls council no faster than its back-off lets it (about once a
# second once it has answered "more" with nothing a few times), not once per
# round trip; watched for 3 s more (a rate needs a window)
_now
until_ms=$((NOW + 3000))
while _now && [ "$NOW" -lt "$until_ms" ]; do _nap; done
kill -TERM "$evil"
wait_until 10 _pid_gone "$evil" || bail "evilpeer ends"
wait "$evil"
_now
p=$(awk '{print $2}' "$W/evil.out")
echo "# council (evilpeer) answered ${p:-?} PULLs in $(((NOW - t0) / 1000)) s"
if [ -n "$p" ] && [ "$p" -lt $((20 + (NOW - t0) / 100)) ]; then
	tap_ok "police backs off from a peer whose \"more\" brings nothing"
else
	tap_fail "police backs off from a peer whose \"more\" brings nothing" "${p:-?} PULLs answered"
fi
node_stop police
node_stop probation
tap_done
