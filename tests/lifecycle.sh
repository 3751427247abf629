#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_lifecycle: copy-on-write page by page, the mm accounting, and the
# event log, against the kernel's own files.
#
# - page: for the first page of cow's mapping (4 MiB), in parent and child, pfn is
#   /proc/<pid>/pagemap's PFN and mapcount is /proc/kpagecount's, before and
#   after the child's write; the two share a read-only page after the fork,
#   the child has its own writable one after its write, and the parent then
#   reuses its page on its own write (7.3's reuse: same pfn, no copy).
# - mm: the sizes equal /proc/<pid>/status, map_count the VMAs of
#   /proc/<pid>/maps, the faults /proc/<pid>/stat's minflt and majflt.
# - events: a shell's child that execs and exits with 99 logs fork, exec,
#   exit (status 99), the shell's wait and the child's free, in that order,
#   the free naming the shell its reaper; under 1,000 forks (6,000 events,
#   more than the ring's 4,096) the counts since a clear match /proc/stat's
#   processes, and kept plus dropped is every event counted.
# - a zombie: a child whose parent never waits shows state Z, its exit
#   logged and no free, and in proclab_tasks' task file PF_EXITING, no mm,
#   no files and its exit code, until the parent dies and init reaps it.
# - a subreaper gets and reaps an orphaned grandchild (reaped_by names it);
#   a traced child is in state t with parent the tracer (TracerPid) and
#   real_parent its forker (PPid) (tests/helpers/family.c).
# - stop signals: SIGTSTP stops a process whose group has a parent outside
#   it in the session, and is discarded in an orphaned group; SIGSTOP stops
#   both (/proc/<pid>/stat's state, SigPnd/ShdPnd for the dequeue).
# - filters: subtree keeps a shell's descendants and not an outsider
#   forked meanwhile; pid keeps one task.
# - bad input: an unknown pid ESRCH, a decimal address, pid 0 and a subtree
#   of 0 EINVAL.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/lifecycle
COW=/usr/libexec/proclab/cow

test_cleanup() {
	[ -n "${cow:-}" ] && kill "$cow" 2>/dev/null
	[ -n "${famp:-}" ] && kill "$famp" 2>/dev/null
	exec 3>&- 4>&- 2>/dev/null
	wait 2>/dev/null
	rmmod proclab_lifecycle 2>/dev/null
	[ -n "${tasks_loaded:-}" ] && rmmod proclab_tasks 2>/dev/null
}

test_init "$PROCTEST" "$COW" /usr/libexec/proclab/family
ktap_set_plan 15

# page_of PID: "pfn writable mapcount exclusive" of the selected address.
page_of() {
	printf '%d 0x%x\n' "$1" "$addr" >"$D/page" &&
		awk '$1 == "pfn:" { p = $2 } $1 == "writable:" { w = $2 } $1 == "mapcount:" { m = $2 }
			$1 == "exclusive:" { x = $2 } END { print p, w, m, x }' "$D/page"
}
# pagemap_of PID: "pfn kpagecount" of the address by /proc/PID/pagemap.
pagemap_of() {
	v=$(dd if="/proc/$1/pagemap" bs=8 skip=$((addr / 4096)) count=1 2>/dev/null | od -An -tx8 | tr -d ' ')
	p=$((0x$v & 0x7fffffffffffff))
	echo "$p $(dd if=/proc/kpagecount bs=8 skip="$p" count=1 2>/dev/null | od -An -td8 | tr -d ' ')"
}

rmmod proclab_lifecycle 2>/dev/null
# proclab_tasks' task file is the module's view of one task (parent,
# real_parent, exit_state, mm, files).
grep -q '^proclab_tasks ' /proc/modules || tasks_loaded=1
modprobe proclab_tasks &&
modprobe proclab_lifecycle && [ -w "$D/page" ] && [ -w "$D/mm" ] && [ -r "$D/events" ]
ktap_need $? "modprobe proclab_lifecycle creates $D/page, mm and events"
kunit=$(dmesg | grep -E '# proclab_tracepoint: pass:[0-9]+ fail:[0-9]+' | tail -n 1)
case $kunit in
*"fail:0 skip:0"*) ktap_test_pass "KUnit suite proclab_tracepoint passed at load (${kunit##*# })" ;;
*) ktap_test_fail "KUnit suite proclab_tracepoint passed at load" "$(dmesg | grep -E 'proclab_tracepoint|not ok' | sed -n 1,30p)" ;;
esac

# cow 16 in the background, driven through a FIFO.
mkfifo "$TMP/in"
"$COW" 4 <"$TMP/in" >"$TMP/out" &
cow=$!
exec 3>"$TMP/in"
cow_cmd() { echo "$1" >&3; wait_until 10 grep -q "^$2\$" "$TMP/out"; }
nap() { sleep 0.1; }
wait_until 20 grep -q '^parent=' "$TMP/out"
hdr=$(head -n 1 "$TMP/out")
parent=$(echo "$hdr" | sed -n 's/.*parent=\([0-9]*\).*/\1/p')
child=$(echo "$hdr" | sed -n 's/.*child=\([0-9]*\).*/\1/p')
addr=$(($(echo "$hdr" | sed -n 's/.*addr=\(0x[0-9a-f]*\).*/\1/p')))
echo "# $hdr"

# 3. After the fork: one page, read-only on both sides, mapped twice.
set -- $(page_of "$parent") $(pagemap_of "$parent") $(page_of "$child") $(pagemap_of "$child")
echo "# after fork: parent pfn $1 writable $2 mapcount $3 (pagemap $5, kpagecount $6); child pfn $7 writable $8 mapcount $9 (pagemap ${11}, kpagecount ${12})"
[ -n "$1" ] && [ "$1" = "$5" ] && [ "$1" = "$7" ] && [ "$7" = "${11}" ] && [ "$2" = 0 ] && [ "$8" = 0 ] &&
	[ "$3" = 2 ] && [ "$6" = 2 ] && [ "$9" = 2 ]
ktap_last $? "after fork: parent and child map pfn $1 (pagemap agrees), read-only, mapcount 2 (kpagecount $6)"

# 4. The child writes: its own page; the parent's is mapped once.
cow_cmd child-write child-wrote
set -- $(page_of "$parent") $(pagemap_of "$parent") $(page_of "$child") $(pagemap_of "$child")
echo "# after the child's write: parent pfn $1 writable $2 mapcount $3 (pagemap $5, kpagecount $6); child pfn $7 writable $8 mapcount $9 exclusive ${10} (pagemap ${11}, kpagecount ${12})"
ppfn=$1
[ "$1" = "$5" ] && [ "$7" = "${11}" ] && [ "$1" != "$7" ] && [ "$8" = 1 ] && [ "${10}" = 1 ] &&
	[ "$3" = 1 ] && [ "$6" = 1 ] && [ "$9" = 1 ] && [ "${12}" = 1 ]
ktap_last $? "after the child's write: the child has pfn $7, writable, exclusive; the parent keeps pfn $1, mapped once"

# 5. The parent writes: it reuses its page, now its alone.
cow_cmd parent-write parent-wrote
set -- $(page_of "$parent") $(pagemap_of "$parent")
[ "$1" = "$ppfn" ] && [ "$1" = "$5" ] && [ "$2" = 1 ] && [ "$4" = 1 ]
ktap_last $? "after the parent's write: same pfn $1 (no copy), writable, exclusive"

# 6. mm against /proc/<pid>/status, maps and stat, for both.
bad=
for p in $parent $child; do
	echo "$p" >"$D/mm"
	for k in VmSize VmRSS RssAnon RssFile RssShmem VmSwap VmPTE; do
		mine=$(awk -v k="$k:" '$1 == k { print $2 }' "$D/mm")
		theirs=$(proc_status "$p" "$k" | awk '{ print $1 }')
		[ "$mine" = "$theirs" ] || bad="$bad $p $k $mine/$theirs;"
	done
	vmas=$(grep -vc '\[vsyscall\]' "/proc/$p/maps")
	mc=$(awk '$1 == "map_count:" { print $2 }' "$D/mm")
	[ "$mc" = "$vmas" ] || bad="$bad $p map_count $mc/$vmas;"
	mf=$(awk '$1 == "min_flt:" { print $2 }' "$D/mm") jf=$(awk '$1 == "maj_flt:" { print $2 }' "$D/mm")
	[ "$mf" = "$(proc_stat "$p" 10)" ] && [ "$jf" = "$(proc_stat "$p" 12)" ] || bad="$bad $p faults $mf $jf;"
done
[ -z "$bad" ]
ktap_last $? "mm of parent and child: sizes as /proc/<pid>/status, map_count as maps, faults as stat${bad:+ ($bad)}"
cow_cmd quit quit
wait "$cow"
cow=

# reaped_by PID [FILE]: the reaped_by of PID's free in the event log.
reaped_by() {
	awk -v p="$1" '$3 == "free" && $4 == p { sub(/^reaped_by=/, "", $NF); print $NF }' "${2:-$D/events}"
}
# task_key PID KEY: KEY's value in proclab_tasks' task file for PID.
task_key() {
	echo "$1" >"$PROCLAB_DEBUGFS/tasks/pid" &&
		awk -v k="$2:" '$1 == k { sub(/^[^:]*: /, ""); print; exit }' "$PROCLAB_DEBUGFS/tasks/task"
}

# 7. The life of one child: fork, exec, exit 99, the wait, the free.
echo clear >"$D/control"
sh -c 'echo $$ >'"$TMP/sh"'; sh -c "exit 99"; :'
# A free is traced in an RCU callback (delayed_put_task_struct()), a grace
# period after the reap: wait for its record, not only for the reap.
# wait_free CMD...: wait_until for such a state, at most 10 s.
wait_free() {
	nap() { sleep 0.1; }
	wait_until 100 "$@"
}
sh_pid=$(cat "$TMP/sh")
# The free of the shell's child (a record line: the counts line names "free" too).
freed() { awk -v s="$sh_pid" '$3 == "fork" && $6 == s { c = $4 } c && $3 == "free" && $4 == c { f = 1 } END { exit !f }' "$D/events"; }
wait_free freed
# The child: the pid the shell forked and that exited with 99.
grep -E '^ *[0-9]+ ' "$D/events" >"$TMP/ev"
c=$(awk -v s="$sh_pid" '$3 == "fork" && $6 == s { print $4 }' "$TMP/ev" | head -n 1)
# The child's own events in order, and whether the shell waited before the
# free (no tracepoint names the reaper: the wait that ends with the free is
# the shell's).
order=$(awk -v c="$c" '$4 == c { printf "%s ", $3 }' "$TMP/ev")
waited=$(awk -v c="$c" -v s="$sh_pid" '$3 == "wait" && $4 == s { w = 1 } $3 == "free" && $4 == c { print w + 0; exit }' "$TMP/ev")
status=$(awk -v c="$c" '$3 == "exit" && $4 == c { for (i = 8; i <= NF; i++) if ($i ~ /^status=/) print substr($i, 8) }' "$TMP/ev")
reaper=$(reaped_by "$c" "$TMP/ev")
echo "# shell $sh_pid, child $c: $order(status $status; the shell waited before the free: $waited; reaped_by $reaper)"
grep -E " ($sh_pid|$c) " "$TMP/ev" | sed 's/^/# /'
[ -n "$c" ] && [ "$order" = "fork exec exit free " ] && [ "$status" = 99 ] && [ "$waited" = 1 ] &&
	[ "$reaper" = "$sh_pid" ]
ktap_last $? "sh -c 'exit 99' as a child of $sh_pid: fork, exec, exit (status 99), free, in that order, the shell waiting before the free and named its reaper"

# 8. A fork storm (1,000 forks, 6,000 events): the counts against /proc/stat's processes (forks since
# boot), read with shell builtins so that the test itself forks only where
# it means to.
processes() { while read -r k v; do [ "$k" = processes ] && P=$v; done </proc/stat; }
echo clear >"$D/control"
processes
p0=$P
i=0
while [ $i -lt 1000 ]; do /bin/true; i=$((i + 1)); done
processes
p1=$P
read -r counts <"$D/events"
echo "$counts"
set -- $counts
# "# events: fork N exec N exit N wait N free N kept N dropped N capacity N"
forks=$4 total=$(($4 + $6 + $8 + ${10} + ${12})) kept=${14} dropped=${16}
forked=$((p1 - p0))
[ "$forks" -ge "$forked" ] && [ "$forks" -le $((forked + 3)) ] && [ $((kept + dropped)) = "$total" ] && [ "$dropped" -gt 0 ]
ktap_last $? "1000 forks: $forks fork events since the clear, /proc/stat counted $forked; $kept kept and $dropped dropped of $total"

# 9. A zombie, then an orphan: sh starts sleep 0.2 in the background and
# execs sleep 30, which never waits. The child exits and stays a zombie
# (state Z, exit logged, no free) until its parent dies; then it is
# reparented to init (pid 1 here, no subreaper), which reaps it (free).
echo clear >"$D/control"
sh -c 'sleep 0.2 & echo $! >'"$TMP/z"'; exec sleep 30' &
zp=$!
nap() { sleep 0.1; }
wait_until 10 test -s "$TMP/z"
z=$(cat "$TMP/z")
zombie() { [ "$(proc_stat "$z" 3)" = Z ]; }
wait_until 20 zombie
zstate=$(proc_stat "$z" 3) zppid=$(proc_stat "$z" 4)
# The module's view of the zombie: exiting, no mm and no files any more,
# its exit code kept for the parent.
zview="$(task_key "$z" exit_state)|$(task_key "$z" mm)|$(task_key "$z" open_fds)|$(task_key "$z" exit_code)|$(task_key "$z" flags)"
ev_of() { awk -v p="$1" -v k="$2" '$3 == k && $4 == p { n++ } END { print n + 0 }' "$D/events"; }
exits=$(ev_of "$z" exit) frees=$(ev_of "$z" free)
kill "$zp"
wait "$zp" 2>/dev/null
gone() { [ ! -d "/proc/$z" ] && [ "$(ev_of "$z" free)" = 1 ]; }
wait_free gone
rc=$?
echo "# zombie $z: state $zstate, parent $zppid (the exec'd sleep $zp), $exits exit and $frees free events; after the parent's death: reaped ($rc, reaped_by $(reaped_by "$z"))"
echo "# tasks/task of the zombie: exit_state|mm|open_fds|exit_code|flags: $zview"
case $zview in
"ZOMBIE|NULL (exited)|- (no files_struct)|0|"*EXITING*) zok=0 ;;
*) zok=1 ;;
esac
[ "$zstate" = Z ] && [ "$zppid" = "$zp" ] && [ "$exits" = 1 ] && [ "$frees" = 0 ] && [ $rc = 0 ] && [ $zok = 0 ]
ktap_last $? "a child whose parent never waits is a zombie (Z, exit logged, not freed; PF_EXITING, no mm, no files, exit code kept) until the parent dies, then is reaped (freed) by its new parent"

# 10. A subreaper: the orphaned grandchild goes to it, not to init, and it
# reaps it. 11. A traced child: state t, TracerPid the tracer, PPid still
# its real parent (ptrace makes the tracer its parent, not its real_parent).
FAMILY=/usr/libexec/proclab/family
# family_run MODE: starts it on a FIFO; its first line in $fam.
family_run() {
	rm -f "$TMP/fin" "$TMP/fout"
	mkfifo "$TMP/fin"
	"$FAMILY" "$1" <"$TMP/fin" >"$TMP/fout" &
	famp=$!
	exec 4>"$TMP/fin"
	wait_until 20 grep -q '^me=' "$TMP/fout"
	fam=$(head -n 1 "$TMP/fout")
}
field() { echo "$fam" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
echo clear >"$D/control"
family_run subreaper
me=$(field me) g=$(field g)
gppid=$(proc_stat "$g" 4)
echo x >&4
wait "$famp"
exec 4>&-
reaped() { [ "$(awk -v p="$g" '$3 == "free" && $4 == p' "$D/events")" ]; }
wait_free reaped
rc=$?
echo "# subreaper $me: orphan $g had parent $gppid; freed: $rc, reaped_by $(reaped_by "$g"); $(tail -n 1 "$TMP/fout")"
[ -n "$g" ] && [ "$gppid" = "$me" ] && [ $rc = 0 ] && grep -q '^reaped$' "$TMP/fout" &&
	[ "$(reaped_by "$g")" = "$me" ]
ktap_last $? "an orphan goes to the subreaper ($me, PR_SET_CHILD_SUBREAPER), not to init, which reaps it"
family_run ptrace
me=$(field me) c=$(field c) t=$(field t)
st=$(proc_stat "$c" 3) tracer=$(proc_status "$c" TracerPid) ppid=$(proc_status "$c" PPid)
mparent=$(task_key "$c" parent) mreal=$(task_key "$c" real_parent) mstate=$(task_key "$c" state)
echo x >&4
wait "$famp"
exec 4>&-
echo "# traced $c: state $st, TracerPid $tracer (tracer $t), PPid $ppid (real parent $me); tasks/task: state $mstate, parent $mparent, real_parent $mreal"
[ "$st" = t ] && [ "$tracer" = "$t" ] && [ "$ppid" = "$me" ] && [ "$mparent" = "$t" ] &&
	[ "$mreal" = "$me" ] && [ "${mstate%% *}" = t ]
ktap_last $? "a traced child is in state t, its parent the tracer (TracerPid), its real_parent the forker (PPid)"

# 12. Stop signals: SIGTSTP stops a process of a group with a parent
# outside it in the same session (A), SIGSTOP stops it too; in an orphaned
# group (B, a session of its own) SIGTSTP is discarded once dequeued
# (get_signal(): is_current_pgrp_orphaned()), SIGSTOP still stops.
family_run stop
a=$(field a) b=$(field b)
sigpend() { awk '$1 == "ShdPnd:" || $1 == "SigPnd:" { s = s $2 } END { print s }' "/proc/$1/status"; }
stopped() { [ "$(proc_stat "$1" 3)" = T ]; }
not_pending() { [ "$(sigpend "$1")" = 00000000000000000000000000000000 ]; }
nap() { sleep 0.05; }
r=
kill -TSTP "$a"; wait_until 10 stopped "$a"; r="$r $?"
kill -CONT "$a"; kill -STOP "$a"; wait_until 10 stopped "$a"; r="$r $?"
kill -CONT "$a"
kill -TSTP "$b"; wait_until 10 not_pending "$b"; r="$r $?"
sleep 1
bst=$(proc_stat "$b" 3)
kill -STOP "$b"; wait_until 10 stopped "$b"; r="$r $?"
echo x >&4
wait "$famp"
exec 4>&-
echo "# A $a (group with a parent outside it): SIGTSTP and SIGSTOP stopped it; B $b (orphaned group): after SIGTSTP was dequeued, state $bst a second later, then SIGSTOP stopped it ($r)"
[ "$r" = " 0 0 0 0" ] && [ "$bst" = S ]
ktap_last $? "SIGTSTP stops a process of a non-orphaned group, is discarded in an orphaned one; SIGSTOP stops both"

# 13. Filters. subtree: a shell S (held on a FIFO until the filter is
# set) forks a child and a grandchild, while the test shell forks /bin/true
# outside it; every kept event is S's or of a task forked (by the log) from
# one already in it, S's fork events are its 2 forks and the grandchild's,
# the outsider is absent. pid: a sleep's events only, its exit and free
# among them.
mkfifo "$TMP/go"
sh -c 'read -r _ <"$1"; /bin/true; sh -c "/bin/true; :"; :' sh "$TMP/go" &
s=$!
echo "filter subtree $s" >"$D/control"
echo clear >"$D/control"
echo go >"$TMP/go"
/bin/true &
u=$!
wait "$s" "$u"
grep -E '^ *[0-9]+ ' "$D/events" >"$TMP/sub"
echo "filter none" >"$D/control"
set -- $(awk -v s="$s" -v u="$u" 'BEGIN { in_tree[s] = 1 }
	$3 == "fork" && ($6 in in_tree) { in_tree[$5] = 1; forks++ }
	!($5 in in_tree) { stray++ }
	$4 == u { outsider++ }
	END { print forks + 0, stray + 0, outsider + 0, NR }' "$TMP/sub")
sforks=$1 stray=$2 outsider=$3 nsub=$4
sed 's/^/# /' "$TMP/sub" | head -n 30
sleep 30 &
v=$!
echo "filter pid $v" >"$D/control"
echo clear >"$D/control"
kill "$v"
wait "$v" 2>/dev/null
only_v() { awk -v v="$v" '$3 == "free" && $4 == v { f = 1 } END { exit !f }' "$D/events"; }
wait_free only_v
kinds=$(awk '/^ *[0-9]+ / { printf "%s:%s ", $3, ($4 == v) }' v="$v" "$D/events")
echo "filter none" >"$D/control"
echo "# subtree $s: $nsub events, $sforks forks in the tree, $stray outside it, $outsider of the outsider $u; pid $v: $kinds"
# (The sleep's exec may come after the filter: its fork may not.)
case " $kinds" in
*:0* | *" fork:"*) kok=1 ;;
*" exit:1 "*"free:1 "*) kok=0 ;;
*) kok=1 ;;
esac
[ "$sforks" = 3 ] && [ "$stray" = 0 ] && [ "$outsider" = 0 ] && [ $kok = 0 ]
ktap_last $? "filter subtree keeps a process and its descendants only, filter pid one task only"

# 14. Bad input.
# put FILE TEXT: the answer to writing TEXT to FILE (ok, or the errno's name).
put() { "$PROCTEST" write "$D/$1" <<EOF
$2
EOF
}
e1=$(put page "999999 0x1000") e2=$(put page "1 1234") e3=$(put mm 0) e4=$(put control "filter subtree 0")
echo "# answers: $e1 $e2 $e3 $e4"
[ "$e1" = ESRCH ] && [ "$e2" = EINVAL ] && [ "$e3" = EINVAL ] && [ "$e4" = EINVAL ]
ktap_last $? "an unknown pid is ESRCH, a decimal address and pid 0 EINVAL"

rmmod proclab_lifecycle
ktap_test_result "rmmod proclab_lifecycle with the probes attached" [ ! -d "$D" ]
ktap_finished
