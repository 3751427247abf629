#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_timers: the timer wheel, hrtimers and the tick, against independent
# oracles.
#
# - The KUnit suite proclab_timer (rust/proclab/timer.rs: arm, re-arm, cancel,
#   drop while pending, drop of a self-re-arming timer) passed at load.
# - The wheel: 32 timer_lists per timeout (1 to 10,000 jiffies) armed at
#   once. For each timer the test recomputes, from its expiry and the level
#   timer->flags gave, the jiffy calc_index() rounds it up to,
#   ((expires >> 3n) + 1) << 3n, and from its timeout the level
#   calc_wheel_index() picks (LVL_START: 63, 504, 4032): the module's
#   prediction must be that, the level that one (>= 99 %: the base clock may
#   lag jiffies by a tick at the moment of arming), no timer fires early,
#   and the kernel's own record agrees: the timer_expire_entry tracepoint
#   gives, for each expiry, the wheel clock it expired at (baseclk) and
#   jiffies then (now). Every wheel timer must have expired at its predicted
#   bucket_expiry (per jiffy, as many traced expiries as timers predicted
#   there), and the callback's lateness is the prediction plus the timer
#   softirq's delay in that bucket (now - baseclk, +1 for a tick between
#   the tracepoint and the callback). A timer softirq that runs late under
#   emulation delays a whole bucket (32 timers of one timeout, 7.7 % of the
#   run: 382 of 416 on time in one CI run), so the share is taken over the
#   timers the trace shows on time: in the buckets whose every expiry ran
#   at now == baseclk, the lateness equals the prediction outright for
#   >= 99 % (a tick between the tracepoint and the callback is the rest),
#   and those buckets hold at least half of the timers. The late ones are
#   printed with the trace's delay.
# - hrtimer against timer_list at 100 us, 1 ms, 10 ms: the median lateness of
#   the hard and the soft hrtimer is below the timer_list's for each period.
# - jiffies against the uptime clock (/proc/uptime): jiffies advance at HZ a
#   second (2 %), and the jiffies since INITIAL_JIFFIES over HZ is the uptime
#   within 5 s. The two start apart: the uptime at local_clock()'s zero
#   (read_persistent_wall_and_boot_offset()), jiffies at the tick's set-up,
#   and early boot switches clocksources; measured from 1.3 s behind to
#   0.05 s ahead in four debug VM boots. Forgetting INITIAL_JIFFIES would
#   be 300 s off.
# - The tick (/proc/interrupts LOC) over the same 2 s on a busy CPU and on an
#   idle one (NO_HZ_IDLE): >= 0.9 HZ a second and < 0.5 HZ a second (a
#   periodic tick would be HZ; the idle CPU still wakes for its timers:
#   53 and 66 a second at HZ=250 in two debug VM runs).
# - Bad commands are refused (EINVAL), a second run while one runs with
#   EBUSY; unloading with wheel timers pending and the hrtimers firing is
#   clean (the kernel log check: KASAN would report a callback on freed
#   memory).
#
# The 10,000-jiffy timers take 40 s at HZ=250: everything else runs while
# the test waits for them.

# shellcheck disable=SC2046,SC2086,SC2317 # lists split on purpose, cleanup from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

D=$PROCLAB_DEBUGFS/timers
PER=${PROCLAB_TIMERS_PER:-32}
spinner=

test_cleanup() {
	[ -n "$spinner" ] && kill "$spinner" 2>/dev/null
	wait 2>/dev/null
	taskset -p 3 $$ >/dev/null 2>&1
	echo 0 >/sys/kernel/tracing/events/timer/timer_expire_entry/enable 2>/dev/null
	rmmod proclab_timers 2>/dev/null
}

test_init "$PROCTEST"
ktap_set_plan 15

ctl() { "$PROCTEST" write "$D/control" <<EOF
$*
EOF
}
# state FILE: the value of "state:" in FILE.
state() { awk '$1 == "state:" { print $2 }' "$D/$1"; }
clockval() { awk -v k="$1:" '$1 == k { print $2 }' "$D/clock"; }
# uptime_cs: /proc/uptime in centiseconds.
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }
loc() { awk '$1 == "LOC:" { print $2, $3 }' /proc/interrupts; }

rmmod proclab_timers 2>/dev/null
modprobe proclab_timers && [ -w "$D/control" ]
ktap_need $? "modprobe proclab_timers creates $D"
kunit=$(dmesg | grep -E '# proclab_timer: pass:[0-9]+ fail:[0-9]+' | tail -n 1)
case $kunit in
*"fail:0 skip:0"*) ktap_test_pass "KUnit suite proclab_timer passed at load (${kunit##*# })" ;;
*) ktap_test_fail "KUnit suite proclab_timer passed at load" "$(dmesg | grep -E 'proclab_timer|not ok' | sed -n 1,30p)" ;;
esac

# The tracepoint records every timer_list expiry until the wheel run is
# done (a few thousand lines: the ring buffer holds them).
TR=/sys/kernel/tracing
[ -d "$TR/events" ] || mount -t tracefs tracefs "$TR" 2>/dev/null
trace_off() { echo 0 >"$TR/events/timer/timer_expire_entry/enable"; echo 0 >"$TR/tracing_on"; }
trace_on() {
	echo 0 >"$TR/tracing_on" && echo >"$TR/trace" &&
		echo 1 >"$TR/events/timer/timer_expire_entry/enable" && echo 1 >"$TR/tracing_on"
}
trace_on
ktap_need $? "tracefs at $TR with the timer_expire_entry event"

# 3. The wheel run starts; a second one is refused while it runs.
t0=$(uptime_cs)
r=$(ctl wheel "$PER")
busy=$(ctl wheel 1)
n=$(awk '$1 == "timers:" { print $2 }' "$D/wheel")
[ "$r" = ok ] && [ "$busy" = EBUSY ] && [ "$(state wheel)" = running ] && [ "$n" = $((PER * 13)) ]
ktap_last $? "wheel $PER: $n timers armed ($r), state running, a second run refused ($busy)"

# 4. Bad commands: EINVAL, nothing changes.
before=$(awk '$1 == "timers:"' "$D/wheel")
bad=
for c in "" "wheel" "wheel 0" "wheel 65" "wheel -1" "wheel 1 2" "hrtimer 99" \
	"hrtimer 10001" "hrtimer 18446744073709551616" "stop now" "bogus" " stop"; do
	got=$(ctl "$c")
	[ "$got" = EINVAL ] || bad="$bad '$c':$got"
done
[ -z "$bad" ] && [ "$(awk '$1 == "timers:"' "$D/wheel")" = "$before" ] && [ "$(state wheel)" = running ]
ktap_last $? "12 malformed commands refused with EINVAL, the wheel run untouched${bad:+ (bad:$bad)}"

# 5. jiffies since boot against /proc/uptime, and their rate over 2 s.
hz=$(clockval HZ)
u0=$(uptime_cs)
j0=$(clockval jiffies_since_boot)
sleep 2
u1=$(uptime_cs)
j1=$(clockval jiffies_since_boot)
# Uptime from jiffies, in centiseconds, against /proc/uptime read just before.
ju=$((j0 * 100 / hz))
rate=$(((j1 - j0) * 100 / (u1 - u0)))
echo "# HZ=$hz: jiffies since INITIAL_JIFFIES $j0 = $ju cs; /proc/uptime $u0 cs; over $((u1 - u0)) cs: $((j1 - j0)) jiffies = $rate/s"
[ $((ju - u0)) -le 500 ] && [ $((u0 - ju)) -le 500 ] &&
	[ $((rate * 100)) -ge $((hz * 98)) ] && [ $((rate * 100)) -le $((hz * 102)) ]
ktap_last $? "jiffies: (jiffies - INITIAL_JIFFIES)/HZ is the uptime within 5 s ($((ju - u0)) cs) and jiffies advance at HZ=$hz/s (got $rate/s)"

# Wait for the wheel's short timers (up to 1,000 jiffies, 4 s) before the
# hrtimer run loads the CPUs.
short_done() {
	awk 'NF == 7 && $1 ~ /^[0-9]+$/ && $1 <= 1000 && $7 == "-" { n++ } END { exit n > 0 }' "$D/wheel"
}
nap() { sleep 0.5; }
wait_until 60 short_done
ktap_last $? "wheel: every timer of up to 1000 jiffies fired within $((($(uptime_cs) - t0) / 100)) s"

# 7. hrtimer vs timer_list for 2 s.
r=$(ctl hrtimer 2000)
busy=$(ctl hrtimer 100)
hr_done() { [ "$(state hrtimer)" = "done" ]; }
wait_until 60 hr_done
rc=$?
sed 's/^/# /' "$D/hrtimer"
[ "$r" = ok ] && [ "$busy" = EBUSY ] && [ $rc = 0 ]
ktap_last $? "hrtimer 2000: started ($r), a second run refused ($busy), done"
bad=$(awk '$1 ~ /^(hrtimer_hard|hrtimer_soft|timer_list)$/ && NF == 8 {
		m[$1, $2] = $6; s[$1, $2] = $4; p[$2] = 1
	}
	END {
		for (q in p) {
			if (s["hrtimer_hard", q] < 1 || s["hrtimer_soft", q] < 1 || s["timer_list", q] < 1)
				print q "us: no samples"
			else if (!(m["hrtimer_hard", q] < m["timer_list", q] && m["hrtimer_soft", q] < m["timer_list", q]))
				print q "us: hard " m["hrtimer_hard", q] " soft " m["hrtimer_soft", q] " list " m["timer_list", q]
			n++
		}
		if (n != 3) print n " periods"
	}' "$D/hrtimer")
[ -z "$bad" ]
ktap_last $? "hrtimer: hard and soft median lateness below timer_list's at 100 us, 1 ms and 10 ms${bad:+ ($bad)}"

# 9. The tick on a busy and on an idle CPU over the same 2 s: CPU 1 spins,
# this shell (and its sleep) runs there too, CPU 0 idles.
if [ "$(nproc)" -ge 2 ] && taskset -p 2 $$ >/dev/null; then
	taskset 2 sh -c 'while :; do :; done' &
	spinner=$!
	sleep 0.5
	set -- $(loc)
	u0=$(uptime_cs)
	sleep 2
	u1=$(uptime_cs)
	set -- "$@" $(loc)
	kill "$spinner"
	wait "$spinner" 2>/dev/null
	spinner=
	taskset -p 3 $$ >/dev/null
	dt=$((u1 - u0))
	idle=$((($3 - $1) * 100 / dt)) busy=$((($4 - $2) * 100 / dt))
	echo "# LOC over $dt cs: CPU0 (idle) $(($3 - $1)), CPU1 (busy) $(($4 - $2)): $idle/s and $busy/s at HZ=$hz"
	[ $((busy * 10)) -ge $((hz * 9)) ] && [ $((idle * 2)) -lt "$hz" ]
	ktap_last $? "tick: busy CPU $busy local timer interrupts/s (>= 0.9 HZ), idle CPU $idle/s (< 0.5 HZ, NO_HZ_IDLE)"
else
	ktap_test_skip "tick on a busy and an idle CPU" "needs 2 CPUs and taskset"
fi

# 10-12. The whole wheel run: wait for the 10,000-jiffy timers.
wheel_done() { [ "$(state wheel)" = "done" ]; }
nap() { sleep 1; }
wait_until 90 wheel_done
ktap_last $? "wheel: all timers fired after $((($(uptime_cs) - t0) / 100)) s"
trace_off
sed "s/^/# /" "$D/wheel_summary"
# Recompute each prediction from expires and the level; the level expected
# from the timeout: calc_wheel_index() of expires - base->clk, where the
# base's clock is jiffies, or jiffies + 1 once the timer softirq has run
# for this jiffy (__run_timers() leaves it at the next jiffy to process).
# (busybox awk has no "^": the granularity 8^level by multiplying.)
set -- $(awk 'function level(d) { return (d < 63) ? 0 : (d < 504) ? 1 : (d < 4032) ? 2 : 3 }
	NF == 7 && $1 ~ /^[0-9]+$/ {
		n++
		g = 1
		for (i = 0; i < $2; i++) g *= 8
		p = (int($4 / g) + 1) * g - $4
		if (p != $6) badpred++
		if ($2 == level($1) || $2 == level($1 - 1)) lvl++
		if ($7 == "-") { unfired++; next }
		if ($7 < 1) early++
		if ($7 == p) agree++
		else print "#", $0 > "/dev/stderr"
	}
	END { print n + 0, badpred + 0, lvl + 0, unfired + 0, early + 0, agree + 0 }' "$D/wheel" 2>"$TMP/mismatch")
n=$1 badpred=$2 lvl=$3 unfired=$4 early=$5 agree=$6
[ "$n" = $((PER * 13)) ] && [ "$badpred" = 0 ] && [ $((lvl * 100)) -ge $((n * 99)) ]
ktap_last $? "wheel: $n predictions are ((expires >> 3n) + 1) << 3n - expires for the level in timer->flags; the level is the timeout's for $lvl"
if [ -s "$TMP/mismatch" ]; then
	echo "# timers whose lateness differs from the prediction (timeout level gran expires bucket_expiry predicted measured):"
	head -n 20 "$TMP/mismatch"
fi
# The kernel's record: the wheel timers' expiries (the callback is
# rust/proclab/timer.rs's run::<WheelTimer>, "WheelTimer" in its symbol),
# per baseclk the count and the largest delay of the softirq (now - baseclk).
lost=$(awk '/entries-in-buffer/ { split($2, a, "/"); print a[2] - a[1] }' "$TR/trace")
awk '/timer_expire_entry:/ && /WheelTimer/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^now=/) now = substr($i, 5)
			if ($i ~ /^baseclk=/) b = substr($i, 9)
		}
		print b, now - b
	}' "$TR/trace" >"$TMP/expired"
set -- $(awk 'FNR == NR { k[$1]++; if ($2 > d[$1]) d[$1] = $2; traced++; next }
	NF == 7 && $1 ~ /^[0-9]+$/ && $7 != "-" {
		b = $5; w[b]++
		late = $4 + $7 - b
		if (late < 0 || late > d[b] + 1) { bad++; print "# unexplained:", $0 > "/dev/stderr" }
		else if (late > 0) delayed++
		if (d[b] == 0) { ontime++; if (late == 0) exact++ }
		else if (!(b in shown)) { shown[b] = 1; print "# the softirq reached jiffy", b, "late by up to", d[b], "jiffies (trace)" > "/dev/stderr" }
	}
	END {
		for (b in w) if (k[b] != w[b]) { nbucket++; print "# jiffy", b, "predicted", w[b], "traced", k[b] + 0 > "/dev/stderr" }
		for (b in k) if (!(b in w)) { nbucket++; print "# jiffy", b, "traced", k[b], "predicted 0" > "/dev/stderr" }
		print traced + 0, nbucket + 0, bad + 0, delayed + 0, ontime + 0, exact + 0
	}' "$TMP/expired" "$D/wheel" 2>"$TMP/unexplained")
traced=$1 nbucket=$2 unexplained=$3 delayed=$4 ontime=$5 exact=$6
head -n 20 "$TMP/unexplained"
[ "$lost" = 0 ] && [ "$traced" = "$n" ] && [ "$nbucket" = 0 ] && [ "$unexplained" = 0 ]
ktap_last $? "timer_expire_entry: the kernel expired the $traced wheel timers at their predicted bucket_expiry, and each measured lateness is the prediction plus the softirq's delay there ($delayed delayed; trace lost $lost)"
[ "$unfired" = 0 ] && [ "$early" = 0 ] && [ $((exact * 100)) -ge $((ontime * 99)) ] &&
	[ $((ontime * 2)) -ge "$n" ]
ktap_last $? "wheel: measured lateness equals the prediction for $exact of the $ontime timers the softirq reached on time (>= 99 %; $agree of all $n), none early, none lost"

# 13. Unload with the wheel's timers pending and the hrtimers firing.
r1=$(ctl wheel 4)
r2=$(ctl hrtimer 10000)
sleep 0.5
s1=$(state wheel) s2=$(state hrtimer)
rmmod proclab_timers
rc=$?
[ "$r1 $r2" = "ok ok" ] && [ "$s1 $s2" = "running running" ] && [ $rc = 0 ] &&
	[ ! -d /sys/module/proclab_timers ] && [ ! -e "$D" ]
ktap_last $? "rmmod with 52 wheel timers pending and 9 periodic timers firing ($s1, $s2): exit $rc, module and directory gone"
ktap_finished
