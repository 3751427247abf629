/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in task.c. The Rust side declares the same
 * functions in rust/proclab/task.rs; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_TASK_H
#define PROCLAB_HELPERS_TASK_H

#include <linux/types.h>

struct task_struct;

struct task_struct *proclab_next_task(struct task_struct *p);
char proclab_task_state_char(struct task_struct *p);
pid_t proclab_task_ppid_nr(const struct task_struct *p);
int proclab_task_nice(const struct task_struct *p);
int proclab_get_nr_threads(struct task_struct *p);
u64 proclab_task_weight(const struct task_struct *p);
void proclab_get_task_comm(char *buf, struct task_struct *p);

#endif /* PROCLAB_HELPERS_TASK_H */
