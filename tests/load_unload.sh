#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# proclab_tasks: 50 insmod/rmmod cycles while a reader loops on the debugfs
# file. The module must load and unload every time, the reader must only
# ever see whole tables or a missing file, and the kernel log stays clean
# (the debug kernel reports use-after-free, leaks and lock misuse there).
# proclab_core, which owns the shared proclab directory, must stay loaded
# while a module uses it and take the directory with it when it goes.

# shellcheck disable=SC2317 # cleanup runs from the trap
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib.sh
. ./lib.sh

CYCLES=${PROCLAB_CYCLES:-50}
TABLE=$PROCLAB_DEBUGFS/tasks/tasks
KO=/lib/modules/$(uname -r)/extra/proclab_tasks.ko
TMP=$(mktemp -d)

cleanup() {
	[ -n "${reader:-}" ] && kill "$reader" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
[ -f "$KO" ] || ktap_skip_all "$KO not installed"
ktap_begin 8

was_loaded=0
if [ -d /sys/module/proclab_tasks ]; then
	was_loaded=1
	rmmod proclab_tasks
fi
# insmod, unlike modprobe, does not load what the module depends on.
modprobe proclab_core || ktap_skip_all "proclab_core does not load"

# The reader: counts whole tables (first line the header) and anything else.
(
	good=0 bad=0
	while [ ! -e "$TMP/stop" ]; do
		if out=$(cat "$TABLE" 2>/dev/null) && [ -n "$out" ]; then
			case $out in
			*" pid "*"tgid"*comm*) good=$((good + 1)) ;;
			*) bad=$((bad + 1)); echo "$out" | head -n 3 >"$TMP/bad.$bad" ;;
			esac
		fi
	done
	echo "$good $bad" >"$TMP/reader"
) &
reader=$!

fails=
busy=0
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	insmod "$KO" || { fails="$fails insmod#$i"; continue; }
	[ -r "$TABLE" ] || fails="$fails nofile#$i"
	# Let the reader get into the file before the module goes away.
	head -n 1 "$TABLE" >/dev/null 2>&1
	# A reader with the file open pins the module (rmmod: EBUSY) until
	# it closes the file: try again for up to 5 s.
	j=0
	while ! rmmod proclab_tasks 2>/dev/null; do
		j=$((j + 1))
		[ $j -ge 100 ] && { fails="$fails rmmod#$i"; break; }
		busy=$((busy + 1))
		sleep 0.05
	done
done
touch "$TMP/stop"
wait "$reader"
reader=
read -r good bad <"$TMP/reader"

ktap_check "$CYCLES insmod/rmmod cycles succeed ($busy rmmod EBUSY while the reader had the file open)" [ -z "$fails" ]
[ -n "$fails" ] && echo "# failures:$fails"
ktap_check "module gone after the last rmmod" [ ! -d /sys/module/proclab_tasks ]
ktap_check "debugfs directory removed with the module" [ ! -e "$PROCLAB_DEBUGFS/tasks" ]
if [ "$bad" = 0 ] && [ "$good" -gt 0 ]; then
	ktap_ok "reader saw $good whole tables and nothing else"
else
	ktap_fail "reader saw only whole tables" "$good whole, $bad other" "$(cat "$TMP"/bad.* 2>/dev/null | head -n 5)"
fi

# The shared directory: pinned by its users, removed with proclab_core.
insmod "$KO"
! rmmod proclab_core 2>/dev/null && [ -d /sys/module/proclab_core ]
ktap_last $? "rmmod proclab_core refused while proclab_tasks uses it"
rmmod proclab_tasks
[ -d "$PROCLAB_DEBUGFS" ] && [ ! -e "$PROCLAB_DEBUGFS/tasks" ]
ktap_last $? "proclab directory stays with proclab_core alone"
rmmod proclab_core
ktap_check "proclab directory removed with proclab_core" [ ! -e "$PROCLAB_DEBUGFS" ]
modprobe proclab_tasks
[ -d /sys/module/proclab_core ] && [ -r "$TABLE" ]
ktap_last $? "modprobe proclab_tasks loads proclab_core first"
[ $was_loaded = 1 ] || rmmod proclab_tasks
ktap_end
