#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_ds: each structure driven by scripted commands whose dump must
# equal what the C semantics give (written here by hand, not copied from the
# module); the red-black invariants on 10,000 random keys; the CFS model's
# shares against the weight table; bad commands refused with the right
# errno and nothing changed; readers and writers at once; the KUnit suites;
# the model's 64-bit arithmetic at its largest inputs; a benchmark runs
# alone (EBUSY), stops at kill -9 within a second, and its work is bounded.

# shellcheck disable=SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/ds

test_cleanup() {
	[ -n "${bg:-}" ] && kill $bg 2>/dev/null
	wait 2>/dev/null
	rmmod proclab_ds 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 33

# c STRUCT COMMAND...: one command; prints the errno name if refused.
c() {
	_s=$1
	shift
	printf '%s\n' "$*" >"$TMP/in"
	_e=$("$PROCTEST" write "$D/$_s/control" <"$TMP/in")
	[ "$_e" = ok ] || echo "$_e"
}
# expect STRUCT DESC EXPECTED: the dump, lines joined by spaces, must be EXPECTED.
expect() {
	got=$(tr '\n' ' ' <"$D/$1/dump" | sed 's/ $//')
	[ "$got" = "$3" ]
	ktap_last $? "$2: '$got'${4:+ $4}"
}
stat_of() { awk -v k="$2:" '$1 == k { print $2 }' "$D/$1/stats"; }

rmmod proclab_ds 2>/dev/null
modprobe proclab_ds && [ -w "$D/rbtree/control" ]
ktap_need $? "modprobe proclab_ds creates $D/{rbtree,cfs,list,hlist,xarray,bitmap}"
# (A suite's top-level result line; a one-case suite prints no "pass:" summary.)
k=$(dmesg | sed -n 's/^\[[^]]*\] \(\(not \)\{0,1\}ok [0-9]* proclab_ds_[a-z]*\)$/\1/p' | tail -n 2)
[ "$(echo "$k" | grep -c '^ok ')" = 2 ] && [ "$(echo "$k" | grep -c 'proclab_ds_cfs\|proclab_ds_prng')" = 2 ]
ktap_last $? "KUnit suites proclab_ds_cfs and proclab_ds_prng passed at load ($(echo "$k" | tr "\n" " "))"

# 1. rbtree: a script with C semantics (a set of keys, in order).
r=
for cmd in "insert 5" "insert 1" "insert 9" "insert 3" "erase 1" "insert 18446744073709551615"; do
	r="$r$(c rbtree $cmd)"
done
e1=$(c rbtree insert 5)
e2=$(c rbtree erase 7)
[ -z "$r" ] && [ "$e1" = EEXIST ] && [ "$e2" = ENOENT ]
ktap_last $? "rbtree: duplicate insert EEXIST ($e1), missing erase ENOENT ($e2)"
expect rbtree "rbtree script" "3 5 9 18446744073709551615"
c rbtree clear

# 2. rbtree: 10,000 random inserts and 5,000 erases keep the invariants.
c rbtree fill 10000 7
c rbtree erase-random 5000 9
n=$(wc -l <"$D/rbtree/dump")
sort -n -c -u "$D/rbtree/dump" 2>/dev/null
ktap_last $? "rbtree: after 10000 inserts and 5000 erases the dump is strictly ascending ($n keys)"
h=$(stat_of rbtree height)
# 2*log2(n+1) rounded down: the largest b with 2^b <= (n+1)^2 (no log() in busybox awk).
sq=$(((n + 1) * (n + 1)))
bound=0
while [ $((1 << (bound + 1))) -le $sq ]; do bound=$((bound + 1)); done
[ "$n" = 5000 ] && [ -n "$h" ] && [ "$h" -le "$bound" ]
ktap_last $? "rbtree: height $h <= 2*log2(n+1) = $bound for n=$n"
[ "$(stat_of rbtree leftmost)" = "$(head -n 1 "$D/rbtree/dump")" ]
ktap_last $? "rbtree: leftmost $(stat_of rbtree leftmost) is the minimum"
c rbtree clear

# 3. CFS model: nice 0 vs 5 after 10,000 slices, against 1024/(1024+335).
c cfs clear
c cfs add 0
c cfs add 5
c cfs run 10000
share=$(awk 'NR > 1 { gsub(/^\*/, " "); n[$2] = $5; t += $5 } END { printf "%.2f", 100 * n[0] / t }' "$D/cfs/dump")
pred=$(awk 'BEGIN { printf "%.2f", 100 * 1024 / (1024 + 335) }')
awk -v s="$share" -v p="$pred" 'BEGIN { d = s - p; exit !(d < 1 && d > -1) }'
ktap_last $? "cfs: nice 0 got $share% of 10000 slices, the weights predict $pred% (within 1 point)"
first=$(awk 'NR == 2 { print $1 }' "$D/cfs/dump")
ktap_test_result "cfs: the leftmost entity is marked ($first)" [ "$first" = "*" ]
# 4. A newcomer starts at min_vruntime: it neither waits for ages nor hogs.
minv=$(stat_of cfs min_vruntime)
c cfs add 0
newv=$(awk 'NR > 1 { gsub(/^\*/, " "); if ($1 == 2) print $4 }' "$D/cfs/dump")
c cfs run 100
got=$(awk 'NR > 1 { gsub(/^\*/, " "); if ($1 == 2) print $6 }' "$D/cfs/dump")
[ "$newv" = "$minv" ] && [ "$got" -ge 25 ] && [ "$got" -le 60 ]
ktap_last $? "cfs: a new entity starts at min_vruntime ($newv = $minv) and gets $got of the next 100 slices (its fair ~43)"

# 5. cfs/live: the real run queue of one CPU. Three busy loops pinned to the
# last CPU (one reniced to 5) and a sleeper; /proc/<pid>/stat and
# /proc/<pid>/sched are the oracles. A busy loop never sleeps and never
# migrates, so its vruntime only grows between the two reads.
lcpu=$(($(nproc) - 1))
loops=
for i in 1 2 3; do
	taskset -c "$lcpu" sh -c 'while :; do :; done' &
	loops="$loops $!"
done
sleep 1000 &
bg="$loops $!"
sleeper=$!
set -- $loops
renice -n 5 -p "$3" >/dev/null
sleep 1
cat "$D/cfs/live" >"$TMP/live"
# row PID: "cpu nice weight vruntime" of PID's row (after the 3-char mark).
row() {
	awk -v p="$1" '!/^#/ && !/^cpu / { split(substr($0, 4), f, " "); if (f[2] == p) print f[1], f[3], f[4], f[5] }' "$TMP/live"
}
bad=
for p in $loops; do
	r=$(row "$p")
	pv=$(ms_to_ns "$(proc_sched "$p" se.vruntime)")
	w=$(($(proc_sched "$p" se.load.weight) >> 10))
	n=$(awk '{ print $19 }' "/proc/$p/stat")
	c=$(awk '{ print $39 }' "/proc/$p/stat")
	echo "$r" | awk -v c="$c" -v n="$n" -v w="$w" -v pv="$pv" -v l="$lcpu" \
		'{ exit !(NF == 4 && $1 == l && $1 == c && $2 == n && $3 == w && $4 <= pv && pv - $4 < 60e9) }' ||
		bad="$bad [$p: live '$r', /proc cpu $c nice $n weight $w vruntime $pv]"
done
[ -z "$(row "$sleeper")" ] || bad="$bad [sleeper $sleeper listed]"
[ -z "$bad" ]
ktap_last $? "cfs/live: the 3 busy loops on CPU $lcpu agree with /proc (cpu, nice, weight, vruntime), the sleeper is absent$bad"
# Per CPU: rows in vruntime order from +0, the leftmost marked, the header's
# count right, and exactly one EEVDF pick, eligible.
awk '
	/^cpu / { if (cpu != "") check(); cpu = $2; want = $3; n = 0; e = 0; next }
	/^#/ { next }
	{
		split(substr($0, 4), f, " ")
		if (n == 0 && (substr($0, 1, 1) != "*" || f[6] != "+0")) bad = bad " first-row"
		if (n > 0 && substr($0, 1, 1) == "*") bad = bad " second-star"
		if (n > 0 && f[6] + 0 < prev) bad = bad " order"
		if (substr($0, 2, 1) == "E") { e++; if (f[8] != "yes") bad = bad " pick-not-eligible" }
		prev = f[6] + 0; n++
	}
	function check() { if (n != want + 0 || e != 1) bad = bad " cpu" cpu "(" n "/" want " rows, " e " picks)" }
	END { if (cpu != "") check(); else bad = " no-cpu"; if (bad != "") { print bad; exit 1 } }
' "$TMP/live" >"$TMP/why"
ktap_last $? "cfs/live: per CPU in vruntime order, leftmost marked, one eligible EEVDF pick $(cat "$TMP/why")"
kill $bg
wait 2>/dev/null
bg=

# 6. list: list_add() at the head, list_add_tail() at the tail, deleting
# while walking.
c list clear
for cmd in "add 1" "add 2" "add_tail 3" "add_tail 4" "add 5"; do c list $cmd; done
expect list "list: add 1, add 2, add_tail 3, add_tail 4, add 5" "5 2 1 3 4"
c list pop
expect list "list: pop takes the head" "2 1 3 4"
for v in 6 8 9 10; do c list add_tail $v; done
c list del_multiple 2
expect list "list: deleting every even element during the walk" "1 3 9"
e=$(c list del 7)
c list del 3
[ "$e" = ENOENT ]
ktap_last $? "list: del of a missing value is ENOENT ($e)"
expect list "list: del 3" "1 9"

# 7. hlist: every key once, in its bucket, newest first in a chain.
c hlist clear
i=0
while [ $i -lt 3000 ]; do
	echo "add $i" >"$D/hlist/control"
	i=$((i + 1))
done
awk '{ for (i = 2; i <= NF; i++) print $i }' "$D/hlist/dump" | sort -n >"$TMP/keys"
seq 0 2999 >"$TMP/want"
cmp -s "$TMP/keys" "$TMP/want" && [ "$(stat_of hlist keys)" = 3000 ]
ktap_last $? "hlist: 3000 keys, each in exactly one bucket"
# Keys were added in increasing order and hlist_add_head() puts a node first:
# every chain is in decreasing order.
awk '{ for (i = 3; i <= NF; i++) if ($i >= $(i - 1)) bad++ } END { exit bad > 0 }' "$D/hlist/dump"
ktap_last $? "hlist: every chain is newest first (hlist_add_head)"
[ "$(stat_of hlist bucket_array_bytes)" = $((8 * 1024)) ] && [ "$(stat_of hlist as_list_head_bytes)" = $((16 * 1024)) ]
ktap_last $? "hlist: 1024 buckets take $(stat_of hlist bucket_array_bytes) bytes, as list_heads $(stat_of hlist as_list_head_bytes)"
e=$(c hlist add 5)
c hlist del 5
e2=$(c hlist del 5)
[ "$e" = EEXIST ] && [ "$e2" = ENOENT ] && ! awk '{ for (i = 2; i <= NF; i++) if ($i == 5) f = 1 } END { exit !f }' "$D/hlist/dump"
ktap_last $? "hlist: duplicate add EEXIST ($e), del in O(1), second del ENOENT ($e2)"
c hlist clear

# 8. xarray: a sparse set round-trips, in ascending index order.
c xarray clear
r=
for iv in "4294967296 3" "0 1" "18446744073709551615 5" "4095 4" "1 2"; do r="$r$(c xarray store $iv)"; done
expect xarray "xarray: sparse stores read back in index order" \
	"0 1 1 2 4095 4 4294967296 3 18446744073709551615 5" "(errors: '$r')"
e=$(c xarray erase 77)
c xarray erase 4095
[ "$e" = ENOENT ] && [ "$(stat_of xarray entries)" = 4 ]
ktap_last $? "xarray: erase of a missing index is ENOENT ($e), erase 4095 leaves 4 entries"
c xarray clear

# 9. bitmap.
for b in 3 4 5 65535 100; do c bitmap set big $b; done
c bitmap clear big 100
c bitmap set cpus 0
expect bitmap "bitmap: set and clear bits" "cpus: 0 big: 3-5,65535"

# 10. Bad commands: the errno, one warning each, nothing changed.
c rbtree insert 42
before=$(cat "$D"/*/dump | md5sum)
refuse() { _s=$1; shift; refused "$D/$_s/control" "$@"; } # STRUCT WANT DESC CMD...
refuse rbtree EINVAL "empty write" printf ''
refuse rbtree EINVAL "unknown verb" line frobnicate
refuse rbtree EINVAL "insert without key" line insert
refuse rbtree EINVAL "negative key" line insert -1
refuse rbtree EINVAL "key 2^64 overflows" line insert 18446744073709551616
refuse rbtree EINVAL "hex key" line insert 0x10
refuse rbtree EINVAL "extra argument" line insert 1 2
refuse rbtree EEXIST "duplicate key" line insert 42
refuse rbtree ENOENT "erase missing key" line erase 43
refuse rbtree ENOSPC "fill beyond max_elements" line fill 100000 1
refuse cfs EINVAL "nice 20" line add 20
refuse cfs EINVAL "nice -21" line add -21
refuse cfs ENOENT "remove a missing entity" line remove 99
refuse cfs EINVAL "slice 0" line slice 0
refuse list EINVAL "add without value" line add
refuse list ENOENT "del of a missing value" line del 12345
refuse hlist EINVAL "del_multiple 0" line del_multiple 0
refuse xarray EINVAL "store without value" line store 5
refuse xarray EINVAL "index 2^64" line store 18446744073709551616 1
refuse bitmap EINVAL "bit past the end" line set big 65536
refuse bitmap EINVAL "unknown bitmap" line set nosuch 1
refuse bitmap EINVAL "cpus bit past nr_cpu_ids" line set cpus 4096
refuse list EINVAL "non-UTF-8" printf 'add \377'
refuse list EINVAL "NUL byte" printf 'add 1\0002'
refuse xarray EINVAL "two lines" printf 'erase 1\nerase 2\n'
refuse cfs EINVAL "1 MiB write" head -c 1048576 /dev/zero
after=$(cat "$D"/*/dump | md5sum)
[ -z "$REFUSED_BAD" ] && [ "$before" = "$after" ]
ktap_last $? "$REFUSED bad commands refused with the right errno, every dump unchanged$REFUSED_BAD"

# 11. Two writers and two readers on the rbtree for 10 s: every dump read is
# strictly ascending (the lock makes each one a consistent snapshot). A
# command written while fill or erase-random runs is refused (EBUSY): the
# writers ignore errors.
c rbtree clear
(i=0; while :; do echo "insert $i" >"$D/rbtree/control" 2>/dev/null; echo "erase $((i / 2))" >"$D/rbtree/control" 2>/dev/null; i=$((i + 1)); done) &
bg=$!
(i=0; while :; do echo "fill 50 $i" >"$D/rbtree/control" 2>/dev/null; echo "erase-random 40 $i" >"$D/rbtree/control" 2>/dev/null; i=$((i + 1)); done) &
bg="$bg $!"
for r in 1 2; do
	(good=0 badr=0; end=$(($(date +%s) + 10)); while [ "$(date +%s)" -lt $end ]; do
		if sort -n -c -u "$D/rbtree/dump" 2>/dev/null; then good=$((good + 1)); else badr=$((badr + 1)); fi
		cat "$D/rbtree/stats" >/dev/null
	done; echo "$good $badr" >"$TMP/reader$r") &
	readers="${readers:-} $!"
done
wait $readers
kill $bg 2>/dev/null
wait $bg 2>/dev/null
bg=
read -r g1 b1 <"$TMP/reader1"
read -r g2 b2 <"$TMP/reader2"
[ "$b1" = 0 ] && [ "$b2" = 0 ] && [ "$g1" -gt 0 ] && [ "$g2" -gt 0 ]
ktap_last $? "2 writers, 2 readers, 10 s: $((g1 + g2)) dumps all ascending ($((b1 + b2)) not)"

# 12. cfs: 64-bit arithmetic at the largest inputs. Two million slices of
# 1 s make runtimes near 2*10^15 ns, whose share in hundredths of a percent
# (runtime * 10000) does not fit 64 bits: it overflowed (a Rust panic, an
# Oops, the run queue's lock never released). Oracles: the commands (every
# slice is 10^9 ns) and the weight table of kernel/sched/core.c (nice -20:
# 88761, nice 19: 15). The vruntime and clock limits (run refused with
# ENOSPC) are KUnit cases of proclab_ds_cfs, checked above.
c cfs clear
c cfs slice 1000000000
c cfs add 19
c cfs add -20
r="$(c cfs run 1000000)$(c cfs run 1000000)"
cat "$D/cfs/dump" >"$TMP/cfs" 2>"$TMP/why"
ktap_last $? "cfs: after 2000000 slices of 1 s, dump is readable $(cat "$TMP/why")"
awk -v r="$r" '
	NR == 1 { next }
	{
		sub(/^\*/, " ")
		n++; rt[n] = $5; sh[n] = $7; pr[n] = $8; tot += $5
		w[n] = ($2 == -20) ? 88761 : ($2 == 19) ? 15 : 0
	}
	END {
		if (r != "" || n != 2 || tot != 2000000000000000) exit 1
		for (i = 1; i <= n; i++) {
			d = sh[i] - 100 * rt[i] / tot; if (d < 0) d = -d
			e = pr[i] - 100 * w[i] / (88761 + 15); if (e < 0) e = -e
			if (d > 0.011 || e > 0.011) exit 1
		}
	}' "$TMP/cfs"
ktap_last $? "cfs: runtimes sum to 2*10^15 ns, each share_% is runtime/total and predicted_% weight/(88761+15) to 0.01 $(tr '\n' '|' <"$TMP/cfs")"

# 13. bench: one benchmark at a time, and a signal stops it. The largest
# rbtree run allowed takes ~2.6 s on the base kernel and ~15 s on the debug
# one under emulation. While it runs, a second command is refused with EBUSY
# (it used to wait, unkillable, on the mutex), results are readable at once,
# and kill -9 ends the writer within 3 s (it used to run to the end: 10-15 s
# here on the debug kernel, hours for "rbtree 100000 100000"). The times
# include starting cat and awk under emulation: 0.1 s on base, 0.5-1.3 s on
# debug on a loaded host. Then commands are taken again.
# The probe is "clear", refused while the benchmark runs; the writer is
# probed from its start until a probe is refused or the benchmark is over.
# A fast kernel (base, idle host: under a second) may finish it before a
# probe lands: then it runs again, at most three times. A probe taken while
# it ran still fails the case: only a run never caught is repeated.
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
e=
try=0
while [ "$e" != EBUSY ] && [ $try -lt 3 ]; do
	try=$((try + 1))
	c bench clear >/dev/null
	sh -c "echo 'rbtree 1024 1024 $try' >$D/bench/control" 2>/dev/null &
	w=$!
	bg=$w
	while e=$(c bench clear) && [ "$e" != EBUSY ] && kill -0 $w 2>/dev/null; do :; done
	[ "$e" = EBUSY ] || { wait $w 2>/dev/null; bg=; }
done
t0=$(cs)
cat "$D/bench/results" >/dev/null
t1=$(cs)
kill -0 $w 2>/dev/null
alive=$?
kill -9 $w 2>/dev/null
wait $w 2>/dev/null
t2=$(cs)
bg=
[ "$e" = EBUSY ] && [ $((t1 - t0)) -lt 300 ] && [ "$alive" = 0 ]
ktap_last $? "bench: while a benchmark runs, another command is EBUSY ($e, run $try), results read in $((t1 - t0))0 ms, the writer still running ($alive = 0)"
[ "$alive" = 0 ] && [ $((t2 - t1)) -lt 300 ]
ktap_last $? "bench: kill -9 ends the writer in $((t2 - t1))0 ms (< 3 s)"
e=$(c bench clear)
[ -z "$e" ] && [ "$(wc -l <"$D/bench/results")" = 1 ]
ktap_last $? "bench: after the kill, clear is taken (${e:-ok}) and no result was added"

# 14. bench: the work of one write is bounded, so that it ends well within
# the hung-task detector's 120 s: more than 2^20 rbtree inserts and erases or
# 2^18 xarray loads is ENOSPC, more than 4096 elements EINVAL (out of range).
# "xarray 1000000 1" asked kmalloc() for 8 MiB (a page_alloc WARNING, caught
# by the kernel log check); "rbtree 100000 100000" ran for hours.
REFUSED=0 REFUSED_BAD=
refuse bench ENOSPC "rbtree 4096 * 257 > 2^20" line rbtree 4096 257 1
refuse bench ENOSPC "xarray 4096 * 65 > 2^18" line xarray 4096 65
refuse bench EINVAL "xarray 1000000 1" line xarray 1000000 1
refuse bench EINVAL "rbtree 100000 100000" line rbtree 100000 100000 1
[ -z "$REFUSED_BAD" ] && [ "$(wc -l <"$D/bench/results")" = 1 ]
ktap_last $? "bench: $REFUSED requests beyond the bounds refused, nothing run$REFUSED_BAD"

rmmod proclab_ds
ktap_test_result "rmmod proclab_ds with every structure holding elements" [ ! -e "$D" ]

ktap_finished
