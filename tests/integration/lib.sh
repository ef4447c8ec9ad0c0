# tests/integration/lib.sh - helpers for integration tests that drive real
# lfhd processes and the lfh CLI. Source it from a bash test script:
#
#   . "$(dirname "$0")/lib.sh"
#   hub_setup police housing
#   node_start police; node_start housing
#   check "referral filed" lfh_at police referral new ...
#   wait_until 10 has_case housing "$case" || tap_fail "replicated"
#   tap_done
#
# Output is TAP ("ok N - name" / "not ok N - name", plan "1..N" at the end).
# Every lfhd started here is stopped (SIGTERM, bounded wait, then SIGKILL)
# and the work dir removed when the script exits, however it exits.
# Waiting is always bounded and polled (wait_until), never a bare sleep.
#
# Environment:
#   B                  build directory (default build): $B/lfhd, $B/lfh, $B/tools/*
#   LFH_VALGRIND=1     run lfhd under valgrind (leaks and errors fail node_stop)
#   LFH_KEEP=1         keep the work dir (its path is printed) for debugging
#   LFH_CLI_TIMEOUT    if set, seconds any single lfh_at call may take (the CLI
#                      has its own reply timeout; a wrapper costs a process)
#   LFH_TRACE_TIME=1   print elapsed time before every TAP line
#
# Process creation is expensive on small CI machines, so the helpers that
# run in polling loops use shell builtins (no subshells, no sleep(1)).

# ---------------------------------------------------------------- setup

B=${B:-build}
case $B in
/*) ;;
*) B=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/$B ;;
esac
export B
LFHD=$B/lfhd
LFH=$B/lfh
FREEPORT=$B/tools/freeport
RAWPEER=$B/tools/rawpeer
HUB_NAME=${HUB_NAME:-test-hub}
LFH_CLI_TIMEOUT=${LFH_CLI_TIMEOUT:-}
if [ "${LFH_VALGRIND:-0}" = 1 ]; then
	NODE_START_TIMEOUT=${NODE_START_TIMEOUT:-60}
	NODE_STOP_TIMEOUT=${NODE_STOP_TIMEOUT:-60}
else
	NODE_START_TIMEOUT=${NODE_START_TIMEOUT:-10}
	NODE_STOP_TIMEOUT=${NODE_STOP_TIMEOUT:-15}
fi

# ipc:// paths must fit in sun_path (108 bytes): keep the work dir short.
_tmpbase=${TMPDIR:-/tmp}
[ ${#_tmpbase} -le 40 ] || _tmpbase=/tmp
W=$(mktemp -d "$_tmpbase/lfh-it.XXXXXX") || {
	echo "Bail out! mktemp failed"
	exit 1
}
export W

TAP_N=0
TAP_FAILED=0
declare -A NODE_PID=()   # agency -> pid of its running lfhd
declare -A NODE_PORT=()  # agency -> peer (listen) port
declare -a HUB_AGENCIES=()
_LIB_CLEANED=0

_lib_cleanup() {
	local rc=$?
	[ "$_LIB_CLEANED" = 1 ] && return "$rc"
	_LIB_CLEANED=1
	local n pid
	# Stop every node still running: SIGTERM, bounded wait, SIGKILL.
	for n in "${!NODE_PID[@]}"; do
		pid=${NODE_PID[$n]}
		kill -TERM "$pid" 2>/dev/null
	done
	for n in "${!NODE_PID[@]}"; do
		pid=${NODE_PID[$n]}
		if ! _wait_pid_exit "$pid" 5; then
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		unset "NODE_PID[$n]"
	done
	# Any other background jobs the test started (writers, loops).
	local j jp
	jp=$(jobs -p)
	for j in $jp; do
		kill -TERM "$j" 2>/dev/null
	done
	for j in $jp; do
		_wait_pid_exit "$j" 5 || kill -KILL "$j" 2>/dev/null
		wait "$j" 2>/dev/null
	done
	if [ "$TAP_FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
		_dump_logs
	fi
	if [ "${LFH_KEEP:-0}" = 1 ]; then
		echo "# work dir kept: $W"
	else
		rm -rf "$W"
	fi
	return "$rc"
}

_dump_logs() {
	local f
	for f in "$W"/*/lfhd.log; do
		[ -f "$f" ] || continue
		echo "# ---- last lines of $f"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

trap '_lib_cleanup' EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

# ---------------------------------------------------------------- TAP

_tap_time() {
	[ "${LFH_TRACE_TIME:-0}" = 1 ] || return 0
	_now
	echo "# t=$((NOW - _T0)) ms"
}

# tap_ok NAME
tap_ok() {
	_tap_time
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# tap_fail NAME [DETAIL]: DETAIL (may be multi-line) is printed as comments.
tap_fail() {
	_tap_time
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	if [ $# -ge 2 ] && [ -n "$2" ]; then
		printf '%s\n' "$2" | head -n 40 | sed 's/^/#   /'
	fi
}

# check NAME CMD...: ok if CMD exits 0 (its output shown only on failure).
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc: $*
$out"
	fi
	return "$rc"
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected '$2', got '$3'"
		return 1
	fi
}

# tap_done: print the plan; the script's exit status is 1 if anything failed.
tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# bail NAME [DETAIL]: record a failure and stop the script now.
bail() {
	tap_fail "$@"
	tap_done
	exit 1
}

# require_bins: bail out early unless lfhd, lfh and the tools are built.
require_bins() {
	local f missing=""
	for f in "$LFHD" "$LFH" "$FREEPORT" "$RAWPEER" "$@"; do
		[ -x "$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] || bail "binaries built" "missing:$missing (run make)"
}

# ---------------------------------------------------------------- waiting

# _now: set NOW (milliseconds, monotonic enough for timeouts) without a fork.
_now() {
	local t=${EPOCHREALTIME/[.,]/}
	if [ -n "$t" ]; then
		NOW=$((t / 1000))
	else # bash < 5
		NOW=$(($(date +%s%N) / 1000000))
	fi
}
_now_ms() {
	_now
	echo "$NOW"
}
_now
_T0=$NOW

# _nap: pause 50 ms without starting a process (read with a timeout on a
# pipe nobody writes to); falls back to sleep.
_NAP_FD=
{ exec {_NAP_FD}<> <(:); } 2>/dev/null || _NAP_FD=
_nap() {
	if [ -n "$_NAP_FD" ]; then
		read -r -t 0.05 -u "$_NAP_FD" _ 2>/dev/null
		return 0
	fi
	sleep 0.05
}

# wait_until TIMEOUT_S CMD...: run CMD every 50 ms until it succeeds (0) or
# TIMEOUT_S seconds (an integer) pass (1). CMD's output is discarded.
wait_until() {
	local timeout=$1 deadline
	shift
	_now
	deadline=$((NOW + timeout * 1000))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		_now
		if [ "$NOW" -ge "$deadline" ]; then
			return 1
		fi
		_nap
	done
}

# pid_alive PID: true while the process exists and is not a zombie.
pid_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	local st=""
	if [ -r "/proc/$1/stat" ]; then
		IFS= read -r st <"/proc/$1/stat" 2>/dev/null || return 1
		st=${st##*) }
		st=${st%% *}
		[ "$st" != Z ] || return 1
	fi
	return 0
}

# count_lines FILE: set LINES_N to the number of lines in FILE (no fork).
count_lines() {
	local a=()
	[ -f "$1" ] && mapfile -t a <"$1"
	# shellcheck disable=SC2034 # used by callers
	LINES_N=${#a[@]}
}

_pid_gone() { ! pid_alive "$1"; }

# _wait_pid_exit PID TIMEOUT_S
_wait_pid_exit() {
	wait_until "$2" _pid_gone "$1"
}

# ---------------------------------------------------------------- hub setup

# agency_init NAME: keys, exported public file and a free port for NAME.
agency_init() {
	local n=$1 out
	mkdir -p "$W/$n" "$W/pub" || return 1
	if ! out=$("$LFH" keys init --agency "$n" --out "$W/$n/keys" 2>&1); then
		echo "agency_init $n: lfh keys init failed: $out" >&2
		return 1
	fi
	if ! out=$("$LFH" keys export --dir "$W/$n/keys" --out "$W/pub/$n.pub" 2>&1); then
		echo "agency_init $n: lfh keys export failed: $out" >&2
		return 1
	fi
	if [ -z "${NODE_PORT[$n]:-}" ]; then
		# a port no other agency here was given (their sockets are not bound yet)
		local port tries=0 taken
		while :; do
			port=$("$FREEPORT") || return 1
			taken=" ${NODE_PORT[*]} "
			[[ $taken == *" $port "* ]] || break
			tries=$((tries + 1))
			[ "$tries" -lt 20 ] || return 1
		done
		NODE_PORT[$n]=$port
	fi
	return 0
}

# write_conf NAME PEER...: NAME's config, listing exactly the PEERs.
write_conf() {
	local n=$1 p
	shift
	{
		echo "[node]"
		echo "agency = $n"
		echo "hub = $HUB_NAME"
		echo "data_dir = $W/$n/data"
		echo "key_dir = $W/$n/keys"
		echo "listen = tcp://127.0.0.1:${NODE_PORT[$n]}"
		echo "control = ipc://$W/$n/control.sock"
		echo "log_level = debug"
		echo "map_size_mb = 256"
		for p in "$@"; do
			echo
			echo "[peer $p]"
			echo "endpoint = tcp://127.0.0.1:${NODE_PORT[$p]}"
			echo "pubkey = $W/pub/$p.pub"
		done
	} >"$W/$n/lfhd.conf"
}

# hub_setup NAME...: a hub in which every agency lists every other as a peer.
hub_setup() {
	local n p others ports i=0
	mapfile -t ports < <("$FREEPORT" $#)
	[ ${#ports[@]} -eq $# ] || bail "hub_setup: freeport"
	for n in "$@"; do
		NODE_PORT[$n]=${ports[$i]}
		i=$((i + 1))
	done
	for n in "$@"; do
		agency_init "$n" || bail "hub_setup: keys for $n"
		HUB_AGENCIES+=("$n")
	done
	for n in "$@"; do
		others=()
		for p in "$@"; do
			[ "$p" = "$n" ] || others+=("$p")
		done
		write_conf "$n" "${others[@]}" || bail "hub_setup: config for $n"
	done
}

# The sharing rules of test ISAs (libconfig text), unless a test sets its own.
ISA_CATEGORIES=${ISA_CATEGORIES:-'categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; },
  { name = "health"; kind = "special"; receive = "lead"; agencies = [ "health" ]; retention_days = 10; },
  { name = "criminal-intel"; kind = "criminal"; receive = "named"; agencies = [ "police", "probation" ]; retention_days = 20; },
  { name = "housing"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'}

# write_isa FILE VERSION PREV_HEX NAME...: an ISA text file naming the agencies
# as parties (keys from $W/pub, endpoints on their test ports).
write_isa() {
	local f=$1 version=$2 prev=$3 n
	shift 3
	{
		echo "hub = \"$HUB_NAME\";"
		echo "version = $version;"
		[ -z "$prev" ] || echo "prev = \"$prev\";"
		echo 'effective = "2026-01-01";'
		echo "review = \"${ISA_REVIEW:-2027-12-31}\";"
		echo 'purposes = [ "Reduce repeat anti-social behaviour through multi-agency problem solving." ];'
		echo 'lawful_basis = "UK GDPR Art 6(1)(e) public task; Crime and Disorder Act 1998 s115.";'
		echo 'gateways = [ "Crime and Disorder Act 1998 s115" ];'
		echo 'parties = ('
		local sep=""
		for n in "$@"; do
			printf '%s  { id = "%s"; name = "%s agency"; role = "%s"; controller = "independent controller";\n' \
				"$sep" "$n" "$n" "$n"
			printf '    endpoint = "tcp://127.0.0.1:%s"; keys = "%s/pub/%s.pub"; }' "${NODE_PORT[$n]}" "$W" "$n"
			sep=$',\n'
		done
		echo
		echo ');'
		echo "$ISA_CATEGORIES"
		echo 'next_signers = "all";'
	} >"$f"
}

# isa_hub_setup NAME...: a hub defined by a genesis ISA ($W/hub.isa) naming
# every agency; each node's config points at it and lists no peers.
isa_hub_setup() {
	local n ports i=0
	mapfile -t ports < <("$FREEPORT" $#)
	[ ${#ports[@]} -eq $# ] || bail "isa_hub_setup: freeport"
	for n in "$@"; do
		NODE_PORT[$n]=${ports[$i]}
		i=$((i + 1))
	done
	for n in "$@"; do
		agency_init "$n" || bail "isa_hub_setup: keys for $n"
		HUB_AGENCIES+=("$n")
	done
	write_isa "$W/hub.isa" 1 "" "$@" || bail "isa_hub_setup: ISA"
	for n in "$@"; do
		{
			echo "[node]"
			echo "agency = $n"
			echo "isa = $W/hub.isa"
			echo "data_dir = $W/$n/data"
			echo "key_dir = $W/$n/keys"
			echo "listen = tcp://127.0.0.1:${NODE_PORT[$n]}"
			echo "control = ipc://$W/$n/control.sock"
			echo "log_level = debug"
			echo "map_size_mb = 256"
		} >"$W/$n/lfhd.conf" || bail "isa_hub_setup: config for $n"
	done
}

conf_of() { echo "$W/$1/lfhd.conf"; }
endpoint_of() { echo "tcp://127.0.0.1:${NODE_PORT[$1]}"; }

# ---------------------------------------------------------------- nodes

# lfh_at NAME ARGS...: run the CLI against NAME's node (the CLI bounds its own
# wait for a reply; set LFH_CLI_TIMEOUT for a hard limit).
lfh_at() {
	local n=$1
	shift
	if [ -n "$LFH_CLI_TIMEOUT" ]; then
		timeout -k 5 "$LFH_CLI_TIMEOUT" "$LFH" -c "$W/$n/lfhd.conf" "$@"
	else
		"$LFH" -c "$W/$n/lfhd.conf" "$@"
	fi
}

_node_ready() {
	local n=$1
	pid_alive "${NODE_PID[$n]}" || return 2
	[ -S "$W/$n/control.sock" ] || return 1
	# --json: exit 0 once the node answers, whatever its health (plain status
	# exits 1 or 2 when the node is degraded, e.g. a peer not reached yet)
	timeout -k 2 5 "$LFH" -c "$W/$n/lfhd.conf" status --json >/dev/null 2>&1
}

# node_start NAME: start NAME's lfhd in the background (log: $W/NAME/lfhd.log)
# and wait until `lfh status` answers. Must run in the main shell, not in $(..).
# Returns 1 (after a TAP failure line) if it does not come up.
node_start() {
	local n=$1 conf=$W/$1/lfhd.conf log=$W/$1/lfhd.log
	if [ -n "${NODE_PID[$n]:-}" ] && pid_alive "${NODE_PID[$n]}"; then
		tap_fail "start $n" "already running (pid ${NODE_PID[$n]})"
		return 1
	fi
	echo "---- lfhd start $(date -u +%FT%TZ)" >>"$log"
	if [ "${LFH_VALGRIND:-0}" = 1 ]; then
		valgrind --error-exitcode=99 --leak-check=full -q "$LFHD" -c "$conf" >>"$log" 2>&1 &
	else
		"$LFHD" -c "$conf" >>"$log" 2>&1 &
	fi
	NODE_PID[$n]=$!
	local deadline r
	_now
	deadline=$((NOW + NODE_START_TIMEOUT * 1000))
	while :; do
		_node_ready "$n"
		r=$?
		[ "$r" -eq 0 ] && return 0
		if [ "$r" -eq 2 ]; then
			local rc
			wait "${NODE_PID[$n]}"
			rc=$?
			unset "NODE_PID[$n]"
			tap_fail "start $n" "lfhd exited with status $rc during startup; log:
$(tail -n 20 "$log")"
			return 1
		fi
		_now
		if [ "$NOW" -ge "$deadline" ]; then
			tap_fail "start $n" "not answering status after ${NODE_START_TIMEOUT}s; log:
$(tail -n 20 "$log")"
			return 1
		fi
		_nap
	done
}

# node_running NAME: true if NAME's lfhd is alive.
node_running() {
	[ -n "${NODE_PID[$1]:-}" ] && pid_alive "${NODE_PID[$1]}"
}

# node_stop NAME: SIGTERM, wait (bounded) for the exit and report it as a
# TAP line "NAME: clean exit on SIGTERM"; a non-zero exit, or no exit in
# time (then SIGKILL), is a test failure. Returns the exit status.
node_stop() {
	local n=$1 pid=${NODE_PID[$1]:-} rc
	if [ -z "$pid" ]; then
		tap_fail "$n: clean exit on SIGTERM" "not running"
		return 1
	fi
	kill -TERM "$pid" 2>/dev/null
	if ! _wait_pid_exit "$pid" "$NODE_STOP_TIMEOUT"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "NODE_PID[$n]"
		tap_fail "$n: clean exit on SIGTERM" "still running after ${NODE_STOP_TIMEOUT}s: killed"
		return 1
	fi
	wait "$pid"
	rc=$?
	unset "NODE_PID[$n]"
	if [ "$rc" -eq 0 ]; then
		tap_ok "$n: clean exit on SIGTERM"
	else
		local why="exit status $rc"
		[ "$rc" -eq 99 ] && why="valgrind reported errors (status 99)"
		tap_fail "$n: clean exit on SIGTERM" "$why; log:
$(tail -n 30 "$W/$n/lfhd.log")"
	fi
	return "$rc"
}

# node_kill NAME: SIGKILL (a crash / power cut), and reap it.
node_kill() {
	local n=$1 pid=${NODE_PID[$1]:-}
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" 2>/dev/null
	_wait_pid_exit "$pid" 10
	wait "$pid" 2>/dev/null
	unset "NODE_PID[$n]"
	return 0
}

# ---------------------------------------------------------------- JSON

# json_flat: flatten JSON on stdin into PATH=VALUE lines, e.g.
#   [0].agency=police   [0].events=4   [1].peer=housing   .case=0a1b...
# Array lengths appear as PATH#=N ("#=3" for a top-level array of 3).
# Strings are unquoted (\" \\ \/ unescaped; other escapes kept verbatim).
# Pure awk (mawk-compatible).
json_flat() {
	awk '
	function path(   p, k) {
		p = ""
		for (k = 1; k <= d; k++)
			p = p (typ[k] == "o" ? "." key[k] : "[" idx[k] "]")
		return p
	}
	function emit(v) { print path() "=" v }
	{ s = s $0 "\n" }
	END {
		n = length(s); i = 1; d = 0; expkey = 0
		while (i <= n) {
			c = substr(s, i, 1)
			if (c == " " || c == "\t" || c == "\r" || c == "\n" || c == ":") { i++; continue }
			if (c == ",") {
				if (typ[d] == "a") idx[d]++
				else if (typ[d] == "o") expkey = 1
				i++; continue
			}
			if (c == "{" || c == "[") {
				if (d > 0 && typ[d] == "a") has[d] = 1
				d++; typ[d] = (c == "{") ? "o" : "a"; idx[d] = 0; key[d] = ""; has[d] = 0
				expkey = (c == "{"); i++; continue
			}
			if (c == "}" || c == "]") {
				if (c == "]") { d--; print path() "#=" (has[d + 1] ? idx[d + 1] + 1 : 0) }
				else d--
				expkey = 0; i++; continue
			}
			if (c == "\"") {
				v = ""; i++
				while (i <= n) {
					c = substr(s, i, 1)
					if (c == "\\") {
						e = substr(s, i + 1, 1)
						if (e == "\"" || e == "\\" || e == "/") v = v e
						else v = v "\\" e
						i += 2; continue
					}
					if (c == "\"") { i++; break }
					# copy a run of plain characters at once
					j = i
					while (j <= n) { c = substr(s, j, 1); if (c == "\\" || c == "\"") break; j++ }
					v = v substr(s, i, j - i); i = j
				}
				if (typ[d] == "o" && expkey) { key[d] = v; expkey = 0 }
				else { if (typ[d] == "a") has[d] = 1; emit(v) }
				continue
			}
			j = i
			while (j <= n) {
				c = substr(s, j, 1)
				if (c == " " || c == "\t" || c == "\r" || c == "\n" || c == "," || c == "}" || c == "]") break
				j++
			}
			if (typ[d] == "a") has[d] = 1
			emit(substr(s, i, j - i)); i = j
		}
	}'
}

# json_get PATH: the value at PATH (see json_flat) of the JSON on stdin;
# fails if absent. Examples: json_get '[0].events'   json_get '#'
json_get() {
	json_flat | awk -v p="$1=" 'index($0, p) == 1 { print substr($0, length(p) + 1); f = 1; exit }
		END { exit !f }'
}

# json_field FIELD: a field of a flat JSON object on stdin (string or
# scalar). Bash only; for nested documents use json_get.
json_field() {
	local s=""
	IFS= read -r -d '' s
	_json_scalar "$s" "$1"
}

# _json_scalar TEXT FIELD: first "FIELD": value in TEXT (printed), or fail.
_json_scalar() {
	local re='"'"$2"'"[[:space:]]*:[[:space:]]*("(([^"\\]|\\.)*)"|([-0-9.eE+]+|true|false|null))'
	[[ $1 =~ $re ]] || return 1
	if [ -n "${BASH_REMATCH[4]}" ]; then
		printf '%s\n' "${BASH_REMATCH[4]}"
	else
		local v=${BASH_REMATCH[2]}
		v=${v//\\\"/\"}
		printf '%s\n' "$v"
	fi
}

# json_all FIELD: FIELD of every object in a top-level array, one per line.
json_all() {
	json_flat | awk -v f="$1" '{
		eq = index($0, "=")
		k = substr($0, 1, eq - 1)
		if (k ~ /^\[[0-9]+\]\./ && substr(k, index(k, "].") + 2) == f) print substr($0, eq + 1)
	}'
}

# ---------------------------------------------------------------- queries

# status_field NAME FIELD: FIELD of NAME's own status object (the first
# object of `status --json`; fast path when that object is flat).
status_field() {
	local s first
	s=$(lfh_at "$1" status --json) || return 1
	first=${s%%\}*}
	if [[ $first != *"{"*"{"* ]] && _json_scalar "$first" "$2"; then
		return 0
	fi
	printf '%s\n' "$s" | json_get "[0].$2"
}

# node_events NAME: number of events NAME holds.
node_events() { status_field "$1" events; }

# peer_field NAME PEER FIELD: FIELD of PEER's entry in NAME's status.
peer_field() {
	local flat i
	flat=$(lfh_at "$1" status --json | json_flat) || return 1
	i=$(printf '%s\n' "$flat" | awk -v p="$2" -F= '$1 ~ /^\[[0-9]+\]\.peer$/ && $2 == p {
		sub(/\]\.peer$/, "", $1); sub(/^\[/, "", $1); print $1; exit }')
	[ -n "$i" ] || return 1
	printf '%s\n' "$flat" | awk -v k="[$i].$3" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); f = 1; exit }
		END { exit !f }'
}

# case_ids NAME: sorted case ids NAME holds.
case_ids() {
	lfh_at "$1" case list --json | json_all case | sort
}

# case_count NAME: number of cases NAME holds.
case_count() {
	local s
	s=$(lfh_at "$1" case list --json) || return 1
	printf '%s\n' "$s" | json_get '#'
}

# has_case NAME CASE: NAME can show CASE.
has_case() {
	lfh_at "$1" case show "$2" >/dev/null 2>&1
}

# events_are NAME N / cases_are NAME N / cases_at_least NAME N: for wait_until.
events_are() { [ "$(node_events "$1" 2>/dev/null)" = "$2" ]; }
cases_are() { [ "$(case_count "$1" 2>/dev/null)" = "$2" ]; }
cases_at_least() {
	local c
	c=$(case_count "$1" 2>/dev/null) || return 1
	[ -n "$c" ] && [ "$c" -ge "$2" ]
}

# new_referral NAME TO [SUMMARY]: file a referral at NAME; prints the case id.
new_referral() {
	local n=$1 to=$2 summary=${3:-"Repeat ASB at the Maryport flats"} out
	out=$(lfh_at "$n" referral new --summary "$summary" --location "Senhouse Street, Maryport" \
		--category asb --description "Noise and intimidation reported by several residents" \
		--risk standard --to "$to" --json) || return 1
	_json_scalar "$out" case
}

# referral_quick NAME TO SUMMARY OUTFILE: file a referral with the fewest
# processes (one: lfh itself) and append its case id to OUTFILE only if the
# CLI acknowledged it (exit 0). For bulk loops. Returns lfh's status.
referral_quick() {
	local n=$1 tmp=$W/.rq.$BASHPID line=""
	"$LFH" -c "$W/$n/lfhd.conf" referral new --summary "$3" --location "Market Place, Whitehaven" \
		--category asb --description "bulk referral" --risk standard --to "$2" --json \
		>"$tmp" 2>&1 || return $?
	IFS= read -r -d '' line <"$tmp"
	if [[ $line =~ \"case\":\"([0-9a-f]{32})\" ]]; then
		echo "${BASH_REMATCH[1]}" >>"$4"
		return 0
	fi
	echo "referral_quick: unexpected output: $line" >&2
	return 1
}

# ---------------------------------------------------------------- keys

# keygen_field NAME AGENCY GEN FIELD: FIELD (state, transport, key_id, ...)
# of AGENCY's key generation GEN in NAME's `admin keys list --json`; fails
# if NAME does not know that generation.
keygen_field() {
	local s
	s=$(lfh_at "$1" admin keys list --json) || return 1
	printf '%s\n' "$s" | json_flat | awk -v a="$2" -v g="$3" -v f="$4" '
		/^\[[0-9]+\]\./ {
			eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1)
			i = substr(k, 2, index(k, "]") - 2) + 0; k = substr(k, index(k, "].") + 2)
			val[i, k] = v; if (i > m) m = i
		}
		END {
			for (i = 0; i <= m; i++)
				if (val[i, "kind"] == "key" && val[i, "agency"] == a && val[i, "generation"] == g &&
				    (i, f) in val) { print val[i, f]; found = 1; break }
			exit !found
		}'
}

# keygen_is NAME AGENCY GEN FIELD VALUE: for wait_until.
keygen_is() { [ "$(keygen_field "$1" "$2" "$3" "$4" 2>/dev/null)" = "$5" ]; }

# rejected_total NAME: sum of the rejected counters of NAME's peer records.
rejected_total() {
	local s
	s=$(lfh_at "$1" status --json) || return 1
	printf '%s\n' "$s" | json_all rejected | awk '{ s += $1 } END { print s + 0 }'
}

# clock_past_ms MS: true once the wall clock (ms since 1970) is past MS.
clock_past_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	[ -n "$t" ] || t=$(($(date +%s%N) / 1000))
	[ $((t / 1000)) -gt "$1" ]
}
