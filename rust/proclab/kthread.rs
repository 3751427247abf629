// SPDX-License-Identifier: GPL-2.0

//! Kernel threads that run a Rust closure, and the sleep/wake-up primitives they use.
//!
//! C reference: `include/linux/kthread.h`, `kernel/kthread.c`.
//!
//! [`create`] makes a thread with `kthread_create_on_node()`: it exists (in `/proc`, as a child
//! of kthreadd) but has not run yet, and it waits in `TASK_UNINTERRUPTIBLE` until it is started.
//! That is the [`NewThread`] state, the one in which `kthread_bind()` is allowed. [`NewThread::start`]
//! wakes it and returns a [`KThread`]. Both handles stop the thread when dropped, with
//! `kthread_stop()`, which sets the thread's "should stop" flag, wakes it and waits until it has
//! exited; [`KThread::stop`] does the same and returns the closure's result.
//!
//! What the types rule out:
//!
//! - stopping twice (`kthread_stop()` on a thread already stopped waits forever for a completion
//!   that has been used up): a handle is consumed or dropped by its one stop;
//! - using a thread that exited and was freed: a handle holds a reference on the `task_struct`
//!   from creation to stop, so a closure that returns early (the thread exits at once) leaves a
//!   task the handle can still stop and read;
//! - leaking or double-freeing the closure when the thread is stopped before it first ran
//!   (`kthread_stop()` then returns `-EINTR` and the function is never called): the closure and
//!   the result live in a block the handle owns and frees after the stop, whether the closure ran
//!   or not;
//! - unloading the module under a running thread: handles have no `detach()`, so the threads of
//!   a module are stopped when the module drops its handles, at the latest in its exit. (Leaking
//!   a handle on purpose, with `mem::forget`, would defeat this, as it defeats every
//!   drop-based guarantee.)
//!
//! The closure gets a [`Current`]: the running thread's own view, which cannot leave the thread.
//! Its [`Current::wait_until`] is the only way to sleep on a condition, and it follows the order
//! that makes a lost wake-up impossible: publish the sleeping state first (with a full barrier),
//! then test the condition, and call `schedule()` only if it is still false. A waker that makes
//! the condition true and then calls `wake_up_process()` either runs before the test (which then
//! sees the condition) or after the state was set (and its wake-up makes the thread runnable).

use core::{
    cell::UnsafeCell,
    ffi::{c_uint, c_void},
    marker::PhantomData,
    ptr::NonNull,
};
use kernel::{
    bindings,
    error::{from_err_ptr, to_result},
    ffi::c_long,
    prelude::*,
    sync::aref::ARef,
    task::Task,
};

// bindgen's `task_struct` holds types the lint deems not FFI-safe; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_kthread_create(
        threadfn: unsafe extern "C" fn(*mut c_void) -> c_int,
        data: *mut c_void,
        name: *const c_char,
    ) -> *mut bindings::task_struct;
    fn proclab_set_current_state(state: c_uint);
    fn proclab_set_current_running();
    fn proclab_cpu_online(cpu: c_uint) -> bool;
    fn proclab_set_cpu(p: *mut bindings::task_struct, cpu: c_uint) -> c_int;
    fn proclab_set_all_cpus(p: *mut bindings::task_struct) -> c_int;
    fn proclab_sched_setattr(
        p: *mut bindings::task_struct,
        policy: u32,
        prio: u32,
        nice: c_int,
    ) -> c_int;
    fn proclab_allow_sigkill();
    fn proclab_ignore_sigkill();
    fn proclab_sigkill_pending() -> bool;
}

/// The closure of a thread and its result.
///
/// # Invariants
///
/// From the thread's creation until it has exited, only the thread accesses `f` and `result`.
/// After `kthread_stop()` has returned (it waits for the exit, which orders the thread's writes
/// before its return), only the handle does.
struct Packet<F, T> {
    f: UnsafeCell<Option<F>>,
    result: UnsafeCell<Option<T>>,
}

/// The thread function: runs the closure of the [`Packet`] at `data` once.
///
/// # Safety
///
/// `data` must point to a `Packet<F, T>` that stays allocated until this thread has exited, with
/// the access rules of its invariant.
unsafe extern "C" fn run<F, T>(data: *mut c_void) -> c_int
where
    F: FnOnce(&Current) -> T,
{
    // SAFETY: By the function's safety requirements `data` is a live `Packet<F, T>`.
    let packet = unsafe { &*data.cast::<Packet<F, T>>() };
    // SAFETY: The thread is running, so by the invariant of `Packet` it alone accesses `f`.
    let f = unsafe { (*packet.f.get()).take() };
    if let Some(f) = f {
        let current = Current(PhantomData);
        let r = f(&current);
        // SAFETY: As above, for `result`.
        unsafe { *packet.result.get() = Some(r) };
    }
    0
}

/// Takes the result out of a `Packet<F, T>` and frees it.
///
/// # Safety
///
/// `p` must come from `KBox::into_raw()` of a `KBox<Packet<F, T>>`, and the thread it was given
/// to must have exited; `p` is not used again.
unsafe fn finish<F, T>(p: NonNull<c_void>) -> Option<T> {
    // SAFETY: By the safety requirements `p` is an owned `KBox<Packet<F, T>>`, and the thread no
    // longer accesses it.
    let packet = unsafe { KBox::from_raw(p.as_ptr().cast::<Packet<F, T>>()) };
    KBox::into_inner(packet).result.into_inner()
}

/// A created kernel thread and the block its closure lives in; stops the thread when dropped.
///
/// # Invariants
///
/// While `packet` is `Some`: `task` was created by `proclab_kthread_create()` with `run::<F, T>`
/// and `packet` as its data, `kthread_stop()` has not been called on it, and `finish` is
/// `finish::<F, T>` for the same `F` and `T`.
struct Handle<T> {
    task: ARef<Task>,
    packet: Option<NonNull<c_void>>,
    finish: unsafe fn(NonNull<c_void>) -> Option<T>,
}

// SAFETY: The closure and the result are `Send`; the handle only touches them after the thread
// has exited, from whichever thread drops or stops it.
unsafe impl<T: Send> Send for Handle<T> {}
// SAFETY: A shared handle only gives out `&Task`, which is `Sync`.
unsafe impl<T: Send> Sync for Handle<T> {}

impl<T> Handle<T> {
    /// Stops the thread (at most once) and returns the closure's result, if it ran to the end.
    fn stop_once(&mut self) -> Option<T> {
        let packet = self.packet.take()?;
        // SAFETY: By the type invariant `task` is a kthread not yet stopped, and `packet` being
        // taken means no later call gets here. `task` is held by our reference, so it is live
        // even if the thread has already exited.
        unsafe { bindings::kthread_stop(self.task.as_ptr()) };
        // SAFETY: `kthread_stop()` returned, so the thread has exited; `packet` was taken, so it
        // is not used again.
        unsafe { (self.finish)(packet) }
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        self.stop_once();
    }
}

/// Creates a kernel thread named `name` that will run `f`, but does not start it.
///
/// The thread's parent is kthreadd (pid 2); it has no `mm`. Until [`NewThread::start`] it sleeps
/// in `TASK_UNINTERRUPTIBLE` (`D` in `ps`), without having run any of `f`.
pub(crate) fn create<F, T>(name: &CStr, f: F) -> Result<NewThread<T>>
where
    F: FnOnce(&Current) -> T + Send + 'static,
    T: Send + 'static,
{
    let packet: KBox<Packet<F, T>> = KBox::new(
        Packet {
            f: UnsafeCell::new(Some(f)),
            result: UnsafeCell::new(None),
        },
        GFP_KERNEL,
    )?;
    let data = KBox::into_raw(packet);
    // SAFETY: `run::<F, T>` takes exactly a `Packet<F, T>`, and `data` is one; it stays
    // allocated until the handle made below has stopped the thread. The name is NUL-terminated
    // and copied by the callee.
    let task = unsafe { proclab_kthread_create(run::<F, T>, data.cast(), name.as_char_ptr()) };
    let task = match from_err_ptr(task) {
        Ok(task) => task,
        Err(e) => {
            // SAFETY: No thread was made, so nothing else has seen `data`: it is ours to free.
            drop(unsafe { KBox::from_raw(data) });
            return Err(e);
        }
    };
    // SAFETY: `task` is the live task just created; our own reference keeps it so.
    let task: ARef<Task> = ARef::from(unsafe { &*task.cast::<Task>() });
    // INVARIANT: `task` runs `run::<F, T>` on `data`, and has not been stopped.
    Ok(NewThread(Handle {
        task,
        packet: NonNull::new(data.cast()),
        finish: finish::<F, T>,
    }))
}

/// A kernel thread created but not started yet. Dropping it stops the thread, which then never
/// runs its closure (the closure is dropped).
pub(crate) struct NewThread<T>(Handle<T>);

impl<T> NewThread<T> {
    /// The thread's task.
    pub(crate) fn task(&self) -> &Task {
        &self.0.task
    }

    /// Binds the thread to `cpu` for its whole life (`kthread_bind()`: allowed only before the
    /// thread first runs, which is why it is a method of this state). User space can then no
    /// longer change its affinity (`PF_NO_SETAFFINITY`).
    pub(crate) fn bind(&self, cpu: u32) -> Result {
        if !cpu_online(cpu) {
            return Err(EINVAL);
        }
        // SAFETY: The task is live (we hold a reference) and has not run yet, as
        // `kthread_bind()` requires; `cpu` is online.
        unsafe { bindings::kthread_bind(self.0.task.as_ptr(), cpu) };
        Ok(())
    }

    /// Starts the thread: `wake_up_process()`.
    pub(crate) fn start(self) -> KThread<T> {
        self.0.task.wake_up();
        KThread(self.0)
    }
}

/// A running (or finished) kernel thread; dropping it stops the thread and waits for it.
pub(crate) struct KThread<T>(Handle<T>);

impl<T> KThread<T> {
    /// The thread's task (still readable after the thread has exited).
    pub(crate) fn task(&self) -> &Task {
        &self.0.task
    }

    /// Asks the thread to stop, wakes it, waits for it to exit and returns what its closure
    /// returned, or `None` if the closure never ran (the thread was stopped before it got to).
    pub(crate) fn stop(mut self) -> Option<T> {
        self.0.stop_once()
    }
}

/// How a thread sleeps: the `TASK_*` state it sets before `schedule()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sleep {
    /// `TASK_INTERRUPTIBLE` (`S`): woken by `wake_up_process()`, a signal, or a stop request.
    Interruptible,
    /// `TASK_UNINTERRUPTIBLE` (`D`): only an explicit wake-up ends it; counts in the load average.
    Uninterruptible,
    /// `TASK_KILLABLE` (`D` as well): uninterruptible, except by a fatal signal.
    Killable,
    /// `TASK_IDLE` (`I`): uninterruptible, but not counted in the load average.
    Idle,
}

impl Sleep {
    fn state(self) -> c_uint {
        match self {
            Sleep::Interruptible => bindings::TASK_INTERRUPTIBLE,
            Sleep::Uninterruptible => bindings::TASK_UNINTERRUPTIBLE,
            Sleep::Killable => bindings::TASK_KILLABLE,
            Sleep::Idle => bindings::TASK_IDLE,
        }
    }
}

/// Why [`Current::wait_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Woken {
    /// The condition was true.
    Condition,
    /// The thread was asked to stop.
    Stop,
    /// The timeout passed.
    Timeout,
    /// A fatal signal arrived (only in a [`Sleep::Killable`] sleep of a thread that let SIGKILL
    /// through, see [`Current::with_sigkill`]).
    Signal,
}

/// Counts of what happened in [`Current::wait_until`] calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct WaitCounts {
    /// Calls of `schedule()`: the thread really went to sleep.
    pub(crate) sleeps: u64,
    /// Returns from `schedule()` that found the condition still false (and no stop request, no
    /// timeout): something woke the thread for nothing.
    pub(crate) spurious: u64,
}

/// The running kernel thread, as its own closure sees it. It cannot be sent to another thread,
/// and it exists only during the closure's call.
pub(crate) struct Current(PhantomData<*mut ()>);

impl Current {
    /// Whether the thread has been asked to stop (`kthread_should_stop()`).
    pub(crate) fn should_stop(&self) -> bool {
        // SAFETY: A `Current` exists only inside the thread function of a kthread.
        unsafe { bindings::kthread_should_stop() }
    }

    /// Sleeps in `how` until `cond()` is true, the thread is asked to stop, `timeout_ms` passes
    /// (if `Some`), or, for [`Sleep::Killable`], a fatal signal arrives.
    ///
    /// `cond` runs with the task state already set to `how`, so it must not sleep (a spinlock is
    /// fine, a mutex is not: the debug kernel warns "do not call blocking ops when
    /// !TASK_RUNNING"). The condition is tested before the stop request, so a thread sees work
    /// queued before its stop.
    pub(crate) fn wait_until(
        &self,
        how: Sleep,
        timeout_ms: Option<u32>,
        counts: &mut WaitCounts,
        mut cond: impl FnMut() -> bool,
    ) -> Woken {
        let mut left = match timeout_ms {
            // `schedule_timeout()` takes a signed count; a `u32` of milliseconds fits.
            Some(ms) => kernel::time::msecs_to_jiffies(ms) as c_long,
            None => c_long::MAX, // MAX_SCHEDULE_TIMEOUT
        };
        let mut woke = false;
        let why = loop {
            // SAFETY: Sets the state of the current task, with the barrier that orders it
            // before the reads of `cond`.
            unsafe { proclab_set_current_state(how.state()) };
            if cond() {
                break Woken::Condition;
            }
            if self.should_stop() {
                break Woken::Stop;
            }
            // SAFETY: Reads the current task's pending signals.
            if how == Sleep::Killable && unsafe { proclab_sigkill_pending() } {
                break Woken::Signal;
            }
            if left <= 0 {
                break Woken::Timeout;
            }
            if woke {
                counts.spurious += 1;
            }
            counts.sleeps += 1;
            // SAFETY: Called from a kthread in process context with no lock held (`cond` has
            // returned); the state set above makes it sleep.
            left = unsafe { bindings::schedule_timeout(left) };
            woke = left > 0;
        };
        // SAFETY: Sets the current task back to running; no barrier needed for that.
        unsafe { proclab_set_current_running() };
        why
    }

    /// Sleeps in `how` for `ms` milliseconds, or until the thread is asked to stop (or, for
    /// [`Sleep::Killable`], a fatal signal arrives).
    pub(crate) fn sleep(&self, how: Sleep, ms: u32) -> Woken {
        self.wait_until(how, Some(ms), &mut WaitCounts::default(), || false)
    }

    /// Runs `f` with SIGKILL let through to this thread (kernel threads ignore every signal),
    /// so that a [`Sleep::Killable`] sleep in `f` ends on `kill -9`. The thread does not die of
    /// it: the signal is discarded when `f` returns.
    pub(crate) fn with_sigkill<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: Changes the current kthread's own signal disposition.
        unsafe { proclab_allow_sigkill() };
        let r = f();
        // SAFETY: As above; also flushes the signals left pending.
        unsafe { proclab_ignore_sigkill() };
        r
    }
}

/// Whether `cpu` exists and is online.
pub(crate) fn cpu_online(cpu: u32) -> bool {
    // SAFETY: Reads the online mask; the function checks `cpu` against `nr_cpu_ids` first.
    unsafe { proclab_cpu_online(cpu) }
}

/// A scheduling policy with its parameter, as `sched_setattr(2)` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// `SCHED_NORMAL` at a nice value in -20..=19.
    Normal(i32),
    /// `SCHED_FIFO` at a priority in 1..=99.
    Fifo(u32),
    /// `SCHED_RR` at a priority in 1..=99.
    RoundRobin(u32),
}

/// Sets `task`'s policy (`sched_setattr_nocheck()`: no permission checks, any priority).
/// Out-of-range values fail with `EINVAL` before anything changes.
pub(crate) fn set_policy(task: &Task, policy: Policy) -> Result {
    let (p, prio, nice) = match policy {
        Policy::Normal(nice @ -20..=19) => (bindings::SCHED_NORMAL, 0, nice),
        Policy::Fifo(prio @ 1..=99) => (bindings::SCHED_FIFO, prio, 0),
        Policy::RoundRobin(prio @ 1..=99) => (bindings::SCHED_RR, prio, 0),
        _ => return Err(EINVAL),
    };
    // SAFETY: `task` is live (a reference to it exists); the values are in range.
    to_result(unsafe { proclab_sched_setattr(task.as_ptr(), p, prio, nice) })
}

/// Sets `task`'s nice value (`set_user_nice()`), which takes effect for `SCHED_NORMAL` (an RT
/// task keeps it for when it returns to `SCHED_NORMAL`).
pub(crate) fn set_nice(task: &Task, nice: i32) -> Result {
    if !(-20..=19).contains(&nice) {
        return Err(EINVAL);
    }
    // SAFETY: `task` is live; `nice` is in range.
    unsafe { bindings::set_user_nice(task.as_ptr(), nice as c_long) };
    Ok(())
}

/// Restricts `task` to `cpu` (`set_cpus_allowed_ptr()`), or to every CPU for `None`.
pub(crate) fn set_cpu(task: &Task, cpu: Option<u32>) -> Result {
    let r = match cpu {
        Some(cpu) if !cpu_online(cpu) => return Err(EINVAL),
        // SAFETY: `task` is live; `cpu` is online.
        Some(cpu) => unsafe { proclab_set_cpu(task.as_ptr(), cpu) },
        // SAFETY: `task` is live.
        None => unsafe { proclab_set_all_cpus(task.as_ptr()) },
    };
    to_result(r)
}

#[kunit_tests(proclab_kthread)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use kernel::sync::Arc;

    /// Counts its drops: the closure that owns it is freed exactly once.
    struct Drops(Arc<AtomicU32>);

    impl Drop for Drops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A flag the thread raises when its closure starts, and a wait for it (up to 10 s: a new
    /// thread may wait long for a CPU on a loaded host).
    fn flag() -> Result<Arc<AtomicBool>> {
        Ok(Arc::new(AtomicBool::new(false), GFP_KERNEL)?)
    }

    fn wait_for(flag: &AtomicBool) {
        for _ in 0..10_000 {
            if flag.load(Ordering::Acquire) {
                return;
            }
            // SAFETY: Sleeping in process context.
            unsafe { bindings::msleep(1) };
        }
    }

    fn counter() -> Result<(Arc<AtomicU32>, Drops)> {
        let n = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        Ok((n.clone(), Drops(n)))
    }

    // (A failing assert ends the test thread without unwinding: every thread is stopped before
    // the asserts.)

    #[test]
    fn stop_returns_the_result() -> Result {
        let started = flag()?;
        let s = started.clone();
        let t = create(c"proclab_kt_test", move |_| {
            s.store(true, Ordering::Release);
            42u32
        })?
        .start();
        wait_for(&started);
        assert_eq!(t.stop(), Some(42));
        Ok(())
    }

    #[test]
    fn stop_before_start_frees_the_closure_once() -> Result {
        let (n, d) = counter()?;
        let t = create(c"proclab_kt_test", move |_| {
            let _d = d;
            1u32
        })?;
        drop(t);
        assert_eq!(n.load(Ordering::Relaxed), 1);
        Ok(())
    }

    #[test]
    fn stop_right_after_start_frees_the_closure_once() -> Result {
        // kthread_stop() may come before the thread first ran (-EINTR, the function is never
        // called) or after: either way the closure is dropped once.
        for _ in 0..20 {
            let (n, d) = counter()?;
            let t = create(c"proclab_kt_test", move |_| {
                let _d = d;
                7u32
            })?
            .start();
            let r = t.stop();
            assert!(r.is_none() || r == Some(7));
            assert_eq!(n.load(Ordering::Relaxed), 1);
        }
        Ok(())
    }

    #[test]
    fn a_finished_thread_can_still_be_stopped() -> Result {
        let started = flag()?;
        let s = started.clone();
        let t = create(c"proclab_kt_test", move |_| {
            s.store(true, Ordering::Release);
            5u32
        })?
        .start();
        // Let it run to the end and exit on its own; the handle's reference keeps the task.
        wait_for(&started);
        // SAFETY: Sleeping in process context.
        unsafe { bindings::msleep(50) };
        assert_eq!(t.stop(), Some(5));
        Ok(())
    }

    #[test]
    fn stop_wakes_a_sleeper() -> Result {
        let started = flag()?;
        let s = started.clone();
        let t = create(c"proclab_kt_test", move |cur| {
            s.store(true, Ordering::Release);
            cur.wait_until(
                Sleep::Uninterruptible,
                None,
                &mut WaitCounts::default(),
                || false,
            )
        })?
        .start();
        wait_for(&started);
        // SAFETY: Sleeping in process context.
        unsafe { bindings::msleep(20) };
        assert_eq!(t.stop(), Some(Woken::Stop));
        Ok(())
    }

    #[test]
    fn wait_until_sees_the_condition() -> Result {
        let (cond, started, done) = (flag()?, flag()?, flag()?);
        let (c, s, d) = (cond.clone(), started.clone(), done.clone());
        let t = create(c"proclab_kt_test", move |cur| {
            s.store(true, Ordering::Release);
            let mut counts = WaitCounts::default();
            let why = cur.wait_until(Sleep::Interruptible, Some(10_000), &mut counts, || {
                c.load(Ordering::Acquire)
            });
            d.store(true, Ordering::Release);
            why
        })?
        .start();
        wait_for(&started);
        // SAFETY: Sleeping in process context.
        unsafe { bindings::msleep(20) };
        // The waker's side of the pattern: make the condition true, then wake.
        cond.store(true, Ordering::Release);
        t.task().wake_up();
        wait_for(&done);
        assert_eq!(t.stop(), Some(Woken::Condition));
        Ok(())
    }

    #[test]
    fn wait_until_times_out() -> Result {
        // Wait for the sleep to end rather than a fixed time: on a loaded host the 20 ms timer
        // may fire long after 200 ms, and a stop before that would (rightly) end it as `Stop`.
        let (started, done) = (flag()?, flag()?);
        let (s, d) = (started.clone(), done.clone());
        let t = create(c"proclab_kt_test", move |cur| {
            s.store(true, Ordering::Release);
            let why = cur.sleep(Sleep::Idle, 20);
            d.store(true, Ordering::Release);
            why
        })?
        .start();
        wait_for(&started);
        wait_for(&done);
        assert_eq!(t.stop(), Some(Woken::Timeout));
        Ok(())
    }

    #[test]
    fn policies_and_cpus_are_checked() -> Result {
        let t = create(c"proclab_kt_test", |_| ())?;
        let bad = [
            set_policy(t.task(), Policy::Fifo(0)).is_err(),
            set_policy(t.task(), Policy::RoundRobin(100)).is_err(),
            set_policy(t.task(), Policy::Normal(20)).is_err(),
            set_nice(t.task(), -21).is_err(),
            t.bind(kernel::cpu::nr_cpu_ids()).is_err(),
        ];
        let good = [
            set_policy(t.task(), Policy::Fifo(1)).is_ok(),
            set_policy(t.task(), Policy::Normal(-20)).is_ok(),
            t.bind(0).is_ok(),
        ];
        drop(t);
        assert!(bad.iter().all(|&b| b));
        assert!(good.iter().all(|&g| g));
        Ok(())
    }
}
