// SPDX-License-Identifier: GPL-2.0

//! `threads`: one line per thread, with small ids for the `mm`, `files` and `sighand` it uses,
//! so that threads sharing one show the same id (the addresses themselves never reach the file).

use core::fmt::{self, Write};
use kernel::{
    alloc::{AllocError, KVVec},
    prelude::*,
    task::Pid,
};

use crate::debugfs::SeqOut;
use crate::task::{self, snapshot, Comm, ObjKey, TaskExt, Walk};
use crate::{alloc_failed, State};

/// What `threads` records of each thread during the walk.
struct ThreadRow {
    pid: Pid,
    tgid: Pid,
    mm: Option<ObjKey>,
    files: Option<ObjKey>,
    sighand: Option<ObjKey>,
    comm: Comm,
}

/// Small, stable ids for kernel objects: an object's id is the lowest pid among the tasks that
/// use it, so all threads sharing an `mm` show the same number, and the number stays the same
/// from one read to the next while that task lives. The address itself is never shown.
///
/// Sized by the number of threads, like the snapshot: a [`KVVec`], which `vmalloc()` serves past
/// `kmalloc()`'s largest object.
struct Ids(KVVec<(ObjKey, Pid)>);

impl Ids {
    fn new(rows: &[ThreadRow], key: impl Fn(&ThreadRow) -> Option<ObjKey>) -> Result<Self> {
        let mut v = KVVec::with_capacity(rows.len(), GFP_KERNEL)?;
        for r in rows {
            if let Some(k) = key(r) {
                v.push((k, r.pid), GFP_KERNEL)?;
            }
        }
        // Sorted by key, then by pid: the first entry of each key holds its lowest pid.
        v.sort_unstable();
        Ok(Ids(v))
    }

    fn get(&self, key: Option<ObjKey>) -> Option<Pid> {
        let key = key?;
        let i = self.0.partition_point(|(k, _)| *k < key);
        self.0
            .get(i)
            .filter(|(k, _)| *k == key)
            .map(|(_, pid)| *pid)
    }
}

/// An id column: the id, or `-` when the task has no such object.
struct IdCol(Option<Pid>);

impl fmt::Display for IdCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => fmt::Display::fmt(&id, f),
            None => f.pad("-"),
        }
    }
}

/// Writes one line per thread, from one snapshot of the walk.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match snapshot(Walk::Threads, |t| ThreadRow {
        pid: t.pid(),
        tgid: t.tgid(),
        mm: t.mm_key(),
        files: t.files_key(),
        sighand: t.sighand_key(),
        comm: t.comm(),
    }) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    let (Ok(mm), Ok(files), Ok(sighand)) = (
        Ids::new(&rows, |r| r.mm),
        Ids::new(&rows, |r| r.files),
        Ids::new(&rows, |r| r.sighand),
    ) else {
        return alloc_failed(f, AllocError);
    };
    writeln!(
        f,
        "{:>7} {:>7} {:>7} {:>7} {:>7} {:>7} comm",
        "pid", "tgid", "mm", "files", "sighand", "shares"
    )?;
    // The walk visits the threads of a group one after the other, so a group is a run of rows.
    let mut group: Option<(Pid, Option<&ThreadRow>)> = None;
    for (i, r) in rows.iter().enumerate() {
        // The leader is the thread whose pid is the tgid; "shares" says which of its objects
        // this thread uses too (m: mm, f: files, s: sighand).
        let leader = match group {
            Some((tgid, leader)) if tgid == r.tgid => leader,
            _ => {
                let leader = rows[i..]
                    .iter()
                    .take_while(|l| l.tgid == r.tgid)
                    .find(|l| l.pid == r.tgid);
                group = Some((r.tgid, leader));
                leader
            }
        };
        let shares = |a: Option<ObjKey>, b: Option<ObjKey>| a.is_some() && a == b;
        let (m, fi, s) = match leader {
            Some(l) => (
                shares(r.mm, l.mm),
                shares(r.files, l.files),
                shares(r.sighand, l.sighand),
            ),
            None => (false, false, false),
        };
        let flag = |on: bool, c: char| if on { c } else { '-' };
        writeln!(
            f,
            "{:>7} {:>7} {:>7} {:>7} {:>7} {:>5}{}{}{} {}",
            r.pid,
            r.tgid,
            IdCol(mm.get(r.mm)),
            IdCol(files.get(r.files)),
            IdCol(sighand.get(r.sighand)),
            "",
            flag(m, 'm'),
            flag(fi, 'f'),
            flag(s, 's'),
            r.comm
        )?;
    }
    Ok(())
}

/// Bytes per line the size hint allows.
const LINE: usize = 80;

/// The [`crate::debugfs::FileSpec::size_hint`] of `threads`: a line per thread and the header.
pub(crate) fn size_hint(_state: &State) -> usize {
    (task::count(Walk::Threads) + 1) * LINE
}
