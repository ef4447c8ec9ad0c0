#!/usr/bin/env bash
# test_hostile.sh - a hostile member agency against a live hub (PROTOCOL.md
# 7, 7.3, 5.2, 15.5): housing's node, with housing's own keys, writes into
# its own store events its control layer would refuse (tests/tools/hostile),
# and its lfhd serves them to police, council, health and probation like any
# other. 25 attack classes, each described in tests/tools/hostile.c.
#
#   police refers a case to housing and health, writes a note, housing
#   writes one, then police removes housing from the case. With housing
#   stopped, the hostile tool writes one attack of each of 23 classes;
#   housing restarts and serves them. Then housing rotates its keys and
#   revokes its generation 1 (as after a stolen laptop), and, stopped again,
#   writes two more: a note signed with the revoked generation, and an
#   envelope past the size limit. (The first 23 come before the rotation:
#   a rotated key has a validity window, and events stamped in 1970 or in
#   10889 would be refused for it before their clock rules.) At every
#   honest node that receives an attack, it is refused with the rule it
#   broke (its log says why) or held; nothing of it is stored or applied:
#   the case's state, the cases and the events are the same as before, no
#   case appears that nobody opened, no key generation appears, housing's
#   note stays readable; replays are dropped as duplicates; the one
#   equivocation is kept as evidence only. The honest nodes keep
#   replicating, and a tcp:// control endpoint is refused by lfhd --check.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
HOSTILE=$B/tools/hostile
[ -x "$HOSTILE" ] || bail "missing $HOSTILE (run make)"

AG=(police council housing health probation)
HONEST=(police council health probation)
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
wait_until 20 housing_note_at police && wait_until 20 housing_note_at health ||
	bail "housing's note reaches police and health"
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
declare -A BEFORE EVIDENCE STORED RECEIVED
take_snapshots() { # what the honest nodes hold, and have stored from housing, now
	local n
	for n in "${HONEST[@]}"; do
		BEFORE[$n]=$(snapshot "$n")
		EVIDENCE[$n]=$(status_field "$n" evidence)
		STORED[$n]=$(peer_field "$n" housing stored)
		RECEIVED[$n]=$(peer_field "$n" housing received)
	done
}
nothing_applied() { # the honest nodes hold what they held at take_snapshots
	local n
	for n in "${HONEST[@]}"; do
		check_eq "$n: the case's state, the cases and the events are as before" \
			"${BEFORE[$n]}" "$(snapshot "$n")"
		check_eq "$n stored nothing from housing" "${STORED[$n]}" "$(peer_field "$n" housing stored)"
	done
}
take_snapshots

# ---- housing turns hostile
node_stop housing
attack() { # attack NAME CASE [AGENCY]: write one attack at housing ("ID SEQ" lines out)
	local out first
	if ! out=$("$HOSTILE" -c "$(conf_of housing)" "$@" 2>&1); then
		tap_fail "hostile tool writes '$1'" "$out"
		return 1
	fi
	first=${out%%$'\n'*}
	ATTACK_ID[$1]=${first%% *}
	ATTACK_SEQ[$1]=${first##* }
	ATTACK_OUT[$1]=$out
}
declare -A ATTACK_ID ATTACK_SEQ ATTACK_OUT
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
attack replayed "$c"
attack equivocating "$c"
attack not-addressed "$c" police
attack unknown-key "$c"
attack wrong-key-id "$c" police
attack outsider-step "$c"
attack cert-case "$c"
attack wrong-category "$c"
tap_ok "housing's store holds ${#ATTACK_ID[@]} attacks, in events signed with its keys or others"
node_start housing || bail "restart housing"

# every hostile event reached police (housing serves it directly) and was judged
judged_at() { # judged_at NODE MIN: at least MIN of housing's events logged as refused or held
	[ "$(grep -c 'rejected event from housing\|holding event from housing' "$W/$1/lfhd.log")" \
		-ge "$2" ]
}
wait_until 30 judged_at police 20 || tap_fail "police judged housing's events" \
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

# logged_at WHAT PATTERN NODE...: every NODE logs a line matching PATTERN
# (grep BRE), waiting a little for it (the attacks arrive in one batch).
logged_at() {
	local what=$1 pat=$2 n missing="" detail="" who
	shift 2
	for n in "$@"; do
		wait_until 10 grep -q -- "$pat" "$W/$n/lfhd.log" && continue
		missing="$missing $n"
		detail="$detail
$n, from housing:
$(grep 'event from housing\|via housing' "$W/$n/lfhd.log" | tail -n 8)"
	done
	who="$*"
	if [ -z "$missing" ]; then
		tap_ok "${who// /, }: $what"
	else
		tap_fail "${who// /, }: $what" "no log line matching '$pat' at$missing$detail"
	fi
}
seq_of() { echo "${ATTACK_SEQ[$1]}"; }
refused() { echo "rejected event from housing: event by housing seq $(seq_of "$1")"; }
POLICE_KID=$(keygen_field police police 1 key_id)
logged_at "a second event in the (author, seq) slot of housing's note is equivocation, kept as evidence" \
	"EQUIVOCATION via housing: equivocation: author housing seq $(seq_of equivocating) already held" \
	police health
logged_at "a note addressed to police alone, served to agencies outside the case, is refused" \
	"$(refused not-addressed) is not addressed to us" council probation
logged_at "a note signed with a key that is no generation of housing's is refused" \
	"$(refused unknown-key) uses unknown key" "${HONEST[@]}"
logged_at "a note signed by housing naming police's key id is refused" \
	"$(refused wrong-key-id) uses unknown key ${POLICE_KID:-?}" "${HONEST[@]}"
logged_at "an OSARA step by an agency removed from the case is held, not applied" \
	"holding event from housing: housing does not take part in case ${c:0:12} .*its action is held" \
	police health
logged_at "the same step is held where the case is not known (not stored)" \
	"holding event from housing: event by housing seq $(seq_of outsider-step): case ${c:0:12} is not known here yet" \
	council probation
logged_at "a CERT naming a case is refused (rule 3), though its certificate is real" \
	"rejected event from housing: CERT event by housing seq $(seq_of cert-case) names a case; it must not" \
	"${HONEST[@]}"
logged_at "a note in category 'keys' is refused: not an ISA category" \
	"rejected event from housing: category 'keys' is not in ISA version 1" "${HONEST[@]}"

# ---- nothing of them applied anywhere
nothing_applied
for n in "${HONEST[@]}"; do
	want=${EVIDENCE[$n]}
	# the equivocation, and the first note stamped against housing's seq order (7.3 rule 2)
	[ "$n" = police ] || [ "$n" = health ] && want=$((want + 2))
	check_eq "$n: equivocation evidence $want (the replays added none)" "$want" \
		"$(status_field "$n" evidence)"
done
for n in police health; do
	check "$n still reads housing's note: the equivocating KEY replaced no key" \
		housing_note_at "$n"
done
replays=$(grep -c . <<<"${ATTACK_OUT[replayed]}")
n=$(peer_field police housing received)
check "police received $replays replayed events from housing (duplicates: nothing stored)" \
	[ $((n - RECEIVED[police])) -ge "$replays" ]
unknown_gen() { for n in "${HONEST[@]}"; do ! keygen_field "$n" housing 4242 state || return 1; done; }
check "no node knows the key generation certified by the CERT naming a case" unknown_gen
n=$(peer_field police housing held)
check "police counts the held events apart from the rejected ones" [ "${n:-0}" -ge 4 ]
n=$(peer_field police housing rejected)
check "police counts housing's rejected events" [ "${n:-0}" -ge 16 ]

# ---- housing rotates its keys and revokes generation 1, then signs with it
out=$(lfh_at housing admin keys rotate --grace 1s 2>&1) || tap_fail "housing rotates its keys" "$out"
out=$(lfh_at housing admin keys revoke 1 --reason "laptop stolen" --effective now 2>&1) ||
	tap_fail "housing revokes its generation 1" "$out"
revoked_everywhere() {
	local n
	for n in "${AG[@]}"; do keygen_is "$n" housing 1 state revoked || return 1; done
}
if wait_until 20 revoked_everywhere; then
	tap_ok "housing rotated to key generation 2 and revoked generation 1; every node knows"
else
	tap_fail "housing rotated to key generation 2 and revoked generation 1; every node knows" \
		"$(for n in "${AG[@]}"; do echo "$n: $(keygen_field "$n" housing 1 state 2>&1)"; done)"
fi
HOUSING_G1=$(keygen_field police housing 1 key_id)
take_snapshots
node_stop housing
attack revoked-key "$c"
# Last in housing's log, after an event addressed to every honest node:
# housing's own lfhd never serves an envelope past 69632 bytes (it logs it
# and goes on past it), so no receiver ever gets to decode it. What is
# asserted: each receiver pulls housing's whole log, past it, never stores
# it, and keeps replicating.
attack oversize "$c"
node_start housing || bail "restart housing"
HEAD=$(status_field housing head) # the oversize envelope's place in housing's log
logged_at "a note signed with housing's revoked generation 1, stamped after the revocation, is refused" \
	"$(refused revoked-key) is signed with key ${HOUSING_G1:-?} (generation 1), revoked at" \
	"${HONEST[@]}"
pulled_upto() { [ "$(peer_field "$1" housing cursor)" = "$2" ]; }
stuck=""
for n in "${HONEST[@]}"; do
	wait_until 10 pulled_upto "$n" "$HEAD" ||
		stuck="$stuck $n: cursor $(peer_field "$n" housing cursor);"
done
if [ -z "$stuck" ]; then
	tap_ok "every honest node pulled housing's log past the oversize envelope (at $HEAD), never stored"
else
	tap_fail "every honest node pulled housing's log past the oversize envelope (at $HEAD)" \
		"$stuck"
fi
nothing_applied

# ---- the honest nodes keep replicating
lfh_at police case note "$c" --text "Warrant executed" >/dev/null || tap_fail "police writes on"
note_at_health() { [ "$(node_events health)" -gt "$(sed -n 's/^events=//p' <<<"${BEFORE[health]}")" ]; }
if wait_until 20 note_at_health; then
	tap_ok "police's next note still reaches health"
else
	tap_fail "police's next note still reaches health" "events $(node_events health)"
fi
c2=$(new_referral police council,probation "Graffiti on the library") || tap_fail "police refers again"
if wait_until 20 has_case council "$c2" && wait_until 20 has_case probation "$c2"; then
	tap_ok "police's next referral reaches council and probation"
else
	tap_fail "police's next referral reaches council and probation"
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
