/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in context.c. rust/proclab/context.rs and its
 * parts declare the same functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_CONTEXT_H
#define PROCLAB_HELPERS_CONTEXT_H

#include <linux/types.h>

struct irq_work;
struct spinlock;
struct tasklet_struct;

unsigned int proclab_preempt_count(void);
bool proclab_in_task(void);
bool proclab_in_serving_softirq(void);
bool proclab_in_hardirq(void);
bool proclab_in_nmi(void);
bool proclab_irqs_disabled(void);
int proclab_rcu_preempt_depth(void);
pid_t proclab_current_pid(void);
void proclab_current_comm(char *buf);
void proclab_preempt_masks(u32 *masks);

void proclab_preempt_disable(void);
void proclab_preempt_enable(void);
void proclab_local_bh_disable(void);
void proclab_local_bh_enable(void);
unsigned long proclab_local_irq_save(void);
void proclab_local_irq_restore(unsigned long flags);

void proclab_spin_lock_bh(struct spinlock *lock);
void proclab_spin_unlock_bh(struct spinlock *lock);
unsigned long proclab_spin_lock_irqsave(struct spinlock *lock);
void proclab_spin_unlock_irqrestore(struct spinlock *lock,
				    unsigned long flags);

void proclab_tasklet_schedule(struct tasklet_struct *t);
void proclab_init_irq_work(struct irq_work *work,
			   void (*func)(struct irq_work *));

#endif /* PROCLAB_HELPERS_CONTEXT_H */
