# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# KTAP helpers for proclab's tests (busybox sh), sourced by every test. The
# names are those of the kernel's
# tools/testing/selftests/kselftest/ktap_helpers.sh where the function does
# the same; the plan adds one case, and the end checks the kernel log.
#
#   test_init [PROGRAM...] the start of a test: skip unless root and every
#                      PROGRAM is installed; TMP, and the EXIT trap (below)
#   ktap_set_plan N    print the KTAP header and the plan, N cases and one
#                      for the kernel log; start a clean kernel log
#   ktap_test_pass DESC        one passing case
#   ktap_test_fail DESC [WHY...]  one failing case, WHY lines as comments
#   ktap_test_skip DESC WHY
#   ktap_test_result DESC CMD...  ok if CMD succeeds (one command: not A && B)
#   ktap_last $? DESC  ok if the command just before it succeeded
#   ktap_need $? DESC  as ktap_last, for a case the rest of the test needs:
#                      a failure ends the test
#   ktap_finished      one more case, "kernel log clean" (see below), then
#                      exit: 0 all passed, 1 any failed, 4 all skipped
#   ktap_skip_all WHY  skip the whole test (before ktap_set_plan)
#   klog_expect ERE [LETTERS]
#                      this test provokes a kernel report on purpose (an OOM
#                      kill prints a stack): see "Expected reports" below
#   warn_once_reset    re-arm every WARN_ONCE site (ktap_set_plan does it too)
#
# The EXIT trap test_init sets runs the test's own test_cleanup (if it
# defines one) and then what every test needs: the proctest helpers stopped
# (proctest_stop), the background jobs waited for, the modules module_load
# loaded unloaded (module_restore), TMP removed.
#
# The kernel log check. "kernel log clean" fails on
#   - a line of KLOG_SPLAT in the log the test produced (ktap_set_plan drains
#     the log, ktap_finished reads what came since);
#   - a taint flag gained since ktap_set_plan other than O (out-of-tree module)
#     and N (KUnit test), shown as letters;
#   - lockdep turned off since ktap_set_plan ("debug_locks: 0" in
#     /proc/lockdep_stats: it stops after its first report);
#   - kmemleak disabled since ktap_set_plan (it no longer takes commands, e.g.
#     after running out of memory), or a kmemleak report of an object leaked
#     since ktap_set_plan (the debug kernel: two scans; under
#     tests/run_tests.sh the runner scans instead, after the test's EXIT
#     trap, so what a test's clean-up unloads is covered too).
# What the log gained between two tests (a module unloaded in the previous
# test's EXIT trap, after its ktap_finished) is not thrown away: ktap_set_plan keeps
# those lines in $KLOG_DIR/carried, labelled "before NAME.sh:", and the next
# check (this test's ktap_finished, or the runner's) fails on them.
#
# Expected reports. A test that makes the kernel print a report on purpose
# declares it after ktap_set_plan:
#   klog_expect 'invoked oom-killer'
#   klog_expect 'WARNING: .* proclab_probe' W
# ERE matches the first line of the report (anywhere in the line); from that
# line to the end of its stack trace ("</TASK>" or "---[ end trace", at most
# 200 lines) nothing fails, and the taint LETTERS given (W for a WARN) are
# allowed too. Nothing else is excused. The declaration holds for this test
# only: ktap_set_plan forgets the previous test's (after checking the log its
# EXIT trap left), and tests/run_tests.sh forgets it after each test.

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
# The log check's own files: "expect" (klog_expect's EREs), "taint-ok" (the
# taint letters they allow), "carried" (lines found between two tests).
KLOG_DIR=${PROCLAB_KLOG_DIR:-/tmp/proclab-klog}
# Taint flags a test may add: O (bit 12, an out-of-tree module) and N (bit
# 18, KUnit ran: the modules' suites run at every load).
KLOG_TAINT_OK=ON

ktap_set_plan() {
	echo "KTAP version 1"
	echo "1..$(($1 + 1))"
	# What came since the last check (the previous test's EXIT trap, under
	# run_kselftest.sh) is checked now, with that test's expectations, and
	# kept for the next check to fail on.
	_pre=$(klog_drain)
	if [ -n "$_pre" ]; then
		mkdir -p "$KLOG_DIR"
		printf '%s\n' "$_pre" | sed "s|^|before ${0##*/}: |" >>"$KLOG_DIR/carried"
	fi
	rm -f "$KLOG_DIR/expect"
	warn_once_reset
	# Forget what leaked before this test (boot-time objects included).
	kmemleak_clear
	_ktap_state=$(klog_state)
}

ktap_test_pass() {
	_ktap_n=$((_ktap_n + 1))
	_ktap_passed=$((_ktap_passed + 1))
	echo "ok $_ktap_n $1"
}

ktap_test_fail() {
	_ktap_n=$((_ktap_n + 1))
	_ktap_failed=$((_ktap_failed + 1))
	desc=$1
	shift
	for why in "$@"; do
		printf '%s\n' "$why" | sed 's/^/# /'
	done
	echo "not ok $_ktap_n $desc"
}

ktap_test_skip() {
	_ktap_n=$((_ktap_n + 1))
	echo "ok $_ktap_n $1 # SKIP $2"
}

ktap_test_result() {
	desc=$1
	shift
	if "$@"; then ktap_test_pass "$desc"; else ktap_test_fail "$desc" "failed: $*"; fi
}

# ktap_last $? DESC: one case, passing if the status given (that of the
# command just before: conditions joined with &&, which ktap_test_result cannot
# take) is 0. Pass $? first: command substitutions in DESC may reset it.
ktap_last() {
	if [ "$1" = 0 ]; then ktap_test_pass "$2"; else ktap_test_fail "$2"; fi
}

# klog_expect ERE [LETTERS]: see "Expected reports" above.
klog_expect() {
	mkdir -p "$KLOG_DIR"
	printf '%s\n' "$1" >>"$KLOG_DIR/expect"
	printf '%s\n' "${2:-}" >>"$KLOG_DIR/taint-ok"
}

# warn_once_reset: make every WARN_ONCE (and pr_*_once) site fire again, so
# a report a previous test already triggered is not silenced in this one.
warn_once_reset() {
	echo 1 2>/dev/null >/sys/kernel/debug/clear_warn_once
}

# klog_filter: of the kernel log lines on standard input, print those that
# report a problem, except the reports klog_expect declared.
klog_filter() {
	# From the environment: awk -v would take the backslashes of a pattern
	# as escapes.
	_splat=$KLOG_SPLAT _expfile=$KLOG_DIR/expect awk '
	BEGIN {
		splat = ENVIRON["_splat"]
		while ((getline l <ENVIRON["_expfile"]) > 0)
			if (l != "")
				ere[++ne] = l
	}
	win {
		if ($0 ~ /<\/TASK>|---\[ end trace/ || ++wn >= 200)
			win = 0
		next
	}
	{
		for (i = 1; i <= ne; i++)
			if ($0 ~ ere[i]) {
				win = 1
				wn = 0
				next
			}
	}
	$0 ~ splat'
}

# klog_drain: the problems in the kernel log since the last drain; drains it.
klog_drain() {
	dmesg -c 2>/dev/null | klog_filter
}

# klog_splats: the problems logged since the last drain, those ktap_set_plan
# carried over first; drains both.
klog_splats() {
	if [ -s "$KLOG_DIR/carried" ]; then
		cat "$KLOG_DIR/carried"
		rm -f "$KLOG_DIR/carried"
	fi
	klog_drain
}

# klog_state: "TAINT LOCKDEP KMEMLEAK": /proc/sys/kernel/tainted, lockdep's
# debug_locks (1 on, 0 off, - no lockdep), kmemleak (on, off, - none). A
# disabled kmemleak refuses every command but "clear" with EPERM; "stack=on"
# is its default, so asking for it changes nothing.
klog_state() {
	_t=$(cat /proc/sys/kernel/tainted 2>/dev/null)
	_l=-
	[ -r /proc/lockdep_stats ] &&
		_l=$(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)
	_k=-
	if [ -e "$KMEMLEAK" ]; then
		if echo stack=on 2>/dev/null >"$KMEMLEAK"; then _k=on; else _k=off; fi
	fi
	echo "${_t:-0} ${_l:--} $_k"
}

# taint_letters MASK: the taint flags of MASK as letters (kernel/panic.c's
# taint_flags, bits 0-19), bits beyond them as "bitN".
taint_letters() {
	_b=0
	_s=
	for _c in P F S R M B U D A W C I O E L K X T N J; do
		[ $(($1 >> _b & 1)) = 1 ] && _s=$_s$_c
		_b=$((_b + 1))
	done
	while [ $_b -lt 63 ]; do
		[ $(($1 >> _b & 1)) = 1 ] && _s="$_s bit$_b"
		_b=$((_b + 1))
	done
	echo "$_s"
}

# taint_mask LETTERS: the bits of those taint letters.
taint_mask() {
	_m=0
	_b=0
	for _c in P F S R M B U D A W C I O E L K X T N J; do
		case $1 in *"$_c"*) _m=$((_m | 1 << _b)) ;; esac
		_b=$((_b + 1))
	done
	echo $_m
}

# klog_problems BEFORE: one line per problem since the state BEFORE (from
# klog_state; "0 1 on" for a fresh boot): the kernel log's, a taint flag
# gained beyond O, N and the letters klog_expect allowed, lockdep or
# kmemleak turned off. Drains the log.
klog_problems() {
	klog_splats
	# shellcheck disable=SC2046,SC2086 # six words
	set -- $1 $(klog_state)
	_ok=$(taint_mask "$KLOG_TAINT_OK$(cat "$KLOG_DIR/taint-ok" 2>/dev/null)")
	_gained=$(($4 & ~$1 & ~_ok))
	[ "$_gained" = 0 ] ||
		echo "taint: gained $(taint_letters "$_gained") (/proc/sys/kernel/tainted $1 -> $4: $(taint_letters "$4"))"
	[ "$2" = 1 ] && [ "$5" = 0 ] &&
		echo "lockdep: turned itself off (debug_locks: 0 in /proc/lockdep_stats): no lock checking from here on"
	[ "$3" = on ] && [ "$6" = off ] &&
		echo "kmemleak: disabled (/sys/kernel/debug/kmemleak refuses commands): no leak is found from here on"
	return 0
}

kmemleak_clear() {
	[ -e "$KMEMLEAK" ] && echo clear 2>/dev/null >"$KMEMLEAK"
	return 0
}

# kmemleak_report: scan for leaks now and print what kmemleak reports (new
# since the last kmemleak_clear). An object is reported by the first scan
# that starts at least 5 s (kmemleak's minimum age) after it was allocated
# and after a scan that saw it unchanged (a new object's checksum changes
# once): two scans, the second starting 6 s after the call at the earliest,
# find all that leaked before the call. A scan takes 3 to 8 s under TCG
# with KASAN, so the wait is usually none. A disabled kmemleak fails
# klog_state's check, not this one.
kmemleak_report() {
	[ -e "$KMEMLEAK" ] || return 0
	_t0=$(awk '{ printf "%d", $1 * 100 }' /proc/uptime)
	echo scan 2>/dev/null >"$KMEMLEAK" || return 0
	_w=$((_t0 + 600 - $(awk '{ printf "%d", $1 * 100 }' /proc/uptime)))
	[ $_w -gt 0 ] && sleep "$((_w / 100)).$((_w % 100 / 10))$((_w % 10))"
	echo scan 2>/dev/null >"$KMEMLEAK" || return 0
	grep -E 'unreferenced object|comm "|^    [^ ]' "$KMEMLEAK" 2>/dev/null | head -n 20
}

ktap_finished() {
	# kmemleak first: its scan logs a line the log check must see. Under
	# tests/run_tests.sh the runner scans, once the test's EXIT trap ran.
	splats=$(
		[ -n "${PROCLAB_RUNNER:-}" ] || kmemleak_report
		klog_problems "$_ktap_state"
	)
	if [ -n "$splats" ]; then
		ktap_test_fail "kernel log clean" "$(echo "$splats" | head -n 40 | sed 's/^/kernel: /')"
	else
		ktap_test_pass "kernel log clean"
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

# ktap_skip_all WHY: skip the whole test, which cannot run here.
ktap_skip_all() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

# test_init [PROGRAM...]: see the top of this file.
test_init() {
	[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
	for _x; do
		[ -x "$_x" ] || ktap_skip_all "$_x not installed"
	done
	TMP=$(mktemp -d)
	trap _test_exit EXIT
	trap 'exit 143' TERM INT
}

_test_exit() {
	command -v test_cleanup >/dev/null && test_cleanup
	proctest_stop
	wait 2>/dev/null
	module_restore
	rm -rf "$TMP"
}

# ktap_need $? DESC: see the top of this file.
ktap_need() {
	ktap_last "$@"
	[ "$1" = 0 ] || ktap_finished
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
	# Last loaded first: a module goes before the modules it depends on
	# (proclab_core after its users).
	_r=
	for m in $_loaded_here; do _r="$m $_r"; done
	for m in $_r; do
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
# take a while to reach, instead of a fixed sleep. The pause is nap, which a
# test may define again.
nap() { sleep 0.1; }
wait_until() {
	_w=$1
	shift
	while ! "$@"; do
		_w=$((_w - 1))
		[ "$_w" -gt 0 ] || return 1
		nap
	done
	# Not the loop's status: that of its last nap.
	return 0
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
	# rem_device_all on an empty list would be acted on late, after the
	# idle wait passed at once, and remove the device added next.
	if ! pktgen_idle; then
		pg kpktgend_0 rem_device_all || return 1
		wait_until 100 pktgen_idle || return 1
	fi
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
