#!/usr/bin/env bash
# test_service.sh - lfhd as a systemd service agency IT can run (issue #14):
#   1. Type=notify: READY=1 once serving, WATCHDOG=1 at half of WATCHDOG_USEC,
#      RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM
#      (tests/tools/sdlisten stands in for systemd's notification socket);
#   2. logs: under the journal (JOURNAL_STREAM) each line starts with its
#      syslog priority; the log says when a peer connects, disconnects or is
#      unreachable, once per change;
#   3. lfh status answers Nagios-style: 0 OK, 1 WARNING with the reason when a
#      peer has not been reached for longer than peer_stale_after, 0 again
#      once it is back, 3 when the node does not answer.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
SDLISTEN=$B/tools/sdlisten

AG=(police housing)
isa_hub_setup "${AG[@]}"

# ---- 1. sd_notify
sock=$W/notify.sock
notes=$W/notify.out
"$SDLISTEN" "$sock" 60 >"$notes" 2>&1 &
listen_pid=$!
wait_until 5 test -S "$sock" || bail "sdlisten did not bind $sock"
: >>"$W/police/lfhd.log"
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000
JOURNAL_STREAM=$(stat -c '%d:%i' "$W/police/lfhd.log")
export JOURNAL_STREAM # police's stderr is that file: it takes it for the journal
node_start police || bail "start police"
unset NOTIFY_SOCKET WATCHDOG_USEC JOURNAL_STREAM
note_count() { local n; n=$(grep -c "^$1\$" "$notes"); [ "$n" -ge "$2" ]; }
wait_until 10 note_count READY=1 1 && tap_ok "READY=1 is sent once police serves" ||
	tap_fail "READY=1 is sent once police serves" "$(cat "$notes")"
wait_until 10 note_count WATCHDOG=1 3 && tap_ok "WATCHDOG=1 is sent at half the watchdog interval" ||
	tap_fail "WATCHDOG=1 is sent at half the watchdog interval" "$(cat "$notes")"
check "STATUS= says how many peers are connected" grep -q '^STATUS=serving: 0 of 1 peers connected$' "$notes"
kill -HUP "${NODE_PID[police]}"
wait_until 10 note_count READY=1 2 && tap_ok "SIGHUP: RELOADING=1, then READY=1 again" ||
	tap_fail "SIGHUP: RELOADING=1, then READY=1 again" "$(cat "$notes")"
check "RELOADING=1 came before the second READY=1" \
	awk '/^RELOADING=1$/ { r = 1 } /^READY=1$/ { n++; if (n == 2) exit !r }' "$notes"
# a reload that fails is shown in STATUS= (systemctl status) until one succeeds
conf=$(conf_of police)
cp "$conf" "$W/police.conf.good"
echo "peer_stale_afer = 900" >>"$conf"
kill -HUP "${NODE_PID[police]}"
wait_until 10 grep -q "^STATUS=serving: .*; reload failed, running on the configuration before: .*unknown key 'peer_stale_afer'" "$notes" &&
	tap_ok "a failed reload is said in STATUS=, with why" ||
	tap_fail "a failed reload is said in STATUS=, with why" "$(grep STATUS= "$notes" | tail -2)"
cp "$W/police.conf.good" "$conf"
kill -HUP "${NODE_PID[police]}"
last_status_clean() { ! grep "^STATUS=" "$notes" | tail -1 | grep -q "reload failed"; }
wait_until 10 last_status_clean && tap_ok "... until a reload succeeds" ||
	tap_fail "... until a reload succeeds" "$(grep STATUS= "$notes" | tail -2)"
check "journal: info lines start with <6>, no time of their own" \
	grep -q '^<6>lfhd\[police\] info: agency police up' "$W/police/lfhd.log"
check "journal: warnings start with <4>" grep -q '^<4>lfhd\[police\] warn: ' "$W/police/lfhd.log"
node_stop police
wait "$listen_pid"
check_eq "STOPPING=1 is sent on SIGTERM (sdlisten saw it)" 0 "$?"
grep -q STOPPING=1 "$notes" || tap_fail "STOPPING=1" "$(cat "$notes")"

# ---- 3. health, Nagios-style (police warns of housing after 3 s unreached),
# and 2. the peer lines of police's log
echo "peer_stale_after = 3" >>"$(conf_of police)"
log=$W/police/lfhd.log
: >"$log"
node_start police || bail "start police"
check "no journal: plain lines with their time" grep -Eq '^20[0-9-]+T[0-9:.]+Z lfhd\[police\] info: ' "$log"
unreachable_lines() { grep -c "warn: peer housing unreachable at $(endpoint_of housing): " "$log"; }
wait_until 10 grep -q "warn: peer housing unreachable at" "$log" &&
	tap_ok "log: housing unreachable, with the reason" ||
	tap_fail "log: housing unreachable" "$(tail -5 "$log")"
status_rc() { lfh_at police status >"$W/status.out" 2>&1; echo $?; }
status_is() { [ "$(status_rc)" = "$1" ]; }
if wait_until 15 status_is 1 && grep -q '^LFH WARNING - peer housing not reached for [0-9]*s' "$W/status.out"; then
	tap_ok "lfh status exits 1 (WARNING) naming housing, not reached for longer than peer_stale_after"
else
	tap_fail "lfh status exits 1 (WARNING) naming housing" "exit $(status_rc): $(cat "$W/status.out")"
fi
json=$(lfh_at police status --json)
check_eq "lfh status --json exits 0 and carries the same verdict" "WARNING 1" \
	"$(printf '%s\n' "$json" | json_get '[0].health') $(printf '%s\n' "$json" | json_get '[0].health_code')"
check_eq "log: unreachable said once, not once per retry" 1 "$(unreachable_lines)"
out=$(lfh_at police status --bogus 2>&1)
check_eq "lfh status with a mistyped argument exits 3 (UNKNOWN), never 2 (CRITICAL)" 3 "$?"
check "... and names the argument" grep -q "unexpected argument '--bogus'" <<<"$out"
node_start housing || bail "start housing"
wait_until 10 grep -q "info: peer housing connected ($(endpoint_of housing))" "$log" &&
	tap_ok "log: housing connected" || tap_fail "log: housing connected" "$(tail -5 "$log")"
if wait_until 15 status_is 0 && grep -q '^LFH OK - serving$' "$W/status.out"; then
	tap_ok "lfh status exits 0 (LFH OK) once housing is reached again"
else
	tap_fail "lfh status exits 0 (LFH OK) once housing is back" "exit $(status_rc): $(cat "$W/status.out")"
fi

node_stop housing
wait_until 10 grep -q "warn: peer housing disconnected ($(endpoint_of housing)): reconnecting" "$log" &&
	tap_ok "log: housing disconnected" || tap_fail "log: housing disconnected" "$(tail -5 "$log")"
wait_until 15 status_is 1 && tap_ok "WARNING again when housing stops" ||
	tap_fail "WARNING again when housing stops" "exit $(status_rc): $(cat "$W/status.out")"
node_start housing || bail "start housing again"
wait_until 15 status_is 0 && tap_ok "OK again when housing is back" ||
	tap_fail "OK again when housing is back" "exit $(status_rc): $(cat "$W/status.out")"
check_eq "log: connected twice, and no more unreachable lines after the disconnect" "2 1" \
	"$(grep -c "info: peer housing connected" "$log") $(unreachable_lines)"
node_stop police
node_stop housing
rc=$(status_rc)
check_eq "lfh status exits 3 (UNKNOWN) when the node does not answer" 3 "$rc"
check "... and says so on its first line" grep -q '^LFH UNKNOWN - ' "$W/status.out"

tap_done
