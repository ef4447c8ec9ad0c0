#!/usr/bin/env bash
# A peer flooding us with BATCHes nobody asked for (PROTOCOL.md 9.2, 9.8):
# each holds 4096 copies of one validly signed event we refuse. A BATCH is
# taken only as the answer to a PULL in flight, a batch's copies of one id
# are judged once, the dealer queues few replies and the rejection log is
# rate-limited: memory, log and CPU stay bounded and the node answers.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
EVIL=$B/tools/evilpeer
HOSTILE=$B/tools/hostile
require_bins "$EVIL" "$HOSTILE"
FLOOD_S=${FLOOD_S:-6}
AG=(police council)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do node_start "$n" || bail "start $n"; done
ch=$(new_referral council police "Council case") || bail "council referral"
wait_until 20 has_case police "$ch" || bail "the case reaches police"
node_stop council
id=$("$HOSTILE" -c "$(conf_of council)" wrong-category "$ch" | awk '{print $1}')
[ -n "$id" ] || bail "hostile: an event police refuses"
tap_ok "council holds a validly signed event police refuses"

pid=${NODE_PID[police]}
count_lines "$W/police/lfhd.log"
lines0=$LINES_N
"$EVIL" --keys "$W/council/keys" --listen "$(endpoint_of council)" --config "$(conf_of council)" \
	--event "$id" flood "$FLOOD_S" >"$W/evil.out" 2>"$W/evil.err" &
evil=$!
flooded() { grep -q 'rejected event from council' "$W/police/lfhd.log"; }
wait_until 10 flooded || bail "the flood reaches police" "$(cat "$W/evil.err")"
status_fast() { timeout 3 "$LFH" -c "$(conf_of police)" status --json >/dev/null 2>&1; }
check "police answers status during the flood" status_fast
wait_until $((FLOOD_S + 10)) _pid_gone "$evil" || bail "evilpeer ends"
wait "$evil"
echo "# evilpeer: $(cat "$W/evil.out")"
hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
echo "# police peak RSS ${hwm} kB"
if [ "$hwm" -lt 400000 ]; then
	tap_ok "police's memory stays bounded (peak RSS < 400 MB)"
else
	tap_fail "police's memory stays bounded (peak RSS < 400 MB)" "peak RSS $hwm kB"
fi
count_lines "$W/police/lfhd.log"
lines=$((LINES_N - lines0))
rej=$(grep -c 'rejected event from council' "$W/police/lfhd.log")
echo "# police logged $lines lines, $rej of them rejected events, during the flood"
if [ "$lines" -lt 2000 ]; then
	tap_ok "police's log stays small during the flood"
else
	tap_fail "police's log stays small during the flood" "$lines lines, $rej rejections"
fi
if grep -q 'more rejected events from council' "$W/police/lfhd.log" ||
	grep -q 'unrequested replies from council' "$W/police/lfhd.log"; then
	tap_ok "what was not logged one by one is counted"
else
	tap_fail "what was not logged one by one is counted"
fi
node_stop police
tap_done
