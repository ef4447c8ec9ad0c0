#!/usr/bin/env bash
# test_hostile.sh - a hostile member agency against a live hub (PROTOCOL.md
# 7.3): housing's node, with housing's own valid keys, writes into its own
# store events its control layer would refuse (tests/tools/hostile), and its
# lfhd serves them to police, council and health like any other.
#
#   police refers a case to housing and health, writes a note, then removes
#   housing from it. With housing stopped, the hostile tool writes one event
#   of each attack class; housing restarts and serves them. At every honest
#   node each is refused with the rule it broke (its log says why), nothing
#   of it is stored or applied: the case's state is the same as before, no
#   case appears that nobody opened. The honest nodes keep replicating, and
#   a tcp:// control endpoint is refused by lfhd --check.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
HOSTILE=$B/tools/hostile
[ -x "$HOSTILE" ] || bail "missing $HOSTILE (run make)"

AG=(police council housing health probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a five-agency hub is running"

# ---- the case, and housing's removal from it
c=$(new_referral police housing,health "Drug dealing from flat 2") || bail "referral"
lfh_at police case note "$c" --text "Warrant applied for" >/dev/null || bail "note"
wait_until 20 has_case housing "$c" && wait_until 20 has_case health "$c" ||
	bail "the case reaches housing and health"
# housing's own, honest note: its later events must not be stamped before it
lfh_at housing case note "$c" --text "Tenancy warning served" >/dev/null || bail "housing's note"
housing_note_at() { lfh_at "$1" case show "$c" | grep -q "Tenancy warning served"; }
wait_until 20 housing_note_at police || bail "housing's note reaches police"
lfh_at police case remove "$c" housing --reason "No longer involved" >/dev/null ||
	bail "police removes housing from the case"
parts_of() { lfh_at "$1" case state "$c" --json | json_get participants; }
no_housing() { [[ $(parts_of "$1") != *housing* ]]; }
wait_until 20 no_housing health || bail "health learns housing left"
tap_ok "police's case is shared with health; housing was removed from it"

snapshot() {
	local n=$1
	lfh_at "$n" case state "$c" --json 2>/dev/null | json_flat |
		grep -E '^\[0\]\.(stage|lead|participants|closed|risk|objective)=' | sort
	echo "cases=$(case_count "$n")"
	echo "events=$(node_events "$n")"
}
before_police=$(snapshot police)
before_health=$(snapshot health)
before_council=$(snapshot council)

# ---- housing turns hostile
node_stop housing
attack() { # attack NAME [AGENCY]: write one hostile event at housing
	local out
	if ! out=$("$HOSTILE" -c "$(conf_of housing)" "$@" 2>&1); then
		tap_fail "hostile tool writes '$1'" "$out"
		return 1
	fi
	ATTACK_ID[$1]=$out
}
declare -A ATTACK_ID
attack takeover "$c"
attack unbound-referral "$c"
attack rejoin "$c"
attack close-1970 "$c"
attack leave "$c" health
attack outsider-note "$c"
attack unknown-case "$c"
attack preseed "$c" health
attack future "$c"
attack backdated "$c"
attack hub-case "$c"
attack forbidden "$c"
attack tampered "$c"
attack cross-hub "$c"
attack root-signed "$c"
tap_ok "housing's store holds ${#ATTACK_ID[@]} hostile events signed with its own keys"
node_start housing || bail "restart housing"

# every hostile event reached police (housing serves it directly) and was judged
judged_at() { # judged_at NODE MIN: at least MIN of housing's events logged as refused or held
	[ "$(grep -c 'rejected event from housing\|holding event from housing' "$W/$1/lfhd.log")" \
		-ge "$2" ]
}
wait_until 30 judged_at police 13 || tap_fail "police judged housing's events" \
	"$(grep -c 'event from housing' "$W/police/lfhd.log") log lines"

# ---- each refused with its rule, at police (which takes everything housing addresses to it)
expect_refusal() { # expect_refusal NODE WHAT PATTERN
	if grep -q "event from housing: .*$3" "$W/$1/lfhd.log"; then
		tap_ok "$1 refuses $2"
	else
		tap_fail "$1 refuses $2" "no log line matching '$3'; from housing:
$(grep 'event from housing' "$W/$1/lfhd.log" | tail -n 15)"
	fi
}
expect_refusal police "a second referral taking the case over" "the case id is not housing's"
expect_refusal police "a referral of a case id not bound to its author" "the case id is not housing's"
expect_refusal police "housing writing itself back into the case" \
	"only the case's lead agency (police) may invite"
expect_refusal police "a close by a non-lead stamped in 1970" "out of order\|only the case's lead agency (police) may close"
expect_refusal police "a leave written by a non-lead" "only the case's lead agency (police) may remove"
expect_refusal police "a note by an agency no longer in the case (held, not stored)" \
	"housing does not take part"
expect_refusal police "a note stamped in the year 10889" "ahead of our clock"
expect_refusal police "a note stamped before housing's own events" "out of order"
expect_refusal police "an ISA signature naming a case" "names a case"
expect_refusal police "health data sent where the ISA forbids" "which ISA version 1 forbids"
expect_refusal police "a note in a case nobody opened (held, not stored)" "is not known here yet"
expect_refusal police "a note altered after it was signed" "bad signature"
expect_refusal police "a note for another hub" "for another hub"
expect_refusal police "a note signed with housing's root key (a key of the wrong role)" "uses unknown key"
wait_until 30 grep -q "event from housing: .*only the case's lead (police) may pass on" \
	"$W/health/lfhd.log"
expect_refusal health "a sharing key planted under police's name" \
	"only the case's lead (police) may pass on"

# ---- nothing of them applied anywhere
check_eq "police: the case's state, the cases and the events are as before" \
	"$before_police" "$(snapshot police)"
check_eq "health: the case's state, the cases and the events are as before" \
	"$before_health" "$(snapshot health)"
check_eq "council: no case appeared, nothing stored" "$before_council" "$(snapshot council)"
n=$(peer_field police housing held)
check "police counts the held events apart from the rejected ones" [ "${n:-0}" -ge 2 ]
n=$(peer_field police housing rejected)
check "police counts housing's rejected events" [ "${n:-0}" -ge 11 ]

# ---- the honest nodes keep replicating
lfh_at police case note "$c" --text "Warrant executed" >/dev/null || tap_fail "police writes on"
note_at_health() { [ "$(node_events health)" -gt "$(sed -n 's/^events=//p' <<<"$before_health")" ]; }
if wait_until 20 note_at_health; then
	tap_ok "police's next note still reaches health"
else
	tap_fail "police's next note still reaches health" "events $(node_events health)"
fi

# ---- the control socket is never tcp://
sed 's|^control = .*|control = tcp://127.0.0.1:7999|' "$(conf_of council)" >"$W/council/tcp.conf"
out=$("$LFHD" -c "$W/council/tcp.conf" --check 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [[ $out == *"any local user could act as an administrator"* ]]; then
	tap_ok "lfhd --check refuses a tcp:// control endpoint, saying why"
else
	tap_fail "lfhd --check refuses a tcp:// control endpoint, saying why" "exit $rc: $out"
fi
out=$(timeout 10 "$LFHD" -c "$W/council/tcp.conf" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [[ $out == *"must be ipc://PATH"* ]]; then
	tap_ok "lfhd does not start with a tcp:// control endpoint"
else
	tap_fail "lfhd does not start with a tcp:// control endpoint" "exit $rc: $out"
fi

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
