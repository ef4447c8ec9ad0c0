#!/usr/bin/env bash
# test_store_full.sh - a full store is said as such (issue #14): police, on a
# 1 MiB LMDB map, files referrals until the map is full; lfh and the log say
# the store's file is full and that map_size_mb is the setting to raise (not
# "Input/output error"), and the node goes on answering; lfh status is
# CRITICAL, saying how full the store is (it said OK).
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

isa_hub_setup police housing
sed -i "s/^map_size_mb = .*/map_size_mb = 1/" "$(conf_of police)"
log=$W/police/lfhd.log
node_start police || bail "start police on a 1 MiB map"
big=$(printf '%03000d' 0)
full=""
for i in $(seq 1 1000); do
	if ! out=$(lfh_at police referral new --summary "Bulk $i" --location "Market Place" \
		--category asb --description "$big" --risk standard --to housing 2>&1); then
		full=$out
		break
	fi
done
case $full in
*"store $W/police/data/data.mdb is full"*"raise map_size_mb"*) tap_ok "lfh: a full map is said as such, naming the file and map_size_mb" ;;
*) tap_fail "lfh: a full map is said as such" "after $i referrals: $full" ;;
esac
check "police's log says the same" grep -q "error: .*store $W/police/data/data.mdb is full: its LMDB map of 1 MiB is used up; raise map_size_mb" "$log"
check "police still answers once full" lfh_at police status --json
st=$(lfh_at police status 2>&1)
check "lfh status says the store is full, and what to raise (not OK)" \
	grep -Eq "the store is (9[5-9]|100)% full .*raise map_size_mb" <<<"$st"
check "... as the first line's verdict" grep -q "^LFH CRITICAL" <<<"$st"
check "... and its JSON gives the sizes" grep -q '"store_size_bytes":1048576' <<<"$(lfh_at police status --json)"
node_stop police

tap_done
