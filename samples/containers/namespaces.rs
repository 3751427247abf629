// SPDX-License-Identifier: GPL-2.0

//! `containers/ns`: one line per thread with the inode number of each of its namespaces, as the
//! links in `/proc/<pid>/ns/` show them, and its pid at every pid namespace level, as `NSpid:`
//! in `/proc/<pid>/status` (`rust/proclab/ns.rs`).
//!
//! A container is, to the kernel, a task whose namespaces are not init's: the numbers that
//! differ from pid 1's line are what `unshare`, `clone(CLONE_NEW*)` and `setns()` changed.

use core::fmt::{self, Write};
use kernel::task::Pid;

use crate::debugfs::SeqOut;
use crate::ns::{nspids, task_ns, NsPids, TaskNs};
use crate::task::{self, snapshot, Comm, TaskExt, Walk};
use crate::{alloc_failed, State};

/// What `ns` records of each thread during the walk.
struct NsRow {
    pid: Pid,
    tgid: Pid,
    comm: Comm,
    ns: TaskNs,
    nspids: NsPids,
}

/// Writes one line per thread, from one snapshot of the walk.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match snapshot(Walk::Threads, |t| NsRow {
        pid: t.pid(),
        tgid: t.tgid(),
        comm: t.comm(),
        ns: task_ns(t),
        nspids: nspids(t),
    }) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    writeln!(
        f,
        "{:>7} {:>7} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>16} {:>10} {:>17} {:>10} {:>10} nspids",
        "pid",
        "tgid",
        "comm",
        "uts",
        "ipc",
        "mnt",
        "net",
        "pid_ns",
        "pid_for_children",
        "time",
        "time_for_children",
        "cgroup",
        "user"
    )?;
    for r in rows.iter() {
        let n = &r.ns;
        writeln!(
            f,
            "{:>7} {:>7} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>16} {:>10} {:>17} {:>10} {:>10} {}",
            r.pid,
            r.tgid,
            r.comm,
            n.uts,
            n.ipc,
            n.mnt,
            n.net,
            n.pid,
            n.pid_for_children,
            n.time,
            n.time_for_children,
            n.cgroup,
            n.user,
            r.nspids
        )?;
    }
    Ok(())
}

/// Bytes per line the size hint allows (the columns, and a few nested pid levels).
const LINE: usize = 192;

/// The [`crate::debugfs::FileSpec::size_hint`] of `ns`: a line per thread and the header.
pub(crate) fn size_hint(_state: &State) -> usize {
    (task::count(Walk::Threads) + 1) * LINE
}
