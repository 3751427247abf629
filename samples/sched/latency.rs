// SPDX-License-Identifier: GPL-2.0

//! Run-queue latency and time slices, as `runqlat` and `cpudist` show them, computed in the
//! kernel from the scheduler's `sched_wakeup` and `sched_switch` tracepoints.
//!
//! For each thread of the running experiment (a [`Slot`], armed before the thread first runs)
//! the probes keep two moments: when it became runnable (woken, or switched out while still
//! `TASK_RUNNING`, i.e. preempted) and when it went on a CPU. A switch in records the wait
//! since the first, a switch out the run since the second. That is the rule by which
//! `sched_info` counts `run_delay` and `pcount` for `/proc/<pid>/schedstat`
//! (`kernel/sched/stats.h`: `sched_info_enqueue()` on a wake-up or a preemption,
//! `sched_info_arrive()` on the switch in), so the counts can be checked against the kernel's
//! own. The probes read `local_clock()` at each event; the kernel reads `rq_clock()`, which
//! is the same clock but may be older: a wake-up that preempts asks the next `__schedule()`
//! to skip its clock update (`rq_clock_skip_update()`), which then charges the switch at the
//! wake-up's time, or the last tick's when preemption was off meanwhile. The sums agree
//! where the waits are long against that (`Documentation/scheduling.rst`).
//!
//! The probes run with the run-queue lock held and interrupts off: atomics only, no lock.

use crate::{
    task::TaskExt,
    tracepoint::{local_clock_ns, Handler},
};
use core::{
    fmt::{self, Write},
    sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering::Relaxed},
};
use kernel::{
    prelude::*,
    task::{Pid, Task},
};

/// The threads one experiment may have.
pub(crate) const SLOTS: usize = 8;

/// Log2 buckets of microseconds: `0 -> 1`, `2 -> 3`, `4 -> 7`, ... up to `2^31` us (36 min).
const BUCKETS: usize = 32;

/// The last run lengths a slot keeps, for the median.
const RECENT: usize = 64;

/// A log2 histogram of microseconds with the exact count and sum in nanoseconds.
struct Log2 {
    buckets: [AtomicU64; BUCKETS],
    count: AtomicU64,
    sum_ns: AtomicU64,
    max_ns: AtomicU64,
}

impl Log2 {
    fn new() -> Self {
        Log2 {
            buckets: core::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            max_ns: AtomicU64::new(0),
        }
    }

    /// The bucket of `ns`, as `runqlat` buckets microseconds (`bpf_log2l()`).
    fn bucket(ns: u64) -> usize {
        let us = ns / 1000;
        let k = us.checked_ilog2().unwrap_or(0) as usize;
        k.min(BUCKETS - 1)
    }

    fn record(&self, ns: u64) {
        self.buckets[Self::bucket(ns)].fetch_add(1, Relaxed);
        self.count.fetch_add(1, Relaxed);
        self.sum_ns.fetch_add(ns, Relaxed);
        self.max_ns.fetch_max(ns, Relaxed);
    }

    fn reset(&self) {
        for b in &self.buckets {
            b.store(0, Relaxed);
        }
        self.count.store(0, Relaxed);
        self.sum_ns.store(0, Relaxed);
        self.max_ns.store(0, Relaxed);
    }

    /// What the histogram holds now (each counter read on its own: a probe may land in
    /// between).
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            buckets: core::array::from_fn(|k| self.buckets[k].load(Relaxed)),
            count: self.count.load(Relaxed),
            sum_ns: self.sum_ns.load(Relaxed),
            max_ns: self.max_ns.load(Relaxed),
        }
    }
}

/// A [`Log2`] read out, or several added up.
#[derive(Default)]
struct Snapshot {
    buckets: [u64; BUCKETS],
    count: u64,
    sum_ns: u64,
    max_ns: u64,
}

impl Snapshot {
    /// Adds `other`'s samples.
    fn add(&mut self, other: &Snapshot) {
        for (b, o) in self.buckets.iter_mut().zip(other.buckets) {
            *b = b.saturating_add(o);
        }
        self.count = self.count.saturating_add(other.count);
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// `key_count`, `key_sum_ns`, `key_max_ns`, then the histogram as `runqlat` draws it.
    fn show(&self, f: &mut impl Write, key: &str, unit: &str) -> fmt::Result {
        writeln!(f, "{key}_count: {}", self.count)?;
        writeln!(f, "{key}_sum_ns: {}", self.sum_ns)?;
        writeln!(f, "{key}_max_ns: {}", self.max_ns)?;
        let Some(hi) = self.buckets.iter().rposition(|&c| c > 0) else {
            return Ok(());
        };
        let top = self.buckets.iter().copied().max().unwrap_or(1).max(1);
        writeln!(f, "{:>19} : count    distribution", unit)?;
        for (k, &c) in self.buckets.iter().enumerate().take(hi + 1) {
            let (lo, up) = if k == 0 {
                (0, 1)
            } else {
                (1u64 << k, (2u64 << k) - 1)
            };
            // At most 40 stars: c <= top.
            let stars = usize::try_from(c.saturating_mul(40) / top).unwrap_or(40);
            write!(f, "{lo:>10} -> {up:<10} : {c:<8} |")?;
            for i in 0..40 {
                f.write_char(if i < stars { '*' } else { ' ' })?;
            }
            f.write_str("|\n")?;
        }
        Ok(())
    }
}

/// One traced thread.
struct Slot {
    /// Its pid; 0 while the slot is free.
    pid: AtomicI32,
    /// When it became runnable, or 0 while it is not waiting for a CPU.
    runnable_since: AtomicU64,
    /// When it went on a CPU, or 0 while it is not on one.
    on_cpu_since: AtomicU64,
    /// Preempted while it was going to sleep (its state set, `schedule()` not yet called): it
    /// stays queued, and the kernel counts no wait for it, nor for the wake-up that finds it
    /// queued (`ttwu_runnable()`), until it runs again.
    queued_asleep: AtomicBool,
    /// Runnable to on a CPU.
    wait: Log2,
    /// On a CPU to off it.
    run: Log2,
    /// The last [`RECENT`] run lengths, by `runs % RECENT`.
    recent: [AtomicU64; RECENT],
    /// What `/proc/<pid>/schedstat` held when the slot was armed: `run_delay`, `pcount` and
    /// `sum_exec_runtime`.
    base: [AtomicU64; 3],
}

impl Slot {
    fn new() -> Self {
        Slot {
            pid: AtomicI32::new(0),
            runnable_since: AtomicU64::new(0),
            on_cpu_since: AtomicU64::new(0),
            queued_asleep: AtomicBool::new(false),
            wait: Log2::new(),
            run: Log2::new(),
            recent: core::array::from_fn(|_| AtomicU64::new(0)),
            base: core::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    fn switch_out(&self, now: u64, preempt: bool, runnable: bool) {
        let since = self.on_cpu_since.swap(0, Relaxed);
        if since != 0 {
            let ns = now.saturating_sub(since);
            let n = self.run.count.load(Relaxed);
            // `n % RECENT` is below RECENT.
            self.recent[(n % RECENT as u64) as usize].store(ns, Relaxed);
            self.run.record(ns);
        }
        if runnable {
            self.runnable_since.store(now, Relaxed);
        } else if preempt {
            self.queued_asleep.store(true, Relaxed);
        }
    }

    fn switch_in(&self, now: u64) {
        let since = self.runnable_since.swap(0, Relaxed);
        if since != 0 {
            self.wait.record(now.saturating_sub(since));
        }
        self.queued_asleep.store(false, Relaxed);
        self.on_cpu_since.store(now, Relaxed);
    }

    fn woken(&self, now: u64) {
        // A task woken on its CPU (between setting its state and `schedule()`) never left;
        // one preempted there is still queued.
        if self.on_cpu_since.load(Relaxed) == 0 && !self.queued_asleep.load(Relaxed) {
            let _ = self
                .runnable_since
                .compare_exchange(0, now, Relaxed, Relaxed);
        }
    }

    /// Takes `task`'s counters as the base and clears the histograms.
    fn rebase(&self, task: &Task) {
        self.wait.reset();
        self.run.reset();
        for r in &self.recent {
            r.store(0, Relaxed);
        }
        self.base[0].store(task.run_delay(), Relaxed);
        self.base[1].store(task.pcount(), Relaxed);
        self.base[2].store(task.sum_exec_runtime(), Relaxed);
    }

    /// Appends the kept run lengths (the last [`RECENT`]) to `out`.
    fn runs(&self, out: &mut KVec<u64>) -> Result {
        let n = usize::try_from(self.run.count.load(Relaxed))
            .unwrap_or(RECENT)
            .min(RECENT);
        for r in &self.recent[..n] {
            out.push(r.load(Relaxed), GFP_KERNEL)?;
        }
        Ok(())
    }
}

/// The probes' state: one [`Slot`] per traced thread.
pub(crate) struct Tracker {
    /// Slots in use; the probes return at once while it is 0.
    armed: AtomicUsize,
    /// [`SLOTS`] slots, on the heap (about 1 KiB each).
    slots: KVec<Slot>,
}

impl Tracker {
    pub(crate) fn new() -> Result<Self> {
        let mut slots = KVec::with_capacity(SLOTS, GFP_KERNEL)?;
        for _ in 0..SLOTS {
            slots.push(Slot::new(), GFP_KERNEL)?;
        }
        Ok(Tracker {
            armed: AtomicUsize::new(0),
            slots,
        })
    }

    fn slot(&self, pid: Pid) -> Option<&Slot> {
        let n = self.armed.load(Relaxed);
        self.slots[..n.min(SLOTS)]
            .iter()
            .find(|s| s.pid.load(Relaxed) == pid)
    }

    /// Traces `tasks`, which must not have been woken yet (created, not started), from their
    /// counters now. Frees the slots of the last experiment.
    pub(crate) fn arm<'a>(&self, tasks: impl Iterator<Item = &'a Task>) {
        self.disarm();
        let mut n = 0;
        for (s, t) in self.slots.iter().zip(tasks) {
            s.rebase(t);
            s.runnable_since.store(0, Relaxed);
            s.on_cpu_since.store(0, Relaxed);
            s.queued_asleep.store(false, Relaxed);
            s.pid.store(t.pid(), Relaxed);
            n += 1;
        }
        self.armed.store(n, Relaxed);
    }

    /// Stops tracing.
    pub(crate) fn disarm(&self) {
        self.armed.store(0, Relaxed);
        for s in &self.slots {
            s.pid.store(0, Relaxed);
        }
    }

    /// Clears the histograms of the traced `tasks` and takes their counters now as the base.
    pub(crate) fn reset<'a>(&self, tasks: impl Iterator<Item = &'a Task>) {
        for t in tasks {
            if let Some(s) = self.slot(t.pid()) {
                s.rebase(t);
            }
        }
    }

    /// The median of the last run lengths of `tasks` together, in ns, if they ran.
    pub(crate) fn median_run_ns<'a>(&self, tasks: impl Iterator<Item = &'a Task>) -> Option<u64> {
        let mut v = KVec::new();
        for t in tasks {
            self.slot(t.pid())?.runs(&mut v).ok()?;
        }
        v.sort_unstable();
        v.get(v.len().checked_sub(1)? / 2).copied()
    }

    /// The count and sum of `task`'s waits (`wait`) or runs, if it is traced.
    pub(crate) fn totals(&self, task: &Task, wait: bool) -> Option<(u64, u64, u64)> {
        let s = self.slot(task.pid())?;
        let h = if wait { &s.wait } else { &s.run };
        Some((
            h.count.load(Relaxed),
            h.sum_ns.load(Relaxed),
            h.max_ns.load(Relaxed),
        ))
    }

    /// The `latency` block of `task` (named `name`), or nothing if it is not traced.
    pub(crate) fn show(&self, f: &mut impl Write, name: &str, task: &Task) -> fmt::Result {
        let Some(s) = self.slot(task.pid()) else {
            return Ok(());
        };
        writeln!(f, "thread: {name}\npid: {}", task.pid())?;
        let [d, p, r] = &s.base;
        writeln!(f, "base_run_delay_ns: {}", d.load(Relaxed))?;
        writeln!(f, "base_pcount: {}", p.load(Relaxed))?;
        writeln!(f, "base_sum_exec_runtime_ns: {}", r.load(Relaxed))?;
        s.wait.snapshot().show(f, "runqlat", "usecs")?;
        s.run.snapshot().show(f, "cpudist", "usecs")?;
        if let Some(m) = self.median_run_ns(core::iter::once(task)) {
            writeln!(f, "cpudist_median_ns: {m}")?;
        }
        f.write_char('\n')
    }
}

impl Tracker {
    /// The experiment's block: the histograms of all traced `tasks` added up.
    pub(crate) fn show_all<'a>(
        &self,
        f: &mut impl Write,
        tasks: impl Iterator<Item = &'a Task>,
    ) -> fmt::Result {
        let (mut wait, mut run, mut n) = (Snapshot::default(), Snapshot::default(), 0);
        for s in tasks.filter_map(|t| self.slot(t.pid())) {
            wait.add(&s.wait.snapshot());
            run.add(&s.run.snapshot());
            n += 1;
        }
        writeln!(f, "thread: all\nthreads: {n}")?;
        wait.show(f, "runqlat", "usecs")?;
        run.show(f, "cpudist", "usecs")?;
        f.write_char('\n')
    }
}

impl Handler for Tracker {
    fn sched_switch(&self, preempt: bool, prev: &Task, next: &Task, prev_state: u32) {
        if self.armed.load(Relaxed) == 0 {
            return;
        }
        let now = local_clock_ns();
        if let Some(s) = self.slot(prev.pid()) {
            // `sched_info_depart()`'s rule: a wait starts if the task is still TASK_RUNNING.
            s.switch_out(now, preempt, prev_state == 0);
        }
        if let Some(s) = self.slot(next.pid()) {
            s.switch_in(now);
        }
    }

    fn sched_wakeup(&self, task: &Task) {
        if self.armed.load(Relaxed) == 0 {
            return;
        }
        if let Some(s) = self.slot(task.pid()) {
            s.woken(local_clock_ns());
        }
    }
}
