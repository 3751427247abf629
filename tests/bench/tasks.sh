#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (make bench): with many tasks alive, reading the debugfs task table
# once against busybox ps, which opens /proc/<pid>/... per task, in the same
# boot. The table is timed two ways: one read by the timing process itself
# (open, read to the end, close: what reading the file costs), and as a whole
# `cat` (fork, exec, read, exit), like ps. Runs are interleaved and each figure
# is the median of the rounds; the figures are the ratios, not the absolute
# times (TCG, shared machine).
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

N=${PROCLAB_BENCH_TASKS:-5000}
ROUNDS=${PROCLAB_BENCH_ROUNDS:-5}
TABLE=$PROCLAB_DEBUGFS/tasks/tasks

module_load proclab_tasks || exit 1
out=$(mktemp)
/usr/libexec/proclab/spawn "$N" >"$out" &
spawner=$!
while ! grep -qx ready "$out"; do sleep 0.5; done
alive=$(($(wc -l <"$TABLE") - 1))

t=$(mktemp -d)
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	"$PROCTEST" timeread 4 "$TABLE" >>"$t/read"
	"$PROCTEST" timeit 4 cat "$TABLE" >>"$t/cat"
	"$PROCTEST" timeit 2 ps -o pid,ppid,stat,comm >>"$t/ps"
	round=$((round + 1))
done
kill "$spawner"
wait "$spawner" 2>/dev/null
module_restore

awk -v n="$alive" -v r="$ROUNDS" -v rd="$(median <"$t/read")" \
	-v c="$(median <"$t/cat")" -v p="$(median <"$t/ps")" 'BEGIN {
	printf "bench tasks: %d processes alive, median of %d rounds\n", n, r
	printf "bench tasks:   read proclab/tasks/tasks (open, read, close) %8.1f ms\n", rd / 1e6
	printf "bench tasks:   cat proclab/tasks/tasks (fork, exec, read)   %8.1f ms\n", c / 1e6
	printf "bench tasks:   ps -o pid,ppid,stat,comm (fork, exec, /proc) %8.1f ms\n", p / 1e6
	printf "bench tasks:   ps / read tasks = %.1fx (goal: >= 10x)\n", p / rd
	printf "bench tasks:   ps / cat tasks = %.1fx\n", p / c
}'
rm -rf "$t" "$out"
