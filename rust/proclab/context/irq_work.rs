// SPDX-License-Identifier: GPL-2.0

//! [`IrqWork`]: an `irq_work` that owns its callback.
//!
//! C header: [`include/linux/irq_work.h`](srctree/include/linux/irq_work.h); C reference
//! `kernel/irq_work.c`.
//!
//! `irq_work_queue()` queues the work on this CPU and, where the architecture has one, raises a
//! self-interrupt (x86: the `IRQ_WORK_VECTOR` IPI, counted as `IWI` in `/proc/interrupts`): the
//! callback runs in hard-IRQ context with interrupts off. The work is initialised with
//! `IRQ_WORK_INIT_HARD()`, so it stays there on `PREEMPT_RT` too (which runs other irq_works in
//! the `irq_work/N` threads). It is how NMI handlers and tracers get
//! something done in a context where more is allowed.

use core::{marker::PhantomPinned, pin::Pin};
use kernel::{bindings, prelude::*, types::Opaque};

// bindgen's `irq_work` holds types the lint deems not FFI-safe; only the pointer crosses.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_init_irq_work(
        work: *mut bindings::irq_work,
        func: Option<unsafe extern "C" fn(*mut bindings::irq_work)>,
    );
}

/// An `irq_work` that calls `f` in hard-IRQ context each time it runs.
///
/// # Invariants
///
/// `raw` was initialised by `init_irq_work()` with `Self::run`; it is linked into a per-CPU
/// list while queued, so the value is pinned. The drop waits with `irq_work_sync()` until it is
/// neither queued nor running before `f` is dropped.
#[pin_data(PinnedDrop)]
pub(crate) struct IrqWork<F: Fn() + Send + Sync + 'static> {
    f: F,
    #[pin]
    raw: Opaque<bindings::irq_work>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: Through a shared reference only `queue` is possible, which `irq_work_queue()` makes
// safe on any CPU; the callback gets `&F`, and `F: Sync`.
unsafe impl<F: Fn() + Send + Sync + 'static> Sync for IrqWork<F> {}
// SAFETY: It may be synced (dropped) from any task; `F: Send`.
unsafe impl<F: Fn() + Send + Sync + 'static> Send for IrqWork<F> {}

impl<F: Fn() + Send + Sync + 'static> IrqWork<F> {
    /// An `irq_work` that runs `f`.
    pub(crate) fn new(f: F) -> impl PinInit<Self> {
        pin_init!(Self {
            f,
            // INVARIANT: `proclab_init_irq_work()` initialises it with `Self::run`, in its
            // pinned place.
            raw <- Opaque::ffi_init(|w: *mut bindings::irq_work| {
                // SAFETY: `w` is valid for writes; `init_irq_work()` writes the whole struct.
                unsafe { proclab_init_irq_work(w, Some(Self::run)) }
            }),
            _pin: PhantomPinned,
        })
    }

    /// Queues the work on this CPU; `false` if it was queued already (it then runs once).
    pub(crate) fn queue(&self) -> bool {
        // SAFETY: `raw` is initialised (type invariant) and pinned; queueing is allowed in any
        // context, and a queued work is synced before `self` is freed.
        unsafe { bindings::irq_work_queue(self.raw.get()) }
    }

    /// The `irq_work` callback.
    ///
    /// # Safety
    ///
    /// Called by `kernel/irq_work.c` with the `irq_work` of a live `IrqWork<F>`.
    unsafe extern "C" fn run(w: *mut bindings::irq_work) {
        // CAST: `Opaque<T>` is `repr(transparent)` over `T`.
        let raw = w.cast::<Opaque<bindings::irq_work>>();
        // SAFETY: `w` is the `raw` field of an `IrqWork<F>`, alive until `irq_work_sync()` in
        // its drop has seen this call return.
        let this = unsafe { &*kernel::container_of!(raw, Self, raw) };
        (this.f)();
    }
}

#[pinned_drop]
impl<F: Fn() + Send + Sync + 'static> PinnedDrop for IrqWork<F> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `raw` is initialised; the owner drops it in task context, never from its own
        // callback. After this the work is neither queued nor running.
        unsafe { bindings::irq_work_sync(self.raw.get()) };
    }
}
