// SPDX-License-Identifier: GPL-2.0

//! `contexts/control`: the command table (`probe`, `latency RUNS GAP_US`), one command at a
//! time.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    latency::{latency, GAP_MAX_US, RUNS_MAX},
    probe::probe,
    State,
};
use core::{
    fmt,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::prelude::*;

pub(crate) static COMMANDS: Table<State> = Table {
    file: "contexts/control",
    commands: &[
        Command {
            verb: &["probe"],
            args: &[],
            help: "run the probe in every context, then read probe",
            run: |s, v| one_at_a_time(s, v, probe),
        },
        Command {
            verb: &["latency"],
            args: &[
                Arg::uint("RUNS", 1, RUNS_MAX),
                Arg::uint("GAP_US", 0, GAP_MAX_US),
            ],
            help: "queue-to-run latency of tasklet, BH workqueue and workqueue, RUNS runs each, \
                   GAP_US apart, then read latency",
            run: |s, v| {
                let (runs, gap_us) = (v.uint(0)?, v.uint(1)?);
                one_at_a_time(s, v, |s| latency(s, runs, gap_us))
            },
        },
    ],
};

/// `control` read: the command list.
pub(crate) fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

/// Runs `f` unless another command runs: then `EBUSY` at once, rather than a wait nobody can
/// interrupt on a mutex.
fn one_at_a_time(s: &State, v: &Values<'_>, f: impl FnOnce(&State) -> Result) -> Result {
    if s.busy.swap(true, Ordering::Acquire) {
        return Err(v.refuse_with(EBUSY, format_args!("a command is still running")));
    }
    let r = f(s);
    s.busy.store(false, Ordering::Release);
    r
}

/// The flag of [`one_at_a_time`].
pub(crate) fn idle() -> AtomicBool {
    AtomicBool::new(false)
}
