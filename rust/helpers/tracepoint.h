/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in tracepoint.c. rust/proclab/tracepoint.rs
 * declares the same functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_TRACEPOINT_H
#define PROCLAB_HELPERS_TRACEPOINT_H

#include <linux/types.h>

struct linux_binprm;
struct pid;

void proclab_tracepoint_synchronize_unregister(void);
pid_t proclab_pid_nr(struct pid *pid);
const char *proclab_bprm_filename(const struct linux_binprm *bprm);
u64 proclab_local_clock(void);

#endif /* PROCLAB_HELPERS_TRACEPOINT_H */
