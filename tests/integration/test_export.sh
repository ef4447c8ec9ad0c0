#!/usr/bin/env bash
# test_export.sh - what a hub hands over (issue #15, item 5), on a live
# three-agency hub (police, housing, council), through the lfh CLI:
#
#   1. a court chronology: a case with entries from three agencies, some
#      dated earlier than they were written (--on), one redacted by the lead
#      and one amended: `lfh case chronology` lists them in date order,
#      numbered, the correction in place, the redacted entry left out, key
#      housekeeping left out; as HTML (escaped, written 0600 with --out) and
#      as one JSON document; the node's audit log records the export;
#   2. subject access: a subject spread over three cases at two nodes
#      (police's and housing's); `lfh sar --subject` at each node finds
#      exactly the cases it holds about that person (not a namesake with
#      another date of birth), every entry the test wrote, who each was
#      shared with, and who read the case; another case whose note names
#      the person is listed as a mention (where, and that text only); it
#      needs the manager role.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing council)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a three-agency hub is running"
export LFH_TZ=Europe/London

# ---- 1. a court chronology
c=$(lfh_at police referral new --summary "Harassment of the tenant at flat 3" \
	--location "3 Castle St" --category asb --risk high --to housing,council \
	--subject "Ann <Smith>" --dob 1980-05-01 --on 2026-02-27 --json | json_field case) ||
	bail "referral"
for n in housing council; do wait_until 20 has_case "$n" "$c" || bail "the case reaches $n"; done
lfh_at housing case note "$c" --text "Door kicked at flat 3" --on 2026-03-05T22:15 >/dev/null ||
	bail "housing's note"
lfh_at council case note "$c" --text "Noise complaint logged" --on 2026-03-01 >/dev/null ||
	bail "council's note"
lfh_at police case note "$c" --text "Threats shouted & recorded" --on 2026-03-03 >/dev/null ||
	bail "police's note"
lfh_at council case note "$c" --text "Phone number of a neighbour 07700 900123" >/dev/null ||
	bail "council's second note"
lfh_at police case note "$c" --text "Warning letter sent to wrong adress" >/dev/null ||
	bail "police's last note"
ev_with() { lfh_at police case show "$c" --json | json_flat | awk -F= -v t="$1" '
	{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
	/\]\.text=/ && index($2, t) { want = i } END { print e[want] }'; }
# (a function: wait_until runs it again each time; "$(...)" would be read once)
has_ev() { test -n "$(ev_with "$1")"; }
wait_until 20 has_ev "07700 900123" || bail "council's notes reach police"
lfh_at police case redact "$c" "$(ev_with "07700 900123")" --reason "Third-party data" \
	>/dev/null || tap_fail "police redacts council's note"
lfh_at police case amend "$c" "$(ev_with "wrong adress")" \
	--text "Warning letter sent to the tenant's address" >/dev/null || tap_fail "police amends its note"

lfh_at police case risk "$c" --score 12 --answers "repeat=yes" >/dev/null || bail "risk"
lfh_at police case scan "$c" --text "4 calls in a week" >/dev/null || bail "scan"
lfh_at police case meeting "$c" --date 2026-03-02 --attendees police,housing,council \
	--victim "Tenant of flat 3" --offender "Unknown" --location "Flat 3" \
	--responses "Patrols" >/dev/null || bail "meeting"

chrono=$(lfh_at police case chronology "$c")
got=$(grep -E '^ +[0-9]+\. ' <<<"$chrono" |
	sed -E 's/^ +([0-9]+)\. +([0-9-]+)( [0-9:]+)? +([a-z]+).*/\1 \2 \4/')
want="1 2026-02-27 police
2 2026-03-01 council
3 2026-03-02 police
4 2026-03-03 police
5 2026-03-05 housing"
check_eq "the chronology opens in date order across three agencies, numbered" "$want" \
	"$(head -n 5 <<<"$got")"
check "a case meeting is placed on its --date, and says when it was recorded" \
	grep -qE '^ +3\. 2026-03-02 +police .*victim: Tenant of flat 3.*\(recorded ' <<<"$chrono"
check_eq "eight entries: the referral, four notes (the fifth redacted, left out), risk, scan, meeting" \
	8 "$(grep -cE '^ +[0-9]+\. ' <<<"$chrono")"
check "the pack says what it left out" grep -qx "Left out: 1 entry redacted by the lead agency, \
0 entries not applied under the hub's rules, and the sharing-key records." <<<"$chrono"
check "... which node it came from, and the zone of its times" grep -qE \
	"^Exported from the police node on [0-9-]+ [0-9:]+ by lfh [0-9.]+\. Times are local time in Europe/London\.$" \
	<<<"$chrono"
check "exported at a partner, the pack names the partner's node" grep -q \
	"^Exported from the housing node" <<<"$(lfh_at housing case chronology "$c")"
check "case show places the meeting on its date too" grep -qE \
	"^  2026-03-02 +meeting " <<<"$(lfh_at police case show "$c")"
check "the redacted entry is left out" bash -c "! grep -q '07700' <<<\"\$1\"" _ "$chrono"
check "the correction is in place" grep -q "Warning letter sent to the tenant's address" <<<"$chrono"
check "... and marked as amended, as in the HTML" grep -q "tenant's address.* (amended by " <<<"$chrono"
check "the original is not shown" bash -c "! grep -q 'wrong adress' <<<\"\$1\"" _ "$chrono"
check "... and says when it was corrected" grep -qE \
	"tenant's address.* \(amended by [^)]* on 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\)" <<<"$chrono"
refev=$(lfh_at police case show "$c" --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
	/\]\.type=referral$/ { want = i } END { print e[want] }')
lfh_at police case amend "$c" "$refev" --text "Harassment of the tenant at flat 3A, not 3" \
	>/dev/null || tap_fail "police corrects its referral"
check "a corrected referral shows what it was corrected to" grep -q \
	"referral shared with .*; corrected to: Harassment of the tenant at flat 3A, not 3" \
	<<<"$(lfh_at police case chronology "$c")"
check "an entry dated earlier says when it was recorded" grep -q "Door kicked at flat 3 (recorded " \
	<<<"$chrono"
check "no key housekeeping" bash -c "! grep -qi 'sharing key' <<<\"\$1\"" _ "$chrono"
lfh_at police case chronology "$c" --html --out "$W/chrono.html" 2>/dev/null ||
	tap_fail "the chronology as HTML to a file"
check_eq "the HTML file is readable by its owner only" 600 "$(stat -c %a "$W/chrono.html")"
check "the HTML escapes what it quotes" grep -q "Threats shouted &amp; recorded" "$W/chrono.html"
check "the HTML numbers the entries" grep -q "<td>8</td>" "$W/chrono.html"
check "the HTML names the exporting node, the zone and what was left out" grep -q \
	"Left out: 1 entry redacted .* Exported from the police node on .* Times are local time in Europe/London" \
	"$W/chrono.html"
out=$(lfh_at police case chronology "$c" --html --out "$W/chrono.html" 2>&1) &&
	tap_fail "--out never overwrites" "$out"
check "--out never overwrites a file" grep -q "must not exist" <<<"$out"
json=$(lfh_at police case chronology "$c" --json)
check_eq "as JSON: one array, the case first" "$c" "$(json_get '[0].case' <<<"$json")"
check "as JSON: every entry held, with its section" grep -q '"section":"entry"' <<<"$json"
# local times: a zone the machine does not know, or a time the clocks skipped, is refused
out=$(LFH_TZ=Europe/Londn lfh_at police case note "$c" --text "x" --on 2026-07-01T10:00 2>&1) &&
	tap_fail "a misspelt LFH_TZ is refused" "$out"
check "a misspelt LFH_TZ is refused, not taken for UTC" grep -q \
	"LFH_TZ 'Europe/Londn' is not a time zone" <<<"$out"
out=$(lfh_at police case note "$c" --text "x" --on 2026-03-29T01:30 2>&1) &&
	tap_fail "a time in the clocks' spring gap is refused" "$out"
check "a time in the clocks' spring gap is refused" grep -q "no such time in zone Europe/London" \
	<<<"$out"
out=$(lfh_at police case note "$c" --text "x" --on 2026-10-25T01:30 2>&1) &&
	tap_fail "a time of the hour the clocks went back is refused" "$out"
check "a time the clocks showed twice is refused, not taken as the first (BST) reading" grep -q \
	"happened twice in zone Europe/London.*give it in UTC" <<<"$out"

out=$(lfh_at police case note "$c" --text "x" --on 2026-04-31T10:00 2>&1) &&
	tap_fail "an impossible date is refused" "$out"
check "an impossible date is refused as not a date" grep -q "expected a date" <<<"$out"
check "a zone named by its file is taken" env LFH_TZ=/usr/share/zoneinfo/Europe/London \
	"$LFH" -c "$(conf_of police)" case list

# a write that fails (here the file size limit) is said, and leaves no file behind
out=$( (trap '' XFSZ; ulimit -f 0; lfh_at police case chronology "$c" --json \
	--out "$W/chrono.json") 2>&1) && tap_fail "a failed --out write fails" "$out"
check "a failed --out write says so" grep -q "write failed.*nothing was kept" <<<"$out"
check "... and leaves no file to mistake for the pack" test ! -e "$W/chrono.json"
lfh_at police case chronology "$c" --json --out "$W/chrono.json" 2>/dev/null ||
	tap_fail "... so the same command can run again"
check_eq "... which writes the whole pack" "$json" "$(cat "$W/chrono.json")"
for cmd in "case list" "case list --json" status "case show $c" "case chronology $c --html"; do
	# shellcheck disable=SC2086 # the words of cmd are the command's arguments
	out=$(lfh_at police $cmd 2>&1 >/dev/full) && tap_fail "lfh $cmd to a full disk fails" "$out"
	check "lfh $cmd to a full disk says so" grep -q "cannot write the output" <<<"$out"
done
audited() { lfh_at police audit --case "$c" --json | grep -q '"cmd":"case_chronology"'; }
check "the node's audit log records the export" audited

# ---- 2. subject access, across three cases at two nodes
# a referral the ISA refuses takes no reference number: a lead's numbers have no gaps
ref_a=$(lfh_at police referral new --summary "Numbered" --location "A" --category asb \
	--risk standard --to housing --json | json_field ref) || bail "a numbered referral"
out=$(lfh_at police referral new --summary "Refused" --location "B" --category asb \
	--risk standard --to nosuch 2>&1) && tap_fail "a referral to a non-party is refused" "$out"
ref_b=$(lfh_at police referral new --summary "Numbered next" --location "C" --category asb \
	--risk standard --to housing --json | json_field ref) || bail "the next numbered referral"
check_eq "a refused referral takes no reference number" "$((10#${ref_a##*-} + 1))" \
	"$((10#${ref_b##*-}))"

c2=$(lfh_at police referral new --summary "Graffiti on the garages" --location "Garages" \
	--category criminal-damage --risk standard --to housing --subject "ANN SMITH" \
	--dob 1980-05-01 --json | json_field case) || bail "police's second case"
c3=$(lfh_at housing referral new --summary "Rent arrears and noise" --location "3 Castle St" \
	--category noise --risk standard --to council --subject "Ann Smith" --dob 1980-05-01 \
	--json | json_field case) || bail "housing's case"
c4=$(lfh_at police referral new --summary "A namesake" --location "Elsewhere" --category asb \
	--risk standard --to housing --subject "Ann Smith" --dob 1999-09-09 --json | json_field case) ||
	bail "a namesake's case"
lfh_at police case note "$c2" --text "Garage owner spoke to Ann" >/dev/null || bail "note on c2"
lfh_at police case show "$c2" >/dev/null
sar_cases() { lfh_at "$1" sar --subject "ann smith" --dob 1980-05-01 --json |
	json_flat | awk -F= '{ i = substr($1, 1, index($1, "]")) } /\]\.section=/ { s[i] = $2 }
	/\]\.case=/ { c[i] = $2 } END { for (i in s) if (s[i] == "case") print c[i] }' | sort | paste -sd' '; }
check_eq "police: the two cases it holds about Ann Smith, born 1980-05-01 (not the namesake)" \
	"$(printf '%s\n' "$c" "$c2" | sort | paste -sd' ')" "$(sar_cases police)"
wait_until 20 has_case council "$c3" || tap_fail "housing's case reaches council"
check_eq "housing: its own case and the two police shared with it" \
	"$(printf '%s\n' "$c" "$c2" "$c3" | sort | paste -sd' ')" "$(sar_cases housing)"
# council, invited to c2 later, was sent its earlier entries on joining: the SAR says so
lfh_at police case invite "$c2" council >/dev/null || bail "invite council to c2"
sar=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01 --json)
check "the export's reads of a case are audited as sar, not as court chronologies" \
	bash -c '[[ $1 == *\"cmd\":\"sar\"* && $1 != *\"cmd\":\"case_chronology\"* ]]' _ \
	"$(lfh_at police audit --case "$c2" --json)"
# a client of an earlier release asks for the cases with their entries in one reply: each case
# so exported is audited as read (it was one entry naming no case)
before=$(lfh_at police audit --case "$c2" --json | grep -o '"cmd":"sar"' | wc -l)
"$B/tools/ctlgarbage" "ipc://$W/police/control.sock" 1 cmd=sar subject="Ann Smith" by=old-client ||
	tap_fail "an old client's sar request"
old_sar_audited() { lfh_at police audit --case "$c2" --json | grep -q '"by":"old-client","case":"[0-9a-f]*","cmd":"sar"'; }
wait_until 10 old_sar_audited || tap_fail "a SAR answered with whole cases is audited against each case"
check "... against the other case too" grep -q '"by":"old-client","case":"[0-9a-f]*","cmd":"sar"' \
	<<<"$(lfh_at police audit --case "$c" --json)"
check "the export names who an entry was sent to on joining the case later" grep -q \
	'"backfilled":"council",[^}]*"text":"Garage owner spoke to Ann"' <<<"$sar"
check "... as text too" grep -q "shared with housing; on joining later: council" \
	<<<"$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01)"
for text in "Graffiti on the garages" "Garage owner spoke to Ann" "Door kicked at flat 3" \
	"Threats shouted & recorded" "Noise complaint logged"; do
	check "the export has '$text'" grep -qF "$text" <<<"$sar"
done
check "the export says who each entry was shared with" grep -q '"recipients":"housing"' <<<"$sar"
check "the export says who read the case here (case_show)" \
	grep -q '"cmd":"case_show","section":"viewed"' <<<"$sar"
check "the export leaves the redacted entry out" bash -c "! grep -q '07700' <<<\"\$1\"" _ "$sar"
lfh_at police sar --subject "Ann Smith" --dob 1980-05-01 --html --out "$W/sar.html" 2>/dev/null ||
	tap_fail "the subject access export as HTML"
check "the HTML lists both cases" grep -q "2 cases held at this node" "$W/sar.html"
check "the HTML escapes the subject's name" grep -q "Ann &lt;Smith&gt;" "$W/sar.html"
# named in someone else's case: listed where, not exported
c6=$(lfh_at police referral new --summary "Dog attacks in the park" --location "Park" --category asb \
	--risk standard --to housing --subject "Bob Jones" --json | json_field case) || bail "Bob's case"
lfh_at police case note "$c6" --text "The victim, ann SMITH of Castle St, was bitten" >/dev/null ||
	bail "a note naming Ann"
lfh_at police case note "$c6" --text "Mr Smith next door saw it; Ann was out" >/dev/null ||
	bail "a note naming the two apart"
sar=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01 --json)
check_eq "a case naming Ann Smith in a note is listed as a mention, once" 1 \
	"$(grep -o '"case":"'"$c6"'","field":"text","match":"The victim, ann SMITH of Castle St, was bitten","ref":"POLICE-[0-9-]*","section":"mentioned"' <<<"$sar" | wc -l)"
check "... not exported: its other entries stay out" bash -c "! grep -q 'Mr Smith next door' <<<\"\$1\"" _ "$sar"
check "... nor its subject's referral" bash -c "! grep -q 'Dog attacks in the park' <<<\"\$1\"" _ "$sar"
check "the namesake born 1999 is not listed as a mention" bash -c "! grep -q '\"case\":\"$c4\"' <<<\"\$1\"" _ "$sar"
# a case about her that recorded no date of birth cannot be told apart: listed, marked
c8=$(lfh_at police referral new --summary "Bins set alight" --location "Yard" --category asb \
	--risk standard --to housing --subject "Ann Smith" --json | json_field case) || bail "c8"
sar=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01 --json)
check "a case with no date of birth recorded is listed by name, not left out" grep -q \
	"\"case\":\"$c8\".*\"dob_check\":\"no date of birth recorded" <<<"$(tr '}' '\n' <<<"$sar")"
check "... and the text export says to check it" grep -q "no date of birth recorded in this case" \
	<<<"$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01)"
sartext=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01)
check "the text export says who each entry was shared with" grep -q "^ *shared with housing" \
	<<<"$sartext"
check "... and who read or wrote the case here, as the HTML and JSON do" grep -qE \
	"^    [0-9TZ:-]+  [^ ].*  case_show$" <<<"$sartext"
c7=$(lfh_at police referral new --summary "Noise at night" --location "Flat 8" --category noise \
	--risk standard --to housing --subject "Cy Long" --json | json_field case) || bail "Cy's case"
long="Ann Smith $(printf 'x%.0s' $(seq 109))éclair and more"
lfh_at police case note "$c7" --text "$long" >/dev/null || bail "a long note naming Ann"
sar=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01 --json)
check "a mention's text is cut before 120 bytes, never inside a character" \
	grep -q '"case":"'"$c7"'","field":"text","match":"Ann Smith xxxxxxxxxx*","ref"' <<<"$sar"
out=$(lfh_at police sar --subject "Ann Smith" --dob 1980-05-01)
check "the text export says where else she is named" grep -q "Named in 2 other cases" <<<"$out"
out=$(lfh_at police sar --subject "Ann Smith" --dob 1980-13-01 2>&1) &&
	tap_fail "a bad date of birth is refused" "$out"
check "a bad date of birth is refused" grep -q "dob" <<<"$out"
# a subject born before 1970: filed, judged valid by the receiver, found by date of birth
c5=$(lfh_at police referral new --summary "Shed fires" --location "Allotments" --category asb \
	--risk standard --to housing --subject "Walter Old" --dob 1958-03-07 --json | json_field case)
check "a referral about a subject born in 1958 is filed" test -n "$c5"
wait_until 20 has_case housing "$c5" && tap_ok "... and housing's rules take it" ||
	tap_fail "... and housing's rules take it" "$(lfh_at housing case show "$c5" 2>&1 | head -3)"
check "housing finds it by name and that date of birth" \
	grep -q "\"case\":\"${c5:-none}\"" <<<"$(lfh_at housing sar --subject "walter old" --dob 1958-03-07 --json)"
out=$(lfh_at police referral new --summary "x" --location "y" --category asb --risk standard \
	--to housing --subject "Z" --dob 2999-01-01 2>&1) && tap_fail "a date of birth in the future is refused" "$out"
check "a date of birth in the future is refused" grep -q "not in the future" <<<"$out"

# what another agency wrote reaches the screen as text: no terminal sequence, no formula
esc=$(printf '\033')
lfh_at housing --as "evil${esc}[2J${esc}[31m" case note "$c" --text "hi${esc}]0;owned$(printf '\007')" \
	>/dev/null || tap_fail "a note with control characters is written"
has_owned() { lfh_at police case show "$c" --json | grep -q 'owned'; }
wait_until 20 has_owned || tap_fail "police holds housing's note with control characters"
lfh_at housing case note "$c" --text "$(printf 'over\rwritten \302\233c1')" >/dev/null ||
	tap_fail "a note with a carriage return and a C1 control is written"
has_c1() { lfh_at police case show "$c" --json | grep -q 'rwritten'; } # not 'over': 'overdue'
wait_until 20 has_c1 || tap_fail "police holds housing's note with a C1 control"
shown=$(lfh_at police case show "$c")
check "case show prints no carriage return nor C1 control" \
	bash -c "! grep -q \"\$(printf '\\r')\" <<<\"\$1\" && ! grep -q \"\$(printf '\\302\\233')\" <<<\"\$1\"" _ "$shown"
check "... but shows them as ?" grep -q 'over?written ?c1' <<<"$shown"
check "JSON keeps them, escaped" grep -q 'over\\rwritten \\u009bc1' <<<"$(lfh_at police case show "$c" --json)"
check "case show prints no control character another agency wrote" \
	bash -c "! grep -q \"\$(printf '\\033')\" <<<\"\$1\"" _ "$shown"
check "... but shows it as ?" grep -q 'by evil?\[2J?\[31m' <<<"$shown"
lfh_at police --as '=HYPERLINK("http://evil/","x")' case show "$c" >/dev/null
csv=$(lfh_at police audit --csv)
check "audit --csv starts a formula-like cell with ' (no spreadsheet runs it)" grep -q \
	"\"'=HYPERLINK(\"\"http://evil/\"\",\"\"x\"\")\"" <<<"$csv"

out=$(lfh_at police --key "$W" case list 2>&1) && tap_fail "--key naming a directory fails" "$out"
check "--key naming a directory says it is not a file (no chmod advice)" grep -q \
	"user key $W is not a file" <<<"$out"

# the manager role: once an admin exists, a caseworker may not export
K=$W/userkeys
mkdir -p "$K"
HOME=$W/home lfh_at police admin user add "A Admin" --role admin --out "$K/admin.key" >/dev/null ||
	bail "admin"
lfh_at police --key "$K/admin.key" admin user add "PC Case" --role caseworker --out "$K/pc.key" \
	>/dev/null || bail "caseworker"
out=$(lfh_at police --key "$K/pc.key" sar --subject "Ann Smith" 2>&1) &&
	tap_fail "a caseworker may not run a subject access export" "$out"
check "a subject access export needs the manager role" grep -q "needs the manager role" <<<"$out"
# the hour the clocks went back, given in UTC, is recorded as given
lfh_at police --key "$K/admin.key" case note "$c" --text "At the second 01:30" \
	--on 2026-10-25T01:30Z >/dev/null || tap_fail "a time of that hour given in UTC is taken"
check "... and shown as the second 01:30 (GMT), not the first" grep -q \
	"2026-10-25 01:30 .*At the second 01:30" <<<"$(lfh_at police --key "$K/admin.key" case show "$c")"
LFH_KEY=$K/admin.key node_stop police
tap_done
