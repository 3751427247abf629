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
    alloc::{AllocError, KVVec},
    bindings,
    ffi::{c_char, c_int, c_uint},
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
    fn proclab_task_row(
        p: *mut bindings::task_struct,
        prev: *const bindings::task_struct,
        r: *mut TaskRow,
    );
    fn proclab_task_state_char(p: *mut bindings::task_struct) -> c_char;
    fn proclab_task_ppid_nr(p: *const bindings::task_struct) -> bindings::pid_t;
    fn proclab_task_nice(p: *const bindings::task_struct) -> c_int;
    fn proclab_get_nr_threads(p: *mut bindings::task_struct) -> c_int;
    fn proclab_task_weight(p: *const bindings::task_struct) -> u64;
    fn proclab_get_task_comm(buf: *mut c_char, p: *mut bindings::task_struct);
    fn proclab_first_thread(p: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_next_thread(t: *mut bindings::task_struct) -> *mut bindings::task_struct;
    fn proclab_task_cpu(p: *const bindings::task_struct) -> c_uint;
    fn proclab_task_cpus_allowed(
        buf: *mut c_char,
        len: usize,
        p: *const bindings::task_struct,
    ) -> c_int;
    fn proclab_get_task_by_pid(nr: bindings::pid_t) -> *mut bindings::task_struct;
    fn proclab_task_mm_info(
        p: *mut bindings::task_struct,
        total_vm: *mut u64,
        map_count: *mut u64,
        mm_users: *mut u64,
    ) -> bool;
    fn proclab_task_nr_fds(p: *mut bindings::task_struct) -> c_int;
    fn proclab_task_sigsets(
        p: *mut bindings::task_struct,
        pending: *mut u64,
        shared: *mut u64,
        blocked: *mut u64,
    ) -> bool;
    fn proclab_task_creds(
        p: *mut bindings::task_struct,
        uid: *mut u32,
        gid: *mut u32,
        euid: *mut u32,
    );
    fn proclab_task_pid_ns(
        p: *mut bindings::task_struct,
        level: *mut c_int,
        nr: *mut bindings::pid_t,
    ) -> bool;
    fn proclab_pid_max() -> c_int;
    fn proclab_task_object_size(p: *mut bindings::task_struct) -> usize;
    fn proclab_task_wchan(buf: *mut c_char, len: usize, p: *mut bindings::task_struct) -> c_int;
    fn proclab_hz() -> c_uint;
    fn proclab_pid_max_default() -> c_int;
    fn proclab_pid_max_limit() -> c_int;
    fn proclab_task_real_parent_pid(p: *mut bindings::task_struct) -> bindings::pid_t;
    fn proclab_thread_size() -> usize;
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

/// An opaque identity of a kernel object a task points to (its `mm`, `files`, `sighand`).
///
/// Two tasks share the object exactly when their keys are equal. The key is derived from the
/// object's address, so it deliberately implements neither `Display` nor `Debug`: it may be
/// compared and sorted, never shown. Display a small id derived from it instead.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ObjKey(usize);

/// A short string formatted by a C shim (a CPU list, a few symbol names).
pub(crate) struct ShortStr {
    buf: [u8; 128],
    len: usize,
}

impl ShortStr {
    fn new() -> Self {
        ShortStr {
            buf: [0; 128],
            len: 0,
        }
    }

    /// Records the length a shim reported, clamped to the buffer.
    fn set_len(&mut self, n: c_int) {
        self.len = usize::try_from(n).unwrap_or(0).min(self.buf.len());
    }

    /// Whether nothing was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// In a `<-`-separated list of frames, shows `0` for every frame that `%ps` printed as a
    /// raw `0x...` address (it found no symbol for it), as `/proc/<pid>/wchan` shows `0` for
    /// such an address: a kernel address never reaches a file.
    fn hide_addresses(&mut self) {
        let mut out = ShortStr::new();
        for (i, frame) in self.as_str().split("<-").enumerate() {
            if i > 0 {
                out.push(b"<-");
            }
            out.push(if frame.starts_with("0x") {
                b"0"
            } else {
                frame.as_bytes()
            });
        }
        *self = out;
    }

    /// Appends `bytes` (the result is no longer than the text it replaces).
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        }
    }
}

impl ShortStr {
    /// The text, or `?` if the shim wrote something that is not UTF-8.
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

impl fmt::Display for ShortStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The `exit_state` of a task: alive, a zombie, or being reaped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitState {
    /// Not exited (`exit_state == 0`).
    Alive,
    /// `EXIT_ZOMBIE`: exited, waiting for its parent's `wait()`.
    Zombie,
    /// `EXIT_DEAD`: being released.
    Dead,
}

impl ExitState {
    fn from_raw(exit_state: i32) -> Self {
        match u32::try_from(exit_state).unwrap_or(0) {
            0 => ExitState::Alive,
            s if s & bindings::EXIT_ZOMBIE != 0 => ExitState::Zombie,
            _ => ExitState::Dead,
        }
    }

    /// The name as the kernel's constant has it, `-` for a live task.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExitState::Alive => "-",
            ExitState::Zombie => "ZOMBIE",
            ExitState::Dead => "DEAD",
        }
    }
}

impl fmt::Display for ExitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The kernel's `HZ`, the tick rate (`CONFIG_HZ`).
pub(crate) fn hz() -> u32 {
    // SAFETY: The shim takes no argument and returns the constant `HZ`.
    unsafe { proclab_hz() }
}

/// The size of a task's kernel stack, `THREAD_SIZE`.
pub(crate) fn thread_size() -> usize {
    // SAFETY: The shim takes no argument and returns the constant `THREAD_SIZE`.
    unsafe { proclab_thread_size() }
}

/// The initial pid namespace's `pid_max` (`/proc/sys/kernel/pid_max`).
pub(crate) fn pid_max() -> i32 {
    // SAFETY: The shim takes no argument; it reads an `int` of the static `init_pid_ns`, which
    // lives as long as the kernel, with `READ_ONCE()` (the sysctl writes it concurrently).
    unsafe { proclab_pid_max() }
}

/// `PID_MAX_DEFAULT` and `PID_MAX_LIMIT`: the default and the upper bound of `pid_max` in this
/// build (`CONFIG_BASE_SMALL` lowers both).
pub(crate) fn pid_max_bounds() -> (i32, i32) {
    // SAFETY: The shims take no argument and return compile-time constants.
    unsafe { (proclab_pid_max_default(), proclab_pid_max_limit()) }
}

/// The size of `struct task_struct` in this build, from its type.
pub(crate) const TASK_STRUCT_SIZE: usize = core::mem::size_of::<bindings::task_struct>();

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

/// A copy of `task_struct::comm`, printed with the escapes of `/proc/<pid>/status` plus those
/// that keep a table's columns apart (see [`Comm::escaped`]).
#[derive(Clone, Copy)]
pub(crate) struct Comm([u8; TASK_COMM_LEN]);

impl Comm {
    /// The bytes of the name, without the terminating NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(TASK_COMM_LEN);
        &self.0[..len]
    }
}

impl Comm {
    /// The name itself when escaping would not change it (printable ASCII other than space and
    /// backslash, the common case), without building an escaped copy.
    pub(crate) fn plain(&self) -> Option<&str> {
        let b = self.as_bytes();
        if b.iter().all(|&c| c.is_ascii_graphic() && c != b'\\') {
            core::str::from_utf8(b).ok()
        } else {
            None
        }
    }

    /// The name escaped as `/proc/<pid>/status` escapes it (`\n` and `\\`), plus whitespace
    /// (a space as `\040`, a tab as `\t`) so that the name stays one column of a table, and
    /// every other control byte or byte above 0x7e as `\ooo` (octal) so that the output is
    /// ASCII. A name without any of those is shown as procfs shows it.
    pub(crate) fn escaped(&self) -> EscapedComm {
        // An escape takes at most 4 bytes (`\ooo`) per byte of the name.
        let mut e = EscapedComm {
            buf: [0; 4 * TASK_COMM_LEN],
            len: 0,
        };
        let name = self.as_bytes();
        // Almost every name is plain: one copy.
        if name.iter().all(|&b| b.is_ascii_graphic() && b != b'\\') {
            e.push(name);
            return e;
        }
        for &b in name {
            match b {
                b'\n' => e.push(b"\\n"),
                b'\t' => e.push(b"\\t"),
                b'\\' => e.push(b"\\\\"),
                0x21..=0x7e => e.push(&[b]),
                _ => e.push(&[
                    b'\\',
                    b'0' + (b >> 6),
                    b'0' + ((b >> 3) & 7),
                    b'0' + (b & 7),
                ]),
            }
        }
        e
    }
}

/// A task name escaped for printing: printable ASCII only.
pub(crate) struct EscapedComm {
    buf: [u8; 4 * TASK_COMM_LEN],
    len: usize,
}

impl EscapedComm {
    fn push(&mut self, bytes: &[u8]) {
        // At most `TASK_COMM_LEN` bytes of 4 bytes each are pushed: the buffer holds them.
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    /// The escaped name.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII was pushed.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

impl fmt::Display for Comm {
    /// The name escaped as [`Comm::escaped`] escapes it, padded to the width asked for.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.escaped().as_str())
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
    /// `normal_prio`: the priority without priority-inheritance boosting.
    fn normal_prio(&self) -> i32;
    /// `rt_priority`: 1-99 for `SCHED_FIFO`/`SCHED_RR`, 0 otherwise.
    fn rt_priority(&self) -> u32;
    /// `se.sum_exec_runtime`: CPU time consumed, in nanoseconds.
    fn sum_exec_runtime(&self) -> u64;
    /// `nvcsw`: voluntary context switches (the task blocked).
    fn nvcsw(&self) -> u64;
    /// `nivcsw`: involuntary context switches (the task was preempted).
    fn nivcsw(&self) -> u64;
    /// The CPU the task runs on or last ran on (`task_cpu()`).
    fn cpu(&self) -> u32;
    /// The CPUs the task may run on, in list form (`0-1`), like `Cpus_allowed_list`.
    fn cpus_allowed(&self) -> ShortStr;
    /// `nr_cpus_allowed`.
    fn nr_cpus_allowed(&self) -> i32;
    /// `flags`: the `PF_*` bits.
    fn flags(&self) -> u32;
    /// Whether the task is a kernel thread (`PF_KTHREAD`; it has no `mm` of its own).
    fn is_kthread(&self) -> bool;
    /// `__state`: the raw `TASK_*` bits.
    fn raw_state(&self) -> u32;
    /// `exit_state`.
    fn exit_state(&self) -> ExitState;
    /// `exit_code`: the status the parent's `wait()` gets.
    fn exit_code(&self) -> i32;
    /// The scheduling class the policy and priority select, as `__setscheduler_class()` does:
    /// `dl`, `rt`, `ext` or `fair`; `idle` for a CPU's idle task.
    fn sched_class(&self) -> &'static str;
    /// `se.load.inv_weight`: 2^32 / weight, the scheduler's precomputed inverse.
    fn inv_weight(&self) -> u32;
    /// `se.deadline`: the virtual deadline, in nanoseconds of vruntime.
    fn deadline(&self) -> u64;
    /// `se.slice`: the requested time slice, in nanoseconds.
    fn slice(&self) -> u64;
    /// `on_rq`: whether the task is on a run queue (1 queued, 2 migrating).
    fn on_rq(&self) -> i32;
    /// `on_cpu`: whether the task is running on a CPU right now.
    fn on_cpu(&self) -> i32;
    /// The pid (tid, not tgid) of `real_parent`; 0 once the task is unhashed.
    fn real_parent_pid(&self) -> Pid;
    /// The identity of the task's `mm`, `None` for kernel threads and after `exit_mm()`.
    fn mm_key(&self) -> Option<ObjKey>;
    /// The identity of the task's `files`, `None` after `exit_files()`.
    fn files_key(&self) -> Option<ObjKey>;
    /// The identity of the task's `sighand`, `None` once it was released.
    fn sighand_key(&self) -> Option<ObjKey>;
    /// Where a sleeping task waits: up to three function names from its kernel stack, outside
    /// the scheduler. Empty without `CONFIG_STACKTRACE` or for a running task.
    fn wchan(&self) -> ShortStr;
    /// Open file descriptors, `None` after `exit_files()`.
    fn nr_fds(&self) -> Option<u32>;
    /// The first words of the pending, shared pending and blocked signal sets.
    fn sigsets(&self) -> Option<(u64, u64, u64)>;
    /// Real uid, real gid and effective uid, in the initial user namespace.
    fn creds(&self) -> (u32, u32, u32);
    /// The level of the task's pid namespace and its pid as seen there.
    fn pid_ns(&self) -> Option<(i32, Pid)>;
    /// The size of the slab object that holds this `task_struct` (`ksize()`): the structure and
    /// the FPU state after it. `None` for `init_task` (pid 0 of the boot CPU), a static.
    fn object_size(&self) -> Option<usize>;
}

/// Reads of a task that may sleep: call them only where sleeping is allowed (not under the RCU
/// read lock of a [`processes`] walk), on a task you hold a reference to.
pub(crate) trait TaskSleepingExt {
    /// `mm->total_vm` (pages), `mm->map_count` and the users of the `mm` other than this
    /// reader; `None` for a kernel thread or a task past `exit_mm()`.
    ///
    /// Takes and drops a reference on the `mm`; dropping it may sleep.
    fn mm_info(&self) -> Option<(u64, u64, u64)>;
}

/// The fields of one line of the `tasks` table, read by one C call (`struct proclab_task_row` of
/// `rust/helpers/task.h`; the layouts must match).
#[repr(C)]
#[derive(Default)]
pub(crate) struct TaskRow {
    pub(crate) weight: u64,
    pub(crate) vruntime: u64,
    pub(crate) sum_exec_runtime: u64,
    pub(crate) nvcsw: u64,
    pub(crate) nivcsw: u64,
    pub(crate) pid: i32,
    pub(crate) tgid: i32,
    pub(crate) ppid: i32,
    pub(crate) prio: i32,
    pub(crate) static_prio: i32,
    pub(crate) normal_prio: i32,
    pub(crate) rt_priority: u32,
    policy: u32,
    pub(crate) nice: i32,
    pub(crate) cpu: u32,
    flags: u32,
    exit_state: i32,
    pub(crate) nr_threads: i32,
    state: u8,
    comm: [u8; TASK_COMM_LEN],
    /// Whether the task may run on the same CPUs as the `prev` task given to [`Self::read`].
    pub(crate) same_cpus: bool,
}

impl TaskRow {
    /// Reads the row of `task`, which the walk under `_guard` yielded: the guard is what makes
    /// following `real_parent` safe. `same_cpus` compares its allowed CPUs with `prev`'s.
    pub(crate) fn read(task: &Task, prev: Option<&Task>, _guard: &rcu::Guard) -> Self {
        let mut r = TaskRow::default();
        let prev = prev.map_or(core::ptr::null(), |p| p.as_ptr().cast_const());
        // SAFETY: `task` and `prev` (or NULL) are valid tasks, their `cpus_ptr` masks freed only
        // with them; the RCU read lock (`_guard`) keeps `real_parent` valid while the shim follows
        // it; `r` is laid out as the C struct the shim fills.
        unsafe { proclab_task_row(task.as_ptr(), prev, &mut r) };
        r
    }

    /// The one-letter state.
    pub(crate) fn state_char(&self) -> char {
        char::from(self.state)
    }

    /// The policy.
    pub(crate) fn policy(&self) -> Policy {
        Policy(self.policy)
    }

    /// Whether the task is a kernel thread (`PF_KTHREAD`).
    pub(crate) fn is_kthread(&self) -> bool {
        self.flags & bindings::PF_KTHREAD != 0
    }

    /// `exit_state`.
    pub(crate) fn exit_state(&self) -> ExitState {
        ExitState::from_raw(self.exit_state)
    }

    /// The command name.
    pub(crate) fn comm(&self) -> Comm {
        Comm(self.comm)
    }
}

/// Reads the field `$field` of the `task_struct` behind the `&Task` `$task` once: the Rust form
/// of `READ_ONCE(p->field)`.
///
/// The scheduler writes these fields while we read them. Why the read is sound and gives a value
/// the field really held:
///
/// - The `&Task` keeps the `task_struct` allocated, so the field's address is valid for reads.
/// - The kernel's Rust code follows the Linux kernel memory model (LKMM,
///   `tools/memory-model/`), not Rust's: there, a volatile access of a naturally aligned scalar
///   of at most the machine word's size is a marked access, which is exactly what C's
///   `READ_ONCE()` is (`__READ_ONCE()` is a volatile load, `compiletime_assert_rwonce_type()`
///   limits it to such types). It compiles to a single load instruction, which cannot observe a
///   half-written value.
/// - The writers store whole values of the same size (plain stores under the run-queue lock or
///   `WRITE_ONCE()`), which the kernel relies on not to tear for aligned word-sized scalars
///   (`CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC`), as do procfs's own lockless reads of these
///   fields.
///
/// [`read_once`] checks at compile time that the field is at most 8 bytes and naturally
/// aligned, and that `usize` is 8 bytes: on a 32-bit kernel a `u64` such as `vruntime` would be
/// read in two halves, so this code does not build there. Every bit pattern is a valid value of
/// the integer and pointer types read (pointers are compared, never followed).
macro_rules! read_once {
    ($task:expr, $($field:tt)+) => {{
        let p: *mut bindings::task_struct = $task.as_ptr();
        // SAFETY: `p` comes from a `&Task`, so it points to a live `task_struct`; only the
        // address of one of its fields is computed, nothing is read.
        let field = unsafe { &raw const (*p).$($field)+ };
        // SAFETY: `field` points into that live `task_struct` (valid for reads), which is not
        // packed (the field is aligned); its writers store whole values (see the doc comment).
        unsafe { read_once(field) }
    }};
}

/// `READ_ONCE(*field)`: one volatile load, a marked access under the LKMM (see [`read_once!`]).
///
/// # Safety
///
/// `field` is valid for reads and aligned, and every store that may race with this load writes
/// the whole value at once.
unsafe fn read_once<T: Copy>(field: *const T) -> T {
    const {
        assert!(core::mem::size_of::<usize>() == 8);
        assert!(core::mem::size_of::<T>() <= 8);
        assert!(core::mem::align_of::<T>() == core::mem::size_of::<T>());
    };
    // SAFETY: `field` is valid for reads and aligned (the caller's promise); `T` is at most a
    // machine word (checked above), so the load is single-copy atomic and races only with
    // whole-value stores (the caller's promise).
    unsafe { core::ptr::read_volatile(field) }
}

impl TaskExt for Task {
    fn state_char(&self) -> char {
        // SAFETY: `&self` keeps the task allocated, all `task_state_to_char()` needs: it reads
        // `__state` and `exit_state` with `READ_ONCE()` and follows no pointer.
        let c = unsafe { proclab_task_state_char(self.as_ptr()) };
        char::from(c as u8)
    }

    fn ppid(&self) -> Pid {
        // SAFETY: `&self` keeps the task allocated; `task_ppid_nr()` follows `real_parent` under
        // the RCU read lock it takes and only while `pid_alive()`: the parent is not freed then.
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
        // SAFETY: `&self` keeps the task allocated; `task_nice()` reads only its `static_prio`.
        unsafe { proclab_task_nice(self.as_ptr()) }
    }

    fn weight(&self) -> u64 {
        // SAFETY: `&self` keeps the task allocated; the shim reads only `se.load.weight`, which is
        // embedded in the task, with `READ_ONCE()`.
        unsafe { proclab_task_weight(self.as_ptr()) }
    }

    fn vruntime(&self) -> u64 {
        read_once!(self, se.vruntime)
    }

    fn nr_threads(&self) -> i32 {
        // SAFETY: `&self` keeps the task allocated, and its `signal` with it: set by
        // `copy_process()` before the task is visible, released by `__put_task_struct()`.
        unsafe { proclab_get_nr_threads(self.as_ptr()) }
    }

    fn comm(&self) -> Comm {
        let mut buf = [0u8; TASK_COMM_LEN];
        // SAFETY: `&self` keeps the task allocated; `get_task_comm()` copies its `comm` with
        // `strscpy_pad()` into `buf`, which has the `TASK_COMM_LEN` bytes the shim writes.
        unsafe { proclab_get_task_comm(buf.as_mut_ptr().cast(), self.as_ptr()) };
        Comm(buf)
    }

    fn normal_prio(&self) -> i32 {
        read_once!(self, normal_prio)
    }

    fn rt_priority(&self) -> u32 {
        read_once!(self, rt_priority)
    }

    fn sum_exec_runtime(&self) -> u64 {
        read_once!(self, se.sum_exec_runtime)
    }

    fn nvcsw(&self) -> u64 {
        read_once!(self, nvcsw) as u64
    }

    fn nivcsw(&self) -> u64 {
        read_once!(self, nivcsw) as u64
    }

    fn cpu(&self) -> u32 {
        // SAFETY: `&self` keeps the task allocated; `task_cpu()` reads only its `thread_info.cpu`
        // (embedded in the task on x86-64) with `READ_ONCE()`.
        unsafe { proclab_task_cpu(self.as_ptr()) }
    }

    fn cpus_allowed(&self) -> ShortStr {
        let mut s = ShortStr::new();
        // SAFETY: `&self` keeps the task allocated; its `cpus_ptr` points at its own mask or at
        // one freed only with the task; `scnprintf()` writes at most `s.buf.len()` bytes.
        let n = unsafe {
            proclab_task_cpus_allowed(s.buf.as_mut_ptr().cast(), s.buf.len(), self.as_ptr())
        };
        s.set_len(n);
        s
    }

    fn nr_cpus_allowed(&self) -> i32 {
        read_once!(self, nr_cpus_allowed)
    }

    fn flags(&self) -> u32 {
        read_once!(self, flags)
    }

    fn is_kthread(&self) -> bool {
        self.flags() & bindings::PF_KTHREAD != 0
    }

    fn raw_state(&self) -> u32 {
        read_once!(self, __state)
    }

    fn exit_state(&self) -> ExitState {
        ExitState::from_raw(read_once!(self, exit_state))
    }

    fn exit_code(&self) -> i32 {
        read_once!(self, exit_code)
    }

    fn sched_class(&self) -> &'static str {
        let prio = self.prio();
        if self.flags() & bindings::PF_IDLE != 0 {
            "idle"
        } else if prio < 0 {
            "dl"
        } else if prio < 100 {
            "rt"
        } else if self.policy().0 == bindings::SCHED_EXT {
            "ext"
        } else {
            "fair"
        }
    }

    fn inv_weight(&self) -> u32 {
        read_once!(self, se.load.inv_weight)
    }

    fn deadline(&self) -> u64 {
        read_once!(self, se.deadline)
    }

    fn slice(&self) -> u64 {
        read_once!(self, se.slice)
    }

    fn on_rq(&self) -> i32 {
        i32::from(read_once!(self, on_rq))
    }

    fn on_cpu(&self) -> i32 {
        i32::from(read_once!(self, on_cpu))
    }

    fn real_parent_pid(&self) -> Pid {
        // SAFETY: `&self` keeps the task allocated; the shim follows `real_parent` under the RCU
        // read lock and only while `pid_alive()`, so the parent is not freed under it.
        unsafe { proclab_task_real_parent_pid(self.as_ptr()) }
    }

    fn mm_key(&self) -> Option<ObjKey> {
        let mm: *mut bindings::mm_struct = read_once!(self, mm);
        (!mm.is_null()).then_some(ObjKey(mm as usize))
    }

    fn files_key(&self) -> Option<ObjKey> {
        let files: *mut bindings::files_struct = read_once!(self, files);
        (!files.is_null()).then_some(ObjKey(files as usize))
    }

    fn sighand_key(&self) -> Option<ObjKey> {
        let sighand: *mut bindings::sighand_struct = read_once!(self, sighand);
        (!sighand.is_null()).then_some(ObjKey(sighand as usize))
    }

    fn wchan(&self) -> ShortStr {
        let mut s = ShortStr::new();
        // SAFETY: `&self` keeps the task allocated; `stack_trace_save_tsk()` pins its stack (or
        // finds none) itself; `scnprintf()` writes at most `s.buf.len()` bytes.
        let n =
            unsafe { proclab_task_wchan(s.buf.as_mut_ptr().cast(), s.buf.len(), self.as_ptr()) };
        s.set_len(n);
        s.hide_addresses();
        s
    }

    fn nr_fds(&self) -> Option<u32> {
        // SAFETY: `&self` keeps the task allocated; the shim reads `files` under `task_lock()`,
        // which `exit_files()` takes to clear it, and the fd table under RCU, which frees it.
        let n = unsafe { proclab_task_nr_fds(self.as_ptr()) };
        u32::try_from(n).ok()
    }

    fn sigsets(&self) -> Option<(u64, u64, u64)> {
        let (mut pending, mut shared, mut blocked) = (0, 0, 0);
        let (p, s, b) = (&mut pending, &mut shared, &mut blocked);
        // SAFETY: `&self` keeps the task allocated; the shim locks `sighand` as
        // `lock_task_sighand()` does (fails once it was released); the out-pointers are locals.
        let ok = unsafe { proclab_task_sigsets(self.as_ptr(), p, s, b) };
        ok.then_some((pending, shared, blocked))
    }

    fn creds(&self) -> (u32, u32, u32) {
        let (mut uid, mut gid, mut euid) = (0, 0, 0);
        // SAFETY: `&self` keeps the task allocated; the shim reads its `real_cred`, freed only
        // through RCU, under the RCU read lock; the out-pointers are locals.
        unsafe { proclab_task_creds(self.as_ptr(), &mut uid, &mut gid, &mut euid) };
        (uid, gid, euid)
    }

    fn pid_ns(&self) -> Option<(i32, Pid)> {
        let (mut level, mut nr) = (0, 0);
        // SAFETY: `&self` keeps the task allocated; the shim reads its `struct pid`, freed only
        // through RCU, under the RCU read lock, and fails once it is detached; out-pointers are
        // locals.
        let ok = unsafe { proclab_task_pid_ns(self.as_ptr(), &mut level, &mut nr) };
        ok.then_some((level, nr))
    }

    fn object_size(&self) -> Option<usize> {
        // `init_task` is a static of the kernel image, which `ksize()` would warn about.
        if self.as_ptr() == init_task() {
            return None;
        }
        // SAFETY: Every `task_struct` other than `init_task` (excluded above) comes from
        // `dup_task_struct()`, a `task_struct_cachep` slab object, which the `&Task` keeps
        // allocated: `ksize()` gets what it accepts, a live slab object.
        Some(unsafe { proclab_task_object_size(self.as_ptr()) })
    }
}

impl TaskSleepingExt for Task {
    fn mm_info(&self) -> Option<(u64, u64, u64)> {
        let (mut total_vm, mut map_count, mut users) = (0, 0, 0);
        // SAFETY: `&self` keeps the task allocated; `get_task_mm()` takes a counted reference on
        // its `mm` under `task_lock()` (or finds none), dropped with `mmput()`; out-pointers are
        // locals.
        let ok = unsafe {
            proclab_task_mm_info(self.as_ptr(), &mut total_vm, &mut map_count, &mut users)
        };
        ok.then_some((total_vm, map_count, users))
    }
}
