// SPDX-License-Identifier: GPL-2.0

//! The cgroup v2 hierarchy: a task's cgroup ([`task_cgroup`]) and a walk of every cgroup
//! ([`cgroups`]).
//!
//! C header: [`include/linux/cgroup.h`](srctree/include/linux/cgroup.h).
//!
//! `cgroup_mutex` and `css_set_lock`, which the kernel's own readers take, are not exported to
//! modules. Under the RCU read lock a task's `css_set` stays allocated and keeps its cgroups
//! alive, and `css_next_descendant_pre()` may walk the hierarchy; the C shims in
//! `rust/helpers/cgroup.c` read each cgroup there, paths included (`cgroup_path()` takes only a
//! spinlock).

use core::{fmt, marker::PhantomData, ptr};
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    sync::rcu,
    task::Task,
};

// `improper_ctypes`: see `task/fields.rs`; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_cgroup(
        p: *mut bindings::task_struct,
        id: *mut u64,
        buf: *mut c_char,
        len: usize,
    ) -> c_int;
    fn proclab_cgroup_next(
        pos: *mut bindings::cgroup_subsys_state,
    ) -> *mut bindings::cgroup_subsys_state;
    fn proclab_cgroup_info(
        css: *mut bindings::cgroup_subsys_state,
        id: *mut u64,
        control: *mut u32,
        subtree_control: *mut u32,
        buf: *mut c_char,
        len: usize,
    ) -> c_int;
    fn proclab_cgroup_subsys_name(ssid: c_int) -> *const c_char;
}

/// Bytes of a path kept; a longer one is cut and shown with `...`.
pub(crate) const PATH_LEN: usize = 256;

/// A cgroup's path from the hierarchy's root, as `/proc/<pid>/cgroup` shows it.
///
/// # Invariants
///
/// `len <= PATH_LEN`.
#[derive(Clone, Copy)]
pub(crate) struct CgroupPath {
    buf: [u8; PATH_LEN],
    len: usize,
    cut: bool,
}

impl CgroupPath {
    /// The path a shim wrote into `buf` and whose whole length it returned (`kernfs_path()`).
    fn filled_by(fill: impl FnOnce(*mut c_char, usize) -> c_int) -> Self {
        let mut p = Self {
            buf: [0; PATH_LEN],
            len: 0,
            cut: false,
        };
        let n = fill(p.buf.as_mut_ptr().cast(), PATH_LEN);
        let n = usize::try_from(n).unwrap_or(0);
        // `kernfs_path()` NUL-terminates within the buffer.
        // INVARIANT: at most `PATH_LEN - 1`.
        p.len = n.min(PATH_LEN - 1);
        p.cut = n > p.len;
        p
    }

    /// The path's bytes (cut to [`PATH_LEN`] - 1).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        // By the type invariant, `len` is within the buffer.
        &self.buf[..self.len]
    }
}

impl fmt::Display for CgroupPath {
    /// The path, `?` if it is not UTF-8, `...` after a cut one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.as_bytes()).unwrap_or("?"))?;
        if self.cut {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// A cgroup's identity: its kernfs node's id (`cgroup_id()`), the inode number of its directory
/// in cgroupfs.
pub(crate) type CgroupId = u64;

/// `task`'s cgroup on the cgroup v2 hierarchy, and its path.
pub(crate) fn task_cgroup(task: &Task) -> (CgroupId, CgroupPath) {
    let mut id = 0;
    let path = CgroupPath::filled_by(|buf, len| {
        // SAFETY: `task` is valid for the call; the shim takes the RCU read lock itself and
        // writes at most `len` bytes to `buf`, which holds `len`.
        unsafe { proclab_task_cgroup(task.as_ptr(), &mut id, buf, len) }
    });
    (id, path)
}

/// A set of controllers, one bit per controller id, as `cgroup.controllers` and
/// `cgroup.subtree_control` show them (names comma separated here, `-` for none).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Controllers(u32);

impl fmt::Display for Controllers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for ssid in 0..32 {
            if self.0 & (1 << ssid) == 0 {
                continue;
            }
            // SAFETY: The shim accepts any id and returns a static string or NULL.
            let name = unsafe { proclab_cgroup_subsys_name(ssid) };
            if name.is_null() {
                continue;
            }
            // SAFETY: A non-NULL name is a NUL-terminated string of the shim's static table.
            let name = unsafe { CStr::from_char_ptr(name) };
            f.write_str(if first { "" } else { "," })?;
            f.write_str(name.to_str().unwrap_or("?"))?;
            first = false;
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// One cgroup of a walk.
#[derive(Clone, Copy)]
pub(crate) struct CgroupInfo {
    pub(crate) id: CgroupId,
    /// The controllers its parent enables for it (`cgroup.controllers`; see
    /// `proclab_cgroup_info()` for the root's).
    pub(crate) controllers: Controllers,
    /// The controllers it enables for its children (`cgroup.subtree_control`).
    pub(crate) subtree_control: Controllers,
    pub(crate) path: CgroupPath,
}

/// The cgroups of the v2 hierarchy in pre-order, the root first: see [`cgroups`].
pub(crate) struct Cgroups<'a> {
    /// The last cgroup visited, NULL before the first.
    pos: *mut bindings::cgroup_subsys_state,
    done: bool,
    _rcu: PhantomData<&'a rcu::Guard>,
}

/// Walks every cgroup of the v2 hierarchy under `guard`'s RCU read lock.
pub(crate) fn cgroups(_guard: &rcu::Guard) -> Cgroups<'_> {
    Cgroups {
        pos: ptr::null_mut(),
        done: false,
        _rcu: PhantomData,
    }
}

impl Iterator for Cgroups<'_> {
    type Item = CgroupInfo;

    fn next(&mut self) -> Option<CgroupInfo> {
        if self.done {
            return None;
        }
        // SAFETY: The RCU read lock is held for `'a` (the guard), as `css_next_descendant_pre()`
        // requires; `pos` is NULL or the css it returned before under the same lock.
        let css = unsafe { proclab_cgroup_next(self.pos) };
        if css.is_null() {
            self.done = true;
            return None;
        }
        self.pos = css;
        let (mut id, mut control, mut subtree) = (0, 0, 0);
        let path = CgroupPath::filled_by(|buf, len| {
            // SAFETY: `css` came from the walk under the RCU read lock still held, which keeps
            // it and its cgroup alive; the shim writes at most `len` bytes to `buf`.
            unsafe { proclab_cgroup_info(css, &mut id, &mut control, &mut subtree, buf, len) }
        });
        Some(CgroupInfo {
            id,
            controllers: Controllers(control),
            subtree_control: Controllers(subtree),
            path,
        })
    }
}
