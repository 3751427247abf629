// SPDX-License-Identifier: GPL-2.0
/*
 * schedattr: a task's scheduling attributes, as the kernel reports them.
 *
 *   schedattr TID
 *
 * TID is a thread id (any task, kernel threads included). Calls the raw
 * sched_getattr(2) (size 56, SCHED_ATTR_SIZE_VER1; flags 0) and
 * sched_rr_get_interval(2) on it and prints one line:
 *
 *   policy P priority R nice N runtime_ns A deadline_ns B period_ns C rr_interval_ns I
 *
 * P is the numeric policy (0 SCHED_NORMAL, 1 SCHED_FIFO, 2 SCHED_RR,
 * 3 SCHED_BATCH, 5 SCHED_IDLE, 6 SCHED_DEADLINE, 7 SCHED_EXT), R the
 * real-time priority and N the nice value. A, B and C are the
 * SCHED_DEADLINE parameters; for the other policies B and C are 0 and A
 * is, for a fair task, its slice (se.slice, e.g. 1400000 with 2 CPUs).
 * I is the time slice from sched_rr_get_interval(2): SCHED_RR's quantum,
 * a fair task's slice in whole jiffies (so 0 below 4 ms at HZ=250, and 0
 * when its runqueue is otherwise idle), 0 for SCHED_FIFO and
 * SCHED_DEADLINE. A failed call prints "schedattr: CALL TID: error" to
 * stderr and exits 1.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The Linux 7.3 layout (include/uapi/linux/sched/types.h). */
struct sched_attr {
	__u32 size;
	__u32 sched_policy;
	__u64 sched_flags;
	__s32 sched_nice;
	__u32 sched_priority;
	__u64 sched_runtime;
	__u64 sched_deadline;
	__u64 sched_period;
	__u32 sched_util_min;
	__u32 sched_util_max;
};

static_assert(sizeof(struct sched_attr) == 56, "SCHED_ATTR_SIZE_VER1");

int main(int argc, char **argv)
{
	struct sched_attr attr;
	struct timespec ts;
	char *end;
	long tid;

	errno = 0;
	tid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (tid <= 0 || tid > INT_MAX || errno || *end) {
		fprintf(stderr, "usage: schedattr TID (a thread id)\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	if (syscall(SYS_sched_getattr, (pid_t)tid, &attr, sizeof(attr), 0)) {
		fprintf(stderr, "schedattr: sched_getattr %ld: %s\n", tid, strerror(errno));
		return 1;
	}
	if (sched_rr_get_interval((pid_t)tid, &ts)) {
		fprintf(stderr, "schedattr: sched_rr_get_interval %ld: %s\n", tid,
			strerror(errno));
		return 1;
	}
	printf("policy %u priority %u nice %d runtime_ns %llu deadline_ns %llu period_ns %llu rr_interval_ns %lld\n",
	       attr.sched_policy, attr.sched_priority, attr.sched_nice,
	       attr.sched_runtime, attr.sched_deadline, attr.sched_period,
	       ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
