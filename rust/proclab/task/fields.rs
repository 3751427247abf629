// SPDX-License-Identifier: GPL-2.0

//! Reads of `task_struct` fields: [`TaskExt`] (safe anywhere a `&Task` is valid, also under the
//! RCU read lock of a walk) and [`TaskSleepingExt`] (reads that may sleep).
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h).
//!
//! The fields procfs shows are read through the kernel's own inline accessors (C shims in
//! `rust/helpers/task.c`), so the values agree with `/proc/<pid>/stat` by construction of the
//! code, not by copying its output. Plain fields are read once each with [`read_once!`].

use super::{
    comm::{Comm, ShortStr, TASK_COMM_LEN},
    values::{ExitState, TaskFlags, TaskStateBits},
    walk::init_task,
    wchan,
};
use crate::sched::Policy;
use kernel::{
    bindings,
    ffi::{c_char, c_int, c_uint},
    task::{Pid, Task},
};

// The shims take and return pointers only. `improper_ctypes` still fires because bindgen renders
// some `task_struct` members (e.g. `sched_statistics` under lock debugging) with types it deems
// not FFI-safe; the pointee layout is never passed by value, so this is harmless.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_state_char(p: *mut bindings::task_struct) -> c_char;
    fn proclab_task_ppid_nr(p: *const bindings::task_struct) -> bindings::pid_t;
    fn proclab_task_nice(p: *const bindings::task_struct) -> c_int;
    fn proclab_get_nr_threads(p: *mut bindings::task_struct) -> c_int;
    fn proclab_task_weight(p: *const bindings::task_struct) -> u64;
    fn proclab_get_task_comm(buf: *mut c_char, p: *mut bindings::task_struct);
    fn proclab_task_cpu(p: *const bindings::task_struct) -> c_uint;
    fn proclab_task_cpus_allowed(
        buf: *mut c_char,
        len: usize,
        p: *const bindings::task_struct,
    ) -> c_int;
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
    fn proclab_task_object_size(p: *mut bindings::task_struct) -> usize;
    fn proclab_task_real_parent_pid(p: *mut bindings::task_struct) -> bindings::pid_t;
    fn proclab_task_parent_pid(p: *mut bindings::task_struct) -> bindings::pid_t;
}

/// An opaque identity of a kernel object a task points to (its `mm`, `files`, `sighand`).
///
/// Two tasks share the object exactly when their keys are equal. The key is derived from the
/// object's address, so it deliberately implements neither `Display` nor `Debug`: it may be
/// compared and sorted, never shown. Display a small id derived from it instead.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ObjKey(usize);

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
    fn flags(&self) -> TaskFlags;
    /// Whether the task is a kernel thread (`PF_KTHREAD`; it has no `mm` of its own).
    fn is_kthread(&self) -> bool;
    /// `__state`: the raw `TASK_*` bits.
    fn raw_state(&self) -> TaskStateBits;
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
    /// `se.depth`: how many task groups (cgroups with the cpu controller) lie between the task
    /// and the root one; 0 when its `vruntime` is that of its CPU's root run queue.
    fn se_depth(&self) -> i32;
    /// `se.slice`: the requested time slice, in nanoseconds.
    fn slice(&self) -> u64;
    /// `se.vlag`: the virtual lag saved at the last dequeue (positive: the task was owed
    /// service), in nanoseconds of vruntime; `place_entity()` restores it at the next enqueue.
    fn vlag(&self) -> i64;
    /// `sched_info.run_delay`: the nanoseconds spent runnable but waiting on a run queue,
    /// the second field of `/proc/<pid>/schedstat`.
    fn run_delay(&self) -> u64;
    /// `sched_info.pcount`: how many times the task arrived on a CPU after waiting, the third
    /// field of `/proc/<pid>/schedstat`.
    fn pcount(&self) -> u64;
    /// `dl.dl_runtime`, `dl.dl_deadline`, `dl.dl_period`: the `SCHED_DEADLINE` parameters in
    /// nanoseconds as `sched_setattr()` set them. They outlive the policy until the kernel
    /// releases the task's bandwidth (its 0-lag time after it left `SCHED_DEADLINE` or
    /// exited), when `__dl_clear_params()` zeroes them.
    fn dl_params(&self) -> (u64, u64, u64);
    /// `on_rq`: whether the task is on a run queue (1 queued, 2 migrating).
    fn on_rq(&self) -> i32;
    /// `on_cpu`: whether the task is running on a CPU right now.
    fn on_cpu(&self) -> i32;
    /// The pid (tid, not tgid) of `real_parent`; 0 once the task is unhashed.
    fn real_parent_pid(&self) -> Pid;
    /// The pid (tid) of `parent`: the tracer while the task is ptraced, else `real_parent`; 0
    /// once the task is unhashed.
    fn parent_pid(&self) -> Pid;
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
        Policy::from_raw(read_once!(self, policy))
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
        ShortStr::filled_by(|buf| {
            // SAFETY: `&self` keeps the task allocated; its `cpus_ptr` points at its own mask or
            // at one freed only with the task; `scnprintf()` writes at most `buf.len()` bytes.
            unsafe { proclab_task_cpus_allowed(buf.as_mut_ptr().cast(), buf.len(), self.as_ptr()) }
        })
    }

    fn nr_cpus_allowed(&self) -> i32 {
        read_once!(self, nr_cpus_allowed)
    }

    fn flags(&self) -> TaskFlags {
        TaskFlags(read_once!(self, flags))
    }

    fn is_kthread(&self) -> bool {
        self.flags().contains(TaskFlags::KTHREAD)
    }

    fn raw_state(&self) -> TaskStateBits {
        TaskStateBits(read_once!(self, __state))
    }

    fn exit_state(&self) -> ExitState {
        ExitState::from_raw(read_once!(self, exit_state))
    }

    fn exit_code(&self) -> i32 {
        read_once!(self, exit_code)
    }

    fn sched_class(&self) -> &'static str {
        let prio = self.prio();
        if self.flags().contains(TaskFlags::IDLE) {
            "idle"
        } else if prio < 0 {
            "dl"
        } else if prio < 100 {
            "rt"
        } else if self.policy() == Policy::Ext {
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

    fn se_depth(&self) -> i32 {
        read_once!(self, se.depth)
    }

    fn slice(&self) -> u64 {
        read_once!(self, se.slice)
    }

    fn vlag(&self) -> i64 {
        read_once!(self, se.vlag)
    }

    fn run_delay(&self) -> u64 {
        read_once!(self, sched_info.run_delay)
    }

    fn pcount(&self) -> u64 {
        read_once!(self, sched_info.pcount) as u64
    }

    fn dl_params(&self) -> (u64, u64, u64) {
        (
            read_once!(self, dl.dl_runtime),
            read_once!(self, dl.dl_deadline),
            read_once!(self, dl.dl_period),
        )
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

    fn parent_pid(&self) -> Pid {
        // SAFETY: `&self` keeps the task allocated; the shim follows `parent` under the RCU read
        // lock and only while `pid_alive()`: a tracer that exits detaches its tracees first.
        unsafe { proclab_task_parent_pid(self.as_ptr()) }
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
        wchan::wchan(self)
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
