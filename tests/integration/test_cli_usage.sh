#!/usr/bin/env bash
# test_cli_usage.sh - what lfh and lfhd say to a mistyped command line, with
# no node needed: exit status 2, one line naming what was wrong and the
# --help to read; each verb's --help is its own and exits 0 wherever it
# stands; options a verb does not take are refused, not ignored; values
# are checked against the bounds the node would apply.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

# bad NAME WANT ARG...: `lfh ARG...` exits 2 with one line "lfh: ...WANT..."
bad() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$LFH" -C "ipc://$W/none.sock" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == "lfh: "*"$want"* ]] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then
		tap_ok "$name: exit 2, one line"
	else
		tap_fail "$name: exit 2, one line naming it" "exit $rc: $out"
	fi
}

# ---- global options (before the command)
bad "a mistyped global option is unknown, not short of a value" \
	"unknown option --verison before the command (see lfh --help)" --verison
bad "a command's option before the command" "unknown option --json before the command" --json status
bad "a global option without its value" "option --as needs a value" --as

# ---- lfh case: each verb its own help and options
for v in note search invite remove close; do
	out=$("$LFH" case "$v" --help)
	rc=$?
	if [ "$rc" -eq 0 ] && [[ $out == "usage: lfh case $v "* ]] && [[ $out != *"OSARA steps"* ]]; then
		tap_ok "lfh case $v --help: its own usage, exit 0"
	else
		tap_fail "lfh case $v --help: its own usage, exit 0" "exit $rc: $(printf '%s\n' "$out" | head -3)"
	fi
done
bad "case list --risk takes a level" "--risk extreme: standard, medium or high" case list --risk extreme
bad "case list --stage takes a stage" "--stage foo: referred, assessed" case list --stage foo
bad "case close takes no --text (it was ignored)" "lfh case close takes no option --text" \
	case close 3f2a9c1d --text "x"
bad "case note takes no --reason" "lfh case note takes no option --reason" \
	case note 3f2a9c1d --text "x" --reason "y"
bad "case invite takes no --on" "lfh case invite takes no option --on" \
	case invite 3f2a9c1d probation --on 2026-01-01
bad "case note --text without its value" "option --text needs a value (see lfh case note --help)" \
	case note 3f2a9c1d --text
bad "case remove without --reason" "see lfh case remove --help" case remove 3f2a9c1d probation
words=$(for i in $(seq 1 150); do printf 'word%04d ' "$i"; done)
# shellcheck disable=SC2086 # one argument a word, on purpose
bad "case search longer than the node takes" "at most 16 words and 200 characters" case search $words

# ---- lfh case attach: --help wherever it stands, every option in it
out=$("$LFH" case attach 3f2a9c1d letter.pdf --help)
check_eq "case attach CASE FILE --help: exit 0" 0 "$?"
check "... prints attach's usage with --category and --json" \
	grep -q -- "--category NAME.*" <<<"$out"
check "... and --json" grep -q -- "--json" <<<"$out"
bad "case attach --name without its value" "option --name needs a value" case attach X f --name

# ---- lfh admin keys: each subcommand its own options, bounded values
bad "admin keys rotate takes no --out (it was ignored)" \
	"lfh admin keys rotate takes no option --out: only --prepare --cert --valid-for --grace" \
	admin keys rotate --out x
bad "admin keys rotate-sharing takes no --grace" "lfh admin keys rotate-sharing takes no option --grace" \
	admin keys rotate-sharing --grace 2h
bad "admin keys list takes no argument" "unexpected argument 'foo': lfh admin keys list takes none" \
	admin keys list foo
bad "admin keys rotate --valid-for beyond 5 years" "--valid-for '2000d': at most 1825d" \
	admin keys rotate --valid-for 2000d
bad "admin keys rotate --grace beyond 90 days" "--grace '91d': at most 90d" admin keys rotate --grace 91d
bad "admin keys bogus" "unknown command 'admin keys bogus'" admin keys bogus
out=$("$LFH" admin keys --help)
check "admin keys --help gives both bounds" grep -q "at most 1825d" <<<"$out"

# ---- missing values and arguments name the command
bad "due --team without its value" "option --team needs a value (see lfh due --help)" due --team
bad "sar --subject without its value" "option --subject needs a value (see lfh sar --help)" sar --subject
bad "case chronology --out without its value" \
	"option --out needs a value (see lfh case chronology --help)" case chronology 3f2a9c1d --out
bad "sar with an unknown option" "unknown option --bogus (see lfh sar --help)" sar --bogus
bad "isa explain without its case" "isa explain: give the CASE" isa explain
bad "isa propose without its file" "isa propose: give the ISA FILE" isa propose
bad "referral new with an unknown option: our message, not getopt's and the usage" \
	"unknown option '--bogus' (see lfh referral new --help)" referral new --bogus
bad "referral new --summary without its value" "option '--summary' needs a value" referral new --summary
bad "import without a file" "give the FILE to import" import
bad "import --batch without its value" "option '--batch' needs a value (see lfh import --help)" \
	import --batch
bad "import of two files" "one FILE to import, not 'a' and 'b'" import a b
out=$("$LFH" import --help)
check "import --help's example action uses a power the node knows" grep -q '"power":"tenancy-warning"' <<<"$out"

# ---- lfhd
out=$("$LFHD" 2>&1)
rc=$?
if [ "$rc" -eq 2 ] && [[ $out == "lfhd: which configuration? give -c FILE"* ]]; then
	tap_ok "lfhd without -c: exit 2, saying what to give"
else
	tap_fail "lfhd without -c: exit 2, saying what to give" "exit $rc: $out"
fi
out=$("$LFHD" -c /nonexistent extra 2>&1)
check_eq "lfhd with an extra argument: exit 2" 2 "$?"
check "... naming it" grep -q "unexpected argument 'extra'" <<<"$out"

bad "referral new: an option given twice is refused, not the last kept unseen" \
	"--summary given twice" referral new --summary a --summary b
bad "referral new: --on given twice" "--on given twice (see lfh referral new --help)" \
	referral new --on 2026-01-01 --on 2026-01-02
# every command that writes a signed entry refuses an option given twice
bad "case note: --text given twice" "--text given twice (see lfh case note --help)" \
	case note 12345678 --text a --text b
bad "case note: --on given twice" "--on given twice (see lfh case note --help)" \
	case note 12345678 --text a --on 2026-01-01 --on 2026-01-02
bad "case close: --reason given twice" "--reason given twice (see lfh case close --help)" \
	case close 12345678 --reason a --reason b
bad "an OSARA step: an option given twice" "--agency given twice (see lfh case action --help)" \
	case action 12345678 --agency housing --agency police --text x
bad "an OSARA step: --on given twice" "--on given twice (see lfh case objective --help)" \
	case objective 12345678 --on 2026-01-01 --on 2026-01-02
bad "case amend: --text given twice" "--text given twice (see lfh case amend --help)" \
	case amend 12345678 abcdef12 --text a --text b
# a local time that happened twice is refused, whatever shifted the clocks back
LFH_TZ=Europe/London bad "--on in the hour summer time ended" \
	"happened twice in zone Europe/London" case note 12345678 --text x --on 2026-10-25T01:30
LFH_TZ=Europe/Volgograd bad "--on in the hour a zone's standard offset went back" \
	"happened twice in zone Europe/Volgograd" case note 12345678 --text x --on 2020-12-27T01:30
LFH_TZ=Europe/London bad "--on in the hour British Standard Time ended (1971)" \
	"happened twice in zone Europe/London" case note 12345678 --text x --on 1971-10-31T02:30
bad "case attach: --name given twice" "--name given twice (see lfh case attach --help)" \
	case attach 12345678 /etc/hostname --name a --name b
bad "referral new: an empty required option is missing, named as the option" \
	"missing --category" referral new --summary a --location b --category '' --risk standard \
	--to housing

# ---- an unknown verb is named, a tcp:// control endpoint refused at once, a FIFO never waited on
out=$("$LFH" -C "ipc://$W/none.sock" case bogus 2>&1)
check_eq "an unknown case verb: exit 2" 2 "$?"
check "... naming it before the usage" grep -q "^lfh: unknown command 'case bogus'" <<<"$out"
out=$(timeout 10 "$LFH" -C tcp://127.0.0.1:1 case list 2>&1)
check_eq "a tcp:// control endpoint: refused at once (exit 1, not a 30 s wait)" 1 "$?"
check "... saying lfhd serves ipc:// only" grep -q "ipc://PATH only" <<<"$out"
mkfifo "$W/fifo" || bail "mkfifo"
out=$(timeout 10 "$LFH" -C "ipc://$W/none.sock" case attach 0123456789abcdef "$W/fifo" 2>&1)
check_eq "attaching a FIFO: refused at once (exit 1), not waiting for a writer" 1 "$?"
check "... as not a regular file" grep -q "not a regular file" <<<"$out"
tap_done
