// SPDX-License-Identifier: GPL-2.0

//! `summary`: threads per state, the zombies, where each D-state sleeper waits, and the
//! children of init.

use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    task::{Pid, Task},
};

use crate::debugfs::SeqOut;
use crate::task::{
    self, snapshot, state_letter_name, Comm, ShortStr, TaskExt, Walk, STATE_LETTERS,
};
use crate::{alloc_failed, State};

/// What `summary` records of each thread.
pub(crate) struct SummaryRow {
    pid: Pid,
    tgid: Pid,
    ppid: Pid,
    state: char,
    kthread: bool,
    comm: Comm,
    wchan: Option<ShortStr>,
}

/// The row of `summary` for one thread; called under the RCU read lock of the walk.
pub(crate) fn summary_row(t: &Task) -> SummaryRow {
    let state = t.state_char();
    SummaryRow {
        pid: t.pid(),
        tgid: t.tgid(),
        ppid: t.ppid(),
        state,
        kthread: t.is_kthread(),
        comm: t.comm(),
        wchan: (state == 'D').then(|| t.wchan()),
    }
}

/// Writes the counts and lists from one snapshot of the thread walk.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match snapshot(Walk::Threads, summary_row) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    let comm_of = |pid: Pid| rows.iter().find(|r| r.pid == pid).map(|r| r.comm);
    let processes = rows.iter().filter(|r| r.pid == r.tgid).count();
    let kthreads = rows.iter().filter(|r| r.pid == r.tgid && r.kthread).count();
    writeln!(f, "processes: {processes}")?;
    writeln!(f, "threads: {}", rows.len())?;
    writeln!(f, "kernel_threads: {kthreads}")?;
    writeln!(f, "# threads per state")?;
    for c in STATE_LETTERS {
        let n = rows.iter().filter(|r| r.state == c).count();
        writeln!(f, "{c} {:<13} {n}", state_letter_name(c))?;
    }

    writeln!(
        f,
        "# zombies: exited, not yet reaped by their parent's wait()"
    )?;
    writeln!(f, "{:>7} {:<16} {:>7} parent_comm", "pid", "comm", "ppid")?;
    for r in rows.iter().filter(|r| r.state == 'Z' && r.pid == r.tgid) {
        match comm_of(r.ppid) {
            Some(pc) => writeln!(f, "{:>7} {:<16} {:>7} {}", r.pid, r.comm, r.ppid, pc)?,
            None => writeln!(f, "{:>7} {:<16} {:>7} ?", r.pid, r.comm, r.ppid)?,
        }
    }

    writeln!(f, "# uninterruptible sleep (D): where each one waits")?;
    writeln!(f, "{:>7} {:<16} wchan", "pid", "comm")?;
    for r in rows.iter().filter(|r| r.state == 'D') {
        match &r.wchan {
            Some(w) if !w.is_empty() => writeln!(f, "{:>7} {:<16} {}", r.pid, r.comm, w)?,
            _ => writeln!(f, "{:>7} {:<16} - (needs CONFIG_STACKTRACE)", r.pid, r.comm)?,
        }
    }

    writeln!(
        f,
        "# children of init (pid 1): orphans are reparented here; the kernel keeps no mark that \
         tells them from init's own children"
    )?;
    writeln!(f, "{:>7} comm", "pid")?;
    for r in rows.iter().filter(|r| r.ppid == 1 && r.pid == r.tgid) {
        writeln!(f, "{:>7} {}", r.pid, r.comm)?;
    }
    Ok(())
}

/// Bytes per line the size hint allows (as `tree`'s).
const LINE: usize = crate::tree::LINE;

/// The [`crate::debugfs::FileSpec::size_hint`] of `summary`.
pub(crate) fn size_hint(_state: &State) -> usize {
    // The lists of zombies, D sleepers and init's children have a line per task at most.
    (task::count(Walk::Threads) + 16) * LINE
}

#[kunit_tests(proclab_tasks)]
mod tests {
    use super::*;
    use crate::task::snapshot_with_room;
    use kernel::bindings;

    /// A snapshot larger than `kmalloc()`'s largest object is taken all the same: `summary`'s rows
    /// (its own function, through the same `snapshot` path) with room for 4.5 MiB of them, as the
    /// room `snapshot` makes for about 23,000 threads. With a `KVec` this fails (and the page
    /// allocator warns about an order above `MAX_PAGE_ORDER`); a `KVVec` takes it from `vmalloc()`.
    #[test]
    fn snapshot_beyond_kmalloc_max() -> Result {
        let max = bindings::KMALLOC_MAX_SIZE as usize;
        let row = core::mem::size_of::<SummaryRow>();
        let room = (max + max / 8) / row;
        let rows = snapshot_with_room(Walk::Threads, room, summary_row)?;
        assert!(rows.capacity() * row > max);
        // The walk filled it: init and kthreadd are there, each once.
        assert_eq!(rows.iter().filter(|r| r.pid == 1).count(), 1);
        assert_eq!(rows.iter().filter(|r| r.pid == 2).count(), 1);
        Ok(())
    }
}
