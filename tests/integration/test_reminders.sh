#!/usr/bin/env bash
# test_reminders.sh - reminders (#15 item 7): the node runs reminder_command
# once when one of its agency's due items moves to warning or overdue, with
# the details as arguments and as JSON on standard input; a restart does not
# remind again; time moving on (the test clock) reminds of what became due;
# an action tasked to another agency is that agency's node's to remind of;
# lfhd --check and the configuration refuse a command that cannot be run.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 3650; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

AG=(police housing)
isa_hub_setup "${AG[@]}"
export LFH_TEST_CLOCK_FILE=$W/clock
OUT=$W/reminders.txt
LOG=$W/police/lfhd.log
conf=$(conf_of police)

# The command: one line per reminder, "ARGS|JSON" (one write, so lines never mix).
cat >"$W/remind.sh" <<SH
#!/bin/sh
line="\$*|\$(cat)"
printf '%s\n' "\$line" >>"$OUT"
SH
chmod 755 "$W/remind.sh"

# ---- configuration and --check
cp "$conf" "$W/police.conf.orig"
echo "reminder_command = remind.sh" >>"$conf"
out=$("$LFHD" -c "$conf" --check 2>&1) && tap_fail "a relative reminder_command is refused" "$out"
check "a relative reminder_command is refused, saying why" grep -q "reminder_command: 'remind.sh' is not an absolute path" <<<"$out"
cp "$W/police.conf.orig" "$conf"
printf 'reminder_command = %s\n' "$W/nothing-here.sh" >>"$conf"
out=$("$LFHD" -c "$conf" --check 2>&1) && tap_fail "lfhd --check: a missing reminder_command" "$out"
check "lfhd --check: a missing reminder_command is named" grep -q "reminder_command: $W/nothing-here.sh: No such file" <<<"$out"
cp "$W/police.conf.orig" "$conf"
touch "$W/not-exec.sh"
printf 'reminder_command = %s\n' "$W/not-exec.sh" >>"$conf"
out=$("$LFHD" -c "$conf" --check 2>&1) && tap_fail "lfhd --check: a reminder_command that is not executable" "$out"
check "lfhd --check: a reminder_command that is not executable is named" grep -q "is not executable" <<<"$out"
cp "$W/police.conf.orig" "$conf"
printf 'reminder_command = %s\nreminder_every = 1\n' "$W/remind.sh" >>"$conf"
check "lfhd --check accepts an executable reminder_command" "$LFHD" -c "$conf" --check

# ---- a case with due items, before the command is known to the node
day() { date -u -d "@$(($1 / 1000 + $2 * 86400))" +%F; }
_now
T0=$NOW
echo "$T0" >"$LFH_TEST_CLOCK_FILE"
cp "$conf" "$W/police.conf.remind"
cp "$W/police.conf.orig" "$conf"
node_start police || bail "start police"
c=$(new_referral police housing "Reminders") || bail "referral"
ref=$(lfh_at police case show "$c" --json | json_get '[0].ref')
lfh_at police case risk "$c" --score 5 --answers "repeat=no" >/dev/null || bail "risk"
lfh_at police case scan "$c" --text "Two calls this month" >/dev/null || bail "scan"
lfh_at police case meeting "$c" --date "$(day "$T0" 0)" --attendees police,housing \
	--victim "Tenant" --offender "Neighbour" --location "Stairwell" \
	--responses "Visits; CCTV" >/dev/null || bail "meeting"
action() {
	lfh_at police case action "$c" --agency "$1" --power other --text "$2" --due "$3" --json |
		json_field action
}
a_over=$(action police "Visit the victim" "$(day "$T0" -1)") || bail "overdue action"
a_warn=$(action police "Call the landlord" "$(day "$T0" 3)") || bail "warning action"
a_far=$(action police "Check the CCTV" "$(day "$T0" 20)") || bail "far action"
a_other=$(action housing "Tenancy warning" "$(day "$T0" -1)") || bail "housing's action"
node_stop police

# ---- the node with reminder_command
cp "$W/police.conf.remind" "$conf"
looks() { grep -c "reminders: the due dates of every case looked at" "$LOG"; }
looked_since() { [ "$(looks)" -ge $(($1 + $2)) ]; }
lines_are() {
	count_lines "$OUT"
	[ "$LINES_N" -eq "$1" ]
}
l0=$(looks)
node_start police || bail "start police with reminder_command"
wait_until 20 lines_are 2 || tap_fail "two reminders on start" "$(cat "$OUT" 2>/dev/null; tail -5 "$LOG")"
l1=$(looks)
wait_until 20 looked_since "$l1" 2 || tap_fail "the node looks at the due dates again"
check_eq "one reminder per transition, and no more on later looks" 2 "$(wc -l <"$OUT")"
check "the overdue action: arguments kind, status, case, due date, agency" \
	grep -q "^action overdue $ref $(day "$T0" -1) police|" "$OUT"
check "the warning action: likewise" grep -q "^action warning $ref $(day "$T0" 3) police|" "$OUT"
check "the details come as JSON on standard input" \
	grep -q "\"item\":\"$a_over\",\"what\":\"other: Visit the victim\"" "$OUT"
check "... with the case id, reference and summary" \
	grep -q "\"case\":\"$c\",\"ref_case\":\"$ref\".*\"summary\":\"Reminders\"}" "$OUT"
check "housing's action is not police's to remind of" bash -c "! grep -q '$a_other' '$OUT'"
check "the far action is not due yet" bash -c "! grep -q '$a_far' '$OUT'"
check "the node logs each reminder it runs" grep -q "reminder for action overdue $a_over of $ref" "$LOG"

# ---- a restart reminds of nothing again
node_stop police
l0=$(looks)
node_start police || bail "restart police"
wait_until 20 looked_since "$l0" 2 || tap_fail "the restarted node looks at the due dates"
check_eq "after a restart: nothing again" 2 "$(wc -l <"$OUT")"

# ---- time moves on: 14 days later the far action is in its last week
echo $((T0 + 14 * 86400000)) >"$LFH_TEST_CLOCK_FILE"
wait_until 20 lines_are 4 || tap_fail "two more reminders 14 days on" "$(cat "$OUT")"
l1=$(looks)
wait_until 20 looked_since "$l1" 2 || tap_fail "the node looks at the due dates again"
check_eq "14 days on: one reminder more per transition" 4 "$(wc -l <"$OUT")"
check_eq "the far action's warning, once" 1 "$(grep -c "^action warning $ref $(day "$T0" 20) police|.*\"item\":\"$a_far\"" "$OUT")"
check_eq "the warning action, now overdue, once" 1 "$(grep -c "^action overdue $ref $(day "$T0" 3) police|.*\"item\":\"$a_warn\"" "$OUT")"
check_eq "the overdue action: not again" 1 "$(grep -c "\"item\":\"$a_over\"" "$OUT")"

# ---- a command that fails is logged (SIGHUP changes the command)
cat >"$W/fail.sh" <<'SH'
#!/bin/sh
exit 3
SH
chmod 755 "$W/fail.sh"
sed -i "s|^reminder_command = .*|reminder_command = $W/fail.sh|" "$conf"
kill -HUP "${NODE_PID[police]}"
wait_until 10 grep -q "SIGHUP: reminder_command changed (.*remind.sh -> .*fail.sh): applied" "$LOG" ||
	tap_fail "SIGHUP applies a new reminder_command" "$(tail -3 "$LOG")"
lfh_at police case action "$c" --agency police --power other --text "Write to the tenant" \
	--due "$(day "$T0" 13)" >/dev/null || bail "overdue action 2"
wait_until 20 grep -q "the command failed (exit status 3)" "$LOG" &&
	tap_ok "a failing command is logged with its exit status" ||
	tap_fail "a failing command is logged with its exit status" "$(tail -5 "$LOG")"
check "SIGHUP and reminders: the node runs on" node_running police
node_stop police
tap_done
