#!/usr/bin/env bash
# test_golden.sh - the human formats of `lfh case show`, `lfh case list` and
# `lfh due` against golden files (tests/integration/golden/), so that layout
# changes are deliberate: a change of layout fails here until the golden
# file is updated with it (LFH_GOLDEN_UPDATE=1 sh tests/run.sh test_golden.sh
# rewrites them; review the diff).
#
# One node, one case written with fixed texts and dates; what changes from
# run to run is replaced before comparing: case and event ids (<ID>), the
# reference's year (<YY>), times of recording (<NOW>), dates relative to
# today (<DATE>).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
GOLDEN=$(cd "$(dirname "$0")" && pwd)/golden

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
isa_hub_setup police housing
for n in police housing; do
	node_start "$n" || bail "start $n"
done
export LFH_TZ=Europe/London
c=$(lfh_at police --as "PC Dawson" referral new --summary "Harassment of the tenant at flat 3" \
	--location "3 Castle St, Workington" --category asb --risk high --to housing \
	--subject "Jane Doe" --description "Threats and damage over two months" \
	--on 2026-02-27 --json | json_field case) || bail "referral"
lfh_at police --as "PC Dawson" case note "$c" --text "Door kicked at flat 3" \
	--on 2026-03-05T22:15 >/dev/null || bail "note"
lfh_at police --as "PC Dawson" case risk "$c" --score 22 --answers "repeat=yes" >/dev/null ||
	bail "risk"
lfh_at police --as "PC Dawson" case scan "$c" --text "6 calls in 2 months" >/dev/null || bail "scan"
lfh_at police --as "PC Dawson" case meeting "$c" --date 2026-03-10 --attendees police,housing \
	--victim "Tenant of flat 3" --offender "Neighbour at flat 4" --location "Stairwell" \
	--responses "Warning letter; support offer" >/dev/null || bail "meeting"
a=$(lfh_at police --as "PC Dawson" case action "$c" --agency housing --power tenancy-warning \
	--text "Serve a tenancy warning" --due 2026-03-20 --json | json_field action) || bail "action"
lfh_at police --as "PC Dawson" case action "$c" --signpost "Victim Support Cumbria" \
	--power signposting --text "Refer the tenant" --due 2026-03-25 >/dev/null || bail "signpost"
wait_until 20 has_case housing "$c" || bail "the case reaches housing"
wait_until 20 lfh_at housing --as "Hana Options" case update "$c" --action "$a" --status refused \
	--who "the neighbour" --on 2026-03-18 --text "Refused to accept the warning" ||
	bail "housing's update"
wait_until 20 bash -c "'$LFH' -c '$W/police/lfhd.conf' case state '$c' | grep -q refused" ||
	bail "the update reaches police"

normalise() {
	sed -E -e 's/[0-9a-f]{64}/<ID>/g; s/[0-9a-f]{32}/<ID>/g; s/\[ev [0-9a-f]{8}\]/[ev <ID>]/g' \
		-e 's/action [0-9a-f]{8}/action <ID>/g; s/^([0-9a-f]{8})  /<ID>      /' \
		-e 's/POLICE-[0-9]{2}-/POLICE-<YY>-/g' \
		-e "s/$(TZ=Europe/London date +%Y-%m-%d) [0-9]{2}:[0-9]{2}/<NOW>/g; s/$(date -u +%Y-%m-%d)T[0-9:]{8}Z/<NOW>/g" \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} (meeting|review|action) \(/<DATE> \1 (/g' \
		-e 's/^(on-target|warning|overdue) +[0-9]{4}-[0-9]{2}-[0-9]{2}/\1  <DATE>/' |
		sed -E 's/ +$//'
}
golden() { # golden NAME CMD...: CMD's output, normalised, against golden/NAME.txt
	local name=$1 got
	shift
	got=$("$@" 2>&1 | normalise)
	if [ "${LFH_GOLDEN_UPDATE:-0}" = 1 ]; then
		printf '%s\n' "$got" >"$GOLDEN/$name.txt"
		tap_ok "$name: golden file rewritten # SKIP LFH_GOLDEN_UPDATE=1"
		return
	fi
	check_eq "$name: the layout is the golden file's" "$(cat "$GOLDEN/$name.txt")" "$got"
}
golden case_show lfh_at police case show "$c"
golden case_state lfh_at police case state "$c"
golden case_list lfh_at police case list
golden due lfh_at police due
tap_done
