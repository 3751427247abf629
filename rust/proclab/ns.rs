// SPDX-License-Identifier: GPL-2.0

//! A task's namespaces, as `/proc/<pid>/ns/` and the `NSpid:` line of `/proc/<pid>/status` show
//! them: [`TaskNs`] and [`NsPids`].
//!
//! C headers: [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h) and
//! [`include/linux/ns/ns_common_types.h`](srctree/include/linux/ns/ns_common_types.h).
//!
//! A namespace is named by the inode number of its `ns_common` (`ns.inum`), which is what the
//! links in `/proc/<pid>/ns/` show (`uts:[4026531838]`). Most of a task's namespaces hang off
//! its `nsproxy`, which `task_lock()` protects; the user namespace is its credentials' and the
//! pid namespace its `struct pid`'s, both read under RCU. The C shims in `rust/helpers/ns.c`
//! find each one the way the namespace's own `proc_ns_operations` do.

use core::fmt;
use kernel::{
    bindings,
    ffi::c_int,
    task::{Pid, Task},
};

/// The inode numbers of a task's namespaces. The same fields in the same order as
/// `struct proclab_task_ns` in `rust/helpers/ns.h`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct TaskNs {
    pub(crate) uts: Inum,
    pub(crate) ipc: Inum,
    pub(crate) mnt: Inum,
    pub(crate) net: Inum,
    pub(crate) pid: Inum,
    pub(crate) pid_for_children: Inum,
    pub(crate) time: Inum,
    pub(crate) time_for_children: Inum,
    pub(crate) cgroup: Inum,
    pub(crate) user: Inum,
}

/// The inode number of one namespace: 0 where the task has none (its `nsproxy` is gone at exit,
/// its pid namespace once it is unhashed), `u32::MAX` where the module cannot tell (see
/// `proclab_mnt_ns_inum()` in `rust/helpers/ns.c`).
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Inum(u32);

impl fmt::Display for Inum {
    /// The number as `/proc/<pid>/ns/` shows it, `-` for none, `?` for unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.pad("-"),
            u32::MAX => f.pad("?"),
            n => fmt::Display::fmt(&n, f),
        }
    }
}

/// The number of pid namespace levels a pid can have: the initial namespace and
/// `MAX_PID_NS_LEVEL` nested ones.
pub(crate) const PID_NS_LEVELS: usize = bindings::MAX_PID_NS_LEVEL as usize + 1;

/// A task's pid at each level of its pid namespaces, from the initial one to its own.
///
/// # Invariants
///
/// `len <= PID_NS_LEVELS`.
#[derive(Clone, Copy)]
pub(crate) struct NsPids {
    nr: [Pid; PID_NS_LEVELS],
    len: usize,
}

impl NsPids {
    /// The pids, outermost first; empty once the task is unhashed.
    pub(crate) fn as_slice(&self) -> &[Pid] {
        // By the type invariant, `len` is within the array.
        &self.nr[..self.len]
    }
}

impl fmt::Display for NsPids {
    /// The pids comma separated (`NSpid:` separates them with tabs), `-` if there are none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((first, rest)) = self.as_slice().split_first() else {
            return f.write_str("-");
        };
        write!(f, "{first}")?;
        for nr in rest {
            write!(f, ",{nr}")?;
        }
        Ok(())
    }
}

// `improper_ctypes`: see `task/fields.rs`; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_ns(p: *mut bindings::task_struct, ns: *mut TaskNs);
    fn proclab_task_nspids(p: *mut bindings::task_struct, nr: *mut Pid, max: c_int) -> c_int;
    fn proclab_task_userns(
        p: *mut bindings::task_struct,
        level: *mut c_int,
        owner: *mut u32,
        ext: *mut u32,
        max: c_int,
    ) -> c_int;
}

/// The namespaces of `task`, read the way `/proc/<pid>/ns/` reads them.
///
/// Takes the task's `alloc_lock` (`task_lock()`), a spinlock: callable under the RCU read lock
/// of a walk, not from interrupt context.
pub(crate) fn task_ns(task: &Task) -> TaskNs {
    let mut ns = TaskNs::default();
    // SAFETY: `task` is a valid task for the duration of the call; the shim takes `task_lock()`
    // and the RCU read lock itself and fills the whole `TaskNs`, whose layout `#[repr(C)]` makes
    // that of `struct proclab_task_ns`.
    unsafe { proclab_task_ns(task.as_ptr(), &mut ns) };
    ns
}

/// The pids of `task` at each level of its pid namespaces.
pub(crate) fn nspids(task: &Task) -> NsPids {
    let mut p = NsPids {
        nr: [0; PID_NS_LEVELS],
        len: 0,
    };
    // `PID_NS_LEVELS` is 33.
    let max = PID_NS_LEVELS as c_int;
    // SAFETY: `task` is valid for the call; the shim writes at most `max` pids into `p.nr`, which
    // holds `max`, under its own RCU read lock.
    let n = unsafe { proclab_task_nspids(task.as_ptr(), p.nr.as_mut_ptr(), max) };
    // INVARIANT: the shim returns at most `max`; a negative count is none.
    p.len = usize::try_from(n).unwrap_or(0).min(PID_NS_LEVELS);
    p
}

/// How many `uid_map` extents [`UserNs`] keeps (a map has at most 340).
pub(crate) const UID_EXTENTS: usize = 5;

/// A task's user namespace: its level, its owner, its `uid_map`.
///
/// # Invariants
///
/// `shown <= UID_EXTENTS`.
pub(crate) struct UserNs {
    /// 0 for the initial user namespace.
    pub(crate) level: i32,
    /// The uid of the namespace's creator, as the initial namespace sees it.
    pub(crate) owner: u32,
    /// How many extents the `uid_map` has.
    pub(crate) nr_extents: u32,
    extents: [[u32; 3]; UID_EXTENTS],
    shown: usize,
}

impl UserNs {
    /// The first extents of the `uid_map`, each `[inside, outside, count]` as
    /// `/proc/<pid>/uid_map` prints them.
    pub(crate) fn extents(&self) -> &[[u32; 3]] {
        // By the type invariant, `shown` is within the array.
        &self.extents[..self.shown]
    }
}

/// The user namespace of `task` (its credentials').
pub(crate) fn user_ns(task: &Task) -> UserNs {
    let mut u = UserNs {
        level: 0,
        owner: 0,
        nr_extents: 0,
        extents: [[0; 3]; UID_EXTENTS],
        shown: 0,
    };
    // `UID_EXTENTS` is 5.
    let max = UID_EXTENTS as c_int;
    // SAFETY: `task` is valid for the call; the shim takes the RCU read lock itself and writes
    // at most `3 * max` values to `extents`, which holds `3 * UID_EXTENTS` (`[[u32; 3]; N]` is
    // laid out as `3 * N` consecutive `u32`s).
    let n = unsafe {
        proclab_task_userns(
            task.as_ptr(),
            &mut u.level,
            &mut u.owner,
            u.extents.as_mut_ptr().cast(),
            max,
        )
    };
    u.nr_extents = u32::try_from(n).unwrap_or(0);
    // INVARIANT: clamped to `UID_EXTENTS`.
    u.shown = usize::try_from(n).unwrap_or(0).min(UID_EXTENTS);
    u
}
