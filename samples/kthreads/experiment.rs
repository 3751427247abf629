// SPDX-License-Identifier: GPL-2.0

//! The fairness experiments: two CPU-bound threads `proclab_exp/0` and `proclab_exp/1` bound to
//! one CPU, at two nice values or `SCHED_FIFO` against `SCHED_NORMAL`, and the `experiment` file
//! that sets their measured shares against the prediction from their weights.

use crate::{
    debugfs::SeqOut,
    kthread::{cpu_online, Current, Sleep, Thread, WaitCounts},
    sched::{Nice, RtPriority, Setting},
    task::TaskExt,
    workers::work,
    State,
};
use core::fmt::{self, Write};
use kernel::{
    cpu::{nr_cpu_ids, CpuId},
    prelude::*,
    str::CString,
    time::{Delta, Instant, Monotonic},
};

/// The longest experiment a command may ask for.
pub(crate) const MAX_EXPERIMENT_MS: u64 = 10_000;
/// The longest a SCHED_FIFO thread may hog its CPU in the FIFO experiment.
pub(crate) const MAX_FIFO_MS: u64 = 3_000;
/// The real-time priority of the FIFO experiment's first thread.
const FIFO_PRIO: u32 = 10;

/// What the two threads run at.
#[derive(Clone, Copy)]
pub(crate) enum ExpKind {
    /// Two SCHED_NORMAL threads at these nice values.
    Nice(Nice, Nice),
    /// A SCHED_FIFO thread against a SCHED_NORMAL one.
    Fifo,
}

impl ExpKind {
    /// The setting of thread `i` (0 or 1).
    fn setting(self, i: usize) -> Result<Setting> {
        Ok(match (self, i) {
            (ExpKind::Nice(a, _), 0) => Setting::Normal(a),
            (ExpKind::Nice(_, b), _) => Setting::Normal(b),
            (ExpKind::Fifo, 0) => Setting::Fifo(RtPriority::new(FIFO_PRIO)?),
            (ExpKind::Fifo, _) => Setting::Normal(Nice::DEFAULT),
        })
    }
}

/// A running or finished experiment: two CPU-bound threads on one CPU until `end`.
pub(crate) struct Experiment {
    kind: ExpKind,
    cpu: CpuId,
    ms: i64,
    end: Instant<Monotonic>,
    threads: [Thread<()>; 2],
}

/// Whether the monotonic clock has reached `t`.
fn passed(t: Instant<Monotonic>) -> bool {
    (Instant::<Monotonic>::now() - t).as_nanos() >= 0
}

/// Spins until `end` (or a stop request), then waits to be stopped, so that its runtime stays
/// readable in `/proc/<pid>/sched` after the experiment.
fn spin_until(cur: &Current, end: Instant<Monotonic>) {
    while !cur.should_stop() && !passed(end) {
        work();
    }
    cur.wait_until(
        Sleep::Interruptible,
        None,
        &mut WaitCounts::default(),
        || false,
    );
}

impl Experiment {
    /// Starts an experiment of `kind` for `ms` milliseconds.
    pub(crate) fn start(kind: ExpKind, ms: i64) -> Result<Self> {
        // The highest online CPU; CPU 0 stays free for the shell (and everything else).
        let cpu = (1..nr_cpu_ids())
            .rev()
            .filter_map(CpuId::from_u32)
            .find(|&c| cpu_online(c))
            .ok_or(ENODEV)?;
        let end = Instant::<Monotonic>::now() + Delta::from_millis(ms);
        let mut new = KVec::with_capacity(2, GFP_KERNEL)?;
        for i in 0..2 {
            let name = CString::try_from_fmt(format_args!("proclab_exp/{i}"))?;
            let t = Thread::new(&name, move |cur| spin_until(cur, end))?;
            t.bind(cpu)?;
            t.set_policy(kind.setting(i)?)?;
            new.push(t, GFP_KERNEL)?;
        }
        // Both are set up before either runs; start them back to back.
        let b = new.pop().ok_or(EINVAL)?.start();
        let a = new.pop().ok_or(EINVAL)?.start();
        Ok(Experiment {
            kind,
            cpu,
            ms,
            end,
            threads: [a, b],
        })
    }

    /// Whether the threads are still spinning.
    pub(crate) fn running(&self) -> bool {
        !passed(self.end)
    }

    fn show(&self, f: &mut SeqOut) -> fmt::Result {
        match self.kind {
            ExpKind::Nice(a, b) => writeln!(f, "experiment: nice {} vs nice {}", a.get(), b.get())?,
            ExpKind::Fifo => writeln!(
                f,
                "experiment: SCHED_FIFO {FIFO_PRIO} vs SCHED_NORMAL nice 0"
            )?,
        }
        writeln!(
            f,
            "cpu: {}\nduration_ms: {}\nstate: {}",
            self.cpu.as_u32(),
            self.ms,
            if self.running() { "running" } else { "done" }
        )?;
        let [a, b] = &self.threads;
        let (ra, rb) = (a.task().sum_exec_runtime(), b.task().sum_exec_runtime());
        let (wa, wb) = (a.task().weight(), b.task().weight());
        // Shares in tenths of a percent: measured from the runtimes, predicted from the weights.
        let share = |x: u64, y: u64| (x * 1000).checked_div(x + y).unwrap_or(0);
        writeln!(
            f,
            "{:<8} {:>7} {:>6} {:>6} {:>7} {:>16} {:>9} {:>10}",
            "thread",
            "pid",
            "policy",
            "nice",
            "weight",
            "sum_exec_runtime",
            "share_%",
            "predicted_%"
        )?;
        for (i, (t, r, w, o, ow)) in [(a, ra, wa, rb, wb), (b, rb, wb, ra, wa)]
            .into_iter()
            .enumerate()
        {
            let s = share(r, o);
            write!(
                f,
                "exp/{i:<4} {:>7} {:>6} {:>6} {:>7} {:>16} {:>5}.{} ",
                t.task().pid(),
                t.policy(),
                t.task().nice(),
                w,
                r,
                s / 10,
                s % 10
            )?;
            match self.kind {
                ExpKind::Nice(..) => {
                    let p = share(w, ow);
                    writeln!(f, "{:>8}.{}", p / 10, p % 10)?
                }
                // FIFO always runs before NORMAL; only the fair server (50 ms per second by
                // default) gives the NORMAL thread some time.
                ExpKind::Fifo => writeln!(f, "{:>10}", if i == 0 { ">=95" } else { "<=5" })?,
            }
        }
        Ok(())
    }
}

/// `experiment`: the last experiment.
pub(crate) fn show_experiment(s: &State, f: &mut SeqOut) -> fmt::Result {
    match &*s.experiment.lock() {
        Some(exp) => exp.show(f),
        None => writeln!(f, "no experiment yet"),
    }
}
