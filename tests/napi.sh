#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_napi: the KUnit suite proclab_net (bad device names and NAPI
# weights are EINVAL) passes at load (KUnit's result line in the kernel
# log); the pln0/pln1 pair with pln1 in a network namespace of its own.
# ping crosses it and `ip -s link` (the kernel's rtnetlink counters)
# agrees with the frames sent on both sides; at a low rate every frame costs
# one interrupt and one poll; under pktgen nothing is lost uncounted, polls
# run full and interrupts are rare; the weight caps the polls; threaded NAPI
# polls in the napi/ kernel thread (seen in /proc); bad settings change
# nothing; unloading with traffic in flight and 50 load/unload cycles with
# a device in another namespace leave no splat, no leak, no reference.

# shellcheck disable=SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/napi
IP=/bin/ip # iproute2 (busybox sh runs its own ip applet for a bare "ip")
CYCLES=${PROCLAB_CYCLES:-20}
# A million frames take 20 s on the base kernel under TCG and over ten minutes
# on the debug kernel (KASAN, kmemleak, lockdep): there make check runs this
# test on both, the full load on base (see scripts/check).
if [ -e "$KMEMLEAK" ]; then
	PKTS=${PROCLAB_NAPI_PKTS:-20000}
else
	PKTS=${PROCLAB_NAPI_PKTS:-1000000}
fi
ns=

test_cleanup() {
	[ -f /proc/net/pktgen/pgctrl ] && echo stop >/proc/net/pktgen/pgctrl 2>/dev/null
	[ -n "$ns" ] && kill $ns 2>/dev/null
	wait 2>/dev/null
	rmmod pktgen 2>/dev/null
	rmmod proclab_napi 2>/dev/null
}

test_init "$PROCTEST" "$IP"
ktap_set_plan 19

# in_ns CMD...: run CMD in pln1's network namespace.
in_ns() { nsenter -t "$ns" -n "$@"; }
st() { awk -v k="$2:" '$1 == k { print $2 }' "$D/$1/stats"; }
bucket() { awk -v k="$2:" 'f && $1 == k { print $2 } /^frames_per_poll:/ { f = 1 }' "$D/$1/stats"; }
set_cfg() { printf '%s\n' "$2" >"$D/$1/config"; }
# ctx DEV ROW COLUMN: a column of a row of DEV's context file, by the header's
# names (the columns of proclab_contexts' probe table).
ctx() {
	awk -v r="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		$1 == r { print $(h[c]) }' "$D/$1/context"
}
reset() { echo 1 >"$D/$1/reset"; }
mac() { cat "/sys/class/net/$1/address"; }
# ring_empty: nothing waits in pln1's ring. The last frames of a pktgen run
# wait for the coalescing timer (1 s): wait_until 30 ring_empty.
ring_empty() { [ "$(st pln1 ring_now)" = 0 ]; }

rmmod proclab_napi 2>/dev/null
if modprobe proclab_napi && [ -d /sys/class/net/pln0 ] && [ -d /sys/class/net/pln1 ] &&
	[ -r "$D/pln0/stats" ] && [ -w "$D/pln1/config" ]; then
	ktap_test_pass "modprobe proclab_napi creates pln0, pln1 and $D/{pln0,pln1}"
else
	ktap_test_fail "modprobe proclab_napi creates pln0, pln1 and $D"
	ktap_finished
fi
kunit=$(dmesg | grep -E '(not )?ok [0-9]+ proclab_net$' | tail -n 1)
case $kunit in
"" | *"not ok"*) ktap_test_fail "KUnit suite proclab_net passed at load" "$(dmesg | grep -E 'proclab_net|not ok' | sed -n 1,30p)" ;;
*) ktap_test_pass "KUnit suite proclab_net passed at load (${kunit##*] })" ;;
esac
i0=$(cat /sys/class/net/pln0/ifindex)
i1=$(cat /sys/class/net/pln1/ifindex)
[ "$(cat /sys/class/net/pln0/iflink)" = "$i1" ] && [ "$(cat /sys/class/net/pln1/iflink)" = "$i0" ] &&
	[ "$(cat /sys/class/net/pln0/carrier 2>/dev/null)" != 1 ]
ktap_last $? "the devices are peers (iflink $i1 and $i0), down, no carrier"

# pln1 into a namespace of its own; TEST-NET-1 addresses, static neighbours
# (no ARP in the counts), IPv6 off (no DAD or router solicitations).
unshare -n sleep 100000 &
ns=$!
sleep 0.3
m0=$(mac pln0)
m1=$(mac pln1)
"$IP" link set pln1 netns "$ns"
v6=/proc/sys/net/ipv6/conf
[ ! -d $v6/pln0 ] || echo 1 >$v6/pln0/disable_ipv6
in_ns sh -c "[ ! -d $v6/pln1 ] || echo 1 >$v6/pln1/disable_ipv6"
"$IP" addr add 192.0.2.1/24 dev pln0
in_ns "$IP" addr add 192.0.2.2/24 dev pln1
"$IP" neigh replace 192.0.2.2 lladdr "$m1" dev pln0 nud permanent
in_ns "$IP" neigh replace 192.0.2.1 lladdr "$m0" dev pln1 nud permanent
in_ns "$IP" link set pln1 up
"$IP" link set pln0 up
[ "$(cat /sys/class/net/pln0/carrier)" = 1 ] && [ ! -e /sys/class/net/pln1 ]
ktap_last $? "pln1 moved to another network namespace; carrier on once both are up"

# 1. ping -c 20: every frame counted once on each side.
reset pln0
reset pln1
t0=$(link_stat pln0 tx_packets)
r0=$(link_stat pln0 rx_packets)
t1=$(link_stat pln1 tx_packets "$ns")
r1=$(link_stat pln1 rx_packets "$ns")
ping -q -c 20 -i 0.05 -W 2 192.0.2.2 >"$TMP/ping"
ok=$?
dt0=$(($(link_stat pln0 tx_packets) - t0))
dr0=$(($(link_stat pln0 rx_packets) - r0))
dt1=$(($(link_stat pln1 tx_packets "$ns") - t1))
dr1=$(($(link_stat pln1 rx_packets "$ns") - r1))
[ $ok = 0 ] && grep -q '20 packets received' "$TMP/ping" && [ $dt0 = 20 ] && [ $dr1 = 20 ] && [ $dt1 = 20 ] && [ $dr0 = 20 ]
ktap_last $? "ping -c 20 across the namespaces; ip -s link: pln0 sent $dt0, pln1 got $dr1, pln1 sent $dt1, pln0 got $dr0"

# 2. One frame at a time: one interrupt and one poll per frame.
bad=
for d in pln0 pln1; do
	i=$(st $d interrupts) p=$(st $d polls) f=$(st $d frames) one=$(bucket $d 1)
	[ "$i" = 20 ] && [ "$p" = 20 ] && [ "$f" = 20 ] && [ "$one" = 20 ] || bad="$bad $d: $i interrupts, $p polls, $f frames, $one one-frame polls;"
done
[ -z "$bad" ]
ktap_last $? "at ping's rate every frame costs one interrupt and one poll on each side$bad"

# Where they ran (the rows of napi/pln1/context, by the definitions of
# include/linux/preempt.h): pln1's "interrupt" in the transmit of pln0's
# sender, ping, with bottom halves disabled by dev_queue_xmit() (softirq even
# and at least 2: SOFTIRQ_DISABLE_OFFSET per disable, not serving); its poll in the NET_RX softirq
# (softirq odd: serving), not in task context. Neither may sleep.
sed 's/^/# /' "$D/pln1/context"
irq_sm=$(ctx pln1 napi_irq softirq) irq_task=$(ctx pln1 napi_irq in_task) irq_comm=$(ctx pln1 napi_irq comm)
poll_sm=$(ctx pln1 napi_poll softirq) poll_task=$(ctx pln1 napi_poll in_task)
[ "$irq_comm" = ping ] && [ "$irq_task" = 1 ] && [ -n "$irq_sm" ] && [ "$irq_sm" -ge 2 ] && [ $((irq_sm % 2)) = 0 ] && [ "$(ctx pln1 napi_irq may_sleep)" = 0 ] &&
	[ -n "$poll_sm" ] && [ $((poll_sm % 2)) = 1 ] && [ "$poll_task" = 0 ] && [ "$(ctx pln1 napi_poll may_sleep)" = 0 ]
ktap_last $? "context: pln1's interrupt ran in $irq_comm (in_task $irq_task, softirq $irq_sm: BHs off), its poll in NET_RX (softirq $poll_sm, in_task $poll_task)"

# 3. pktgen: PKTS frames of 60 bytes into pln0, to an address nobody has
# (no replies). pktgen transmits with bottom halves disabled and enables
# them after every frame: the NET_RX softirq raised by the "interrupt" runs
# right then, on the same CPU, and polls that one frame. Only a coalescing
# delay lets frames gather: the longest, 1 s, so that the ring fills first
# on either kernel and raises the interrupt (ring_full_interrupts).
set_cfg pln1 "delay_us 1000000"
modprobe pktgen
# pktgen_run COUNT: one run from kpktgend_0 into pln0; prints frames sent.
pktgen_run() {
	pktgen_prepare pln0 "$1" 60 "$m1" || return 1
	echo start >/proc/net/pktgen/pgctrl
	awk '/pkts-sofar:/ { print $2 }' /proc/net/pktgen/pln0
}
reset pln1
t0=$(link_stat pln0 tx_packets)
d0=$(link_stat pln0 tx_dropped)
r1=$(link_stat pln1 rx_packets "$ns")
sent=$(pktgen_run "$PKTS")
wait_until 30 ring_empty
dt0=$(($(link_stat pln0 tx_packets) - t0))
dd0=$(($(link_stat pln0 tx_dropped) - d0))
dr1=$(($(link_stat pln1 rx_packets "$ns") - r1))
[ "$sent" = "$PKTS" ] && [ $((dt0 + dd0)) = "$sent" ] && [ $dr1 = $dt0 ] && [ "$(st pln1 ring_now)" = 0 ]
ktap_last $? "pktgen $sent frames: pln0 sent $dt0 + dropped $dd0, pln1 received $dr1"
irqs=$(st pln1 interrupts)
polls=$(st pln1 polls)
full=$(st pln1 full_budget_polls)
frames=$(st pln1 frames)
[ $((full * 64 * 2)) -gt "$frames" ] && [ $((irqs * 32)) -le "$frames" ]
ktap_last $? "under load: $full of $polls polls full (64 x $full of $frames frames), $irqs interrupts (<= 1/32 per frame), $(st pln1 ring_full_interrupts) of them ring-full"
[ "$(st pln0 queue_stops)" -gt 0 ] && [ "$(st pln0 queue_wakes)" -gt 0 ] && [ "$(st pln1 ring_high_water)" -le 256 ]
ktap_last $? "flow control: pln0's queue stopped $(st pln0 queue_stops) times and woken $(st pln0 queue_wakes), ring high-water $(st pln1 ring_high_water) of 256"

# 4. weight 16 caps every poll at 16 frames.
set_cfg pln1 "weight 16"
reset pln1
sent=$(pktgen_run $((PKTS / 10)))
wait_until 30 ring_empty
big=$(($(bucket pln1 32-63) + $(bucket pln1 64)))
[ "$(awk '$1 == "weight:" { print $2 }' "$D/pln1/config")" = 16 ] && [ "$big" = 0 ] &&
	[ "$(st pln1 full_budget_polls)" -gt 0 ] && [ "$(bucket pln1 16-31)" = "$(st pln1 full_budget_polls)" ]
ktap_last $? "weight 16: $(st pln1 full_budget_polls) polls of exactly 16 frames, none bigger ($big)"
set_cfg pln1 "weight 64"
set_cfg pln1 "delay_us 0"

# 5. Coalescing: with a 500 us delay ping still crosses, through the timer.
set_cfg pln1 "delay_us 500"
reset pln1
ping -q -c 5 -i 0.05 -W 2 192.0.2.2 >"$TMP/ping"
ok=$?
[ $ok = 0 ] && [ "$(st pln1 timer_armed)" -ge 5 ] && [ "$(st pln1 interrupts)" -le "$(st pln1 timer_armed)" ]
ktap_last $? "delay_us 500: ping works, timer armed $(st pln1 timer_armed) times, $(st pln1 interrupts) interrupts"
# The coalescing timer is an hrtimer in hard-IRQ mode: its "interrupt" runs
# in hard IRQ, interrupts off.
grep -E '^(context|napi_irq_hrtimer) ' "$D/pln1/context" | sed 's/^/# /'
h=$(ctx pln1 napi_irq_hrtimer hardirq) o=$(ctx pln1 napi_irq_hrtimer irqs_off) t=$(ctx pln1 napi_irq_hrtimer in_task)
[ -n "$h" ] && [ "$h" -ge 1 ] && [ "$o" = 1 ] && [ "$t" = 0 ]
ktap_last $? "context: with delay_us the interrupt runs in the hrtimer's hard IRQ (hardirq $h, irqs_off $o, in_task $t)"
set_cfg pln1 "delay_us 0"

# 6. Threaded NAPI on pln0: the poll runs in napi/pln0-N, a kernel thread.
echo 1 >/sys/class/net/pln0/threaded
napi_pid=
for p in /proc/[0-9]*; do
	case $(cat $p/comm 2>/dev/null) in napi/pln0-*) napi_pid=${p#/proc/} ;; esac
done
reset pln0
sw0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$napi_pid/status" 2>/dev/null)
ping -q -c 10 -i 0.05 -W 2 192.0.2.2 >"$TMP/ping"
ok=$?
sw1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$napi_pid/status" 2>/dev/null)
# One wake-up may poll two replies on a slow kernel: the thread must have
# woken, and polled every reply.
[ $ok = 0 ] && grep -q '10 packets received' "$TMP/ping" && [ -n "$napi_pid" ] &&
	[ "$(proc_stat "$napi_pid" 4)" = 2 ] && [ "$(st pln0 frames)" -ge 10 ] && [ $((sw1 - sw0)) -ge 1 ]
ktap_last $? "threaded NAPI: ping works, pid $napi_pid ($(cat /proc/$napi_pid/comm 2>/dev/null)) a kthreadd child woke $((sw1 - sw0)) times for $(st pln0 polls) polls of $(st pln0 frames) frames"
# Threaded, the poll runs in that thread (pid and name from /proc, the
# name's first 15 bytes: TASK_COMM_LEN) with BHs disabled (softirq even, at
# least 2: napi_threaded_poll_loop()'s local_bh_disable()).
grep -E '^(context|napi_poll_threaded) ' "$D/pln0/context" | sed 's/^/# /'
p=$(ctx pln0 napi_poll_threaded pid) c=$(ctx pln0 napi_poll_threaded comm)
sm=$(ctx pln0 napi_poll_threaded softirq) t=$(ctx pln0 napi_poll_threaded in_task)
want=$(head -c 15 "/proc/$napi_pid/comm" 2>/dev/null)
[ -n "$napi_pid" ] && [ "$p" = "$napi_pid" ] && [ "$c" = "$want" ] && [ -n "$sm" ] && [ "$sm" -ge 2 ] && [ $((sm % 2)) = 0 ] && [ "$t" = 1 ]
ktap_last $? "context: the threaded poll ran in pid $p ($c; /proc: $napi_pid $want), in_task $t, softirq $sm: BHs off"
echo 0 >/sys/class/net/pln0/threaded

# 7. Bad settings: the errno, nothing changed.
cfg() { cat "$D/pln1/config"; }
before=$(cfg)
refuse() { _f=$1; shift; refused "$D/pln1/$_f" "$@"; } # FILE WANT DESC CMD...
refuse config EINVAL "empty write" printf ''
refuse config EINVAL "unknown setting" line mtu 9000
refuse config EINVAL "weight 0" line weight 0
refuse config EINVAL "weight 65" line weight 65
refuse config EINVAL "weight -1" line weight -1
refuse config EINVAL "weight missing" line weight
refuse config EINVAL "weight 1x" line weight 1x
refuse config EINVAL "weight overflow" line weight 99999999999999999999999
refuse config EINVAL "two settings" line weight 8 ring 8
refuse config EINVAL "ring 0" line ring 0
refuse config EINVAL "ring 4097" line ring 4097
refuse config EBUSY "ring while up" line ring 128
refuse config EINVAL "delay 1000001" line delay_us 1000001
refuse config EINVAL "delay +5" line delay_us +5
refuse config EINVAL "1 MiB write" head -c 1048576 /dev/zero
refuse config EINVAL "not UTF-8" printf 'weight \377\n'
refuse reset EINVAL "reset 2" line 2
refuse reset EINVAL "reset empty" printf ''
[ -z "$REFUSED_BAD" ] && [ "$(cfg)" = "$before" ]
ktap_last $? "$REFUSED bad settings refused with the right errno, config unchanged$REFUSED_BAD"

# 8. Unload with pktgen running and pln1 up in the other namespace.
pktgen_prepare pln0 0 60 "$m1"
echo start >/proc/net/pktgen/pgctrl &
pgjob=$!
sleep 1
rmmod proclab_napi
rc=$?
wait $pgjob 2>/dev/null
[ $rc = 0 ] && [ ! -d /sys/class/net/pln0 ] && [ ! -d "$D" ] && ! in_ns "$IP" -o link show | grep -q pln
ktap_last $? "rmmod with pktgen sending and pln1 up in a namespace: both devices and $D gone"

# 9. Load/unload cycles, a device up in the namespace every time.
fails=0
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	modprobe proclab_napi || { fails=$((fails + 1)); continue; }
	"$IP" link set pln1 netns "$ns" && in_ns "$IP" link set pln1 up && "$IP" link set pln0 up || fails=$((fails + 1))
	rmmod proclab_napi || fails=$((fails + 1))
done
[ $fails = 0 ] && ! grep -q '^proclab_napi ' /proc/modules
ktap_last $? "$CYCLES load/unload cycles with pln1 up in another namespace ($fails failures)"
rmmod pktgen 2>/dev/null
! { "$IP" -o link show; in_ns "$IP" -o link show; } | grep -q pln
ktap_last $? "no pln device left in either namespace"

ktap_finished
