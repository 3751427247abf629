// SPDX-License-Identifier: GPL-2.0

//! `sched/control`: the experiments, one at a time, each bounded to [`MAX_MS`] milliseconds
//! (twice that for the two-phase ones, `rr` and `preempt`); and the files that show them.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    experiment::{Experiment, Kind, MAX_DL_THREADS, MAX_MS, MIN_MS},
    sched::{DlParams, Nice, RtPriority},
    task::TaskExt,
    State,
};
use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    sync::aref::ARef,
    task::Task,
    time::{delay::fsleep, Delta},
};

/// The duration of an experiment.
const MS: Arg = Arg::uint("MS", MIN_MS, MAX_MS);
/// A real-time priority.
const fn prio(name: &'static str) -> Arg {
    Arg::uint(name, 1, RtPriority::MAX as u64)
}
/// A nice value.
const fn nice(name: &'static str) -> Arg {
    Arg::int(name, Nice::MIN as i64, Nice::MAX as i64)
}
/// A deadline parameter in microseconds, from [`MIN_DL_US`] to [`MAX_DL_US`].
const fn dl_us(name: &'static str) -> Arg {
    Arg::uint(name, MIN_DL_US, MAX_DL_US)
}

/// The least runtime (and so deadline and period) of `deadline`: 10 ms. The kernel takes
/// 1 us, but without `HRTICK_DL` it enforces the runtime at the tick (4 ms here): a thread
/// that overruns its runtime by more than the runtime is throttled for as many periods, and
/// keeps its bandwidth until a 0-lag time as far away (a 2 us runtime every 4 s: hours).
const MIN_DL_US: u64 = 10_000;
/// The longest period (and so deadline and runtime): 1 s, so that no experiment waits more
/// than a second for a replenishment or a release.
const MAX_DL_US: u64 = 1_000_000;

pub(crate) static COMMANDS: Table<State> = Table {
    file: "sched/control",
    commands: &[
        Command {
            verb: &["rr"],
            args: &[prio("PRIO"), MS],
            help: "two SCHED_RR threads at PRIO for MS, then two SCHED_FIFO",
            run: |s, v| start(s, v, Kind::Rr(rt_arg(v, 0)?), 1),
        },
        Command {
            verb: &["fifo_levels"],
            args: &[prio("A"), prio("B"), MS],
            help: "FIFO A spins, FIFO B runs and sleeps 8 ms in turn",
            run: |s, v| {
                let kind = Kind::FifoLevels(rt_arg(v, 0)?, rt_arg(v, 1)?);
                start(s, v, kind, 2)
            },
        },
        Command {
            verb: &["deadline"],
            args: &[
                dl_us("RUNTIME"),
                dl_us("DEADLINE"),
                dl_us("PERIOD"),
                MS,
                Arg::uint("N", 1, MAX_DL_THREADS).or(1),
            ],
            help: "N SCHED_DEADLINE threads (us), on any CPU",
            run: deadline,
        },
        Command {
            verb: &["classes"],
            args: &[MS],
            help: "DEADLINE, FIFO, NORMAL, BATCH, IDLE on one CPU",
            run: |s, v| start(s, v, Kind::Classes, 0),
        },
        Command {
            verb: &["pi"],
            args: &[MS],
            help: "priority inversion on an rt_mutex (inheritance)",
            run: |s, v| start(s, v, Kind::Pi(true), 0),
        },
        Command {
            verb: &["nopi"],
            args: &[MS],
            help: "the same on a plain mutex",
            run: |s, v| start(s, v, Kind::Pi(false), 0),
        },
        Command {
            verb: &["preempt"],
            args: &[MS],
            help: "a FIFO waker beside a spinner, preemption on, then off",
            run: |s, v| start(s, v, Kind::Preempt, 0),
        },
        Command {
            verb: &["nice"],
            args: &[nice("A"), nice("B"), MS],
            help: "two SCHED_NORMAL threads at nice A and B",
            run: |s, v| {
                let kind = Kind::Nice(nice_arg(v, 0)?, nice_arg(v, 1)?);
                start(s, v, kind, 2)
            },
        },
        Command {
            verb: &["fair"],
            args: &[Arg::word("POLICY", &["batch", "idle"]), MS],
            help: "SCHED_BATCH or SCHED_IDLE against SCHED_NORMAL",
            run: |s, v| start(s, v, Kind::Fair(v.word(0)? == "batch"), 1),
        },
        Command {
            verb: &["fifo"],
            args: &[MS],
            help: "SCHED_FIFO against SCHED_NORMAL",
            run: |s, v| start(s, v, Kind::Fifo, 0),
        },
        Command {
            verb: &["reset"],
            args: &[],
            help: "clear the latency histograms (base: the counters now)",
            run: reset,
        },
    ],
};

fn rt_arg(v: &Values<'_>, i: usize) -> Result<RtPriority> {
    RtPriority::new(u32::try_from(v.uint(i)?).map_err(|_| EINVAL)?)
}

fn nice_arg(v: &Values<'_>, i: usize) -> Result<Nice> {
    Nice::new(i32::try_from(v.int(i)?).map_err(|_| EINVAL)?)
}

/// Starts `kind` with the `MS` of argument `ms_at`: `EBUSY` while another runs.
fn start(s: &State, v: &Values<'_>, kind: Kind, ms_at: usize) -> Result {
    let ms = v.uint(ms_at)?;
    let mut run = s.experiment.lock();
    if run.as_ref().is_some_and(|e| e.running()) {
        return Err(v.refuse_with(EBUSY, format_args!("an experiment is running")));
    }
    // The last experiment's threads go first, and a deadline thread's bandwidth with them.
    let old = run.take();
    let holders = match &old {
        Some(e) => e.bandwidth_holders()?,
        None => KVec::new(),
    };
    drop(old);
    s.tracker().disarm();
    released(&holders);
    match Experiment::start(kind, ms, s.tracker()) {
        Ok(e) => {
            *run = Some(e);
            Ok(())
        }
        Err(r) => {
            // The threads made before the refused one stopped unrun; their bandwidth goes
            // back before the write returns, so that the next command finds it free.
            released(&r.holders);
            Err(v.refuse_with(
                r.err,
                format_args!("thread {} refused, nothing started", r.thread),
            ))
        }
    }
}

/// Waits until the kernel has released the bandwidth of `tasks`, or for [`RELEASE_WAIT`].
///
/// A deadline task that left keeps its bandwidth until its 0-lag time
/// (`task_non_contending()`): a thread stopped with its budget unused releases it within
/// microseconds, one throttled as it stopped about a period later. Without the wait, a new
/// deadline thread could be refused for the old one's bandwidth. Not killable, hence short.
fn released(tasks: &[ARef<Task>]) {
    for _ in 0..RELEASE_WAIT_STEPS {
        if tasks.iter().all(|t| t.dl_params().0 == 0) {
            return;
        }
        fsleep(RELEASE_STEP);
    }
}

/// How long [`released`] waits at most: `RELEASE_WAIT_STEPS` x `RELEASE_STEP` (the longest
/// period `deadline` takes, 1 s, and a little).
const RELEASE_STEP: Delta = Delta::from_millis(10);
const RELEASE_WAIT_STEPS: u32 = 120;

fn deadline(s: &State, v: &Values<'_>) -> Result {
    let us = |i| -> Result<u64> { v.uint(i)?.checked_mul(1000).ok_or(EINVAL) };
    // Each argument is in range; together they may not be (`ERANGE`).
    let dl = DlParams::new(us(0)?, us(1)?, us(2)?)
        .map_err(|_| v.refuse_with(ERANGE, format_args!("want RUNTIME <= DEADLINE <= PERIOD")))?;
    let n = u32::try_from(v.uint(4)?).map_err(|_| EINVAL)?;
    start(s, v, Kind::Deadline(dl, n), 3)
}

fn reset(s: &State, _v: &Values<'_>) -> Result {
    if let Some(e) = s.experiment.lock().as_ref() {
        s.tracker().reset(e.members.iter().map(|m| m.thread.task()));
    }
    Ok(())
}

/// `control` read: the command list.
pub(crate) fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

/// `experiment`: the last experiment.
pub(crate) fn show_experiment(s: &State, f: &mut SeqOut) -> fmt::Result {
    match &*s.experiment.lock() {
        Some(e) => e.show(f, s.tracker()),
        None => writeln!(f, "no experiment yet"),
    }
}

/// `latency`: the experiment's histograms, all threads together, then each thread's.
pub(crate) fn show_latency(s: &State, f: &mut SeqOut) -> fmt::Result {
    match &*s.experiment.lock() {
        Some(e) => {
            let tasks = || e.members.iter().map(|m| m.thread.task());
            s.tracker().show_all(f, tasks())?;
            for m in e.members.iter() {
                s.tracker().show(f, m.name, m.thread.task())?;
            }
            Ok(())
        }
        None => writeln!(f, "no experiment yet"),
    }
}
