// SPDX-License-Identifier: GPL-2.0

//! [`RtMutex`]: a lock on a `struct rt_mutex`, the sleeping lock with priority inheritance, in
//! the shape of upstream's `Mutex` (a [`Lock`] with its own [`Backend`]).
//!
//! C header: [`include/linux/rtmutex.h`](srctree/include/linux/rtmutex.h); C reference
//! `kernel/locking/rtmutex.c`.
//!
//! While a task waits for an `rt_mutex`, the owner runs at the highest priority among its
//! waiters (`rt_mutex_adjust_prio()`: `task_struct::prio` changes, `normal_prio` does not), and
//! drops back when it unlocks. Upstream's `Mutex` is a `struct mutex`, which has no priority
//! inheritance unless the kernel is `PREEMPT_RT` (there `struct mutex` is built on an
//! `rt_mutex`). Made with [`Lock::new`], a name and `kernel::static_lock_class!()`; it sleeps,
//! so it is taken in process context only, like `Mutex`.

use kernel::{
    bindings,
    ffi::c_char,
    sync::lock::{Backend, Lock},
};

// Without lockdep `lock_class_key` is an empty struct, which the lint deems not FFI-safe; only
// the pointer crosses.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_rt_mutex_init(
        lock: *mut bindings::rt_mutex,
        name: *const c_char,
        key: *mut bindings::lock_class_key,
    );
    fn proclab_rt_mutex_lock(lock: *mut bindings::rt_mutex);
    fn proclab_rt_mutex_assert_is_held(lock: *mut bindings::rt_mutex);
}

/// A sleeping lock with priority inheritance (`struct rt_mutex`).
pub(crate) type RtMutex<T> = Lock<T, RtMutexBackend>;

/// The [`Backend`] of [`RtMutex`].
pub(crate) struct RtMutexBackend;

// SAFETY: The C `rt_mutex` ensures mutual exclusion: `lock` returns only with the lock held, and
// `try_lock` returns `Some` only if it took it. `relock` is the default, the same lock call.
unsafe impl Backend for RtMutexBackend {
    type State = bindings::rt_mutex;
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: The caller guarantees that `ptr` is valid for writes and that `name` and `key`
        // live forever, as the lock keeps them for lockdep.
        unsafe { proclab_rt_mutex_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        unsafe { proclab_rt_mutex_lock(ptr) }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        (unsafe { bindings::rt_mutex_trylock(ptr) } != 0).then_some(())
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock that it owns.
        unsafe { bindings::rt_mutex_unlock(ptr) }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        unsafe { proclab_rt_mutex_assert_is_held(ptr) }
    }
}
