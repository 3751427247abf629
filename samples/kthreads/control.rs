// SPDX-License-Identifier: GPL-2.0

//! `kthreads/control`: the command table (start and stop workers, change their scheduling, put
//! one to sleep, feed the producer) and what each command does.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    kthread::{cpu_online, Sleep, Thread},
    prodcons::MAX_EVENTS,
    sched::{Nice, RtPriority, Setting},
    workers::{Worker, MAX_WORKERS},
    State,
};
use core::fmt;
use kernel::{cpu::CpuId, prelude::*, time::Delta};

/// The longest demo sleep a command may ask for.
const MAX_SLEEP_MS: u64 = 60_000;

/// A worker index.
const WORKER: Arg = Arg::uint("N", 0, MAX_WORKERS as u64 - 1);
/// A nice value named `name`.
const fn nice_value(name: &'static str) -> Arg {
    Arg::int(name, Nice::MIN as i64, Nice::MAX as i64)
}
/// A real-time priority.
const PRIO: Arg = Arg::uint("PRIO", 1, RtPriority::MAX as u64);

pub(crate) static COMMANDS: Table<State> = Table {
    file: "kthreads/control",
    commands: &[
        Command {
            verb: &["start"],
            args: &[WORKER],
            help: "start worker N",
            run: start,
        },
        Command {
            verb: &["stop"],
            args: &[WORKER],
            help: "stop worker N",
            run: stop,
        },
        Command {
            verb: &["nice"],
            args: &[WORKER, nice_value("V")],
            help: "set worker N's nice value",
            run: nice,
        },
        Command {
            verb: &["fifo"],
            args: &[WORKER, PRIO],
            help: "SCHED_FIFO at PRIO",
            run: |s, v| realtime(s, v, Setting::Fifo),
        },
        Command {
            verb: &["rr"],
            args: &[WORKER, PRIO],
            help: "SCHED_RR at PRIO",
            run: |s, v| realtime(s, v, Setting::RoundRobin),
        },
        Command {
            verb: &["normal"],
            args: &[WORKER],
            help: "back to SCHED_NORMAL, nice 0",
            run: |s, v| sched(s, v, |t| t.set_policy(Setting::Normal(Nice::DEFAULT))),
        },
        Command {
            verb: &["bind"],
            args: &[WORKER, Arg::uint_to("CPU", 0, last_cpu)],
            help: "run worker N on CPU only",
            run: bind,
        },
        Command {
            verb: &["unbind"],
            args: &[WORKER],
            help: "let worker N run on every CPU",
            run: |s, v| sched(s, v, |t| t.set_affinity(None)),
        },
        Command {
            verb: &["dsleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "worker N sleeps MS ms in TASK_UNINTERRUPTIBLE (D)",
            run: |s, v| sleep(s, v, Sleep::Uninterruptible),
        },
        Command {
            verb: &["isleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "... in TASK_IDLE (I)",
            run: |s, v| sleep(s, v, Sleep::Idle),
        },
        Command {
            verb: &["ksleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "... in TASK_KILLABLE (D, but kill -9 ends the sleep)",
            run: |s, v| sleep(s, v, Sleep::Killable),
        },
        Command {
            verb: &["prodcons"],
            args: &[Arg::uint("COUNT", 1, MAX_EVENTS)],
            help: "the producer makes COUNT events for the consumer",
            run: prodcons,
        },
    ],
};

/// `control` read: the command list.
pub(crate) fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

/// The highest CPU number of this machine.
fn last_cpu() -> u64 {
    u64::from(kernel::cpu::nr_cpu_ids()).saturating_sub(1)
}

/// The nice value of argument `i` (range-checked by the table already).
fn nice_arg(v: &Values<'_>, i: usize) -> Result<Nice> {
    Nice::new(i32::try_from(v.int(i)?).map_err(|_| EINVAL)?)
}

/// The worker of argument 0, which must be running (`ESRCH` if not).
fn worker<'a>(v: &Values<'_>, workers: &'a KVec<Option<Worker>>) -> Result<&'a Worker> {
    let n = v.uint(0)?;
    let w = usize::try_from(n)
        .ok()
        .and_then(|n| workers.get(n)?.as_ref());
    w.ok_or_else(|| v.refuse_with(ESRCH, format_args!("worker {n} is not running")))
}

fn start(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)? as usize;
    let mut workers = s.workers.lock();
    let slot = workers.get_mut(n).ok_or(EINVAL)?;
    if slot.is_some() {
        return Err(v.refuse_with(EEXIST, format_args!("worker {n} is already running")));
    }
    *slot = Some(Worker::start(n)?);
    Ok(())
}

fn stop(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)? as usize;
    let w = s.workers.lock().get_mut(n).and_then(Option::take);
    // Stopped (and waited for) outside the lock.
    match w {
        Some(w) => drop(w.thread.stop()),
        None => {
            return Err(v.refuse_with(ESRCH, format_args!("worker {n} is not running")));
        }
    }
    Ok(())
}

/// Changes how the scheduler treats the worker of argument 0 with `f`.
fn sched(s: &State, v: &Values<'_>, f: impl FnOnce(&Thread<()>) -> Result) -> Result {
    let workers = s.workers.lock();
    let w = worker(v, &workers)?;
    f(&w.thread).map_err(|e| v.refuse_with(e, format_args!("the scheduler refused: {e:?}")))
}

fn nice(s: &State, v: &Values<'_>) -> Result {
    let nice = nice_arg(v, 1)?;
    sched(s, v, |t| {
        t.set_nice(nice);
        Ok(())
    })
}

/// `fifo` and `rr`: the real-time policy `setting` makes, at the priority of argument 1.
fn realtime(s: &State, v: &Values<'_>, setting: fn(RtPriority) -> Setting) -> Result {
    let prio = RtPriority::new(u32::try_from(v.uint(1)?).map_err(|_| EINVAL)?)?;
    sched(s, v, |t| t.set_policy(setting(prio)))
}

fn bind(s: &State, v: &Values<'_>) -> Result {
    let cpu = v.uint(1)?;
    let cpu = u32::try_from(cpu)
        .ok()
        .and_then(CpuId::from_u32)
        .filter(|&c| cpu_online(c))
        .ok_or_else(|| v.refuse_with(ENODEV, format_args!("cpu {cpu} is not online")))?;
    sched(s, v, |t| t.set_affinity(Some(cpu)))
}

fn sleep(s: &State, v: &Values<'_>, how: Sleep) -> Result {
    let workers = s.workers.lock();
    let w = worker(v, &workers)?;
    let time = Delta::from_millis(i64::try_from(v.uint(1)?).map_err(|_| EINVAL)?);
    w.request_sleep(how, time)
        .map_err(|e| v.refuse_with(e, format_args!("the worker is already sleeping")))
}

fn prodcons(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)?;
    s.prodcons
        .produce(n)
        .map_err(|e| v.refuse_with(e, format_args!("{MAX_EVENTS} events already queued")))
}
