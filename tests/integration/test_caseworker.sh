#!/usr/bin/env bash
# test_caseworker.sh - the caseworker's day (issue #15) on a live five-agency
# hub, through the lfh CLI:
#
#   1. references: five nodes file referrals at once; every case gets a
#      reference (its lead's id in capitals, the year, a counter) unique
#      across the hub, and a case is looked up by its reference (any case)
#      at another node;
#   2. a readable case: `case show` leads with reference, subject, location,
#      stage, lead, parties, risk and the next item due; key housekeeping
#      only with --all; the meeting's analysis in full; `due` and `case
#      state` give an action the same due date;
#   3. finding cases: `case list` filters (--open, --closed, --mine, --lead,
#      --risk, --stage, --overdue) and --sort; search by every word of a
#      query, in any order, ignoring case and accents;
#   4. corrections: an entry amended by its author and one redacted by the
#      lead read alike at both nodes (the correction in place, the redacted
#      content gone); others may not; a closed case takes no note until the
#      lead reopens it, and the performance report counts the reopening.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing council health probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a five-agency hub is running"
yy=$(date -u +%y)

# ---- 1. references, five nodes writing at once
refs_file=$W/refs
file_some() { # file_some AGENCY: three referrals to police (police: to housing)
	local to=police i out
	[ "$1" = police ] && to=housing
	for i in 1 2 3; do
		out=$(lfh_at "$1" referral new --summary "$1 case $i" --location "Street $i" \
			--category asb --risk standard --to "$to" --json) || return 1
		echo "$(_json_scalar "$out" ref) $(_json_scalar "$out" case)" >>"$refs_file.$1"
	done
}
pids=()
for n in "${AG[@]}"; do
	file_some "$n" &
	pids+=($!)
done
ok=1
for p in "${pids[@]}"; do wait "$p" || ok=0; done
[ "$ok" = 1 ] || tap_fail "five nodes file three referrals each at once"
cat "$refs_file".* >"$refs_file"
check_eq "fifteen referrals, fifteen distinct references" 15 "$(cut -d' ' -f1 "$refs_file" | sort -u | grep -c .)"
bad=$(awk -v yy="$yy" '{ split($1, p, "-"); if (p[2] != yy || length(p[3]) != 4) print }' "$refs_file")
check_eq "each reference is the lead's id in capitals, the year and a 4-digit counter" "" "$bad"
check_eq "housing numbers its own cases 1, 2, 3" "HOUSING-$yy-0001 HOUSING-$yy-0002 HOUSING-$yy-0003" \
	"$(cut -d' ' -f1 "$refs_file.housing" | sort | paste -sd' ')"
read -r href hcase < <(head -n1 "$refs_file.housing")
wait_until 20 has_case police "$hcase" || tap_fail "housing's case reaches police"
shown_case() { lfh_at police case show "$1" --json | json_get '[0].case'; }
check_eq "police looks housing's case up by its reference" "$hcase" "$(shown_case "$href")"
check_eq "... in any case" "$hcase" "$(shown_case "$(tr '[:upper:]' '[:lower:]' <<<"$href")")"
out=$(lfh_at police case show "HOUSING-$yy-0999" 2>&1) && tap_fail "an unknown reference is refused" "$out"
check "an unknown reference is refused, saying so" grep -q "no case with reference" <<<"$out"
lfh_at police case note "$href" --text "Looked up by reference" >/dev/null ||
	tap_fail "a note added to a case named by its reference"

# ---- 2. a readable case
c=$(lfh_at police referral new --summary "Harassment at flat 3" --location "3 Castle St" \
	--category asb --risk high --to housing --subject "Jane Doe" --json | json_field case) ||
	bail "referral"
ref=$(lfh_at police case show "$c" --json | json_get '[0].ref')
lfh_at police case risk "$c" --score 22 --answers "repeat=yes" >/dev/null || bail "risk"
lfh_at police case scan "$c" --text "6 calls in 2 months" >/dev/null || bail "scan"
lfh_at police case meeting "$c" --date 2026-03-10 --attendees police,housing \
	--victim "Tenant of flat 3" --offender "Neighbour at flat 4" --location "Stairwell" \
	--responses "Warning letter; support offer" >/dev/null || bail "meeting"
a=$(lfh_at police case action "$c" --agency housing --power tenancy-warning --text "Warn" \
	--due 2026-12-01 --json | json_field action) || bail "action"
show=$(lfh_at police case show "$ref")
head=$(head -n 10 <<<"$show")
for want in "$ref  Harassment at flat 3" "subject    Jane Doe" "location   3 Castle St" \
	"stage      response" "lead       police (parties: " "risk       high" \
	"next due   2026-12-01 action (housing, overdue): tenancy-warning: Warn"; do
	check "case show leads with '$want'" grep -qF -- "$want" <<<"$head"
done
check "the meeting's analysis is shown in full" grep -qE "^ +offender +Neighbour at flat 4" <<<"$show"
check_eq "sharing-key housekeeping is left out" 0 "$(grep -c 'sharing key granted' <<<"$show")"
check "... and shown with --all" grep -q "sharing key granted" <<<"$(lfh_at police case show "$ref" --all)"
due_date=$(lfh_at police due --json | json_flat | awk -F= -v a="$a" '
	{ i = substr($1, 1, index($1, "]")) }
	/\]\.ref=/ && $2 == a { want = i } /\]\.due_date=/ { d[i] = $2 }
	END { print d[want] }')
check_eq "lfh due gives the action the due date case state gives it" "2026-12-01" "$due_date"

# ---- 3. finding cases
lfh_at police case propose-close "$c" --reason x >/dev/null 2>&1 # refused: no assessment yet
list() { lfh_at police case list "$@" --json | json_all ref | sort | paste -sd' '; }
police_refs=$(cut -d' ' -f1 "$refs_file.police" | sort | paste -sd' ')
check_eq "--risk high: the one high-risk case" "$ref" "$(list --risk high)"
check_eq "--stage response" "$ref" "$(list --stage response)"
check_eq "--overdue: the case with an overdue action" "$ref" "$(list --overdue)"
check_eq "--lead police: police's cases" "$(printf '%s\n' $police_refs "$ref" | sort | paste -sd' ')" \
	"$(list --lead police)"
check_eq "--closed: none" "" "$(list --closed)"
check_eq "--open --mine: the cases police leads" "$(list --lead police)" "$(list --open --mine)"
check_eq "--mine at housing: its own cases and the one it is tasked in" \
	"$(printf '%s\n' $(cut -d' ' -f1 "$refs_file.housing") "$ref" | sort | paste -sd' ')" \
	"$(lfh_at housing case list --mine --json | json_all ref | sort | paste -sd' ')"
# multi-word search: every word, any order, case and accents ignored
cs=$(lfh_at police referral new --summary "Threats to the tenant of flat 3" --location "Rue Étienne, Whitehaven" \
	--category asb --risk standard --to housing --subject "Zoë Noël" --json | json_field case) ||
	bail "referral for search"
lfh_at police case note "$cs" --text "Dog barking all night" >/dev/null || bail "note for search"
search() { lfh_at police case search "$@" --json | json_all case | paste -sd' '; }
check_eq "'tenant flat threats' finds the case (words in any order)" "$cs" "$(search tenant flat threats)"
check_eq "'zoe noel' finds it (accents and case ignored)" "$cs" "$(search zoe noel)"
check_eq "'ETIENNE barking' finds it (words from different entries)" "$cs" "$(search ETIENNE barking)"
check_eq "'tenant elephant' finds nothing (every word must match)" "" "$(search tenant elephant)"
out=$(lfh_at police case list --stage nonsense 2>&1) && tap_fail "an unknown stage is refused" "$out"
check "an unknown stage is refused, naming the stages" grep -q "closure_proposed" <<<"$out"
out=$(lfh_at police case list --risk hgih 2>&1) && tap_fail "a mistyped risk is refused" "$out"
check "a mistyped risk is refused, naming the levels" grep -q "standard, medium or high" <<<"$out"
first=$(lfh_at police case list --sort risk --json | json_get '[0].ref')
check_eq "--sort risk: the high-risk case first" "$ref" "$first"

# ---- 4. corrections
c2=$(lfh_at police referral new --summary "Noise at 9 Market St" --location "9 Market St" \
	--category noise --risk standard --to housing --json | json_field case) || bail "referral 2"
wait_until 20 has_case housing "$c2" || bail "case 2 reaches housing"
ev_of() { # ev_of NODE TEXT: the event id of the entry whose text is TEXT
	lfh_at "$1" case show "$c2" --json | json_flat | awk -F= -v t="$2" '
		{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
		/\]\.text=/ && $2 == t { want = i } END { print e[want] }'
}
lfh_at police case note "$c2" --text "Complainant lives at flat 4" >/dev/null || bail "police's note"
lfh_at housing case note "$c2" --text "Neighbour's phone number is 07700 900123" >/dev/null ||
	bail "housing's note"
# (a function: wait_until runs it again each time; "$(...)" would be read once)
has_ev() { test -n "$(ev_of "$1" "$2")"; }
wait_until 20 has_ev police "Neighbour's phone number is 07700 900123" ||
	bail "housing's note reaches police"
pn=$(ev_of police "Complainant lives at flat 4")
hn=$(ev_of police "Neighbour's phone number is 07700 900123")
out=$(lfh_at housing case amend "$c2" "${pn:0:8}" --text "x" 2>&1) &&
	tap_fail "housing may not amend police's entry" "$out"
check "only the entry's author amends it" grep -q "only police, which wrote entry" <<<"$out"
check "police amends its entry (named by 8 digits)" \
	lfh_at police case amend "$c2" "${pn:0:8}" --text "Complainant lives at flat 3"
out=$(lfh_at housing case redact "$c2" "${hn:0:8}" --reason x 2>&1) &&
	tap_fail "housing, not the lead, may not redact" "$out"
check "only the lead redacts" grep -q "only the lead agency (police) may redact" <<<"$out"
found_by_phone() { lfh_at police case search 07700 900123 --json | json_all case | paste -sd' '; }
check_eq "before the redaction, a search finds the entry's words" "$c2" "$(found_by_phone)"
lfh_at police case redact "$c2" "${hn:0:8}" --reason "Third-party personal data" >/dev/null ||
	tap_fail "police redacts housing's entry"
check_eq "after it, search reads the case as its views do: the redacted words find nothing" "" \
	"$(found_by_phone)"
check_eq "... while the rest of the case is still found" "$c2" \
	"$(lfh_at police case search complainant flat --json | json_all case | paste -sd' ')"
corrected_at() {
	local s j
	s=$(lfh_at "$1" case show "$c2") && j=$(lfh_at "$1" case show "$c2" --json) || return 1
	[[ $s == *"Complainant lives at flat 3  [amended by "* ]] &&
		[[ $s == *"[redacted: Third-party personal data]"* ]] &&
		[[ $j != *"07700 900123"* ]]
}
for n in police housing; do
	wait_until 20 corrected_at "$n" || tap_fail "$n: the correction in place, the redacted entry's content gone" \
		"$(lfh_at "$n" case show "$c2" 2>&1)"
done
tap_ok "amend and redact read alike at police and housing"
# a redacted referral: its text leaves the listings, search and the case's header too
cr=$(lfh_at police referral new --summary "Graffiti by Kevin Tester" --location "Back lane 9" \
	--category asb --risk standard --to housing --subject "Kevin Tester" --json | json_field case) ||
	bail "a referral to redact"
rev=$(lfh_at police case show "$cr" --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
	/\]\.type=/ && $2 == "referral" { want = i } END { print e[want] }')
repeated() { lfh_at police report performance --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.section=/ { s[i] = $2 } /\]\.key=/ { k[i] = $2 }
	/\]\.value=/ { v[i] = $2 } END { for (i in s) if (s[i] == "rereferral" &&
	k[i] == "repeated_within_12_months") print v[i] }'; }
crl=$(lfh_at police referral new --summary "Graffiti again by him" --location "Elsewhere" \
	--category asb --risk standard --to housing --subject "Kevin Tester" --json)
check_eq "a referral about the same person is linked to it" "$cr" "$(_json_scalar "$crl" rereferral_of)"
rep_before=$(repeated)
check "police (the lead) redacts the referral" \
	lfh_at police case redact "$cr" "${rev:0:8}" --reason "Named the wrong person"
check_eq "the report counts the link no more once that referral is redacted" "$((rep_before - 1))" \
	"$(repeated)"
listed() { lfh_at police case list --json | json_flat | awk -F= -v c="$cr" '
	{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ && $2 == c { want = i }
	/\]\.(summary|subject|location)=/ { t[i] = t[i] $2 } END { print t[want] }'; }
check_eq "case list: the redacted referral's text is gone" "" "$(listed)"
readable_listed() { lfh_at police case list --json | json_flat | awk -F= -v c="$cr" '
	{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ && $2 == c { want = i }
	/\]\.readable=/ { r[i] = $2 } END { print r[want] }' | cut -d: -f1; }
check_eq "case list: the case is listed, saying its referral was redacted" "redacted" \
	"$(readable_listed)"
check_eq "case search: its words find only the other case about him" "$(_json_scalar "$crl" case)" \
	"$(lfh_at police case search kevin tester --json | json_all case | paste -sd' ')"
out=$(lfh_at police referral new --summary "Graffiti again" --location "back lane 9" \
	--category asb --risk standard --to housing --json)
check_eq "a new referral about the same place is not linked to the case whose referral was redacted" \
	"" "$(_json_scalar "$out" rereferral_of)"
hdr=$(lfh_at police case show "$cr" --json)
check "case show: the header has no summary, and says it was redacted" \
	bash -c '[[ $1 != *"Back lane 9"* && $1 == *"redacted: the lead agency took"* ]]' _ "$hdr"
# to closure
lfh_at police case risk "$c2" --score 3 --answers "repeat=no" >/dev/null &&
	lfh_at police case scan "$c2" --text "2 calls" >/dev/null &&
	lfh_at police case meeting "$c2" --date 2026-03-10 --attendees police,housing --victim V \
		--offender O --location L --responses R >/dev/null || bail "steps"
a2=$(lfh_at police case action "$c2" --agency police --power cpw --text "Warn" --due 2026-12-30 \
	--json | json_field action) || bail "action"
lfh_at police case update "$c2" --action "$a2" --status done --text "Warned" >/dev/null &&
	lfh_at police case assess "$c2" --plan-done yes --problem-stopped yes --text "Quiet" >/dev/null &&
	lfh_at police case propose-close "$c2" --reason "Resolved" >/dev/null &&
	lfh_at police case review "$c2" --kind closure --outcome close --text "Agreed" >/dev/null &&
	lfh_at police case close "$c2" --reason "Resolved" >/dev/null || bail "closure"
out=$(lfh_at police case note "$c2" --text "late" 2>&1) && tap_fail "no note on a closed case" "$out"
check "a closed case takes no new note" grep -q "the case is closed" <<<"$out"
check "the lead reopens the case by agreement" \
	lfh_at police case reopen "$c2" --reason "Agreed at the hub: new reports"
check "the reopened case takes notes again" lfh_at police case note "$c2" --text "New report"
stage2=$(lfh_at police case state "$c2" --json | json_get '[0].stage')
check_eq "reopened, the case is back where it was before its closure was proposed" assessment "$stage2"
report=$(lfh_at police report performance --json)
check "the performance report counts the reopened case" \
	grep -q '"key":"reopened","section":"cases","value":"1"' <<<"$report"

tap_done
