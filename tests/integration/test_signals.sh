#!/usr/bin/env bash
# test_signals.sh - lfhd as a service (issue #14): SIGHUP reads the
# configuration, the ISA file and the key directory again without stopping
# the node or dropping healthy peer sessions: a changed log_level and a
# changed [peer] endpoint apply at once (the moved peer alone is
# reconnected, while replication goes on), a changed listen endpoint is
# reported for the next start, a configuration that would not load changes
# nothing; SIGTERM stops it cleanly; both programs print their version.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

check "lfhd --version prints its version" grep -Eq '^lfhd [0-9]+\.[0-9]+\.[0-9]+$' \
	<<<"$("$LFHD" --version)"
check "lfh --version prints the same version" [ "$("$LFH" --version | cut -d' ' -f2)" = \
	"$("$LFHD" --version | cut -d' ' -f2)" ]

AG=(police housing probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
LOG=$W/police/lfhd.log
conf=$(conf_of police)
cp "$conf" "$W/police.conf.orig"

peer_is() { [ "$(peer_field "$1" "$2" "$3" 2>/dev/null)" = "$4" ]; }
wait_until 20 peer_is police probation connected 1 && wait_until 20 peer_is police housing connected 1 ||
	bail "police does not reach its peers: $(tail -5 "$LOG")"
count_in_log() { grep -c -- "$1" "$LOG"; }

# Replication runs throughout: police keeps writing to housing and probation.
(
	i=0
	while [ ! -e "$W/stop-writer" ]; do
		referral_quick police housing,probation "Continuing referral $i" "$W/written" ||
			echo "write $i failed" >>"$W/writer.err"
		i=$((i + 1))
		_nap
	done
) &
WRITER=$!
written_at_least() {
	count_lines "$W/written"
	[ "$LINES_N" -ge "$1" ]
}
wait_until 20 written_at_least 2 || tap_fail "police writes while the test runs"

# Housing moves to a new port (a restart on a new listen endpoint).
oldep=$(endpoint_of housing)
newport=$("$FREEPORT") || bail "freeport"
newep="tcp://127.0.0.1:$newport"
node_stop housing
sed -i "s|^listen = .*|listen = $newep|" "$(conf_of housing)"
node_start housing || bail "restart housing on its new port"

probation_ups=$(count_in_log "peer probation connected")
reopened=$(count_in_log "peer socket reopened")
hups_done=$(count_in_log "SIGHUP: configuration, ISA file and key directory read again")
sighup_police() {
	kill -HUP "${NODE_PID[police]}"
	hups_done=$((hups_done + 1))
	wait_until 10 reloaded
}
reloaded() { [ "$(count_in_log "SIGHUP: configuration, ISA file and key directory read again")" -ge "$hups_done" ]; }
refused() { [ "$(count_in_log "nothing changed, the node runs on as before")" -ge "$1" ]; }

# Police is told housing's new endpoint (an override of the ISA's) and a new log level.
sed -i "s/^log_level = .*/log_level = info/" "$conf"
printf '\n[peer housing]\nendpoint = %s\n' "$newep" >>"$conf"
if sighup_police; then
	tap_ok "SIGHUP: police reads its configuration, ISA file and keys again"
else
	tap_fail "SIGHUP: police reads its configuration, ISA file and keys again" "$(tail -5 "$LOG")"
fi
check "SIGHUP does not stop the node" node_running police
check "the new endpoint is logged as applied" \
	grep -q "SIGHUP: peer housing endpoint changed ($oldep -> $newep): applied" "$LOG"
check "the new log level is logged as applied" \
	grep -q "SIGHUP: log_level changed (debug -> info): applied" "$LOG"
if wait_until 20 peer_is police housing endpoint "$newep" && wait_until 20 peer_is police housing connected 1; then
	tap_ok "police reconnects to housing at its new endpoint"
else
	tap_fail "police reconnects to housing at its new endpoint" "$(tail -8 "$LOG")"
fi
c=$(new_referral housing police "Written by housing after its move") || tap_fail "housing refers after its move"
wait_until 20 has_case police "$c" && tap_ok "replication resumes from the moved peer (police pulls from its new endpoint)" ||
	tap_fail "replication resumes from the moved peer (police pulls from its new endpoint)"

touch "$W/stop-writer"
wait "$WRITER"
count_lines "$W/written"
nwritten=$LINES_N
all_at() {
	local c
	while IFS= read -r c; do
		has_case "$1" "$c" || return 1
	done <"$W/written"
}
check "police wrote on through the move and the reload ($nwritten referrals)" [ "$nwritten" -ge 3 ]
wait_until 30 all_at housing && tap_ok "every referral written meanwhile reached the moved peer" ||
	tap_fail "every referral written meanwhile reached the moved peer"
wait_until 30 all_at probation && tap_ok "every referral written meanwhile reached the third peer" ||
	tap_fail "every referral written meanwhile reached the third peer"
check_eq "the third peer's session was not dropped (no new connection to probation)" \
	"$probation_ups" "$(count_in_log "peer probation connected")"
check "police neither disconnected from nor reconnected to probation" \
	bash -c "! grep -Eq 'peer probation disconnected|reconnecting to probation' '$LOG'"
check_eq "police's peer socket was not reopened (peers' sessions with it stay up)" \
	"$reopened" "$(count_in_log "peer socket reopened")"
check "probation kept its session with police" \
	bash -c "! grep -q 'peer police disconnected' '$W/probation/lfhd.log'"
before=$(count_in_log "debug:")
lfh_at police status >/dev/null
check_eq "log_level info applies at once: no more debug lines" "$before" "$(count_in_log "debug:")"

# A configuration the node would not start with changes nothing.
cp "$conf" "$W/police.conf.good"
printf '\n[peer nosuch]\nendpoint = tcp://127.0.0.1:9\n' >>"$conf"
kill -HUP "${NODE_PID[police]}"
wait_until 10 refused 1 && tap_ok "a [peer] that is no party: the reload is refused" ||
	tap_fail "a [peer] that is no party: the reload is refused" "$(tail -3 "$LOG")"
check "the refusal says why" grep -q "\[peer nosuch\] is not a party of the ISA" "$LOG"
echo "log_level = debug" >>"$conf" # a key outside [node]: the file does not load
kill -HUP "${NODE_PID[police]}"
wait_until 10 refused 2 && tap_ok "a configuration that does not load: the reload is refused" ||
	tap_fail "a configuration that does not load: the reload is refused" "$(tail -3 "$LOG")"
# lfh reads the file too (for the control socket): the running node is still reached, and
# the monitoring check warns that its next start will fail
out=$(lfh_at police case list 2>&1) || tap_fail "lfh reaches the node though lfhd.conf does not load" "$out"
check "... warning that lfhd will not start with the file" grep -q \
	"warning: .*lfhd will not start with this file" <<<"$out"
out=$(lfh_at police status 2>/dev/null)
check_eq "lfh status: WARNING (exit 1) while lfhd.conf does not load" 1 "$?"
check "... saying why" grep -q "^LFH WARNING - .*lfhd will not start with it" <<<"$out"
json=$(lfh_at police status --json 2>/dev/null)
check_eq "... and lfh status --json carries the same verdict" "WARNING 1" \
	"$(json_get '[0].health' <<<"$json") $(json_get '[0].health_code' <<<"$json")"
check "... with the configuration's error" grep -q '"config_error":"[^"]*unknown key' <<<"$json"
cp "$W/police.conf.good" "$conf" # lfh reads it too (for the control socket)
check "after refused reloads the node runs on" node_running police
check "after refused reloads housing keeps its new endpoint" peer_is police housing endpoint "$newep"
check "after refused reloads the log level is unchanged" [ "$(count_in_log "debug:")" = "$before" ]

# A changed listen endpoint waits for the next start, and says why.
relisten=$("$FREEPORT") || bail "freeport"
sed "s|^listen = .*|listen = tcp://127.0.0.1:$relisten|" "$W/police.conf.good" >"$conf"
sighup_police || tap_fail "SIGHUP with a new listen endpoint" "$(tail -3 "$LOG")"
check "a changed listen endpoint is reported for the next start, with the reason" \
	grep -q "SIGHUP: listen changed (.*:$relisten): takes effect when lfhd restarts (the peer socket is bound at start" "$LOG"
cp "$W/police.conf.good" "$conf"
c=$(new_referral police housing "After the reloads") || tap_fail "police refers after SIGHUP"
wait_until 20 has_case housing "$c" && tap_ok "replication goes on after SIGHUP" ||
	tap_fail "replication goes on after SIGHUP"
for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
