// SPDX-License-Identifier: GPL-2.0

//! Network devices whose operations are Rust functions: the operations ([`DeviceOperations`]),
//! a device as its callbacks see it ([`Device`]) and the owner of a set of devices
//! ([`Registration`]).
//!
//! C header: [include/linux/netdevice.h](srctree/include/linux/netdevice.h)

use super::{EnabledNapi, Napi, NapiPoll, SkBuff, NAPI_POLL_WEIGHT};
use core::{
    ffi::{c_int, c_void},
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    bindings,
    error::{from_err_ptr, from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::c_char,
    impl_has_hr_timer, new_spinlock_irq,
    prelude::*,
    sync::SpinLockIrq,
    time::{
        hrtimer::{
            HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerRestart, PinHrTimerHandle,
            RelativeMode, UnsafeHrTimerPointer,
        },
        Delta, Monotonic,
    },
    types::Opaque,
};

/// `NETDEV_TX_OK` and `NETDEV_TX_BUSY` (`enum netdev_tx`, not in the bindings).
const NETDEV_TX_OK: c_int = 0x00;
const NETDEV_TX_BUSY: c_int = 0x10;

/// The Rust callbacks of a device, as `struct proclab_netdev_ops` in `net.h` has them.
#[repr(C)]
struct Callbacks {
    open: unsafe extern "C" fn(*mut bindings::net_device) -> c_int,
    stop: unsafe extern "C" fn(*mut bindings::net_device) -> c_int,
    start_xmit: unsafe extern "C" fn(*mut bindings::sk_buff, *mut bindings::net_device) -> c_int,
    get_stats64: unsafe extern "C" fn(*mut bindings::net_device, *mut Stats64),
    get_iflink: unsafe extern "C" fn(*const bindings::net_device) -> c_int,
    poll:
        unsafe extern "C" fn(*mut bindings::net_device, *mut bindings::napi_struct, c_int) -> c_int,
}

extern "C" {
    fn proclab_netdev_alloc(
        name: *const c_char,
        data_size: usize,
        data_align: usize,
        ops: *const Callbacks,
    ) -> *mut bindings::net_device;
    fn proclab_netdev_data(dev: *mut bindings::net_device) -> *mut c_void;
    fn proclab_netdev_napi(dev: *mut bindings::net_device) -> *mut bindings::napi_struct;
    fn proclab_netif_napi_add(dev: *mut bindings::net_device, weight: c_int);
    fn proclab_netdev_unregister_many(devs: *mut *mut bindings::net_device, n: u32);
    fn proclab_netdev_ifindex(dev: *const bindings::net_device) -> c_int;
    fn proclab_netif_running(dev: *mut bindings::net_device) -> bool;
    fn proclab_netif_start_queue(dev: *mut bindings::net_device);
    fn proclab_netif_stop_queue(dev: *mut bindings::net_device);
    fn proclab_netif_wake_queue(dev: *mut bindings::net_device);
    fn proclab_netif_queue_stopped(dev: *mut bindings::net_device) -> bool;
    // Exported by the kernel, declared here because the bindings lack netdevice.h.
    fn dev_valid_name(name: *const c_char) -> bool;
    fn register_netdev(dev: *mut bindings::net_device) -> c_int;
    fn free_netdev(dev: *mut bindings::net_device);
    fn netif_carrier_on(dev: *mut bindings::net_device);
    fn netif_carrier_off(dev: *mut bindings::net_device);
}

/// The operations of a device (`struct net_device_ops`) and its NAPI poll.
///
/// Every callback gets the device it is called for; [`Device::data`] is its `Self`. The methods
/// with a default are optional, as in upstream's `#[vtable]` traits: a driver implements those
/// it needs, in an `impl` marked `#[vtable]` too.
#[vtable]
pub(crate) trait DeviceOperations: Sized + Send + Sync + 'static {
    /// `ndo_open`, under RTNL. NAPI is already enabled (a frame that arrives as soon as the
    /// carrier is on or the queue started is polled); it is disabled again if this fails.
    fn open(_dev: &Device<Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_stop`, under RTNL: the device is no longer running. `napi` is disabled when dropped,
    /// or earlier by [`EnabledNapi::disable`]. Without this method, NAPI is just disabled.
    fn stop(_dev: &Device<Self>, _napi: EnabledNapi<'_>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_start_xmit`: takes a frame, with bottom halves disabled and the transmit queue's
    /// lock held.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxCode;

    /// The NAPI poll, in softirq or in the device's `napi/` thread: at most `budget` frames. If
    /// it handled fewer, it must try to complete through `napi` (the core keeps polling
    /// otherwise). The return value is capped at `budget`.
    fn poll(dev: &Device<Self>, napi: NapiPoll<'_>, budget: i32) -> i32;

    /// `ndo_get_stats64`: `stats` comes zeroed. Without this method the counters read zero.
    fn get_stats64(_dev: &Device<Self>, _stats: &mut Stats64) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_get_iflink`: the ifindex of the device this one is linked to (`ip link` shows
    /// `NAME@PEER`). Without this method, the device's own.
    fn get_iflink(_dev: &Device<Self>) -> i32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The device's timer ([`Device::timer_start`]) expired: in hard-irq context. It must not
    /// cancel the timer (that would wait for itself).
    fn timer(_dev: &Device<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The outcome of [`DeviceOperations::start_xmit`] (`enum netdev_tx`).
pub(crate) enum TxCode {
    /// The frame was taken (sent, queued, or freed and counted).
    Ok,
    /// No room: the frame goes back to the queue discipline, to be sent again (the driver should
    /// have stopped its queue before this happens).
    Busy(SkBuff),
}

/// `struct rtnl_link_stats64`: the standard counters, as `ip -s link` shows them. A driver sets
/// those it keeps; the others read zero.
#[repr(C)]
#[derive(Default)]
pub(crate) struct Stats64 {
    rx_packets: u64,
    tx_packets: u64,
    rx_bytes: u64,
    tx_bytes: u64,
    rx_errors: u64,
    tx_errors: u64,
    rx_dropped: u64,
    tx_dropped: u64,
    /// `multicast` .. `rx_otherhost_dropped`.
    rest: [u64; 17],
}

impl Stats64 {
    /// Frames and bytes received (the Ethernet header included), and frames dropped on the way
    /// in.
    pub(crate) fn set_rx(&mut self, packets: u64, bytes: u64, dropped: u64) {
        (self.rx_packets, self.rx_bytes, self.rx_dropped) = (packets, bytes, dropped);
    }

    /// Frames and bytes sent, and frames dropped on the way out.
    pub(crate) fn set_tx(&mut self, packets: u64, bytes: u64, dropped: u64) {
        (self.tx_packets, self.tx_bytes, self.tx_dropped) = (packets, bytes, dropped);
    }
}

/// What this layer keeps in a device's private area, after the C header: the device's place in
/// its [`Registration`], its timer, and the driver's data.
///
/// # Invariants
///
/// Only ever initialised in the private area of `dev`, by [`Registration::new`]. `group` points
/// to the registration's `group_len` devices, all of them allocated before the first is
/// registered; `self` is `group[index]`'s.
#[pin_data(PinnedDrop)]
struct Inner<T: DeviceOperations> {
    dev: NonNull<bindings::net_device>,
    group: NonNull<NonNull<bindings::net_device>>,
    group_len: usize,
    index: usize,
    #[pin]
    timer: HrTimer<Inner<T>>,
    /// The timer is queued: set by [`Device::timer_start`] when it arms the timer, cleared when
    /// the timer fires or is cancelled.
    timer_queued: AtomicBool,
    /// The handle of the latest start; dropping it cancels the timer (the older ones are
    /// forgotten: every handle cancels the same timer).
    #[pin]
    timer_handle: SpinLockIrq<Option<PinHrTimerHandle<'static, Inner<T>>>>,
    #[pin]
    data: T,
}

// SAFETY: The pointers are to the devices of one registration, which the kernel uses from any
// thread; the rest is `Send` (`T: Send`, the timer, atomics, a lock).
unsafe impl<T: DeviceOperations> Send for Inner<T> {}
// SAFETY: Through `&Inner`, the pointers are only read and the devices they reach are used
// through their own synchronisation (RTNL, the queue locks, NAPI's state bits); the timer and
// its handle are synchronised by the hrtimer base lock and `timer_handle`'s lock; `T: Sync`.
unsafe impl<T: DeviceOperations> Sync for Inner<T> {}

impl_has_hr_timer! {
    impl{T: DeviceOperations} HasHrTimer<Inner<T>> for Inner<T> {
        mode: RelativeMode<Monotonic>, field: self.timer
    }
}

impl<T: DeviceOperations> HrTimerCallback for Inner<T> {
    type Pointer<'a> = Pin<&'a Inner<T>>;

    fn run(this: Pin<&Inner<T>>, _ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        // A full barrier (an atomic exchange): a frame that finds the timer still queued was
        // put in place before this clears it, and `T::timer` sees it.
        this.timer_queued.swap(false, Ordering::SeqCst);
        if T::HAS_TIMER {
            // SAFETY: `this` lives in `this.dev`'s private area (type invariant), and the timer
            // is cancelled before it is dropped, so the device is allocated while this runs.
            T::timer(unsafe { Device::from_raw(this.dev.as_ptr()) });
        }
        HrTimerRestart::NoRestart
    }
}

impl<T: DeviceOperations> Inner<T> {
    fn timer_cancel(&self) {
        // Cancel out of the lock: the cancel waits for a callback that runs now, which may arm
        // the timer again (taking the lock).
        let handle = self.timer_handle.lock().take();
        drop(handle);
        self.timer_queued.store(false, Ordering::SeqCst);
    }
}

#[pinned_drop]
impl<T: DeviceOperations> PinnedDrop for Inner<T> {
    fn drop(self: Pin<&mut Self>) {
        // Nothing may fire into the data being dropped.
        self.timer_cancel();
    }
}

/// A network device of a [`Registration`] whose driver data is a `T`.
///
/// # Invariants
///
/// The device was allocated by [`Registration::new`] with an initialised `Inner<T>` in its
/// private area and a NAPI context added; it is not freed while a `&Device<T>` exists (the
/// registration outlives every callback and every borrow it hands out).
#[repr(transparent)]
pub(crate) struct Device<T>(Opaque<bindings::net_device>, PhantomData<T>);

impl<T: DeviceOperations> Device<T> {
    /// # Safety
    ///
    /// `dev` is a device of a live [`Registration<T>`], which outlives `'a`.
    unsafe fn from_raw<'a>(dev: *mut bindings::net_device) -> &'a Self {
        // CAST: `Device<T>` is a transparent wrapper of `net_device`.
        // INVARIANT: The caller's guarantee.
        // SAFETY: `dev` is valid for `'a` (the caller's guarantee); `Opaque` lets the kernel
        // change it behind the shared reference.
        unsafe { &*dev.cast::<Self>() }
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: The private area holds an initialised `Inner<T>` for as long as the device is
        // allocated (type invariant), which `self`'s borrow guarantees; it is only ever shared.
        unsafe { &*proclab_netdev_data(self.as_ptr()).cast::<Inner<T>>() }
    }

    /// The driver's data of this device.
    pub(crate) fn data(&self) -> &T {
        &self.inner().data
    }

    /// This device's place in its registration (0 for the first name given).
    pub(crate) fn index(&self) -> usize {
        self.inner().index
    }

    /// Device `i` of this device's registration, if there is one.
    pub(crate) fn sibling(&self, i: usize) -> Option<&Self> {
        let inner = self.inner();
        if i >= inner.group_len {
            return None;
        }
        // `group` holds `group_len` devices, all allocated with their `Inner<T>` before any was
        // registered (the invariant of `Inner`) and all freed together after all unregister.
        // SAFETY: so device `i` lives as long as `self`, which the borrow keeps alive.
        Some(unsafe { Self::from_raw((*inner.group.as_ptr().add(i)).as_ptr()) })
    }

    /// The device's NAPI context.
    pub(crate) fn napi(&self) -> &Napi {
        // SAFETY: The context was added at allocation (type invariant) and lives in the
        // private area as long as the device.
        unsafe { Napi::from_raw(proclab_netdev_napi(self.as_ptr())) }
    }

    /// The interface index (`dev->ifindex`).
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: `self` is a valid device (type invariant); the shim reads the field with
        // `READ_ONCE()` (it changes when the device moves to another namespace).
        unsafe { proclab_netdev_ifindex(self.as_ptr()) }
    }

    /// Whether the device is up (`netif_running()`): false from the start of the stop path.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: `self` is a valid device (type invariant); the shim tests a state bit.
        unsafe { proclab_netif_running(self.as_ptr()) }
    }

    /// `netif_carrier_on()`.
    pub(crate) fn carrier_on(&self) {
        // SAFETY: `self` is a valid, registered device (type invariant); the call changes the
        // carrier bit atomically and defers the rest to the link watch.
        unsafe { netif_carrier_on(self.as_ptr()) }
    }

    /// `netif_carrier_off()`.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: As in `carrier_on()`.
        unsafe { netif_carrier_off(self.as_ptr()) }
    }

    /// `netif_start_queue()`: transmits may come (in `open`).
    pub(crate) fn start_queue(&self) {
        // SAFETY: `self` is a valid device (type invariant) with one transmit queue, allocated
        // with it; the shim changes the queue's state bit atomically.
        unsafe { proclab_netif_start_queue(self.as_ptr()) }
    }

    /// `netif_stop_queue()`: no more transmits until [`Device::wake_queue`].
    pub(crate) fn stop_queue(&self) {
        // SAFETY: As in `start_queue()`.
        unsafe { proclab_netif_stop_queue(self.as_ptr()) }
    }

    /// `netif_wake_queue()`: transmits may come again, and the queue discipline is kicked.
    pub(crate) fn wake_queue(&self) {
        // SAFETY: As in `start_queue()`; the queue discipline is run from the TX softirq.
        unsafe { proclab_netif_wake_queue(self.as_ptr()) }
    }

    /// `netif_queue_stopped()`.
    pub(crate) fn queue_stopped(&self) -> bool {
        // SAFETY: As in `start_queue()`.
        unsafe { proclab_netif_queue_stopped(self.as_ptr()) }
    }

    /// Arms the device's timer to call [`DeviceOperations::timer`] after `delay`, unless it is
    /// queued already; whether it was armed now. A timer whose callback runs now is no longer
    /// queued: it is armed again.
    pub(crate) fn timer_start(&self, delay: Delta) -> bool {
        build_assert!(T::HAS_TIMER);
        let inner = self.inner();
        if inner.timer_queued.swap(true, Ordering::SeqCst) {
            return false;
        }
        // `Inner` is not really `'static`: it lives until the device is freed, and both its
        // drop and the stop path (`timer_cancel`) cancel the timer through the handle kept
        // below, so the timer never outlives it (what `UnsafeHrTimerPointer::start` asks).
        // SAFETY: `Inner` is pinned in the private area and never moves; lifetime as above.
        let this: Pin<&'static Inner<T>> =
            unsafe { Pin::new_unchecked(&*core::ptr::from_ref(inner)) };
        let mut slot = inner.timer_handle.lock();
        // SAFETY: See above: the handle is kept until the timer is cancelled.
        let handle = unsafe { UnsafeHrTimerPointer::start(this, delay) };
        // The previous handle's timer is this one: forgetting it cancels nothing, and the new
        // handle cancels it.
        if let Some(old) = slot.replace(handle) {
            core::mem::forget(old);
        }
        true
    }

    /// Cancels the device's timer, waiting for a callback that runs now (so not from
    /// [`DeviceOperations::timer`]). The driver's stop path calls it once nothing arms the
    /// timer any more; the registration cancels it before freeing the device anyway.
    pub(crate) fn timer_cancel(&self) {
        self.inner().timer_cancel();
    }
}

/// A set of network devices whose data are `T`s, registered while this lives.
///
/// # Invariants
///
/// Every device in `devs` was allocated by `proclab_netdev_alloc()` with `Adapter::<T>::OPS`,
/// has its NAPI context added and an initialised `Inner<T>`; the first `registered` are
/// registered, and `devs` never grows beyond its first allocation.
pub(crate) struct Registration<T: DeviceOperations> {
    devs: KVec<NonNull<bindings::net_device>>,
    registered: usize,
    _t: PhantomData<T>,
}

// SAFETY: The devices are owned by this value; the kernel and the callbacks use them from any
// thread, and the only data of ours in them is `Inner<T>: Send + Sync`.
unsafe impl<T: DeviceOperations> Send for Registration<T> {}
// SAFETY: As above; `&Registration` gives access only to `&Device<T>`.
unsafe impl<T: DeviceOperations> Sync for Registration<T> {}

impl<T: DeviceOperations> Registration<T> {
    /// Creates and registers one device per name (down, carrier off), each with a NAPI context
    /// of weight `weight` (1 to [`NAPI_POLL_WEIGHT`]) and `data(i)` as the data of device `i`.
    /// `EINVAL` for a bad weight or a bad name (`dev_valid_name()`: empty, too long, `.`, `..`,
    /// or with a `/`, `:` or white space).
    pub(crate) fn new<I: PinInit<T, Error>>(
        names: &[&CStr],
        weight: i32,
        mut data: impl FnMut(usize) -> I,
    ) -> Result<Self> {
        if !(1..=NAPI_POLL_WEIGHT).contains(&weight) {
            return Err(EINVAL);
        }
        for name in names {
            // SAFETY: `name` is NUL-terminated; the call only reads it.
            if !unsafe { dev_valid_name(name.as_char_ptr()) } {
                return Err(EINVAL);
            }
        }
        let mut reg = Registration {
            devs: KVec::with_capacity(names.len(), GFP_KERNEL)?,
            registered: 0,
            _t: PhantomData,
        };
        let group = NonNull::new(reg.devs.as_mut_ptr()).ok_or(ENOMEM)?;
        for (index, name) in names.iter().enumerate() {
            let dev = alloc::<T>(name, weight)?;
            let (group_len, place, data) = (names.len(), index, data(index));
            let inner = try_pin_init!(Inner::<T> {
                dev,
                group,
                group_len,
                index: place,
                timer <- HrTimer::new(),
                timer_queued: AtomicBool::new(false),
                timer_handle <- new_spinlock_irq!(None),
                data <- data,
            }? Error);
            // SAFETY: The private area has room for an `Inner<T>` at this address, aligned as
            // `proclab_netdev_alloc()` was asked; nothing else uses it and it never moves. On
            // error the initialiser has dropped what it initialised.
            if let Err(e) = unsafe { inner.__init(inner_ptr::<T>(dev)) } {
                // SAFETY: Allocated above, never registered, no `Inner` to drop.
                unsafe { free_netdev(dev.as_ptr()) };
                return Err(e);
            }
            // INVARIANT: Pushed within the capacity: `group` stays valid. The device has its
            // NAPI context and its `Inner<T>`.
            reg.devs.push(dev, GFP_KERNEL)?;
        }
        for &dev in reg.devs.iter() {
            // SAFETY: The device is fully set up; `register_netdev()` takes RTNL. From here on
            // its callbacks may run: every device of the group is allocated.
            to_result(unsafe { register_netdev(dev.as_ptr()) })?;
            // INVARIANT: One more registered, in order.
            reg.registered += 1;
        }
        Ok(reg)
    }

    /// Device `i` (in the order of the names given).
    pub(crate) fn dev(&self, i: usize) -> Option<&Device<T>> {
        let dev = self.devs.get(i)?;
        if i >= self.registered {
            return None;
        }
        // SAFETY: The device is registered and belongs to `self` (type invariant), which the
        // borrow keeps alive.
        Some(unsafe { Device::from_raw(dev.as_ptr()) })
    }
}

impl<T: DeviceOperations> Drop for Registration<T> {
    fn drop(&mut self) {
        if self.registered > 0 {
            // After this no callback runs or is in flight on any device of the group: all are
            // closed (their stop paths run first), unregistered, and every reference waited for.
            // CAST: `NonNull<net_device>` is a transparent wrapper of `*mut net_device`.
            // SAFETY: The first `registered` devices are registered (type invariant).
            unsafe {
                proclab_netdev_unregister_many(
                    self.devs.as_mut_ptr().cast(),
                    self.registered as u32,
                )
            };
        }
        for &dev in self.devs.iter() {
            // SAFETY: The `Inner<T>` is initialised (type invariant) and, the device being
            // unregistered or never registered, nothing uses it; its drop cancels the timer.
            unsafe { core::ptr::drop_in_place(inner_ptr::<T>(dev)) };
            // SAFETY: The device is unregistered (or never was) and its data dropped; freeing it
            // deletes its NAPI context.
            unsafe { free_netdev(dev.as_ptr()) };
        }
    }
}

/// Allocates a device for a `T`, with its NAPI context added.
fn alloc<T: DeviceOperations>(name: &CStr, weight: i32) -> Result<NonNull<bindings::net_device>> {
    // SAFETY: `name` is NUL-terminated and valid; `OPS` is static.
    let dev = from_err_ptr(unsafe {
        proclab_netdev_alloc(
            name.as_char_ptr(),
            core::mem::size_of::<Inner<T>>(),
            core::mem::align_of::<Inner<T>>(),
            &Adapter::<T>::OPS,
        )
    })?;
    let dev = NonNull::new(dev).ok_or(ENOMEM)?;
    // SAFETY: The device is allocated and not registered: nothing else touches its NAPI context.
    // The poll callback it installs reaches `Inner<T>` only once the device is registered.
    unsafe { proclab_netif_napi_add(dev.as_ptr(), weight) };
    Ok(dev)
}

/// Where a device's `Inner<T>` lives.
fn inner_ptr<T: DeviceOperations>(dev: NonNull<bindings::net_device>) -> *mut Inner<T> {
    // SAFETY: `dev` was allocated by `proclab_netdev_alloc()` with room for an `Inner<T>`; the
    // shim only computes an address.
    unsafe { proclab_netdev_data(dev.as_ptr()).cast() }
}

/// The callbacks `net.c` calls for the devices of a [`Registration<T>`].
///
/// Each gets a device of a live `Registration<T>`: the devices are registered only while it
/// lives, and unregistering waits for every callback.
struct Adapter<T>(PhantomData<T>);

impl<T: DeviceOperations> Adapter<T> {
    const OPS: Callbacks = Callbacks {
        open: Self::open,
        stop: Self::stop,
        start_xmit: Self::start_xmit,
        get_stats64: Self::get_stats64,
        get_iflink: Self::get_iflink,
        poll: Self::poll,
    };

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>`, being opened under RTNL.
    unsafe extern "C" fn open(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: The caller's guarantee.
            let dev = unsafe { Device::<T>::from_raw(dev) };
            // SAFETY: The device was down, so its context is disabled (newly added, or disabled
            // by the last stop path); `ndo_open` runs under RTNL.
            let napi = unsafe { dev.napi().enable() };
            if T::HAS_OPEN {
                // On error `napi` is dropped: disabled again.
                T::open(dev)?;
            }
            // Enabled until the stop path disables it.
            core::mem::forget(napi);
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>`, being closed under RTNL.
    unsafe extern "C" fn stop(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: The caller's guarantee.
        let dev = unsafe { Device::<T>::from_raw(dev) };
        // SAFETY: `ndo_stop` runs only for a device that `ndo_open` opened, which enabled the
        // context and left the duty to disable it to this call.
        let napi = unsafe { EnabledNapi::assume(dev.napi()) };
        if T::HAS_STOP {
            T::stop(dev, napi);
        }
        0
    }

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>`; the stack gives `skb` and its reference.
    unsafe extern "C" fn start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> c_int {
        // SAFETY: The caller's guarantee.
        let dev = unsafe { Device::<T>::from_raw(dev) };
        // SAFETY: The caller's guarantee.
        let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return NETDEV_TX_OK;
        };
        match T::start_xmit(dev, skb) {
            TxCode::Ok => NETDEV_TX_OK,
            TxCode::Busy(skb) => {
                // The stack keeps the skb with its reference and sends it again.
                let _ = skb.into_raw();
                NETDEV_TX_BUSY
            }
        }
    }

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>`; `stats` points to the caller's zeroed
    /// `struct rtnl_link_stats64`, ours for the call.
    unsafe extern "C" fn get_stats64(dev: *mut bindings::net_device, stats: *mut Stats64) {
        if !T::HAS_GET_STATS64 {
            return;
        }
        // SAFETY: The caller's guarantee.
        let dev = unsafe { Device::<T>::from_raw(dev) };
        // The caller's structure need not be 8-byte aligned: rtnetlink passes the payload of a
        // netlink attribute, 4-byte aligned on x86-64 (no padding where unaligned access is
        // cheap). A `&mut Stats64` to it would be undefined behaviour (the debug build's
        // alignment check panics), so the driver fills an aligned copy.
        let mut copy = Stats64::default();
        T::get_stats64(dev, &mut copy);
        // SAFETY: `stats` is valid for a write of a `struct rtnl_link_stats64`, which `Stats64`
        // mirrors (a `BUILD_BUG_ON()` in `net.c` checks the size); the write makes no assumption
        // on its alignment.
        unsafe { stats.write_unaligned(copy) };
    }

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>`.
    unsafe extern "C" fn get_iflink(dev: *const bindings::net_device) -> c_int {
        // SAFETY: The caller's guarantee; only shared references are made from the pointer.
        let dev = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
        if T::HAS_GET_IFLINK {
            T::get_iflink(dev)
        } else {
            dev.ifindex()
        }
    }

    /// # Safety
    ///
    /// `dev` is a device of a live `Registration<T>` and `napi` its context, being polled.
    unsafe extern "C" fn poll(
        dev: *mut bindings::net_device,
        napi: *mut bindings::napi_struct,
        budget: c_int,
    ) -> c_int {
        // SAFETY: The caller's guarantee.
        let dev = unsafe { Device::<T>::from_raw(dev) };
        // SAFETY: `napi` is `dev`'s context (the caller's guarantee), which lives as long as
        // `dev`.
        let napi = unsafe { Napi::from_raw(napi) };
        // SAFETY: This is the poll of `napi`; the token lives only for the call.
        let token = unsafe { NapiPoll::new(napi) };
        T::poll(dev, token, budget).clamp(0, budget.max(0))
    }
}

#[kunit_tests(proclab_net)]
mod tests {
    use super::*;

    /// A device that drops what it is sent and never receives.
    struct Idle;

    #[vtable]
    impl DeviceOperations for Idle {
        fn start_xmit(_dev: &Device<Self>, skb: SkBuff) -> TxCode {
            skb.free();
            TxCode::Ok
        }

        fn poll(_dev: &Device<Self>, napi: NapiPoll<'_>, _budget: i32) -> i32 {
            napi.complete_done(0);
            0
        }
    }

    fn register(names: &[&CStr], weight: i32) -> Result {
        Registration::<Idle>::new(names, weight, |_| Ok::<_, Error>(Idle)).map(drop)
    }

    #[test]
    fn bad_names_and_weights_are_einval() {
        for name in [
            c"",
            c".",
            c"..",
            c"a/b",
            c"a:b",
            c"a b",
            c"sixteen-chars-ab",
        ] {
            assert_eq!(register(&[name], 64), Err(EINVAL));
        }
        // A bad name after a good one: nothing is allocated.
        assert_eq!(register(&[c"plnt0", c"bad/"], 64), Err(EINVAL));
        assert_eq!(register(&[c"plnt0"], 0), Err(EINVAL));
        assert_eq!(register(&[c"plnt0"], NAPI_POLL_WEIGHT + 1), Err(EINVAL));
    }
}
