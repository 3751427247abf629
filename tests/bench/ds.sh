#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (make bench): proclab_ds's Rust loops against their C twins and
# against lib/rbtree_test.c itself, in the same boot. Each workload runs
# RUNS times after one warm-up run (TCG translates code on first use); the
# figure is the median, and the ratio Rust/C of the medians.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

RUNS=${PROCLAB_BENCH_RUNS:-5}
SEED=3141592653589793238
B=$PROCLAB_DEBUGFS/ds/bench

module_load proclab_ds || exit 1
echo clear >"$B/control"
i=0
while [ $i -le "$RUNS" ]; do
	[ $i = 1 ] && echo clear >"$B/control" # the warm-up run does not count
	echo "rbtree 100 1000 $SEED" >"$B/control"
	echo "xarray 1024 100" >"$B/control"
	i=$((i + 1))
done

# rbtree_test.ko: one run per load (its init returns -EAGAIN, so it unloads
# itself); the first load is the warm-up.
i=0
while [ $i -le "$RUNS" ]; do
	modprobe rbtree_test nnodes=100 perf_loops=1000 check_loops=0 seed=$SEED 2>/dev/null
	i=$((i + 1))
done
# The first "test 1" and "test 3" after each "rbtree testing" header (the
# augmented block that follows repeats test 1 and 2).
dmesg | awk '
	/\] rbtree testing$/ { on = 1; next }
	/augmented rbtree testing/ { on = 0 }
	on && /-> test 1 / { print "t1", $(NF - 1) }
	on && /-> test 3 / { print "t3", $(NF - 1) }' | awk '
	{ n[$1]++; if (n[$1] > 1) print }' >/tmp/rbtree_test.txt

col() { # WORKLOAD-PREFIX FIELD (2 rust, 3 c), from the results table
	awk -v w="$1" -v f="$2" 'index($0, w) == 1 { n = split($0, a, /  +/); print a[n - 3 + f] }' "$B/results" | median
}
# The results table: name, rust, c, ratio in columns separated by 2+ spaces.
r1=$(col "rbtree insert+erase (C erases by pointer)" 1)
c1=$(col "rbtree insert+erase (C erases by pointer)" 2)
c1s=$(col "rbtree insert+erase (C searches the key too)" 2)
c1c=$(col "rbtree insert+erase (C with Rust's calls)" 2)
r3=$(col "rbtree in-order walk" 1)
c3=$(col "rbtree in-order walk" 2)
rx=$(col "xarray store+load+erase" 1)
cx=$(col "xarray store+load+erase" 2)
rxp=$(col "xarray, one lock per pass of loads" 1)
k1=$(awk '$1 == "t1" { print $2 }' /tmp/rbtree_test.txt | median)
k3=$(awk '$1 == "t3" { print $2 }' /tmp/rbtree_test.txt | median)

# The rbtree's dump holds the mutex only to copy the keys, and formats them
# after dropping it: with 100,000 keys and a reader of dump reading it back
# to back, a read of stats (which takes the same mutex) is slowed by a small
# part of one dump read. Holding the mutex while formatting, it was slowed
# by most of one. Means of proctest timeread (CLOCK_MONOTONIC), in ns.
R=$PROCLAB_DEBUGFS/ds/rbtree
echo clear >"$R/control"
echo "fill 100000 5" >"$R/control"
t_dump=$("$PROCTEST" timeread 5 "$R/dump")
t_idle=$("$PROCTEST" timeread 10 "$R/stats")
# The reader: one process (proctest reading dump over and over), so that
# killing it leaves no reader holding the file when the module is unloaded.
"$PROCTEST" timeread 1000000 "$R/dump" >/dev/null &
bg=$!
sleep 0.1
t_busy=$("$PROCTEST" timeread 10 "$R/stats")
kill $bg
wait $bg 2>/dev/null
echo clear >"$R/control"
module_restore

awk -v r1="$r1" -v c1="$c1" -v c1s="$c1s" -v c1c="$c1c" -v r3="$r3" -v c3="$c3" -v rx="$rx" -v cx="$cx" -v rxp="$rxp" \
	-v k1="$k1" -v k3="$k3" -v runs="$RUNS" 'BEGIN {
	printf "bench ds: medians of %d runs after a warm-up, cycles (get_cycles)\n", runs
	printf "bench ds:   %-44s %10s %10s %12s %8s\n", "workload", "rust", "c twin", "rbtree_test", "rust/c"
	printf "bench ds:   %-44s %10d %10d %12d %8.2f\n", "rbtree test 1: 100 inserts + 100 erases", r1, c1, k1, (c1 ? r1 / c1 : 0)
	printf "bench ds:   %-44s %10d %10d %12s %8.2f\n", "  (C erasing by key, as Rust must)", r1, c1s, "-", (c1s ? r1 / c1s : 0)
	printf "bench ds:   %-44s %10d %10d %12s %8.2f\n", "  (C searching, with Rust'"'"'s function calls)", r1, c1c, "-", (c1c ? r1 / c1c : 0)
	printf "bench ds:   %-44s %10d %10d %12d %8.2f\n", "rbtree test 3: in-order walk of 100", r3, c3, k3, (c3 ? r3 / c3 : 0)
	printf "bench ds:   %-44s %10d %10d %12s %8.2f\n", "xarray: 1024 stores, 100x1024 loads, erases", rx, cx, "-", (cx ? rx / cx : 0)
	printf "bench ds:   %-44s %10d %10d %12s %8.2f\n", "  (Rust: one lock per pass of 1024 loads)", rxp, cx, "-", (cx ? rxp / cx : 0)
	printf "bench ds:   goal: every rust/c <= 1.10\n"
}'
awk -v d="$t_dump" -v i="$t_idle" -v b="$t_busy" 'BEGIN {
	printf "bench ds: rbtree of 100000 keys, ms: a dump read %.1f, a stats read %.1f alone and %.1f beside a reader of dump\n", d / 1e6, i / 1e6, b / 1e6
	printf "bench ds:   (stats beside - alone) / dump = %.2f (goal < 0.25: dump formats outside the mutex)\n", (d ? (b - i) / d : 0)
}'
