// SPDX-License-Identifier: GPL-2.0

//! The `process+...` rows: the writer's own context with one lock or guard held, or two nested,
//! so that the nest counter moves where the 7.3 headers say it does (`spin_lock_bh()` adds
//! `SOFTIRQ_LOCK_OFFSET` = `SOFTIRQ_DISABLE_OFFSET` + 1, `SpinLockIrq` one
//! `HARDIRQ_DISABLE_OFFSET` + 1 per lock) and stays where it does not (`local_irq_save()` only
//! clears the interrupt flag; `rcu_read_lock()` under `PREEMPT_RCU` counts in the task).

use crate::context::{bh_disabled, irqs_saved, preempt_disabled, Sample, ScopedSpinLock};
use kernel::{
    new_spinlock, new_spinlock_irq,
    prelude::*,
    static_lock_class,
    sync::{rcu, SpinLock, SpinLockIrq},
};

/// The locks the rows take; no other code takes them.
#[pin_data]
pub(crate) struct Locks {
    #[pin]
    spin: SpinLock<()>,
    #[pin]
    bh: ScopedSpinLock,
    #[pin]
    irqsave: ScopedSpinLock,
    #[pin]
    irq: SpinLockIrq<()>,
    #[pin]
    irq_inner: SpinLockIrq<()>,
}

impl Locks {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Locks {
            spin <- new_spinlock!((), "proclab_contexts_spin"),
            bh <- ScopedSpinLock::new(c"proclab_contexts_bh", static_lock_class!()),
            irqsave <- ScopedSpinLock::new(c"proclab_contexts_irqsave", static_lock_class!()),
            irq <- new_spinlock_irq!((), "proclab_contexts_irq"),
            irq_inner <- new_spinlock_irq!((), "proclab_contexts_irq_inner"),
        })
    }
}

/// A row: its name and how to take the sample (`None` if it cannot be taken here).
pub(crate) type LockRow = (&'static str, fn(&Locks) -> Option<Sample>);

/// Samples with `l` held.
fn held<T>(l: T) -> Sample {
    let s = Sample::here();
    drop(l);
    s
}

/// The rows, in the order of the `probe` table.
pub(crate) static LOCK_ROWS: [LockRow; 14] = [
    ("process+preempt_disable", |_| {
        Some(preempt_disabled(Sample::here))
    }),
    ("process+spin_lock", |l| Some(held(l.spin.lock()))),
    ("process+local_bh_disable", |_| bh_disabled(Sample::here)),
    ("process+spin_lock_bh", |l| l.bh.with_bh(Sample::here)),
    ("process+local_irq_save", |_| Some(irqs_saved(Sample::here))),
    ("process+spin_lock_irqsave", |l| {
        Some(l.irqsave.with_irqsave(Sample::here))
    }),
    ("process+SpinLockIrq", |l| Some(held(l.irq.lock()))),
    ("process+rcu_read_lock", |_| Some(held(rcu::read_lock()))),
    ("process+preempt_disable+spin_lock", |l| {
        Some(preempt_disabled(|| held(l.spin.lock())))
    }),
    ("process+rcu_read_lock+spin_lock", |l| {
        let _rcu = rcu::read_lock();
        Some(held(l.spin.lock()))
    }),
    ("process+local_bh_disable+spin_lock_bh", |l| {
        bh_disabled(|| l.bh.with_bh(Sample::here)).flatten()
    }),
    ("process+spin_lock_bh+spin_lock_irqsave", |l| {
        l.bh.with_bh(|| l.irqsave.with_irqsave(Sample::here))
    }),
    ("process+SpinLockIrq+SpinLockIrq", |l| {
        let _outer = l.irq.lock();
        Some(held(l.irq_inner.lock()))
    }),
    ("process+local_irq_save+SpinLockIrq", |l| {
        Some(irqs_saved(|| held(l.irq.lock())))
    }),
];
