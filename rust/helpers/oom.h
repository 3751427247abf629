/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in oom.c. rust/proclab/oom.rs declares the same
 * functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_OOM_H
#define PROCLAB_HELPERS_OOM_H

#include <linux/types.h>

struct mm_struct;
struct task_struct;

short proclab_task_oom_score_adj(struct task_struct *p);
bool proclab_task_oom_unkillable(struct task_struct *p);
bool proclab_task_in_vfork(struct task_struct *p);
bool proclab_mm_oom_skip(struct mm_struct *mm);
unsigned long proclab_oom_totalpages(void);

#endif /* PROCLAB_HELPERS_OOM_H */
