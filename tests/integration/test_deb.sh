#!/usr/bin/env bash
# test_deb.sh - the Debian package, as agency IT would use it (issue #14):
# built with Debian's tools (deploy/mkdeb.sh: dpkg-buildpackage, lintian
# without errors), installed with dpkg: programs, unit (ExecStart
# /usr/bin/lfhd), man pages, completion and examples in place; the lfhd
# system user; /etc/lfhd root:lfhd 0750, /var/lib/lfhd and /var/backups/lfhd
# lfhd:lfhd 0700 (the unit lets lfhd write backups there); the
# unit neither enabled nor started without a configuration, enabled when one
# exists. The installed lfhd runs as user lfhd and answers lfh status; a
# purge removes the programs, the user and group and the empty directories,
# and keeps (owned by root) a /var/lib/lfhd holding a store (in whatever
# layout) and a /var/backups/lfhd holding a backup, and then the user and
# group too; installed again, all of it is lfhd's again.
#
# About 40 s. It changes this machine's packages and users, so it runs only
# as root, only with the packaging tools installed (`make test-deb` installs
# them, then runs it; a fresh machine has none, and `make test` never
# installs them), only when lfhub, the lfhd user and its directories are
# absent beforehand, one at a time (a lock in /tmp), and not with
# LFH_TEST_DEB=0; whatever happens it purges what it installed and removes
# what it made (trap). Otherwise it SKIPs, saying why.
ISA_CATEGORIES='categories = (
  { name = "referral"; kind = "personal"; receive = "participants"; retention_days = 30; }
);'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME="Debian package: build, install, run, purge"
skip() {
	echo "ok $((TAP_N + 1)) - $NAME # SKIP $1"
	TAP_N=$((TAP_N + 1))
	tap_done
	exit 0
}
[ "${LFH_TEST_DEB:-1}" != 0 ] || skip "LFH_TEST_DEB=0"
[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i, a system user)"
for t in dpkg-buildpackage dh dpkg-architecture lintian setpriv; do
	command -v "$t" >/dev/null 2>&1 ||
		skip "$t not found (sh deploy/install-deps.sh --package, or make test-deb)"
done
exec 9>/tmp/lfhub-test-deb.lock
flock -n 9 || skip "another test_deb.sh is running on this machine"
if dpkg-query -W -f='${db:Status-Status}' lfhub 2>/dev/null | grep -q .; then
	skip "package lfhub is already on this machine: this test would replace it"
fi
if getent passwd lfhd >/dev/null || getent group lfhd >/dev/null || [ -e /etc/lfhd ] ||
	[ -e /var/lib/lfhd ] || [ -e /var/backups/lfhd ]; then
	skip "an lfhd user, group, /etc/lfhd, /var/lib/lfhd or /var/backups/lfhd exists already: this test would remove it"
fi
require_bins
WANTS=/etc/systemd/system/multi-user.target.wants
wants_existed=0
[ -d "$WANTS" ] && wants_existed=1

# From here on, whatever happens, the machine is put back as it was.
_deb_cleanup() {
	local n
	for n in "${!NODE_PID[@]}"; do kill -TERM "${NODE_PID[$n]}" 2>/dev/null; done
	for n in "${!NODE_PID[@]}"; do
		_wait_pid_exit "${NODE_PID[$n]}" 5 || kill -KILL "${NODE_PID[$n]}" 2>/dev/null
		wait "${NODE_PID[$n]}" 2>/dev/null
		unset "NODE_PID[$n]"
	done
	if dpkg-query -W -f='${db:Status-Status}' lfhub 2>/dev/null | grep -q .; then
		DEBIAN_FRONTEND=noninteractive dpkg --purge lfhub >/dev/null 2>&1
	fi
	getent passwd lfhd >/dev/null && userdel lfhd 2>/dev/null
	getent group lfhd >/dev/null && groupdel lfhd 2>/dev/null
	rm -rf /etc/lfhd /var/lib/lfhd /var/backups/lfhd
	rm -f "$WANTS/lfhd.service"
	[ "$wants_existed" = 1 ] || rmdir "$WANTS" /etc/systemd/system 2>/dev/null
}
trap 'rc=$?; _deb_cleanup; (exit $rc); _lib_cleanup' EXIT

# ---------------------------------------------------------------- build
version=$(sed -n 's/^#define LFH_VERSION "\(.*\)"/\1/p' "$ROOT/include/lfh/version.h")
deb=$ROOT/build/lfhub_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
rm -f "$deb"
if (cd "$ROOT" && sh deploy/mkdeb.sh) >"$W/mkdeb.log" 2>&1; then
	tap_ok "deploy/mkdeb.sh (make deb) builds $(basename "$deb") with dpkg-buildpackage"
else
	bail "deploy/mkdeb.sh (make deb) builds the package" "$(tail -30 "$W/mkdeb.log")"
fi
check "the .deb is in build/" test -f "$deb"
check "lintian reports no error" lintian --fail-on error "$deb"
echo "# lintian: $(lintian "$deb" 2>/dev/null | grep -c '^[EW]:') errors and warnings"
check_eq "its version is include/lfh/version.h's" "$version" "$(dpkg-deb -f "$deb" Version)"
deps=$(dpkg-deb -f "$deb" Depends)
check "Depends has the shared libraries (shlibs) and adduser" \
	grep -Eq 'libsodium.*libzmq|libzmq.*libsodium' <<<"$deps"
check "... adduser" grep -q adduser <<<"$deps"

# ---------------------------------------------------------------- install
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1)
rc=$?
[ "$rc" = 0 ] || bail "dpkg -i installs it" "$out"
tap_ok "dpkg -i installs it"
check "postinst says the node is not started without keys and a configuration" \
	grep -q "not enabled or started" <<<"$out"
check "... and nothing of a purge (dpkg made /var/lib/lfhd, empty)" \
	bash -c '! grep -q "kept by an earlier purge" <<<"$1"' _ "$out"
missing=""
for f in /usr/bin/lfhd /usr/bin/lfh /lib/systemd/system/lfhd.service \
	/usr/share/man/man1/lfh.1.gz /usr/share/man/man8/lfhd.8.gz /usr/share/man/man5/lfhd.conf.5.gz \
	/usr/share/man/man5/lfh-isa.5.gz /usr/share/bash-completion/completions/lfh \
	/usr/share/doc/lfhub/examples/lfhd.conf /usr/share/doc/lfhub/examples/west-cumbria.isa \
	/usr/share/doc/lfhub/examples/risk.conf /usr/share/doc/lfhub/copyright; do
	[ -f "$f" ] || missing="$missing $f"
done
check_eq "programs, unit, man pages, completion, examples and copyright installed" "" "$missing"
check_eq "the unit runs /usr/bin/lfhd" "ExecStart=/usr/bin/lfhd -c /etc/lfhd/lfhd.conf" \
	"$(grep '^ExecStart=' /lib/systemd/system/lfhd.service)"
check_eq "lfhd --version is the package's" "lfhd $version" "$(/usr/bin/lfhd --version)"
check_eq "lfh --version is the package's" "lfh $version" "$(/usr/bin/lfh --version)"
check "man finds lfhd(8)" man -w 8 lfhd
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd lfhd)
check "a system user lfhd exists" test -n "$uid"
check "... a system uid (below 1000)" test "${uid:-1000}" -lt 1000
check_eq "... home /var/lib/lfhd, no login shell" "/var/lib/lfhd /usr/sbin/nologin" "$home $shell"
check "... and a group lfhd" getent group lfhd
check_eq "/etc/lfhd is root:lfhd 0750" "root:lfhd 750" "$(stat -c '%U:%G %a' /etc/lfhd)"
check_eq "/var/lib/lfhd is lfhd:lfhd 0700" "lfhd:lfhd 700" "$(stat -c '%U:%G %a' /var/lib/lfhd)"
check_eq "/var/backups/lfhd (where lfh admin backup writes) is lfhd:lfhd 0700" "lfhd:lfhd 700" \
	"$(stat -c '%U:%G %a' /var/backups/lfhd 2>&1)"
check "... and the unit lets lfhd write there" \
	grep -q '^ReadWritePaths=.* -/var/backups/lfhd' /lib/systemd/system/lfhd.service
check "without a configuration the unit is not enabled" \
	test ! -e /etc/systemd/system/multi-user.target.wants/lfhd.service
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1)
check_eq "installing it again (an upgrade) works" 0 "$?"
check_eq "... and keeps the user and the modes" "lfhd:lfhd 700" "$(stat -c '%U:%G %a' /var/lib/lfhd)"

# ---------------------------------------------------------------- run
# Keys and configuration as agency IT makes them (lfh keys init as lfhd),
# in the test's directory; the node runs as lfhd from the installed binary.
LFH=/usr/bin/lfh
chmod 0755 "$W"
isa_hub_setup police housing
chown -R lfhd:lfhd "$W/police"
cat >"$W/lfhd-as-lfhd" <<'EOF'
#!/bin/sh
exec setpriv --reuid=lfhd --regid=lfhd --init-groups -- /usr/bin/lfhd "$@"
EOF
chmod 0755 "$W/lfhd-as-lfhd"
LFHD=$W/lfhd-as-lfhd
check "lfhd --check as lfhd accepts the configuration and keys" \
	setpriv --reuid=lfhd --regid=lfhd --init-groups -- /usr/bin/lfhd -c "$W/police/lfhd.conf" --check
if node_start police; then
	tap_ok "the installed lfhd starts as user lfhd"
	out=$(lfh_at police status 2>&1)
	check "lfh status answers" grep -q police <<<"$out"
	check_eq "the node runs as lfhd" lfhd "$(ps -o user= -p "${NODE_PID[police]}" | tr -d ' ')"
	check_eq "its store is lfhd's, mode 0600" "lfhd 600" "$(stat -c '%U %a' "$W/police/data/data.mdb")"
	check "a referral is filed at the packaged node" new_referral police housing "Packaged node"
	node_stop police
fi

# ---------------------------------------------------------------- purge
out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge lfhub 2>&1)
check_eq "dpkg --purge removes it" 0 "$?"
left=""
for f in /usr/bin/lfhd /usr/bin/lfh /lib/systemd/system/lfhd.service /usr/share/man/man8/lfhd.8.gz \
	/usr/share/bash-completion/completions/lfh /usr/share/doc/lfhub /etc/lfhd /var/lib/lfhd \
	/var/backups/lfhd; do
	[ -e "$f" ] && left="$left $f"
done
check_eq "programs, unit, man pages, docs and the empty directories are gone" "" "$left"
check "the user lfhd is gone" bash -c '! getent passwd lfhd'
check "the group lfhd is gone" bash -c '! getent group lfhd'
check "dpkg no longer knows lfhub" bash -c "! dpkg-query -W -f='\${db:Status-Status}' lfhub 2>/dev/null | grep -q ."

# ---------------------------------------------------------------- configured first
# A configuration laid down before the package (configuration management):
# the unit is enabled; a store left at purge is kept, owned by root.
install -d -m 0750 /etc/lfhd
cp "$ROOT/deploy/examples/lfhd.conf" /etc/lfhd/lfhd.conf
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1)
check_eq "installed over an existing /etc/lfhd/lfhd.conf" 0 "$?"
check "... the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/lfhd.service
check_eq "... and /etc/lfhd is root:lfhd 0750" "root:lfhd 750" "$(stat -c '%U:%G %a' /etc/lfhd)"
touch /var/lib/lfhd/data.mdb
mkdir /var/backups/lfhd/2026-03-01
out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge lfhub 2>&1)
check_eq "purged again" 0 "$?"
check_eq "... a /var/backups/lfhd holding a backup is kept, owned by root" "root:root 700" \
	"$(stat -c '%U:%G %a' /var/backups/lfhd 2>&1)"
check "... the unit's enablement is gone" \
	test ! -e /etc/systemd/system/multi-user.target.wants/lfhd.service
check_eq "... a /var/lib/lfhd holding a store is kept, owned by root" "root:root 700" \
	"$(stat -c '%U:%G %a' /var/lib/lfhd 2>&1)"
check "... and the purge says so" grep -q "kept /var/lib/lfhd" <<<"$out"
check_eq "... a non-empty /etc/lfhd is kept with group root" "root:root" \
	"$(stat -c '%U:%G' /etc/lfhd 2>&1)"
check "... the user lfhd is kept: it owns what was kept" getent passwd lfhd
check "... and the purge says so" grep -q "kept the user and group lfhd" <<<"$out"

# ---------------------------------------------------------------- reinstalled over what a purge kept
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1)
check_eq "installed again over what the purge kept" 0 "$?"
check "... saying the store kept is lfhd's again" grep -q "/var/lib/lfhd, kept by an earlier purge, is lfhd's again" <<<"$out"
check_eq "... /var/lib/lfhd is lfhd:lfhd 0700 again" "lfhd:lfhd 700" \
	"$(stat -c '%U:%G %a' /var/lib/lfhd 2>&1)"
check_eq "... and so is the store in it" "lfhd:lfhd" "$(stat -c '%U:%G' /var/lib/lfhd/data.mdb 2>&1)"
check_eq "... and the backups" "lfhd:lfhd" "$(stat -c '%U:%G' /var/backups/lfhd/2026-03-01 2>&1)"
check_eq "... /etc/lfhd is root:lfhd again" "root:lfhd" "$(stat -c '%U:%G' /etc/lfhd 2>&1)"
DEBIAN_FRONTEND=noninteractive dpkg -r lfhub >/dev/null 2>&1
out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1)
check_eq "removed (not purged), then installed again" 0 "$?"
check "... the reinstall's mark for postinst is gone" test ! -e /run/lfhub-reinstalled
# A store in a directory of its own (data_dir = /var/lib/lfhd/data, a restored backup's layout)
rm -f /var/lib/lfhd/data.mdb
rm -rf /var/backups/lfhd/2026-03-01
install -d -o lfhd -g lfhd -m 0700 /var/lib/lfhd/data
touch /var/lib/lfhd/data/data.mdb
out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge lfhub 2>&1)
check_eq "purged with the store in /var/lib/lfhd/data" 0 "$?"
check "... the store is kept" test -f /var/lib/lfhd/data/data.mdb
check_eq "... /var/lib/lfhd owned by root" "root:root 700" "$(stat -c '%U:%G %a' /var/lib/lfhd 2>&1)"
check "... the empty /var/backups/lfhd is gone" test ! -e /var/backups/lfhd
rm -rf /etc/lfhd /var/lib/lfhd /var/backups/lfhd

tap_done
