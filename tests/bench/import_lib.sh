#!/usr/bin/env bash
# tests/bench/import_lib.sh - what the import benches share (import.sh,
# import_writes.sh): sourced after tests/integration/lib.sh. import_hub N
# sets up a two-agency ISA hub with police's lfhd running (housing not, so
# replication takes no CPU; log_level warn) and writes a generated history
# of N cases (tests/tools/gen_history.sh) to $W/history.jsonl; it calls the
# caller's fail (which exits) when something does not work.
# shellcheck disable=SC2034 # ISA_CATEGORIES is read by isa_hub_setup (lib.sh)
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'

import_hub() {
	{
		isa_hub_setup police housing
		sed -i 's/^log_level = .*/log_level = warn/' "$W/police/lfhd.conf"
		node_start police
	} >/dev/null 2>&1 || fail "police's lfhd did not start"
	sh "$(dirname "${BASH_SOURCE[0]}")/../tools/gen_history.sh" "$1" >"$W/history.jsonl" ||
		fail "generating"
}
