// SPDX-License-Identifier: GPL-2.0

//! A device's NAPI context: [`Napi`], the right to act during one poll ([`NapiPoll`]) and the
//! duty to disable it once in the stop path ([`EnabledNapi`]).
//!
//! C header: [include/linux/netdevice.h](srctree/include/linux/netdevice.h)

use super::SkBuff;
use core::ffi::c_int;
use kernel::{bindings, prelude::*, types::Opaque};

/// The greatest NAPI weight (`NAPI_POLL_WEIGHT`): more makes the core complain.
pub(crate) const NAPI_POLL_WEIGHT: i32 = 64;

extern "C" {
    fn proclab_napi_set_weight(napi: *mut bindings::napi_struct, weight: c_int);
    fn proclab_napi_weight(napi: *mut bindings::napi_struct) -> c_int;
    fn proclab_napi_gro_receive(napi: *mut bindings::napi_struct, skb: *mut bindings::sk_buff);
    // Exported by the kernel, declared here because the bindings lack netdevice.h.
    fn napi_enable(napi: *mut bindings::napi_struct);
    fn napi_disable(napi: *mut bindings::napi_struct);
    fn napi_schedule_prep(napi: *mut bindings::napi_struct) -> bool;
    fn __napi_schedule(napi: *mut bindings::napi_struct);
    fn napi_complete_done(napi: *mut bindings::napi_struct, work_done: c_int) -> bool;
    fn netif_receive_skb(skb: *mut bindings::sk_buff) -> c_int;
}

/// A NAPI context (`struct napi_struct`), owned by its device: pinned in the device's private
/// area, added to the device when it is allocated and deleted when it is freed.
///
/// # Invariants
///
/// `self.0` was added to its device with `netif_napi_add_weight()` and stays valid (not deleted,
/// not moved) for as long as a `&Napi` exists.
#[repr(transparent)]
pub(crate) struct Napi(Opaque<bindings::napi_struct>);

impl Napi {
    /// # Safety
    ///
    /// `napi` was added to a device that stays allocated for `'a`.
    pub(super) unsafe fn from_raw<'a>(napi: *mut bindings::napi_struct) -> &'a Self {
        // CAST: `Napi` is a transparent wrapper of `napi_struct`.
        // INVARIANT: The caller guarantees that `napi` is added and outlives `'a`.
        // SAFETY: `napi` is valid for `'a` (the caller's guarantee); `Opaque` allows the C side
        // to change it behind the shared reference.
        unsafe { &*napi.cast::<Self>() }
    }

    fn as_ptr(&self) -> *mut bindings::napi_struct {
        self.0.get()
    }

    /// Schedules the poll unless it is scheduled already (or the context is disabled); `before`
    /// runs between winning `napi_schedule_prep()` and `__napi_schedule()` (to mask a device's
    /// interrupt there, as veth does). Whether it was scheduled now.
    pub(crate) fn schedule(&self, before: impl FnOnce()) -> bool {
        // SAFETY: The context is added (type invariant); the call only tests and sets its state
        // bits atomically, in any context.
        if !unsafe { napi_schedule_prep(self.as_ptr()) } {
            return false;
        }
        before();
        // SAFETY: `napi_schedule_prep()` returned true: this caller, and only it, owns the
        // scheduling of this context until the poll runs.
        unsafe { __napi_schedule(self.as_ptr()) };
        true
    }

    /// The weight: the budget of every poll.
    pub(crate) fn weight(&self) -> i32 {
        // SAFETY: The context is added (type invariant); the shim reads the field with
        // `READ_ONCE()`.
        unsafe { proclab_napi_weight(self.as_ptr()) }
    }

    /// Sets the weight (1 to [`NAPI_POLL_WEIGHT`]), from the next poll on.
    pub(crate) fn set_weight(&self, weight: i32) -> Result {
        if !(1..=NAPI_POLL_WEIGHT).contains(&weight) {
            return Err(EINVAL);
        }
        // SAFETY: The context is added (type invariant); the shim writes the field with
        // `WRITE_ONCE()` and `__napi_poll()` reads it once per poll, so a poll running now
        // keeps its budget and the next one takes the new weight.
        unsafe { proclab_napi_set_weight(self.as_ptr(), weight) };
        Ok(())
    }

    /// `napi_enable()`.
    ///
    /// # Safety
    ///
    /// The context is disabled: newly added, or disabled by [`EnabledNapi`] since it was last
    /// enabled. The caller holds RTNL (the device's open path).
    pub(super) unsafe fn enable(&self) -> EnabledNapi<'_> {
        // SAFETY: The context is added (type invariant) and disabled (the caller's guarantee):
        // enabling an enabled context is a `BUG()`.
        unsafe { napi_enable(self.as_ptr()) };
        EnabledNapi { napi: self }
    }
}

/// A NAPI context that is enabled and must be disabled exactly once: by
/// [`EnabledNapi::disable`], or when it is dropped.
///
/// [`DeviceOperations::stop`](super::DeviceOperations::stop) gets it, so that the driver
/// disables NAPI where its stop sequence needs (after its transmits into the device have
/// ended, before it purges what the poll would have taken).
///
/// # Invariants
///
/// `napi` is enabled, and no other `EnabledNapi` of it exists.
pub(crate) struct EnabledNapi<'a> {
    napi: &'a Napi,
}

impl EnabledNapi<'_> {
    /// # Safety
    ///
    /// `napi` is enabled and the caller gives up the duty to disable it to the returned value.
    pub(super) unsafe fn assume(napi: &Napi) -> EnabledNapi<'_> {
        // INVARIANT: The caller's guarantee.
        EnabledNapi { napi }
    }

    /// `napi_disable()`: waits for a poll in flight; after it, no poll runs and scheduling fails
    /// until the device is opened again. Process context.
    pub(crate) fn disable(self) {
        // Dropping disables.
    }
}

impl Drop for EnabledNapi<'_> {
    fn drop(&mut self) {
        // SAFETY: The context is enabled, and this value is its only disabler (type invariant),
        // consumed here: enable and disable pair up. The stop path runs in process context,
        // where `napi_disable()` may sleep.
        unsafe { napi_disable(self.napi.as_ptr()) }
    }
}

/// The right to act on a device's NAPI context during one poll.
///
/// # Invariants
///
/// Only made by the poll callback of `napi`'s device, for the duration of that poll.
pub(crate) struct NapiPoll<'a> {
    napi: &'a Napi,
}

impl<'a> NapiPoll<'a> {
    /// # Safety
    ///
    /// The caller is the poll callback of `napi`, and the value does not outlive it.
    pub(super) unsafe fn new(napi: &'a Napi) -> Self {
        // INVARIANT: The caller's guarantee.
        NapiPoll { napi }
    }

    /// Hands a received frame to the stack: to GRO (`napi_gro_receive()`), or straight to
    /// `netif_receive_skb()` if the skb is shared (GRO may free an skb it merges, whoever else
    /// holds it: pktgen's are shared).
    pub(crate) fn receive(&self, skb: SkBuff) {
        let shared = skb.is_shared();
        let skb = skb.into_raw();
        if shared {
            // SAFETY: The skb's reference is ours and goes to the stack, which frees it; the
            // skb was made ready for receiving on this device (`SkBuff::forward_to`).
            unsafe { netif_receive_skb(skb) };
        } else {
            // SAFETY: As above; this is the poll of `napi` (type invariant): GRO's state is this
            // context's, touched only by its poll.
            unsafe { proclab_napi_gro_receive(self.napi.as_ptr(), skb) };
        }
    }

    /// `napi_complete_done()`: ends polling. False if the core keeps the context scheduled (it
    /// was scheduled again meanwhile, or is busy-polled): then it polls again.
    pub(crate) fn complete_done(self, work_done: i32) -> bool {
        // SAFETY: This is the poll of `napi` (type invariant), which owns the scheduled context;
        // `self` is consumed, so a poll completes at most once.
        unsafe { napi_complete_done(self.napi.as_ptr(), work_done) }
    }
}
