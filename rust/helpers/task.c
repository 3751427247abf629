// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the static inline functions and macros of <linux/sched.h>
 * that rust/proclab/task/ needs. Each one is the kernel's own definition,
 * called from C, so the Rust side reads exactly what procfs reads.
 *
 * Included into one object per module (see samples/<module>/helpers.c): the
 * symbols are not exported, so two modules may each carry their own copy.
 */

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>

#include "hz.c"
#include "task.h"

/* next_task() is a macro around list_entry_rcu(): the caller holds RCU. */
struct task_struct *proclab_next_task(struct task_struct *p)
{
	return next_task(p);
}

/*
 * Every field of one line of the tasks table in one call, each read the way
 * the one-field shims below read it. The caller holds RCU (the walk's), so
 * real_parent can be followed directly: its tgid is the global tgid that
 * task_ppid_nr() would look up in the initial pid namespace. @prev, if not
 * NULL, is the task whose allowed CPUs the row is compared with (the caller
 * formats a CPU list only when it changes).
 */
void proclab_task_row(struct task_struct *p, const struct task_struct *prev,
		      struct proclab_task_row *r)
{
	BUILD_BUG_ON(sizeof(r->comm) != TASK_COMM_LEN);
	BUILD_BUG_ON(sizeof(*r) != 120);	/* as TaskRow asserts */
	r->pid = p->pid;
	r->tgid = p->tgid;
	r->ppid = pid_alive(p) ? rcu_dereference(p->real_parent)->tgid : 0;
	r->state = task_state_to_char(p);
	r->prio = READ_ONCE(p->prio);
	r->static_prio = READ_ONCE(p->static_prio);
	r->normal_prio = READ_ONCE(p->normal_prio);
	r->rt_priority = READ_ONCE(p->rt_priority);
	r->policy = READ_ONCE(p->policy);
	r->nice = task_nice(p);
	r->weight = proclab_task_weight(p);
	r->vruntime = READ_ONCE(p->se.vruntime);
	r->sum_exec_runtime = READ_ONCE(p->se.sum_exec_runtime);
	r->nvcsw = READ_ONCE(p->nvcsw);
	r->nivcsw = READ_ONCE(p->nivcsw);
	r->cpu = task_cpu(p);
	r->flags = READ_ONCE(p->flags);
	r->exit_state = READ_ONCE(p->exit_state);
	r->nr_threads = get_nr_threads(p);
	get_task_comm(r->comm, p);
	r->same_cpus = prev && cpumask_equal(p->cpus_ptr, prev->cpus_ptr);
}

/* The one-letter state ps and /proc/<pid>/stat show: "RSDTtXZPI". */
char proclab_task_state_char(struct task_struct *p)
{
	return task_state_to_char(p);
}

/* 0 for a task already unhashed, as in /proc/<pid>/stat. */
pid_t proclab_task_ppid_nr(const struct task_struct *p)
{
	return task_ppid_nr(p);
}

int proclab_task_nice(const struct task_struct *p)
{
	return task_nice(p);
}

int proclab_get_nr_threads(struct task_struct *p)
{
	return get_nr_threads(p);
}

/*
 * se.load.weight in the units of sched_prio_to_weight[] (1024 for nice 0).
 * The kernel keeps it scaled up by SCHED_FIXEDPOINT_SHIFT on 64-bit; this is
 * scale_load_down() of kernel/sched/sched.h, which modules cannot include.
 */
u64 proclab_task_weight(const struct task_struct *p)
{
	unsigned long w = READ_ONCE(p->se.load.weight);

#ifdef CONFIG_64BIT
	if (w)
		w = max(2UL, w >> SCHED_FIXEDPOINT_SHIFT);
#endif
	return w;
}

/* comm may change under us (prctl(PR_SET_NAME)); copy it like procfs does. */
void proclab_get_task_comm(char *buf, struct task_struct *p)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, p);
	memcpy(buf, comm, TASK_COMM_LEN);
}

/* The first thread of p's thread group (the for_each_thread() start). */
struct task_struct *proclab_first_thread(struct task_struct *p)
{
	return list_first_or_null_rcu(&p->signal->thread_head,
				      struct task_struct, thread_node);
}

/* The next thread of the group, or NULL after the last: __next_thread(). */
struct task_struct *proclab_next_thread(struct task_struct *t)
{
	return __next_thread(t);
}

unsigned int proclab_task_cpu(const struct task_struct *p)
{
	return task_cpu(p);
}

/* The allowed CPUs in list form ("0-1"), as Cpus_allowed_list shows them. */
int proclab_task_cpus_allowed(char *buf, size_t len, const struct task_struct *p)
{
	return scnprintf(buf, len, "%*pbl", cpumask_pr_args(p->cpus_ptr));
}

/*
 * The task that owns pid @nr in the initial pid namespace, with a reference
 * the caller drops with put_task_struct(); NULL if there is none.
 */
struct task_struct *proclab_get_task_by_pid(pid_t nr)
{
	struct task_struct *p;

	rcu_read_lock();
	p = pid_task(find_pid_ns(nr, &init_pid_ns), PIDTYPE_PID);
	if (p)
		get_task_struct(p);
	rcu_read_unlock();
	return p;
}

/* Memory of a user task: false for a kernel thread or a task past exit_mm(). */
bool proclab_task_mm_info(struct task_struct *p, u64 *total_vm, u64 *map_count,
			  u64 *mm_users)
{
	struct mm_struct *mm = get_task_mm(p);

	if (!mm)
		return false;
	*total_vm = READ_ONCE(mm->total_vm);
	*map_count = READ_ONCE(mm->map_count);
	/* Less the reference get_task_mm() took for us. */
	*mm_users = atomic_read(&mm->mm_users) - 1;
	mmput(mm);
	return true;
}

/* Open file descriptors, as ls /proc/<pid>/fd counts them; -1 without files. */
int proclab_task_nr_fds(struct task_struct *p)
{
	struct files_struct *files;
	struct fdtable *fdt;
	int n = -1;

	task_lock(p);
	files = p->files;
	if (files) {
		rcu_read_lock();
		fdt = files_fdtable(files);
		n = bitmap_weight(fdt->open_fds, fdt->max_fds);
		rcu_read_unlock();
	}
	task_unlock(p);
	return n;
}

/*
 * The first word of the signal sets, as SigPnd/ShdPnd/SigBlk show them.
 * lock_task_sighand() is not exported to modules; this is its loop: the
 * sighand cache is SLAB_TYPESAFE_BY_RCU, so lock what p->sighand points to
 * and check under the lock that it still is p's.
 */
bool proclab_task_sigsets(struct task_struct *p, u64 *pending, u64 *shared,
			  u64 *blocked)
{
	struct sighand_struct *sighand;
	unsigned long flags;
	bool ok = false;

	rcu_read_lock();
	for (;;) {
		sighand = rcu_dereference(p->sighand);
		if (!sighand)
			break;
		spin_lock_irqsave(&sighand->siglock, flags);
		if (likely(sighand == rcu_access_pointer(p->sighand))) {
			*pending = p->pending.signal.sig[0];
			*shared = p->signal->shared_pending.signal.sig[0];
			*blocked = p->blocked.sig[0];
			ok = true;
		}
		spin_unlock_irqrestore(&sighand->siglock, flags);
		if (ok)
			break;
	}
	rcu_read_unlock();
	return ok;
}

/* Real uid and gid and the effective uid, in the initial user namespace. */
void proclab_task_creds(struct task_struct *p, u32 *uid, u32 *gid, u32 *euid)
{
	const struct cred *cred;

	rcu_read_lock();
	cred = __task_cred(p);
	*uid = from_kuid_munged(&init_user_ns, cred->uid);
	*gid = from_kgid_munged(&init_user_ns, cred->gid);
	*euid = from_kuid_munged(&init_user_ns, cred->euid);
	rcu_read_unlock();
}

/*
 * The level of p's pid namespace (0 is the initial one) and p's pid as seen
 * from inside it; false once p has left its namespace (exit).
 */
bool proclab_task_pid_ns(struct task_struct *p, int *level, pid_t *nr)
{
	struct pid_namespace *ns;
	bool ok = false;

	rcu_read_lock();
	ns = task_active_pid_ns(p);
	if (ns) {
		*level = ns->level;
		*nr = task_pid_nr_ns(p, ns);
		ok = true;
	}
	rcu_read_unlock();
	return ok;
}

/* The pid namespace limit of the initial namespace (/proc/sys/kernel/pid_max). */
int proclab_pid_max(void)
{
	return READ_ONCE(init_pid_ns.pid_max);
}

/*
 * The size of the slab object that holds @p (task_struct plus FPU state).
 * @p must be a slab object: any task but init_task, which is static.
 */
size_t proclab_task_object_size(struct task_struct *p)
{
	return ksize(p);
}

/*
 * Up to @max frames of p's kernel stack, innermost first, outside the
 * scheduler (stack_trace_save_tsk() skips those): where a sleeping task
 * waits. Needs CONFIG_STACKTRACE; returns 0 (no frame) without it.
 */
unsigned int proclab_task_stack(struct task_struct *p, unsigned long *entries,
				unsigned int max)
{
#ifdef CONFIG_STACKTRACE
	return stack_trace_save_tsk(p, entries, max, 0);
#else
	return 0;
#endif
}

/*
 * The @nr frames of @entries as "%ps" symbol names joined by "<-". "%ps"
 * prints a frame without a symbol as its raw address (0x...), which the
 * Rust caller replaces with 0.
 */
int proclab_format_frames(char *buf, size_t len, const unsigned long *entries,
			  unsigned int nr)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < nr; i++)
		n += scnprintf(buf + n, len - n, "%s%ps", i ? "<-" : "",
			       (void *)entries[i]);
	return n;
}


/* The size of a kernel stack, THREAD_SIZE (larger under KASAN). */
unsigned long proclab_thread_size(void)
{
	return THREAD_SIZE;
}

/* The pid (tid) of p's real parent; 0 once p is unhashed, like task_ppid_nr(). */
pid_t proclab_task_real_parent_pid(struct task_struct *p)
{
	pid_t nr = 0;

	rcu_read_lock();
	if (pid_alive(p))
		nr = task_pid_nr(rcu_dereference(p->real_parent));
	rcu_read_unlock();
	return nr;
}

/*
 * The pid (tid) of p's parent, the tracer while p is ptraced, else its
 * real_parent; 0 once p is unhashed.
 */
pid_t proclab_task_parent_pid(struct task_struct *p)
{
	pid_t nr = 0;

	rcu_read_lock();
	if (pid_alive(p))
		nr = task_pid_nr(rcu_dereference(p->parent));
	rcu_read_unlock();
	return nr;
}

/*
 * p's real_parent, or NULL once p is unhashed. The caller holds RCU: a
 * parent that exits reparents its children before it is released, so the
 * pointer read while p is alive stays valid until the caller's read-side
 * section ends (the walk of task_ppid_nr() and of Yama's
 * task_is_descendant()).
 */
struct task_struct *proclab_task_real_parent(struct task_struct *p)
{
	return pid_alive(p) ? rcu_dereference(p->real_parent) : NULL;
}

/* The compile-time bounds of pid_max: its default and its upper limit. */
int proclab_pid_max_default(void)
{
	return PID_MAX_DEFAULT;
}

int proclab_pid_max_limit(void)
{
	return PID_MAX_LIMIT;
}
