#!/usr/bin/env bash
# test_restore_isa.sh - a restore after the hub adopted a new ISA version
# (PROTOCOL.md 13.1, 5.2): police writes a note, takes a backup, the hub
# adopts ISA version 2, police writes notes 2-4 under it. Then police's
# disk is rebuilt (data wiped, keys kept), and later its store is restored
# from the backup. Each time, recovery gets notes 2-4 back from the peers
# before this store has adopted version 2 (it learns the others' signatures
# only once it pulls again): they are refused then, yet police's numbers
# resume above them (before 0.4.5 police reused seq 6-8: its next notes
# were dropped at every peer as equivocation), and once version 2 is
# adopted police asks for them again, so its own store holds what it wrote.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins
AG=(police housing council)
isa_hub_setup "${AG[@]}"
for n in "${AG[@]}"; do
	node_start "$n" || bail "start $n"
done
c=$(new_referral police housing,council "A case across a change of agreement") || bail "referral"
lfh_at police case note "$c" --text "Note 1 before the backup" >/dev/null || bail "note 1"
BK=$W/backup
lfh_at police admin backup "$BK" >/dev/null || bail "backup"

hash_at() { lfh_at "$1" isa show --json | json_get '[0].hash'; }
v2_at() { [ "$(lfh_at "$1" isa show --json | json_get '[0].version')" = 2 ]; }
ISA_REVIEW=2028-06-30 write_isa "$W/v2.isa" 2 "$(hash_at police)" "${AG[@]}"
lfh_at police isa propose "$W/v2.isa" >/dev/null || bail "propose version 2"
for n in "${AG[@]}"; do
	wait_until 20 lfh_at "$n" isa sign "$W/v2.isa" >/dev/null || bail "$n signs version 2"
done
for n in "${AG[@]}"; do
	wait_until 30 v2_at "$n" || bail "$n adopts version 2"
done
for i in 2 3 4; do
	lfh_at police case note "$c" --text "Note $i under version 2" >/dev/null || bail "note $i"
done
texts_at() { lfh_at "$1" case show "$c" --json | json_flat | sed -n 's/^\[[0-9]*\]\.text=//p'; }
holds_all() { # NODE TEXT...: NODE holds a note with each TEXT, once each
	local n=$1 t all
	shift
	all=$(texts_at "$n")
	for t in "$@"; do
		[ "$(grep -cxF "$t" <<<"$all")" = 1 ] || return 1
	done
}
for n in housing council; do
	wait_until 20 holds_all "$n" "Note 2 under version 2" "Note 4 under version 2" ||
		bail "$n holds notes 2-4"
done
not_recovering() { [ "$(status_field police recovering)" = 0 ]; }

# restarted_police HOW: police, rebuilt one way, recovers; checks what follows
restarted_police() {
	local how=$1 next=$2
	node_start police || bail "restart police ($how)"
	wait_until 60 not_recovering || bail "police recovers ($how)"
	if wait_until 30 holds_all police "Note 1 before the backup" "Note 2 under version 2" \
		"Note 3 under version 2" "Note 4 under version 2"; then
		tap_ok "$how: police's own store holds notes 2-4 again, once version 2 is adopted"
	else
		tap_fail "$how: police's own store holds notes 2-4 again, once version 2 is adopted" \
			"$(texts_at police | tr '\n' '|')"
	fi
	lfh_at police case note "$c" --text "$next" >/dev/null || bail "police writes ($how)"
	for n in housing council; do
		if wait_until 20 holds_all "$n" "$next"; then
			tap_ok "$how: $n takes police's next note (its numbers resumed above notes 2-4)"
		else
			tap_fail "$how: $n takes police's next note (its numbers resumed above notes 2-4)" \
				"$(grep -i equivoc "$W/$n/lfhd.log" | tail -2)"
		fi
	done
}

# 1. a rebuilt disk: the store is gone, the key directory kept
node_stop police
rm -rf "$W/police/data"
mkdir -m 700 "$W/police/data"
restarted_police "a rebuilt disk" "Written after the rebuild"

# 2. the store and keys restored from the backup taken before version 2 (README)
node_stop police
rm -rf "$W/police/data" "$W/police/keys"
mkdir -m 700 "$W/police/data"
install -m 0600 "$BK/data/data.mdb" "$W/police/data/data.mdb"
cp -a "$BK/keys" "$W/police/keys"
restarted_police "a restore from the backup" "Written after the restore"

for n in housing council; do
	check "$n kept no evidence of equivocation by police (no number was used twice)" \
		bash -c '! grep -qi "equivocation" "$1"' _ "$W/$n/lfhd.log"
done
for n in "${AG[@]}"; do
	node_stop "$n"
done
tap_done
