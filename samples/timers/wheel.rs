// SPDX-License-Identifier: GPL-2.0

//! How late a `timer_list` fires, against the timer wheel's prediction: the `wheel` and
//! `wheel_summary` files.
//!
//! `control` `wheel N` arms `N` timers for each timeout of [`TIMEOUTS`] (1 to 10,000 jiffies,
//! with the values on both sides of the level boundaries 63, 504 and 4032), in `N` rounds a few
//! milliseconds apart, so that the timers of one timeout fall on different phases of the
//! coarser levels' buckets. All are armed at once: the 10,000-jiffy ones (40 s at HZ=250) are
//! waited for once.
//!
//! Each callback records the jiffy it ran at and the bucket `timer->flags` says the timer was
//! queued in. The prediction is `calc_index()`'s: a timer at level `n` sits in the bucket that
//! expires at `((expires >> 3n) + 1) << 3n`, so it fires `bucket_expiry - expires` jiffies late,
//! 1 to `8^n` jiffies, never early; `measured` is `fired_at - expires`. They differ only when
//! the `TIMER` softirq ran later than the tick that made the bucket due.

use crate::{
    debugfs::SeqOut,
    timer::{
        bucket_expiry, hz, impl_has_timer, jiffies, lvl_gran, wheel_level_for, Timer, TimerBox,
        TimerCallback, TimerContext, LVL_SIZE,
    },
};
use core::{
    fmt::{self, Write},
    sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{
    prelude::*,
    static_lock_class,
    time::{delay::fsleep, Delta, Jiffies},
};

/// The timeouts, in jiffies: 1, 10, 100, 1,000, 10,000, and each side of the boundaries of
/// levels 1 (63), 2 (504) and 3 (4032).
pub(crate) const TIMEOUTS: [Jiffies; 13] = [
    1, 2, 10, 62, 63, 100, 300, 503, 504, 1000, 4031, 4032, 10000,
];

/// The most timers per timeout.
pub(crate) const MAX_PER_TIMEOUT: u64 = 64;

/// One timer of the experiment and what its callback saw.
#[pin_data]
struct WheelTimer {
    #[pin]
    timer: Timer<Self>,
    timeout: Jiffies,
    /// The jiffy it was armed for (`jiffies + timeout` when armed).
    expires: AtomicUsize,
    /// The jiffy its callback ran at.
    fired_at: AtomicUsize,
    /// The wheel bucket it was queued in (`timer->flags`), as the callback read it.
    index: AtomicU32,
    fired: AtomicBool,
}

impl_has_timer! { impl HasTimer<Self> for WheelTimer { self.timer } }

impl TimerCallback for WheelTimer {
    fn run(this: &Self, ctx: &TimerContext<'_, Self>) {
        this.fired_at.store(jiffies(), Ordering::Relaxed);
        this.index.store(ctx.wheel_index().get(), Ordering::Relaxed);
        this.fired.store(true, Ordering::Release);
    }
}

/// One timer as the files show it.
struct Row {
    timeout: Jiffies,
    level: u32,
    expires: Jiffies,
    predicted: Jiffies,
    /// `None` until it fired.
    measured: Option<Jiffies>,
}

/// A run: `per` timers for each timeout, round by round.
pub(crate) struct Wheel {
    per: usize,
    timers: KVec<TimerBox<WheelTimer>>,
    /// `stop` cancelled the timers still pending.
    stopped: bool,
}

/// `EINTR` if a signal is pending for the writer.
fn interrupted() -> Result {
    if kernel::current!().signal_pending() {
        Err(EINTR)
    } else {
        Ok(())
    }
}

impl Wheel {
    /// Arms `per` timers for each timeout, in `per` rounds 1 to 8 ms apart (the tick is 4 ms at
    /// HZ=250). `EINTR` on a signal between rounds: what was armed is shut down.
    pub(crate) fn start(per: usize) -> Result<Self> {
        let mut timers = KVec::with_capacity(per * TIMEOUTS.len(), GFP_KERNEL)?;
        for _ in 0..per {
            for timeout in TIMEOUTS {
                timers.push(
                    TimerBox::new(try_pin_init!(WheelTimer {
                        timer <- Timer::new(c"proclab_timers_wheel", static_lock_class!()),
                        timeout,
                        expires: AtomicUsize::new(0),
                        fired_at: AtomicUsize::new(0),
                        index: AtomicU32::new(0),
                        fired: AtomicBool::new(false),
                    }))?,
                    GFP_KERNEL,
                )?;
            }
        }
        for (round, chunk) in timers.chunks(TIMEOUTS.len()).enumerate() {
            interrupted()?;
            for t in chunk {
                let expires = jiffies().wrapping_add(t.timeout);
                t.expires.store(expires, Ordering::Relaxed);
                t.modify(expires);
            }
            // 1 to 8 ms, a different phase of the tick each round.
            fsleep(Delta::from_micros(1000 + (round as i64 * 2917) % 7000));
        }
        Ok(Wheel {
            per,
            timers,
            stopped: false,
        })
    }

    /// Cancels the timers still pending (their rows stay, never fired).
    pub(crate) fn stop(&mut self) {
        for t in self.timers.iter() {
            t.cancel();
        }
        self.stopped = true;
    }

    /// Whether a timer is still to fire.
    pub(crate) fn running(&self) -> bool {
        !self.stopped && self.timers.iter().any(|t| !t.fired.load(Ordering::Acquire))
    }

    /// The rows, in arming order.
    fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.timers.iter().map(|t| {
            let fired = t.fired.load(Ordering::Acquire);
            let index = if fired {
                t.index.load(Ordering::Relaxed)
            } else {
                // Still queued: the bucket it is in now.
                t.wheel_index().get()
            };
            let level = index / LVL_SIZE;
            let expires = t.expires.load(Ordering::Relaxed);
            let fired_at = t.fired_at.load(Ordering::Relaxed);
            Row {
                timeout: t.timeout,
                level,
                expires,
                predicted: bucket_expiry(expires, level).wrapping_sub(expires),
                measured: fired.then(|| fired_at.wrapping_sub(expires)),
            }
        })
    }

    fn show(&self, f: &mut SeqOut) -> fmt::Result {
        let fired = self.rows().filter(|r| r.measured.is_some()).count();
        writeln!(
            f,
            "HZ: {}\ntimers: {} ({} per timeout, armed in {} rounds 1 to 8 ms apart)\nfired: {}\nstate: {}",
            hz(),
            self.timers.len(),
            self.per,
            self.per,
            fired,
            match (self.running(), self.stopped) {
                (true, _) => "running",
                (false, true) => "stopped",
                (false, false) => "done",
            }
        )?;
        writeln!(
            f,
            "{:>7} {:>5} {:>5} {:>12} {:>13} {:>9} {:>8}",
            "timeout", "level", "gran", "expires", "bucket_expiry", "predicted", "measured"
        )?;
        for r in self.rows() {
            write!(
                f,
                "{:>7} {:>5} {:>5} {:>12} {:>13} {:>9} ",
                r.timeout,
                r.level,
                lvl_gran(r.level),
                r.expires,
                r.expires.wrapping_add(r.predicted),
                r.predicted
            )?;
            match r.measured {
                Some(m) => writeln!(f, "{m:>8}")?,
                None => writeln!(f, "{:>8}", "-")?,
            }
        }
        Ok(())
    }

    fn show_summary(&self, f: &mut SeqOut) -> fmt::Result {
        writeln!(
            f,
            "{:>7} {:>6} {:>6} {:>5} {:>6} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}",
            "timeout",
            "ms",
            "level",
            "gran",
            "timers",
            "fired",
            "pred_lo",
            "pred_hi",
            "meas_lo",
            "meas_hi",
            "agree"
        )?;
        for timeout in TIMEOUTS {
            let rows = || self.rows().filter(|r| r.timeout == timeout);
            let n = rows().count();
            let fired = rows().filter(|r| r.measured.is_some()).count();
            let agree = rows().filter(|r| r.measured == Some(r.predicted)).count();
            let lo_hi = |v: &mut dyn Iterator<Item = Jiffies>| {
                v.fold(None, |acc: Option<(Jiffies, Jiffies)>, x| {
                    Some(acc.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
                })
            };
            let pred = lo_hi(&mut rows().map(|r| r.predicted));
            let meas = lo_hi(&mut rows().filter_map(|r| r.measured));
            let levels = lo_hi(&mut rows().map(|r| r.level as Jiffies));
            let expected = wheel_level_for(timeout);
            // The timeouts are constants (at most 10,000 jiffies): no overflow.
            write!(f, "{timeout:>7} {:>6} ", timeout * 1000 / hz())?;
            match levels {
                Some((lo, hi)) if lo == hi => write!(f, "{lo:>6} ")?,
                Some((lo, hi)) => write!(f, "{:>6} ", Range(lo, hi))?,
                None => write!(f, "{expected:>6} ")?,
            }
            write!(f, "{:>5} {n:>6} {fired:>5} ", lvl_gran(expected))?;
            for v in [pred, meas] {
                match v {
                    Some((lo, hi)) => write!(f, "{lo:>7} {hi:>6} ")?,
                    None => write!(f, "{:>7} {:>6} ", "-", "-")?,
                }
            }
            writeln!(f, "{agree:>6}")?;
        }
        Ok(())
    }
}

/// `lo-hi`, right-aligned as one cell.
struct Range(Jiffies, Jiffies);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 48];
        let len = {
            let mut w = Buf(&mut buf, 0);
            write!(w, "{}-{}", self.0, self.1)?;
            w.1
        };
        f.pad(core::str::from_utf8(&buf[..len]).unwrap_or("?"))
    }
}

/// A small formatting buffer.
struct Buf<'a>(&'a mut [u8], usize);

impl Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.1.checked_add(s.len()).ok_or(fmt::Error)?;
        self.0
            .get_mut(self.1..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.1 = end;
        Ok(())
    }
}

/// `wheel`: one row per timer of the last run.
pub(crate) fn show_wheel(w: &Option<Wheel>, f: &mut SeqOut) -> fmt::Result {
    match w {
        Some(w) => w.show(f),
        None => writeln!(f, "no run yet: write 'wheel N' to control"),
    }
}

/// `wheel_summary`: one row per timeout of the last run.
pub(crate) fn show_wheel_summary(w: &Option<Wheel>, f: &mut SeqOut) -> fmt::Result {
    match w {
        Some(w) => w.show_summary(f),
        None => writeln!(f, "no run yet: write 'wheel N' to control"),
    }
}
