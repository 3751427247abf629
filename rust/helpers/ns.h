/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in ns.c. rust/proclab/ns.rs declares the same
 * functions and struct; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_NS_H
#define PROCLAB_HELPERS_NS_H

#include <linux/types.h>

struct task_struct;

/*
 * The inode numbers of a task's namespaces, as the links in
 * /proc/<pid>/ns/ name them; 0 where the task has none (after
 * exit_task_namespaces(), or once it left its pid namespace), U32_MAX where
 * the module cannot tell (the mount namespace, see ns.c). The same
 * fields in the same order as TaskNs in rust/proclab/ns.rs.
 */
struct proclab_task_ns {
	u32 uts;
	u32 ipc;
	u32 mnt;
	u32 net;
	u32 pid;
	u32 pid_for_children;
	u32 time;
	u32 time_for_children;
	u32 cgroup;
	u32 user;
};

void proclab_task_ns(struct task_struct *p, struct proclab_task_ns *ns);
int proclab_task_nspids(struct task_struct *p, pid_t *nr, int max);
int proclab_task_userns(struct task_struct *p, int *level, u32 *owner, u32 *ext, int max);

#endif /* PROCLAB_HELPERS_NS_H */
