#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab at scale: as many threads as the kernel lets the VM have, then every
# file of every proclab module read whole, and each table that lists tasks
# holding exactly the tasks /proc holds.
#
# How many: the kernel's own limit, threads-max (set at boot from the memory:
# one eighth of it in kernel stacks), less the tasks already there and a
# margin for the test's own processes. On the debug kernel (32 KiB stacks
# with KASAN) that is 3,121, so about 2,900 threads are made; on the base
# kernel about 7,300. Measured on the debug kernel under TCG on a shared
# 2-core host (load 10 to 15): the VM has 790 MB; 4,000 threads took 200 MB,
# so raising threads-max would fit about 12,000, but creating them is what
# bounds the test's time: 2,868 took 46 to 108 s (16 to 38 ms each), ending
# them 24 to 51 s, the whole test 101 to 329 s (reading all 32 files: 3 s).
# The threads come from four processes of proctest small-threads (16 KiB
# user stacks).
#
# Oracle: /proc, listed by proctest procsnap just before and just after the
# reads. The pid limit is raised to 4194304 for the test, so no pid is used
# twice: a pid in both listings lived through the reads and must be in the
# table; a pid in the table not in the first listing must have been born
# after it (greater than the pid of a child the listing forks first); the count
# lies between those two bounds. A file reads whole when cat succeeds and
# its last line ends in a newline. The kernel log must hold no allocation
# warning (a kmalloc beyond KMALLOC_MAX_SIZE warns) and no splat.
#
# The KUnit suite proclab_tasks, run at load, forces a snapshot beyond
# KMALLOC_MAX_SIZE (4 MiB), which 2,900 threads do not reach.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose; cleanup runs from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

P=$PROCLAB_DEBUGFS
PID_MAX=/proc/sys/kernel/pid_max
old_pid_max=$(cat "$PID_MAX")

test_cleanup() {
	proctest_stop
	wait 2>/dev/null
	echo "$old_pid_max" >"$PID_MAX"
}

test_init "$PROCTEST"
ktap_set_plan 10
start=$(date +%s)

# 1. The KUnit suite of proclab_tasks runs at load: a snapshot beyond
# kmalloc's largest object.
rmmod proclab_tasks 2>/dev/null
module_load proclab_tasks && module_load proclab_ds && module_load proclab_kthreads
ktap_need $? "proclab_tasks, proclab_ds and proclab_kthreads load"
# The suite's results, as KUnit keeps them in debugfs (CONFIG_KUNIT_DEBUGFS).
K=/sys/kernel/debug/kunit/proclab_tasks/results
if grep -q '^ *ok [0-9]* snapshot_beyond_kmalloc_max' "$K" && ! grep -q 'not ok' "$K"; then
	ktap_test_pass "KUnit proclab_tasks: a snapshot beyond KMALLOC_MAX_SIZE ($(grep -c '^ *ok' "$K") ok)"
else
	ktap_test_fail "KUnit proclab_tasks: a snapshot beyond KMALLOC_MAX_SIZE" "$(head -n 30 "$K" 2>&1)"
fi

# 2. The threads: threads-max less what runs and a margin, from four
# processes (creating them in parallel uses both CPUs).
echo 4194304 >"$PID_MAX"
max=$(cat /proc/sys/kernel/threads-max)
now=$("$PROCTEST" procsnap | grep -c "^T")
want=$(((max - now - 200) / 4))
outs=
for i in 1 2 3 4; do
	"$PROCTEST" small-threads "$want" >"$TMP/made$i" 2>&1 &
	HELPERS="$HELPERS $!"
	outs="$outs $TMP/made$i"
done
made=0
for o in $outs; do
	# Up to 3 minutes each; a helper that fails says so and exits.
	wait_until 1800 grep -q -e '^ready' -e 'proctest:' "$o"
	n=$(awk '/^ready/ { print $3 }' "$o")
	made=$((made + ${n:-0}))
done
secs=$(($(date +%s) - start))
total=$("$PROCTEST" procsnap | grep -c "^T")
if [ "$made" = $((want * 4)) ]; then
	ktap_test_pass "$made threads made (threads-max $max, $total threads in /proc, ${secs}s)"
else
	ktap_test_fail "$((want * 4)) threads made" "$(cat $outs)"
fi

# 3. Every file of every module reads whole, between two listings of /proc.
t0=$(date +%s)
"$PROCTEST" procsnap >"$TMP/snap1"
t1=$(date +%s)
# The task file shows the process with the most threads.
set -- $HELPERS
echo "$1" >"$P/tasks/pid"
# One process reads them all (proctest readall): under TCG on the debug
# kernel a cat, tail and grep per file cost more than the reads.
mkdir "$TMP/out"
"$PROCTEST" readall "$TMP/out" $(find "$P" -type f | sort) >"$TMP/read"
files=$(wc -l <"$TMP/read")
t2=$(date +%s)
"$PROCTEST" procsnap >"$TMP/snap2"
# "empty" is a whole read too (a file with nothing to say yet).
bad=$(awk '$2 != "ok" && $2 != "empty"' "$TMP/read")
grep -H '^# out of memory' "$TMP"/out/* >"$TMP/oom"
echo "# /proc listed in $((t1 - t0))s, $files files read in $((t2 - t1))s"
[ -z "$bad" ] && [ ! -s "$TMP/oom" ] && [ "$files" -ge 20 ]
ktap_last $? "all $files files of $P read whole"
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
sed 's/^/# /' "$TMP/oom"

# output NAME: the saved output of file NAME (a path under $P).
output() { awk -v f="$P/$1" -v d="$TMP/out" '$3 == f { print d "/" $1 }' "$TMP/read"; }

# setcheck KIND: compare the pids on standard input (one a line) with the
# two listings, processes (P) or threads (T). Prints what is wrong and a
# last line "rows N bounds LO..HI".
setcheck() {
	awk -v kind="$1" '
		FILENAME == ARGV[1] && $1 == "L" { l1 = $2 }
		FILENAME == ARGV[1] && $1 == kind { s1[$2] = 1; n1++ }
		FILENAME == ARGV[2] && $1 == "L" { l2 = $2 }
		FILENAME == ARGV[2] && $1 == kind { s2[$2] = 1 }
		FILENAME == "-" { t[$1]++; nt++ }
		END {
			for (p in s1) if (p in s2) { lo++; if (!(p in t)) print "missing " p }
			for (p in t) {
				if (t[p] > 1) print "listed " t[p] " times: " p
				if (!(p in s1) && p + 0 <= l1) print "not in /proc: " p
			}
			hi = n1 + l2 - l1
			if (nt < lo || nt > hi) print "count " nt " outside " lo ".." hi
			print "rows " nt " bounds " lo ".." hi
		}' "$TMP/snap1" "$TMP/snap2" -
}

# table_check DESC KIND: the pids of stdin against the listings, as one case.
table_check() {
	r=$(setcheck "$2")
	last=$(echo "$r" | tail -n 1)
	if [ "$(echo "$r" | wc -l)" = 1 ]; then
		ktap_test_pass "$1: $last"
	else
		ktap_test_fail "$1: $last" "$(echo "$r" | head -n 20)"
	fi
}

# 4-8. The tables that list tasks hold what /proc holds.
# (Through files: a case counted in a pipeline's subshell would be lost.)
awk 'NR > 1 { print $1 }' "$(output tasks/tasks)" >"$TMP/pids"
table_check "tasks: one row per process" P <"$TMP/pids"
awk 'NR > 1 { print $1 }' "$(output tasks/threads)" >"$TMP/pids"
table_check "threads: one row per thread" T <"$TMP/pids"
awk 'NR > 1 { print $1 }' "$(output tasks/tree)" >"$TMP/pids"
table_check "tree: one line per process" P <"$TMP/pids"
# bounds KIND: the least and the most tasks (P or T) a read between the two
# listings can have seen: those in both, and the first listing's plus every
# pid allocated in between.
bounds() {
	awk -v kind="$1" 'FILENAME == ARGV[1] && $1 == "L" { l1 = $2 }
		FILENAME == ARGV[1] && $1 == kind { s1[$2] = 1; n1++ }
		FILENAME == ARGV[2] && $1 == "L" { l2 = $2 }
		FILENAME == ARGV[2] && $1 == kind && ($2 in s1) { lo++ }
		END { print lo, n1 + l2 - l1 }' "$TMP/snap1" "$TMP/snap2"
}
s=$(output tasks/summary)
np=$(awk -F': ' '$1 == "processes" { print $2 }' "$s")
nt=$(awk -F': ' '$1 == "threads" { print $2 }' "$s")
set -- $(bounds P) $(bounds T)
[ "${np:--1}" -ge "$1" ] && [ "$np" -le "$2" ] && [ "${nt:--1}" -ge "$3" ] && [ "$nt" -le "$4" ]
ktap_last $? "summary: processes $np in $1..$2, threads $nt in $3..$4"
# cfs/live lists the runnable fair tasks: a subset, each once, and as many
# rows per CPU as its "cpu N: K runnable" line says.
l=$(output ds/cfs/live)
err=$(awk '/^#/ { if (match($0, /\([0-9]+ in all\)/)) all = substr($0, RSTART + 1, RLENGTH - 9) + 0; next }
	/^cpu / { if (k != n) print "cpu " c ": " n " rows, header says " k; c = $2; k = $3; n = 0; next }
	{ n++; rows++; print substr($0, 10, 7) + 0 >"/dev/stderr" }
	END { if (k != n) print "cpu " c ": " n " rows, header says " k
	      if (rows != all) print rows " rows, header says " all }' "$l" 2>"$TMP/live_pids")
r=$(setcheck T <"$TMP/live_pids" | grep -v '^missing\|^count\|^rows')
n=$(wc -l <"$TMP/live_pids")
ktap_test_result "cfs/live: $n runnable tasks, each a thread of /proc, rows as counted per CPU" [ -z "$err$r" ]
[ -n "$err$r" ] && echo "$err$r" | head -n 20 | sed 's/^/# /'

# 9. No allocation warning (ktap_finished checks the other splats).
warn=$(dmesg | grep -E 'page allocation failure|vmalloc error')
ktap_test_result "no allocation warning in the kernel log" [ -z "$warn" ]
[ -n "$warn" ] && echo "$warn" | head -n 10 | sed 's/^/# /'

t0=$(date +%s)
proctest_stop
echo "# $made threads ended in $(($(date +%s) - t0))s; $(($(date +%s) - start))s in all"
ktap_finished
