#!/usr/bin/env bash
# test_restore.sh - a node whose store goes back in time recovers the events
# it wrote from its peers before it writes again (issue #12, D3 and D4;
# include/lfh/recovery.h, PROTOCOL.md 13.1).
#
#   D3, restore of an older store: police refers a case to housing and
#   council and writes notes; a consistent copy of its store is taken while
#   it runs (mdb_copy -c); police then opens a second case and writes more
#   notes, acknowledged and replicated; police stops, its data dir is
#   replaced by the copy (its key dir kept), and it starts again. It must
#   recover ("recovery: ... done" in its log): every note, from before and
#   after the copy, reads again at police (the second case only through the
#   KEY grant police seals to itself), its own seq resumes at least where it
#   was and no seq of police is used twice, its new notes reach the peers,
#   housing and council hold every police note (none lost, none replaced),
#   and nobody holds equivocation evidence or refused an event of police.
#
#   D4, wiped store: housing writes its own case and notes; the three nodes
#   stop; housing's data dir is deleted (its key dir kept); housing starts
#   alone: it is recovering (status, text and JSON) and refuses writes,
#   saying so, for as long as no peer answers. The peers start: housing
#   finishes, reads its own notes again (written under its own sharing key),
#   writes again with a fresh seq, and its writes reach the peers.
#
#   A key dir without node-*.state beside a store that holds events (keys
#   restored from a backup that predates the file): council recovers too.
#
#   lfh admin backup: housing backs itself up while it runs (store, keys with
#   their modes, MANIFEST; a second backup into the same directory refused),
#   writes more, then loses both its data and key directories; restored from
#   the backup, it recovers first and reads what it wrote after the backup.
#
# The D3 part needs mdb_copy (Debian: lmdb-utils, deploy/install-deps.sh);
# without it that part is skipped, with the reason.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "housing"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

if [ "${LFH_VALGRIND:-0}" = 1 ]; then WS=4; else WS=1; fi
T10=$((10 * WS)) T20=$((20 * WS))

AG=(police housing council)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "a three-agency hub is running"

# ---------------------------------------------------------------- helpers

# The log of NAME since its last mark (log_mark NAME, before a start).
declare -A MARK=()
log_mark() {
	count_lines "$W/$1/lfhd.log"
	MARK[$1]=$LINES_N
}
log_since() { tail -n +"$((${MARK[$1]:-0} + 1))" "$W/$1/lfhd.log"; }
log_has() { log_since "$1" | grep -q -- "$2"; }
recovery_done() { log_has "$1" "recovery: done"; }
not_recovering() { [ "$(status_field "$1" recovering 2>/dev/null)" = 0 ]; }
recovered() { recovery_done "$1" && not_recovering "$1"; }

# events_of NAME CASE: one line per event NAME shows of CASE:
# "author<TAB>seq<TAB>event<TAB>type<TAB>text" (text empty if none or unreadable).
events_of() {
	lfh_at "$1" case show "$2" --json | json_flat | awk '
		/^\[[0-9]+\]\./ {
			eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
			i = substr(k, 2, index(k, "]") - 2) + 0; k = substr(k, index(k, "].") + 2)
			if (i > 0) { val[i, k] = v; if (i > m) m = i }
		}
		END {
			for (i = 1; i <= m; i++)
				printf "%s\t%s\t%s\t%s\t%s\n", val[i, "author"], val[i, "seq"], val[i, "event"],
				       val[i, "type"], val[i, "text"]
		}'
}

# texts_of NAME CASE: the readable note texts NAME shows of CASE, sorted.
texts_of() {
	events_of "$1" "$2" | awk -F'\t' '$4 == "note" && $5 != "" { print $5 }' | sort
}

# missing_texts NAME CASE FILE: the lines of FILE (sorted) not among texts_of.
missing_texts() {
	local got
	got=$(texts_of "$1" "$2") || {
		echo "(case show failed)"
		return
	}
	comm -23 "$3" <(printf '%s\n' "$got")
}
has_texts() { [ -z "$(missing_texts "$@")" ]; }

# own_events NAME CASE AUTHOR: "seq event" of AUTHOR's events.
own_events() {
	events_of "$1" "$2" | awk -F'\t' -v a="$3" '$1 == a { print $2, $3 }'
}

# seq_dups NAME CASE...: "author seq" of every seq that names two different events.
seq_dups() {
	local n=$1 c
	shift
	for c in "$@"; do
		events_of "$n" "$c"
	done | awk -F'\t' '{ k = $1 " " $2; if (k in id && id[k] != $3) print k; id[k] = $3 }' | sort -u
}

note_at() { # note_at NAME CASE TEXT [--category C]: acknowledged, or a failure line
	local n=$1 c=$2 t=$3 out
	shift 3
	out=$(lfh_at "$n" case note "$c" --text "$t" "$@" 2>&1) || {
		tap_fail "$n writes '$t'" "$out"
		return 1
	}
}

evidence_none() {
	local n
	for n in "${AG[@]}"; do
		check_eq "$1: $n holds no equivocation evidence" 0 "$(status_field "$n" evidence)"
	done
}

author_rejected() { # rejected count in NAME's status for events from PEER
	peer_field "$1" "$2" rejected
}

# ================================================================ D3
d3() {
	local c1 c2 i n r out after newseq before_authored maxseq BK=$W/police.backup

	c1=$(new_referral police housing,council "Restore: case before the backup") ||
		bail "police files a referral"
	: >"$W/police.c1.notes"
	for i in 1 2 3; do
		note_at police "$c1" "c1 before backup $i" && echo "c1 before backup $i" >>"$W/police.c1.notes"
	done
	# the copy is taken while police runs and its peers are pulling
	mkdir -p "$BK"
	if out=$(mdb_copy -c "$W/police/data" "$BK" 2>&1) && [ -s "$BK/data.mdb" ]; then
		tap_ok "a consistent copy of police's store is taken while it runs (mdb_copy -c)"
	else
		bail "a consistent copy of police's store is taken while it runs (mdb_copy -c)" "$out"
	fi
	for i in 4 5 6; do
		note_at police "$c1" "c1 after backup $i" && echo "c1 after backup $i" >>"$W/police.c1.notes"
	done
	# a case that the copy does not know at all: police reads it again only
	# through the grant of its sharing key it sealed to itself
	c2=$(new_referral police housing,council "Restore: case after the backup") ||
		bail "police files a second referral"
	: >"$W/police.c2.notes"
	for i in 1 2; do
		note_at police "$c2" "c2 after backup $i" && echo "c2 after backup $i" >>"$W/police.c2.notes"
	done
	sort -o "$W/police.c1.notes" "$W/police.c1.notes"
	sort -o "$W/police.c2.notes" "$W/police.c2.notes"
	for n in housing council; do
		if wait_until "$T20" has_texts "$n" "$c1" "$W/police.c1.notes" &&
			wait_until "$T20" has_texts "$n" "$c2" "$W/police.c2.notes"; then
			tap_ok "D3: $n holds every note police wrote, before and after the copy"
		else
			tap_fail "D3: $n holds every note police wrote, before and after the copy" \
				"missing: $(missing_texts "$n" "$c1" "$W/police.c1.notes") $(missing_texts "$n" "$c2" "$W/police.c2.notes")"
		fi
	done
	# what the peers hold of police before the restore: all must survive it
	for n in housing council; do
		{
			own_events "$n" "$c1" police
			own_events "$n" "$c2" police
		} | sort >"$W/d3.$n.police.before"
	done
	before_authored=$(status_field police authored)
	maxseq=$(sort -n "$W/d3.housing.police.before" | tail -n 1 | cut -d' ' -f1)
	echo "# police authored $before_authored events before the restore (housing holds up to seq $maxseq)"

	node_stop police
	# restore: the data dir's contents replaced by the copy; the key dir kept
	rm -f "$W/police/data/"*
	cp "$BK/data.mdb" "$W/police/data/data.mdb" || bail "restore police's data dir"
	log_mark police
	node_start police || bail "police starts on the restored store"
	r=$(status_field police recovering)
	if [ "$r" = 1 ] || recovery_done police; then
		tap_ok "D3: police starts in recovery (recovering=$r at the first status)"
	else
		tap_fail "D3: police starts in recovery" "recovering='$r'; log:
$(log_since police | grep -i recover)"
	fi
	if log_has police "recovery: the store holds fewer"; then
		tap_ok "D3: police's log says why it recovers"
	else
		tap_fail "D3: police's log says why it recovers" "$(log_since police | grep -i recover)"
	fi
	if wait_until "$T20" recovered police; then
		tap_ok "D3: police finishes recovery ('recovery: done' logged, recovering 0)"
	else
		tap_fail "D3: police finishes recovery" "recovering=$(status_field police recovering); log:
$(log_since police | grep -i recover)"
	fi
	echo "# $(log_since police | grep 'recovery: done' | head -n 1 | sed 's/^.*recovery:/recovery:/')"
	check_eq "D3: police reports none of its events as lost (its peers held them all)" "" \
		"$(log_since police | grep 'found at no peer')"

	after=$(status_field police authored)
	if [ -n "$after" ] && [ "$after" -ge "$before_authored" ]; then
		tap_ok "D3: police's own seq resumes at least where it was ($after >= $before_authored)"
	else
		tap_fail "D3: police's own seq resumes at least where it was" \
			"authored '$after' after, $before_authored before"
	fi
	if wait_until "$T10" has_texts police "$c1" "$W/police.c1.notes"; then
		tap_ok "D3: police reads every note of the first case again, before and after the copy"
	else
		tap_fail "D3: police reads every note of the first case again" \
			"missing: $(missing_texts police "$c1" "$W/police.c1.notes")"
	fi
	if wait_until "$T10" has_texts police "$c2" "$W/police.c2.notes"; then
		tap_ok "D3: police reads again the case it opened after the copy (its KEY sealed to itself)"
	else
		tap_fail "D3: police reads again the case it opened after the copy" \
			"missing: $(missing_texts police "$c2" "$W/police.c2.notes"); case show:
$(lfh_at police case show "$c2" 2>&1 | tail -n 12)"
	fi

	# police writes again: new numbers, reaching both peers
	if out=$(lfh_at police case note "$c1" --text "c1 after restore 7" 2>&1) &&
		echo "c1 after restore 7" >>"$W/police.c1.notes" &&
		out=$(lfh_at police case note "$c2" --text "c2 after restore 3" 2>&1) &&
		echo "c2 after restore 3" >>"$W/police.c2.notes"; then
		tap_ok "D3: police writes again after recovery"
	else
		tap_fail "D3: police writes again after recovery" "$out"
	fi
	sort -o "$W/police.c1.notes" "$W/police.c1.notes"
	sort -o "$W/police.c2.notes" "$W/police.c2.notes"
	newseq=$(own_events police "$c2" police | sort -n | tail -n 1 | cut -d' ' -f1)
	if [ -n "$newseq" ] && [ "$newseq" -gt "$before_authored" ]; then
		tap_ok "D3: police's new note takes a seq above every one it wrote before ($newseq > $before_authored)"
	else
		tap_fail "D3: police's new note takes a seq above every one it wrote before" \
			"new seq '$newseq', authored before $before_authored"
	fi
	for n in housing council; do
		if wait_until "$T20" has_texts "$n" "$c1" "$W/police.c1.notes" &&
			wait_until "$T20" has_texts "$n" "$c2" "$W/police.c2.notes"; then
			tap_ok "D3: police's notes written after recovery reach $n"
		else
			tap_fail "D3: police's notes written after recovery reach $n" \
				"missing: $(missing_texts "$n" "$c1" "$W/police.c1.notes") $(missing_texts "$n" "$c2" "$W/police.c2.notes")"
		fi
		{
			own_events "$n" "$c1" police
			own_events "$n" "$c2" police
		} | sort >"$W/d3.$n.police.after"
		check_eq "D3: $n still holds every event police wrote before the restore (none lost, none replaced)" \
			"" "$(comm -23 "$W/d3.$n.police.before" "$W/d3.$n.police.after" | head -n 5)"
	done
	for n in police housing council; do
		check_eq "D3: at $n no seq of any author names two events" "" "$(seq_dups "$n" "$c1" "$c2")"
	done
	for n in housing council; do
		check_eq "D3: $n refused no event from police" 0 "$(author_rejected "$n" police)"
	done
	if wait_until "$T20" log_has housing "police's store was restored or replaced"; then
		tap_ok "D3: housing saw police's new incarnation and pulls it again from the start"
	else
		tap_fail "D3: housing saw police's new incarnation" "$(grep -i 'restored\|incarnation' "$W/housing/lfhd.log" | tail -n 5)"
	fi
	evidence_none "D3"
	C1=$c1
}

if command -v mdb_copy >/dev/null 2>&1; then
	d3
else
	echo "ok $((TAP_N + 1)) - D3: restore of an older store # SKIP mdb_copy not found (Debian: lmdb-utils; deploy/install-deps.sh)"
	TAP_N=$((TAP_N + 1))
	C1=$(new_referral police housing,council "Restore: a case of police") || bail "police files a referral"
	note_at police "$C1" "c1 police note" || bail "police writes a note"
fi

# ================================================================ D4
# housing's own case, and a note of housing in police's case
wait_until "$T20" has_case housing "$C1" || bail "police's case reaches housing"
H=$(new_referral housing police,council "Wipe: housing's own case") || bail "housing files a referral"
printf '%s\n' "h own case note 1" "h own case note 2" | sort >"$W/housing.h.notes"
note_at housing "$H" "h own case note 1"
note_at housing "$H" "h own case note 2"
note_at housing "$C1" "h note in police's case" && echo "h note in police's case" >"$W/housing.c1.notes"
for n in police council; do
	if wait_until "$T20" has_texts "$n" "$H" "$W/housing.h.notes"; then
		tap_ok "D4: housing's notes reach $n"
	else
		tap_fail "D4: housing's notes reach $n" "missing: $(missing_texts "$n" "$H" "$W/housing.h.notes")"
	fi
done
wait_until "$T20" has_texts police "$C1" "$W/housing.c1.notes" ||
	tap_fail "D4: housing's note in police's case reaches police"
own_events police "$H" housing | sort >"$W/d4.police.housing.before"
h_before=$(status_field housing authored)
echo "# housing authored $h_before events before the wipe"

for n in housing police council; do
	node_stop "$n"
done
rm -rf "$W/housing/data"
log_mark housing
node_start housing || bail "housing starts on a wiped store, alone"
check_eq "D4: housing, wiped and alone, reports recovering" 1 "$(status_field housing recovering)"
if log_has housing "recovery:"; then
	tap_ok "D4: housing's log says it recovers"
else
	tap_fail "D4: housing's log says it recovers" "$(log_since housing | tail -n 10)"
fi
text=$(lfh_at housing status 2>&1)
if [[ $text == *recover* ]]; then
	tap_ok "D4: lfh status (text) shows the recovery"
else
	tap_fail "D4: lfh status (text) shows the recovery" "$text"
fi
out=$(lfh_at housing referral new --summary "Written while recovering" --location "Maryport" \
	--category asb --description "must be refused" --risk standard --to police,council 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [[ $out == *recovering* ]]; then
	tap_ok "D4: a write at housing while it recovers is refused, saying so"
else
	tap_fail "D4: a write at housing while it recovers is refused, saying so" "exit $rc: $out"
fi
check_eq "D4: housing wrote nothing while recovering" 0 "$(status_field housing authored)"
check_eq "D4: housing is still recovering while no peer has answered" 1 \
	"$(status_field housing recovering)"

for n in police council; do
	node_start "$n" || bail "$n restarts"
done
if wait_until "$T20" recovered housing; then
	tap_ok "D4: housing finishes recovery once its peers answer"
else
	tap_fail "D4: housing finishes recovery once its peers answer" \
		"recovering=$(status_field housing recovering); log:
$(log_since housing | grep -i recover)"
fi
echo "# $(log_since housing | grep 'recovery: done' | head -n 1 | sed 's/^.*recovery:/recovery:/')"
# Its note in police's case came back held (that case is not known to an
# empty store until it pulls again, after recovery): held is not lost.
check_eq "D4: housing reports none of its events as lost (its peers held them all)" "" \
	"$(log_since housing | grep 'found at no peer')"
h_after=$(status_field housing authored)
if [ -n "$h_after" ] && [ "$h_after" -ge "$h_before" ]; then
	tap_ok "D4: housing's own seq resumes at least where it was ($h_after >= $h_before)"
else
	tap_fail "D4: housing's own seq resumes at least where it was" "authored '$h_after', before $h_before"
fi
if wait_until "$T20" has_texts housing "$H" "$W/housing.h.notes"; then
	tap_ok "D4: housing reads its own notes again (its sharing key sealed to itself)"
else
	tap_fail "D4: housing reads its own notes again" \
		"missing: $(missing_texts housing "$H" "$W/housing.h.notes"); case show:
$(lfh_at housing case show "$H" 2>&1 | tail -n 12)"
fi
if wait_until "$T20" has_texts housing "$C1" "$W/housing.c1.notes"; then
	tap_ok "D4: housing reads its own note in police's case again"
else
	tap_fail "D4: housing reads its own note in police's case again" \
		"case show:
$(lfh_at housing case show "$C1" 2>&1 | tail -n 12)"
fi
if [ -s "$W/police.c1.notes" ]; then
	if wait_until "$T20" has_texts housing "$C1" "$W/police.c1.notes"; then
		tap_ok "D4: housing holds police's notes again (pulled from the start)"
	else
		tap_fail "D4: housing holds police's notes again" \
			"missing: $(missing_texts housing "$C1" "$W/police.c1.notes")"
	fi
fi

if out=$(lfh_at housing case note "$H" --text "h own case note 3" 2>&1); then
	tap_ok "D4: housing writes again after recovery"
	echo "h own case note 3" >>"$W/housing.h.notes"
	sort -o "$W/housing.h.notes" "$W/housing.h.notes"
else
	tap_fail "D4: housing writes again after recovery" "$out"
fi
newseq=$(own_events housing "$H" housing | sort -n | tail -n 1 | cut -d' ' -f1)
if [ -n "$newseq" ] && [ "$newseq" -gt "$h_before" ]; then
	tap_ok "D4: housing's new note takes a seq above every one it wrote before ($newseq > $h_before)"
else
	tap_fail "D4: housing's new note takes a seq above every one it wrote before" \
		"new seq '$newseq', authored before $h_before"
fi
for n in police council; do
	if wait_until "$T20" has_texts "$n" "$H" "$W/housing.h.notes"; then
		tap_ok "D4: housing's note written after recovery reaches $n"
	else
		tap_fail "D4: housing's note written after recovery reaches $n" \
			"missing: $(missing_texts "$n" "$H" "$W/housing.h.notes")"
	fi
done
own_events police "$H" housing | sort >"$W/d4.police.housing.after"
check_eq "D4: police still holds every event housing wrote before the wipe" "" \
	"$(comm -23 "$W/d4.police.housing.before" "$W/d4.police.housing.after" | head -n 5)"
for n in police housing council; do
	check_eq "D4: at $n no seq of any author names two events" "" "$(seq_dups "$n" "$H" "$C1")"
done
for n in police council; do
	check_eq "D4: $n refused no event from housing" 0 "$(author_rejected "$n" housing)"
done
evidence_none "D4"

# ================================================================ key dir without node.state
# council has events of its own too, so that its seq has something to resume
echo "council note before the state file goes" >"$W/council.notes"
note_at council "$C1" "council note before the state file goes"
wait_until "$T20" has_texts police "$C1" "$W/council.notes" ||
	tap_fail "council's note reaches police"
c_before=$(status_field council authored)
node_stop council
state=("$W/council/keys"/node-*.state)
if [ -f "${state[0]}" ]; then
	tap_ok "council's key dir holds its node-<hub>.state ($(basename "${state[0]}"))"
else
	tap_fail "council's key dir holds its node-<hub>.state" "$(ls "$W/council/keys")"
fi
rm -f "$W/council/keys"/node-*.state
log_mark council
node_start council || bail "council starts without node.state"
if log_has council "recovery: the key directory has no node.state"; then
	tap_ok "state file missing beside a store with events: council recovers"
else
	tap_fail "state file missing beside a store with events: council recovers" \
		"$(log_since council | grep -i recover)"
fi
if wait_until "$T20" recovered council; then
	tap_ok "council finishes recovery"
else
	tap_fail "council finishes recovery" "$(log_since council | grep -i recover)"
fi
if wait_until "$T10" test -f "$W/council/keys/$(basename "${state[0]}")"; then
	tap_ok "council wrote its node-<hub>.state again"
else
	tap_fail "council wrote its node-<hub>.state again" "$(ls "$W/council/keys")"
fi
c_after=$(status_field council authored)
if [ -n "$c_after" ] && [ "$c_after" -ge "$c_before" ] && [ "$c_before" -gt 0 ]; then
	tap_ok "council's own seq resumes at least where it was ($c_after >= $c_before)"
else
	tap_fail "council's own seq resumes at least where it was" "authored '$c_after', before '$c_before'"
fi
echo "council note after recovery" >>"$W/council.notes"
sort -o "$W/council.notes" "$W/council.notes"
note_at council "$C1" "council note after recovery" &&
	for n in police housing; do
		if wait_until "$T20" has_texts "$n" "$C1" "$W/council.notes"; then
			tap_ok "council's note written after recovery reaches $n"
		else
			tap_fail "council's note written after recovery reaches $n"
		fi
	done
newseq=$(own_events police "$C1" council | sort -n | tail -n 1 | cut -d' ' -f1)
if [ -n "$newseq" ] && [ "$newseq" -gt "$c_before" ]; then
	tap_ok "council's new note takes a seq above every one it wrote before ($newseq > $c_before)"
else
	tap_fail "council's new note takes a seq above every one it wrote before" \
		"new seq '$newseq', authored before $c_before"
fi
for n in police housing council; do
	check_eq "at $n no seq of any author names two events" "" "$(seq_dups "$n" "$C1" "$H")"
done
for n in police housing; do
	check_eq "$n refused no event from council" 0 "$(author_rejected "$n" council)"
done
evidence_none "at the end"

# ================================================================ lfh admin backup
# housing backs itself up while it runs, writes more, then loses its disk and
# its key directory: both come back from the backup, and it recovers first.
BK=$W/backup-housing
out=$(lfh_at housing admin backup "$BK" 2>&1) && tap_ok "lfh admin backup writes a backup" ||
	tap_fail "lfh admin backup writes a backup" "$out"
check "the backup holds the store" test -s "$BK/data/data.mdb"
check "the backup's MANIFEST lists the store and the keys" \
	grep -q "data/data.mdb" "$BK/MANIFEST"
check "the backup's MANIFEST lists the secret keys" grep -q "keys/sign.key" "$BK/MANIFEST"
check "the backup checks out with b2sum -l 256 -c B2SUMS" sh -c "cd '$BK' && b2sum --quiet -l 256 -c B2SUMS"
cp "$BK/keys/public.ini" "$W/public.ini.saved"
echo "# tampered" >>"$BK/keys/public.ini"
check "... and a changed file does not" sh -c "! (cd '$BK' && b2sum --quiet -l 256 -c B2SUMS 2>/dev/null)"
cp "$W/public.ini.saved" "$BK/keys/public.ini"
check_eq "the backup's secret keys stay mode 600" 600 "$(stat -c %a "$BK/keys/sign.key")"
check_eq "the backup directory is mode 700" 700 "$(stat -c %a "$BK")"
if out=$(lfh_at housing admin backup "$BK" 2>&1); then
	tap_fail "a second backup into the same directory is refused" "$out"
else
	check "a second backup into the same directory is refused, saying why" \
		grep -q "not empty" <<<"$out"
fi
check "housing's key directory holds its root secret (test set-up)" test -s "$W/housing/keys/root.key"
check "... which the backup never copies (kept offline, apart)" test ! -e "$BK/keys/root.key"
check_eq "the backup's store copy is mode 600 (it holds the wrapped keys)" 600 \
	"$(stat -c %a "$BK/data/data.mdb")"
out=$(lfh_at housing admin backup /proc/no-such-dir/bk 2>&1) &&
	tap_fail "a backup where nothing can be written fails" "$out"
check "a backup where nothing can be written fails, saying where" grep -q "cannot create /proc/no-such-dir/bk" \
	<<<"$out"
check "... alone: the node audits it (a failed write round would have lost its audit record)" \
	grep -q '"cmd": *"backup"' <<<"$(lfh_at housing audit --json)"
echo "housing note after the backup" >"$W/bk.notes"
note_at housing "$H" "housing note after the backup"
wait_until "$T20" has_texts police "$H" "$W/bk.notes" ||
	tap_fail "housing's note after the backup reaches police"
hb_before=$(status_field housing authored)
node_stop housing
rm -rf "$W/housing/data" "$W/housing/keys"
mkdir -m 700 "$W/housing/data"
cp "$BK/data/data.mdb" "$W/housing/data/"
cp -a "$BK/keys" "$W/housing/keys"
log_mark housing
node_start housing || bail "housing starts on its backup"
if log_has housing "recovery: the key directory was restored from a backup"; then
	tap_ok "restored from lfh admin backup: housing recovers first"
else
	tap_fail "restored from lfh admin backup: housing recovers first" \
		"$(log_since housing | grep -i recover)"
fi
wait_until "$T20" recovered housing && tap_ok "housing finishes recovery from its backup" ||
	tap_fail "housing finishes recovery from its backup" "$(log_since housing | grep -i recover)"
hb_after=$(status_field housing authored)
check "housing's own seq resumes at least where it was ($hb_after >= $hb_before)" \
	[ "${hb_after:-0}" -ge "$hb_before" ]
wait_until "$T20" has_texts housing "$H" "$W/bk.notes" &&
	tap_ok "housing reads again the note it wrote after its backup" ||
	tap_fail "housing reads again the note it wrote after its backup"
for n in police housing council; do
	check_eq "after the backup's restore, at $n no seq names two events" "" \
		"$(seq_dups "$n" "$C1" "$H")"
done
evidence_none "after the backup's restore"

# under systemd (INVOCATION_ID), /tmp is the unit's own: a backup there would vanish
node_stop housing
INVOCATION_ID=lfh-test node_start housing || bail "housing restarts as if under systemd"
out=$(lfh_at housing admin backup "/tmp/lfh-bk-$$" 2>&1) &&
	tap_fail "under systemd, a backup into /tmp is refused" "$out"
check "under systemd, a backup into /tmp is refused, saying where to put it" \
	grep -q "use /var/backups/lfhd" <<<"$out"
check "... and nothing is left there" test ! -e "/tmp/lfh-bk-$$"

# a key directory put back without its store key, or with another store's, never gets a new
# one over a store full of keys kept under the old: lfhd stops, saying which file to put back
node_stop housing
mv "$W/housing/keys/store.key" "$W/store.key.saved"
out=$(timeout 20 "$LFHD" -c "$(conf_of housing)" 2>&1) &&
	tap_fail "without its store key, housing's lfhd does not start" "$out"
check "without its store key, housing's lfhd stops, naming it" grep -q "store.key is missing" <<<"$out"
check "... and makes no new one" test ! -e "$W/housing/keys/store.key"
head -c 32 /dev/urandom >"$W/housing/keys/store.key"
chmod 600 "$W/housing/keys/store.key"
out=$(timeout 20 "$LFHD" -c "$(conf_of housing)" 2>&1) &&
	tap_fail "with another store's key, housing's lfhd does not start" "$out"
check "with another store's key, housing's lfhd stops, saying so" grep -q "it is another store's" <<<"$out"
mv "$W/store.key.saved" "$W/housing/keys/store.key"
node_start housing || tap_fail "its own store key back, housing starts"
check "... and reads its cases" has_case housing "$H"

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
