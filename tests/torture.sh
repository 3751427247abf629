#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks under churn: eight readers read tasks, threads, tree,
# summary, task and ds's cfs/live over and over while the task list changes
# in every way the walks must survive:
#   - threads created and exiting (proctest thread-churn 2),
#   - exec from a thread that is not the leader, which takes over the
#     leader's pid in de_thread() (proctest dethread, in a loop),
#   - group leaders that exited while their threads live on, standing
#     (proctest zombie-leader 3) and coming and going (leader-churn 2),
#   - 1,000 short-lived processes, each forking a child (proctest forkers).
# The reads stop when the 1,000 are done.
#
# Oracle: each read is bracketed by two listings of /proc (proctest
# procsnap). The pid limit is raised to 4194304 for the test and the test
# checks that pids did not wrap, so a pid names one task only: a pid in both
# listings lived through the read and must be in the table, each pid at most
# once; a pid in the table that the first listing lacks must have been born
# after it (greater than the pid of a child the listing forks first) or be
# in the second listing (a task still in copy_process() during the first
# has its pid already but is not in the lists yet);
# counts lie between
# the two. Each read must be a whole table: its header, every row in the
# table's format, a last line ending in a newline. task (the pid selected by
# reader 0) must show that pid, or that the task exited (its task_struct,
# kept by the module, may have handed its pid on in de_thread()).

# shellcheck disable=SC2086,SC2317 # lists split on purpose; cleanup runs from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

P=$PROCLAB_DEBUGFS
D=$P/tasks
PID_MAX=/proc/sys/kernel/pid_max
old_pid_max=$(cat "$PID_MAX")
READERS=8

test_cleanup() {
	touch "$TMP/stop"
	for p in $churn $readers; do kill -TERM "$p" 2>/dev/null; done
	proctest_stop
	wait 2>/dev/null
	echo "$old_pid_max" >"$PID_MAX"
}

test_init "$PROCTEST"
ktap_set_plan 9
start=$(date +%s)

module_load proclab_tasks && module_load proclab_ds
ktap_need $? "proclab_tasks and proclab_ds load"

# check KIND TABLE SNAP1 SNAP2 [PID]: one read against its two listings;
# prints what is wrong, nothing if all is well.
check() {
	awk -v kind="$1" -v sel="${5:-}" '
	function num(s) { return s ~ /^[0-9]+$/ }
	function bad(msg) { if (nbad++ < 5) print "line " FNR ": " msg ": " $0 }
	# A pid the table lists: processes (P) or threads (T).
	function saw(p, set) { seen[set, p]++; nseen[set]++ }
	FILENAME == ARGV[1] && $1 == "L" { l1 = $2; next }
	FILENAME == ARGV[1] { s1[$1, $2] = 1; n1[$1]++; next }
	FILENAME == ARGV[2] && $1 == "L" { l2 = $2; next }
	FILENAME == ARGV[2] { s2[$1, $2] = 1; next }
	kind == "tasks" && FNR == 1 { ncol = NF; if ($1 != "pid" || $NF != "comm") bad("header"); next }
	kind == "tasks" {
		if (NF < ncol || !num($1) || !num($2) || !num($3) || $4 !~ /^[RSDTtXZPI]$/) bad("row")
		saw($1, "P"); next
	}
	kind == "threads" && FNR == 1 { if ($0 !~ /^ +pid +tgid +mm +files +sighand +shares comm$/) bad("header"); next }
	kind == "threads" {
		if (NF < 7 || !num($1) || !num($2) || $6 !~ /^[m-][f-][s-]$/) bad("row")
		for (i = 3; i <= 5; i++) if (!num($i) && $i != "-") bad("id")
		saw($1, "T"); next
	}
	kind == "tree" && FNR == 1 { if ($0 != "0 swapper") bad("first line"); depth = 0; next }
	kind == "tree" {
		match($0, /^ */); d = RLENGTH / 2
		if (RLENGTH % 2 || d < 1 || d > depth + 1 || !num($1) || NF < 2) bad("line")
		depth = d; saw($1, "P"); next
	}
	kind == "summary" && /^# / { sect++; next }
	kind == "summary" && sect == 0 {
		split($0, kv, ": ")
		if (!num(kv[2])) bad("count")
		count[kv[1]] = kv[2] + 0; next
	}
	kind == "summary" && sect == 1 { if (NF != 3 && NF != 4) bad("state"); states += $NF; next }
	# Zombies and children of init are processes, D sleepers threads.
	kind == "summary" && sect >= 2 && num($1) { saw($1, sect == 3 ? "T" : "P"); next }
	kind == "summary" { if ($1 != "pid") bad("line"); next }
	kind == "live" && /^#/ { if (match($0, /\([0-9]+ in all\)/)) all = substr($0, RSTART + 1, RLENGTH - 9) + 0; hdr++; next }
	kind == "live" && /^cpu [0-9]+: [0-9]+ runnable/ { if (want != n) bad("rows of the last cpu: " n); want = $3; n = 0; next }
	kind == "live" {
		p = substr($0, 10, 7)
		if (!num(p + 0) || NF < 9) bad("row")
		n++; rows++; seen["T", p + 0]++; next
	}
	kind == "task" && /^# / { sect++; next }
	kind == "task" {
		i = index($0, ": ")
		if (!i) bad("not key: value")
		key[substr($0, 1, i - 1)] = substr($0, i + 2); last = $0; next
	}
	END {
		if (kind == "tasks" || kind == "tree" || kind == "threads") {
			set = (kind == "threads") ? "T" : "P"
			for (k in s1) {
				split(k, f, SUBSEP)
				if (f[1] == set && (k in s2) && !seen[k]) print "missing " f[2]
			}
		}
		for (k in seen) {
			split(k, f, SUBSEP)
			if (seen[k] > 1 && kind != "summary") print "listed " seen[k] " times: " f[2]
			# A pid is allocated in copy_process() before the task is linked
			# into the lists: a task the first listing missed may have a pid
			# below its marker if it was being created then; it is real if
			# the second listing has it.
			if (!(k in s1) && !(k in s2) && f[2] + 0 <= l1) print "not in /proc: " f[2]
		}
		if (kind == "summary") {
			if (sect != 4) print "sections: " sect
			if (states != count["threads"]) print "states add up to " states ", threads " count["threads"]
			for (s in n1) { lo[s] = 0; hi[s] = n1[s] + l2 - l1 }
			for (k in s1) if (k in s2) { split(k, f, SUBSEP); lo[f[1]]++ }
			if (count["processes"] < lo["P"] || count["processes"] > hi["P"])
				print "processes " count["processes"] " outside " lo["P"] ".." hi["P"]
			if (count["threads"] < lo["T"] || count["threads"] > hi["T"])
				print "threads " count["threads"] " outside " lo["T"] ".." hi["T"]
		}
		if (kind == "live") {
			if (want != n) print "rows of the last cpu: " n ", header " want
			if (rows != all || hdr != 3) print rows " rows, header says " all ", " hdr " header lines"
		}
		if (kind == "task") {
			if (sect != 9 && (sect != 10 || key["exit_state"] == "-")) print "sections: " sect
			if (last !~ /^threads: [0-9]+$/) print "last line: " last
			if (key["pid"] != sel && key["exit_state"] == "-") print "pid " key["pid"] ", selected " sel
		}
	}' "$3" "$4" "$2"
}

# reader I: read the files round robin, each between two listings; log
# "KIND ok" or "KIND bad". Reader 0 selects a task and reads task.
reader() {
	i=$1
	kinds="tasks threads tree summary live"
	[ "$i" = 0 ] && kinds=task
	n=$i
	while [ ! -e "$TMP/stop" ]; do
		set -- $kinds
		shift $((n % $#))
		kind=$1
		n=$((n + 1))
		case $kind in
		live) f=$P/ds/cfs/live ;;
		*) f=$D/$kind ;;
		esac
		sel=
		if [ "$kind" = task ]; then
			sel=$(awk -v n="$n" '{ t[NR] = $1 } END { print t[n % NR + 1] }' "$TMP/targets")
			echo "$sel" >"$D/pid" 2>/dev/null || continue
		fi
		# One process lists /proc, reads the file and lists /proc again.
		how=$("$PROCTEST" snapread "$f" "$TMP/t$i")
		if [ "$how" = ok ]; then
			err=$(check "$kind" "$TMP/t$i" "$TMP/t$i.a" "$TMP/t$i.b" "$sel")
		else
			err="read: $how"
		fi
		if [ -z "$err" ]; then
			echo "$kind ok" >>"$TMP/log$i"
		else
			echo "$kind bad" >>"$TMP/log$i"
			{
				echo "reader $i, $kind:"
				echo "$err" | head -n 10
			} >>"$TMP/errors$i"
			cp "$TMP/t$i" "$TMP/bad-$kind-$i"
		fi
	done
}

echo 4194304 >"$PID_MAX"
first=$("$PROCTEST" procsnap | awk '$1 == "L" { print $2 }')

# The churn.
proctest_start zombie-leader 3
set -- $READY
zl=$3
"$PROCTEST" thread-churn 2 >"$TMP/thread-churn" &
churn="$!"
"$PROCTEST" leader-churn 2 >"$TMP/leader-churn" &
churn="$churn $!"
"$PROCTEST" dethread 1000000 >"$TMP/dethread" &
dt=$!
churn="$churn $dt"
printf '%s\n' "$dt" "$zl" "$$" >"$TMP/targets"

echo "# churn started after $(($(date +%s) - start))s"
readers=
i=0
while [ $i -lt $READERS ]; do
	reader $i &
	readers="$readers $!"
	i=$((i + 1))
done
sleep 2
# The 1,000 forking processes set how long the reads go on (at nice -15, so
# that eight readers do not make it minutes); $LIMIT seconds at most.
# Measured on the debug kernel under TCG on a shared 2-core host (load 6 to
# 10): 608 in 90 s at nice -15, 202 at nice -5; the whole test then takes
# about 2.5 minutes, over the 90 s it was meant to take.
LIMIT=${PROCLAB_TORTURE_LIMIT:-180}
FORKS=${PROCLAB_TORTURE_FORKS:-1000}
"$PROCTEST" forkers "$FORKS" >"$TMP/forkers" &
forker=$!
renice -15 -p "$forker" >/dev/null # absolute; its children inherit it
while kill -0 "$forker" 2>/dev/null && [ $(($(date +%s) - start)) -lt "$LIMIT" ]; do
	sleep 1
done
kill -TERM "$forker" 2>/dev/null
wait "$forker"
forked=$(awk '$1 == "done" { print $2 }' "$TMP/forkers")
echo "# forkers done after $(($(date +%s) - start))s"
touch "$TMP/stop"
wait $readers
readers=
echo "# readers done after $(($(date +%s) - start))s"
secs=$(($(date +%s) - start))
for p in $churn; do kill -TERM "$p"; done
wait $churn
churn=
threads=$(awk '$1 == "done" { print $2 }' "$TMP/thread-churn")
leaders=$(awk '$1 == "done" { print $2 }' "$TMP/leader-churn")
# dethread prints a line per round; each round but the first came by an exec.
execs=$(($(grep -c '^round' "$TMP/dethread") - 1))
last=$("$PROCTEST" procsnap | awk '$1 == "L" { print $2 }')

# 1. The churn ran: the processes, threads, execs and exited leaders.
[ "${forked:-0}" = "$FORKS" ] && [ "${threads:-0}" -ge 100 ] && [ "${leaders:-0}" -ge 10 ] && [ "$execs" -ge 10 ]
ktap_last $? "during ${secs}s of reads: $forked forking processes, $threads threads, $execs non-leader execs, $leaders exited leaders"

# 2. Pids did not wrap (the oracle relies on it).
[ "$last" -gt "$first" ]
ktap_last $? "pids went from $first to $last without wrapping"

# 3-8. Every read of each file whole and consistent with /proc.
cat "$TMP"/log* >"$TMP/log"
for kind in tasks threads tree summary live task; do
	ok=$(grep -c "^$kind ok" "$TMP/log")
	nbad=$(grep -c "^$kind bad" "$TMP/log")
	if [ "$nbad" = 0 ] && [ "$ok" -ge 2 ]; then
		ktap_test_pass "$kind: $ok reads whole and consistent with /proc"
	else
		ktap_test_fail "$kind: $ok reads whole and consistent with /proc, $nbad not" \
			"$(cat "$TMP"/errors* 2>/dev/null | grep -A 10 ", $kind:" | head -n 24)"
	fi
done

echo "# $(($(date +%s) - start))s in all"
ktap_finished
