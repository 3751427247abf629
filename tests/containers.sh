#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_containers ns: every thread's namespaces against the links in
# /proc/<tid>/ns/ and its pids against NSpid: in /proc/<tid>/status; then one
# process in a new namespace of each kind, whose line must differ from this
# shell's in exactly the columns that kind changes:
#
#   kind     the new process (after exec)        nsrun itself
#   user     user                                -
#   uts      uts                                 -
#   ipc      ipc                                 -
#   mnt      mnt                                 -
#   net      net                                 -
#   cgroup   cgroup                              -
#   time     time, time_for_children             -
#   pid      pid_ns, pid_for_children; 2 pids    pid_for_children
#
# unshare() moves the caller into the new namespace at once, except for pid
# and time: a new pid namespace is only the caller's pid_for_children (the
# caller cannot change its pid), and a new time namespace only its
# time_for_children until it execs (its clocks cannot jump under it). A
# zombie has no nsproxy left (exit_task_namespaces()): "-" where /proc has
# no link, its pid namespace and user namespace kept until the reap.

# shellcheck disable=SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/containers
NSRUN=/usr/libexec/proclab/nsrun
FORKBOMB=/usr/libexec/proclab/forkbomb
SPIN=/usr/libexec/proclab/spin
MEMHOG=/usr/libexec/proclab/memhog
KINDS="uts ipc mnt net pid pid_for_children time time_for_children cgroup user"

CG=/sys/fs/cgroup
T=$CG/proclab-test

test_cleanup() {
	for p in ${bg:-}; do kill "$p" 2>/dev/null; done
	exec 5>&- 6>&- 7>&- 2>/dev/null
	wait 2>/dev/null
	rmdir "$T/a" "$T/b" "$T/bomb" "$T/cpu" "$T/set" "$T/mem" "$T/g" "$T" 2>/dev/null
}

test_init "$PROCTEST" "$NSRUN" "$FORKBOMB" "$SPIN" "$MEMHOG"
ktap_set_plan 16

module_load proclab_tasks && module_load proclab_containers && [ -r "$D/ns" ]
ktap_need $? "module loads and creates containers/ns"

# 1. Root's only.
mode=$(stat -c '%a %U' "$D/ns")
ktap_test_result "ns is 0400, owned by root (got '$mode')" [ "$mode" = "400 root" ]

# proc_line TID: what /proc says of TID in the module's column order:
# each namespace's inode number ("-" where the link cannot be read) and
# NSpid: comma-separated. Fails if TID is gone.
proc_line() {
	[ -d "/proc/$1" ] || return 1
	for k in $KINDS; do
		l=$(readlink "/proc/$1/ns/$k" 2>/dev/null) || l=-
		l=${l#*\[}
		printf '%s ' "${l%\]}"
	done
	awk '$1 == "NSpid:" { $1 = ""; sub(/^ /, ""); gsub(/[ \t]+/, ","); print; f = 1 } END { if (!f) print "-" }' "/proc/$1/status"
}
# mod_line TID [FILE]: the same columns of TID's line in the module's file.
mod_line() {
	awk -v t="$1" '$1 == t { for (i = 4; i <= 14; i++) printf "%s%s", $i, (i < 14 ? " " : "\n"); exit }' "${2:-$TMP/ns}"
}

# 2. Every thread: the module's snapshot first, then /proc per thread;
# threads that exited in between are skipped, counted.
cat "$D/ns" >"$TMP/ns"
head -n 1 "$TMP/ns" | tr -s ' ' | sed 's/^ //' >"$TMP/hdr"
same=0 skipped=0 diffs=
awk 'NR > 1 { print $1 }' "$TMP/ns" >"$TMP/tids"
while read -r t; do
	p=$(proc_line "$t") || { skipped=$((skipped + 1)); continue; }
	m=$(mod_line "$t")
	if [ "$p" = "$m" ]; then
		same=$((same + 1))
	else
		diffs="$diffs
$t: module '$m', /proc '$p'"
	fi
done <"$TMP/tids"
echo "# $same threads agree, $skipped gone before /proc was read; header: $(cat "$TMP/hdr")"
[ "$(cat "$TMP/hdr")" = "pid tgid comm uts ipc mnt net pid_ns pid_for_children time time_for_children cgroup user nspids" ] &&
	[ -z "$diffs" ] && [ "$same" -ge 20 ]
ktap_last $? "every thread's namespaces and NSpid agree with /proc/<tid>/ns and status${diffs:+:$diffs}"

# changed A B: the names of the columns in which lines A and B of two
# processes differ; nspids by its number of levels (the pids differ).
changed() {
	echo "$1|$2" | awk -F'|' -v k="$KINDS nspids" '{
		n = split(k, name, " "); split($1, a, " "); split($2, b, " ")
		a[n] = split(a[n], x, ","); b[n] = split(b[n], x, ",")
		for (i = 1; i <= n; i++) if (a[i] != b[i]) s = s (s ? "," : "") name[i]
		print s ? s : "none"
	}'
}

# 3. One process per kind. Each runs sleep; for pid, nsrun forks and the
# sleep is its child.
me=$(proc_line $$)
bad='' ok=0
for kind in user uts ipc mnt net cgroup time pid; do
	"$NSRUN" $kind sleep 1000 &
	n=$!
	bg="${bg:-} $n"
	s=$n
	if [ $kind = pid ]; then
		kid() { s=$(awk -v p="$n" '$4 == p { print $1; exit }' /proc/[0-9]*/stat 2>/dev/null) && [ -n "$s" ]; }
		wait_until 50 kid
	fi
	# Until it has exec'd sleep.
	execd() { [ "$(cat "/proc/$s/comm" 2>/dev/null)" = sleep ]; }
	wait_until 50 execd
	cat "$D/ns" >"$TMP/ns"
	got=$(changed "$me" "$(mod_line "$s")")
	orc=$(changed "$me" "$(proc_line "$s")")
	case $kind in
	time) want=time,time_for_children ;;
	pid) want=pid,pid_for_children,nspids ;;
	*) want=$kind ;;
	esac
	line="$kind: module $got, /proc $orc, want $want"
	if [ $kind = pid ]; then
		# nsrun's own line, and the sleep's pid inside: 1.
		nsp=$(mod_line "$s" | awk '{ print $NF }')
		got_n=$(changed "$me" "$(mod_line "$n")")
		line="$line; nsrun $got_n (want pid_for_children); nspids $nsp"
		[ "$got_n" = pid_for_children ] && [ "${nsp##*,}" = 1 ] || bad="$bad
$line"
	fi
	echo "# $line"
	if [ "$got" = "$want" ] && [ "$orc" = "$want" ]; then ok=$((ok + 1)); else bad="$bad
$line"; fi
	# The sleep first: in a new pid namespace it is nsrun's child, and as
	# that namespace's init it ignores SIGTERM (it has no handler), even
	# from outside; SIGKILL from an ancestor namespace is not ignored.
	kill -KILL $s 2>/dev/null
	kill $n 2>/dev/null
	wait $n 2>/dev/null
done
[ "$ok" = 8 ] && [ -z "$bad" ]
ktap_last $? "a new namespace of each of the 8 kinds changes exactly its columns, in the module and in /proc${bad:+:$bad}"

# 4. A zombie: a child whose parent (an exec'd sleep) never waits.
sh -c 'sleep 0.2 & exec sleep 1000' &
zp=$!
bg="$bg $zp"
zombie() { z=$(awk -v p="$zp" '$4 == p && $3 == "Z" { print $1; exit }' /proc/[0-9]*/stat 2>/dev/null) && [ -n "$z" ]; }
wait_until 50 zombie
cat "$D/ns" >"$TMP/ns"
zm=$(mod_line "$z") zo=$(proc_line "$z")
echo "# zombie $z: module '$zm', /proc '$zo'"
case $zm in
"- - - - $(echo "$me" | awk '{ print $5 }') - - - - $(echo "$me" | awk '{ print $10 }') "*) zok=0 ;;
*) zok=1 ;;
esac
[ -n "$z" ] && [ "$zm" = "$zo" ] && [ $zok = 0 ]
ktap_last $? "a zombie has no nsproxy: '-' but its pid and user namespaces, as in /proc"
kill "$zp"
wait "$zp" 2>/dev/null

# 6. members: every thread's cgroup as /proc/<tid>/cgroup ("0::PATH"), its
# id the inode number of the cgroup's directory. Two sleeps are moved to
# a cgroup of their own first.
mkdir -p "$T/a" "$T/b" && echo +pids >"$T/cgroup.subtree_control"
sleep 1000 &
s1=$!
sleep 1000 &
s2=$!
bg="$bg $s1 $s2"
echo "$s1" >"$T/a/cgroup.procs" && echo "$s2" >"$T/a/cgroup.procs"
cat "$D/members" >"$TMP/members"
tail -n +2 "$TMP/members" | while read -r t _ _ id path; do
	p=$(sed -n 's/^0:://p' "/proc/$t/cgroup" 2>/dev/null) || p=
	[ -n "$p" ] || { echo skip; continue; }
	ino=$(stat -c %i "$CG$p" 2>/dev/null)
	if [ "$p" = "$path" ] && [ "$ino" = "$id" ]; then echo same; else echo "diff $t: module $id $path, /proc $ino $p"; fi
done >"$TMP/mcmp"
same=$(grep -c '^same' "$TMP/mcmp") skipped=$(grep -c '^skip' "$TMP/mcmp")
diffs=$(grep '^diff' "$TMP/mcmp" | head -n 5)
ina=$(awk -v a="$s1" -v b="$s2" '($1 == a || $1 == b) && $5 == "/proclab-test/a"' "$TMP/members" | wc -l)
echo "# members: $same threads agree, $skipped gone; the two sleeps in /proclab-test/a: $ina"
[ -z "$diffs" ] && [ "$same" -ge 20 ] && [ "$ina" = 2 ]
ktap_last $? "members: every thread's cgroup path and id as /proc/<tid>/cgroup and cgroupfs${diffs:+:
$diffs}"

# 7. cgroups: each of the test's cgroups and the root's children: threads
# as cgroup.threads counts them, controllers and subtree_control as
# cgroupfs shows them (space separated there, comma here; empty is -).
cat "$D/cgroups" >"$TMP/cgroups"
sed 's/^/# /' "$TMP/cgroups"
bad=''
for d in "$T" "$T/a" "$T/b"; do
	path=${d#"$CG"}
	c=$(tr ' ' , <"$d/cgroup.controllers") s=$(tr ' ' , <"$d/cgroup.subtree_control")
	want="$(wc -l <"$d/cgroup.threads") ${c:--} ${s:--}"
	got=$(awk -v p="$path" '$5 == p { print $2, $3, $4 }' "$TMP/cgroups")
	[ "$got" = "$want" ] || bad="$bad
$path: module '$got', cgroupfs '$want'"
done
rootc=$(awk '$5 == "/" { print $3, $4 }' "$TMP/cgroups")
rootw="$(tr ' ' , <"$CG/cgroup.controllers") $(tr ' ' , <"$CG/cgroup.subtree_control")"
echo "# root: module '$rootc', cgroupfs '$rootw'"
[ -z "$bad" ] && [ "$rootc" = "$rootw" ]
ktap_last $? "cgroups: threads, controllers and subtree_control as cgroupfs shows them${bad:+:$bad}"
kill "$s1" "$s2"
wait "$s1" "$s2" 2>/dev/null

# 8. pids.max 512: a bounded fork bomb (at most 1,000) started in a cgroup
# of its own forks until the cgroup holds 512 tasks, the bomb included:
# its 512th fork fails with EAGAIN, pids.events counts the refusal, and the
# module finds 512 threads there; a fork outside still works.
mkdir "$T/bomb" && echo 512 >"$T/bomb/pids.max"
mkfifo "$TMP/bomb"
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 1000' sh "$T/bomb" "$FORKBOMB" <"$TMP/bomb" >"$TMP/bout" &
bp=$!
bg="$bg $bp"
exec 5>"$TMP/bomb"
bombed() { [ -s "$TMP/bout" ]; }
wait_until 600 bombed
out=$(cat "$TMP/bout") cur=$(cat "$T/bomb/pids.current")
refused=$(awk '$1 == "max" { print $2 }' "$T/bomb/pids.events")
mod=$(awk '$5 == "/proclab-test/bomb" { print $2 }' "$D/cgroups")
/bin/true
outside=$?
echo x >&5
exec 5>&-
wait "$bp"
echo "# bomb: '$out'; pids.current $cur, pids.events max $refused, module threads $mod; a fork outside: $outside"
[ "$out" = "forked 511 errno EAGAIN" ] && [ "$cur" = 512 ] && [ "${refused:-0}" -ge 1 ] && [ "$mod" = 512 ] && [ $outside = 0 ]
ktap_last $? "pids.max 512: the bomb stops at 512 tasks with EAGAIN, pids.events counts it, the module counts 512 threads, outside unaffected"
rmdir "$T/bomb" "$T/a" "$T/b"

# 9. cpu.max: a CPU-bound process (tests/helpers/spin, 2 s) in a cgroup at
# 50000 100000 and at 20000 100000 (50 % and 20 % of one CPU), the first
# also with two threads, then with no limit. Its share is its own CPU time
# over its own run (the process's CPU clock); cpu.stat's usage_usec must
# grow by as much, nr_periods by about the 20 periods of 2 s, nearly all
# of them throttled, and the longest time a thread was off the CPU is the
# rest of a period once the quota is spent: 50 and 80 ms for one thread;
# two threads on the two CPUs spend 50 ms of quota in 25 ms and wait 75. Tolerances: 5 points of share (the
# quota is enforced per period, the first and last period are partial);
# usage_usec at least 95 % of the CPU clock and at most 100 ms more (it
# also counts the shell that moves itself into the cgroup and execs spin:
# 40-55 ms on the debug kernel); gaps between 80 % of the rest of the
# period and one whole period per thread: one thread is back when the
# period timer refills the quota, but with several the quota is handed
# to the CPUs in 5 ms slices (sched_cfs_bandwidth_slice_us), first come
# first served, so a thread may wait out a further period (110 ms seen
# with two).
echo +cpu >"$T/cgroup.subtree_control" && mkdir "$T/cpu"
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$T/cpu/cpu.stat"; }
bad=''
for qt in 50000:1 20000:1 50000:2 max:1; do
	q=${qt%:*} nt=${qt#*:}
	echo "$q 100000" >"$T/cpu/cpu.max"
	u0=$(stat_of usage_usec) p0=$(stat_of nr_periods) t0=$(stat_of nr_throttled) w0=$(stat_of throttled_usec)
	out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 2000 "$3"' sh "$T/cpu" "$SPIN" "$nt")
	u1=$(stat_of usage_usec) p1=$(stat_of nr_periods) t1=$(stat_of nr_throttled) w1=$(stat_of throttled_usec)
	set -- $out
	gap=$6 cpu=${12}
	share=$((cpu / 20000)) usage=$((u1 - u0)) periods=$((p1 - p0)) thr=$((t1 - t0)) thr_us=$((w1 - w0))
	line="cpu.max $q 100000, $nt thread(s): share $share % (CPU clock $cpu us), usage_usec +$usage, nr_periods +$periods, nr_throttled +$thr, throttled_usec +$thr_us, longest off-CPU gap $((gap / 1000)) ms"
	echo "# $line"
	if [ $q = max ]; then
		[ $share -ge 90 ] && [ $thr = 0 ] && [ $gap -lt 20000 ]
	else
		want=$((q / 1000)) rest=$((100000 - q / nt))
		[ $share -ge $((want - 5)) ] && [ $share -le $((want + 5)) ] &&
			[ $((usage * 20)) -ge $((cpu * 19)) ] && [ $((usage - cpu)) -le 100000 ] &&
			[ $periods -ge 18 ] && [ $periods -le 26 ] && [ $((thr * 4)) -ge $((periods * 3)) ] &&
			[ $((gap * 10)) -ge $((rest * 8)) ] && [ $gap -le $((nt * 100000)) ]
	fi || bad="$bad
$line"
done
rmdir "$T/cpu"
[ -z "$bad" ]
ktap_last $? "cpu.max: 50 % and 20 % of a CPU, throttled every period for the rest of it; no limit, no throttling${bad:+:$bad}"

# 10. cpuset.cpus 1: a spinning process confined to CPU 1 is never seen on
# CPU 0 (field 39 of /proc/<pid>/stat, sampled while it runs, from the
# moment it has exec'd in the cgroup).
echo +cpuset >"$T/cgroup.subtree_control" && mkdir "$T/set" && echo 1 >"$T/set/cpuset.cpus"
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 20000' sh "$T/set" "$SPIN" >/dev/null &
sp=$!
bg="$bg $sp"
spinning() { [ "$(cat "/proc/$sp/comm" 2>/dev/null)" = spin ]; }
wait_until 50 spinning
on0=0 on1=0 n=0
while [ $n -lt 20 ]; do
	case $(proc_stat "$sp" 39) in
	0) on0=$((on0 + 1)) ;;
	1) on1=$((on1 + 1)) ;;
	esac
	n=$((n + 1))
done
eff=$(cat "$T/set/cpuset.cpus.effective")
# The spinner's cgroup has the cpu controller (enabled in $T for case 9):
# its scheduling entity is two groups below the root (se.depth 2), so
# ds/cfs/live, which orders the root run queue, leaves it out and counts it.
module_load proclab_ds
cat "$PROCLAB_DEBUGFS/ds/cfs/live" >"$TMP/live"
in_live=$(awk -v p="$sp" '!/^#/ && !/^cpu / && substr($0, 10, 7) + 0 == p' "$TMP/live" | wc -l)
more=$(sed -n 's/.*; \([0-9]*\) more in cgroups below the root.*/\1/p' "$TMP/live")
depth=$(echo "$sp" >"$PROCLAB_DEBUGFS/tasks/pid" 2>/dev/null && awk -F': ' '$1 == "se_depth" { print $2 }' "$PROCLAB_DEBUGFS/tasks/task")
kill "$sp"
wait "$sp" 2>/dev/null
echo "# cpuset.cpus 1 (effective $eff): sampled on CPU 0 $on0 times, on CPU 1 $on1 times"
[ "$eff" = 1 ] && [ $on0 = 0 ] && [ $on1 = 20 ]
ktap_last $? "cpuset.cpus 1: the process runs on CPU 1 only"
echo "# the spinner in ds/cfs/live: $in_live rows; header: ${more:-?} more below the root; tasks/task se_depth $depth"
[ "$in_live" = 0 ] && [ "${more:-0}" -ge 1 ] && [ "$depth" = 2 ]
ktap_last $? "ds/cfs/live leaves a task of a child task group (se.depth 2) out of the root run queue and counts it"
rmdir "$T/set"

# 11-12. memory.max 32M, no swap: the memory controller's OOM killer
# (mem_cgroup_out_of_memory()) picks its victim inside the cgroup. Its
# report in the kernel log is expected here, nothing else.
klog_expect 'invoked oom-killer'
echo +memory >"$T/cgroup.subtree_control" && mkdir "$T/mem" && echo 32M >"$T/mem/memory.max"
ooms() { awk '$1 == "oom_kill" { print $2 }' "$T/mem/memory.events"; }
# hog MIB ADJ FIFO OUT: tests/helpers/memhog in the cgroup, in the background.
hog() { sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" "$4"' sh "$T/mem" "$MEMHOG" "$1" "$2" <"$3" >"$4" & }
# gone PID: PID has exited (a zombie of this shell until waited for).
gone() { [ "$(proc_stat "$1" 3)" = Z ] || [ ! -d "/proc/$1" ]; }
# 11. One process touching 64 MiB is killed; memory.events counts it, the
# log names it.
k0=$(ooms)
mkfifo "$TMP/m0"
hog 64 0 "$TMP/m0" "$TMP/h0"
h=$!
exec 5>"$TMP/m0"
wait "$h"
st=$?
exec 5>&-
k1=$(ooms)
named=$(dmesg | grep -c "Memory cgroup out of memory: Killed process $h (memhog)")
echo "# memory.max 32M, memhog 64: exit status $st, oom_kill $k0 -> $k1, the log names $h: $named"
[ $st = 137 ] && [ $((k1 - k0)) = 1 ] && [ "$named" = 1 ]
ktap_last $? "memory.max 32M: a process touching 64 MiB is OOM-killed (SIGKILL), memory.events oom_kill +1, the log names it"

# 12. Two processes: A touches 24 MiB and waits, then B touches 16 MiB.
# The kernel kills the one with the highest badness (RSS, swap and page
# tables, plus oom_score_adj thousandths of the limit): A, the larger,
# with no adjustment; B with A at -500 and B at +500, as the course
# recommends to protect A. The choice is the first "Killed process" the
# kernel logs: while the victim's memory is still being freed, the
# survivor's next charge may find the cgroup still full and kill again.
duel() {
	mark=$(dmesg | wc -l)
	mkfifo "$TMP/a$1" "$TMP/b$1"
	hog 24 "$2" "$TMP/a$1" "$TMP/ha$1"
	a=$!
	exec 6>"$TMP/a$1"
	ha=$TMP/ha$1
	touched() { grep -q touched "$ha"; }
	wait_until 300 touched || echo "# A did not report its 24 MiB"
	sa=$(cat "/proc/$a/oom_score")
	hog 16 "$3" "$TMP/b$1" "$TMP/hb$1"
	b=$!
	exec 7>"$TMP/b$1"
	one_gone() { gone "$a" || gone "$b"; }
	wait_until 300 one_gone
	exec 6>&- 7>&-
	wait "$a" "$b" 2>/dev/null
	killed=$(dmesg | tail -n +$((mark + 1)) | sed -n 's/.*Memory cgroup out of memory: Killed process \([0-9]*\) .*/\1/p' | tr '\n' ' ')
	case $killed in
	"$a "*) victim=A ;;
	"$b "*) victim=B ;;
	*) victim=none ;;
	esac
	echo "# adj A $2 B $3: A (24 MiB, oom_score $sa before B) $a, B (16 MiB) $b: the kernel killed $killed(first: $victim)"
}
duel 1 0 0
v1=$victim
duel 2 -500 500
v2=$victim
[ "$v1" = A ] && [ "$v2" = B ]
ktap_last $? "memory.max 32M, A 24 MiB and B 16 MiB: A is killed; with oom_score_adj -500 for A and +500 for B, B is"
rmdir "$T/mem" "$T"

# 13. task: a sleep in new user, uts and net namespaces, its uid_map
# written (0 1000 1), moved to /proclab-test/g with the cpu controller on
# (two levels below the root: se.depth 2), its oom_score_adj 300; against
# /proc/<pid>/ns, NSpid, uid_map, cgroup, oom_score_adj and oom_score.
# Then kthreadd: never an OOM victim (oom_score 0).
mkdir -p "$T/g" && echo +cpu >"$T/cgroup.subtree_control"
"$NSRUN" user,uts,net sleep 1000 &
u=$!
bg="$bg $u"
execd_u() { [ "$(cat "/proc/$u/comm" 2>/dev/null)" = sleep ]; }
wait_until 50 execd_u
echo "0 1000 1" >"/proc/$u/uid_map" && echo "$u" >"$T/g/cgroup.procs" && echo 300 >"/proc/$u/oom_score_adj"
echo "$u" >"$D/task"
cat "$D/task" >"$TMP/task"
key() { awk -F': ' -v k="$1" '$1 == k { print $2; exit }' "$TMP/task"; }
diffs=''
cmp_key() { [ "$2" = "$3" ] || diffs="$diffs
$1: module '$2', /proc '$3'"; }
for k in $KINDS; do
	l=$(readlink "/proc/$u/ns/$k") l=${l#*\[}
	cmp_key "ns_$k" "$(key "ns_$k")" "${l%\]}"
done
cmp_key nspids "$(key nspids)" "$(proc_status "$u" NSpid | tr -s ' \t' ,)"
cmp_key uid_map "$(key uid_map)" "$(awk '{ printf "%s%s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3 }' "/proc/$u/uid_map")"
cmp_key user_ns_level "$(key user_ns_level)" 1
cmp_key user_ns_owner "$(key user_ns_owner)" 0
cmp_key cgroup "$(key cgroup)" "$(sed -n 's/^0:://p' "/proc/$u/cgroup")"
cmp_key cgroup_id "$(key cgroup_id)" "$(stat -c %i "$T/g")"
cmp_key se_depth "$(key se_depth)" 2
cmp_key oom_score_adj "$(key oom_score_adj)" "$(cat "/proc/$u/oom_score_adj")"
cmp_key oom_score "$(key oom_score)" "$(cat "/proc/$u/oom_score")"
echo "# task $u: $(grep -E '^(uid_map|cgroup|se_depth|oom_points|oom_score):' "$TMP/task" | tr '\n' ' ')"
echo 2 >"$D/task"
cat "$D/task" >"$TMP/task"
cmp_key "kthreadd oom_score" "$(key oom_score)" "$(cat /proc/2/oom_score)"
cmp_key "kthreadd oom_points" "$(key oom_points)" "none (never picked)"
kill "$u"
wait "$u" 2>/dev/null
[ -z "$diffs" ]
ktap_last $? "task: namespaces, NSpid, uid_map, cgroup, se.depth and the OOM view agree with /proc and cgroupfs${diffs:+:$diffs}"
rmdir "$T/g" "$T"

# 14. Bad input to task: an errno, nothing changed.
put() { echo "$1" | "$PROCTEST" write "$D/task"; }
echo 1 >"$D/task"
e1=$(put 0) e2=$(put 4194304) e3=$(put 99999999) e4=$(put "1 2") e5=$(put "0x10")
sel=$(awk -F': ' '$1 == "pid" { print $2 }' "$D/task")
echo "# answers: $e1 $e2 $e3 $e4 $e5; still selected: $sel"
[ "$e1" = EINVAL ] && [ "$e2" = ESRCH ] && [ "$e3" = EINVAL ] && [ "$e4" = EINVAL ] && [ "$e5" = EINVAL ] && [ "$sel" = 1 ]
ktap_last $? "task: pid 0, above pid_max, two numbers, hex are EINVAL, no such task ESRCH; the selection stays"

rmmod proclab_containers
ktap_test_result "rmmod proclab_containers" [ ! -d "$D" ]
ktap_finished
