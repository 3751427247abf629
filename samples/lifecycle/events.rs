// SPDX-License-Identifier: GPL-2.0

//! The event log: the lifecycle tracepoints of `rust/proclab/tracepoint.rs`, one [`Record`]
//! each, in a ring of [`CAPACITY`] that keeps the newest and counts what it overwrote.
//!
//! The probes run in the task the event happens in, in any context (`sched_process_free` in an
//! RCU callback): each builds its record first, then takes the ring's raw spin lock for a copy.
//! The ring is allocated at load, so no probe allocates.
//!
//! No tracepoint names the task that reaped another: `release_task()` runs in the reaper, but
//! `sched_process_free` fires a grace period later, from an RCU callback. A free's `reaped_by`
//! is therefore a match, made when the log is read: the newest `wait` before the free (within
//! [`MATCH_WINDOW`] records) that waited for that pid, or for any child (`waits_for=0`) from the
//! thread group that was the task's parent at its exit.

use crate::{
    sync::RawSpinLockIrq,
    task::{ancestors, Comm, Escaped, TaskExt},
    tracepoint::Handler,
};
use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    static_lock_class,
    sync::rcu,
    task::{Pid, Task},
    time::{Instant, Monotonic},
};

/// The records the ring holds; older ones are overwritten, and counted as dropped.
pub(crate) const CAPACITY: usize = 4096;

/// The bytes of an exec's file name kept (the rest is cut, and marked with `...`).
const NAME_LEN: usize = 48;

/// How many records before a free are searched for its exit and its wait.
const MATCH_WINDOW: usize = 256;

/// How many generations `filter subtree` climbs from a task towards its root.
const MAX_DEPTH: usize = 1024;

/// What happened, with the fields of that kind of event.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// `task_newtask`: the record's task is the child; `flags` its clone flags.
    Fork { flags: u64 },
    /// `sched_process_exec`: the record's comm is the new one.
    Exec {
        old_pid: Pid,
        name: [u8; NAME_LEN],
        len: usize,
        cut: bool,
    },
    /// `sched_process_exit`: `code` is `task->exit_code`, as `wait()` will report it.
    Exit { code: i32, group_dead: bool },
    /// `sched_process_wait`: the record's task waits for `pid` (0: any child).
    Wait { pid: Pid },
    /// `sched_process_free`: the task is freed.
    Free,
}

impl Kind {
    /// The names, in the order of [`Kind::index`].
    const NAMES: [&'static str; 5] = ["fork", "exec", "exit", "wait", "free"];

    fn index(&self) -> usize {
        match self {
            Kind::Fork { .. } => 0,
            Kind::Exec { .. } => 1,
            Kind::Exit { .. } => 2,
            Kind::Wait { .. } => 3,
            Kind::Free => 4,
        }
    }
}

/// One event.
#[derive(Clone, Copy)]
pub(crate) struct Record {
    seq: u64,
    ns: i64,
    pid: Pid,
    tgid: Pid,
    parent: Pid,
    comm: Comm,
    kind: Kind,
}

impl Record {
    fn of(task: &Task, since: Instant<Monotonic>, kind: Kind) -> Self {
        Record {
            seq: 0,
            ns: (Instant::<Monotonic>::now() - since).as_nanos(),
            pid: task.pid(),
            tgid: task.tgid(),
            parent: task.ppid(),
            comm: task.comm(),
            kind,
        }
    }
}

/// Which events are kept. The task of an event is the child for a fork, the waiter for a wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    All,
    /// Events of the task (thread) with this pid.
    Pid(Pid),
    /// Events of the tasks of this thread group.
    Tgid(Pid),
    /// Events of this process and of its descendants, by `real_parent` when the event fires (at
    /// most [`MAX_DEPTH`] generations down). A freed task has left the tree: its free is kept
    /// when its exit was, among the last [`MATCH_WINDOW`] records.
    Subtree(Pid),
}

impl Filter {
    /// Whether an event of `task` passes, if that can be told from the task alone.
    fn passes(self, task: &Task, kind: &Kind) -> Option<bool> {
        match self {
            Filter::All => Some(true),
            Filter::Pid(p) => Some(task.pid() == p),
            Filter::Tgid(t) => Some(task.tgid() == t),
            Filter::Subtree(_) if matches!(kind, Kind::Free) => None,
            Filter::Subtree(root) => Some(is_descendant_of(task, root)),
        }
    }
}

/// The ring and its counts.
pub(crate) struct Ring {
    records: KVVec<Record>,
    /// Where the next record goes, once the ring is full.
    next: usize,
    /// Records ever kept since the last clear (the next one's `seq`).
    kept: u64,
    /// Of those, by kind, in the order of [`Kind::NAMES`].
    by_kind: [u64; 5],
    filter: Filter,
}

impl Ring {
    /// The records, oldest first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> {
        let (newer, older) = self.records.split_at(self.next);
        Iterator::chain(older.iter(), newer.iter())
    }

    fn push(&mut self, mut r: Record) {
        r.seq = self.kept;
        self.kept += 1;
        self.by_kind[r.kind.index()] += 1;
        if self.records.len() < CAPACITY {
            // Within the capacity reserved at load: no allocation.
            let _ = self.records.push_within_capacity(r);
        } else {
            self.records[self.next] = r;
            self.next = (self.next + 1) % CAPACITY;
        }
    }
}

/// The handler the probes call: the ring under a raw spin lock.
#[pin_data]
pub(crate) struct Log {
    /// The records' times are from here (`ktime_get()`, the monotonic clock).
    loaded: Instant<Monotonic>,
    #[pin]
    ring: RawSpinLockIrq<Ring>,
}

impl Log {
    /// A log in `records`, which has room for [`CAPACITY`] records.
    pub(crate) fn new(records: KVVec<Record>) -> impl PinInit<Self> {
        pin_init!(Log {
            loaded: Instant::<Monotonic>::now(),
            ring <- RawSpinLockIrq::new(
                Ring {
                    records,
                    next: 0,
                    kept: 0,
                    by_kind: [0; 5],
                    filter: Filter::All,
                },
                c"proclab_lifecycle_events",
                static_lock_class!(),
            ),
        })
    }

    /// An empty ring's storage, allocated before any probe runs.
    pub(crate) fn storage() -> Result<KVVec<Record>> {
        Ok(KVVec::with_capacity(CAPACITY, GFP_KERNEL)?)
    }

    fn record(&self, task: &Task, kind: Kind) {
        let r = Record::of(task, self.loaded, kind);
        // The subtree walk runs outside the lock: a filter changed meanwhile decides the next
        // event.
        let filter = self.ring.lock().filter;
        let pass = filter.passes(task, &kind);
        let mut ring = self.ring.lock();
        let keep = pass.unwrap_or_else(|| {
            // A free under `filter subtree`: kept if the task's exit was.
            ring.iter()
                .rev()
                .take(MATCH_WINDOW)
                .any(|e| e.pid == r.pid && matches!(e.kind, Kind::Exit { .. }))
        });
        if keep {
            ring.push(r);
        }
    }

    /// Forgets every record and the counts.
    pub(crate) fn clear(&self) {
        let mut ring = self.ring.lock();
        ring.records.clear();
        ring.next = 0;
        ring.kept = 0;
        ring.by_kind = [0; 5];
    }

    pub(crate) fn set_filter(&self, filter: Filter) {
        self.ring.lock().filter = filter;
    }

    /// The records, oldest first, and the counts by kind since the last clear: copied under the
    /// lock into `out` (allocated before it), formatted after.
    fn snapshot(&self, out: &mut KVVec<Record>) -> [u64; 5] {
        let ring = self.ring.lock();
        for r in ring.iter() {
            let _ = out.push_within_capacity(*r);
        }
        ring.by_kind
    }

    /// `events`: a header, the records, and the counts.
    pub(crate) fn show(&self, f: &mut impl Write) -> fmt::Result {
        let Ok(mut records) = KVVec::with_capacity(CAPACITY, GFP_KERNEL) else {
            return writeln!(f, "(no memory for a snapshot)");
        };
        let by_kind = self.snapshot(&mut records);
        let total: u64 = by_kind.iter().sum();
        // The counts first: a reader that wants only them reads one line.
        write!(f, "# events:")?;
        for (name, n) in Kind::NAMES.iter().zip(by_kind.iter()) {
            write!(f, " {name} {n}")?;
        }
        writeln!(
            f,
            " kept {} dropped {} capacity {CAPACITY}",
            records.len(),
            total - records.len() as u64
        )?;
        writeln!(
            f,
            "{:>6} {:>14} {:<5} {:>7} {:>7} {:>7} {:<16} detail",
            "seq", "ns_since_load", "event", "pid", "tgid", "parent", "comm"
        )?;
        for (i, r) in records.iter().enumerate() {
            let event = Kind::NAMES[r.kind.index()];
            write!(
                f,
                "{:>6} {:>14} {:<5} {:>7} {:>7} {:>7} {:<16} ",
                r.seq,
                r.ns,
                event,
                r.pid,
                r.tgid,
                r.parent,
                r.comm.escaped()
            )?;
            match r.kind {
                Kind::Fork { flags } => writeln!(f, "clone_flags=0x{flags:x}")?,
                Kind::Exec {
                    old_pid,
                    name,
                    len,
                    cut,
                } => writeln!(
                    f,
                    "old_pid={old_pid} filename={}{}",
                    Escaped::<{ 4 * NAME_LEN }>::of(&name[..len]),
                    if cut { "..." } else { "" }
                )?,
                Kind::Exit { code, group_dead } => writeln!(
                    f,
                    "exit_code=0x{code:x} status={} signal={} group_dead={}",
                    (code >> 8) & 0xff,
                    code & 0x7f,
                    u8::from(group_dead)
                )?,
                Kind::Wait { pid } => writeln!(f, "waits_for={pid}")?,
                Kind::Free => match reaper(&records[..i], r.pid) {
                    Some(w) => writeln!(f, "reaped_by={w}")?,
                    None => writeln!(f, "reaped_by=?")?,
                },
            }
        }
        Ok(())
    }
}

/// The reaper of `pid`, freed after `before`: the newest wait in the last [`MATCH_WINDOW`] of
/// them that waited for `pid`, or for any child from the thread group that was its parent at its
/// exit (see the module's doc comment).
fn reaper(before: &[Record], pid: Pid) -> Option<Pid> {
    let window = &before[before.len().saturating_sub(MATCH_WINDOW)..];
    let parent = window
        .iter()
        .rev()
        .find(|e| e.pid == pid && matches!(e.kind, Kind::Exit { .. }))
        .map(|e| e.parent);
    window.iter().rev().find_map(|e| match e.kind {
        Kind::Wait { pid: w } if w == pid || (w == 0 && Some(e.tgid) == parent) => Some(e.pid),
        _ => None,
    })
}

/// Whether `task` is the process `root` or one of its descendants, at most [`MAX_DEPTH`]
/// generations down.
fn is_descendant_of(task: &Task, root: Pid) -> bool {
    let guard = rcu::read_lock();
    ancestors(task, &guard)
        .take(MAX_DEPTH + 1)
        .any(|t| t.tgid() == root)
}

impl Handler for Log {
    fn task_newtask(&self, task: &Task, clone_flags: u64) {
        self.record(task, Kind::Fork { flags: clone_flags });
    }

    fn sched_process_exec(&self, task: &Task, old_pid: Pid, filename: &CStr) {
        let bytes = filename.to_bytes();
        let mut name = [0u8; NAME_LEN];
        let len = bytes.len().min(NAME_LEN);
        name[..len].copy_from_slice(&bytes[..len]);
        let cut = len < bytes.len();
        self.record(
            task,
            Kind::Exec {
                old_pid,
                name,
                len,
                cut,
            },
        );
    }

    fn sched_process_exit(&self, task: &Task, group_dead: bool) {
        self.record(
            task,
            Kind::Exit {
                code: task.exit_code(),
                group_dead,
            },
        );
    }

    fn sched_process_wait(&self, pid: Pid) {
        self.record(kernel::current!(), Kind::Wait { pid });
    }

    fn sched_process_free(&self, task: &Task) {
        self.record(task, Kind::Free);
    }
}
