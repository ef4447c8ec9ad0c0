#!/usr/bin/env bash
# test_users.sh - caseworker identity (PROTOCOL.md 10.1): users registered at
# an agency's node, each with a role and their own key.
#
#   police and housing (an ISA hub, so cases can be closed). At police: the
#   first admin is added without a key (bootstrap); from then on unsigned
#   requests are refused, signed ones work. The admin adds a caseworker, a
#   coordinator and a manager. The caseworker's referral reaches housing
#   recorded as the caseworker's registered name, whatever --as says; the
#   caseworker may not record coordinator steps, close the case, list users
#   or read the audit log (refused, exit 1, nothing written); the
#   coordinator and manager can. A key file naming the caseworker but holding
#   another user's key is refused; revoking the caseworker refuses their very
#   next request; refused attempts are in the audit log with ok 0. Housing
#   registers no users and stays in bootstrap mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

# No user key from the environment or the runner's home directory.
unset LFH_KEY LFH_USER
export HOME=$W/home
mkdir -p "$HOME"
K=$W/userkeys
mkdir -p "$K"

ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
isa_hub_setup police housing
echo "teams = response, neighbourhood" >>"$W/police/lfhd.conf"
for n in police housing; do
	node_start "$n" || bail "start $n"
done
tap_ok "two nodes started"

# refused NAME WANT CMD...: CMD exits 1 with "lfh: ...WANT..." on stderr.
# (REFUSED_RC=3 for lfh status: a check without a verdict is UNKNOWN, Nagios-style)
refused() {
	local name=$1 want=$2 out rc want_rc=${REFUSED_RC:-1}
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && [[ $out == *"lfh: "*"$want"* ]]; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc, wanted $want_rc and '$want': $out"
	fi
}
as_admin() { lfh_at police --key "$K/admin.key" "$@"; }
as_smith() { lfh_at police --key "$K/smith.key" "$@"; }
as_jones() { lfh_at police --key "$K/jones.key" "$@"; }
as_brown() { lfh_at police --key "$K/brown.key" "$@"; }
police_events() { LFH_KEY=$K/admin.key node_events police; }
# user_field JSON NAME FIELD: FIELD of user NAME in a `user list --json` listing.
user_field() {
	printf '%s\n' "$1" | json_flat | awk -v n="$2" -v f="$3" '
		{ eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1); a[k] = v
		  if (k ~ /\.name$/ && v == n) { p = k; sub(/\.name$/, "", p) } }
		END { if (p != "" && ((p "." f) in a)) print a[p "." f]; else exit 1 }'
}

# ---- bootstrap: no admin yet, the first one is added without a key
check "no users yet: requests need no key" lfh_at police status
check "bootstrap: first admin added without a key" \
	lfh_at police admin user add "A Admin" --role admin --out "$K/admin.key"
check_eq "key file is mode 600" 600 "$(stat -c %a "$K/admin.key")"
if grep -q '^\[user\]$' "$K/admin.key" && grep -q '^name = A Admin$' "$K/admin.key" &&
	grep -Eq '^key = [0-9a-f]{128}$' "$K/admin.key"; then
	tap_ok "key file: [user] name and a 128-hex key"
else
	tap_fail "key file: [user] name and a 128-hex key" "$(sed 's/key = .*/key = .../' "$K/admin.key")"
fi
refused "an existing key file is never overwritten" "refusing to overwrite" \
	as_admin admin user add "B Admin" --role admin --out "$K/admin.key"

# ---- from now on every request must be signed
REFUSED_RC=3 refused "unsigned request refused" "authentication required" lfh_at police status
refused "unsigned request refused even with --as" "authentication required" \
	lfh_at police --as "A Admin" case list
check "the admin's key works" as_admin status
check "LFH_KEY works too" env LFH_KEY="$K/admin.key" "$LFH" -c "$(conf_of police)" status
mkdir -p "$HOME/.config/lfh"
cp "$K/admin.key" "$HOME/.config/lfh/user.key"
check "~/.config/lfh/user.key is used by default" lfh_at police status
rm -f "$HOME/.config/lfh/user.key"
cp "$K/admin.key" "$K/loose.key"
chmod 644 "$K/loose.key"
REFUSED_RC=3 refused "a group/other-readable key file is refused" "accessible by group or others" \
	lfh_at police --key "$K/loose.key" status
REFUSED_RC=3 refused "a missing key file is an error" "cannot read user key" \
	lfh_at police --key "$K/nonesuch.key" status

check "admin adds a caseworker" as_admin admin user add "PC Smith" --role caseworker --out "$K/smith.key"
check "admin adds a coordinator" as_admin admin user add "S Brown" --role coordinator --out "$K/brown.key"
check "admin adds a manager" as_admin admin user add "J Jones" --role manager --out "$K/jones.key"
refused "adding an existing user is refused" "already exists" \
	as_admin admin user add "PC Smith" --role manager --out "$K/smith2.key"
[ ! -e "$K/smith2.key" ] && tap_ok "the unused key file of a refused add is removed" ||
	tap_fail "the unused key file of a refused add is removed"
out=$(as_admin admin user add "X" --role boss --out "$K/x.key" 2>&1)
check_eq "an invalid role is a usage error (exit 2)" "2|lfh: --role must be caseworker, coordinator, manager or admin" "$?|$out"
ul=$(as_admin admin user list --json)
check_eq "user list: four users" "A Admin J Jones PC Smith S Brown" \
	"$(printf '%s\n' "$ul" | json_all name | sort | paste -sd' ')"
check_eq "user list: all active" active "$(printf '%s\n' "$ul" | json_all state | sort -u)"
check_eq "user list: the caseworker was added by the admin" "A Admin" \
	"$(user_field "$ul" "PC Smith" added_by)"
check_eq "user list: the caseworker's role" caseworker "$(user_field "$ul" "PC Smith" role)"

# ---- the caseworker's referral is recorded as the caseworker, whatever --as says
out=$(lfh_at police --key "$K/smith.key" --as "Someone Else" referral new \
	--summary "Drug dealing at the garages" --location "Ewanrigg garages" --category asb \
	--description "Reported by residents" --risk standard --to housing --json)
c1=$(_json_scalar "$out" case)
[[ $c1 =~ ^[0-9a-f]{32}$ ]] || bail "caseworker files a referral" "$out"
tap_ok "caseworker files a referral"
wait_until 15 has_case housing "$c1" || tap_fail "housing receives the referral"
show=$(lfh_at housing case show "$c1" --json)
check_eq "at housing the referral's by is the caseworker's registered name" "PC Smith" \
	"$(printf '%s\n' "$show" | json_all by | sort -u | paste -sd,)"
check_eq "the name given with --as appears nowhere" 0 "$(printf '%s\n' "$show" | grep -c 'Someone Else')"

# ---- teams: a signed request is written for its user's registered team, whatever the client says
check "admin adds a caseworker of the neighbourhood team" as_admin admin user add "PC Team" \
	--role caseworker --team neighbourhood --out "$K/team.key"
refused "a team the node does not have is refused at registration" \
	"not one of this agency's teams" as_admin admin user add "PC Nope" --role caseworker \
	--team traffic --out "$K/nope.key"
check_eq "user list: the caseworker's team" neighbourhood \
	"$(user_field "$(as_admin admin user list --json)" "PC Team" team)"
out=$(LFH_TEAM=response lfh_at police --key "$K/team.key" case note "$c1" --text "Team note" --json)
ev=$(_json_scalar "$out" event)
team_of_note() { local k=(); [ "$1" = housing ] || k=(--key "$K/admin.key")
	lfh_at "$1" "${k[@]}" case show "$c1" --json | json_flat | awk -v e="$ev" -F= '
	/\]\.event=/ { cur = $2 } /\]\.team=/ { if (cur == e) print $2 }'; }
check_eq "the note records the user's team, not the one the client named" neighbourhood \
	"$(team_of_note police)"
has_note_team() { [ "$(team_of_note housing)" = neighbourhood ]; }
check "housing reads the same team on the note" wait_until 15 has_note_team

# ---- roles
check "caseworker records a risk assessment" as_smith case risk "$c1" --score 22 --level high \
	--answers 'repeat=yes;vulnerable=yes'
ev0=$(police_events)
refused "caseworker may not record scanning" "user PC Smith (role caseworker) may not record the case step 'scanning'" \
	as_smith case scan "$c1" --text "Eleven calls"
refused "caseworker may not close a case" "user PC Smith (role caseworker) may not run case_close" \
	as_smith case close "$c1" --reason "done"
refused "caseworker may not list users" "user PC Smith (role caseworker) may not run user_list" \
	as_smith admin user list
refused "caseworker may not add users" "may not run user_add" \
	as_smith admin user add "Mallory" --role admin --out "$K/mallory.key"
refused "caseworker may not read the audit log" "may not run audit_list" as_smith audit
check_eq "refused requests wrote nothing" "$ev0" "$(police_events)"
refused "coordinator may not close a case" "user S Brown (role coordinator) may not run case_close" \
	as_brown case close "$c1" --reason "done"
refused "manager may not list users" "user J Jones (role manager) may not run user_list" \
	as_jones admin user list
check_eq "still nothing written" "$ev0" "$(police_events)"
check "coordinator records scanning" as_brown case scan "$c1" --text "Eleven calls in three months"
check "caseworker records a meeting" as_smith case meeting "$c1" --date 2026-12-01 \
	--attendees police,housing --victim Neighbours --offender Tenant --location 'Flat 2' \
	--responses 'Warrant; tenancy warning'
out=$(as_smith case action "$c1" --agency housing --power tenancy-warning \
	--text 'Serve warning' --due 2026-12-08 --json 2>&1) && tap_ok "caseworker tasks an action" ||
	tap_fail "caseworker tasks an action" "$out"
[[ $out =~ \"action\":\"([0-9a-f]{8})\" ]] && aid=${BASH_REMATCH[1]}
check "caseworker cancels it (a case closes once every action is accounted for)" \
	as_smith case update "$c1" --action "${aid:-none}" --status cancelled --text 'Not needed' 
check "caseworker records an assessment" as_smith case assess "$c1" --plan-done yes \
	--problem-stopped yes --text 'No calls since'
check "coordinator proposes closure" as_brown case propose-close "$c1" --reason "Problem resolved"
check "manager (includes coordinator) records the closure review" as_jones case review "$c1" \
	--kind closure --outcome close --text "Agreed at the hub"
refused "caseworker still may not close it" "may not run case_close" \
	as_smith case close "$c1" --reason "No further reports"
check "manager closes the case" as_jones case close "$c1" --reason "No further reports"
check "manager reads the audit log" as_jones audit --json
show=$(as_admin case show "$c1" --json)
check_eq "events by their authenticated users" "J Jones,PC Smith,PC Team,S Brown" \
	"$(printf '%s\n' "$show" | json_all by | sort -u | paste -sd,)"

# ---- a key file naming the caseworker but holding another user's key
sed 's/^name = .*/name = PC Smith/' "$K/jones.key" >"$K/forged.key"
chmod 600 "$K/forged.key"
refused "another user's key under the caseworker's name is refused" "bad signature" \
	lfh_at police --key "$K/forged.key" case list
sed 's/^name = .*/name = Nobody/' "$K/jones.key" >"$K/nobody.key"
chmod 600 "$K/nobody.key"
REFUSED_RC=3 refused "an unregistered user is refused" "unknown user" \
	lfh_at police --key "$K/nobody.key" status

# ---- revocation takes effect at once
check "caseworker reads cases before revocation" as_smith case list
check "admin revokes the caseworker" as_admin admin user revoke "PC Smith"
refused "the revoked caseworker's next request is refused" "user 'PC Smith' is revoked" as_smith case list
refused "revoking twice is an error" "already revoked" as_admin admin user revoke "PC Smith"
ul=$(as_admin admin user list --json)
check_eq "user list shows the revocation" revoked "$(user_field "$ul" "PC Smith" state)"
if [[ $(user_field "$ul" "PC Smith" revoked) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]; then
	tap_ok "user list shows when"
else
	tap_fail "user list shows when" "$ul"
fi
refused "the last active admin cannot be revoked" "last active admin" \
	as_admin admin user revoke "A Admin"
check "the caseworker can be registered again with a new key" \
	as_admin admin user add "PC Smith" --role caseworker --out "$K/smith-new.key"
check "the new key works" lfh_at police --key "$K/smith-new.key" case list
refused "the old key does not" "bad signature" as_smith case list

# ---- the audit log records the refused attempts with the claimed user, marked unverified
# when it was not authenticated (a bad signature, an unknown user): never as that user
aj=$(as_jones audit --json)
audit_lines() {
	local j=$1 by cmd ok i
	mapfile -t by < <(printf '%s\n' "$j" | json_all by)
	mapfile -t cmd < <(printf '%s\n' "$j" | json_all cmd)
	mapfile -t ok < <(printf '%s\n' "$j" | json_all ok)
	for i in "${!by[@]}"; do
		printf '%s|%s|%s\n' "${by[$i]}" "${cmd[$i]}" "${ok[$i]}"
	done
}
al=$(audit_lines "$aj")
for want in "PC Smith|case_close|0" "PC Smith|user_list|0" "PC Smith|case_step|0" \
	"J Jones|user_list|0" "(unverified) PC Smith|case_list|0" "(unverified) Nobody|status|0" \
	"PC Smith|referral_new|1" "J Jones|case_close|1" "A Admin|user_revoke|1"; do
	if printf '%s\n' "$al" | grep -qxF "$want"; then
		tap_ok "audit log: $want"
	else
		tap_fail "audit log: $want" "$al"
	fi
done
check "audit --who PC Smith also lists the attempts refused in that name, marked unverified" \
	grep -q '"by":"(unverified) PC Smith"' <<<"$(as_jones audit --who "PC Smith" --json)"
check "audit log: the attempt with the old key is not recorded as PC Smith's" \
	bash -c '! grep -qxF "PC Smith|case_list|0" <<<"$1"' _ "$al"
if printf '%s\n' "$al" | grep -q '|status|0$' && ! printf '%s\n' "$al" | grep -q '^Someone Else|'; then
	tap_ok "audit log: unsigned attempts refused (ok 0), --as never recorded for signed requests"
else
	tap_fail "audit log: unsigned attempts refused (ok 0), --as never recorded for signed requests" "$al"
fi

# ---- users survive a restart; housing never registered any
node_stop police
LFH_KEY=$K/admin.key node_start police || bail "restart police"
refused "after a restart unsigned requests are still refused" "authentication required" \
	lfh_at police case list
refused "after a restart the old caseworker key is still refused" "bad signature" as_smith case list
check "housing (no users) still accepts unsigned requests" lfh_at housing case list

# ---- a local user without access to the control socket is told so at once
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	start=$SECONDS
	out=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$LFH" -C "ipc://$W/housing/control.sock" status 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [[ $out == *"no permission to use the control socket"* ]] &&
		[ $((SECONDS - start)) -lt 5 ]; then
		tap_ok "a user without access to the control socket is told so at once"
	else
		tap_fail "a user without access to the control socket is told so at once" \
			"exit $rc after $((SECONDS - start)) s: $out"
	fi
else
	tap_ok "control socket permission check # SKIP needs root and setpriv to act as another user"
fi

LFH_KEY=$K/admin.key node_stop police
node_stop housing
tap_done
