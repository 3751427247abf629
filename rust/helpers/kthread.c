// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/kthread.rs: the macros and static inline
 * functions of <linux/kthread.h>, <linux/sched.h> and <linux/cpumask.h> that
 * Rust cannot call. Included into each module that uses them.
 */

#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/numa.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <uapi/linux/sched/types.h>

#include "kthread.h"

/*
 * kthread_create_on_node() formats the name printf-style: pass it as an
 * argument, never as the format.
 */
struct task_struct *proclab_kthread_create(int (*threadfn)(void *data),
					   void *data, const char *name)
{
	return kthread_create_on_node(threadfn, data, NUMA_NO_NODE, "%s", name);
}

/*
 * set_current_state() is a macro: a store with a full barrier (so the
 * condition the caller checks next is read after the state is published)
 * plus, with CONFIG_DEBUG_ATOMIC_SLEEP, a record of where the task stopped
 * running for the "do not call blocking ops when !TASK_RUNNING" check.
 */
void proclab_set_current_state(unsigned int state)
{
	set_current_state(state);
}

void proclab_set_current_running(void)
{
	__set_current_state(TASK_RUNNING);
}

bool proclab_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

/* Affinity of a running task: one CPU, or every CPU again. */
int proclab_set_cpu(struct task_struct *p, unsigned int cpu)
{
	return set_cpus_allowed_ptr(p, cpumask_of(cpu));
}

int proclab_set_all_cpus(struct task_struct *p)
{
	return set_cpus_allowed_ptr(p, cpu_possible_mask);
}

/*
 * Policy and parameters in one call, as sched_setattr(2) does for user
 * space but without its permission checks: sched_setattr_nocheck() is the
 * one export that takes any FIFO/RR priority (sched_set_fifo() always uses
 * 50) and the SCHED_DEADLINE parameters. Admission control still applies:
 * a deadline task that does not fit in the root domain's bandwidth is
 * refused with -EBUSY, and one whose affinity is narrower than the root
 * domain with -EPERM.
 */
int proclab_sched_setattr(struct task_struct *p, u32 policy, u32 prio,
			  int nice, u64 runtime, u64 deadline, u64 period)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = policy,
		.sched_priority = prio,
		.sched_nice = nice,
		.sched_runtime = runtime,
		.sched_deadline = deadline,
		.sched_period = period,
	};

	return sched_setattr_nocheck(p, &attr);
}

/*
 * READ_ONCE() is a macro. The scheduler writes p->policy under the task's
 * pi_lock and run-queue lock; /proc/<pid>/stat reads it without them, and so
 * does this: one value, possibly stale the moment it is returned.
 */
unsigned int proclab_task_policy(const struct task_struct *p)
{
	return READ_ONCE(p->policy);
}

/*
 * A kernel thread ignores every signal (kthreadd set them to SIG_IGN).
 * allow_signal() lets SIGKILL through to the current thread, so that a
 * TASK_KILLABLE sleep can end on it; the thread still does not die of it.
 */
void proclab_allow_sigkill(void)
{
	allow_signal(SIGKILL);
}

void proclab_ignore_sigkill(void)
{
	disallow_signal(SIGKILL);
	flush_signals(current);
}

/*
 * kill(2) queues SIGKILL on the thread group's shared set. It becomes
 * "fatal" (moved to the task's own set, where fatal_signal_pending() looks)
 * only for a default handler; a kernel thread that let SIGKILL through has
 * SIG_KTHREAD instead. The kill still wakes a TASK_KILLABLE sleeper
 * (TASK_WAKEKILL): look in both sets.
 */
bool proclab_sigkill_pending(void)
{
	return sigismember(&current->pending.signal, SIGKILL) ||
	       sigismember(&current->signal->shared_pending.signal, SIGKILL);
}
