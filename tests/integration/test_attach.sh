#!/usr/bin/env bash
# test_attach.sh - files attached to a case (issue #15, item 6), on a live
# three-agency hub (police, housing, council), through the lfh CLI:
#
#   1. police attaches a 10 MiB file to a case shared with housing and
#      council; housing gets it back byte-identical, and `case show` shows
#      one entry for it (its pieces are no entries);
#   2. council was offline: it catches up through housing alone (police is
#      stopped), a relay, and gets the same bytes;
#   3. what is refused, with a message naming why: a file over 25 MiB, an
#      empty one, --out over an existing file, an id that is no attachment,
#      an attachment on a closed case;
#   4. shredding: when the case's retention ends, every node drops the file
#      with its category: `attachment get` finds nothing and the pieces'
#      events are gone from every store.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

export LFH_TEST_CLOCK_FILE=$W/clock
HOSTILE=$B/tools/hostile
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing council)
isa_hub_setup "${AG[@]}"
for n in police housing; do
	node_start "$n" || bail "start $n"
done
tap_ok "police and housing are running (council is offline)"

c=$(lfh_at police referral new --summary "Repeat ASB at the Maryport flats" --location "Senhouse St" \
	--category asb --risk standard --subject "Ann Example" --to housing,council --json |
	json_field case) || bail "referral"
wait_until 20 has_case housing "$c" || bail "the case reaches housing"

# ---- 1. a 10 MiB file, byte-identical at another node
head -c $((10 * 1024 * 1024)) /dev/urandom >"$W/cctv.bin"
out=$(lfh_at police case attach "$c" "$W/cctv.bin" --text "CCTV stills, Maryport flats" 2>&1)
check "police attaches a 10 MiB file" grep -q "attached cctv.bin (10.0 MiB)" <<<"$out"
id=$(sed -nE 's/.*its id is ([0-9a-f]{12}).*/\1/p' <<<"$out")
check "the attachment's id is printed" test -n "$id"
E=$(node_events police)
wait_until 60 events_are housing "$E" || tap_fail "housing holds police's $E events" \
	"it has $(node_events housing)"
lfh_at housing case attachment get "$id" --out "$W/got-housing.bin" 2>"$W/get.err"
check "housing gets the file back byte-identical" cmp -s "$W/cctv.bin" "$W/got-housing.bin"
check "the download says it was checked" grep -q "SHA-256 checked" "$W/get.err"
check_eq "the file is written mode 0600" 600 "$(stat -c %a "$W/got-housing.bin")"
show=$(lfh_at housing case show "$c")
if grep -q "attached cctv.bin (10.0 MiB): CCTV stills" <<<"$show"; then
	tap_ok "case show shows the attachment as an entry"
else
	tap_fail "case show shows the attachment as an entry" "$show"
fi
chrono=$(lfh_at housing case chronology "$c" 2>&1)
grep -q "attached cctv.bin (10.0 MiB)" <<<"$chrono" &&
	tap_ok "the court chronology lists the attachment by name" ||
	tap_fail "the court chronology lists the attachment by name" "$chrono"
check "... with its SHA-256, to check the file against" grep -q \
	"attached cctv.bin (10.0 MiB).*; SHA-256 $(sha256sum "$W/cctv.bin" | cut -c1-64)" <<<"$chrono"
sar=$(lfh_at housing sar --subject "Ann Example" 2>&1)
grep -q "attached cctv.bin" <<<"$sar" && tap_ok "a subject access export names the attachment" ||
	tap_fail "a subject access export names the attachment" "$sar"
entries=$(lfh_at housing case show "$c" --all --json | json_flat | grep -c '\]\.event=')
check "its 854 pieces are no entries of the case ($entries entries)" test "$entries" -lt 20
meta=$(lfh_at housing case attachment get "$id" --out "$W/got2.bin" --json)
check_eq "--json describes the file" "cctv.bin $((10 * 1024 * 1024)) police" \
	"$(json_field name <<<"$meta") $(json_field size <<<"$meta") $(json_field author <<<"$meta")"
check_eq "its SHA-256 is the file's" "$(sha256sum "$W/cctv.bin" | cut -d' ' -f1)" \
	"$(json_field sha256 <<<"$meta")"

# ---- 1b. a member's forged attachment: pieces that are not the file it claims
node_stop housing
forged=$("$HOSTILE" -c "$(conf_of housing)" forged-attach "$c" 2>&1) ||
	tap_fail "the hostile tool writes forged-attach" "$forged"
node_start housing || bail "restart housing"
forged_id=${forged:0:12}
wait_until 30 events_are police "$(node_events housing)" || tap_fail "police receives housing's forgery"
out=$(lfh_at police case attachment get "$forged_id" --out "$W/forged.bin" 2>&1) &&
	tap_fail "a forged attachment is never handed out" "$out" ||
	check "a forged attachment is never handed out, saying why" grep -q "not the one attached" <<<"$out"
check "nothing is written for it" test ! -e "$W/forged.bin"
check_eq "no partial file is left beside it" "" "$(ls "$W" | grep forged.bin.part)"

# ---- 2. through a relay: council catches up from housing alone
E=$(node_events housing)
node_stop police
node_start council || bail "start council"
if wait_until 90 events_are council "$E"; then
	tap_ok "council catches up all $E events through housing"
else
	tap_fail "council catches up all $E events through housing" "it has $(node_events council)"
fi
lfh_at council case attachment get "$id" --out "$W/got-council.bin" 2>/dev/null
check "council gets the same bytes through the relay" cmp -s "$W/cctv.bin" "$W/got-council.bin"
node_start police || bail "restart police"

# ---- 3. refused, with reasons
truncate -s $((25 * 1024 * 1024 + 1)) "$W/big.bin"
out=$(lfh_at police case attach "$c" "$W/big.bin" 2>&1) &&
	tap_fail "a file over 25 MiB is refused" "$out" ||
	check "a file over 25 MiB is refused, saying the limit" grep -q "25 MiB" <<<"$out"
: >"$W/empty.bin"
out=$(lfh_at police case attach "$c" "$W/empty.bin" 2>&1) &&
	tap_fail "an empty file is refused" "$out" || check "an empty file is refused" grep -q "empty" <<<"$out"
out=$(lfh_at housing case attachment get "$id" --out "$W/got-housing.bin" 2>&1) &&
	tap_fail "get over an existing file is refused" "$out" ||
	check "get over an existing file is refused" grep -q "exists" <<<"$out"
ref_ev=$(lfh_at police case show "$c" --json | json_flat | sed -nE 's/^\[[0-9]+\]\.event=(.{12}).*/\1/p' | head -n 1)
out=$(lfh_at police case attachment get "${ref_ev:-00000000}" --out "$W/x.bin" 2>&1)
if [ $? -ne 0 ] && grep -q "not an attachment" <<<"$out"; then
	tap_ok "an entry that is no attachment is refused"
else
	tap_fail "an entry that is no attachment is refused" "$ref_ev: $out"
fi
check "nothing is left behind by refused downloads" test ! -e "$W/x.bin"
out=$(lfh_at police case attachment get zz --out "$W/x.bin" 2>&1) &&
	tap_fail "a malformed id is refused" "$out" || check "a malformed id is refused" grep -q "hex digits" <<<"$out"

# ---- 4. the case closes; at the end of retention the file is shredded everywhere
for step in "risk --score 22 --level high --answers 'repeat=yes;vulnerable=yes'" \
	"scan --text 'Eleven calls in three months'" \
	"meeting --date 2026-12-01 --attendees police,housing --victim Neighbours --offender Tenant --location 'Flat 2' --responses 'Warning'"; do
	out=$(eval "lfh_at police case $step" "$c" 2>&1) || tap_fail "police: case $step" "$out"
done
# an assessment needs an action: task one and settle it
out=$(lfh_at police case action "$c" --agency housing --power tenancy-warning --text "Serve warning" \
	--due 2026-12-08 --json 2>&1) || tap_fail "police tasks an action" "$out"
aid=$(json_field action <<<"$out")
for step in "update --status done --text 'Served' --action $aid" \
	"assess --plan-done yes --problem-stopped yes --text 'No calls since'" \
	"propose-close --reason 'Problem resolved'" \
	"review --kind closure --outcome close --text 'Agreed at the hub'"; do
	out=$(eval "lfh_at police case $step" "$c" 2>&1) || tap_fail "police: case $step" "$out"
done
lfh_at police case close "$c" --reason "No further reports" >/dev/null || tap_fail "police closes the case"
out=$(lfh_at police case attach "$c" "$W/cctv.bin" 2>&1) &&
	tap_fail "a closed case takes no attachment" "$out" ||
	check "a closed case takes no attachment" grep -q "closed" <<<"$out"
closed_everywhere() {
	local n
	for n in "${AG[@]}"; do
		lfh_at "$n" case show "$c" --json | grep -q '"closed"' || return 1
	done
}
wait_until 30 closed_everywhere || tap_fail "the closure reaches every participant"
before=$(node_events housing)
echo $(($(date +%s) * 1000 + 31 * 86400000)) >"$W/clock"
gone_at() {
	rm -f "$W/gone-$1.bin"
	! lfh_at "$1" case attachment get "$id" --out "$W/gone-$1.bin" 2>"$W/gone-$1.err" &&
		grep -q "no attachment" "$W/gone-$1.err"
}
for n in "${AG[@]}"; do
	if wait_until 30 gone_at "$n"; then
		tap_ok "$n: the attachment is shredded with its category"
	else
		tap_fail "$n: the attachment is shredded with its category"
	fi
	check "$n: no partial download is left" test ! -e "$W/gone-$n.bin"
done
after=$(node_events housing)
check "housing's store dropped the file's 854 pieces ($before -> $after events)" \
	test "$after" -le $((before - 854))

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
