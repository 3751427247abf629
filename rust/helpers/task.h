/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in task.c. The Rust side declares the same
 * functions in the files of rust/proclab/task/; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_TASK_H
#define PROCLAB_HELPERS_TASK_H

#include <linux/types.h>

struct task_struct;

/*
 * One line of proclab_tasks' table, read in one call (see task.c). The same
 * fields in the same order as TaskRow in rust/proclab/task/row.rs.
 */
struct proclab_task_row {
	u64 weight;
	u64 vruntime;
	u32 state;
	u32 flags;
	u64 sum_exec_runtime;
	u64 nvcsw;
	u64 nivcsw;
	s32 exit_state;
	s32 pid;
	s32 tgid;
	s32 ppid;
	s32 nr_threads;
	u32 cpu;
	char comm[16];
	s32 prio;
	s32 static_prio;
	s32 normal_prio;
	u32 rt_priority;
	s32 nice;
	u32 policy;
	bool same_cpus;
};

struct task_struct *proclab_next_task(struct task_struct *p);
void proclab_task_row(struct task_struct *p, const struct task_struct *prev,
		      struct proclab_task_row *r);
char proclab_task_state_char(struct task_struct *p);
pid_t proclab_task_ppid_nr(const struct task_struct *p);
int proclab_task_nice(const struct task_struct *p);
int proclab_get_nr_threads(struct task_struct *p);
u64 proclab_task_weight(const struct task_struct *p);
void proclab_get_task_comm(char *buf, struct task_struct *p);
struct task_struct *proclab_first_thread(struct task_struct *p);
struct task_struct *proclab_next_thread(struct task_struct *t);
unsigned int proclab_task_cpu(const struct task_struct *p);
int proclab_task_cpus_allowed(char *buf, size_t len, const struct task_struct *p);
struct task_struct *proclab_get_task_by_pid(pid_t nr);
bool proclab_task_mm_info(struct task_struct *p, u64 *total_vm, u64 *map_count,
			  u64 *mm_users);
int proclab_task_nr_fds(struct task_struct *p);
bool proclab_task_sigsets(struct task_struct *p, u64 *pending, u64 *shared,
			  u64 *blocked);
void proclab_task_creds(struct task_struct *p, u32 *uid, u32 *gid, u32 *euid);
bool proclab_task_pid_ns(struct task_struct *p, int *level, pid_t *nr);
int proclab_pid_max(void);
size_t proclab_task_object_size(struct task_struct *p);
unsigned int proclab_task_stack(struct task_struct *p, unsigned long *entries,
				unsigned int max);
int proclab_format_frames(char *buf, size_t len, const unsigned long *entries,
			  unsigned int nr);
unsigned long proclab_thread_size(void);
pid_t proclab_task_real_parent_pid(struct task_struct *p);
pid_t proclab_task_parent_pid(struct task_struct *p);
struct task_struct *proclab_task_real_parent(struct task_struct *p);
int proclab_pid_max_default(void);
int proclab_pid_max_limit(void);

#endif /* PROCLAB_HELPERS_TASK_H */
