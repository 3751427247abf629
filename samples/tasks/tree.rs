// SPDX-License-Identifier: GPL-2.0

//! `tree`: the process tree from the swapper (pid 0), as `real_parent` links it, indented two
//! spaces per level.

use core::fmt::{self, Write};
use kernel::{
    alloc::{AllocError, KVVec},
    prelude::*,
    task::Pid,
};

use crate::debugfs::SeqOut;
use crate::task::{self, snapshot, Comm, TaskExt, Walk};
use crate::{alloc_failed, State};

/// What `tree` records of each process.
struct TreeRow {
    pid: Pid,
    ppid: Pid,
    nr_threads: i32,
    comm: Comm,
}

/// Writes the tree depth-first from the swapper, children in pid order.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let mut rows = match snapshot(Walk::Processes, |t| TreeRow {
        pid: t.pid(),
        // The parent's tgid, as the children/sibling lists of `real_parent` link them.
        ppid: t.ppid(),
        nr_threads: t.nr_threads(),
        comm: t.comm(),
    }) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    // Children of a parent become one run, in pid order: a binary search finds the run.
    rows.sort_unstable_by_key(|r| (r.ppid, r.pid));
    writeln!(f, "0 swapper")?;
    // Depth-first from pid 0 with an explicit stack of (parent, index of the next child). A chain
    // of processes, each the child of the last, is as deep as the task list is long.
    let mut stack = match KVVec::with_capacity(16, GFP_KERNEL) {
        Ok(s) => s,
        Err(e) => return alloc_failed(f, e),
    };
    if stack.push((0 as Pid, 0usize), GFP_KERNEL).is_err() {
        return alloc_failed(f, AllocError);
    }
    while let Some(&(parent, next)) = stack.last() {
        let first = rows.partition_point(|r| r.ppid < parent);
        let child = rows
            .get(first + next)
            .filter(|r| r.ppid == parent && r.pid != parent);
        let depth = stack.len();
        let Some(r) = child else {
            stack.pop();
            continue;
        };
        if let Some(top) = stack.last_mut() {
            top.1 += 1;
        }
        write!(f, "{:width$}{} {}", "", r.pid, r.comm, width = depth * 2)?;
        if r.nr_threads > 1 {
            write!(f, " ({} threads)", r.nr_threads)?;
        }
        writeln!(f)?;
        // A pid 0 parent only appears for the swapper's children; never descend into pid 0.
        if r.pid != 0 && stack.push((r.pid, 0), GFP_KERNEL).is_err() {
            return alloc_failed(f, AllocError);
        }
    }
    Ok(())
}

/// Bytes per line the size hints allow: indentation plus pid and name, for a tree a few levels
/// deep.
pub(crate) const LINE: usize = 64;

/// The [`crate::debugfs::FileSpec::size_hint`] of `tree`: a line per process and the swapper.
pub(crate) fn size_hint(_state: &State) -> usize {
    (task::count(Walk::Processes) + 1) * LINE
}
