#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run proclab's tests inside the VM and print KTAP: one top-level result per
# test program, its own KTAP output nested (indented) under it.
#
#   tests/run_tests.sh [TEST...]     default: TEST_PROGS of tests/Makefile
#
# Each test runs under the time limit of tests/settings. After each test the
# kernel log is read: a splat there (BUG, WARNING, Oops, lockdep, KASAN, ...)
# fails that test even if the test itself passed, and so does a process the
# test left running.

# shellcheck disable=SC2086 # test lists are split on purpose
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh
# shellcheck disable=SC3040 # busybox ash has pipefail
set -o pipefail

timeout_s=$(sed -n 's/^timeout=//p' settings)
: "${timeout_s:=45}"
if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(sed -n 's/^TEST_PROGS[ :]*=//p' Makefile)
fi

n=0
for t in $tests; do n=$((n + 1)); done
echo "KTAP version 1"
echo "1..$n"

# What the kernel logged before the first test is not any test's fault, but
# a splat there is worth seeing.
boot=$(klog_splats)
[ -n "$boot" ] && echo "$boot" | sed 's/^/# before the tests: /'

# leftovers FILE: "pid comm" of every process still writing to FILE.
leftovers() {
	for fd in /proc/[0-9]*/fd/1 /proc/[0-9]*/fd/2; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$1" ] || continue
		p=${fd#/proc/}
		p=${p%%/*}
		echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
	done | sort -un
}

i=0
failed=0
for t in $tests; do
	i=$((i + 1))
	name=${t%.sh}
	start=$(date +%s)
	# Into a file, not a pipe: a process the test leaves behind would hold
	# a pipe open and stall the run; with a file it is found and failed.
	out=$(mktemp)
	timeout -k 10 "$timeout_s" "./$t" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	sed 's/^/  /' "$out"
	left=$(leftovers "$out")
	if [ -n "$left" ]; then
		echo "$left" | sed 's/^/# left behind, killed: /'
		for p in $(echo "$left" | cut -d' ' -f1); do kill -KILL "$p" 2>/dev/null; done
		[ $rc = 0 ] || [ $rc = 4 ] && rc=1
	fi
	rm -f "$out"
	splats=$(klog_splats)
	if [ -n "$splats" ]; then
		echo "$splats" | head -n 40 | sed 's/^/# kernel: /'
		[ $rc = 0 ] || [ $rc = 4 ] && rc=1
	fi
	echo "# $name: exit status $rc after ${secs}s"
	case $rc in
	0) echo "ok $i $name" ;;
	4) echo "ok $i $name # SKIP" ;;
	124) echo "not ok $i $name # TIMEOUT ${timeout_s}s"; failed=1 ;;
	*) echo "not ok $i $name # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
