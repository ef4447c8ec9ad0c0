#!/usr/bin/env bash
# test_man.sh - the manual pages (deploy/man) render without a warning, and
# stay in step with the programs: every command `lfh --help` lists, every
# subcommand of lfh case, isa, keys and admin keys, every lfhd option, every
# lfhd.conf key config.c accepts and every ISA setting isa_text.c reads has
# its place in the page that documents it (issue #14).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_bins

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$ROOT/deploy/man
PAGES=(lfh.1 lfhd.8 lfhd.conf.5 lfh-isa.5)

for p in "${PAGES[@]}"; do
	check "$p exists" test -f "$MAN/$p"
done

# groff -ww: every warning; its stderr must stay empty.
if command -v groff >/dev/null 2>&1; then
	for p in "${PAGES[@]}"; do
		err=$(groff -ww -man -Tutf8 "$MAN/$p" 2>&1 >/dev/null)
		check_eq "$p renders with groff -ww, no warning" "" "$err"
	done
else
	tap_ok "groff -ww renders the pages # SKIP groff not found (Debian: groff-base)"
fi
# man --warnings (man-db) checks more (e.g. the page's name line).
if command -v man >/dev/null 2>&1 && man --help 2>&1 | grep -q -- '--warnings'; then
	for p in "${PAGES[@]}"; do
		err=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN/$p" 2>&1 >/dev/null)
		check_eq "$p: man --warnings is quiet" "" "$err"
	done
else
	tap_ok "man --warnings # SKIP man-db's man not found"
fi

# lfh(1): every top-level command of `lfh --help` has a .SS section.
cmds=$("$LFH" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || tap_fail "lfh --help lists commands"
missing=""
for c in $cmds; do
	grep -Eq "^\.SS (.*[ ,])?$c(,| |\$)" "$MAN/lfh.1" || missing="$missing $c"
done
check_eq "every command of lfh --help has its section in lfh(1)" "" "$missing"

# Subcommands, each as "lfh GROUP SUB" (or ".B SUB" for the OSARA steps);
# roff writes a hyphen as \-.
in_page() { grep -Eq -- "$(printf '%s' "$1" | sed 's/-/\\\\-/g')" "$MAN/lfh.1"; }
roff_opt() { printf '%s' "$1" | sed 's/-/\\-/g'; }
missing=""
for s in $("$LFH" isa --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
	in_page "^\.B lfh isa $s( |\$)" || missing="$missing isa:$s"
done
for s in $("$LFH" keys --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
	in_page "^\.B lfh keys $s( |\$)" || missing="$missing keys:$s"
done
for s in $("$LFH" case --help | sed -n 's/^       lfh case \([a-z-]*\) .*/\1/p;s/^usage: lfh case \([a-z-]*\) .*/\1/p') state; do
	in_page "^\.B lfh case $s( |\$)" || missing="$missing case:$s"
done
for s in $("$LFH" case --help | sed -n '/^OSARA steps/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
	in_page "^\.B $s( |\$)" || missing="$missing step:$s"
done
for s in $("$LFH" admin keys --help | sed -n 's/^\(usage:\|      \) lfh admin keys \([a-z-]*\).*/\2/p' | sort -u); do
	in_page "^\.B lfh admin keys $s( |\$)" || missing="$missing admin-keys:$s"
done
for s in "user add" "user revoke" "user list" backup; do
	in_page "^\.B lfh admin $s( |\$)" || missing="$missing admin:$s"
done
for s in performance tactical; do
	in_page "^\.B lfh report $s( |\$)" || missing="$missing report:$s"
done
check_eq "every subcommand and OSARA step has its entry in lfh(1)" "" "$missing"

# And the other way: every command lfh(1) documents (".B lfh WORDS ...")
# exists: lfh WORDS --help succeeds and its usage names "lfh WORDS".
bogus=""
while IFS= read -r c; do
	[ -n "$c" ] || continue
	# shellcheck disable=SC2086 # word-split the command on purpose
	out=$("$LFH" $c --help 2>&1) && grep -Eq "lfh $c( |\$)" <<<"$out" || bogus="$bogus|$c"
done < <(sed -n 's/^\.B lfh //p' "$MAN/lfh.1" | sed 's/\\-/-/g' |
	awk '{ p = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) p = p (p == "" ? "" : " ") $i; print p }' |
	sort -u)
check_eq "every command lfh(1) documents exists in lfh" "" "$bogus"

# Every option a usage text offers appears in lfh(1).
opts=$(for c in referral case due status isa keys audit report admin "admin keys" \
	"keys init" "keys export" "case risk" "case meeting" "case action" "case update" \
	"case assess" "case review" "case propose-close" "case propose-lead" "case agree-lead" \
	"case equality" "case objective" "case scan"; do
	# shellcheck disable=SC2086 # word-split the command on purpose
	"$LFH" $c --help 2>/dev/null
done | grep -o -- '--[a-z][a-z-]*' | sort -u)
missing=""
for o in $opts; do
	grep -qF -- "$(roff_opt "$o")" "$MAN/lfh.1" || missing="$missing $o"
done
check_eq "every option in lfh's usage texts is in lfh(1)" "" "$missing"

# lfhd(8): its options, and exit status 4.
missing=""
for o in $("$LFHD" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -qF -- "$(roff_opt "$o")" "$MAN/lfhd.8" || missing="$missing $o"
done
check_eq "every option of lfhd --help is in lfhd(8)" "" "$missing"
check "lfhd(8) documents exit status 4 (removed from the hub)" \
	grep -Eq '^\.B 4$' "$MAN/lfhd.8"

# lfhd.conf(5): every [node] and [peer] key node/core/config.c accepts.
keys=$(sed -n '/node_keys\[NK_COUNT\] = {/,/};/p;/peer_keys\[PK_COUNT\] = {/,/};/p' \
	"$ROOT/node/core/config.c" | grep -o '"[a-z_]*"' | tr -d '"')
[ -n "$keys" ] || tap_fail "config.c's keys found"
missing=""
for k in $keys; do
	grep -q "^\.BI $k \" = \"" "$MAN/lfhd.conf.5" || missing="$missing $k"
done
check_eq "every lfhd.conf key of config.c is in lfhd.conf(5)" "" "$missing"

# lfh-isa(5): every setting isa_text.c reads (top level, party, category).
settings=$(sed -n '/^} top\[\] = {/,/^};/p' "$ROOT/proto/isa_text.c" | grep -o '{"[a-z_]*"' | tr -d '{"'
	sed -n 's/.*\(party_keys\|cat_keys\)\[\] = {\(.*\)/\2/p;/party_keys\[\] = {/,/};/p' \
		"$ROOT/proto/isa_text.c" | grep -o '"[a-z_]*"' | tr -d '"')
[ -n "$settings" ] || tap_fail "isa_text.c's settings found"
missing=""
for k in $(printf '%s\n' "$settings" | sort -u); do
	grep -Eq "^\.(BI|BR|B|TP) *\"?$k( |\"|,|\$)|^\.BR $k|^\.BR .*$k" "$MAN/lfh-isa.5" ||
		missing="$missing $k"
done
check_eq "every ISA setting of isa_text.c is in lfh-isa(5)" "" "$missing"

tap_done
