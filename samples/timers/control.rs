// SPDX-License-Identifier: GPL-2.0

//! `timers/control`: the command table. Each experiment runs on its own once started (the
//! write returns as soon as its timers are armed); a second start of the same experiment while
//! it runs is refused with `EBUSY`, and `stop` cancels both at once.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    periodic::{Periodic, MAX_RUN_MS},
    wheel::{Wheel, MAX_PER_TIMEOUT},
    State,
};
use core::fmt;
use kernel::prelude::*;

pub(crate) static COMMANDS: Table<State> = Table {
    file: "timers/control",
    commands: &[
        Command {
            verb: &["wheel"],
            args: &[Arg::uint("N", 1, MAX_PER_TIMEOUT)],
            help: "arm N timer_lists per timeout (1 to 10000 jiffies), N staggered rounds",
            run: wheel,
        },
        Command {
            verb: &["hrtimer"],
            args: &[Arg::uint("MS", 100, MAX_RUN_MS)],
            help: "periodic hrtimers (hard, soft) and timer_lists at 100us, 1ms, 10ms for MS ms",
            run: hrtimer,
        },
        Command {
            verb: &["stop"],
            args: &[],
            help: "cancel every timer of both experiments (the results stay)",
            run: stop,
        },
    ],
};

/// `control` read: the command list.
pub(crate) fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

fn wheel(s: &State, v: &Values<'_>) -> Result {
    let per = usize::try_from(v.uint(0)?)?;
    let mut wheel = s.wheel.lock();
    if wheel.as_ref().is_some_and(Wheel::running) {
        return Err(v.refuse_with(EBUSY, format_args!("a wheel run is still running")));
    }
    // The last run's timers go first (they have all fired).
    *wheel = None;
    *wheel = Some(Wheel::start(per)?);
    Ok(())
}

fn hrtimer(s: &State, v: &Values<'_>) -> Result {
    let ms = v.uint(0)?;
    let mut periodic = s.periodic.lock();
    if periodic.as_ref().is_some_and(Periodic::running) {
        return Err(v.refuse_with(EBUSY, format_args!("an hrtimer run is still running")));
    }
    *periodic = None;
    *periodic = Some(Periodic::start(ms)?);
    Ok(())
}

/// Cancels both experiments' timers: the wheel's are shut down where they are (their rows keep
/// `-` for never fired), the periodic ones cancelled.
fn stop(s: &State, _v: &Values<'_>) -> Result {
    if let Some(w) = (*s.wheel.lock()).as_mut() {
        w.stop();
    }
    if let Some(p) = (*s.periodic.lock()).as_mut() {
        p.stop();
    }
    Ok(())
}
