#!/usr/bin/env bash
# test_metrics.sh - Prometheus metrics (issue #14): with metrics_listen set,
# GET /metrics answers in the text exposition format with # HELP and # TYPE
# for every family (events, peers, catch-up rate, LMDB map, control requests
# and their latency, key and ISA expiry, the gauges' snapshot age); the
# values move when events flow; other paths get 404, POST 405, HEAD 200;
# without metrics_listen nothing listens; a peer down since lfhd started has
# a lag and last-seen that grow (not NaN); on 0.0.0.0 lfhd warns.
# tests/tools/scrape is the client (no curl needed).
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
SCRAPE=$B/tools/scrape

AG=(police housing)
isa_hub_setup "${AG[@]}"
mport=$("$FREEPORT") || bail freeport
echo "metrics_listen = 127.0.0.1:$mport" >>"$(conf_of housing)"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
m1=$W/m1.txt
wait_until 10 "$SCRAPE" 127.0.0.1 "$mport" || bail "no metrics on 127.0.0.1:$mport"
"$SCRAPE" 127.0.0.1 "$mport" >"$m1"

families="lfh_events_stored lfh_events_received_total lfh_events_received_stored_total
lfh_events_held_total lfh_events_written_total lfh_events_rejected_total lfh_peer_connected
lfh_peer_lag_seconds lfh_peer_last_seen_seconds lfh_catchup_events_per_second
lfh_store_map_used_bytes lfh_store_map_size_bytes lfh_control_requests_total
lfh_control_request_seconds lfh_key_expiry_seconds lfh_isa_review_seconds
lfh_keys_reserved_total lfh_grants_reserved_total lfh_metrics_snapshot_age_seconds
lfh_events_held_now lfh_peer_received_total lfh_peer_stored_total lfh_peer_rejected_total
lfh_peer_held_total lfh_peer_dropped_total"
missing=""
for f in $families; do
	grep -q "^# HELP $f " "$m1" && grep -q "^# TYPE $f " "$m1" || missing="$missing $f"
done
check_eq "every family has # HELP and # TYPE" "" "$missing"
# every sample line: NAME{labels} VALUE, VALUE a number, NaN or +Inf
bad=$(grep -v '^#' "$m1" | grep -Ev '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$' | head -3)
check_eq "every sample parses (name, labels, value)" "" "$bad"
value() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
check_eq "the map size is map_size_mb (256 MiB)" 268435456 "$(value "$m1" lfh_store_map_size_bytes)"
check_eq "per-peer samples name police" 1 "$(grep -c '^lfh_peer_connected{peer="police"} ' "$m1")"
check "rejections carry a reason label" grep -q '^lfh_events_rejected_total{reason="crypto"} 0$' "$m1"
check "events held aside, by author: none of police's" grep -q '^lfh_events_held_now{author="police"} 0$' "$m1"
check "the gauges' snapshot is recent (under 5 s old)" \
	awk '$1 == "lfh_metrics_snapshot_age_seconds" && $2 < 5 { f = 1 } END { exit !f }' "$m1"
check "our key's expiry is a number of seconds (the keyring knows our generation)" \
	awk '$1 == "lfh_key_expiry_seconds" && $2 != "NaN" { f = 1 } END { exit !f }' "$m1"
check "HEAD /metrics is answered (200)" env SCRAPE_METHOD=HEAD "$SCRAPE" 127.0.0.1 "$mport"
SCRAPE_METHOD=POST "$SCRAPE" 127.0.0.1 "$mport" >/dev/null 2>&1
check_eq "POST is refused (scrape exits 1)" 1 "$?"
check "loopback: no warning about other machines" \
	bash -c "! grep -q 'reachable from other machines' '$W/housing/lfhd.log'"

peer_up() { "$SCRAPE" 127.0.0.1 "$mport" | grep -q '^lfh_peer_connected{peer="police"} 1.000$'; }
wait_until 15 peer_up && tap_ok "police shows as connected" || tap_fail "police shows as connected"

# events flow: police refers 3 cases to housing; housing reads one
before_recv=$(value "$m1" lfh_events_received_stored_total)
before_stored=$(value "$m1" lfh_events_stored)
for i in 1 2 3; do
	c=$(new_referral police housing "Metrics $i") || tap_fail "police refers case $i"
done
wait_until 20 has_case housing "$c" || tap_fail "the cases reach housing"
lfh_at housing case show "$c" >/dev/null
moved() {
	"$SCRAPE" 127.0.0.1 "$mport" >"$W/m2.txt" || return 1
	[ "$(value "$W/m2.txt" lfh_events_received_stored_total)" -gt "$before_recv" ] &&
		[ "$(value "$W/m2.txt" lfh_events_stored)" -gt "$before_stored" ] &&
		[ "$(value "$W/m2.txt" 'lfh_control_requests_total{command="case_show"}')" -ge 1 ]
}
if wait_until 10 moved; then
	tap_ok "received, stored and request counters move when events flow"
else
	tap_fail "counters move when events flow" "$(grep -E '^lfh_events|case_show' "$W/m2.txt")"
fi
check "per peer counters: police's events received and stored" \
	awk '$1 == "lfh_peer_stored_total{peer=\"police\"}" && $2 >= 3 { a = 1 }
	     $1 == "lfh_peer_received_total{peer=\"police\"}" && $2 >= 3 { b = 1 } END { exit !(a && b) }' "$W/m2.txt"
check "the latency histogram counted the case show" \
	grep -q '^lfh_control_request_seconds_count{command="case_show"} [1-9]' "$W/m2.txt"
check "the map in use grew past zero" awk '$1 == "lfh_store_map_used_bytes" && $2 > 0 { f = 1 } END { exit !f }' "$W/m2.txt"
"$SCRAPE" 127.0.0.1 "$mport" /other >/dev/null 2>&1
check_eq "another path gets 404 (scrape exits 1)" 1 "$?"
check "housing's log says where the metrics are" \
	grep -q "info: metrics on http://127.0.0.1:$mport/metrics" "$W/housing/lfhd.log"
check "police, without metrics_listen, serves none" bash -c "! grep -q 'metrics on' '$W/police/lfhd.log'"
for n in "${AG[@]}"; do
	node_stop "$n"
done

# Housing restarted while police stays down: police's lag and last-seen count from
# housing's start (an alert on them must fire), never NaN.
node_start housing || bail "restart housing"
lag_counts() {
	"$SCRAPE" 127.0.0.1 "$mport" >"$W/m3.txt" || return 1
	awk '$1 == "lfh_peer_lag_seconds{peer=\"police\"}" && $2 != "NaN" && $2 >= 1 { a = 1 }
	     $1 == "lfh_peer_last_seen_seconds{peer=\"police\"}" && $2 != "NaN" && $2 >= 1 { b = 1 }
	     END { exit !(a && b) }' "$W/m3.txt"
}
wait_until 15 lag_counts && tap_ok "a peer down since the start: lag and last-seen grow from it, not NaN" ||
	tap_fail "a peer down since the start: lag and last-seen grow" "$(grep '^lfh_peer' "$W/m3.txt")"
node_stop housing

# Any address but loopback: lfhd warns that the endpoint is open to other machines.
sed -i "s/^metrics_listen = 127.0.0.1:/metrics_listen = 0.0.0.0:/" "$(conf_of housing)"
node_start housing || bail "start housing on 0.0.0.0"
check "on 0.0.0.0 lfhd warns that other machines reach it" \
	grep -q "warn: metrics_listen 0.0.0.0:$mport is reachable from other machines" "$W/housing/lfhd.log"
node_stop housing
tap_done
