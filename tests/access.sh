#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Who may open proclab's debugfs files. With every module loaded and debugfs
# remounted mode=755 (its root is 0700 by default, which alone would keep
# everyone but root out; the old mode is restored at the end), every file
# under /sys/kernel/debug/proclab is owned by root:root with mode 0400 (read
# only) or 0600 (writable), and uid/gid 65534 with no supplementary groups
# (tests/helpers/asuser.c) reaches every file (the directories are
# searchable) and is refused open() for reading and for writing with
# EACCES. The directories are root's, writable by root only, 0755: others
# may list them and see the file names, not open the files. Root itself
# bypasses the mode bits (CAP_DAC_OVERRIDE: it opens a 0400 file for
# writing, and write() then fails with EINVAL because the file has no write
# method); so the owner's bits are checked as uid 0 without capabilities:
# 0400 files open for reading only (EACCES for writing), 0600 files both
# ways.
#
# Oracles: stat(2) for owners and modes, open(2) and faccessat(2) as
# another user for what the kernel enforces, /proc/mounts' mode= and the
# root's stat for the remount.

# shellcheck disable=SC2016,SC2086,SC2317 # awk programs, lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

ASUSER=/usr/libexec/proclab/asuser
DEBUGFS=/sys/kernel/debug
MODULES="proclab_core proclab_tasks proclab_kthreads proclab_ds proclab_napi proclab_contexts proclab_timers proclab_lifecycle proclab_containers proclab_sched"
old_mode=

test_cleanup() {
	[ -n "$old_mode" ] && mount -o remount,mode="$old_mode" "$DEBUGFS"
}

test_init "$ASUSER"
grep -q " $DEBUGFS debugfs " /proc/mounts || ktap_skip_all "debugfs not mounted at $DEBUGFS"
for m in $MODULES; do
	module_load "$m" || ktap_skip_all "$m does not load"
done
ktap_set_plan 9

mode0=$(stat -c %a "$DEBUGFS")
mount -o remount,mode=755 "$DEBUGFS" && old_mode=$mode0
[ "$(stat -c %a "$DEBUGFS")" = 755 ] && grep -q " $DEBUGFS debugfs .*mode=755" /proc/mounts
ktap_last $? "debugfs remounted mode=755 (it was $mode0)"

files=$(find "$PROCLAB_DEBUGFS" -type f | sort)
dirs=$(find "$PROCLAB_DEBUGFS" -type d | sort)
nfiles=$(echo "$files" | grep -c .)
missing=
for d in tasks kthreads ds napi contexts timers; do
	find "$PROCLAB_DEBUGFS/$d" -type f 2>/dev/null | grep -q . || missing="$missing $d"
done
ktap_test_result "$nfiles files in $(echo "$dirs" | grep -c .) directories, some in each module's directory${missing:+ (none in$missing)}" [ -z "$missing" ]

# Owners and modes, as stat(2) reports them.
stat -c '%a %u %g %n' $files >"$TMP/files"
stat -c '%a %u %g %n' $dirs >"$TMP/dirs"
n400=$(grep -c '^400 0 0 ' "$TMP/files")
n600=$(grep -c '^600 0 0 ' "$TMP/files")
bad=$(grep -vE '^(400|600) 0 0 ' "$TMP/files")
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
ktap_test_result "every file is root:root, mode 0400 ($n400) or 0600 ($n600)" [ -z "$bad" ]
# Directories: root's, not writable by group or others.
bad=$(awk '$2 != 0 || $3 != 0 || substr($1, 2, 1) ~ /[2367]/ || substr($1, 3, 1) ~ /[2367]/' "$TMP/dirs")
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
ktap_test_result "every directory is root:root and writable by root only (modes: $(cut -d' ' -f1 "$TMP/dirs" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'))" [ -z "$bad" ]

# As uid/gid 65534 (nobody): one line per path, "PATH stat=R search=R
# read=R write=R". The paths are given relative to debugfs's root, the
# working directory: the VM's / is 0700 (the initramfs' root directory is
# made by mktemp -d), so no other user can resolve an absolute path at all.
as() {
	_u=$1 _g=$2
	shift 2
	_rel=$(echo "$@" | sed "s,$DEBUGFS/,,g")
	(cd "$DEBUGFS" && "$ASUSER" "$_u" "$_g" $_rel) >"$TMP/as" || return 1
	sed "s,^,$DEBUGFS/," "$TMP/as"
}
as 65534 65534 $dirs $files >"$TMP/nobody"
ktap_last $? "asuser dropped to uid/gid 65534 with no groups and no capabilities"

# check MODES OUT AWK: AWK runs on each line of asuser's output OUT for a
# path listed in MODES (stat's "mode uid gid path"), with m its mode, the
# results in st, se, rd, wr; it prints what is wrong. Also prints the paths
# of MODES that OUT has no line for.
check() {
	sed 's/ [a-z]*=/ /g' "$2" | awk '
		NR == FNR { mode[$4] = $1; next }
		$1 in mode { seen[$1] = 1; m = mode[$1]; st = $2; se = $3; rd = $4; wr = $5; '"$3"' }
		END { for (p in mode) if (!(p in seen)) print p ": not tried" }' "$1" -
}

# Directories: what the "other" bits allow, the kernel allows.
bad=$(check "$TMP/dirs" "$TMP/nobody" '
	o = substr(m, 3, 1) + 0
	want = (st == "ok") " " (o >= 4 ? "ok" : "EACCES") " " (o % 2 ? "ok" : "EACCES")
	got = (st == "ok") " " rd " " se
	if (got != want) print $1 ": stat ok, list, search: " got ", mode " m " says " want')
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
ktap_test_result "uid 65534: each directory is reached and lists and is searched as its mode bits say" [ -z "$bad" ]

# Files: reached (stat works: every directory above is searchable), never
# opened.
bad=$(check "$TMP/files" "$TMP/nobody" '
	if (st != "ok" || rd != "EACCES" || wr != "EACCES")
		print $1 ": stat " st ", read " rd ", write " wr')
[ -n "$bad" ] && echo "$bad" | head -n 20 | sed 's/^/# /'
ktap_test_result "uid 65534: every file is reached (stat) and refuses open for reading and for writing with EACCES" [ -z "$bad" ]

# Root without capabilities: only the owner's bits decide.
as 0 0 $files >"$TMP/owner"
bad=$(check "$TMP/files" "$TMP/owner" '
	want = (m == 400) ? "ok EACCES" : "ok ok"
	if (rd " " wr != want) print $1 " (" m "): read, write: " rd " " wr')
[ -n "$bad" ] && echo "$bad" | head -n 20 | sed 's/^/# /'
ktap_test_result "uid 0 without capabilities: 0400 files open for reading and refuse writing (EACCES), 0600 files open both ways" [ -z "$bad" ]

mount -o remount,mode="$old_mode" "$DEBUGFS"
[ "$(stat -c %a "$DEBUGFS")" = "$old_mode" ]
ktap_last $? "debugfs mode $old_mode restored"
old_mode=
ktap_finished
