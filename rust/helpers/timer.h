/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in timer.c. rust/proclab/timer.rs declares the
 * same functions; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_TIMER_H
#define PROCLAB_HELPERS_TIMER_H

#include <linux/types.h>

struct timer_list;

unsigned long proclab_jiffies(void);
unsigned long proclab_initial_jiffies(void);
int proclab_timer_pending(const struct timer_list *timer);
u32 proclab_timer_flags(const struct timer_list *timer);

#endif /* PROCLAB_HELPERS_TIMER_H */
