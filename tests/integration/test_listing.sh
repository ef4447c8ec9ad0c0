#!/usr/bin/env bash
# test_listing.sh - listings come in pages, and lfh follows them (issue #13;
# PROTOCOL.md 10): police holds 23 cases; with pages of 5 records
# (LFH_PAGE_SIZE, for tests), `lfh case list --json` is still one JSON array
# of all 23 cases, each once, in case id order, as with one page; the text
# listing has 23 rows; `lfh due` in pages is the same as in one; so is
# `lfh case show` of a case with a long timeline; pages that stop after a
# number of cases looked at (LFH_PAGE_SCAN) give the same listings, and
# `lfh case search` pages too; a page size out of range is refused, saying why.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

AG=(police housing)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
: >"$W/cases"
for i in $(seq 1 23); do
	referral_quick police housing "Listing $i" "$W/cases" || bail "referral $i"
done
sort -o "$W/cases" "$W/cases"
tap_ok "police holds 23 cases"

ids_of() { # the case ids of a `case list --json` document, in its order
	json_flat | sed -n 's/^\[[0-9]*\]\.case=//p'
}
one=$(lfh_at police case list --json) || tap_fail "case list --json" "$one"
paged=$(LFH_PAGE_SIZE=5 lfh_at police case list --json) || tap_fail "case list --json in pages" "$paged"
check_eq "one page: every case once, in id order" "$(cat "$W/cases")" "$(ids_of <<<"$one")"
check_eq "pages of 5: the same 23 cases, once each, in id order" "$(cat "$W/cases")" \
	"$(ids_of <<<"$paged")"
check_eq "pages of 5: one JSON document, as with one page" "$one" "$paged"
rows=$(LFH_PAGE_SIZE=5 lfh_at police case list | grep -c "Listing ")
check_eq "the text listing has a row per case" 23 "$rows"
due_one=$(lfh_at police due --json) || tap_fail "due --json" "$due_one"
due_paged=$(LFH_PAGE_SIZE=5 lfh_at police due --json) || tap_fail "due --json in pages" "$due_paged"
check "due lists an item for every case" [ "$(ids_of <<<"$due_one" | sort -u | wc -l)" = 23 ]
check_eq "due in pages of 5: the same document as in one page" "$due_one" "$due_paged"
# a page looks at a bounded number of cases (`scan`): a filter that matches
# few cases gives short or empty pages, and lfh follows them to the end
scan_one=$(lfh_at police case list --lead police --json)
scan_paged=$(LFH_PAGE_SCAN=3 lfh_at police case list --lead police --json) ||
	tap_fail "case list in pages of 3 cases looked at" "$scan_paged"
check_eq "pages of 3 cases looked at: the same 23 cases" "$(cat "$W/cases")" "$(ids_of <<<"$scan_paged")"
check_eq "pages of 3 cases looked at: the same document" "$scan_one" "$scan_paged"
check_eq "a filter no case passes, in pages of 3 cases looked at: an empty listing" "[]" \
	"$(LFH_PAGE_SCAN=3 lfh_at police case list --lead housing --json)"
check_eq "due in pages of 2 cases looked at: the same document" "$due_one" \
	"$(LFH_PAGE_SCAN=2 lfh_at police due --json)"
# search pages too: all 23 matches, whatever the page size (no cap)
search_one=$(lfh_at police case search listing --json)
check_eq "search finds all 23 cases" "$(cat "$W/cases")" "$(ids_of <<<"$search_one")"
check_eq "search in pages of 2 matches and 5 cases looked at: the same document" "$search_one" \
	"$(LFH_PAGE_SIZE=2 LFH_PAGE_SCAN=5 lfh_at police case search listing --json)"
if out=$(LFH_PAGE_SCAN=2001 lfh_at police case list 2>&1); then
	tap_fail "a page looking at more than 2000 cases is refused" "$out"
else
	check "a page looking at more than 2000 cases is refused, saying why" \
		grep -q "scan: expected 1 to 2000" <<<"$out"
fi
# a case with a long timeline: 12 notes, shown in pages of 5 records
c=$(head -n 1 "$W/cases")
for i in $(seq 1 12); do
	lfh_at police case note "$c" --text "Timeline note $i" >/dev/null || tap_fail "note $i"
done
show_one=$(lfh_at police case show "$c" --json) || tap_fail "case show --json" "$show_one"
show_paged=$(LFH_PAGE_SIZE=5 lfh_at police case show "$c" --json) ||
	tap_fail "case show --json in pages" "$show_paged"
check "case show holds every note" [ "$(grep -o 'Timeline note' <<<"$show_one" | wc -l)" = 12 ]
check_eq "case show in pages of 5: the same document as in one page" "$show_one" "$show_paged"
check_eq "case show in pages: the same text" "$(lfh_at police case show "$c")" \
	"$(LFH_PAGE_SIZE=5 lfh_at police case show "$c")"
# without a questionnaire, the risk level defaults from the score, as --help says
out=$(lfh_at police case risk "$c" --score 12 --answers 'noise=yes' 2>&1) ||
	tap_fail "case risk with a score and no level" "$out"
check_eq "the level is the score's (12: medium)" medium \
	"$(lfh_at police case state "$c" --json | json_get '[0].risk')"
# an id as lfh due prints it (11 digits, an odd number) is accepted back
check "a case is found by an 11-digit prefix" lfh_at police case show "${c:0:11}"
if out=$(LFH_PAGE_SIZE=501 lfh_at police case list 2>&1); then
	tap_fail "a page larger than 500 is refused" "$out"
else
	check "a page larger than 500 is refused, saying why" grep -q "limit: expected 1 to 500" <<<"$out"
fi
for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
