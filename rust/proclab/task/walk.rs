// SPDX-License-Identifier: GPL-2.0

//! The task list under RCU: [`processes`] and [`threads`], the Rust forms of
//! `for_each_process()` and `for_each_process_thread()`, the [`snapshot`] of one walk, and
//! [`find_task`] by pid.
//!
//! [`processes`] starts at `init_task` and follows `next_task()` around the circular `tasks` list
//! until it is back at `init_task`, all under one RCU read-side critical section; the tasks it
//! yields borrow the RCU guard, so none of them can outlive the critical section.

use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    alloc::{AllocError, KVVec},
    bindings,
    prelude::GFP_KERNEL,
    sync::{aref::ARef, rcu},
    task::{Pid, Task},
};

// The shims take and return pointers only. `improper_ctypes` still fires because bindgen renders
// some `task_struct` members (e.g. `sched_statistics` under lock debugging) with types it deems
// not FFI-safe; the pointee layout is never passed by value, so this is harmless.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_next_task(p: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_first_thread(p: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_next_thread(t: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_get_task_by_pid(nr: bindings::pid_t) -> *mut bindings::task_struct;
    fn proclab_task_real_parent(p: *mut bindings::task_struct) -> *mut bindings::task_struct;
}

/// Returns a pointer to `init_task`, the head of the task list (the swapper, pid 0).
pub(super) fn init_task() -> *mut bindings::task_struct {
    // Only the address of the static is taken; nothing is read or written.
    &raw mut bindings::init_task
}

/// Every process (thread-group leader) on the system, as `for_each_process()` visits them.
///
/// Created by [`processes`]; the tasks it yields stay valid as long as the RCU read lock it
/// borrows is held. Tasks created or reaped during the walk may or may not be seen, exactly as
/// with the C macro; a task that was seen is never freed under the walker.
///
/// Why following the list under RCU is sound: a task is linked with `list_add_tail_rcu()` and
/// unlinked with `list_del_rcu()`, which leaves its `tasks.next` pointing into the list, and the
/// reference the task list holds on it is dropped only through `call_rcu()`
/// (`delayed_put_task_struct()`): a task reached under the RCU read lock stays allocated, and its
/// `tasks.next` followable, until that read lock is released.
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
        // SAFETY: `cur` was reached under the RCU read lock, still held for `'a` (type invariant),
        // so it is allocated and its `tasks.next` may be followed (see the type's doc comment).
        let next = unsafe { proclab_next_task(self.cur) };
        match NonNull::new(next) {
            Some(next) if next.as_ptr() != self.head => {
                // INVARIANT: `next` was just reached from `cur` under the RCU read lock.
                self.cur = next.as_ptr();
                // SAFETY: `Task` wraps `task_struct` transparently; `next` was reached under the
                // RCU read lock held for `'a`, so its reference is dropped after `'a` at earliest.
                Some(unsafe { &*next.as_ptr().cast::<Task>() })
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}

/// Every thread of every process, as `for_each_process_thread()` visits them.
///
/// Created by [`threads`]; like [`Processes`], the tasks it yields stay valid while the borrowed
/// RCU read lock is held.
///
/// # Invariants
///
/// `cur` is null or a task that was reached from a process of `procs` through its
/// `signal->thread_head` list under the RCU read lock borrowed for `'a`.
pub(crate) struct Threads<'a> {
    procs: Processes<'a>,
    cur: *mut bindings::task_struct,
}

/// Starts a `for_each_process_thread()` walk under the RCU read lock `guard`.
pub(crate) fn threads(guard: &rcu::Guard) -> Threads<'_> {
    // INVARIANT: `cur` is null.
    Threads {
        procs: processes(guard),
        cur: core::ptr::null_mut(),
    }
}

impl<'a> Iterator for Threads<'a> {
    type Item = &'a Task;

    fn next(&mut self) -> Option<&'a Task> {
        loop {
            let next = if self.cur.is_null() {
                let leader = self.procs.next()?;
                // SAFETY: `leader` is valid under the RCU read lock held for `'a`; its `signal` is
                // set before the task is visible and freed only with the last task of the group,
                // after a grace period. The shim reads the list head with `rcu_dereference()`.
                unsafe { proclab_first_thread(leader.as_ptr()) }
            } else {
                // SAFETY: By the type invariant `cur` was reached under the RCU read lock still
                // held; `__next_thread()` follows `thread_node` with `list_next_or_null_rcu()`,
                // which is safe against concurrent `list_del_rcu()` of any thread.
                unsafe { proclab_next_thread(self.cur) }
            };
            // INVARIANT: `next` was reached through a `thread_head` list under the RCU read lock.
            self.cur = next;
            if let Some(t) = NonNull::new(next) {
                // SAFETY: `Task` is a transparent wrapper of `task_struct`. A thread is freed only
                // through `delayed_put_task_struct()` after a grace period, so it stays valid for
                // `'a`, the lifetime of the borrowed RCU read lock.
                return Some(unsafe { &*t.as_ptr().cast::<Task>() });
            }
        }
    }
}

/// `task`, its real parent, that one's, and so on up to the swapper (pid 0), as long as each is
/// alive.
///
/// # Invariants
///
/// `cur` is null or a task reached under the RCU read lock borrowed for `'a`: the first one the
/// caller's (valid for `'a`), each next one the `real_parent` of an alive task read under it.
pub(crate) struct Ancestors<'a> {
    cur: *mut bindings::task_struct,
    _rcu: PhantomData<&'a rcu::Guard>,
}

/// Starts the climb from `task` under the RCU read lock `guard`.
pub(crate) fn ancestors<'a>(task: &'a Task, _guard: &'a rcu::Guard) -> Ancestors<'a> {
    // INVARIANT: `task` is valid for `'a`.
    Ancestors {
        cur: task.as_ptr(),
        _rcu: PhantomData,
    }
}

impl<'a> Iterator for Ancestors<'a> {
    type Item = &'a Task;

    fn next(&mut self) -> Option<&'a Task> {
        let cur = NonNull::new(self.cur)?;
        // SAFETY: `cur` is valid for `'a` (type invariant). The shim reads `real_parent` only
        // while `cur` is alive (`pid_alive()`): its parent reparents it before being released,
        // and is freed a grace period after that, so the parent stays valid under the RCU read
        // lock held for `'a`, as in `task_ppid_nr()`.
        let parent = unsafe { proclab_task_real_parent(cur.as_ptr()) };
        // INVARIANT: `parent` was read under the RCU read lock from an alive task. The swapper's
        // real parent is itself: the climb ends there.
        self.cur = if parent == cur.as_ptr() {
            core::ptr::null_mut()
        } else {
            parent
        };
        // SAFETY: `Task` is a transparent wrapper of `task_struct`; `cur` is valid for `'a`.
        Some(unsafe { &*cur.as_ptr().cast::<Task>() })
    }
}

/// Which tasks a [`snapshot`] visits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// One per process, as [`processes`].
    Processes,
    /// One per thread, as [`threads`].
    Threads,
}

/// The number of tasks a walk visits now (a count that may be stale as soon as it is returned).
pub(crate) fn count(walk: Walk) -> usize {
    let guard = rcu::read_lock();
    match walk {
        Walk::Processes => processes(&guard).count(),
        Walk::Threads => threads(&guard).count(),
    }
}

/// Calls `f` on every task of one walk under the RCU read lock and returns what it produced.
///
/// Nothing may be allocated with `GFP_KERNEL` under the RCU read lock, so the vector is allocated
/// before the walk, with room for the tasks counted just before and some more, and filled without
/// allocating; if the task list grew beyond it, the walk is repeated with twice the room. The
/// result is one consistent walk. `f` runs under the RCU read lock: it must not sleep.
///
/// The vector grows with the number of tasks, which an unprivileged user controls: with the
/// 184-byte rows of `summary`, about 20,000 threads need more than `kmalloc()`'s largest object
/// (`KMALLOC_MAX_SIZE`, 4 MiB), so it is a [`KVVec`], which falls back to `vmalloc()` where
/// `kmalloc()` cannot serve it.
pub(crate) fn snapshot<T>(walk: Walk, f: impl FnMut(&Task) -> T) -> Result<KVVec<T>, AllocError> {
    let n = count(walk);
    snapshot_with_room(walk, n + n / 8 + 64, f)
}

/// [`snapshot`] with room for `room` rows in its first allocation (more if the walk needs it).
///
/// For tests, which force a snapshot larger than the task list makes it.
pub(crate) fn snapshot_with_room<T>(
    walk: Walk,
    mut room: usize,
    mut f: impl FnMut(&Task) -> T,
) -> Result<KVVec<T>, AllocError> {
    loop {
        let mut v = KVVec::with_capacity(room, GFP_KERNEL)?;
        let mut full = false;
        {
            let guard = rcu::read_lock();
            let mut push = |t: &Task| {
                if v.push_within_capacity(f(t)).is_err() {
                    full = true;
                }
                !full
            };
            match walk {
                Walk::Processes => processes(&guard).all(&mut push),
                Walk::Threads => threads(&guard).all(&mut push),
            };
        }
        if !full {
            return Ok(v);
        }
        room = v.capacity().checked_mul(2).ok_or(AllocError)?;
    }
}

/// Looks up the task that owns `pid` in the initial pid namespace and takes a reference on it.
///
/// The returned [`ARef`] keeps the `task_struct` (not the task's life) alive: fields of a task
/// that has exited since can still be read, and report that it exited.
pub(crate) fn find_task(pid: Pid) -> Option<ARef<Task>> {
    // SAFETY: The shim takes the RCU read lock itself and accepts any pid value.
    let p = unsafe { proclab_get_task_by_pid(pid) };
    let p = NonNull::new(p.cast::<Task>())?;
    // SAFETY: The shim returned the task with a reference taken by `get_task_struct()`, which the
    // `ARef` now owns and drops with `put_task_struct()`.
    Some(unsafe { ARef::from_raw(p) })
}
