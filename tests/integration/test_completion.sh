#!/usr/bin/env bash
# test_completion.sh - bash completion for lfh (deploy/bash-completion/lfh),
# driven offline through COMP_WORDS/COMP_CWORD/_lfh (issue #14): commands,
# subcommands and each command's options are those its usage text gives
# (so the two stay in step), fixed option values, and case ids and agencies
# asked of the node, passing on -c, bounded in time, silent without a node.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=deploy/bash-completion/lfh
. "$ROOT/deploy/bash-completion/lfh"

# comp WORD...: complete the last WORD (may be "") of `lfh WORD...`; prints
# the candidates sorted, one line, space-separated.
comp() {
	COMP_WORDS=("${LFH_PROG:-lfh}" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_lfh 2>>"$W/comp.err"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}
words() { printf '%s\n' "$@" | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'; }

# usage_opts WORD...: the options on the usage lines of `lfh WORD... --help`
# that belong to `lfh WORD...` (usage lines run to the first blank line; a
# continuation line belongs to the line before).
usage_opts() {
	"$LFH" "$@" --help 2>&1 | awk -v cmd="lfh $*" '
		/^$/ { exit }
		/lfh / { m = (index($0, cmd " ") > 0 || substr($0, length($0) - length(cmd) + 1) == cmd) }
		m { print }' | grep -o -- '--[a-z][a-z-]*' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Commands: those of lfh --help, and help.
want=$(words "$("$LFH" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')" help)
check_eq "lfh <TAB>: the commands of lfh --help" "$want" "$(comp "")"
check_eq "lfh st<TAB>: status" "status" "$(comp st)"
want=$(words "$("$LFH" --help | sed -n '/^global options:/,/^$/p' | grep -o -- ' -[-a-zA-Z]*' | tr -d ' ')")
check_eq "lfh -<TAB>: the global options of lfh --help" "$want" "$(comp -)"
check_eq "lfh -C EP <TAB>: the commands after a global option" \
	"$(comp "")" "$(comp -C ipc:///x.sock "")"

# Subcommands.
want=$(words "$("$LFH" case --help | sed -n 's/^\(usage:\|      \) lfh case \([a-z-]*\) .*/\2/p')" state \
	"$("$LFH" case --help | sed -n '/^OSARA steps/,/^$/s/^  \([a-z-]*\) .*/\1/p')")
check_eq "lfh case <TAB>: case's subcommands and OSARA steps" "$want" "$(comp case "")"
want=$(words "$("$LFH" isa --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')")
check_eq "lfh isa <TAB>: isa's subcommands" "$want" "$(comp isa "")"
want=$(words "$("$LFH" keys --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')")
check_eq "lfh keys <TAB>: keys' subcommands" "$want" "$(comp keys "")"
want=$(words "$("$LFH" admin keys --help | sed -n 's/^\(usage:\|      \) lfh admin keys \([a-z-]*\).*/\2/p')")
check_eq "lfh admin keys <TAB>: its subcommands" "$want" "$(comp admin keys "")"
want=$(words "$("$LFH" admin --help | sed -n 's/^\(usage:\|      \) lfh admin \([a-z-]*\).*/\2/p')")
check_eq "lfh admin <TAB>: user, backup, keys" "$want" "$(comp admin "")"
check_eq "lfh admin user <TAB>" "add list revoke" "$(comp admin user "")"
want=$(words "$("$LFH" report --help | sed -n 's/^\(usage:\|      \) lfh report \([a-z-]*\).*/\2/p')")
check_eq "lfh report <TAB>: its reports" "$want" "$(comp report "")"
check_eq "lfh referral <TAB>" "new" "$(comp referral "")"

# Options: exactly those of the command's usage lines, and --help.
bad=""
for c in "referral new" status due actions audit "report performance" "report tactical" \
	"keys init" "keys export" "keys show" \
	"isa check" "isa show" "isa diff" "isa propose" "isa sign" "isa withdraw" "isa adopt" \
	"isa explain" "isa retention" \
	"case list" "case show" "case note" "case search" "case invite" "case remove" "case close" \
	"case state" "case risk" "case objective" "case scan" "case meeting" "case action" \
	"case update" "case assess" "case review" "case propose-close" "case propose-lead" \
	"case agree-lead" "case equality" \
	"admin user add" "admin user revoke" "admin user list" "admin backup" \
	"admin keys list" "admin keys rotate" "admin keys certify" "admin keys revoke" \
	"admin keys rotate-sharing"; do
	# shellcheck disable=SC2086 # word-split the command on purpose
	want=$(words "$(usage_opts $c)" --help)
	# shellcheck disable=SC2086
	got=$(comp $c -)
	[ "$want" = "$got" ] || bad="$bad
lfh $c: usage gives '$want', completion '$got'"
done
check_eq "each command's options are those of its usage text" "" "$bad"

# Fixed values.
check_eq "case update --status <TAB>" "cancelled carried done open paused refused" "$(comp case update 0a1b2c3d --status "")"
check_eq "referral new --risk <TAB>" "high medium standard" "$(comp referral new --risk "")"
check_eq "case assess --plan-done <TAB>" "no partly yes" "$(comp case assess X --plan-done "")"
check_eq "admin user add NAME --role <TAB>" "admin caseworker coordinator manager" \
	"$(comp admin user add Smith --role "")"
want=$(words "$("$LFH" case action --help | sed -n 's/.*intervention power: //p' | tr -d ',')")
check_eq "case action --power <TAB>: the powers its help lists" "$want" "$(comp case action X --power "")"
check_eq "case action --power tenancy<TAB>" "tenancy-warning" "$(comp case action X --power tenancy)"
check_eq "a value is not taken for an option: --text <TAB> offers nothing" "" \
	"$(comp case note X --text "")"
mkdir -p "$W/files" && touch "$W/files/v2.isa"
check_eq "isa check <TAB>: files" "$W/files/v2.isa" "$(comp isa check "$W/files/v")"

# Case ids and agencies, from a stand-in lfh that records how it was asked.
mkdir -p "$W/bin"
cat >"$W/bin/lfh" <<EOF
#!/bin/sh
echo "\$*" >>"$W/asked"
case "\$*" in
*"case list --json") echo '[{"case":"3f2a9c1d00000000000000000000aaaa","lead":"police"},{"case":"77aa000000000000000000000000bbbb","lead":"housing"}]' ;;
*"status --json") echo '[{"agency":"police","hub":"h"},{"peer":"housing","connected":1},{"peer":"council","connected":0}]' ;;
esac
EOF
chmod +x "$W/bin/lfh"
PATH="$W/bin:$PATH"
check_eq "case show <TAB>: the node's case ids" \
	"3f2a9c1d00000000000000000000aaaa 77aa000000000000000000000000bbbb" "$(comp case show "")"
check_eq "case state 3f<TAB>: the matching id" "3f2a9c1d00000000000000000000aaaa" "$(comp case state 3f)"
check_eq "audit --case <TAB>: case ids" \
	"3f2a9c1d00000000000000000000aaaa 77aa000000000000000000000000bbbb" "$(comp audit --case "")"
check_eq "case invite CASE <TAB>: agencies" "council housing police" "$(comp case invite 3f2a9c1d "")"
check_eq "referral new --to police,h<TAB>: the list's last item" "police,housing" \
	"$(comp referral new --to police,h)"
: >"$W/asked"
comp -c /etc/lfhd/other.conf case show "" >/dev/null
check_eq "the node is asked with the -c given" "-c /etc/lfhd/other.conf case list --json" "$(cat "$W/asked")"
check_eq "audit --to <TAB> (a date): no agencies" "" "$(comp audit --to "")"
check_eq "case chronology --html CASE <TAB>: a flag takes no value, so no more case ids" "" \
	"$(comp case chronology --html 3f2a9c1d "")"
check_eq "case show --all CASE <TAB>: nothing more" "" "$(comp case show --all 3f2a9c1d "")"
check_eq "case attachment get <TAB>: an entry's id, not case ids" "" "$(comp case attachment get "")"
check_eq "case attach <TAB>: case ids" \
	"3f2a9c1d00000000000000000000aaaa 77aa000000000000000000000000bbbb" "$(comp case attach "")"
touch "$W/files/letter.pdf"
check_eq "case attach CASE <TAB>: files" "$W/files/letter.pdf" \
	"$(comp case attach 3f2a9c1d "$W/files/l")"

# A node that does not answer: completion gives up within the timeout.
cat >"$W/bin/lfh" <<'EOF'
#!/bin/sh
exec sleep 30
EOF
_now
t0=$NOW
got=$(LFH_COMPLETION_TIMEOUT=1 comp case show "")
_now
check_eq "a node that does not answer: nothing offered" "" "$got"
if [ $((NOW - t0)) -lt 4000 ]; then
	tap_ok "... and completion returns within the timeout ($((NOW - t0)) ms)"
else
	tap_fail "... and completion returns within the timeout" "took $((NOW - t0)) ms"
fi

# The real lfh with no node: nothing offered, nothing printed.
rm -f "$W/bin/lfh"
: >"$W/comp.err"
got=$(LFH_PROG=$LFH comp -C "ipc://$W/none.sock" case show "")
check_eq "no node running: no case ids offered" "" "$got"
got=$(LFH_PROG=$LFH comp -c "$W/missing.conf" case invite X "")
check_eq "no configuration: no agencies offered" "" "$got"
check_eq "... and no error printed" "" "$(cat "$W/comp.err")"

tap_done
