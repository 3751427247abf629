// SPDX-License-Identifier: GPL-2.0

//! [`Completion`]: upstream's `kernel::sync::Completion` with the two calls it lacks in 7.3,
//! `complete()` and `wait_for_completion_interruptible_timeout()`.
//!
//! C header: [`include/linux/completion.h`](srctree/include/linux/completion.h); C reference
//! `kernel/sched/completion.c`.
//!
//! A completion counts: each `complete()` lets one wait return (the count saturates at
//! `UINT_MAX`). Its wait queue is a simple one under a `raw_spinlock_t`, so `complete()` may run
//! in hard-IRQ context, where a `CondVar`'s `notify` may not (its wait queue lock is a
//! `spinlock_t`).

use kernel::{
    bindings,
    error::code::ERESTARTSYS,
    ffi::{c_long, c_ulong},
    prelude::*,
    task::MAX_SCHEDULE_TIMEOUT,
    time::Jiffies,
    types::Opaque,
    warn_on,
};

/// How [`Completion::wait_interruptible_timeout`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompletionWait {
    /// A `complete()` let it return, with this many jiffies of the timeout left (at least 1).
    Completed {
        /// The jiffies left.
        jiffies: Jiffies,
    },
    /// A signal is pending.
    Signal,
    /// The timeout passed.
    Timeout,
}

/// A `struct completion`.
///
/// # Invariants
///
/// `inner` was initialised by `init_completion()` and is pinned: waiters link themselves into
/// its wait queue.
#[pin_data]
pub(crate) struct Completion {
    #[pin]
    inner: Opaque<bindings::completion>,
}

// SAFETY: A completion may be completed and waited for from any task; the C side synchronises
// every access with its lock.
unsafe impl Send for Completion {}
// SAFETY: As above: shared references only complete and wait.
unsafe impl Sync for Completion {}

impl Completion {
    /// A completion not yet completed.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: `init_completion()` initialises it in its pinned place.
            inner <- Opaque::ffi_init(|slot: *mut bindings::completion| {
                // SAFETY: `slot` is valid for writes and pinned.
                unsafe { bindings::init_completion(slot) }
            }),
        })
    }

    fn as_raw(&self) -> *mut bindings::completion {
        self.inner.get()
    }

    /// Lets one waiter return, now or at its next wait. Any context but NMI.
    pub(crate) fn complete(&self) {
        // SAFETY: By the type invariant, `self.as_raw()` points to an initialised completion.
        unsafe { bindings::complete(self.as_raw()) }
    }

    /// Sleeps until a `complete()` not yet waited for, a signal, or `timeout` jiffies; task
    /// context only (it may sleep). A `timeout` beyond `MAX_SCHEDULE_TIMEOUT` waits without a
    /// limit, as upstream's `CondVar` clamps it.
    pub(crate) fn wait_interruptible_timeout(&self, timeout: Jiffies) -> CompletionWait {
        // The C function takes an `unsigned long` but sleeps for a `long`: clamp, so that a
        // large value is not read as a negative one.
        let timeout: c_long = timeout.try_into().unwrap_or(MAX_SCHEDULE_TIMEOUT);
        // SAFETY: By the type invariant, `self.as_raw()` points to an initialised completion;
        // `timeout` is in `0..=MAX_SCHEDULE_TIMEOUT`, the range `schedule_timeout()` takes.
        let left = unsafe {
            bindings::wait_for_completion_interruptible_timeout(self.as_raw(), timeout as c_ulong)
        };
        match left {
            0 => CompletionWait::Timeout,
            // The jiffies left, at least 1 (1 also when `timeout` was 0 and it was completed).
            n if n > 0 => CompletionWait::Completed {
                jiffies: n as Jiffies,
            },
            n if n == ERESTARTSYS.to_errno() as c_long => CompletionWait::Signal,
            // It returns no other error.
            _ => {
                warn_on!(true);
                CompletionWait::Signal
            }
        }
    }
}
