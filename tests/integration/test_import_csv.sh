#!/usr/bin/env bash
# test_import_csv.sh - lfh import of CSV (issue #13, item 4: "from CSV/JSON
# exported by the system the hub used before"), read with libcsv:
#
#   1. a CSV as a spreadsheet writes it (byte order mark, CRLF, quoted cells
#      holding commas, doubled quotes and line breaks, empty cells, a list in
#      one cell) is imported: the cases and notes read as written;
#   2. the same rows as JSON Lines are the same rows: importing them after the
#      CSV skips every one, and the CSV run again too;
#   3. a record with a cell too many or too few, or a cell not UTF-8, is
#      refused, named by the line it starts on (after a record of several
#      lines); a misspelt column refuses its rows, as a misspelt JSON field;
#   4. a bad header (a name not a field's, named twice, no kind) stops the
#      import before anything is sent; malformed CSV (a stray quote, a quote
#      never closed) stops it at its line, the rows before it imported;
#   5. --format: a CSV not named *.csv (a pipe) with --format csv; a CSV read
#      as JSON Lines says to give --format csv; an unknown format is bad usage.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "meeting-notes"; kind = "personal"; receive = "participants"; retention_days = 3650; },
  { name = "actions"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
isa_hub_setup police housing
node_start police || bail "start police"
tap_ok "a two-agency hub is running (police only)"

ref_of() { # ext_id -> the case's reference, from case list
	lfh_at police case list --json | json_flat | awk -F= -v want="$1" '
		{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ { c[i] = $2 }
		/\]\.ext_id=/ && $2 == want { w = i } END { print c[w] }'
}

# ---- 1. a spreadsheet's CSV
csv=$W/history.csv
{
	printf '\xef\xbb\xbfkind,ext_id,case,summary,location,category,risk,to,on,by,text\r\n'
	printf 'case,CSV-1,,"Noise, at night",Flat 2,asb,standard,housing,2020-01-10,PC Jones,\r\n'
	printf 'note,,CSV-1,,,,,,2020-01-11,PC Jones,"Neighbour said ""loud music""\r\nuntil 3am, most nights"\r\n'
	printf 'case,CSV-2,,Graffiti,Underpass,asb,medium,"housing",2020-02-01,,\r\n'
	printf 'note,,CSV-2,,,,,,2020-02-02,,Cleaned by the council\r\n'
} >"$csv"
lfh_at police import --json "$csv" >"$W/one.json" 2>"$W/one.err"
rc=$?
check_eq "the CSV is imported: 4 rows, none refused (exit 0)" "4 0 0" \
	"$(json_get .imported <"$W/one.json") $(json_get .refused <"$W/one.json") $rc"
ref1=$(ref_of CSV-1)
show=$(lfh_at police case show "$ref1" --json)
check_eq "a quoted cell with a comma is one field" "Noise, at night" "$(json_get '[0].summary' <<<"$show")"
check_eq "\"by\" is kept" "PC Jones" "$(json_get '[0].by' <<<"$show")"
chrono=$(lfh_at police case chronology "$ref1")
check "a doubled quote reads as one quote" grep -q 'Neighbour said "loud music"' <<<"$chrono"
check "... and a line break inside quotes is kept in the note" grep -q 'until 3am, most nights' <<<"$chrono"
check "the note is dated as the row says" grep -q '2020-01-11' <<<"$chrono"
show2=$(lfh_at police case show "$(ref_of CSV-2)" --json)
check_eq "an empty cell is a field left out: the second case, by the importing user" "medium root" \
	"$(json_get '[0].risk' <<<"$show2") $(json_get '[0].by' <<<"$show2")"

# ---- 2. the same rows as JSON Lines are the same rows
jsonl=$W/history.jsonl
{
	printf '{"kind":"case","ext_id":"CSV-1","summary":"Noise, at night","location":"Flat 2","category":"asb","risk":"standard","to":"housing","on":"2020-01-10","by":"PC Jones"}\n'
	printf '{"kind":"note","case":"CSV-1","on":"2020-01-11","by":"PC Jones","text":"Neighbour said \\"loud music\\"\\r\\nuntil 3am, most nights"}\n'
	printf '{"kind":"case","ext_id":"CSV-2","summary":"Graffiti","location":"Underpass","category":"asb","risk":"medium","to":["housing"],"on":"2020-02-01"}\n'
	printf '{"kind":"note","case":"CSV-2","on":"2020-02-02","text":"Cleaned by the council"}\n'
} >"$jsonl"
before=$(node_events police)
lfh_at police import --json "$jsonl" >"$W/two.json" 2>&1
check_eq "the same rows as JSON Lines after the CSV: all 4 skipped, nothing written" "0 4 $before" \
	"$(json_get .imported <"$W/two.json") $(json_get .skipped <"$W/two.json") $(node_events police)"
lfh_at police import --json "$csv" >"$W/three.json" 2>&1
check_eq "the CSV run again: all 4 skipped" "0 4" \
	"$(json_get .imported <"$W/three.json") $(json_get .skipped <"$W/three.json")"

# ---- 3. records refused, named by the line they start on
bad=$W/bad.csv
{
	printf 'kind,ext_id,case,summary,location,category,risk,to,on,text\n'
	printf 'case,CSV-3,,"A summary\nover two lines",Park,asb,standard,housing,2020-03-01,\n'
	printf 'note,,CSV-3,,,,,,2020-03-02,one cell too many,extra\n'
	printf 'note,,CSV-3,,,,,,2020-03-03\n'
	printf 'note,,CSV-3,,,,,,2020-03-04,caf\xe9\n'
	printf '\n'
	printf 'note,,CSV-3,,,,,,2020-03-05,"Good note after a blank line"\n'
} >"$bad"
lfh_at police import --json --rejects "$W/bad.rej" "$bad" >"$W/bad.json" 2>&1
rc=$?
check_eq "2 rows imported, 3 refused (exit 1)" "2 3 1" \
	"$(json_get .imported <"$W/bad.json") $(json_get .refused <"$W/bad.json") $rc"
check "a cell too many: refused at the line it is on (4, after a record of two lines)" grep -q \
	'"line":4,"reason":"11 cells, but the header names 10 columns"' "$W/bad.rej"
check "a cell too few: refused, never read with its cells under other names" grep -q \
	'"line":5,"reason":"9 cells, but the header names 10 columns"' "$W/bad.rej"
check "a cell not UTF-8: refused, saying to save the CSV as UTF-8" grep -q \
	'"line":6,"reason":"column text: not UTF-8 text (save the CSV as UTF-8)"' "$W/bad.rej"
check "the rejects file gives the row's cells by name" grep -q \
	'"line":4,.*"row":"{\\"kind\\":\\"note\\",\\"case\\":\\"CSV-3\\"' "$W/bad.rej"
check "the note after a blank line is imported" grep -q "Good note after a blank line" \
	<<<"$(lfh_at police case chronology "$(ref_of CSV-3)")"
printf 'kind,ext_id,case,summary,location,category,risk,to,descripton\ncase,CSV-4,,s,l,asb,standard,housing,lost\n' >"$W/typo.csv"
lfh_at police import --rejects "$W/typo.rej" "$W/typo.csv" >/dev/null 2>&1
check "a misspelt column refuses its rows, as a misspelt JSON field" grep -q \
	"unknown field 'descripton' in a case row" "$W/typo.rej"

# ---- 4. what stops the import
events=$(node_events police)
stops() { # file, message: exit 1, the message, nothing written
	local out rc
	out=$(lfh_at police import "$1" 2>&1)
	rc=$?
	check_eq "$3: exit 1" 1 "$rc"
	check "... saying so" grep -qF "$2" <<<"$out"
	check_eq "... and nothing is written" "$events" "$(node_events police)"
}
printf 'Kind,Ext ID\ncase,X\n' >"$W/h1.csv"
stops "$W/h1.csv" "column 'Kind' is not a field name" "a header with a name not a field's"
printf 'kind,text,text\nnote,a,b\n' >"$W/h2.csv"
stops "$W/h2.csv" "column 'text' is named twice" "a column named twice"
printf 'case,ext_id\nx,y\n' >"$W/h3.csv"
stops "$W/h3.csv" "no 'kind' column" "a header without kind"

{
	printf 'kind,case,text,on\n'
	printf 'note,CSV-3,Before the stray quote,2020-03-06\n'
	printf 'note,CSV-3,He said "no",2020-03-07\n'
	printf 'note,CSV-3,After it,2020-03-08\n'
} >"$W/stray.csv"
out=$(lfh_at police import "$W/stray.csv" 2>&1)
check_eq "a stray quote: the import stops (exit 1)" 1 "$?"
check "... naming its line" grep -q "malformed CSV on line 3" <<<"$out"
chrono=$(lfh_at police case chronology "$(ref_of CSV-3)")
check "... the row before it is imported" grep -q "Before the stray quote" <<<"$chrono"
check "... the row after it is not" bash -c '! grep -q "After it" <<<"$1"' _ "$chrono"
{
	printf 'kind,case,text\n'
	printf 'note,CSV-3,"A quote never closed\n'
	head -c 70000 /dev/zero | tr '\0' 'x'
	printf '\n'
} >"$W/open.csv"
out=$(lfh_at police import "$W/open.csv" 2>&1)
check_eq "a quote left open over 64 KB: stops (exit 1)" 1 "$?"
check "... saying where the record began" grep -q "record begun on line 2 is over 65536 bytes" <<<"$out"
printf 'kind,case,text\nnote,CSV-3,"never closed\n' >"$W/open2.csv"
out=$(lfh_at police import "$W/open2.csv" 2>&1)
check "a quote never closed at the end of the file: says so" grep -q \
	"quoted cell begun on line 2 is never closed" <<<"$out"

# ---- 5. --format
printf 'kind,case,text,on\nnote,CSV-3,Piped CSV,2020-03-09\n' >"$W/pipe.txt"
out=$(lfh_at police import --format csv /dev/stdin <"$W/pipe.txt" 2>&1)
check_eq "--format csv reads a pipe as CSV (exit 0)" 0 "$?"
check "... its row imported" grep -q "Piped CSV" <<<"$(lfh_at police case chronology "$(ref_of CSV-3)")"
lfh_at police import --rejects "$W/txt.rej" "$W/pipe.txt" >/dev/null 2>&1
check "a CSV read as JSON Lines: says to give --format csv" grep -q "give --format csv" "$W/txt.rej"
lfh_at police import --format xml "$csv" >/dev/null 2>"$W/fmt.err"
check_eq "an unknown --format: bad usage (2)" 2 "$?"
check "... naming the formats" grep -q "expected jsonl or csv" "$W/fmt.err"
check "lfh import --help documents CSV" sh -c "'$LFH' import --help | grep -q 'CSV (RFC 4180'"

node_stop police
tap_done
