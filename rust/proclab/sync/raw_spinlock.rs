// SPDX-License-Identifier: GPL-2.0

//! [`RawSpinLockIrq`]: a lock on a `raw_spinlock_t` that disables interrupts, in the shape of
//! upstream's `SpinLockIrq` (a [`Lock`] with its own [`Backend`]).
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h).
//!
//! It takes the lock with `raw_spin_lock_irq_disable()`, as `SpinLockIrq` takes its
//! `spinlock_t`: interrupts go off by a count in `preempt_count()`, so guards of both kinds may
//! be dropped in any order. Hold it only for a few instructions: it spins with interrupts off,
//! on every kernel.

use kernel::{
    bindings,
    ffi::c_char,
    sync::lock::{Backend, Lock},
};

// Without lockdep `lock_class_key` is an empty struct, which the lint deems not FFI-safe; only
// the pointer crosses.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_raw_spin_lock_init(
        lock: *mut bindings::raw_spinlock_t,
        name: *const c_char,
        key: *mut bindings::lock_class_key,
    );
    fn proclab_raw_spin_lock_irq_disable(lock: *mut bindings::raw_spinlock_t);
    fn proclab_raw_spin_unlock_irq_enable(lock: *mut bindings::raw_spinlock_t);
    fn proclab_raw_spin_trylock_irq_disable(lock: *mut bindings::raw_spinlock_t) -> i32;
    fn proclab_raw_spin_assert_is_held(lock: *mut bindings::raw_spinlock_t);
}

/// A `raw_spinlock_t` lock that disables interrupts while held; usable in any context but NMI.
///
/// Made with [`Lock::new`] and `kernel::static_lock_class!()`.
pub(crate) type RawSpinLockIrq<T> = Lock<T, RawSpinLockIrqBackend>;

/// The [`Backend`] of [`RawSpinLockIrq`].
pub(crate) struct RawSpinLockIrqBackend;

// SAFETY: The C `raw_spinlock_t` ensures mutual exclusion: `lock` returns only with the lock
// held, and `try_lock` returns `Some` only if it took it. `relock` is the default, the same lock
// call.
unsafe impl Backend for RawSpinLockIrqBackend {
    type State = bindings::raw_spinlock_t;
    type GuardState = ();

    #[inline]
    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: The caller guarantees that `ptr` is valid for writes and that `name` and `key`
        // live forever, as the lock keeps them for lockdep.
        unsafe { proclab_raw_spin_lock_init(ptr, name, key) }
    }

    #[inline]
    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        unsafe { proclab_raw_spin_lock_irq_disable(ptr) }
    }

    #[inline]
    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        (unsafe { proclab_raw_spin_trylock_irq_disable(ptr) } != 0).then_some(())
    }

    #[inline]
    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock that it holds,
        // taken by `lock` or `try_lock`, which disabled interrupts the way this enables them.
        unsafe { proclab_raw_spin_unlock_irq_enable(ptr) }
    }

    #[inline]
    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        unsafe { proclab_raw_spin_assert_is_held(ptr) }
    }
}
