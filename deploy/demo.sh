#!/bin/sh
# demo.sh - a local Local Focus Hub in a temporary directory, governed by the
# example information-sharing agreement (deploy/examples/west-cumbria.isa).
#
# All six agencies of the agreement get fresh keys; police, council and
# housing run their own lfhd node on 127.0.0.1 (the others stay offline).
# Police files a referral shared with housing only; the demo shows it
# readable at housing, absent at council (not even its encrypted envelope is
# stored there), how long replication took, that health data goes only where
# the agreement says, and why each agency holds what it holds; then it stops
# every node and removes the directory.
set -eu
B=${B:-build}
LFHD="$PWD/$B/lfhd"
LFH="$PWD/$B/lfh"
FREEPORT="$PWD/$B/tools/freeport"
W=$(mktemp -d /tmp/lfhub-demo.XXXXXX)
AGENCIES="police council housing"        # the nodes this demo runs
PARTIES="police council housing health probation fire"   # the agreement's parties
PIDS=""

cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
now_ms() { date +%s%3N; }

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_until() {
	limit=$(( $(now_ms) + $1 * 1000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$limit" ] || return 1
		sleep 0.05
	done
}

say "Creating keys for the six parties of the agreement in $W"
mkdir -p "$W/keys"
set -- $($FREEPORT 6)
for a in $PARTIES; do
	"$LFH" keys init --agency "$a" --out "$W/$a/keys" >/dev/null
	"$LFH" keys export --dir "$W/$a/keys" --out "$W/keys/$a.pub"
	eval "port_$a=$1"; shift
done
# Each agency's long-term root key certifies its operational keys; the node
# never needs it, so police moves its root.key offline (here: another directory).
"$LFH" keys show "$W/police/keys"
mkdir -m 700 "$W/offline"
mv "$W/police/keys/root.key" "$W/offline/police-root.key"
"$LFH" keys show "$W/police/keys" | grep 'root secret'
cp deploy/examples/west-cumbria.isa "$W/hub.isa"
"$LFH" isa check "$W/hub.isa"

for a in $AGENCIES; do
	eval "port=\$port_$a"
	{
		printf '[node]\nagency = %s\nisa = %s/hub.isa\n' "$a" "$W"
		printf 'data_dir = %s/%s/data\nkey_dir = %s/%s/keys\n' "$W" "$a" "$W" "$a"
		printf 'listen = tcp://127.0.0.1:%s\ncontrol = ipc://%s/%s/control.sock\n' "$port" "$W" "$a"
		printf 'log_level = warn\n'
		# the agreement names the agencies' real hosts; here they all run locally
		for p in $PARTIES; do
			[ "$p" = "$a" ] && continue
			eval "pport=\$port_$p"
			printf '\n[peer %s]\nendpoint = tcp://127.0.0.1:%s\n' "$p" "$pport"
		done
	} > "$W/$a/lfhd.conf"
done

say "Starting three nodes (police, council, housing); health, probation and fire stay offline"
for a in $AGENCIES; do
	"$LFHD" -c "$W/$a/lfhd.conf" 2>"$W/$a/lfhd.log" &
	PIDS="$PIDS $!"
done
for a in $AGENCIES; do
	wait_until 10 "$LFH" -c "$W/$a/lfhd.conf" status --json || { echo "node $a did not start:"; cat "$W/$a/lfhd.log"; exit 1; }
done
# Peers connect in the background (CurveZMQ handshake); wait until police sees both.
wait_until 10 sh -c "'$LFH' -c '$W/police/lfhd.conf' status --json | grep -o '\"connected\":1' | wc -l | grep -qx 2"
"$LFH" -c "$W/police/lfhd.conf" isa show | head -30
echo "  ..."
"$LFH" -c "$W/police/lfhd.conf" status || true # exit 1/2: WARNING/CRITICAL, its first line says why

say "Police files a referral shared with housing (police lead)"
start=$(now_ms)
out=$("$LFH" -c "$W/police/lfhd.conf" --as "PC 1234 Armstrong" referral new \
	--summary "Noise, disorder and suspected drug dealing at flat" \
	--location "Flat 3, 12 Castle Street, Workington" --category drugs --risk high \
	--description "Repeated complaints from neighbours; visitors at all hours." \
	--to housing --json)
echo "$out"
case_id=$(echo "$out" | sed 's/.*"case":"\([0-9a-f]*\)".*/\1/')

say "Waiting for housing to hold and decrypt it"
wait_until 10 "$LFH" -c "$W/housing/lfhd.conf" case show "$case_id" || { echo "replication failed"; exit 1; }
end=$(now_ms)
"$LFH" -c "$W/housing/lfhd.conf" case show "$case_id"
echo
echo "replicated police -> housing in $((end - start)) ms (filing, durable commit, pull, verify, store, decrypt)"

say "Council is not a recipient: it holds nothing of this case"
if "$LFH" -c "$W/council/lfhd.conf" case show "$case_id"; then
	echo "UNEXPECTED: council can see the case"; exit 1
fi
"$LFH" -c "$W/council/lfhd.conf" status || true

say "Police records health information: the agreement sends it to the lead and health only"
"$LFH" -c "$W/police/lfhd.conf" --as "PC 1234 Armstrong" case note "$case_id" --category health \
	--text "Engaging with Recovery Steps; consent to share recorded."
"$LFH" -c "$W/police/lfhd.conf" isa explain "$case_id"

say "Housing adds a note; it reaches police (the lead), not council"
"$LFH" -c "$W/housing/lfhd.conf" --as "J. Tyson (housing officer)" case note "$case_id" \
	--text "Tenancy warning served; joint visit with police agreed."
wait_until 10 sh -c "'$LFH' -c '$W/police/lfhd.conf' case show $case_id | grep -q 'Tenancy warning'"
"$LFH" -c "$W/police/lfhd.conf" case show "$case_id"
echo
if "$LFH" -c "$W/housing/lfhd.conf" case show "$case_id" | grep -q "Recovery Steps"; then
	echo "UNEXPECTED: housing holds the health note"; exit 1
fi
echo "housing holds the referral and the notes it may see, not the health note: the agreement"
echo "sends health data to the lead (police) and health only."

say "Housing attaches the tenancy warning letter; police gets the same bytes back, checked"
printf 'Tenancy warning: Flat 3, 12 Castle Street.\nServed in person on %s.\n' "$(date -u +%F)" \
	>"$W/tenancy-warning.txt"
out=$("$LFH" -c "$W/housing/lfhd.conf" --as "J. Tyson (housing officer)" case attach "$case_id" \
	"$W/tenancy-warning.txt" --text "Tenancy warning letter")
echo "$out"
att=$(echo "$out" | sed -n 's/.*its id is \([0-9a-f]*\).*/\1/p')
wait_until 10 sh -c "'$LFH' -c '$W/police/lfhd.conf' case show $case_id | grep -q 'attached tenancy-warning.txt'"
"$LFH" -c "$W/police/lfhd.conf" case attachment get "$att" --out "$W/letter-at-police.txt"
cmp "$W/tenancy-warning.txt" "$W/letter-at-police.txt" && echo "byte-identical at police."

say "Key rotation: housing's node switches to new keys certified by its root key, no restart"
"$LFH" -c "$W/housing/lfhd.conf" admin keys rotate --grace 2s
wait_until 15 sh -c "'$LFH' -c '$W/police/lfhd.conf' admin keys list | grep -q '^housing  *2  .*current  *yes'"
echo "police's view of every agency's keys once housing's grace period is over:"
"$LFH" -c "$W/police/lfhd.conf" admin keys list
"$LFH" -c "$W/housing/lfhd.conf" --as J_Tyson case note "$case_id" --text 'Signed with our new keys.'
wait_until 10 sh -c "'$LFH' -c '$W/police/lfhd.conf' case show $case_id | grep -q 'new keys'"
echo "police accepted housing's note signed with its new key generation."

say "The case through OSARA: police (lead) and housing each record their steps at their own node"
P="$LFH -c $W/police/lfhd.conf --as PC_1234_Armstrong"
H="$LFH -c $W/housing/lfhd.conf --as J_Tyson"
$P case risk "$case_id" --score 22 --level high --answers 'repeat_calls=yes;vulnerable_neighbours=yes'
$P case objective "$case_id" --text 'Stop the drug dealing and disorder at the flat'
$P case scan "$case_id" --text '11 calls in 3 months; 4 households affected; visitors at night'
$P case meeting "$case_id" --date "$(date -u +%F)" --attendees police,housing \
	--victim 'Neighbours at nos. 2 and 4' --offender 'Tenant and visitors' \
	--location 'Flat 3, 12 Castle Street' --responses 'Warrant; tenancy warning; support referral'
action=$($P case action "$case_id" --agency housing --power tenancy-warning \
	--text 'Serve a tenancy warning' --due "$(date -u -d '+7 days' +%F)" --json |
	sed 's/.*"action":"\([0-9a-f]*\)".*/\1/')
warrant=$($P case action "$case_id" --agency police --power warrant \
	--text 'Apply for a drugs warrant' --due "$(date -u -d '+14 days' +%F)" --json |
	sed 's/.*"action":"\([0-9a-f]*\)".*/\1/')
echo "recorded action on case $case_id; action id $warrant"
wait_until 10 sh -c "$H case state $case_id | grep -q $action"
$H case update "$case_id" --action "$action" --status done --text 'Tenancy warning served in person'
echo
echo "what is due at police (lfh due):"
$P due
wait_until 10 sh -c "$P case state $case_id --json | grep -q '\"status\":\"done\"'"
# a case closes only once every action is done or cancelled
$P case update "$case_id" --action "$warrant" --status done --text 'Warrant executed; nothing found'
$P case assess "$case_id" --plan-done partly --problem-stopped yes --text 'No calls since the warning'
$P case propose-close "$case_id" --reason 'Problem resolved'
$P case review "$case_id" --kind closure --outcome close --text 'Closure agreed by police and housing'
$P case close "$case_id" --reason 'No further reports'
wait_until 10 sh -c "$H case state $case_id | grep -q 'stage     closed'"
echo
echo "the case as housing's node computes it from the same events:"
$H case state "$case_id"

say "Stopping the nodes"
