// SPDX-License-Identifier: GPL-2.0

//! The event log: the lifecycle tracepoints of `rust/proclab/tracepoint.rs`, one [`Record`]
//! each, in a ring of [`CAPACITY`] that keeps the newest and counts what it overwrote.
//!
//! The probes run in the task the event happens in, in any context (`sched_process_free` in an
//! RCU callback): each builds its record first, then takes the ring's raw spin lock for a copy.
//! The ring is allocated at load, so no probe allocates.

use crate::{
    sync::RawSpinLockIrq,
    task::{Comm, TaskExt},
    tracepoint::Handler,
};
use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    static_lock_class,
    task::{Pid, Task},
    time::{Instant, Monotonic},
};

/// The records the ring holds; older ones are overwritten, and counted as dropped.
pub(crate) const CAPACITY: usize = 4096;

/// The bytes of an exec's file name kept (the rest is cut, and marked with `...`).
const NAME_LEN: usize = 48;

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

/// Which events are kept.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    All,
    /// Events of tasks whose thread-group id is this.
    Tgid(Pid),
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
        let mut ring = self.ring.lock();
        if let Filter::Tgid(t) = ring.filter {
            if r.tgid != t {
                return;
            }
        }
        ring.push(r);
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
        let n = ring.records.len();
        let start = if n < CAPACITY { 0 } else { ring.next };
        for i in 0..n {
            let _ = out.push_within_capacity(ring.records[(start + i) % n]);
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
        for r in records.iter() {
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
                } => {
                    let name = core::str::from_utf8(&name[..len]).unwrap_or("?");
                    writeln!(
                        f,
                        "old_pid={old_pid} filename={name}{}",
                        if cut { "..." } else { "" }
                    )?
                }
                Kind::Exit { code, group_dead } => writeln!(
                    f,
                    "exit_code=0x{code:x} status={} signal={} group_dead={}",
                    (code >> 8) & 0xff,
                    code & 0x7f,
                    u8::from(group_dead)
                )?,
                Kind::Wait { pid } => writeln!(f, "waits_for={pid}")?,
                Kind::Free => writeln!(f, "-")?,
            }
        }
        Ok(())
    }
}

impl Handler for Log {
    fn task_newtask(&self, task: &Task, clone_flags: u64) {
        self.record(task, Kind::Fork { flags: clone_flags });
    }

    fn sched_process_exec(&self, task: &Task, old_pid: Pid, filename: &CStr) {
        let bytes = filename.to_bytes();
        let mut name = [0u8; NAME_LEN];
        // Cut at a character boundary, so that the name stays UTF-8 if it was.
        let mut len = bytes.len().min(NAME_LEN);
        while core::str::from_utf8(&bytes[..len]).is_err() && len > 0 {
            len -= 1;
        }
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
