#!/usr/bin/env bash
# test_check.sh - lfhd --check catches a deployment's mistakes before the node
# starts (issue #14), each with a message naming the setting to change: the
# listen port already in use; a listen endpoint that is not the agreement's
# endpoint for this agency; a peer host that does not resolve; an isa that is
# not the genesis version; a read-only data_dir or key_dir; a control_group
# that is no group here; keys of another agency, or not the agreement's; a
# [peer] pubkey not the agreement's; a control socket lfhd cannot create; a
# data_dir under a file; a metrics port in use. A good
# configuration passes, also while its node runs.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

isa_hub_setup police housing
conf=$(conf_of police)
cp "$conf" "$W/good.conf"

# check_says NAME TEXT CONF: lfhd --check on CONF fails, its message holding TEXT.
check_says() {
	local out rc
	out=$("$LFHD" -c "$3" --check 2>&1)
	rc=$?
	printf "%s\n" "$out" | sed "s|^|#   |"
	if [ "$rc" -eq 1 ] && [[ $out == *"$2"* ]]; then
		tap_ok "$1"
	else
		tap_fail "$1" "exit $rc: $out"
	fi
}

check "a good configuration passes" "$LFHD" -c "$conf" --check

node_start housing || bail "start housing"
hport=${NODE_PORT[housing]}
sed "s|^listen = .*|listen = tcp://127.0.0.1:$hport|" "$W/good.conf" >"$conf"
check_says "the listen port in use (housing holds it)" \
	"listen: port $hport is already in use" "$conf"

port=$("$FREEPORT") || bail freeport
sed "s|^listen = .*|listen = tcp://127.0.0.1:$port|" "$W/good.conf" >"$conf"
check_says "a listen endpoint other than the agreement's endpoint for police" \
	"listen: tcp://127.0.0.1:$port is not the endpoint the agreement names for police, $(endpoint_of police)" "$conf"

{ cat "$W/good.conf"; printf '\n[peer housing]\nendpoint = tcp://no-such-host.invalid:7101\n'; } >"$conf"
check_says "a peer host that does not resolve, in a [peer] section" \
	"[peer housing] endpoint: host no-such-host.invalid of tcp://no-such-host.invalid:7101 does not resolve" "$conf"

cp "$W/hub.isa" "$W/hub.isa.orig"
sed -i "s|endpoint = \"tcp://127.0.0.1:$hport\"|endpoint = \"tcp://housing-node.invalid:$hport\"|" "$W/hub.isa"
cp "$W/good.conf" "$conf"
check_says "a peer host that does not resolve, in the agreement" \
	"hub.isa: the endpoint of party housing: host housing-node.invalid of tcp://housing-node.invalid:$hport does not resolve" "$conf"
cp "$W/hub.isa.orig" "$W/hub.isa"

# a control_group this machine does not have (lfhd would fail to start)
sed '/^\[node\]/a control_group = lfh-no-such-group' "$W/good.conf" >"$conf"
check_says "a control_group that is no group here" \
	"control_group: no such group 'lfh-no-such-group' on this machine" "$conf"

# what lfhd would refuse at start, found before it (each failed --check before 0.4.4)
sed "s|^key_dir = .*|key_dir = $W/housing/keys|" "$W/good.conf" >"$conf"
check_says "a key_dir holding another agency's keys" \
	"key_dir $W/housing/keys holds keys of agency 'housing', not 'police'" "$conf"
"$LFH" keys init --agency police --out "$W/otherkeys" >/dev/null 2>&1 || bail "keys init"
sed "s|^key_dir = .*|key_dir = $W/otherkeys|" "$W/good.conf" >"$conf"
check_says "police keys that are not the ones the ISA names" \
	"names another root key for police than key_dir $W/otherkeys holds" "$conf"
"$LFH" keys init --agency housing --out "$W/otherhousing" >/dev/null 2>&1 || bail "keys init"
"$LFH" keys export --dir "$W/otherhousing" --out "$W/other.pub" >/dev/null 2>&1 ||
	bail "keys export"
{ cat "$W/good.conf"; printf '\n[peer housing]\nendpoint = %s\npubkey = %s\n' \
	"$(endpoint_of housing)" "$W/other.pub"; } >"$conf"
check_says "a [peer] pubkey that differs from the agreement's" \
	"[peer housing] pubkey $W/other.pub differs from the key the ISA names" "$conf"
sed "s|^key_dir = .*|key_dir = $W/no-such-keys|" "$W/good.conf" >"$conf"
check_says "a key_dir that does not exist, named as the setting" \
	"key_dir: $W/no-such-keys: No such file or directory" "$conf"
sed "s|^control = .*|control = ipc://$W/no/such/dir/c.sock|" "$W/good.conf" >"$conf"
check_says "a control socket in a directory that does not exist" \
	"control: $W/no/such/dir: No such file or directory" "$conf"
sed "s|^control = .*|control = ipc://$W|" "$W/good.conf" >"$conf"
check_says "a control socket path that is a directory" "control: $W is a directory" "$conf"
sed "s|^data_dir = .*|data_dir = $W/good.conf/sub|" "$W/good.conf" >"$conf"
check_says "a data_dir under a file" "data_dir: $W/good.conf is not a directory" "$conf"
sed "/^\[node\]/a metrics_listen = 127.0.0.1:$hport" "$W/good.conf" >"$conf"
check_says "a metrics port in use" "metrics_listen: port $hport is already in use" "$conf"

write_isa "$W/v2.isa" 2 "$(printf '%064d' 7)" police housing
sed "s|^isa = .*|isa = $W/v2.isa|" "$W/good.conf" >"$conf"
check_says "an isa that is not the genesis version" \
	"isa: $W/v2.isa is version 2 of the agreement, not the genesis (version 1)" "$conf"

# Read-only directories: as root, permissions do not stop us; a read-only
# bind mount in a private mount namespace does.
cp "$W/good.conf" "$conf"
mkdir -p "$W/police/data"
if [ "$(id -u)" -ne 0 ]; then
	ro_check() { chmod 0500 "$2" && "$LFHD" -c "$conf" --check; local rc=$?; chmod 0700 "$2"; return "$rc"; }
elif unshare -m true 2>/dev/null; then
	ro_check() {
		unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" &&
			exec "$2" -c "$3" --check' sh "$2" "$LFHD" "$conf"
	}
else
	ro_check() { return 99; }
fi
for d in data_dir key_dir; do
	[ $d = data_dir ] && dir=$W/police/data || dir=$W/police/keys
	out=$(ro_check $d "$dir" 2>&1)
	rc=$?
	if [ "$rc" -eq 99 ]; then
		tap_ok "a read-only $d # SKIP no way to make one here (root without unshare)"
	elif [ "$rc" -eq 1 ] && [[ $out == *"$d: $dir "*"read-only"* || $out == *"$d: $dir is not writable"* ]]; then
		tap_ok "a read-only $d is named"
	else
		tap_fail "a read-only $d is named" "exit $rc: $out"
	fi
done

# a store copied in as another user (a restore done as root with cp): lfhd could not open it
cp "$W/good.conf" "$conf"
node_start police || bail "start police (to make its store)"
node_stop police
if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$W/police/data/data.mdb"
	check_says "a data.mdb owned by another user than its data_dir" \
		"its data.mdb by uid 65534 (copied in as another user?)" "$conf"
	chown "$(stat -c %u "$W/police/data")" "$W/police/data/data.mdb"
else
	tap_ok "a data.mdb owned by another user # SKIP not root: cannot give a file away"
fi
# against the store (opened read-only): a genesis file changed after the store was made, and
# a key directory without the store.key its sharing keys are kept under
cp "$W/hub.isa" "$W/hub.isa.orig"
sed -i 's/problem solving/problem-solving/' "$W/hub.isa"
check_says "a genesis file edited after the store was made" \
	"the genesis file differs from the one this store was made with" "$conf"
cp "$W/hub.isa.orig" "$W/hub.isa"
node_start police || bail "start police (to make a sharing key)"
new_referral police housing "A case, so the store holds a sharing key" >/dev/null ||
	bail "a referral at police"
node_stop police
mv "$W/police/keys/store.key" "$W/store.key.away"
check_says "a key directory without the store's store.key" \
	"store.key is missing, and the store in $W/police/data holds sharing keys" "$conf"
mv "$W/store.key.away" "$W/police/keys/store.key"
check "with both put back, --check passes again" "$LFHD" -c "$conf" --check

cp "$W/good.conf" "$conf"
node_start police || bail "start police"
out=$("$LFHD" -c "$conf" --check 2>&1)
rc=$?
check_eq "a good configuration passes while its node runs (the port is the node's own)" 0 "$rc"
check "... and says the port was not checked" grep -q "an lfhd is running on" <<<"$out"
node_stop police
node_stop housing

# two nodes set up with different genesis files (one word apart) are two hubs: every event
# of one is refused by the other, and status says so, CRITICAL, at both
sed 's/problem solving/problem-solving/' "$W/hub.isa" >"$W/other.isa"
cmp -s "$W/hub.isa" "$W/other.isa" && bail "the other genesis differs"
rm -rf "$W/housing/data"
sed -i "s|^isa = .*|isa = $W/other.isa|" "$(conf_of housing)"
cp "$W/good.conf" "$conf"
node_start police || bail "start police"
node_start housing || bail "start housing (other genesis)"
new_referral police housing "Sent to a node of another hub" >/dev/null || bail "referral"
other_hub_said() { lfh_at housing status 2>/dev/null | grep -q "peer police sends events of another hub"; }
wait_until 20 other_hub_said && tap_ok "status names the peer whose events are of another hub" ||
	tap_fail "status names the peer whose events are of another hub" "$(lfh_at housing status 2>&1)"
lfh_at housing status >/dev/null 2>&1
check_eq "... CRITICAL (exit 2)" 2 "$?"
node_stop police
node_stop housing
tap_done
