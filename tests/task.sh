#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks pid/task: one task in depth, against /proc/<pid>/status and
# /proc/<pid>/sched read at nearly the same moment; and the pid file's
# handling of bad input (an errno, nothing changed, a clean log).

# shellcheck disable=SC2012,SC2086,SC2317 # ls counts, lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/tasks

test_cleanup() {
	[ -n "${victim:-}" ] && kill -KILL $victim 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 11

module_load proclab_tasks && [ -w "$D/pid" ] && [ -r "$D/task" ]
ktap_need $? "module loads and creates pid and task"

# 1. pid is 0600, task 0400, both root's.
modes="$(stat -c '%a %U' "$D/pid") $(stat -c '%a %U' "$D/task")"
ktap_test_result "pid is 0600 and task 0400, owned by root (got '$modes')" [ "$modes" = "600 root 400 root" ]

# key NAME: the value of "NAME: value" in the last read of task.
key() { awk -F': ' -v k="$1" '$1 == k { print $2; exit }' "$TMP/task"; }
# sched NAME: the value of NAME in the last read of /proc/<victim>/sched.
sched() { awk -v k="$1" '$1 == k { print $3; exit }' "$TMP/sched"; }

# 2. A stopped task does not run, so its scheduler fields hold still and
# must agree exactly with /proc/<pid>/sched and /proc/<pid>/status.
sleep 1000 &
victim=$!
renice 3 -p "$victim" >/dev/null
kill -STOP "$victim"
sleep 0.2
echo "$victim" >"$D/pid"
cat "$D/task" >"$TMP/task"
cat "/proc/$victim/sched" >"$TMP/sched"
cat "/proc/$victim/status" >"$TMP/status"
st() { awk -v k="$1:" '$1 == k { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$TMP/status"; }
diffs=
cmp_field() { [ "$2" = "$3" ] || diffs="$diffs
$1: module '$2', /proc '$3'"; }
cmp_field pid "$(key pid)" "$victim"
cmp_field state "$(key state | cut -c1)" "$(st State | cut -c1)"
cmp_field threads "$(key threads)" "$(st Threads)"
cmp_field cpus_mask "$(key cpus_mask)" "$(st Cpus_allowed_list)"
cmp_field uid "$(key uid)" "$(st Uid | awk '{ print $1 }')"
cmp_field euid "$(key euid)" "$(st Uid | awk '{ print $2 }')"
cmp_field gid "$(key gid)" "$(st Gid | awk '{ print $1 }')"
cmp_field nvcsw "$(key nvcsw)" "$(st voluntary_ctxt_switches)"
cmp_field nivcsw "$(key nivcsw)" "$(st nonvoluntary_ctxt_switches)"
cmp_field vruntime "$(key vruntime)" "$(ms_to_ns "$(sched se.vruntime)")"
cmp_field sum_exec_runtime "$(key sum_exec_runtime)" "$(ms_to_ns "$(sched se.sum_exec_runtime)")"
cmp_field nr_switches "$(($(key nvcsw) + $(key nivcsw)))" "$(sched nr_switches)"
cmp_field policy "$(key policy)" "$(policy_name "$(sched policy)")"
cmp_field prio "$(key prio)" "$(sched prio)"
cmp_field weight "$(key weight)" "$(($(sched se.load.weight) >> 10))"
cmp_field nice "$(key nice)" 3
cmp_field ppid "$(key ppid)" "$(st PPid)"
cmp_field sigblk "$(key blocked)" "$(st SigBlk)"
cmp_field sigpnd "$(key pending)" "$(st SigPnd)"
cmp_field fds "$(key open_fds)" "$(ls "/proc/$victim/fd" | wc -l)"
# The PPid chain up to init, whose PPid is 0 (the swapper). Every process
# here was forked by a thread group leader, so a tgid is also the pid.
chain='' p=$victim
while [ "$p" != 0 ]; do
	p=$(awk '$1 == "PPid:" { print $2 }' "/proc/$p/status")
	chain="$chain $p"
done
cmp_field ancestors "$(key ancestors)" "${chain# }"
if [ -z "$diffs" ]; then
	ktap_test_pass "task of a stopped sleep agrees with /proc/$victim/status and sched (21 fields)"
else
	ktap_test_fail "task agrees with /proc/$victim/status and sched" "$diffs"
fi

# 3. A running task: the counters only grow between the two reads.
kill -CONT "$victim"
cat "/proc/$$/status" >"$TMP/status"
echo $$ >"$D/pid"
cat "$D/task" >"$TMP/task"
v1=$(st voluntary_ctxt_switches)
v2=$(key nvcsw)
cat "/proc/$$/status" >"$TMP/status"
v3=$(st voluntary_ctxt_switches)
[ "$v1" -le "$v2" ] && [ "$v2" -le "$v3" ]
ktap_last $? "nvcsw of this shell lies between two /proc reads ($v1 <= $v2 <= $v3)"

# 4. A kernel thread: no mm, PF_KTHREAD.
echo 2 >"$D/pid"
cat "$D/task" >"$TMP/task"
[ "$(key mm)" = "NULL (kernel thread)" ] && key flags | grep -q KTHREAD
ktap_last $? "kthreadd: mm NULL, flags name KTHREAD ($(key flags))"

# 5. Memory of a user task against /proc: VmSize is total_vm in kB, and
# map_count is the number of lines of /proc/<pid>/maps but the
# [vsyscall] page, which procfs adds (get_gate_vma()) and is not a VMA of
# the mm.
echo "$victim" >"$D/pid"
cat "$D/task" >"$TMP/task"
vm_kb=$(proc_status "$victim" VmSize | awk '{ print $1 }')
maps=$(grep -cv '\[vsyscall\]$' "/proc/$victim/maps")
[ "$(($(key total_vm) * 4))" = "$vm_kb" ] && [ "$(key map_count)" = "$maps" ]
ktap_last $? "total_vm $(key total_vm) pages = VmSize $vm_kb kB, map_count $(key map_count) = $maps maps"

# 6. Bad writes: each fails with its errno, the selection stays, the module
# keeps working. proctest write makes exactly one write() call.
sel=$(cat "$D/pid")
sleep 0.1 &
gone=$!
wait "$gone"
bad=
# (Each input goes through a file: in ash the last command of a pipeline
# runs in a subshell, where the failures it records would be lost.)
bad_write() { # DESC WANT_ERRNO CMD...: CMD writes the input
	_d=$1 _want=$2
	shift 2
	"$@" >"$TMP/in"
	got=$("$PROCTEST" write "$D/pid" <"$TMP/in")
	now=$(cat "$D/pid")
	if [ "$got" != "$_want" ] || [ "$now" != "$sel" ]; then
		bad="$bad
$_d: got '$got' (want $_want), selection '$now' (want $sel)"
	fi
}
line() { printf '%s\n' "$*"; }
bad_write "empty write" EINVAL printf ''
bad_write "a lone newline" EINVAL line
bad_write "abc" EINVAL line abc
bad_write "-1" EINVAL line -1
bad_write "0" EINVAL line 0
bad_write "leading space" EINVAL line ' 12'
bad_write "trailing space" EINVAL line '12 '
bad_write "two newlines" EINVAL printf '1\n\n'
bad_write "+1" EINVAL line +1
bad_write "0x10" EINVAL line 0x10
bad_write "99999999999999999999 (overflows)" EINVAL line 99999999999999999999
bad_write "2^31 (overflows pid_t)" EINVAL line 2147483648
bad_write "pid_max + 1" EINVAL line "$(($(cat /proc/sys/kernel/pid_max) + 1))"
bad_write "1 MiB of zeros" EINVAL head -c 1048576 /dev/zero
bad_write "non-UTF-8 bytes" EINVAL printf '\377\376'
bad_write "a pid that just exited ($gone)" ESRCH line "$gone"
ktap_test_result "16 bad writes to pid fail with EINVAL/ESRCH and keep pid $sel selected" [ -z "$bad" ]
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'

# 7. The module still works after them.
cat "$D/task" >"$TMP/task"
ktap_test_result "task still reads pid $sel after the bad writes" [ "$(key pid)" = "$sel" ]

# 8. A good write with and without a newline.
printf '%s' 1 | "$PROCTEST" write "$D/pid" >/dev/null
a=$(cat "$D/pid")
echo "$victim" | "$PROCTEST" write "$D/pid" >/dev/null
b=$(cat "$D/pid")
[ "$a" = 1 ] && [ "$b" = "$victim" ]
ktap_last $? "'1' and '$victim\\n' select pid 1 and pid $victim (got $a, $b)"

# 9. A selected task that exits and is reaped: task keeps reading it (our
# reference keeps the task_struct; KASAN would report a use after free).
proctest_start fork
set -- $READY
echo "$3" >"$D/pid"
cat "$D/task" >/dev/null
proctest_stop
sleep 0.3
cat "$D/task" >"$TMP/task"
[ "$(key pid)" = "$3" ] && [ "$(key exit_state)" != "-" ]
ktap_last $? "a selected task that exited reads as exited (exit_state $(key exit_state), state $(key state))"

# 10. Children and siblings: a shell with three children; /proc's PPid
# lines are the oracle.
sh -c 'sleep 1000 & sleep 1000 & sleep 1000 & wait' &
parent=$!
victim="$victim $parent"
sleep 0.5
# (busybox has no pkill: the children are those pids, killed by hand.)
kidpids=$(grep -l "^PPid:[[:space:]]*$parent\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3)
victim="$victim $kidpids"
kids=$(echo $kidpids | wc -w)
echo "$parent" >"$D/pid"
cat "$D/task" >"$TMP/task"
c=$(key children)
kid=${kidpids%%[!0-9]*}
echo "$kid" >"$D/pid"
cat "$D/task" >"$TMP/task"
sib=$(key siblings)
kill -KILL $kidpids 2>/dev/null
[ "$c" = "$kids" ] && [ "$kids" = 3 ] && [ "$sib" = $((kids - 1)) ]
ktap_last $? "children $c (/proc: $kids) and siblings of one child $sib (want $((kids - 1)))"

ktap_finished
