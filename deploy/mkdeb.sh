#!/bin/sh
# mkdeb.sh - build the Debian package lfhub with Debian's own tools (make deb).
#
#   sh deploy/mkdeb.sh
#
# Stages the source tree in build/deb/lfhub-VERSION with deploy/debian as
# its debian/ directory and a debian/changelog for VERSION (from
# include/lfh/version.h, the one place it is written), runs
# dpkg-buildpackage -us -uc -b there, moves the .deb to build/, runs lintian
# on it when lintian is installed (failing on an error) and prints its path.
# Needs dpkg-dev, debhelper and the build dependencies: make deb installs
# them first (deploy/install-deps.sh --package).
set -eu

cd "$(dirname "$0")/.."
die() {
	echo "mkdeb: $*" >&2
	exit 1
}
for t in dpkg-buildpackage dpkg-architecture dh; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found: sh deploy/install-deps.sh --package"
done

version=$(sed -n 's/^#define LFH_VERSION "\(.*\)"/\1/p' include/lfh/version.h)
[ -n "$version" ] || die "no LFH_VERSION in include/lfh/version.h"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
stage=build/deb/lfhub-$version
deb=lfhub_${version}_$arch.deb

rm -rf build/deb
mkdir -p "$stage"
cp -R node proto include keys deploy Makefile README.md ARCHITECTURE.md "$stage/"
rm -rf "$stage/deploy/debian"
cp -R deploy/debian "$stage/debian"

# The changelog's date: the last commit's, so that a rebuild of the same
# source gives the same package (dpkg takes SOURCE_DATE_EPOCH from it).
date=$(git log -1 --format=%cD 2>/dev/null || true)
[ -n "$date" ] || date=$(date -R)
cat >"$stage/debian/changelog" <<END
lfhub ($version) unstable; urgency=medium

  * lfhub $version, packaged from its source tree (make deb).

 -- lfhub contributors <maintainers@lfhub.invalid>  $date
END

# The package is built as it is released: not with the make variables of a
# caller (make SAN=1 test would build its sanitized tree under build/san).
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL SAN B
(cd "$stage" && dpkg-buildpackage -us -uc -b -J"${MKDEB_JOBS:-2}") || die "dpkg-buildpackage failed"
# Only this build's package in build/: `apt install ./build/lfhub_*.deb` must
# name one file, not every version ever built here.
rm -f build/lfhub_*.deb
mv "build/deb/$deb" "build/$deb"
if command -v lintian >/dev/null 2>&1; then
	echo "mkdeb: lintian build/$deb"
	lintian --fail-on error --info "build/$deb" || die "lintian reports errors in build/$deb"
fi
echo "built build/$deb"
