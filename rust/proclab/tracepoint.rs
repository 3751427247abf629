// SPDX-License-Identifier: GPL-2.0

//! [`Probes`]: a [`Handler`] attached to built-in tracepoints found by name.
//!
//! C header: [`include/linux/tracepoint.h`](srctree/include/linux/tracepoint.h); the events in
//! [`include/trace/events/sched.h`](srctree/include/trace/events/sched.h) and
//! [`include/trace/events/task.h`](srctree/include/trace/events/task.h).
//!
//! The scheduler's lifecycle tracepoints are not exported to modules (there is no
//! `register_trace_*` symbol for them): `for_each_kernel_tracepoint()` finds one by name in the
//! kernel image, and `tracepoint_probe_register()` attaches a probe, a function with the C
//! signature of the tracepoint's `TP_PROTO` after a leading `void *data`. That signature is the
//! one thing no compiler checks. This file has one probe per tracepoint, each written against
//! its `TP_PROTO`, which calls the matching method of a [`Handler`]: the handlers are safe code.
//!
//! Probes run where the event happens, in whatever context that is (`sched_process_free` runs
//! from an RCU callback), under SRCU: a handler must not sleep, and must take no lock that
//! sleeps on `PREEMPT_RT` (a `crate::sync::RawSpinLockIrq` is fine).
//!
//! A module that uses this file links `rust/helpers/tracepoint.c` into itself.

use core::{ffi::c_void, ptr::NonNull};
use kernel::{
    bindings,
    error::to_result,
    ffi::{c_char, c_uint},
    prelude::*,
    sync::Arc,
    task::{Pid, Task},
    warn_on,
};

#[cfg(proclab_tracepoint_tests)]
#[path = "tracepoint/kunit.rs"]
mod kunit;

// bindgen's `pid` and `linux_binprm` hold types the lint deems not FFI-safe; only the pointers
// cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_tracepoint_synchronize_unregister();
    fn proclab_pid_nr(pid: *mut bindings::pid) -> Pid;
    fn proclab_bprm_filename(bprm: *const bindings::linux_binprm) -> *const c_char;
    fn proclab_local_clock() -> u64;
}

/// `local_clock()`: this CPU's scheduler clock in nanoseconds, the clock `rq_clock()` and so
/// `/proc/<pid>/schedstat` are read from. Callable in any context, probes included; the values
/// of two CPUs agree to within the clock's cross-CPU skew.
#[allow(dead_code)] // proclab_lifecycle stamps its records with the monotonic clock instead.
pub(crate) fn local_clock_ns() -> u64 {
    // SAFETY: `local_clock()` has no preconditions: it disables preemption around its read.
    unsafe { proclab_local_clock() }
}

/// What a handler is told: one method per tracepoint of [`Event`], each a no-op unless
/// overridden. Called concurrently on every CPU, in any context but NMI: no sleeping.
pub(crate) trait Handler: Send + Sync + 'static {
    /// `task_newtask`: `copy_process()` made `task` with `clone_flags`. Runs in the parent
    /// (`current`); the child has not run yet, and its `comm` is still the parent's.
    fn task_newtask(&self, _task: &Task, _clone_flags: u64) {}

    /// `sched_process_exec`: `task` (`current`) completed an exec of `filename`. `old_pid` is
    /// its pid before: a thread that is not the leader takes the leader's pid in the exec.
    fn sched_process_exec(&self, _task: &Task, _old_pid: Pid, _filename: &CStr) {}

    /// `sched_process_exit`: `task` (`current`) is in `do_exit()`, before it releases its `mm`
    /// and files; `group_dead` if it is the last live thread of its group.
    fn sched_process_exit(&self, _task: &Task, _group_dead: bool) {}

    /// `sched_process_wait`: `current` is in `do_wait()` for `pid` (0: any child, or a
    /// process group).
    fn sched_process_wait(&self, _pid: Pid) {}

    /// `sched_process_free`: `task` was reaped (or autoreaped) and an RCU grace period passed;
    /// its caller, an RCU callback, drops its reference right after.
    fn sched_process_free(&self, _task: &Task) {}

    /// `sched_switch`: the CPU switches from `prev` to `next`, under the run-queue lock with
    /// interrupts off. `preempt` if `prev` was preempted; `prev_state` is its `__state` then:
    /// 0 (`TASK_RUNNING`) if it stays runnable, non-zero if it blocks, and non-zero with
    /// `preempt` if it was preempted between setting its state and `schedule()` (it stays
    /// queued).
    fn sched_switch(&self, _preempt: bool, _prev: &Task, _next: &Task, _prev_state: u32) {}

    /// `sched_wakeup`: `task` was woken and is runnable, under the run-queue lock (and its
    /// `pi_lock`, except on the wake-list path, `sched_ttwu_pending()`). It may still be on
    /// its CPU (`ttwu_runnable()`: woken before it got to sleep).
    fn sched_wakeup(&self, _task: &Task) {}
}

/// The tracepoints a [`Handler`] can be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    TaskNewtask,
    SchedProcessExec,
    SchedProcessExit,
    SchedProcessWait,
    SchedProcessFree,
    // Each module attaches to the events it shows; the scheduler's are proclab_sched's.
    #[allow(dead_code)]
    SchedSwitch,
    #[allow(dead_code)]
    SchedWakeup,
}

impl Event {
    /// The tracepoint's name, as `/sys/kernel/tracing/events/*/` lists it.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            Event::TaskNewtask => c"task_newtask",
            Event::SchedProcessExec => c"sched_process_exec",
            Event::SchedProcessExit => c"sched_process_exit",
            Event::SchedProcessWait => c"sched_process_wait",
            Event::SchedProcessFree => c"sched_process_free",
            Event::SchedSwitch => c"sched_switch",
            Event::SchedWakeup => c"sched_wakeup",
        }
    }

    /// The probe of this tracepoint for handlers of type `H`.
    fn probe<H: Handler>(self) -> *mut c_void {
        let f: *const () = match self {
            Event::TaskNewtask => task_newtask::<H> as *const (),
            Event::SchedProcessExec => sched_process_exec::<H> as *const (),
            Event::SchedProcessExit => sched_process_exit::<H> as *const (),
            Event::SchedProcessWait => sched_process_wait::<H> as *const (),
            Event::SchedProcessFree => sched_process_free::<H> as *const (),
            Event::SchedSwitch => sched_switch::<H> as *const (),
            Event::SchedWakeup => sched_wakeup::<H> as *const (),
        };
        f.cast_mut().cast()
    }
}

/// A tracepoint of the kernel image (not of a module: those come and go).
#[derive(Clone, Copy)]
pub(crate) struct Tracepoint(NonNull<bindings::tracepoint>);

// SAFETY: A built-in tracepoint is a static of the kernel image, never freed, and the C
// functions that take it synchronise themselves (`tracepoints_mutex`).
unsafe impl Send for Tracepoint {}
// SAFETY: As above: shared references only pass the pointer to those functions.
unsafe impl Sync for Tracepoint {}

impl Tracepoint {
    /// The built-in tracepoint named `name`, if the kernel has one.
    pub(crate) fn find(name: &CStr) -> Option<Self> {
        struct Search<'a> {
            name: &'a CStr,
            found: Option<NonNull<bindings::tracepoint>>,
        }

        /// # Safety
        ///
        /// `tp` is a built-in tracepoint and `data` the `Search` of `find`.
        unsafe extern "C" fn visit(tp: *mut bindings::tracepoint, data: *mut c_void) {
            // SAFETY: `data` is the `Search` of `find`, which lives across the walk and is used
            // by nothing else meanwhile (`for_each_kernel_tracepoint()` calls back
            // synchronously, on this thread).
            let search = unsafe { &mut *data.cast::<Search<'_>>() };
            // SAFETY: `tp` is a tracepoint of the kernel image; its `name` is a NUL-terminated
            // string there.
            let name = unsafe { CStr::from_char_ptr((*tp).name) };
            if search.found.is_none() && name == search.name {
                search.found = NonNull::new(tp);
            }
        }

        let mut search = Search { name, found: None };
        // SAFETY: `visit` has the callback's signature and takes `data` as the `Search` passed
        // here, which outlives the call.
        unsafe { bindings::for_each_kernel_tracepoint(Some(visit), (&raw mut search).cast()) };
        search.found.map(Tracepoint)
    }
}

/// A handler attached to tracepoints, detached when dropped.
///
/// # Invariants
///
/// For each `(tp, event)` of `attached`, `event.probe::<H>()` is registered on `tp` with the
/// data `Arc::as_ptr(&handler)`; `handler` is dropped only after `Drop` has unregistered every
/// one and waited until no CPU runs one.
pub(crate) struct Probes<H: Handler> {
    attached: KVec<(Tracepoint, Event)>,
    handler: Arc<H>,
}

impl<H: Handler> Probes<H> {
    /// Attaches `handler` to each of `events`. `EINVAL` for an event named twice (the kernel
    /// would warn), `ENOENT` if the kernel has no such tracepoint (`CONFIG_TRACEPOINTS` off),
    /// or the error of `tracepoint_probe_register()`; nothing stays attached then.
    pub(crate) fn attach(handler: Arc<H>, events: &[Event]) -> Result<Self> {
        if events
            .iter()
            .enumerate()
            .any(|(i, e)| events[..i].contains(e))
        {
            return Err(EINVAL);
        }
        let mut this = Probes {
            attached: KVec::with_capacity(events.len(), GFP_KERNEL)?,
            handler,
        };
        for &event in events {
            let tp = Tracepoint::find(event.name()).ok_or(ENOENT)?;
            let data = Arc::as_ptr(&this.handler).cast_mut().cast::<c_void>();
            // SAFETY: `event.probe::<H>()` has the signature of `event`'s probes (each probe
            // below is written against its `TP_PROTO`) and takes `data` as an `H`, which the
            // `Arc` in `this` keeps alive until `Drop` has unregistered it.
            to_result(unsafe {
                bindings::tracepoint_probe_register(tp.0.as_ptr(), event.probe::<H>(), data)
            })?;
            // INVARIANT: Recorded right away, so that `Drop` unregisters it. The capacity was
            // reserved above, so the push cannot fail.
            if this.attached.push_within_capacity((tp, event)).is_err() {
                // Unreachable; unregister rather than leave a probe behind.
                // SAFETY: Registered just above with the same probe and data.
                unsafe {
                    bindings::tracepoint_probe_unregister(tp.0.as_ptr(), event.probe::<H>(), data)
                };
                return Err(ENOMEM);
            }
        }
        Ok(this)
    }

    /// The handler the probes call.
    pub(crate) fn handler(&self) -> &Arc<H> {
        &self.handler
    }
}

impl<H: Handler> Drop for Probes<H> {
    fn drop(&mut self) {
        let data = Arc::as_ptr(&self.handler).cast_mut().cast::<c_void>();
        for &(tp, event) in self.attached.iter() {
            // SAFETY: Registered by `attach` with this probe and data (type invariant).
            let ret = unsafe {
                bindings::tracepoint_probe_unregister(tp.0.as_ptr(), event.probe::<H>(), data)
            };
            // It fails only for a probe that is not registered, which the invariant rules out.
            warn_on!(ret != 0);
        }
        if !self.attached.is_empty() {
            // SAFETY: Callable from process context, which a drop of this type is in (it
            // sleeps; the module's exit or a file operation). After it, no CPU runs a probe
            // that had `data`, so `handler` may be dropped next.
            unsafe { proclab_tracepoint_synchronize_unregister() };
        }
    }
}

// The probes. Each has its tracepoint's `TP_PROTO`, quoted above it, after `void *data`.

// TP_PROTO(struct task_struct *task, u64 clone_flags)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn task_newtask<H: Handler>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
    clone_flags: u64,
) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: The new task, alive across the call (`copy_process()` holds it); `Task` is a
    // transparent wrapper of `task_struct`.
    let task = unsafe { &*task.cast::<Task>() };
    h.task_newtask(task, clone_flags);
}

// TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_process_exec<H: Handler>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
    old_pid: Pid,
    bprm: *mut bindings::linux_binprm,
) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: `current`, alive across the call.
    let task = unsafe { &*task.cast::<Task>() };
    // SAFETY: `bprm` is the exec's, valid across the call; its `filename` is a NUL-terminated
    // string it owns until the exec ends.
    let filename = unsafe { CStr::from_char_ptr(proclab_bprm_filename(bprm)) };
    h.sched_process_exec(task, old_pid, filename);
}

// TP_PROTO(struct task_struct *p, bool group_dead)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_process_exit<H: Handler>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
    group_dead: bool,
) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: `current`, alive across the call.
    let task = unsafe { &*task.cast::<Task>() };
    h.sched_process_exit(task, group_dead);
}

// TP_PROTO(struct pid *pid)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_process_wait<H: Handler>(data: *mut c_void, pid: *mut bindings::pid) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: `pid` is the waiter's `wo_pid`, NULL or a `struct pid` it holds a reference to.
    let nr = unsafe { proclab_pid_nr(pid) };
    h.sched_process_wait(nr);
}

// TP_PROTO(struct task_struct *p)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_process_free<H: Handler>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: `delayed_put_task_struct()` still holds the reference it drops after the
    // tracepoint, so the task is alive across the call.
    let task = unsafe { &*task.cast::<Task>() };
    h.sched_process_free(task);
}

// TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct *next,
//          unsigned int prev_state)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_switch<H: Handler>(
    data: *mut c_void,
    preempt: bool,
    prev: *mut bindings::task_struct,
    next: *mut bindings::task_struct,
    prev_state: c_uint,
) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: `__schedule()` holds the run-queue lock: `prev` is `current` and `next` is on
    // this run queue, both alive across the call.
    let (prev, next) = unsafe { (&*prev.cast::<Task>(), &*next.cast::<Task>()) };
    h.sched_switch(preempt, prev, next, prev_state);
}

// TP_PROTO(struct task_struct *p)
/// # Safety
///
/// Called by the tracepoint only: registered by [`Probes::attach`], with `data` an `H` that the
/// `Probes` keeps alive until no CPU runs the probe (its type invariant), and the arguments the
/// tracepoint passes.
unsafe extern "C" fn sched_wakeup<H: Handler>(data: *mut c_void, task: *mut bindings::task_struct) {
    // SAFETY: `data` is an `H` kept alive while registered (see above).
    let h = unsafe { &*data.cast::<H>() };
    // SAFETY: The caller holds the task's run-queue lock and the task is on that run queue,
    // so it cannot be freed across the call.
    let task = unsafe { &*task.cast::<Task>() };
    h.sched_wakeup(task);
}
