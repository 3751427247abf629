// SPDX-License-Identifier: GPL-2.0

//! Kernel threads that run a Rust closure, their scheduling knobs, and the sleep/wake-up loop
//! they use.
//!
//! C header: [`include/linux/kthread.h`](srctree/include/linux/kthread.h); C reference
//! `kernel/kthread.c`.
//!
//! Upstream 7.3 has no kthread abstraction; the names follow the `rust-thread` proposal
//! (`Thread`, `ThreadNew`, `new`, `spawn`, `bind`, `start`, `stop`). [`Thread::new`] makes a thread
//! with `kthread_create_on_node()`: it exists (in `/proc`, as a child of kthreadd) but has not run
//! yet, and it waits in `TASK_UNINTERRUPTIBLE` until it is started. That is the [`ThreadNew`]
//! state, the one in which `kthread_bind()` is allowed. [`ThreadNew::start`] wakes it and returns
//! a [`Thread`]; [`Thread::spawn`] does both. Both handles stop the thread when dropped, with
//! `kthread_stop()`, which sets the thread's "should stop" flag, wakes it and waits until it has
//! exited; [`Thread::stop`] does the same and returns the closure's result.
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
//! - changing the scheduling of a task the module does not own: policy, nice value and CPU
//!   affinity are methods of the handles ([`Handle`]), not functions of any `&Task`.
//!
//! The closure gets a [`Current`]: the running thread's own view, built on
//! [`CurrentTask`](kernel::task::CurrentTask), which cannot leave the thread. Its
//! [`Current::wait_until`] is the only way to sleep on a condition, and it follows the order that
//! makes a lost wake-up impossible: publish the sleeping state first (with a full barrier), then
//! test the condition, and call `schedule()` only if it is still false. A waker that makes the
//! condition true and then calls `wake_up_process()` either runs before the test (which then sees
//! the condition) or after the state was set (and its wake-up makes the thread runnable).

use crate::sched::{Nice, Policy, Setting};
use core::{
    cell::UnsafeCell,
    ffi::{c_uint, c_void},
    ops::Deref,
    ptr::NonNull,
};
use kernel::{
    bindings,
    cpu::CpuId,
    error::{from_err_ptr, to_result},
    ffi::c_long,
    prelude::*,
    sync::aref::ARef,
    task::{CurrentTask, Task, MAX_SCHEDULE_TIMEOUT},
    time::{msecs_to_jiffies, Delta},
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
        runtime: u64,
        deadline: u64,
        period: u64,
    ) -> c_int;
    fn proclab_task_policy(p: *const bindings::task_struct) -> c_uint;
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
/// the access rules of its invariant, and the function must run as the thread function of the
/// kthread `data` was given to.
unsafe extern "C" fn run<F, T>(data: *mut c_void) -> c_int
where
    F: FnOnce(&Current) -> T,
{
    // SAFETY: By the function's safety requirements `data` is a live `Packet<F, T>`.
    let packet = unsafe { &*data.cast::<Packet<F, T>>() };
    // SAFETY: The thread is running, so by the invariant of `Packet` it alone accesses `f`.
    let f = unsafe { (*packet.f.get()).take() };
    if let Some(f) = f {
        // SAFETY: `task` lives in this frame of the thread function, and nothing below leaves
        // the task context: a kthread never returns to user space, is released only after this
        // function has returned, never execs, and no `kthread_use_mm()` scope is opened here.
        let task = unsafe { Task::current() };
        // SAFETY: This is the thread function of a kthread (the function's requirement).
        let current = unsafe { Current::from_task(&task) };
        let r = f(current);
        // SAFETY: As above, the thread alone accesses `result` while it runs.
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

/// What a [`ThreadNew`] and a [`Thread`] have in common: the thread's task, the block its closure
/// lives in, and the scheduling knobs of this one thread. Stops the thread when dropped.
///
/// # Invariants
///
/// While `packet` is `Some`: `task` was created by `proclab_kthread_create()` with `run::<F, T>`
/// and `packet` as its data, `kthread_stop()` has not been called on it, and `finish` is
/// `finish::<F, T>` for the same `F` and `T`.
pub(crate) struct Handle<T> {
    task: ARef<Task>,
    packet: Option<NonNull<c_void>>,
    finish: unsafe fn(NonNull<c_void>) -> Option<T>,
}

// SAFETY: The closure and the result are `Send`; the handle only touches them after the thread
// has exited, from whichever thread drops or stops it.
unsafe impl<T: Send> Send for Handle<T> {}
// SAFETY: A shared handle gives out `&Task` (which is `Sync`) and calls the scheduler's setters,
// which take the task's own locks; the packet is reached only through `&mut self`.
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

    /// The thread's task (still readable after the thread has exited).
    pub(crate) fn task(&self) -> &Task {
        &self.task
    }

    /// The thread's scheduling policy now; it may change right after the read.
    pub(crate) fn policy(&self) -> Policy {
        // SAFETY: The task is live (we hold a reference). The shim reads the one `unsigned int`
        // with `READ_ONCE()`, as `/proc/<pid>/stat` reads it without the scheduler's locks: a
        // concurrent `sched_setattr()` yields the old or the new policy.
        Policy::from_raw(unsafe { proclab_task_policy(self.task.as_ptr()) })
    }

    /// Sets the thread's policy and its parameters (`sched_setattr_nocheck()`: no permission
    /// checks, any real-time priority). A deadline setting goes through admission control:
    /// `EBUSY` if its bandwidth does not fit, `EPERM` if the thread is bound to fewer CPUs than
    /// its root domain has (bind it after, with [`ThreadNew::bind`]).
    pub(crate) fn set_policy(&self, setting: Setting) -> Result {
        let a = setting.as_raw();
        // SAFETY: The task is live (we hold a reference), which is all `sched_setattr_nocheck()`
        // needs: it takes the task's `pi_lock` and run-queue lock itself. The values come from a
        // `Setting`, whose `Nice`, `RtPriority` and `DlParams` are in range by their invariants
        // (the kernel checks them again).
        to_result(unsafe {
            proclab_sched_setattr(
                self.task.as_ptr(),
                a.policy,
                a.priority,
                a.nice,
                a.runtime,
                a.deadline,
                a.period,
            )
        })
    }

    /// Sets the thread's nice value (`set_user_nice()`), which takes effect for `SCHED_NORMAL`
    /// (a real-time thread keeps it for when it returns to `SCHED_NORMAL`).
    pub(crate) fn set_nice(&self, nice: Nice) {
        // SAFETY: The task is live (we hold a reference); `set_user_nice()` takes the task's run
        // queue lock itself, and `nice` is in range by the invariant of `Nice`.
        unsafe { bindings::set_user_nice(self.task.as_ptr(), nice.get() as c_long) };
    }

    /// Restricts the thread to `cpu` (`set_cpus_allowed_ptr()`), or lets it run on every CPU
    /// for `None`. `EINVAL` for a CPU that is not online.
    pub(crate) fn set_affinity(&self, cpu: Option<CpuId>) -> Result {
        let r = match cpu {
            Some(cpu) if !cpu_online(cpu) => return Err(EINVAL),
            // SAFETY: The task is live (we hold a reference); `cpu` is below `nr_cpu_ids` by the
            // invariant of `CpuId`, so `cpumask_of(cpu)` is a valid mask.
            Some(cpu) => unsafe { proclab_set_cpu(self.task.as_ptr(), cpu.as_u32()) },
            // SAFETY: The task is live (we hold a reference).
            None => unsafe { proclab_set_all_cpus(self.task.as_ptr()) },
        };
        to_result(r)
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        self.stop_once();
    }
}

/// A kernel thread created but not started yet. Dropping it stops the thread, which then never
/// runs its closure (the closure is dropped).
pub(crate) struct ThreadNew<T>(Handle<T>);

impl<T> ThreadNew<T> {
    /// Binds the thread to `cpu` for its whole life (`kthread_bind()`: allowed only before the
    /// thread first runs, which is why it is a method of this state). User space can then no
    /// longer change its affinity (`PF_NO_SETAFFINITY`). `EINVAL` for a CPU that is not online.
    pub(crate) fn bind(&self, cpu: CpuId) -> Result {
        if !cpu_online(cpu) {
            return Err(EINVAL);
        }
        // SAFETY: The task is live (we hold a reference) and has not run yet (it is started only
        // by `start()`, which consumes `self`), as `kthread_bind()` requires; `cpu` is online.
        unsafe { bindings::kthread_bind(self.0.task.as_ptr(), cpu.as_u32()) };
        Ok(())
    }

    /// Starts the thread: `wake_up_process()`.
    pub(crate) fn start(self) -> Thread<T> {
        self.0.task.wake_up();
        Thread(self.0)
    }
}

impl<T> Deref for ThreadNew<T> {
    type Target = Handle<T>;

    fn deref(&self) -> &Handle<T> {
        &self.0
    }
}

/// A running (or finished) kernel thread; dropping it stops the thread and waits for it.
pub(crate) struct Thread<T>(Handle<T>);

impl<T: Send + 'static> Thread<T> {
    /// Creates a kernel thread named `name` that will run `f`, but does not start it.
    ///
    /// The thread's parent is kthreadd (pid 2); it has no `mm`. Until [`ThreadNew::start`] it
    /// sleeps in `TASK_UNINTERRUPTIBLE` (`D` in `ps`), without having run any of `f`.
    // The `rust-thread` proposal's shape: what `new` makes is a `ThreadNew` until started.
    #[allow(clippy::new_ret_no_self)]
    pub(crate) fn new<F>(name: &CStr, f: F) -> Result<ThreadNew<T>>
    where
        F: FnOnce(&Current) -> T + Send + 'static,
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
        // allocated until the handle made below has stopped the thread, and `run` becomes the
        // new kthread's function. The name is NUL-terminated and copied by the callee.
        let task = unsafe { proclab_kthread_create(run::<F, T>, data.cast(), name.as_char_ptr()) };
        let task = match from_err_ptr(task) {
            Ok(task) => task,
            Err(e) => {
                // SAFETY: No thread was made, so nothing else has seen `data`: it is ours to free.
                drop(unsafe { KBox::from_raw(data) });
                return Err(e);
            }
        };
        // SAFETY: `task` is the live task just created: `kthread_create_on_node()` returns it
        // after kthreadd has forked it, and it cannot exit before it is stopped or started.
        // `ARef::from` takes our own reference, which keeps it allocated from here on.
        let task: ARef<Task> = ARef::from(unsafe { &*task.cast::<Task>() });
        // INVARIANT: `task` runs `run::<F, T>` on `data`, and has not been stopped.
        Ok(ThreadNew(Handle {
            task,
            packet: NonNull::new(data.cast()),
            finish: finish::<F, T>,
        }))
    }

    /// Creates a kernel thread named `name` that runs `f`, and starts it.
    pub(crate) fn spawn<F>(name: &CStr, f: F) -> Result<Thread<T>>
    where
        F: FnOnce(&Current) -> T + Send + 'static,
    {
        Ok(Self::new(name, f)?.start())
    }
}

impl<T> Thread<T> {
    /// Asks the thread to stop, wakes it, waits for it to exit and returns what its closure
    /// returned, or `None` if the closure never ran (the thread was stopped before it got to).
    pub(crate) fn stop(mut self) -> Option<T> {
        self.0.stop_once()
    }
}

impl<T> Deref for Thread<T> {
    type Target = Handle<T>;

    fn deref(&self) -> &Handle<T> {
        &self.0
    }
}

/// Some CPU work that takes a few microseconds and that the compiler cannot remove: the loop
/// body of a thread that keeps a CPU busy.
pub(crate) fn work() -> u64 {
    let mut x = core::hint::black_box(0x9e37_79b9_7f4a_7c15u64);
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    core::hint::black_box(x)
}

/// Whether `cpu` is online.
pub(crate) fn cpu_online(cpu: CpuId) -> bool {
    // SAFETY: `cpu` is below `nr_cpu_ids` by the invariant of `CpuId` (the shim checks it again)
    // and the online mask is a static bitmap, read with an atomic bit test.
    unsafe { proclab_cpu_online(cpu.as_u32()) }
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

/// `timeout` in jiffies for `schedule_timeout()`: `MAX_SCHEDULE_TIMEOUT` (no timeout) for
/// `None`, rounded up to whole milliseconds and saturated otherwise (a negative span is 0).
fn timeout_jiffies(timeout: Option<Delta>) -> c_long {
    let Some(timeout) = timeout else {
        return MAX_SCHEDULE_TIMEOUT;
    };
    let ms = u32::try_from(timeout.as_millis_ceil().max(0)).unwrap_or(u32::MAX);
    // `msecs_to_jiffies()` saturates at `MAX_JIFFY_OFFSET`, below `MAX_SCHEDULE_TIMEOUT`.
    c_long::try_from(msecs_to_jiffies(ms)).unwrap_or(MAX_SCHEDULE_TIMEOUT - 1)
}

/// The running kernel thread, as its own closure sees it: a [`CurrentTask`] that is a kthread
/// made by [`Thread::new`]. It cannot be sent to another thread (`CurrentTask` is not `Send`),
/// and the closure gets it only by reference, for the duration of its call.
///
/// # Invariants
///
/// The current task is a kthread running the thread function `run` of this file.
#[repr(transparent)]
pub(crate) struct Current(CurrentTask);

impl Current {
    /// The view of `task`.
    ///
    /// # Safety
    ///
    /// The caller must be the thread function `run` of this file, and `task` the current task.
    unsafe fn from_task(task: &CurrentTask) -> &Current {
        // INVARIANT: The caller is `run`, so the current task is one of our kthreads.
        // CAST: `Current` is a transparent wrapper of `CurrentTask`.
        // SAFETY: The pointer comes from a reference to a `CurrentTask`, so it is valid as a
        // `Current` (same layout) for the lifetime of that reference, which the result keeps.
        unsafe { &*core::ptr::from_ref(task).cast::<Current>() }
    }

    /// Whether the thread has been asked to stop (`kthread_should_stop()`).
    pub(crate) fn should_stop(&self) -> bool {
        // SAFETY: By the type invariant the current task is a kthread, which is what
        // `kthread_should_stop()` reads its flag from (it warns on any other task).
        unsafe { bindings::kthread_should_stop() }
    }

    /// Sleeps in `how` until `cond()` is true, the thread is asked to stop, `timeout` passes
    /// (if `Some`), or, for [`Sleep::Killable`], a fatal signal arrives.
    ///
    /// `cond` runs with the task state already set to `how`, so it must not sleep (a spinlock is
    /// fine, a mutex is not: the debug kernel warns "do not call blocking ops when
    /// !TASK_RUNNING"). The condition is tested before the stop request, so a thread sees work
    /// queued before its stop.
    pub(crate) fn wait_until(
        &self,
        how: Sleep,
        timeout: Option<Delta>,
        counts: &mut WaitCounts,
        mut cond: impl FnMut() -> bool,
    ) -> Woken {
        let mut left = timeout_jiffies(timeout);
        let mut woke = false;
        let why = loop {
            // SAFETY: Sets the state of the current task, which `&self` proves is this thread;
            // the shim's full barrier orders the store before the reads of `cond`.
            unsafe { proclab_set_current_state(how.state()) };
            if cond() {
                break Woken::Condition;
            }
            if self.should_stop() {
                break Woken::Stop;
            }
            // SAFETY: Reads the pending sets of the current task and its thread group, which
            // stay allocated while the task runs; `siglock` is not needed for a bit test.
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
            // returned, and its guards with it); the state set above makes it sleep, and a
            // wake-up since then has set it back to running, so the call cannot miss it.
            left = unsafe { bindings::schedule_timeout(left) };
            woke = left > 0;
        };
        // SAFETY: Sets the current task back to running; nothing is read after it that needs the
        // barrier.
        unsafe { proclab_set_current_running() };
        why
    }

    /// Sleeps in `how` for `time`, or until the thread is asked to stop (or, for
    /// [`Sleep::Killable`], a fatal signal arrives).
    pub(crate) fn sleep(&self, how: Sleep, time: Delta) -> Woken {
        self.wait_until(how, Some(time), &mut WaitCounts::default(), || false)
    }

    /// Runs `f` with SIGKILL let through to this thread (kernel threads ignore every signal),
    /// so that a [`Sleep::Killable`] sleep in `f` ends on `kill -9`. The thread does not die of
    /// it: the signal is discarded when `f` returns.
    pub(crate) fn with_sigkill<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `allow_signal()` changes the signal disposition of the current task, which
        // `&self` proves is this kthread (user tasks must not call it; kthreads may).
        unsafe { proclab_allow_sigkill() };
        let r = f();
        // SAFETY: As above, restoring the disposition kthreadd gave it and flushing what is
        // pending, so no SIGKILL outlives `f`.
        unsafe { proclab_ignore_sigkill() };
        r
    }
}

impl Deref for Current {
    type Target = CurrentTask;

    fn deref(&self) -> &CurrentTask {
        &self.0
    }
}

// Built into proclab_kthreads only (its Kbuild sets the cfg): a suite name registers once, and
// proclab_contexts includes this file too.
#[cfg(proclab_kthread_tests)]
#[kunit_tests(proclab_kthread)]
mod tests {
    use super::*;
    use crate::sched::RtPriority;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use kernel::{sync::Arc, time::delay::fsleep};

    /// Counts its drops: the closure that owns it is freed exactly once.
    struct Drops(Arc<AtomicU32>);

    impl Drop for Drops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counter() -> Result<(Arc<AtomicU32>, Drops)> {
        let n = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        Ok((n.clone(), Drops(n)))
    }

    /// A flag a thread raises.
    fn flag() -> Result<Arc<AtomicBool>> {
        Ok(Arc::new(AtomicBool::new(false), GFP_KERNEL)?)
    }

    /// Waits for `flag` (up to 10 s: a new thread may wait long for a CPU on a loaded host).
    fn wait_for(flag: &AtomicBool) {
        for _ in 0..10_000 {
            if flag.load(Ordering::Acquire) {
                return;
            }
            fsleep(Delta::from_millis(1));
        }
    }

    /// Spawns a thread that runs `f` between two flags, `started` and `done`, and returns once
    /// its closure has started.
    fn spawn_flagged<T, F>(f: F) -> Result<(Thread<T>, Arc<AtomicBool>)>
    where
        T: Send + 'static,
        F: FnOnce(&Current) -> T + Send + 'static,
    {
        let (started, done) = (flag()?, flag()?);
        let (s, d) = (started.clone(), done.clone());
        let t = Thread::spawn(c"proclab_kt_test", move |cur| {
            s.store(true, Ordering::Release);
            let r = f(cur);
            d.store(true, Ordering::Release);
            r
        })?;
        wait_for(&started);
        Ok((t, done))
    }

    // (A failing assert ends the test thread without unwinding: every thread is stopped before
    // the asserts.)

    #[test]
    fn stop_returns_the_result() -> Result {
        let (t, _) = spawn_flagged(|_| 42u32)?;
        assert_eq!(t.stop(), Some(42));
        Ok(())
    }

    #[test]
    fn stop_before_start_frees_the_closure_once() -> Result {
        let (n, d) = counter()?;
        let t = Thread::new(c"proclab_kt_test", move |_| {
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
            let t = Thread::spawn(c"proclab_kt_test", move |_| {
                let _d = d;
                7u32
            })?;
            let r = t.stop();
            assert!(r.is_none() || r == Some(7));
            assert_eq!(n.load(Ordering::Relaxed), 1);
        }
        Ok(())
    }

    #[test]
    fn a_finished_thread_can_still_be_stopped() -> Result {
        // Let it run to the end and exit on its own; the handle's reference keeps the task.
        let (t, done) = spawn_flagged(|_| 5u32)?;
        wait_for(&done);
        fsleep(Delta::from_millis(50));
        assert_eq!(t.stop(), Some(5));
        Ok(())
    }

    #[test]
    fn stop_wakes_a_sleeper() -> Result {
        let (t, _) = spawn_flagged(|cur| {
            let mut counts = WaitCounts::default();
            cur.wait_until(Sleep::Uninterruptible, None, &mut counts, || false)
        })?;
        fsleep(Delta::from_millis(20));
        assert_eq!(t.stop(), Some(Woken::Stop));
        Ok(())
    }

    #[test]
    fn wait_until_sees_the_condition() -> Result {
        let cond = flag()?;
        let c = cond.clone();
        let (t, done) = spawn_flagged(move |cur| {
            let mut counts = WaitCounts::default();
            let timeout = Some(Delta::from_secs(10));
            cur.wait_until(Sleep::Interruptible, timeout, &mut counts, || {
                c.load(Ordering::Acquire)
            })
        })?;
        fsleep(Delta::from_millis(20));
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
        let (t, done) = spawn_flagged(|cur| cur.sleep(Sleep::Idle, Delta::from_millis(20)))?;
        wait_for(&done);
        assert_eq!(t.stop(), Some(Woken::Timeout));
        Ok(())
    }

    #[test]
    fn policies_and_cpus_are_checked() -> Result {
        let t = Thread::new(c"proclab_kt_test", |_| ())?;
        let bad = [
            RtPriority::new(0).is_err(),
            RtPriority::new(100).is_err(),
            Nice::new(20).is_err(),
            Nice::new(-21).is_err(),
            CpuId::from_u32(kernel::cpu::nr_cpu_ids()).is_none(),
        ];
        let fifo = Setting::Fifo(RtPriority::new(1)?);
        let normal = Setting::Normal(Nice::new(-20)?);
        let cpu0 = CpuId::from_u32(0).ok_or(EINVAL)?;
        let good = [
            t.set_policy(fifo).is_ok(),
            t.policy() == Policy::Fifo,
            t.set_policy(normal).is_ok(),
            t.policy() == Policy::Normal,
            t.bind(cpu0).is_ok(),
        ];
        drop(t);
        assert!(bad.iter().all(|&b| b));
        assert!(good.iter().all(|&g| g));
        Ok(())
    }
}
