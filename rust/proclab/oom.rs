// SPDX-License-Identifier: GPL-2.0

//! The OOM killer's view of a task: the inputs of its badness and the `oom_score` procfs derives
//! from it ([`oom_view`]).
//!
//! C source: `oom_badness()` in [`mm/oom_kill.c`](srctree/mm/oom_kill.c) and `proc_oom_score()`
//! in [`fs/proc/base.c`](srctree/fs/proc/base.c). `oom_badness()` is not exported; this file
//! redoes its arithmetic from the same counters (`rust/proclab/mm.rs`), so the test can hold it
//! against `/proc/<pid>/oom_score`.

use crate::mm::{accounting, task_mm};
use kernel::{bindings, page::PAGE_SIZE, task::Task};

// `improper_ctypes`: see `task/fields.rs`; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_oom_score_adj(p: *mut bindings::task_struct) -> i16;
    fn proclab_task_oom_unkillable(p: *mut bindings::task_struct) -> bool;
    fn proclab_task_in_vfork(p: *mut bindings::task_struct) -> bool;
    fn proclab_mm_oom_skip(mm: *mut bindings::mm_struct) -> bool;
    fn proclab_oom_totalpages() -> usize;
}

/// `OOM_SCORE_ADJ_MIN`: never killed.
const OOM_SCORE_ADJ_MIN: i16 = -1000;

/// What the OOM killer would weigh for a task.
pub(crate) struct OomView {
    /// `/proc/<pid>/oom_score_adj`.
    pub(crate) adj: i16,
    /// RSS, swap and page-table pages (the baseline of the badness), if the task is a candidate.
    pub(crate) rss: usize,
    pub(crate) swap: usize,
    pub(crate) pgtables: usize,
    /// `oom_badness()`: the baseline plus `adj` thousandths of `totalpages`; `None` for a task the
    /// killer never picks (init, kernel threads, no mm, reaped, `adj` -1000, in vfork).
    pub(crate) points: Option<i64>,
    /// RAM and swap, in pages.
    pub(crate) totalpages: usize,
    /// `/proc/<pid>/oom_score`: `(1000 + points * 1000 / totalpages) * 2 / 3`, 0 for no points.
    pub(crate) score: i64,
}

/// The OOM view of `task`. May sleep (`task_mm()` takes the task's lock, `accounting()` sums
/// per-CPU counters).
pub(crate) fn oom_view(task: &Task) -> OomView {
    // SAFETY: `task` is live for the calls; the shims read fields of it and of its
    // `signal_struct`, which lives as long as it, once each.
    let (adj, unkillable, vfork, totalpages) = unsafe {
        (
            proclab_task_oom_score_adj(task.as_ptr()),
            proclab_task_oom_unkillable(task.as_ptr()),
            proclab_task_in_vfork(task.as_ptr()),
            proclab_oom_totalpages(),
        )
    };
    let mut v = OomView {
        adj,
        rss: 0,
        swap: 0,
        pgtables: 0,
        points: None,
        totalpages,
        score: 0,
    };
    if unkillable {
        return v;
    }
    let Some(mm) = task_mm(task) else {
        return v;
    };
    let a = accounting(task, &mm);
    v.rss = a.anon + a.file + a.shmem;
    v.swap = a.swap;
    v.pgtables = a.pgtables_bytes / PAGE_SIZE;
    // SAFETY: `mm` holds a `mm_users` reference; the shim tests one flag bit.
    let skip = unsafe { proclab_mm_oom_skip(mm.as_raw()) };
    if adj == OOM_SCORE_ADJ_MIN || skip || vfork {
        return v;
    }
    // The sums of page counts fit easily in an i64; `adj` is within -1000..=1000.
    let total = i64::try_from(totalpages).unwrap_or(i64::MAX);
    let base = i64::try_from(v.rss + v.swap + v.pgtables).unwrap_or(i64::MAX);
    let points = base.saturating_add(i64::from(adj).saturating_mul(total / 1000));
    v.points = Some(points);
    v.score = if total > 0 {
        (1000 + points.saturating_mul(1000) / total) * 2 / 3
    } else {
        0
    };
    v
}
