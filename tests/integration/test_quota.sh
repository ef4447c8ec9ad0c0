#!/usr/bin/env bash
# test_quota.sh - a member's storage quota (author_quota_mb, PROTOCOL.md 7.3)
# limits the bytes of its events a node holds, not every byte it ever held:
# what retention shreds is given back. Housing takes at most 2 MiB of
# police's events; police attaches 1.4 MB to a case, closes it, and once
# retention has shredded it everywhere, attaches 1.4 MB to a new case,
# which housing takes whole (before 0.4.5 it refused it for ever).
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 1; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
export LFH_TEST_CLOCK_FILE=$W/clock
AG=(police housing)
isa_hub_setup "${AG[@]}"
echo "author_quota_mb = 2" >>"$W/housing/lfhd.conf"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
head -c 1400000 /dev/urandom >"$W/blob.bin"

# close_case CASE: every OSARA step a closure needs, then the closure
close_case() {
	local step out aid=
	for step in "risk --score 22 --level high --answers 'repeat=yes;vulnerable=yes'" \
		"scan --text 'Eleven calls in three months'" \
		"meeting --date 2026-12-01 --attendees police,housing --victim Neighbours --offender Tenant --location 'Flat 2' --responses 'Warning'" \
		"action --agency housing --power tenancy-warning --text 'Serve warning' --due 2026-12-08" \
		"update --status cancelled --text 'Not needed' --action" \
		"assess --plan-done yes --problem-stopped yes --text 'No calls since'" \
		"propose-close --reason 'Problem resolved'" \
		"review --kind closure --outcome close --text 'Agreed at the hub'"; do
		[[ $step == update* ]] && step="$step $aid"
		out=$(eval "lfh_at police case $step" "$1" --json 2>&1) || return 1
		[[ $out =~ \"action\":\"([0-9a-f]{8})\" ]] && aid=${BASH_REMATCH[1]}
	done
	lfh_at police case close "$1" --reason "No further reports" >/dev/null
}
attach() { # CASE TEXT: attach the blob, print the attachment's id
	lfh_at police case attach "$1" "$W/blob.bin" --text "$2" |
		sed -nE 's/.*its id is ([0-9a-f]{12}).*/\1/p'
}
whole_at() { # NODE ID: NODE holds the attachment whole
	rm -f "$W/got.bin"
	lfh_at "$1" case attachment get "$2" --out "$W/got.bin" >/dev/null 2>&1 &&
		cmp -s "$W/got.bin" "$W/blob.bin"
}

c1=$(new_referral police housing "Case one") || bail "referral one"
a1=$(attach "$c1" "CCTV one") && [ -n "$a1" ] || bail "attach one"
wait_until 30 whole_at housing "$a1" || bail "housing takes the first 1.4 MB (within 2 MiB)"
tap_ok "housing holds police's first 1.4 MB attachment, within its 2 MiB quota"
close_case "$c1" || bail "police closes case one"
closed_at_housing() { lfh_at housing case show "$c1" --json | grep -q '"closed"'; }
wait_until 30 closed_at_housing || bail "the closure reaches housing"
echo $(($(date +%s) * 1000 + 3 * 86400000)) >"$W/clock"
shredded_at_housing() { lfh_at housing case show "$c1" 2>&1 | grep -qi "shredded"; }
wait_until 30 shredded_at_housing || bail "retention shreds case one at housing"
tap_ok "retention shreds case one at housing"

c2=$(new_referral police housing "Case two") || bail "referral two"
a2=$(attach "$c2" "CCTV two") && [ -n "$a2" ] || bail "attach two"
if wait_until 30 whole_at housing "$a2"; then
	tap_ok "housing takes police's next 1.4 MB: the shredded bytes left its quota"
else
	tap_fail "housing takes police's next 1.4 MB: the shredded bytes left its quota" \
		"$(grep -i quota "$W/housing/lfhd.log" | tail -2)"
fi
check "housing refused nothing of police's for its quota" \
	bash -c '! grep -q "quota (author_quota_mb)" "$1"' _ "$W/housing/lfhd.log"

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
