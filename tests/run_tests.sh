#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run proclab's tests inside the VM and print KTAP: a first result for the
# boot, then one top-level result per test program, its own KTAP output
# nested (indented) under it.
#
#   tests/run_tests.sh [TEST...]     default: TEST_PROGS of tests/Makefile
#   tests/run_tests.sh --wrap DESC CMD...
#                                    run CMD (its output as it is), then one
#                                    KTAP result: the kernel after CMD
#
# Result 1, "boot log clean": the kernel log up to the first test has no
# splat, the kernel has no taint flag but O and N, lockdep and kmemleak (where
# the kernel has them) are on. Each test then runs under the time limit of
# tests/settings. Before it: klog_expect's declarations are forgotten,
# WARN_ONCE sites re-armed, kmemleak's report cleared. After it (and its EXIT
# trap, which unloads what it loaded): kmemleak scans twice (the debug
# kernel; ktap_finished leaves the scans to the runner), then the kernel log
# since the test began is read. A splat there (tests/lib.sh's KLOG_SPLAT,
# minus what the test declared with klog_expect), a leak, a taint flag gained
# beyond O and N, lockdep or kmemleak turned off fail the test even if it
# passed, and so does a process the test left running.

# shellcheck disable=SC2086 # test lists are split on purpose
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh
# shellcheck disable=SC3040 # busybox ash has pipefail
set -o pipefail

# klog_before: forget the last test's declarations, re-arm WARN_ONCE, clear
# kmemleak's report, and print the state to compare with afterwards.
klog_before() {
	rm -f "$KLOG_DIR/expect" "$KLOG_DIR/taint-ok"
	warn_once_reset
	kmemleak_clear
	klog_state
}

# klog_after BEFORE: the problems since then, one per line (kmemleak first:
# its scan logs a line the log check must see).
klog_after() {
	kmemleak_report
	klog_problems "$1"
}

if [ "${1:-}" = --wrap ]; then
	desc=$2
	shift 2
	# ktap_finished scans kmemleak itself there: no runner between the tests.
	before=$(klog_before)
	"$@"
	rc=$?
	problems=$(klog_after "$before")
	echo "KTAP version 1"
	echo "1..1"
	if [ -n "$problems" ]; then
		echo "$problems" | head -n 40 | sed 's/^/# kernel: /'
		echo "not ok 1 kernel log clean after $desc"
		exit 1
	fi
	echo "ok 1 kernel log clean after $desc"
	exit $rc
fi

timeout_s=$(sed -n 's/^timeout=//p' settings)
: "${timeout_s:=45}"
if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(sed -n 's/^TEST_PROGS[ :]*=//p' Makefile)
fi

n=1
for t in $tests; do n=$((n + 1)); done
echo "KTAP version 1"
echo "1..$n"

# The boot: what the kernel logged before the first test (with --load, the
# modules' loading too), measured against a freshly booted kernel's state.
# The ktap_finished of every test leaves kmemleak's scans to us.
export PROCLAB_RUNNER=1
rm -f "$KLOG_DIR/expect" "$KLOG_DIR/taint-ok"
problems=$(klog_problems "0 1 on")
if [ -n "$problems" ]; then
	echo "$problems" | head -n 40 | sed 's/^/# kernel: /'
	echo "not ok 1 boot log clean"
	failed=1
else
	echo "ok 1 boot log clean"
	failed=0
fi

# leftovers FILE: "pid comm" of every process still writing to FILE.
leftovers() {
	for fd in /proc/[0-9]*/fd/1 /proc/[0-9]*/fd/2; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$1" ] || continue
		p=${fd#/proc/}
		p=${p%%/*}
		echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
	done | sort -un
}

i=1
for t in $tests; do
	i=$((i + 1))
	name=${t%.sh}
	before=$(klog_before)
	start=$(date +%s)
	# Into a file, not a pipe: a process the test leaves behind would hold
	# a pipe open and stall the run; with a file it is found and failed.
	out=$(mktemp)
	timeout -k 10 "$timeout_s" "./$t" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	sed 's/^/  /' "$out"
	why=
	left=$(leftovers "$out")
	if [ -n "$left" ]; then
		echo "$left" | sed 's/^/# left behind, killed: /'
		for p in $(echo "$left" | cut -d' ' -f1); do kill -KILL "$p" 2>/dev/null; done
		why="$why, left processes"
	fi
	rm -f "$out"
	start=$(date +%s)
	problems=$(klog_after "$before")
	if [ -n "$problems" ]; then
		echo "$problems" | head -n 40 | sed 's/^/# kernel: /'
		why="$why, kernel"
	fi
	echo "# $name: exit status $rc after ${secs}s, kernel checked in $(($(date +%s) - start))s"
	case $rc$why in
	0) echo "ok $i $name" ;;
	4) echo "ok $i $name # SKIP" ;;
	124*) echo "not ok $i $name # TIMEOUT ${timeout_s}s$why"; failed=1 ;;
	*) echo "not ok $i $name # exit=$rc$why"; failed=1 ;;
	esac
done
exit $failed
