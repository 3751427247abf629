// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for what /proc/<pid>/ns/ and NSpid: read of a task: each
 * namespace is found the way its proc_ns_operations ->get() finds it
 * (task_lock() for the nsproxy, RCU for the credentials and the pid), and
 * the pids at each level the way proc_pid_status() prints them.
 *
 * Included into one object per module (see samples/<module>/helpers.c).
 */

#include <linux/cgroup_namespace.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/time_namespace.h>
#include <linux/user_namespace.h>
#include <linux/utsname.h>
#include <net/net_namespace.h>

#include "ns.h"

/*
 * struct mnt_namespace is private to fs/ (fs/mount.h), and from_mnt_ns(),
 * which returns its ns_common, is not exported. Its ns_common is its first
 * member, as from_mnt_ns() relies on no more than the other namespaces'
 * to_ns_common() do; read the inum only where the ns_common says it is a
 * mount namespace's, else report U32_MAX (unknown) rather than a wrong
 * number.
 */
static u32 proclab_mnt_ns_inum(struct mnt_namespace *mnt_ns)
{
	const struct ns_common *ns = (const struct ns_common *)mnt_ns;

	return READ_ONCE(ns->ns_type) == CLONE_NEWNS ? ns->inum : U32_MAX;
}

void proclab_task_ns(struct task_struct *p, struct proclab_task_ns *ns)
{
	struct pid_namespace *pid_ns;
	struct nsproxy *nsproxy;

	memset(ns, 0, sizeof(*ns));

	/* utsns_get(), ipcns_get(), mntns_get(), ..., timens_get(). */
	task_lock(p);
	nsproxy = p->nsproxy;
	if (nsproxy) {
		ns->uts = nsproxy->uts_ns->ns.inum;
		ns->ipc = nsproxy->ipc_ns->ns.inum;
		ns->mnt = proclab_mnt_ns_inum(nsproxy->mnt_ns);
		ns->net = nsproxy->net_ns->ns.inum;
		ns->pid_for_children = nsproxy->pid_ns_for_children->ns.inum;
		ns->time = nsproxy->time_ns->ns.inum;
		ns->time_for_children = nsproxy->time_ns_for_children->ns.inum;
		ns->cgroup = nsproxy->cgroup_ns->ns.inum;
	}
	task_unlock(p);

	/* pidns_get() and userns_get(). */
	rcu_read_lock();
	pid_ns = task_active_pid_ns(p);
	if (pid_ns)
		ns->pid = pid_ns->ns.inum;
	ns->user = __task_cred(p)->user_ns->ns.inum;
	rcu_read_unlock();
}

/*
 * p's pid at each level of its pid namespaces, from the initial one to its
 * own, as NSpid: in /proc/<pid>/status; the number of levels (at most
 * max), 0 once p is unhashed.
 */
int proclab_task_nspids(struct task_struct *p, pid_t *nr, int max)
{
	struct pid *pid;
	int i, n = 0;

	rcu_read_lock();
	pid = task_pid(p);
	if (pid) {
		n = min_t(int, pid->level + 1, max);
		for (i = 0; i < n; i++)
			nr[i] = pid->numbers[i].nr;
	}
	rcu_read_unlock();
	return n;
}

/*
 * p's user namespace (its credentials'): its level (0 is the initial one),
 * its owner's uid as the initial namespace sees it, and up to max extents
 * of its uid_map (inside, outside, count each, as /proc/<pid>/uid_map);
 * returns the number of extents the map has. A map is written once
 * (map_write() publishes nr_extents after the extents, smp_wmb()), read
 * here as m_start() reads it.
 */
int proclab_task_userns(struct task_struct *p, int *level, u32 *owner, u32 *ext, int max)
{
	const struct user_namespace *ns;
	const struct uid_gid_extent *e;
	u32 nr;
	int i;

	rcu_read_lock();
	ns = __task_cred(p)->user_ns;
	*level = ns->level;
	*owner = from_kuid_munged(&init_user_ns, ns->owner);
	nr = READ_ONCE(ns->uid_map.nr_extents);
	smp_rmb();
	e = nr <= UID_GID_MAP_MAX_BASE_EXTENTS ? ns->uid_map.extent : ns->uid_map.forward;
	for (i = 0; i < (int)nr && i < max; i++) {
		ext[3 * i] = e[i].first;
		ext[3 * i + 1] = e[i].lower_first;
		ext[3 * i + 2] = e[i].count;
	}
	rcu_read_unlock();
	return nr;
}
