#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_napi teardown matrix. pktgen sends both ways at once (on pln0 from
# this namespace, on pln1 from inside pln1's own), with a coalescing delay
# (delay_us) and threaded NAPI on both devices, while:
#  (a) each side in turn goes down, then up again;
#  (b) pln1's namespace is deleted, once by killing the processes in it and
#      once with `ip netns del` while another device here is named pln1. The
#      device has no rtnl_link_ops, so the kernel moves it back to the
#      initial namespace, closed (net/core/dev.c, default_device_exit_net),
#      under its own name or, if that is taken, as "dev<its ifindex>"; its
#      debugfs directory stays napi/pln1, named at load;
#  (c) rmmod, pln1 up in a namespace.
# Oracles: pktgen's own counts (/proc/net/pktgen/<dev>) against the device
# counters of `ip -s link` (frames pktgen sent on a device = its tx +
# tx_dropped; frames a device took in = its rx + rx_dropped = its peer's
# tx), /proc/net/softnet_stat (the stack processed exactly the frames
# received, and dropped none), the napi/ threads' context switches, the
# namespace's pktgen threads (they go with it), sysfs for where the device
# went, rmmod's status and pktgen's device lists, no "unregister_netdevice:
# waiting for" (a leaked device reference) in the log, and the kernel log
# clean (KASAN, lockdep, kmemleak on the debug kernel).
#
# It starts few processes: on the debug kernel under TCG each costs 0.1 s
# or more (up to a second on a busy host). The waits poll with the shell's
# read -t rather than sleep; pln1's namespace is read through its holder's
# /proc/<pid>/net (pktgen) and /proc/<pid>/root/sys (a sysfs mounted in the
# holder's own mount namespace: sysfs shows the devices of the namespace
# that mounts it); the counters are polled in sysfs (statistics/, the same
# dev_get_stats() as `ip -s link`) and `ip -s link` gives the final ones.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/napi
IP=/bin/ip # iproute2 (busybox sh runs its own ip applet for a bare "ip")
NETNS=proclab-teardown # the `ip netns` name
# Frames each pktgen sends before the teardown starts: the debug kernel moves
# a few hundred frames/s each way under TCG, the base kernel 100 times more
# (what matters is that frames are in flight, not how many).
if [ -e "$KMEMLEAK" ]; then
	MIN=${PROCLAB_NAPI_TEARDOWN_PKTS:-100}
else
	MIN=${PROCLAB_NAPI_TEARDOWN_PKTS:-2000}
fi
# Long enough that frames wait in the rings when a device goes (they are
# dropped and counted then), short enough for a quick drain when it stays.
DELAY_US=100000
NET0=/sys/class/net
PG0=/proc/net/pktgen
ns1=
writer0=
writer1=

test_cleanup() {
	[ -f $PG0/pgctrl ] && echo stop >$PG0/pgctrl 2>/dev/null
	[ -n "$writer0$writer1" ] && kill $writer0 $writer1 2>/dev/null
	[ -n "$ns1" ] && kill $ns1 2>/dev/null
	wait 2>/dev/null
	[ -e "/run/netns/$NETNS" ] && "$IP" netns del "$NETNS" 2>/dev/null
	rmmod proclab_napi 2>/dev/null
	rmmod pktgen 2>/dev/null
}

test_init "$IP"
ktap_set_plan 22

# nap, wait_until's 0.1 s pause: read -t on a FIFO nobody writes, without a
# sleep process per round.
mkfifo "$TMP/nap" && exec 9<>"$TMP/nap"
# shellcheck disable=SC3045 # busybox ash: read -t takes fractions
nap() { read -r -t 0.1 _ <&9; }
# rd FILE: its first line in $R. field FILE KEY: the word after KEY in $R.
rd() {
	R=
	read -r R 2>/dev/null <"$1"
}
field() {
	R=
	while read -r _k _v _; do
		[ "$_k" = "$2" ] && R=$_v && return 0
	done 2>/dev/null <"$1"
	return 1
}
# stats NET DEV: DEV's "rx_packets rx_dropped tx_packets tx_dropped" in $S,
# from sysfs directory NET ($NET0 here, $NET1 in pln1's namespace).
stats() {
	S=
	for _c in rx_packets rx_dropped tx_packets tx_dropped; do
		rd "$1/$2/statistics/$_c" && S="$S $R" || return 1
	done
}
# ip_stats DEV [in_ns]: the same four counters of `ip -s link` (rtnetlink).
ip_stats() {
	_dev=$1
	shift
	# "RX: bytes packets errors dropped missed mcast \ N N N N N N \ TX: ..."
	set -- $("$@" "$IP" -s -o link show dev "$_dev")
	while [ $# -gt 0 ] && [ "$1" != RX: ]; do shift; done
	shift 9 && S="$1 $3"
	while [ $# -gt 0 ] && [ "$1" != TX: ]; do shift; done
	shift 9 && S="$S $1 $3"
}
# softnet: the sums over the CPUs of softnet_stat's processed and dropped in $N.
softnet() {
	_p=0 _d=0
	while read -r p d _; do
		_p=$((_p + 0x$p)) _d=$((_d + 0x$d))
	done </proc/net/softnet_stat
	N="$_p $_d"
}
# task COMM: the pid of the first task whose comm matches the pattern COMM,
# in $T; how many there are in $K.
task() {
	T=
	K=0
	for _p in /proc/[0-9]*; do
		read -r _c 2>/dev/null <"$_p/comm" || continue
		# shellcheck disable=SC2254 # a pattern on purpose
		case $_c in
		$1) K=$((K + 1)) && [ -z "$T" ] && T=${_p#/proc/} ;;
		esac
	done
}
kpktgend_is() { task 'kpktgend_*' && [ $K = "$1" ]; }
in_ns() { nsenter -t "$ns1" -n "$@"; }
# pg_idle DIR: that pktgen has no device.
pg_idle() {
	for _f in "$1"/*; do
		case ${_f##*/} in kpktgend_* | pgctrl) ;; *) return 1 ;; esac
	done
}
# pg_sender DIR DEV DST_MAC: kpktgend_0 of pktgen's DIR sends 60-byte frames
# on DEV to DST_MAC (192.0.2.99, nobody's) from each start until stopped.
# rem_device_all only if there is a device: the thread acts on it later
# (within 0.1 s, or seconds on a busy debug kernel), and would remove the
# device added meanwhile.
pg_sender() {
	pg_idle "$1" || { echo rem_device_all >"$1/kpktgend_0" && wait_until 100 pg_idle "$1"; } &&
		echo "add_device $2" >"$1/kpktgend_0" || return 1
	for _c in "count 0" "pkt_size 60" "delay 0" "dst 192.0.2.99" "dst_mac $3"; do
		echo "$_c" >"$1/$2" || return 1
	done
}
# sending FILE: pktgen's run on that device is on (its counters are zeroed
# when it starts: older ones mean nothing) and past MIN frames.
sending() { field "$1" Result: && [ "$R" = Starting ] && field "$1" pkts-sofar: && [ "$R" -ge "$MIN" ]; }
both_sending() { sending $PG0/pln0 && sending $PG1/pln1; }
# carrier NET DEV: DEV has carrier (the file cannot be read while it is down).
carrier() { rd "$1/$2/carrier" && [ "$R" = 1 ]; }
holder_ready() { rd /proc/$ns1/comm && [ "$R" = sleep ]; }

# new_ns [ip]: a holder process in a new network namespace ($ns1; with ip,
# the namespace made by `ip netns add`) and a mount namespace with that
# network namespace's sysfs ($NET1); pln1 moved there (IPv6 off: no router
# solicitations or DAD in the counts) and pktgen set up there; both up.
new_ns() {
	_init='echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 && mount -t sysfs sysfs /sys && exec sleep 100000'
	if [ "${1:-}" = ip ]; then
		"$IP" netns add $NETNS || return 1
		nsenter --net=/run/netns/$NETNS unshare -m sh -c "$_init" &
	else
		unshare -n -m sh -c "$_init" &
	fi
	ns1=$!
	PG1=/proc/$ns1/net/pktgen
	NET1=/proc/$ns1/root/sys/class/net
	wait_until 100 holder_ready && "$IP" link set pln1 netns "$ns1" && in_ns "$IP" link set pln1 up &&
		"$IP" link set pln0 up && pg_sender $PG1 pln1 "$m0"
}

# start_traffic: both pktgen runs started and each past MIN frames; the
# counters before in $before. pktgen's "start" waits for the run's end, but
# looks only 125 ms after asking the thread to start it: when the thread is
# later than that (a busy debug kernel), "start" returns at once and the run
# goes on alone. So the runs' ends are seen in their result lines, not in
# the writers; the writer of pln1's run is $writer1.
start_traffic() {
	stats $NET0 pln0 && before=$S && stats $NET1 pln1 && before="$before $S" || return 1
	softnet
	before="$before $N"
	field /proc/$napi0/status voluntary_ctxt_switches: && sw0=$R
	field /proc/$napi1/status voluntary_ctxt_switches: && sw1=$R
	echo start >$PG0/pgctrl &
	writer0=$!
	# nsenter itself, not a function: $! is the writer (nsenter execs it),
	# whose "start" runs pktgen in its namespace and stops it if killed.
	# shellcheck disable=SC2016 # expanded by the shell in the namespace
	nsenter -t "$ns1" -n sh -c 'echo start >/proc/net/pktgen/pgctrl' &
	writer1=$!
	wait_until 600 both_sending && started=0 && return 0
	started=1
	field $PG0/pln0 pkts-sofar:
	_s0=$R
	field $PG1/pln1 pkts-sofar:
	echo "# pktgen did not send $MIN frames each way: pln0 sent ${_s0:-?}, pln1 ${R:-?}"
	return 1
}
# exited PID: that process has ended (a zombie, or reaped by the shell).
exited() { ! rd /proc/$1/stat || { set -- $R && [ "$3" = Z ]; }; }
# ended FILE: pktgen's run on that device has ended ("OK: <time> usec ...").
ended() { field "$1" Result: && [ "$R" = OK: ]; }
pln0_ended() { ended $PG0/pln0; }
both_ended() { ended $PG0/pln0 && ended $PG1/pln1; }

# drained: every frame sent since start_traffic is in the receiver's rx or
# rx_dropped, both ways (pln1 is $pln1 in sysfs directory $net).
drained() {
	stats $NET0 pln0 && _s=$S && stats "$net" "$pln1" || return 1
	set -- $_s $S
	[ $(($1 + $2 - b_rx0 - b_rd0)) = $(($7 - b_tx1)) ] && [ $(($5 + $6 - b_rx1 - b_rd1)) = $(($3 - b_tx0)) ]
}

# traffic_checks DESC PLN1 NET NS S1: two cases on the traffic since
# start_traffic, pln1 being PLN1 now, in sysfs directory NET, read with NS
# (in_ns or ""); S1 is what pktgen sent on pln1, "" when its namespace,
# pktgen counts and all, is gone. Waits (100 rounds at most) for the frames the
# coalescing timer holds to be polled.
traffic_checks() {
	_desc=$1 pln1=$2 net=$3 ns=$4 s1=$5
	field $PG0/pln0 pkts-sofar: && s0=$R
	set -- $before
	b_rx0=$1 b_rd0=$2 b_tx0=$3 b_td0=$4 b_rx1=$5 b_rd1=$6 b_tx1=$7 b_td1=$8 b_proc=$9
	shift 9
	b_drop=$1
	wait_until 100 drained
	ip_stats pln0 && _s=$S && ip_stats "$pln1" $ns && softnet
	set -- $_s $S $N
	rx0=$(($1 - b_rx0)) rd0=$(($2 - b_rd0)) tx0=$(($3 - b_tx0)) td0=$(($4 - b_td0))
	rx1=$(($5 - b_rx1)) rd1=$(($6 - b_rd1)) tx1=$(($7 - b_tx1)) td1=$(($8 - b_td1))
	proc=$(($9 - b_proc))
	shift 9
	drop=$(($1 - b_drop))
	desc="pktgen on pln0 sent $s0 = tx $tx0 + dropped $td0"
	ok=0
	[ "$s0" -ge "$MIN" ] && [ $((tx0 + td0)) = "$s0" ] || ok=1
	if [ -n "$s1" ]; then
		desc="$desc, on pln1 $s1 = tx $tx1 + dropped $td1"
		[ "$s1" -ge "$MIN" ] && [ $((tx1 + td1)) = "$s1" ] || ok=1
	else
		desc="$desc; pln1 sent $tx1 + dropped $td1 (its pktgen count went with the namespace)"
		[ $((tx1 + td1)) -ge "$MIN" ] || ok=1
	fi
	ktap_last $ok "$_desc: $desc"
	field /proc/$napi0/status voluntary_ctxt_switches: && sw0=$((R - sw0))
	field /proc/$napi1/status voluntary_ctxt_switches: && sw1=$((R - sw1))
	[ $((rx1 + rd1)) = $tx0 ] && [ $((rx0 + rd0)) = $tx1 ] && [ $rx0 -gt 0 ] && [ $rx1 -gt 0 ] &&
		[ $proc = $((rx0 + rx1)) ] && [ $drop = 0 ] && [ $sw0 -gt 0 ] && [ $sw1 -gt 0 ]
	ktap_last $? "$_desc: pln1 received $rx1 + dropped $rd1 = pln0's tx, pln0 received $rx0 + dropped $rd0 = pln1's tx; softnet processed $proc = $((rx0 + rx1)), dropped $drop; the napi/ threads woke $sw0 and $sw1 times"
}

# kill_ns: pln1's namespace goes with traffic in flight: the holder and the
# writer of pktgen's run in it are killed (the last processes in it). Then
# its pktgen threads go (one per CPU: as many as ours) and pln0's run ends
# (no carrier): $gone is 0 when both happened, $threads says how many.
kill_ns() {
	task 'kpktgend_*'
	threads=$K
	kill $ns1 $writer1 2>/dev/null
	wait $ns1 $writer1 2>/dev/null
	ns1=
	writer1=
	wait_until 300 kpktgend_is $((threads / 2)) && wait_until 300 pln0_ended
	gone=$?
	task 'kpktgend_*'
	threads="$threads -> $K"
}

# val FILE: its first line, or "?" (for the descriptions).
val() { rd "$1" && [ -n "$R" ] && echo "$R" || echo "?"; }

rmmod proclab_napi 2>/dev/null
if ! modprobe proclab_napi pairs=2 || ! modprobe pktgen; then
	ktap_test_fail "modprobe proclab_napi pairs=2 and pktgen"
	ktap_finished
fi
rd $NET0/pln0/address && m0=$R
rd $NET0/pln1/address && m1=$R
ok=0
for d in pln0 pln1; do
	echo "delay_us $DELAY_US" >"$D/$d/config" && echo 1 >$NET0/$d/threaded || ok=1
done
echo 1 >/proc/sys/net/ipv6/conf/pln0/disable_ipv6 || ok=1
task 'napi/pln0-*' && napi0=$T
task 'napi/pln1-*' && napi1=$T
field "$D/pln1/config" delay_us:
[ $ok = 0 ] && [ -n "$napi0" ] && [ -n "$napi1" ] && [ "$(proc_stat "$napi1" 4)" = 2 ] && [ "$R" = $DELAY_US ]
ktap_last $? "delay_us $DELAY_US and threaded NAPI on both: napi/ threads $napi0 and $napi1, children of kthreadd"

new_ns && pg_sender $PG0 pln0 "$m1" && [ ! -e $NET0/pln1 ] && carrier $NET0 pln0 && carrier "$NET1" pln1
ktap_last $? "pln1 in the namespace of pid $ns1, both up, carrier on"

# (a) Down and up, each side, both directions sending.
for side in pln0 pln1; do
	DESC="$side down"
	if [ $side = pln0 ]; then where=; else where=in_ns; fi
	start_traffic
	$where "$IP" link set $side down
	# Both runs end: pktgen stops a device that is down or has no carrier.
	wait_until 300 both_ended
	ok=$?
	field $PG0/pln0 Result: && r0=$R
	field $PG1/pln1 Result: && r1=$R
	field $PG1/pln1 pkts-sofar: && s1=$R
	[ $started = 0 ] && [ $ok = 0 ] && [ "$r0" = OK: ] && [ "$r1" = OK: ] && ! carrier $NET0 pln0
	ktap_last $? "$DESC with pktgen sending both ways: both runs ended (results: pln0 $r0, pln1 $r1), carrier off"
	traffic_checks "$DESC" pln1 "$NET1" in_ns "$s1"
	$where "$IP" link set $side up
	carrier $NET1 pln1 && carrier $NET0 pln0 &&
		rd $NET0/pln0/threaded && [ "$R" = 1 ] && rd $NET1/pln1/threaded && [ "$R" = 1 ]
	ktap_last $? "$side up: carrier back on both, threaded still on"
done

# (b) The namespace goes with traffic in flight. pln1 comes back here,
# closed, as pln1.
DESC="namespace killed"
ifi=$(val $NET1/pln1/ifindex)
start_traffic
kill_ns
[ $started = 0 ] && [ $gone = 0 ] && rd $NET0/pln1/operstate && [ "$R" = down ] && ! carrier $NET0 pln0 &&
	rd $NET0/pln0/iflink && [ "$R" = "$(val $NET0/pln1/ifindex)" ]
ktap_last $? "$DESC with pktgen sending both ways: its pktgen threads went ($threads); pln1 is back here as pln1 (ifindex $ifi there, $(val $NET0/pln1/ifindex) here), $(val $NET0/pln1/operstate), pln0's peer; pln0's pktgen run ended"
traffic_checks "$DESC" pln1 $NET0 "" ""
rd $NET0/pln1/threaded && [ "$R" = 1 ] && [ -d /proc/"$napi1" ] &&
	field "$D/pln1/config" delay_us: && [ "$R" = $DELAY_US ] && field "$D/pln1/stats" ring_now: && [ "$R" = 0 ]
ktap_last $? "$DESC: threaded still on, napi/ thread $napi1 still there, $D/pln1 still there with its settings"

# Again with `ip netns`, while another device here is named pln1 (pln2,
# renamed): pln1 comes back as dev<ifindex>.
DESC="ip netns del"
new_ns ip && "$IP" link set pln2 name pln1
ktap_last $? "$DESC: pln1 into namespace $NETNS (holder $ns1) and up, pln2 renamed pln1 here"
ifi=$(val $NET1/pln1/ifindex)
start_traffic
"$IP" netns del $NETNS
kill_ns
rd $NET0/pln0/iflink
peer=$R
dev=
for d in "$NET0"/*; do
	rd $d/ifindex && [ "$R" = "$peer" ] && dev=${d##*/}
done
[ $started = 0 ] && [ $gone = 0 ] && [ "$dev" = "dev$ifi" ] && rd "$NET0/$dev/operstate" && [ "$R" = down ] &&
	[ -d "$D/pln1" ] && [ ! -e "$D/$dev" ]
ktap_last $? "$DESC with pktgen sending both ways: its pktgen threads went ($threads); pln0's peer (ifindex $ifi there) came back as $dev, down; its debugfs directory is still $D/pln1"
traffic_checks "$DESC" "$dev" $NET0 "" ""
"$IP" link set pln1 name pln2 && "$IP" link set "$dev" name pln1
ktap_last $? "$dev renamed back to pln1, pln1 back to pln2"

# (c) rmmod with both directions sending and pln1 up in a namespace.
DESC="rmmod"
new_ns
start_traffic
read -r t0 _ </proc/uptime
rmmod proclab_napi
rc=$?
read -r t1 _ </proc/uptime
t=$((${t1%.*}${t1#*.} - ${t0%.*}${t0#*.}))
# pktgen let go of both devices before they were unregistered (it waits
# 1.25 s at most for its thread, then logs "timed out"); with nothing left
# to send, both "start"s return.
pg_idle $PG0 && pg_idle $PG1
idle=$?
wait_until 300 exited $writer0 && wait_until 300 exited $writer1
ended=$?
left=
for d in "$NET0"/* "$NET1"/*; do
	case ${d##*/} in pln* | dev[0-9]*) left="$left ${d##*/}" ;; esac
done
[ $started = 0 ] && [ $rc = 0 ] && [ ! -d /sys/module/proclab_napi ] && [ ! -d "$D" ] && [ $idle = 0 ] && [ $ended = 0 ]
ktap_last $? "$DESC with pktgen sending both ways: unloaded in $((t / 100)).$((t % 100 / 10)) s, the devices gone from pktgen in both namespaces, both pktgen starts returned"
[ -z "$left" ]
ktap_last $? "$DESC: no pln device left in either namespace$left"
kill $ns1
wait $ns1 2>/dev/null
ns1=

! dmesg | grep -E 'unregister_netdevice: waiting for|pktgen.*timed out'
ktap_last $? "no 'unregister_netdevice: waiting for' (a leaked device reference) and no pktgen time-out in the log"
ktap_finished
