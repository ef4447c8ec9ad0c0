#!/usr/bin/env bash
# test_audit.sh - `lfh audit`: the node's append-only audit log of who read
# or wrote what, listed and exported (control command audit_list).
#
#   police: "PC Smith" files a referral to housing, "J Jones" shows it and
#   lists cases; the audit log at police holds both, in order, with the case;
#   --who / --case / --from / --to / --after filter; --csv quotes properly;
#   bad arguments exit 2; earlier entries never change (nor across a restart);
#   housing's log is its own (no police caseworker appears in it).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

hub_setup police housing
for n in police housing; do
	node_start "$n" || bail "start $n"
done
tap_ok "two nodes started"

is_case_id() { [[ $1 =~ ^[0-9a-f]{32}$ ]]; }
AUDITOR="DPO Auditor"
audit_at() { lfh_at "$1" --as "$AUDITOR" audit "${@:2}"; }

# ---- caseworkers at police
out=$(lfh_at police --as "PC Smith" referral new --summary "Drug dealing at the garages" \
	--location "Ewanrigg garages" --category asb --description "Reported by residents" \
	--risk standard --to housing --json)
c1=$(_json_scalar "$out" case)
ref1=$(_json_scalar "$out" ref)
is_case_id "$c1" || bail "PC Smith files a referral" "got '$out'"
tap_ok "PC Smith files a referral"
check "J Jones shows the case" lfh_at police --as "J Jones" case show "$c1"
check "J Jones lists cases" lfh_at police --as "J Jones" case list

# ---- the log as JSON: one line per entry "seq|by|cmd|case|ok"
# (every entry has these fields; json_all keeps their order)
audit_lines() {
	local j=$1 seq by cmd cs ok i
	mapfile -t seq < <(printf '%s\n' "$j" | json_all seq)
	mapfile -t by < <(printf '%s\n' "$j" | json_all by)
	mapfile -t cmd < <(printf '%s\n' "$j" | json_all cmd)
	mapfile -t cs < <(printf '%s\n' "$j" | json_all case)
	mapfile -t ok < <(printf '%s\n' "$j" | json_all ok)
	for i in "${!seq[@]}"; do
		printf '%s|%s|%s|%s|%s\n' "${seq[$i]}" "${by[$i]}" "${cmd[$i]}" "${cs[$i]}" "${ok[$i]}"
	done
}

aj=$(audit_at police --json) || bail "lfh audit --json at police" "$aj"
n_json=$(printf '%s\n' "$aj" | json_get '#')
lines=$(audit_lines "$aj")
check_eq "one line per entry" "$n_json" "$(printf '%s\n' "$lines" | grep -c .)"

ln_ref=$(printf '%s\n' "$lines" | grep -n "^[0-9]*|PC Smith|referral_new|$c1|1\$" | cut -d: -f1)
ln_show=$(printf '%s\n' "$lines" | grep -n "^[0-9]*|J Jones|case_show|$c1|1\$" | cut -d: -f1)
ln_list=$(printf '%s\n' "$lines" | grep -n "^[0-9]*|J Jones|case_list||1\$" | cut -d: -f1)
check_eq "one referral_new by PC Smith with the case id" 1 "$(printf '%s\n' "$ln_ref" | grep -c .)"
check_eq "one case_show by J Jones with the case id" 1 "$(printf '%s\n' "$ln_show" | grep -c .)"
check_eq "one case_list by J Jones (no case)" 1 "$(printf '%s\n' "$ln_list" | grep -c .)"
if [ -n "$ln_ref" ] && [ -n "$ln_show" ] && [ -n "$ln_list" ] &&
	[ "$ln_ref" -lt "$ln_show" ] && [ "$ln_show" -lt "$ln_list" ]; then
	tap_ok "entries in order: referral_new, case_show, case_list"
else
	tap_fail "entries in order: referral_new, case_show, case_list" "$lines"
fi
if printf '%s\n' "$lines" | awk -F'|' 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 + 0 }
	END { exit bad }'; then
	tap_ok "seq strictly increasing"
else
	tap_fail "seq strictly increasing" "$lines"
fi
seq_ref=$(printf '%s\n' "$lines" | sed -n "${ln_ref:-1}p" | cut -d'|' -f1)
t_ref=$(printf '%s\n' "$aj" | json_get "[$((ln_ref - 1))].time")
if [[ $t_ref =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]; then
	tap_ok "time is ISO 8601 UTC ($t_ref)"
else
	tap_fail "time is ISO 8601 UTC" "got '$t_ref'"
fi

# The listing is itself a read: the next listing shows it.
aj2=$(audit_at police --json --after "$seq_ref")
if audit_lines "$aj2" | grep -q "^[0-9]*|$AUDITOR|audit_list||1\$"; then
	tap_ok "the listing itself is audited"
else
	tap_fail "the listing itself is audited" "$(audit_lines "$aj2")"
fi

# ---- --who: a subject-access request about one caseworker
wj=$(audit_at police --who "J Jones" --json)
wl=$(audit_lines "$wj")
check_eq "--who 'J Jones': 2 entries" 2 "$(printf '%s\n' "$wj" | json_get '#')"
check_eq "--who 'J Jones': only J Jones" "J Jones" "$(printf '%s\n' "$wl" | cut -d'|' -f2 | sort -u)"
check_eq "--who 'J Jones': case_show then case_list" "case_show case_list" \
	"$(printf '%s\n' "$wl" | cut -d'|' -f3 | paste -sd' ')"
check_eq "--who nobody: empty array" 0 "$(audit_at police --who "Nobody" --json | json_get '#')"

# ---- --case: everything done with one case
cj=$(audit_at police --case "$c1" --json)
cl=$(audit_lines "$cj")
n_case=$(printf '%s\n' "$cj" | json_get '#')
check_eq "--case: only that case" "$c1" "$(printf '%s\n' "$cl" | cut -d'|' -f4 | sort -u)"
if printf '%s\n' "$cl" | grep -q "|PC Smith|referral_new|" &&
	printf '%s\n' "$cl" | grep -q "|J Jones|case_show|" &&
	! printf '%s\n' "$cl" | grep -q "|case_list|"; then
	tap_ok "--case: the referral and the show, not the case list"
else
	tap_fail "--case: the referral and the show, not the case list" "$cl"
fi
# by a prefix; the case-filtered listing above is recorded against the case
pj=$(audit_at police --case "${c1:0:8}" --json)
check_eq "--case by 8-digit prefix: one more entry (the last listing)" "$((n_case + 1))" \
	"$(printf '%s\n' "$pj" | json_get '#')"
if audit_lines "$pj" | tail -n 1 | grep -q "^[0-9]*|$AUDITOR|audit_list|$c1|1\$"; then
	tap_ok "a case-filtered listing is audited against the case"
else
	tap_fail "a case-filtered listing is audited against the case" "$(audit_lines "$pj")"
fi

# by its reference, or an odd number of digits (as lfh due prints them), as every command takes a case
rj=$(audit_at police --case "$ref1" --json)
check_eq "--case by reference ($ref1): one more entry again" "$((n_case + 2))" \
	"$(printf '%s\n' "$rj" | json_get '#')"
oj=$(audit_at police --case "${c1:0:9}" --json)
check_eq "--case by 9 digits: one more entry again" "$((n_case + 3))" \
	"$(printf '%s\n' "$oj" | json_get '#')"
out=$(audit_at police --case POLICE-99-9999 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [[ $out == *"no case with reference POLICE-99-9999"* ]]; then
	tap_ok "--case by an unknown reference: refused, naming it"
else
	tap_fail "--case by an unknown reference: refused, naming it" "exit $rc: $out"
fi

# ---- --from / --to: UTC days, --to inclusive
today=$(date -u +%F)
yesterday=$(date -u -d yesterday +%F)
tomorrow=$(date -u -d tomorrow +%F)
check_eq "--from/--to today: the referral is there" 1 \
	"$(audit_at police --from "$today" --to "$today" --who "PC Smith" --json | json_get '#')"
check_eq "--to yesterday: nothing" 0 "$(audit_at police --to "$yesterday" --json | json_get '#')"
check_eq "--from tomorrow: nothing" 0 "$(audit_at police --from "$tomorrow" --json | json_get '#')"
out=$(audit_at police --to "$yesterday")
check_eq "empty table says so" "no audit entries match" "$out"

# ---- --after / --limit: paging, with a note when more follow
err=$(audit_at police --after "$seq_ref" --limit 1 --json 2>&1 >/dev/null)
pg=$(audit_at police --after "$seq_ref" --limit 1 --json 2>/dev/null)
check_eq "--after --limit 1: one entry" 1 "$(printf '%s\n' "$pg" | json_get '#')"
check_eq "--after: the next seq" "$((seq_ref + 1))" "$(printf '%s\n' "$pg" | json_get '[0].seq')"
if [[ $err == *"continue with --after $((seq_ref + 1))"* ]]; then
	tap_ok "--limit: stderr says how to continue"
else
	tap_fail "--limit: stderr says how to continue" "$err"
fi

# ---- --csv: header, one row per entry, RFC 4180 quoting
csv=$(audit_at police --who "J Jones" --csv)
check_eq "--csv header" "seq,time,ms,by,cmd,case,ok,category" "$(printf '%s\n' "$csv" | head -n 1)"
check_eq "--csv --who 'J Jones': 2 rows" 2 "$(($(printf '%s\n' "$csv" | wc -l) - 1))"
check_eq "--csv row" "J Jones,case_show,$c1,1," \
	"$(printf '%s\n' "$csv" | sed -n 2p | cut -d, -f4-)"
check "a caseworker name with a comma and quotes" lfh_at police --as 'Smith, "Jo"' case list
csvq=$(audit_at police --who 'Smith, "Jo"' --csv)
if [[ $(printf '%s\n' "$csvq" | sed -n 2p) == *',"Smith, ""Jo""",case_list,,1,' ]]; then
	tap_ok "--csv quotes commas and quotes"
else
	tap_fail "--csv quotes commas and quotes" "$csvq"
fi
all_json=$(audit_at police --json)
all_csv=$(audit_at police --csv)
check_eq "--csv: a row per entry (and the JSON listing before it)" \
	"$(($(printf '%s\n' "$all_json" | json_get '#') + 1))" "$(($(printf '%s\n' "$all_csv" | wc -l) - 1))"
tbl=$(audit_at police --who "PC Smith")
if [[ $(printf '%s\n' "$tbl" | head -n 1) == SEQ*TIME*BY*COMMAND*CASE*RESULT* ]] &&
	[[ $tbl == *"PC Smith"*referral_new*"$c1"*ok* ]]; then
	tap_ok "default output is a table"
else
	tap_fail "default output is a table" "$tbl"
fi

# ---- bad arguments: exit 2 with a one-line message
bad_arg() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(audit_at police "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == "lfh: "*"$want"* ]] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then
		tap_ok "$name: exit 2, one line"
	else
		tap_fail "$name: exit 2, one line" "exit $rc: $out"
	fi
}
bad_arg "bad --from" "--from" --from 2026-13-01
bad_arg "--from not a date" "YYYY-MM-DD" --from yesterday
bad_arg "--to 30 February" "--to" --to 2026-02-30
bad_arg "--from after --to" "--from is after --to" --from 2026-03-02 --to 2026-03-01
bad_arg "--limit 0" "--limit" --limit 0
bad_arg "--limit too big" "--limit" --limit 10001
bad_arg "--after not a number" "--after" --after -1
bad_arg "--case not hex" "neither a case reference" --case xyz12345
bad_arg "--case too short" "8 to 32 hex digits" --case 3f2a9c1
bad_arg "--json and --csv" "choose one" --json --csv
bad_arg "unknown option" "unknown option" --bogus
bad_arg "missing value" "needs a value" --who
if out=$(audit_at police --help) && [[ $out == *"usage: lfh audit"*"--who"*"examples:"* ]]; then
	tap_ok "lfh audit --help"
else
	tap_fail "lfh audit --help" "$out"
fi

# ---- append-only: earlier entries never change
before=$(audit_at police --csv)
nb=$(printf '%s\n' "$before" | wc -l)
lfh_at police --as "J Jones" case show "$c1" >/dev/null
lfh_at police --as "PC Smith" case note "$c1" --text "Visited the garages" >/dev/null
lfh_at police --as "J Jones" case show deadbeef00 >/dev/null 2>&1 # fails: recorded, ok 0
lfh_at police status >/dev/null
after=$(audit_at police --csv)
check_eq "earlier entries unchanged after more requests" "$before" "$(printf '%s\n' "$after" | head -n "$nb")"
check_eq "5 more entries (4 requests and the listing)" "$((nb + 5))" "$(printf '%s\n' "$after" | wc -l)"
if printf '%s\n' "$after" | tail -n 2 | head -n 1 | grep -q ',J Jones,case_show,,0,$'; then
	tap_ok "a failed request is recorded with ok 0"
else
	tap_fail "a failed request is recorded with ok 0" "$(printf '%s\n' "$after" | tail -n 4)"
fi
node_stop police
node_start police || bail "restart police"
again=$(audit_at police --csv)
check_eq "earlier entries unchanged across a restart" "$after" \
	"$(printf '%s\n' "$again" | head -n "$(printf '%s\n' "$after" | wc -l)")"

# ---- each node keeps its own log
wait_until 15 has_case housing "$c1" || tap_fail "housing receives the referral"
check_eq "housing's log has no police caseworker" 0 \
	"$(audit_at housing --who "PC Smith" --json | json_get '#')"
if audit_at housing --json | json_all cmd | grep -qx case_show; then
	tap_ok "housing's log holds its own reads"
else
	tap_fail "housing's log holds its own reads"
fi

# a refused write is logged with the case it named, so the case's own log shows it
out=$(lfh_at housing --as "H Clerk" case close "$ref1" --reason "not ours" 2>&1) &&
	tap_fail "housing, not the lead, may not close police's case" "$out"
refused_line=$(audit_lines "$(audit_at housing --case "$c1" --json)" |
	grep -c "^[0-9]*|H Clerk|case_close|$c1|0\$")
check_eq "the refused close is in the case's log, as refused" 1 "$refused_line"

for n in police housing; do
	node_stop "$n"
done
tap_done
