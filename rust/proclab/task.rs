// SPDX-License-Identifier: GPL-2.0

//! Walking the task list and reading `task_struct` fields.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h) and
//! [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h).
//!
//! [`processes`] is the Rust form of `for_each_process()`: it starts at `init_task` and follows
//! `next_task()` around the circular `tasks` list until it is back at `init_task`, all under one
//! RCU read-side critical section. [`TaskExt`] reads the fields procfs shows, through the kernel's
//! own inline accessors (C shims in `rust/helpers/task.c`), so the values agree with
//! `/proc/<pid>/stat` by construction of the code, not by copying its output.
//!
//! A module that uses this file links `rust/helpers/task.c` into itself (see
//! `samples/tasks/helpers.c`).

use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    sync::rcu,
    task::{Pid, Task},
};

// The shims take and return pointers only. `improper_ctypes` still fires because bindgen renders
// some `task_struct` members (e.g. `sched_statistics` under lock debugging) with types it deems
// not FFI-safe; the pointee layout is never passed by value, so this is harmless.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_next_task(p: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_task_state_char(p: *mut bindings::task_struct) -> c_char;
    fn proclab_task_ppid_nr(p: *const bindings::task_struct) -> bindings::pid_t;
    fn proclab_task_nice(p: *const bindings::task_struct) -> c_int;
    fn proclab_get_nr_threads(p: *mut bindings::task_struct) -> c_int;
    fn proclab_task_weight(p: *const bindings::task_struct) -> u64;
    fn proclab_get_task_comm(buf: *mut c_char, p: *mut bindings::task_struct);
}

/// Length of `task_struct::comm`, including the terminating NUL.
pub(crate) const TASK_COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

/// Returns a pointer to `init_task`, the head of the task list (the swapper, pid 0).
fn init_task() -> *mut bindings::task_struct {
    // Only the address of the static is taken; nothing is read or written.
    &raw mut bindings::init_task
}

/// Every process (thread-group leader) on the system, as `for_each_process()` visits them.
///
/// Created by [`processes`]; the tasks it yields stay valid as long as the RCU read lock it
/// borrows is held. Tasks created or reaped during the walk may or may not be seen, exactly as
/// with the C macro; a task that was seen is never freed under the walker.
///
/// # Invariants
///
/// `cur` is `init_task` or a task that was reachable from `init_task` through `tasks.next`
/// while the RCU read lock borrowed for `'a` was held. `done` is set once the walk is back at
/// `init_task`.
pub(crate) struct Processes<'a> {
    cur: *mut bindings::task_struct,
    head: *mut bindings::task_struct,
    done: bool,
    _rcu: PhantomData<&'a rcu::Guard>,
}

/// Starts a `for_each_process()` walk under the RCU read lock `guard`.
///
/// # Examples
///
/// ```ignore
/// let guard = rcu::read_lock();
/// let nr = processes(&guard).count();
/// ```
pub(crate) fn processes(_guard: &rcu::Guard) -> Processes<'_> {
    let head = init_task();
    // INVARIANT: The walk starts at `init_task`.
    Processes {
        cur: head,
        head,
        done: false,
        _rcu: PhantomData,
    }
}

impl<'a> Iterator for Processes<'a> {
    type Item = &'a Task;

    fn next(&mut self) -> Option<&'a Task> {
        if self.done {
            return None;
        }
        // SAFETY: By the type invariant `cur` is `init_task` or a task seen on the task list
        // under the RCU read lock that is still held (it is borrowed for `'a`). A task unlinked
        // with `list_del_rcu()` keeps a valid `tasks.next`, and its memory is not freed before a
        // grace period has passed, so `next_task()` may follow it; the C shim does the
        // `rcu_dereference()`.
        let next = unsafe { proclab_next_task(self.cur) };
        match NonNull::new(next) {
            Some(next) if next.as_ptr() != self.head => {
                // INVARIANT: `next` was just reached from `cur` under the RCU read lock.
                self.cur = next.as_ptr();
                // SAFETY: `Task` is a transparent wrapper of `task_struct`. The task stays valid
                // for `'a`: the task list holds a reference on every task on it and drops it only
                // through `call_rcu()` (`delayed_put_task_struct()`), which waits for the RCU read
                // lock held for `'a`.
                Some(unsafe { &*next.as_ptr().cast::<Task>() })
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}

/// A scheduling policy, `task_struct::policy`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy(pub(crate) u32);

impl Policy {
    /// The policy's name without the `SCHED_` prefix, as `chrt` prints it.
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            bindings::SCHED_NORMAL => "NORMAL",
            bindings::SCHED_FIFO => "FIFO",
            bindings::SCHED_RR => "RR",
            bindings::SCHED_BATCH => "BATCH",
            bindings::SCHED_IDLE => "IDLE",
            bindings::SCHED_DEADLINE => "DEADLINE",
            bindings::SCHED_EXT => "EXT",
            _ => "UNKNOWN",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A copy of `task_struct::comm`, printed with the escapes of `/proc/<pid>/status`.
#[derive(Clone, Copy)]
pub(crate) struct Comm([u8; TASK_COMM_LEN]);

impl Comm {
    /// The bytes of the name, without the terminating NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(TASK_COMM_LEN);
        &self.0[..len]
    }
}

impl fmt::Display for Comm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.as_bytes() {
            match b {
                b'\n' => f.write_str("\\n")?,
                b'\t' => f.write_str("\\t")?,
                b'\\' => f.write_str("\\\\")?,
                0x20..=0x7e => f.write_fmt(format_args!("{}", b as char))?,
                _ => f.write_fmt(format_args!("\\{b:03o}"))?,
            }
        }
        Ok(())
    }
}

/// Reads of `task_struct` fields that [`Task`] does not offer.
///
/// Fields that the scheduler changes at any time (`prio`, `vruntime`, ...) are read once each
/// with `READ_ONCE()` semantics, as procfs reads them: a line is a set of recent values, not an
/// atomic snapshot of the task.
pub(crate) trait TaskExt {
    /// The state letter ps shows: one of `R S D T t X Z P I`.
    fn state_char(&self) -> char;
    /// The tgid of the real parent (0 for pid 1, kthreadd and tasks already unhashed).
    fn ppid(&self) -> Pid;
    /// The effective priority `prio` (0-99 real-time, 100-139 normal; 120 is nice 0).
    fn prio(&self) -> i32;
    /// `static_prio`: 120 + nice.
    fn static_prio(&self) -> i32;
    /// The scheduling policy.
    fn policy(&self) -> Policy;
    /// The nice value, -20..19.
    fn nice(&self) -> i32;
    /// `se.load.weight` in the units of `sched_prio_to_weight[]` (1024 for nice 0).
    fn weight(&self) -> u64;
    /// `se.vruntime`, in nanoseconds of weighted CPU time.
    fn vruntime(&self) -> u64;
    /// Threads in the thread group (`signal->nr_threads`).
    fn nr_threads(&self) -> i32;
    /// The command name.
    fn comm(&self) -> Comm;
}

/// Reads a field of the `task_struct` behind `$task` once, like `READ_ONCE()`.
///
/// The scheduler writes these fields concurrently; a volatile read of an aligned machine word is
/// what the C code's plain and `READ_ONCE()` reads compile to.
macro_rules! read_once {
    ($task:expr, $($field:tt)+) => {{
        let p: *mut bindings::task_struct = $task.as_ptr();
        // SAFETY: `$task` is a `&Task`, so `p` points to a valid `task_struct`; the field is an
        // aligned integer, which a concurrent writer cannot tear.
        unsafe { core::ptr::read_volatile(&raw const (*p).$($field)+) }
    }};
}

impl TaskExt for Task {
    fn state_char(&self) -> char {
        // SAFETY: `self.as_ptr()` is a valid task; `task_state_to_char()` only reads it.
        let c = unsafe { proclab_task_state_char(self.as_ptr()) };
        char::from(c as u8)
    }

    fn ppid(&self) -> Pid {
        // SAFETY: `self.as_ptr()` is a valid task; `task_ppid_nr()` takes the RCU read lock
        // itself and checks `pid_alive()` before it follows `real_parent`.
        unsafe { proclab_task_ppid_nr(self.as_ptr()) }
    }

    fn prio(&self) -> i32 {
        read_once!(self, prio)
    }

    fn static_prio(&self) -> i32 {
        read_once!(self, static_prio)
    }

    fn policy(&self) -> Policy {
        Policy(read_once!(self, policy))
    }

    fn nice(&self) -> i32 {
        // SAFETY: `self.as_ptr()` is a valid task; `task_nice()` reads `static_prio`.
        unsafe { proclab_task_nice(self.as_ptr()) }
    }

    fn weight(&self) -> u64 {
        // SAFETY: `self.as_ptr()` is a valid task; the shim reads `se.load.weight` once.
        unsafe { proclab_task_weight(self.as_ptr()) }
    }

    fn vruntime(&self) -> u64 {
        read_once!(self, se.vruntime)
    }

    fn nr_threads(&self) -> i32 {
        // SAFETY: `self.as_ptr()` is a valid task. `signal` is set before the task is visible
        // and is freed only with the `task_struct` itself, so it is valid here too.
        unsafe { proclab_get_nr_threads(self.as_ptr()) }
    }

    fn comm(&self) -> Comm {
        let mut buf = [0u8; TASK_COMM_LEN];
        // SAFETY: `self.as_ptr()` is a valid task and `buf` has room for `TASK_COMM_LEN` bytes,
        // which is what the shim writes.
        unsafe { proclab_get_task_comm(buf.as_mut_ptr().cast(), self.as_ptr()) };
        Comm(buf)
    }
}
