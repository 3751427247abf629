#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_contexts: one probe in every execution context. The module's KUnit
# suite (proclab_context) passed at load. "probe" written by this shell: the
# process row is this shell ($$, its comm as /proc/$$/comm); the kthread and
# workqueue rows name tasks whose /proc/<pid>/comm starts with the comm the
# module saw (procfs adds a kworker's work, "+events", and a kthread's full
# name) and are in task context with nothing held; the hard-IRQ rows
# (hrtimer_hard, irq_work) count a hard IRQ with interrupts off, the softirq
# rows (bh_workqueue, tasklet, timer, hrtimer_soft) serve a softirq with
# interrupts on, outside task context; may_sleep is 1 in exactly the three
# task rows with nothing held; /proc/softirqs TIMER, HRTIMER, TASKLET and
# /proc/interrupts IWI grew across the probe by at least the probes run
# there. Each process+<lock> row's preempt_count is computed here from the
# definitions of include/linux/preempt.h (7.3), not read from the module,
# and every row's decoded columns match its hex count decoded here. The
# bottom-half latency command counts every run, in the context each bottom
# half runs in; it is refused with EBUSY while one runs, ends on a signal,
# and pins the module while it runs. Bad commands are refused with EINVAL.

# shellcheck disable=SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/contexts

test_cleanup() {
	[ -n "${bg:-}" ] && kill "$bg" 2>/dev/null
	wait 2>/dev/null
	rmmod proclab_contexts 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 17

# The layout of preempt_count() in 7.3 (include/linux/preempt.h): bits 0-7
# preempt, 8-15 softirq, 16-23 hardirq disable, 24-27 hardirq, 28 NMI
# and up (x86-64 with PREEMPT_COUNT selects HAS_SEPARATE_PREEMPT_RESCHED_BITS,
# which makes NMI_BITS 4: bits 28-31).
PREEMPT_SHIFT=0 SOFTIRQ_SHIFT=8 HARDIRQ_DISABLE_SHIFT=16 HARDIRQ_SHIFT=24 NMI_SHIFT=28 NMI_BITS=4
PREEMPT_OFFSET=$((1 << PREEMPT_SHIFT))
SOFTIRQ_OFFSET=$((1 << SOFTIRQ_SHIFT))
SOFTIRQ_DISABLE_OFFSET=$((2 * SOFTIRQ_OFFSET))
HARDIRQ_DISABLE_OFFSET=$((1 << HARDIRQ_DISABLE_SHIFT))
# CONFIG_PREEMPT_COUNT=y, !PREEMPT_RT: spin_lock() disables preemption.
PREEMPT_LOCK_OFFSET=$PREEMPT_OFFSET
SOFTIRQ_LOCK_OFFSET=$((SOFTIRQ_DISABLE_OFFSET + PREEMPT_LOCK_OFFSET))
# spin_lock_irq_disable() (SpinLockIrq): local_interrupt_disable() adds
# HARDIRQ_DISABLE_OFFSET, then preempt_disable().
IRQ_DISABLE_LOCK=$((HARDIRQ_DISABLE_OFFSET + PREEMPT_LOCK_OFFSET))
# rcu_read_lock(): counted in the task under PREEMPT_RCU (its grace-period
# kthread is rcu_preempt), a preempt_disable() without it.
RCU_OFFSET=$PREEMPT_OFFSET
for c in /proc/[0-9]*/comm; do
	[ "$(cat "$c" 2>/dev/null)" = rcu_preempt ] && RCU_OFFSET=0 && break
done

# softirqs NAME: the count of NAME summed over the CPUs in /proc/softirqs.
softirqs() { awk -v k="$1:" '$1 == k { s = 0; for (i = 2; i <= NF; i++) s += $i; print s }' /proc/softirqs; }
# interrupts NAME: the same in /proc/interrupts (the text after the counts skipped).
interrupts() {
	awk -v k="$1:" '$1 == k { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}
# col ROW NAME: column NAME of row ROW of the probe table.
col() {
	awk -v r="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		$1 == r { print $h[c]; exit }' "$TMP/probe"
}

rmmod proclab_contexts 2>/dev/null
# 1. Load; the KUnit suite runs during the load.
modprobe proclab_contexts && [ -w "$D/control" ] && [ -r "$D/probe" ] && [ -r "$D/latency" ]
ktap_need $? "modprobe proclab_contexts creates $D/control, probe and latency"
kunit=$(dmesg | grep -E '# proclab_context: pass:[0-9]+ fail:[0-9]+' | tail -n 1)
case $kunit in
*"fail:0"*) ktap_test_pass "KUnit suite proclab_context passed at load (${kunit##*# })" ;;
*) ktap_test_fail "KUnit suite proclab_context passed at load" "$(dmesg | grep -E 'proclab_context|not ok' | sed -n 1,30p)" ;;
esac

# 2. One probe, written by this shell itself (echo is a builtin: the write
# is this process's).
t0=$(softirqs TIMER) h0=$(softirqs HRTIMER) k0=$(softirqs TASKLET) i0=$(interrupts IWI)
rc=0
echo probe >"$D/control" || rc=1
t1=$(softirqs TIMER) h1=$(softirqs HRTIMER) k1=$(softirqs TASKLET) i1=$(interrupts IWI)
cat "$D/probe" >"$TMP/probe"
sed 's/^/# /' "$TMP/probe"
header=$(head -n 1 "$TMP/probe" | tr -s ' ')
want="context cpu pid comm preempt_count preempt softirq hardirq_disable hardirq nmi irqs_off in_task may_sleep"
ROWS="process kthread workqueue bh_workqueue tasklet timer hrtimer_hard hrtimer_soft irq_work
process+preempt_disable process+spin_lock process+local_bh_disable process+spin_lock_bh
process+local_irq_save process+spin_lock_irqsave process+SpinLockIrq process+rcu_read_lock
process+preempt_disable+spin_lock process+rcu_read_lock+spin_lock
process+local_bh_disable+spin_lock_bh process+spin_lock_bh+spin_lock_irqsave
process+SpinLockIrq+SpinLockIrq process+local_irq_save+SpinLockIrq"
got_rows=$(awk 'NR > 1 { printf "%s ", $1 }' "$TMP/probe")
set -- $ROWS
[ $rc = 0 ] && [ "$header" = "$want" ] && [ "$got_rows" = "$* " ]
ktap_need $? "probe: the header names the columns, and the $# rows come in order"

# 3. process: this shell.
pid=$(col process pid)
comm=$(col process comm)
proc_comm=$(head -c 15 "/proc/$$/comm")
[ "$pid" = $$ ] && [ "$comm" = "$proc_comm" ] && [ "$(col process in_task)" = 1 ] &&
	[ "$(col process may_sleep)" = 1 ]
ktap_last $? "process: pid $pid comm $comm is the writing shell ($$, $proc_comm), in task context, may sleep"

# 4. kthread and workqueue: tasks of their own, as /proc names them.
# same_task ROW WANT_PREFIX: the row's pid exists and /proc/<pid>/comm
# starts with the row's comm, which starts with WANT_PREFIX.
bad=
for r in kthread workqueue; do
	p=$(col $r pid) c=$(col $r comm)
	pc=$(cat "/proc/$p/comm" 2>/dev/null)
	case $r in kthread) pre=proclab_ctx ;; *) pre=kworker/ ;; esac
	case $c in "$pre"*) ;; *) bad="$bad $r:comm=$c" ;; esac
	case $pc in "$c"*) ;; *) bad="$bad $r:/proc/$p/comm=$pc" ;; esac
	[ ${#c} -le 15 ] || bad="$bad $r:comm-too-long"
	[ "$(col $r in_task)$(col $r may_sleep)$(col $r preempt_count)" = "110x00000000" ] ||
		bad="$bad $r:$(col $r in_task)$(col $r may_sleep)$(col $r preempt_count)"
done
[ -z "$bad" ]
ktap_last $? "kthread $(col kthread pid) ($(col kthread comm)) and workqueue $(col workqueue pid) ($(col workqueue comm)) are what /proc/<pid>/comm names, in task context with nothing held${bad:+ (bad:$bad)}"

# 5. Hard IRQ rows.
bad=
for r in hrtimer_hard irq_work; do
	[ "$(col $r hardirq)" -ge 1 ] && [ "$(col $r irqs_off)" = 1 ] &&
		[ "$(col $r in_task)" = 0 ] && [ "$(col $r may_sleep)" = 0 ] ||
		bad="$bad $r"
done
[ -z "$bad" ]
ktap_last $? "hrtimer_hard and irq_work: hardirq >= 1, interrupts off, not task context, may not sleep${bad:+ (bad:$bad)}"

# 6. Softirq rows: serving (the odd part of the field), interrupts on.
bad=
for r in bh_workqueue tasklet timer hrtimer_soft; do
	s=$(col $r softirq)
	[ "$s" -ge 1 ] && [ $((s % 2)) = 1 ] && [ "$(col $r in_task)" = 0 ] &&
		[ "$(col $r irqs_off)" = 0 ] && [ "$(col $r may_sleep)" = 0 ] &&
		[ "$(col $r hardirq)" = 0 ] || bad="$bad $r"
done
[ -z "$bad" ]
ktap_last $? "bh_workqueue, tasklet, timer, hrtimer_soft: serving a softirq, interrupts on, not task context, may not sleep${bad:+ (bad:$bad)}"

# 7. may_sleep: exactly the task rows with nothing held.
sleepers=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	$h["may_sleep"] == 1 { printf "%s ", $1 }' "$TMP/probe")
[ "$sleepers" = "process kthread workqueue " ]
ktap_last $? "may_sleep 1 in exactly: ${sleepers:-none}"

# 8. The interrupts and softirqs the kernel counted (the whole machine's:
# at least the module's).
[ $((t1 - t0)) -ge 1 ] && [ $((h1 - h0)) -ge 1 ] && [ $((k1 - k0)) -ge 2 ] && [ $((i1 - i0)) -ge 1 ]
ktap_last $? "across the probe: /proc/softirqs TIMER +$((t1 - t0)) (>= 1), HRTIMER +$((h1 - h0)) (>= 1), TASKLET +$((k1 - k0)) (>= 2: tasklet, bh_workqueue); /proc/interrupts IWI +$((i1 - i0)) (>= 1)"

# 9. Every row's count decoded here with the header's masks matches the
# module's columns.
bad=$(awk -v ps=$PREEMPT_SHIFT -v ss=$SOFTIRQ_SHIFT -v hds=$HARDIRQ_DISABLE_SHIFT \
	-v hs=$HARDIRQ_SHIFT -v ns=$NMI_SHIFT -v nb=$NMI_BITS '
	function hex(s,   v, i, d) {
		v = 0
		s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) {
			d = index("0123456789abcdef", substr(s, i, 1)) - 1
			v = v * 16 + d
		}
		return v
	}
	# busybox awk has no "^".
	function p2(n,   r) { r = 1; while (n-- > 0) r *= 2; return r }
	function bits(v, shift, n) { return int(v / p2(shift)) % p2(n) }
	NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	{
		v = hex($h["preempt_count"])
		want = bits(v, ps, 8) " " bits(v, ss, 8) " " bits(v, hds, 8) " " bits(v, hs, 4) " " bits(v, ns, nb)
		got = $h["preempt"] " " $h["softirq"] " " $h["hardirq_disable"] " " $h["hardirq"] " " $h["nmi"]
		if (got != want) print $1 ": " got " want " want
	}' "$TMP/probe")
rc=$?
[ $rc = 0 ] && [ -z "$bad" ]
ktap_last $? "every row's preempt/softirq/hardirq_disable/hardirq/nmi columns are its preempt_count decoded with the 7.3 masks${bad:+ (bad: $bad)}"

# 10. The process+<lock> rows: preempt_count and irqs_off from the
# definitions above.
bad=
expect() {
	_pc=$(col "$1" preempt_count)
	_off=$(col "$1" irqs_off)
	[ "$((_pc))" = "$2" ] && [ "$_off" = "$3" ] || bad="$bad
$1: preempt_count $_pc irqs_off $_off, want $(printf '0x%08x' "$2") $3"
}
expect process 0 0
expect process+preempt_disable $PREEMPT_OFFSET 0
expect process+spin_lock $PREEMPT_LOCK_OFFSET 0
expect process+local_bh_disable $SOFTIRQ_DISABLE_OFFSET 0
expect process+spin_lock_bh $SOFTIRQ_LOCK_OFFSET 0
expect process+local_irq_save 0 1
expect process+spin_lock_irqsave $PREEMPT_LOCK_OFFSET 1
expect process+SpinLockIrq $IRQ_DISABLE_LOCK 1
expect process+rcu_read_lock $RCU_OFFSET 0
expect process+preempt_disable+spin_lock $((PREEMPT_OFFSET + PREEMPT_LOCK_OFFSET)) 0
expect process+rcu_read_lock+spin_lock $((RCU_OFFSET + PREEMPT_LOCK_OFFSET)) 0
expect process+local_bh_disable+spin_lock_bh $((SOFTIRQ_DISABLE_OFFSET + SOFTIRQ_LOCK_OFFSET)) 0
expect process+spin_lock_bh+spin_lock_irqsave $((SOFTIRQ_LOCK_OFFSET + PREEMPT_LOCK_OFFSET)) 1
expect process+SpinLockIrq+SpinLockIrq $((2 * IRQ_DISABLE_LOCK)) 1
expect process+local_irq_save+SpinLockIrq $IRQ_DISABLE_LOCK 1
# Nothing held but RCU still forbids sleeping.
[ "$(col process+rcu_read_lock may_sleep)" = 0 ] || bad="$bad
process+rcu_read_lock: may_sleep $(col process+rcu_read_lock may_sleep)"
[ -z "$bad" ]
ktap_last $? "the 15 process+<lock> rows count as include/linux/preempt.h defines (spin_lock_bh = SOFTIRQ_DISABLE_OFFSET + 1, SpinLockIrq = HARDIRQ_DISABLE_OFFSET + 1 per lock, local_irq_save only the flag, rcu_read_lock +$RCU_OFFSET)$bad"

# 11. The bottom halves' latency: every run counted, in its context.
RUNS=100
rc=0
echo "latency $RUNS 0" >"$D/control" || rc=1
cat "$D/latency" >"$TMP/lat"
sed 's/^/# /' "$TMP/lat"
lat() { awk -v r="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	$1 == r { print $h[c]; exit }' "$TMP/lat"; }
hist() { awk -v k="$1" '/^histogram/ { on = 1; next } on && $1 == "from_ns" { for (i = 1; i <= NF; i++) h[$i] = i; next }
	on && h[k] { s += $h[k] } END { print s + 0 }' "$TMP/lat"; }
bad=
for b in tasklet bh_workqueue workqueue; do
	[ "$(lat $b runs)" = $RUNS ] && [ "$(hist $b)" = $RUNS ] || bad="$bad $b:runs=$(lat $b runs),hist=$(hist $b)"
	[ "$(lat $b min_ns)" -le "$(lat $b median_ns)" ] && [ "$(lat $b median_ns)" -le "$(lat $b max_ns)" ] ||
		bad="$bad $b:order"
done
[ "$(lat tasklet may_sleep)$(lat tasklet in_task)" = 00 ] || bad="$bad tasklet:sleep/task"
[ "$(lat bh_workqueue may_sleep)$(lat bh_workqueue in_task)" = 00 ] || bad="$bad bh_workqueue:sleep/task"
[ "$(lat workqueue may_sleep)" = $RUNS ] && [ "$(lat workqueue in_task)" = $RUNS ] || bad="$bad workqueue:sleep/task"
[ $rc = 0 ] && [ -z "$bad" ]
ktap_last $? "latency $RUNS: $RUNS runs each in the table and the histogram; tasklet and BH workqueue never in task context, the workqueue always, where it may sleep (medians: tasklet $(lat tasklet median_ns) ns, bh_workqueue $(lat bh_workqueue median_ns) ns, workqueue $(lat workqueue median_ns) ns)${bad:+ (bad:$bad)}"

# 12. A long command: EBUSY for the next one while it runs, rmmod refused
# (the open file pins the module), a signal ends it with EINTR. Its 3,000
# gaps of 500 us make it last 1.5 s at least, on any kernel.
printf 'latency 1000 500\n' >"$TMP/long"
"$PROCTEST" write "$D/control" <"$TMP/long" >"$TMP/bg" &
bg=$!
# The open file pins the module: its refcnt says the write has begun.
refcnt() { [ "$(cat /sys/module/proclab_contexts/refcnt)" -gt 0 ]; }
wait_until 50 refcnt
sleep 0.1
running=0
kill -0 $bg 2>/dev/null && running=1
busy=$(printf 'probe\n' | "$PROCTEST" write "$D/control")
rmmod proclab_contexts 2>"$TMP/rmmod"
rm_rc=$?
kill -TERM $bg
t_kill=$(cut -d' ' -f1 /proc/uptime)
wait $bg
t_end=$(cut -d' ' -f1 /proc/uptime)
bg=
got=$(cat "$TMP/bg")
took=$(awk -v a="$t_kill" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
[ $running = 1 ] && [ "$busy" = EBUSY ] && [ $rm_rc != 0 ] && [ -d /sys/module/proclab_contexts ] &&
	{ [ "$got" = EINTR ] || [ -z "$got" ]; } && awk -v t="$took" 'BEGIN { exit !(t < 2) }'
ktap_last $? "latency 1000 500 running: probe refused ($busy), rmmod refused ($(cut -d: -f3- "$TMP/rmmod" | head -n 1 | sed "s/^ *//")); SIGTERM ended it in $took s (write: ${got:-killed})"

# 13. Not busy afterwards: a probe runs again.
printf 'probe\n' >"$TMP/in"
again=$("$PROCTEST" write "$D/control" <"$TMP/in")
ktap_test_result "after the signal a probe runs again ($again)" [ "$again" = ok ]

# 14. Bad commands: EINVAL, nothing run.
echo "proclab-test: contexts bad commands" >/dev/kmsg
REFUSED=0 REFUSED_BAD=
refused "$D/control" EINVAL "unknown verb" line bogus
refused "$D/control" EINVAL "probe with an argument" line probe 1
refused "$D/control" EINVAL "latency without runs" line latency
refused "$D/control" EINVAL "latency without a gap" line latency 10
refused "$D/control" EINVAL "latency 0" line latency 0 0
refused "$D/control" EINVAL "latency over the limit" line latency 1001 0
refused "$D/control" EINVAL "gap over the limit" line latency 10 501
refused "$D/control" EINVAL "latency -1" line latency -1 0
refused "$D/control" EINVAL "overflowing number" line latency 99999999999999999999 0
refused "$D/control" EINVAL "empty write" printf ''
refused "$D/control" EINVAL "NUL byte" printf 'probe\000'
refused "$D/control" EINVAL "two lines" printf 'probe\nprobe\n'
[ -z "$REFUSED_BAD" ] && ! dmesg | sed -n '/proclab-test: contexts bad commands/,$p' | grep -q bogus
ktap_last $? "$REFUSED bad commands refused with EINVAL, none echoed to the log$REFUSED_BAD"

# 15. Unload right after a probe and a latency run: everything is done.
echo probe >"$D/control" && echo "latency 10 100" >"$D/control" && rmmod proclab_contexts &&
	[ ! -e "$D" ] && [ ! -d /sys/module/proclab_contexts ]
ktap_last $? "rmmod after a probe and a latency run: module and directory gone"

# 16. Load and unload again, with a probe each time.
fails=
for i in 1 2 3 4 5; do
	modprobe proclab_contexts || fails="$fails modprobe#$i"
	echo probe >"$D/control" || fails="$fails probe#$i"
	rmmod proclab_contexts || fails="$fails rmmod#$i"
done
ktap_test_result "5 cycles of load, probe, unload${fails:+ (failed:$fails)}" [ -z "$fails" ]
ktap_finished
