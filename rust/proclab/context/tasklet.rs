// SPDX-License-Identifier: GPL-2.0

//! [`Tasklet`]: a tasklet that owns its callback.
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h); C reference
//! `kernel/softirq.c`.
//!
//! A tasklet runs in `TASKLET_SOFTIRQ` on the CPU that scheduled it, never on two CPUs at once,
//! and once however often it was scheduled before it ran. Deprecated in favour of the BH
//! workqueue (`system_bh_wq`), but still in the kernel and in the course.

use core::{marker::PhantomPinned, pin::Pin};
use kernel::{bindings, prelude::*, types::Opaque};

extern "C" {
    fn proclab_tasklet_schedule(t: *mut bindings::tasklet_struct);
}

/// A tasklet that calls `f` in softirq context each time it runs.
///
/// # Invariants
///
/// `raw` was set up by `tasklet_setup()` with `Self::run` as its callback. It is linked into a
/// per-CPU list while scheduled, so the value is pinned. The drop kills the tasklet
/// (`tasklet_kill()` waits for a scheduled one to run and for a running one to finish) before
/// `f` is dropped, so `f` is never called after it is gone.
#[pin_data(PinnedDrop)]
pub(crate) struct Tasklet<F: Fn() + Send + Sync + 'static> {
    f: F,
    #[pin]
    raw: Opaque<bindings::tasklet_struct>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: Through a shared reference only `schedule` is possible, which `tasklet_schedule()`
// makes safe on any CPU; the callback gets `&F`, and `F: Sync`.
unsafe impl<F: Fn() + Send + Sync + 'static> Sync for Tasklet<F> {}
// SAFETY: The tasklet may be killed (dropped) from any task; `F: Send`.
unsafe impl<F: Fn() + Send + Sync + 'static> Send for Tasklet<F> {}

impl<F: Fn() + Send + Sync + 'static> Tasklet<F> {
    /// A tasklet that runs `f`.
    pub(crate) fn new(f: F) -> impl PinInit<Self> {
        pin_init!(Self {
            f,
            // INVARIANT: `tasklet_setup()` initialises it with `Self::run`, in its pinned place.
            raw <- Opaque::ffi_init(|t: *mut bindings::tasklet_struct| {
                // SAFETY: `t` is valid for writes; `tasklet_setup()` initialises every field.
                unsafe { bindings::tasklet_setup(t, Some(Self::run)) }
            }),
            _pin: PhantomPinned,
        })
    }

    /// Schedules the tasklet on this CPU, unless it is scheduled already (then it runs once).
    pub(crate) fn schedule(&self) {
        // SAFETY: `raw` is set up (type invariant) and pinned; scheduling is allowed in any
        // context but NMI, and a scheduled tasklet is killed before `self` is freed.
        unsafe { proclab_tasklet_schedule(self.raw.get()) };
    }

    /// The tasklet callback.
    ///
    /// # Safety
    ///
    /// Called by the softirq code with the `tasklet_struct` of a live `Tasklet<F>`.
    unsafe extern "C" fn run(t: *mut bindings::tasklet_struct) {
        // CAST: `Opaque<T>` is `repr(transparent)` over `T`.
        let raw = t.cast::<Opaque<bindings::tasklet_struct>>();
        // SAFETY: `t` is the `raw` field of a `Tasklet<F>`, which is alive: it is killed, which
        // waits for this call to return, before it is freed.
        let this = unsafe { &*kernel::container_of!(raw, Self, raw) };
        (this.f)();
    }
}

#[pinned_drop]
impl<F: Fn() + Send + Sync + 'static> PinnedDrop for Tasklet<F> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `raw` is set up; we are in task context (a `Tasklet` is dropped by its owner,
        // which does not own it in its own callback). After this the tasklet neither runs nor
        // is scheduled.
        unsafe { bindings::tasklet_kill(self.raw.get()) };
    }
}
