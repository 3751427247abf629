#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ksoftirqd under a flood: when the kernel hands softirq work to
# ksoftirqd/N, measured with proclab_napi and pktgen.
#
# pktgen's thread kpktgend_0 (bound to CPU 0) transmits into pln0 with
# bottom halves disabled and enables them after every frame. pln1's
# "interrupt" raises NET_RX, which then runs right there, in kpktgend_0
# (local_bh_enable() -> do_softirq() -> __do_softirq()). __do_softirq()
# runs every pending softirq and starts over while some are pending again,
# at most 10 passes (MAX_SOFTIRQ_RESTART), for at most 2 ms
# (MAX_SOFTIRQ_TIME = msecs_to_jiffies(2): one jiffy at HZ=250) and not
# once need_resched() is set; then it wakes ksoftirqd/0 and leaves the
# rest to it (kernel/softirq.c, 7.3). NET_RX is pending again after every
# poll that used its whole weight: net_rx_action() polls each scheduled NAPI
# once a pass, puts one that used its weight back on the list and raises
# NET_RX again (net/core/dev.c). With one device, each pass is one poll, and
# it is started by an interrupt, a recheck of the driver, or the poll before
# it. Only a poll that takes longer than netdev_budget_usecs (2 jiffies)
# counts as a time_squeeze (/proc/net/softnet_stat, third column): on the
# debug kernel, not the base one.
#
# pln1 gets a ring of 4096 frames and a coalescing delay of 1 s, so each
# interrupt is a ring-full one that finds 4096 frames waiting: more than
# one net_rx_action() may take. Oracles, none of them the module: the
# softirq_entry tracepoint (vec 3, NET_RX) with the task each pass ran in;
# /proc/softirqs;
# /proc/net/softnet_stat; ksoftirqd/0's context switches in
# /proc/<pid>/status.

# shellcheck disable=SC2046,SC2317 # a list split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

TR=/sys/kernel/tracing
# 2 ring-fulls on the debug kernel (about 1,000 frames/s under TCG), 25 on
# the base kernel.
if [ -e "$KMEMLEAK" ]; then
	PKTS=${PROCLAB_KSOFTIRQD_PKTS:-8192}
else
	PKTS=${PROCLAB_KSOFTIRQD_PKTS:-102400}
fi

test_cleanup() {
	[ -f /proc/net/pktgen/pgctrl ] && echo stop >/proc/net/pktgen/pgctrl 2>/dev/null
	[ -d "$TR/events" ] && echo 0 >"$TR/events/enable" 2>/dev/null
	rmmod pktgen 2>/dev/null
	rmmod proclab_napi 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 4

# cpu0 NAME: NAME's count for CPU 0 in /proc/softirqs.
cpu0_softirqs() { awk -v k="$1:" '$1 == k { print $2 }' /proc/softirqs; }
# squeeze0: time_squeeze of CPU 0 (the first line of softnet_stat, in hex).
squeeze0() { printf '%d\n' "0x$(awk 'NR == 1 { print $3 }' /proc/net/softnet_stat)"; }
# switches PID: voluntary plus involuntary context switches of PID.
switches() { echo $(($(proc_status "$1" voluntary_ctxt_switches) + $(proc_status "$1" nonvoluntary_ctxt_switches))); }

rmmod proclab_napi 2>/dev/null
ksd=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = ksoftirqd/0 ] && ksd=${p#/proc/}
done
[ -d "$TR/events" ] || mount -t tracefs tracefs "$TR" 2>/dev/null
v6=/proc/sys/net/ipv6/conf
modprobe proclab_napi && modprobe pktgen && [ -n "$ksd" ] && [ -d "$TR/events/irq/softirq_entry" ] &&
	printf 'ring 4096\n' >"$PROCLAB_DEBUGFS/napi/pln1/config" &&
	printf 'delay_us 1000000\n' >"$PROCLAB_DEBUGFS/napi/pln1/config" &&
	{ [ ! -d $v6/pln0 ] || echo 1 >$v6/pln0/disable_ipv6; } &&
	{ [ ! -d $v6/pln1 ] || echo 1 >$v6/pln1/disable_ipv6; } &&
	ip link set pln0 up && ip link set pln1 up
ktap_need $? "proclab_napi and pktgen loaded, pln1 with 4096 frames of ring and 1 s of delay, ksoftirqd/0 is pid $ksd, tracefs at $TR"

# ring_empty: pln1's ring is empty (the last frames wait for the 1 s timer).
ring_empty() { [ "$(awk '$1 == "ring_now:" { print $2 }' "$PROCLAB_DEBUGFS/napi/pln1/stats")" = 0 ]; }

# The trace: NET_RX passes, nothing else.
echo 0 >"$TR/tracing_on"
echo >"$TR/trace"
echo 4096 >"$TR/buffer_size_kb"
echo 'vec == 3' >"$TR/events/irq/softirq_entry/filter"
echo 1 >"$TR/events/irq/softirq_entry/enable"
pktgen_prepare pln0 "$PKTS" 60 "$(cat /sys/class/net/pln1/address)"
echo 1 >"$TR/tracing_on"
n0=$(cpu0_softirqs NET_RX) q0=$(squeeze0) s0=$(switches "$ksd")
echo start >/proc/net/pktgen/pgctrl
wait_until 30 ring_empty
n1=$(cpu0_softirqs NET_RX) q1=$(squeeze0) s1=$(switches "$ksd")
echo 0 >"$TR/tracing_on"
echo 0 >"$TR/events/enable"
sent=$(awk '/pkts-sofar:/ { print $2 }' /proc/net/pktgen/pln0)
overrun=$(awk '/entries-in-buffer/ { print $0 }' "$TR/trace")
# On CPU 0: the NET_RX passes, by the task they ran in.
awk '$0 !~ /^#/ && $2 == "[000]" && /softirq_entry/ {
		task = $1; sub(/-[0-9]+$/, "", task); n++; by[task]++
	}
	END { printf "%d %d %d\n", n, by["ksoftirqd/0"], by["kpktgend_0"] }' "$TR/trace" >"$TMP/counts"
read -r traced in_ksd in_pktgen <"$TMP/counts"
dn=$((n1 - n0)) dq=$((q1 - q0)) ds=$((s1 - s0))
echo "# $sent frames; NET_RX on CPU 0: $traced passes traced ($dn in /proc/softirqs): $in_ksd in ksoftirqd/0, $in_pktgen in kpktgend_0, $((traced - in_ksd - in_pktgen)) elsewhere; time_squeeze +$dq; ksoftirqd/0 switched $ds times"
echo "# trace: $overrun"

# 2. The tracepoint and the kernel's counter agree: every NET_RX pass on
# CPU 0 while the counters were read was traced (the trace, on a little
# longer, may hold a few more).
[ "$sent" = "$PKTS" ] && [ "$traced" -ge "$dn" ] && [ "$traced" -le $((dn + 16)) ]
ktap_last $? "$sent frames: $traced NET_RX passes traced on CPU 0, /proc/softirqs counted $dn"

# 3. One poll a pass: the driver's polls are the traced passes, less the
# rechecks net_rx_action() polled in the pass that made them; and each poll
# followed an interrupt, a recheck or a full-budget poll.
set -- $(awk '$1 ~ /^(interrupts|rechecks|polls|full_budget_polls):$/ { v[$1] = $2 }
	END { print v["interrupts:"] + 0, v["rechecks:"] + 0, v["polls:"] + 0, v["full_budget_polls:"] + 0 }' "$PROCLAB_DEBUGFS/napi/pln1/stats")
irqs=$1 rechecks=$2 polls=$3 full=$4
[ "$polls" = $((irqs + rechecks + full)) ] && [ "$traced" -le "$polls" ] && [ "$traced" -ge $((polls - rechecks)) ]
ktap_last $? "$traced NET_RX passes, $polls polls of pln1 ($irqs after an interrupt, $rechecks after a recheck, $full after a full-budget poll); time_squeeze +$dq"

# 4. The rest went to ksoftirqd/0, which ran for it (its own accounting).
[ "$in_ksd" -ge 1 ] && [ "$ds" -ge 1 ]
ktap_last $? "ksoftirqd/0 took $in_ksd of $traced NET_RX passes and switched $ds times; kpktgend_0 ran $in_pktgen"

echo stop >/proc/net/pktgen/pgctrl
rmmod pktgen && rmmod proclab_napi
ktap_finished
