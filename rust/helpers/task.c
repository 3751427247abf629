// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the static inline functions and macros of <linux/sched.h>
 * that rust/proclab/task.rs needs. Each one is the kernel's own definition,
 * called from C, so the Rust side reads exactly what procfs reads.
 *
 * Included into one object per module (see samples/<module>/helpers.c): the
 * symbols are not exported, so two modules may each carry their own copy.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "task.h"

/* next_task() is a macro around list_entry_rcu(): the caller holds RCU. */
struct task_struct *proclab_next_task(struct task_struct *p)
{
	return next_task(p);
}

/* The one-letter state ps and /proc/<pid>/stat show: "RSDTtXZPI". */
char proclab_task_state_char(struct task_struct *p)
{
	return task_state_to_char(p);
}

/* 0 for a task already unhashed, as in /proc/<pid>/stat. */
pid_t proclab_task_ppid_nr(const struct task_struct *p)
{
	return task_ppid_nr(p);
}

int proclab_task_nice(const struct task_struct *p)
{
	return task_nice(p);
}

int proclab_get_nr_threads(struct task_struct *p)
{
	return get_nr_threads(p);
}

/*
 * se.load.weight in the units of sched_prio_to_weight[] (1024 for nice 0).
 * The kernel keeps it scaled up by SCHED_FIXEDPOINT_SHIFT on 64-bit; this is
 * scale_load_down() of kernel/sched/sched.h, which modules cannot include.
 */
u64 proclab_task_weight(const struct task_struct *p)
{
	unsigned long w = READ_ONCE(p->se.load.weight);

#ifdef CONFIG_64BIT
	if (w)
		w = max(2UL, w >> SCHED_FIXEDPOINT_SHIFT);
#endif
	return w;
}

/* comm may change under us (prctl(PR_SET_NAME)); copy it like procfs does. */
void proclab_get_task_comm(char *buf, struct task_struct *p)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, p);
	memcpy(buf, comm, TASK_COMM_LEN);
}
