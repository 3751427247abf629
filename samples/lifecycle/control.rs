// SPDX-License-Identifier: GPL-2.0

//! `lifecycle/control`: what the event log keeps.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    events::Filter,
    State,
};
use core::fmt;
use kernel::prelude::*;

pub(crate) static COMMANDS: Table<State> = Table {
    file: "lifecycle/control",
    commands: &[
        Command {
            verb: &["clear"],
            args: &[],
            help: "forget the events and the counts",
            run: clear,
        },
        Command {
            verb: &["filter", "pid"],
            args: &[Arg::uint("PID", 1, 4194304)],
            help: "keep only the events of the task (thread) PID",
            run: filter_pid,
        },
        Command {
            verb: &["filter", "subtree"],
            args: &[Arg::uint("TGID", 1, 4194304)],
            help: "keep only the events of the process TGID and its descendants",
            run: filter_subtree,
        },
        Command {
            verb: &["filter", "tgid"],
            args: &[Arg::uint("TGID", 1, 4194304)],
            help: "keep only the events of the thread group TGID",
            run: filter_tgid,
        },
        Command {
            verb: &["filter", "none"],
            args: &[],
            help: "keep every event",
            run: filter_none,
        },
    ],
};

/// `control` read: the command list.
pub(crate) fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

fn clear(s: &State, _v: &Values<'_>) -> Result {
    s.probes.handler().clear();
    Ok(())
}

fn filter_tgid(s: &State, v: &Values<'_>) -> Result {
    let tgid = i32::try_from(v.uint(0)?)?;
    s.probes.handler().set_filter(Filter::Tgid(tgid));
    Ok(())
}

fn filter_pid(s: &State, v: &Values<'_>) -> Result {
    let pid = i32::try_from(v.uint(0)?)?;
    s.probes.handler().set_filter(Filter::Pid(pid));
    Ok(())
}

fn filter_subtree(s: &State, v: &Values<'_>) -> Result {
    let tgid = i32::try_from(v.uint(0)?)?;
    s.probes.handler().set_filter(Filter::Subtree(tgid));
    Ok(())
}

fn filter_none(s: &State, _v: &Values<'_>) -> Result {
    s.probes.handler().set_filter(Filter::All);
    Ok(())
}
