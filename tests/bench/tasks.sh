#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (make bench): with many tasks alive, one read of the debugfs
# task table against busybox ps, which opens /proc/<pid>/... per task.
# Both are whole commands (fork, exec, read, exit), timed in the same boot;
# the figure is the ratio, not the absolute times (TCG, shared machine).
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

N=${PROCLAB_BENCH_TASKS:-5000}
K=${PROCLAB_BENCH_RUNS:-10}
TABLE=$PROCLAB_DEBUGFS/tasks/tasks

module_load proclab_tasks || exit 1
out=$(mktemp)
/usr/libexec/proclab/spawn "$N" >"$out" &
spawner=$!
while ! grep -qx ready "$out"; do sleep 0.5; done
alive=$(($(wc -l <"$TABLE") - 1))

t_mod=$("$PROCTEST" timeit "$K" cat "$TABLE")
t_ps=$("$PROCTEST" timeit "$K" ps -o pid,ppid,stat,comm)
kill "$spawner"
wait "$spawner" 2>/dev/null
rm -f "$out"
module_restore

awk -v n="$alive" -v k="$K" -v m="$t_mod" -v p="$t_ps" 'BEGIN {
	printf "bench tasks: %d processes alive, mean of %d runs each\n", n, k
	printf "bench tasks:   cat proclab/tasks/tasks   %10.1f ms\n", m / 1e6
	printf "bench tasks:   ps -o pid,ppid,stat,comm  %10.1f ms\n", p / 1e6
	printf "bench tasks:   ps / tasks = %.1fx (goal: >= 10x)\n", p / m
}'
