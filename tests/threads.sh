#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks threads: a thread is a task_struct that shares pointers.
#
# Shapes made by the proctest helper (pthreads, clone() with chosen flags,
# fork) are looked up in the module's threads file and in /proc, which is
# the oracle: /proc/<pid>/task lists a process's threads, and the ids the
# module shows must group tasks exactly as the clone flags say they share.

# shellcheck disable=SC2012,SC2013,SC2046,SC2086,SC2317 # ls/pid lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/tasks

test_init "$PROCTEST"
ktap_set_plan 10

module_load proclab_tasks && [ -r "$D/threads" ]
ktap_need $? "module loads and creates $D/threads"

# trow PID: the threads row of PID as "pid tgid mm files sighand shares".
trow() { awk -v p="$1" 'NR > 1 && $1 == p { print $1, $2, $3, $4, $5, $6; exit }' "$TMP/th"; }

# 1. A process with 8 pthreads: 9 tasks, one tgid, distinct pids, the same
# mm, files and sighand; /proc/<pid>/task lists the same tids.
proctest_start threads 8
set -- $READY
P=$2
cat "$D/threads" >"$TMP/th"
awk -v p="$P" 'NR > 1 && $2 == p { print $1 }' "$TMP/th" | sort -n >"$TMP/mod_tids"
ls "/proc/$P/task" | sort -n >"$TMP/proc_tids"
n=$(wc -l <"$TMP/mod_tids")
uniq_n=$(sort -u "$TMP/mod_tids" | wc -l)
ids=$(awk -v p="$P" 'NR > 1 && $2 == p { print $3, $4, $5, $6 }' "$TMP/th" | sort -u)
if [ "$n" = 9 ] && [ "$uniq_n" = 9 ] && cmp -s "$TMP/mod_tids" "$TMP/proc_tids" &&
	[ "$(echo "$ids" | wc -l)" = 1 ] && [ "${ids##* }" = mfs ]; then
	ktap_test_pass "8 pthreads: 9 tasks of tgid $P, same tids as /proc/$P/task, one mm/files/sighand id ($ids)"
else
	ktap_test_fail "8 pthreads: 9 tasks sharing everything" "module tids: $(tr '\n' ' ' <"$TMP/mod_tids")" \
		"/proc tids: $(tr '\n' ' ' <"$TMP/proc_tids")" "ids: $ids"
fi

# 2. The ids are the lowest pid sharing the object: here the leader's.
set -- $(trow "$P")
ktap_test_result "the shared ids name the leader ($3 $4 $5, leader $P)" [ "$3 $4 $5" = "$P $P $P" ]

# pair_check DESC SHAPE WANT_MM WANT_FILES WANT_SIGHAND: the parent and the
# child of a clone shape; WANT_* is "same" or "diff".
pair_check() {
	desc=$1
	proctest_start "$2"
	set -- $READY "$3" "$4" "$5"
	parent=$2 child=$3 want_mm=$5 want_files=$6 want_sighand=$7
	cat "$D/threads" >"$TMP/th"
	pr=$(trow "$parent")
	cr=$(trow "$child")
	if [ -z "$pr" ] || [ -z "$cr" ]; then
		ktap_test_fail "$desc" "parent row '$pr', child row '$cr'"
		return
	fi
	set -- $pr
	p_tgid=$2 p_mm=$3 p_files=$4 p_sig=$5
	set -- $cr
	c_tgid=$2 c_mm=$3 c_files=$4 c_sig=$5
	rel() { if [ "$1" = "$2" ]; then echo same; else echo diff; fi; }
	got="tgid $(rel "$p_tgid" "$c_tgid") mm $(rel "$p_mm" "$c_mm") files $(rel "$p_files" "$c_files") sighand $(rel "$p_sig" "$c_sig")"
	want="tgid diff mm $want_mm files $want_files sighand $want_sighand"
	if [ "$got" = "$want" ] && [ "$p_tgid" = "$parent" ] && [ "$c_tgid" = "$child" ]; then
		ktap_test_pass "$desc: $got"
	else
		ktap_test_fail "$desc" "got:  $got" "want: $want" "parent: $pr" "child:  $cr"
	fi
}

# 3-5. The clone flags decide what is shared; CLONE_THREAD is what makes a
# thread (one tgid), so none of these is one.
pair_check "clone(CLONE_VM) without CLONE_THREAD: two tgids, one mm" clone-vm same diff diff
pair_check "fork(): two tgids, two mms" fork diff diff diff
pair_check "clone(CLONE_FILES): two mms, one files table" clone-files diff same diff

# 6. fork() then exec(): the child runs another program, in an mm of its
# own, under its new name, which /proc/<pid>/comm agrees with.
proctest_start fork-exec sleep 1000
set -- $READY
parent=$2 child=$3
cat "$D/threads" >"$TMP/th"
pr=$(trow "$parent")
cr=$(trow "$child")
c_comm=$(awk -v p="$child" 'NR > 1 && $1 == p { print $7; exit }' "$TMP/th")
set -- $pr
p_mm=$3
set -- $cr
[ -n "$cr" ] && [ "$2" = "$child" ] && [ "$3" != "$p_mm" ] && [ "$3" = "$child" ] &&
	[ "$c_comm" = sleep ] && [ "$(cat "/proc/$child/comm")" = sleep ]
ktap_last $? "fork()+exec(sleep): child $child has its own tgid and mm (${3:-?}, parent's $p_mm), comm '$c_comm'"

# 7. CLONE_NEWPID: the child is pid 1 in its own namespace, as it said itself
# (getpid() in the child) and as /proc/<pid>/status NSpid says.
proctest_start clone-newpid
set -- $READY
child=$3 inner=$4
echo "$child" >"$D/pid"
lvl=$(awk -F': ' '$1 == "pid_ns_level" { print $2 }' "$D/task")
nsp=$(awk -F': ' '$1 == "pid_in_ns" { print $2 }' "$D/task")
nspid=$(proc_status "$child" NSpid | tr -s ' \t' ' ')
if [ "$nsp" = 1 ] && [ "$inner" = 1 ] && [ "$lvl" = 1 ] && [ "$nspid" = "$child 1" ]; then
	ktap_test_pass "CLONE_NEWPID: pid $child is pid 1 at pid_ns level 1 (NSpid: $nspid)"
else
	ktap_test_fail "CLONE_NEWPID child is pid 1 in its namespace" \
		"module: level $lvl, pid_in_ns $nsp; child's getpid() $inner; NSpid '$nspid'"
fi

# 8. Kernel threads have no mm: '-' in the mm column, and /proc agrees (no
# VmSize line in their status).
cat "$D/threads" >"$TMP/th"
bad=
for p in $(awk 'NR > 1 && $3 == "-" { print $1 }' "$TMP/th"); do
	[ -r "/proc/$p/stat" ] || continue
	flags=$(proc_stat "$p" 9)
	[ -n "$flags" ] || continue
	if [ $((flags & 0x00200000)) -eq 0 ] && [ "$(proc_stat "$p" 3)" != Z ]; then
		bad="$bad $p"
	fi
done
n_k=$(awk 'NR > 1 && $3 == "-"' "$TMP/th" | wc -l)
[ -z "$bad" ] && [ "$n_k" -gt 5 ]
ktap_last $? "tasks without an mm ($n_k) are kernel threads or zombies in /proc"

# 9. Every thread of /proc is listed, under its process.
awk 'NR > 1 { print $1 }' "$D/threads" | sort >"$TMP/m"
for t in /proc/[0-9]*/task/[0-9]*; do echo "${t##*/}"; done | sort >"$TMP/p"
missing=
for t in $(grep -vxF -f "$TMP/m" "$TMP/p"); do
	[ -d "/proc/$t" ] && missing="$missing $t"
done
ktap_test_result "every thread in /proc/*/task is listed ($(wc -l <"$TMP/p") threads)" [ -z "$missing" ]

ktap_finished
