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
TMP=$(mktemp -d)

cleanup() {
	[ -n "${bg_pids:-}" ] && kill -KILL $bg_pids 2>/dev/null
	[ -n "${churn_pid:-}" ] && kill -KILL "$churn_pid" 2>/dev/null
	wait 2>/dev/null
	module_restore
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
ktap_begin 13

if module_load proclab_tasks && [ -r "$TABLE" ]; then
	ktap_ok "module loads and creates $TABLE"
else
	ktap_fail "module loads and creates $TABLE"
	ktap_end
fi

# 1. Root only: 0400, owned by root.
mode=$(stat -c '%a %U' "$TABLE")
ktap_check "tasks file is mode 0400, owned by root (got '$mode')" [ "$mode" = "400 root" ]

# 2. The header names the columns; the tests below find columns by name.
cat "$TABLE" >"$TMP/t0"
missing=
for col in pid tgid ppid state prio static_prio policy nice weight vruntime nr_threads comm; do
	head -n 1 "$TMP/t0" | tr -s ' ' '\n' | grep -qx "$col" || missing="$missing $col"
done
if [ -z "$missing" ]; then
	ktap_ok "header has every required column"
else
	ktap_fail "header has every required column" "missing:$missing"
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

# compare_pid FILE PID: compare one row with /proc; print the differences.
compare_pid() {
	r=$(row "$1" "$2")
	[ -n "$r" ] || { echo "pid $2 missing from the table"; return; }
	[ -r "/proc/$2/stat" ] || return 0 # exited since
	st=$(proc_stat "$2" 3)
	pp=$(proc_stat "$2" 4)
	pr=$(proc_stat "$2" 18)
	ni=$(proc_stat "$2" 19)
	nt=$(proc_stat "$2" 20)
	name=$(proc_status "$2" Name)
	tg=$(proc_status "$2" Tgid)
	[ -n "$nt" ] || return 0 # exited while we read it
	[ "$(get "$r" tgid)" = "$tg" ] || echo "pid $2: tgid $(get "$r" tgid), /proc says $tg"
	[ "$(get "$r" ppid)" = "$pp" ] || echo "pid $2: ppid $(get "$r" ppid), /proc says $pp"
	[ "$(get "$r" state)" = "$st" ] || echo "pid $2: state $(get "$r" state), /proc says $st"
	# /proc/<pid>/stat's priority is prio - MAX_RT_PRIO (100).
	[ "$(($(get "$r" prio) - 100))" = "$pr" ] || echo "pid $2: prio $(get "$r" prio), /proc says priority $pr"
	[ "$(get "$r" nice)" = "$ni" ] || echo "pid $2: nice $(get "$r" nice), /proc says $ni"
	[ "$(get "$r" nr_threads)" = "$nt" ] || echo "pid $2: nr_threads $(get "$r" nr_threads), /proc says $nt"
	# procfs extends a kernel thread's name beyond comm (the full kthread
	# name, a kworker's current workqueue): there comm must be its prefix.
	c=$(get "$r" comm)
	flags=$(proc_stat "$2" 9)
	if [ "$c" != "$name" ]; then
		if [ $((flags & 0x00200000)) -eq 0 ] || [ "${name#"$c"}" = "$name" ]; then
			echo "pid $2: comm '$c', /proc says '$name'"
		fi
	fi
}

# 3. Every row agrees with /proc/<pid>/stat and status. A value that differs
# is re-read up to 3 times (a task may change state between the two reads).
bad=
checked=0
for pid in $(awk 'NR > 1 { print $1 }' "$TMP/t0"); do
	diff=$(compare_pid "$TMP/t0" "$pid")
	try=0
	while [ -n "$diff" ] && [ $try -lt 3 ]; do
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
	ktap_ok "all $checked rows agree with /proc/<pid>/stat and status"
else
	ktap_fail "all $checked rows agree with /proc/<pid>/stat and status" "$bad"
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
	ktap_ok "pid set equals /proc's ($n processes, including 1, 2 and this shell)"
else
	ktap_fail "pid set equals /proc's" "differences:$bad"
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
		ktap_ok "renice to $2: $got"
	else
		ktap_fail "renice to $2" "module: $got" "/proc:   $want"
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
ktap_check "kill -STOP: state T (module $s_mod, /proc $s_proc)" [ "$s_mod" = T ] && [ "$s_proc" = T ]
kill -CONT "$victim"
sleep 0.2
s_mod=$(state_of "$victim")
ktap_check "kill -CONT: state S again (module $s_mod)" [ "$s_mod" = S ]

# 8. A process's thread count: a multi-threaded helper if there is one, else
# the count of a known single-threaded process.
nt=$(get "$(row "$TMP/t3" "$victim")" nr_threads)
ktap_check "single-threaded sleep has nr_threads 1 (got $nt)" [ "$nt" = 1 ]

# 9. Thousands of tasks: the whole list, far beyond one page.
N=${PROCLAB_MANY:-2000}
SPAWN=/usr/libexec/proclab/spawn
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
if [ "$n_want" = "$N" ] && [ "$miss" = 0 ] && [ "$size" -gt 65536 ]; then
	ktap_ok "$N extra sleepers all listed ($(wc -l <"$TMP/t4") lines, $size bytes)"
else
	ktap_fail "$N extra sleepers all listed" "$n_want spawned, $miss missing, $size bytes"
fi

# 10. Reading while tasks are created and exit: every read is a whole,
# well-formed table (header first, every row complete, no pid twice, pid 1 there).
(while :; do /bin/true & /bin/true & wait; done) >/dev/null 2>&1 &
churn_pid=$!
kill "$spawner" 2>/dev/null
wait "$spawner" 2>/dev/null
bg_pids=$victim
bad=
i=0
while [ $i -lt 30 ]; do
	cat "$TABLE" >"$TMP/t5"
	err=$(awk 'NR == 1 { if ($1 != "pid") print "no header"; ncol = NF; next }
		NF < ncol { print "short row " NR ": " $0 }
		$1 !~ /^[0-9]+$/ { print "bad pid " NR }
		seen[$1]++ { print "pid " $1 " twice" }
		$1 == 1 { init = 1 }
		END { if (!init) print "no pid 1" }' "$TMP/t5")
	[ -n "$err" ] && bad="$bad
read $i: $err"
	i=$((i + 1))
done
kill -KILL "$churn_pid" 2>/dev/null
wait "$churn_pid" 2>/dev/null
churn_pid=
ktap_check "30 reads during fork/exit churn are well-formed tables" [ -z "$bad" ]
[ -n "$bad" ] && echo "$bad" | head -n 20 | sed 's/^/# /'

ktap_end
