// SPDX-License-Identifier: GPL-2.0

//! Pairs of Ethernet devices with NAPI, for a driver written in Rust.
//!
//! Upstream Rust has no network device abstraction and `kernel::bindings` has no `netdevice.h`:
//! `net_device` and `napi_struct` are opaque, `net_device_ops` is missing and most of the NAPI
//! and queue API is static inline. The C half (`rust/helpers/net.c`) owns those objects: the
//! private area of each device starts with a header (the NAPI context, the coalescing hrtimer,
//! the peer, the Rust callbacks), the driver's data `T` follows it, and a C `net_device_ops`
//! forwards every operation to the [`Driver`] callbacks here.
//!
//! What the types guarantee:
//!
//! - [`Pair`] allocates both devices, initialises both `T`s in place (pinned: they never move),
//!   links the peers, and registers both; dropping it unregisters both in one batch (both are
//!   closed before either goes), drops the `T`s and frees the devices. So a device, its peer and
//!   their data live exactly as long as the `Pair`, and a callback's `&Device<T>` is always valid.
//! - NAPI is added at allocation, enabled after [`Driver::open`] and disabled in the stop path
//!   after [`Driver::stop`] and an RCU grace period (no transmit of the peer still in flight), so
//!   enable and disable always pair up. A poll gets a [`Napi`] token: the only way to hand frames
//!   to GRO and to complete, and completing consumes it.
//! - An [`SkBuff`] is owned: it is handed on (to a queue, to the stack) by value, and freed when
//!   dropped.

use core::{
    ffi::{c_int, c_void},
    marker::PhantomData,
    mem::ManuallyDrop,
    ptr::NonNull,
};
use kernel::{bindings, error::to_result, ffi::c_char, prelude::*, types::Opaque};

/// `NETDEV_TX_OK` and `NETDEV_TX_BUSY` (`enum netdev_tx`, not in the bindings).
const NETDEV_TX_OK: c_int = 0x00;
const NETDEV_TX_BUSY: c_int = 0x10;

/// The greatest NAPI weight (`NAPI_POLL_WEIGHT`): more makes the core complain.
pub(crate) const NAPI_POLL_WEIGHT: i32 = 64;

/// The Rust callbacks of a device, as `struct proclab_netdev_ops` in `net.c` has them.
#[repr(C)]
struct NetOps {
    open: unsafe extern "C" fn(*mut bindings::net_device) -> c_int,
    stop: unsafe extern "C" fn(*mut bindings::net_device) -> c_int,
    xmit: unsafe extern "C" fn(*mut bindings::sk_buff, *mut bindings::net_device) -> c_int,
    stats: unsafe extern "C" fn(*mut bindings::net_device, *mut Stats64),
    poll: unsafe extern "C" fn(*mut bindings::net_device, c_int) -> c_int,
    timer: unsafe extern "C" fn(*mut bindings::net_device),
}

extern "C" {
    fn proclab_netdev_alloc(
        name: *const c_char,
        data_size: usize,
        data_align: usize,
        ops: *const NetOps,
        weight: c_int,
    ) -> *mut bindings::net_device;
    fn proclab_netdev_link(a: *mut bindings::net_device, b: *mut bindings::net_device);
    fn proclab_netdev_register(dev: *mut bindings::net_device) -> c_int;
    fn proclab_netdev_unregister_pair(a: *mut bindings::net_device, b: *mut bindings::net_device);
    fn proclab_netdev_free(dev: *mut bindings::net_device);
    fn proclab_netdev_data(dev: *mut bindings::net_device) -> *mut c_void;
    fn proclab_netdev_peer(dev: *mut bindings::net_device) -> *mut bindings::net_device;
    fn proclab_netif_running(dev: *mut bindings::net_device) -> bool;
    fn proclab_netif_start_queue(dev: *mut bindings::net_device);
    fn proclab_netif_stop_queue(dev: *mut bindings::net_device);
    fn proclab_netif_wake_queue(dev: *mut bindings::net_device);
    fn proclab_netif_queue_stopped(dev: *mut bindings::net_device) -> bool;
    fn proclab_netdev_timer_start(dev: *mut bindings::net_device, ns: u64) -> bool;
    fn proclab_netdev_timer_try_cancel(dev: *mut bindings::net_device) -> bool;
    fn proclab_netdev_timer_cancel(dev: *mut bindings::net_device);
    fn proclab_napi_enable(dev: *mut bindings::net_device);
    fn proclab_napi_disable(dev: *mut bindings::net_device);
    fn proclab_napi_set_weight(dev: *mut bindings::net_device, weight: c_int);
    fn proclab_napi_weight(dev: *mut bindings::net_device) -> c_int;
    fn proclab_napi_schedule_prep(dev: *mut bindings::net_device) -> bool;
    fn proclab_napi_schedule_now(dev: *mut bindings::net_device);
    fn proclab_napi_complete_done(dev: *mut bindings::net_device, work_done: c_int) -> bool;
    fn proclab_napi_gro_receive(dev: *mut bindings::net_device, skb: *mut bindings::sk_buff);
    fn proclab_skb_shared(skb: *const bindings::sk_buff) -> bool;
    fn proclab_skb_free(skb: *mut bindings::sk_buff);
    fn proclab_skb_queue_init(q: *mut bindings::sk_buff_head);
    fn proclab_skb_queue_len(q: *const bindings::sk_buff_head) -> u32;
    // Exported by the kernel, declared here because the bindings lack netdevice.h.
    fn unregister_netdev(dev: *mut bindings::net_device);
    fn netif_carrier_on(dev: *mut bindings::net_device);
    fn netif_carrier_off(dev: *mut bindings::net_device);
    fn netif_receive_skb(skb: *mut bindings::sk_buff) -> c_int;
    fn __dev_forward_skb(dev: *mut bindings::net_device, skb: *mut bindings::sk_buff) -> c_int;
    fn synchronize_net();
}

/// What a driver does: the operations of both devices of a [`Pair`].
///
/// Every callback gets the device it is called for; [`Device::data`] is its `Self`,
/// [`Device::peer`] the other device of the pair.
pub(crate) trait Driver: Sized + Send + Sync + 'static {
    /// `ndo_open`, under RTNL. NAPI is enabled after it succeeds.
    fn open(dev: &Device<Self>) -> Result;
    /// `ndo_stop`, under RTNL, first thing. Then the peer's transmits in flight end, NAPI is
    /// disabled, the timer cancelled, and [`Driver::drain`] is called.
    fn stop(dev: &Device<Self>);
    /// The end of the stop path: nothing runs on this device any more (no poll, no timer, no
    /// transmit of the peer into it).
    fn drain(dev: &Device<Self>);
    /// `ndo_start_xmit`: takes a frame, with bottom halves disabled.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxStatus;
    /// The NAPI poll, in softirq or in the device's `napi/` thread: at most `budget` frames. If
    /// it handled fewer, it must try to complete through `napi` (the core keeps polling
    /// otherwise). The return value is capped at `budget`.
    fn poll(dev: &Device<Self>, napi: Napi<'_, Self>, budget: i32) -> i32;
    /// The coalescing timer of [`Device::timer_start`] fired, in hard-irq context.
    fn timer(dev: &Device<Self>);
    /// `ndo_get_stats64`: `stats` comes zeroed.
    fn stats(dev: &Device<Self>, stats: &mut Stats64);
}

/// The outcome of [`Driver::start_xmit`].
pub(crate) enum TxStatus {
    /// The frame was taken (sent, queued or dropped and counted).
    Ok,
    /// No room: the frame goes back to the queue discipline, to be sent again (the driver should
    /// have stopped its queue before this happens).
    Busy(SkBuff),
}

/// `struct rtnl_link_stats64`: the standard counters, as `ip -s link` shows them.
#[repr(C)]
#[derive(Default)]
pub(crate) struct Stats64 {
    pub(crate) rx_packets: u64,
    pub(crate) tx_packets: u64,
    pub(crate) rx_bytes: u64,
    pub(crate) tx_bytes: u64,
    pub(crate) rx_errors: u64,
    pub(crate) tx_errors: u64,
    pub(crate) rx_dropped: u64,
    pub(crate) tx_dropped: u64,
    /// `multicast` .. `rx_otherhost_dropped`: not kept by this abstraction's users.
    _rest: [u64; 17],
}

/// A network device of a [`Pair`] whose driver data is a `T`.
///
/// # Invariants
///
/// The device was allocated by [`Pair::new`] with a `T` initialised in its private area and a
/// peer linked; it is not freed while a `&Device<T>` exists (the `Pair` outlives every callback).
#[repr(transparent)]
pub(crate) struct Device<T>(Opaque<bindings::net_device>, PhantomData<T>);

impl<T: Driver> Device<T> {
    /// # Safety
    ///
    /// `dev` is a device of a live [`Pair<T>`], which outlives `'a`.
    unsafe fn from_raw<'a>(dev: *mut bindings::net_device) -> &'a Self {
        // SAFETY: `Device<T>` is a transparent wrapper of `net_device`; the caller guarantees the
        // lifetime.
        unsafe { &*dev.cast::<Self>() }
    }

    fn as_ptr(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The driver's data of this device.
    pub(crate) fn data(&self) -> &T {
        // SAFETY: By the type invariant the private area holds an initialised `T` for as long as
        // `self` is borrowed; it is only ever shared (`T: Sync`).
        unsafe { &*proclab_netdev_data(self.as_ptr()).cast::<T>() }
    }

    /// The other device of the pair.
    pub(crate) fn peer(&self) -> &Self {
        // SAFETY: The peers were linked before registration and die with the same `Pair`.
        unsafe { Self::from_raw(proclab_netdev_peer(self.as_ptr())) }
    }

    /// Whether the device is up (`netif_running()`): false from the start of the stop path.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: `self` is a valid device (type invariant).
        unsafe { proclab_netif_running(self.as_ptr()) }
    }

    /// `netif_carrier_on()`.
    pub(crate) fn carrier_on(&self) {
        // SAFETY: `self` is a valid, registered device (type invariant; the callbacks run only
        // while it is registered).
        unsafe { netif_carrier_on(self.as_ptr()) }
    }

    /// `netif_carrier_off()`.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: As in `carrier_on()`.
        unsafe { netif_carrier_off(self.as_ptr()) }
    }

    /// `netif_start_queue()`: transmits may come (in `open`).
    pub(crate) fn start_queue(&self) {
        // SAFETY: `self` is a valid device with one transmit queue.
        unsafe { proclab_netif_start_queue(self.as_ptr()) }
    }

    /// `netif_stop_queue()`: no more transmits until [`Device::wake_queue`].
    pub(crate) fn stop_queue(&self) {
        // SAFETY: As in `start_queue()`.
        unsafe { proclab_netif_stop_queue(self.as_ptr()) }
    }

    /// `netif_wake_queue()`: transmits may come again, and the queue discipline is kicked.
    pub(crate) fn wake_queue(&self) {
        // SAFETY: As in `start_queue()`.
        unsafe { proclab_netif_wake_queue(self.as_ptr()) }
    }

    /// `netif_queue_stopped()`.
    pub(crate) fn queue_stopped(&self) -> bool {
        // SAFETY: As in `start_queue()`.
        unsafe { proclab_netif_queue_stopped(self.as_ptr()) }
    }

    /// Arms the device's timer to fire [`Driver::timer`] in `ns` nanoseconds, unless it is
    /// already pending; whether it was armed now.
    pub(crate) fn timer_start(&self, ns: u64) -> bool {
        // SAFETY: The timer was set up at allocation; it is cancelled in the stop path and
        // before the device is freed.
        unsafe { proclab_netdev_timer_start(self.as_ptr(), ns) }
    }

    /// Cancels the timer of [`Device::timer_start`] if it is pending, without waiting for a
    /// callback that runs now (so from any context); whether it was pending.
    pub(crate) fn timer_try_cancel(&self) -> bool {
        // SAFETY: The timer was set up at allocation and stays until the device is freed;
        // `hrtimer_try_to_cancel()` never sleeps.
        unsafe { proclab_netdev_timer_try_cancel(self.as_ptr()) }
    }

    /// Schedules this device's NAPI poll unless it is scheduled already; `before` runs between
    /// winning `napi_schedule_prep()` and `__napi_schedule()` (to mask the "interrupt" there,
    /// as veth does). Whether it was scheduled now.
    pub(crate) fn napi_schedule(&self, before: impl FnOnce()) -> bool {
        // SAFETY: The NAPI context was added at allocation.
        if !unsafe { proclab_napi_schedule_prep(self.as_ptr()) } {
            return false;
        }
        before();
        // SAFETY: `napi_schedule_prep()` returned true: this caller owns the scheduling.
        unsafe { proclab_napi_schedule_now(self.as_ptr()) };
        true
    }

    /// The NAPI weight: the budget of every poll.
    pub(crate) fn napi_weight(&self) -> i32 {
        // SAFETY: The NAPI context was added at allocation.
        unsafe { proclab_napi_weight(self.as_ptr()) }
    }

    /// Sets the NAPI weight (1 to [`NAPI_POLL_WEIGHT`]), from the next poll on.
    pub(crate) fn set_napi_weight(&self, weight: i32) -> Result {
        if !(1..=NAPI_POLL_WEIGHT).contains(&weight) {
            return Err(EINVAL);
        }
        // SAFETY: The NAPI context was added at allocation; `__napi_poll()` reads the weight
        // once per poll, so a concurrent change is seen by the next one.
        unsafe { proclab_napi_set_weight(self.as_ptr(), weight) };
        Ok(())
    }
}

/// The right to act on a device's NAPI context during one poll.
///
/// # Invariants
///
/// Only made by the poll callback of the device `dev`, for the duration of that poll.
pub(crate) struct Napi<'a, T> {
    dev: &'a Device<T>,
}

impl<T: Driver> Napi<'_, T> {
    /// Hands a received frame to the stack: to GRO (`napi_gro_receive()`), or straight to
    /// `netif_receive_skb()` if the skb is shared (GRO may free an skb it merges, whoever else
    /// holds it: pktgen's are shared).
    pub(crate) fn receive(&self, skb: SkBuff) {
        let shared = skb.is_shared();
        let skb = skb.into_raw();
        if shared {
            // SAFETY: The skb is owned and set up for the stack (`SkBuff::forward_to`); the
            // stack takes it over.
            unsafe { netif_receive_skb(skb) };
        } else {
            // SAFETY: As above; this is the poll of `dev` (type invariant), GRO's context.
            unsafe { proclab_napi_gro_receive(self.dev.as_ptr(), skb) };
        }
    }

    /// `napi_complete_done()`: ends polling; false if the core keeps the context scheduled (it
    /// was scheduled again meanwhile, or is busy-polled): then it will poll again.
    pub(crate) fn complete_done(self, work_done: i32) -> bool {
        // SAFETY: This is the poll of `dev` (type invariant), which owns the scheduled context;
        // `self` is consumed, so it completes once.
        unsafe { proclab_napi_complete_done(self.dev.as_ptr(), work_done) }
    }
}

/// A socket buffer this code owns: freed when dropped.
///
/// # Invariants
///
/// `self.0` is an skb to which this value holds one reference.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: An skb is not tied to a CPU or thread: drivers hand them between contexts.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// # Safety
    ///
    /// `skb` is valid and the caller gives its reference to the returned value.
    unsafe fn from_raw(skb: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(skb).map(SkBuff)
    }

    fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// The length of the data (`skb->len`).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: The skb is valid (type invariant) and `len` is a plain field.
        unsafe { (*self.0.as_ptr()).len }
    }

    /// Whether someone else holds a reference too (`skb_shared()`).
    pub(crate) fn is_shared(&self) -> bool {
        // SAFETY: The skb is valid (type invariant).
        unsafe { proclab_skb_shared(self.0.as_ptr()) }
    }

    /// Prepares a frame sent on one device to be received on `to` (`__dev_forward_skb()`):
    /// scrubbed of the sender's state, checked against `to`'s MTU, its protocol set by
    /// `eth_type_trans()`. `None` if the kernel dropped it (and freed it) instead.
    pub(crate) fn forward_to<T: Driver>(self, to: &Device<T>) -> Option<Self> {
        let skb = self.into_raw();
        // SAFETY: `to` is a valid device and the skb's reference is given to the call, which
        // either frees the skb (non-zero return) or gives it back.
        if unsafe { __dev_forward_skb(to.as_ptr(), skb) } != 0 {
            return None;
        }
        // SAFETY: Returned to us with our reference.
        unsafe { Self::from_raw(skb) }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: The reference is this value's (type invariant), given up here. The call is
        // valid in any context.
        unsafe { proclab_skb_free(self.0.as_ptr()) }
    }
}

/// A queue of skbs (`struct sk_buff_head`), with its own IRQ-safe spinlock.
#[pin_data(PinnedDrop)]
pub(crate) struct SkbQueue {
    #[pin]
    head: Opaque<bindings::sk_buff_head>,
}

// SAFETY: Every access goes through `skb_queue_tail()`/`skb_dequeue()`, which take the queue's
// lock with interrupts disabled, or reads the length locklessly.
unsafe impl Send for SkbQueue {}
// SAFETY: As above.
unsafe impl Sync for SkbQueue {}

impl SkbQueue {
    /// An empty queue.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(SkbQueue {
            // SAFETY: `skb_queue_head_init()` initialises the whole head in place; the head is
            // pinned, as its list points to itself.
            head <- unsafe { Opaque::ffi_init(|p| proclab_skb_queue_init(p)) },
        })
    }

    /// Appends `skb`.
    pub(crate) fn push(&self, skb: SkBuff) {
        // SAFETY: The queue is initialised; the skb's reference goes to the queue.
        unsafe { bindings::skb_queue_tail(self.head.get(), skb.into_raw()) }
    }

    /// Takes the first skb.
    pub(crate) fn pop(&self) -> Option<SkBuff> {
        // SAFETY: The queue is initialised; it gives its reference to the skb it returns.
        unsafe { SkBuff::from_raw(bindings::skb_dequeue(self.head.get())) }
    }

    /// The number of skbs queued (`skb_queue_len_lockless()`).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: The queue is initialised; the length is read with `READ_ONCE()`.
        unsafe { proclab_skb_queue_len(self.head.get()) }
    }

    /// Frees every queued skb; how many there were.
    pub(crate) fn purge(&self) -> u64 {
        let mut n = 0;
        while self.pop().is_some() {
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

/// Two network devices linked as peers, each with a `T`, registered while this lives.
///
/// # Invariants
///
/// Both devices were allocated by `proclab_netdev_alloc()` with `Self::OPS`, hold an initialised
/// `T`, are linked to each other, and are registered.
pub(crate) struct Pair<T: Driver> {
    devs: [NonNull<bindings::net_device>; 2],
    _t: PhantomData<T>,
}

// SAFETY: The devices are owned by this value; the kernel and the callbacks access them from any
// thread, and the only data of ours in them is `T: Send + Sync`.
unsafe impl<T: Driver> Send for Pair<T> {}
// SAFETY: As above; `&Pair` gives access only to `&T`.
unsafe impl<T: Driver> Sync for Pair<T> {}

/// A device allocated and maybe holding its `T`, not yet owned by a [`Pair`]: freed if
/// [`Pair::new`] fails.
struct Allocated<T> {
    dev: NonNull<bindings::net_device>,
    has_data: bool,
    _t: PhantomData<T>,
}

impl<T: Driver> Allocated<T> {
    fn new(name: &CStr, weight: i32, data: impl PinInit<T, Error>) -> Result<Self> {
        if !(1..=NAPI_POLL_WEIGHT).contains(&weight) {
            return Err(EINVAL);
        }
        // SAFETY: `name` is NUL-terminated; `OPS` is static.
        let dev = unsafe {
            proclab_netdev_alloc(
                name.as_char_ptr(),
                core::mem::size_of::<T>(),
                core::mem::align_of::<T>(),
                &Pair::<T>::OPS,
                weight,
            )
        };
        let mut a = Allocated {
            dev: NonNull::new(dev).ok_or(ENOMEM)?,
            has_data: false,
            _t: PhantomData,
        };
        // SAFETY: The private area has room for a `T` at this suitably aligned address and
        // nothing else uses it; it never moves (the device is not reallocated). On error the
        // initialiser has cleaned up after itself.
        unsafe { data.__init(proclab_netdev_data(dev).cast::<T>())? };
        a.has_data = true;
        Ok(a)
    }

    /// Gives the device to the caller, who now frees it.
    fn into_raw(self) -> NonNull<bindings::net_device> {
        ManuallyDrop::new(self).dev
    }
}

impl<T> Drop for Allocated<T> {
    fn drop(&mut self) {
        let dev = self.dev.as_ptr();
        if self.has_data {
            // SAFETY: The `T` was initialised and, the device being unregistered (or never
            // registered), nothing uses it.
            unsafe { core::ptr::drop_in_place(proclab_netdev_data(dev).cast::<T>()) };
        }
        // SAFETY: The device is unregistered (or never was) and is ours to free.
        unsafe { proclab_netdev_free(dev) };
    }
}

impl<T: Driver> Pair<T> {
    const OPS: NetOps = NetOps {
        open: open_callback::<T>,
        stop: stop_callback::<T>,
        xmit: xmit_callback::<T>,
        stats: stats_callback::<T>,
        poll: poll_callback::<T>,
        timer: timer_callback::<T>,
    };

    /// Creates and registers the devices `names[0]` and `names[1]` (down, carrier off), with
    /// NAPI weight `weight` (1 to [`NAPI_POLL_WEIGHT`]) and data `a` and `b`.
    pub(crate) fn new(
        names: [&CStr; 2],
        weight: i32,
        a: impl PinInit<T, Error>,
        b: impl PinInit<T, Error>,
    ) -> Result<Self> {
        let a = Allocated::<T>::new(names[0], weight, a)?;
        let b = Allocated::<T>::new(names[1], weight, b)?;
        // SAFETY: Both devices are allocated and not registered yet: nothing reads the peers.
        unsafe { proclab_netdev_link(a.dev.as_ptr(), b.dev.as_ptr()) };
        // SAFETY: `a` is fully set up; `register_netdev()` takes RTNL.
        to_result(unsafe { proclab_netdev_register(a.dev.as_ptr()) })?;
        // SAFETY: As for `a`.
        if let Err(e) = to_result(unsafe { proclab_netdev_register(b.dev.as_ptr()) }) {
            // `a` is registered and may be up, sending to `b`: unregister it the same way as
            // a pair (`b` was never registered and is not queued).
            // SAFETY: `a` is registered; `b` is not and is only read as a peer.
            unsafe { unregister_one(a.dev.as_ptr()) };
            return Err(e);
        }
        // INVARIANT: Both are allocated with `OPS`, hold their `T`, are linked and registered.
        Ok(Pair {
            devs: [a.into_raw(), b.into_raw()],
            _t: PhantomData,
        })
    }

    /// Device `i` (0 or 1).
    pub(crate) fn dev(&self, i: usize) -> &Device<T> {
        // SAFETY: The device belongs to `self` (type invariant), which the borrow keeps alive.
        unsafe { Device::from_raw(self.devs[i & 1].as_ptr()) }
    }
}

/// Unregisters a lone device of a pair whose peer never was registered.
///
/// # Safety
///
/// `dev` is registered.
unsafe fn unregister_one(dev: *mut bindings::net_device) {
    // SAFETY: The caller guarantees `dev` is registered; the call takes RTNL and closes the
    // device first (the stop path then waits for its transmits).
    unsafe { unregister_netdev(dev) };
}

impl<T: Driver> Drop for Pair<T> {
    fn drop(&mut self) {
        let [a, b] = self.devs;
        // SAFETY: Both are registered (type invariant). After this no callback runs or is in
        // flight: both are closed (stop path: no poll, no timer) and unregistered.
        unsafe { proclab_netdev_unregister_pair(a.as_ptr(), b.as_ptr()) };
        for dev in [a, b] {
            // The `T` is dropped, then the device freed.
            drop(Allocated::<T> {
                dev,
                has_data: true,
                _t: PhantomData,
            });
        }
    }
}

// The callbacks `net.c` calls. Each gets a device of a live `Pair<T>`: the devices are registered
// only while their `Pair` lives, and the stop path and unregistering wait for every callback.

/// `ndo_open` of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn open_callback<T: Driver>(dev: *mut bindings::net_device) -> c_int {
    // SAFETY: See above.
    let d = unsafe { Device::<T>::from_raw(dev) };
    match T::open(d) {
        Ok(()) => {
            // SAFETY: The NAPI context was added at allocation and is disabled: the device was
            // down.
            unsafe { proclab_napi_enable(dev) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `ndo_stop` of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn stop_callback<T: Driver>(dev: *mut bindings::net_device) -> c_int {
    // SAFETY: See above.
    let d = unsafe { Device::<T>::from_raw(dev) };
    T::stop(d);
    // SAFETY: Called in process context under RTNL. `netif_running()` is already false, so a
    // transmit of the peer that starts now does not queue to this device; the grace period
    // waits for the ones in flight (they run with bottom halves disabled).
    unsafe { synchronize_net() };
    // SAFETY: The NAPI context was enabled by `open_callback()`, as the device was up. Disabling
    // waits for a poll in flight.
    unsafe { proclab_napi_disable(dev) };
    // SAFETY: The timer was set up at allocation; nothing arms it any more (no transmit, no
    // poll).
    unsafe { proclab_netdev_timer_cancel(dev) };
    T::drain(d);
    0
}

/// `ndo_start_xmit` (the skb comes with its reference) of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn xmit_callback<T: Driver>(
    skb: *mut bindings::sk_buff,
    dev: *mut bindings::net_device,
) -> c_int {
    // SAFETY: See above.
    let d = unsafe { Device::<T>::from_raw(dev) };
    // SAFETY: The stack gives the skb and its reference to the driver.
    let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
        return NETDEV_TX_OK;
    };
    match T::start_xmit(d, skb) {
        TxStatus::Ok => NETDEV_TX_OK,
        TxStatus::Busy(skb) => {
            // The stack keeps the skb with its reference and sends it again.
            let _ = skb.into_raw();
            NETDEV_TX_BUSY
        }
    }
}

/// `ndo_get_stats64` (`stats` points to the caller's structure) of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn stats_callback<T: Driver>(
    dev: *mut bindings::net_device,
    stats: *mut Stats64,
) {
    // SAFETY: See above.
    let d = unsafe { Device::<T>::from_raw(dev) };
    // The caller's structure need not be 8-byte aligned: rtnetlink passes the payload of a
    // netlink attribute, 4-byte aligned on x86-64 (no padding where unaligned access is
    // cheap). A `&mut Stats64` to it would be undefined behaviour (the debug build's alignment
    // check panics), so the driver fills an aligned copy.
    let mut s = Stats64::default();
    T::stats(d, &mut s);
    // SAFETY: `stats` is the caller's zeroed `struct rtnl_link_stats64`, which `Stats64` mirrors
    // (a `BUILD_BUG_ON()` in `net.c` checks the size), exclusively ours for the call; the write
    // makes no assumption on its alignment.
    unsafe { stats.write_unaligned(s) };
}

/// The NAPI poll of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn poll_callback<T: Driver>(
    dev: *mut bindings::net_device,
    budget: c_int,
) -> c_int {
    // SAFETY: See above.
    let d = unsafe { Device::<T>::from_raw(dev) };
    // INVARIANT: This is the poll of `d`.
    let done = T::poll(d, Napi { dev: d }, budget);
    done.clamp(0, budget.max(0))
}

/// The coalescing timer's callback of a [`Pair<T>`] device.
///
/// # Safety
///
/// `dev` is a device of a live `Pair<T>`: `net.c` calls this only for a registered one.
unsafe extern "C" fn timer_callback<T: Driver>(dev: *mut bindings::net_device) {
    // SAFETY: See above; the timer is cancelled before the device is closed for good or freed.
    T::timer(unsafe { Device::<T>::from_raw(dev) });
}
