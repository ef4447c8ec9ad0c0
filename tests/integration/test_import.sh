#!/usr/bin/env bash
# test_import.sh - bulk import (issue #13, item 4): police loads its history
# from the system it used before (lfh import, JSON Lines) on a live
# two-agency hub:
#
#   1. a generated history of 300 cases (7 rows each: case, risk, scanning,
#      meeting, an action done, two notes) with six bad rows (an unknown
#      kind, a case without its summary, a note dated in the future, an
#      action for a case never imported, a bad power);
#   2. lfh is killed (SIGKILL) once some rows are in; run again, the import
#      ends with exactly the good rows, once each: the case and event counts
#      are those of one import, a re-run imports nothing more;
#   3. the refused rows are listed (summary, --json, --rejects) with their
#      line and why; exit status 1;
#   4. an imported case reads as it was: ext_id, dates (on), who (by), its
#      action done, its notes; housing receives the imported cases;
#   4b. the summaries the import kept from its cached states (a new case's
#      from its referral, each moved on with every row) read as the cases'
#      events do: due, case list and both reports equal their --recompute;
#   5. the import's new sharing keys came from police's key reserve, their
#      grants (to housing and to police itself) sealed ahead on its worker
#      (metrics), and every imported case is readable at housing;
#   6. rows too long for one request's parts go in several requests, each
#      row once;
#   7-8. what real exports hold, and what could file one person's records in
#      another's case;
#   9. a row refused stays refused on later runs (--retry-refused checks it
#      again).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
isa_hub_setup police housing
mport=$("$FREEPORT") || bail freeport
echo "metrics_listen = 127.0.0.1:$mport" >>"$(conf_of police)"
node_start police || bail "start police"
node_start housing || bail "start housing"
tap_ok "a two-agency hub is running"

CASES=300
hist=$W/history.jsonl
sh "$(dirname "$0")/../tools/gen_history.sh" "$CASES" 1 >"$hist" || bail "generate the history"
rows=$(grep -c . "$hist")
bad=$((CASES / 50))
good=$((rows - bad))
check_eq "the history has $CASES cases, 7 rows each, and $bad bad rows" "$((CASES * 7 + bad))" "$rows"

# ---- 1 and 2: an import killed midway, then run again
lfh_at police import --batch 50 "$hist" >"$W/first.out" 2>"$W/first.err" &
imp=$!
events_over() { local e; e=$(node_events police 2>/dev/null) && [ "${e:-0}" -gt "$1" ]; }
base=$(node_events police)
wait_until 60 events_over "$((base + 200))" || tap_fail "the first import writes some rows"
kill -KILL "$imp" 2>/dev/null
wait "$imp" 2>/dev/null
mid=$(node_events police)
check "killed midway: some rows are in, not all" [ "$mid" -gt "$((base + 200))" ]
mid_cases=$(case_count police)
check "killed midway: fewer than $CASES cases" [ "$mid_cases" -lt "$CASES" ]

lfh_at police import --rejects "$W/rejects.jsonl" "$hist" >"$W/second.out" 2>&1
rc=$?
check_eq "the resumed import exits 1 (some rows refused)" 1 "$rc"
check "it says how many rows were refused" grep -q "^$bad rows refused:" "$W/second.out"
check "it says rows were imported before" grep -q "rows were imported before (skipped)" "$W/second.out"
check_eq "police holds exactly $CASES imported cases" "$CASES" "$(case_count police)"
after=$(node_events police)

# Each case: a key for referral, meeting-notes and actions, and 8 events (referral,
# risk, scanning, meeting, action, its outcome, two notes): 11, none twice.
lfh_at police case list --json >"$W/list.json"
check_eq "every imported case holds its 11 events, once each" "11 $CASES" \
	"$(json_all events <"$W/list.json" | sort | uniq -c | awk '{ print $2, $1 }' | paste -sd' ')"

lfh_at police import --json --rejects "$W/rejects2.jsonl" "$hist" >"$W/third.json" 2>&1
rc=$?
check_eq "a third run writes nothing" "$after" "$(node_events police)"
check_eq "... imports no row" 0 "$(json_get .imported <"$W/third.json")"
check_eq "... skips every good row" "$good" "$(json_get .skipped <"$W/third.json")"
check_eq "... refuses the $bad bad rows again (exit 1)" "$bad 1" "$(json_get .refused <"$W/third.json") $rc"

# ---- 3. what was refused, and why
lines=$(awk '/"kind":"memo"|"ext_id":"BAD-|2999-01-01|NOPE-|flogging/ { print NR }' "$hist" | paste -sd' ')
check_eq "the rejects file lists the bad rows' lines" "$lines" \
	"$(sed 's/^{"line":\([0-9]*\),.*/\1/' "$W/rejects.jsonl" | paste -sd' ')"
check_eq "--json lists the same lines" "$lines" \
	"$(json_flat <"$W/third.json" | sed -n 's/^\.refusals\[[0-9]*\]\.line=//p' | paste -sd' ')"
check "unknown kind: named" sh -c "grep -q \"unknown kind 'memo'\" '$W/rejects.jsonl'"
check "missing field: named" sh -c "grep -q 'missing summary' '$W/rejects.jsonl'"
check "a date in the future: refused" sh -c "grep '2999-01-01' '$W/rejects.jsonl' | grep -qi 'future\|ahead\|after'"
check "an action for a case never imported: unknown case" sh -c "grep -q \"unknown case 'NOPE-\" '$W/rejects.jsonl'"
check "a bad power: refused" sh -c "grep 'flogging' '$W/rejects.jsonl' | grep -qi 'power'"
check "each rejected row is given back as it was" sh -c "grep -q 'memo' '$W/rejects.jsonl'"

# ---- 4b. the summaries kept by the import read as the events do
summarized() { lfh_at police report performance --csv | grep -q "^note,summaries,\"\?$CASES cases read from the summary"; }
check "every imported case has its summary" summarized
month=$(date -u +%Y-%m)
for args in "report performance" "report tactical --month 2024-07" "report tactical --month $month"; do
	# shellcheck disable=SC2086
	check_eq "$args from the import's summaries = from every event" \
		"$(lfh_at police $args --recompute --csv)" \
		"$(lfh_at police $args --csv | grep -v '^note,summaries,')"
done
for args in "due" "case list" "case list --open" "case list --mine" "case list --risk standard"; do
	# shellcheck disable=SC2086
	check_eq "$args from the import's summaries = from every event" \
		"$(lfh_at police $args --recompute --json)" "$(lfh_at police $args --json)"
done

# ---- 4. an imported case reads as it was
# cases are numbered in the year of their "on", in the file's order
show=$W/show.json
lfh_at police case show POLICE-24-0007 --json >"$show"
check_eq "OLD-7 is POLICE-24-0007" "OLD-7" "$(json_get '[0].ext_id' <"$show")"
case7=$(json_get '[0].case' <"$show")
check_eq "it is dated when it happened (on)" "2024-08-08" "$(json_get '[1].on' <"$show")"
check_eq "by the original caseworker" "PC Old" "$(json_get '[1].by' <"$show")"
check "its notes are there, once each" [ "$(grep -c 'Quiet since the letter (case 7)' "$show")" = 1 ]
lfh_at police case state "$case7" --json >"$W/state.json"
check_eq "its stage and its action's outcome" "response done" \
	"$(json_get '[0].stage' <"$W/state.json") $(json_get '[1].status' <"$W/state.json")"

cases_at_housing() { [ "$(case_count housing 2>/dev/null)" = "$CASES" ]; }
wait_until 60 cases_at_housing || tap_fail "housing receives the $CASES imported cases"
check_eq "housing holds the $CASES imported cases" "$CASES" "$(case_count housing)"
check "housing reads the imported case's action" sh -c "'$LFH' -c '$W/housing/lfhd.conf' case state '$case7' --json | grep -q '\"status\": *\"done\"'"

# ---- 5. keys from the reserve, each with its two grants sealed ahead; all readable at housing
"$B/tools/scrape" 127.0.0.1 "$mport" >"$W/metrics.txt" || tap_fail "scrape police's metrics"
value() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$W/metrics.txt"; }
keys=$(value lfh_keys_reserved_total)
check "the import took sharing keys from police's key reserve" [ "${keys:-0}" -gt 0 ]
check_eq "... each with both grants (housing, police) sealed ahead" "$((2 * ${keys:-0}))" \
	"$(value lfh_grants_reserved_total)"
lfh_at housing case list --json >"$W/hlist.json"
check_eq "housing reads every imported case" "$CASES yes" \
	"$(json_all readable <"$W/hlist.json" | sort | uniq -c | awk '{ print $1, $2 }' | paste -sd' ')"

# ---- 6. long rows: a request is bounded by its parts (50 of 12 KB), not only by --batch
# 250 notes of 7 KB each (1.75 MB): one row fills a part, so lfh sends them
# 50 at a time, though --batch allows 4000
long=$(head -c 7000 /dev/zero | tr '\0' 'x')
awk -v t="$long" 'BEGIN { for (i = 1; i <= 250; i++)
	printf "{\"kind\":\"note\",\"case\":\"OLD-7\",\"text\":\"%s %d\",\"on\":\"2024-09-01\"}\n", t, i }' \
	>"$W/long.jsonl"
lfh_at police import --json "$W/long.jsonl" >"$W/long.json" 2>"$W/long.err"
rc=$?
check_eq "250 notes of 7 KB, over one request's parts: all imported (exit 0)" "250 250 0" \
	"$(json_get .imported <"$W/long.json") $(json_get .events <"$W/long.json") $rc"
lfh_at police import --json "$W/long.jsonl" >"$W/long2.json" 2>&1
check_eq "... run again: all 250 skipped" "0 250" \
	"$(json_get .imported <"$W/long2.json") $(json_get .skipped <"$W/long2.json")"

# ---- 7. what real exports hold: a byte order mark, a member misspelt, another encoding,
# an over-long line; a date of birth; a piped file
odd=$W/odd.jsonl
{
	printf '\xef\xbb\xbf{"kind":"case","ext_id":"BOM-1","summary":"Fly-tipping","location":"Back lane","category":"asb","risk":"standard","to":"housing","on":"2019-03-01","subject":"Sam Old","dob":"1958-03-07"}\n'
	printf '{"kind":"case","ext_id":"BAD-TO","summary":"x","location":"y","category":"asb","risk":"standard","to":"housng","on":"2019-03-02"}\n'
	printf '{"kind":"case","ext_id":"NEXT-1","summary":"Noise","location":"Flat 9","category":"asb","risk":"standard","to":"housing","on":"2019-03-03"}\n'
	printf '{"kind":"note","case":"BOM-1","text":"caf\xe9 owner called"}\n'
	printf '{"kind":"note","case":"BOM-1","text":"%s"}\n' "$(head -c 70000 /dev/zero | tr '\0' 'x')"
	printf '{"kind":"note","case":"BOM-1","text":"After the long line"}\n'
	printf '{"kind":"case","ext_id":"TYPO-1","summary":"s","location":"l","category":"asb","risk":"standard","to":"housing","descripton":"lost"}\n'
	printf '{"kind":"note","case":"BOM-1","txt":"lost too"}\n'
	printf '{"kind":"risk","case":"BOM-1","answers":"repeat=yes","score":2,"on":"2019-03-02"}\n'
	printf '{"kind":"review","case":"BOM-1","review_kind":"monthly","outcome":"continue","text":"Still fly-tipping","on":"2019-04-02"}\n'
	printf '{"kind":"meeting","case":"BOM-1","date":"2019-04-03","atendees":"police,housing","victim":"v","offender":"o","location":"l","responses":"r"}\n'
} >"$odd"
lfh_at police import --json --rejects "$W/odd.rej" "$odd" >"$W/odd.json" 2>"$W/odd.err"
check_eq "5 rows imported, 6 refused (a misspelt member, not UTF-8, a line over 64 KB, 3 misspelt fields)" "5 6" \
	"$(json_get .imported <"$W/odd.json") $(json_get .refused <"$W/odd.json")"
check_eq "the first line, after its byte order mark, opened a case" "BOM-1" \
	"$(lfh_at police case show POLICE-19-0001 --json | json_get '[0].ext_id')"
check_eq "the refused case row took no reference number" "NEXT-1" \
	"$(lfh_at police case show POLICE-19-0002 --json | json_get '[0].ext_id')"
check_eq "every refused row is in the rejects file" 6 "$(grep -c '"line":' "$W/odd.rej")"
check "a misspelt field is refused, never dropped unseen" grep -q "unknown field 'descripton' in a case row" \
	"$W/odd.rej"
check "... in a note row too" grep -q "unknown field 'txt' in a note row" "$W/odd.rej"
check "... and in a step row (a meeting)" grep -q "unknown field 'atendees' in a meeting row" "$W/odd.rej"
check_eq "a review row, its kind in review_kind, is imported as a monthly review" "monthly" \
	"$(lfh_at police case show POLICE-19-0001 --json | grep -o '"kind":"monthly"' | head -1 | cut -d'"' -f4)"
check "... the one in another encoding too, its bad byte marked" grep -q $'caf\xef\xbf\xbd owner' "$W/odd.rej"
check "... the misspelt member named" grep -q "'housng' is not a party of the ISA in force" "$W/odd.rej"
check "... the long line as such" grep -q '"line":5,"reason":"line too long' "$W/odd.rej"
check "the case row's date of birth is kept: subject access finds it by it" grep -q "BOM-1" \
	<<<"$(lfh_at police sar --subject "Sam Old" --dob 1958-03-07 --json)"
out=$(lfh_at police import "$W" 2>&1)
check_eq "a directory to import: bad usage (2)" 2 "$?"
check "... saying it is a directory" grep -q "$W is a directory" <<<"$out"
printf '{"kind":"note","case":"BOM-1","text":"a\\u0000b"}\n' >"$W/nul.jsonl"
lfh_at police import --rejects "$W/nul.rej" "$W/nul.jsonl" >/dev/null 2>&1
check "a NUL in a row is refused in words, not by jansson's flag name" grep -q \
	'NUL) in a string is not allowed' "$W/nul.rej"
(umask 022 && lfh_at police import --rejects "$W/odd2.rej" "$odd" >/dev/null 2>&1)
check_eq "the rejects file (whole rows: names, dates of birth) is made 0600, whatever the umask" 600 "$(stat -c %a "$W/odd2.rej")"
echo "keep me" >"$W/victim.txt"
ln -s "$W/victim.txt" "$W/link.rej"
out=$(lfh_at police import --rejects "$W/link.rej" "$odd" 2>&1)
check_eq "--rejects naming a symbolic link: bad usage (2)" 2 "$?"
check "... saying so" grep -q "is a symbolic link: give the file itself" <<<"$out"
check_eq "... and the file it points to is left as it was" "keep me" "$(cat "$W/victim.txt")"
sum_before=$(cksum <"$odd")
out=$(lfh_at police import --rejects "$odd" "$odd" 2>&1)
check_eq "--rejects naming the file to import: bad usage (2)" 2 "$?"
check "... saying so" grep -q "is the file to import" <<<"$out"
check_eq "... and the file is left as it was" "$sum_before" "$(cksum <"$odd")"
printf '{"kind":"case","ext_id":"PIPE-1","summary":"Piped","location":"Lane","category":"asb","risk":"standard","to":"housing","on":"2019-04-01"}\n' >"$W/pipe.jsonl"
out=$(script -qec "cat '$W/pipe.jsonl' | '$LFH' -c '$W/police/lfhd.conf' import /dev/stdin" /dev/null 2>&1)
check "a piped file is imported, with a progress line on a terminal" grep -q "imported 1 rows" <<<"$out"
{
	printf '{"kind":"case","ext_id":"NONL-1","summary":"s","location":"l","category":"asb","risk":"standard","to":"housing","on":"2019-04-02"}\n'
	printf '{"kind":"note","case":"NONL-1","text":"the last line has no newline"}'
} >"$W/nonl.jsonl"
out=$(script -qec "'$LFH' -c '$W/police/lfhd.conf' import '$W/nonl.jsonl'" /dev/null 2>&1)
check "a last line without its newline counts: the progress ends at 2/2 rows (100%)" \
	grep -q "import: 2/2 rows (100%)" <<<"$out"
check "... and never passes 100%" bash -c "! grep -Eo '\([0-9]+%\)' <<<\"\$1\" | tr -d '()%' | awk '\$1 > 100 { f = 1 } END { exit !f }'" _ "$out"

# ---- 8. what could file one person's records in another's case, or drop what a row says
amb=$W/amb.jsonl
{
	printf '{"kind":"case","ext_id":"DUP-1","summary":"Noise from flat 1 (Mrs A)","location":"Flat 1","category":"asb","risk":"standard","to":"housing","on":"2018-02-01"}\n'
	printf '{"kind":"note","case":"DUP-1","text":"Mrs A says music at night","on":"2018-02-02"}\n'
	printf '{"kind":"case","ext_id":"DUP-1","summary":"Drug dealing at 9 Oak St (Mr B)","location":"9 Oak St","category":"asb","risk":"standard","to":"housing","on":"2018-06-01"}\n'
	printf '{"kind":"note","case":"DUP-1","text":"Mr B seen dealing outside school","on":"2018-06-02"}\n'
	printf '{"kind":"case","ext_id":"SELF-1","summary":"Only to us","location":"x","category":"asb","risk":"standard","to":"police","on":"2018-07-01"}\n'
	printf '{"kind":"case","ext_id":"OUT-1","summary":"Outcome","location":"y","category":"asb","risk":"standard","to":"housing","on":"2018-07-02"}\n'
	printf '{"kind":"action","case":"OUT-1","agency":"housing","power":"tenancy-warning","text":"Warn","due":"2018-08-01","outcome":"Tenant evicted","status_on":"2018-07-20","on":"2018-07-03"}\n'
	printf '{"kind":"note","case":"OUT-1","text":["para one","para two"],"on":"2018-07-04"}\n'
} >"$amb"
lfh_at police import --json --rejects "$W/amb.rej" "$amb" >"$W/amb.json" 2>/dev/null
check "a second case row with the same ext_id is refused" grep -q \
	'"line":3,"reason":"ext_id .DUP-1.: a second case row with this id' "$W/amb.rej"
check "... and a later row naming that id is refused, not filed into the first case" grep -q \
	'"line":4,"reason":"case .DUP-1.: a second case row named it at an earlier line' "$W/amb.rej"
dup1=$(lfh_at police case list --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ { c[i] = $2 }
	/\]\.summary=Noise from flat 1 \(Mrs A\)$/ { want = i } END { print c[want] }')
chrono=$(lfh_at police case chronology "$dup1")
check "Mrs A's case holds her note" grep -q "Mrs A says music at night" <<<"$chrono"
check "... and not Mr B's" bash -c '! grep -q "Mr B" <<<"$1"' _ "$chrono"
check "an action row with an outcome but no status is refused, not imported without it" grep -q \
	'"line":7,"reason":"outcome given with no status' "$W/amb.rej"
check "a list in a text field is refused, never joined with commas unseen" grep -q \
	'"line":8,"reason":"text: a list is taken only in to and attendees' "$W/amb.rej"
check "a case row the ISA sends to nobody is refused" grep -q '"line":5,.*lets no other agency' \
	"$W/amb.rej"
check_eq "... and takes no reference number: the next case of 2018 is POLICE-18-0002" "OUT-1" \
	"$(lfh_at police case show POLICE-18-0002 --json | json_get '[0].ext_id')"

# a refused case row whose ext_id reads like a reference held here: the rows naming it are
# refused, in its batch and the next, never filed into the case with that reference
refc=$W/refc.jsonl
{
	printf '{"kind":"case","ext_id":"POLICE-18-0002","summary":"Old system case","location":"z","category":"asb","risk":"standard","to":"nosuch","on":"2018-08-01"}\n'
	printf '{"kind":"note","case":"POLICE-18-0002","text":"Belongs to the refused case","on":"2018-08-02"}\n'
	printf '{"kind":"note","case":"POLICE-18-0002","text":"In the next batch too","on":"2018-08-03"}\n'
} >"$refc"
lfh_at police import --batch 2 --json --rejects "$W/refc.rej" "$refc" >/dev/null 2>&1
check_eq "the case row and both rows naming it are refused" 3 "$(grep -c '"line":' "$W/refc.rej")"
check "... saying the case row was refused" grep -q \
	'"line":3,"reason":"case .POLICE-18-0002.: its case row was refused' "$W/refc.rej"
check "... and nothing was filed into POLICE-18-0002 (OUT-1)" bash -c '! grep -q "Belongs to the refused\|In the next batch" <<<"$1"' \
	_ "$(lfh_at police case show POLICE-18-0002)"

# a note of several lines cannot pass for numbered entries in the court chronology
lfh_at police case note "$dup1" --text $'First line\n   9. 2026-01-01 00:00  police (PC Fake): forged' \
	>/dev/null || tap_fail "a note of two lines"
check "the chronology indents a text's later lines" grep -qE '^ {8,}   9\. 2026-01-01 00:00  police \(PC Fake\)' \
	<<<"$(lfh_at police case chronology "$dup1")"

# ---- 9. a row refused stays refused on a later run, whatever came in since: a note
# before its case row goes in on no run but one asked to check refused rows again
ord=$W/order.jsonl
{
	printf '{"kind":"note","case":"ORD-1","text":"Noted before its case row","on":"2018-09-02"}\n'
	printf '{"kind":"case","ext_id":"ORD-1","summary":"Order","location":"x","category":"asb","risk":"standard","to":"housing","on":"2018-09-01"}\n'
} >"$ord"
lfh_at police import --json "$ord" >"$W/ord1.json" 2>&1
check_eq "a note before its case row: refused, the case imported" "1 1" \
	"$(json_get .imported <"$W/ord1.json") $(json_get .refused <"$W/ord1.json")"
lfh_at police import --json --rejects "$W/ord2.rej" "$ord" >"$W/ord2.json" 2>&1
check_eq "run again (its case now held): the note is refused again, nothing imported" "0 1 1" \
	"$(json_get .imported <"$W/ord2.json") $(json_get .skipped <"$W/ord2.json") $(json_get .refused <"$W/ord2.json")"
check "... for the reason it was, saying an earlier run refused it" grep -q \
	"unknown case 'ORD-1'.*(refused by an earlier run; lfh import --retry-refused checks it again)" "$W/ord2.rej"
lfh_at police import --json --retry-refused "$ord" >"$W/ord3.json" 2>&1
rc=$?
check_eq "--retry-refused checks it again: the note is imported (exit 0)" "1 1 0 0" \
	"$(json_get .imported <"$W/ord3.json") $(json_get .skipped <"$W/ord3.json") $(json_get .refused <"$W/ord3.json") $rc"
check "... into its case" grep -q "Noted before its case row" \
	<<<"$(lfh_at police case chronology "$(lfh_at police case list --json | json_flat | awk -F= '
		{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ { c[i] = $2 }
		/\]\.ext_id=ORD-1$/ { w = i } END { print c[w] }')")"

# ---- usage
check "lfh import --help documents the format" sh -c "'$LFH' import --help | grep -q 'JSON Lines'"
"$LFH" import >/dev/null 2>&1
check_eq "lfh import without a file: bad usage (2)" 2 "$?"
"$LFH" -c "$W/police/lfhd.conf" import --batch 0 "$hist" >/dev/null 2>&1
check_eq "a bad --batch: bad usage (2)" 2 "$?"
"$LFH" -c "$W/police/lfhd.conf" import --batch 4001 "$hist" >/dev/null 2>"$W/batch.err"
check_eq "--batch over 4000 rows: bad usage (2)" 2 "$?"
check "... saying the bounds" grep -q "expected 1 to 4000 rows" "$W/batch.err"

node_stop housing
node_stop police
tap_done
