#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every proclab module, PROCLAB_CYCLES (default 100) insmod/rmmod cycles
# each, proclab_core alone first, then each of the others in turn while a
# reader reads all of the module's debugfs files (and lists its
# directories) and a writer writes benign valid commands to its writable
# files, both without pause.
#
# Oracles, each cycle: insmod and rmmod exit 0 (rmmod is retried while it
# fails with EWOULDBLOCK, "Resource temporarily unavailable": a reader or
# writer has a file open, which pins the module); /proc/modules says Live
# and /sys/module/NAME exists after insmod, neither after rmmod; the
# debugfs directory appears with the same files as at the first load and is
# gone after rmmod (for proclab_napi also pln0/pln1 in /sys/class/net; pln0
# is up for the unload of every other cycle). The reader's cat either reads
# a file to its end (tasks/tasks must start with its header) or fails to
# open it with ENOENT/ENXIO (the module is gone or going); anything else,
# such as a read error after a successful open, fails. Each write
# returns success or one of the documented errnos of the command contract
# (EBUSY ENOSPC ENOENT EEXIST ESRCH EINTR ENOMEM); an open that fails with
# ENOENT/ENXIO counts as "gone". With one file held open, rmmod must be
# refused. Then the shared directory: proclab_core refuses rmmod while a
# module uses it, keeps the directory alone and takes it with it. At the end
# the kernel log (splats, kmemleak) is clean.
#
# The commands (valid in every state of the module): tasks/pid 1;
# kthreads/control prodcons, nice, fifo, normal, bind, unbind and the three
# sleeps of 20 ms on workers 0 and 1 (nr_workers=2 at load); each ds
# control file a few inserts, erases and clears and a 10-entry xarray bench;
# napi weight, delay_us, ring (EBUSY while pln0 is up) and reset; contexts
# probe and a 3-run latency (EBUSY while the other runs); timers wheel 1
# and hrtimer 100 (EBUSY while running), so that most unloads find timers
# pending, and stop; lifecycle's filters, mm and page; containers' task
# 1 and 2, while cgroups and processes in new namespaces of every kind
# come and go (nschurn; none of them may fail); sched's experiments of
# 100 ms (EBUSY while one runs), so that most unloads stop running
# threads, among them a deadline pair, the rt_mutex/mutex trio and a
# spinner with preemption off, and reset.
#
# KUnit: on the debug kernel the modules run their suites at every load
# (proclab_kthread's takes about a second under TCG). Here they run at the
# first load of each module; for the other cycles kunit's filter_glob
# (/sys/module/kunit/parameters) is set to match no suite, and restored.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

CYCLES=${PROCLAB_CYCLES:-100}
EXTRA=/lib/modules/$(uname -r)/extra
MODULES="proclab_tasks proclab_kthreads proclab_ds proclab_napi proclab_contexts proclab_timers proclab_lifecycle proclab_containers proclab_sched"
KUNIT_GLOB=/sys/module/kunit/parameters/filter_glob
KUNIT_NONE=proclab_load_unload_runs_no_suite
TABLE=$PROCLAB_DEBUGFS/tasks/tasks
kunit_old=
was_loaded=
helpers=

test_cleanup() {
	for p in $helpers; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$kunit_old" ] && printf %s "$kunit_old" >"$KUNIT_GLOB"
}

NSRUN=/usr/libexec/proclab/nsrun
test_init "$PROCTEST" "$NSRUN"
for m in proclab_core $MODULES; do
	[ -f "$EXTRA/$m.ko" ] || ktap_skip_all "$EXTRA/$m.ko not installed"
	[ -d "/sys/module/$m" ] && was_loaded="$was_loaded $m"
done
for m in $MODULES proclab_core; do
	[ -d "/sys/module/$m" ] || continue
	rmmod "$m" || ktap_skip_all "$m is in use"
done
# Five results per module, three for proclab_core, four about the order of
# loading and unloading.
set -- $MODULES
ktap_set_plan $(($# * 5 + 7))
t_start=$(cut -d' ' -f1 /proc/uptime)

# now: NOW, milliseconds since boot (in 10 ms steps). No fork: the cycles
# call it and modstate a few times each.
now() {
	read -r _up _ </proc/uptime
	NOW=$((${_up%.*}${_up#*.} * 10))
}

# modstate NAME: MODSTATE, the module's state in /proc/modules (Live,
# Loading, Unloading), or "absent".
modstate() {
	MODSTATE=absent
	while read -r _name _ _ _ _state _; do
		[ "$_name" = "$1" ] && MODSTATE=$_state
	done </proc/modules
}
live() { modstate "$1"; [ "$MODSTATE" = Live ]; }
absent() { modstate "$1"; [ "$MODSTATE" = absent ]; }

files_of() { find "$1" -type f 2>/dev/null | sort; }

# unload NAME: rmmod, again every 50 ms (at most 200 times) while it fails
# because a file of the module is open (the kernel's EWOULDBLOCK); adds
# those refusals to BUSY. Fails with the reason in RMMOD_ERR otherwise.
BUSY=0
unload() {
	_n=0
	while ! rmmod "$1" 2>"$TMP/rmmod.err"; do
		read -r RMMOD_ERR <"$TMP/rmmod.err"
		case $RMMOD_ERR in
		*"Resource temporarily unavailable"*) ;;
		*) return 1 ;;
		esac
		_n=$((_n + 1))
		[ $_n -lt 200 ] || { RMMOD_ERR="in use after $_n tries"; return 1; }
		BUSY=$((BUSY + 1))
		sleep 0.05
	done
}

# reader OUT PATH...: until OUT.stop exists, cat each PATH (ls one that
# ends in /) in turn; then writes "whole gone going bad" to OUT (gone:
# ENOENT, the module is not there; going: ENXIO, open raced rmmod), the bad
# outcomes to OUT.bad.
reader() {
	_o=$1
	shift
	whole=0 gone=0 going=0 bad=0
	while [ ! -e "$_o.stop" ]; do
		for f; do
			case $f in
			*/) ls "$f" >"$_o.data" 2>"$_o.err" ;;
			*) cat "$f" >"$_o.data" 2>"$_o.err" ;;
			esac
			rc=$?
			if [ $rc = 0 ]; then
				first=
				read -r first <"$_o.data"
				case $f in
				*/) whole=$((whole + 1)) ;;
				"$TABLE")
					case $first in
					*pid*tgid*comm*) whole=$((whole + 1)) ;;
					*) bad=$((bad + 1)); echo "$f: first line '$first'" >>"$_o.bad" ;;
					esac ;;
				# (An empty dump is an empty structure.)
				*) whole=$((whole + 1)) ;;
				esac
			else
				err=
				read -r err <"$_o.err"
				case $err in
				*"No such file or directory"*) gone=$((gone + 1)) ;;
				*"No such device or address"*) going=$((going + 1)) ;;
				*) bad=$((bad + 1)); echo "$f: $err" >>"$_o.bad" ;;
				esac
			fi
		done
	done
	echo "$whole $gone $going $bad" >"$_o"
}

# nschurn OUT: beside proclab_containers' writer, until OUT.stop exists, a
# cgroup made, a process in a new namespace of each kind in turn
# (tests/helpers/nsrun) run in it, and the cgroup removed, so that the
# module's walks meet namespaces and cgroups coming and going; then writes
# "done failed" to OUT, the failures to OUT.bad.
nschurn() {
	_o=$1 _cg=/sys/fs/cgroup/proclab-churn
	ok=0 bad=0
	while [ ! -e "$_o.stop" ]; do
		mkdir "$_cg" 2>>"$_o.bad" || bad=$((bad + 1))
		for k in user uts ipc mnt net cgroup time pid; do
			if sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" true' sh "$_cg" "$NSRUN" $k 2>>"$_o.bad"; then
				ok=$((ok + 1))
			else
				bad=$((bad + 1))
			fi
		done
		rmdir "$_cg" 2>>"$_o.bad" || bad=$((bad + 1))
	done
	echo "$ok $bad" >"$_o"
}

# writer OUT DIR FILE:COMMAND...: until OUT.stop exists, each COMMAND to
# DIR/FILE in one write() (proctest write), in turn; then writes "done
# refused gone bad" to OUT, the bad outcomes to OUT.bad.
writer() {
	_o=$1 _d=$2
	shift 2
	_k=0
	for c; do
		_k=$((_k + 1))
		printf '%s\n' "${c#*:}" >"$_o.cmd$_k"
	done
	ok=0 refused=0 gone=0 bad=0
	while [ ! -e "$_o.stop" ]; do
		_k=0
		for c; do
			_k=$((_k + 1))
			r=$("$PROCTEST" write "$_d/${c%%:*}" <"$_o.cmd$_k" 2>"$_o.err")
			case $r in
			ok) ok=$((ok + 1)) ;;
			EBUSY | ENOSPC | ENOENT | EEXIST | ESRCH | EINTR | ENOMEM) refused=$((refused + 1)) ;;
			"")
				err=
				read -r err <"$_o.err"
				case $err in
				*"No such file or directory"* | *"No such device or address"*) gone=$((gone + 1)) ;;
				*) bad=$((bad + 1)); echo "$c: $err" >>"$_o.bad" ;;
				esac ;;
			*) bad=$((bad + 1)); echo "$c: $r" >>"$_o.bad" ;;
			esac
		done
	done
	echo "$ok $refused $gone $bad" >"$_o"
}

commands() {
	case $1 in
	proclab_tasks) echo "pid:1" ;;
	proclab_kthreads)
		for c in "prodcons 3" "nice 0 5" "nice 0 0" "fifo 1 10" "normal 1" "bind 0 0" \
			"unbind 0" "dsleep 1 20" "isleep 0 20" "ksleep 1 20"; do
			echo "control:$c"
		done ;;
	proclab_ds)
		for c in "rbtree:insert 7" "rbtree:fill 16 1" "rbtree:erase 7" "rbtree:clear" \
			"cfs:add 0" "cfs:add 5" "cfs:run 3" "cfs:remove 1" "cfs:clear" \
			"list:add 5" "list:add_tail 6" "list:pop" "list:del 6" "list:clear" \
			"hlist:add 9" "hlist:del 9" "hlist:del_multiple 3" "hlist:clear" \
			"xarray:store 3 4" "xarray:erase 3" "xarray:clear" \
			"bitmap:set big 5" "bitmap:clear big 5" "bitmap:zero cpus" \
			"bench:xarray 10 1" "bench:clear"; do
			echo "${c%%:*}/control:${c#*:}"
		done ;;
	proclab_contexts) printf '%s\n' "control:probe" "control:latency 3 0" ;;
	proclab_napi)
		for c in "pln0/config:weight 16" "pln0/config:delay_us 0" "pln0/config:ring 256" \
			"pln0/reset:1" "pln1/config:weight 64" "pln1/reset:1"; do
			echo "$c"
		done ;;
	proclab_timers)
		for c in "wheel 1" "hrtimer 100" "stop"; do
			echo "control:$c"
		done ;;
	proclab_containers) printf '%s\n' "task:1" "task:2" ;;
	proclab_sched)
		for c in "nice 0 5 100" "rr 1 100" "deadline 10000 100000 100000 100 2" "pi 100" \
			"nopi 100" "preempt 100" "classes 100" "fair idle 100" "reset"; do
			echo "control:$c"
		done ;;
	proclab_lifecycle)
		# Its probes are busy throughout: the reader and the writer fork and
		# exec a process for each file and each command.
		for c in "control:clear" "control:filter tgid 1" "control:filter pid 1" \
			"control:filter subtree 1" "control:filter none" "mm:1" "page:1 0x1000"; do
			echo "$c"
		done ;;
	esac
}

# netdevs: pln0 and pln1 in /sys/class/net (1), neither (0), else "?".
netdevs() {
	if [ -e /sys/class/net/pln0 ] && [ -e /sys/class/net/pln1 ]; then
		echo 1
	elif [ ! -e /sys/class/net/pln0 ] && [ ! -e /sys/class/net/pln1 ]; then
		echo 0
	else
		echo "?"
	fi
}

# cycles NAME DIR: CYCLES insmod/rmmod cycles of NAME, whose debugfs
# directory is DIR, with a reader and (for a module with commands) a
# writer started after the first insmod. Sets LOAD_FAILS, DIR_FAILS, R (the
# reader's counts), W (the writer's), BAD (their bad outcomes, counted),
# WANT (the files at the first load), BUSY_M (rmmod refusals).
cycles() {
	_m=$1 _dir=$2
	LOAD_FAILS='' DIR_FAILS='' BAD='' R='' W=''
	_busy=$BUSY
	_o=$TMP/$_m
	_pids=
	_ins1=0 _ins=0
	_i=0
	now
	_t0=$NOW
	while [ $_i -lt "$CYCLES" ]; do
		_i=$((_i + 1))
		now
		_a=$NOW
		if ! insmod "$EXTRA/$_m.ko"; then
			LOAD_FAILS="$LOAD_FAILS insmod#$_i"
			continue
		fi
		now
		if [ $_i = 1 ]; then _ins1=$((NOW - _a)); else _ins=$((_ins + NOW - _a)); fi
		live "$_m" && [ -d "/sys/module/$_m" ] || LOAD_FAILS="$LOAD_FAILS notlive#$_i"
		_got=$(files_of "$_dir")
		if [ $_i = 1 ]; then
			# KUnit ran at this load; not at the others.
			[ -n "$kunit_old" ] && printf %s "$KUNIT_NONE" >"$KUNIT_GLOB"
			WANT=$_got
			_subdirs=$(find "$_dir" -mindepth 1 -type d | sed 's,$,/,')
			reader "$_o.r" "$_dir/" $_subdirs $WANT &
			_pids="$_pids $!"
			_cmds=$(commands "$_m")
			if [ "$_m" = proclab_containers ]; then
				nschurn "$_o.n" &
				_pids="$_pids $!"
			fi
			if [ -n "$_cmds" ]; then
				(
					IFS='
'
					writer "$_o.w" "$_dir" $_cmds
				) &
				_pids="$_pids $!"
			fi
			helpers=$_pids
			# The cycles first: the reader and writer take what CPU is left.
			renice -n 19 -p $_pids >/dev/null
		fi
		[ -d "$_dir" ] && [ "$_got" = "$WANT" ] || DIR_FAILS="$DIR_FAILS files#$_i"
		if [ "$_m" = proclab_napi ]; then
			[ "$(netdevs)" = 1 ] || DIR_FAILS="$DIR_FAILS netdevs#$_i"
			if [ $((_i % 2)) = 1 ]; then
				/bin/ip link set dev pln0 up || LOAD_FAILS="$LOAD_FAILS up#$_i"
			fi
		fi
		unload "$_m" || LOAD_FAILS="$LOAD_FAILS rmmod#$_i($RMMOD_ERR)"
		absent "$_m" && [ ! -e "/sys/module/$_m" ] || LOAD_FAILS="$LOAD_FAILS notgone#$_i"
		[ ! -e "$_dir" ] || DIR_FAILS="$DIR_FAILS dir#$_i"
		if [ "$_m" = proclab_napi ]; then
			[ "$(netdevs)" = 0 ] || DIR_FAILS="$DIR_FAILS netdevs-left#$_i"
		fi
	done
	now
	_t=$((NOW - _t0))
	[ -n "$kunit_old" ] && printf %s "$kunit_old" >"$KUNIT_GLOB"
	touch "$_o.r.stop" "$_o.w.stop" "$_o.n.stop"
	for p in $_pids; do wait "$p"; done
	helpers=
	R=$(cat "$_o.r" 2>/dev/null)
	W=$(cat "$_o.w" 2>/dev/null)
	NS=$(cat "$_o.n" 2>/dev/null)
	BAD=$(cat "$_o.r.bad" "$_o.w.bad" "$_o.n.bad" 2>/dev/null | sort | uniq -c | sort -rn | head -n 10)
	BUSY_M=$((BUSY - _busy))
	_n=$((CYCLES > 1 ? CYCLES - 1 : 1))
	echo "# $_m: $CYCLES cycles in $((_t / 1000)).$((_t % 1000 / 100)) s, $((_t / CYCLES)) ms each;" \
		"insmod took $_ins1 ms the first time (with KUnit), $((_ins / _n)) ms on average after"
	_s=$(dmesg | grep -cE "$KLOG_SPLAT")
	[ "$_s" = 0 ] || echo "# kernel log: $_s splat lines so far, after the cycles of $_m"
}

# report: the failures and bad outcomes of the last cycles, as comments.
report() {
	[ -n "$LOAD_FAILS" ] && echo "# load/unload failures:$LOAD_FAILS" | cut -c1-600
	[ -n "$DIR_FAILS" ] && echo "# debugfs failures:$DIR_FAILS" | cut -c1-600
	[ -n "$BAD" ] && echo "$BAD" | sed 's/^/# bad: /'
	return 0
}

# KUnit's suites at load: only at the first load of each module. Only if
# the filter has a value that can be written back ("(null)" cannot), and
# written without a newline: a charp parameter keeps it (param_set_charp()),
# and "proclab_*\n" matches no suite.
if [ -w "$KUNIT_GLOB" ]; then
	kunit_old=$(cat "$KUNIT_GLOB")
	[ "$kunit_old" = "(null)" ] && kunit_old=
fi

# proclab_core alone: its directory, listed by the reader.
cycles proclab_core "$PROCLAB_DEBUGFS"
report
ktap_test_result "core: $CYCLES insmod/rmmod cycles, Live in /proc/modules and /sys/module after each insmod, gone after each rmmod" [ -z "$LOAD_FAILS" ]
ktap_test_result "core: the proclab directory appears (empty) with the module and goes with it" [ -z "$DIR_FAILS" ]
read -r whole gone going bad <<EOF
$R
EOF
[ "${bad:-1}" = 0 ] && [ "${whole:-0}" -gt 0 ]
ktap_last $? "core: the reader listed the directory $whole times, found it gone $gone times (going $going), nothing else"

modprobe proclab_core
for m in $MODULES; do
	short=${m#proclab_}
	dir=$PROCLAB_DEBUGFS/$short
	cycles "$m" "$dir"
	report
	nfiles=$(echo "$WANT" | grep -c .)
	ktap_test_result "$short: $CYCLES insmod/rmmod cycles, Live in /proc/modules and /sys/module after each insmod, gone after each rmmod ($BUSY_M rmmod refusals while a file was open)" [ -z "$LOAD_FAILS" ]
	what="its debugfs directory appears with the same $nfiles files each time and goes with it"
	[ "$m" = proclab_napi ] && what="$what, and so do pln0 and pln1"
	[ -z "$DIR_FAILS" ] && [ "$nfiles" -gt 0 ]
	ktap_last $? "$short: $what"
	read -r whole gone going bad <<EOF
$R
EOF
	[ "${bad:-1}" = 0 ] && [ "${whole:-0}" -gt 0 ]
	ktap_last $? "$short: the reader read whole files $whole times, found them gone $gone times (going: ENXIO $going times), nothing else"
	read -r ndone refused gone bad <<EOF
$W
EOF
	ns=''
	if [ "$m" = proclab_containers ]; then
		read -r nsok nsbad <<EOF
$NS
EOF
		ns=" (beside $nsok processes in new namespaces, $nsbad failed)"
		[ "${nsbad:-1}" = 0 ] && [ "${nsok:-0}" -gt 0 ] || bad=1
	fi
	[ "${bad:-1}" = 0 ] && [ "${ndone:-0}" -gt 0 ]
	ktap_last $? "$short: the writer's commands: $ndone done, $refused refused with a documented errno, $gone found the file gone, nothing else$ns"
	# One file held open: rmmod is refused and the module stays.
	insmod "$EXTRA/$m.ko"
	hold=$(echo "$WANT" | head -n 1)
	out=$(exec 3<"$hold" && rmmod "$m" 2>&1)
	rc=$?
	case $out in *"Resource temporarily unavailable"*) busy=1 ;; *) busy=0 ;; esac
	[ $rc != 0 ] && [ $busy = 1 ] && live "$m" && unload "$m" && absent "$m"
	ktap_last $? "$short: rmmod refused while ${hold#"$PROCLAB_DEBUGFS"/} is open, done once it is closed"
	absent "$m" || rmmod "$m"
done

# The shared directory: pinned by its users, removed with proclab_core.
insmod "$EXTRA/proclab_tasks.ko"
! rmmod proclab_core 2>/dev/null && live proclab_core
ktap_last $? "rmmod proclab_core refused while proclab_tasks uses it"
rmmod proclab_tasks
[ -d "$PROCLAB_DEBUGFS" ] && [ ! -e "$PROCLAB_DEBUGFS/tasks" ]
ktap_last $? "proclab directory stays with proclab_core alone"
rmmod proclab_core
ktap_test_result "proclab directory removed with proclab_core" [ ! -e "$PROCLAB_DEBUGFS" ]
modprobe proclab_tasks
live proclab_core && [ -r "$TABLE" ]
ktap_last $? "modprobe proclab_tasks loads proclab_core first"
rmmod proclab_tasks proclab_core
for m in $was_loaded; do modprobe "$m"; done
echo "# whole test: $(awk -v s="$t_start" '{ printf "%.0f", $1 - s }' /proc/uptime) s before the kernel log check"
ktap_finished
