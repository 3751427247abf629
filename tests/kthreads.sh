#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_kthreads: kernel threads seen from /proc. Workers are children of
# kthreadd with no mm; the producer/consumer loses nothing and really
# blocks; D, I and killable sleeps show in /proc/<pid>/stat and behave
# under kill -9; nice, FIFO/RR and affinity land where /proc reads them;
# bad commands change nothing; unload is clean in every state. The module's
# KUnit suite (proclab_kthread) ran at load and passed.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/kthreads
CYCLES=${PROCLAB_CYCLES:-20}

test_cleanup() {
	[ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
	wait 2>/dev/null
	rmmod proclab_kthreads 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 20

ctl() { printf '%s\n' "$*" >"$D/control"; }
# worker_pid N: the pid of proclab_worker/N, from /proc (not from the module).
worker_pid() {
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = "proclab_worker/$1" ] && echo "${d#/proc/}"
	done
}
field() { proc_stat "$1" "$2"; }
counter() { awk -v k="$1:" '$1 == k { print $2 }' "$D/prodcons"; }

rmmod proclab_kthreads 2>/dev/null
# 1. Load with three workers; the KUnit suite runs during the load.
modprobe proclab_kthreads nr_workers=3 && [ -w "$D/control" ]
ktap_need $? "modprobe proclab_kthreads nr_workers=3 creates $D"
kunit=$(dmesg | grep -E '# proclab_kthread: pass:[0-9]+ fail:[0-9]+' | tail -n 1)
case $kunit in
*"fail:0"*) ktap_test_pass "KUnit suite proclab_kthread passed at load (${kunit##*# })" ;;
*) ktap_test_fail "KUnit suite proclab_kthread passed at load" "$(dmesg | grep -E 'proclab_kthread|not ok' | sed -n 1,30p)" ;;
esac

# 2. Three workers, children of kthreadd, kernel threads without an mm.
pids=
for n in 0 1 2; do pids="$pids $(worker_pid $n)"; done
set -- $pids
bad=
for p in $pids; do
	[ "$(field "$p" 4)" = 2 ] || bad="$bad $p:ppid=$(field "$p" 4)"
	[ -s "/proc/$p/maps" ] && bad="$bad $p:maps"
	f=$(field "$p" 9)
	[ $((f & 0x00200000)) -ne 0 ] || bad="$bad $p:flags=$f"
done
[ $# = 3 ] && [ -z "$bad" ] && [ -z "$(worker_pid 3)" ]
ktap_last $? "3 workers ($pids), ppid 2, PF_KTHREAD, empty maps${bad:+ (bad:$bad)}"
W0=$1 W1=$2 W2=$3
if module_load proclab_tasks; then
	k=$(awk -v p="$W1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == p { print $c["kthread"] }' "$PROCLAB_DEBUGFS/tasks/tasks")
	ktap_test_result "proclab_tasks shows worker $W1 as a kthread (kthread=$k)" [ "$k" = 1 ]
else
	ktap_test_fail "proclab_tasks shows the workers as kthreads" "proclab_tasks does not load"
fi

# 3. Producer/consumer: everything produced is consumed once, in order, and
# the consumer really blocked (its voluntary context switches grew).
cpid=$(counter consumer_pid)
p0=$(counter produced) c0=$(counter consumed)
v0=$(proc_status "$cpid" voluntary_ctxt_switches)
ctl prodcons 20000
i=0
while [ $i -lt 300 ]; do
	[ "$(counter to_produce)" = 0 ] && [ "$(counter queued)" = 0 ] &&
		[ "$(counter consumed)" = "$(counter produced)" ] && break
	sleep 0.1
	i=$((i + 1))
done
p1=$(counter produced) c1=$(counter consumed)
v1=$(proc_status "$cpid" voluntary_ctxt_switches)
[ $((p1 - p0)) = 20000 ] && [ $((c1 - c0)) = 20000 ] && [ "$(counter out_of_order)" = 0 ]
ktap_last $? "prodcons 20000: produced $((p1 - p0)), consumed $((c1 - c0)), out of order $(counter out_of_order)"
[ "$(counter consumer_sleeps)" -ge 1 ] && [ "$v1" -gt "$v0" ]
ktap_last $? "consumer slept $(counter consumer_sleeps) times; /proc: $((v1 - v0)) voluntary switches"

# stat_is PID N VALUE: field N of /proc/PID/stat is VALUE; stat_isnt: it is
# not. With wait_until: a worker told to sleep may wait long for a CPU on a
# loaded host before it gets there, and a bound one moves when it next wakes.
stat_is() { [ "$(field "$1" "$2")" = "$3" ]; }
stat_isnt() { ! stat_is "$@"; }

# 4. dsleep: D for the duration, kill -9 does nothing, then S (or R) again.
# 8 s: both samples must fall inside the sleep even on a loaded machine.
ctl dsleep 1 8000
wait_until 50 stat_is "$W1" 3 D
s1=$(field "$W1" 3)
kill -9 "$W1" 2>/dev/null
sleep 0.3
s2=$(field "$W1" 3)
[ "$s1" = D ] && [ "$s2" = D ] && [ -d "/proc/$W1" ]
ktap_last $? "dsleep: worker $W1 in D ($s1), still D after kill -9 ($s2)"
wait_until 200 stat_isnt "$W1" 3 D
s3=$(field "$W1" 3)
case $s3 in S | R) true ;; *) false ;; esac
ktap_last $? "after the dsleep: $s3"

# 5. isleep shows I; ksleep is D until kill -9 ends the sleep (not the thread).
ctl isleep 2 3000
wait_until 50 stat_is "$W2" 3 I
s=$(field "$W2" 3)
# One demo sleep at a time: a second command is refused while it sleeps.
printf 'isleep 2 100\n' >"$TMP/in"
busy=$("$PROCTEST" write "$D/control" <"$TMP/in")
[ "$s" = I ] && [ "$busy" = EBUSY ]
ktap_last $? "isleep: worker $W2 in I (TASK_IDLE), got $s; a second sleep refused ($busy)"
ctl ksleep 0 20000
wait_until 50 stat_is "$W0" 3 D
s1=$(field "$W0" 3)
kill -9 "$W0"
wait_until 50 stat_isnt "$W0" 3 D
s2=$(field "$W0" 3)
killed=$(awk -v p="$W0" '$2 == p { print $NF }' "$D/workers")
[ "$s1" = D ] && [ "$s2" != D ] && [ "$killed" = 1 ] && [ -d "/proc/$W0" ]
ktap_last $? "ksleep: D ($s1), kill -9 ends the sleep ($s2, killed=$killed), the thread lives"

# 6. nice, FIFO, RR, bind: as /proc/<pid>/stat and status read them.
ctl nice 2 7
ctl fifo 0 42
ctl rr 1 17
ncpu=$(grep -c '^processor' /proc/cpuinfo)
cpu=$((ncpu - 1))
ctl bind 2 $cpu
sleep 0.2
[ "$(field "$W2" 19)" = 7 ] && [ "$(field "$W2" 41)" = 0 ]
ktap_last $? "nice 2 7: /proc nice $(field "$W2" 19), policy $(field "$W2" 41)"
[ "$(field "$W0" 41)" = 1 ] && [ "$(field "$W0" 40)" = 42 ]
ktap_last $? "fifo 0 42: /proc policy $(field "$W0" 41), rt_priority $(field "$W0" 40)"
[ "$(field "$W1" 41)" = 2 ] && [ "$(field "$W1" 40)" = 17 ]
ktap_last $? "rr 1 17: /proc policy $(field "$W1" 41), rt_priority $(field "$W1" 40)"
# A sleeping task moves when it next wakes: W2 may still be in its isleep.
wait_until 50 stat_is "$W2" 39 "$cpu"
allowed=$(proc_status "$W2" Cpus_allowed_list)
[ "$allowed" = "$cpu" ] && [ "$(field "$W2" 39)" = "$cpu" ]
ktap_last $? "bind 2 $cpu: Cpus_allowed_list $allowed, processor $(field "$W2" 39)"
ctl normal 0
ctl normal 1
ctl unbind 2

# 7. Bad commands: -EINVAL, one write each, nothing changed.
echo "proclab-test: kthreads bad commands" >/dev/kmsg
bad_t0=$(cut -d. -f1 /proc/uptime)
before=$(awk 'NR > 1 { print $1, $2, $4, $5, $6, $8 }' "$D/workers")
bad=
n=0
# refuse [-e ERRNO] DESC CMD...: CMD writes the command, which must be
# refused with ERRNO (EINVAL: malformed; a well-formed command that cannot
# be done gets its own errno).
refuse() {
	_w=EINVAL
	[ "$1" = -e ] && { _w=$2; shift 2; }
	_d=$1
	shift
	"$@" >"$TMP/in"
	n=$((n + 1))
	got=$("$PROCTEST" write "$D/control" <"$TMP/in")
	[ "$got" = "$_w" ] || bad="$bad
$_d: got '$got' (want $_w)"
}
line() { printf '%s\n' "$*"; }
refuse "empty write" printf ''
refuse "empty line" line
refuse "unknown verb" line bogus
refuse "start without index" line start
refuse -e EEXIST "start a running worker" line start 0
refuse "worker index out of range" line start 16
refuse -e ESRCH "stop a worker that is not running" line stop 9
refuse "nice without value" line nice 0
refuse "nice 20" line nice 0 20
refuse "nice -21" line nice 0 -21
refuse "nice +3" line nice 0 +3
refuse "nice abc" line nice 0 abc
refuse "overflowing number" line nice 0 99999999999999999999
refuse -e ESRCH "nice on a worker not running" line nice 5 1
refuse "FIFO priority 0" line fifo 0 0
refuse "FIFO priority 100" line fifo 0 100
refuse "RR priority -1" line rr 0 -1
refuse "CPU that does not exist" line bind 0 "$ncpu"
refuse "CPU -1" line bind 0 -1
refuse "dsleep 0 ms" line dsleep 0 0
refuse "dsleep too long" line dsleep 0 60001
refuse "experiment (proclab_sched's now)" line experiment nice 0 5 1000
refuse "prodcons 0" line prodcons 0
refuse "extra argument" line normal 0 extra
refuse "two lines" printf 'nice 0 1\nnice 0 2\n'
refuse "NUL byte" printf 'nice 0\0001'
refuse "non-UTF-8 bytes" printf 'nice 0 \377'
refuse "1 MiB write" head -c 1048576 /dev/zero
refuse "a verb that looks like a splat" line "BUG:" 0
after=$(awk 'NR > 1 { print $1, $2, $4, $5, $6, $8 }' "$D/workers")
[ -z "$bad" ] && [ "$before" = "$after" ]
ktap_last $? "$n bad commands refused (EINVAL, ESRCH, EEXIST), workers unchanged$bad"
# Refusals are logged rate-limited (printk's 10 per 5 s; the first line
# after that counts the lines left out), and never with the words written: a write must not
# be able to forge a log line (the runner would take "BUG:" for a splat).
# Each 5 s window of the rate limit the refusals reached allows 10 lines:
# the windows are not aligned with the first refusal, so S seconds of
# refusals reach S/5 + 2 of them at most (more than one on a loaded host).
windows=$((($(cut -d. -f1 /proc/uptime) - bad_t0) / 5 + 2))
dmesg | sed -n '/proclab-test: kthreads bad commands/,$p' >"$TMP/log"
warns=$(grep -c 'kthreads/control:' "$TMP/log")
[ "$warns" -ge 1 ] && [ "$warns" -le $((10 * windows)) ] &&
	! grep -qE 'bogus|sideways|BUG:|abc' "$TMP/log"
ktap_last $? "$n refusals logged in $warns rate-limited lines (at most 10 in each of $windows windows of 5 s), none with the words written"

# One command per write() at offset 0: a second write on the same open file
# is refused, so a command split over two writes never runs as two.
w0=$(worker_pid 0)
ctl nice 0 0
{ printf 'nice 0 5\n' && printf 'nice 0 7\n'; } >"$D/control" 2>/dev/null
r=$?
{ printf 'nice 0 ' && printf '9\n'; } >"$D/control" 2>/dev/null
r2=$?
[ $r != 0 ] && [ $r2 != 0 ] && [ "$(field "$w0" 19)" = 5 ]
ktap_last $? "a second write on one open file is refused (nice $(field "$w0" 19), want 5)"
ctl nice 0 0

# 8. rmmod while workers are busy and one is in D:
# clean, and every thread is gone. An open file pins the module (its
# file_operations name it as owner): rmmod fails with EBUSY and changes
# nothing until the file is closed.
ctl dsleep 1 5000
sleep 0.2
all="$pids $(counter producer_pid) $(counter consumer_pid)"
(exec 3<"$D/workers" && sleep 30) &
holder=$!
sleep 0.3
err=$(rmmod proclab_kthreads 2>&1)
r=$?
[ $r != 0 ] && [ -d /sys/module/proclab_kthreads ] && [ -r "$D/workers" ]
ktap_last $? "rmmod refused while a reader holds workers open (${err##*: })"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=
rmmod proclab_kthreads
r=$?
left=
for p in $all; do [ -d "/proc/$p" ] && left="$left $p"; done
[ $r = 0 ] && [ -z "$left" ] && [ ! -e "$D" ]
ktap_last $? "rmmod with a D sleeper: all threads gone${left:+ (left:$left)}"

# 9. Load/unload cycles with 8 workers (load_unload.sh does 100 of every
# module, with readers and writers of its files).
fails=
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	modprobe proclab_kthreads nr_workers=8 || { fails="$fails load#$i"; continue; }
	rmmod proclab_kthreads || fails="$fails rmmod#$i"
done
left=$(for d in /proc/[0-9]*; do cat "$d/comm" 2>/dev/null; done | grep -c '^proclab_')
[ -z "$fails" ] && [ "$left" = 0 ]
ktap_last $? "$CYCLES load/unload cycles with nr_workers=8${fails:+:$fails}, $left proclab threads left"

ktap_finished
