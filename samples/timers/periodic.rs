// SPDX-License-Identifier: GPL-2.0

//! Periodic timers, hrtimer against `timer_list`: the `hrtimer` file.
//!
//! `control` `hrtimer MS` starts nine periodic timers at once for `MS` ms: at 100 µs, 1 ms and
//! 10 ms, each as an hrtimer in hard-IRQ mode (its callback in the timer interrupt), as an
//! hrtimer in soft mode (in the `HRTIMER` softirq), both upstream's `kernel::time::hrtimer`, and
//! as a `timer_list` (`rust/proclab/timer.rs`) that re-arms itself from its callback for the
//! period rounded up to whole jiffies (at least one: a `timer_list` cannot be shorter). Each
//! callback records how late it ran in log2 nanosecond buckets: an hrtimer against the expiry
//! it was programmed for, a `timer_list` against the time it was armed plus the period asked
//! for. When the run is over the callbacks stop re-arming; `stop` (or unloading) cancels them at
//! once (the hrtimer handles cancel on drop, the `TimerBox` shuts its timer down).

use crate::{
    histogram::{
        bucket_floor, median_bucket, used_range, write_rows, Histogram, BUCKETS, FROM_WIDTH,
    },
    timer::{hz, impl_has_timer, Timer, TimerBox, TimerCallback, TimerContext},
};
use core::{
    fmt::{self, Write},
    marker::PhantomData,
    sync::atomic::{AtomicBool, AtomicI64, Ordering},
};
use kernel::{
    impl_has_hr_timer,
    prelude::*,
    static_lock_class,
    sync::{Arc, ArcBorrow},
    time::{
        hrtimer::{
            ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerHandle,
            HrTimerMode, HrTimerPointer, HrTimerRestart, RelativeHardMode, RelativeSoftMode,
        },
        Delta, Instant, Monotonic,
    },
};

use crate::debugfs::SeqOut;

/// The periods, in µs.
pub(crate) const PERIODS_US: [i64; 3] = [100, 1_000, 10_000];
/// The longest run a command may ask for.
pub(crate) const MAX_RUN_MS: u64 = 10_000;

/// What one periodic timer shares with its callback.
struct Series {
    hist: Histogram,
    period: Delta,
    start: Instant<Monotonic>,
    end: Instant<Monotonic>,
    /// Set by the last callback, which does not re-arm.
    done: AtomicBool,
    /// Set by `stop`: the next callback does not re-arm.
    stopped: AtomicBool,
}

impl Series {
    fn new(period_us: i64, start: Instant<Monotonic>, end: Instant<Monotonic>) -> Self {
        Series {
            hist: Histogram::new(),
            period: Delta::from_micros(period_us),
            start,
            end,
            done: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    /// Whether the run is over at `now`, or stopped.
    fn over(&self, now: Instant<Monotonic>) -> bool {
        self.stopped.load(Ordering::Relaxed) || (now - self.end).as_nanos() >= 0
    }

    /// An hrtimer callback at `now` for the expiry `expires`: records it and says whether to
    /// run again (`forward` moved the expiry on by whole periods past `now`, `overruns` of them).
    fn hr_tick(&self, now: Instant<Monotonic>, expires: Instant<Monotonic>, overruns: u64) -> bool {
        self.hist
            .record((now - expires).as_nanos(), overruns.saturating_sub(1));
        if self.over(now) {
            self.done.store(true, Ordering::Release);
            return false;
        }
        true
    }
}

/// The hrtimer modes of the periodic timers: relative, on the monotonic clock, hard or soft.
trait TickMode: HrTimerMode<Clock = Monotonic, Expires = Delta> + Send + Sync + 'static {}

impl<M: HrTimerMode<Clock = Monotonic, Expires = Delta> + Send + Sync + 'static> TickMode for M {}

/// A periodic hrtimer: its callback runs in hard-IRQ context (`M` is `RelativeHardMode`) or in
/// the `HRTIMER` softirq (`RelativeSoftMode`).
#[pin_data]
struct HrTick<M> {
    #[pin]
    timer: HrTimer<Self>,
    series: Series,
    _mode: PhantomData<M>,
}

impl_has_hr_timer! {
    impl{M: TickMode} HasHrTimer<HrTick<M>> for HrTick<M> {
        mode: M, field: self.timer
    }
}

impl<M: TickMode> HrTimerCallback for HrTick<M> {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let now = Instant::<Monotonic>::now();
        let expires = this.timer.expires();
        let overruns = ctx.forward(now, this.series.period);
        if this.series.hr_tick(now, expires, overruns) {
            HrTimerRestart::Restart
        } else {
            HrTimerRestart::NoRestart
        }
    }
}

/// A started periodic hrtimer: the timer, and the handle that cancels it when dropped.
type Started<M> = (Arc<HrTick<M>>, ArcHrTimerHandle<HrTick<M>>);

/// Starts an `HrTick<M>` of `period_us`.
fn start_hr<M: TickMode>(
    period_us: i64,
    start: Instant<Monotonic>,
    end: Instant<Monotonic>,
) -> Result<Started<M>> {
    let t = Arc::pin_init(
        pin_init!(HrTick::<M> {
            timer <- HrTimer::new(),
            series: Series::new(period_us, start, end),
            _mode: PhantomData,
        }),
        GFP_KERNEL,
    )?;
    let handle = t.clone().start(Delta::from_micros(period_us));
    Ok((t, handle))
}

/// A `timer_list` that re-arms itself every `jiffies` jiffies, asked for `series.period`.
#[pin_data]
struct ListTick {
    #[pin]
    timer: Timer<Self>,
    series: Series,
    /// The period rounded up to whole jiffies, at least 1.
    jiffies: isize,
    /// When the current expiry was asked for: arm time plus the period, in ns since `start`.
    target_ns: AtomicI64,
}

impl_has_timer! { impl HasTimer<Self> for ListTick { self.timer } }

impl TimerCallback for ListTick {
    fn run(this: &Self, ctx: &TimerContext<'_, Self>) {
        let now = Instant::<Monotonic>::now();
        let since = (now - this.series.start).as_nanos();
        let target = this.target_ns.load(Ordering::Relaxed);
        this.series.hist.record(since - target, 0);
        if this.series.over(now) {
            this.series.done.store(true, Ordering::Release);
            return;
        }
        this.target_ns
            .store(since + this.series.period.as_nanos(), Ordering::Relaxed);
        ctx.rearm_in(Delta::from_jiffies(this.jiffies));
    }
}

/// `period_us` in whole jiffies, rounded up, at least 1.
fn period_jiffies(period_us: i64) -> isize {
    let hz = hz().get() as i64;
    ((period_us * hz + 999_999) / 1_000_000).max(1) as isize
}

/// A run of the nine timers.
pub(crate) struct Periodic {
    run_ms: u64,
    hard: KVec<Started<RelativeHardMode<Monotonic>>>,
    soft: KVec<Started<RelativeSoftMode<Monotonic>>>,
    list: KVec<TimerBox<ListTick>>,
    /// `stop` cancelled the timers.
    stopped: bool,
}

impl Periodic {
    /// Starts the nine timers for `run_ms` ms.
    pub(crate) fn start(run_ms: u64) -> Result<Self> {
        let start = Instant::<Monotonic>::now();
        let end = start + Delta::from_millis(i64::try_from(run_ms)?);
        let mut hard = KVec::with_capacity(PERIODS_US.len(), GFP_KERNEL)?;
        let mut soft = KVec::with_capacity(PERIODS_US.len(), GFP_KERNEL)?;
        let mut list = KVec::with_capacity(PERIODS_US.len(), GFP_KERNEL)?;
        for us in PERIODS_US {
            let l = TimerBox::new(try_pin_init!(ListTick {
                timer <- Timer::new(c"proclab_timers_periodic", static_lock_class!()),
                series: Series::new(us, start, end),
                jiffies: period_jiffies(us),
                target_ns: AtomicI64::new(0),
            }))?;
            hard.push(start_hr(us, start, end)?, GFP_KERNEL)?;
            soft.push(start_hr(us, start, end)?, GFP_KERNEL)?;
            // The target first: the callback may run as soon as the timer is armed.
            let since = (Instant::<Monotonic>::now() - start).as_nanos();
            l.target_ns.store(since + us * 1000, Ordering::Relaxed);
            l.arm_in(Delta::from_jiffies(l.jiffies));
            list.push(l, GFP_KERNEL)?;
        }
        Ok(Periodic {
            run_ms,
            hard,
            soft,
            list,
            stopped: false,
        })
    }

    /// Cancels the timers now: the callbacks stop re-arming, then each timer is cancelled
    /// (waiting for a callback that runs).
    pub(crate) fn stop(&mut self) {
        for (_, s) in self.series() {
            s.stopped.store(true, Ordering::Relaxed);
        }
        for (_, h) in self.hard.iter_mut() {
            h.cancel();
        }
        for (_, h) in self.soft.iter_mut() {
            h.cancel();
        }
        for t in self.list.iter() {
            t.cancel();
        }
        self.stopped = true;
    }

    /// Whether a timer still runs.
    pub(crate) fn running(&self) -> bool {
        let done = |s: &Series| s.done.load(Ordering::Acquire) || s.stopped.load(Ordering::Relaxed);
        !(self.hard.iter().all(|(t, _)| done(&t.series))
            && self.soft.iter().all(|(t, _)| done(&t.series))
            && self.list.iter().all(|t| done(&t.series)))
    }

    /// The nine series, in the order of the file's columns.
    fn series(&self) -> impl Iterator<Item = (&'static str, &Series)> {
        let hard = self.hard.iter().map(|(t, _)| ("hrtimer_hard", &t.series));
        let soft = self.soft.iter().map(|(t, _)| ("hrtimer_soft", &t.series));
        let list = self.list.iter().map(|t| ("timer_list", &t.series));
        Iterator::chain(Iterator::chain(hard, soft), list)
    }

    fn show(&self, f: &mut SeqOut) -> fmt::Result {
        writeln!(
            f,
            "run_ms: {}\nstate: {}\nHZ: {} (a timer_list period is whole jiffies, at least one: {} us)",
            self.run_ms,
            match (self.running(), self.stopped) {
                (true, _) => "running",
                (false, true) => "stopped",
                (false, false) => "done",
            },
            hz(),
            1_000_000 / hz()
        )?;
        writeln!(
            f,
            "{:<13} {:>9} {:>8} {:>8} {:>7} {:>10} {:>10} {:>10}",
            "mechanism",
            "period_us",
            "asked_us",
            "samples",
            "missed",
            "median_ns",
            "mean_ns",
            "max_ns"
        )?;
        let mut all = [[0u64; BUCKETS]; 9];
        for (i, (name, s)) in self.series().enumerate() {
            let counts = s.hist.counts();
            let n: u64 = counts.iter().sum();
            let period_us = s.period.as_nanos() / 1000;
            // What the timer really waits: a timer_list, whole jiffies.
            let asked_us = match name {
                "timer_list" => (period_jiffies(period_us) as usize * 1_000_000 / hz()) as i64,
                _ => period_us,
            };
            let median = median_bucket(&counts).map_or(0, bucket_floor);
            let mean = s.hist.sum_ns().checked_div(n).unwrap_or(0);
            writeln!(
                f,
                "{name:<13} {period_us:>9} {asked_us:>8} {n:>8} {:>7} {median:>10} {mean:>10} {:>10}",
                s.hist.missed(),
                s.hist.max_ns()
            )?;
            if let Some(slot) = all.get_mut(i) {
                *slot = counts;
            }
        }
        // The histogram: one row per log2 bucket from the lowest to the highest used.
        let Some(range) = used_range(&all) else {
            return Ok(());
        };
        writeln!(
            f,
            "histogram: callbacks by lateness, log2 buckets [from_ns, 2*from_ns)"
        )?;
        write!(f, "{:>FROM_WIDTH$}", "from_ns")?;
        for (name, s) in self.series() {
            let short = match name {
                "hrtimer_hard" => "hard",
                "hrtimer_soft" => "soft",
                _ => "list",
            };
            write!(f, " {:>4}_{:<5}", short, s.period.as_nanos() / 1000)?;
        }
        f.write_char('\n')?;
        write_rows(f, range, &all, 10)
    }
}

/// `hrtimer`: the last run.
pub(crate) fn show_periodic(p: &Option<Periodic>, f: &mut SeqOut) -> fmt::Result {
    match p {
        Some(p) => p.show(f),
        None => writeln!(f, "no run yet: write 'hrtimer MS' to control"),
    }
}
