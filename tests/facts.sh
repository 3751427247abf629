#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks facts: the numbers the course texts disagree on, as this
# kernel has them, against what the kernel shows elsewhere (/proc/slabinfo,
# /proc/meminfo, /proc/sys, /proc/<pid>/sched, /proc/timer_list) and the
# nice-to-weight table of kernel/sched/core.c.

# shellcheck disable=SC2012,SC2046,SC2086,SC2317 # ls counts, lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/tasks

test_cleanup() {
	[ -n "${sleepers:-}" ] && kill -KILL $sleepers 2>/dev/null
}

test_init
ktap_set_plan 7

module_load proclab_tasks && [ -r "$D/facts" ]
ktap_need $? "module loads and creates facts"

# fact NAME: the first word after "NAME: " in the last read of facts.
fact() { awk -v k="$1:" '$1 == k { print $2; exit }' "$TMP/facts"; }

# 1. nice -> weight: one sleeper at each nice value; the weights are those
# of sched_prio_to_weight[] (kernel/sched/core.c) and of /proc/<pid>/sched.
sleepers=
for n in -20 -5 0 5 19; do
	sleep 1000 &
	renice "$n" -p $! >/dev/null
	sleepers="$sleepers $!"
done
cat "$D/facts" >"$TMP/facts"
bad=
set -- $sleepers
for pair in -20:88761 -5:3121 0:1024 5:335 19:15; do
	n=${pair%:*} want=${pair#*:}
	got=$(awk -v n="$n" '/^# nice -> weight/ { on = 1; next } on && $1 == n { print $2 }' "$TMP/facts")
	sched=$(($(proc_sched "$1" se.load.weight) >> 10))
	[ "$got" = "$want" ] && [ "$sched" = "$want" ] || bad="$bad nice $n: module '$got', /proc $sched, table $want;"
	shift
done
ktap_test_result "nice -20/-5/0/5/19 weigh 88761/3121/1024/335/15 in facts and /proc/<pid>/sched" [ -z "$bad" ]
[ -n "$bad" ] && echo "# $bad"

# 2. NICE_0_LOAD: the weight of nice 0, 1024 as the table has it.
ktap_test_result "NICE_0_LOAD is $(fact NICE_0_LOAD)" [ "$(fact NICE_0_LOAD)" = 1024 ]

# 3. pid_max as /proc/sys/kernel/pid_max has it.
want=$(cat /proc/sys/kernel/pid_max)
ktap_test_result "pid_max $(fact pid_max) = /proc/sys/kernel/pid_max $want" [ "$(fact pid_max)" = "$want" ]

# 4. The task_struct slab object: at least sizeof(struct task_struct) (the
# FPU register area follows it, arch_task_struct_size) and at most the
# objsize /proc/slabinfo shows for the cache, which adds alignment and, on
# the debug kernel, KASAN and SLUB debug metadata.
obj=$(fact task_struct_object)
size=$(fact task_struct_size)
if [ -r /proc/slabinfo ]; then
	slab=$(awk '$1 == "task_struct" { print $4 }' /proc/slabinfo)
	[ "$size" -le "$obj" ] && [ "$obj" -le "$slab" ]
	ktap_last $? "task_struct: $size bytes by type, $obj bytes per slab object (slabinfo: $slab)"
else
	ktap_test_skip "task_struct slab object against /proc/slabinfo" "no /proc/slabinfo (CONFIG_SLUB_DEBUG)"
fi

# 5. The kernel stack: /proc/meminfo's KernelStack is one THREAD_SIZE per
# task (threads, plus the idle task of each secondary CPU). meminfo shows the
# global counter, and each CPU keeps a delta of its own until it passes a
# threshold; with VMAP_STACK (the base kernel) a stack is counted page by
# page, so the global figure can sit between two multiples of THREAD_SIZE.
# Reading /proc/sys/vm/stat_refresh folds every CPU's delta in first.
stack=$(fact kernel_stack)
cat /proc/sys/vm/stat_refresh >/dev/null
ks=$(awk '$1 == "KernelStack:" { print $2 * 1024 }' /proc/meminfo)
nt=$(ls -d /proc/[0-9]*/task/[0-9]* | wc -l)
ncpu=$(grep -c '^processor' /proc/cpuinfo)
stacks=$((ks / stack))
[ $((ks % stack)) = 0 ] && [ "$stacks" -ge $((nt - 3)) ] && [ "$stacks" -le $((nt + ncpu + 3)) ]
ktap_last $? "kernel stack $stack bytes: KernelStack $ks bytes = $stacks stacks for $nt threads"

# 6. HZ: jiffies against the monotonic clock over 2 s. A read of
# /proc/timer_list shows "now at N nsecs" first and the tick's "jiffies:"
# later, after every timer of every CPU: on a slow (emulated, loaded) guest
# that takes a while. So each end reads it twice in a row: the jiffies of the
# first read were taken between its "now" and the second read's "now", and
# the rate is bounded from both sides, whatever each read cost.
if [ -r /proc/timer_list ]; then
	tl() { awk '$1 == "now" && $2 == "at" { now = $3 } $1 == "jiffies:" { print $2, now; exit }' /proc/timer_list; }
	# sample: J (jiffies), A and B (nsecs): J was read between A and B.
	sample() {
		set -- $(tl)
		J=$1 A=$2
		set -- $(tl)
		B=$2
	}
	sample
	j1=$J a1=$A b1=$B
	sleep 2
	sample
	want=$(fact HZ)
	set -- $(awk -v dj=$((J - j1)) -v long=$((B - a1)) -v short=$((A - b1)) 'BEGIN {
		printf "%d %d\n", dj * 1e9 / long, (short > 0 ? dj * 1e9 / short + 0.999 : 1e9) }')
	lo=$1 hi=$2
	[ $((want * 10)) -ge $((lo * 9)) ] && [ $((want * 10)) -le $((hi * 11)) ]
	ktap_last $? "HZ $want: jiffies advanced $lo to $hi per second of the monotonic clock"
else
	ktap_test_skip "HZ against jiffies" "no /proc/timer_list"
fi

ktap_finished
