#!/usr/bin/env bash
# test_risk.sh - the risk questionnaire (lfhd.conf: risk = FILE) on a
# two-agency ISA hub (police, housing):
#   1. a bad questionnaire stops lfhd --check (and lfhd) with FILE:LINE;
#   2. `lfh case risk CASE --answers ...` without score or level: the node
#      computes them from its questionnaire; a wrong --score is refused;
#   3. a --level different from the computed one needs --override, and is
#      recorded with it;
#   4. the other node's `case state --json` is identical (the event carries
#      the thresholds and timescales used);
#   5. `lfh due --json` shows the first meeting due per the file's timescale.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2119
require_bins

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
AG=(police housing)
isa_hub_setup "${AG[@]}"
cat >"$W/risk.conf" <<'RISK'
questions = (
	{ id = "repeat"; text = "Reported before?"; weight = 6; },
	{ id = "vulnerable"; text = "Vulnerable victim?"; weight = 5; },
	{ id = "hate"; text = "Hate motivated?"; weight = 10; }
);
levels = { medium = 6; high = 15; };
first_meeting_days = { standard = 40; medium = 9; high = 3; };
review_days = { standard = 30; medium = 21; high = 14; };
RISK
printf 'questions = (\n  { id = "a"; text = "A?"; weight = 500; }\n);\n' >"$W/bad-risk.conf"
echo "risk = $W/bad-risk.conf" >>"$W/police/lfhd.conf"
out=$("$LFHD" -c "$W/police/lfhd.conf" --check 2>&1)
[ $? -ne 0 ] && [[ $out == *"bad-risk.conf:2: questions[0] (a): weight: 500 is out of range"* ]] &&
	tap_ok "lfhd --check refuses a bad questionnaire with FILE:LINE" ||
	tap_fail "lfhd --check refuses a bad questionnaire with FILE:LINE" "$out"
for n in "${AG[@]}"; do
	sed -i '/^risk = /d' "$W/$n/lfhd.conf"
	echo "risk = $W/risk.conf" >>"$W/$n/lfhd.conf"
done
check "lfhd --check accepts the questionnaire" "$LFHD" -c "$W/police/lfhd.conf" --check
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
tap_ok "two nodes started with risk = FILE"

c=$(new_referral police housing) || bail "referral"
[[ $c =~ ^[0-9a-f]{32}$ ]] || bail "case id" "$c"

out=$(lfh_at police case risk "$c" --answers 'repeat=yes;vulnerable=yes;hate=no' --score 3 2>&1)
[ $? -ne 0 ] && [[ $out == *"score does not match the answers"* ]] &&
	tap_ok "a score that does not match the answers is refused" ||
	tap_fail "a score that does not match the answers is refused" "$out"
out=$(lfh_at police case risk "$c" --answers 'repeat=yes;vulnerable=yes' 2>&1)
[ $? -ne 0 ] && [[ $out == *"'hate' is not answered"* ]] &&
	tap_ok "a missing answer is refused" || tap_fail "a missing answer is refused" "$out"
out=$(lfh_at police case risk "$c" --answers 'repeat=yes;vulnerable=no;hate=no' --level high 2>&1)
[ $? -ne 0 ] && [[ $out == *"an override reason is required"* ]] &&
	tap_ok "a level other than the computed one without --override is refused" ||
	tap_fail "a level other than the computed one without --override is refused" "$out"

check "risk from answers alone" lfh_at police --as "PC Dawson" case risk "$c" \
	--answers 'repeat=yes;vulnerable=no;hate=no'
s=$(lfh_at police case state "$c" --json)
check_eq "the node computed score 6 -> medium (the file's thresholds)" "medium|6" \
	"$(_json_scalar "$s" risk)|$(_json_scalar "$s" risk_score)"
due=$(lfh_at police due --json 2>/dev/null | json_flat | grep -c 'within 9 days')
check_eq "lfh due: the first meeting is due within the file's 9 days for medium" 1 "$due"

check "risk overridden to high with a reason" lfh_at police --as "PC Dawson" case risk "$c" \
	--answers 'repeat=yes;vulnerable=no;hate=no' --level high --override "Victim afraid to go out"
s=$(lfh_at police case state "$c" --json)
check_eq "the override is recorded (level high, score 6)" "high|6" \
	"$(_json_scalar "$s" risk)|$(_json_scalar "$s" risk_score)"
ev=$(lfh_at police case show "$c" --json 2>/dev/null | json_flat | grep -E 'thresholds=6,15' | head -1)
[ -n "$ev" ] && tap_ok "the RISK event carries the thresholds used" ||
	tap_fail "the RISK event carries the thresholds used" "$(lfh_at police case show "$c" --json)"

same_state() {
	[ "$(lfh_at housing case state "$c" --json 2>/dev/null)" = "$(lfh_at police case state "$c" --json 2>/dev/null)" ]
}
wait_until 30 same_state || true
check_eq "housing's case state --json is identical to police's" \
	"$(lfh_at police case state "$c" --json)" "$(lfh_at housing case state "$c" --json)"
due=$(lfh_at housing due --json 2>/dev/null | json_flat | grep -c 'within 3 days')
check_eq "lfh due at housing: high risk -> first meeting within 3 days" 1 "$due"

for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
