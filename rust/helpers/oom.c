// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the inputs of the OOM killer's badness (oom_badness() in
 * mm/oom_kill.c, which is not exported): rust/proclab/oom.rs does the
 * arithmetic.
 *
 * Included into one object per module (see samples/<module>/helpers.c).
 */

#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>

#include "oom.h"

/* /proc/<pid>/oom_score_adj: the thread group's. p is held by the caller. */
short proclab_task_oom_score_adj(struct task_struct *p)
{
	return READ_ONCE(p->signal->oom_score_adj);
}

/* oom_unkillable_task() (static in mm/oom_kill.c): init and kernel threads. */
bool proclab_task_oom_unkillable(struct task_struct *p)
{
	return is_global_init(p) || (p->flags & PF_KTHREAD);
}

bool proclab_task_in_vfork(struct task_struct *p)
{
	return in_vfork(p);
}

/* The mm was reaped by the OOM reaper, or is being torn down. */
bool proclab_mm_oom_skip(struct mm_struct *mm)
{
	return mm_flags_test(MMF_OOM_SKIP, mm);
}

/* The totalpages proc_oom_score() divides by: RAM and swap. */
unsigned long proclab_oom_totalpages(void)
{
	return totalram_pages() + total_swap_pages;
}
