// SPDX-License-Identifier: GPL-2.0

//! Synchronisation for code that runs in hard-IRQ context, which upstream's `kernel::sync` does
//! not cover in 7.3: [`RawSpinLockIrq`], a `raw_spinlock_t` lock, and [`Completion`] with the
//! `complete()` and interruptible timed wait that upstream's lacks.
//!
//! Upstream's `SpinLockIrq` and `CondVar` are `spinlock_t` and a wait queue, whose lock is a
//! `spinlock_t` too. On `PREEMPT_RT` a `spinlock_t` is a sleeping lock, so taking one in code
//! that stays in hard IRQ there (an hrtimer in hard mode, an `irq_work` with
//! `IRQ_WORK_HARD_IRQ`) is a bug, and lockdep reports it on every kernel
//! (`CONFIG_PROVE_RAW_LOCK_NESTING`: "BUG: Invalid wait context"; other hrtimers and irq_works,
//! which `PREEMPT_RT` moves to threads, it lets through: `lockdep_hrtimer_enter()`,
//! `lockdep_irq_work_enter()`). A `raw_spinlock_t` and a completion's simple wait queue stay
//! spinning locks everywhere.
//!
//! [`RtMutex`] is the sleeping lock with priority inheritance, `struct rt_mutex`, which
//! upstream does not wrap.

#[path = "sync/completion.rs"]
mod completion;
#[path = "sync/raw_spinlock.rs"]
mod raw_spinlock;
#[path = "sync/rt_mutex.rs"]
mod rt_mutex;

pub(crate) use completion::{Completion, CompletionWait};
pub(crate) use raw_spinlock::RawSpinLockIrq;
pub(crate) use rt_mutex::RtMutex;
