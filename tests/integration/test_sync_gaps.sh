#!/usr/bin/env bash
# Gap FETCH (PROTOCOL.md 9.5) takes the authors in turn: one author's gap
# that no peer fills (an event we refuse for good, followed by one we take)
# must not keep another author's gaps from being fetched.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
HOSTILE=$B/tools/hostile
require_bins "$HOSTILE"
AG=(police council probation)
isa_hub_setup "${AG[@]}"
echo "author_quota_mb = 1" >>"$W/police/lfhd.conf"
for n in "${AG[@]}"; do node_start "$n" || bail "start $n"; done
head -c 1400000 /dev/urandom >"$W/blob.bin"
ch=$(new_referral council police "Council case") || bail "council referral"
cp=$(new_referral probation police "Probation case") || bail "probation referral"
wait_until 20 has_case police "$ch" && wait_until 20 has_case police "$cp" || bail "cases reach police"

# council (first in police's peer order) leaves a gap at police no one fills
node_stop council
"$HOSTILE" -c "$(conf_of council)" wrong-category "$ch" >/dev/null || bail "hostile tool"
node_start council || bail "restart council"
lfh_at council case note "$ch" --text "after the gap" >/dev/null || bail "council note"
note_at() { lfh_at police case show "$ch" | grep -q "after the gap"; }
wait_until 20 note_at || bail "council's later note reaches police"
tap_ok "police holds a gap in council's counters that no peer fills"

# probation's attachment is refused in part at police (quota): gaps only FETCH fills
aid=$(lfh_at probation case attach "$cp" "$W/blob.bin" --text "CCTV" |
	sed -nE 's/.*its id is ([0-9a-f]{12}).*/\1/p')
[ -n "$aid" ] || bail "attach"
quota_refused() { grep -q "quota (author_quota_mb)" "$W/police/lfhd.log"; }
wait_until 20 quota_refused || bail "police refuses part of probation's attachment for its quota"
# the whole attachment examined: police's pull from probation said "no more" since
_now
since=$NOW
caught_up() {
	local lag
	lag=$(peer_field police probation lag) || return 1
	[[ $lag =~ ^([0-9]+)\ ms\ ago$ ]] && [ "${BASH_REMATCH[1]}" -lt $((NOW - since)) ]
}
wait_until 20 caught_up || bail "police has examined probation's attachment"
tap_ok "police refused part of probation's attachment (quota 1 MiB)"
node_stop police
sed -i 's/^author_quota_mb = 1$/author_quota_mb = 64/' "$W/police/lfhd.conf"
node_start police || bail "restart police"
lfh_at probation case note "$cp" --text "probation later" >/dev/null || bail "probation note"
whole_at() {
	rm -f "$W/got.bin"
	lfh_at police case attachment get "$aid" --out "$W/got.bin" >/dev/null 2>&1 &&
		cmp -s "$W/got.bin" "$W/blob.bin"
}
if wait_until 30 whole_at; then
	tap_ok "police fetches probation's gaps past council's: the attachment is whole"
else
	tap_fail "police fetches probation's gaps past council's: the attachment is whole" \
		"FETCHes for council's gap: $(grep -c 'missing events of council' "$W/police/lfhd.log"), for probation's: $(grep -c 'missing events of probation' "$W/police/lfhd.log")"
fi
for n in "${AG[@]}"; do node_stop "$n"; done
tap_done
