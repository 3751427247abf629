#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_sched: each experiment, measured from /proc as well as by the
# module. The oracles are the kernel's own files: /proc/<pid>/stat (policy,
# priority, processor), /proc/<pid>/sched (sum_exec_runtime, switches,
# sum_block_runtime), /proc/<pid>/schedstat (run_delay, pcount),
# /proc/<pid>/status (Cpus_allowed_list), sched_getattr(2) and
# sched_rr_get_interval(2) (the schedattr helper), the sysctls
# sched_rr_timeslice_ms and /sys/kernel/debug/sched/base_slice_ns.
#
# Every experiment's threads are kernel threads "plsched/<role>"; they park
# when done (a deadline thread exits), so /proc still has their counters.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/sched
SCHEDATTR=/usr/libexec/proclab/schedattr
PINGPONG=/usr/libexec/proclab/pingpong

SCHEDSTATS=/proc/sys/kernel/sched_schedstats
schedstats_old=

test_cleanup() {
	[ -n "$schedstats_old" ] && echo "$schedstats_old" >"$SCHEDSTATS"
}

test_init "$PROCTEST" "$SCHEDATTR" "$PINGPONG"
# sum_block_runtime in /proc/<pid>/sched is counted only while schedstats
# are on (run_delay and pcount are counted always, CONFIG_SCHED_INFO).
schedstats_old=$(cat "$SCHEDSTATS")
echo 1 >"$SCHEDSTATS"
# This shell and what it runs stay on CPU 0: the experiments take the
# highest CPU, and a fair task that wandered there would be run by the fair
# server in the middle of a real-time thread's slice.
taskset -p 1 $$ >/dev/null
ktap_set_plan 18

module_load proclab_sched && [ -w "$D/control" ]
ktap_need $? "module loads and creates sched/control"

# key NAME: a "NAME: value" line of the experiment file.
key() { awk -F': ' -v k="$1" '$1 == k { print $2; exit }' "$D/experiment"; }
# ctl CMD...: one command; fails with the write.
ctl() { line "$@" >"$D/control"; }
# done_now: whether the experiment is done (builtin reads, no fork).
done_now() {
	while read -r _k _v; do
		[ "$_k" = state: ] && [ "$_v" = "done" ] && return 0
	done <"$D/experiment"
	return 1
}
# run CMD...: start an experiment and wait (up to 12 s) until its threads
# are done.
run() {
	ctl "$@" || return 1
	_n=0
	while ! done_now && [ $_n -lt 120 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	done_now
}
# pid ROLE: the pid of the experiment's thread ROLE.
pid() { key "$1.pid"; }
# pid_now ROLE: the same with builtins only, for a measurement that is short
# or must start soon.
pid_now() {
	while read -r _k _v; do
		[ "$_k" = "$1.pid:" ] && echo "$_v" && return
	done <"$D/experiment"
}
# runtime PID: se.sum_exec_runtime from /proc/PID/sched, in ns.
runtime() { ms_to_ns "$(proc_sched "$1" se.sum_exec_runtime)"; }
# pct A B: A as a percentage of B, one decimal.
pct() { echo "$1 $2" | awk '{ printf "%.1f", ($2 > 0) ? 100 * $1 / $2 : 0 }'; }
# within A B PCT: |A - B| <= PCT % of B.
within() { echo "$1 $2 $3" | awk '{ d = $1 - $2; if (d < 0) d = -d; exit !(d <= $2 * $3 / 100) }'; }
# latency_block PID KEY: KEY of the latency file's block for PID.
latency_key() {
	awk -F': ' -v p="$1" -v k="$2" '$1 == "pid" { cur = $2 } cur == p && $1 == k { print $2; exit }' "$D/latency"
}

# latency_check ROLE...: each thread's histograms against the growth of
# /proc/<pid>/schedstat since the module armed its probes (the base it
# prints, read from the same counters before the thread first ran):
# runqlat's count against pcount (exactly, or one off: a wait can be cut by
# the end of the tracing); runqlat's sum against run_delay and cpudist's
# against sum_exec_runtime within 10 % where the mean wait (or run) is at
# least 1 ms and the total at least 20 ms. The kernel reads rq_clock(),
# which a wake-up preemption asks __schedule() not to update again
# (rq_clock_skip_update()): the switch then takes the clock of the wake-up
# or of the last tick, so each short wait is counted as 0 and up to a tick
# (4 ms) of a delayed one moves between the two tasks. The probes read local_clock() at the event.
# LAT_SUMS=0 checks the counts only. Appends to LAT_BAD.
LAT_BAD=
LAT_SUMS=1
latency_check() {
	for r; do
		p=$(pid "$r")
		set -- $(cat "/proc/$p/schedstat")
		exec_ns=$(($1 - $(latency_key "$p" base_sum_exec_runtime_ns)))
		delay=$(($2 - $(latency_key "$p" base_run_delay_ns)))
		count=$(($3 - $(latency_key "$p" base_pcount)))
		h_sum=$(latency_key "$p" runqlat_sum_ns)
		h_count=$(latency_key "$p" runqlat_count)
		c_sum=$(latency_key "$p" cpudist_sum_ns)
		echo "# $r ($p): run_delay +$delay vs runqlat $h_sum; pcount +$count vs $h_count; runtime +$exec_ns vs cpudist $c_sum"
		[ $((h_count - count)) -le 1 ] && [ $((count - h_count)) -le 1 ] ||
			LAT_BAD="$LAT_BAD $r:pcount"
		[ "$LAT_SUMS" = 1 ] || continue
		c_count=$(latency_key "$p" cpudist_count)
		[ "$delay" -lt $((1000000 * count)) ] || [ "$delay" -lt 20000000 ] ||
			within "$h_sum" "$delay" 10 || LAT_BAD="$LAT_BAD $r:run_delay"
		[ "$exec_ns" -lt $((1000000 * c_count)) ] || [ "$exec_ns" -lt 20000000 ] ||
			within "$c_sum" "$exec_ns" 10 || LAT_BAD="$LAT_BAD $r:runtime"
	done
}

# pinned ROLE...: each thread on the experiment's CPU only, and there.
PIN_BAD=
pinned() {
	cpu=$(key cpu)
	for r; do
		p=$(pid "$r")
		[ "$(proc_status "$p" Cpus_allowed_list)" = "$cpu" ] &&
			[ "$(proc_stat "$p" 39)" = "$cpu" ] || PIN_BAD="$PIN_BAD $r"
	done
}

# 1. SCHED_RR rotates two threads of one priority on the time slice; two
# SCHED_FIFO threads at that priority do not rotate: the first keeps the CPU.
# The slice from /proc: the RR threads' runtime over their preemptions.
slice=$(cat /proc/sys/kernel/sched_rr_timeslice_ms)
run rr 10 1500
rr0=$(pid rr0) rr1=$(pid rr1) f0=$(pid fifo0) f1=$(pid fifo1)
set -- $("$SCHEDATTR" "$rr0")
interval=${14:-0}
r0=$(runtime "$rr0") r1=$(runtime "$rr1")
n=$(($(proc_sched "$rr0" nr_involuntary_switches) + $(proc_sched "$rr1" nr_involuntary_switches)))
per=$(echo "$r0 $r1 $n" | awk '{ printf "%d", ($3 > 0) ? ($1 + $2) / $3 / 1000000 : 0 }')
med=$(($(key rr.median_run_ns) / 1000000))
echo "# rr: sched_rr_timeslice_ms $slice, sched_rr_get_interval $interval ns; runtime ${r0}+${r1} ns over $n preemptions = $per ms a slice; module median $med ms"
[ "$interval" = $((slice * 1000000)) ] && [ "$(pct "$r0" "$((r0 + r1))" | cut -d. -f1)" -ge 30 ] &&
	[ "$(pct "$r1" "$((r0 + r1))" | cut -d. -f1)" -ge 30 ] && within "$per" "$slice" 20 &&
	within "$med" "$slice" 20
ktap_last $? "rr: both RR threads run, in slices of ${per} ms (/proc) and ${med} ms (median) against sched_rr_timeslice_ms $slice (20 %)"
g0=$(runtime "$f0") g1=$(runtime "$f1")
big=$g0
[ "$g1" -gt "$big" ] && big=$g1
share=$(pct "$big" "$((g0 + g1))")
ktap_test_result "rr: two FIFO threads at one priority do not rotate: the first has ${share}% of their time (>= 95)" \
	[ "${share%.*}" -ge 95 ]
latency_check rr0 rr1 fifo0 fifo1
pinned rr0 rr1 fifo0 fifo1

# 2. FIFO levels: B at 20 above A at 10 preempts it as it wakes (a short
# wait: the mean run_delay of B's arrivals, from schedstat); B at 10 below
# A at 20 never runs while A spins.
run fifo_levels 10 20 1000
b=$(pid b)
set -- $(cat "/proc/$b/schedstat")
wait_b=$(($2 / ${3:-1}))
share_b=$(pct "$(runtime "$b")" "$(($(runtime "$b") + $(runtime "$(pid a)")))")
pinned a b
run fifo_levels 20 10 1000
b=$(pid b)
share_low=$(pct "$(runtime "$b")" "$(($(runtime "$b") + $(runtime "$(pid a)")))")
echo "# fifo_levels: B above A: mean wait ${wait_b} ns, ${share_b}% of the CPU; B below A: ${share_low}%"
[ "$wait_b" -lt 2000000 ] && [ "${share_b%.*}" -ge 30 ] && [ "${share_low%.*}" -lt 2 ]
ktap_last $? "fifo_levels: the higher thread preempts on wake-up (mean wait ${wait_b} ns < 2 ms), the lower one runs only while the higher sleeps (${share_low}% when it is the lower)"

# 3. SCHED_DEADLINE: policy 6, the parameters sched_getattr(2) returns, and
# a CPU share of runtime/period, 30 ms / 100 ms, within 10 % of 30, from
# schedstat over 1.5 s of the run (15 periods: sampling at any phase of a
# period moves it by 2 points at most). The samples are builtin reads, taken
# first: no fork between clock and counter, nor before them on a slow kernel.
ctl deadline 30000 100000 100000 3000
sleep 0.3
p=$(pid_now dl0)
s1='' s2=''
read -r t1 _ </proc/uptime
read -r s1 _ <"/proc/$p/schedstat"
sleep 1.5
read -r t2 _ </proc/uptime
read -r s2 _ <"/proc/$p/schedstat"
policy=$(proc_stat "$p" 41)
attr=$("$SCHEDATTR" "$p")
allowed=$(proc_status "$p" Cpus_allowed_list)
share=$(echo "${s1:-0} ${s2:-0} $t1 $t2" | awk '{ printf "%.1f", ($1 > 0 && $2 > 0) ? 100 * ($2 - $1) / 1e9 / ($4 - $3) : -1 }')
echo "# deadline: policy $policy, $attr, Cpus_allowed_list $allowed, ${share}% of a CPU"
set -- $attr
[ "$policy" = 6 ] && [ "$8" = 30000000 ] && [ "${10}" = 100000000 ] && [ "${12}" = 100000000 ] &&
	within "$share" 30 10
ktap_last $? "deadline: policy $policy, runtime/deadline/period ${8:-?}/${10:-?}/${12:-?} ns, ${share}% of a CPU against 30 (10 %)"
wait_until 60 done_now

# 4. Admission control: two threads of 0.95 fit in 2 CPUs less the fair
# servers' 2 x 0.05 (admitted); two of 0.96 do not: the second is EBUSY,
# the write fails with it, and no thread of it is left.
got=$(line deadline 960000 1000000 1000000 500 2 | "$PROCTEST" write "$D/control")
sleep 0.2
left=$(grep -l '^plsched/dl' /proc/[0-9]*/comm 2>/dev/null | wc -l)
ok=$(line deadline 950000 1000000 1000000 200 2 | "$PROCTEST" write "$D/control")
wait_until 60 done_now
echo "# admission: 2 x 0.96: $got ($left threads left); 2 x 0.95: $ok; $(key admission_asked)"
[ "$got" = EBUSY ] && [ "$left" = 0 ] && [ "$ok" = ok ]
ktap_last $? "deadline: 2 x 0.96 CPUs refused with $got, nothing left running; 2 x 0.95 admitted ($ok)"

# 5. The class order on one CPU: deadline (10 ms / 100 ms) first, then
# FIFO, then the fair class, NORMAL and BATCH alike and SCHED_IDLE at
# weight 3, which run only on the fair server's 50 ms a second. Shares
# from /proc/<pid>/sched.
run classes 3000
set -- dl fifo normal batch idle
tot=0
for r; do tot=$((tot + $(runtime "$(pid "$r")"))); done
s=
for r; do s="$s $(pct "$(runtime "$(pid "$r")")" "$tot")"; done
pols=
for r; do pols="$pols $(proc_stat "$(pid "$r")" 41)"; done
# SCHED_IDLE's weight is 3 against NORMAL's 1024: under a twentieth of
# NORMAL's runtime, give or take two runs of a tick (4 ms each).
r_idle=$(runtime "$(pid idle)") r_normal=$(runtime "$(pid normal)")
echo "# classes: shares dl fifo normal batch idle:$s; policies$pols; idle $r_idle ns, normal $r_normal ns"
set -- $s
fair=$(echo "$3 $4 $5" | awk '{ print $1 + $2 + $3 }')
[ "$pols" = " 6 1 0 3 5" ] && within "$1" 10 20 && [ "${2%.*}" -ge 80 ] &&
	[ "${fair%.*}" -ge 2 ] && [ "${fair%.*}" -le 8 ] && within "$3" "$4" 40 &&
	[ "$r_idle" -lt $((r_normal / 20 + 8000000)) ]
ktap_last $? "classes: deadline ${1:-?}% (10), FIFO ${2:-?}%, fair ${fair:-?}% (the fair server's 5), NORMAL ${3:-?}% = BATCH ${4:-?}% > IDLE ${5:-?}%"
pinned dl fifo normal batch idle
latency_check dl fifo normal batch idle

# 6. Priority inheritance: low (FIFO 10) holds the lock, high (FIFO 30)
# waits for it, medium (FIFO 20) hogs the CPU for MS; low's section needs
# MS/8 of CPU time (375 ms here). With the rt_mutex
# /proc/<low>/stat's priority shows high's -31 while low holds the lock and
# -11 after; with the mutex it stays -11. High's wait is its
# sum_block_runtime in /proc/<high>/sched.
# boost_seen PID: poll its priority (builtin reads only) until it reads -31,
# for up to 3000 reads.
boost_seen() {
	_p=$1 _n=0 _seen=0
	while [ $_n -lt 3000 ] && read -r _s <"/proc/$_p/stat"; do
		_s=${_s##*) }
		set -- $_s
		[ "${16}" = -31 ] && _seen=1 && break
		_n=$((_n + 1))
	done
	echo "$_seen"
}
ctl pi 3000
lo=$(pid_now low)
boost=$(boost_seen "$lo")
wait_until 80 done_now
after=$(proc_stat "$lo" 18)
w_pi=$(ms_to_ns "$(proc_sched "$(pid high)" sum_block_runtime)")
m_pi=$(key high.wait_ns)
ctl nopi 3000
boost_no=$(boost_seen "$(pid_now low)")
wait_until 80 done_now
w_no=$(ms_to_ns "$(proc_sched "$(pid high)" sum_block_runtime)")
m_no=$(key high.wait_ns)
echo "# pi: boost seen $boost (rt_mutex), $boost_no (mutex); low's priority after $after; high blocked $w_pi ns / $w_no ns (module: $m_pi / $m_no)"
[ "$boost" = 1 ] && [ "$boost_no" = 0 ] && [ "$after" = -11 ]
ktap_last $? "pi: /proc shows low at high's priority -31 while it holds the rt_mutex (seen: $boost), not with the mutex ($boost_no), and -11 after ($after)"
ratio=$(echo "$w_no $w_pi" | awk '{ printf "%.1f", ($2 > 0) ? $1 / $2 : 0 }')
within "$m_pi" "$w_pi" 20 && within "$m_no" "$w_no" 20 && [ "${ratio%.*}" -ge 5 ]
ktap_last $? "pi: high waits ${ratio}x longer without inheritance (>= 5; /proc sum_block_runtime $w_pi vs $w_no ns, the module's waits within 20 %)"

# 7. Preemption: a FIFO waker beside a spinner. Preemptible, the waker takes
# the CPU at its wake-up: its mean wait (run_delay over pcount, from
# schedstat) is under 0.5 ms (a kernel without preemption would keep it
# waiting up to the spinner's end); with the spinner in 10 ms windows of
# preempt_disable() it waits until the window ends: 1 to 14 ms (half a
# window on average, a tick of clock skew; see latency_check).
run preempt 1000
mean_wait() { set -- $(cat "/proc/$1/schedstat"); echo $(($2 / ${3:-1})); }
on=$(mean_wait "$(pid wake)") off=$(mean_wait "$(pid wakeoff)")
m_on=$(($(key wake.runqlat_sum_ns) / $(key wake.runqlat_count)))
echo "# preempt: the waker's mean wait $on ns preemptible (probes: $m_on ns), $off ns with preemption off"
[ "$on" -lt 500000 ] && [ "$m_on" -lt 500000 ] && [ "$off" -ge 1000000 ] && [ "$off" -le 14000000 ]
ktap_last $? "preempt: waker's mean wait ${on} ns with preemption on (< 0.5 ms), ${off} ns with it off (1 to 14 ms)"
pinned spin wake spinoff wakeoff
LAT_SUMS=0
latency_check spin wake spinoff wakeoff
LAT_SUMS=1

# 8. Fair shares (from /proc/<pid>/sched) against the weight table:
# nice 0/5 (1024/335), nice 0/0, BATCH/NORMAL (same weight), IDLE/NORMAL
# (3/1024), and FIFO against NORMAL.
shares() { # ROLE ROLE
	_a=$(runtime "$(pid "$1")") _b=$(runtime "$(pid "$2")")
	pct "$_a" $((_a + _b))
}
run nice 0 5 2000
s05=$(shares nice0 nice1)
latency_check nice0 nice1
base=$(cat /sys/kernel/debug/sched/base_slice_ns)
slices=$(awk 'NR > 3 { print $8 }' "$D/eevdf" | sort -u | tr '\n' ' ')
pred=$(awk -F'= ' '/^base_slice_predicted_ns/ { print $2 }' "$D/eevdf")
run nice 0 0 1000
s00=$(shares nice0 nice1)
run fair batch 1000
sb=$(shares batch normal)
run fair idle 1000
si=$(shares idle normal)
run fifo 1000
sf=$(shares fifo normal)
echo "# shares: nice 0/5 $s05 (75.3), 0/0 $s00, batch $sb, idle $si (0.3), fifo $sf"
within "$s05" 75.3 7 && within "$s00" 50 10 && within "$sb" 50 10 && [ "${si%.*}" -lt 2 ] &&
	[ "${sf%.*}" -ge 90 ]
ktap_last $? "nice 0/5 ${s05}%, 0/0 ${s00}%, BATCH ${sb}%, IDLE ${si}%, FIFO ${sf}% of the CPU against the weights"
echo "# eevdf: slices $slices, base_slice_ns $base, predicted $pred"
[ "$slices" = "$base " ] && [ "$pred" = "$base" ]
ktap_last $? "eevdf: every fair thread's slice is base_slice_ns $base, = 0.7 ms x (1 + ilog2(CPUs)) ($pred)"

# 9. The latency histograms against schedstat, and the pinning, over every
# experiment above; and the experiment's block ("thread: all", the last
# experiment's, fifo) against the pcount growth of both of its threads.
all=$(awk -F': ' '$1 == "thread" { t = $2 } t == "all" && $1 == "runqlat_count" { print $2; exit }' "$D/latency")
grown=0
for r in fifo normal; do
	p=$(pid "$r")
	set -- $(cat "/proc/$p/schedstat")
	grown=$((grown + $3 - $(latency_key "$p" base_pcount)))
done
echo "# latency: all threads' runqlat_count $all, their pcount grew $grown"
[ $((all - grown)) -le 2 ] && [ $((grown - all)) -le 2 ] || LAT_BAD="$LAT_BAD all:pcount"
[ -z "$LAT_BAD" ]
ktap_last $? "latency: runqlat and cpudist agree with run_delay, pcount and sum_exec_runtime${LAT_BAD:+ (off:$LAT_BAD)}"
[ -z "$PIN_BAD" ]
ktap_last $? "every experiment but deadline runs on its one CPU${PIN_BAD:+ (not:$PIN_BAD)}"

# 10. One at a time, and bad parameters: an errno each, nothing started.
ctl nice 0 0 1000
busy=$(line fifo 500 | "$PROCTEST" write "$D/control")
was=$(key experiment)
wait_until 60 done_now
refused "$D/control" EINVAL "prio 0" line rr 0 500
refused "$D/control" EINVAL "prio 100" line rr 100 500
refused "$D/control" EINVAL "MS 99" line classes 99
refused "$D/control" EINVAL "MS 3001" line pi 3001
refused "$D/control" ERANGE "runtime > deadline" line deadline 20000 10000 30000 500
refused "$D/control" ERANGE "deadline > period" line deadline 10000 30000 20000 500
refused "$D/control" EINVAL "runtime < 10 ms" line deadline 9999 20000 30000 500
refused "$D/control" EINVAL "period > 1 s" line deadline 10000 20000 1000001 500
refused "$D/control" EINVAL "N 5" line deadline 10000 20000 30000 500 5
refused "$D/control" EINVAL "fair normal" line fair normal 500
refused "$D/control" EINVAL "nice 20" line nice 0 20 500
refused "$D/control" EINVAL "unknown" line sideways 500
refused "$D/control" EINVAL "missing MS" line nice 0 0
echo "# busy: $busy while '$was' ran; refusals $REFUSED${REFUSED_BAD:+:$REFUSED_BAD}"
[ "$busy" = EBUSY ] && [ "$was" = nice ] && [ -z "$REFUSED_BAD" ] && [ "$(key experiment)" = nice ]
ktap_last $? "EBUSY while an experiment runs; $REFUSED bad commands refused (EINVAL; ERANGE for deadline parameters out of order), the last experiment kept"

# 11. rmmod during each experiment: within 2 s, clean, and no plsched
# thread left (the last one is a thread throttled for most of a 1 s period).
left=
for cmd in "rr 10 3000" "fifo_levels 10 20 3000" "deadline 10000 100000 100000 3000 2" \
	"classes 3000" "pi 3000" "nopi 3000" "preempt 3000" "nice 0 0 3000" "fair idle 3000" "fifo 3000" \
	"deadline 10000 1000000 1000000 3000"; do
	ctl $cmd && sleep 0.3 || left="$left $cmd(start)"
	read -r t1 _ </proc/uptime
	rmmod proclab_sched || left="$left $cmd(rmmod)"
	read -r t2 _ </proc/uptime
	took=$(echo "$t1 $t2" | awk '{ printf "%.2f", $2 - $1 }')
	[ "${took%.*}" -lt 2 ] || left="$left $cmd(${took}s)"
	n=$(grep -l '^plsched/' /proc/[0-9]*/comm 2>/dev/null | wc -l)
	[ "$n" = 0 ] || left="$left $cmd($n)"
	modprobe proclab_sched || left="$left $cmd(modprobe)"
done
[ -z "$left" ]
ktap_last $? "rmmod during each of the 11 experiments: within 2 s, every thread gone${left:+ (not:$left)}"

rmmod proclab_sched
ktap_test_result "rmmod proclab_sched" [ ! -d "$D" ]

# 12. Context switches, with proclab_sched unloaded (its probes would be on
# every switch): two threads and two processes ping-pong on one CPU; every
# hand-off is one switch in /proc/<pid>/status (the cost per switch is for
# the documentation: TCG's time is the emulator's, and scripts/vm --icount
# counts instructions).
tt=$("$PINGPONG" threads 2000 1)
pp=$("$PINGPONG" processes 2000 1)
echo "# $tt; $pp"
# At least one switch per hand-off; a few more where another task (a
# kworker, the fair server) took the CPU in between.
st=$(echo "$tt" | awk '{ print $6 }') sp=$(echo "$pp" | awk '{ print $6 }')
[ "$st" -ge 4000 ] && [ "$st" -le 4200 ] && [ "$sp" -ge 4000 ] && [ "$sp" -le 4200 ]
ktap_last $? "pingpong: 2000 rounds are $st (threads) and $sp (processes) switches in /proc (4000 to 4200)"
ktap_finished
