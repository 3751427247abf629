// SPDX-License-Identifier: GPL-2.0

//! `containers/members` and `containers/cgroups`: the cgroup v2 hierarchy from the kernel's side
//! (`rust/proclab/cgroup.rs`).
//!
//! - `members`: one line per thread with the id and path of its cgroup, the path as
//!   `/proc/<pid>/cgroup` shows it (`0::PATH`);
//! - `cgroups`: one line per cgroup, in pre-order from the root, with the number of threads the
//!   `members` walk found in it (as `cgroup.threads` lists them) and its `cgroup.controllers` and
//!   `cgroup.subtree_control`.

use core::fmt::{self, Write};
use kernel::{
    alloc::{AllocError, KVVec},
    prelude::*,
    sync::rcu,
    task::Pid,
};

use crate::cgroup::{cgroups, task_cgroup, CgroupId, CgroupInfo, CgroupPath};
use crate::debugfs::SeqOut;
use crate::task::{self, snapshot, Comm, TaskExt, Walk};
use crate::{alloc_failed, State};

/// What `members` records of each thread during the walk.
struct MemberRow {
    pid: Pid,
    tgid: Pid,
    comm: Comm,
    id: CgroupId,
    path: CgroupPath,
}

fn members_snapshot() -> Result<KVVec<MemberRow>, AllocError> {
    snapshot(Walk::Threads, |t| {
        let (id, path) = task_cgroup(t);
        MemberRow {
            pid: t.pid(),
            tgid: t.tgid(),
            comm: t.comm(),
            id,
            path,
        }
    })
}

/// `members`: one line per thread.
pub(crate) fn show_members(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match members_snapshot() {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    writeln!(
        f,
        "{:>7} {:>7} {:<16} {:>8} path",
        "pid", "tgid", "comm", "cgroup"
    )?;
    for r in rows.iter() {
        writeln!(
            f,
            "{:>7} {:>7} {:<16} {:>8} {}",
            r.pid, r.tgid, r.comm, r.id, r.path
        )?;
    }
    Ok(())
}

/// Every cgroup, copied under one RCU read lock into a vector allocated before it (larger and
/// again if the hierarchy outgrew it).
fn cgroups_snapshot() -> Result<KVVec<CgroupInfo>, AllocError> {
    let mut room = 64usize;
    loop {
        let mut v = KVVec::with_capacity(room, GFP_KERNEL)?;
        let full = {
            let guard = rcu::read_lock();
            !cgroups(&guard).all(|c| v.push_within_capacity(c).is_ok())
        };
        if !full {
            return Ok(v);
        }
        room = room.checked_mul(2).ok_or(AllocError)?;
    }
}

/// `cgroups`: one line per cgroup.
pub(crate) fn show_cgroups(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let (groups, mut members) = match (cgroups_snapshot(), members_snapshot()) {
        (Ok(g), Ok(m)) => (g, m),
        (Err(e), _) | (_, Err(e)) => return alloc_failed(f, e),
    };
    // Threads per cgroup: the members sorted by cgroup id, counted by binary search.
    members.sort_unstable_by_key(|m| m.id);
    let threads = |id: CgroupId| {
        members.partition_point(|m| m.id <= id) - members.partition_point(|m| m.id < id)
    };
    writeln!(f, "cgroup threads controllers subtree_control path")?;
    for g in groups.iter() {
        writeln!(
            f,
            "{} {} {} {} {}",
            g.id,
            threads(g.id),
            g.controllers,
            g.subtree_control,
            g.path
        )?;
    }
    Ok(())
}

/// Bytes per line the size hints allow.
const LINE: usize = 128;

/// The size hint of `members`: a line per thread and the header.
pub(crate) fn members_size(_state: &State) -> usize {
    (task::count(Walk::Threads) + 1) * LINE
}

/// The size hint of `cgroups`: a page, the buffer grows past it.
pub(crate) fn cgroups_size(_state: &State) -> usize {
    kernel::page::PAGE_SIZE
}
