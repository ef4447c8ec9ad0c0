#!/usr/bin/env bash
# test_signals.sh - lfhd as a service (issue #14, part): SIGHUP reads the
# configuration and key directory again without stopping the node (a changed
# log_level applies at once, a changed listen endpoint is reported for the
# next start); SIGTERM stops it cleanly; both programs print their version.
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

AG=(police housing)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
conf=$(conf_of police)
newport=$("$FREEPORT") || bail "freeport"
cp "$conf" "$W/police.conf.orig"
sed -i "s/^log_level = .*/log_level = warn/; s/^\(listen = tcp:\/\/127.0.0.1:\).*/\1$newport/" "$conf"
kill -HUP "${NODE_PID[police]}"
reloaded() { grep -q "SIGHUP: configuration and key directory read again" "$W/police/lfhd.log"; }
if wait_until 10 reloaded; then
	tap_ok "SIGHUP: police reads its configuration and keys again"
else
	tap_fail "SIGHUP: police reads its configuration and keys again" "$(tail -5 "$W/police/lfhd.log")"
fi
check "SIGHUP does not stop the node" node_running police
check "a changed listen endpoint is reported for the next start" \
	grep -q "take effect when lfhd restarts" "$W/police/lfhd.log"
sed "s/^log_level = .*/log_level = warn/" "$W/police.conf.orig" >"$conf"
c=$(new_referral police housing "After the reload") || tap_fail "police refers after SIGHUP"
wait_until 20 has_case housing "$c" && tap_ok "replication goes on after SIGHUP" ||
	tap_fail "replication goes on after SIGHUP"
before=$(grep -c "debug:" "$W/police/lfhd.log")
lfh_at police status >/dev/null
after=$(grep -c "debug:" "$W/police/lfhd.log")
check_eq "log_level warn applies at once: no more debug lines" "$before" "$after"
for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
