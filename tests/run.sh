#!/bin/sh
# tests/run.sh - run every test program and summarise their TAP output.
#
#   B=build sh tests/run.sh [NAME...]
#
# Runs each $B/tests/test_* binary (unit tests, cmocka, with
# CMOCKA_MESSAGE_OUTPUT=TAP) and then each tests/integration/test_*.sh
# (with B exported), from the repository root. With NAMEs, runs only the
# programs whose basename contains one of them.
#
# Counting: every output line starting "ok " passes, "not ok " fails. A
# program that exits non-zero without printing any "not ok" line counts as
# one more failure, as does a program killed by the per-program time limit.
# The last line of output is "N passed, N failed"; exit 1 if anything failed.
#
# Environment:
#   B                 build directory (default build)
#   TEST_TIMEOUT      per-program limit in seconds (default 300)
#   LFH_VALGRIND=1    run unit tests under valgrind (integration tests read it
#                     too and run lfhd under valgrind)
set -u

cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
export B
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
CMOCKA_MESSAGE_OUTPUT=TAP
export CMOCKA_MESSAGE_OUTPUT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lfh-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
nprog=0
: >"$tmp/failures"

selected() {
	[ $# -ge 2 ] || return 0 # no filter: everything
	base=$1
	shift
	for pat in "$@"; do
		case $base in *"$pat"*) return 0 ;; esac
	done
	return 1
}

# run_prog NAME CMD...: run one program, print its output, count its TAP lines.
run_prog() {
	name=$1
	shift
	nprog=$((nprog + 1))
	echo "# ---- $name"
	start=$(date +%s)
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$TEST_TIMEOUT" "$@" >"$tmp/out" 2>&1 </dev/null
	else
		"$@" >"$tmp/out" 2>&1 </dev/null
	fi
	rc=$?
	end=$(date +%s)
	cat "$tmp/out"
	p=$(grep -c '^ok ' "$tmp/out")
	f=$(grep -c '^not ok ' "$tmp/out")
	passed=$((passed + p))
	failed=$((failed + f))
	grep '^not ok ' "$tmp/out" | sed "s|^|$name: |" >>"$tmp/failures"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		failed=$((failed + 1))
		echo "not ok - $name (timed out after ${TEST_TIMEOUT}s, or killed)"
		echo "$name: timed out after ${TEST_TIMEOUT}s" >>"$tmp/failures"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		echo "not ok - $name (exited with status $rc)"
		echo "$name: exited with status $rc and reported no failing test" >>"$tmp/failures"
	fi
	echo "# ---- $name: $p passed, $f failed, exit $rc, $((end - start))s"
}

found_any=0
for t in "$B"/tests/test_*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	case $t in *.o | *.d | *.c) continue ;; esac
	name=$(basename "$t")
	selected "$name" "$@" || continue
	found_any=1
	if [ "${LFH_VALGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
		run_prog "$name" valgrind --error-exitcode=99 --leak-check=full -q "$t"
	else
		run_prog "$name" "$t"
	fi
done

for t in tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	selected "$name" "$@" || continue
	found_any=1
	run_prog "$name" bash "$t"
done

if [ "$found_any" = 0 ]; then
	if [ $# -gt 0 ]; then
		echo "# no test program matches: $*"
		failed=$((failed + 1))
	else
		echo "# no test programs found (looked in $B/tests and tests/integration)"
	fi
fi

if [ -s "$tmp/failures" ]; then
	echo "# failures:"
	sed 's/^/#   /' "$tmp/failures"
fi
echo "$passed passed, $failed failed"
if [ "$failed" -eq 0 ]; then exit 0; else exit 1; fi
