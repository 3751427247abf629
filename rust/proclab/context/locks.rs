// SPDX-License-Identifier: GPL-2.0

//! [`ScopedSpinLock`]: a `spinlock_t` taken the two ways upstream's Rust has no lock type for,
//! `spin_lock_bh()` and `spin_lock_irqsave()`, to show what each does to the counter.
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h).
//!
//! Only through closures: [`ScopedSpinLock::with_bh`] and [`ScopedSpinLock::with_irqsave`] take
//! the lock, run the closure and release the lock, so the lock and whatever the closure does
//! nest lexically. As guards, which Rust lets the owner drop in any order, the C rules could
//! be broken from safe code: a `spin_unlock_bh()` with interrupts off (it runs softirqs and
//! turns interrupts on), or a `spin_unlock_irqrestore()` that turns interrupts on while a
//! `SpinLockIrq` taken after it is still held. The closures return `Copy` values, so no guard
//! made inside one outlives it. A closure could still drop a guard taken outside it (moved in,
//! or through a cell): each scope checks that the closure left the count and the interrupt flag
//! as it found them, and warns if not (`super::Nesting`). The lock protects no data: the rows
//! need only its effect.

use super::{Nesting, Sample};
use core::pin::Pin;
use kernel::{bindings, ffi::c_ulong, prelude::*, sync::LockClassKey, types::Opaque};

extern "C" {
    fn proclab_spin_lock_bh(lock: *mut bindings::spinlock_t);
    fn proclab_spin_unlock_bh(lock: *mut bindings::spinlock_t);
    fn proclab_spin_lock_irqsave(lock: *mut bindings::spinlock_t) -> c_ulong;
    fn proclab_spin_unlock_irqrestore(lock: *mut bindings::spinlock_t, flags: c_ulong);
}

/// A `spinlock_t` taken only for the length of a closure.
///
/// # Invariants
///
/// `raw` was initialised by `__spin_lock_init()` and is pinned.
#[pin_data]
pub(crate) struct ScopedSpinLock {
    #[pin]
    raw: Opaque<bindings::spinlock_t>,
}

// SAFETY: A `spinlock_t` is made to be taken from any CPU; every access goes through the C lock
// functions.
unsafe impl Send for ScopedSpinLock {}
// SAFETY: As above: shared references only lock and unlock, which the C side synchronises.
unsafe impl Sync for ScopedSpinLock {}

impl ScopedSpinLock {
    /// A lock named `name` with `key` as its lockdep class: pass `kernel::static_lock_class!()`.
    pub(crate) fn new(name: &'static CStr, key: Pin<&'static LockClassKey>) -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: `__spin_lock_init()` initialises the lock in its pinned place.
            raw <- Opaque::ffi_init(move |slot: *mut bindings::spinlock_t| {
                // SAFETY: `slot` is valid for writes and pinned; `__spin_lock_init()` keeps
                // `name` and `key`, which are `'static`.
                unsafe { bindings::__spin_lock_init(slot, name.as_char_ptr(), key.as_ptr()) }
            }),
        })
    }

    /// Runs `f` with the lock taken by `spin_lock_bh()` (bottom halves and preemption off),
    /// then `spin_unlock_bh()`, which runs the softirqs that became pending meanwhile. `None`
    /// (and `f` not run) outside task context or with interrupts off, where that unlock is a
    /// bug.
    pub(crate) fn with_bh<R: Copy>(&self, f: impl FnOnce() -> R) -> Option<R> {
        let s = Sample::here();
        if !s.in_task || s.irqs_off {
            return None;
        }
        // SAFETY: The lock is initialised (type invariant); task context with interrupts on, as
        // just checked. Released below.
        unsafe { proclab_spin_lock_bh(self.raw.get()) };
        let inside = Nesting::now();
        let r = f();
        inside.check();
        // SAFETY: Releases the lock taken above, which this task holds on this CPU (preemption
        // is off). Interrupts are on, as they were, if `f` kept to the nesting (checked above).
        unsafe { proclab_spin_unlock_bh(self.raw.get()) };
        Some(r)
    }

    /// Runs `f` with the lock taken by `spin_lock_irqsave()` (interrupts off), then
    /// `spin_unlock_irqrestore()`, which puts the interrupt flag back as it was. Any context
    /// but NMI.
    pub(crate) fn with_irqsave<R: Copy>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: The lock is initialised (type invariant); allowed in any context but NMI, in
        // which nothing here runs. Released below.
        let flags = unsafe { proclab_spin_lock_irqsave(self.raw.get()) };
        let inside = Nesting::now();
        let r = f();
        inside.check();
        // SAFETY: Releases the lock taken above, which this task holds on this CPU (preemption
        // is off), with the flags it saved. If `f` kept to the nesting (checked above), no
        // guard of `f` is still held.
        unsafe { proclab_spin_unlock_irqrestore(self.raw.get(), flags) };
        r
    }
}
