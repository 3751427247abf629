// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/context.rs: the macros and static inline
 * functions of <linux/preempt.h>, <linux/bottom_half.h>,
 * <linux/irqflags.h>, <linux/rcupdate.h>, <linux/spinlock.h>,
 * <linux/interrupt.h> (tasklets) and <linux/irq_work.h> that Rust cannot
 * call, one call each. Included into each module that uses them.
 */

#include <linux/bottom_half.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "context.h"

/*
 * The context of the running code. preempt_count() is a per-CPU load (x86:
 * the PREEMPT_NEED_RESCHED bit folded in it is masked off); the others are
 * masks of it, or the CPU's interrupt flag.
 */
unsigned int proclab_preempt_count(void)
{
	return preempt_count();
}

bool proclab_in_task(void)
{
	return in_task();
}

bool proclab_in_serving_softirq(void)
{
	return in_serving_softirq();
}

bool proclab_in_hardirq(void)
{
	return in_hardirq();
}

bool proclab_in_nmi(void)
{
	return in_nmi();
}

bool proclab_irqs_disabled(void)
{
	return irqs_disabled();
}

/*
 * The RCU read-side nesting of the current task: with PREEMPT_RCU,
 * rcu_read_lock() counts here and leaves preempt_count() alone; without it
 * this is 0 and rcu_read_lock() is a preempt_disable().
 */
int proclab_rcu_preempt_depth(void)
{
	return rcu_preempt_depth();
}

/*
 * current is the task this CPU runs, or the one an interrupt interrupted:
 * it runs here, so it cannot be freed under us. Its pid never changes; its
 * comm may (prctl(PR_SET_NAME)): copied as procfs copies it.
 */
pid_t proclab_current_pid(void)
{
	return task_pid_nr(current);
}

/* get_task_comm() without its array check: buf holds TASK_COMM_LEN bytes. */
void proclab_current_comm(char *buf)
{
	strscpy_pad(buf, current->comm, TASK_COMM_LEN);
}

/*
 * The masks of preempt_count() as the header defines them: preempt,
 * softirq, hardirq-disable, hardirq, NMI. For the KUnit test that checks the
 * Rust side's masks, which it builds from the exported BITS and SHIFTs.
 */
void proclab_preempt_masks(u32 *masks)
{
	masks[0] = PREEMPT_MASK;
	masks[1] = SOFTIRQ_MASK;
	masks[2] = HARDIRQ_DISABLE_MASK;
	masks[3] = HARDIRQ_MASK;
	masks[4] = NMI_MASK;
}

void proclab_preempt_disable(void)
{
	preempt_disable();
}

void proclab_preempt_enable(void)
{
	preempt_enable();
}

void proclab_local_bh_disable(void)
{
	local_bh_disable();
}

void proclab_local_bh_enable(void)
{
	local_bh_enable();
}

unsigned long proclab_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void proclab_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

/* The spinlock_t calls upstream's Rust lock types do not make. */
void proclab_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void proclab_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

unsigned long proclab_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void proclab_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

void proclab_tasklet_schedule(struct tasklet_struct *t)
{
	tasklet_schedule(t);
}

/*
 * init_irq_work() with IRQ_WORK_HARD_IRQ: the callback runs in hard IRQ on
 * every kernel (PREEMPT_RT would otherwise run it in the irq_work/N thread).
 */
void proclab_init_irq_work(struct irq_work *work,
			   void (*func)(struct irq_work *))
{
	*work = IRQ_WORK_INIT_HARD(func);
}
