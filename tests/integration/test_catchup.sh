#!/usr/bin/env bash
# test_catchup.sh - an offline node catches up through a relay.
#
# council is stopped; police files N (default 1000) referrals to
# housing,council; housing receives them; police (the author) stops; council
# starts and must catch up all N from housing alone. Then police returns and
# nothing is duplicated anywhere.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

N=${CATCHUP_N:-1000}
WRITERS=${CATCHUP_WRITERS:-4}

hub_setup police housing council
for n in police housing council; do
	node_start "$n" || bail "start $n"
done
tap_ok "three nodes started"
node_stop council

# ---- police writes N referrals while council is down (two CLI writers)
writer() {
	local w=$1 i
	for ((i = w; i <= N; i += WRITERS)); do
		referral_quick police housing,council "catch-up referral $i" "$W/acks.$w" ||
			echo "# writer $w: referral $i failed"
	done
}
t0=$(_now_ms)
pids=()
for ((w = 1; w <= WRITERS; w++)); do
	: >"$W/acks.$w"
	writer "$w" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
t1=$(_now_ms)
cat "$W"/acks.* | sort -u >"$W/acks"
acked=$(wc -l <"$W/acks")
echo "# police filed $acked referrals in $((t1 - t0)) ms"
check_eq "police acknowledges all $N referrals" "$N" "$acked"
check_eq "police lists $N cases" "$N" "$(case_count police)"
E=$(node_events police)
echo "# police holds $E events"

if wait_until 60 cases_are housing "$N"; then
	tap_ok "housing receives all $N cases"
else
	tap_fail "housing receives all $N cases" "housing has $(case_count housing)"
fi
if wait_until 30 events_are housing "$E"; then
	tap_ok "housing holds all $E events"
else
	tap_fail "housing holds all $E events" "housing has $(node_events housing)"
fi

# ---- the author goes away; council comes back and catches up via housing
node_stop police
t0=$(_now_ms)
node_start council || bail "council restarts"
if wait_until 60 cases_are council "$N"; then
	tap_ok "council catches up all $N cases through housing"
else
	tap_fail "council catches up all $N cases through housing" "council has $(case_count council)"
fi
wait_until 30 events_are council "$E"
t1=$(_now_ms)
echo "# council caught up in $((t1 - t0)) ms (including startup)"
check_eq "council holds all $E events" "$E" "$(node_events council)"
case_ids council >"$W/council.cases"
check_eq "council's cases are exactly the acknowledged ones" "" \
	"$(diff "$W/acks" "$W/council.cases" | head -n 5)"
check_eq "council: no missing events from police" 0 "$(peer_field council police missing)"

# ---- the author returns: no duplicates anywhere
node_start police || bail "police restarts"
tap_ok "police restarts"
before=$(node_events police)
last=$(new_referral police housing,council "after the catch-up")
[[ $last =~ ^[0-9a-f]{32}$ ]] || tap_fail "police files one more referral" "got '$last'"
d=$(($(node_events police) - before))
E2=$((E + d))
for n in housing council; do
	if wait_until 30 has_case "$n" "$last"; then
		tap_ok "$n receives police's new referral"
	else
		tap_fail "$n receives police's new referral"
	fi
done
for n in police housing council; do
	wait_until 15 events_are "$n" "$E2"
	check_eq "$n holds exactly $E2 events (no duplicates)" "$E2" "$(node_events "$n")"
	check_eq "$n lists exactly $((N + 1)) cases" "$((N + 1))" "$(case_count "$n")"
	check_eq "$n: no equivocation evidence" 0 "$(status_field "$n" evidence)"
done

for n in police housing council; do
	node_stop "$n"
done
tap_done
