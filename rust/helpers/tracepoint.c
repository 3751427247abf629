// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/tracepoint.rs: the static inlines of
 * <linux/tracepoint.h> and <linux/pid.h> it needs, and one field of the
 * exec tracepoint's argument. Included into each module that uses them.
 *
 * The tracepoints themselves need no shim: for_each_kernel_tracepoint(),
 * tracepoint_probe_register() and tracepoint_probe_unregister() are
 * exported (GPL), and the probes are Rust functions with the C signature
 * of each tracepoint's TP_PROTO after a leading void *data.
 */

#include <linux/binfmts.h>
#include <linux/pid.h>
#include <linux/sched/clock.h>
#include <linux/tracepoint.h>

#include "tracepoint.h"

/*
 * Waits until no CPU runs a probe unregistered before the call: probes
 * run under SRCU (tracepoint_srcu) or, for faultable tracepoints, RCU
 * tasks trace.
 */
void proclab_tracepoint_synchronize_unregister(void)
{
	tracepoint_synchronize_unregister();
}

/* The pid number in the initial namespace; 0 for NULL (wait for any child). */
pid_t proclab_pid_nr(struct pid *pid)
{
	return pid_nr(pid);
}

/* The file exec opened, as the caller named it (bprm->filename). */
const char *proclab_bprm_filename(const struct linux_binprm *bprm)
{
	return bprm->filename;
}

/* Static inline without CONFIG_HAVE_UNSTABLE_SCHED_CLOCK, exported with it. */
u64 proclab_local_clock(void)
{
	return local_clock();
}
