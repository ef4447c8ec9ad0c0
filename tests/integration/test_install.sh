#!/usr/bin/env bash
# test_install.sh - make install and make uninstall (issue #14): install
# builds only lfhd and lfh (no test libraries), puts the programs, man pages,
# bash completion, examples and the systemd unit (ExecStart following the
# prefix) in place under DESTDIR; uninstall removes exactly that and leaves
# no file behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAKEARGS=(-s --no-print-directory -C "$ROOT")
case $B in */san) MAKEARGS+=(SAN=1) ;; esac # the build this run tests
# a make of its own, not a child of the make running the tests (whose -jN
# jobserver it cannot use: make would warn, and the output is checked)
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

plan=$(make "${MAKEARGS[@]}" -n -B install DESTDIR="$W/dest" PREFIX=/usr 2>&1)
check "make install plans a build" test -n "$plan"
if grep -Eq 'cmocka|tests/(unit|tools|bench)' <<<"$plan"; then
	tap_fail "make install builds only lfhd and lfh (no test programs, no cmocka)" \
		"$(grep -E 'cmocka|tests/' <<<"$plan" | head -5)"
else
	tap_ok "make install builds only lfhd and lfh (no test programs, no cmocka)"
fi

D=$W/dest
out=$(make "${MAKEARGS[@]}" install DESTDIR="$D" PREFIX=/usr 2>&1)
check_eq "make install DESTDIR PREFIX=/usr succeeds" 0 "$?"
missing=""
for f in usr/bin/lfhd usr/bin/lfh usr/share/man/man1/lfh.1 usr/share/man/man8/lfhd.8 \
	usr/share/man/man5/lfhd.conf.5 usr/share/man/man5/lfh-isa.5 \
	usr/share/bash-completion/completions/lfh usr/share/doc/lfhub/examples/lfhd.conf \
	usr/share/doc/lfhub/examples/west-cumbria.isa usr/share/doc/lfhub/examples/risk.conf \
	usr/lib/systemd/system/lfhd.service; do
	[ -f "$D/$f" ] || missing="$missing $f"
done
check_eq "installed: programs, man pages, completion, examples, unit" "" "$missing${out:+ (make said: $out)}"
check "the programs are executable" test -x "$D/usr/bin/lfhd" -a -x "$D/usr/bin/lfh"
check "installed lfhd runs" "$D/usr/bin/lfhd" --version
check_eq "the unit's ExecStart follows PREFIX" "ExecStart=/usr/bin/lfhd -c /etc/lfhd/lfhd.conf" \
	"$(grep '^ExecStart=' "$D/usr/lib/systemd/system/lfhd.service")"
check_eq "the unit names no other prefix" "" \
	"$(grep -n '^[A-Za-z]*=.*/usr/local' "$D/usr/lib/systemd/system/lfhd.service")"
check_eq "modes: programs 0755, the rest 0644" "755 644 644 644" \
	"$(stat -c %a "$D/usr/bin/lfhd" "$D/usr/share/man/man1/lfh.1" \
		"$D/usr/share/bash-completion/completions/lfh" "$D/usr/lib/systemd/system/lfhd.service" | tr '\n' ' ' | sed 's/ $//')"

check "make uninstall with the same DESTDIR and PREFIX succeeds" \
	make "${MAKEARGS[@]}" uninstall DESTDIR="$D" PREFIX=/usr
check_eq "nothing is left behind (no file, no link)" "" "$(find "$D" ! -type d)"
check_eq "lfhub's own directories are gone" "" "$(find "$D" -path '*lfhub*')"

# The default prefix: the unit names /usr/local/bin.
D2=$W/dest2
make "${MAKEARGS[@]}" install DESTDIR="$D2" >/dev/null 2>&1
check_eq "default PREFIX /usr/local: ExecStart /usr/local/bin/lfhd" \
	"ExecStart=/usr/local/bin/lfhd -c /etc/lfhd/lfhd.conf" \
	"$(grep '^ExecStart=' "$D2/usr/local/lib/systemd/system/lfhd.service" 2>&1)"
make "${MAKEARGS[@]}" uninstall DESTDIR="$D2" >/dev/null 2>&1
check_eq "... and uninstall leaves nothing there either" "" "$(find "$D2" ! -type d)"

# The package builds from the same libraries: every -dev package
# install-deps.sh installs (but the test library) is a build dependency.
devs=$(sed -n '/^PACKAGES="/,/"$/p' "$ROOT/deploy/install-deps.sh" | grep -o '[a-z0-9.+-]*-dev' | grep -v cmocka)
bdeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$ROOT/deploy/debian/control")
missing=""
for d in $devs; do
	grep -q "[ ,]$d\b" <<<"$bdeps" || missing="$missing $d"
done
check_eq "deploy/debian/control builds with every library install-deps.sh installs" "" "$missing"

tap_done
