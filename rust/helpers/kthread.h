/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in kthread.c. rust/proclab/kthread.rs declares the
 * same functions; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_KTHREAD_H
#define PROCLAB_HELPERS_KTHREAD_H

#include <linux/types.h>

struct task_struct;

struct task_struct *proclab_kthread_create(int (*threadfn)(void *data),
					   void *data, const char *name);
void proclab_set_current_state(unsigned int state);
void proclab_set_current_running(void);
bool proclab_cpu_online(unsigned int cpu);
int proclab_set_cpu(struct task_struct *p, unsigned int cpu);
int proclab_set_all_cpus(struct task_struct *p);
int proclab_sched_setattr(struct task_struct *p, u32 policy, u32 prio,
			  int nice, u64 runtime, u64 deadline, u64 period);
unsigned int proclab_task_policy(const struct task_struct *p);
void proclab_allow_sigkill(void);
void proclab_ignore_sigkill(void);
bool proclab_sigkill_pending(void);

#endif /* PROCLAB_HELPERS_KTHREAD_H */
