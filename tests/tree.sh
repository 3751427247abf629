#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks tree and summary: parents, children, zombies, orphans and
# the D state, against the PPid and State that /proc shows for each task.

# shellcheck disable=SC2012,SC2086,SC2317 # ls counts, lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/tasks

test_cleanup() {
	[ -n "${kill_list:-}" ] && kill -KILL $kill_list 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 10

module_load proclab_tasks && [ -r "$D/tree" ] && [ -r "$D/summary" ]
ktap_need $? "module loads and creates tree and summary"

# edges FILE: "pid parent" for every line of a tree, from its indentation
# (two spaces per level).
edges() {
	awk '{ match($0, /^ */); d = RLENGTH / 2; pid = $1; at[d] = pid
		if (d > 0) print pid, at[d - 1] }' "$1"
}

# 1. The tree starts at the swapper; pid 1 and pid 2 are its children.
cat "$D/tree" >"$TMP/tree"
edges "$TMP/tree" >"$TMP/edges"
[ "$(head -n 1 "$TMP/tree" | awk '{ print $1 }')" = 0 ] && grep -qx '1 0' "$TMP/edges" && grep -qx '2 0' "$TMP/edges"
ktap_last $? "the tree starts at pid 0, with pid 1 and pid 2 under it"

# 2. Every edge agrees with /proc/<pid>/stat's ppid (re-read once if it
# changed in between), and every process in /proc is in the tree.
bad=
while read -r pid parent; do
	pp=$(proc_stat "$pid" 4) || continue
	if [ "$pp" != "$parent" ]; then
		cat "$D/tree" >"$TMP/tree2"
		edges "$TMP/tree2" | grep -q "^$pid $(proc_stat "$pid" 4)\$" || bad="$bad $pid(tree $parent, /proc $pp)"
	fi
done <"$TMP/edges"
missing=
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	grep -q "^$p " "$TMP/edges" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	# Born after the tree was read: read it again.
	cat "$D/tree" >"$TMP/tree2"
	edges "$TMP/tree2" >"$TMP/edges2"
	for p in $missing; do
		grep -q "^$p " "$TMP/edges2" || { [ -d "/proc/$p" ] && bad="$bad $p(missing)"; }
	done
fi
ktap_test_result "all $(wc -l <"$TMP/edges") edges agree with the ppid in /proc/<pid>/stat" [ -z "$bad" ]
[ -n "$bad" ] && echo "# $bad"

# 3. Kernel threads (PF_KTHREAD) are kthreadd's children, except kthreadd.
bad=
while read -r pid parent; do
	flags=$(proc_stat "$pid" 9) || continue
	[ -n "$flags" ] || continue
	if [ $((flags & 0x00200000)) -ne 0 ] && [ "$pid" != 2 ] && [ "$parent" != 2 ]; then
		bad="$bad $pid"
	fi
done <"$TMP/edges"
ktap_test_result "every kernel thread but kthreadd hangs under pid 2" [ -z "$bad" ]

# 4-5. A zombie: listed in summary with its parent, gone once reaped.
proctest_start zombie
set -- $READY
parent=$2 zombie=$3
cat "$D/summary" >"$TMP/sum"
line=$(awk -v z="$zombie" '/^# zombies/ { on = 1; next } /^#/ { on = 0 } on && $1 == z' "$TMP/sum")
set -- $line
[ "$1" = "$zombie" ] && [ "$3" = "$parent" ] && [ "$4" = proctest ] && [ "$(proc_stat "$zombie" 3)" = Z ]
ktap_last $? "zombie $zombie in summary with parent $parent ($(proc_stat "$zombie" 3) in /proc): '$line'"
kill -USR1 "$parent"
i=0
while [ -d "/proc/$zombie" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
gone=$(awk -v z="$zombie" '/^# zombies/ { on = 1; next } /^#/ { on = 0 } on && $1 == z' "$D/summary")
[ -z "$gone" ] && [ ! -d "/proc/$zombie" ]
ktap_last $? "reaped zombie $zombie is gone from summary and /proc"

# 6. An orphan: kill its parent and it is reparented to init (pid 1), in the
# tree as in /proc.
(
	sleep 1000 &
	echo $! >"$TMP/orphan"
	wait
) &
mid=$!
while [ ! -s "$TMP/orphan" ]; do sleep 0.1; done
orphan=$(cat "$TMP/orphan")
kill_list=$orphan
cat "$D/tree" >"$TMP/t"
before=$(edges "$TMP/t" | awk -v p="$orphan" '$1 == p { print $2 }')
kill -KILL "$mid"
wait "$mid" 2>/dev/null
i=0
while [ "$(proc_stat "$orphan" 4)" != 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat "$D/tree" >"$TMP/t"
after=$(edges "$TMP/t" | awk -v p="$orphan" '$1 == p { print $2 }')
in_sum=$(awk -v p="$orphan" '/^# children of init/ { on = 1; next } /^#/ { on = 0 } on && $1 == p' "$D/summary")
[ "$before" = "$mid" ] && [ "$after" = 1 ] && [ "$(proc_stat "$orphan" 4)" = 1 ] && [ -n "$in_sum" ]
ktap_last $? "orphan $orphan: parent $before, then 1 after its parent died (/proc: $(proc_stat "$orphan" 4)), listed under init in summary"

# 7. The D state: a parent blocked in vfork() waits TASK_KILLABLE, which
# ps and /proc show as D; summary lists it (with where it waits, when the
# kernel has stack traces).
proctest_start vfork
set -- $READY
vparent=$2 vchild=$3
sleep 0.2
cat "$D/summary" >"$TMP/sum"
dline=$(awk -v p="$vparent" '/^# uninterruptible/ { on = 1; next } /^#/ { on = 0 } on && $1 == p' "$TMP/sum")
[ "$(proc_stat "$vparent" 3)" = D ] && [ -n "$dline" ]
ktap_last $? "vfork parent $vparent is in D (/proc: $(proc_stat "$vparent" 3)) and in summary: '$dline'"
kill -KILL "$vchild"

# 8. The counts: processes and threads as /proc has them, taken between two
# reads of summary (the test itself forks, so allow the churn it causes).
cat "$D/summary" >"$TMP/s1"
np=$(ls -d /proc/[0-9]* | wc -l)
nt=$(ls -d /proc/[0-9]*/task/[0-9]* | wc -l)
cat "$D/summary" >"$TMP/s2"
get() { awk -F': ' -v k="$1" '$1 == k { print $2 }' "$2"; }
p1=$(get processes "$TMP/s1") p2=$(get processes "$TMP/s2")
t1=$(get threads "$TMP/s1") t2=$(get threads "$TMP/s2")
close() { [ $(($1 - $2)) -le 3 ] && [ $(($2 - $1)) -le 3 ]; }
close "$p1" "$np" && close "$p2" "$np" && close "$t1" "$nt" && close "$t2" "$nt"
ktap_last $? "processes $p1/$p2 and threads $t1/$t2 in summary match /proc ($np, $nt) within 3"

# 9. The per-state counts add up to the threads.
sum=$(awk '/^# threads per state/ { on = 1; next } /^#/ { on = 0 } on { n += $NF } END { print n }' "$TMP/s2")
ktap_test_result "per-state counts add up to the threads ($sum = $t2)" [ "$sum" = "$t2" ]

ktap_finished
