#!/usr/bin/env bash
# test_long_case.sh - a case longer than the projection's timeline (255
# entries, include/lfh/osara.h): an entry past it that broke the rules is
# flagged in every view, as one within it is. Police files a case with
# housing and writes 260 notes; housing's node, gone bad, then tasks
# probation (not in the case) with an action its control layer would
# refuse (tests/tools/hostile task-outsider). At police and housing,
# `case show` flags it NOT APPLIED, and the court chronology leaves it out
# and counts it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
HOSTILE=$B/tools/hostile
[ -x "$HOSTILE" ] || bail "missing $HOSTILE (run make)"

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing probation)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a three-agency hub is running"

c=$(new_referral police housing "A long-running dispute") || bail "referral"
wait_until 20 has_case housing "$c" || bail "the case reaches housing"
for i in $(seq 1 260); do
	lfh_at police case note "$c" --text "Visit $i" >/dev/null || bail "note $i"
done
tap_ok "police writes 260 notes: past the 255 entries of the timeline"
notes_at() { [ "$(lfh_at "$1" case show "$c" --json | grep -o '"text":"Visit [0-9]*"' |
	wc -l)" -eq 260 ]; }
wait_until 30 notes_at housing || bail "the notes reach housing"
last=$(lfh_at police case show "$c" --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.event=/ { e[i] = $2 }
	/\]\.text=Visit 260$/ { want = i } END { print e[want] }')
out=$(lfh_at police case amend "$c" "$last" --text "Visit 260 (corrected)" 2>&1) &&
	tap_fail "amending an entry after the first 255 is refused" "$out"
check "... saying why" grep -q "among the first 255 entries of this case (as held here): a later one cannot be amended" \
	<<<"$out"

node_stop housing
forged=$("$HOSTILE" -c "$(conf_of housing)" task-outsider "$c" probation 2>&1) ||
	bail "the hostile tool writes task-outsider: $forged"
node_start housing || bail "restart housing"
forged_id=${forged%% *}
holds_forged() { lfh_at "$1" case show "$c" --json | grep -q "$forged_id"; }
wait_until 20 holds_forged police || bail "police receives housing's forged action"

# the entry's record in `case show --json`: its fields, one per line
entry_of() { lfh_at "$1" case show "$c" --json | json_flat | awk -F= -v id="$forged_id" '
	{ i = substr($0, 1, index($0, "]")); f[NR] = $0; of[NR] = i }
	$0 ~ "\\]\\.event=" id { want = i }
	END { for (k = 1; k <= NR; k++) if (of[k] == want) print f[k] }'; }
for n in police housing; do
	e=$(entry_of "$n")
	check "$n: the forged action past the timeline is flagged as not applied" \
		grep -q '\]\.ignored=.' <<<"$e"
	check "$n: case show says NOT APPLIED" grep -q "tasked without being invited.*NOT APPLIED" \
		<<<"$(lfh_at "$n" case show "$c")"
	chrono=$(lfh_at "$n" case chronology "$c")
	check "$n: the chronology leaves it out" bash -c "! grep -q 'tasked without' <<<\"\$1\"" _ \
		"$chrono"
	check "$n: ... and counts it" grep -q "^Left out: 0 entries redacted by the lead agency, 1 entry not applied" \
		<<<"$chrono"
	check_eq "$n: the chronology numbers the referral and the 260 notes" 261 \
		"$(grep -cE '^ +[0-9]+\. ' <<<"$chrono")"
done
# a case larger than a reply may be (4 MiB): its timeline and its chronology come in pages
# (at most 1 MiB each), and the CLI prints them whole
big=$W/big.jsonl
words=$(head -c 11000 /dev/zero | tr '\0' 'w')
{
	printf '{"kind":"case","ext_id":"BIG-1","summary":"A very long case","location":"Long Row","category":"asb","risk":"standard","to":"housing","on":"2026-01-02","subject":"Lon Gcase"}\n'
	for i in $(seq 1 400); do
		printf '{"kind":"note","case":"BIG-1","text":"%s %d"}\n' "$words" "$i"
	done
} >"$big"
lfh_at police import "$big" >/dev/null 2>&1 || bail "import the long case"
bigc=$(lfh_at police case list --json | json_flat | awk -F= '
	{ i = substr($1, 1, index($1, "]")) } /\]\.case=/ { c[i] = $2 }
	/\]\.summary=A very long case$/ { want = i } END { print c[want] }')
[ -n "$bigc" ] || bail "the long case is listed"
out=$(lfh_at police case show "$bigc" --json 2>&1) ||
	tap_fail "case show of a case over 4 MiB works" "$(head -c 300 <<<"$out")"
check_eq "... and lists all its 400 notes, in order" "$(seq 1 400 | tr '\n' ' ')" \
	"$(grep -o 'w [0-9]*"' <<<"$out" | tr -dc '0-9\n' | tr '\n' ' ')"
check "... and as text, each note whole (11,000 bytes)" grep -qE ': w{11000} 400 ' \
	<<<"$(lfh_at police case show "$bigc")"
out=$(lfh_at police case chronology "$bigc" 2>&1) ||
	tap_fail "the chronology of a case over 4 MiB is exported" "$(head -c 300 <<<"$out")"
check_eq "... numbering the referral and all 400 notes" 401 "$(grep -cE '^ +[0-9]+\. ' <<<"$out")"
check "... once each, the last note last and whole (11,000 bytes)" grep -qE \
	'^ +401\. .*: w{11000} 400$' <<<"$out"
check "... naming the node it came from" grep -q "police" <<<"$(head -3 <<<"$out")"
check "... and the audit log records the export" grep -q \
	'"cmd":"case_chronology".*"ok":1' <<<"$(lfh_at police audit --case "$bigc" --json | tr '}' '\n')"
out=$(lfh_at police sar --subject "Lon Gcase" 2>&1) ||
	tap_fail "a subject access export of a case over 4 MiB works" "$(head -c 300 <<<"$out")"
check_eq "... listing the referral and all 400 notes, each whole" "401 400" \
	"$(grep -cE '^ +[0-9]+\. ' <<<"$out") $(grep -c ": $words [0-9]*$" <<<"$out")"
check "... with who each was shared with" grep -q "shared with housing" <<<"$out"
json=$(lfh_at police sar --subject "Lon Gcase" --json)
check_eq "... as JSON too: the case and its 402 entries (the referral, the notes, its key)" \
	"1 402 400" "$(grep -o '"section":"case"' <<<"$json" | wc -l) $(grep -o \
	'"section":"entry"' <<<"$json" | wc -l) $(grep -o '"type":"note"' <<<"$json" | wc -l)"

# a chronology in pages is of one moment: read while the case is written to, it is read
# again, and when the writes never stop it fails saying so (never a mix of moments)
stop=$W/stop-writing
( for i in $(seq 1 2000); do
	[ -e "$stop" ] && break
	lfh_at police case note "$c" --text "Written meanwhile $i" >/dev/null 2>&1
done ) &
writer=$!
written() { lfh_at police case show "$c" --json | grep -q "Written meanwhile"; }
wait_until 20 written || bail "the writer writes"
out=$(LFH_PAGE_SIZE=2 lfh_at police case chronology "$c" 2>&1) &&
	tap_fail "a chronology read in pages while the case is written to fails" "$(tail -3 <<<"$out")"
check "... saying the case was written to while it was read" grep -q \
	"was written to while its chronology was read, 3 times: try again" <<<"$out"
touch "$stop"
wait "$writer"
out=$(LFH_PAGE_SIZE=2 lfh_at police case chronology "$c" 2>&1) ||
	tap_fail "once the writes stop, the chronology in pages is read" "$(tail -3 <<<"$out")"
check_eq "... whole: every entry of the case once" \
	"$(lfh_at police case chronology "$c" | grep -cE '^ +[0-9]+\. ')" \
	"$(grep -cE '^ +[0-9]+\. ' <<<"$out")"

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
