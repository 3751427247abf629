// SPDX-License-Identifier: GPL-2.0

//! Socket buffers: an owned [`SkBuff`] that must be consumed, and a queue of them
//! ([`SkbQueue`]).
//!
//! C header: [include/linux/skbuff.h](srctree/include/linux/skbuff.h)

use super::{Device, DeviceOperations};
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::{bindings, prelude::*, types::Opaque};

extern "C" {
    fn proclab_skb_shared(skb: *const bindings::sk_buff) -> bool;
    fn proclab_skb_free(skb: *mut bindings::sk_buff);
    fn proclab_skb_queue_init(q: *mut bindings::sk_buff_head);
    fn proclab_skb_queue_len(q: *const bindings::sk_buff_head) -> u32;
    // Exported by the kernel, declared here because the bindings lack netdevice.h.
    fn __dev_forward_skb(
        dev: *mut bindings::net_device,
        skb: *mut bindings::sk_buff,
    ) -> core::ffi::c_int;
}

/// A socket buffer this code holds a reference to.
///
/// It must be consumed: freed ([`SkBuff::free`]), queued ([`SkbQueue::push`]), handed to the
/// stack ([`NapiPoll::receive`](super::NapiPoll::receive)) or back to the core
/// ([`TxCode::Busy`](super::TxCode::Busy)). Letting one go out of scope is a build error, so a
/// frame is never freed without the driver saying so (and counting it).
///
/// # Invariants
///
/// `self.0` is an skb to which this value holds one reference.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: An skb is not tied to a CPU or thread: the stack hands them between contexts, and the
// reference this value holds may be given up from any of them.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// # Safety
    ///
    /// `skb` is null or valid, and the caller gives its reference to the returned value.
    pub(super) unsafe fn from_raw(skb: *mut bindings::sk_buff) -> Option<Self> {
        // INVARIANT: The caller's guarantee.
        NonNull::new(skb).map(SkBuff)
    }

    /// Gives the reference to the caller.
    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// The length of the data (`skb->len`).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: The skb is valid (type invariant); `len` changes only through whoever owns the
        // skb, which is this value.
        unsafe { (*self.0.as_ptr()).len }
    }

    /// Whether someone else holds a reference too (`skb_shared()`).
    pub(crate) fn is_shared(&self) -> bool {
        // SAFETY: The skb is valid (type invariant); the shim reads the refcount atomically.
        unsafe { proclab_skb_shared(self.0.as_ptr()) }
    }

    /// Frees the skb as a dropped frame (`dev_kfree_skb_any()`), in any context.
    pub(crate) fn free(self) {
        // SAFETY: The reference is this value's (type invariant), given up here;
        // `dev_kfree_skb_any()` defers the free when called with interrupts disabled.
        unsafe { proclab_skb_free(self.into_raw()) }
    }

    /// Prepares a frame sent on one device to be received on `to` (`__dev_forward_skb()`):
    /// scrubbed of the sender's state, checked against `to`'s MTU, its protocol set by
    /// `eth_type_trans()`. `None` if the kernel dropped (and freed) it instead.
    pub(crate) fn forward_to<T: DeviceOperations>(self, to: &Device<T>) -> Option<Self> {
        let skb = self.into_raw();
        // SAFETY: `to` is a registered device (the invariant of `Device`); the skb's reference
        // is given to the call, which either frees the skb (non-zero return) or gives it back.
        if unsafe { __dev_forward_skb(to.as_ptr(), skb) } != 0 {
            return None;
        }
        // SAFETY: Given back to us with our reference.
        unsafe { Self::from_raw(skb) }
    }
}

impl Drop for SkBuff {
    // Inline: emitted only where a drop remains, so that only such a place fails the build.
    #[inline(always)]
    fn drop(&mut self) {
        build_error!("an SkBuff must be consumed: free it, queue it, or hand it on");
    }
}

/// A queue of skbs (`struct sk_buff_head`), with its own spinlock; purged when dropped.
///
/// # Invariants
///
/// `head` was initialised by `skb_queue_head_init()` and holds a reference to each skb in it.
#[pin_data(PinnedDrop)]
pub(crate) struct SkbQueue {
    #[pin]
    head: Opaque<bindings::sk_buff_head>,
}

// SAFETY: The queue owns its skbs, which may be freed from any thread (see `SkBuff`).
unsafe impl Send for SkbQueue {}
// SAFETY: Through `&SkbQueue`, the list is changed only by `skb_queue_tail()` and
// `skb_dequeue()`, which take the queue's lock with interrupts disabled (so from any context),
// and its length is read with `READ_ONCE()`.
unsafe impl Sync for SkbQueue {}

impl SkbQueue {
    /// An empty queue.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(SkbQueue {
            // SAFETY: `skb_queue_head_init()` initialises every field of the head in place,
            // which `ffi_init` gives it pinned: the empty list points to the head itself.
            // INVARIANT: Initialised by `skb_queue_head_init()`, empty.
            head <- unsafe { Opaque::ffi_init(|p| proclab_skb_queue_init(p)) },
        })
    }

    /// Appends `skb`.
    pub(crate) fn push(&self, skb: SkBuff) {
        // SAFETY: The queue is initialised (type invariant); the skb's reference goes to it.
        unsafe { bindings::skb_queue_tail(self.head.get(), skb.into_raw()) }
    }

    /// Takes the first skb.
    pub(crate) fn pop(&self) -> Option<SkBuff> {
        // SAFETY: The queue is initialised (type invariant); it gives the reference it held to
        // the skb it returns.
        unsafe { SkBuff::from_raw(bindings::skb_dequeue(self.head.get())) }
    }

    /// The number of skbs queued (`skb_queue_len_lockless()`).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: The queue is initialised (type invariant); the length is read with
        // `READ_ONCE()`, a snapshot.
        unsafe { proclab_skb_queue_len(self.head.get()) }
    }

    /// Frees every queued skb; how many there were.
    pub(crate) fn purge(&self) -> u64 {
        let mut n = 0;
        while let Some(skb) = self.pop() {
            skb.free();
            n += 1;
        }
        n
    }
}

#[pinned_drop]
impl PinnedDrop for SkbQueue {
    fn drop(self: Pin<&mut Self>) {
        self.purge();
    }
}
