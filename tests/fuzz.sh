#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every writable debugfs file of every proclab module, fuzzed from the
# modules' own grammar files (tests/helpers/fuzz.c, installed as
# /usr/libexec/proclab/fuzz). With every module loaded, each file under
# proclab/ with a write bit must be named by a grammar, and each file a
# grammar names must exist with mode 0600. Then, one module at a time:
# modprobe; PROCLAB_FUZZ_WRITES (default 1000) writes to each writable file
# by 3 threads at once, valid commands at their boundaries and mutations of
# them, while 2 threads read every file of the module; rmmod, and the module
# and its directory are gone. The oracle of each write is the command
# contract of rust/proclab/cmd.rs: a command of the grammar is written in
# full or refused with a documented errno (EBUSY ENOSPC ENOENT EEXIST ESRCH
# EINTR ENOMEM ENODEV ERANGE), a malformed one with EINVAL, within 10 s; then the kernel
# log must be clean (the debug kernel's KASAN, lockdep, kmemleak, ...).
#
# PROCLAB_FUZZ_SEED=N repeats a run's commands (each run prints its seed).
# PROCLAB_FUZZ_MODULES="ds napi" fuzzes only those modules.
# PROCLAB_FUZZ_GRAMMARS=DIR takes the grammar of module M from DIR/M.g
# (FILE relative to the module's directory) instead of the modules' own.

# shellcheck disable=SC2086,SC2317 # option lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

FUZZ=/usr/libexec/proclab/fuzz
WRITES=${PROCLAB_FUZZ_WRITES:-1000}
SEED=${PROCLAB_FUZZ_SEED:-$(date +%s)}
GRAMMARS=${PROCLAB_FUZZ_GRAMMARS:-}
EXTRA=/lib/modules/$(uname -r)/extra

# The modules: every proclab_*.ko installed but proclab_core (which only
# owns the proclab/ directory), each with its directory under proclab/.
ALL=
for ko in "$EXTRA"/proclab_*.ko; do
	m=$(basename "$ko" .ko)
	[ "$m" = proclab_core ] || [ "$m" = "proclab_*" ] || ALL="$ALL ${m#proclab_}"
done
MODULES=${PROCLAB_FUZZ_MODULES:-$ALL}

unload() {
	for m in $ALL; do rmmod "proclab_$m" 2>/dev/null; done
}
test_cleanup() { unload; }

test_init "$FUZZ"
OUT=$TMP/out
[ -n "$MODULES" ] || ktap_skip_all "no proclab module in $EXTRA"
n=0
for m in $MODULES; do n=$((n + 3)); done
ktap_set_plan $((n + 2))
echo "# fuzz: seed $SEED (PROCLAB_FUZZ_SEED=$SEED repeats the commands), $WRITES writes per file"

out=$("$FUZZ" --selftest)
ktap_last $? "the fuzzer's classifier sorts 54 known commands right (valid, malformed, either)"
echo "$out"

# Grammars that name every writable file, with every module loaded.
loaded=1
for m in $ALL; do modprobe "proclab_$m" || loaded=0; done
if [ -n "$GRAMMARS" ]; then
	ktap_test_skip "every writable file under $PROCLAB_DEBUGFS is named by a grammar" \
		"grammars from $GRAMMARS"
else
	[ $loaded = 1 ] && "$FUZZ" -c "$PROCLAB_DEBUGFS"
	ktap_last $? "every writable file under $PROCLAB_DEBUGFS is named by a grammar, and is 0600"
fi
unload

for m in $MODULES; do
	dir=$PROCLAB_DEBUGFS/$m
	if ! modprobe "proclab_$m" || [ ! -d "$dir" ]; then
		ktap_test_fail "modprobe proclab_$m creates $dir"
		ktap_test_skip "fuzz $dir" "not loaded"
		ktap_test_skip "rmmod proclab_$m after the fuzzing" "not loaded"
		continue
	fi
	ktap_test_pass "modprobe proclab_$m creates $dir"
	# One device up (its ring size is EBUSY then), one down.
	[ "$m" = napi ] && /bin/ip link set pln0 up
	set -- -s "$SEED" -n "$WRITES"
	[ -n "$GRAMMARS" ] && set -- "$@" -g "$GRAMMARS/$m.g"
	# The commands that start long work get a smaller share than the
	# other lines' 100: prodcons (up to 1,000,000 events for two
	# threads) 5, sched's experiments (threads that spin on a CPU for up
	# to 3 s, 6 s for rr and preempt; deadline ones on both CPUs) 2, the ds benchmarks (run to completion in the write) 10,
	# contexts' latency (up to 3,000 probes) 10, timers' hrtimer (up to
	# 10 s of timers at 100 us, in hard IRQ and softirq, besides the
	# fuzzer) 5, and timers' wheel 25 (it arms in up to 64 rounds 1 to 8 ms
	# apart, up to 0.5 s a write: at 100 it made 58 of the slice's 143 s).
	case $m in
	kthreads) set -- "$@" -W 'control prodcons=5' ;;
	sched)
		for v in rr fifo_levels deadline classes pi nopi preempt nice fair fifo; do
			set -- "$@" -W "control $v=2"
		done ;;
	ds) set -- "$@" -W 'bench/control rbtree=10' -W 'bench/control xarray=10' ;;
	contexts) set -- "$@" -W 'control latency=10' ;;
	timers) set -- "$@" -W 'control hrtimer=5' -W 'control wheel=25' ;;
	esac
	# In the background: a fuzzer that gives up on a write stuck in the
	# kernel cannot exit while that write sleeps in D; the test goes on.
	"$FUZZ" "$@" "$dir" >"$OUT" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null && ! grep -q 'giving up$' "$OUT"; do sleep 0.2; done
	if grep -q 'giving up$' "$OUT"; then rc=1; else wait $pid; rc=$?; fi
	cat "$OUT"
	ktap_last $rc "fuzz $dir: $WRITES writes per writable file, each answered in full, with EINVAL if malformed, or a documented errno"
	start=$(date +%s)
	rmmod "proclab_$m"
	rc=$?
	[ $rc = 0 ] && [ ! -d "/sys/module/proclab_$m" ] && [ ! -e "$dir" ]
	ktap_last $? "rmmod proclab_$m after the fuzzing (exit $rc, $(($(date +%s) - start)) s), its module and directory gone"
done
ktap_finished
