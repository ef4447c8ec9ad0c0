#!/usr/bin/env bash
# test_malformed.sh - a configured peer (housing's keys) sends garbage to
# police's peer socket: random frames, a truncated PULL, wrongly typed
# msgpack, a 5 MiB frame, a BATCH of random blobs. Police must stay up,
# keep answering, store nothing, log the rejects, and still replicate. An
# unknown key sending garbage is refused at the handshake. Then housing's
# keys flood police with PULLs and never read the answers: police's memory
# stays bounded (it queues a few replies, serves 64 requests a second) and
# it still serves the real housing node.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
# Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default):
# a small one, so that the memory bound below measures the node, not the quarantine.
[[ $B == *san* ]] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"

hub_setup police housing
agency_init stranger || bail "stranger keys" # keys no node knows
for n in police housing; do
	node_start "$n" || bail "start $n"
done
tap_ok "two nodes started"

c1=$(new_referral police housing "Before the garbage")
[[ $c1 =~ ^[0-9a-f]{32}$ ]] || bail "police files a referral" "got '$c1'"
if wait_until 15 has_case housing "$c1"; then
	tap_ok "housing receives the first referral"
else
	tap_fail "housing receives the first referral"
fi
E0=$(node_events police)
log=$W/police/lfhd.log
lines_before=$(wc -l <"$log")

# ---- garbage from a configured peer's keys
out=$("$RAWPEER" --keys "$W/housing/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 5000 garbage 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   | /'
if [ "$rc" -eq 0 ]; then
	tap_ok "police answers a valid PULL after the garbage"
else
	tap_fail "police answers a valid PULL after the garbage" "rawpeer exit $rc"
fi
check "police is still running" node_running police
check "police answers status" lfh_at police status --json # answers, whatever its health
check_eq "police stored nothing from the garbage" "$E0" "$(node_events police)"
check_eq "police: no equivocation evidence" 0 "$(status_field police evidence)"

# well-formed messages of a type no server takes get ERRORs at the malformed rate, not each one
out=$("$RAWPEER" --keys "$W/housing/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 1500 wrongtype 2>&1)
answers=$(sed -n 's/^answers \([0-9]*\)$/\1/p' <<<"$out")
if [ -n "$answers" ] && [ "$answers" -ge 1 ] && [ "$answers" -le 10 ]; then
	tap_ok "50 messages of a wrong type get a few ERRORs ($answers), not one each"
else
	tap_fail "50 messages of a wrong type get a few ERRORs, not one each" "$out"
fi

new_lines=$(tail -n +"$((lines_before + 1))" "$log")
rejects=$(printf '%s\n' "$new_lines" |
	grep -Eci 'reject|malformed|invalid|bad |decod|codec|too (big|large)|oversize|refus|ignor|drop|unexpected|unknown')
if [ "${rejects:-0}" -ge 1 ]; then
	tap_ok "police logs the rejects ($rejects lines)"
else
	tap_fail "police logs the rejects" "no reject lines among $(printf '%s\n' "$new_lines" | wc -l) new log lines"
fi
if printf '%s\n' "$new_lines" | grep -Eq 'AddressSanitizer|runtime error|Invalid (read|write)|Segmentation'; then
	tap_fail "no memory errors in police's log"
else
	tap_ok "no memory errors in police's log"
fi

# ---- garbage from a key nobody configured: refused at the handshake
out=$("$RAWPEER" --keys "$W/stranger/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 1500 garbage 2>&1)
rc=$?
if [ "$rc" -eq 3 ]; then
	tap_ok "an unknown key gets no reply"
else
	tap_fail "an unknown key gets no reply" "exit $rc: $out"
fi
check "police is still running after the unknown key" node_running police
# a stranger dialling again and again: at most 5 refusal lines a second, the rest counted
# (in one line when a later second sees a refusal). A burst of 6 dialers makes more than 5
# attempts in a second unless the host is very busy: bursts until one did, at most 8.
counted_refusals() { grep -q "more connections from unknown CURVE keys (not logged" "$log"; }
for burst in 1 2 3 4 5 6 7 8; do
	dialers=()
	for i in 1 2 3 4 5 6; do
		"$RAWPEER" --keys "$W/stranger/keys" --server-pub "$W/pub/police.pub" \
			--endpoint "$(endpoint_of police)" --timeout 400 garbage >/dev/null 2>&1 &
		dialers+=($!)
	done
	wait "${dialers[@]}" # (not a bare wait: the nodes are this shell's children too)
	"$RAWPEER" --keys "$W/stranger/keys" --server-pub "$W/pub/police.pub" \
		--endpoint "$(endpoint_of police)" --timeout 1200 garbage >/dev/null 2>&1
	counted_refusals && break
done
worst=$(grep "refused connection from unknown CURVE key" "$log" | cut -c1-19 | sort | uniq -c |
	sort -rn | awk 'NR == 1 { print $1 }')
check "refused connections are logged at most 5 a second (worst second: ${worst:-0})" \
	[ "${worst:-0}" -le 5 ]
check "the refusals not logged are counted in one line" counted_refusals
check_eq "police stored nothing from the unknown key" "$E0" "$(node_events police)"

# ---- replication still works both ways
c2=$(new_referral police housing "After the garbage")
[[ $c2 =~ ^[0-9a-f]{32}$ ]] || tap_fail "police files a referral after the garbage" "got '$c2'"
if wait_until 15 has_case housing "$c2"; then
	tap_ok "housing receives a referral after the garbage"
else
	tap_fail "housing receives a referral after the garbage"
fi
c3=$(new_referral housing police "Housing writes back")
if wait_until 15 has_case police "$c3"; then
	tap_ok "police still pulls from housing"
else
	tap_fail "police still pulls from housing"
fi

# ---- a PULL flood whose answers are never read
for i in $(seq 1 150); do
	referral_quick police housing "Flood filler $i" "$W/flood.cases" || bail "filler referral $i"
done
wait_until 30 events_are housing "$(node_events police)" || bail "housing catches up before the flood"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/${NODE_PID[police]}/status"; }
rss0=$(rss_kb)
out=$("$RAWPEER" --keys "$W/housing/keys" --server-pub "$W/pub/police.pub" \
	--endpoint "$(endpoint_of police)" --timeout 8000 flood 2>&1)
printf '%s\n' "$out" | sed 's/^/#   | /'
rss1=$(rss_kb)
echo "# police RSS before the flood ${rss0} kB, after ${rss1} kB"
cap_mb=64
[[ $B == *san* ]] && cap_mb=128 # AddressSanitizer keeps freed memory in quarantine (32 MiB here)
check "police's memory stays within $cap_mb MiB of where it was during an 8 s PULL flood" \
	[ "$((rss1 - rss0))" -lt "$((cap_mb * 1024))" ]
check "police logs the requests it did not serve" grep -q "requests from housing in one second" "$log"
c4=$(new_referral police housing "After the flood")
if wait_until 15 has_case housing "$c4"; then
	tap_ok "the real housing node is still served after the flood"
else
	tap_fail "the real housing node is still served after the flood"
fi

# ---- malformed control requests: logged at most five a second, then counted
CTLGARBAGE=$B/tools/ctlgarbage
"$CTLGARBAGE" "ipc://$W/police/control.sock" 200 || tap_fail "ctlgarbage sends 200 requests"
# the count of those not logged is written when the next second's first one comes
counted() { grep -q "more malformed requests not logged" "$log"; }
more_garbage() { "$CTLGARBAGE" "ipc://$W/police/control.sock" 1 && counted; }
wait_until 10 more_garbage || tap_fail "police counts the malformed requests it did not log"
logged=$(grep -c "control: malformed request" "$log")
echo "# police logged $logged malformed control requests of 201 or more"
check "malformed control requests are logged at most five a second" [ "$logged" -le 15 ]
check "the rest are counted in one line" counted
check "police still answers the CLI" lfh_at police status --json

# ---- requests refused before they ran (no key, an unknown command): audited at most five a
# second, each by its command's name or '?', never the client's bytes (16 KB each filled
# the store); the rest counted in the next one audited
"$CTLGARBAGE" "ipc://$W/police/control.sock" 300 big || tap_fail "ctlgarbage sends 300 big requests"
skipped_seen() { lfh_at police audit --json --limit 10000 | grep -q '"skipped":[1-9]'; }
more_big() { "$CTLGARBAGE" "ipc://$W/police/control.sock" 1 big && skipped_seen; }
wait_until 15 more_big || tap_fail "police counts the refused requests it did not audit"
audit=$(lfh_at police audit --json --limit 10000)
unrun=$(grep -o '"cmd":"?"' <<<"$audit" | wc -l)
echo "# police audited $unrun of 301 or more refused requests one by one"
check "refused requests are audited at most five a second (not all 300)" [ "$unrun" -lt 60 ]
check "... by '?', never the 16 KB the client sent as its command (by: 80 bytes at most)" \
	bash -c '! grep -qE "\"cmd\":\"x|x{81}" <<<"$1"' _ "$audit"
check "... the rest counted (skipped)" grep -q '"skipped":[1-9]' <<<"$audit"
# refused on arrival (a byte not UTF-8) in a user's name: audited as unverified, rate-limited
"$CTLGARBAGE" "ipc://$W/police/control.sock" 100 cmd=case_list "by=PC Smith" x=$'\xff' ||
	tap_fail "ctlgarbage sends 100 requests with a byte not UTF-8"
early_seen() { lfh_at police audit --json --limit 10000 | grep -q '"by":"(unverified) PC Smith"'; }
more_early() { "$CTLGARBAGE" "ipc://$W/police/control.sock" 1 cmd=case_list "by=PC Smith" x=$'\xff' && early_seen; }
wait_until 15 more_early || tap_fail "police audits the requests refused on arrival"
audit=$(lfh_at police audit --json --limit 10000)
check "a request refused on arrival is never audited as the user it names" \
	bash -c '! grep -q "\"by\":\"PC Smith\"" <<<"$1"' _ "$audit"
check "... and at most five a second (not all 100)" \
	[ "$(grep -o '"by":"(unverified) PC Smith"' <<<"$audit" | wc -l)" -lt 40 ]
out=$(lfh_at police referral new --summary $'Bad \xff\xfe bytes' --location x --category asb \
	--risk standard --to housing 2>&1)
check_eq "a request with text that is not UTF-8 is refused (exit 1)" 1 "$?"
check "... naming the field" grep -q "summary: not UTF-8 text" <<<"$out"
out=$(lfh_at police referral new --summary s --location x --category asb --risk standard \
	--to $'housing\e]2;PWNED\a\e[2J' 2>&1 >/dev/null)
check "an error quoting what was sent shows its control characters as '?' on stderr" \
	bash -c '! grep -q $'"'"'\e'"'"' <<<"$1" && grep -q "housing?]2;PWNED??\[2J" <<<"$1"' _ "$out"

for n in police housing; do
	node_stop "$n"
done
tap_done
