/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in cgroup.c. rust/proclab/cgroup.rs declares the
 * same functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_CGROUP_H
#define PROCLAB_HELPERS_CGROUP_H

#include <linux/types.h>

struct cgroup_subsys_state;
struct task_struct;

int proclab_task_cgroup(struct task_struct *p, u64 *id, char *buf, size_t len);
struct cgroup_subsys_state *proclab_cgroup_next(struct cgroup_subsys_state *pos);
int proclab_cgroup_info(struct cgroup_subsys_state *css, u64 *id, u32 *control,
			u32 *subtree_control, char *buf, size_t len);
const char *proclab_cgroup_subsys_name(int ssid);

#endif /* PROCLAB_HELPERS_CGROUP_H */
