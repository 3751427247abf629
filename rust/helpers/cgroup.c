// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the cgroup v2 hierarchy (the default one, cgrp_dfl_root) as
 * /proc/<pid>/cgroup and cgroupfs show it. cgroup_mutex and css_set_lock
 * are not exported to modules: every shim runs under the caller's RCU read
 * lock, which keeps a task's css_set, the cgroups it points to, and the
 * cgroups a css_next_descendant_pre() walk visits, alive.
 *
 * Included into one object per module (see samples/<module>/helpers.c).
 */

#include <linux/cgroup.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "cgroup.h"

/*
 * p's cgroup on the default hierarchy (task_dfl_cgroup()): its id (the
 * kernfs node's, as cgroup_id()) and its path from the hierarchy's root, as
 * /proc/<pid>/cgroup prints it ("0::PATH") for a reader in the initial
 * cgroup namespace. Returns the length of the whole path (which may be more
 * than len: the text is then cut), or a negative errno.
 */
int proclab_task_cgroup(struct task_struct *p, u64 *id, char *buf, size_t len)
{
	struct cgroup *cgrp;
	int n;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(p);
	*id = cgroup_id(cgrp);
	n = cgroup_path(cgrp, buf, len);
	rcu_read_unlock();
	return n;
}

/*
 * The next cgroup of the default hierarchy in pre-order after pos (the
 * root's css for NULL), NULL at the end. The caller holds RCU.
 */
struct cgroup_subsys_state *proclab_cgroup_next(struct cgroup_subsys_state *pos)
{
	return css_next_descendant_pre(pos, &cgrp_dfl_root.cgrp.self);
}

/*
 * One cgroup of a walk: id, path (as proclab_task_cgroup()), the
 * controllers its parent enabled for it (cgroup.controllers; for the root,
 * the hierarchy's, which cgroupfs further reduces by masks private to
 * kernel/cgroup/) and those it enables for its children
 * (cgroup.subtree_control). The caller holds RCU.
 */
int proclab_cgroup_info(struct cgroup_subsys_state *css, u64 *id, u32 *control,
			u32 *subtree_control, char *buf, size_t len)
{
	struct cgroup *cgrp = css->cgroup;
	struct cgroup *parent = cgroup_parent(cgrp);

	*id = cgroup_id(cgrp);
	*control = parent ? READ_ONCE(parent->subtree_control) : cgrp->root->subsys_mask;
	*subtree_control = READ_ONCE(cgrp->subtree_control);
	return cgroup_path(cgrp, buf, len);
}

/* The controllers' names, by id, as kernel/cgroup/cgroup.c lists them. */
#define SUBSYS(_x) [_x ## _cgrp_id] = #_x,
static const char *const proclab_subsys_names[] = {
#include <linux/cgroup_subsys.h>
};
#undef SUBSYS

/* The name of controller ssid, NULL past the last. */
const char *proclab_cgroup_subsys_name(int ssid)
{
	if (ssid < 0 || ssid >= CGROUP_SUBSYS_COUNT)
		return NULL;
	return proclab_subsys_names[ssid];
}
