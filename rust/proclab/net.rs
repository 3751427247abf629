// SPDX-License-Identifier: GPL-2.0

//! Ethernet devices with NAPI, for a driver written in Rust.
//!
//! C header: [include/linux/netdevice.h](srctree/include/linux/netdevice.h)
//!
//! Upstream Rust (7.3) has no network device abstraction and `kernel::bindings` has no
//! `netdevice.h`: `net_device` and `napi_struct` are opaque, `net_device_ops` is missing and most
//! of the NAPI and queue API is static inline. The C shims (`rust/helpers/net.c`) put a small
//! header at the start of each device's private area (the `napi_struct`, whose size Rust does
//! not know, and the driver's callbacks); the Rust data follows it, and a C `net_device_ops`
//! forwards every operation to the driver's [`DeviceOperations`].
//!
//! The layer, after the public designs for Rust network drivers:
//!
//! - [`device`]: a [`Registration`] allocates a set of devices (a pair, for a veth-like driver),
//!   initialises each one's data in place (pinned: it never moves), registers them, and on drop
//!   unregisters them in one batch (all closed before any goes) and frees them. A callback's
//!   [`Device`] and its siblings are therefore always valid. Each device also has one
//!   `kernel::time::hrtimer` whose expiry calls [`DeviceOperations::timer`].
//! - [`napi`]: the device's [`Napi`] context (added at allocation, so that
//!   `/sys/class/net/<dev>/threaded` works while the device is down), enabled before
//!   [`DeviceOperations::open`] and disabled exactly once in the stop path through the
//!   [`EnabledNapi`] handed to [`DeviceOperations::stop`]. A poll gets a [`NapiPoll`]: the only
//!   way to hand frames to GRO and to complete, and completing consumes it.
//! - [`skb`]: an owned [`SkBuff`] that must be consumed explicitly (freed, queued, handed to the
//!   stack or back to the core): dropping one is a build error. [`SkbQueue`] is a pinned
//!   `sk_buff_head`.
//!
//! A driver on this layer needs no `unsafe`: `samples/napi` is one.

#[path = "net/device.rs"]
pub(crate) mod device;
#[path = "net/napi.rs"]
pub(crate) mod napi;
#[path = "net/skb.rs"]
pub(crate) mod skb;

pub(crate) use device::{Device, DeviceOperations, Registration, Stats64, TxCode};
pub(crate) use napi::{EnabledNapi, Napi, NapiPoll, NAPI_POLL_WEIGHT};
pub(crate) use skb::{SkBuff, SkbQueue};

extern "C" {
    fn synchronize_net();
}

/// Waits for every transmit and receive in flight on any device to end (`synchronize_net()`,
/// an RCU grace period: transmits run with bottom halves disabled). Process context only.
pub(crate) fn synchronize() {
    // SAFETY: No precondition beyond process context, which the documentation asks of the
    // caller (a sleeping call in atomic context is a bug the kernel reports, not memory
    // unsafety).
    unsafe { synchronize_net() }
}
