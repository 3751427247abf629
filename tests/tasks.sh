#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks: the task table against /proc, the kernel's own view.
#
# Every value the module prints is compared with what procfs says about the
# same task at nearly the same moment; the module's output is never the
# expected value of its own test.

# Lists of pids are split on purpose; cleanup runs from the trap.
# shellcheck disable=SC2013,SC2086,SC2317
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

TABLE=$PROCLAB_DEBUGFS/tasks/tasks

test_cleanup() {
	[ -n "${bg_pids:-}" ] && kill -KILL $bg_pids 2>/dev/null
	[ -n "${churn_pid:-}" ] && kill -KILL "$churn_pid" 2>/dev/null
}

test_init
ktap_set_plan 14

module_load proclab_tasks && [ -r "$TABLE" ]
ktap_need $? "module loads and creates $TABLE"

# 1. Root only: 0400, owned by root.
mode=$(stat -c '%a %U' "$TABLE")
ktap_test_result "tasks file is mode 0400, owned by root (got '$mode')" [ "$mode" = "400 root" ]

# 2. The header names the columns; the tests below find columns by name.
cat "$TABLE" >"$TMP/t0"
missing=
for col in pid tgid ppid state prio static_prio normal_prio rt_priority policy nice weight vruntime \
	sum_exec_runtime nvcsw nivcsw cpu cpus_allowed kthread exit_state nr_threads comm; do
	head -n 1 "$TMP/t0" | tr -s ' ' '\n' | grep -qx "$col" || missing="$missing $col"
done
if [ -z "$missing" ]; then
	ktap_test_pass "header has every required column"
else
	ktap_test_fail "header has every required column" "missing:$missing"
fi

# row FILE PID: the row of PID as "col=value" lines (comm is the rest of the line).
row() {
	awk -v want="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; ncol = NF; next }
		$1 == want {
			for (i = 1; i < ncol; i++) print col[i] "=" $i
			s = $0
			for (i = 1; i < ncol; i++) sub(/^[ \t]*[^ \t]+/, "", s)
			sub(/^[ \t]+/, "", s)
			print "comm=" s
			exit
		}' "$1"
}

# get ROWTEXT COL
get() { echo "$1" | sed -n "s/^$2=//p"; }

# COLS: the columns compare_pid checks, in the order fields() prints them.
COLS="tgid ppid state prio nice nr_threads rt_priority policy cpu cpus_allowed kthread exit_state nvcsw nivcsw sum_exec_runtime"

# fields FILE PID: the COLS of PID's row, found by the header's names,
# then comm (the rest of the line; it may hold spaces).
fields() {
	awk -v want="$2" -v cols="$COLS" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; ncol = NF; next }
		$1 == want {
			n = split(cols, c, " ")
			line = ""
			for (i = 1; i <= n; i++) line = line $(idx[c[i]]) " "
			s = $0
			for (i = 1; i < ncol; i++) sub(/^[ \t]*[^ \t]+/, "", s)
			sub(/^[ \t]+/, "", s)
			print line s
			exit
		}' "$1"
}

# compare_pid FILE PID: compare one row with /proc; print the differences.
compare_pid() {
	pid=$2
	r=$(fields "$1" "$2")
	[ -n "$r" ] || { echo "pid $2 missing from the table"; return; }
	stat=$(cat "/proc/$2/stat" 2>/dev/null) || return 0 # exited since
	# (The value is the rest of the line: a kworker's Name has colons.)
	status=$(awk '{ k = $1; sub(/^[^:]*:[ \t]*/, "") }
		k == "Name:" || k == "Tgid:" || k == "Cpus_allowed_list:" ||
		k == "voluntary_ctxt_switches:" || k == "nonvoluntary_ctxt_switches:" { print }' \
		"/proc/$2/status" 2>/dev/null | tr '\n' ' ')
	run=$(proc_sched "$2" se.sum_exec_runtime)
	[ -n "$run" ] || return 0 # exited while we read it
	# shellcheck disable=SC2086 # the fields of /proc/<pid>/stat after comm
	set -- ${stat##*) }
	st=$1 pp=$2 flags=$7 pr=${16} ni=${17} nt=${18} cpu=${37} rtp=${38} pol=${39}
	set -- $status
	name=$1 tg=$2 allowed=$3 vol=$4 nvol=$5
	set -- $r
	m_tgid=$1 m_ppid=$2 m_state=$3 m_prio=$4 m_nice=$5 m_nt=$6 m_rtp=$7 m_pol=$8 m_cpu=$9
	m_allowed=${10} m_kthread=${11} m_exit=${12} m_vol=${13} m_nvol=${14} m_run=${15}
	shift 15
	c=$*
	d() { echo "pid $pid: $1 $2, /proc says $3"; }
	[ "$m_tgid" = "$tg" ] || d tgid "$m_tgid" "$tg"
	[ "$m_ppid" = "$pp" ] || d ppid "$m_ppid" "$pp"
	[ "$m_state" = "$st" ] || d state "$m_state" "$st"
	# /proc/<pid>/stat's priority is prio - MAX_RT_PRIO (100) for normal tasks.
	[ "$((m_prio - 100))" = "$pr" ] || [ "$m_rtp" != 0 ] || d prio "$m_prio" "priority $pr"
	[ "$m_nice" = "$ni" ] || d nice "$m_nice" "$ni"
	[ "$m_nt" = "$nt" ] || d nr_threads "$m_nt" "$nt"
	[ "$m_rtp" = "$rtp" ] || d rt_priority "$m_rtp" "$rtp"
	[ "$m_pol" = "$(policy_name "$pol")" ] || d policy "$m_pol" "$pol"
	# A task moves to another CPU only to run there: one that ran between
	# the two reads (R in either, or switched since) may have moved.
	[ "$m_cpu" = "$cpu" ] || [ "$m_state" = R ] || [ "$st" = R ] ||
		[ "$m_vol" != "$vol" ] || [ "$m_nvol" != "$nvol" ] || d cpu "$m_cpu" "$cpu"
	[ "$m_allowed" = "$allowed" ] || d cpus_allowed "$m_allowed" "$allowed"
	k=0
	[ $((flags & 0x00200000)) -ne 0 ] && k=1
	[ "$m_kthread" = "$k" ] || d kthread "$m_kthread" "flags $flags"
	e=-
	[ "$st" = Z ] && e=ZOMBIE
	[ "$m_exit" = "$e" ] || d exit_state "$m_exit" "state $st"
	# Counters only grow, and the table was read before /proc.
	[ "$m_vol" -le "$vol" ] || d nvcsw "$m_vol" "$vol (less)"
	[ "$m_nvol" -le "$nvol" ] || d nivcsw "$m_nvol" "$nvol (less)"
	[ "$m_run" -le "$(ms_to_ns "$run")" ] || d sum_exec_runtime "$m_run" "$run ms (less)"
	# procfs extends a kernel thread's name beyond comm (the full kthread
	# name, a kworker's current workqueue): there comm must be its prefix.
	if [ "$c" != "$name" ]; then
		if [ "$k" = 0 ] || [ "${name#"$c"}" = "$name" ]; then
			echo "pid $pid: comm '$c', /proc says '$name'"
		fi
	fi
}

# 3. Every row agrees with /proc/<pid>/stat and status. A value that differs
# is re-read up to 8 times (a task may change state between the two reads;
# a busy kernel thread on a loaded TCG host is often caught running).
bad=
checked=0
for pid in $(awk 'NR > 1 { print $1 }' "$TMP/t0"); do
	diff=$(compare_pid "$TMP/t0" "$pid")
	try=0
	while [ -n "$diff" ] && [ $try -lt 8 ]; do
		try=$((try + 1))
		cat "$TABLE" >"$TMP/t1"
		diff=$(compare_pid "$TMP/t1" "$pid")
		if echo "$diff" | grep -q "missing from the table" && [ ! -d "/proc/$pid" ]; then
			diff= # exited
		fi
	done
	[ -n "$diff" ] && bad="$bad
$diff"
	checked=$((checked + 1))
done
if [ -z "$bad" ] && [ "$checked" -ge 10 ]; then
	ktap_test_pass "all $checked rows agree with /proc/<pid>/stat and status"
else
	ktap_test_fail "all $checked rows agree with /proc/<pid>/stat and status" "$bad"
fi

# 4. The set of pids is the set of processes in /proc: a pid seen in /proc
# at t2 and still there at t4 must be in the table read at t3, and a pid in
# the tables at t1 and t3 must have been in /proc at t2.
awk 'NR > 1 { print $1 }' "$TABLE" | sort >"$TMP/s1"
for d in /proc/[0-9]*; do echo "${d#/proc/}"; done | sort >"$TMP/p"
awk 'NR > 1 { print $1 }' "$TABLE" | sort >"$TMP/s3"
bad=
for pid in $(grep -vxF -f "$TMP/s3" "$TMP/p"); do
	[ -d "/proc/$pid" ] && bad="$bad $pid(in /proc, not in the table)"
done
for pid in $(grep -xF -f "$TMP/s1" "$TMP/s3" | grep -vxF -f "$TMP/p"); do
	bad="$bad $pid(in the table, not in /proc)"
done
n=$(wc -l <"$TMP/p")
if [ -z "$bad" ] && grep -qx 1 "$TMP/s3" && grep -qx 2 "$TMP/s3" && grep -qx "$$" "$TMP/s3"; then
	ktap_test_pass "pid set equals /proc's ($n processes, including 1, 2 and this shell)"
else
	ktap_test_fail "pid set equals /proc's" "differences:$bad"
fi

# 5-6. renice: nice, prio and load weight follow, as /proc/<pid>/sched has them.
sleep 1000 &
victim=$!
bg_pids=$victim
renice_check() {
	renice "$1" -p "$victim" >/dev/null # absolute; busybox's -n adds
	r=$(cat "$TABLE" >"$TMP/t2"; row "$TMP/t2" "$victim")
	# se.load.weight in /proc/<pid>/sched is scaled by 2^SCHED_FIXEDPOINT_SHIFT on 64-bit.
	w_proc=$(($(proc_sched "$victim" se.load.weight) >> 10))
	pr_proc=$(($(proc_stat "$victim" 18) + 100))
	ni_proc=$(proc_stat "$victim" 19)
	got="nice=$(get "$r" nice) prio=$(get "$r" prio) static_prio=$(get "$r" static_prio) weight=$(get "$r" weight)"
	want="nice=$ni_proc prio=$pr_proc static_prio=$pr_proc weight=$w_proc"
	if [ "$got" = "$want" ] && [ "$ni_proc" = "$2" ]; then
		ktap_test_pass "renice to $2: $got"
	else
		ktap_test_fail "renice to $2" "module: $got" "/proc:   $want"
	fi
}
renice_check 7 7
renice_check -10 -10
renice_check 0 0

# 7. kill -STOP shows T, kill -CONT shows S again.
state_of() { cat "$TABLE" >"$TMP/t3"; get "$(row "$TMP/t3" "$1")" state; }
kill -STOP "$victim"
sleep 0.2
s_mod=$(state_of "$victim")
s_proc=$(proc_stat "$victim" 3)
[ "$s_mod" = T ] && [ "$s_proc" = T ]
ktap_last $? "kill -STOP: state T (module $s_mod, /proc $s_proc)"
kill -CONT "$victim"
sleep 0.2
s_mod=$(state_of "$victim")
ktap_test_result "kill -CONT: state S again (module $s_mod)" [ "$s_mod" = S ]

# 8. A process's thread count: a multi-threaded helper if there is one, else
# the count of a known single-threaded process.
nt=$(get "$(row "$TMP/t3" "$victim")" nr_threads)
ktap_test_result "single-threaded sleep has nr_threads 1 (got $nt)" [ "$nt" = 1 ]

# 9. Hundreds of tasks: the whole list, far beyond one page. (scale.sh
# reads every table with as many threads as the VM holds, and torture.sh
# reads them under churn with 1,000 forks: here a few hundred suffice.)
N=${PROCLAB_MANY:-300}
SPAWN=/usr/libexec/proclab/spawn
: >"$TMP/spawned" # exists before the background job opens it
"$SPAWN" "$N" >"$TMP/spawned" &
spawner=$!
bg_pids="$bg_pids $spawner"
while ! grep -qx ready "$TMP/spawned" && kill -0 "$spawner" 2>/dev/null; do
	sleep 0.2
done
cat "$TABLE" >"$TMP/t4"
size=$(wc -c <"$TMP/t4")
grep -x '[0-9]*' "$TMP/spawned" >"$TMP/want"
n_want=$(wc -l <"$TMP/want")
miss=$(awk 'NR == FNR { want[$1] = 1; next } FNR > 1 { delete want[$1] }
	END { n = 0; for (p in want) n++; print n }' "$TMP/want" "$TMP/t4")
if [ "$n_want" = "$N" ] && [ "$miss" = 0 ] && [ "$size" -gt 4096 ]; then
	ktap_test_pass "$N extra sleepers all listed ($(wc -l <"$TMP/t4") lines, $size bytes)"
else
	ktap_test_fail "$N extra sleepers all listed" "$n_want spawned, $miss missing, $size bytes"
fi

# 10. Reading while tasks are created and exit: N short-lived processes
# forked and reaped in a loop while tasks, threads and tree are read over
# and over; every read is whole and well-formed.
D=$PROCLAB_DEBUGFS/tasks
kill "$spawner" 2>/dev/null
wait "$spawner" 2>/dev/null
bg_pids=$victim
(
	i=0
	while [ $i -lt "$N" ]; do
		/bin/true &
		/bin/true &
		wait
		i=$((i + 2))
	done
) >/dev/null 2>&1 &
churn_pid=$!
bad=
reads=0
while kill -0 "$churn_pid" 2>/dev/null || [ $reads -lt 3 ]; do
	cat "$D/tasks" >"$TMP/t5"
	cat "$D/threads" >"$TMP/t6"
	cat "$D/tree" >"$TMP/t7"
	err=$(awk 'NR == 1 { if ($1 != "pid") print "tasks: no header"; ncol = NF; next }
		NF < ncol { print "tasks: short row " NR ": " $0 }
		$1 !~ /^[0-9]+$/ { print "tasks: bad pid " NR }
		seen[$1]++ { print "tasks: pid " $1 " twice" }
		$1 == 1 { init = 1 }
		END { if (!init) print "tasks: no pid 1" }' "$TMP/t5"
	awk 'NR == 1 { if ($1 != "pid") print "threads: no header"; next }
		NF < 7 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ { print "threads: bad row " NR ": " $0 }
		seen[$1]++ { print "threads: tid " $1 " twice" }' "$TMP/t6"
	awk 'NR == 1 { if ($0 != "0 swapper") print "tree: no swapper"; d = 0; next }
		{ match($0, /^ */); nd = RLENGTH / 2
		  if (nd < 1 || nd > d + 1 || $1 !~ /^[0-9]+$/) print "tree: bad line " NR ": " $0
		  d = nd }
		seen[$1]++ { print "tree: pid " $1 " twice" }' "$TMP/t7")
	[ -n "$err" ] && bad="$bad
read $reads: $err"
	reads=$((reads + 1))
done
wait "$churn_pid" 2>/dev/null
churn_pid=
ktap_test_result "$reads reads each of tasks, threads and tree while $N processes came and went: all well-formed" [ -z "$bad" ]
[ -n "$bad" ] && echo "$bad" | head -n 20 | sed 's/^/# /'

# 11. A name that would break a column: a tab, a backslash, a space and a
# byte above 0x7e, set as prctl(PR_SET_NAME) does (writing /proc/self/comm
# calls the same set_task_comm()). The oracle is the raw name procfs holds
# (/proc/<pid>/comm), escaped here by the documented rule: procfs's own
# escapes (newline, backslash), plus a space as \040, a tab as \t and any
# other control byte or byte above 0x7e as \ooo octal.
# shellcheck disable=SC2016 # expanded by the child shell
# (Its output goes nowhere: the sleep it runs when killed must not hold this
# test's output open.)
sh -c 'printf "a\tb\\\\c d\351" >/proc/self/comm && while :; do sleep 1; done' \
	</dev/null >/dev/null 2>&1 &
odd=$!
bg_pids="${bg_pids:-} $odd"
wait_until 50 grep -q '^a' "/proc/$odd/comm"
want=$(od -An -v -tu1 "/proc/$odd/comm" | awk '{
	for (i = 1; i <= NF; i++) {
		b = $i
		if (b == 10 && i == NF) continue          # the line end procfs adds
		if (b == 10) s = s "\\n"
		else if (b == 92) s = s "\\\\"
		else if (b == 9) s = s "\\t"
		else if (b <= 32 || b >= 127) s = s sprintf("\\%03o", b)
		else s = s sprintf("%c", b)
	}
} END { print s }')
got_tasks=$(row "$D/tasks" "$odd" | sed -n 's/^comm=//p')
got_tree=$(awk -v p="$odd" '$1 == p { print $2 " " NF }' "$D/tree")
got_threads=$(awk -v p="$odd" 'NR == 1 { n = NF } $1 == p { print $NF " " (NF == n) }' "$D/threads")
[ "$want" = 'a\tb\\c\040d\351' ] && [ "$got_tasks" = "$want" ] &&
	[ "$got_tree" = "$want 2" ] && [ "$got_threads" = "$want 1" ]
ktap_last $? "an odd name is one escaped column in tasks, tree and threads (want '$want': '$got_tasks', '$got_tree', '$got_threads')"
kill "$odd" 2>/dev/null
wait "$odd" 2>/dev/null

ktap_finished
