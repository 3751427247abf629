#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (make bench): pktgen into three device pairs that each receive
# through NAPI, in the same boot: proclab_napi's pln0 -> pln1, a linked
# netdevsim pair (its C twin: 256-frame queue, a 5 us hrtimer as the
# interrupt, napi_gro_receive), and a veth pair with GRO on (veth polls
# through NAPI only then). One pktgen thread (kpktgend_0, bound to CPU 0)
# sends COUNT frames of 64 and of 1500 bytes (60 and 1496 plus the FCS),
# each skb new and unshared ("clone_skb 0", "flag !SHARED"), as fast as the
# sender takes them. The figure is the receiving side's rate, frames
# received on the peer (ip -s link) over pktgen's elapsed time, and its
# ratio to netdevsim's and veth's; runs are interleaved and the median of
# RUNS taken. proclab_napi runs twice: with its default delay_us 0 (every
# frame interrupts) and with delay_us 1000, where its ring mostly fills
# first and raises the interrupt (some 250 frames per interrupt). The NET_RX
# softirqs per frame show every driver's batching the same way.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

COUNT=${PROCLAB_BENCH_FRAMES:-200000}
RUNS=${PROCLAB_BENCH_RUNS:-3}
IP=/bin/ip
ETHTOOL=/usr/sbin/ethtool
D=$PROCLAB_DEBUGFS/napi
OUT=$(mktemp)

cleanup() {
	echo stop >/proc/net/pktgen/pgctrl 2>/dev/null
	rmmod pktgen 2>/dev/null
	"$IP" link del plbv0 2>/dev/null
	echo 91 >/sys/bus/netdevsim/del_device 2>/dev/null
	echo 92 >/sys/bus/netdevsim/del_device 2>/dev/null
	rmmod netdevsim veth 2>/dev/null
	module_restore
	rm -f "$OUT"
}
trap cleanup EXIT

module_load proclab_napi || exit 1
modprobe netdevsim && modprobe veth && modprobe pktgen || exit 1

# The netdevsim pair: two devices (ids 91 and 92, one port each), linked
# through the network namespace file descriptor of this shell.
echo "91 1 1" >/sys/bus/netdevsim/new_device
echo "92 1 1" >/sys/bus/netdevsim/new_device
nsa=$(ls /sys/bus/netdevsim/devices/netdevsim91/net/)
nsb=$(ls /sys/bus/netdevsim/devices/netdevsim92/net/)
exec 3</proc/self/ns/net
echo "3:$(cat "/sys/class/net/$nsa/ifindex") 3:$(cat "/sys/class/net/$nsb/ifindex")" \
	>/sys/bus/netdevsim/link_device || exit 1
exec 3<&-

# The veth pair: GRO on the receiver (that is what gives it a NAPI context),
# TSO off on the sender (else veth bypasses NAPI for frames not from a
# local UDP socket).
"$IP" link add plbv0 type veth peer name plbv1 || exit 1
"$ETHTOOL" -K plbv1 gro on >/dev/null || exit 1
"$ETHTOOL" -K plbv0 tso off >/dev/null || exit 1

# No IPv6 on them: its router solicitations would be frames pktgen did not send.
for dev in pln0 pln1 "$nsa" "$nsb" plbv0 plbv1; do
	echo 1 >"/proc/sys/net/ipv6/conf/$dev/disable_ipv6"
	"$IP" link set "$dev" up || exit 1
done
sleep 1

# net_rx: NET_RX softirqs run so far, all CPUs (/proc/softirqs): the polls
# of every driver happen in them (threaded NAPI is off).
net_rx() { awk '$1 == "NET_RX:" { for (i = 2; i <= NF; i++) n += $i; print n }' /proc/softirqs; }
st() { awk -v k="$2:" '$1 == k { print $2 }' "$D/$1/stats"; }

# run NAME SENDER RECEIVER SIZE: one pktgen run; appends
# "NAME SIZE usec sent received dropped interrupts net_rx" to $OUT.
run() {
	_name=$1 _tx=$2 _rx=$3 _size=$4
	pktgen_prepare "$_tx" "$COUNT" "$_size" "$(cat "/sys/class/net/$_rx/address")" \
		"clone_skb 0" "flag !SHARED" || return 1
	[ "$_rx" = pln1 ] && echo 1 >"$D/pln1/reset"
	_r0=$(link_stat "$_rx" rx_packets)
	_d0=$(link_stat "$_tx" tx_dropped)
	_s0=$(net_rx)
	echo start >/proc/net/pktgen/pgctrl
	sleep 0.2
	_us=$(sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' "/proc/net/pktgen/$_tx")
	_sent=$(awk '/pkts-sofar:/ { print $2 }' "/proc/net/pktgen/$_tx")
	_rcv=$(($(link_stat "$_rx" rx_packets) - _r0))
	_drop=$(($(link_stat "$_tx" tx_dropped) - _d0))
	_softirqs=$(($(net_rx) - _s0))
	_irq=-
	[ "$_rx" = pln1 ] && _irq=$(st pln1 interrupts)
	echo "$_name $_size ${_us:-0} $_sent $_rcv $_drop $_irq $_softirqs" >>"$OUT"
}

# One untimed warm-up per device (TCG translates code on first use).
sv=$COUNT
COUNT=20000
run warm pln0 pln1 60
run warm "$nsa" "$nsb" 60
run warm plbv0 plbv1 60
COUNT=$sv
: >"$OUT"
i=0
while [ $i -lt "$RUNS" ]; do
	for size in 60 1496; do
		echo "delay_us 0" >"$D/pln1/config"
		run proclab "pln0" pln1 $size
		echo "delay_us 1000" >"$D/pln1/config"
		run proclab-coalesced pln0 pln1 $size
		run netdevsim "$nsa" "$nsb" $size
		run veth plbv0 plbv1 $size
	done
	i=$((i + 1))
done
echo "delay_us 0" >"$D/pln1/config"

awk -v count="$COUNT" -v runs="$RUNS" '
function median(k,    n, i, j, t, v) {
	n = split(all[k], v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n ? v[int((n + 1) / 2)] : 0
}
{
	k = $1 SUBSEP $2
	pps = $3 > 0 ? $5 * 1e6 / $3 : 0
	all[k] = all[k] " " pps
	sent[k] += $4; rcv[k] += $5; drop[k] += $6
	if ($7 != "-") irq[k] += $7
	softirq[k] += $8
}
END {
	printf "bench napi: pktgen, %d frames per run, median of %d runs, frames received per second on the peer\n", count, runs
	n = split("proclab proclab-coalesced netdevsim veth", names, " ")
	for (s = 1; s <= 2; s++) {
		size = s == 1 ? 60 : 1496
		for (i = 1; i <= n; i++) {
			k = names[i] SUBSEP size
			m[names[i]] = median(k)
			lost = sent[k] - rcv[k] - drop[k]
			fpi = irq[k] > 0 ? sprintf(", %.1f per interrupt", rcv[k] / irq[k]) : ""
			printf "bench napi:   %4d B %-18s %9.0f fps  (sent %d, received %d, dropped %d, unaccounted %d; frames: %.1f per NET_RX softirq%s)\n",
				size + 4, names[i], m[names[i]], sent[k], rcv[k], drop[k], lost,
				(softirq[k] > 0 ? rcv[k] / softirq[k] : 0), fpi
		}
		for (i = 1; i <= 2; i++) {
			p = names[i]
			printf "bench napi:   %4d B %s/netdevsim = %.2fx, %s/veth = %.2fx\n", size + 4, p,
				m["netdevsim"] ? m[p] / m["netdevsim"] : 0, p, m["veth"] ? m[p] / m["veth"] : 0
		}
	}
	print "bench napi:   goal: proclab-coalesced/netdevsim >= 1.0x at 64 B, with >= 32 frames per interrupt"
}' "$OUT"
