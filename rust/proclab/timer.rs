// SPDX-License-Identifier: GPL-2.0

//! Kernel timers (`struct timer_list`): jiffies, a pinned timer with a safe callback, and the
//! timer wheel's arithmetic.
//!
//! C header: [`include/linux/timer.h`](srctree/include/linux/timer.h); C reference
//! `kernel/time/timer.c`.
//!
//! Upstream 7.3 has `kernel::time::hrtimer` but no `timer_list`. The shapes here follow
//! `hrtimer.rs` and `workqueue.rs`: a [`Timer<T>`] field (`#[pin]`) inside a pinned owner `T`,
//! [`HasTimer`] (written with [`impl_has_timer!`]) to go from the one to the other, and a
//! callback trait, [`TimerCallback`]. What differs is who may arm the timer and what ends it:
//!
//! - A `T` is armed only through its owner, a [`TimerBox<T>`] (a `Pin<KBox<T>>`), and from its
//!   own callback through the [`TimerContext`] the callback gets. `T` itself offers no way to arm
//!   its timer.
//! - Dropping the [`TimerBox`] calls `timer_shutdown_sync()` before anything of `T` is dropped:
//!   the timer is dequeued, a callback running on another CPU is waited for, and the timer can
//!   never be armed again. `timer_delete_sync()` would not do: a callback that re-arms its own
//!   timer (a periodic timer does) can run again right after it returns, and then touch freed
//!   memory. `timer_shutdown_sync()` clears the timer's function under the base lock, so a
//!   re-arm racing with it is ignored.
//!
//! So no callback can run once its `T` is gone, whether the timer was idle, pending, running or
//! re-arming itself when the owner was dropped. (Leaking the owner with `mem::forget` leaks `T`
//! with it, as with every drop-based guarantee; then the module must not be unloaded.)
//!
//! `mod_timer()` semantics: [`TimerBox::modify`] and [`TimerContext::modify`] (re)arm the timer
//! for an absolute jiffy and return whether it was pending before. A callback runs in the
//! `TIMER` softirq (`in_serving_softirq()`), with interrupts on, and must not sleep.
//!
//! The wheel. Since 4.8 (commit 500462a9de65, "timers: Switch to a non-cascading wheel") a timer
//! is queued once, in the level its distance from the base's clock selects, each level 64
//! buckets, each level's bucket 8 times as wide as the one below (`LVL_CLK_SHIFT` 3, `LVL_BITS`
//! 6), and it never moves down (no cascading). `calc_index()` rounds the expiry up to the next
//! bucket boundary of its level, `((expires >> 3n) + 1) << 3n`: a timer never fires early, and
//! fires exactly that late (if the `TIMER` softirq runs in time). [`bucket_expiry`] is that
//! formula, [`wheel_level_for`] the choice of level of `calc_wheel_index()`, and
//! [`TimerBox::wheel_index`] the bucket the kernel really chose (`timer->flags`).

use core::{marker::PhantomData, num::NonZero, ops::Deref};
use kernel::{
    bindings,
    ffi::{c_int, c_uint, c_ulong},
    prelude::*,
    sync::LockClassKey,
    time::{Delta, Jiffies, Jiffy},
    types::Opaque,
};

// bindgen's `timer_list` holds a `lockdep_map` the lint deems not FFI-safe; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_jiffies() -> c_ulong;
    fn proclab_hz() -> c_uint;
    fn proclab_initial_jiffies() -> c_ulong;
    fn proclab_timer_pending(timer: *const bindings::timer_list) -> c_int;
    fn proclab_timer_flags(timer: *const bindings::timer_list) -> u32;
}

/// The tick counter now (`jiffies`).
pub(crate) fn jiffies() -> Jiffies {
    // SAFETY: `jiffies` is a global the shim reads with `READ_ONCE()`; any context.
    unsafe { proclab_jiffies() }
}

/// The kernel's tick rate, `CONFIG_HZ` (not `bindings::HZ`, which is the uapi header's
/// `USER_HZ`, 100).
///
/// Not zero (Kconfig's choices are 100 to 1000), and typed so: a division by it cannot fail,
/// so the compiler emits no division-by-zero panic (objtool 7.3 does not know
/// `panic_const_div_by_zero` as a function that does not return, and warns).
pub(crate) fn hz() -> NonZero<Jiffies> {
    // SAFETY: Returns a constant (`rust/helpers/hz.c`, shared with `task/limits.rs`).
    let hz = unsafe { proclab_hz() };
    // A `c_uint` widened to an `unsigned long`: lossless.
    let hz = hz as Jiffies;
    NonZero::new(hz).unwrap_or(NonZero::<Jiffies>::MIN)
}

/// `INITIAL_JIFFIES`: where `jiffies` starts at boot, five minutes before the 32-bit wrap
/// (`(unsigned int)(-300 * HZ)`), so that code that mishandles the wrap fails early.
pub(crate) fn initial_jiffies() -> Jiffies {
    // SAFETY: Returns a constant.
    unsafe { proclab_initial_jiffies() }
}

/// The monotonic clock now, in ns since boot (`ktime_get()`): what `Instant<Monotonic>` reads,
/// as a number (upstream keeps `Instant::as_nanos()` crate-private).
pub(crate) fn monotonic_ns() -> i64 {
    // SAFETY: `ktime_get()` reads the timekeeper under its sequence count; any context but NMI.
    unsafe { bindings::ktime_get() }
}

/// `time_after_eq(a, b)`: `a` is `b` or later, across the wrap.
pub(crate) fn time_after_eq(a: Jiffies, b: Jiffies) -> bool {
    (a.wrapping_sub(b) as isize) >= 0
}

/// `LVL_CLK_SHIFT` of `kernel/time/timer.c`: each level is 8 times coarser than the one below.
pub(crate) const LVL_CLK_SHIFT: u32 = 3;
/// `LVL_BITS`: 64 buckets per level.
pub(crate) const LVL_BITS: u32 = 6;
/// `LVL_SIZE`.
pub(crate) const LVL_SIZE: u32 = 1 << LVL_BITS;
/// `LVL_DEPTH` for `HZ > 100` (9 levels; 8 at `HZ <= 100`).
pub(crate) const LVL_DEPTH: u32 = 9;

/// `LVL_GRAN(n)`: the width in jiffies of a bucket of level `n`.
pub(crate) const fn lvl_gran(level: u32) -> Jiffies {
    1 << (level * LVL_CLK_SHIFT)
}

/// `LVL_START(n)`: the smallest distance from the base clock queued in level `n` (`n >= 1`):
/// `(LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT)`, i.e. 63, 504, 4032, 32256, ...
pub(crate) const fn lvl_start(level: u32) -> Jiffies {
    ((LVL_SIZE - 1) as Jiffies) << ((level - 1) * LVL_CLK_SHIFT)
}

/// The level `calc_wheel_index()` picks for a timer `delta` jiffies after the base clock
/// (`expires - base->clk`; for a timer armed from process context the base clock is normally
/// `jiffies`). Distances beyond the last level's start go to the last level (the kernel caps
/// them at `WHEEL_TIMEOUT_MAX`).
pub(crate) fn wheel_level_for(delta: Jiffies) -> u32 {
    (1..LVL_DEPTH)
        .find(|&n| delta < lvl_start(n))
        .map_or(LVL_DEPTH - 1, |n| n - 1)
}

/// When the bucket a timer expiring at `expires` is queued in, at `level`, expires:
/// `calc_index()`'s `((expires >> LVL_SHIFT(level)) + 1) << LVL_SHIFT(level)`. Always after
/// `expires`, by 1 to `LVL_GRAN(level)` jiffies.
pub(crate) fn bucket_expiry(expires: Jiffies, level: u32) -> Jiffies {
    let shift = level * LVL_CLK_SHIFT;
    ((expires >> shift).wrapping_add(1)) << shift
}

/// The wheel bucket a timer was last queued in, as `timer->flags` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WheelIndex(u32);

impl WheelIndex {
    /// The index in the whole wheel (`LVL_OFFS(level) + bucket`).
    pub(crate) fn get(self) -> u32 {
        self.0
    }

    /// The level: `index / LVL_SIZE`.
    pub(crate) fn level(self) -> u32 {
        self.0 / LVL_SIZE
    }
}

/// A `timer_list` whose callback is [`TimerCallback::run`] of the `T` it is a field of.
///
/// # Invariants
///
/// `raw` was initialised by `timer_init_key()` with `run::<T>` as its function, and is a field of
/// a `T` at the place [`HasTimer<T>`] says.
#[pin_data]
#[repr(C)]
pub(crate) struct Timer<T> {
    #[pin]
    raw: Opaque<bindings::timer_list>,
    _t: PhantomData<T>,
}

// SAFETY: A `Timer` is a C timer whose operations lock its base themselves; it may be moved to
// (before it is pinned) and used from any thread.
unsafe impl<T> Send for Timer<T> {}
// SAFETY: As above: every operation on a shared timer is synchronised by the C side.
unsafe impl<T> Sync for Timer<T> {}

impl<T: TimerCallback> Timer<T> {
    /// An initialiser for a timer named `name` (for lockdep and debugobjects), with `key` as
    /// the lockdep class of its `timer_delete_sync()`/callback pseudo-lock: pass
    /// `kernel::static_lock_class!()`, one class per place timers are created, as C's
    /// `timer_setup()` makes one per call site.
    pub(crate) fn new(name: &'static CStr, key: Pin<&'static LockClassKey>) -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: `timer_init_key()` initialises the timer with `run::<T>`; the field
            // placement is `HasTimer`'s business, which `T: TimerCallback` implements.
            raw <- Opaque::ffi_init(move |slot: *mut bindings::timer_list| {
                // SAFETY: `slot` is valid for writes and pinned (pin-init's promise);
                // `timer_init_key()` initialises every field and keeps `name` and `key`, which
                // are `'static`. Flags 0: a plain timer, queued on the arming CPU's base.
                unsafe {
                    bindings::timer_init_key(
                        slot,
                        Some(run::<T>),
                        0,
                        name.as_char_ptr(),
                        key.as_ptr(),
                    )
                }
            }),
            _t: PhantomData,
        })
    }
}

impl<T> Timer<T> {
    fn raw(&self) -> *mut bindings::timer_list {
        self.raw.get()
    }

    /// `mod_timer()`: arm for `expires` (a jiffy); whether it was pending.
    fn modify(&self, expires: Jiffies) -> bool {
        // SAFETY: The timer was initialised (type invariant) and is pinned inside a live `T`
        // (`&self`). The callers guarantee the `T` outlives the timer's activity: a
        // `TimerBox` shuts it down before dropping `T`, and a callback runs while its owner
        // waits.
        unsafe { bindings::mod_timer(self.raw(), expires) != 0 }
    }

    /// When the timer expires (or last expired): `timer->expires`, a racy snapshot.
    fn expires(&self) -> Jiffies {
        // SAFETY: The timer is initialised and live (`&self`). The word may be written
        // concurrently by `mod_timer()` under the base lock: a volatile read (C's `READ_ONCE()`)
        // yields the old or the new value.
        unsafe { core::ptr::read_volatile(&raw const (*self.raw()).expires) }
    }

    /// The wheel bucket the timer was last queued in.
    fn wheel_index(&self) -> WheelIndex {
        // SAFETY: The timer is initialised and live; the shim reads `flags` with `READ_ONCE()`.
        let flags = unsafe { proclab_timer_flags(self.raw()) };
        WheelIndex((flags & bindings::TIMER_ARRAYMASK) >> bindings::TIMER_ARRAYSHIFT)
    }

    /// Whether the timer is queued now (`timer_pending()`, lockless).
    fn pending(&self) -> bool {
        // SAFETY: The timer is initialised and live.
        unsafe { proclab_timer_pending(self.raw()) != 0 }
    }
}

/// A type with a [`Timer<Self>`] field. Implement it with [`impl_has_timer!`].
///
/// # Safety
///
/// `raw_get_timer` and `timer_container_of` must convert between a `Self` and the same
/// `Timer<T>` field of it.
pub(crate) unsafe trait HasTimer<T> {
    /// The timer field of `*this`.
    ///
    /// # Safety
    ///
    /// `this` points to a live `Self`.
    unsafe fn raw_get_timer(this: *const Self) -> *const Timer<T>;

    /// The `Self` whose timer field `ptr` is (C's `timer_container_of()`).
    ///
    /// # Safety
    ///
    /// `ptr` points to the timer field of a `Self`.
    unsafe fn timer_container_of(ptr: *mut Timer<T>) -> *mut Self;
}

/// Implements [`HasTimer<Self>`] for a type whose field `self.FIELD` is its [`Timer<Self>`]:
///
/// ```ignore
/// impl_has_timer! { impl HasTimer<Self> for Probe { self.timer } }
/// ```
macro_rules! impl_has_timer {
    (impl HasTimer<Self> for $self:ty { self.$field:ident }) => {
        // SAFETY: Both methods go to and from the same field, whose type the compiler checks
        // (`container_of!` asserts it).
        unsafe impl $crate::timer::HasTimer<$self> for $self {
            unsafe fn raw_get_timer(this: *const Self) -> *const $crate::timer::Timer<$self> {
                // SAFETY: The caller promises `this` points to a live `Self`.
                unsafe { ::core::ptr::addr_of!((*this).$field) }
            }

            unsafe fn timer_container_of(ptr: *mut $crate::timer::Timer<$self>) -> *mut Self {
                // SAFETY: The caller promises `ptr` is the `$field` of a `Self`.
                unsafe { ::kernel::container_of!(ptr, $self, $field) }
            }
        }
    };
}
pub(crate) use impl_has_timer;

/// What a timer does when it expires.
pub(crate) trait TimerCallback: HasTimer<Self> + Send + Sync + Sized + 'static {
    /// Called in the `TIMER` softirq when the timer of `this` expires. `ctx` re-arms the timer.
    /// Must not sleep.
    fn run(this: &Self, ctx: &TimerContext<'_, Self>);
}

/// The C callback of a `Timer<T>`: finds the `T` and calls [`TimerCallback::run`].
///
/// # Safety
///
/// Only for the timer subsystem: `raw` is the `timer_list` of a `Timer<T>` initialised by
/// [`Timer::new`], armed by a [`TimerBox<T>`] or a [`TimerContext<T>`].
unsafe extern "C" fn run<T: TimerCallback>(raw: *mut bindings::timer_list) {
    // CAST: `Timer<T>` is `repr(C)` with `raw` as its first field.
    let timer = raw.cast::<Timer<T>>();
    // SAFETY: By the function's requirement `timer` is the timer field of a `T`.
    let this = unsafe { T::timer_container_of(timer) };
    // SAFETY: The `T` is live: it is owned by a `TimerBox`, whose drop calls
    // `timer_shutdown_sync()`, which waits for this callback to return before the `T` goes.
    // Only shared references to a pinned `T` exist while it is in a `TimerBox`.
    let (this, timer) = unsafe { (&*this, &*timer) };
    // INVARIANT: We are inside the callback of `timer`.
    let ctx = TimerContext { timer };
    T::run(this, &ctx);
}

/// What a callback can do with its own timer.
///
/// # Invariants
///
/// It exists only during a call of [`TimerCallback::run`] for `timer`.
pub(crate) struct TimerContext<'a, T> {
    timer: &'a Timer<T>,
}

impl<T> TimerContext<'_, T> {
    /// Re-arms the timer for jiffy `expires` (`mod_timer()`); whether it was pending (it is
    /// not, inside its own callback, unless another CPU armed it meanwhile).
    pub(crate) fn modify(&self, expires: Jiffies) -> bool {
        // The timer's `T` is live during the callback (type invariant); if the owner is being
        // dropped, `timer_shutdown_sync()` has cleared the function or will dequeue the timer
        // after this callback returns.
        self.timer.modify(expires)
    }

    /// Re-arms the timer `delta` jiffies from now.
    pub(crate) fn rearm_in(&self, delta: Delta<Jiffy>) -> bool {
        self.modify(jiffies().wrapping_add_signed(delta.as_jiffies()))
    }

    /// The jiffy this expiry was armed for.
    pub(crate) fn expires(&self) -> Jiffies {
        self.timer.expires()
    }

    /// The wheel bucket the timer was queued in before it expired.
    pub(crate) fn wheel_index(&self) -> WheelIndex {
        self.timer.wheel_index()
    }
}

/// The owner of a `T` with a [`Timer<T>`]: arms it, and shuts the timer down before `T` is
/// dropped.
///
/// # Invariants
///
/// `data` is pinned and its timer was initialised by [`Timer::new`] (as its `T` was
/// initialised). The timer is armed only through `self` or the `TimerContext` of its own
/// callback; `self` gives out shared references to `T` only.
pub(crate) struct TimerBox<T: TimerCallback> {
    data: Pin<KBox<T>>,
}

impl<T: TimerCallback> TimerBox<T> {
    /// Allocates and initialises a `T` (whose initialiser includes its `Timer::new()`).
    pub(crate) fn new(init: impl PinInit<T, Error>) -> Result<Self> {
        // INVARIANT: `T`'s initialiser initialised its timer; nothing has armed it yet.
        Ok(TimerBox {
            data: KBox::pin_init(init, GFP_KERNEL)?,
        })
    }

    fn timer(&self) -> &Timer<T> {
        // SAFETY: `data` is a live `T` (owned by `self`).
        unsafe { &*T::raw_get_timer(&*self.data) }
    }

    /// Arms the timer for jiffy `expires`, or moves it there if it is pending (`mod_timer()`):
    /// whether it was pending.
    pub(crate) fn modify(&self, expires: Jiffies) -> bool {
        // The `T` lives until `self` is dropped, which shuts the timer down first.
        self.timer().modify(expires)
    }

    /// Arms the timer `delta` jiffies from now (`mod_timer(t, jiffies + delta)`): whether it was
    /// pending.
    pub(crate) fn arm_in(&self, delta: Delta<Jiffy>) -> bool {
        self.modify(jiffies().wrapping_add_signed(delta.as_jiffies()))
    }

    /// Dequeues the timer and waits for a running callback (`timer_delete_sync()`): whether it
    /// was pending. A callback that re-arms the timer may have done so by the time this
    /// returns (the C function's documented limit); dropping the box is final. Process context
    /// only, and not from the timer's own callback (it would wait for itself).
    pub(crate) fn cancel(&self) -> bool {
        // SAFETY: The timer is initialised and live while its box is. `timer_delete_sync()`
        // has no memory-safety requirement beyond that: called from the timer's own callback
        // (which could reach its box only through a reference cycle) it would wait for itself,
        // a deadlock that lockdep reports, and in hard IRQ it warns.
        unsafe { bindings::timer_delete_sync(self.timer().raw()) != 0 }
    }

    /// Whether the timer is queued now.
    pub(crate) fn pending(&self) -> bool {
        self.timer().pending()
    }

    /// The jiffy the timer is (or was last) armed for.
    pub(crate) fn expires(&self) -> Jiffies {
        self.timer().expires()
    }

    /// The wheel bucket the timer is (or was last) queued in.
    pub(crate) fn wheel_index(&self) -> WheelIndex {
        self.timer().wheel_index()
    }
}

impl<T: TimerCallback> Deref for TimerBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: TimerCallback> Drop for TimerBox<T> {
    fn drop(&mut self) {
        // SAFETY: The timer is initialised and live. `timer_shutdown_sync()` dequeues it, waits
        // for a callback running on another CPU, and clears its function under the base lock,
        // so that a re-arm by that callback (or anyone) is ignored: after it returns nothing
        // runs on `data`, which is dropped next. A callback that dropped its own box (reached
        // through a reference cycle) would wait for itself: a deadlock, never a callback on
        // freed memory.
        unsafe { bindings::timer_shutdown_sync(self.timer().raw()) };
    }
}

// The suite runs where `--cfg proclab_timer_tests` is set (`samples/timers/Kbuild`): a suite
// name registers once, and other modules may include this file.
#[cfg(proclab_timer_tests)]
#[kunit_tests(proclab_timer)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
    use kernel::{static_lock_class, sync::Arc, time::delay::fsleep};

    /// Counts its callbacks; re-arms itself one jiffy later while `rearm` is set.
    #[pin_data]
    struct Probe {
        #[pin]
        timer: Timer<Probe>,
        runs: Arc<AtomicU32>,
        rearm: AtomicBool,
        fired_at: AtomicUsize,
        /// The expiry the callback saw.
        expired: AtomicUsize,
        _drops: Drops,
    }

    impl_has_timer! { impl HasTimer<Self> for Probe { self.timer } }

    impl TimerCallback for Probe {
        fn run(this: &Self, ctx: &TimerContext<'_, Self>) {
            this.fired_at.store(jiffies(), Ordering::Relaxed);
            this.expired.store(ctx.expires(), Ordering::Relaxed);
            this.runs.fetch_add(1, Ordering::Release);
            if this.rearm.load(Ordering::Relaxed) {
                ctx.rearm_in(Delta::from_jiffies(1));
            }
        }
    }

    /// Counts the drops of the `Probe` that owns it.
    struct Drops(Arc<AtomicU32>);

    impl Drop for Drops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A probe, its run counter and its drop counter.
    fn probe(rearm: bool) -> Result<(TimerBox<Probe>, Arc<AtomicU32>, Arc<AtomicU32>)> {
        let runs = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        let drops = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        let (r, d) = (runs.clone(), drops.clone());
        let b = TimerBox::new(try_pin_init!(Probe {
            timer <- Timer::new(c"proclab_timer_test", static_lock_class!()),
            runs: r,
            rearm: AtomicBool::new(rearm),
            fired_at: AtomicUsize::new(0),
            expired: AtomicUsize::new(0),
            _drops: Drops(d),
        }))?;
        Ok((b, runs, drops))
    }

    /// Waits (up to 10 s: TCG on a loaded host) until `runs` reaches `n`.
    fn wait_runs(runs: &AtomicU32, n: u32) {
        for _ in 0..1000 {
            if runs.load(Ordering::Acquire) >= n {
                return;
            }
            fsleep(Delta::from_millis(10));
        }
    }

    /// Sleeps `n` jiffies or more.
    fn sleep_jiffies(n: usize) {
        let ms = n * 1000 / hz() + 1;
        fsleep(Delta::from_millis(ms as i64));
    }

    #[test]
    fn wheel_levels_follow_lvl_start() {
        // HZ=250 and HZ=1000 alike: the boundaries are in jiffies.
        assert_eq!(lvl_start(1), 63);
        assert_eq!(lvl_start(2), 504);
        assert_eq!(lvl_start(3), 4032);
        assert_eq!(wheel_level_for(1), 0);
        assert_eq!(wheel_level_for(62), 0);
        assert_eq!(wheel_level_for(63), 1);
        assert_eq!(wheel_level_for(503), 1);
        assert_eq!(wheel_level_for(504), 2);
        assert_eq!(wheel_level_for(4032), 3);
        assert_eq!(wheel_level_for(10_000), 3);
        assert_eq!(wheel_level_for(usize::MAX / 2), LVL_DEPTH - 1);
        // Level 0 rounds up by one jiffy, level 1 to the next multiple of 8, ...
        assert_eq!(bucket_expiry(1000, 0), 1001);
        assert_eq!(bucket_expiry(1000, 1), 1008);
        assert_eq!(bucket_expiry(1007, 1), 1008);
        assert_eq!(bucket_expiry(1008, 1), 1016);
        assert_eq!(bucket_expiry(1000, 2), 1024);
        assert_eq!(lvl_gran(3), 512);
    }

    #[test]
    fn arm_fires_once_not_early() -> Result {
        let (b, runs, _) = probe(false)?;
        let armed = jiffies();
        let was_pending = b.arm_in(Delta::from_jiffies(2));
        let after = jiffies();
        let expires = b.expires();
        let level = b.wheel_index().level();
        wait_runs(&runs, 1);
        sleep_jiffies(3);
        let fired_at = b.fired_at.load(Ordering::Relaxed);
        let expired = b.expired.load(Ordering::Relaxed);
        let (n, pending) = (runs.load(Ordering::Relaxed), b.pending());
        drop(b);
        assert!(!was_pending);
        // `jiffies + 2` of the moment of arming.
        assert!(time_after_eq(expires, armed + 2) && time_after_eq(after + 2, expires));
        assert_eq!(expired, expires);
        assert_eq!(level, 0);
        assert_eq!(n, 1);
        assert!(!pending);
        // Never early: level 0 fires at expires + 1 at the soonest.
        assert!(time_after_eq(fired_at, expires + 1));
        Ok(())
    }

    #[test]
    fn rearm_reports_pending_and_moves_the_expiry() -> Result {
        let (b, runs, _) = probe(false)?;
        let first = b.arm_in(Delta::from_jiffies(10_000));
        let level_far = b.wheel_index().level();
        let second = b.arm_in(Delta::from_jiffies(100));
        let level_near = b.wheel_index().level();
        let pending = b.pending();
        let cancelled = b.cancel();
        let cancelled_again = b.cancel();
        sleep_jiffies(2);
        let n = runs.load(Ordering::Relaxed);
        drop(b);
        assert!(!first);
        assert!(second);
        assert_eq!(level_far, 3);
        assert_eq!(level_near, 1);
        assert!(pending);
        assert!(cancelled);
        assert!(!cancelled_again);
        assert_eq!(n, 0);
        Ok(())
    }

    #[test]
    fn cancel_then_rearm_fires() -> Result {
        let (b, runs, _) = probe(false)?;
        b.arm_in(Delta::from_jiffies(50));
        let cancelled = b.cancel();
        let was_pending = b.arm_in(Delta::from_jiffies(1));
        wait_runs(&runs, 1);
        let n = runs.load(Ordering::Relaxed);
        drop(b);
        assert!(cancelled);
        assert!(!was_pending);
        assert_eq!(n, 1);
        Ok(())
    }

    #[test]
    fn drop_while_pending_never_runs() -> Result {
        let (b, runs, drops) = probe(false)?;
        b.arm_in(Delta::from_jiffies(5));
        drop(b);
        // Past the expiry: a timer that survived its owner would have fired (and touched
        // freed memory, which KASAN reports).
        sleep_jiffies(10);
        assert_eq!(runs.load(Ordering::Relaxed), 0);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        Ok(())
    }

    #[test]
    fn drop_stops_a_self_rearming_timer() -> Result {
        let (b, runs, drops) = probe(true)?;
        b.arm_in(Delta::from_jiffies(1));
        wait_runs(&runs, 3);
        let before = runs.load(Ordering::Acquire);
        drop(b);
        let at_drop = runs.load(Ordering::Acquire);
        sleep_jiffies(10);
        let after = runs.load(Ordering::Acquire);
        assert!(before >= 3);
        // Not one run after the drop returned, though the callback re-arms every time.
        assert_eq!(after, at_drop);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        Ok(())
    }
}
