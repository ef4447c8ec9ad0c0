#!/usr/bin/env bash
# test_unit.sh - the shipped systemd unit (deploy/lfhd.service): systemd's
# own offline checks find no error in it, and its exposure
# (systemd-analyze security) stays at or below 1.9, the level it had when
# the service hardening was last reviewed (issue #14). SKIP without
# systemd-analyze (a machine without systemd).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
UNIT=$(cd "$(dirname "$0")/../.." && pwd)/deploy/lfhd.service

if ! command -v systemd-analyze >/dev/null 2>&1; then
	tap_ok "the systemd unit # SKIP systemd-analyze not installed"
	tap_done
	exit
fi
out=$(timeout 60 systemd-analyze security --offline=yes "$UNIT" 2>&1)
level=$(sed -nE 's/.*Overall exposure level for lfhd.service: ([0-9.]+).*/\1/p' <<<"$out")
if [ -z "$level" ]; then
	tap_ok "the unit's exposure # SKIP this systemd-analyze cannot check a unit offline"
else
	check "the unit's exposure is $level, at most 1.9" awk -v l="$level" 'BEGIN { exit !(l <= 1.9) }'
fi
out=$(timeout 60 systemd-analyze verify --man=no "$UNIT" 2>&1 | grep -v "Cannot find\|not executable\|is not found\|Failed to prepare\|Command .* is not" || true)
check_eq "systemd-analyze verify finds nothing else wrong in the unit" "" \
	"$(grep -iE 'unknown|invalid|error' <<<"$out" || true)"
tap_done
