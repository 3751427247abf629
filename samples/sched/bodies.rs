// SPDX-License-Identifier: GPL-2.0

//! What the experiments' threads do: spin, spin with preemption off, run and sleep in turn,
//! and the three roles of the priority-inversion experiment.
//!
//! Every body checks, in its loops, its own `kthread_should_stop()` and the experiment's
//! abort flag ([`Progress::abort`]). The flag matters because the threads are stopped one
//! after the other: a thread asked to stop may sit behind a sibling of higher priority on
//! its CPU that has not been asked yet, and the flag makes every sibling stop working first.
//! When its work is done a body parks (sleeps until stopped), so that its counters stay
//! readable in `/proc/<pid>/` after the experiment; only a deadline thread exits (its
//! bandwidth is released at its 0-lag time). A body reports that it is done to
//! [`Progress`].

use crate::{
    context::preempt_disabled,
    kthread::{work, Current, Sleep, WaitCounts},
    sync::{Completion, CompletionWait, RtMutex},
    task::TaskExt,
};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use kernel::{
    new_mutex,
    prelude::*,
    static_lock_class,
    sync::{Arc, Mutex},
    time::{Delta, Instant, Monotonic},
};

/// How long the `preempt` experiment's spinner keeps preemption off at a time.
pub(crate) const NO_PREEMPT_WINDOW: Delta = Delta::from_millis(10);

/// Whether the monotonic clock has reached `t`.
pub(crate) fn passed(t: Instant<Monotonic>) -> bool {
    (Instant::<Monotonic>::now() - t).as_nanos() >= 0
}

/// Whether the thread is to stop: asked itself, or its experiment is aborted.
fn stopping(cur: &Current, p: &Progress) -> bool {
    cur.should_stop() || p.aborted()
}

/// Sleeps until `t`; `false` if asked to stop first.
fn sleep_until(cur: &Current, p: &Progress, t: Instant<Monotonic>) -> bool {
    while !passed(t) {
        if stopping(cur, p) {
            return false;
        }
        let left = t - Instant::<Monotonic>::now();
        cur.sleep(Sleep::Interruptible, left);
    }
    !stopping(cur, p)
}

/// Spins until `end`; `false` if asked to stop first.
fn spin_until(cur: &Current, p: &Progress, end: Instant<Monotonic>) -> bool {
    while !passed(end) {
        if stopping(cur, p) {
            return false;
        }
        work();
    }
    true
}

/// Sleeps until stopped.
fn park(cur: &Current) {
    cur.wait_until(
        Sleep::Interruptible,
        None,
        &mut WaitCounts::default(),
        || false,
    );
}

/// How many of an experiment's threads are done, and when the last one was.
pub(crate) struct Progress {
    threads: usize,
    done: AtomicUsize,
    /// Set before the threads are stopped: every body leaves its work.
    abort: AtomicBool,
    /// Nanoseconds from `start` to the last thread's end, 0 until then.
    end_ns: AtomicU64,
    start: Instant<Monotonic>,
}

impl Progress {
    pub(crate) fn new(threads: usize, start: Instant<Monotonic>) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Progress {
                threads,
                done: AtomicUsize::new(0),
                abort: AtomicBool::new(false),
                end_ns: AtomicU64::new(0),
                start,
            },
            GFP_KERNEL,
        )?)
    }

    fn finish(&self) {
        if self.done.fetch_add(1, Relaxed) + 1 == self.threads {
            let ns = (Instant::<Monotonic>::now() - self.start).as_nanos();
            self.end_ns
                .store(u64::try_from(ns).unwrap_or(0).max(1), Relaxed);
        }
    }

    /// Makes every body leave its work (and park, or exit).
    pub(crate) fn abort(&self) {
        self.abort.store(true, Relaxed);
    }

    fn aborted(&self) -> bool {
        self.abort.load(Relaxed)
    }

    /// Whether every thread is done.
    pub(crate) fn done(&self) -> bool {
        self.end_ns.load(Relaxed) != 0
    }

    /// The nanoseconds from the start to the end, or to now while running.
    pub(crate) fn elapsed_ns(&self) -> u64 {
        match self.end_ns.load(Relaxed) {
            0 => u64::try_from((Instant::<Monotonic>::now() - self.start).as_nanos()).unwrap_or(0),
            ns => ns,
        }
    }
}

/// The priority-inversion experiment's lock and what its threads measure.
#[pin_data]
pub(crate) struct Pi {
    /// An `rt_mutex` (priority inheritance) or a plain `mutex`.
    inherit: bool,
    /// The CPU time the low thread needs inside its critical section.
    section: Delta,
    /// How long the medium thread hogs the CPU.
    hog: Delta,
    #[pin]
    rt: RtMutex<()>,
    #[pin]
    plain: Mutex<()>,
    #[pin]
    go_high: Completion,
    #[pin]
    go_medium: Completion,
    /// The high thread's wait for the lock.
    pub(crate) high_wait_ns: AtomicU64,
    /// The low thread's `prio` while it held the lock: the lowest (most urgent) seen.
    pub(crate) low_prio_held: AtomicI32,
    /// The low thread's `prio` after it unlocked.
    pub(crate) low_prio_after: AtomicI32,
    /// The wall time of the low thread's critical section.
    pub(crate) section_wall_ns: AtomicU64,
}

impl Pi {
    pub(crate) fn new(inherit: bool, section: Delta, hog: Delta) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Pi {
                inherit,
                section,
                hog,
                rt <- RtMutex::new((), c"proclab_sched_pi_rt", static_lock_class!()),
                plain <- new_mutex!(()),
                go_high <- Completion::new(),
                go_medium <- Completion::new(),
                high_wait_ns: AtomicU64::new(0),
                low_prio_held: AtomicI32::new(i32::MAX),
                low_prio_after: AtomicI32::new(0),
                section_wall_ns: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// The CPU time of the low thread's critical section.
    pub(crate) fn section(&self) -> Delta {
        self.section
    }

    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        if self.inherit {
            let _guard = self.rt.lock();
            f()
        } else {
            let _guard = self.plain.lock();
            f()
        }
    }

    /// Waits for `go`; `false` if asked to stop first.
    fn wait(cur: &Current, p: &Progress, go: &Completion) -> bool {
        loop {
            if stopping(cur, p) {
                return false;
            }
            let poll = kernel::time::msecs_to_jiffies(10);
            if let CompletionWait::Completed { .. } = go.wait_interruptible_timeout(poll) {
                return true;
            }
        }
    }
}

/// What one thread does.
pub(crate) enum Body {
    /// Sleeps until `from`, spins until `end`, parks.
    Spin {
        from: Instant<Monotonic>,
        end: Instant<Monotonic>,
    },
    /// Sleeps until `from`, then spins until `end` with preemption off
    /// [`NO_PREEMPT_WINDOW`] at a time, parks.
    SpinNoPreempt {
        from: Instant<Monotonic>,
        end: Instant<Monotonic>,
    },
    /// Sleeps until `from`, then spins `run` and sleeps `nap` in turn until `end`, parks.
    Periodic {
        from: Instant<Monotonic>,
        end: Instant<Monotonic>,
        run: Delta,
        nap: Delta,
    },
    /// Sleeps until `from`, spins until `end` and exits.
    SpinExit {
        from: Instant<Monotonic>,
        end: Instant<Monotonic>,
    },
    /// Takes the lock, wakes the high and then the medium thread, and works `section` of CPU
    /// time before it unlocks.
    PiLow(Arc<Pi>),
    /// Waits to be woken, then spins `hog`.
    PiMedium(Arc<Pi>),
    /// Waits to be woken, then takes the lock, timing the wait.
    PiHigh(Arc<Pi>),
}

impl Body {
    /// Runs the body in thread `cur`, and tells `p` when it is done.
    pub(crate) fn run(self, cur: &Current, p: &Progress) {
        let exit = matches!(self, Body::SpinExit { .. });
        match self {
            Body::Spin { from, end } => {
                let _ = sleep_until(cur, p, from) && spin_until(cur, p, end);
            }
            Body::SpinNoPreempt { from, end } => {
                if sleep_until(cur, p, from) {
                    while !passed(end) && !stopping(cur, p) {
                        let window = Instant::<Monotonic>::now() + NO_PREEMPT_WINDOW;
                        // Nothing in the window sleeps: `work()`, the clock and two flags.
                        preempt_disabled(|| {
                            while !passed(window) && !passed(end) && !stopping(cur, p) {
                                work();
                            }
                        });
                    }
                }
            }
            Body::Periodic {
                from,
                end,
                run,
                nap,
            } => {
                let mut go = sleep_until(cur, p, from);
                while go && !passed(end) {
                    let stop = Instant::<Monotonic>::now() + run;
                    go = spin_until(cur, p, stop) && !stopping(cur, p);
                    if go {
                        cur.sleep(Sleep::Interruptible, nap);
                    }
                }
            }
            Body::SpinExit { from, end } => {
                let _ = sleep_until(cur, p, from) && spin_until(cur, p, end);
            }
            Body::PiLow(pi) => {
                pi.locked(|| {
                    let t0 = Instant::<Monotonic>::now();
                    let cpu0 = cur.sum_exec_runtime();
                    let need = u64::try_from(pi.section.as_nanos()).unwrap_or(0);
                    // The high thread preempts at once and blocks on the lock; the medium one
                    // preempts unless this thread now runs at the high one's priority.
                    pi.go_high.complete();
                    pi.go_medium.complete();
                    while cur.sum_exec_runtime().saturating_sub(cpu0) < need && !stopping(cur, p) {
                        pi.low_prio_held.fetch_min(cur.prio(), Relaxed);
                        work();
                    }
                    let wall = (Instant::<Monotonic>::now() - t0).as_nanos();
                    pi.section_wall_ns
                        .store(u64::try_from(wall).unwrap_or(0), Relaxed);
                });
                pi.low_prio_after.store(cur.prio(), Relaxed);
            }
            Body::PiMedium(pi) => {
                if Pi::wait(cur, p, &pi.go_medium) {
                    spin_until(cur, p, Instant::<Monotonic>::now() + pi.hog);
                }
            }
            Body::PiHigh(pi) => {
                if Pi::wait(cur, p, &pi.go_high) {
                    let t0 = Instant::<Monotonic>::now();
                    let waited = pi.locked(|| (Instant::<Monotonic>::now() - t0).as_nanos());
                    pi.high_wait_ns
                        .store(u64::try_from(waited).unwrap_or(0), Relaxed);
                }
            }
        }
        p.finish();
        if !exit {
            park(cur);
        }
    }
}
