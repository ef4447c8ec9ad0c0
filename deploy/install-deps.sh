#!/bin/sh
# install-deps.sh - install the Debian packages lfhub needs to build and test.
#
#   sh deploy/install-deps.sh             build and test (make, make test, make demo)
#   sh deploy/install-deps.sh --package   also the tools make deb needs (debhelper,
#                                         dpkg-dev, fakeroot, lintian)
#
# Idempotent: installs only the packages that are missing, and runs
# `apt-get update` (once) only when something is missing. Uses sudo when not
# run as root. Debian 12 (bookworm) or later.
set -eu

PACKAGES="build-essential pkg-config libzmq3-dev libsodium-dev liblmdb-dev
lmdb-utils libmsgpack-dev libinih-dev libconfig-dev libcmocka-dev valgrind
libsystemd-dev libmicrohttpd-dev libjansson-dev libcsv-dev tzdata"

# Only for building the Debian package (make deb, make test-deb).
PACKAGE_TOOLS="debhelper dpkg-dev fakeroot lintian"

die() {
	echo "install-deps: $*" >&2
	exit 1
}

case ${1:-} in
"") ;;
--package) PACKAGES="$PACKAGES $PACKAGE_TOOLS" ;;
-h | --help)
	sed -n '2,7s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*) die "unknown option '$1' (usage: install-deps.sh [--package])" ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	die "this script needs a Debian-based system (dpkg-query and apt-get); install by hand:" $PACKAGES
fi

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ "$st" != "installed" ]; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all dependencies present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		die "missing packages:$missing; not root and sudo not found: run as root: apt-get install$missing"
	fi
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	|| die "apt-get update failed (network or apt sources?)"
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
	|| die "apt-get install failed for:$missing"

# Verify.
still=""
for p in $missing; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || still="$still $p"
done
[ -z "$still" ] || die "still missing after install:$still"
echo "install-deps: done"
