#!/usr/bin/env bash
# test_crash.sh - durability: a writer files 200 referrals at police (to
# housing), recording each case id only after the CLI acknowledged it;
# police is killed with SIGKILL part way and restarted. Every acknowledged
# case must be at police, and after catch-up at housing; nothing forks.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

TOTAL=${CRASH_TOTAL:-200}
KILL_AFTER=${CRASH_KILL_AFTER:-50}

hub_setup police housing
for n in police housing; do
	node_start "$n" || bail "start $n"
done
tap_ok "two nodes started"

ACKS=$W/acks
: >"$ACKS"

# The writer: one CLI call per referral; the case id is recorded only after
# the CLI exits 0. A failed call (police down) is simply not acknowledged.
writer() {
	local i
	for ((i = 1; i <= TOTAL; i++)); do
		referral_quick police housing "crash test referral $i" "$ACKS" 2>/dev/null
	done
	echo finished >"$W/writer.done"
}

ack_count() {
	count_lines "$ACKS"
	echo "$LINES_N"
}
acks_at_least() {
	count_lines "$ACKS"
	[ "$LINES_N" -ge "$1" ]
}

writer &
WRITER=$!

if wait_until 60 acks_at_least "$KILL_AFTER"; then
	tap_ok "at least $KILL_AFTER referrals acknowledged before the crash"
else
	tap_fail "at least $KILL_AFTER referrals acknowledged before the crash" "only $(ack_count)"
fi
node_kill police
at_kill=$(ack_count)
echo "# police killed with SIGKILL after $at_kill acknowledgements"
[ "$at_kill" -lt "$TOTAL" ] || echo "# note: the writer finished before the kill"

node_start police || bail "police restarts after SIGKILL"
tap_ok "police restarts after SIGKILL"

if wait_until 120 test -e "$W/writer.done"; then
	tap_ok "writer finished"
else
	tap_fail "writer finished"
	kill "$WRITER" 2>/dev/null
fi
wait "$WRITER" 2>/dev/null
total=$(ack_count)
echo "# $total of $TOTAL referrals acknowledged ($at_kill before the crash)"
if [ "$total" -gt "$at_kill" ] || [ "$at_kill" -ge "$TOTAL" ]; then
	tap_ok "referrals acknowledged after the restart"
else
	tap_fail "referrals acknowledged after the restart" "$total total, $at_kill at the crash"
fi

# ---- every acknowledged case is at police
sort -u "$ACKS" >"$W/acks.sorted"
check_eq "acknowledged case ids are distinct" "$total" "$(wc -l <"$W/acks.sorted")"
case_ids police >"$W/police.cases"
check_eq "case list at police holds every acknowledged case" "" \
	"$(comm -23 "$W/acks.sorted" "$W/police.cases" | head -n 5)"
# `case show` each case acknowledged around the crash (the interesting ones)
# plus the first and last.
mapfile -t acked <"$ACKS"
lo=$((at_kill > 5 ? at_kill - 5 : 0))
sample=("${acked[@]:lo:10}" "${acked[0]}" "${acked[${#acked[@]} - 1]}")
missing=""
for c in "${sample[@]}"; do
	has_case police "$c" || missing="$missing $c"
done
check_eq "case show finds the ${#sample[@]} cases acknowledged around the crash" "" "$missing"

# ---- after catch-up, housing holds them too, and the same cases as police
housing_has_all() {
	case_ids housing >"$W/housing.cases" || return 1
	[ -z "$(comm -23 "$W/acks.sorted" "$W/housing.cases")" ]
}
if wait_until 30 housing_has_all; then
	tap_ok "every acknowledged case reaches housing"
else
	tap_fail "every acknowledged case reaches housing" \
		"$(comm -23 "$W/acks.sorted" "$W/housing.cases" | wc -l) missing"
fi
same_cases() {
	[ "$(case_ids police)" = "$(case_ids housing)" ] &&
		[ "$(node_events police)" = "$(node_events housing)" ]
}
if wait_until 30 same_cases; then
	tap_ok "housing converges to police's cases and events"
else
	tap_fail "housing converges to police's cases and events" \
		"police $(case_count police) cases / $(node_events police) events, housing $(case_count housing) / $(node_events housing)"
fi
# Unacknowledged writes may or may not have survived, but never more than tried.
pc=$(case_count police)
if [ -n "$pc" ] && [ "$pc" -ge "$total" ] && [ "$pc" -le "$TOTAL" ]; then
	tap_ok "police holds between $total and $TOTAL cases ($pc)"
else
	tap_fail "police holds between $total and $TOTAL cases" "got '$pc'"
fi
for n in police housing; do
	check_eq "$n: no equivocation evidence after the crash" 0 "$(status_field "$n" evidence)"
done

for n in police housing; do
	node_stop "$n"
done
tap_done
