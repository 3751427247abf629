// SPDX-License-Identifier: GPL-2.0

//! Bottom halves compared: `latency RUNS GAP_US` queues a probe RUNS times on each of a
//! tasklet (softirq), the BH workqueue and a normal workqueue, from the writer's process
//! context, sleeping GAP_US microseconds before each run (0: back to back, the CPU kept busy;
//! with a gap the CPU may go idle in between, as it does between real events), and records
//! each time from the queueing to the probe running; the `latency` file shows the
//! distributions (log2 buckets) and whether each ran where it may sleep.
//!
//! Queued from process context, a softirq is raised outside any interrupt: the kernel wakes
//! `ksoftirqd/N` for it (`raise_softirq_irqoff()`), and it runs there or at the next interrupt's
//! exit on that CPU, whichever comes first; the `in_ksoftirqd` column counts the former.

use crate::{
    context::{Sample, Tasklet},
    debugfs::SeqOut,
    deferred::{run_on, WorkProbe},
    histogram::{bucket_of, used_range, write_rows, BUCKETS, FROM_WIDTH},
    probe::interrupted,
    slot::Slot,
    State,
};
use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    sync::Arc,
    time::{delay::fsleep, Delta, Instant, Monotonic},
    workqueue,
};

/// The most runs per bottom half of one `latency` command: three times this many probes must
/// end within a few seconds on the debug kernel under emulation.
pub(crate) const RUNS_MAX: u64 = 1000;

/// The longest gap before a run: with `RUNS_MAX` runs of each bottom half, 1.5 s of sleeping.
pub(crate) const GAP_MAX_US: u64 = 500;

/// The bottom halves compared, in the order of the table.
const KINDS: [&str; 3] = ["tasklet", "bh_workqueue", "workqueue"];

/// The distribution of one bottom half's latencies.
pub(crate) struct Latencies {
    kind: &'static str,
    /// Sorted, in nanoseconds.
    ns: KVec<i64>,
    /// Runs per log2 bucket (`rust/proclab/histogram.rs`).
    buckets: [u64; BUCKETS],
    may_sleep: u32,
    in_ksoftirqd: u32,
    in_task: u32,
}

impl Latencies {
    fn new(kind: &'static str, runs: usize) -> Result<Self> {
        Ok(Latencies {
            kind,
            ns: KVec::with_capacity(runs, GFP_KERNEL)?,
            buckets: [0; BUCKETS],
            may_sleep: 0,
            in_ksoftirqd: 0,
            in_task: 0,
        })
    }

    /// Records one run queued at `queued` whose probe took `s`.
    fn record(&mut self, queued: Instant<Monotonic>, s: &Sample) -> Result {
        let ns = (s.at - queued).as_nanos().max(0);
        self.ns.push(ns, GFP_KERNEL)?;
        self.buckets[bucket_of(ns)] += 1;
        self.may_sleep += u32::from(s.may_sleep());
        self.in_ksoftirqd += u32::from(s.in_ksoftirqd());
        self.in_task += u32::from(s.in_task);
        Ok(())
    }

    /// The latency at quantile `q` percent (nearest rank).
    fn quantile(&self, q: usize) -> i64 {
        let n = self.ns.len();
        if n == 0 {
            return 0;
        }
        let rank = (n * q).div_ceil(100).clamp(1, n);
        self.ns[rank - 1]
    }
}

/// Runs `once` `runs` times, each between a clear of `slot` and its sample.
fn measure(
    kind: &'static str,
    runs: usize,
    gap: Delta,
    slot: &Arc<Slot>,
    mut once: impl FnMut() -> Result<Sample>,
) -> Result<Latencies> {
    let mut l = Latencies::new(kind, runs)?;
    for _ in 0..runs {
        interrupted()?;
        if gap.as_nanos() > 0 {
            fsleep(gap);
        }
        slot.clear();
        let queued = Instant::<Monotonic>::now();
        let s = once()?;
        l.record(queued, &s)?;
    }
    l.ns.sort_unstable();
    Ok(l)
}

/// `latency RUNS GAP_US`: measures the three bottom halves, RUNS runs each with a gap of
/// GAP_US before each, and keeps the result for the `latency` file. A signal ends it with
/// `EINTR` (the last result stays).
pub(crate) fn latency(s: &State, runs: u64, gap_us: u64) -> Result {
    let runs = usize::try_from(runs.min(RUNS_MAX)).map_err(|_| EINVAL)?;
    // At most `GAP_MAX_US`: no overflow.
    let gap = Delta::from_micros(gap_us.min(GAP_MAX_US) as i64);
    let slot = Slot::new()?;
    let mut all = KVec::with_capacity(KINDS.len(), GFP_KERNEL)?;
    let probe = slot.clone();
    let tasklet = KBox::pin_init(Tasklet::new(move || probe.fill()), GFP_KERNEL)?;
    all.push(
        measure(KINDS[0], runs, gap, &slot, || {
            tasklet.schedule();
            slot.wait()
        })?,
        GFP_KERNEL,
    )?;
    let bh_item = WorkProbe::for_bh(&slot)?;
    all.push(
        measure(KINDS[1], runs, gap, &slot, || {
            run_on(&bh_item, workqueue::system_bh())
        })?,
        GFP_KERNEL,
    )?;
    let item = WorkProbe::for_task(&slot)?;
    all.push(
        measure(KINDS[2], runs, gap, &slot, || {
            run_on(&item, workqueue::system())
        })?,
        GFP_KERNEL,
    )?;
    *s.latency.lock() = all;
    Ok(())
}

/// `latency`: the last measurement: a summary line per bottom half, then the histogram.
pub(crate) fn show_latency(s: &State, f: &mut SeqOut) -> fmt::Result {
    let all = s.latency.lock();
    if all.is_empty() {
        return writeln!(
            f,
            "no measurement yet: write 'latency RUNS GAP_US' to control"
        );
    }
    writeln!(
        f,
        "{:<12} {:>5} {:>9} {:>12} {:>7} {:>10} {:>10} {:>10} {:>10}",
        "bottom_half",
        "runs",
        "may_sleep",
        "in_ksoftirqd",
        "in_task",
        "min_ns",
        "median_ns",
        "p90_ns",
        "max_ns"
    )?;
    for l in all.iter() {
        writeln!(
            f,
            "{:<12} {:>5} {:>9} {:>12} {:>7} {:>10} {:>10} {:>10} {:>10}",
            l.kind,
            l.ns.len(),
            l.may_sleep,
            l.in_ksoftirqd,
            l.in_task,
            l.quantile(0),
            l.quantile(50),
            l.quantile(90),
            l.quantile(100)
        )?;
    }
    // The buckets from the first to the last that any bottom half used.
    let mut columns = [[0; BUCKETS]; KINDS.len()];
    for (c, l) in columns.iter_mut().zip(all.iter()) {
        *c = l.buckets;
    }
    let Some(range) = used_range(&columns) else {
        return Ok(());
    };
    writeln!(
        f,
        "\nhistogram: runs per latency bucket [from_ns, 2*from_ns)"
    )?;
    write!(f, "{:>FROM_WIDTH$}", "from_ns")?;
    for l in all.iter() {
        write!(f, " {:>12}", l.kind)?;
    }
    writeln!(f)?;
    write_rows(f, range, &columns, 12)
}
