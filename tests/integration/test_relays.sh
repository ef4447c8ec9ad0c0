#!/usr/bin/env bash
# test_relays.sh - a node that was offline catches up from five relays as it
# would from one (issue #13, the catch-up pipeline).
#
# Six agencies, every one a peer of every other; housing is stopped while
# police files N (default 800) referrals to all five others, which the four
# other relays receive. Housing then catches up with all five peers up: it
# must end with every event, and receive each about once (PULL's held and
# the streamer, PROTOCOL.md 9.1 and 9.4: without them every relay sends it
# everything, five times in all). Then, with a fresh store, from police
# alone: exactly the same events.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

N=${RELAYS_N:-800}
WRITERS=${RELAYS_WRITERS:-4}
ALL=(police housing health social school fire)
RELAYS=(health social school fire)
TO=housing,health,social,school,fire

hub_setup "${ALL[@]}"
for n in "${ALL[@]}"; do
	[ "$n" = housing ] || node_start "$n" || bail "start $n"
done
tap_ok "five of six nodes started (housing is offline)"

writer() {
	local w=$1 i
	for ((i = w; i <= N; i += WRITERS)); do
		referral_quick police "$TO" "relayed referral $i" "$W/acks.$w" ||
			echo "# writer $w: referral $i failed"
	done
}
pids=()
for ((w = 1; w <= WRITERS; w++)); do
	: >"$W/acks.$w"
	writer "$w" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
cat "$W"/acks.* | sort -u >"$W/acks"
check_eq "police acknowledges all $N referrals" "$N" "$(wc -l <"$W/acks")"
E=$(node_events police)
echo "# police holds $E events"
for n in "${RELAYS[@]}"; do
	if wait_until 90 events_are "$n" "$E"; then
		tap_ok "$n holds all $E events"
	else
		tap_fail "$n holds all $E events" "it has $(node_events "$n")"
	fi
done

# received_total NAME: envelopes NAME received from all its peers, duplicates included.
received_total() {
	lfh_at "$1" status --json | json_flat |
		awk -F= '$1 ~ /^\[[0-9]+\]\.received$/ { s += $2 } END { print s + 0 }'
}

# ---- housing catches up from all five
node_start housing || bail "start housing"
if wait_until 120 events_are housing "$E"; then
	tap_ok "housing catches up all $E events from five relays"
else
	tap_fail "housing catches up all $E events from five relays" "it has $(node_events housing)"
fi
got=$(received_total housing)
echo "# housing received $got envelopes for $E events from five peers"
between() { [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; }
check "housing received each event less than twice over five relays ($got for $E)" \
	between "$got" "$E" $((2 * E))
case_ids housing >"$W/housing5.cases"
check_eq "housing's cases are exactly the acknowledged ones" "" \
	"$(diff "$W/acks" "$W/housing5.cases" | head -n 5)"
check_eq "housing: no rejected events" 0 "$(rejected_total housing)"
lfh_at housing status --json | json_flat | grep -E "received|stored|peer=" | sed "s/^/# /"
node_stop housing

# ---- and again from police alone, into a fresh store
for n in "${RELAYS[@]}"; do
	node_stop "$n"
done
rm -rf "$W/housing/data" "$W/housing/keys"/node-*.state # a new store: nothing to recover
node_start housing || bail "restart housing"
if wait_until 120 events_are housing "$E"; then
	tap_ok "housing catches up all $E events from police alone"
else
	tap_fail "housing catches up all $E events from police alone" "it has $(node_events housing)"
fi
got=$(received_total housing)
check_eq "from one peer, each event is received once" "$E" "$got"
case_ids housing >"$W/housing1.cases"
check_eq "the same cases from one peer as from five" "" \
	"$(diff "$W/housing5.cases" "$W/housing1.cases" | head -n 5)"

for n in police housing; do
	node_stop "$n"
done
tap_done
