// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/sync/raw_spinlock.rs: the raw_spinlock_t calls,
 * which C gets as macros. Included into each module that uses them.
 *
 * The lock init mirrors upstream's rust/helpers/spinlock.c for spinlock_t:
 * with CONFIG_DEBUG_SPINLOCK the lock takes the caller's name and lockdep
 * class, and LD_WAIT_SPIN, the wait type that lets lockdep accept it in hard
 * interrupt context (a spinlock_t is LD_WAIT_CONFIG: it sleeps on
 * PREEMPT_RT, so lockdep reports it there as an invalid wait context).
 */

#include <linux/lockdep.h>
#include <linux/rtmutex.h>
#include <linux/spinlock.h>

#include "sync.h"

void proclab_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
				struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(lock, name, key, LD_WAIT_SPIN);
#else
	raw_spin_lock_init(lock);
#endif
}

/*
 * The 7.3 pair that upstream's SpinLockIrq uses for spinlock_t: interrupts
 * off by a nesting count in preempt_count (bits 16-23), so guards may be
 * dropped in any order.
 */
void proclab_raw_spin_lock_irq_disable(raw_spinlock_t *lock)
{
	raw_spin_lock_irq_disable(lock);
}

void proclab_raw_spin_unlock_irq_enable(raw_spinlock_t *lock)
{
	raw_spin_unlock_irq_enable(lock);
}

int proclab_raw_spin_trylock_irq_disable(raw_spinlock_t *lock)
{
	return raw_spin_trylock_irq_disable(lock);
}

void proclab_raw_spin_assert_is_held(raw_spinlock_t *lock)
{
	lockdep_assert_held(lock);
}

/*
 * rt_mutex_init() is a macro that makes the caller's lockdep class; take
 * the class and name of the Rust caller instead, as upstream's mutex shim
 * does. rt_mutex_lock() is a macro with lockdep (rt_mutex_lock_nested()).
 */
void proclab_rt_mutex_init(struct rt_mutex *lock, const char *name,
			   struct lock_class_key *key)
{
	__rt_mutex_init(lock, name, key);
}

void proclab_rt_mutex_lock(struct rt_mutex *lock)
{
	rt_mutex_lock(lock);
}

void proclab_rt_mutex_assert_is_held(struct rt_mutex *lock)
{
	lockdep_assert_held(lock);
}
