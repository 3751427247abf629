# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# KTAP helpers for proclab's tests (busybox sh), sourced by every test.
#
#   ktap_begin N       print the KTAP header and plan, start a clean kernel log
#   ktap_ok DESC       one passing case
#   ktap_fail DESC [WHY...]
#   ktap_skip DESC WHY
#   ktap_check DESC CMD...   ok if CMD succeeds (one command: not A && B)
#   ktap_last $? DESC  ok if the command just before it succeeded
#   ktap_end           one more case, "kernel log clean" (no splat, no
#                      kmemleak report), then exit:
#                      0 all passed, 1 any failed, 4 all skipped
#
# The plan N counts the test's own cases; ktap_begin adds one for the kernel
# log check.

# shellcheck disable=SC2034 # used by the tests that source this
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# shellcheck disable=SC2034
PROCLAB_DEBUGFS=/sys/kernel/debug/proclab

# Reports of the kernel's checkers and of a crash, and a failed KUnit check
# (the modules run their suites at every load): any of these in the log
# fails the test that produced it. The texts are the kernel's (7.3):
#   WARN*(), BUG(), oopses     "WARNING:", "kernel BUG", "BUG: ...", "Oops",
#                              "Call Trace" (any dump_stack()), "Kernel panic"
#   Rust panic                 "rust_kernel: panicked at ..." (then BUG())
#   KASAN, KFENCE              "BUG: KASAN: ...", "BUG: KFENCE: ..."
#   UBSAN (lib/ubsan.c)        "UBSAN: array-index-out-of-bounds in ..."
#   SLUB debugging (mm/slub.c) "BUG kmalloc-64 (Tainted: ...): ..."
#   lockdep                    "WARNING: possible circular locking ...",
#                              "DEBUG_LOCKS_WARN_ON", "INFO: lockdep ...",
#                              "turning off the locking correctness validator."
#   RCU (kernel/rcu/)          "WARNING: suspicious RCU usage", "INFO: rcu_preempt
#                              detected stalls", "... detected expedited stalls",
#                              "... self-detected stall", "INFO: rcu_tasks detected stalls"
#   hung task (hung_task.c)    "INFO: task X:1 blocked [in I/O wait ]for more than N seconds."
#   soft lockup (watchdog.c)   "BUG: soft lockup - CPU#0 stuck for 22s!"
#   hard lockup (watchdog.c)   "CPU0: Watchdog detected hard LOCKUP on cpu 1"
#   kmemleak                   "kmemleak: N new suspected memory leaks",
#                              "unreferenced object" (its report),
#                              "kmemleak: Kernel memory leak detector disabled"
#   debugobjects               "ODEBUG: ..."
#   refcount_t (lib/refcount.c) "refcount_t: underflow; use-after-free."
#   list debugging (lib/list_debug.c) "list_add corruption.", "list_add double add:",
#                              "list_del corruption."/","
#   netdev refcount leak       "unregister_netdevice: waiting for pln0 to become free."
KLOG_SPLAT='ASSERTION FAILED|EXPECTATION FAILED|BUG:|BUG [^ ]+ [(]|WARNING:|Oops|Call Trace|general protection fault|kernel BUG|Kernel panic|panicked at|KASAN|UBSAN|KFENCE|ODEBUG|possible circular locking|possible recursive locking|inconsistent lock state|INFO: lockdep|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|suspicious RCU usage|rcu_[a-z_]+ (self-)?detected (expedited )?stall|blocked( in I/O wait)? for more than|soft lockup|hard LOCKUP|new suspected memory leaks|unreferenced object|memory leak detector disabled|list_add corruption|list_add double add|list_del corruption|refcount_t:|unregister_netdevice: waiting for'

_ktap_n=0
_ktap_failed=0
_ktap_passed=0

# kmemleak (debug kernel): what leaks during a test is reported at its end.
KMEMLEAK=/sys/kernel/debug/kmemleak

ktap_begin() {
	echo "KTAP version 1"
	echo "1..$(($1 + 1))"
	dmesg -c >/dev/null 2>&1
	# Forget what leaked before this test (boot-time objects included).
	[ -w "$KMEMLEAK" ] && echo clear >"$KMEMLEAK" 2>/dev/null
}

ktap_ok() {
	_ktap_n=$((_ktap_n + 1))
	_ktap_passed=$((_ktap_passed + 1))
	echo "ok $_ktap_n $1"
}

ktap_fail() {
	_ktap_n=$((_ktap_n + 1))
	_ktap_failed=$((_ktap_failed + 1))
	desc=$1
	shift
	for why in "$@"; do
		printf '%s\n' "$why" | sed 's/^/# /'
	done
	echo "not ok $_ktap_n $desc"
}

ktap_skip() {
	_ktap_n=$((_ktap_n + 1))
	echo "ok $_ktap_n $1 # SKIP $2"
}

ktap_check() {
	desc=$1
	shift
	if "$@"; then ktap_ok "$desc"; else ktap_fail "$desc" "failed: $*"; fi
}

# ktap_last $? DESC: one case, passing if the status given (that of the
# command just before: conditions joined with &&, which ktap_check cannot
# take) is 0. Pass $? first: command substitutions in DESC may reset it.
ktap_last() {
	if [ "$1" = 0 ]; then ktap_ok "$2"; else ktap_fail "$2"; fi
}

# klog_splats: print the lines of the kernel log since the last drain that
# report a problem, and drain the log.
klog_splats() {
	dmesg -c 2>/dev/null | grep -E "$KLOG_SPLAT"
}

# kmemleak_report: scan for leaks now and print what kmemleak suspects (new
# since ktap_begin's clear, older than kmemleak's 5-second minimum age).
# Measured: an object leaked before the first scan is reported only by the
# second one (about 3 s each under TCG with KASAN).
kmemleak_report() {
	[ -w "$KMEMLEAK" ] || return 0
	echo scan >"$KMEMLEAK" 2>/dev/null || return 0
	echo scan >"$KMEMLEAK" 2>/dev/null || return 0
	grep -E 'unreferenced object|comm "|^    \[' "$KMEMLEAK" 2>/dev/null | head -n 20
}

ktap_end() {
	splats=$(klog_splats; kmemleak_report)
	if [ -n "$splats" ]; then
		ktap_fail "kernel log clean" "$(echo "$splats" | head -n 40 | sed 's/^/kernel: /')"
	else
		ktap_ok "kernel log clean"
	fi
	echo "# $_ktap_passed passed, $_ktap_failed failed"
	if [ "$_ktap_failed" -gt 0 ]; then
		exit $KSFT_FAIL
	fi
	if [ "$_ktap_passed" -le 1 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# require_root / require_module NAME: skip the whole test when it cannot run.
ktap_skip_all() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

# module_load NAME: load a proclab module unless it is loaded; remember to
# unload it in module_restore.
_loaded_here=
module_load() {
	if [ ! -d "/sys/module/$1" ]; then
		modprobe "$1" || return 1
		_loaded_here="$_loaded_here $1"
	fi
}

module_restore() {
	for m in $_loaded_here; do
		rmmod "$m" 2>/dev/null
	done
	_loaded_here=
}

# proc_stat PID FIELD: field FIELD (1-based, as in proc(5)) of
# /proc/PID/stat; comm (field 2) may hold spaces and parentheses.
proc_stat() {
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	case $2 in
	1) echo "${s%% *}" ;;
	2) s=${s#*\(}; echo "${s%)*}" ;;
	*) s=${s##*) }; echo "$s" | awk -v f="$(($2 - 2))" '{ print $f }' ;;
	esac
}

# proc_status PID KEY: the value of "KEY:" in /proc/PID/status.
proc_status() {
	awk -v k="$2:" '$1 == k { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "/proc/$1/status" 2>/dev/null
}

# proc_sched PID KEY: the value of KEY in /proc/PID/sched.
proc_sched() {
	awk -v k="$2" '$1 == k { print $3; exit }' "/proc/$1/sched" 2>/dev/null
}

# ms_to_ns MS: /proc/<pid>/sched's "ms.nnnnnn" as integer nanoseconds. Done
# on strings: busybox awk reads a field with a leading 0 ("061155") as octal.
ms_to_ns() {
	echo "$1" | awk -F. '{ s = $1 $2; sub(/^0+/, "", s); print (s == "" ? "0" : s) }'
}

# The median of the numbers on standard input, one per line (0 if none).
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

# The static helper that makes process shapes busybox cannot (tests/helpers/proctest.c).
PROCTEST=/usr/libexec/proclab/proctest

# refused FILE WANT DESC CMD...: CMD's output written to FILE in one write()
# must fail with errno WANT (a name: EINVAL). Counts the cases in REFUSED
# and appends "DESC: got ..." to REFUSED_BAD for each that did not.
REFUSED=0
REFUSED_BAD=
refused() {
	_f=$1 _w=$2 _d=$3
	shift 3
	_in=$(mktemp)
	"$@" >"$_in"
	REFUSED=$((REFUSED + 1))
	_got=$("$PROCTEST" write "$_f" <"$_in")
	rm -f "$_in"
	[ "$_got" = "$_w" ] || REFUSED_BAD="$REFUSED_BAD
$_d: got '$_got' (want $_w)"
}
# line WORDS...: the words as one line (a command for refused).
line() { printf '%s\n' "$*"; }

# proctest_start SHAPE...: start proctest in the background and wait (up to
# 10 s) for its "ready" line. READY is set to that line and the helper's pid
# is added to HELPERS; proctest_stop ends them all. Not for a subshell.
HELPERS=
proctest_start() {
	_out=$(mktemp)
	"$PROCTEST" "$@" >"$_out" &
	HELPERS="$HELPERS $!"
	_i=0
	while ! grep -q '^ready' "$_out" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	READY=$(grep '^ready' "$_out")
	rm -f "$_out"
}

proctest_stop() {
	for _p in $HELPERS; do
		kill -TERM "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	HELPERS=
}

# policy_name N: the SCHED_* name (without SCHED_) of policy number N, as
# include/uapi/linux/sched.h numbers them.
policy_name() {
	case $1 in
	0) echo NORMAL ;;
	1) echo FIFO ;;
	2) echo RR ;;
	3) echo BATCH ;;
	5) echo IDLE ;;
	6) echo DEADLINE ;;
	7) echo EXT ;;
	*) echo "?" ;;
	esac
}

# link_stat DEV FIELD [PID]: one counter of `ip -s link` (rtnetlink) by name
# (rx_ or tx_ bytes, packets, dropped), in the network namespace of PID if
# given. /bin/ip is iproute2's: busybox sh runs its own applet for "ip".
link_stat() {
	if [ -n "${3:-}" ]; then
		nsenter -t "$3" -n /bin/ip -s -o link show dev "$1"
	else
		/bin/ip -s -o link show dev "$1"
	fi | awk -v f="$2" '{
		for (i = 1; i <= NF; i++) {
			if ($i == "RX:") rx = i
			if ($i == "TX:") tx = i
		}
		# "RX: bytes packets errors dropped missed mcast \ N N N N N N \ TX: ..."
		o = (f ~ /^rx_/) ? rx : tx
		n = (f ~ /bytes$/) ? 0 : (f ~ /packets$/) ? 1 : (f ~ /dropped$/) ? 3 : -1
		print $(o + 8 + n)
	}'
}

# wait_until N CMD...: run CMD every 0.1 s until it succeeds, at most N
# times (N/10 seconds); fails if it never did. For states a loaded host may
# take a while to reach, instead of a fixed sleep.
wait_until() {
	_w=$1
	shift
	while ! "$@"; do
		_w=$((_w - 1))
		[ "$_w" -gt 0 ] || return 1
		sleep 0.1
	done
}

# pg DEV|kpktgend_N|pgctrl CMD: one pktgen command.
pg() { echo "$2" >"/proc/net/pktgen/$1"; }

# pktgen_idle: kpktgend_0 has no device (only the thread and control files).
pktgen_idle() {
	for _f in /proc/net/pktgen/*; do
		case ${_f##*/} in kpktgend_* | pgctrl) ;; *) return 1 ;; esac
	done
}

# pktgen_prepare DEV COUNT SIZE DST_MAC [CMD...]: kpktgend_0, the pktgen
# thread bound to CPU 0, as DEV's only sender: COUNT frames (0: until
# stopped) of SIZE bytes without FCS, as fast as DEV takes them, to
# 192.0.2.99 (TEST-NET-1: nobody's) at DST_MAC; then the CMDs. "start" to
# pgctrl runs it. "rem_device_all" is asynchronous (the thread acts on it
# in its next loop; pktgen only sleeps 125 ms for that): the old devices
# must be gone before DEV is added.
pktgen_prepare() {
	pg kpktgend_0 rem_device_all || return 1
	wait_until 100 pktgen_idle || return 1
	pg kpktgend_0 "add_device $1" || return 1
	_dev=$1
	pg "$_dev" "count $2"
	pg "$_dev" "pkt_size $3"
	pg "$_dev" "delay 0"
	pg "$_dev" "dst 192.0.2.99"
	pg "$_dev" "dst_mac $4"
	shift 4
	for _c; do
		pg "$_dev" "$_c" || return 1
	done
}
