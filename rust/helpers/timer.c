// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/timer.rs: what <linux/jiffies.h> and
 * <linux/timer.h> give C as a volatile variable, a macro or a static inline.
 * Included into each module that uses them.
 *
 * timer_setup() itself needs no shim: it is a macro around the exported
 * timer_init_key(), which the Rust side calls with a lock class of its own
 * (kernel::static_lock_class!(), as upstream's workqueue does for
 * init_work_with_key()). timer_container_of() is container_of(), which the
 * Rust side does with offset_of!.
 */

#include <linux/jiffies.h>
#include <linux/timer.h>

#include "hz.c"
#include "timer.h"

/*
 * jiffies is a volatile unsigned long (the low half of jiffies_64 on 32-bit,
 * the same word on 64-bit), written by the CPU that does the timekeeping
 * tick: one READ_ONCE().
 */
unsigned long proclab_jiffies(void)
{
	return READ_ONCE(jiffies);
}

/* Lockless: whether the timer is enqueued in a wheel bucket now. */
int proclab_timer_pending(const struct timer_list *timer)
{
	return timer_pending(timer);
}

/*
 * timer->flags: the CPU of its base (TIMER_CPUMASK), TIMER_PINNED and
 * friends, and since 4.8 the wheel bucket it was last enqueued in
 * (TIMER_ARRAYMASK >> TIMER_ARRAYSHIFT), which enqueue_timer() writes under
 * the base lock and which stays there after the timer expired.
 */
u32 proclab_timer_flags(const struct timer_list *timer)
{
	return READ_ONCE(timer->flags);
}

/* Where jiffies starts at boot: 5 minutes before the 32-bit wrap. */
unsigned long proclab_initial_jiffies(void)
{
	return INITIAL_JIFFIES;
}
