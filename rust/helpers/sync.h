/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in sync.c. rust/proclab/sync/raw_spinlock.rs
 * declares the same functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_SYNC_H
#define PROCLAB_HELPERS_SYNC_H

#include <linux/types.h>

struct lock_class_key;
struct raw_spinlock;
struct rt_mutex;

void proclab_raw_spin_lock_init(struct raw_spinlock *lock, const char *name,
				struct lock_class_key *key);
void proclab_raw_spin_lock_irq_disable(struct raw_spinlock *lock);
void proclab_raw_spin_unlock_irq_enable(struct raw_spinlock *lock);
int proclab_raw_spin_trylock_irq_disable(struct raw_spinlock *lock);
void proclab_raw_spin_assert_is_held(struct raw_spinlock *lock);
void proclab_rt_mutex_init(struct rt_mutex *lock, const char *name,
			   struct lock_class_key *key);
void proclab_rt_mutex_lock(struct rt_mutex *lock);
void proclab_rt_mutex_assert_is_held(struct rt_mutex *lock);

#endif /* PROCLAB_HELPERS_SYNC_H */
