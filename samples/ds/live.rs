// SPDX-License-Identifier: GPL-2.0

//! The `live` view: the real runnable tasks of each CPU in a red-black tree ordered by
//! `se.vruntime`, next to the model of [`crate::runqueue`].
//!
//! The kernel's own per-CPU tree (`cfs_rq->tasks_timeline`) is private to the scheduler and
//! protected by the run-queue lock, which modules cannot take. The view therefore reads the
//! fields of every thread under the RCU read lock (the `for_each_process_thread()` walk of
//! [`crate::task`]), keeps the fair-class tasks that are on a run queue, and inserts them into
//! an [`RBTree`] built outside the RCU read-side section. The fields are read without the
//! run-queue lock, so the picture is a snapshot that a running scheduler moves on from while it
//! is taken: good to a tick, not to the nanosecond.
//!
//! vruntimes are compared as the kernel compares them, by the sign of their difference
//! (`vruntime_cmp()`): a run queue's `zero_vruntime` starts at `-(1 << 20)`, so shortly after
//! boot the vruntimes of one CPU straddle the wrap of `u64`. Each key is the signed distance
//! from the first vruntime seen on its CPU.
//!
//! Everything the view allocates (its arrays are sized by the number of threads, so they are
//! `KVVec`s, which fall back to `vmalloc()` past what `kmalloc()` gives) is allocated before the
//! first byte is written. An allocation that fails makes [`show`] return `Err` with nothing
//! written: the read fails (`ENOMEM`) instead of showing part of the table as if it were all.

use core::fmt::{self, Write};
use kernel::{prelude::*, rbtree::RBTree};

use crate::debugfs::SeqOut;
use crate::task::{self, Comm, TaskExt, Walk};

/// One runnable fair-class task, as read under RCU.
struct Row {
    /// `se.depth`: 0 in the root task group.
    depth: i32,
    cpu: u32,
    pid: i32,
    nice: i32,
    weight: u64,
    vruntime: u64,
    deadline: u64,
    running: bool,
    comm: Comm,
}

/// Orders the rows of a CPU by signed vruntime distance, then pid (two tasks may share a
/// vruntime, e.g. right after a fork).
type Key = (u32, i64, i32);

/// The signed distance `a - b` between two vruntimes, as `vruntime_op(a, "-", b)`.
fn vdiff(a: u64, b: u64) -> i64 {
    a.wrapping_sub(b) as i64
}

/// One CPU's rows, `rows` in vruntime order.
fn show_cpu(f: &mut SeqOut, cpu: u32, rows: &[&Row]) -> fmt::Result {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let base = first.vruntime;
    // EEVDF's average vruntime, weighted by load: the tasks at or below it are eligible. As in
    // avg_vruntime(), the sum is taken relative to a base to stay small; should it still not fit
    // 64 bits (the kernel has no 128-bit division either), the average is left unknown.
    let (mut sum, mut load) = (0i128, 0i64);
    for r in rows {
        sum += i128::from(vdiff(r.vruntime, base)) * i128::from(r.weight);
        load = load.saturating_add(r.weight as i64);
    }
    let avg = i64::try_from(sum).ok().and_then(|s| s.checked_div(load));
    let eligible = |r: &Row| avg.map(|a| vdiff(r.vruntime, base) <= a);
    // EEVDF runs the eligible task with the earliest virtual deadline.
    let pick = rows
        .iter()
        .filter(|r| eligible(r) == Some(true))
        .min_by_key(|r| vdiff(r.deadline, base))
        .map(|r| r.pid);
    write!(
        f,
        "cpu {cpu}: {} runnable, load {load}, avg_vruntime ",
        rows.len()
    )?;
    match avg {
        Some(a) => writeln!(f, "{:+}", a)?,
        None => writeln!(f, "?")?,
    }
    for (i, r) in rows.iter().enumerate() {
        let rel = vdiff(r.vruntime, base);
        let mark = [
            if i == 0 { '*' } else { ' ' },
            if Some(r.pid) == pick { 'E' } else { ' ' },
            if r.running { '>' } else { ' ' },
        ];
        writeln!(
            f,
            "{}{}{} {:>4} {:>7} {:>4} {:>6} {:>20} {:>+14} {:>+14} {:>4} {}",
            mark[0],
            mark[1],
            mark[2],
            cpu,
            r.pid,
            r.nice,
            r.weight,
            r.vruntime,
            rel,
            vdiff(r.deadline, base),
            match eligible(r) {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            },
            r.comm.escaped().as_str()
        )?;
    }
    Ok(())
}

/// The `cfs/live` file.
pub(crate) fn show(f: &mut SeqOut) -> fmt::Result {
    // With fair group scheduling a task in a cgroup below the root (with the cpu controller) is
    // queued on its group's run queue, whose vruntimes do not compare with the root's: only the
    // tasks of the root task group (`se.depth` 0) are ordered here; the others are counted.
    let snap = task::snapshot(Walk::Threads, |t| {
        (t.on_rq() != 0 && t.sched_class() == "fair").then(|| Row {
            depth: t.se_depth(),
            cpu: t.cpu(),
            pid: t.pid(),
            nice: t.nice(),
            weight: t.weight(),
            vruntime: t.vruntime(),
            deadline: t.deadline(),
            running: t.on_cpu() != 0,
            comm: t.comm(),
        })
    })
    .map_err(|_| fmt::Error)?;
    let mut nested = 0usize;
    let rows: KVVec<&Row> = {
        let mut v = KVVec::with_capacity(snap.len(), GFP_KERNEL).map_err(|_| fmt::Error)?;
        for r in snap.iter().flatten() {
            if r.depth != 0 {
                nested += 1;
                continue;
            }
            v.push(r, GFP_KERNEL).map_err(|_| fmt::Error)?;
        }
        v
    };
    // The first vruntime seen on each CPU, the base of that CPU's keys.
    let mut bases: RBTree<u32, u64> = RBTree::new();
    let mut tree: RBTree<Key, usize> = RBTree::new();
    for (i, r) in rows.iter().enumerate() {
        let base = match bases.get(&r.cpu) {
            Some(&b) => b,
            None => {
                bases
                    .try_create_and_insert(r.cpu, r.vruntime, GFP_KERNEL)
                    .map_err(|_| fmt::Error)?;
                r.vruntime
            }
        };
        tree.try_create_and_insert((r.cpu, vdiff(r.vruntime, base), r.pid), i, GFP_KERNEL)
            .map_err(|_| fmt::Error)?;
    }
    // The rows in the tree's order, CPU by CPU: the last allocation.
    let mut ordered: KVVec<&Row> =
        KVVec::with_capacity(rows.len(), GFP_KERNEL).map_err(|_| fmt::Error)?;
    for &i in tree.values() {
        ordered
            .push_within_capacity(rows[i])
            .map_err(|_| fmt::Error)?;
    }
    // From here on only the buffer can run out (an overflow, after which seq_file calls again).
    writeln!(
        f,
        "# runnable fair-class tasks per CPU in vruntime order ({} in all); {nested} more in \
         cgroups below the root (se.depth > 0), on their groups' run queues, not shown",
        rows.len()
    )?;
    writeln!(
        f,
        "# * leftmost (smallest vruntime)  E EEVDF's pick (eligible, earliest deadline)  > on a CPU"
    )?;
    writeln!(
        f,
        "#   {:>4} {:>7} {:>4} {:>6} {:>20} {:>14} {:>14} {:>4} comm",
        "cpu", "pid", "nice", "weight", "vruntime", "+vruntime", "+deadline", "elig"
    )?;
    let mut rest = &ordered[..];
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|r| r.cpu == first.cpu).count();
        let (cpu_rows, tail) = rest.split_at(n);
        show_cpu(f, first.cpu, cpu_rows)?;
        rest = tail;
    }
    Ok(())
}
